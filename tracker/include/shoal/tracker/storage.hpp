#pragma once
// Storage: the tracker's durable state behind one interface, so that the embedded SQLite backend
// (open_sqlite_storage) can later be joined by a PostgreSQL one serving several tracker nodes.
//
// What is durable: completed counts per torrent (written in batches every few seconds by one
// writer thread — never per announce), the allow and deny lists, and the swarm snapshot taken on
// graceful shutdown. Schema changes are numbered migrations applied at open.
//
// Threading: an instance is used by one thread at a time (the tracker's writer thread; the
// `shoal-tracker allow|deny` subcommands open their own instance). SQLite's WAL mode lets those
// separate instances — even in separate processes — read while another writes.
//
//   auto db = open_sqlite_storage("shoal-data/tracker.db");
//   if (!db) die(db.error());
//   (*db)->save_completed({{hash, 12}});
//   auto allow = (*db)->load_list(AccessListKind::allow);

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shoal/proto/expected.hpp"
#include "shoal/proto/hash.hpp"
#include "shoal/tracker/swarm_history.hpp"
#include "shoal/tracker/swarm_store.hpp"

namespace shoal::tracker {

/// Storage errors are messages for the log/operator naming the operation and the file:
/// "save completed counts: sqlite: begin write transaction: database is locked (/srv/tracker.db)".
using StorageError = std::string;

enum class AccessListKind { allow, deny };

struct AccessListEntry {
  Sha1Digest info_hash;
  std::string note;             ///< free text from the operator
  std::int64_t added_at = 0;    ///< unix time
};

/// One peer of a saved swarm snapshot.
struct SnapshotPeer {
  Sha1Digest info_hash;
  PeerSnapshot peer;
};

class Storage {
public:
  virtual ~Storage() = default;

  /// Every torrent's completed count, in no particular order.
  virtual expected<std::vector<std::pair<Sha1Digest, std::uint32_t>>, StorageError> load_completed() = 0;
  /// Upserts the given counts in one transaction (all or nothing: after an error none of them is
  /// written). An empty batch does nothing. The same info-hash twice: the later count wins.
  virtual expected<void, StorageError> save_completed(
      const std::vector<std::pair<Sha1Digest, std::uint32_t>>& counts) = 0;

  /// The entries of one list, oldest first.
  virtual expected<std::vector<AccessListEntry>, StorageError> load_list(AccessListKind kind) = 0;
  /// Adds (true, added_at = now) or reports already present (false; the entry keeps its note and
  /// date). The allow and deny lists are independent: a hash may be on both.
  virtual expected<bool, StorageError> add_to_list(AccessListKind kind, const Sha1Digest& info_hash,
                                                   std::string_view note) = 0;
  /// Removes (true) or reports absent (false).
  virtual expected<bool, StorageError> remove_from_list(AccessListKind kind,
                                                        const Sha1Digest& info_hash) = 0;

  /// Replaces the saved snapshot with `peers` in one transaction; on error the previous snapshot
  /// stays. Every peer needs a port other than 0 (the swarm store never holds port 0). A million
  /// peers take 1-2 s on SQLite (one transaction, one reused statement).
  virtual expected<void, StorageError> save_snapshot(const std::vector<SnapshotPeer>& peers) = 0;
  /// The saved snapshot, in the order it was saved.
  virtual expected<std::vector<SnapshotPeer>, StorageError> load_snapshot() = 0;
  /// Deletes the saved snapshot (after it was loaded, so a later crash cannot resurrect it).
  virtual expected<void, StorageError> clear_snapshot() = 0;

  /// History rows (swarm_history.hpp) still within their spans at `now`: fine rows of the last
  /// kFineSpan, coarse rows of the last kCoarseSpan.
  virtual expected<HistoryRows, StorageError> load_history(std::int64_t now) = 0;
  /// Upserts `rows` (the same step, torrent and time again: the later wins) and deletes rows
  /// beyond their spans at `now`, in one transaction.
  virtual expected<void, StorageError> save_history(const HistoryRows& rows, std::int64_t now) = 0;

  /// True when the database answers a trivial query (/health) — and, on SQLite, still has the
  /// schema version this program wrote (not one a newer program migrated it to meanwhile).
  virtual bool healthy() = 0;
};

/// Opens (creating if needed, with parent directories) the SQLite database at `path`: WAL,
/// foreign_keys=ON, busy timeout, migrations applied (see sqlite.hpp). Fails with a message naming
/// the operation and the path — among others for a file that is no SQLite database or is corrupt
/// (left untouched), a database written by a newer version (schema version newer than this program
/// knows), or a directory that cannot be created or written.
expected<std::unique_ptr<Storage>, StorageError> open_sqlite_storage(const std::filesystem::path& path);

}  // namespace shoal::tracker
