// Storage on SQLite (see storage.hpp for the contract, sqlite.hpp for the connection settings).

#include <chrono>
#include <iterator>
#include <optional>
#include <utility>

#include "shoal/tracker/sqlite.hpp"
#include "shoal/tracker/storage.hpp"
#include "shoal/tracker/tracker_schema.hpp"

namespace shoal::tracker {

namespace {

constexpr std::uint32_t kMaxUint32 = 0xffffffffu;

std::string_view kind_name(AccessListKind kind) {
  return kind == AccessListKind::allow ? "allow" : "deny";
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

unexpected<StorageError> fail(std::string_view operation, const SqliteError& error) {
  return unexpected(std::string(operation) + ": " + error);
}

/// A row whose values break the schema's CHECKs can only come from a damaged or hand-edited file.
unexpected<StorageError> bad_row(std::string_view operation, std::string_view what,
                                 const SqliteConnection& db) {
  return unexpected(std::string(operation) + ": invalid " + std::string(what) +
                    " in the database (" + db.path().string() + ")");
}

std::optional<std::uint32_t> as_uint32(std::int64_t v) {
  if (v < 0 || v > std::int64_t{kMaxUint32}) return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

class SqliteStorage final : public Storage {
public:
  static expected<std::unique_ptr<Storage>, StorageError> open(const std::filesystem::path& path);

  expected<std::vector<std::pair<Sha1Digest, std::uint32_t>>, StorageError> load_completed() override;
  expected<void, StorageError> save_completed(
      const std::vector<std::pair<Sha1Digest, std::uint32_t>>& counts) override;
  expected<std::vector<AccessListEntry>, StorageError> load_list(AccessListKind kind) override;
  expected<bool, StorageError> add_to_list(AccessListKind kind, const Sha1Digest& info_hash,
                                           std::string_view note) override;
  expected<bool, StorageError> remove_from_list(AccessListKind kind,
                                                const Sha1Digest& info_hash) override;
  expected<void, StorageError> save_snapshot(const std::vector<SnapshotPeer>& peers) override;
  expected<std::vector<SnapshotPeer>, StorageError> load_snapshot() override;
  expected<void, StorageError> clear_snapshot() override;
  expected<HistoryRows, StorageError> load_history(std::int64_t now) override;
  expected<void, StorageError> save_history(const HistoryRows& rows, std::int64_t now) override;
  bool healthy() override;

private:
  explicit SqliteStorage(SqliteConnection db) : m_db(std::move(db)) {}

  SqliteConnection m_db;
  // Prepared once at open, reused for every call.
  SqliteStatement m_select_completed;
  SqliteStatement m_upsert_completed;
  SqliteStatement m_select_list;
  SqliteStatement m_insert_list;
  SqliteStatement m_delete_list;
  SqliteStatement m_select_snapshot;
  SqliteStatement m_insert_snapshot;
  SqliteStatement m_delete_snapshot;
  SqliteStatement m_schema_version;
  SqliteStatement m_select_history_totals;
  SqliteStatement m_upsert_history_totals;
  SqliteStatement m_prune_history_totals;
  SqliteStatement m_select_history_swarms;
  SqliteStatement m_upsert_history_swarms;
  SqliteStatement m_prune_history_swarms;
};

expected<std::unique_ptr<Storage>, StorageError> SqliteStorage::open(
    const std::filesystem::path& path) {
  auto db = SqliteConnection::open(path);
  if (!db) return unexpected(std::move(db.error()));
  if (auto v = apply_migrations(*db, tracker_migrations()); !v) return unexpected(std::move(v.error()));

  std::unique_ptr<SqliteStorage> storage(new SqliteStorage(std::move(*db)));
  const std::pair<SqliteStatement*, std::string_view> statements[] = {
      {&storage->m_select_completed, "SELECT info_hash, completed FROM completed_counts"},
      {&storage->m_upsert_completed,
       "INSERT INTO completed_counts (info_hash, completed) VALUES (?1, ?2) "
       "ON CONFLICT (info_hash) DO UPDATE SET completed = excluded.completed"},
      {&storage->m_select_list,
       "SELECT info_hash, note, added_at FROM access_list WHERE kind = ?1 "
       "ORDER BY added_at, info_hash"},
      {&storage->m_insert_list,
       "INSERT INTO access_list (kind, info_hash, note, added_at) VALUES (?1, ?2, ?3, ?4) "
       "ON CONFLICT (kind, info_hash) DO NOTHING"},
      {&storage->m_delete_list, "DELETE FROM access_list WHERE kind = ?1 AND info_hash = ?2"},
      {&storage->m_select_snapshot,
       "SELECT info_hash, address, port, seeder, counted_completed, last_seen "
       "FROM swarm_snapshot ORDER BY rowid"},
      {&storage->m_insert_snapshot,
       "INSERT INTO swarm_snapshot (info_hash, address, port, seeder, counted_completed, "
       "last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
      {&storage->m_delete_snapshot, "DELETE FROM swarm_snapshot"},
      {&storage->m_schema_version, "PRAGMA user_version"},
      {&storage->m_select_history_totals,
       "SELECT step, t, torrents, peers, seeders, leechers, completed, announces_udp, announces_http, "
       "scrapes_udp, scrapes_http FROM history_totals WHERE (step = ?1 AND t >= ?2) OR (step = ?3 AND t >= ?4) "
       "ORDER BY t"},
      {&storage->m_upsert_history_totals,
       "INSERT OR REPLACE INTO history_totals (step, t, torrents, peers, seeders, leechers, completed, "
       "announces_udp, announces_http, scrapes_udp, scrapes_http) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"},
      {&storage->m_prune_history_totals, "DELETE FROM history_totals WHERE step = ?1 AND t < ?2"},
      // per swarm: also the last row before the window (the value at its start)
      {&storage->m_select_history_swarms,
       "SELECT step, info_hash, t, seeders, leechers, completed FROM history_swarms "
       "WHERE (step = ?1 AND t >= ?2) OR (step = ?3 AND t >= ?4) ORDER BY t"},
      {&storage->m_upsert_history_swarms,
       "INSERT OR REPLACE INTO history_swarms (step, info_hash, t, seeders, leechers, completed) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
      {&storage->m_prune_history_swarms, "DELETE FROM history_swarms WHERE step = ?1 AND t < ?2"},
  };
  for (const auto& [target, sql] : statements) {
    auto stmt = storage->m_db.prepare(sql);
    if (!stmt) return unexpected(std::move(stmt.error()));
    *target = std::move(*stmt);
  }
  return std::unique_ptr<Storage>(std::move(storage));
}

expected<std::vector<std::pair<Sha1Digest, std::uint32_t>>, StorageError>
SqliteStorage::load_completed() {
  constexpr std::string_view kOp = "load completed counts";
  std::vector<std::pair<Sha1Digest, std::uint32_t>> out;
  SqliteStatement& q = m_select_completed;
  while (true) {
    auto row = q.step();
    if (!row) return fail(kOp, row.error());
    if (!*row) break;
    auto hash = Sha1Digest::from_bytes(q.column_blob(0));
    auto count = as_uint32(q.column_int64(1));
    if (!hash || !count) {
      q.reset();
      return bad_row(kOp, "completed count", m_db);
    }
    out.emplace_back(*hash, *count);
  }
  return out;
}

expected<void, StorageError> SqliteStorage::save_completed(
    const std::vector<std::pair<Sha1Digest, std::uint32_t>>& counts) {
  constexpr std::string_view kOp = "save completed counts";
  if (counts.empty()) return {};
  auto tx = SqliteTransaction::begin_write(m_db);
  if (!tx) return fail(kOp, tx.error());
  for (const auto& [hash, count] : counts) {
    m_upsert_completed.bind_blob(1, hash.view());
    m_upsert_completed.bind_int64(2, count);
    if (auto r = m_upsert_completed.run(); !r) return fail(kOp, r.error());  // tx rolls back
  }
  if (auto r = tx->commit(); !r) return fail(kOp, r.error());
  return {};
}

expected<std::vector<AccessListEntry>, StorageError> SqliteStorage::load_list(AccessListKind kind) {
  const std::string op = "load " + std::string(kind_name(kind)) + " list";
  std::vector<AccessListEntry> out;
  SqliteStatement& q = m_select_list;
  q.bind_text(1, kind_name(kind));
  while (true) {
    auto row = q.step();
    if (!row) return fail(op, row.error());
    if (!*row) break;
    auto hash = Sha1Digest::from_bytes(q.column_blob(0));
    if (!hash) {
      q.reset();
      return bad_row(op, "info-hash", m_db);
    }
    out.push_back(AccessListEntry{*hash, std::string(q.column_text(1)), q.column_int64(2)});
  }
  return out;
}

expected<bool, StorageError> SqliteStorage::add_to_list(AccessListKind kind,
                                                        const Sha1Digest& info_hash,
                                                        std::string_view note) {
  const auto op = [&] {
    return "add " + info_hash.hex() + " to " + std::string(kind_name(kind)) + " list";
  };
  // A lone INSERT takes the write lock up front as BEGIN IMMEDIATE does; the explicit transaction
  // keeps the rule simple — every write runs in one — and costs nothing measurable here.
  auto tx = SqliteTransaction::begin_write(m_db);
  if (!tx) return fail(op(), tx.error());
  m_insert_list.bind_text(1, kind_name(kind));
  m_insert_list.bind_blob(2, info_hash.view());
  m_insert_list.bind_text(3, note);
  m_insert_list.bind_int64(4, unix_now());
  if (auto r = m_insert_list.run(); !r) return fail(op(), r.error());
  const bool added = m_db.changes() == 1;  // 0: already there (ON CONFLICT DO NOTHING)
  if (auto r = tx->commit(); !r) return fail(op(), r.error());
  return added;
}

expected<bool, StorageError> SqliteStorage::remove_from_list(AccessListKind kind,
                                                             const Sha1Digest& info_hash) {
  const auto op = [&] {
    return "remove " + info_hash.hex() + " from " + std::string(kind_name(kind)) + " list";
  };
  auto tx = SqliteTransaction::begin_write(m_db);
  if (!tx) return fail(op(), tx.error());
  m_delete_list.bind_text(1, kind_name(kind));
  m_delete_list.bind_blob(2, info_hash.view());
  if (auto r = m_delete_list.run(); !r) return fail(op(), r.error());
  const bool removed = m_db.changes() == 1;
  if (auto r = tx->commit(); !r) return fail(op(), r.error());
  return removed;
}

expected<void, StorageError> SqliteStorage::save_snapshot(const std::vector<SnapshotPeer>& peers) {
  constexpr std::string_view kOp = "save swarm snapshot";
  auto tx = SqliteTransaction::begin_write(m_db);
  if (!tx) return fail(kOp, tx.error());
  if (auto r = m_delete_snapshot.run(); !r) return fail(kOp, r.error());
  SqliteStatement& insert = m_insert_snapshot;
  for (const SnapshotPeer& p : peers) {
    insert.bind_blob(1, p.info_hash.view());
    insert.bind_blob(2, p.peer.endpoint.address.bytes());
    insert.bind_int64(3, p.peer.endpoint.port);
    insert.bind_int64(4, p.peer.seeder ? 1 : 0);
    insert.bind_int64(5, p.peer.counted_completed ? 1 : 0);
    insert.bind_int64(6, p.peer.last_seen);
    if (auto r = insert.run(); !r)
      return fail(std::string(kOp) + " (peer " + p.peer.endpoint.to_string() + " of " +
                      p.info_hash.hex() + ")",
                  r.error());  // tx rolls back: the previous snapshot stays
  }
  if (auto r = tx->commit(); !r) return fail(kOp, r.error());
  return {};
}

expected<std::vector<SnapshotPeer>, StorageError> SqliteStorage::load_snapshot() {
  constexpr std::string_view kOp = "load swarm snapshot";
  std::vector<SnapshotPeer> out;
  SqliteStatement& q = m_select_snapshot;
  while (true) {
    auto row = q.step();
    if (!row) return fail(kOp, row.error());
    if (!*row) break;
    auto hash = Sha1Digest::from_bytes(q.column_blob(0));
    auto endpoint = PeerEndpoint::from_bytes(q.column_blob(1), 0);
    const std::int64_t port = q.column_int64(2);
    auto last_seen = as_uint32(q.column_int64(5));
    if (!hash || !endpoint || port < 1 || port > 65535 || !last_seen) {
      q.reset();
      return bad_row(kOp, "peer", m_db);
    }
    endpoint->port = static_cast<std::uint16_t>(port);
    SnapshotPeer peer;
    peer.info_hash = *hash;
    peer.peer.endpoint = *endpoint;
    peer.peer.seeder = q.column_int64(3) != 0;
    peer.peer.counted_completed = q.column_int64(4) != 0;
    peer.peer.last_seen = *last_seen;
    out.push_back(peer);
  }
  return out;
}

expected<void, StorageError> SqliteStorage::clear_snapshot() {
  constexpr std::string_view kOp = "clear swarm snapshot";
  auto tx = SqliteTransaction::begin_write(m_db);
  if (!tx) return fail(kOp, tx.error());
  if (auto r = m_delete_snapshot.run(); !r) return fail(kOp, r.error());
  if (auto r = tx->commit(); !r) return fail(kOp, r.error());
  return {};
}

bool SqliteStorage::healthy() {
  // Reads the database header, so a vanished or unreadable file shows; a schema changed under us
  // (a newer program migrated the file) is unhealthy too.
  auto row = m_schema_version.step();
  const bool ok = row && *row && m_schema_version.column_int64(0) == tracker_schema_version();
  m_schema_version.reset();
  return ok;
}

}  // namespace

expected<std::unique_ptr<Storage>, StorageError> open_sqlite_storage(
    const std::filesystem::path& path) {
  return SqliteStorage::open(path);
}

expected<HistoryRows, StorageError> SqliteStorage::load_history(std::int64_t now) {
  constexpr std::string_view kOp = "load history";
  HistoryRows out;
  SqliteStatement& q = m_select_history_totals;
  q.bind_int64(1, kFineStep);
  q.bind_int64(2, now - kFineSpan);
  q.bind_int64(3, kCoarseStep);
  q.bind_int64(4, now - kCoarseSpan);
  while (true) {
    auto row = q.step();
    if (!row) return fail(kOp, row.error());
    if (!*row) break;
    TotalsPoint p;
    p.t = q.column_int64(1);
    std::uint64_t* fields[] = {&p.torrents, &p.peers, &p.seeders, &p.leechers, &p.completed,
                               &p.announces_udp, &p.announces_http, &p.scrapes_udp, &p.scrapes_http};
    for (int i = 0; i < 9; ++i) *fields[i] = static_cast<std::uint64_t>(std::max<std::int64_t>(0, q.column_int64(2 + i)));
    out.totals.emplace_back(q.column_int64(0), p);
  }
  SqliteStatement& w = m_select_history_swarms;
  w.bind_int64(1, kFineStep);
  w.bind_int64(2, now - kFineSpan - kFineStep);
  w.bind_int64(3, kCoarseStep);
  w.bind_int64(4, now - kCoarseSpan - kCoarseStep);
  while (true) {
    auto row = w.step();
    if (!row) return fail(kOp, row.error());
    if (!*row) break;
    auto hash = Sha1Digest::from_bytes(w.column_blob(1));
    auto seeders = as_uint32(w.column_int64(3));
    auto leechers = as_uint32(w.column_int64(4));
    auto completed = as_uint32(w.column_int64(5));
    if (!hash || !seeders || !leechers || !completed) {
      w.reset();
      return bad_row(kOp, "history row", m_db);
    }
    out.swarms.push_back({w.column_int64(0), *hash, SwarmPoint{w.column_int64(2), *seeders, *leechers, *completed}});
  }
  return out;
}

expected<void, StorageError> SqliteStorage::save_history(const HistoryRows& rows, std::int64_t now) {
  constexpr std::string_view kOp = "save history";
  auto tx = SqliteTransaction::begin_write(m_db);
  if (!tx) return fail(kOp, tx.error());
  for (const auto& [step, p] : rows.totals) {
    SqliteStatement& u = m_upsert_history_totals;
    u.bind_int64(1, step);
    u.bind_int64(2, p.t);
    const std::uint64_t fields[] = {p.torrents, p.peers, p.seeders, p.leechers, p.completed,
                                    p.announces_udp, p.announces_http, p.scrapes_udp, p.scrapes_http};
    for (int i = 0; i < 9; ++i) u.bind_int64(3 + i, static_cast<std::int64_t>(fields[i]));
    if (auto r = u.run(); !r) return fail(kOp, r.error());
  }
  for (const auto& r : rows.swarms) {
    SqliteStatement& u = m_upsert_history_swarms;
    u.bind_int64(1, r.step);
    u.bind_blob(2, r.info_hash.view());
    u.bind_int64(3, r.point.t);
    u.bind_int64(4, r.point.seeders);
    u.bind_int64(5, r.point.leechers);
    u.bind_int64(6, r.point.completed);
    if (auto res = u.run(); !res) return fail(kOp, res.error());
  }
  // Older rows go; a swarm's last fine row before the window is kept by the in-memory series
  // only (a quiet swarm's value at the window's start is lost on restart after a day: its
  // coarse series still has it).
  for (auto [step, span] : {std::pair{kFineStep, kFineSpan}, std::pair{kCoarseStep, kCoarseSpan}}) {
    for (SqliteStatement* prune : {&m_prune_history_totals, &m_prune_history_swarms}) {
      prune->bind_int64(1, step);
      prune->bind_int64(2, now - span - step);
      if (auto r = prune->run(); !r) return fail(kOp, r.error());
    }
  }
  if (auto r = tx->commit(); !r) return fail(kOp, r.error());
  return {};
}

}  // namespace shoal::tracker
