#include "shoal/gui/chart_series.hpp"

#include <QPointF>

#include <algorithm>

namespace shoal::gui {

QVariantList xy_series(const std::vector<QDateTime>& times, const std::vector<qint64>& values, int per_minute_step) {
  QVariantList out;
  const std::size_t n = std::min(times.size(), values.size());
  out.reserve(static_cast<qsizetype>(n));
  const double scale = per_minute_step > 0 ? 60.0 / per_minute_step : 1.0;
  for (std::size_t i = 0; i < n; ++i)
    out.append(QPointF(static_cast<double>(times[i].toMSecsSinceEpoch()), static_cast<double>(values[i]) * scale));
  return out;
}

}  // namespace shoal::gui
