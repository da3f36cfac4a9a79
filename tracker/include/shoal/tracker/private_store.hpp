#pragma once
// PrivateStore: the durable state of private mode behind one interface (SQLite now; a PostgreSQL
// backend can implement it later) — registered torrents, per-user accounting and the per-peer
// baselines accounting continues from after a restart. It reads the `users` table (owned by the
// accounts code: only id, passkey, enabled, deleted_at are used here) and owns the tables of
// migration 3 (tracker_schema.cpp): torrents, user_torrent_stats, user_totals, peer_baselines.
//
// open_sqlite_private_store() opens its own connection to the tracker's database file and applies
// tracker_migrations(), so it can run beside Storage and the accounts code in one process (and
// `shoal-tracker torrent ...` in another): WAL lets readers run beside the one writer.
//
//   auto store = open_sqlite_private_store(config.database_path());
//   if (!store) die(store.error().message);
//   auto t = (*store)->register_torrent({.info_hash_v1 = v1, .name = "Album"});
//   if (!t && t.error().code == PrivateStoreErrc::conflict) ... // already registered
//   registry.replace(*(*store)->load_registry());
//
// Threading: an instance is used by one thread at a time.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "shoal/proto/expected.hpp"
#include "shoal/proto/hash.hpp"
#include "shoal/tracker/accounting.hpp"
#include "shoal/tracker/private_registry.hpp"

namespace shoal::tracker {

/// Error classes the REST API maps to status codes.
enum class PrivateStoreErrc {
  invalid,    ///< bad input (400): no hash, a name too long, a .torrent that does not parse
  not_found,  ///< no such torrent (404)
  conflict,   ///< a hash is already registered (409)
  database,   ///< the database failed (500); message names the operation and the file
};

struct PrivateStoreError {
  PrivateStoreErrc code = PrivateStoreErrc::database;
  std::string message;
};

/// Longest torrent name stored (bytes).
inline constexpr std::size_t kMaxTorrentNameBytes = 1024;

/// A row of `torrents`.
struct TorrentRecord {
  std::int64_t id = 0;
  std::optional<Sha1Digest> info_hash_v1;
  std::optional<Sha256Digest> info_hash_v2;  ///< full SHA-256
  std::string name;
  bool freeleech = false;
  bool neutral = false;
  std::optional<std::int64_t> added_by;      ///< user id
  std::int64_t added_at = 0;                 ///< unix time

  /// The 20 bytes the tracker keys its swarm by (v1, else truncated v2).
  Sha1Digest swarm_key() const;
  friend bool operator==(const TorrentRecord&, const TorrentRecord&) = default;
};

/// What register_torrent() needs. At least one hash.
struct NewTorrent {
  std::optional<Sha1Digest> info_hash_v1;
  std::optional<Sha256Digest> info_hash_v2;
  std::string name;
  bool freeleech = false;
  bool neutral = false;
  std::optional<std::int64_t> added_by;
};

/// One page of `torrents` (list_torrents(limit, offset)).
struct TorrentPage {
  std::vector<TorrentRecord> torrents;  ///< ordered by id
  std::int64_t total = 0;               ///< registered torrents without limit/offset
};

/// A user's totals (credited bytes, after freeleech/neutral).
struct UserTotals {
  std::int64_t user_id = 0;
  std::uint64_t uploaded = 0;
  std::uint64_t downloaded = 0;
  std::uint64_t completed = 0;  ///< torrents the user completed (each once)
  friend bool operator==(const UserTotals&, const UserTotals&) = default;
};

/// A user's figures on one torrent.
struct UserTorrentStats {
  std::int64_t torrent_id = 0;
  std::string name;
  std::uint64_t uploaded = 0;
  std::uint64_t downloaded = 0;
  std::optional<std::int64_t> completed_at;  ///< first `completed` event (unix time)
  std::int64_t first_announce = 0;
  std::int64_t last_announce = 0;
  friend bool operator==(const UserTorrentStats&, const UserTorrentStats&) = default;
};

/// One page of a user's per-torrent figures (user_torrent_stats(user_id, limit, offset)).
struct UserTorrentStatsPage {
  std::vector<UserTorrentStats> rows;  ///< most recent announce first, then by torrent id
  std::int64_t total = 0;              ///< the user's rows without limit/offset
};

class PrivateStore {
public:
  /// A limit that means "no limit" for the paged reads.
  static constexpr std::size_t kAllRows = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());

  virtual ~PrivateStore() = default;

  /// Enabled and disabled users (not deleted ones) with their passkeys, and every registered
  /// torrent: what PrivateRegistry::replace() takes.
  virtual expected<RegistryData, PrivateStoreError> load_registry() = 0;

  /// Inserts a torrent (added_at = now). conflict when any of its hashes — v1, v2, or the v2
  /// truncated to 20 bytes, compared against both columns — is already registered; invalid when
  /// it has no hash or the name is longer than kMaxTorrentNameBytes.
  virtual expected<TorrentRecord, PrivateStoreError> register_torrent(const NewTorrent& torrent) = 0;
  /// Deletes a torrent with its per-user rows and baselines (user totals keep what was credited).
  /// not_found if absent.
  virtual expected<void, PrivateStoreError> unregister_torrent(std::int64_t torrent_id) = 0;
  /// Sets the flags given (nullopt: unchanged); returns the updated row. not_found if absent.
  virtual expected<TorrentRecord, PrivateStoreError> set_torrent_flags(
      std::int64_t torrent_id, std::optional<bool> freeleech, std::optional<bool> neutral) = 0;
  /// The torrent with this id; not_found if absent.
  virtual expected<TorrentRecord, PrivateStoreError> get_torrent(std::int64_t torrent_id) = 0;
  /// Registered torrents [offset, offset + limit) by id, and how many there are in all; both read
  /// in one transaction, so `total` matches the page. limit 0 gives just the total; an offset
  /// past the end an empty page. Pages of one listing neither repeat nor skip a torrent unless
  /// torrents are registered or unregistered in between (ids only grow, so a new one comes last).
  virtual expected<TorrentPage, PrivateStoreError> list_torrents(std::size_t limit,
                                                                 std::size_t offset) = 0;
  /// Every registered torrent, by id (the `shoal-tracker torrent list` subcommand; the REST API
  /// pages).
  expected<std::vector<TorrentRecord>, PrivateStoreError> list_torrents() {
    auto page = list_torrents(kAllRows, 0);
    if (!page) return unexpected(std::move(page.error()));
    return std::move(page->torrents);
  }
  /// The torrent one of whose 20-byte ids (v1 or truncated v2) is `tracker_id`; nullopt if none.
  virtual expected<std::optional<TorrentRecord>, PrivateStoreError> find_torrent(
      const Sha1Digest& tracker_id) = 0;

  /// A user's totals (zeros for a user without accounting).
  virtual expected<UserTotals, PrivateStoreError> user_totals(std::int64_t user_id) = 0;
  /// A user's per-torrent figures [offset, offset + limit), most recent announce first (ties by
  /// torrent id, so the order is total), and how many rows the user has; both read in one
  /// transaction. Zero rows and total 0 for a user without accounting (or no such user).
  virtual expected<UserTorrentStatsPage, PrivateStoreError> user_torrent_stats(
      std::int64_t user_id, std::size_t limit, std::size_t offset) = 0;
  /// All of a user's per-torrent figures, in the order above.
  expected<std::vector<UserTorrentStats>, PrivateStoreError> user_torrent_stats(std::int64_t user_id) {
    auto page = user_torrent_stats(user_id, kAllRows, 0);
    if (!page) return unexpected(std::move(page.error()));
    return std::move(page->rows);
  }

  /// Writes one accounting batch in one transaction: adds the deltas to user_torrent_stats and
  /// user_totals (completed_at set only if not set yet), upserts/deletes the baselines, and
  /// deletes baselines last seen before `baseline_cutoff`. Rows of users or torrents that no
  /// longer exist are skipped (the torrent may have been unregistered since the announce). All or
  /// nothing.
  virtual expected<void, PrivateStoreError> save_accounting(const AccountingBatch& batch,
                                                            std::uint32_t baseline_cutoff) = 0;
  /// Baselines last seen at or after `cutoff` (Accounting::restore at start).
  virtual expected<std::vector<std::pair<PeerKey, PeerBaseline>>, PrivateStoreError>
  load_baselines(std::uint32_t cutoff) = 0;
};

expected<std::unique_ptr<PrivateStore>, PrivateStoreError> open_sqlite_private_store(
    const std::filesystem::path& path);

}  // namespace shoal::tracker
