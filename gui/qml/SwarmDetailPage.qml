// One swarm: its counts, seeders/leechers over a window, its peers (address, client, progress,
// last announce), the catalog entry when the tracker's catalog has it, and the magnet link.
// Esc or Back returns to the list.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Shoal.Monitor

Page {
    id: page
    property ApiClient client
    property bool dark: false
    property string infoHash
    property int seeders
    property int leechers
    property int completed
    readonly property alias history: history
    readonly property alias details: details
    readonly property alias peers: peers
    property alias windowSeconds: windowBox.seconds
    readonly property string error: history.error !== "" ? history.error : details.error
    signal back()
    title: details.name !== "" ? details.name : qsTr("Swarm")

    function refresh() { history.refresh(); peers.refresh(); if (!details.loaded) details.refresh() }
    Component.onCompleted: { history.refresh(); details.refresh(); peers.refresh() }
    Keys.onEscapePressed: page.back()

    SwarmHistoryModel {
        id: history
        client: page.client
        infoHash: page.infoHash
        windowSeconds: windowBox.seconds
        onWindowSecondsChanged: refresh()
        onPointsChanged: {
            const now = Date.now()
            chart.setData([history.series("seeders"), history.series("leechers")], now - windowSeconds * 1000, now)
        }
    }
    TorrentDetails { id: details; client: page.client; infoHash: page.infoHash }
    SwarmPeersModel { id: peers; client: page.client; infoHash: page.infoHash }

    function formatSize(bytes) {
        if (bytes < 0) return "—"
        const units = ["B", "KiB", "MiB", "GiB", "TiB"]
        let v = bytes, i = 0
        while (v >= 1024 && i < units.length - 1) { v /= 1024; ++i }
        return (i === 0 ? v : v.toFixed(1)) + " " + units[i]
    }

    ScrollView {
        anchors.fill: parent
        contentWidth: availableWidth
        ColumnLayout {
            width: parent.width
            spacing: 10
            anchors.margins: 12

            RowLayout {
                Layout.margins: 12
                Button { objectName: "backButton"; text: qsTr("← Swarms"); onClicked: page.back() }
                Label {
                    objectName: "titleLabel"
                    text: page.title
                    font.pixelSize: Qt.application.font.pixelSize * 1.4
                    font.bold: true
                    elide: Text.ElideRight
                    Layout.fillWidth: true
                }
            }
            Label { text: page.infoHash; font.family: "monospace"; Layout.leftMargin: 12; textFormat: Text.PlainText }
            RowLayout {
                Layout.leftMargin: 12; Layout.rightMargin: 12
                spacing: 10
                StatCard { objectName: "seedersCard"; label: qsTr("Seeders"); value: page.seeders }
                StatCard { objectName: "leechersCard"; label: qsTr("Leechers"); value: page.leechers }
                StatCard { objectName: "completedCard"; label: qsTr("Completed"); value: page.completed }
            }
            RowLayout {
                Layout.leftMargin: 12; Layout.rightMargin: 12
                Label { text: qsTr("Magnet") }
                TextField {
                    id: magnetField
                    objectName: "magnetField"
                    text: details.magnet
                    readOnly: true
                    selectByMouse: true
                    Layout.fillWidth: true
                }
                Button {
                    text: qsTr("Copy")
                    enabled: details.magnet !== ""
                    onClicked: { magnetField.selectAll(); magnetField.copy(); magnetField.deselect() }
                }
            }
            RowLayout {
                Layout.leftMargin: 12; Layout.rightMargin: 12
                Label { text: qsTr("Window") }
                WindowSelector { id: windowBox; objectName: "windowBox"; seconds: 86400 }
                Item { Layout.fillWidth: true }
                Label {
                    visible: history.count === 0
                    text: qsTr("No history in this window")
                    opacity: 0.7
                }
            }
            HistoryChart {
                id: chart
                objectName: "swarmChart"
                title: qsTr("Seeders and leechers")
                names: [qsTr("seeders"), qsTr("leechers")]
                dark: page.dark
                Layout.fillWidth: true
                Layout.preferredHeight: 280
                Layout.leftMargin: 12; Layout.rightMargin: 12
            }
            GroupBox {
                objectName: "peersBox"
                title: peers.total > peers.count ? qsTr("Peers (%1 of %2)").arg(peers.count).arg(peers.total)
                                                 : qsTr("Peers (%1)").arg(peers.count)
                Layout.fillWidth: true
                Layout.leftMargin: 12; Layout.rightMargin: 12
                Column {
                    width: parent.width
                    Row {
                        Label { text: qsTr("Address"); font.bold: true; width: 260 }
                        Label { text: qsTr("Client"); font.bold: true; width: 220 }
                        Label { text: qsTr("Progress"); font.bold: true; width: 170 }
                        Label { text: qsTr("Last announce"); font.bold: true; width: 160 }
                    }
                    Repeater {
                        model: peers
                        delegate: Row {
                            required property string address
                            required property int port
                            required property bool seeder
                            required property string clientName
                            required property var progress
                            required property var lastAnnounce
                            Label {
                                width: 260
                                text: (address.indexOf(":") >= 0 ? "[" + address + "]" : address) + ":" + port
                                font.family: "monospace"
                                elide: Text.ElideRight
                            }
                            Label { width: 220; text: clientName !== "" ? clientName : "—"; textFormat: Text.PlainText; elide: Text.ElideRight }
                            Row {
                                width: 170
                                spacing: 6
                                ProgressBar { width: 100; value: progress === null || progress === undefined ? 0 : progress; anchors.verticalCenter: parent.verticalCenter }
                                Label { text: progress === null || progress === undefined ? "?" : (seeder ? qsTr("seed") : Math.round(progress * 100) + "%") }
                            }
                            Label { width: 160; text: Qt.formatDateTime(lastAnnounce, "yyyy-MM-dd hh:mm:ss") }
                        }
                    }
                    Label { visible: peers.count === 0; text: qsTr("No peers right now"); opacity: 0.7 }
                }
            }
            GroupBox {
                objectName: "catalogBox"
                title: qsTr("Catalog")
                Layout.fillWidth: true
                Layout.leftMargin: 12; Layout.rightMargin: 12
                ColumnLayout {
                    anchors.fill: parent
                    Label {
                        visible: details.loaded && !details.inCatalog
                        text: qsTr("Not in this tracker's catalog.")
                        opacity: 0.75
                    }
                    GridLayout {
                        visible: details.inCatalog
                        columns: 2
                        Label { text: qsTr("Name") } Label { objectName: "nameLabel"; text: details.name; textFormat: Text.PlainText; wrapMode: Text.Wrap; Layout.fillWidth: true }
                        Label { text: qsTr("Size") } Label { text: page.formatSize(details.size) }
                        Label { text: qsTr("Files") } Label { text: details.files.length }
                        Label { text: qsTr("Category") } Label { text: details.categoryId > 0 ? details.categoryId : "—" }
                        Label { text: qsTr("Tags") } Label { text: details.tags.length > 0 ? details.tags.join(", ") : "—"; textFormat: Text.PlainText }
                        Label { text: qsTr("Description"); visible: details.description !== "" }
                        Label { text: details.description; visible: details.description !== ""; textFormat: Text.PlainText; wrapMode: Text.Wrap; Layout.fillWidth: true }
                    }
                    Repeater {
                        model: details.files.slice(0, 50)
                        delegate: Label {
                            required property var modelData
                            text: modelData.path + "  (" + page.formatSize(modelData.size) + ")"
                            textFormat: Text.PlainText
                            font.family: "monospace"
                            elide: Text.ElideMiddle
                            Layout.fillWidth: true
                        }
                    }
                }
            }
        }
    }
}
