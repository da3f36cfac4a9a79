// Overview: the tracker's totals and, charted over a selectable window, its peers and its
// announce and scrape rates by protocol (GET /api/v1/history, so the past shows at once).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Shoal.Monitor

Page {
    id: page
    property ApiClient client
    property bool dark: false
    readonly property alias totals: totals
    readonly property string error: totals.error
    property alias windowSeconds: windowBox.seconds
    title: qsTr("Overview")

    function refresh() { totals.refresh() }

    TotalsHistoryModel {
        id: totals
        client: page.client
        windowSeconds: windowBox.seconds
        onWindowSecondsChanged: refresh()
        onPointsChanged: page.redraw()
    }

    function redraw() {
        const now = Date.now()
        const from = now - totals.windowSeconds * 1000
        peersChart.setData([totals.series("peers"), totals.series("seeders"), totals.series("leechers")], from, now)
        announceChart.setData([totals.series("announcesUdp", true), totals.series("announcesHttp", true)], from, now)
        scrapeChart.setData([totals.series("scrapesUdp", true), totals.series("scrapesHttp", true)], from, now)
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 12
        spacing: 10

        RowLayout {
            spacing: 10
            StatCard { objectName: "torrentsCard"; label: qsTr("Torrents"); value: totals.latest.torrents }
            StatCard { objectName: "peersCard"; label: qsTr("Peers"); value: totals.latest.peers }
            StatCard { objectName: "seedersCard"; label: qsTr("Seeders"); value: totals.latest.seeders }
            StatCard { objectName: "leechersCard"; label: qsTr("Leechers"); value: totals.latest.leechers }
            StatCard { objectName: "completedCard"; label: qsTr("Completed"); value: totals.latest.completed }
        }
        RowLayout {
            Label { text: qsTr("Window") }
            WindowSelector { id: windowBox; objectName: "windowBox"; seconds: 3600 }
            Item { Layout.fillWidth: true }
            Label {
                text: totals.step >= 600 ? qsTr("one point per 10 minutes") : qsTr("one point per minute")
                opacity: 0.7
            }
        }
        GridLayout {
            columns: page.width > 900 ? 2 : 1
            Layout.fillWidth: true
            Layout.fillHeight: true
            HistoryChart {
                id: peersChart
                objectName: "peersChart"
                title: qsTr("Peers")
                names: [qsTr("peers"), qsTr("seeders"), qsTr("leechers")]
                dark: page.dark
                Layout.fillWidth: true
                Layout.fillHeight: true
                Layout.columnSpan: parent.columns
                Layout.minimumHeight: 180
            }
            HistoryChart {
                id: announceChart
                objectName: "announceChart"
                title: qsTr("Announces per minute")
                names: [qsTr("UDP"), qsTr("HTTP")]
                dark: page.dark
                Layout.fillWidth: true
                Layout.fillHeight: true
                Layout.minimumHeight: 160
            }
            HistoryChart {
                id: scrapeChart
                objectName: "scrapeChart"
                title: qsTr("Scrapes per minute")
                names: [qsTr("UDP"), qsTr("HTTP")]
                dark: page.dark
                Layout.fillWidth: true
                Layout.fillHeight: true
                Layout.minimumHeight: 160
            }
        }
    }
}
