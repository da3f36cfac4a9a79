// One figure with its label (the Overview's totals).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Frame {
    id: card
    property string label
    property var value
    Layout.fillWidth: true
    ColumnLayout {
        anchors.fill: parent
        spacing: 2
        Label { text: card.label; opacity: 0.75; font.pixelSize: Qt.application.font.pixelSize }
        Label {
            objectName: "value"
            text: card.value === undefined || card.value === null ? "—" : Number(card.value).toLocaleString(Qt.locale(), "f", 0)
            font.pixelSize: Qt.application.font.pixelSize * 1.8
            font.bold: true
        }
    }
}
