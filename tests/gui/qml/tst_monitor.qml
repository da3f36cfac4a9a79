// The monitor's views against a live shoal-tracker (see monitor_views_test.cpp for the data):
// the Overview's totals and charts, the Swarms table sorted and filtered by clicks and typing,
// a swarm's detail page opened from the keyboard, errors shown and the theme switched.
import QtQuick
import QtQuick.Controls
import QtCharts
import QtTest
import Shoal.Monitor.Views

Item {
    id: root
    width: 1100
    height: 760

    MonitorView { id: view; anchors.fill: parent }

    TestCase {
        name: "MonitorViews"
        when: windowShown

        function cardValue(parent, name) {
            return findChild(findChild(parent, name), "value").text
        }

        function initTestCase() {
            view.connectTo(trackerUrl, apiKey)
        }

        // The tracker samples once a minute: the first sample with our peers shows in the cards
        // and the charts (the view polls every 5 s).
        function test_01_overview_shows_totals_and_charts() {
            compare(view.currentTab, 0)
            tryVerify(() => view.overview.totals.latest.peers === 5, 80000, "a sample with 5 peers")
            compare(cardValue(view.overview, "torrentsCard"), "3")
            compare(cardValue(view.overview, "peersCard"), "5")
            compare(cardValue(view.overview, "seedersCard"), "3")
            compare(cardValue(view.overview, "leechersCard"), "2")
            verify(findChild(view.overview, "peersChart").pointCount >= 3)
            verify(findChild(view.overview, "announceChart").pointCount >= 2)
            // Another window refetches: still the same latest point.
            const box = findChild(view.overview, "windowBox")
            box.currentIndex = box.indexOfValue(86400)
            box.activated(box.currentIndex)
            compare(view.overview.totals.windowSeconds, 86400)
            tryVerify(() => view.overview.totals.latest.peers === 5, 10000)
        }

        function test_02_swarms_sort_and_filter() {
            keyClick(Qt.Key_2, Qt.ControlModifier)
            compare(view.currentTab, 1)
            const page = view.swarms
            tryVerify(() => page.list.count === swarmCount, 10000, "every swarm listed")
            // Sort by leechers: a click sorts descending, another ascending.
            const heading = findChild(page, "heading2")
            mouseClick(heading)
            tryVerify(() => page.model.sortColumn === 2 && page.model.get(0).leechers === 2, 10000)
            compare(page.model.get(0).infoHash, "61".repeat(20))
            verify(heading.text.indexOf("▼") > 0)
            mouseClick(heading)
            tryVerify(() => page.model.sortOrder === Qt.AscendingOrder && page.model.get(0).leechers === 0, 10000)
            // Typing a prefix filters on the server.
            const filter = findChild(page, "filterField")
            mouseClick(filter)
            keyClick(Qt.Key_6)
            keyClick(Qt.Key_2)
            tryVerify(() => page.list.count === 1, 10000, "one swarm with prefix 62")
            compare(page.model.get(0).infoHash, "62".repeat(20))
            // A prefix nothing has: an empty list, not an error.
            keyClick(Qt.Key_F)
            tryVerify(() => page.list.count === 0, 10000)
            compare(view.error, "")
            filter.text = ""
            tryVerify(() => page.list.count === swarmCount, 10000)
        }

        function test_03_detail_page_from_the_keyboard() {
            const page = view.swarms
            let row = -1
            for (let i = 0; i < page.model.rowCount(); ++i)
                if (page.model.get(i).infoHash === catalogHash) row = i
            verify(row >= 0, "the catalog torrent's swarm is listed")
            page.list.forceActiveFocus()
            page.list.currentIndex = row
            keyClick(Qt.Key_Return)
            tryVerify(() => view.swarmStack.depth === 2, 5000, "detail page pushed")
            const detail = view.swarmStack.currentItem
            compare(detail.infoHash, catalogHash)
            tryVerify(() => detail.details.inCatalog, 10000, "catalog entry loaded")
            compare(findChild(detail, "titleLabel").text, catalogName)
            compare(findChild(detail, "nameLabel").text, catalogName)
            verify(findChild(detail, "magnetField").text.startsWith("magnet:?xt=urn:btih:" + catalogHash))
            compare(cardValue(detail, "seedersCard"), "1")
            tryVerify(() => detail.peers.count === 1, 10000, "the seeder in the peer list")
            compare(findChild(detail, "peersBox").title, "Peers (1)")
            // The minute sample (taken during test 1) is on the chart.
            tryVerify(() => detail.history.count >= 1, 10000, "history points")
            verify(findChild(detail, "swarmChart").pointCount >= 2)
            // Esc goes back to the list, which keeps the focus.
            keyClick(Qt.Key_Escape)
            compare(view.swarmStack.depth, 1)
        }

        function test_04_a_wrong_key_is_shown_and_polling_backs_off() {
            view.connectTo(trackerUrl, "sk_" + "1".repeat(64))
            tryVerify(() => view.error.indexOf("401") >= 0, 10000, "401 shown")
            const label = findChild(view, "errorLabel")
            verify(label.visible)
            verify(view.pollMs > view.basePollMs)
            compare(view.swarms.list.count, swarmCount)  // what was shown stays
            view.connectTo(trackerUrl, apiKey)
            tryVerify(() => view.error === "", 10000)
            compare(view.pollMs, view.basePollMs)
            verify(!label.visible)
        }

        function test_05_dark_theme() {
            const light = String(view.palette.window)   // a string: the property itself is a live reference
            const toggle = findChild(view, "darkSwitch")
            mouseClick(toggle)
            verify(view.dark)
            verify(String(view.palette.window) !== light)
            verify(view.palette.window.hslLightness < 0.3)
            compare(findChild(view.overview, "peersChart").theme, ChartView.ChartThemeDark)
            mouseClick(toggle)
            verify(!view.dark)
            compare(String(view.palette.window), light)
        }

        function test_06_users_page_changes_an_account() {
            keyClick(Qt.Key_3, Qt.ControlModifier)
            compare(view.currentTab, 2)
            const page = view.users
            tryVerify(() => page.list.count === 2, 10000, "admin and bob listed")
            let bobRow = null, adminRow = null
            for (let i = 0; i < page.list.count; ++i) {
                const item = page.list.itemAtIndex(i)
                if (item.username === "bob") bobRow = item
                if (item.username === "admin") adminRow = item
            }
            verify(bobRow && adminRow)
            const toggle = findChild(bobRow, "enabledSwitch_bob")
            verify(toggle.checked)
            mouseClick(toggle)
            tryVerify(() => page.lastMessage === "Saved" && !bobRow.enabled, 10000, "bob disabled on the server")
            verify(!toggle.checked)
            // The last admin cannot be demoted: the tracker's refusal shows, the box goes back.
            const box = findChild(adminRow, "roleBox_admin")
            box.currentIndex = 0
            box.activated(0)
            tryVerify(() => page.lastMessage.indexOf("409") >= 0, 10000, "409 shown")
            compare(box.currentIndex, 1)
            compare(adminRow.role, "admin")
        }

        function test_07_transfers_page_drives_a_peer_node() {
            keyClick(Qt.Key_4, Qt.ControlModifier)
            compare(view.currentTab, 3)
            const page = view.transfers
            page.connectTo(peerUrl, peerKey)
            tryVerify(() => page.model.revision > 0, 10000, "first sync")
            compare(page.list.count, 0)
            const input = findChild(page, "magnetInput")
            mouseClick(input)
            input.text = "magnet:?xt=urn:btih:" + "0123456789abcdef".repeat(2) + "01234567&dn=from.the.monitor"
            keyClick(Qt.Key_Return)
            tryVerify(() => page.list.count === 1, 10000, "the magnet was added")
            compare(input.text, "")
            tryVerify(() => page.list.itemAtIndex(0) !== null, 5000, "the row is drawn")
            const row = page.list.itemAtIndex(0)
            tryCompare(row, "name", "from.the.monitor", 10000)
            verify(!row.paused)
            mouseClick(findChild(row, "pauseButton"))
            tryVerify(() => page.list.itemAtIndex(0).paused, 10000, "paused by the button")
            // Space toggles, from the keyboard.
            page.list.forceActiveFocus()
            page.list.currentIndex = 0
            keyClick(Qt.Key_Space)
            tryVerify(() => !page.list.itemAtIndex(0).paused, 10000, "resumed by Space")
            // Bad input is told, nothing added.
            input.text = "not a magnet"
            mouseClick(input)
            keyClick(Qt.Key_Return)
            tryVerify(() => page.lastMessage !== "", 5000)
            compare(page.list.count, 1)
            mouseClick(findChild(page.list.itemAtIndex(0), "removeButton"))
            tryVerify(() => page.list.count === 0, 10000, "removed")
            verify(findChild(page, "speedChart").pointCount >= 2)
            // Dropped on the page: a .torrent file, then a magnet link as text.
            verify(dropper.drop(page, [torrentFileUrl], ""))
            tryVerify(() => page.list.count === 1, 10000, "the dropped .torrent was added")
            tryVerify(() => page.list.itemAtIndex(0) !== null && page.list.itemAtIndex(0).name === catalogName, 10000,
                      "the dropped .torrent's row")
            verify(dropper.drop(page, [], "magnet:?xt=urn:btih:" + "fedcba9876543210".repeat(2) + "76543210&dn=dropped.magnet"))
            tryVerify(() => page.list.count === 2, 10000, "the dropped magnet was added")
            for (let i = 1; i >= 0; --i) {
                tryVerify(() => page.list.itemAtIndex(i) !== null, 5000)
                mouseClick(findChild(page.list.itemAtIndex(i), "removeButton"))
            }
            tryVerify(() => page.list.count === 0, 10000, "both removed")
        }

        function test_08_saved_connections() {
            const store = view.savedConnections
            compare(store.count, 0)
            keyClick(Qt.Key_1, Qt.ControlModifier)   // on a tracker page the dialog saves the tracker
            view.connectTo(trackerUrl, apiKey)
            const dialog = findChild(view, "saveDialog")
            mouseClick(findChild(view, "saveButton"))
            tryVerify(() => dialog.opened, 5000)
            findChild(dialog, "saveName").text = "test tracker"
            dialog.accept()
            tryVerify(() => store.count === 1, 5000)
            compare(store.get(0).url, trackerUrl)
            compare(store.get(0).kind, "tracker")
            verify(!store.get(0).hasKey)               // not remembered without consent
            // With consent, the key is kept and a later pick connects with it.
            mouseClick(findChild(view, "saveButton"))
            tryVerify(() => dialog.opened, 5000)
            findChild(dialog, "saveName").text = "test tracker"
            findChild(dialog, "rememberKey").checked = true
            dialog.accept()
            tryVerify(() => store.get(0).hasKey, 15000)
            // No keychain here (the runner gives no session bus): the user is told where the key went.
            const notice = findChild(view, "keyNoticeDialog")
            tryVerify(() => notice.opened, 5000)
            verify(findChild(notice, "keyNoticeText").text.indexOf("readable by your account only") >= 0)
            compare(store.get(0).keyIn, "file")
            notice.close()
            tryVerify(() => !notice.opened, 5000)
            compare(store.count, 1)
            view.connectTo("http://127.0.0.1:1", "")
            tryVerify(() => view.error !== "", 10000)
            view.openSaved(0)
            tryVerify(() => view.error === "" && view.overview.totals.latest.peers === 5, 15000)
            compare(findChild(view, "urlField").text, trackerUrl)
        }

        function test_09_sign_in_with_a_password() {
            keyClick(Qt.Key_1, Qt.ControlModifier)
            view.connectTo(trackerUrl, "")
            const dialog = findChild(view, "signInDialog")
            mouseClick(findChild(view, "signInButton"))
            tryVerify(() => dialog.opened, 5000)
            findChild(dialog, "userField").text = "admin"
            findChild(dialog, "passwordField").text = "not the password"
            dialog.accept()
            tryVerify(() => dialog.message.indexOf("401") >= 0, 10000, "refusal shown: " + dialog.message)
            tryVerify(() => dialog.opened, 5000, "the dialog again")
            findChild(dialog, "userField").text = "admin"
            findChild(dialog, "passwordField").text = adminPassword
            dialog.accept()
            tryVerify(() => view.api.apiKey !== "" && view.error === "", 10000, "signed in")
            verify(findChild(view, "keyField").text === view.api.apiKey)
            verify(findChild(dialog, "passwordField").text === "")       // not kept
            tryVerify(() => view.overview.totals.latest.peers === 5, 15000)
        }

        function test_10_a_refused_save_says_why_and_keeps_the_form() {
            const dialog = findChild(view, "saveDialog")
            const before = view.savedConnections.count
            view.connectTo("ftp://nowhere", "")
            mouseClick(findChild(view, "saveButton"))
            tryVerify(() => dialog.opened, 5000)
            findChild(dialog, "saveName").text = "bad one"
            dialog.accept()
            tryVerify(() => dialog.opened && dialog.message !== "", 5000, "reopened with the reason")
            compare(findChild(dialog, "saveName").text, "bad one")
            compare(view.savedConnections.count, before)
            dialog.reject()
        }
    }
}
