#pragma once
// SwarmPeersModel: one swarm's peers for the detail page (GET /api/v1/swarms/{info_hash}/peers):
// address, port, seeder, client (from the peer id), progress estimate, last announce, and the
// counters the peer reported. Seeders first, then the most recent announces; at most 200 rows
// (`total` is how many the swarm has).
//
//   SwarmPeersModel { client: api; infoHash: "ab12…" }   // refresh(); roles address, port,
//                                                       // seeder, clientName, progress (null:
//                                                       // unknown), lastAnnounce, uploaded, downloaded
//
// Contract: an info-hash that is not 40 hex characters fails refresh() with an error and no
// request; a failure keeps the rows shown before.

#include <QAbstractListModel>
#include <QDateTime>
#include <QPointer>
#include <QString>
#include <QVariant>
#include <QtQml/qqmlregistration.h>

#include <cstdint>
#include <vector>

#include "shoal/proto/api_swarms.hpp"
#include "shoal/gui/api_client.hpp"

namespace shoal::gui {

class SwarmPeersModel : public QAbstractListModel {
  Q_OBJECT
  QML_ELEMENT
  Q_PROPERTY(shoal::gui::ApiClient* client READ client WRITE setClient NOTIFY clientChanged)
  Q_PROPERTY(QString infoHash READ infoHash WRITE setInfoHash NOTIFY infoHashChanged)
  Q_PROPERTY(int total READ total NOTIFY rowsChanged)
  Q_PROPERTY(int count READ rowCount NOTIFY rowsChanged)
  Q_PROPERTY(QString error READ error NOTIFY errorChanged)

public:
  enum Role {
    AddressRole = Qt::UserRole + 1, PortRole, SeederRole, ClientNameRole, ProgressRole, LastAnnounceRole,
    UploadedRole, DownloadedRole
  };

  explicit SwarmPeersModel(QObject* parent = nullptr);

  ApiClient* client() const { return m_client; }
  void setClient(ApiClient* client);
  QString infoHash() const { return m_info_hash; }
  void setInfoHash(const QString& hash);
  int total() const { return m_total; }
  QString error() const { return m_error; }

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  Q_INVOKABLE void refresh();

signals:
  void clientChanged();
  void infoHashChanged();
  void rowsChanged();
  void errorChanged();

private:
  void setError(const QString& error);

  QPointer<ApiClient> m_client;
  QString m_info_hash;
  std::vector<api::SwarmPeer> m_peers;
  int m_total = 0;
  QString m_error;
  std::uint64_t m_generation = 0;
};

}  // namespace shoal::gui
