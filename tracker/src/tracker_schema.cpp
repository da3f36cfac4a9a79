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
    // 4: the torrent catalog (catalog_store.hpp). Categories carry Torznab ids (2000 Movies, 5040
    // TV/HD, ...): a category is a top-level one (a multiple of 1000, no parent) or a subcategory of
    // the top-level one of its thousand. A catalog torrent is one row with both hashes (v2 in full;
    // its first 20 bytes are unique too, as in `torrents`), its real (non-pad) files, its tags, and
    // the .torrent it was uploaded as (NULL for magnet and ingest entries). catalog_fts indexes the
    // name, the file paths and the tags; the store writes it in the transaction that writes the
    // torrent, and the triggers below keep it in step with renames, retags and deletes. unicode61
    // already splits on every character that is not a letter or digit; the explicit separators
    // document that release names ("The.Big.Show.S01E02") split on '.', '_' and '-'. Prefix
    // indexes of 2 and 3 characters make short prefix queries ("s01e0*" reads the 3-prefix index
    // first) cheap. name_key is the name as catalog_search_key() normalises it, for the
    // exact-name tier of the ranking.
    R"sql(
CREATE TABLE catalog_categories (
  id INTEGER PRIMARY KEY CHECK (id BETWEEN 1000 AND 999999),
  name TEXT NOT NULL CHECK (typeof(name) = 'text' AND length(name) BETWEEN 1 AND 64),
  parent_id INTEGER REFERENCES catalog_categories (id) ON DELETE RESTRICT,
  CHECK ((parent_id IS NULL AND id % 1000 = 0)
      OR (parent_id IS NOT NULL AND id % 1000 <> 0 AND parent_id = id - id % 1000))
);
INSERT INTO catalog_categories (id, name, parent_id) VALUES
  (1000, 'Console', NULL), (2000, 'Movies', NULL), (3000, 'Audio', NULL), (4000, 'PC', NULL),
  (5000, 'TV', NULL), (7000, 'Books', NULL), (8000, 'Other', NULL),
  (1010, 'Console/NDS', 1000), (1080, 'Console/PS3', 1000), (1180, 'Console/PS4', 1000),
  (2010, 'Movies/Foreign', 2000), (2030, 'Movies/SD', 2000), (2040, 'Movies/HD', 2000),
  (2045, 'Movies/UHD', 2000), (2050, 'Movies/BluRay', 2000), (2060, 'Movies/3D', 2000),
  (3010, 'Audio/MP3', 3000), (3030, 'Audio/Audiobook', 3000), (3040, 'Audio/Lossless', 3000),
  (4010, 'PC/0day', 4000), (4020, 'PC/ISO', 4000), (4030, 'PC/Mac', 4000),
  (4050, 'PC/Games', 4000),
  (5020, 'TV/Foreign', 5000), (5030, 'TV/SD', 5000), (5040, 'TV/HD', 5000),
  (5045, 'TV/UHD', 5000), (5060, 'TV/Sport', 5000), (5070, 'TV/Anime', 5000),
  (5080, 'TV/Documentary', 5000),
  (7010, 'Books/Mags', 7000), (7020, 'Books/EBook', 7000), (7030, 'Books/Comics', 7000),
  (8010, 'Other/Misc', 8000);

CREATE TABLE catalog_torrents (
  id INTEGER PRIMARY KEY,
  info_hash_v1 BLOB UNIQUE
    CHECK (info_hash_v1 IS NULL OR (typeof(info_hash_v1) = 'blob' AND length(info_hash_v1) = 20)),
  info_hash_v2 BLOB UNIQUE
    CHECK (info_hash_v2 IS NULL OR (typeof(info_hash_v2) = 'blob' AND length(info_hash_v2) = 32)),
  name TEXT NOT NULL
    CHECK (typeof(name) = 'text' AND length(CAST(name AS BLOB)) BETWEEN 1 AND 1024),
  name_key TEXT NOT NULL,
  size INTEGER NOT NULL CHECK (typeof(size) = 'integer' AND size >= 0),
  category_id INTEGER NOT NULL REFERENCES catalog_categories (id) ON DELETE RESTRICT,
  description TEXT NOT NULL DEFAULT ''
    CHECK (typeof(description) = 'text' AND length(CAST(description AS BLOB)) <= 65536),
  uploader_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL CHECK (typeof(created_at) = 'integer'),
  file_count INTEGER NOT NULL CHECK (typeof(file_count) = 'integer' AND file_count >= 0),
  torrent_file BLOB CHECK (torrent_file IS NULL OR typeof(torrent_file) = 'blob'),
  CHECK (info_hash_v1 IS NOT NULL OR info_hash_v2 IS NOT NULL)
);
CREATE UNIQUE INDEX catalog_torrents_v2_tracker_id ON catalog_torrents (substr(info_hash_v2, 1, 20))
  WHERE info_hash_v2 IS NOT NULL;
CREATE INDEX catalog_torrents_latest ON catalog_torrents (created_at DESC, id DESC);
CREATE INDEX catalog_torrents_category ON catalog_torrents (category_id, created_at DESC, id DESC);
CREATE INDEX catalog_torrents_uploader ON catalog_torrents (uploader_id);

CREATE TABLE catalog_files (
  torrent_id INTEGER NOT NULL REFERENCES catalog_torrents (id) ON DELETE CASCADE,
  position INTEGER NOT NULL CHECK (typeof(position) = 'integer' AND position >= 0),
  path TEXT NOT NULL CHECK (typeof(path) = 'text' AND length(path) >= 1),
  size INTEGER NOT NULL CHECK (typeof(size) = 'integer' AND size >= 0),
  PRIMARY KEY (torrent_id, position)
) WITHOUT ROWID;

CREATE TABLE catalog_tags (
  torrent_id INTEGER NOT NULL REFERENCES catalog_torrents (id) ON DELETE CASCADE,
  tag TEXT NOT NULL CHECK (typeof(tag) = 'text' AND length(tag) BETWEEN 1 AND 32),
  PRIMARY KEY (torrent_id, tag)
) WITHOUT ROWID;
CREATE INDEX catalog_tags_tag ON catalog_tags (tag);

CREATE VIRTUAL TABLE catalog_fts USING fts5(
  name, paths, tags,
  tokenize = "unicode61 remove_diacritics 2 separators '._-'",
  prefix = '2 3'
);

CREATE TRIGGER catalog_torrents_fts_delete AFTER DELETE ON catalog_torrents BEGIN
  DELETE FROM catalog_fts WHERE rowid = old.id;
END;
CREATE TRIGGER catalog_torrents_fts_rename AFTER UPDATE OF name ON catalog_torrents BEGIN
  UPDATE catalog_fts SET name = new.name WHERE rowid = new.id;
END;
CREATE TRIGGER catalog_tags_fts_insert AFTER INSERT ON catalog_tags BEGIN
  UPDATE catalog_fts
    SET tags = (SELECT group_concat(tag, ' ') FROM catalog_tags WHERE torrent_id = new.torrent_id)
    WHERE rowid = new.torrent_id;
END;
CREATE TRIGGER catalog_tags_fts_delete AFTER DELETE ON catalog_tags BEGIN
  UPDATE catalog_fts
    SET tags = coalesce((SELECT group_concat(tag, ' ') FROM catalog_tags
                         WHERE torrent_id = old.torrent_id), '')
    WHERE rowid = old.torrent_id;
END;
)sql",

    // 5: one user's per-torrent rows in the order the stats endpoints page them (most recent
    // announce first, then torrent id), so a page is read from the index without a sort.
    R"sql(
CREATE INDEX user_torrent_stats_recent
  ON user_torrent_stats (user_id, last_announce DESC, torrent_id);
)sql",

    // 6: API keys may carry the feed scope (16): the scopes check widens to 1..31. SQLite cannot
    // change a CHECK in place, so the table is rebuilt (nothing references it).
    R"sql(
CREATE TABLE api_keys_v6 (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE CHECK (length(key_hash) = 64),
  scopes INTEGER NOT NULL CHECK (scopes BETWEEN 1 AND 31),
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  last_used_at INTEGER,
  revoked_at INTEGER
);
INSERT INTO api_keys_v6 (id, user_id, name, prefix, key_hash, scopes, created_at, expires_at,
                         last_used_at, revoked_at)
  SELECT id, user_id, name, prefix, key_hash, scopes, created_at, expires_at, last_used_at,
         revoked_at FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_v6 RENAME TO api_keys;
CREATE INDEX api_keys_user ON api_keys(user_id);
)sql",

    // 7: catalog_fts gains `cats`: each torrent's category and its parent as tokens ("c5040
    // c5000"), so a category filter is a MATCH term that FTS5 intersects with the words instead
    // of a row read per match. FTS5 cannot add a column: the index is rebuilt from its own
    // stored text, and the triggers are made again (plus one for a category change).
    R"sql(
CREATE VIRTUAL TABLE catalog_fts_v7 USING fts5(
  name, paths, tags, cats,
  tokenize = "unicode61 remove_diacritics 2 separators '._-'",
  prefix = '2 3'
);
INSERT INTO catalog_fts_v7 (rowid, name, paths, tags, cats)
  SELECT f.rowid, f.name, f.paths, f.tags,
         'c' || t.category_id ||
           CASE WHEN t.category_id % 1000 <> 0 THEN ' c' || (t.category_id - t.category_id % 1000) ELSE '' END
    FROM catalog_fts f JOIN catalog_torrents t ON t.id = f.rowid;
DROP TRIGGER catalog_torrents_fts_delete;
DROP TRIGGER catalog_torrents_fts_rename;
DROP TRIGGER catalog_tags_fts_insert;
DROP TRIGGER catalog_tags_fts_delete;
DROP TABLE catalog_fts;
ALTER TABLE catalog_fts_v7 RENAME TO catalog_fts;
CREATE TRIGGER catalog_torrents_fts_delete AFTER DELETE ON catalog_torrents BEGIN
  DELETE FROM catalog_fts WHERE rowid = old.id;
END;
CREATE TRIGGER catalog_torrents_fts_rename AFTER UPDATE OF name ON catalog_torrents BEGIN
  UPDATE catalog_fts SET name = new.name WHERE rowid = new.id;
END;
CREATE TRIGGER catalog_torrents_fts_category AFTER UPDATE OF category_id ON catalog_torrents BEGIN
  UPDATE catalog_fts
    SET cats = 'c' || new.category_id ||
               CASE WHEN new.category_id % 1000 <> 0
                    THEN ' c' || (new.category_id - new.category_id % 1000) ELSE '' END
    WHERE rowid = new.id;
END;
CREATE TRIGGER catalog_tags_fts_insert AFTER INSERT ON catalog_tags BEGIN
  UPDATE catalog_fts
    SET tags = (SELECT group_concat(tag, ' ') FROM catalog_tags WHERE torrent_id = new.torrent_id)
    WHERE rowid = new.torrent_id;
END;
CREATE TRIGGER catalog_tags_fts_delete AFTER DELETE ON catalog_tags BEGIN
  UPDATE catalog_fts
    SET tags = coalesce((SELECT group_concat(tag, ' ') FROM catalog_tags
                         WHERE torrent_id = old.torrent_id), '')
    WHERE rowid = old.torrent_id;
END;
)sql",

    // 8: history of totals and swarms for the charts (swarm_history.hpp): one row per step
    // (60 s or 600 s) and time; per-torrent rows only where the counts changed.
    R"sql(
CREATE TABLE history_totals (
  step INTEGER NOT NULL,
  t INTEGER NOT NULL,
  torrents INTEGER NOT NULL,
  peers INTEGER NOT NULL,
  seeders INTEGER NOT NULL,
  leechers INTEGER NOT NULL,
  completed INTEGER NOT NULL,
  announces_udp INTEGER NOT NULL,
  announces_http INTEGER NOT NULL,
  scrapes_udp INTEGER NOT NULL,
  scrapes_http INTEGER NOT NULL,
  PRIMARY KEY (step, t)
) WITHOUT ROWID;
CREATE TABLE history_swarms (
  step INTEGER NOT NULL,
  info_hash BLOB NOT NULL CHECK (length(info_hash) = 20),
  t INTEGER NOT NULL,
  seeders INTEGER NOT NULL,
  leechers INTEGER NOT NULL,
  completed INTEGER NOT NULL,
  PRIMARY KEY (step, info_hash, t)
) WITHOUT ROWID;
CREATE INDEX history_swarms_by_time ON history_swarms (step, t);
)sql",
};


}  // namespace

std::span<const std::string_view> tracker_migrations() noexcept { return kTrackerMigrations; }

std::int64_t tracker_schema_version() noexcept {
  return static_cast<std::int64_t>(std::size(kTrackerMigrations));
}

}  // namespace shoal::tracker
