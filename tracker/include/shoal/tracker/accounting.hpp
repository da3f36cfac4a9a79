#pragma once
// Accounting: per-user upload/download accounting of private mode, without I/O. Every announce of
// a registered torrent by a known user is record()ed; the writer thread take_batch()es what
// accumulated every flush interval and writes it to the database in one transaction
// (PrivateStore::save_accounting) — never per announce.
//
// Clients report byte counters (uploaded/downloaded since they started the torrent); what a user
// is credited with is the growth of those counters between consecutive announces of the same peer.
// A peer is identified by (user, torrent, peer_id): a client keeps its peer_id for a session and
// starts new counters with a new one.
//
// Rules, per counter:
// - First announce of a peer we have no baseline for: its counters become the baseline and
//   nothing is credited — a client cannot claim bytes by inventing a fresh peer_id with large
//   counters. (Clients start with a `started` announce carrying 0/0, so nothing real is lost.)
// - Counter smaller than the baseline (the client restarted its counters): never a negative
//   delta; the new value becomes the baseline, nothing is credited (`resets` counts it).
// - Growth larger than max_rate_bytes_per_second * seconds since the previous announce (at least
//   one second): not credited (`dropped` counts it); the new value becomes the baseline.
// - Negative counters (possible over UDP) read as 0.
// - Torrent flags: freeleech credits no download; neutral credits neither.
// - `completed` marks the (user, torrent) as completed; the database keeps the first time only,
//   so repeated `completed` events (and the same event replayed after a restart) count once.
// - `stopped` credits the last delta and forgets the peer's baseline.
// - Baselines of peers silent for longer than the baseline timeout are dropped by sweep().
//
// Durability: a batch carries, beside the credited deltas per (user, torrent), the latest
// baseline of every peer that changed (or its removal). The store writes both in one transaction,
// so after a crash (kill -9) the database holds totals and baselines of the same instant: the
// peer's next announce is measured from that persisted baseline — what was reported after the
// last flush is credited then, nothing before it is credited twice. restore() loads the
// baselines at start.
//
//   Accounting acc({.max_rate_bytes_per_second = 1 << 30, .baseline_timeout_seconds = 2700});
//   acc.record({user, torrent, peer_id}, {.uploaded = u, .downloaded = d, .event = e,
//              .now = now, .freeleech = t.freeleech, .neutral = t.neutral});
//   AccountingBatch batch = acc.take_batch();          // writer thread
//   if (!store.save_accounting(batch, cutoff)) acc.restore_batch(std::move(batch));
//
// Thread-safe: record() from any number of threads (sharded locks), take_batch() from one.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "shoal/proto/announce_event.hpp"
#include "shoal/proto/hash.hpp"

namespace shoal::tracker {

/// One peer of one user on one torrent.
struct PeerKey {
  std::int64_t user_id = 0;
  std::int64_t torrent_id = 0;
  Digest<20> peer_id;

  friend bool operator==(const PeerKey&, const PeerKey&) = default;
};

struct PeerKeyHash {
  std::size_t operator()(const PeerKey& k) const noexcept;
};

/// The counters of a peer's last announce.
struct PeerBaseline {
  std::uint64_t uploaded = 0;
  std::uint64_t downloaded = 0;
  std::uint32_t last_announce = 0;  ///< unix time

  friend bool operator==(const PeerBaseline&, const PeerBaseline&) = default;
};

/// What one announce reports (after the policy accepted it).
struct AnnounceCounters {
  std::int64_t uploaded = 0;
  std::int64_t downloaded = 0;
  AnnounceEvent event = AnnounceEvent::none;
  std::uint32_t now = 0;    ///< unix time
  bool freeleech = false;
  bool neutral = false;
};

/// What record() credited.
struct Credit {
  std::uint64_t uploaded = 0;
  std::uint64_t downloaded = 0;
  friend bool operator==(const Credit&, const Credit&) = default;
};

/// Credited deltas of one user on one torrent since the last batch.
struct UserTorrentDelta {
  std::int64_t user_id = 0;
  std::int64_t torrent_id = 0;
  std::uint64_t uploaded = 0;
  std::uint64_t downloaded = 0;
  bool completed = false;            ///< a `completed` event was seen
  std::uint32_t completed_at = 0;    ///< its time (first one in the batch) when completed
  std::uint32_t first_announce = 0;  ///< first and last announce time in the batch
  std::uint32_t last_announce = 0;
};

/// What the writer persists in one transaction.
struct AccountingBatch {
  std::vector<UserTorrentDelta> deltas;
  /// Latest baseline per changed peer; nullopt: the peer is gone (stopped or swept).
  std::vector<std::pair<PeerKey, std::optional<PeerBaseline>>> baselines;

  bool empty() const noexcept { return deltas.empty() && baselines.empty(); }
  /// Folds `newer` (taken after this batch) into this one: deltas add up, a newer baseline
  /// replaces an older one. Used to retry a batch whose write failed together with the next one.
  void merge(AccountingBatch&& newer);
};

class Accounting {
public:
  struct Options {
    std::uint64_t max_rate_bytes_per_second = 1024ull << 20;
    std::uint32_t baseline_timeout_seconds = 2700;  ///< the swarm's peer timeout
    std::size_t shard_count = 16;                   ///< rounded up to a power of two
  };

  struct Counters {
    std::uint64_t announces = 0;  ///< record() calls
    std::uint64_t resets = 0;     ///< counters that went backwards (new baseline)
    std::uint64_t dropped = 0;    ///< deltas above the plausible rate (not credited)
  };

  explicit Accounting(Options options);
  ~Accounting();
  Accounting(const Accounting&) = delete;
  Accounting& operator=(const Accounting&) = delete;

  /// Applies one announce; returns what it credited (after the torrent's flags).
  Credit record(const PeerKey& key, const AnnounceCounters& counters);

  /// Everything recorded since the previous call (deltas aggregated per (user, torrent), the
  /// latest baseline of every peer that changed), and starts a new batch.
  AccountingBatch take_batch();

  /// Puts back a batch whose write failed so that the next take_batch() returns it merged with
  /// what was recorded meanwhile.
  void restore_batch(AccountingBatch&& batch);

  /// Loads persisted baselines at start (before any record()).
  void restore(const std::vector<std::pair<PeerKey, PeerBaseline>>& baselines);

  /// Forgets baselines whose last announce is older than now - baseline_timeout (and records their
  /// removal in the batch). Returns how many were dropped.
  std::size_t sweep(std::uint32_t now);

  /// Baselines held in memory.
  std::size_t peer_count() const;
  Counters counters() const noexcept;
  const Options& options() const noexcept { return m_options; }

private:
  struct Shard;
  Shard& shard_for(const PeerKey& key) const;

  Options m_options;
  std::size_t m_shard_mask;
  std::unique_ptr<Shard[]> m_shards;
  std::mutex m_retry_mutex;
  AccountingBatch m_retry;
  std::atomic<std::uint64_t> m_announces{0};
  std::atomic<std::uint64_t> m_resets{0};
  std::atomic<std::uint64_t> m_dropped{0};
};

}  // namespace shoal::tracker
