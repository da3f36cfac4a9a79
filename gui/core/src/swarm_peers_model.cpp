#include "shoal/gui/swarm_peers_model.hpp"

#include <QRegularExpression>

#include "shoal/gui/api_values.hpp"

namespace shoal::gui {

SwarmPeersModel::SwarmPeersModel(QObject* parent) : QAbstractListModel(parent) {}

void SwarmPeersModel::setClient(ApiClient* client) {
  if (m_client == client) return;
  m_client = client;
  ++m_generation;
  emit clientChanged();
}

void SwarmPeersModel::setInfoHash(const QString& hash) {
  const QString lower = hash.trimmed().toLower();
  if (lower == m_info_hash) return;
  m_info_hash = lower;
  ++m_generation;
  beginResetModel();
  m_peers.clear();
  m_total = 0;
  endResetModel();
  emit infoHashChanged();
  emit rowsChanged();
}

void SwarmPeersModel::setError(const QString& error) {
  if (error == m_error) return;
  m_error = error;
  emit errorChanged();
}

int SwarmPeersModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_peers.size());
}

QVariant SwarmPeersModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() < 0 || static_cast<std::size_t>(index.row()) >= m_peers.size()) return {};
  const api::SwarmPeer& p = m_peers[static_cast<std::size_t>(index.row())];
  switch (role) {
    case AddressRole: return qtext(p.address);
    case PortRole: return static_cast<int>(p.port);
    case SeederRole: return p.seeder;
    case ClientNameRole: return p.client ? qtext(*p.client) : QString();
    case ProgressRole: return maybe(p.progress);
    case LastAnnounceRole: return utc_time(p.last_announce);
    case UploadedRole: return maybe(p.uploaded);
    case DownloadedRole: return maybe(p.downloaded);
    default: return {};
  }
}

QHash<int, QByteArray> SwarmPeersModel::roleNames() const {
  return {{AddressRole, "address"},         {PortRole, "port"},         {SeederRole, "seeder"},
          {ClientNameRole, "clientName"},   {ProgressRole, "progress"}, {LastAnnounceRole, "lastAnnounce"},
          {UploadedRole, "uploaded"},       {DownloadedRole, "downloaded"}};
}

void SwarmPeersModel::refresh() {
  static const QRegularExpression hex40(QStringLiteral("^[0-9a-f]{40}$"));
  if (!m_client) return setError(tr("not connected"));
  if (!hex40.match(m_info_hash).hasMatch()) return setError(tr("an info-hash is 40 hex characters"));
  const std::uint64_t generation = ++m_generation;
  QPointer<SwarmPeersModel> self(this);
  m_client->getJson(QStringLiteral("/api/v1/swarms/%1/peers?limit=200").arg(m_info_hash), [self, generation](const ApiResult& r) {
    if (!self || generation != self->m_generation) return;
    if (!r.ok()) return self->setError(r.message);
    auto list = api::SwarmPeerList::from_json(r.json);
    if (!list) return self->setError(unreadable_answer(list.error()));
    self->setError({});
    self->beginResetModel();
    self->m_peers = std::move(list->peers);
    self->m_total = static_cast<int>(std::min<std::uint64_t>(list->total, INT32_MAX));
    self->endResetModel();
    emit self->rowsChanged();
  });
}

}  // namespace shoal::gui
