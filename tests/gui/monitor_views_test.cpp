// The monitor's QML views with live data: a quick_test_main runner (tests in qml/tst_*.qml) under
// a QApplication (QtCharts needs one), on the offscreen platform, against a real shoal-tracker
// filled by real announces, a catalog upload and a second account, and a real shoal-peer node.
// The QML side sees `trackerUrl`, `apiKey`, `catalogHash`, `catalogName`, `swarmCount`, `peerUrl`,
// `peerKey` and `torrentFileUrl` as context properties, and `dropper` to drop files or text on an
// item the way a desktop drag does (drag-enter, drag-move and drop events through the window).
#include <QApplication>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMimeData>
#include <QQuickItem>
#include <QQuickWindow>
#include <QUrl>
#include <QQmlContext>
#include <QQmlEngine>
#include <QQuickStyle>
#include <QTemporaryDir>
#include <QtQml/qqmlextensionplugin.h>
#include <QtQuickTest>

#include <cstdio>
#include <cstdlib>

#include "peer_process.hpp"
#include "tracker_process.hpp"

Q_IMPORT_QML_PLUGIN(Shoal_MonitorPlugin)
Q_IMPORT_QML_PLUGIN(Shoal_Monitor_ViewsPlugin)

/// Drops URLs or text on a QML item as a desktop drag-and-drop delivers them: QDragEnterEvent,
/// QDragMoveEvent and QDropEvent at the item's centre, sent to its window (Qt Quick's event
/// delivery finds the DropArea). QtQuickTest has no drag-and-drop of its own.
class Dropper : public QObject {
  Q_OBJECT

public:
  /// True when the drop was accepted.
  Q_INVOKABLE bool drop(QQuickItem* target, const QList<QUrl>& urls, const QString& text) {
    if (!target || !target->window()) return false;
    QMimeData data;
    if (!urls.isEmpty()) data.setUrls(urls);
    if (!text.isEmpty()) data.setText(text);
    const QPointF at = target->mapToScene(QPointF(target->width() / 2, target->height() / 2));
    QQuickWindow* window = target->window();
    QDragEnterEvent enter(at.toPoint(), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(window, &enter);
    QDragMoveEvent move(at.toPoint(), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(window, &move);
    QDropEvent dropped(at, Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(window, &dropped);
    return dropped.isAccepted();
  }
};

class Setup : public QObject {
  Q_OBJECT

public slots:
  void applicationAvailable() {
    const QString error = m_tracker.start("[accounts]\nregistration = \"invite\"\n");
    if (!error.isEmpty()) fail(error);
    const QString invite = QJsonDocument::fromJson(m_tracker.request("POST", "/api/v1/admin/invites"))
                               .object().value("invite").toString();
    const QByteArray reg = m_tracker.request(
        "POST", "/api/v1/auth/register",
        QJsonDocument(QJsonObject{{"username", "bob"}, {"password", "correct horse battery staple"}, {"invite", invite}})
            .toJson());
    if (!reg.contains("\"bob\"")) fail("registration failed: " + QString::fromUtf8(reg));
    const QString peer_error = m_peer.start();
    if (!peer_error.isEmpty()) fail(peer_error);
    // Two swarms by announces: 'a' with a seeder and two leechers, 'b' with a seeder; and a
    // catalog torrent with a seeder.
    bool ok = m_tracker.announce(QByteArray(20, 'a'), 7001, true) && m_tracker.announce(QByteArray(20, 'a'), 7002, false) &&
              m_tracker.announce(QByteArray(20, 'a'), 7003, false) && m_tracker.announce(QByteArray(20, 'b'), 7004, true);
    if (!ok) fail("announce refused by " + m_tracker.base());
    QFile file(QStringLiteral(SHOAL_TESTDATA_DIR "/torrents/base.torrent"));
    if (!file.open(QIODevice::ReadOnly)) fail("no base.torrent");
    const QByteArray uploaded = m_tracker.request("POST", "/api/v1/torrents", file.readAll(), "application/x-bittorrent");
    const QJsonObject torrent = QJsonDocument::fromJson(uploaded).object().value("torrent").toObject();
    m_catalog_hash = torrent.value("info_hash_v1").toString();
    m_catalog_name = torrent.value("name").toString();
    if (m_catalog_hash.size() != 40) fail("upload failed: " + QString::fromUtf8(uploaded));
    if (!m_tracker.announce(QByteArray::fromHex(m_catalog_hash.toLatin1()), 7005, true)) fail("announce refused");
  }

  void qmlEngineAvailable(QQmlEngine* engine) {
    engine->addImportPath(QStringLiteral("qrc:/"));
    QQmlContext* context = engine->rootContext();
    context->setContextProperty("trackerUrl", m_tracker.base());
    context->setContextProperty("apiKey", m_tracker.token());
    context->setContextProperty("adminPassword", m_tracker.password());
    context->setContextProperty("catalogHash", m_catalog_hash);
    context->setContextProperty("catalogName", m_catalog_name);
    context->setContextProperty("swarmCount", 3);
    context->setContextProperty("peerUrl", m_peer.base());
    context->setContextProperty("peerKey", m_peer.key());
    context->setContextProperty("torrentFileUrl", QUrl::fromLocalFile(QStringLiteral(SHOAL_TESTDATA_DIR "/torrents/base.torrent")));
    context->setContextProperty("dropper", &m_dropper);
  }

private:
  [[noreturn]] static void fail(const QString& why) {
    std::fprintf(stderr, "monitor_views_test setup: %s\n", qPrintable(why));
    std::exit(1);
  }

  TrackerProcess m_tracker;
  PeerProcess m_peer;
  Dropper m_dropper;
  QString m_catalog_hash;
  QString m_catalog_name;
};

int main(int argc, char** argv) {
  // Saved connections go to a throw-away config folder, not the user's.
  QTemporaryDir config;
  qputenv("XDG_CONFIG_HOME", config.path().toUtf8());
  // And no keychain answers (a session bus that is not there): a remembered key takes the
  // owner-only file and the user is told — on any machine, never the user's own keyring.
  qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/shoal-test-bus");
  QApplication app(argc, argv);
  QQuickStyle::setStyle(QStringLiteral("Fusion"));
  Setup setup;
  return quick_test_main_with_setup(argc, argv, "monitor_views", QUICK_TEST_SOURCE_DIR, &setup);
}

#include "monitor_views_test.moc"
