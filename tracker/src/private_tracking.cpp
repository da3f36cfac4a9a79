#include "shoal/tracker/private_tracking.hpp"

#include "shoal/proto/metainfo.hpp"

namespace shoal::tracker {

PrivateTracking::PrivateTracking(std::unique_ptr<PrivateStore> store, PrivateRegistry* registry,
                                 SwarmStore* swarms)
    : m_store(std::move(store)), m_registry(registry), m_swarms(swarms) {}

expected<TorrentRecord, PrivateStoreError> PrivateTracking::register_torrent_file(
    std::string_view torrent_file, std::optional<std::int64_t> added_by) {
  if (torrent_file.size() > kMaxTorrentFileBytes)
    return unexpected(PrivateStoreError{PrivateStoreErrc::invalid, "torrent file too large"});
  auto meta = parse_metainfo(torrent_file);
  if (!meta)
    return unexpected(PrivateStoreError{PrivateStoreErrc::invalid,
                                        "not a valid .torrent: " + meta.error().message()});
  const InfoHash& ih = meta->info_hash();
  std::string name = meta->name();
  if (name.size() > kMaxTorrentNameBytes) name.resize(kMaxTorrentNameBytes);
  return register_info_hashes(ih.v1, ih.v2, name, added_by);
}

expected<TorrentRecord, PrivateStoreError> PrivateTracking::register_info_hashes(
    std::optional<Sha1Digest> v1, std::optional<Sha256Digest> v2, std::string_view name,
    std::optional<std::int64_t> added_by) {
  NewTorrent n;
  n.info_hash_v1 = v1;
  n.info_hash_v2 = v2;
  n.name = std::string(name);
  n.added_by = added_by;
  std::lock_guard lock(m_mutex);
  auto t = m_store->register_torrent(n);
  if (!t) return t;
  if (auto r = refresh_locked(); !r) return unexpected(r.error());
  return t;
}

expected<void, PrivateStoreError> PrivateTracking::unregister(std::int64_t torrent_id) {
  std::lock_guard lock(m_mutex);
  std::optional<Sha1Digest> swarm_key;
  if (m_swarms) {
    auto t = m_store->get_torrent(torrent_id);
    if (!t) return unexpected(std::move(t.error()));  // not_found, as unregister_torrent says
    swarm_key = t->swarm_key();
  }
  if (auto r = m_store->unregister_torrent(torrent_id); !r) return r;
  if (auto r = refresh_locked(); !r) return unexpected(r.error());
  if (m_swarms && swarm_key) m_swarms->remove_swarm(*swarm_key);
  return {};
}

expected<TorrentRecord, PrivateStoreError> PrivateTracking::set_flags(std::int64_t torrent_id,
                                                                      std::optional<bool> freeleech,
                                                                      std::optional<bool> neutral) {
  std::lock_guard lock(m_mutex);
  auto t = m_store->set_torrent_flags(torrent_id, freeleech, neutral);
  if (!t) return t;
  if (auto r = refresh_locked(); !r) return unexpected(r.error());
  return t;
}

expected<TorrentRecord, PrivateStoreError> PrivateTracking::get(std::int64_t torrent_id) {
  std::lock_guard lock(m_mutex);
  return m_store->get_torrent(torrent_id);
}

expected<TorrentPage, PrivateStoreError> PrivateTracking::list(std::size_t limit, std::size_t offset) {
  std::lock_guard lock(m_mutex);
  return m_store->list_torrents(limit, offset);
}

expected<std::vector<TorrentRecord>, PrivateStoreError> PrivateTracking::list() {
  std::lock_guard lock(m_mutex);
  return m_store->list_torrents();
}

expected<std::optional<TorrentRecord>, PrivateStoreError> PrivateTracking::find(
    const Sha1Digest& tracker_id) {
  std::lock_guard lock(m_mutex);
  return m_store->find_torrent(tracker_id);
}

expected<UserTotals, PrivateStoreError> PrivateTracking::user_totals(std::int64_t user_id) {
  std::lock_guard lock(m_mutex);
  return m_store->user_totals(user_id);
}

expected<UserTorrentStatsPage, PrivateStoreError> PrivateTracking::user_torrent_stats(
    std::int64_t user_id, std::size_t limit, std::size_t offset) {
  std::lock_guard lock(m_mutex);
  return m_store->user_torrent_stats(user_id, limit, offset);
}

expected<std::pair<std::size_t, std::size_t>, PrivateStoreError> PrivateTracking::refresh() {
  std::lock_guard lock(m_mutex);
  return refresh_locked();
}

expected<std::pair<std::size_t, std::size_t>, PrivateStoreError> PrivateTracking::refresh_locked() {
  if (!m_registry) return std::pair<std::size_t, std::size_t>{0, 0};
  auto data = m_store->load_registry();
  if (!data) return unexpected(data.error());
  m_registry->replace(*data);
  return std::pair<std::size_t, std::size_t>{data->users.size(), data->torrents.size()};
}

}  // namespace shoal::tracker
