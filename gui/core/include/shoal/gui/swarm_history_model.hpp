#pragma once
// SwarmHistoryModel: one torrent's seeders, leechers and completed over a window
// (GET /api/v1/history/swarms/{info_hash}?window=) — the swarm detail page's chart. One row per
// point; roles time (QDateTime, UTC), seeders, leechers, completed; series(name) as chart points.
//
//   SwarmHistoryModel { client: api; infoHash: "ab12…"; windowSeconds: 86400 }  // refresh()
//
// Contract: an info-hash that is not 40 hex characters fails refresh() with an error and no
// request; a torrent without history in the window has no rows (not an error); answers to a
// request made before infoHash or windowSeconds changed are dropped.

#include <QAbstractListModel>
#include <QDateTime>
#include <QPointer>
#include <QString>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <cstdint>
#include <vector>

#include "shoal/gui/api_client.hpp"
#include "shoal/gui/history_points.hpp"

namespace shoal::gui {

class SwarmHistoryModel : public QAbstractListModel {
  Q_OBJECT
  QML_ELEMENT
  Q_PROPERTY(shoal::gui::ApiClient* client READ client WRITE setClient NOTIFY clientChanged)
  Q_PROPERTY(QString infoHash READ infoHash WRITE setInfoHash NOTIFY infoHashChanged)
  Q_PROPERTY(int windowSeconds READ windowSeconds WRITE setWindowSeconds NOTIFY windowChanged)
  Q_PROPERTY(int step READ step NOTIFY pointsChanged)
  Q_PROPERTY(int count READ rowCount NOTIFY pointsChanged)
  Q_PROPERTY(QString error READ error NOTIFY errorChanged)

public:
  enum Role { TimeRole = Qt::UserRole + 1, SeedersRole, LeechersRole, CompletedRole };

  explicit SwarmHistoryModel(QObject* parent = nullptr);

  ApiClient* client() const { return m_client; }
  void setClient(ApiClient* client);
  QString infoHash() const { return m_info_hash; }
  void setInfoHash(const QString& hash);
  int windowSeconds() const { return m_window; }
  void setWindowSeconds(int seconds);
  int step() const { return m_step; }
  QString error() const { return m_error; }

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  Q_INVOKABLE void refresh();
  /// "seeders", "leechers" or "completed" as chart points; empty for another name.
  Q_INVOKABLE QVariantList series(const QString& name) const;

signals:
  void clientChanged();
  void infoHashChanged();
  void windowChanged();
  void pointsChanged();
  void errorChanged();

private:
  void setError(const QString& error);
  void clear();

  QPointer<ApiClient> m_client;
  QString m_info_hash;
  HistoryPoints m_points{3};  ///< seeders, leechers, completed
  int m_window = 86400;
  int m_step = 60;
  QString m_error;
  std::uint64_t m_generation = 0;
};

}  // namespace shoal::gui
