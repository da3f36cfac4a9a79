#pragma once
// HistoryPoints: a time series of the monitor (the points of a history answer — proto's
// api_history.hpp — or the Transfers speed samples), stored by column, with what charts need.
//
//   HistoryPoints h(2);
//   for (const auto& p : history.points) h.append(utc_time(p.t), {qcount(p.seeders), qcount(p.leechers)});
//   h.size();  h.time(i);  h.value(column, i);
//   h.series(column, /*per_minute_step=*/600)  // QVariantList of QPointF(ms since epoch, value / 10)
//
// Contract: series() points have x in milliseconds since the epoch (a DateTimeAxis's unit); a
// per_minute_step > 0 scales values that count events per step to events per minute.
// xy_series() does the same for any times/values.

#include <QDateTime>
#include <QString>
#include <QVariantList>

#include <cstddef>
#include <vector>

namespace shoal::gui {

QVariantList xy_series(const std::vector<QDateTime>& times, const std::vector<qint64>& values,
                       int per_minute_step = 0);

class HistoryPoints {
public:
  HistoryPoints() = default;
  explicit HistoryPoints(std::size_t columns) : m_columns(columns) {}

  void append(const QDateTime& time, const std::vector<qint64>& values);  ///< one value per column
  std::size_t size() const noexcept { return m_times.size(); }
  bool empty() const noexcept { return m_times.empty(); }
  const QDateTime& time(std::size_t row) const { return m_times[row]; }
  qint64 value(std::size_t column, std::size_t row) const { return m_columns[column][row]; }
  std::size_t columns() const noexcept { return m_columns.size(); }
  /// One column as chart points; empty for a column that does not exist.
  QVariantList series(std::size_t column, int per_minute_step = 0) const {
    return column < m_columns.size() ? xy_series(m_times, m_columns[column], per_minute_step) : QVariantList();
  }
  void trim_front(std::size_t keep_last);  ///< drops the oldest points beyond `keep_last`

private:
  std::vector<QDateTime> m_times;
  std::vector<std::vector<qint64>> m_columns;
};

}  // namespace shoal::gui
