#include "shoal/tracker/private_registry.hpp"

#include <algorithm>

namespace shoal::tracker {

Sha1Digest truncated_v2(const Sha256Digest& v2) noexcept {
  Sha1Digest out;
  std::copy_n(v2.bytes.begin(), out.bytes.size(), out.bytes.begin());
  return out;
}

std::string_view passkey_from_url(std::string_view url) noexcept {
  const auto question = url.find('?');
  const std::string_view path = url.substr(0, question);
  std::string_view query = question == std::string_view::npos ? std::string_view{}
                                                                     : url.substr(question + 1);
  for (std::string_view verb : {std::string_view("/announce/"), std::string_view("/scrape/")}) {
    if (path.starts_with(verb)) {
      std::string_view key = path.substr(verb.size());
      if (!key.empty() && key.find('/') == std::string_view::npos) return key;
    }
  }
  // `passkey=` among the query's parameters (no percent-decoding: a passkey is plain hex).
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    if (param.starts_with("passkey=")) return param.substr(8);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

const RegisteredUser* PrivateRegistry::Snapshot::user(std::string_view passkey) const {
  const auto it = m_users.find(passkey);
  return it == m_users.end() ? nullptr : &it->second;
}

const RegisteredTorrent* PrivateRegistry::Snapshot::torrent(const Sha1Digest& info_hash) const {
  const auto it = m_torrents.find(info_hash);
  return it == m_torrents.end() ? nullptr : &it->second;
}

void PrivateRegistry::Snapshot::for_each_swarm_key(
    const std::function<void(const Sha1Digest&)>& fn) const {
  for (const auto& [hash, t] : m_torrents)
    if (hash == t.swarm_key) fn(hash);
}

PrivateRegistry::PrivateRegistry() : m_snapshot(std::make_shared<const Snapshot>()) {}

void PrivateRegistry::replace(const RegistryData& data) {
  auto snap = std::make_shared<Snapshot>();
  snap->m_users.reserve(data.users.size());
  for (const auto& u : data.users) snap->m_users.emplace(u.passkey, RegisteredUser{u.id, u.enabled});
  snap->m_torrents.reserve(data.torrents.size() * 2);
  for (const auto& t : data.torrents) {
    if (!t.info_hash_v1 && !t.info_hash_v2) continue;
    RegisteredTorrent entry;
    entry.id = t.id;
    entry.swarm_key = t.info_hash_v1 ? *t.info_hash_v1 : truncated_v2(*t.info_hash_v2);
    entry.freeleech = t.freeleech;
    entry.neutral = t.neutral;
    // The swarm key first: if it is taken, the torrent is unusable and gets no entry at all.
    if (!snap->m_torrents.emplace(entry.swarm_key, entry).second) continue;
    ++snap->m_torrent_count;
    if (t.info_hash_v1 && t.info_hash_v2) snap->m_torrents.emplace(truncated_v2(*t.info_hash_v2), entry);
  }
  m_snapshot.store(std::move(snap), std::memory_order_release);
}

}  // namespace shoal::tracker
