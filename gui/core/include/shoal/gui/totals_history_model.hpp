#pragma once
// TotalsHistoryModel: the tracker's totals over a window (GET /api/v1/history?window=), one row
// per point (a minute up to a day back, ten minutes beyond) — the Overview charts' data, so a
// monitor that connects late still draws the past. Roles: time (QDateTime, UTC), torrents,
// peers, seeders, leechers, completed, announcesUdp, announcesHttp, scrapesUdp, scrapesHttp.
//
//   TotalsHistoryModel { client: api; windowSeconds: 3600 }   // then refresh()
//
// `latest` holds the newest point as a map (for the totals cards); `step` the server's step.
// series(name, perMinute) gives one field as chart points (history_points.hpp): the gauges as they
// are, the request counters (announcesUdp, ...) as requests per minute whatever the step.

#include <QAbstractListModel>
#include <QDateTime>
#include <QPointer>
#include <QVariantList>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

#include <cstdint>
#include <vector>

#include "shoal/gui/api_client.hpp"
#include "shoal/gui/history_points.hpp"

namespace shoal::gui {

class TotalsHistoryModel : public QAbstractListModel {
  Q_OBJECT
  QML_ELEMENT
  Q_PROPERTY(shoal::gui::ApiClient* client READ client WRITE setClient NOTIFY clientChanged)
  Q_PROPERTY(int windowSeconds READ windowSeconds WRITE setWindowSeconds NOTIFY windowChanged)
  Q_PROPERTY(int step READ step NOTIFY pointsChanged)
  Q_PROPERTY(int count READ rowCount NOTIFY pointsChanged)
  Q_PROPERTY(QVariantMap latest READ latest NOTIFY pointsChanged)
  Q_PROPERTY(QString error READ error NOTIFY errorChanged)

public:
  enum Role {
    TimeRole = Qt::UserRole + 1, TorrentsRole, PeersRole, SeedersRole, LeechersRole, CompletedRole,
    AnnouncesUdpRole, AnnouncesHttpRole, ScrapesUdpRole, ScrapesHttpRole
  };

  explicit TotalsHistoryModel(QObject* parent = nullptr);

  ApiClient* client() const { return m_client; }
  void setClient(ApiClient* client);
  int windowSeconds() const { return m_window; }
  void setWindowSeconds(int seconds);
  int step() const { return m_step; }
  QVariantMap latest() const;
  QString error() const { return m_error; }

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  Q_INVOKABLE void refresh();
  /// One field (a role name: "peers", "announcesUdp", ...) as chart points; empty for an
  /// unknown name. perMinute divides counters by the step in minutes.
  Q_INVOKABLE QVariantList series(const QString& name, bool perMinute = false) const;

signals:
  void clientChanged();
  void windowChanged();
  void pointsChanged();
  void errorChanged();

private:
  void forget();  ///< another server (or client): the points held are not its past
  QPointer<ApiClient> m_client;
  HistoryPoints m_points{9};  ///< columns torrents .. scrapesHttp, in Role order
  int m_window = 3600;
  int m_step = 60;
  QString m_error;
  std::uint64_t m_generation = 0;
};

}  // namespace shoal::gui
