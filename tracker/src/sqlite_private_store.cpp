// PrivateStore on SQLite (see private_store.hpp for the contract, sqlite.hpp for the connection).

#include <chrono>
#include <limits>
#include <utility>

#include "shoal/tracker/private_store.hpp"
#include "shoal/tracker/sqlite.hpp"
#include "shoal/tracker/tracker_schema.hpp"

namespace shoal::tracker {

Sha1Digest TorrentRecord::swarm_key() const {
  return info_hash_v1 ? *info_hash_v1 : truncated_v2(*info_hash_v2);
}

namespace {

constexpr std::string_view kTorrentColumns =
    "id, info_hash_v1, info_hash_v2, name, freeleech, neutral, added_by, added_at";

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

unexpected<PrivateStoreError> db_fail(std::string_view operation, const SqliteError& error) {
  return unexpected(PrivateStoreError{PrivateStoreErrc::database, std::string(operation) + ": " + error});
}

unexpected<PrivateStoreError> fail(PrivateStoreErrc code, std::string message) {
  return unexpected(PrivateStoreError{code, std::move(message)});
}

// Byte counts are kept as SQLite integers (signed 64 bits); a credit can never reach that, but
// clamp rather than overflow into a REAL that the CHECKs would refuse (and stall every flush).
std::int64_t as_int64(std::uint64_t v) {
  return v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
             ? std::numeric_limits<std::int64_t>::max()
             : static_cast<std::int64_t>(v);
}

std::uint64_t as_uint64(std::int64_t v) { return v < 0 ? 0 : static_cast<std::uint64_t>(v); }

// The one row of a `SELECT count(*)` whose parameters are bound.
expected<std::int64_t, PrivateStoreError> count_of(SqliteStatement& q, std::string_view op) {
  auto row = q.step();
  if (!row) return db_fail(op, row.error());
  const std::int64_t n = *row ? q.column_int64(0) : 0;
  q.reset();
  return n;
}

class SqlitePrivateStore final : public PrivateStore {
public:
  static expected<std::unique_ptr<PrivateStore>, PrivateStoreError> open(
      const std::filesystem::path& path);

  expected<RegistryData, PrivateStoreError> load_registry() override;
  expected<TorrentRecord, PrivateStoreError> register_torrent(const NewTorrent& torrent) override;
  expected<void, PrivateStoreError> unregister_torrent(std::int64_t torrent_id) override;
  expected<TorrentRecord, PrivateStoreError> set_torrent_flags(std::int64_t torrent_id,
                                                               std::optional<bool> freeleech,
                                                               std::optional<bool> neutral) override;
  expected<TorrentRecord, PrivateStoreError> get_torrent(std::int64_t torrent_id) override;
  using PrivateStore::list_torrents;
  expected<TorrentPage, PrivateStoreError> list_torrents(std::size_t limit,
                                                         std::size_t offset) override;
  expected<std::optional<TorrentRecord>, PrivateStoreError> find_torrent(
      const Sha1Digest& tracker_id) override;
  expected<UserTotals, PrivateStoreError> user_totals(std::int64_t user_id) override;
  using PrivateStore::user_torrent_stats;
  expected<UserTorrentStatsPage, PrivateStoreError> user_torrent_stats(
      std::int64_t user_id, std::size_t limit, std::size_t offset) override;
  expected<void, PrivateStoreError> save_accounting(const AccountingBatch& batch,
                                                    std::uint32_t baseline_cutoff) override;
  expected<std::vector<std::pair<PeerKey, PeerBaseline>>, PrivateStoreError> load_baselines(
      std::uint32_t cutoff) override;

private:
  explicit SqlitePrivateStore(SqliteConnection db) : m_db(std::move(db)) {}

  expected<std::optional<TorrentRecord>, PrivateStoreError> torrent_by_id(std::int64_t id,
                                                                          std::string_view op);
  std::optional<TorrentRecord> read_torrent(const SqliteStatement& q) const;

  SqliteConnection m_db;
  SqliteStatement m_select_users;
  SqliteStatement m_select_torrents;
  SqliteStatement m_count_torrents;
  SqliteStatement m_select_torrent_page;
  SqliteStatement m_select_torrent_by_id;
  SqliteStatement m_select_torrent_by_tracker_id;
  SqliteStatement m_insert_torrent;
  SqliteStatement m_delete_torrent;
  SqliteStatement m_update_flags;
  SqliteStatement m_select_totals;
  SqliteStatement m_count_user_stats;
  SqliteStatement m_select_user_stats;
  SqliteStatement m_upsert_user_torrent;
  SqliteStatement m_upsert_user_totals;
  SqliteStatement m_upsert_baseline;
  SqliteStatement m_delete_baseline;
  SqliteStatement m_purge_baselines;
  SqliteStatement m_select_baselines;
};

expected<std::unique_ptr<PrivateStore>, PrivateStoreError> SqlitePrivateStore::open(
    const std::filesystem::path& path) {
  auto db = SqliteConnection::open(path);
  if (!db) return fail(PrivateStoreErrc::database, std::move(db.error()));
  if (auto v = apply_migrations(*db, tracker_migrations()); !v)
    return fail(PrivateStoreErrc::database, std::move(v.error()));
  std::unique_ptr<SqlitePrivateStore> s(new SqlitePrivateStore(std::move(*db)));
  const std::string columns(kTorrentColumns);
  // A row's user and torrent must still exist when a batch is written: an unregistered torrent
  // (or a user removed by hand) would otherwise fail the foreign key and the whole batch forever.
  const std::string exists =
      " WHERE EXISTS (SELECT 1 FROM users WHERE id = ?1)"
      " AND EXISTS (SELECT 1 FROM torrents WHERE id = ?2)";
  // The count and the page of a user's rows read the same rows.
  const std::string user_stats_from =
      " FROM user_torrent_stats s JOIN torrents t ON t.id = s.torrent_id WHERE s.user_id = ?1";
  const std::pair<SqliteStatement*, std::string> statements[] = {
      {&s->m_select_users, "SELECT id, passkey, enabled FROM users WHERE deleted_at IS NULL"},
      {&s->m_select_torrents, "SELECT " + columns + " FROM torrents ORDER BY id"},
      {&s->m_count_torrents, "SELECT count(*) FROM torrents"},
      {&s->m_select_torrent_page,
       "SELECT " + columns + " FROM torrents ORDER BY id LIMIT ?1 OFFSET ?2"},
      {&s->m_select_torrent_by_id, "SELECT " + columns + " FROM torrents WHERE id = ?1"},
      {&s->m_select_torrent_by_tracker_id,
       "SELECT " + columns +
           " FROM torrents WHERE info_hash_v1 = ?1 OR substr(info_hash_v2, 1, 20) = ?1 LIMIT 1"},
      {&s->m_insert_torrent,
       "INSERT INTO torrents (info_hash_v1, info_hash_v2, name, freeleech, neutral, added_by, "
       "added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
      {&s->m_delete_torrent, "DELETE FROM torrents WHERE id = ?1"},
      {&s->m_update_flags,
       "UPDATE torrents SET freeleech = coalesce(?2, freeleech), neutral = coalesce(?3, neutral) "
       "WHERE id = ?1"},
      {&s->m_select_totals,
       "SELECT (SELECT uploaded FROM user_totals WHERE user_id = ?1),"
       " (SELECT downloaded FROM user_totals WHERE user_id = ?1),"
       " (SELECT count(*) FROM user_torrent_stats WHERE user_id = ?1 AND completed_at IS NOT NULL)"},
      {&s->m_count_user_stats, "SELECT count(*)" + user_stats_from},
      {&s->m_select_user_stats,
       "SELECT s.torrent_id, t.name, s.uploaded, s.downloaded, s.completed_at, s.first_announce,"
       " s.last_announce" + user_stats_from +
           " ORDER BY s.last_announce DESC, s.torrent_id LIMIT ?2 OFFSET ?3"},
      {&s->m_upsert_user_torrent,
       "INSERT INTO user_torrent_stats (user_id, torrent_id, uploaded, downloaded, completed_at,"
       " first_announce, last_announce) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7" + exists +
           " ON CONFLICT (user_id, torrent_id) DO UPDATE SET"
           " uploaded = uploaded + excluded.uploaded, downloaded = downloaded + excluded.downloaded,"
           " completed_at = coalesce(completed_at, excluded.completed_at),"
           " first_announce = min(first_announce, excluded.first_announce),"
           " last_announce = max(last_announce, excluded.last_announce)"},
      {&s->m_upsert_user_totals,
       "INSERT INTO user_totals (user_id, uploaded, downloaded) SELECT ?1, ?3, ?4" + exists +
           " ON CONFLICT (user_id) DO UPDATE SET uploaded = uploaded + excluded.uploaded,"
           " downloaded = downloaded + excluded.downloaded"},
      {&s->m_upsert_baseline,
       "INSERT INTO peer_baselines (user_id, torrent_id, peer_id, uploaded, downloaded,"
       " last_announce) SELECT ?1, ?2, ?3, ?4, ?5, ?6" + exists +
           " ON CONFLICT (user_id, torrent_id, peer_id) DO UPDATE SET uploaded = excluded.uploaded,"
           " downloaded = excluded.downloaded, last_announce = excluded.last_announce"},
      {&s->m_delete_baseline,
       "DELETE FROM peer_baselines WHERE user_id = ?1 AND torrent_id = ?2 AND peer_id = ?3"},
      {&s->m_purge_baselines, "DELETE FROM peer_baselines WHERE last_announce < ?1"},
      {&s->m_select_baselines,
       "SELECT user_id, torrent_id, peer_id, uploaded, downloaded, last_announce"
       " FROM peer_baselines WHERE last_announce >= ?1"},
  };
  for (const auto& [target, sql] : statements) {
    auto stmt = s->m_db.prepare(sql);
    if (!stmt) return fail(PrivateStoreErrc::database, std::move(stmt.error()));
    *target = std::move(*stmt);
  }
  return std::unique_ptr<PrivateStore>(std::move(s));
}

std::optional<TorrentRecord> SqlitePrivateStore::read_torrent(const SqliteStatement& q) const {
  TorrentRecord t;
  t.id = q.column_int64(0);
  if (!q.column_is_null(1)) {
    t.info_hash_v1 = Sha1Digest::from_bytes(q.column_blob(1));
    if (!t.info_hash_v1) return std::nullopt;
  }
  if (!q.column_is_null(2)) {
    t.info_hash_v2 = Sha256Digest::from_bytes(q.column_blob(2));
    if (!t.info_hash_v2) return std::nullopt;
  }
  if (!t.info_hash_v1 && !t.info_hash_v2) return std::nullopt;
  t.name = std::string(q.column_text(3));
  t.freeleech = q.column_int64(4) != 0;
  t.neutral = q.column_int64(5) != 0;
  if (!q.column_is_null(6)) t.added_by = q.column_int64(6);
  t.added_at = q.column_int64(7);
  return t;
}

expected<RegistryData, PrivateStoreError> SqlitePrivateStore::load_registry() {
  constexpr std::string_view kOp = "load private registry";
  RegistryData data;
  auto tx = SqliteTransaction::begin_read(m_db);  // users and torrents of one instant
  if (!tx) return db_fail(kOp, tx.error());
  SqliteStatement& users = m_select_users;
  while (true) {
    auto row = users.step();
    if (!row) return db_fail(kOp, row.error());
    if (!*row) break;
    data.users.push_back(RegistryData::User{users.column_int64(0), std::string(users.column_text(1)),
                                            users.column_int64(2) != 0});
  }
  SqliteStatement& torrents = m_select_torrents;
  while (true) {
    auto row = torrents.step();
    if (!row) return db_fail(kOp, row.error());
    if (!*row) break;
    auto t = read_torrent(torrents);
    if (!t) {
      torrents.reset();
      return fail(PrivateStoreErrc::database,
                  std::string(kOp) + ": invalid torrent row in the database (" + m_db.path().string() + ")");
    }
    data.torrents.push_back(RegistryData::Torrent{t->id, t->info_hash_v1, t->info_hash_v2,
                                                  t->freeleech, t->neutral});
  }
  if (auto r = tx->commit(); !r) return db_fail(kOp, r.error());
  return data;
}

expected<std::optional<TorrentRecord>, PrivateStoreError> SqlitePrivateStore::torrent_by_id(
    std::int64_t id, std::string_view op) {
  SqliteStatement& q = m_select_torrent_by_id;
  q.bind_int64(1, id);
  auto row = q.step();
  if (!row) return db_fail(op, row.error());
  if (!*row) return std::optional<TorrentRecord>{};
  auto t = read_torrent(q);
  q.reset();
  if (!t) return fail(PrivateStoreErrc::database, std::string(op) + ": invalid torrent row");
  return std::optional<TorrentRecord>(std::move(*t));
}

expected<std::optional<TorrentRecord>, PrivateStoreError> SqlitePrivateStore::find_torrent(
    const Sha1Digest& tracker_id) {
  constexpr std::string_view kOp = "find torrent";
  SqliteStatement& q = m_select_torrent_by_tracker_id;
  q.bind_blob(1, tracker_id.view());
  auto row = q.step();
  if (!row) return db_fail(kOp, row.error());
  if (!*row) return std::optional<TorrentRecord>{};
  auto t = read_torrent(q);
  q.reset();
  if (!t) return fail(PrivateStoreErrc::database, std::string(kOp) + ": invalid torrent row");
  return std::optional<TorrentRecord>(std::move(*t));
}

expected<TorrentRecord, PrivateStoreError> SqlitePrivateStore::register_torrent(const NewTorrent& n) {
  constexpr std::string_view kOp = "register torrent";
  if (!n.info_hash_v1 && !n.info_hash_v2)
    return fail(PrivateStoreErrc::invalid, "a torrent needs a v1 or a v2 info-hash");
  if (n.name.size() > kMaxTorrentNameBytes)
    return fail(PrivateStoreErrc::invalid,
                "torrent name longer than " + std::to_string(kMaxTorrentNameBytes) + " bytes");
  auto tx = SqliteTransaction::begin_write(m_db);
  if (!tx) return db_fail(kOp, tx.error());
  // Every 20-byte id of the new torrent must be free in both columns (a v1 hash equal to another
  // torrent's truncated v2 would put two torrents in one swarm).
  std::vector<Sha1Digest> ids;
  if (n.info_hash_v1) ids.push_back(*n.info_hash_v1);
  if (n.info_hash_v2) ids.push_back(truncated_v2(*n.info_hash_v2));
  for (const auto& id : ids) {
    auto existing = find_torrent(id);
    if (!existing) return unexpected(existing.error());
    if (*existing)
      return fail(PrivateStoreErrc::conflict, "info-hash " + id.hex() +
                                                  " is already registered (torrent " +
                                                  std::to_string((*existing)->id) + ")");
  }
  SqliteStatement& q = m_insert_torrent;
  q.clear_bindings();
  if (n.info_hash_v1) q.bind_blob(1, n.info_hash_v1->view());
  if (n.info_hash_v2) q.bind_blob(2, n.info_hash_v2->view());
  q.bind_text(3, n.name);
  q.bind_int64(4, n.freeleech ? 1 : 0);
  q.bind_int64(5, n.neutral ? 1 : 0);
  if (n.added_by) q.bind_int64(6, *n.added_by);
  const std::int64_t now = unix_now();
  q.bind_int64(7, now);
  if (auto r = q.run(); !r) {
    // added_by naming no user is the caller's mistake, not a database failure.
    if (r.error().find("FOREIGN KEY") != std::string::npos)
      return fail(PrivateStoreErrc::invalid, "added_by: no user with id " + std::to_string(*n.added_by));
    return db_fail(kOp, r.error());
  }
  TorrentRecord t;
  t.id = m_db.last_insert_rowid();
  t.info_hash_v1 = n.info_hash_v1;
  t.info_hash_v2 = n.info_hash_v2;
  t.name = n.name;
  t.freeleech = n.freeleech;
  t.neutral = n.neutral;
  t.added_by = n.added_by;
  t.added_at = now;
  if (auto r = tx->commit(); !r) return db_fail(kOp, r.error());
  return t;
}

expected<void, PrivateStoreError> SqlitePrivateStore::unregister_torrent(std::int64_t torrent_id) {
  const std::string op = "unregister torrent " + std::to_string(torrent_id);
  auto tx = SqliteTransaction::begin_write(m_db);
  if (!tx) return db_fail(op, tx.error());
  m_delete_torrent.bind_int64(1, torrent_id);
  if (auto r = m_delete_torrent.run(); !r) return db_fail(op, r.error());
  if (m_db.changes() == 0) return fail(PrivateStoreErrc::not_found, "no torrent with id " + std::to_string(torrent_id));
  if (auto r = tx->commit(); !r) return db_fail(op, r.error());
  return {};
}

expected<TorrentRecord, PrivateStoreError> SqlitePrivateStore::set_torrent_flags(
    std::int64_t torrent_id, std::optional<bool> freeleech, std::optional<bool> neutral) {
  const std::string op = "set flags of torrent " + std::to_string(torrent_id);
  auto tx = SqliteTransaction::begin_write(m_db);
  if (!tx) return db_fail(op, tx.error());
  SqliteStatement& q = m_update_flags;
  q.clear_bindings();
  q.bind_int64(1, torrent_id);
  if (freeleech) q.bind_int64(2, *freeleech ? 1 : 0);
  if (neutral) q.bind_int64(3, *neutral ? 1 : 0);
  if (auto r = q.run(); !r) return db_fail(op, r.error());
  if (m_db.changes() == 0) return fail(PrivateStoreErrc::not_found, "no torrent with id " + std::to_string(torrent_id));
  auto t = torrent_by_id(torrent_id, op);
  if (!t) return unexpected(t.error());
  if (auto r = tx->commit(); !r) return db_fail(op, r.error());
  return std::move(**t);
}

expected<TorrentRecord, PrivateStoreError> SqlitePrivateStore::get_torrent(std::int64_t torrent_id) {
  auto t = torrent_by_id(torrent_id, "get torrent " + std::to_string(torrent_id));
  if (!t) return unexpected(std::move(t.error()));
  if (!*t) return fail(PrivateStoreErrc::not_found, "no torrent with id " + std::to_string(torrent_id));
  return std::move(**t);
}

expected<TorrentPage, PrivateStoreError> SqlitePrivateStore::list_torrents(std::size_t limit,
                                                                           std::size_t offset) {
  constexpr std::string_view kOp = "list torrents";
  TorrentPage page;
  auto tx = SqliteTransaction::begin_read(m_db);  // the total of the page's instant
  if (!tx) return db_fail(kOp, tx.error());
  auto total = count_of(m_count_torrents, kOp);
  if (!total) return unexpected(std::move(total.error()));
  page.total = *total;
  SqliteStatement& q = m_select_torrent_page;
  q.bind_int64(1, as_int64(limit));
  q.bind_int64(2, as_int64(offset));
  while (true) {
    auto row = q.step();
    if (!row) return db_fail(kOp, row.error());
    if (!*row) break;
    auto t = read_torrent(q);
    if (!t) {
      q.reset();
      return fail(PrivateStoreErrc::database, std::string(kOp) + ": invalid torrent row");
    }
    page.torrents.push_back(std::move(*t));
  }
  if (auto r = tx->commit(); !r) return db_fail(kOp, r.error());
  return page;
}

expected<UserTotals, PrivateStoreError> SqlitePrivateStore::user_totals(std::int64_t user_id) {
  constexpr std::string_view kOp = "user totals";
  SqliteStatement& q = m_select_totals;
  q.bind_int64(1, user_id);
  auto row = q.step();
  if (!row) return db_fail(kOp, row.error());
  if (!*row) return fail(PrivateStoreErrc::database, std::string(kOp) + ": no row");
  UserTotals t;
  t.user_id = user_id;
  t.uploaded = as_uint64(q.column_int64(0));  // NULL (no row yet) reads as 0
  t.downloaded = as_uint64(q.column_int64(1));
  t.completed = as_uint64(q.column_int64(2));
  q.reset();
  return t;
}

expected<UserTorrentStatsPage, PrivateStoreError> SqlitePrivateStore::user_torrent_stats(
    std::int64_t user_id, std::size_t limit, std::size_t offset) {
  constexpr std::string_view kOp = "user torrent stats";
  UserTorrentStatsPage page;
  auto tx = SqliteTransaction::begin_read(m_db);  // the total of the page's instant
  if (!tx) return db_fail(kOp, tx.error());
  m_count_user_stats.bind_int64(1, user_id);
  auto total = count_of(m_count_user_stats, kOp);
  if (!total) return unexpected(std::move(total.error()));
  page.total = *total;
  SqliteStatement& q = m_select_user_stats;
  q.bind_int64(1, user_id);
  q.bind_int64(2, as_int64(limit));
  q.bind_int64(3, as_int64(offset));
  while (true) {
    auto row = q.step();
    if (!row) return db_fail(kOp, row.error());
    if (!*row) break;
    UserTorrentStats s;
    s.torrent_id = q.column_int64(0);
    s.name = std::string(q.column_text(1));
    s.uploaded = as_uint64(q.column_int64(2));
    s.downloaded = as_uint64(q.column_int64(3));
    if (!q.column_is_null(4)) s.completed_at = q.column_int64(4);
    s.first_announce = q.column_int64(5);
    s.last_announce = q.column_int64(6);
    page.rows.push_back(std::move(s));
  }
  if (auto r = tx->commit(); !r) return db_fail(kOp, r.error());
  return page;
}

expected<void, PrivateStoreError> SqlitePrivateStore::save_accounting(const AccountingBatch& batch,
                                                                      std::uint32_t cutoff) {
  constexpr std::string_view kOp = "save accounting";
  auto tx = SqliteTransaction::begin_write(m_db);
  if (!tx) return db_fail(kOp, tx.error());
  for (const UserTorrentDelta& d : batch.deltas) {
    SqliteStatement& q = m_upsert_user_torrent;
    q.bind_int64(1, d.user_id);
    q.bind_int64(2, d.torrent_id);
    q.bind_int64(3, as_int64(d.uploaded));
    q.bind_int64(4, as_int64(d.downloaded));
    if (d.completed)
      q.bind_int64(5, d.completed_at);
    else
      q.bind_null(5);
    q.bind_int64(6, d.first_announce);
    q.bind_int64(7, d.last_announce);
    if (auto r = q.run(); !r) return db_fail(kOp, r.error());
    if (d.uploaded == 0 && d.downloaded == 0) continue;
    SqliteStatement& totals = m_upsert_user_totals;
    totals.bind_int64(1, d.user_id);
    totals.bind_int64(2, d.torrent_id);
    totals.bind_int64(3, as_int64(d.uploaded));
    totals.bind_int64(4, as_int64(d.downloaded));
    if (auto r = totals.run(); !r) return db_fail(kOp, r.error());
  }
  for (const auto& [key, base] : batch.baselines) {
    SqliteStatement& q = base ? m_upsert_baseline : m_delete_baseline;
    q.bind_int64(1, key.user_id);
    q.bind_int64(2, key.torrent_id);
    q.bind_blob(3, key.peer_id.view());
    if (base) {
      q.bind_int64(4, as_int64(base->uploaded));
      q.bind_int64(5, as_int64(base->downloaded));
      q.bind_int64(6, base->last_announce);
    }
    if (auto r = q.run(); !r) return db_fail(kOp, r.error());
  }
  m_purge_baselines.bind_int64(1, cutoff);
  if (auto r = m_purge_baselines.run(); !r) return db_fail(kOp, r.error());
  if (auto r = tx->commit(); !r) return db_fail(kOp, r.error());
  return {};
}

expected<std::vector<std::pair<PeerKey, PeerBaseline>>, PrivateStoreError>
SqlitePrivateStore::load_baselines(std::uint32_t cutoff) {
  constexpr std::string_view kOp = "load peer baselines";
  std::vector<std::pair<PeerKey, PeerBaseline>> out;
  SqliteStatement& q = m_select_baselines;
  q.bind_int64(1, cutoff);
  while (true) {
    auto row = q.step();
    if (!row) return db_fail(kOp, row.error());
    if (!*row) break;
    auto peer_id = Digest<20>::from_bytes(q.column_blob(2));
    const std::int64_t last = q.column_int64(5);
    if (!peer_id || last < 0 || last > std::int64_t{0xffffffff}) {
      q.reset();
      return fail(PrivateStoreErrc::database, std::string(kOp) + ": invalid baseline row");
    }
    out.emplace_back(PeerKey{q.column_int64(0), q.column_int64(1), *peer_id},
                     PeerBaseline{as_uint64(q.column_int64(3)), as_uint64(q.column_int64(4)),
                                  static_cast<std::uint32_t>(last)});
  }
  return out;
}

}  // namespace

expected<std::unique_ptr<PrivateStore>, PrivateStoreError> open_sqlite_private_store(
    const std::filesystem::path& path) {
  return SqlitePrivateStore::open(path);
}

}  // namespace shoal::tracker
