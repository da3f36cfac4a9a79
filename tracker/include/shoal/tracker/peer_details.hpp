#pragma once
// PeerDetails: what the tracker keeps about recent announcers beyond the swarm store's address
// and seeder flag — peer id, left, downloaded, uploaded, time — for the monitor's peer list
// (GET /api/v1/swarms/{info_hash}/peers). Bounded: at most `capacity` peers are described; past
// that, the least recently announced entries make room (the swarm store itself is not bounded by
// this, only the descriptions are).
//
//   PeerDetails details(65536);
//   details.record(swarm_key, endpoint, {.peer_id = id, .left = 0, .downloaded = d, .uploaded = u, .when = now});
//   details.forget(swarm_key, endpoint);                 // event=stopped
//   auto d = details.find(swarm_key, endpoint);          // optional<PeerDetail>
//
// Thread-safe: sharded by info-hash, one mutex per shard (announces of different torrents rarely
// contend). capacity 0 disables it (record() does nothing, find() finds nothing).

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "shoal/proto/hash.hpp"
#include "shoal/proto/peer_endpoint.hpp"

namespace shoal::tracker {

struct PeerDetail {
  PeerId peer_id;
  std::uint64_t left = 0;
  std::uint64_t downloaded = 0;
  std::uint64_t uploaded = 0;
  std::uint32_t when = 0;  ///< unix time of the announce
};

class PeerDetails {
public:
  explicit PeerDetails(std::size_t capacity);
  ~PeerDetails();
  PeerDetails(const PeerDetails&) = delete;
  PeerDetails& operator=(const PeerDetails&) = delete;

  void record(const Sha1Digest& info_hash, const PeerEndpoint& peer, const PeerDetail& detail);
  void forget(const Sha1Digest& info_hash, const PeerEndpoint& peer);
  std::optional<PeerDetail> find(const Sha1Digest& info_hash, const PeerEndpoint& peer) const;
  std::size_t size() const;
  std::size_t capacity() const noexcept { return m_capacity; }

private:
  struct Shard;
  Shard& shard_for(const Sha1Digest& info_hash) const;
  std::size_t m_capacity;
  std::unique_ptr<Shard[]> m_shards;
};

}  // namespace shoal::tracker
