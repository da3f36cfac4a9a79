// Transfers: a shoal-peer node's torrents (delta sync) with progress, rates and ETA; pause,
// resume, remove; add by magnet, by file, or by dropping .torrent files or magnet links on the
// page; the node's download and upload speed charted.
import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Shoal.Monitor

Page {
    id: page
    property bool dark: false
    readonly property alias client: peerApi
    readonly property alias model: transfers
    readonly property alias list: list
    readonly property string error: transfers.error
    property string lastMessage: ""
    title: qsTr("Transfers")

    function refresh() { if (peerApi.baseUrl.toString() !== "") transfers.refresh() }
    function connectTo(url, key) {
        nodeUrl.text = url
        nodeKey.text = key
        peerApi.baseUrl = url
        peerApi.apiKey = key
        transfers.client = null      // another node: a full sync
        transfers.client = peerApi
        transfers.refresh()
    }
    function formatRate(bps) {
        if (bps < 1024) return bps + " B/s"
        if (bps < 1024 * 1024) return (bps / 1024).toFixed(1) + " KiB/s"
        return (bps / 1024 / 1024).toFixed(2) + " MiB/s"
    }
    function formatEta(s) {
        if (s < 0) return "∞"
        if (s === 0) return "—"
        if (s < 3600) return Math.floor(s / 60) + "m " + (s % 60) + "s"
        return Math.floor(s / 3600) + "h " + Math.floor(s % 3600 / 60) + "m"
    }

    ApiClient { id: peerApi }
    TransfersModel {
        id: transfers
        client: peerApi
        onActionDone: (ok, message) => page.lastMessage = ok ? "" : message
        onSynced: {
            const now = Date.now()
            speedChart.setData([transfers.speedSeries("download"), transfers.speedSeries("upload")], now - 5 * 60 * 1000, now)
        }
    }
    FileDialog {
        id: fileDialog
        title: qsTr("Add .torrent files")
        nameFilters: [qsTr("Torrent files (*.torrent)")]
        fileMode: FileDialog.OpenFiles
        onAccepted: { for (const f of selectedFiles) transfers.addTorrentFile(f) }
    }

    DropArea {
        anchors.fill: parent
        onDropped: drop => {
            if (drop.hasUrls) {
                for (const u of drop.urls) transfers.addTorrentFile(u)
            } else if (drop.hasText && drop.text.trim().startsWith("magnet:?")) {
                transfers.addMagnet(drop.text.trim())
            }
            drop.accept()
        }
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 12
        spacing: 8

        RowLayout {
            TextField {
                id: nodeUrl
                objectName: "nodeUrl"
                placeholderText: qsTr("shoal-peer URL, e.g. http://127.0.0.1:9091")
                Layout.fillWidth: true
                onAccepted: nodeKey.forceActiveFocus()
            }
            TextField {
                id: nodeKey
                objectName: "nodeKey"
                placeholderText: qsTr("API key")
                echoMode: TextInput.Password
                Layout.preferredWidth: 260
                onAccepted: page.connectTo(nodeUrl.text.trim(), nodeKey.text.trim())
            }
            Button { text: qsTr("Connect"); onClicked: page.connectTo(nodeUrl.text.trim(), nodeKey.text.trim()) }
        }
        RowLayout {
            TextField {
                id: magnetInput
                objectName: "magnetInput"
                placeholderText: qsTr("Magnet link to add")
                Layout.fillWidth: true
                onAccepted: addMagnetButton.clicked()
            }
            Button {
                id: addMagnetButton
                text: qsTr("Add")
                enabled: magnetInput.text.trim() !== ""
                onClicked: { transfers.addMagnet(magnetInput.text.trim()); magnetInput.text = "" }
            }
            Button { text: qsTr("Add file…"); onClicked: fileDialog.open() }
            Label {
                text: "↓ " + page.formatRate(transfers.downloadRate) + "   ↑ " + page.formatRate(transfers.uploadRate)
                Layout.leftMargin: 12
            }
        }
        Label {
            objectName: "transferMessage"
            visible: page.lastMessage !== ""
            text: page.lastMessage
            textFormat: Text.PlainText
            color: "#d0453a"
        }
        ListView {
            id: list
            objectName: "transferList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.minimumHeight: 160
            clip: true
            model: transfers
            keyNavigationEnabled: true
            ScrollBar.vertical: ScrollBar {}
            Keys.onSpacePressed: if (currentItem) currentItem.togglePause()
            Keys.onDeletePressed: if (currentItem) transfers.remove(currentItem.torrentId, false)
            delegate: ItemDelegate {
                id: row
                required property int index
                required property string torrentId
                required property string name
                required property string state
                required property double progress
                required property var downloadRate
                required property var uploadRate
                required property var eta
                required property bool paused
                required property int peers
                required property int seeds
                width: ListView.view.width
                highlighted: ListView.isCurrentItem
                onClicked: list.currentIndex = index
                function togglePause() { if (paused) transfers.resume(torrentId); else transfers.pause(torrentId) }
                contentItem: RowLayout {
                    ColumnLayout {
                        Layout.fillWidth: true
                        spacing: 2
                        Label { text: row.name !== "" ? row.name : row.torrentId; textFormat: Text.PlainText; elide: Text.ElideRight; Layout.fillWidth: true; font.bold: true }
                        ProgressBar { value: row.progress; Layout.fillWidth: true }
                        Label {
                            text: qsTr("%1 · %2% · ↓ %3 · ↑ %4 · ETA %5 · %6 peers, %7 seeds")
                                  .arg(row.state).arg((row.progress * 100).toFixed(1))
                                  .arg(page.formatRate(row.downloadRate)).arg(page.formatRate(row.uploadRate))
                                  .arg(page.formatEta(row.eta)).arg(row.peers).arg(row.seeds)
                            opacity: 0.75
                        }
                    }
                    Button {
                        objectName: "pauseButton"
                        text: row.paused ? qsTr("Resume") : qsTr("Pause")
                        onClicked: row.togglePause()
                    }
                    Button {
                        objectName: "removeButton"
                        text: qsTr("Remove")
                        onClicked: transfers.remove(row.torrentId, false)
                    }
                }
            }
            Label {
                anchors.centerIn: parent
                visible: list.count === 0
                text: peerApi.baseUrl.toString() === "" ? qsTr("Connect to a shoal-peer node")
                                                        : qsTr("No torrents — add a magnet link or drop .torrent files here")
                opacity: 0.7
            }
        }
        HistoryChart {
            id: speedChart
            objectName: "speedChart"
            title: qsTr("Speed (bytes/s)")
            names: [qsTr("download"), qsTr("upload")]
            dark: page.dark
            Layout.fillWidth: true
            Layout.preferredHeight: 200
        }
    }
}
