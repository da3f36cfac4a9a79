#pragma once
// UsersModel: the tracker's accounts for the Users view (admins only): GET /api/v1/admin/users
// (search `query`, up to 500 rows), and the two changes an admin makes from the list —
// setRole(id, "user"|"admin") and setEnabled(id, bool) (PATCH /api/v1/admin/users/{id}).
//
//   UsersModel { client: api; query: "ali" }      // refresh(); roles userId, username, email,
//                                                 // role, enabled, createdAt, lastLoginAt
//
// Contract
// - A change updates its row from the server's answer (never optimistically) and emits
//   changeDone(ok, message); a refused change (403 not an admin, 409 the last admin) leaves the
//   row as it was, with the server's message.
// - A non-admin key gets `error` "HTTP 403: …" on refresh and no rows.

#include <QAbstractListModel>
#include <QDateTime>
#include <QJsonObject>
#include <QPointer>
#include <QString>
#include <QtQml/qqmlregistration.h>

#include <cstdint>
#include <vector>

#include "shoal/gui/api_client.hpp"
#include "shoal/proto/api_users.hpp"

namespace shoal::gui {

class UsersModel : public QAbstractListModel {
  Q_OBJECT
  QML_ELEMENT
  Q_PROPERTY(shoal::gui::ApiClient* client READ client WRITE setClient NOTIFY clientChanged)
  Q_PROPERTY(QString query READ query WRITE setQuery NOTIFY queryChanged)
  Q_PROPERTY(int total READ total NOTIFY rowsChanged)
  Q_PROPERTY(int count READ rowCount NOTIFY rowsChanged)
  Q_PROPERTY(QString error READ error NOTIFY errorChanged)

public:
  enum Role { UserIdRole = Qt::UserRole + 1, UsernameRole, EmailRole, RoleRole, EnabledRole, CreatedAtRole, LastLoginAtRole };

  explicit UsersModel(QObject* parent = nullptr);

  ApiClient* client() const { return m_client; }
  void setClient(ApiClient* client);
  QString query() const { return m_query; }
  void setQuery(const QString& query);
  int total() const { return m_total; }
  QString error() const { return m_error; }

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  Q_INVOKABLE void refresh();
  Q_INVOKABLE void setRole(qint64 userId, const QString& role);
  Q_INVOKABLE void setEnabled(qint64 userId, bool enabled);
  /// The row of a user id, or -1.
  Q_INVOKABLE int rowOf(qint64 userId) const;

signals:
  void clientChanged();
  void queryChanged();
  void rowsChanged();
  void errorChanged();
  void changeDone(bool ok, const QString& message);

private:
  void patch(qint64 userId, const QJsonObject& change);
  void setError(const QString& error);

  QPointer<ApiClient> m_client;
  std::vector<api::UserView> m_users;
  QString m_query;
  int m_total = 0;
  QString m_error;
  std::uint64_t m_generation = 0;
};

}  // namespace shoal::gui
