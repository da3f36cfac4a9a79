// shoal-monitor's API client and models against a real shoal-tracker on loopback, filled by real
// announces (QtTest; no GUI needed).
#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "shoal/gui/api_client.hpp"
#include "shoal/gui/swarm_table_model.hpp"
#include "shoal/gui/totals_history_model.hpp"

using shoal::gui::ApiClient;
using shoal::gui::ApiResult;
using shoal::gui::SwarmTableModel;
using shoal::gui::TotalsHistoryModel;

class MonitorCoreTest : public QObject {
  Q_OBJECT

private:
  QTemporaryDir m_dir;
  QProcess m_tracker;
  QString m_base;
  QString m_token;
  QNetworkAccessManager m_net;

  QByteArray http(const QString& method, const QString& path, const QByteArray& body = {}) {
    QNetworkRequest req(QUrl(m_base + path));
    req.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
    QNetworkReply* r = method == "POST" ? m_net.post(req, body) : m_net.get(req);
    QSignalSpy done(r, &QNetworkReply::finished);
    if (!r->isFinished()) done.wait(10000);
    const QByteArray out = r->readAll();
    r->deleteLater();
    return out;
  }

  void announce(char c, int port, bool seeder) {
    QString hash;
    for (int i = 0; i < 20; ++i) hash += QStringLiteral("%%1").arg(static_cast<int>(c), 2, 16, QLatin1Char('0'));
    const QString peer_id = QStringLiteral("-SH0001-%1").arg(port, 12, 10, QLatin1Char('0'));
    const QByteArray r = http("GET", QStringLiteral("/announce?info_hash=%1&peer_id=%2&port=%3&uploaded=0&downloaded=0"
                                                    "&left=%4&compact=1")
                                         .arg(hash, peer_id)
                                         .arg(port)
                                         .arg(seeder ? 0 : 1000));
    QVERIFY2(r.contains("interval"), r.constData());
  }

private slots:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    m_tracker.setProgram(SHOAL_TRACKER_BIN);
    m_tracker.setArguments({"--data-dir", m_dir.path(), "--udp", "off", "--http", "127.0.0.1:0"});
    m_tracker.setProcessChannelMode(QProcess::SeparateChannels);
    m_tracker.start();
    QVERIFY(m_tracker.waitForStarted(10000));
    QString password;
    QByteArray out;
    for (int i = 0; i < 100 && (m_base.isEmpty() || password.isEmpty()); ++i) {
      m_tracker.waitForReadyRead(200);
      out += m_tracker.readAllStandardOutput();
      for (const QByteArray& line : out.split('\n')) {
        if (line.startsWith("announce URL: http://")) m_base = QString::fromUtf8(line.mid(14)).remove("/announce").trimmed();
        if (line.startsWith("initial admin: ")) password = QString::fromUtf8(line.mid(line.indexOf("password: ") + 10)).trimmed();
      }
    }
    QVERIFY2(!m_base.isEmpty() && !password.isEmpty(), out.constData());
    const QByteArray login = http("POST", "/api/v1/auth/login",
                                  QJsonDocument(QJsonObject{{"username", "admin"}, {"password", password}}).toJson());
    m_token = QJsonDocument::fromJson(login).object().value("token").toString();
    QVERIFY2(!m_token.isEmpty(), login.constData());
    announce('a', 7001, true);
    announce('a', 7002, false);
    announce('a', 7003, false);
    announce('b', 7004, true);
  }

  void cleanupTestCase() {
    m_tracker.terminate();
    m_tracker.waitForFinished(10000);
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
};

QTEST_GUILESS_MAIN(MonitorCoreTest)
#include "monitor_core_test.moc"
