#include "shoal/gui/transfers_model.hpp"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>


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
  const Transfer& t = m_rows[static_cast<std::size_t>(index.row())];
  switch (role) {
    case TorrentIdRole: return t.id;
    case NameRole: return t.name;
    case StateRole: return t.state;
    case ProgressRole: return t.progress;
    case DownloadRateRole: return t.download_rate;
    case UploadRateRole: return t.upload_rate;
    case EtaRole: return t.eta;
    case RatioRole: return t.ratio;
    case PeersRole: return t.peers;
    case SeedsRole: return t.seeds;
    case SizeRole: return t.size;
    case PausedRole: return t.paused;
    case ErrorRole: return t.error;
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
  for (std::size_t i = 0; i < m_rows.size(); ++i)
    if (m_rows[i].id == torrentId) return static_cast<int>(i);
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

TransfersModel::Transfer TransfersModel::from_json(const QJsonObject& o) {
  Transfer t;
  t.id = o.value("id").toString();
  t.name = o.value("name").toString();
  t.state = o.value("state").toString();
  t.error = o.value("error").toString();
  t.progress = o.value("progress").toDouble();
  t.ratio = o.value("ratio").toDouble(-1);
  t.download_rate = o.value("download_rate").toInteger();
  t.upload_rate = o.value("upload_rate").toInteger();
  t.eta = o.value("eta").toInteger(-1);
  t.size = o.value("size").toInteger();
  t.peers = o.value("peers").toInt();
  t.seeds = o.value("seeds").toInt();
  t.paused = o.value("paused").toBool();
  return t;
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
    self->setError(r.ok() ? QString() : r.message);
    if (r.ok()) self->apply(r.json.object());
  });
}

void TransfersModel::apply(const QJsonObject& answer) {
  const int before = rowCount();
  const QJsonArray torrents = answer.value("torrents").toArray();
  if (answer.value("full").toBool()) {
    beginResetModel();
    m_rows.clear();
    for (const auto& v : torrents) m_rows.push_back(from_json(v.toObject()));
    endResetModel();
  } else {
    for (const auto& v : answer.value("removed").toArray()) {
      const int row = rowOf(v.toString());
      if (row < 0) continue;
      beginRemoveRows({}, row, row);
      m_rows.erase(m_rows.begin() + row);
      endRemoveRows();
    }
    for (const auto& v : torrents) {
      Transfer t = from_json(v.toObject());
      const int row = rowOf(t.id);
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
  m_revision = answer.value("revision").toInteger(m_revision);
  const QJsonObject global = answer.value("global").toObject();
  m_download_rate = global.value("download_rate").toInteger();
  m_upload_rate = global.value("upload_rate").toInteger();
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
