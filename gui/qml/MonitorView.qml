// The monitor's whole window content: the connection bar, then Overview and Swarms (with a
// swarm's detail page). Polls the visible page every 5 s; while the server fails, waits longer
// each time (up to a minute) and says why. All requests are asynchronous with timeouts
// (ApiClient), so a slow server never freezes the window.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Shoal.Monitor

Pane {
    id: view
    padding: 0
    property bool dark: false
    property alias api: api
    property alias currentTab: tabs.currentIndex
    readonly property alias overview: overview
    readonly property alias swarms: swarmsPage
    readonly property alias swarmStack: swarmStack
    readonly property alias users: usersPage
    readonly property alias transfers: transfersPage
    property alias chartWindow: overview.windowSeconds
    property bool openFirstSwarm: false   // showPage("swarm"): open the first row once loaded
    readonly property int basePollMs: 5000
    property int pollMs: basePollMs
    function pageAt(index) { return [overview, swarmStack.currentItem, usersPage, transfersPage][index] }
    readonly property var currentPage: pageAt(tabs.currentIndex)
    readonly property string error: currentPage && currentPage.error !== undefined ? currentPage.error : ""

    ApiClient { id: api }
    ConnectionStore { id: saved }
    property alias savedConnections: saved

    // Opens a saved connection: a tracker in the main bar, a peer node in Transfers.
    function openSaved(row) {
        const c = saved.get(row)
        if (c.url === undefined) return
        if (c.kind === "peer") {
            transfersPage.connectTo(c.url, c.key)
            tabs.currentIndex = 3
        } else {
            connectTo(c.url, c.key)
            if (!c.hasKey) keyField.forceActiveFocus()
        }
    }

    // Light and dark palettes (Fusion style; children inherit them).
    palette.window: dark ? "#1f2124" : "#f4f4f5"
    palette.windowText: dark ? "#e6e6e8" : "#1d1d20"
    palette.base: dark ? "#26282c" : "#ffffff"
    palette.alternateBase: dark ? "#2c2f33" : "#ececef"
    palette.text: dark ? "#e6e6e8" : "#1d1d20"
    palette.button: dark ? "#33363b" : "#e8e8eb"
    palette.buttonText: dark ? "#e6e6e8" : "#1d1d20"
    palette.brightText: "#ffffff"
    palette.highlight: dark ? "#3d7bd9" : "#2f6fd0"
    palette.highlightedText: "#ffffff"
    palette.mid: dark ? "#44474c" : "#b9bbc0"
    palette.dark: dark ? "#15161a" : "#9a9ca1"
    palette.light: dark ? "#505359" : "#ffffff"
    palette.midlight: dark ? "#3b3e43" : "#dcdde0"
    palette.shadow: "#000000"
    palette.toolTipBase: dark ? "#33363b" : "#ffffdc"
    palette.toolTipText: dark ? "#e6e6e8" : "#1d1d20"

    function connectTo(url, key) {
        urlField.text = url
        keyField.text = key
        api.baseUrl = url
        api.apiKey = key
        pollMs = basePollMs
        refreshVisible()
        poll.restart()
    }
    function showPage(name) {
        tabs.currentIndex = ({ overview: 0, swarms: 1, swarm: 1, users: 2, transfers: 3 })[name] ?? 0
        openFirstSwarm = name === "swarm"
        if (openFirstSwarm) openSwarmAt(0)
    }
    function openSwarmAt(row) {
        const r = swarmsPage.model.get(row)
        if (r.infoHash === undefined) return false
        openFirstSwarm = false
        swarmsPage.openSwarm(r.infoHash, r.seeders, r.leechers, r.completed)
        return true
    }
    Connections {
        target: swarmsPage.model
        function onRowsChanged() { if (view.openFirstSwarm) view.openSwarmAt(0) }
    }
    function refreshVisible() {
        const page = pageAt(tabs.currentIndex)   // not currentPage: it may not be re-evaluated yet
        if (page) page.refresh()
    }
    onErrorChanged: pollMs = error === "" ? basePollMs : Math.min(pollMs * 2, 60000)

    Timer {
        id: poll
        interval: view.pollMs
        repeat: true
        running: api.baseUrl.toString() !== "" || transfersPage.client.baseUrl.toString() !== ""
        onTriggered: view.refreshVisible()
    }

    Shortcut { sequence: "Ctrl+1"; onActivated: tabs.currentIndex = 0 }
    Shortcut { sequence: "Ctrl+2"; onActivated: tabs.currentIndex = 1 }
    Shortcut { sequence: "Ctrl+3"; onActivated: tabs.currentIndex = 2 }
    Shortcut { sequence: "Ctrl+4"; onActivated: tabs.currentIndex = 3 }
    Shortcut { sequences: [StandardKey.Refresh, "Ctrl+R"]; onActivated: view.refreshVisible() }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        ToolBar {
            Layout.fillWidth: true
            RowLayout {
                anchors.fill: parent
                anchors.leftMargin: 8
                anchors.rightMargin: 8
                TextField {
                    id: urlField
                    objectName: "urlField"
                    placeholderText: qsTr("Tracker URL, e.g. http://tracker:6969")
                    Layout.fillWidth: true
                    Accessible.name: qsTr("Tracker URL")
                    onAccepted: keyField.forceActiveFocus()
                }
                TextField {
                    id: keyField
                    objectName: "keyField"
                    placeholderText: qsTr("API key or session token")
                    echoMode: TextInput.Password
                    Layout.preferredWidth: 260
                    Accessible.name: qsTr("API key")
                    onAccepted: connectButton.clicked()
                }
                ComboBox {
                    id: savedBox
                    objectName: "savedBox"
                    model: saved
                    textRole: "display"
                    displayText: qsTr("Saved…")
                    Layout.preferredWidth: 150
                    enabled: saved.count > 0
                    Accessible.name: qsTr("Saved connections")
                    onActivated: index => view.openSaved(index)
                }
                Button {
                    objectName: "signInButton"
                    text: qsTr("Sign in…")
                    onClicked: signInDialog.open()
                }
                Button {
                    objectName: "saveButton"
                    text: qsTr("Save")
                    onClicked: saveDialog.start()
                }
                Button {
                    id: connectButton
                    objectName: "connectButton"
                    text: qsTr("Connect")
                    onClicked: view.connectTo(urlField.text.trim(), keyField.text.trim())
                }
                Switch {
                    objectName: "darkSwitch"
                    text: qsTr("Dark")
                    checked: view.dark
                    onToggled: view.dark = checked
                }
            }
        }
        Label {
            objectName: "errorLabel"
            visible: view.error !== ""
            text: view.error + (view.pollMs > view.basePollMs ? qsTr("  (retrying in %1 s)").arg(Math.round(view.pollMs / 1000)) : "")
            textFormat: Text.PlainText
            color: "#d0453a"
            wrapMode: Text.Wrap
            Layout.fillWidth: true
            Layout.margins: 8
        }
        TabBar {
            id: tabs
            Layout.fillWidth: true
            TabButton { text: qsTr("Overview") }
            TabButton { text: qsTr("Swarms") }
            TabButton { text: qsTr("Users") }
            TabButton { text: qsTr("Transfers") }
            onCurrentIndexChanged: view.refreshVisible()
        }
        StackLayout {
            currentIndex: tabs.currentIndex
            Layout.fillWidth: true
            Layout.fillHeight: true
            OverviewPage { id: overview; client: api; dark: view.dark }
            StackView {
                id: swarmStack
                initialItem: SwarmsPage {
                    id: swarmsPage
                    client: api
                    onOpenSwarm: (infoHash, seeders, leechers, completed) => {
                        const page = detailComponent.createObject(null, {
                            infoHash: infoHash, seeders: seeders, leechers: leechers, completed: completed,
                            windowSeconds: overview.windowSeconds })
                        swarmStack.push(page, {}, StackView.Immediate)
                        page.forceActiveFocus()
                    }
                }
            }
            UsersPage { id: usersPage; client: api }
            TransfersPage { id: transfersPage; dark: view.dark }
        }
    }

    Dialog {
        id: signInDialog
        objectName: "signInDialog"
        title: qsTr("Sign in to the tracker")
        modal: true
        anchors.centerIn: parent
        standardButtons: Dialog.Ok | Dialog.Cancel
        property string message: ""
        onAboutToShow: { passwordField.text = ""; userField.forceActiveFocus() }
        onRejected: message = ""
        onAccepted: {
            message = ""
            api.baseUrl = urlField.text.trim()
            api.signIn(userField.text.trim(), passwordField.text)
            passwordField.text = ""
        }
        Connections {
            target: api
            function onSignedIn() { keyField.text = api.apiKey; view.connectTo(api.baseUrl.toString(), api.apiKey) }
            function onSignInFailed(message) { signInDialog.message = message; signInDialog.open() }
        }
        ColumnLayout {
            anchors.fill: parent
            TextField { id: userField; objectName: "userField"; placeholderText: qsTr("Username"); Layout.fillWidth: true }
            TextField {
                id: passwordField
                objectName: "passwordField"
                placeholderText: qsTr("Password")
                echoMode: TextInput.Password
                Layout.fillWidth: true
                onAccepted: signInDialog.accept()
            }
            Label { text: qsTr("The session token replaces the key; the password is not kept."); opacity: 0.75 }
            Label { visible: signInDialog.message !== ""; text: signInDialog.message; textFormat: Text.PlainText; color: "#d0453a" }
        }
    }

    // Where a remembered key went when the keychain could not take it.
    Dialog {
        id: keyNoticeDialog
        objectName: "keyNoticeDialog"
        title: qsTr("Key not in a keychain")
        modal: true
        anchors.centerIn: parent
        standardButtons: Dialog.Ok
        width: Math.min(view.width * 0.8, 640)
        Label {
            objectName: "keyNoticeText"
            text: saved.keyNotice
            textFormat: Text.PlainText
            wrapMode: Text.Wrap
            width: keyNoticeDialog.availableWidth
        }
    }

    Dialog {
        id: saveDialog
        objectName: "saveDialog"
        title: qsTr("Save this connection")
        modal: true
        anchors.centerIn: parent
        standardButtons: Dialog.Save | Dialog.Cancel
        property string message: ""
        // A fresh form (the Save button); a refused save reopens the dialog as it was, with why.
        function start() {
            message = ""
            kindBox.currentIndex = tabs.currentIndex === 3 ? 1 : 0
            nameField.text = ""
            rememberBox.checked = false
            open()
            nameField.forceActiveFocus()
        }
        onAccepted: {
            const peer = kindBox.currentIndex === 1
            const ok = saved.save(nameField.text, peer ? "peer" : "tracker",
                                  peer ? transfersPage.client.baseUrl.toString() : api.baseUrl.toString(),
                                  peer ? transfersPage.client.apiKey : api.apiKey, rememberBox.checked)
            if (!ok) { message = saved.error; Qt.callLater(open) }   // after this close completes
            else if (rememberBox.checked && saved.keyNotice !== "") Qt.callLater(keyNoticeDialog.open)
        }
        ColumnLayout {
            anchors.fill: parent
            TextField { id: nameField; objectName: "saveName"; placeholderText: qsTr("Name"); Layout.fillWidth: true }
            ComboBox { id: kindBox; model: [qsTr("this tracker"), qsTr("this peer node (Transfers)")]; Layout.fillWidth: true }
            CheckBox {
                id: rememberBox
                objectName: "rememberKey"
                text: qsTr("Remember the key on this computer")
            }
            Label {
                text: qsTr("Without it you type the key each time. With it the key is kept in your system's\nkeychain (where there is none: in a file only your account can read, %1).").arg(saved.path)
                textFormat: Text.PlainText
                opacity: 0.75
                font.pixelSize: Qt.application.font.pixelSize * 0.9
            }
            Label { visible: saveDialog.message !== ""; text: saveDialog.message; textFormat: Text.PlainText; color: "#d0453a" }
        }
    }

    Component {
        id: detailComponent
        SwarmDetailPage {
            client: api
            dark: view.dark
            onBack: { swarmStack.pop(StackView.Immediate); swarmsPage.list.forceActiveFocus() }
        }
    }
}
