// A time chart of up to three lines (QtCharts). setData(lists, fromMs, toMs) draws each list of
// points ({x: ms since epoch, y}) as the line named names[i]; the y axis starts at 0 and grows to
// a round maximum, the x axis spans the window.
import QtQuick
import QtCharts

ChartView {
    id: chart
    property var names: []
    property var colors: ["#3d7bd9", "#2e9d4f", "#e0892b"]
    property bool dark: false
    property int pointCount: 0          // points drawn, over every line (for tests)
    antialiasing: true
    legend.alignment: Qt.AlignBottom
    theme: dark ? ChartView.ChartThemeDark : ChartView.ChartThemeLight
    backgroundRoundness: 0
    margins { left: 4; right: 4; top: 4; bottom: 4 }

    DateTimeAxis { id: xAxis; format: "hh:mm"; tickCount: 6 }
    ValueAxis { id: yAxis; min: 0; max: 4; labelFormat: "%.0f"; tickCount: 5 }
    LineSeries { id: s0; axisX: xAxis; axisY: yAxis; color: chart.colors[0]; name: chart.names.length > 0 ? chart.names[0] : ""; visible: chart.names.length > 0; width: 2; pointsVisible: chart.pointCount < 120 }
    LineSeries { id: s1; axisX: xAxis; axisY: yAxis; color: chart.colors[1]; name: chart.names.length > 1 ? chart.names[1] : ""; visible: chart.names.length > 1; width: 2; pointsVisible: chart.pointCount < 120 }
    LineSeries { id: s2; axisX: xAxis; axisY: yAxis; color: chart.colors[2]; name: chart.names.length > 2 ? chart.names[2] : ""; visible: chart.names.length > 2; width: 2; pointsVisible: chart.pointCount < 120 }

    // The y axis has 4 intervals of a round step (1, 2 or 5 times a power of ten, at least 1).
    function niceMax(v) {
        const raw = Math.max(v / 4, 1)
        const p = Math.pow(10, Math.floor(Math.log10(raw)))
        for (const m of [1, 2, 5, 10]) if (m * p >= raw) return 4 * m * p
        return 40 * p
    }

    function setData(lists, fromMs, toMs) {
        const series = [s0, s1, s2]
        let maxY = 0
        let count = 0
        for (let i = 0; i < series.length; ++i) {
            series[i].clear()
            const pts = i < lists.length ? lists[i] : []
            for (let j = 0; j < pts.length; ++j) {
                series[i].append(pts[j].x, pts[j].y)
                maxY = Math.max(maxY, pts[j].y)
            }
            count += pts.length
        }
        pointCount = count
        yAxis.max = niceMax(maxY)
        xAxis.min = new Date(fromMs)
        xAxis.max = new Date(toMs)
        xAxis.format = toMs - fromMs > 2 * 86400 * 1000 ? "dd MMM" : (toMs - fromMs <= 300 * 1000 ? "hh:mm:ss" : "hh:mm")
    }
}
