// shoal-monitor's remembered keys in a real OS keychain: a GNOME Keyring (Secret Service) in a
// private D-Bus session (tests/gui/with_keyring.sh runs this test inside one). The keychain is
// looked at with `secret-tool` too — a client nobody here wrote.
#include <QCoreApplication>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "shoal/gui/connection_store.hpp"
#include "shoal/gui/key_vault.hpp"

using shoal::gui::ConnectionStore;
using shoal::gui::KeyVault;

namespace {

const QString kService = QStringLiteral("shoal-monitor-test");

/// What `secret-tool search` finds for one account of the test service ("" when nothing);
/// QtKeychain files an entry under the attributes server = service, user = account.
QString search_with_secret_tool(const QString& account) {
  QProcess p;
  p.start(QStringLiteral("secret-tool"), {QStringLiteral("search"), QStringLiteral("--all"), QStringLiteral("--unlock"),
                                          QStringLiteral("server"), kService, QStringLiteral("user"), account});
  if (!p.waitForFinished(20000)) return QStringLiteral("secret-tool did not finish");
  return QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError());
}

}  // namespace

class MonitorKeychainTest : public QObject {
  Q_OBJECT

private slots:
  void initTestCase() {
    QVERIFY2(!qgetenv("DBUS_SESSION_BUS_ADDRESS").isEmpty(), "run me with tests/gui/with_keyring.sh");
  }

  void vaultWritesReadsAndErases() {
    KeyVault vault(kService);
    QString why;
    QVERIFY2(vault.write(QStringLiteral("probe"), QStringLiteral("sk_probe"), &why), qPrintable(why));
    QCOMPARE(vault.read(QStringLiteral("probe"), &why).value_or(QString()), QStringLiteral("sk_probe"));
    QVERIFY(search_with_secret_tool(QStringLiteral("probe")).contains("sk_probe"));
    QVERIFY(vault.write(QStringLiteral("probe"), QStringLiteral("sk_probe2"), &why));  // replaced
    QCOMPARE(vault.read(QStringLiteral("probe")).value_or(QString()), QStringLiteral("sk_probe2"));
    QVERIFY2(vault.erase(QStringLiteral("probe"), &why), qPrintable(why));
    QVERIFY(!vault.read(QStringLiteral("probe"), &why));
    QCOMPARE(why, QStringLiteral("not found"));
    QVERIFY(vault.erase(QStringLiteral("probe")));  // erasing nothing is fine
    QVERIFY(!search_with_secret_tool(QStringLiteral("probe")).contains("sk_probe"));
  }

  void rememberedKeysLiveInTheKeychainNotTheFile() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("connections.json");
    {
      ConnectionStore store;
      store.setKeychainService(kService);
      store.setPath(path);
      QVERIFY(store.save("seedbox", "peer", "https://seedbox.example:9091", "sk_keychain_secret", true));
      QCOMPARE(store.keyNotice(), QString());  // it went to the keychain: nothing to tell
      QVERIFY(store.save("home", "tracker", "http://tracker.example:6969", "sk_not_kept", false));
      QCOMPARE(store.get(0).value("keyIn").toString(), QStringLiteral("keychain"));
      QVERIFY(store.get(0).value("hasKey").toBool());
      QVERIFY(!store.get(1).value("hasKey").toBool());
    }
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QVERIFY2(!bytes.contains("sk_keychain_secret") && !bytes.contains("sk_not_kept"), bytes.constData());
    QVERIFY(bytes.contains("\"key_in\": \"keychain\""));
    QVERIFY(search_with_secret_tool(QStringLiteral("seedbox")).contains("sk_keychain_secret"));
    QVERIFY(!search_with_secret_tool(QStringLiteral("home")).contains("sk_not_kept"));

    {
      ConnectionStore store;  // a later start reads the key back from the keychain
      store.setKeychainService(kService);
      store.setPath(path);
      QCOMPARE(store.rowCount(), 2);
      QCOMPARE(store.get(store.indexOf("seedbox")).value("key").toString(), QStringLiteral("sk_keychain_secret"));
      // Saved again without consent: the keychain keeps no copy.
      QVERIFY(store.save("seedbox", "peer", "https://seedbox.example:9091", "sk_keychain_secret", false));
      QVERIFY(!KeyVault(kService).read(QStringLiteral("seedbox")));
      QVERIFY(!search_with_secret_tool(QStringLiteral("seedbox")).contains("sk_keychain_secret"));
      // Remembered again, then removed: gone from the keychain too.
      QVERIFY(store.save("seedbox", "peer", "https://seedbox.example:9091", "sk_second", true));
      QCOMPARE(KeyVault(kService).read(QStringLiteral("seedbox")).value_or(QString()), QStringLiteral("sk_second"));
      QVERIFY(store.remove("seedbox"));
      QVERIFY(!KeyVault(kService).read(QStringLiteral("seedbox")));
    }
    {
      // A key someone deleted from the keychain behind the monitor's back reads as empty, with why.
      ConnectionStore store;
      store.setKeychainService(kService);
      store.setPath(path);
      QVERIFY(store.save("lab", "tracker", "http://lab.example", "sk_lab", true));
      QVERIFY(KeyVault(kService).erase(QStringLiteral("lab")));
      ConnectionStore later;
      later.setKeychainService(kService);
      later.setPath(path);
      QCOMPARE(later.get(later.indexOf("lab")).value("key").toString(), QString());
      QVERIFY2(later.error().contains("not found"), qPrintable(later.error()));
    }
  }
};

QTEST_GUILESS_MAIN(MonitorKeychainTest)
#include "monitor_keychain_test.moc"
