#include "shoal/tracker/peer_details.hpp"

#include <cstring>

namespace shoal::tracker {

namespace {
constexpr std::size_t kShards = 16;

struct Key {
  Sha1Digest info_hash;
  PeerEndpoint peer;
  bool operator==(const Key&) const = default;
};
struct KeyHash {
  std::size_t operator()(const Key& k) const noexcept {
    return std::hash<Sha1Digest>{}(k.info_hash) ^ (std::hash<PeerEndpoint>{}(k.peer) * 0x9e3779b97f4a7c15ull);
  }
};
}  // namespace

// Each shard: a map to entries kept in recency order (front = most recent), so the oldest is
// evicted in O(1) when the shard is full.
struct PeerDetails::Shard {
  struct Entry {
    Key key;
    PeerDetail detail;
  };
  mutable std::mutex mutex;
  std::list<Entry> order;
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index;
};

PeerDetails::PeerDetails(std::size_t capacity) : m_capacity(capacity), m_shards(new Shard[kShards]) {}
PeerDetails::~PeerDetails() = default;

PeerDetails::Shard& PeerDetails::shard_for(const Sha1Digest& info_hash) const {
  return m_shards[info_hash.bytes[0] % kShards];
}

void PeerDetails::record(const Sha1Digest& info_hash, const PeerEndpoint& peer, const PeerDetail& detail) {
  if (m_capacity == 0) return;
  const std::size_t per_shard = (m_capacity + kShards - 1) / kShards;
  Shard& s = shard_for(info_hash);
  const Key key{info_hash, peer};
  std::lock_guard lock(s.mutex);
  if (auto it = s.index.find(key); it != s.index.end()) {
    it->second->detail = detail;
    s.order.splice(s.order.begin(), s.order, it->second);
    return;
  }
  if (s.index.size() >= per_shard) {
    s.index.erase(s.order.back().key);
    s.order.pop_back();
  }
  s.order.push_front({key, detail});
  s.index.emplace(key, s.order.begin());
}

void PeerDetails::forget(const Sha1Digest& info_hash, const PeerEndpoint& peer) {
  if (m_capacity == 0) return;
  Shard& s = shard_for(info_hash);
  std::lock_guard lock(s.mutex);
  if (auto it = s.index.find(Key{info_hash, peer}); it != s.index.end()) {
    s.order.erase(it->second);
    s.index.erase(it);
  }
}

std::optional<PeerDetail> PeerDetails::find(const Sha1Digest& info_hash, const PeerEndpoint& peer) const {
  if (m_capacity == 0) return std::nullopt;
  Shard& s = shard_for(info_hash);
  std::lock_guard lock(s.mutex);
  if (auto it = s.index.find(Key{info_hash, peer}); it != s.index.end()) return it->second->detail;
  return std::nullopt;
}

std::size_t PeerDetails::size() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(m_shards[i].mutex);
    n += m_shards[i].index.size();
  }
  return n;
}

}  // namespace shoal::tracker
