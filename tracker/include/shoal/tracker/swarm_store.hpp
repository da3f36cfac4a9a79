#pragma once
// SwarmStore: the tracker's in-memory peer database — every swarm (torrent) with its peers and
// its seeders/leechers/completed counts. Pure logic, no I/O: the UDP and HTTP fronts call
// announce()/scrape(), a timer calls sweep(), the persistence layer drains completed-count changes
// and exports/imports snapshots.
//
// Layout: the store is split into shards by info-hash, each with its own mutex, so announces for
// different torrents rarely contend. Inside a shard, swarms live in a hash map keyed by a keyed
// hash of the info-hash (hash flooding with chosen info-hashes does not degrade it). A swarm keeps
// its peers in PeerTable open-addressing sets, seeders and leechers apart (so a seeder is handed
// leechers without scanning seeders), IPv4 and IPv6 apart (IPv6 tables allocated only when used).
// Peers are keyed by (address, port): a client cannot overwrite another's entry.
//
// Peer selection (announce): up to `numwant` peers, never the requester itself; a seeder gets
// only leechers; a leecher gets seeders and leechers in proportion to their numbers. Each table is
// sampled from a random slot onwards, which is a random sample because slots follow a keyed hash.
//
// Events: `stopped` removes the peer (and returns no peers); `completed` counts once per peer
// (a peer that re-sends it, or announces left=0 from the start, does not count again); `paused`
// (BEP 21 partial seed) and left=0 make the peer a seeder.
//
//   SwarmStore store({.shard_count = 64, .peer_timeout_seconds = 3600});
//   std::string v4, v6;
//   auto r = store.announce({.info_hash = ih, .peer = ep, .left = 0,
//                            .event = AnnounceEvent::completed, .numwant = 50, .now = unix_now},
//                           v4, v6);   // v4 += 6 bytes per peer, v6 += 18 bytes per peer
//   store.sweep(unix_now);             // every few minutes
//
// Thread-safe: every public member may be called from any thread.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "shoal/proto/hash.hpp"
#include "shoal/proto/announce_event.hpp"
#include "shoal/proto/peer_endpoint.hpp"
#include "shoal/tracker/peer_table.hpp"

namespace shoal::tracker {

/// One announce, after the front has decoded it and the policy has accepted and clamped it.
struct AnnounceParams {
  Sha1Digest info_hash;
  PeerEndpoint peer;        ///< the address the tracker trusts for this client + announced port (≠ 0)
  bool seeder = false;      ///< left == 0, or a BEP 21 partial seed
  AnnounceEvent event = AnnounceEvent::none;
  std::uint32_t numwant_v4 = 0;  ///< peers wanted of each family (0: none of that family)
  std::uint32_t numwant_v6 = 0;
  std::uint32_t now = 0;    ///< unix time, seconds
};

/// Swarm figures after an announce, and for scrape.
struct SwarmCounts {
  std::uint32_t seeders = 0;
  std::uint32_t leechers = 0;
  std::uint32_t completed = 0;  ///< peers that reported `completed` (ever, persisted)
  friend bool operator==(const SwarmCounts&, const SwarmCounts&) = default;
};

struct AnnounceResult {
  SwarmCounts counts;
  std::uint32_t peers_v4 = 0;  ///< compact entries appended to the v4 buffer
  std::uint32_t peers_v6 = 0;
};

/// Totals over the whole store.
struct StoreTotals {
  std::uint64_t torrents = 0;   ///< swarms with at least one peer
  std::uint64_t seeders = 0;
  std::uint64_t leechers = 0;
  std::uint64_t peers_v4 = 0;
  std::uint64_t peers_v6 = 0;
  std::uint64_t peer_table_bytes = 0;  ///< heap bytes of all peer tables
};

/// A peer as saved in a snapshot.
struct PeerSnapshot {
  PeerEndpoint endpoint;
  bool seeder = false;
  bool counted_completed = false;
  std::uint32_t last_seen = 0;  ///< unix time
};

class SwarmStore {
public:
  struct Options {
    std::size_t shard_count = 64;              ///< rounded up to a power of two
    std::uint32_t peer_timeout_seconds = 3600; ///< a peer not heard from for this long is swept
  };

  explicit SwarmStore(Options options);
  ~SwarmStore();
  SwarmStore(const SwarmStore&) = delete;
  SwarmStore& operator=(const SwarmStore&) = delete;

  /// Records the announce and appends up to numwant_v4/numwant_v6 peers in compact form to
  /// `peers_v4` / `peers_v6` (6 / 18 bytes each). Does not allocate once the swarm and its tables
  /// have grown to size (the buffers are the caller's, reused across requests).
  AnnounceResult announce(const AnnounceParams& params, std::string& peers_v4, std::string& peers_v6);

  /// Counts for one swarm (zeros when unknown).
  SwarmCounts scrape(const Sha1Digest& info_hash) const;

  /// Calls fn(info_hash, counts) for every swarm with peers or a completed count (full scrape,
  /// stats). Holds one shard lock at a time.
  void for_each_swarm(const std::function<void(const Sha1Digest&, const SwarmCounts&)>& fn) const;

  /// Removes peers last seen before now - peer_timeout_seconds, then swarms left with no peers and
  /// no completed count. Returns the number of peers removed.
  std::uint64_t sweep(std::uint32_t now);

  StoreTotals totals() const;

  /// Completed counts that changed since the last call, as (info-hash, new count): what the
  /// persistence layer writes to the database in batches.
  std::vector<std::pair<Sha1Digest, std::uint32_t>> take_completed_changes();

  /// Sets a swarm's completed count (loading from the database at start). Not recorded as a change.
  void set_completed(const Sha1Digest& info_hash, std::uint32_t completed);

  /// Snapshot export: fn(info_hash, peer) for every peer, one shard locked at a time.
  void export_peers(const std::function<void(const Sha1Digest&, const PeerSnapshot&)>& fn) const;

  /// Up to `max` peers of one swarm (seeders first), for the monitor's peer list. Locks that
  /// swarm's shard only.
  std::vector<PeerSnapshot> peers_of(const Sha1Digest& info_hash, std::size_t max) const;

  /// Snapshot import: adds (or refreshes) a peer as it was saved. Peers whose last_seen is
  /// already past the timeout at the next sweep age out then.
  void import_peer(const Sha1Digest& info_hash, const PeerSnapshot& peer);

  /// Removes one swarm entirely (e.g. an info-hash put on the deny list). Returns true if present.
  bool remove_swarm(const Sha1Digest& info_hash);

private:
  struct Shard;
  Shard& shard_for(const Sha1Digest& info_hash) const;

  Options m_options;
  std::uint64_t m_seed;  ///< secret for peer-table and swarm-map hashing
  std::size_t m_shard_mask;
  std::unique_ptr<Shard[]> m_shards;
};

}  // namespace shoal::tracker
