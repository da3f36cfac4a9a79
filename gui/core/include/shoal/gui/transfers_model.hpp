#pragma once
// TransfersModel: a shoal-peer node's torrents for the Transfers view, kept current by the
// node's delta sync (GET /api/v1/sync?since=<revision>: only what changed and what was removed
// travels), with the actions the view offers: pause, resume, remove (with or without data), add
// by magnet or by a local .torrent file. The node's total rates are sampled at every sync for
// the speed chart (the last `speedHistorySize` samples).
//
//   TransfersModel { client: peerApi }          // refresh() polls; roles torrentId, name, state,
//                                               // progress, downloadRate, uploadRate, eta, ratio,
//                                               // peers, seeds, size, paused, error
//
// Contract
// - A full answer (first sync, or the node restarted) replaces every row; a delta updates rows in
//   place (dataChanged), appends new ones and removes the removed ids.
// - Actions report through actionDone(ok, message); a refused action changes nothing here (the
//   next sync shows what the node did).
// - addTorrentFile reads the file locally (at most 10 MiB) and uploads it as
//   application/x-bittorrent; a missing or oversized file fails without a request.

#include <QAbstractListModel>
#include <QJsonObject>
#include <QPointer>
#include <QString>
#include <QUrl>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <cstdint>
#include <vector>

#include "shoal/gui/api_client.hpp"
#include "shoal/gui/history_points.hpp"
#include "shoal/proto/api_transfers.hpp"

namespace shoal::gui {

class TransfersModel : public QAbstractListModel {
  Q_OBJECT
  QML_ELEMENT
  Q_PROPERTY(shoal::gui::ApiClient* client READ client WRITE setClient NOTIFY clientChanged)
  Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
  Q_PROPERTY(qint64 revision READ revision NOTIFY synced)
  Q_PROPERTY(qint64 downloadRate READ downloadRate NOTIFY synced)
  Q_PROPERTY(qint64 uploadRate READ uploadRate NOTIFY synced)
  Q_PROPERTY(int speedHistorySize READ speedHistorySize WRITE setSpeedHistorySize NOTIFY synced)
  Q_PROPERTY(QString error READ error NOTIFY errorChanged)

public:
  enum Role {
    TorrentIdRole = Qt::UserRole + 1, NameRole, StateRole, ProgressRole, DownloadRateRole, UploadRateRole,
    EtaRole, RatioRole, PeersRole, SeedsRole, SizeRole, PausedRole, ErrorRole
  };

  explicit TransfersModel(QObject* parent = nullptr);

  ApiClient* client() const { return m_client; }
  void setClient(ApiClient* client);
  qint64 revision() const { return m_revision; }
  qint64 downloadRate() const { return m_download_rate; }
  qint64 uploadRate() const { return m_upload_rate; }
  int speedHistorySize() const { return m_history_size; }
  void setSpeedHistorySize(int size);
  QString error() const { return m_error; }

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  /// One sync round (full the first time, then deltas).
  Q_INVOKABLE void refresh();
  /// The row of a torrent id, or -1.
  Q_INVOKABLE int rowOf(const QString& torrentId) const;
  /// One row as a map of its roles; empty when out of range.
  Q_INVOKABLE QVariantMap get(int row) const;
  /// "download" or "upload" total rate samples as chart points (bytes/s).
  Q_INVOKABLE QVariantList speedSeries(const QString& direction) const;

  Q_INVOKABLE void pause(const QString& torrentId);
  Q_INVOKABLE void resume(const QString& torrentId);
  Q_INVOKABLE void remove(const QString& torrentId, bool deleteData);
  Q_INVOKABLE void addMagnet(const QString& magnet, bool paused = false);
  Q_INVOKABLE void addTorrentFile(const QUrl& file, bool paused = false);

signals:
  void clientChanged();
  void countChanged();
  void synced();
  void errorChanged();
  void actionDone(bool ok, const QString& message);

private:
  void apply(api::TransferSync&& answer);
  void action(const QByteArray& method, const QString& path, const QByteArray& body, const QByteArray& type);
  void setError(const QString& error);

  QPointer<ApiClient> m_client;
  std::vector<api::TransferView> m_rows;
  HistoryPoints m_speeds{2};  ///< download, upload rate at each sync
  qint64 m_revision = 0;
  qint64 m_download_rate = 0, m_upload_rate = 0;
  int m_history_size = 300;
  QString m_error;
  bool m_in_flight = false;
  std::uint64_t m_generation = 0;
};

}  // namespace shoal::gui
