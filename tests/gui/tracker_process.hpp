#pragma once
// TrackerProcess: a real shoal-tracker on loopback for the monitor's tests (QtTest and QML):
// started on an ephemeral HTTP port with its own data directory, the initial admin signed in,
// and helpers to fill it by real announces and catalog uploads.
//
//   TrackerProcess t;
//   QString error = t.start();          // empty on success
//   t.announce(QByteArray(20, 'a'), 7001, /*seeder=*/true);
//   t.base(); t.token();                // "http://127.0.0.1:port", an admin session token
//
// Header-only on purpose: it is test support shared by two test binaries.

#include <QByteArray>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QSignalSpy>
#include <QString>
#include <QTemporaryDir>
#include <QUrl>

class TrackerProcess {
public:
  ~TrackerProcess() {
    if (m_process.state() != QProcess::NotRunning) {
      m_process.terminate();
      m_process.waitForFinished(10000);
    }
  }

  /// Starts the tracker (with `config` as its TOML configuration file when given) and signs the
  /// initial admin in; an error text, or empty.
  QString start(const QByteArray& config = {}) {
    if (!m_dir.isValid()) return QStringLiteral("no temporary directory");
    QStringList args{"--data-dir", m_dir.path(), "--udp", "off", "--http", "127.0.0.1:0"};
    if (!config.isEmpty()) {
      QFile f(m_dir.filePath("tracker.toml"));
      if (!f.open(QIODevice::WriteOnly) || f.write(config) != config.size()) return QStringLiteral("cannot write tracker.toml");
      args << "--config" << f.fileName();
    }
    m_process.setProgram(QStringLiteral(SHOAL_TRACKER_BIN));
    m_process.setArguments(args);
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
    m_process.start();
    if (!m_process.waitForStarted(10000)) return QStringLiteral("shoal-tracker did not start");
    QString& password = m_password;
    QByteArray out;
    for (int i = 0; i < 100 && (m_base.isEmpty() || password.isEmpty()); ++i) {
      m_process.waitForReadyRead(200);
      out += m_process.readAllStandardOutput();
      for (const QByteArray& line : out.split('\n')) {
        if (line.startsWith("announce URL: http://"))
          m_base = QString::fromUtf8(line.mid(14)).remove(QStringLiteral("/announce")).trimmed();
        if (line.startsWith("announce URL: https://"))
          m_tls_base = QString::fromUtf8(line.mid(14)).remove(QStringLiteral("/announce")).trimmed();
        if (line.startsWith("initial admin: "))
          password = QString::fromUtf8(line.mid(line.indexOf("password: ") + 10)).trimmed();
      }
    }
    if (m_base.isEmpty() || password.isEmpty()) return QStringLiteral("no URL or password in: ") + QString::fromUtf8(out);
    const QByteArray login = request("POST", "/api/v1/auth/login",
                                     QJsonDocument(QJsonObject{{"username", "admin"}, {"password", password}}).toJson());
    m_token = QJsonDocument::fromJson(login).object().value("token").toString();
    if (m_token.isEmpty()) return QStringLiteral("login failed: ") + QString::fromUtf8(login);
    return {};
  }

  QString base() const { return m_base; }
  QString tlsBase() const { return m_tls_base; }  ///< the HTTPS listener's, when the config has one
  QString token() const { return m_token; }
  QString password() const { return m_password; }  ///< the initial admin's

  /// A request with the admin's token; the body of the answer (empty when none came).
  QByteArray request(const QByteArray& method, const QString& path, const QByteArray& body = {},
                     const QByteArray& content_type = "application/json") {
    QNetworkRequest req(QUrl(m_base + path));
    req.setHeader(QNetworkRequest::ContentTypeHeader, content_type);
    if (!m_token.isEmpty()) req.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    QNetworkReply* r = m_net.sendCustomRequest(req, method, body);
    QSignalSpy done(r, &QNetworkReply::finished);
    if (!r->isFinished()) done.wait(10000);
    const QByteArray out = r->readAll();
    r->deleteLater();
    return out;
  }

  /// An HTTP announce for a 20-byte info-hash; true when the tracker answered with an interval.
  bool announce(const QByteArray& info_hash, int port, bool seeder) {
    const QString peer_id = QStringLiteral("-SH0001-%1").arg(port, 12, 10, QLatin1Char('0'));
    // Concatenated, not arg(): the encoded hash may hold "%NN" that arg() would take for a marker.
    const QString path = QStringLiteral("/announce?info_hash=") + QString::fromLatin1(info_hash.toPercentEncoding()) +
                         QStringLiteral("&peer_id=") + peer_id + QStringLiteral("&port=") + QString::number(port) +
                         QStringLiteral("&uploaded=0&downloaded=0&left=") + (seeder ? "0" : "1000") +
                         QStringLiteral("&compact=1");
    const QByteArray r = request("GET", path);
    return r.contains("interval");
  }

private:
  QTemporaryDir m_dir;
  QProcess m_process;
  QNetworkAccessManager m_net;
  QString m_base;
  QString m_token;
  QString m_password;
  QString m_tls_base;
};
