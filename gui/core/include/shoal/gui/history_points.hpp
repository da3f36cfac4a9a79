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
//
// Delta sync of a history window (api_history.hpp's `since`):
//   getJson("/api/v1/history?" + h.query(window), ...)    // "window=W", or "window=W&since=T"
//   h.merge(window, answer.since, answer.from, fresh);    // fresh: the answer's points
// query() asks for a delta only when these points are already that window's (T = the newest
// point's time); merge() applies a delta (drops own points from `since` on, appends, drops those
// before `from`) or, for a whole-window answer or another window, replaces.

#include <QDateTime>
#include <QString>
#include <QVariantList>

#include <cstddef>
#include <optional>
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

  QString query(int window) const;
  void merge(int window, std::optional<qint64> since, qint64 from, const HistoryPoints& fresh);

private:
  std::vector<QDateTime> m_times;
  std::vector<std::vector<qint64>> m_columns;
  int m_window = 0;  ///< the window these points are (merge), 0 = none
};

}  // namespace shoal::gui
