#pragma once
// ConnectionStore: the monitor's saved connections — trackers and shoal-peer nodes, each a name,
// a kind ("tracker" or "peer"), a URL and, only when the user asked for it, the API key.
//
//   ConnectionStore { id: saved }                  // loads <config dir>/shoal-monitor/connections.json
//   saved.save("home", "tracker", "http://t:6969", key, /*rememberKey=*/true)
//   saved.keyNotice                                // "" when the key went to the keychain
//   saved.get(0)                                   // {name, kind, url, key, hasKey, keyIn}
//
// Contract
// - The file is written whole and atomically (QSaveFile), readable by its owner only (0600; a
//   folder it creates is 0700).
// - A key is kept only for a connection saved with rememberKey = true (the UI asks); without it
//   the entry has no key anywhere (a key it had in the keychain is erased). A remembered key goes
//   to the OS keychain (KeyVault, service `keychainService`, account = the connection's name) and
//   the file only notes "key_in": "keychain". Where there is no keychain (no Secret Service, a
//   refusal, `keychainService` empty) the key goes to the owner-only file instead and `keyNotice`
//   says so and why; the save still succeeds. get() reads a keychain key when asked (keyIn tells
//   where it is: "keychain", "file" or ""); a key the keychain no longer has reads as empty,
//   with `error` saying why. remove() erases the keychain entry too.
// - save() refuses (false, `error` says why) an empty name, a kind other than tracker/peer, or a
//   URL that is not http(s)://host; a name saved again replaces the entry. Nothing changes on a
//   refusal or when the file cannot be written.
// - A file that is not valid JSON is left alone (`error` says so) and the list starts empty; the
//   first save() then replaces it.
// - `path` may be set (tests, portable installs) before use; setting it reloads.

#include <QAbstractListModel>
#include <QString>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

#include <vector>

namespace shoal::gui {

class ConnectionStore : public QAbstractListModel {
  Q_OBJECT
  QML_ELEMENT
  Q_PROPERTY(QString path READ path WRITE setPath NOTIFY pathChanged)
  Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
  Q_PROPERTY(QString error READ error NOTIFY errorChanged)
  Q_PROPERTY(QString keychainService READ keychainService WRITE setKeychainService NOTIFY keychainServiceChanged)
  Q_PROPERTY(QString keyNotice READ keyNotice NOTIFY keyNoticeChanged)

public:
  enum Role { NameRole = Qt::UserRole + 1, KindRole, UrlRole, HasKeyRole };

  explicit ConnectionStore(QObject* parent = nullptr);

  QString path() const { return m_path; }
  void setPath(const QString& path);
  QString error() const { return m_error; }
  /// The keychain service remembered keys go under ("shoal-monitor"); empty: no keychain, keys
  /// in the owner-only file.
  QString keychainService() const { return m_service; }
  void setKeychainService(const QString& service);
  /// After a save that remembered a key: empty when it went to the keychain, else where it went
  /// and why.
  QString keyNotice() const { return m_key_notice; }

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  Q_INVOKABLE bool save(const QString& name, const QString& kind, const QString& url, const QString& key,
                        bool rememberKey);
  Q_INVOKABLE bool remove(const QString& name);
  /// {name, kind, url, key, hasKey, keyIn} of a row (a keychain key is read here); empty when
  /// out of range.
  Q_INVOKABLE QVariantMap get(int row);
  Q_INVOKABLE int indexOf(const QString& name) const;

  /// The default file: <QStandardPaths::AppConfigLocation>/connections.json.
  static QString defaultPath();

signals:
  void pathChanged();
  void keychainServiceChanged();
  void keyNoticeChanged();
  void countChanged();
  void errorChanged();

private:
  struct Entry {
    QString name, kind, url;
    QString key;     ///< the key when known (file keys always; keychain keys once read)
    QString key_in;  ///< "file", "keychain" or "" (no key)
  };
  void setKeyNotice(const QString& notice);
  void load();
  bool write(const std::vector<Entry>& entries);
  void setError(const QString& error);

  QString m_path;
  std::vector<Entry> m_entries;
  QString m_error;
  QString m_service = QStringLiteral("shoal-monitor");
  QString m_key_notice;
};

}  // namespace shoal::gui
