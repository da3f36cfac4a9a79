#include "shoal/gui/transfers_model.hpp"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

#include "shoal/gui/api_values.hpp"

namespace shoal::gui {

namespace {
constexpr qint64 kMaxTorrentFile = 10 * 1024 * 1024;
}  // namespace

TransfersModel::TransfersModel(QObject* parent) : QAbstractListModel(parent) {}

void TransfersModel::setClient(ApiClient* client) {
  if (m_client == client) return;
  m_client = client;
  ++m_generation;
  m_revision = 0;  // another node: start over with a full sync
  m_in_flight = false;
  emit clientChanged();
}

void TransfersModel::setSpeedHistorySize(int size) {
  m_history_size = std::clamp(size, 2, 100000);
  m_speeds.trim_front(static_cast<std::size_t>(m_history_size));
  emit synced();
}

void TransfersModel::setError(const QString& error) {
  if (error == m_error) return;
  m_error = error;
  emit errorChanged();
}

int TransfersModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

QVariant TransfersModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() < 0 || static_cast<std::size_t>(index.row()) >= m_rows.size()) return {};
  const api::TransferView& t = m_rows[static_cast<std::size_t>(index.row())];
  switch (role) {
    case TorrentIdRole: return qtext(t.id);
    case NameRole: return qtext(t.name);
    case StateRole: return qtext(t.state);
    case ProgressRole: return t.progress;
    case DownloadRateRole: return static_cast<qint64>(t.download_rate);
    case UploadRateRole: return static_cast<qint64>(t.upload_rate);
    case EtaRole: return static_cast<qint64>(t.eta);
    case RatioRole: return t.ratio;
    case PeersRole: return static_cast<int>(t.peers);
    case SeedsRole: return static_cast<int>(t.seeds);
    case SizeRole: return static_cast<qint64>(t.size);
    case PausedRole: return t.paused;
    case ErrorRole: return qtext(t.error);
    default: return {};
  }
}

QHash<int, QByteArray> TransfersModel::roleNames() const {
  return {{TorrentIdRole, "torrentId"}, {NameRole, "name"},         {StateRole, "state"},
          {ProgressRole, "progress"},   {DownloadRateRole, "downloadRate"}, {UploadRateRole, "uploadRate"},
          {EtaRole, "eta"},             {RatioRole, "ratio"},       {PeersRole, "peers"},
          {SeedsRole, "seeds"},         {SizeRole, "size"},         {PausedRole, "paused"},
          {ErrorRole, "error"}};
}

int TransfersModel::rowOf(const QString& torrentId) const {
  const std::string id = torrentId.toStdString();
  for (std::size_t i = 0; i < m_rows.size(); ++i)
    if (m_rows[i].id == id) return static_cast<int>(i);
  return -1;
}

QVariantMap TransfersModel::get(int row) const {
  QVariantMap out;
  if (row < 0 || static_cast<std::size_t>(row) >= m_rows.size()) return out;
  const auto names = roleNames();
  for (auto it = names.begin(); it != names.end(); ++it) out.insert(QString::fromUtf8(it.value()), data(index(row), it.key()));
  return out;
}

QVariantList TransfersModel::speedSeries(const QString& direction) const {
  if (direction == QLatin1String("download")) return m_speeds.series(0);
  if (direction == QLatin1String("upload")) return m_speeds.series(1);
  return {};
}

void TransfersModel::refresh() {
  if (!m_client) return setError(tr("not connected"));
  if (m_in_flight) return;  // one sync at a time: deltas must apply in order
  m_in_flight = true;
  const std::uint64_t generation = m_generation;
  QPointer<TransfersModel> self(this);
  m_client->getJson(QStringLiteral("/api/v1/sync?since=%1").arg(m_revision), [self, generation](const ApiResult& r) {
    if (!self || generation != self->m_generation) return;
    self->m_in_flight = false;
    if (!r.ok()) return self->setError(r.message);
    auto sync = api::TransferSync::from_json(r.json);
    if (!sync) return self->setError(unreadable_answer(sync.error()));
    self->setError({});
    self->apply(std::move(*sync));
  });
}

void TransfersModel::apply(api::TransferSync&& answer) {
  const int before = rowCount();
  if (answer.full) {
    beginResetModel();
    m_rows = std::move(answer.torrents);
    endResetModel();
  } else {
    for (const auto& id : answer.removed) {
      const int row = rowOf(qtext(id));
      if (row < 0) continue;
      beginRemoveRows({}, row, row);
      m_rows.erase(m_rows.begin() + row);
      endRemoveRows();
    }
    for (auto& t : answer.torrents) {
      const int row = rowOf(qtext(t.id));
      if (row >= 0) {
        m_rows[static_cast<std::size_t>(row)] = std::move(t);
        emit dataChanged(index(row), index(row));
      } else {
        const int at = rowCount();
        beginInsertRows({}, at, at);
        m_rows.push_back(std::move(t));
        endInsertRows();
      }
    }
  }
  m_revision = static_cast<qint64>(answer.revision);
  m_download_rate = answer.global.download_rate;
  m_upload_rate = answer.global.upload_rate;
  m_speeds.append(QDateTime::currentDateTimeUtc(), {m_download_rate, m_upload_rate});
  m_speeds.trim_front(static_cast<std::size_t>(m_history_size));
  if (rowCount() != before) emit countChanged();
  emit synced();
}

void TransfersModel::action(const QByteArray& method, const QString& path, const QByteArray& body, const QByteArray& type) {
  if (!m_client) {
    emit actionDone(false, tr("not connected"));
    return;
  }
  QPointer<TransfersModel> self(this);
  m_client->send(method, path, body, type, [self](const ApiResult& r) {
    if (!self) return;
    emit self->actionDone(r.ok(), r.message);
    if (r.ok()) self->refresh();
  });
}

void TransfersModel::pause(const QString& torrentId) {
  action("POST", QStringLiteral("/api/v1/torrents/%1/pause").arg(torrentId), "{}", "application/json");
}

void TransfersModel::resume(const QString& torrentId) {
  action("POST", QStringLiteral("/api/v1/torrents/%1/resume").arg(torrentId), "{}", "application/json");
}

void TransfersModel::remove(const QString& torrentId, bool deleteData) {
  action("DELETE", QStringLiteral("/api/v1/torrents/%1?delete_data=%2").arg(torrentId, deleteData ? "true" : "false"), {}, {});
}

void TransfersModel::addMagnet(const QString& magnet, bool paused) {
  if (!magnet.trimmed().startsWith(QLatin1String("magnet:?"))) {
    emit actionDone(false, tr("not a magnet link"));
    return;
  }
  const QJsonObject body{{"magnet", magnet.trimmed()}, {"paused", paused}};
  action("POST", QStringLiteral("/api/v1/torrents"), QJsonDocument(body).toJson(QJsonDocument::Compact), "application/json");
}

void TransfersModel::addTorrentFile(const QUrl& file, bool paused) {
  const QString path = file.isLocalFile() ? file.toLocalFile() : file.toString();
  QFile f(path);
  if (QFileInfo(path).size() > kMaxTorrentFile) {
    emit actionDone(false, tr("%1 is over 10 MiB: not a .torrent file").arg(path));
    return;
  }
  if (!f.open(QIODevice::ReadOnly)) {
    emit actionDone(false, tr("cannot read %1: %2").arg(path, f.errorString()));
    return;
  }
  action("POST", QStringLiteral("/api/v1/torrents?paused=%1").arg(paused ? "true" : "false"), f.readAll(),
         "application/x-bittorrent");
}

}  // namespace shoal::gui
