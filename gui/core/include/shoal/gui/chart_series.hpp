#pragma once
// chart_series: turns a history's points into what a QML chart (QtCharts XYSeries) appends —
// a list of QPointF with x = milliseconds since the epoch (a DateTimeAxis's unit) and y the value,
// optionally scaled to a per-minute rate (counters sampled once per `step` seconds).
//
//   QVariantList pts = xy_series(times, values, /*per_minute_step=*/600);   // y = count / 10
//
// Contract: `times` and `values` have the same length (extra values are ignored); a
// per_minute_step of 0 leaves values as they are.

#include <QDateTime>
#include <QVariantList>

#include <cstdint>
#include <vector>

namespace shoal::gui {

QVariantList xy_series(const std::vector<QDateTime>& times, const std::vector<qint64>& values,
                       int per_minute_step = 0);

}  // namespace shoal::gui
