// Users (admins): every account with its role and whether it may sign in; an admin changes a
// role or disables an account here. The tracker refuses what must not happen (demoting or
// disabling the last admin) and the message shows.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Shoal.Monitor

Page {
    id: page
    property ApiClient client
    readonly property alias model: users
    readonly property alias list: list
    readonly property string error: users.error
    property string lastMessage: ""
    title: qsTr("Users")

    function refresh() { users.refresh() }

    UsersModel {
        id: users
        client: page.client
        onChangeDone: (ok, message) => page.lastMessage = ok ? qsTr("Saved") : message
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 12
        spacing: 8
        RowLayout {
            TextField {
                id: search
                objectName: "userSearch"
                placeholderText: qsTr("Search by name or e-mail")
                Layout.fillWidth: true
                onTextChanged: searchDelay.restart()
            }
            Timer { id: searchDelay; interval: 300; onTriggered: { users.query = search.text; users.refresh() } }
            Label { text: qsTr("%n user(s)", "", users.total); opacity: 0.75 }
        }
        Label {
            objectName: "userMessage"
            visible: page.lastMessage !== ""
            text: page.lastMessage
            textFormat: Text.PlainText
            color: page.lastMessage === qsTr("Saved") ? "#2e9d4f" : "#d0453a"
        }
        Row {
            // headings, in the rows' widths (an ItemDelegate pads its content by its padding)
            Layout.fillWidth: true
            leftPadding: 12
            readonly property int userWidth: width - 24 - 170 - 120 - 90
            Label { text: qsTr("User"); font.bold: true; width: parent.userWidth }
            Label { text: qsTr("Last sign-in"); font.bold: true; width: 170 }
            Label { text: qsTr("Role"); font.bold: true; width: 120 }
            Label { text: qsTr("Enabled"); font.bold: true; width: 90 }
        }
        ListView {
            id: list
            objectName: "userList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: users
            keyNavigationEnabled: true
            ScrollBar.vertical: ScrollBar {}
            delegate: ItemDelegate {
                id: row
                required property int index
                required property var userId
                required property string username
                required property string email
                required property string role
                required property bool enabled
                required property var lastLoginAt
                width: ListView.view.width
                highlighted: ListView.isCurrentItem
                contentItem: Row {
                    spacing: 0
                    Column {
                        width: row.availableWidth - 170 - 120 - 90
                        anchors.verticalCenter: parent.verticalCenter
                        Label { text: row.username; textFormat: Text.PlainText; font.bold: true; width: parent.width; elide: Text.ElideRight }
                        Label { text: row.email; textFormat: Text.PlainText; opacity: 0.7; visible: row.email !== ""; width: parent.width; elide: Text.ElideRight }
                    }
                    Label {
                        width: 170
                        anchors.verticalCenter: parent.verticalCenter
                        text: row.lastLoginAt ? Qt.formatDateTime(row.lastLoginAt, "yyyy-MM-dd hh:mm") : qsTr("never")
                    }
                    ComboBox {
                        objectName: "roleBox_" + row.username
                        width: 110
                        anchors.verticalCenter: parent.verticalCenter
                        model: ["user", "admin"]
                        currentIndex: row.role === "admin" ? 1 : 0
                        Accessible.name: qsTr("Role of %1").arg(row.username)
                        onActivated: index => {
                            users.setRole(row.userId, model[index])
                            currentIndex = Qt.binding(() => row.role === "admin" ? 1 : 0)
                        }
                    }
                    Item { width: 10; height: 1 }
                    Switch {
                        objectName: "enabledSwitch_" + row.username
                        anchors.verticalCenter: parent.verticalCenter
                        checked: row.enabled
                        Accessible.name: qsTr("%1 may sign in").arg(row.username)
                        onToggled: {
                            users.setEnabled(row.userId, checked)
                            checked = Qt.binding(() => row.enabled)
                        }
                    }
                }
            }
        }
    }
}
