// The tracker database's schema (see tracker_schema.hpp).

#include "shoal/tracker/tracker_schema.hpp"

#include <iterator>

namespace shoal::tracker {

namespace {

// The tracker database's schema, one entry per numbered migration: entry N-1 is migration N and
// brings `PRAGMA user_version` from N-1 to N (see apply_migrations). Released entries never change;
// a schema change (accounts, passkeys, catalog, ...) is a new entry appended at the end.
//
// Every column holding an info-hash or an address checks its type and length: SQLite would
// otherwise store whatever it is given, and a 19-byte "hash" would be found by nothing.
constexpr std::string_view kTrackerMigrations[] = {
    // 1: completed counts, access lists, swarm snapshot.
    R"sql(
CREATE TABLE completed_counts (
  info_hash BLOB PRIMARY KEY NOT NULL
    CHECK (typeof(info_hash) = 'blob' AND length(info_hash) = 20),
  completed INTEGER NOT NULL
    CHECK (typeof(completed) = 'integer' AND completed BETWEEN 0 AND 4294967295)
) WITHOUT ROWID;

CREATE TABLE access_list (
  kind TEXT NOT NULL CHECK (kind IN ('allow', 'deny')),
  info_hash BLOB NOT NULL CHECK (typeof(info_hash) = 'blob' AND length(info_hash) = 20),
  note TEXT NOT NULL DEFAULT '',
  added_at INTEGER NOT NULL CHECK (typeof(added_at) = 'integer'),
  PRIMARY KEY (kind, info_hash)
) WITHOUT ROWID;

-- No key: rows come from the swarm store, which holds each (info_hash, address, port) once, and
-- an index would turn the append of a million rows into a million random b-tree inserts.
CREATE TABLE swarm_snapshot (
  info_hash BLOB NOT NULL CHECK (typeof(info_hash) = 'blob' AND length(info_hash) = 20),
  address BLOB NOT NULL CHECK (typeof(address) = 'blob' AND length(address) IN (4, 16)),
  port INTEGER NOT NULL CHECK (typeof(port) = 'integer' AND port BETWEEN 1 AND 65535),
  seeder INTEGER NOT NULL CHECK (seeder IN (0, 1)),
  counted_completed INTEGER NOT NULL CHECK (counted_completed IN (0, 1)),
  last_seen INTEGER NOT NULL
    CHECK (typeof(last_seen) = 'integer' AND last_seen BETWEEN 0 AND 4294967295)
);
)sql",
    // 2: accounts. Users keep their row when they delete their account: personal data is wiped
    // and the row becomes an anonymous tombstone (deleted_at set), so accounting totals that refer
    // to it survive. Passkeys are 32 lowercase hex characters (128 random bits).
    R"sql(
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE
    CHECK (typeof(username) = 'text' AND length(username) BETWEEN 1 AND 64),
  email TEXT COLLATE NOCASE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'user')),
  password_hash TEXT NOT NULL,
  passkey TEXT NOT NULL UNIQUE
    CHECK (typeof(passkey) = 'text' AND length(passkey) = 32 AND passkey NOT GLOB '*[^0-9a-f]*'),
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_at INTEGER NOT NULL CHECK (typeof(created_at) = 'integer'),
  updated_at INTEGER NOT NULL CHECK (typeof(updated_at) = 'integer'),
  last_login_at INTEGER,
  deleted_at INTEGER
);

-- Browser and bearer sessions. Only the SHA-256 of a token is stored (secret_token.hpp).
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
  remember INTEGER NOT NULL CHECK (remember IN (0, 1)),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  address TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

-- API keys: named, scoped (bit set: 1 read, 2 write, 4 admin, 8 ingest), optional expiry,
-- revocable. Only the SHA-256 of a key and its display prefix are stored.
CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE CHECK (length(key_hash) = 64),
  scopes INTEGER NOT NULL CHECK (scopes BETWEEN 1 AND 15),
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE INDEX api_keys_user ON api_keys(user_id);

-- Invite codes for registration = "invite" (hash only; single use).
CREATE TABLE invites (
  id INTEGER PRIMARY KEY,
  code_hash TEXT NOT NULL UNIQUE CHECK (length(code_hash) = 64),
  created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
  used_at INTEGER
);

-- Admin actions and sign-ins, newest last. Actor and target are user ids (names are joined at
-- read time, so a deleted account shows as its tombstone, not its old name).
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
  action TEXT NOT NULL,
  target_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
  address TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
);
)sql",
    // 3: private tracking. Registered torrents (a hybrid torrent is one row with both hashes; the
    // v2 hash is stored in full, and its first 20 bytes — what trackers see, BEP 52 — are unique
    // too), per-user accounting per torrent and in total, and the per-peer counters accounting
    // continues from after a restart. Totals and baselines are written in one transaction.
    R"sql(
CREATE TABLE torrents (
  id INTEGER PRIMARY KEY,
  info_hash_v1 BLOB UNIQUE
    CHECK (info_hash_v1 IS NULL OR (typeof(info_hash_v1) = 'blob' AND length(info_hash_v1) = 20)),
  info_hash_v2 BLOB UNIQUE
    CHECK (info_hash_v2 IS NULL OR (typeof(info_hash_v2) = 'blob' AND length(info_hash_v2) = 32)),
  name TEXT NOT NULL DEFAULT '' CHECK (typeof(name) = 'text' AND length(CAST(name AS BLOB)) <= 1024),
  freeleech INTEGER NOT NULL DEFAULT 0 CHECK (freeleech IN (0, 1)),
  neutral INTEGER NOT NULL DEFAULT 0 CHECK (neutral IN (0, 1)),
  added_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
  added_at INTEGER NOT NULL CHECK (typeof(added_at) = 'integer'),
  CHECK (info_hash_v1 IS NOT NULL OR info_hash_v2 IS NOT NULL)
);
CREATE UNIQUE INDEX torrents_v2_tracker_id ON torrents (substr(info_hash_v2, 1, 20))
  WHERE info_hash_v2 IS NOT NULL;

CREATE TABLE user_torrent_stats (
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  torrent_id INTEGER NOT NULL REFERENCES torrents (id) ON DELETE CASCADE,
  uploaded INTEGER NOT NULL DEFAULT 0 CHECK (typeof(uploaded) = 'integer' AND uploaded >= 0),
  downloaded INTEGER NOT NULL DEFAULT 0 CHECK (typeof(downloaded) = 'integer' AND downloaded >= 0),
  completed_at INTEGER CHECK (completed_at IS NULL OR typeof(completed_at) = 'integer'),
  first_announce INTEGER NOT NULL CHECK (typeof(first_announce) = 'integer'),
  last_announce INTEGER NOT NULL
    CHECK (typeof(last_announce) = 'integer' AND last_announce >= first_announce),
  PRIMARY KEY (user_id, torrent_id)
) WITHOUT ROWID;
CREATE INDEX user_torrent_stats_torrent ON user_torrent_stats (torrent_id);

CREATE TABLE user_totals (
  user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  uploaded INTEGER NOT NULL DEFAULT 0 CHECK (typeof(uploaded) = 'integer' AND uploaded >= 0),
  downloaded INTEGER NOT NULL DEFAULT 0 CHECK (typeof(downloaded) = 'integer' AND downloaded >= 0)
);

CREATE TABLE peer_baselines (
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  torrent_id INTEGER NOT NULL REFERENCES torrents (id) ON DELETE CASCADE,
  peer_id BLOB NOT NULL CHECK (typeof(peer_id) = 'blob' AND length(peer_id) = 20),
  uploaded INTEGER NOT NULL CHECK (typeof(uploaded) = 'integer' AND uploaded >= 0),
  downloaded INTEGER NOT NULL CHECK (typeof(downloaded) = 'integer' AND downloaded >= 0),
  last_announce INTEGER NOT NULL
    CHECK (typeof(last_announce) = 'integer' AND last_announce BETWEEN 0 AND 4294967295),
  PRIMARY KEY (user_id, torrent_id, peer_id)
) WITHOUT ROWID;
CREATE INDEX peer_baselines_torrent ON peer_baselines (torrent_id);
CREATE INDEX peer_baselines_last_announce ON peer_baselines (last_announce);
)sql",
};


}  // namespace

std::span<const std::string_view> tracker_migrations() noexcept { return kTrackerMigrations; }

std::int64_t tracker_schema_version() noexcept {
  return static_cast<std::int64_t>(std::size(kTrackerMigrations));
}

}  // namespace shoal::tracker
