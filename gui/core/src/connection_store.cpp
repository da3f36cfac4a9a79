#include "shoal/gui/connection_store.hpp"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>
#include <QUrl>

#include "shoal/gui/key_vault.hpp"

namespace shoal::gui {

ConnectionStore::ConnectionStore(QObject* parent) : QAbstractListModel(parent), m_path(defaultPath()) { load(); }

QString ConnectionStore::defaultPath() {
  return QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation) + QStringLiteral("/connections.json");
}

void ConnectionStore::setPath(const QString& path) {
  if (path == m_path) return;
  m_path = path;
  load();
  emit pathChanged();
}

void ConnectionStore::setKeychainService(const QString& service) {
  if (service == m_service) return;
  m_service = service;
  emit keychainServiceChanged();
}

void ConnectionStore::setKeyNotice(const QString& notice) {
  if (notice == m_key_notice) return;
  m_key_notice = notice;
  emit keyNoticeChanged();
}

void ConnectionStore::setError(const QString& error) {
  if (error == m_error) return;
  m_error = error;
  emit errorChanged();
}

void ConnectionStore::load() {
  beginResetModel();
  m_entries.clear();
  QString error;
  QFile file(m_path);
  if (file.exists()) {
    if (!file.open(QIODevice::ReadOnly)) {
      error = tr("cannot read %1: %2").arg(m_path, file.errorString());
    } else {
      QJsonParseError parse{};
      const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parse);
      if (parse.error != QJsonParseError::NoError || !doc.isObject()) {
        error = tr("%1 is not valid JSON (%2): saved connections not loaded").arg(m_path, parse.errorString());
      } else {
        for (const auto& v : doc.object().value("connections").toArray()) {
          const QJsonObject o = v.toObject();
          Entry e{o.value("name").toString(), o.value("kind").toString(), o.value("url").toString(),
                  o.value("key").toString(), {}};
          e.key_in = o.value("key_in").toString() == QLatin1String("keychain") ? QStringLiteral("keychain")
                     : !e.key.isEmpty()                                         ? QStringLiteral("file")
                                                                                : QString();
          if (!e.name.isEmpty() && !e.url.isEmpty()) m_entries.push_back(std::move(e));
        }
      }
    }
  }
  endResetModel();
  setError(error);
  emit countChanged();
}

bool ConnectionStore::write(const std::vector<Entry>& entries) {
  QJsonArray list;
  for (const Entry& e : entries) {
    QJsonObject o{{"name", e.name}, {"kind", e.kind}, {"url", e.url}};
    if (e.key_in == QLatin1String("file")) o.insert("key", e.key);
    else if (e.key_in == QLatin1String("keychain")) o.insert("key_in", "keychain");
    list.append(o);
  }
  // The folder is owner-only too, so not even the moment before the file's own permissions are
  // set (QSaveFile's temporary file) is visible to others.
  const QString folder = QFileInfo(m_path).absolutePath();
  const bool created = !QFileInfo::exists(folder);
  if (!QDir().mkpath(folder)) {
    setError(tr("cannot create the folder of %1").arg(m_path));
    return false;
  }
  if (created) QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
  QSaveFile file(m_path);
  if (!file.open(QIODevice::WriteOnly)) {
    setError(tr("cannot write %1: %2").arg(m_path, file.errorString()));
    return false;
  }
  // Owner only, before a byte is written (the temporary file becomes the file).
  file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
  file.write(QJsonDocument(QJsonObject{{"connections", list}}).toJson());
  if (!file.commit()) {
    setError(tr("cannot write %1: %2").arg(m_path, file.errorString()));
    return false;
  }
  QFile::setPermissions(m_path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
  setError({});
  return true;
}

bool ConnectionStore::save(const QString& name, const QString& kind, const QString& url, const QString& key,
                           bool rememberKey) {
  const QString trimmed = name.trimmed();
  if (trimmed.isEmpty()) {
    setError(tr("a saved connection needs a name"));
    return false;
  }
  if (kind != QLatin1String("tracker") && kind != QLatin1String("peer")) {
    setError(tr("the kind is tracker or peer"));
    return false;
  }
  const QUrl parsed(url.trimmed(), QUrl::StrictMode);
  if (!parsed.isValid() || (parsed.scheme() != "http" && parsed.scheme() != "https") || parsed.host().isEmpty()) {
    setError(tr("'%1' is not an http:// or https:// URL").arg(url));
    return false;
  }
  QUrl clean = parsed;
  if (clean.path() == QLatin1String("/")) clean.setPath({});
  std::vector<Entry> next = m_entries;
  Entry entry{trimmed, kind, clean.toString(QUrl::StripTrailingSlash), rememberKey ? key.trimmed() : QString(), {}};
  const int at = indexOf(trimmed);
  const bool had_keychain_key = at >= 0 && m_entries[static_cast<std::size_t>(at)].key_in == QLatin1String("keychain");
  QString notice;
  if (!entry.key.isEmpty()) {
    QString why = tr("no keychain is configured");
    if (!m_service.isEmpty() && KeyVault(m_service).write(entry.name, entry.key, &why)) {
      entry.key_in = QStringLiteral("keychain");
    } else {
      entry.key_in = QStringLiteral("file");
      notice = tr("The key is kept in %1, readable by your account only: %2.").arg(m_path, why);
    }
  }
  if (at >= 0) next[static_cast<std::size_t>(at)] = entry;
  else next.push_back(entry);
  if (!write(next)) {
    if (entry.key_in == QLatin1String("keychain") && !had_keychain_key) KeyVault(m_service).erase(entry.name);
    return false;
  }
  // Not remembered any more (or now in the file): the keychain keeps no copy.
  if (had_keychain_key && entry.key_in != QLatin1String("keychain") && !m_service.isEmpty())
    KeyVault(m_service).erase(entry.name);
  setKeyNotice(notice);
  if (at >= 0) {
    m_entries = std::move(next);
    emit dataChanged(index(at), index(at));
  } else {
    beginInsertRows({}, rowCount(), rowCount());
    m_entries = std::move(next);
    endInsertRows();
    emit countChanged();
  }
  return true;
}

bool ConnectionStore::remove(const QString& name) {
  const int at = indexOf(name);
  if (at < 0) return false;
  std::vector<Entry> next = m_entries;
  const Entry gone = next[static_cast<std::size_t>(at)];
  next.erase(next.begin() + at);
  if (!write(next)) return false;
  if (gone.key_in == QLatin1String("keychain") && !m_service.isEmpty()) {
    QString why;
    if (!KeyVault(m_service).erase(gone.name, &why)) setError(tr("the key of '%1' stays in the keychain: %2").arg(gone.name, why));
  }
  beginRemoveRows({}, at, at);
  m_entries = std::move(next);
  endRemoveRows();
  emit countChanged();
  return true;
}

int ConnectionStore::indexOf(const QString& name) const {
  for (std::size_t i = 0; i < m_entries.size(); ++i)
    if (m_entries[i].name == name.trimmed()) return static_cast<int>(i);
  return -1;
}

QVariantMap ConnectionStore::get(int row) {
  if (row < 0 || static_cast<std::size_t>(row) >= m_entries.size()) return {};
  Entry& e = m_entries[static_cast<std::size_t>(row)];
  if (e.key_in == QLatin1String("keychain") && e.key.isEmpty()) {
    QString why = tr("no keychain is configured");
    auto key = m_service.isEmpty() ? std::nullopt : KeyVault(m_service).read(e.name, &why);
    if (key) e.key = *key;
    else setError(tr("the key of '%1' could not be read from the keychain: %2").arg(e.name, why));
  }
  return {{"name", e.name}, {"kind", e.kind}, {"url", e.url}, {"key", e.key}, {"hasKey", !e.key_in.isEmpty()}, {"keyIn", e.key_in}};
}

int ConnectionStore::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_entries.size());
}

QVariant ConnectionStore::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() < 0 || static_cast<std::size_t>(index.row()) >= m_entries.size()) return {};
  const Entry& e = m_entries[static_cast<std::size_t>(index.row())];
  switch (role) {
    case Qt::DisplayRole: return e.name + (e.kind == QLatin1String("peer") ? tr(" (peer node)") : QString());
    case NameRole: return e.name;
    case KindRole: return e.kind;
    case UrlRole: return e.url;
    case HasKeyRole: return !e.key_in.isEmpty();
    default: return {};
  }
}

QHash<int, QByteArray> ConnectionStore::roleNames() const {
  return {{Qt::DisplayRole, "display"}, {NameRole, "name"}, {KindRole, "kind"}, {UrlRole, "url"}, {HasKeyRole, "hasKey"}};
}

}  // namespace shoal::gui
