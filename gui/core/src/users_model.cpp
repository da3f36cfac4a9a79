#include "shoal/gui/users_model.hpp"

#include <QJsonDocument>
#include <QJsonObject>

#include <QUrl>

#include "shoal/gui/api_values.hpp"

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
  const api::UserView& u = m_users[static_cast<std::size_t>(index.row())];
  switch (role) {
    case UserIdRole: return static_cast<qint64>(u.id);
    case UsernameRole: return qtext(u.username);
    case EmailRole: return u.email ? qtext(*u.email) : QString();
    case RoleRole: return qtext(u.role);
    case EnabledRole: return u.enabled;
    case CreatedAtRole: return utc_time(u.created_at);
    case LastLoginAtRole: return u.last_login_at ? QVariant(utc_time(*u.last_login_at)) : QVariant();
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

void UsersModel::refresh() {
  if (!m_client) return setError(tr("not connected"));
  const std::uint64_t generation = ++m_generation;
  QPointer<UsersModel> self(this);
  const QString path = QStringLiteral("/api/v1/admin/users?limit=500&q=") + QString::fromUtf8(QUrl::toPercentEncoding(m_query));
  m_client->getJson(path, [self, generation](const ApiResult& r) {
    if (!self || generation != self->m_generation) return;
    auto page = r.ok() ? api::UserPage::from_json(r.json) : expected<api::UserPage, Error>(api::UserPage{});
    self->setError(!r.ok() ? r.message : !page ? unreadable_answer(page.error()) : QString());
    if (!page) page = api::UserPage{};
    self->beginResetModel();
    self->m_users = std::move(page->users);
    self->m_total = static_cast<int>(std::min<std::uint64_t>(page->total, INT32_MAX));
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
                       auto user = api::UserView::from_reply(r.json);
                       if (!user) {
                         emit self->changeDone(false, unreadable_answer(user.error()));
                         return;
                       }
                       const int row = self->rowOf(userId);
                       if (row >= 0) {
                         self->m_users[static_cast<std::size_t>(row)] = std::move(*user);
                         emit self->dataChanged(self->index(row), self->index(row));
                       }
                       emit self->changeDone(true, {});
                     });
}

}  // namespace shoal::gui
