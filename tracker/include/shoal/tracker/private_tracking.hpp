#pragma once
// PrivateTracking: the management facade of private mode, for the REST API, the
// `shoal-tracker torrent ...` subcommands and the daemon. It registers and unregisters torrents,
// sets their freeleech/neutral flags, looks them up and lists them (a page at a time), reports a
// user's accounting, and refreshes the in-memory PrivateRegistry the announce path reads.
//
// Contract for callers (the REST API maps errors by PrivateStoreError::code: invalid → 400,
// not_found → 404, conflict → 409, database → 500):
// - Every call is synchronous and thread-safe (one internal mutex around its own database
//   connection). Calls are admin operations: cheap enough per request, not for the announce path.
//   A page (list(limit, offset), user_torrent_stats(user, limit, offset)) reads only its rows
//   plus a count, in one read transaction, so its total matches it; request handlers use those,
//   and get() for one torrent, never a whole table.
// - A successful change (register, unregister, flags) refreshes the registry before it returns,
//   so the next announce already sees it. Without a registry (the subcommands) nothing is
//   refreshed; a running tracker picks the change up on SIGHUP or POST /admin/reload.
// - refresh() re-reads users (passkeys, enabled) and torrents into the registry: the accounts code
//   calls it after creating, disabling, deleting a user or rotating a passkey. A failed refresh
//   leaves the registry as it was.
// - Unregistering a torrent drops its swarm from the store (when one was given), its per-user
//   rows and peer baselines; user totals keep what was credited.
// - Accounting figures are what the writer thread last flushed (at most storage.flush_interval old).
//
//   PrivateTracking tracking(std::move(store), &registry, &swarms);
//   auto t = tracking.register_torrent_file(file_bytes, admin_id);   // from a .torrent
//   auto u = tracking.register_info_hashes(v1, std::nullopt, "name", admin_id);
//   tracking.set_flags(t->id, /*freeleech=*/true, std::nullopt);
//   auto totals = tracking.user_totals(user_id);
//
// Hashes given to register_info_hashes are the full v1 (SHA-1) and full v2 (SHA-256) info-hashes;
// a registration from a .torrent records every hash the file has (both for a hybrid), so its v1
// and v2 announces land in one swarm.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/proto/expected.hpp"
#include "shoal/tracker/private_registry.hpp"
#include "shoal/tracker/private_store.hpp"
#include "shoal/tracker/swarm_store.hpp"

namespace shoal::tracker {

/// Largest .torrent register_torrent_file() accepts (the metainfo parser has its own limits too).
inline constexpr std::size_t kMaxTorrentFileBytes = 64u << 20;

class PrivateTracking {
public:
  /// `registry` and `swarms` may be null (no live tracker to update).
  PrivateTracking(std::unique_ptr<PrivateStore> store, PrivateRegistry* registry,
                  SwarmStore* swarms = nullptr);

  /// Parses `torrent_file` (proto's metainfo parser) and registers its hash(es) under its name.
  /// invalid with the parser's message when it does not parse; conflict when already registered.
  expected<TorrentRecord, PrivateStoreError> register_torrent_file(
      std::string_view torrent_file, std::optional<std::int64_t> added_by = std::nullopt);
  /// Registers by info-hash (at least one of v1, v2).
  expected<TorrentRecord, PrivateStoreError> register_info_hashes(
      std::optional<Sha1Digest> v1, std::optional<Sha256Digest> v2, std::string_view name,
      std::optional<std::int64_t> added_by = std::nullopt);
  expected<void, PrivateStoreError> unregister(std::int64_t torrent_id);
  /// nullopt leaves a flag unchanged.
  expected<TorrentRecord, PrivateStoreError> set_flags(std::int64_t torrent_id,
                                                       std::optional<bool> freeleech,
                                                       std::optional<bool> neutral);
  /// The torrent with this id; not_found if absent.
  expected<TorrentRecord, PrivateStoreError> get(std::int64_t torrent_id);
  /// Torrents [offset, offset + limit) by id, with the total (PrivateStore::list_torrents).
  expected<TorrentPage, PrivateStoreError> list(std::size_t limit, std::size_t offset);
  /// Every registered torrent, by id (the `torrent list` subcommand; unbounded).
  expected<std::vector<TorrentRecord>, PrivateStoreError> list();
  /// By any 20-byte id (v1 hash, or the first 20 bytes of the v2 hash).
  expected<std::optional<TorrentRecord>, PrivateStoreError> find(const Sha1Digest& tracker_id);

  expected<UserTotals, PrivateStoreError> user_totals(std::int64_t user_id);
  /// A user's per-torrent rows [offset, offset + limit), most recent announce first (ties by
  /// torrent id), with the user's row count.
  expected<UserTorrentStatsPage, PrivateStoreError> user_torrent_stats(std::int64_t user_id,
                                                                       std::size_t limit,
                                                                       std::size_t offset);

  /// Reloads the registry from the database. Returns (users, torrents) loaded.
  expected<std::pair<std::size_t, std::size_t>, PrivateStoreError> refresh();

private:
  expected<std::pair<std::size_t, std::size_t>, PrivateStoreError> refresh_locked();

  std::mutex m_mutex;
  std::unique_ptr<PrivateStore> m_store;
  PrivateRegistry* m_registry;
  SwarmStore* m_swarms;
};

}  // namespace shoal::tracker
