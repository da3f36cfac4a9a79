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

QString HistoryPoints::query(int window) const {
  QString q = QStringLiteral("window=%1").arg(window);
  if (window == m_window && !m_times.empty()) q += QStringLiteral("&since=%1").arg(m_times.back().toSecsSinceEpoch());
  return q;
}

void HistoryPoints::merge(int window, std::optional<qint64> since, qint64 from, const HistoryPoints& fresh) {
  if (!since || window != m_window || fresh.m_columns.size() != m_columns.size()) {
    *this = fresh;
    m_window = window;
    return;
  }
  // Own points from `since` on are replaced by the answer's; those before `from` left the window.
  std::size_t keep_from = 0, keep_to = m_times.size();
  while (keep_from < keep_to && m_times[keep_from].toSecsSinceEpoch() < from) ++keep_from;
  while (keep_to > keep_from && m_times[keep_to - 1].toSecsSinceEpoch() >= *since) --keep_to;
  const auto cut = [&](auto& v) {
    v.erase(v.begin() + static_cast<std::ptrdiff_t>(keep_to), v.end());
    v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(keep_from));
  };
  cut(m_times);
  for (auto& c : m_columns) cut(c);
  for (std::size_t i = 0; i < fresh.size(); ++i) {
    if (fresh.m_times[i].toSecsSinceEpoch() < from) continue;
    m_times.push_back(fresh.m_times[i]);
    for (std::size_t c = 0; c < m_columns.size(); ++c) m_columns[c].push_back(fresh.m_columns[c][i]);
  }
}

void HistoryPoints::trim_front(std::size_t keep_last) {
  if (m_times.size() <= keep_last) return;
  const auto drop = static_cast<std::ptrdiff_t>(m_times.size() - keep_last);
  m_times.erase(m_times.begin(), m_times.begin() + drop);
  for (auto& c : m_columns) c.erase(c.begin(), c.begin() + drop);
}

}  // namespace shoal::gui
