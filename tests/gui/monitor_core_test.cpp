// shoal-monitor's API client and models against a real shoal-tracker on loopback, filled by real
// announces (QtTest; no GUI needed).
#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

#include "shoal/gui/api_client.hpp"
#include "shoal/gui/connection_store.hpp"
#include "shoal/gui/swarm_history_model.hpp"
#include "shoal/gui/swarm_peers_model.hpp"
#include "shoal/gui/swarm_table_model.hpp"
#include "shoal/gui/torrent_details.hpp"
#include "shoal/gui/totals_history_model.hpp"
#include "shoal/gui/transfers_model.hpp"
#include "shoal/gui/users_model.hpp"
#include "peer_process.hpp"
#include "tracker_process.hpp"

using shoal::gui::ApiClient;
using shoal::gui::ApiResult;
using shoal::gui::ConnectionStore;
using shoal::gui::SwarmHistoryModel;
using shoal::gui::SwarmPeersModel;
using shoal::gui::SwarmTableModel;
using shoal::gui::TorrentDetails;
using shoal::gui::TotalsHistoryModel;
using shoal::gui::TransfersModel;
using shoal::gui::UsersModel;

/// A stand-in server for what a real one will not send: it answers every request with `body`
/// (200, JSON) and records the request lines.
class StubServer {
public:
  StubServer() {
    QVERIFY(m_server.listen(QHostAddress::LocalHost));
    QObject::connect(&m_server, &QTcpServer::newConnection, &m_server, [this] {
      while (QTcpSocket* s = m_server.nextPendingConnection()) {
        QObject::connect(s, &QTcpSocket::readyRead, s, [this, s] {
          const QByteArray request = s->readAll();
          if (s->property("answered").toBool()) return;
          s->setProperty("answered", true);
          requests.append(request.left(request.indexOf("\r\n")));
          s->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                   QByteArray::number(body.size()) + "\r\n\r\n" + body);
          s->disconnectFromHost();
        });
      }
    });
  }
  QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort())); }

  QByteArray body;
  QList<QByteArray> requests;  ///< "GET /path?query HTTP/1.1"

private:
  QTcpServer m_server;
};

/// A totals history point as the tracker writes it, with `peers` peers.
QByteArray totals_point(qint64 t, int peers) {
  return QStringLiteral(R"({"t": %1, "torrents": 1, "peers": %2, "seeders": 1, "leechers": %3, "completed": 0,
                          "announces": {"udp": 0, "http": 0}, "scrapes": {"udp": 0, "http": 0}})")
      .arg(t)
      .arg(peers)
      .arg(peers - 1)
      .toUtf8();
}

class MonitorCoreTest : public QObject {
  Q_OBJECT

private:
  TrackerProcess m_tracker;
  QString m_base;
  QString m_token;

  void announce(char c, int port, bool seeder) { QVERIFY(m_tracker.announce(QByteArray(20, c), port, seeder)); }

private slots:
  void initTestCase() {
    // No keychain answers here (a session bus that is not there), on any machine: saved keys
    // take the owner-only file (monitor_keychain_test covers the keychain).
    qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/shoal-test-bus");
    const QString error = m_tracker.start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    m_base = m_tracker.base();
    m_token = m_tracker.token();
    announce('a', 7001, true);
    announce('a', 7002, false);
    announce('a', 7003, false);
    announce('b', 7004, true);
  }

  void signInTurnsAPasswordIntoASessionToken() {
    ApiClient api;
    api.setBaseUrl(QUrl(m_base));
    QSignalSpy ok(&api, &ApiClient::signedIn);
    QSignalSpy failed(&api, &ApiClient::signInFailed);
    api.signIn("admin", "wrong password");
    QVERIFY(failed.wait(10000));
    QVERIFY2(failed.last().at(0).toString().contains("401"), qPrintable(failed.last().at(0).toString()));
    QCOMPARE(api.apiKey(), QString());
    api.signIn("admin", m_tracker.password());
    QVERIFY(ok.wait(10000));
    QVERIFY(!api.apiKey().isEmpty());
    bool listed = false;
    api.getJson("/api/v1/swarms", [&](const ApiResult& r) { listed = r.ok(); });
    QTRY_VERIFY_WITH_TIMEOUT(listed, 10000);
  }

  void swarmTableShowsLiveSwarmsSortedAndFiltered() {
    ApiClient api;
    api.setBaseUrl(QUrl(m_base));
    api.setApiKey(m_token);
    SwarmTableModel model;
    model.setClient(&api);
    model.setSortColumn(SwarmTableModel::Leechers);
    QSignalSpy rows(&model, &SwarmTableModel::rowsChanged);
    model.refresh();
    QVERIFY(rows.wait(10000));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.total(), 2);
    QCOMPARE(model.error(), QString());
    QCOMPARE(model.data(model.index(0, 0), SwarmTableModel::InfoHashRole).toString(), QString(40 / 2, 'x').replace("x", "61"));
    QCOMPARE(model.data(model.index(0, 0), SwarmTableModel::LeechersRole).toInt(), 2);
    QCOMPARE(model.data(model.index(0, 0), SwarmTableModel::SeedersRole).toInt(), 1);
    QCOMPARE(model.data(model.index(0, SwarmTableModel::Leechers)).toInt(), 2);
    QCOMPARE(model.headerData(SwarmTableModel::Seeders, Qt::Horizontal).toString(), QStringLiteral("Seeders"));
    const QVariantMap first = model.get(0);
    QCOMPARE(first.value("infoHash").toString(), model.data(model.index(0, 0), SwarmTableModel::InfoHashRole).toString());
    QCOMPARE(first.value("leechers").toInt(), 2);
    QVERIFY(model.get(2).isEmpty());
    QVERIFY(model.get(-1).isEmpty());

    model.sort(SwarmTableModel::Leechers, Qt::AscendingOrder);  // sort() refreshes
    QVERIFY(rows.wait(10000));
    QCOMPARE(model.data(model.index(0, 0), SwarmTableModel::LeechersRole).toInt(), 0);

    model.setFilter("6262");
    model.refresh();
    QVERIFY(rows.wait(10000));
    QCOMPARE(model.rowCount(), 1);
    QVERIFY(model.data(model.index(0, 0), SwarmTableModel::InfoHashRole).toString().startsWith("6262"));
  }

  void errorsAreToldApart() {
    ApiClient wrong;
    wrong.setBaseUrl(QUrl(m_base));
    wrong.setApiKey("sk_" + QString(64, '1'));
    SwarmTableModel model;
    model.setClient(&wrong);
    QSignalSpy error(&model, &SwarmTableModel::errorChanged);
    model.refresh();
    QVERIFY(error.wait(10000));
    QVERIFY2(model.error().contains("401"), qPrintable(model.error()));
    QCOMPARE(model.rowCount(), 0);

    ApiClient nowhere;
    nowhere.setBaseUrl(QUrl("http://127.0.0.1:1"));
    ApiResult got;
    bool called = false;
    nowhere.getJson("/api/v1/swarms", [&](const ApiResult& r) { got = r, called = true; });
    QTRY_VERIFY_WITH_TIMEOUT(called, 10000);
    QCOMPARE(got.kind, ApiResult::Kind::unreachable);
    QVERIFY(!got.message.isEmpty());

    ApiClient no_url;
    bool refused = false;
    no_url.getJson("/api/v1/swarms", [&](const ApiResult& r) { refused = r.kind == ApiResult::Kind::unreachable; });
    QVERIFY(refused);  // at once, no request made
  }

  // A server whose answers have another shape (another version, a proxy's page): the models read
  // them with proto's message types, show where the answer does not read, and keep no half-read
  // rows.
  void answersOfAnotherShapeAreErrorsNotEmptyRows() {
    StubServer server;
    QByteArray& body = server.body;
    ApiClient api;
    api.setBaseUrl(server.url());

    body = R"({"swarms": [{"info_hash": "aa", "seeders": 1, "leechers": 0, "completed": 0, "trend": null},
                          {"info_hash": "bb", "seeders": "3", "leechers": 0, "completed": 0}],
               "total": 2, "limit": 500, "offset": 0, "sort": "seeders", "order": "desc"})";
    SwarmTableModel swarms;
    swarms.setClient(&api);
    QSignalSpy swarms_error(&swarms, &SwarmTableModel::errorChanged);
    swarms.refresh();
    QVERIFY(swarms_error.wait(10000));
    QVERIFY2(swarms.error().contains("swarms[1].seeders: expected a count, found a string"), qPrintable(swarms.error()));
    QCOMPARE(swarms.rowCount(), 0);

    body = R"({"revision": 5, "full": true, "torrents": [], "removed": []})";  // no "global"
    TransfersModel transfers;
    transfers.setClient(&api);
    QSignalSpy transfers_error(&transfers, &TransfersModel::errorChanged);
    transfers.refresh();
    QVERIFY(transfers_error.wait(10000));
    QVERIFY2(transfers.error().contains("global: missing"), qPrintable(transfers.error()));
    QCOMPARE(transfers.revision(), 0);  // not applied: the next sync starts over

    body = "<html><body>502 Bad Gateway</body></html>";
    ApiResult got;
    bool called = false;
    api.getJson("/api/v1/history", [&](const ApiResult& r) { got = r, called = true; });
    QTRY_VERIFY_WITH_TIMEOUT(called, 10000);
    QCOMPARE(got.kind, ApiResult::Kind::bad_response);
    QVERIFY2(got.message.contains("not JSON at byte 0"), qPrintable(got.message));
  }

  // A tracker behind a certificate the system does not trust: the failure is told apart as TLS,
  // with Qt's reason, and no request is answered.
  void anUntrustedCertificateIsToldApart() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QProcess openssl;
    openssl.start("openssl", {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.filePath("key.pem"), "-out",
                              dir.filePath("cert.pem"), "-days", "1", "-subj", "/CN=127.0.0.1"});
    QVERIFY(openssl.waitForFinished(60000));
    QCOMPARE(openssl.exitCode(), 0);
    TrackerProcess tls;
    const QString started = tls.start(QStringLiteral("[tls]\nlisten = [\"127.0.0.1:0\"]\ncertificate = \"%1\"\n"
                                                     "private_key = \"%2\"\n")
                                          .arg(dir.filePath("cert.pem"), dir.filePath("key.pem"))
                                          .toUtf8());
    QVERIFY2(started.isEmpty(), qPrintable(started));
    QVERIFY(tls.tlsBase().startsWith("https://"));
    ApiClient api;
    api.setBaseUrl(QUrl(tls.tlsBase()));
    api.setApiKey(tls.token());
    ApiResult got;
    bool called = false;
    api.getJson("/api/v1/swarms", [&](const ApiResult& r) { got = r, called = true; });
    QTRY_VERIFY_WITH_TIMEOUT(called, 10000);
    QCOMPARE(got.kind, ApiResult::Kind::tls);
    QVERIFY(!got.message.isEmpty());
    // The same tracker over plain HTTP answers: it was the certificate.
    api.setBaseUrl(QUrl(tls.base()));
    called = false;
    api.getJson("/api/v1/swarms", [&](const ApiResult& r) { got = r, called = true; });
    QTRY_VERIFY_WITH_TIMEOUT(called, 10000);
    QVERIFY(got.ok());
  }

  void totalsHistoryFillsWithinAMinute() {
    ApiClient api;
    api.setBaseUrl(QUrl(m_base));
    api.setApiKey(m_token);
    TotalsHistoryModel model;
    model.setClient(&api);
    model.setWindowSeconds(600);
    // The tracker samples once a minute: poll until the sample with our four peers is there.
    QVariantMap latest;
    for (int i = 0; i < 75 && latest.value("peers").toInt() != 4; ++i) {
      QSignalSpy points(&model, &TotalsHistoryModel::pointsChanged);
      model.refresh();
      QVERIFY(points.wait(10000));
      latest = model.latest();
      if (latest.value("peers").toInt() != 4) QTest::qWait(1000);
    }
    QCOMPARE(latest.value("peers").toInt(), 4);
    QCOMPARE(latest.value("torrents").toInt(), 2);
    QCOMPARE(latest.value("seeders").toInt(), 2);
    QCOMPARE(model.step(), 60);
    QVERIFY(model.rowCount() >= 1);
    QCOMPARE(model.data(model.index(model.rowCount() - 1), TotalsHistoryModel::PeersRole).toInt(), 4);
    QVERIFY(model.data(model.index(0), TotalsHistoryModel::TimeRole).toDateTime().isValid());
  }

  // After the first whole window, the chart asks only for what is new (?since= the newest point's
  // time), replaces its newest point (a 10-minute point may still change), drops what left the
  // window; another window or another server starts over.
  void historyFollowsByDeltaAfterTheFirstWindow() {
    StubServer server;
    ApiClient api;
    api.setBaseUrl(server.url());
    TotalsHistoryModel model;
    model.setClient(&api);
    model.setWindowSeconds(3600);
    server.body = R"({"step": 60, "from": 1000, "to": 4600, "since": null, "points": [)" + totals_point(1020, 1) + "," +
                  totals_point(1080, 2) + "," + totals_point(1140, 3) + "]}";
    QSignalSpy points(&model, &TotalsHistoryModel::pointsChanged);
    model.refresh();
    QVERIFY(points.wait(10000));
    QCOMPARE(model.rowCount(), 3);
    QVERIFY2(server.requests.last().contains("/api/v1/history?window=3600 "), server.requests.last().constData());

    server.body = R"({"step": 60, "from": 1060, "to": 4660, "since": 1140, "points": [)" + totals_point(1140, 4) + "," +
                  totals_point(1200, 5) + "]}";
    model.refresh();
    QVERIFY(points.wait(10000));
    QVERIFY2(server.requests.last().contains("/api/v1/history?window=3600&since=1140 "), server.requests.last().constData());
    QCOMPARE(model.rowCount(), 3);  // 1020 left the window; 1140 replaced; 1200 added
    QCOMPARE(model.data(model.index(0), TotalsHistoryModel::TimeRole).toDateTime().toSecsSinceEpoch(), 1080);
    QCOMPARE(model.data(model.index(1), TotalsHistoryModel::PeersRole).toInt(), 4);
    QCOMPARE(model.latest().value("peers").toInt(), 5);

    model.setWindowSeconds(600);  // another window: the whole of it
    server.body = R"({"step": 60, "from": 4060, "to": 4660, "since": null, "points": [)" + totals_point(4620, 6) + "]}";
    model.refresh();
    QVERIFY(points.wait(10000));
    QVERIFY2(!server.requests.last().contains("since="), server.requests.last().constData());
    QCOMPARE(model.rowCount(), 1);

    StubServer other;
    api.setBaseUrl(other.url());  // another server: nothing of the first one's past stays
    QCOMPARE(model.rowCount(), 0);
    other.body = server.body;
    model.refresh();
    QVERIFY(points.wait(10000));
    QVERIFY2(!other.requests.last().contains("since="), other.requests.last().constData());
  }

  // Runs after totalsHistoryFillsWithinAMinute: the minute sample holding our swarms is taken.
  void swarmHistoryHasTheSampledCounts() {
    ApiClient api;
    api.setBaseUrl(QUrl(m_base));
    api.setApiKey(m_token);
    SwarmHistoryModel model;
    model.setClient(&api);
    model.setInfoHash(QString(40, 'Z'));  // not hex: refused without a request
    model.refresh();
    QVERIFY(!model.error().isEmpty());
    model.setInfoHash(QStringLiteral("61").repeated(20).toUpper());  // case does not matter
    QCOMPARE(model.infoHash(), QStringLiteral("61").repeated(20));
    model.setWindowSeconds(3600);
    QSignalSpy points(&model, &SwarmHistoryModel::pointsChanged);
    model.refresh();
    QVERIFY(points.wait(10000));
    QCOMPARE(model.error(), QString());
    QVERIFY(model.rowCount() >= 1);
    const QModelIndex last = model.index(model.rowCount() - 1);
    QCOMPARE(model.data(last, SwarmHistoryModel::SeedersRole).toInt(), 1);
    QCOMPARE(model.data(last, SwarmHistoryModel::LeechersRole).toInt(), 2);
    const QVariantList series = model.series("leechers");
    QCOMPARE(series.size(), model.rowCount());
    QCOMPARE(series.last().toPointF().y(), 2.0);
    QCOMPARE(static_cast<qint64>(series.last().toPointF().x()),
             model.data(last, SwarmHistoryModel::TimeRole).toDateTime().toMSecsSinceEpoch());
    QVERIFY(model.series("bogus").isEmpty());
  }

  void swarmPeersWithClientsAndProgress() {
    ApiClient api;
    api.setBaseUrl(QUrl(m_base));
    api.setApiKey(m_token);
    SwarmPeersModel peers;
    peers.setClient(&api);
    peers.setInfoHash("not a hash");
    peers.refresh();
    QVERIFY(!peers.error().isEmpty());
    peers.setInfoHash(QStringLiteral("61").repeated(20));
    QSignalSpy rows(&peers, &SwarmPeersModel::rowsChanged);
    peers.refresh();
    QVERIFY(rows.wait(10000));
    QCOMPARE(peers.error(), QString());
    QCOMPARE(peers.rowCount(), 3);
    QCOMPARE(peers.total(), 3);
    const QModelIndex first = peers.index(0);
    QVERIFY(peers.data(first, SwarmPeersModel::SeederRole).toBool());  // seeders first
    QCOMPARE(peers.data(first, SwarmPeersModel::PortRole).toInt(), 7001);
    QCOMPARE(peers.data(first, SwarmPeersModel::AddressRole).toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(peers.data(first, SwarmPeersModel::ClientNameRole).toString(), QStringLiteral("Shoal 0.0.0.1"));
    QCOMPARE(peers.data(first, SwarmPeersModel::ProgressRole).toDouble(), 1.0);
    const QModelIndex leecher = peers.index(1);
    QVERIFY(!peers.data(leecher, SwarmPeersModel::SeederRole).toBool());
    QCOMPARE(peers.data(leecher, SwarmPeersModel::ProgressRole).toDouble(), 0.0);  // left 1000 of 1000
    QVERIFY(peers.data(leecher, SwarmPeersModel::LastAnnounceRole).toDateTime().isValid());
  }

  void torrentDetailsFromTheCatalogOrAMagnet() {
    ApiClient api;
    api.setBaseUrl(QUrl(m_base));
    api.setApiKey(m_token);
    // Not in the catalog: no error, a magnet with this tracker's announce URL.
    TorrentDetails details;
    details.setClient(&api);
    details.setInfoHash(QStringLiteral("62").repeated(20));
    QSignalSpy changed(&details, &TorrentDetails::changed);
    details.refresh();
    QVERIFY(changed.wait(10000));
    QVERIFY(details.loaded());
    QVERIFY(!details.inCatalog());
    QCOMPARE(details.error(), QString());
    QCOMPARE(details.magnet(), "magnet:?xt=urn:btih:" + QStringLiteral("62").repeated(20) + "&tr=" +
                                   QString::fromUtf8(QUrl::toPercentEncoding(m_base + "/announce")));

    // In the catalog: found by its info-hash, with name and files.
    QFile file(QStringLiteral(SHOAL_TESTDATA_DIR "/torrents/base.torrent"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray uploaded = m_tracker.request("POST", "/api/v1/torrents", file.readAll(), "application/x-bittorrent");
    const QJsonObject torrent = QJsonDocument::fromJson(uploaded).object().value("torrent").toObject();
    const QString v1 = torrent.value("info_hash_v1").toString();
    QVERIFY2(v1.size() == 40, uploaded.constData());
    details.setInfoHash(v1);
    QVERIFY(!details.loaded());  // a new hash starts empty
    details.refresh();
    QVERIFY(changed.wait(10000));
    QVERIFY(details.inCatalog());
    QCOMPARE(details.name(), torrent.value("name").toString());
    QCOMPARE(details.size(), torrent.value("size").toInteger());
    QCOMPARE(details.files().size(), torrent.value("file_count").toInt());
    QVERIFY(details.magnet().startsWith("magnet:?xt=urn:btih:" + v1));

    // A server that does not answer is an error, and what was shown stays.
    ApiClient nowhere;
    nowhere.setBaseUrl(QUrl("http://127.0.0.1:1"));
    details.setClient(&nowhere);
    QSignalSpy error(&details, &TorrentDetails::errorChanged);
    details.refresh();
    QVERIFY(error.wait(10000));
    QVERIFY(!details.error().isEmpty());
    QVERIFY(details.inCatalog());
  }

  void usersListedAndChangedByAnAdmin() {
    // A tracker where admins invite, and a second account made with an invite.
    TrackerProcess tracker;
    const QString started = tracker.start("[accounts]\nregistration = \"invite\"\n");
    QVERIFY2(started.isEmpty(), qPrintable(started));
    const QString invite = QJsonDocument::fromJson(tracker.request("POST", "/api/v1/admin/invites"))
                               .object().value("invite").toString();
    QVERIFY(!invite.isEmpty());
    const QByteArray reg = tracker.request(
        "POST", "/api/v1/auth/register",
        QJsonDocument(QJsonObject{{"username", "bob"}, {"password", "correct horse battery staple"}, {"invite", invite}})
            .toJson());
    QVERIFY2(reg.contains("\"bob\""), reg.constData());

    ApiClient api;
    api.setBaseUrl(QUrl(tracker.base()));
    api.setApiKey(tracker.token());
    UsersModel users;
    users.setClient(&api);
    QSignalSpy rows(&users, &UsersModel::rowsChanged);
    users.refresh();
    QVERIFY(rows.wait(10000));
    QCOMPARE(users.error(), QString());
    QCOMPARE(users.rowCount(), 2);
    int bob = -1, admin = -1;
    for (int i = 0; i < users.rowCount(); ++i) {
      const QString name = users.data(users.index(i), UsersModel::UsernameRole).toString();
      if (name == "bob") bob = i;
      if (name == "admin") admin = i;
    }
    QVERIFY(bob >= 0 && admin >= 0);
    const qint64 bob_id = users.data(users.index(bob), UsersModel::UserIdRole).toLongLong();
    const qint64 admin_id = users.data(users.index(admin), UsersModel::UserIdRole).toLongLong();
    QCOMPARE(users.data(users.index(bob), UsersModel::RoleRole).toString(), QStringLiteral("user"));
    QVERIFY(users.data(users.index(bob), UsersModel::EnabledRole).toBool());
    QVERIFY(!users.data(users.index(bob), UsersModel::LastLoginAtRole).isValid());  // never signed in

    // The only admin cannot be demoted: refused, the row stays.
    QSignalSpy done(&users, &UsersModel::changeDone);
    users.setRole(admin_id, "user");
    QVERIFY(done.wait(10000));
    QCOMPARE(done.last().at(0).toBool(), false);
    QVERIFY2(done.last().at(1).toString().contains("409"), qPrintable(done.last().at(1).toString()));
    QCOMPARE(users.data(users.index(admin), UsersModel::RoleRole).toString(), QStringLiteral("admin"));

    users.setEnabled(bob_id, false);
    QVERIFY(done.wait(10000));
    QCOMPARE(done.last().at(0).toBool(), true);
    QVERIFY(!users.data(users.index(bob), UsersModel::EnabledRole).toBool());
    users.setRole(bob_id, "admin");
    QVERIFY(done.wait(10000));
    QCOMPARE(users.data(users.index(bob), UsersModel::RoleRole).toString(), QStringLiteral("admin"));
    // The server has it, not just this model.
    const QJsonObject stored = QJsonDocument::fromJson(tracker.request("GET", QStringLiteral("/api/v1/admin/users/%1").arg(bob_id)))
                                   .object().value("user").toObject();
    QCOMPARE(stored.value("role").toString(), QStringLiteral("admin"));
    QCOMPARE(stored.value("enabled").toBool(), false);

    // A search narrows the list.
    users.setQuery("bo");
    users.refresh();
    QVERIFY(rows.wait(10000));
    QCOMPARE(users.rowCount(), 1);
  }

  void transfersFollowAPeerNodeByDeltaSync() {
    PeerProcess peer;
    const QString error = peer.start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    ApiClient api;
    api.setBaseUrl(QUrl(peer.base()));
    api.setApiKey(peer.key());
    TransfersModel transfers;
    transfers.setClient(&api);
    QSignalSpy synced(&transfers, &TransfersModel::synced);
    QSignalSpy done(&transfers, &TransfersModel::actionDone);
    transfers.refresh();
    QVERIFY(synced.wait(10000));
    QCOMPARE(transfers.error(), QString());
    QCOMPARE(transfers.rowCount(), 0);
    const qint64 first_revision = transfers.revision();

    // Bad input fails here, without a request.
    transfers.addMagnet("not a magnet");
    QCOMPARE(done.count(), 1);
    QCOMPARE(done.last().at(0).toBool(), false);
    transfers.addTorrentFile(QUrl::fromLocalFile(peer.dir() + "/missing.torrent"));
    QCOMPARE(done.count(), 2);
    QCOMPARE(done.last().at(0).toBool(), false);

    const QString id = QStringLiteral("0123456789abcdef0123456789abcdef01234567");
    transfers.addMagnet("magnet:?xt=urn:btih:" + id + "&dn=hello.world", /*paused=*/true);
    QVERIFY(done.wait(10000));
    QVERIFY2(done.last().at(0).toBool(), qPrintable(done.last().at(1).toString()));
    QTRY_COMPARE_WITH_TIMEOUT(transfers.rowOf(id), 0, 10000);  // the action's refresh syncs
    QVERIFY(transfers.revision() > first_revision);
    QCOMPARE(transfers.get(0).value("name").toString(), QStringLiteral("hello.world"));
    QVERIFY(transfers.get(0).value("paused").toBool());

    // A .torrent file from disk.
    transfers.addTorrentFile(QUrl::fromLocalFile(QStringLiteral(SHOAL_TESTDATA_DIR "/torrents/base.torrent")));
    QVERIFY(done.wait(10000));
    QVERIFY2(done.last().at(0).toBool(), qPrintable(done.last().at(1).toString()));
    QTRY_COMPARE_WITH_TIMEOUT(transfers.rowCount(), 2, 10000);

    // Resume: the row changes in place (a delta, not a reset).
    QSignalSpy reset(&transfers, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&transfers, &QAbstractItemModel::dataChanged);
    transfers.resume(id);
    QVERIFY(done.wait(10000));
    QTRY_VERIFY_WITH_TIMEOUT(!transfers.get(transfers.rowOf(id)).value("paused").toBool(), 10000);
    QVERIFY(changed.count() >= 1);
    QCOMPARE(reset.count(), 0);

    // Remove: gone by the delta's "removed".
    transfers.remove(id, false);
    QVERIFY(done.wait(10000));
    QTRY_COMPARE_WITH_TIMEOUT(transfers.rowOf(id), -1, 10000);
    QCOMPARE(transfers.rowCount(), 1);
    QCOMPARE(reset.count(), 0);
    QVERIFY(transfers.speedSeries("download").size() >= 3);  // one sample per sync
    QVERIFY(transfers.speedSeries("sideways").isEmpty());

    // A wrong key: an error, the rows stay.
    ApiClient wrong;
    wrong.setBaseUrl(QUrl(peer.base()));
    wrong.setApiKey("sk_" + QString(64, '1'));
    transfers.setClient(&wrong);
    QSignalSpy err(&transfers, &TransfersModel::errorChanged);
    transfers.refresh();
    QVERIFY(err.wait(10000));
    QVERIFY2(transfers.error().contains("401"), qPrintable(transfers.error()));
    QCOMPARE(transfers.rowCount(), 1);
  }

  void connectionStoreKeepsKeysOnlyWithConsent() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("sub/connections.json");
    {
      ConnectionStore store;
      store.setPath(path);
      QCOMPARE(store.rowCount(), 0);
      QVERIFY(store.save("home", "tracker", "http://tracker.example:6969/", "sk_secret1", false));
      QVERIFY(store.save("seedbox", "peer", "https://seedbox.example:9091", "sk_secret2", true));
      // No keychain: the key went to the file, and the notice says where and why.
      QVERIFY2(store.keyNotice().contains("readable by your account only") && store.keyNotice().contains(path),
               qPrintable(store.keyNotice()));
      QCOMPARE(store.get(1).value("keyIn").toString(), QStringLiteral("file"));
      // Refused: nothing changes.
      QVERIFY(!store.save("", "tracker", "http://x", "", false));
      QVERIFY(!store.error().isEmpty());
      QVERIFY(!store.save("bad", "tracker", "ftp://x", "", false));
      QVERIFY(!store.save("bad", "tracker", "http://", "", false));
      QVERIFY(!store.save("bad", "mirror", "http://x", "", false));
      QCOMPARE(store.rowCount(), 2);
      QCOMPARE(store.get(0).value("url").toString(), QStringLiteral("http://tracker.example:6969"));
      QCOMPARE(store.get(0).value("hasKey").toBool(), false);
      QCOMPARE(store.get(1).value("key").toString(), QStringLiteral("sk_secret2"));
      // A store told to use no keychain says so.
      ConnectionStore plain;
      plain.setKeychainService({});
      plain.setPath(dir.filePath("plain.json"));
      QVERIFY(plain.save("x", "tracker", "http://x.example", "sk_plain", true));
      QVERIFY2(plain.keyNotice().contains("no keychain is configured"), qPrintable(plain.keyNotice()));
    }
    // On disk: owner-only, and the key saved without consent is nowhere in it.
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QVERIFY(!bytes.contains("sk_secret1"));
    QVERIFY(bytes.contains("sk_secret2"));
    QCOMPARE(file.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup |
                                   QFileDevice::WriteOther),
             QFileDevice::Permissions());
    file.close();
    QCOMPARE(QFileInfo(dir.filePath("sub")).permissions() & (QFileDevice::ReadOther | QFileDevice::ExeOther |
                                                              QFileDevice::ReadGroup | QFileDevice::ExeGroup),
             QFileDevice::Permissions());  // the folder it made is the owner's only
    {
      ConnectionStore store;
      store.setPath(path);  // reloads
      QCOMPARE(store.rowCount(), 2);
      QCOMPARE(store.get(store.indexOf("seedbox")).value("kind").toString(), QStringLiteral("peer"));
      // Saved again under the same name: replaced, and the key dropped when not remembered.
      QVERIFY(store.save("seedbox", "peer", "https://seedbox.example:9092", "sk_secret2", false));
      QCOMPARE(store.rowCount(), 2);
      QCOMPARE(store.get(1).value("hasKey").toBool(), false);
      QVERIFY(store.remove("home"));
      QVERIFY(!store.remove("home"));
      QCOMPARE(store.rowCount(), 1);
    }
    {
      ConnectionStore store;
      store.setPath(path);
      QCOMPARE(store.rowCount(), 1);
      QCOMPARE(store.get(0).value("url").toString(), QStringLiteral("https://seedbox.example:9092"));
    }
    // A damaged file is reported and left as it is until the next save.
    {
      QFile damaged(path);
      QVERIFY(damaged.open(QIODevice::WriteOnly | QIODevice::Truncate));
      damaged.write("{not json");
    }
    ConnectionStore store;
    store.setPath(path);
    QCOMPARE(store.rowCount(), 0);
    QVERIFY(store.error().contains("not valid JSON"));
    QFile again(path);
    QVERIFY(again.open(QIODevice::ReadOnly));
    QCOMPARE(again.readAll(), QByteArray("{not json"));
  }
};

QTEST_GUILESS_MAIN(MonitorCoreTest)
#include "monitor_core_test.moc"
