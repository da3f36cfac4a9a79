// The monitor's first view: connect to a tracker (URL + API key) and see its totals and swarms.
// Later views (charts, swarm details, transfers, users) build on the same models.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Shoal.Monitor

ApplicationWindow {
    id: window
    width: 960
    height: 640
    visible: true
    title: qsTr("Shoal monitor")

    ApiClient { id: api }
    TotalsHistoryModel { id: totals; client: api; windowSeconds: 3600 }
    SwarmTableModel { id: swarms; client: api }

    Timer {
        interval: 5000; repeat: true; running: api.baseUrl.toString() !== ""
        triggeredOnStart: true
        onTriggered: { totals.refresh(); swarms.refresh() }
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 12
        spacing: 8

        RowLayout {
            TextField { id: url; placeholderText: qsTr("Tracker URL, e.g. http://tracker:6969"); Layout.fillWidth: true }
            TextField { id: key; placeholderText: qsTr("API key"); echoMode: TextInput.Password; Layout.preferredWidth: 260 }
            Button {
                text: qsTr("Connect")
                onClicked: { api.baseUrl = url.text; api.apiKey = key.text; totals.refresh(); swarms.refresh() }
            }
        }
        Label {
            visible: swarms.error !== "" || totals.error !== ""
            text: swarms.error !== "" ? swarms.error : totals.error
            color: "firebrick"
        }
        Label {
            text: totals.latest.peers === undefined ? qsTr("No data yet")
                  : qsTr("%1 torrents · %2 peers · %3 seeders · %4 leechers")
                        .arg(totals.latest.torrents).arg(totals.latest.peers)
                        .arg(totals.latest.seeders).arg(totals.latest.leechers)
        }
        TextField {
            placeholderText: qsTr("Filter by info-hash prefix")
            onTextChanged: { swarms.filter = text; swarms.refresh() }
        }
        ListView {
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: swarms
            delegate: Label {
                required property string infoHash
                required property int seeders
                required property int leechers
                required property int completed
                text: infoHash + "   S " + seeders + "   L " + leechers + "   C " + completed
                font.family: "monospace"
            }
        }
    }
}
