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
)sql",
};


}  // namespace

std::span<const std::string_view> tracker_migrations() noexcept { return kTrackerMigrations; }

std::int64_t tracker_schema_version() noexcept {
  return static_cast<std::int64_t>(std::size(kTrackerMigrations));
}

}  // namespace shoal::tracker
