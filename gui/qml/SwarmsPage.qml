// Swarms: every torrent on the tracker with seeders, leechers, completed and trend (peers now
// against an hour ago). Sorted and filtered on the server (click a heading; type an info-hash
// prefix); Enter or a click opens the swarm's detail page.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Shoal.Monitor

Page {
    id: page
    property ApiClient client
    readonly property alias model: swarms
    readonly property alias list: list
    readonly property string error: swarms.error
    signal openSwarm(string infoHash, int seeders, int leechers, int completed)
    title: qsTr("Swarms")

    function refresh() { swarms.refresh() }

    SwarmTableModel { id: swarms; client: page.client }

    readonly property var columns: [
        { title: qsTr("Info-hash"), column: SwarmTableModel.InfoHash, width: 0 },
        { title: qsTr("Seeders"), column: SwarmTableModel.Seeders, width: 110 },
        { title: qsTr("Leechers"), column: SwarmTableModel.Leechers, width: 110 },
        { title: qsTr("Completed"), column: SwarmTableModel.Completed, width: 110 },
        { title: qsTr("Trend (1 h)"), column: SwarmTableModel.Trend, width: 110 }
    ]

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 12
        spacing: 8

        RowLayout {
            TextField {
                id: filterField
                objectName: "filterField"
                placeholderText: qsTr("Filter by info-hash prefix")
                Layout.fillWidth: true
                validator: RegularExpressionValidator { regularExpression: /[0-9a-fA-F]{0,40}/ }
                onTextChanged: filterDelay.restart()
                Keys.onDownPressed: list.forceActiveFocus()
            }
            Timer { id: filterDelay; interval: 300; onTriggered: { swarms.filter = filterField.text.toLowerCase(); swarms.refresh() } }
            Label { text: qsTr("%n torrent(s)", "", swarms.total); opacity: 0.75 }
            BusyIndicator { running: swarms.loading; implicitWidth: 24; implicitHeight: 24 }
        }

        // Headings: click to sort by that column, again to reverse.
        RowLayout {
            spacing: 0
            Layout.fillWidth: true
            Repeater {
                model: page.columns
                delegate: ItemDelegate {
                    required property var modelData
                    objectName: "heading" + modelData.column
                    Layout.fillWidth: modelData.width === 0
                    Layout.preferredWidth: modelData.width === 0 ? 200 : modelData.width
                    text: modelData.title + (swarms.sortColumn === modelData.column
                                             ? (swarms.sortOrder === Qt.AscendingOrder ? "  ▲" : "  ▼") : "")
                    font.bold: true
                    onClicked: swarms.sort(modelData.column,
                                           swarms.sortColumn === modelData.column && swarms.sortOrder === Qt.DescendingOrder
                                           ? Qt.AscendingOrder : Qt.DescendingOrder)
                }
            }
        }

        ListView {
            id: list
            objectName: "swarmList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: swarms
            keyNavigationEnabled: true
            focus: true
            highlightMoveDuration: 0
            ScrollBar.vertical: ScrollBar {}
            Keys.onReturnPressed: if (currentItem) currentItem.open()
            Keys.onEnterPressed: if (currentItem) currentItem.open()
            delegate: ItemDelegate {
                id: row
                required property int index
                required property string infoHash
                required property int seeders
                required property int leechers
                required property int completed
                required property var trend
                width: ListView.view.width
                highlighted: ListView.isCurrentItem
                function open() { page.openSwarm(infoHash, seeders, leechers, completed) }
                onClicked: { list.currentIndex = index; open() }
                contentItem: RowLayout {
                    spacing: 0
                    Label { text: row.infoHash; font.family: "monospace"; elide: Text.ElideMiddle; Layout.fillWidth: true; Layout.preferredWidth: 200 }
                    Label { text: row.seeders; Layout.preferredWidth: 110; horizontalAlignment: Text.AlignRight; rightPadding: 24 }
                    Label { text: row.leechers; Layout.preferredWidth: 110; horizontalAlignment: Text.AlignRight; rightPadding: 24 }
                    Label { text: row.completed; Layout.preferredWidth: 110; horizontalAlignment: Text.AlignRight; rightPadding: 24 }
                    Label {
                        text: row.trend === null || row.trend === undefined ? "—" : (row.trend > 0 ? "+" + row.trend : String(row.trend))
                        color: row.trend > 0 ? "#2e9d4f" : (row.trend < 0 ? "#d0453a" : palette.text)
                        Layout.preferredWidth: 110; horizontalAlignment: Text.AlignRight; rightPadding: 24
                    }
                }
            }
            Label {
                anchors.centerIn: parent
                visible: list.count === 0 && !swarms.loading
                text: swarms.error !== "" ? "" : qsTr("No swarms")
                opacity: 0.7
            }
        }
    }
}
