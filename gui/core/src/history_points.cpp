#include "shoal/gui/history_points.hpp"

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

void HistoryPoints::append(const QDateTime& time, const std::vector<qint64>& values) {
  m_times.push_back(time);
  for (std::size_t c = 0; c < m_columns.size(); ++c) m_columns[c].push_back(c < values.size() ? values[c] : 0);
}

void HistoryPoints::trim_front(std::size_t keep_last) {
  if (m_times.size() <= keep_last) return;
  const auto drop = static_cast<std::ptrdiff_t>(m_times.size() - keep_last);
  m_times.erase(m_times.begin(), m_times.begin() + drop);
  for (auto& c : m_columns) c.erase(c.begin(), c.begin() + drop);
}

}  // namespace shoal::gui
