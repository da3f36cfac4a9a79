#pragma once
// PeerProcess: a real shoal-peer node on loopback for the monitor's tests: its own state and
// download directories, API on an ephemeral port, the admin API key it writes at first start.
//
//   PeerProcess p;
//   QString error = p.start();          // empty on success
//   p.base(); p.key();                  // "http://127.0.0.1:port", "sk_…"
//
// Header-only test support, like tracker_process.hpp.

#include <QByteArray>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <QTextStream>

class PeerProcess {
public:
  ~PeerProcess() {
    if (m_process.state() != QProcess::NotRunning) {
      m_process.terminate();
      m_process.waitForFinished(15000);
    }
  }

  QString start() {
    if (!m_dir.isValid()) return QStringLiteral("no temporary directory");
    const QString config = m_dir.filePath("peer.toml");
    {
      QFile f(config);
      if (!f.open(QIODevice::WriteOnly)) return QStringLiteral("cannot write ") + config;
      QTextStream out(&f);
      out << "[node]\nlisten = \"127.0.0.1:0\"\nloopback = true\n"
          << "state_dir = \"" << m_dir.filePath("state") << "\"\n"
          << "download_dir = \"" << m_dir.filePath("data") << "\"\n"
          << "[api]\nlisten = \"127.0.0.1:0\"\nrate_per_second = 0\n";
    }
    m_process.setProgram(QStringLiteral(SHOAL_PEER_BIN));
    m_process.setArguments({"--config", config});
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
    m_process.start();
    if (!m_process.waitForStarted(10000)) return QStringLiteral("shoal-peer did not start");
    QByteArray out;
    for (int i = 0; i < 150 && m_base.isEmpty(); ++i) {
      m_process.waitForReadyRead(200);
      out += m_process.readAllStandardOutput();
      for (const QByteArray& line : out.split('\n'))
        if (line.startsWith("api URL: http://"))
          m_base = QString::fromUtf8(line.mid(9)).remove(QStringLiteral("/api/v1")).trimmed();
    }
    if (m_base.isEmpty()) return QStringLiteral("no API URL in: ") + QString::fromUtf8(out + m_process.readAllStandardError());
    QFile key(m_dir.filePath("state/api_key"));
    if (!key.open(QIODevice::ReadOnly)) return QStringLiteral("no state/api_key");
    m_key = QString::fromUtf8(key.readAll()).trimmed();
    return m_key.isEmpty() ? QStringLiteral("empty api_key") : QString();
  }

  QString base() const { return m_base; }
  QString key() const { return m_key; }
  QString dir() const { return m_dir.path(); }

private:
  QTemporaryDir m_dir;
  QProcess m_process;
  QString m_base;
  QString m_key;
};
