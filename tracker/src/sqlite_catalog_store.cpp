// CatalogStore on SQLite (see catalog_store.hpp for the contract, tracker_schema.cpp migration 4
// for the tables).

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <utility>

#include "shoal/tracker/catalog_query.hpp"
#include "shoal/tracker/catalog_store.hpp"
#include "shoal/tracker/catalog_text.hpp"
#include "shoal/tracker/sqlite.hpp"
#include "shoal/tracker/tracker_schema.hpp"

namespace shoal::tracker {

std::optional<CatalogSort> parse_catalog_sort(std::string_view text) {
  if (text == "relevance") return CatalogSort::relevance;
  if (text == "newest") return CatalogSort::newest;
  if (text == "size") return CatalogSort::size;
  if (text == "name") return CatalogSort::name;
  return std::nullopt;
}

std::string_view to_string(CatalogSort sort) {
  switch (sort) {
    case CatalogSort::relevance: return "relevance";
    case CatalogSort::newest: return "newest";
    case CatalogSort::size: return "size";
    case CatalogSort::name: return "name";
  }
  return "relevance";
}

std::optional<std::string> normalize_catalog_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxCatalogTagBytes) return std::nullopt;
  std::string out;
  for (char c : tag) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                    c == '+' || c == '-';
    if (!ok) return std::nullopt;
    out += c;
  }
  return out;
}

namespace {

// The columns every list reads, in the order read_torrent() expects. Tags come as one
// space-separated string (tags have no spaces).
constexpr std::string_view kColumns =
    "t.id, t.info_hash_v1, t.info_hash_v2, t.name, t.size, t.category_id, t.description,"
    " t.uploader_id, t.created_at, t.file_count, t.torrent_file IS NOT NULL,"
    " (SELECT group_concat(g.tag, ' ') FROM catalog_tags g WHERE g.torrent_id = t.id)";

// ?2: a JSON array of category ids, or NULL for all. A top-level id takes its subcategories.
constexpr std::string_view kCategoryFilter =
    "(?2 IS NULL OR t.category_id IN (SELECT c.id FROM catalog_categories c, json_each(?2) j"
    " WHERE c.id = j.value OR c.parent_id = j.value))";

/// A torrent's categories as catalog_fts `cats` tokens: "c5040 c5000" (its own and, for a
/// subcategory, its parent: the thousand it belongs to), "c2000" for a top-level one.
std::string category_tokens(std::int64_t category) {
  std::string out = "c" + std::to_string(category);
  if (category % 1000 != 0) out += " c" + std::to_string(category - category % 1000);
  return out;
}

/// The FTS5 expression of a search: the user's terms in the text columns and, with a category
/// filter, one of the categories' tokens ("c5000" also matches its subcategories' rows).
std::string fts_expression(const std::string& terms, std::span<const std::int64_t> categories) {
  std::string out = "{name paths tags} : (" + terms + ")";
  if (!categories.empty()) {
    out += " AND cats : (";
    for (std::size_t i = 0; i < categories.size(); ++i)
      out += (i ? " OR \"c" : "\"c") + std::to_string(categories[i]) + "\"";
    out += ")";
  }
  return out;
}

// Every hash lookup as its own indexed branch (an OR over four columns would scan the table). ?1 a
// 20-byte id (v1), ?2 a 32-byte v2; NULL matches nothing.
constexpr std::string_view kFindIds =
    "SELECT id FROM catalog_torrents WHERE info_hash_v1 = ?1"
    " UNION SELECT id FROM catalog_torrents"
    "   WHERE info_hash_v2 IS NOT NULL AND substr(info_hash_v2, 1, 20) = ?1"
    " UNION SELECT id FROM catalog_torrents WHERE info_hash_v2 = ?2"
    " UNION SELECT id FROM catalog_torrents WHERE info_hash_v1 = substr(?2, 1, 20)"
    " LIMIT 3";

std::int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

unexpected<CatalogError> fail(CatalogErrc code, std::string message) {
  return unexpected(CatalogError{code, std::move(message)});
}

unexpected<CatalogError> db_fail(std::string_view operation, const SqliteError& error) {
  return fail(CatalogErrc::database, std::string(operation) + ": " + error);
}

// What every way of adding reduces to.
struct NewEntry {
  std::optional<Sha1Digest> v1;
  std::optional<Sha256Digest> v2;
  std::string name;
  std::int64_t size = 0;
  std::int64_t category_id = kDefaultCatalogCategory;
  std::vector<std::string> tags;
  std::string description;
  std::optional<std::int64_t> uploader_id;
  std::vector<CatalogFile> files;
  std::optional<std::string_view> torrent_file;
};

expected<std::string, CatalogError> clean_name(std::string_view name) {
  std::string clean = clean_catalog_text(name, CatalogTextMode::single_line);
  if (clean.empty()) return fail(CatalogErrc::invalid, "name is empty");
  if (clean.size() > kMaxCatalogNameBytes)
    return fail(CatalogErrc::invalid,
                "name is longer than " + std::to_string(kMaxCatalogNameBytes) + " bytes");
  return clean;
}

expected<std::string, CatalogError> clean_description(std::string_view text) {
  std::string clean = clean_catalog_text(text, CatalogTextMode::multi_line);
  if (clean.size() > kMaxCatalogDescriptionBytes)
    return fail(CatalogErrc::invalid, "description is longer than " +
                                          std::to_string(kMaxCatalogDescriptionBytes) + " bytes");
  return clean;
}

expected<std::vector<std::string>, CatalogError> clean_tags(const std::vector<std::string>& tags) {
  std::set<std::string> out;
  for (const auto& tag : tags) {
    auto t = normalize_catalog_tag(tag);
    if (!t)
      return fail(CatalogErrc::invalid,
                  "tag '" + clean_catalog_text(tag.substr(0, 64), CatalogTextMode::single_line) +
                      "' is not 1.." + std::to_string(kMaxCatalogTagBytes) +
                      " letters, digits or . _ + -");
    out.insert(std::move(*t));
  }
  if (out.size() > kMaxCatalogTags)
    return fail(CatalogErrc::invalid, "more than " + std::to_string(kMaxCatalogTags) + " tags");
  return std::vector<std::string>(out.begin(), out.end());
}

std::string category_json(std::span<const std::int64_t> ids) {
  std::string json = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) json += ',';
    json += std::to_string(ids[i]);
  }
  return json + "]";
}

class SqliteCatalogStore final : public CatalogStore {
public:
  SqliteCatalogStore(SqliteConnection db, CatalogStoreOptions options)
      : m_db(std::move(db)), m_options(std::move(options)) {
    if (!m_options.clock) m_options.clock = system_now;
  }

  expected<std::vector<CatalogCategory>, CatalogError> categories() override;
  expected<CatalogCategory, CatalogError> add_category(std::int64_t id,
                                                       std::string_view name) override;
  expected<CatalogCategory, CatalogError> rename_category(std::int64_t id,
                                                          std::string_view name) override;
  expected<void, CatalogError> delete_category(std::int64_t id) override;

  expected<CatalogAddResult, CatalogError> add_metainfo(const Metainfo& m,
                                                        const CatalogUpload& upload) override;
  expected<CatalogAddResult, CatalogError> add_torrent_file(std::string_view torrent_file,
                                                            const CatalogUpload& upload) override;
  expected<CatalogAddResult, CatalogError> add_ingest(
      const CatalogIngestItem& item, std::optional<std::int64_t> uploader_id) override;

  expected<std::optional<CatalogTorrent>, CatalogError> get(std::int64_t id) override;
  expected<std::optional<CatalogTorrent>, CatalogError> find(const InfoHash& hash) override;
  expected<std::optional<std::string>, CatalogError> torrent_file(std::int64_t id) override;
  expected<CatalogPage, CatalogError> latest(std::span<const std::int64_t> categories,
                                             std::int64_t limit, std::int64_t offset) override;
  expected<CatalogPage, CatalogError> search(const CatalogSearch& search) override;

  expected<CatalogTorrent, CatalogError> edit(std::int64_t id, const CatalogEdit& edit) override;
  expected<void, CatalogError> remove(std::int64_t id) override;

private:
  expected<SqliteStatement*, CatalogError> statement(const std::string& sql);
  expected<CatalogAddResult, CatalogError> add_entry(NewEntry entry, std::string_view op);
  expected<CatalogAddResult, CatalogError> add_from_metainfo(const Metainfo& m,
                                                             const CatalogUpload& upload,
                                                             std::optional<std::string_view> bytes);
  expected<std::vector<std::int64_t>, CatalogError> ids_by_hash(
      const std::optional<Sha1Digest>& v1, const std::optional<Sha256Digest>& v2);
  expected<bool, CatalogError> category_exists(std::int64_t id);
  expected<std::vector<CatalogTorrent>, CatalogError> read_rows(SqliteStatement& q,
                                                                std::string_view op);
  expected<void, CatalogError> insert_tags(std::int64_t id, const std::vector<std::string>& tags);

  SqliteConnection m_db;
  CatalogStoreOptions m_options;
  std::map<std::string, SqliteStatement, std::less<>> m_statements;
};

expected<SqliteStatement*, CatalogError> SqliteCatalogStore::statement(const std::string& sql) {
  if (auto it = m_statements.find(sql); it != m_statements.end()) return &it->second;
  auto stmt = m_db.prepare(sql);
  if (!stmt) return fail(CatalogErrc::database, std::move(stmt.error()));
  return &m_statements.emplace(sql, std::move(*stmt)).first->second;
}

CatalogTorrent read_torrent(const SqliteStatement& q) {
  CatalogTorrent t;
  t.id = q.column_int64(0);
  if (!q.column_is_null(1)) t.info_hash_v1 = Sha1Digest::from_bytes(q.column_blob(1));
  if (!q.column_is_null(2)) t.info_hash_v2 = Sha256Digest::from_bytes(q.column_blob(2));
  t.name = std::string(q.column_text(3));
  t.size = q.column_int64(4);
  t.category_id = q.column_int64(5);
  t.description = std::string(q.column_text(6));
  if (!q.column_is_null(7)) t.uploader_id = q.column_int64(7);
  t.created_at = q.column_int64(8);
  t.file_count = q.column_int64(9);
  t.has_torrent_file = q.column_int64(10) != 0;
  if (!q.column_is_null(11)) {
    const std::string_view tags = q.column_text(11);
    for (std::size_t pos = 0; pos < tags.size();) {
      const auto end = std::min(tags.find(' ', pos), tags.size());
      if (end > pos) t.tags.emplace_back(tags.substr(pos, end - pos));
      pos = end + 1;
    }
    std::sort(t.tags.begin(), t.tags.end());
  }
  return t;
}

expected<std::vector<CatalogTorrent>, CatalogError> SqliteCatalogStore::read_rows(
    SqliteStatement& q, std::string_view op) {
  std::vector<CatalogTorrent> rows;
  while (true) {
    auto row = q.step();
    if (!row) return db_fail(op, row.error());
    if (!*row) break;
    rows.push_back(read_torrent(q));
  }
  return rows;
}

// ---- categories ----

expected<std::vector<CatalogCategory>, CatalogError> SqliteCatalogStore::categories() {
  auto q = statement("SELECT id, name, parent_id FROM catalog_categories ORDER BY id");
  if (!q) return unexpected(q.error());
  std::vector<CatalogCategory> out;
  while (true) {
    auto row = (*q)->step();
    if (!row) return db_fail("list categories", row.error());
    if (!*row) break;
    CatalogCategory c;
    c.id = (*q)->column_int64(0);
    c.name = std::string((*q)->column_text(1));
    if (!(*q)->column_is_null(2)) c.parent_id = (*q)->column_int64(2);
    out.push_back(std::move(c));
  }
  return out;
}

expected<bool, CatalogError> SqliteCatalogStore::category_exists(std::int64_t id) {
  auto q = statement("SELECT 1 FROM catalog_categories WHERE id = ?1");
  if (!q) return unexpected(q.error());
  (*q)->bind_int64(1, id);
  auto row = (*q)->step();
  if (!row) return db_fail("read category", row.error());
  (*q)->reset();
  return *row;
}

expected<std::string, CatalogError> clean_category_name(std::string_view name) {
  std::string clean = clean_catalog_text(name, CatalogTextMode::single_line);
  if (clean.empty() || clean != name || clean.size() > kMaxCatalogCategoryNameBytes)
    return fail(CatalogErrc::invalid, "category name must be 1.." +
                                          std::to_string(kMaxCatalogCategoryNameBytes) +
                                          " bytes of UTF-8 text without control characters");
  return clean;
}

expected<CatalogCategory, CatalogError> SqliteCatalogStore::add_category(std::int64_t id,
                                                                         std::string_view name) {
  constexpr std::string_view kOp = "add category";
  if (id < 1000 || id > 999'999)
    return fail(CatalogErrc::invalid, "category id must be 1000..999999 (Torznab ids)");
  auto clean = clean_category_name(name);
  if (!clean) return unexpected(clean.error());
  CatalogCategory c{id, *clean, std::nullopt};
  if (id % 1000 != 0) c.parent_id = id - id % 1000;
  auto tx = SqliteTransaction::begin_write(m_db);
  if (!tx) return db_fail(kOp, tx.error());
  auto exists = category_exists(id);
  if (!exists) return unexpected(exists.error());
  if (*exists) return fail(CatalogErrc::conflict, "category " + std::to_string(id) + " exists");
  if (c.parent_id) {
    auto parent = category_exists(*c.parent_id);
    if (!parent) return unexpected(parent.error());
    if (!*parent)
      return fail(CatalogErrc::invalid, "top-level category " + std::to_string(*c.parent_id) +
                                            " of " + std::to_string(id) + " does not exist");
  }
  auto q = statement("INSERT INTO catalog_categories (id, name, parent_id) VALUES (?1, ?2, ?3)");
  if (!q) return unexpected(q.error());
  (*q)->bind_int64(1, id);
  (*q)->bind_text(2, c.name);
  if (c.parent_id)
    (*q)->bind_int64(3, *c.parent_id);
  else
    (*q)->bind_null(3);
  if (auto r = (*q)->run(); !r) return db_fail(kOp, r.error());
  if (auto r = tx->commit(); !r) return db_fail(kOp, r.error());
  return c;
}

expected<CatalogCategory, CatalogError> SqliteCatalogStore::rename_category(
    std::int64_t id, std::string_view name) {
  auto clean = clean_category_name(name);
  if (!clean) return unexpected(clean.error());
  auto q = statement("UPDATE catalog_categories SET name = ?2 WHERE id = ?1");
  if (!q) return unexpected(q.error());
  (*q)->bind_int64(1, id);
  (*q)->bind_text(2, *clean);
  if (auto r = (*q)->run(); !r) return db_fail("rename category", r.error());
  if (m_db.changes() == 0)
    return fail(CatalogErrc::not_found, "no category " + std::to_string(id));
  CatalogCategory c{id, *clean, std::nullopt};
  if (id % 1000 != 0) c.parent_id = id - id % 1000;
  return c;
}

expected<void, CatalogError> SqliteCatalogStore::delete_category(std::int64_t id) {
  constexpr std::string_view kOp = "delete category";
  auto tx = SqliteTransaction::begin_write(m_db);
  if (!tx) return db_fail(kOp, tx.error());
  auto exists = category_exists(id);
  if (!exists) return unexpected(exists.error());
  if (!*exists) return fail(CatalogErrc::not_found, "no category " + std::to_string(id));
  auto used = statement(
      "SELECT EXISTS (SELECT 1 FROM catalog_torrents WHERE category_id = ?1)"
      " OR EXISTS (SELECT 1 FROM catalog_categories WHERE parent_id = ?1)");
  if (!used) return unexpected(used.error());
  (*used)->bind_int64(1, id);
  auto row = (*used)->step();
  if (!row) return db_fail(kOp, row.error());
  const bool in_use = *row && (*used)->column_int64(0) != 0;
  (*used)->reset();
  if (in_use)
    return fail(CatalogErrc::conflict,
                "category " + std::to_string(id) + " still has torrents or subcategories");
  auto q = statement("DELETE FROM catalog_categories WHERE id = ?1");
  if (!q) return unexpected(q.error());
  (*q)->bind_int64(1, id);
  if (auto r = (*q)->run(); !r) return db_fail(kOp, r.error());
  if (auto r = tx->commit(); !r) return db_fail(kOp, r.error());
  return {};
}

// ---- adding ----

expected<std::vector<std::int64_t>, CatalogError> SqliteCatalogStore::ids_by_hash(
    const std::optional<Sha1Digest>& v1, const std::optional<Sha256Digest>& v2) {
  auto q = statement(std::string(kFindIds));
  if (!q) return unexpected(q.error());
  if (v1)
    (*q)->bind_blob(1, v1->view());
  else
    (*q)->bind_null(1);
  if (v2)
    (*q)->bind_blob(2, v2->view());
  else
    (*q)->bind_null(2);
  std::vector<std::int64_t> ids;
  while (true) {
    auto row = (*q)->step();
    if (!row) return db_fail("find torrent by hash", row.error());
    if (!*row) break;
    ids.push_back((*q)->column_int64(0));
  }
  return ids;
}

expected<void, CatalogError> SqliteCatalogStore::insert_tags(std::int64_t id,
                                                            const std::vector<std::string>& tags) {
  auto q = statement("INSERT INTO catalog_tags (torrent_id, tag) VALUES (?1, ?2)");
  if (!q) return unexpected(q.error());
  for (const auto& tag : tags) {
    (*q)->bind_int64(1, id);
    (*q)->bind_text(2, tag);
    if (auto r = (*q)->run(); !r) return db_fail("write tags", r.error());
  }
  return {};
}

expected<CatalogAddResult, CatalogError> SqliteCatalogStore::add_entry(NewEntry e,
                                                                       std::string_view op) {
  if (!e.v1 && !e.v2) return fail(CatalogErrc::invalid, "no info-hash");
  auto name = clean_name(e.name);
  if (!name) return unexpected(name.error());
  auto description = clean_description(e.description);
  if (!description) return unexpected(description.error());
  auto tags = clean_tags(e.tags);
  if (!tags) return unexpected(tags.error());
  if (e.files.size() > kMaxCatalogFiles)
    return fail(CatalogErrc::invalid, "more than " + std::to_string(kMaxCatalogFiles) + " files");
  // The paths as the index sees them: one per line, cut at kMaxIndexedPathBytes.
  std::string indexed_paths;
  for (auto& f : e.files) {
    f.path = clean_catalog_text(f.path, CatalogTextMode::single_line);
    if (f.path.empty() || f.path.size() > kMaxCatalogPathBytes)
      return fail(CatalogErrc::invalid, "file path is empty or longer than " +
                                            std::to_string(kMaxCatalogPathBytes) + " bytes");
    if (f.size < 0) return fail(CatalogErrc::invalid, "file '" + f.path + "' has a negative size");
    if (indexed_paths.size() + f.path.size() + 1 <= kMaxIndexedPathBytes) {
      indexed_paths += f.path;
      indexed_paths += '\n';
    }
  }

  auto tx = SqliteTransaction::begin_write(m_db);
  if (!tx) return db_fail(op, tx.error());
  auto ids = ids_by_hash(e.v1, e.v2);
  if (!ids) return unexpected(ids.error());
  if (ids->size() > 1)
    return fail(CatalogErrc::conflict,
                "the info-hashes belong to two catalog torrents (" + std::to_string((*ids)[0]) +
                    " and " + std::to_string((*ids)[1]) + ")");
  if (ids->size() == 1) {
    tx->rollback();
    auto existing = get(ids->front());
    if (!existing) return unexpected(existing.error());
    if (!*existing) return fail(CatalogErrc::database, std::string(op) + ": torrent vanished");
    return CatalogAddResult{std::move(**existing), false};
  }
  auto category = category_exists(e.category_id);
  if (!category) return unexpected(category.error());
  if (!*category)
    return fail(CatalogErrc::invalid, "no category " + std::to_string(e.category_id));

  if (e.uploader_id) {
    auto user = statement("SELECT 1 FROM users WHERE id = ?1");
    if (!user) return unexpected(user.error());
    (*user)->bind_int64(1, *e.uploader_id);
    auto row = (*user)->step();
    if (!row) return db_fail(op, row.error());
    (*user)->reset();
    if (!*row) return fail(CatalogErrc::invalid, "no user " + std::to_string(*e.uploader_id));
  }
  auto insert = statement(
      "INSERT INTO catalog_torrents (info_hash_v1, info_hash_v2, name, name_key, size, category_id,"
      " description, uploader_id, created_at, file_count, torrent_file)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  if (!insert) return unexpected(insert.error());
  SqliteStatement& q = **insert;
  if (e.v1) q.bind_blob(1, e.v1->view()); else q.bind_null(1);
  if (e.v2) q.bind_blob(2, e.v2->view()); else q.bind_null(2);
  q.bind_text(3, *name);
  q.bind_text(4, catalog_search_key(*name));
  q.bind_int64(5, e.size);
  q.bind_int64(6, e.category_id);
  q.bind_text(7, *description);
  if (e.uploader_id) q.bind_int64(8, *e.uploader_id); else q.bind_null(8);
  q.bind_int64(9, m_options.clock());
  q.bind_int64(10, static_cast<std::int64_t>(e.files.size()));
  if (e.torrent_file) q.bind_blob(11, *e.torrent_file); else q.bind_null(11);
  if (auto r = q.run(); !r) return db_fail(op, r.error());
  const std::int64_t id = m_db.last_insert_rowid();

  auto file = statement(
      "INSERT INTO catalog_files (torrent_id, position, path, size) VALUES (?1, ?2, ?3, ?4)");
  if (!file) return unexpected(file.error());
  for (std::size_t i = 0; i < e.files.size(); ++i) {
    (*file)->bind_int64(1, id);
    (*file)->bind_int64(2, static_cast<std::int64_t>(i));
    (*file)->bind_text(3, e.files[i].path);
    (*file)->bind_int64(4, e.files[i].size);
    if (auto r = (*file)->run(); !r) return db_fail(op, r.error());
  }
  auto fts = statement(
      "INSERT INTO catalog_fts (rowid, name, paths, tags, cats) VALUES (?1, ?2, ?3, '', ?4)");
  if (!fts) return unexpected(fts.error());
  (*fts)->bind_int64(1, id);
  (*fts)->bind_text(2, *name);
  (*fts)->bind_text(3, indexed_paths);
  (*fts)->bind_text(4, category_tokens(e.category_id));
  if (auto r = (*fts)->run(); !r) return db_fail(op, r.error());
  if (auto r = insert_tags(id, *tags); !r) return unexpected(r.error());  // triggers index them
  if (auto r = tx->commit(); !r) return db_fail(op, r.error());

  auto added = get(id);
  if (!added) return unexpected(added.error());
  if (!*added) return fail(CatalogErrc::database, std::string(op) + ": torrent vanished");
  return CatalogAddResult{std::move(**added), true};
}

expected<CatalogAddResult, CatalogError> SqliteCatalogStore::add_from_metainfo(
    const Metainfo& m, const CatalogUpload& upload, std::optional<std::string_view> bytes) {
  if (upload.require_private && !m.is_private())
    return fail(CatalogErrc::invalid, "the torrent is not private (its info dict has no private=1)");
  NewEntry e;
  e.v1 = m.info_hash().v1;
  e.v2 = m.info_hash().v2;
  e.name = m.name();
  e.size = m.payload_size();
  e.category_id = upload.category_id.value_or(kDefaultCatalogCategory);
  e.tags = upload.tags;
  e.description = upload.description;
  e.uploader_id = upload.uploader_id;
  for (const FileEntry& f : m.files()) {
    if (f.pad) continue;
    if (e.files.size() == kMaxCatalogFiles)
      return fail(CatalogErrc::invalid, "more than " + std::to_string(kMaxCatalogFiles) + " files");
    e.files.push_back(CatalogFile{f.path_string(), f.length});
  }
  e.torrent_file = bytes;
  return add_entry(std::move(e), "add torrent");
}

expected<CatalogAddResult, CatalogError> SqliteCatalogStore::add_metainfo(
    const Metainfo& m, const CatalogUpload& upload) {
  return add_from_metainfo(m, upload, std::nullopt);
}

expected<CatalogAddResult, CatalogError> SqliteCatalogStore::add_torrent_file(
    std::string_view torrent_file, const CatalogUpload& upload) {
  if (torrent_file.size() > kMaxCatalogTorrentFileBytes)
    return fail(CatalogErrc::invalid, ".torrent file is larger than " +
                                          std::to_string(kMaxCatalogTorrentFileBytes) + " bytes");
  auto m = parse_metainfo(torrent_file);
  if (!m) return fail(CatalogErrc::invalid, m.error().message());
  return add_from_metainfo(*m, upload, torrent_file);
}

expected<CatalogAddResult, CatalogError> SqliteCatalogStore::add_ingest(
    const CatalogIngestItem& item, std::optional<std::int64_t> uploader_id) {
  NewEntry e;
  e.v1 = item.info_hash_v1;
  e.v2 = item.info_hash_v2;
  e.name = item.name;
  e.category_id = item.category_id.value_or(kDefaultCatalogCategory);
  e.tags = item.tags;
  e.description = item.description;
  e.uploader_id = uploader_id;
  e.files = item.files;
  std::int64_t sum = 0;
  for (const auto& f : item.files) {
    if (f.size < 0 || f.size > kMaxTotalSize || sum > kMaxTotalSize - f.size)
      return fail(CatalogErrc::invalid, "file sizes must be 0.." + std::to_string(kMaxTotalSize) +
                                            " bytes in total");
    sum += f.size;
  }
  if (item.size) {
    if (*item.size < 0 || *item.size > kMaxTotalSize)
      return fail(CatalogErrc::invalid,
                  "size must be 0.." + std::to_string(kMaxTotalSize) + " bytes");
    if (!item.files.empty() && *item.size != sum)
      return fail(CatalogErrc::invalid, "size " + std::to_string(*item.size) +
                                            " is not the sum of the file sizes (" +
                                            std::to_string(sum) + ")");
  }
  e.size = item.size.value_or(sum);
  return add_entry(std::move(e), "ingest torrent");
}

// ---- reading ----

expected<std::optional<CatalogTorrent>, CatalogError> SqliteCatalogStore::get(std::int64_t id) {
  constexpr std::string_view kOp = "read torrent";
  auto tx = SqliteTransaction::begin_read(m_db);  // row and files of one instant
  if (!tx) return db_fail(kOp, tx.error());
  auto q = statement("SELECT " + std::string(kColumns) + " FROM catalog_torrents t WHERE t.id = ?1");
  if (!q) return unexpected(q.error());
  (*q)->bind_int64(1, id);
  auto rows = read_rows(**q, kOp);
  if (!rows) return unexpected(rows.error());
  if (rows->empty()) return std::optional<CatalogTorrent>{};
  CatalogTorrent t = std::move(rows->front());
  auto files =
      statement("SELECT path, size FROM catalog_files WHERE torrent_id = ?1 ORDER BY position");
  if (!files) return unexpected(files.error());
  (*files)->bind_int64(1, id);
  while (true) {
    auto row = (*files)->step();
    if (!row) return db_fail(kOp, row.error());
    if (!*row) break;
    t.files.push_back(CatalogFile{std::string((*files)->column_text(0)), (*files)->column_int64(1)});
  }
  return std::optional<CatalogTorrent>(std::move(t));
}

expected<std::optional<CatalogTorrent>, CatalogError> SqliteCatalogStore::find(
    const InfoHash& hash) {
  if (hash.empty()) return std::optional<CatalogTorrent>{};
  auto ids = ids_by_hash(hash.v1, hash.v2);
  if (!ids) return unexpected(ids.error());
  if (ids->empty()) return std::optional<CatalogTorrent>{};
  return get(ids->front());
}

expected<std::optional<std::string>, CatalogError> SqliteCatalogStore::torrent_file(
    std::int64_t id) {
  auto q = statement("SELECT torrent_file FROM catalog_torrents WHERE id = ?1");
  if (!q) return unexpected(q.error());
  (*q)->bind_int64(1, id);
  auto row = (*q)->step();
  if (!row) return db_fail("read .torrent", row.error());
  if (!*row) return fail(CatalogErrc::not_found, "no torrent " + std::to_string(id));
  std::optional<std::string> out;
  if (!(*q)->column_is_null(0)) out = std::string((*q)->column_blob(0));
  (*q)->reset();
  return out;
}

expected<CatalogPage, CatalogError> SqliteCatalogStore::latest(
    std::span<const std::int64_t> categories, std::int64_t limit, std::int64_t offset) {
  CatalogSearch s;
  s.categories.assign(categories.begin(), categories.end());
  s.sort = CatalogSort::newest;
  s.limit = limit;
  s.offset = offset;
  return search(s);
}

expected<CatalogPage, CatalogError> SqliteCatalogStore::search(const CatalogSearch& s) {
  constexpr std::string_view kOp = "search catalog";
  if (s.limit < 1 || s.limit > kMaxCatalogLimit)
    return fail(CatalogErrc::invalid, "limit must be 1.." + std::to_string(kMaxCatalogLimit));
  if (s.offset < 0 || s.offset > kMaxCatalogOffset)
    return fail(CatalogErrc::invalid, "offset must be 0.." + std::to_string(kMaxCatalogOffset));
  if (s.categories.size() > kMaxCatalogFilterCategories)
    return fail(CatalogErrc::invalid, "at most " + std::to_string(kMaxCatalogFilterCategories) +
                                          " categories");
  const CatalogQuery query = parse_catalog_query(s.query);
  const bool match = !query.empty();
  // The sort keys, most significant first: (expression, direction). Every order ends with the
  // id, so it is total and pages are stable.
  struct Key {
    std::string_view expr;
    std::string_view direction;
  };
  std::vector<Key> keys;
  switch (s.sort) {
    case CatalogSort::relevance:
      if (match) {
        keys = {{"t.name_key = ?3", "DESC"}, {"bm25(catalog_fts, 10.0, 1.0, 3.0, 0.0)", "ASC"},
                {"t.created_at", "DESC"}, {"t.id", "DESC"}};
      } else {
        keys = {{"t.created_at", "DESC"}, {"t.id", "DESC"}};
      }
      break;
    case CatalogSort::newest: keys = {{"t.created_at", "DESC"}, {"t.id", "DESC"}}; break;
    case CatalogSort::size: keys = {{"t.size", "DESC"}, {"t.id", "DESC"}}; break;
    case CatalogSort::name:
      keys = {{"t.name", "COLLATE NOCASE ASC"}, {"t.id", "ASC"}};
      break;
  }
  // With terms, the category filter is part of the MATCH expression (catalog_fts `cats`).
  const std::string from =
      match ? " FROM catalog_fts JOIN catalog_torrents t ON t.id = catalog_fts.rowid"
              " WHERE catalog_fts MATCH ?1"
            : " FROM catalog_torrents t WHERE " + std::string(kCategoryFilter);
  // Relevance ranks only the newest kMaxCatalogRankedMatches matches: FTS5 walks its doclist by
  // id (no scoring) to find the window's lowest id, and bm25 runs on the rows above it. Newest
  // needs only the offset + limit highest ids (ids ascend with created_at: both are set when a
  // row is added), instead of sorting every match by created_at.
  const bool windowed = match && (s.sort == CatalogSort::relevance || s.sort == CatalogSort::newest);
  const std::int64_t window =
      s.sort == CatalogSort::relevance ? kMaxCatalogRankedMatches : s.offset + s.limit;
  const std::string ranked_from =
      windowed ? from + " AND catalog_fts.rowid >= coalesce((SELECT rowid FROM catalog_fts WHERE catalog_fts"
                     " MATCH ?1 ORDER BY rowid DESC LIMIT 1 OFFSET ?6), 0)"
               : from;
  // Two phases: the inner query ranks the matches on their sort keys alone and keeps one page of
  // ids; only those rows are then read in full. Sorting whole rows (descriptions, tags) of every
  // match would cost as many reads as there are matches.
  std::string inner = "SELECT t.id AS id", inner_order, outer_order;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::string alias = "k" + std::to_string(i);
    inner += ", " + std::string(keys[i].expr) + " AS " + alias;
    inner_order += (i ? ", " : "") + std::string(keys[i].expr) + " " + std::string(keys[i].direction);
    outer_order += (i ? ", p." : "p.") + alias + " " + std::string(keys[i].direction);
  }
  // ?1 and ?3 may be unused in a variant; binding them is still in range because ?5 is used.
  const std::string sql = "SELECT " + std::string(kColumns) + " FROM (" + inner + ranked_from +
                          " ORDER BY " + inner_order + " LIMIT ?4 OFFSET ?5) p" +
                          " JOIN catalog_torrents t ON t.id = p.id ORDER BY " + outer_order;

  auto tx = SqliteTransaction::begin_read(m_db);  // page and total of one instant
  if (!tx) return db_fail(kOp, tx.error());
  const std::string categories = category_json(s.categories);
  const std::string expression = match ? fts_expression(query.match, s.categories) : std::string();
  // ?1 the MATCH expression (with terms), ?2 the category ids as JSON (without terms).
  const auto bind = [&](SqliteStatement& q) {
    if (match) {
      q.bind_text(1, expression);
    } else if (s.categories.empty()) {
      q.bind_null(2);
    } else {
      q.bind_text(2, categories);
    }
  };
  auto q = statement(sql);
  if (!q) return unexpected(q.error());
  bind(**q);
  (*q)->bind_text(3, query.key);
  (*q)->bind_int64(4, s.limit);
  (*q)->bind_int64(5, s.offset);
  if (windowed) (*q)->bind_int64(6, window - 1);
  CatalogPage page;
  auto rows = read_rows(**q, kOp);
  if (!rows) return unexpected(rows.error());
  page.items = std::move(*rows);
  if (s.count_total) {
    // With terms the index alone counts the matches (no row reads).
    auto count = statement(match ? std::string("SELECT count(*) FROM catalog_fts WHERE catalog_fts MATCH ?1")
                                 : "SELECT count(*)" + from);
    if (!count) return unexpected(count.error());
    bind(**count);
    auto row = (*count)->step();
    if (!row) return db_fail(kOp, row.error());
    page.total = *row ? (*count)->column_int64(0) : 0;
    (*count)->reset();
  }
  return page;
}

// ---- changing ----

expected<CatalogTorrent, CatalogError> SqliteCatalogStore::edit(std::int64_t id,
                                                               const CatalogEdit& edit) {
  constexpr std::string_view kOp = "edit torrent";
  std::optional<std::string> name, description;
  std::optional<std::vector<std::string>> tags;
  if (edit.name) {
    auto n = clean_name(*edit.name);
    if (!n) return unexpected(n.error());
    name = std::move(*n);
  }
  if (edit.description) {
    auto d = clean_description(*edit.description);
    if (!d) return unexpected(d.error());
    description = std::move(*d);
  }
  if (edit.tags) {
    auto t = clean_tags(*edit.tags);
    if (!t) return unexpected(t.error());
    tags = std::move(*t);
  }
  auto tx = SqliteTransaction::begin_write(m_db);
  if (!tx) return db_fail(kOp, tx.error());
  if (edit.category_id) {
    auto exists = category_exists(*edit.category_id);
    if (!exists) return unexpected(exists.error());
    if (!*exists)
      return fail(CatalogErrc::invalid, "no category " + std::to_string(*edit.category_id));
  }
  auto update = statement(
      "UPDATE catalog_torrents SET name = coalesce(?2, name), name_key = coalesce(?3, name_key),"
      " category_id = coalesce(?4, category_id), description = coalesce(?5, description)"
      " WHERE id = ?1");
  if (!update) return unexpected(update.error());
  SqliteStatement& q = **update;
  q.bind_int64(1, id);
  if (name) q.bind_text(2, *name); else q.bind_null(2);
  if (name) q.bind_text(3, catalog_search_key(*name)); else q.bind_null(3);
  if (edit.category_id) q.bind_int64(4, *edit.category_id); else q.bind_null(4);
  if (description) q.bind_text(5, *description); else q.bind_null(5);
  if (auto r = q.run(); !r) return db_fail(kOp, r.error());
  if (m_db.changes() == 0) return fail(CatalogErrc::not_found, "no torrent " + std::to_string(id));
  if (tags) {
    auto clear = statement("DELETE FROM catalog_tags WHERE torrent_id = ?1");
    if (!clear) return unexpected(clear.error());
    (*clear)->bind_int64(1, id);
    if (auto r = (*clear)->run(); !r) return db_fail(kOp, r.error());
    if (auto r = insert_tags(id, *tags); !r) return unexpected(r.error());
  }
  if (auto r = tx->commit(); !r) return db_fail(kOp, r.error());
  auto t = get(id);
  if (!t) return unexpected(t.error());
  if (!*t) return fail(CatalogErrc::not_found, "no torrent " + std::to_string(id));
  return std::move(**t);
}

expected<void, CatalogError> SqliteCatalogStore::remove(std::int64_t id) {
  auto q = statement("DELETE FROM catalog_torrents WHERE id = ?1");  // files, tags, index: cascade
  if (!q) return unexpected(q.error());                                // and trigger
  (*q)->bind_int64(1, id);
  if (auto r = (*q)->run(); !r) return db_fail("delete torrent", r.error());
  if (m_db.changes() == 0) return fail(CatalogErrc::not_found, "no torrent " + std::to_string(id));
  return {};
}

}  // namespace

expected<std::unique_ptr<CatalogStore>, CatalogError> open_sqlite_catalog_store(
    const std::filesystem::path& path, CatalogStoreOptions options) {
  auto db = SqliteConnection::open(path);
  if (!db) return fail(CatalogErrc::database, std::move(db.error()));
  if (auto v = apply_migrations(*db, tracker_migrations()); !v)
    return fail(CatalogErrc::database, std::move(v.error()));
  return std::unique_ptr<CatalogStore>(new SqliteCatalogStore(std::move(*db), std::move(options)));
}

}  // namespace shoal::tracker
