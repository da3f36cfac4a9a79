// A ComboBox of chart windows, 1 minute to 30 days; `seconds` is the chosen window.
import QtQuick
import QtQuick.Controls

ComboBox {
    id: control
    property int seconds: 3600
    textRole: "text"
    valueRole: "value"
    model: [
        { text: qsTr("1 minute"), value: 60 },
        { text: qsTr("5 minutes"), value: 300 },
        { text: qsTr("15 minutes"), value: 900 },
        { text: qsTr("1 hour"), value: 3600 },
        { text: qsTr("6 hours"), value: 21600 },
        { text: qsTr("24 hours"), value: 86400 },
        { text: qsTr("7 days"), value: 604800 },
        { text: qsTr("30 days"), value: 2592000 }
    ]
    Component.onCompleted: currentIndex = Math.max(0, indexOfValue(seconds))
    onSecondsChanged: if (indexOfValue(seconds) >= 0) currentIndex = indexOfValue(seconds)
    onActivated: seconds = currentValue
    Accessible.name: qsTr("Chart window")
}
