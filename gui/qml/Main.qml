// shoal-monitor's window: the MonitorView (Shoal.Monitor.Views), which carries the palettes.
import QtQuick
import QtQuick.Controls
import Shoal.Monitor.Views

ApplicationWindow {
    id: window
    width: 1100
    height: 760
    visible: true
    title: qsTr("Shoal monitor")

    MonitorView { id: monitor; objectName: "monitor"; anchors.fill: parent }
}
