#include "shoal/gui/users_model.hpp"

#include <QJsonArray>
#include <QUrl>

namespace shoal::gui {

UsersModel::UsersModel(QObject* parent) : QAbstractListModel(parent) {}

void UsersModel::setClient(ApiClient* client) {
  if (m_client == client) return;
  m_client = client;
  ++m_generation;
  emit clientChanged();
}

void UsersModel::setQuery(const QString& query) {
  if (query == m_query) return;
  m_query = query;
  emit queryChanged();
}

void UsersModel::setError(const QString& error) {
  if (error == m_error) return;
  m_error = error;
  emit errorChanged();
}

int UsersModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_users.size());
}

QVariant UsersModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() < 0 || static_cast<std::size_t>(index.row()) >= m_users.size()) return {};
  const User& u = m_users[static_cast<std::size_t>(index.row())];
  switch (role) {
    case UserIdRole: return u.id;
    case UsernameRole: return u.username;
    case EmailRole: return u.email;
    case RoleRole: return u.role;
    case EnabledRole: return u.enabled;
    case CreatedAtRole: return u.created_at;
    case LastLoginAtRole: return u.last_login_at.isValid() ? QVariant(u.last_login_at) : QVariant();
    default: return {};
  }
}

QHash<int, QByteArray> UsersModel::roleNames() const {
  return {{UserIdRole, "userId"},   {UsernameRole, "username"},   {EmailRole, "email"},
          {RoleRole, "role"},       {EnabledRole, "enabled"},     {CreatedAtRole, "createdAt"},
          {LastLoginAtRole, "lastLoginAt"}};
}

int UsersModel::rowOf(qint64 userId) const {
  for (std::size_t i = 0; i < m_users.size(); ++i)
    if (m_users[i].id == userId) return static_cast<int>(i);
  return -1;
}

UsersModel::User UsersModel::from_json(const QJsonObject& o) {
  User u;
  u.id = o.value("id").toInteger();
  u.username = o.value("username").toString();
  u.email = o.value("email").toString();
  u.role = o.value("role").toString();
  u.enabled = o.value("enabled").toBool(true);
  u.created_at = QDateTime::fromSecsSinceEpoch(o.value("created_at").toInteger(), Qt::UTC);
  if (o.value("last_login_at").isDouble())
    u.last_login_at = QDateTime::fromSecsSinceEpoch(o.value("last_login_at").toInteger(), Qt::UTC);
  return u;
}

void UsersModel::refresh() {
  if (!m_client) return setError(tr("not connected"));
  const std::uint64_t generation = ++m_generation;
  QPointer<UsersModel> self(this);
  const QString path = QStringLiteral("/api/v1/admin/users?limit=500&q=") + QString::fromUtf8(QUrl::toPercentEncoding(m_query));
  m_client->getJson(path, [self, generation](const ApiResult& r) {
    if (!self || generation != self->m_generation) return;
    self->setError(r.ok() ? QString() : r.message);
    std::vector<User> users;
    int total = 0;
    if (r.ok()) {
      for (const auto& v : r.json.object().value("users").toArray()) users.push_back(from_json(v.toObject()));
      total = r.json.object().value("total").toInt(static_cast<int>(users.size()));
    }
    self->beginResetModel();
    self->m_users = std::move(users);
    self->m_total = total;
    self->endResetModel();
    emit self->rowsChanged();
  });
}

void UsersModel::setRole(qint64 userId, const QString& role) { patch(userId, QJsonObject{{"role", role}}); }

void UsersModel::setEnabled(qint64 userId, bool enabled) { patch(userId, QJsonObject{{"enabled", enabled}}); }

void UsersModel::patch(qint64 userId, const QJsonObject& change) {
  if (!m_client) {
    emit changeDone(false, tr("not connected"));
    return;
  }
  QPointer<UsersModel> self(this);
  m_client->sendJson("PATCH", QStringLiteral("/api/v1/admin/users/%1").arg(userId), QJsonDocument(change),
                     [self, userId](const ApiResult& r) {
                       if (!self) return;
                       if (!r.ok()) {
                         emit self->changeDone(false, r.message);
                         return;
                       }
                       const int row = self->rowOf(userId);
                       if (row >= 0) {
                         self->m_users[static_cast<std::size_t>(row)] = from_json(r.json.object().value("user").toObject());
                         emit self->dataChanged(self->index(row), self->index(row));
                       }
                       emit self->changeDone(true, {});
                     });
}

}  // namespace shoal::gui
