#pragma once
// CatalogStore: the torrent catalog behind one interface (SQLite now; a PostgreSQL backend can
// implement it later) — categories, torrents with their files, tags and .torrent file, and search.
// It owns the tables of migration 4 (tracker_schema.cpp): catalog_categories, catalog_torrents,
// catalog_files, catalog_tags and the FTS5 index catalog_fts; it reads `users` only through the
// uploader's foreign key. Who may edit or delete what is the caller's decision (uploader_id is
// returned for that); the store checks only the data.
//
//   auto store = open_sqlite_catalog_store(config.database_path());
//   if (!store) die(store.error().message);
//   CatalogUpload up;
//   up.uploader_id = user.id;
//   up.category_id = 5040;                                   // TV/HD
//   auto added = (*store)->add_torrent_file(file_bytes, up);  // parses and validates it
//   if (added && !added->created) ...                        // the info-hash was already there
//   CatalogSearch s;
//   s.query = "big show s01e0*";
//   s.categories = {5000};                                   // TV and its subcategories
//   auto page = (*store)->search(s);                         // page->items, by rank
//
// Adding is idempotent by info-hash: an entry whose v1 hash, v2 hash or truncated v2 hash (what
// trackers see, BEP 52) matches a catalog torrent's returns that torrent with created = false and
// changes nothing; one whose hashes match two different catalog torrents is a conflict.
//
// Text: names, paths, tags and descriptions are cleaned when stored (catalog_text.hpp): invalid
// UTF-8 becomes U+FFFD and control characters are dropped, so every row can be written as JSON
// or XML as it is.
//
// Search ranking (search() with sort = relevance), in this order:
//  1. Exact name: torrents whose name has exactly the query's words, in order
//     (catalog_search_key(name) == the query's key: "Big.Show" for "big show") come first.
//  2. bm25 over the FTS5 index with column weights name 10, tags 3, file paths 1: a word in the
//     name counts ten times a word in a file path; shorter names rank above longer ones with the
//     same words.
//  3. Newer first (created_at), then the higher id: equal scores never tie, so the order is total
//     and pages (limit/offset) neither skip nor repeat rows while the catalog is unchanged.
// Scoring every match of a very common word ("1080p" in a third of a catalog) costs milliseconds
// per thousand matches, so relevance ranks the kMaxCatalogRankedMatches newest matches (by id,
// after the category filter) and no others: a query with more matches lists the best of its
// newest ones; pages past that window are empty. `total` still counts every match. Sort by
// newest (or narrow the query) to page through all of them: a newest search reads the offset +
// limit newest matches by id (ids ascend with created_at; both are set when a row is added).
// Other sorts: newest (created_at, id descending), size (descending, then id descending), name
// (case-insensitive ascending, then id ascending). Every term must match (AND), in the name, a
// file path or a tag; terms are words as the tokenizer splits them (catalog_query.hpp: '.', '_',
// '-' and all punctuation separate words), with trailing-'*' prefix terms. A query without terms
// lists the catalog by the sort (relevance = newest). File paths are indexed up to
// kMaxIndexedPathBytes per torrent (the files beyond are stored and listed, not searched).
//
// Categories: Torznab ids. Top-level ones are multiples of 1000 without parent (2000 Movies); a
// subcategory belongs to the top-level one of its thousand (5040 TV/HD under 5000 TV). A search
// or latest() filtered by a top-level id includes its subcategories. Migration 4 seeds the
// Torznab standard set (1000 Console ... 8000 Other, with common subcategories). The FTS index
// holds each row's category and parent as tokens (migration 7), so a search with words filters
// by category inside FTS5; without words the category index of catalog_torrents serves.
//
// Threading: an instance is used by one thread at a time; open one per thread (WAL lets readers
// run beside the one writer).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/proto/api_catalog.hpp"
#include "shoal/proto/expected.hpp"
#include "shoal/proto/hash.hpp"
#include "shoal/proto/info_hash.hpp"
#include "shoal/proto/metainfo.hpp"

namespace shoal::tracker {

/// Error classes the REST API maps to status codes.
enum class CatalogErrc {
  invalid,    ///< bad input (400): no hash, an empty name, a limit out of range, a bad .torrent
  not_found,  ///< no such torrent or category (404)
  conflict,   ///< hashes of two different catalog torrents, a category in use or taken (409)
  database,   ///< the database failed (500); message names the operation and the file
};

struct CatalogError {
  CatalogErrc code = CatalogErrc::database;
  std::string message;
};

// ---- bounds (named so the HTTP layer can quote them) ----
inline constexpr std::size_t kMaxCatalogNameBytes = 1024;
inline constexpr std::size_t kMaxCatalogDescriptionBytes = 64 * 1024;
inline constexpr std::size_t kMaxCatalogPathBytes = 4096;
inline constexpr std::size_t kMaxCatalogFiles = 100'000;
inline constexpr std::size_t kMaxCatalogTags = 16;
inline constexpr std::size_t kMaxCatalogTagBytes = 32;
inline constexpr std::size_t kMaxCatalogTorrentFileBytes = 16 * 1024 * 1024;
inline constexpr std::size_t kMaxCatalogCategoryNameBytes = 64;
/// File path text indexed for search per torrent.
inline constexpr std::size_t kMaxIndexedPathBytes = 256 * 1024;
/// Page size: 1..kMaxCatalogLimit; offsets 0..kMaxCatalogOffset (deeper pages: narrow the query).
inline constexpr std::int64_t kMaxCatalogLimit = 100;
inline constexpr std::int64_t kMaxCatalogOffset = 10'000;
/// Matches a relevance search ranks: the newest this many (see the header comment).
inline constexpr std::int64_t kMaxCatalogRankedMatches = 1'000;
inline constexpr std::int64_t kDefaultCatalogLimit = 25;
/// Category filters name at most this many ids.
inline constexpr std::size_t kMaxCatalogFilterCategories = 32;
/// Category of entries added without one (Torznab "Other").
inline constexpr std::int64_t kDefaultCatalogCategory = 8000;

struct CatalogCategory {
  std::int64_t id = 0;                   ///< Torznab id
  std::string name;                      ///< "TV/HD"
  std::optional<std::int64_t> parent_id;  ///< top-level id for a subcategory
  friend bool operator==(const CatalogCategory&, const CatalogCategory&) = default;
};

/// A file of a catalog entry (path: components joined by '/', as FileEntry::path_string()): the
/// API's message type itself.
using CatalogFile = api::CatalogFile;

/// A catalog row. `files` is filled by get() and find() only (empty in lists).
struct CatalogTorrent {
  std::int64_t id = 0;
  std::optional<Sha1Digest> info_hash_v1;
  std::optional<Sha256Digest> info_hash_v2;  ///< full SHA-256
  std::string name;
  std::int64_t size = 0;  ///< bytes of the real files (pad files excluded)
  std::int64_t category_id = kDefaultCatalogCategory;
  std::vector<std::string> tags;  ///< sorted
  std::string description;
  std::optional<std::int64_t> uploader_id;  ///< null for ingest entries and deleted users
  std::int64_t created_at = 0;              ///< unix time
  std::int64_t file_count = 0;
  bool has_torrent_file = false;  ///< uploaded as a .torrent (else magnet/ingest)
  std::vector<CatalogFile> files;

  InfoHash info_hash() const { return InfoHash{info_hash_v1, info_hash_v2}; }
  /// The 20 bytes trackers key the swarm by (v1, else truncated v2).
  Sha1Digest swarm_key() const { return info_hash().tracker_id(); }
  friend bool operator==(const CatalogTorrent&, const CatalogTorrent&) = default;
};

/// Who adds a torrent and how it is filed.
struct CatalogUpload {
  std::optional<std::int64_t> uploader_id;
  std::optional<std::int64_t> category_id;  ///< default kDefaultCatalogCategory
  std::vector<std::string> tags;
  std::string description;
  /// Refuse (invalid) a torrent whose info dict is not private (private tracker mode).
  bool require_private = false;
};

/// A torrent known by its hashes only (magnet link, scraped metadata): POST /api/v1/ingest items.
struct CatalogIngestItem {
  std::optional<Sha1Digest> info_hash_v1;
  std::optional<Sha256Digest> info_hash_v2;
  std::string name;
  std::optional<std::int64_t> size;  ///< default: the sum of `files` (0 without files)
  std::vector<CatalogFile> files;
  std::optional<std::int64_t> category_id;
  std::vector<std::string> tags;
  std::string description;
};

struct CatalogAddResult {
  CatalogTorrent torrent;  ///< with files
  bool created = false;    ///< false: the info-hash was already in the catalog (nothing changed)
};

/// Fields to change (nullopt: unchanged).
struct CatalogEdit {
  std::optional<std::string> name;
  std::optional<std::int64_t> category_id;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::string> description;
};

enum class CatalogSort { relevance, newest, size, name };

/// "relevance", "newest", "size", "name" (the API's `sort` values); nullopt for anything else.
std::optional<CatalogSort> parse_catalog_sort(std::string_view text);
std::string_view to_string(CatalogSort sort);

struct CatalogSearch {
  std::string query;                      ///< user text (catalog_query.hpp); may be empty
  std::vector<std::int64_t> categories;   ///< empty: all; a top-level id includes its subcategories
  CatalogSort sort = CatalogSort::relevance;
  std::int64_t limit = kDefaultCatalogLimit;  ///< 1..kMaxCatalogLimit
  std::int64_t offset = 0;                    ///< 0..kMaxCatalogOffset
  bool count_total = false;  ///< also count every match (costs a second pass over the matches)
};

struct CatalogPage {
  std::vector<CatalogTorrent> items;  ///< without files
  std::optional<std::int64_t> total;  ///< set when count_total was asked
};

/// Normalises a tag: ASCII lower-case; letters, digits and ". _ + -" only; 1..kMaxCatalogTagBytes.
/// nullopt if anything else remains.
std::optional<std::string> normalize_catalog_tag(std::string_view tag);

class CatalogStore {
public:
  virtual ~CatalogStore() = default;

  // ---- categories (admin-managed) ----
  /// Every category by id.
  virtual expected<std::vector<CatalogCategory>, CatalogError> categories() = 0;
  /// Adds a category. invalid for an id outside 1000..999999, a name empty, too long or with
  /// control characters, or a subcategory whose top-level category (id - id % 1000) is missing;
  /// conflict if the id exists. The parent is derived from the id.
  virtual expected<CatalogCategory, CatalogError> add_category(std::int64_t id,
                                                               std::string_view name) = 0;
  virtual expected<CatalogCategory, CatalogError> rename_category(std::int64_t id,
                                                                  std::string_view name) = 0;
  /// not_found if absent; conflict while a torrent or a subcategory uses it.
  virtual expected<void, CatalogError> delete_category(std::int64_t id) = 0;

  // ---- adding ----
  /// Files `m` (no .torrent kept: a torrent known from BEP 9 metadata or `shoal create`).
  /// invalid: unknown category or uploader, bad tags, too many files, not private when required.
  virtual expected<CatalogAddResult, CatalogError> add_metainfo(const Metainfo& m,
                                                                const CatalogUpload& upload) = 0;
  /// Parses `torrent_file` (proto's parse_metainfo; a parse error is invalid, with its message),
  /// files it as add_metainfo() does and keeps the bytes for download.
  virtual expected<CatalogAddResult, CatalogError> add_torrent_file(std::string_view torrent_file,
                                                                    const CatalogUpload& upload) = 0;
  /// Files an entry known by its hashes. invalid: no hash, empty name, negative size, a size
  /// that differs from the sum of the files given, a bad path, too many files, unknown category
  /// or uploader.
  virtual expected<CatalogAddResult, CatalogError> add_ingest(
      const CatalogIngestItem& item, std::optional<std::int64_t> uploader_id) = 0;

  // ---- reading ----
  /// With files; nullopt if absent.
  virtual expected<std::optional<CatalogTorrent>, CatalogError> get(std::int64_t id) = 0;
  /// The torrent any of whose hashes matches any of `hash` (v1, v2, truncated v2); with files.
  virtual expected<std::optional<CatalogTorrent>, CatalogError> find(const InfoHash& hash) = 0;
  /// The .torrent bytes as uploaded; nullopt for a magnet/ingest entry; not_found if absent.
  virtual expected<std::optional<std::string>, CatalogError> torrent_file(std::int64_t id) = 0;
  /// Newest first (created_at, then id, descending); categories as in CatalogSearch.
  virtual expected<CatalogPage, CatalogError> latest(std::span<const std::int64_t> categories,
                                                     std::int64_t limit, std::int64_t offset) = 0;
  /// See the ranking in the header comment. invalid: limit, offset or category count out of range.
  virtual expected<CatalogPage, CatalogError> search(const CatalogSearch& search) = 0;

  // ---- changing ----
  /// Applies `edit` and returns the row (with files). not_found, or invalid as for adding.
  virtual expected<CatalogTorrent, CatalogError> edit(std::int64_t id, const CatalogEdit& edit) = 0;
  /// Deletes the torrent, its files, tags and index entry. not_found if absent.
  virtual expected<void, CatalogError> remove(std::int64_t id) = 0;
};

struct CatalogStoreOptions {
  /// Unix time for created_at (tests pin it); default: the system clock.
  std::function<std::int64_t()> clock;
};

/// Opens its own connection to the tracker database and applies tracker_migrations().
expected<std::unique_ptr<CatalogStore>, CatalogError> open_sqlite_catalog_store(
    const std::filesystem::path& path, CatalogStoreOptions options = {});

}  // namespace shoal::tracker
