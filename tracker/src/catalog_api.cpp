#include "shoal/tracker/catalog_api.hpp"
#include "shoal/tracker/api_principal.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <variant>
#include <vector>

#include "shoal/proto/api_catalog.hpp"
#include "shoal/proto/bencode.hpp"
#include "shoal/proto/magnet.hpp"
#include "shoal/tracker/api_fields.hpp"
#include "shoal/tracker/catalog_feeds.hpp"
#include "shoal/tracker/catalog_query.hpp"
#include "shoal/tracker/catalog_store.hpp"
#include "shoal/tracker/catalog_text.hpp"
#include "shoal/proto/encoding.hpp"
#include "shoal/server/multipart.hpp"
#include "shoal/server/rate_limiter.hpp"
#include "shoal/tracker/private_tracking.hpp"
#include "catalog_api_detail.hpp"

namespace shoal::tracker {

using namespace shoal::server;  // the HTTP/API layer the tracker is built on

namespace catalog_detail {

using nlohmann::json;

constexpr std::string_view kTorrentType = "application/x-bittorrent";
constexpr std::string_view kMultipartType = "multipart/form-data";

ApiReply catalog_error(const CatalogError& e) {
  switch (e.code) {
    case CatalogErrc::invalid: return ApiReply::error(400, "invalid", e.message);
    case CatalogErrc::not_found: return ApiReply::error(404, "not_found", e.message);
    case CatalogErrc::conflict: return ApiReply::error(409, "conflict", e.message);
    case CatalogErrc::database: break;
  }
  spdlog::error("catalog: {}", e.message);
  return ApiReply::error(500, "internal_error", "database error");
}

ApiReply bad_query(std::string_view message) { return ApiReply::error(400, "invalid_query", message); }

json opt_json(const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); }

/// The magnet's trackers: in private mode the caller's passkey URL when it can be built.
std::vector<std::string> magnet_trackers(const std::optional<std::string>& announce) {
  std::vector<std::string> out;
  if (announce && !announce->empty()) out.push_back(*announce);
  return out;
}

json torrent_json(const CatalogTorrent& t, const Catalog& c, bool with_files,
                  const std::vector<std::string>& trackers = {}) {
  const SwarmCounts swarm = c.deps.swarm ? c.deps.swarm(t.swarm_key()) : SwarmCounts{};
  api::CatalogEntry e{.id = t.id,
                      .info_hash_v1 = t.info_hash_v1 ? std::optional(t.info_hash_v1->hex()) : std::nullopt,
                      .info_hash_v2 = t.info_hash_v2 ? std::optional(t.info_hash_v2->hex()) : std::nullopt,
                      .name = t.name,
                      .size = t.size,
                      .category_id = t.category_id,
                      .tags = t.tags,
                      .description = t.description,
                      .uploader_id = t.uploader_id,
                      .created_at = t.created_at,
                      .file_count = t.file_count,
                      .has_torrent_file = t.has_torrent_file,
                      .magnet = catalog_magnet_uri(t, trackers),
                      .seeders = swarm.seeders,
                      .leechers = swarm.leechers,
                      .completed = swarm.completed,
                      .files = std::nullopt};
  if (with_files) e.files = t.files;
  return e.to_json();
}

/// A whole decimal number in [lo, hi], or nullopt.
std::optional<std::int64_t> parse_int(std::string_view text, std::int64_t lo, std::int64_t hi) {
  std::int64_t v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc{} || r.ptr != text.data() + text.size() || v < lo || v > hi)
    return std::nullopt;
  return v;
}

std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    out.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

/// ?category=5000,2040 -> ids; false (and a 400) for junk.
bool read_categories(const ApiCall& call, std::vector<std::int64_t>& out, std::optional<ApiReply>& error,
                     std::string_view name) {
  auto text = call.query_param(name);
  if (!text || text->empty()) return true;
  const auto parts = split_commas(*text);
  if (parts.size() > kMaxCatalogFilterCategories) {
    error = bad_query(std::string(name) + " names at most " + std::to_string(kMaxCatalogFilterCategories) + " ids");
    return false;
  }
  for (const auto& p : parts) {
    auto id = parse_int(p, 1, 999'999);
    if (!id) {
      error = bad_query(std::string(name) + " is a comma-separated list of category ids");
      return false;
    }
    out.push_back(*id);
  }
  return true;
}

/// limit and offset from the query, checked against the catalog's bounds.
bool read_page(const ApiCall& call, std::int64_t& limit, std::int64_t& offset, std::optional<ApiReply>& error) {
  if (auto l = call.query_param("limit")) {
    auto v = parse_int(*l, 1, kMaxCatalogLimit);
    if (!v) {
      error = bad_query("limit is 1-" + std::to_string(kMaxCatalogLimit));
      return false;
    }
    limit = *v;
  }
  if (auto o = call.query_param("offset")) {
    auto v = parse_int(*o, 0, kMaxCatalogOffset);
    if (!v) {
      error = bad_query("offset is 0-" + std::to_string(kMaxCatalogOffset) + " (narrow the query for deeper pages)");
      return false;
    }
    offset = *v;
  }
  return true;
}

json page_json(const CatalogPage& page, const Catalog& c, std::int64_t limit, std::int64_t offset) {
  json list = json::array();
  for (const auto& t : page.items) list.push_back(torrent_json(t, c, false));
  json out = {{"torrents", std::move(list)}, {"limit", limit}, {"offset", offset}};
  if (page.total) out["total"] = *page.total;
  return out;
}

/// "<name>.torrent" safe for a Content-Disposition or a file system: separators, quotes and
/// control characters become '_', at most 200 bytes of the name (at a character boundary).
std::string download_filename(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size();) {
    std::size_t len = 1;
    const std::int32_t cp = decode_utf8(name, i, len);
    if (out.size() + len > 200) break;
    if (cp < 0x20 || cp == '/' || cp == '\\' || cp == '"' || cp == 0x7f)
      out += '_';
    else
      out.append(name.substr(i, len));
    i += len;
  }
  if (out.empty() || out.find_first_not_of('.') == std::string::npos) out = "torrent";
  return out + ".torrent";
}

json category_json(const CatalogCategory& k) {
  return {{"id", k.id}, {"name", k.name}, {"parent_id", opt_json(k.parent_id)}};
}

bool may_change(const Principal& who, const CatalogTorrent& t) {
  return who.user.role == Role::admin || (t.uploader_id && *t.uploader_id == who.user.id);
}

std::string hashes_text(const CatalogTorrent& t) {
  std::string s = "torrent " + std::to_string(t.id);
  if (t.info_hash_v1) s += " v1 " + t.info_hash_v1->hex();
  if (t.info_hash_v2) s += " v2 " + t.info_hash_v2->hex();
  return s;
}

/// Whether a download's Accept header asks for the JSON form: it names application/json and not
/// the .torrent type (a browser's "*/*" or no Accept at all gets the file).
bool wants_json_download(std::string_view accept) {
  bool json_named = false;
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    const std::string_view item = accept.substr(0, comma);
    if (media_type_is(item, kTorrentType)) return false;
    if (media_type_is(item, "application/json")) json_named = true;
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return json_named;
}

/// Content-Disposition for a download named `filename` (download_filename(): no quotes,
/// slashes or controls): an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 8187).
std::string content_disposition(std::string_view filename) {
  std::string ascii;
  for (char ch : filename) ascii += static_cast<unsigned char>(ch) < 0x80 ? ch : '_';
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + percent_encode(filename);
}

/// Category, tags and description of an upload (query parameters or form fields) into `up`; a
/// 400 reply for a bad one.
std::optional<ApiReply> filing_options(const std::optional<std::string>& category,
                                       const std::optional<std::string>& tags,
                                       const std::optional<std::string>& description, CatalogUpload& up) {
  if (category) {
    auto v = parse_int(*category, 1, 999'999);
    if (!v) return bad_query("category is a category id");
    up.category_id = *v;
  }
  if (tags && !tags->empty()) {
    up.tags = split_commas(*tags);
    if (up.tags.size() > kMaxCatalogTags) return bad_query("at most " + std::to_string(kMaxCatalogTags) + " tags");
  }
  if (description) up.description = *description;
  return std::nullopt;
}

/// Files an uploaded .torrent and, in private mode, registers it for tracking (undoing the
/// catalog entry when that fails).
std::variant<CatalogAddResult, ApiReply> add_file(Catalog& c, const Principal& who, std::string_view file,
                                                  CatalogUpload up) {
  if (file.empty()) return ApiReply::error(400, "missing_body", "send a .torrent or JSON {magnet}");
  up.uploader_id = who.user.id;
  up.require_private = c.deps.private_mode;
  CatalogAddResult added;
  {
    std::lock_guard lock(c.mutex);
    auto r = c.store->add_torrent_file(file, up);
    if (!r) return catalog_error(r.error());
    added = std::move(*r);
  }
  if (added.created && c.deps.private_tracking) {
    auto reg = c.deps.private_tracking->register_torrent_file(file, who.user.id);
    if (!reg && reg.error().code != PrivateStoreErrc::conflict) {
      spdlog::error("catalog: registering torrent {} for private tracking: {}", added.torrent.id,
                    reg.error().message);
      std::lock_guard lock(c.mutex);
      (void)c.store->remove(added.torrent.id);
      return ApiReply::error(500, "internal_error", "registering the torrent for tracking failed");
    }
  }
  return added;
}

/// Files the `torrent` file part of a multipart/form-data upload (category, tags, description
/// from the other fields).
std::variant<CatalogAddResult, ApiReply> add_form(Catalog& c, const Principal& who, const ApiCall& call) {
  auto boundary = multipart_boundary(call.content_type);
  if (!boundary) return ApiReply::error(400, "invalid_multipart", "the Content-Type has no valid boundary");
  auto parts = parse_multipart_form_data(call.body, *boundary);
  if (!parts) return ApiReply::error(400, "invalid_multipart", parts.error());
  const MultipartPart* file = find_part(*parts, "torrent");
  if (!file) return ApiReply::error(400, "missing_field", "'torrent' (a file part) is required");
  auto text = [&](std::string_view name) -> std::optional<std::string> {
    const MultipartPart* p = find_part(*parts, name);
    return p ? std::optional<std::string>(p->body) : std::nullopt;
  };
  CatalogUpload up;
  if (auto bad = filing_options(text("category"), text("tags"), text("description"), up)) return *bad;
  return add_file(c, who, file->body, std::move(up));
}

/// The reply of an upload, with its audit entry.
ApiReply upload_reply(Catalog& c, const ApiCall& call, const CatalogAddResult& added) {
  if (added.created)
    c.accounts->audit(&principal_of(call), "catalog.upload", std::nullopt, call.client_text(),
                      hashes_text(added.torrent));
  return ApiReply::json(added.created ? 201 : 200,
                        {{"torrent", torrent_json(added.torrent, c, true)}, {"created", added.created}});
}

/// The announce URL of .torrent `file` with `passkey` in it, or nullopt (no such URL).
std::optional<std::string> passkey_announce(std::string_view file, std::string_view passkey) {
  auto m = parse_metainfo(file);
  if (!m || m->announce().empty()) return std::nullopt;
  return announce_with_passkey(m->announce(), passkey);
}

/// The caller's announce URL for `t` in private mode (its passkey in the torrent's own announce
/// URL), else nullopt.
std::optional<std::string> private_announce(Catalog& c, const ApiCall& call, std::int64_t id) {
  if (!c.deps.private_mode || !call.principal) return std::nullopt;
  std::optional<std::string> file;
  {
    auto reader = c.read();
    auto f = reader->torrent_file(id);
    if (!f || !*f) return std::nullopt;
    file = std::move(**f);
  }
  return passkey_announce(*file, principal_of(call).user.passkey);
}

/// Reads one ingest item; the error text on failure.
std::optional<std::string> read_ingest_item(const json& j, CatalogIngestItem& item) {
  if (!j.is_object()) return "an item is an object";
  JsonFields b(j);
  auto v1 = b.text("info_hash_v1", false, 40);
  auto v2 = b.text("info_hash_v2", false, 64);
  auto name = b.text("name", true, kMaxCatalogNameBytes);
  auto size = b.integer("size");
  auto category = b.integer("category");
  auto tags = b.strings("tags", false);
  auto description = b.text("description", false, kMaxCatalogDescriptionBytes);
  if (!b.ok()) return b.error().body["error"]["message"].get<std::string>();
  if (v1) {
    item.info_hash_v1 = Sha1Digest::from_hex(*v1);
    if (!item.info_hash_v1) return "'info_hash_v1' must be 40 hex characters";
  }
  if (v2) {
    item.info_hash_v2 = Sha256Digest::from_hex(*v2);
    if (!item.info_hash_v2) return "'info_hash_v2' must be 64 hex characters";
  }
  item.name = *name;
  item.size = size;
  item.category_id = category;
  if (tags) item.tags = *tags;
  if (description) item.description = *description;
  if (auto it = j.find("files"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return "'files' must be an array of {path, size}";
    if (it->size() > kMaxCatalogFiles) return "too many files";
    for (const auto& f : *it) {
      if (!f.is_object() || !f.contains("path") || !f["path"].is_string() || !f.contains("size") ||
          !f["size"].is_number_integer())
        return "'files' must be an array of {path, size}";
      item.files.push_back({f["path"].get<std::string>(), f["size"].get<std::int64_t>()});
    }
  }
  return std::nullopt;
}

}  // namespace catalog_detail

using namespace catalog_detail;

std::optional<std::string> announce_with_passkey(std::string_view url, std::string_view passkey) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  const auto path = url.find('/', scheme + 3);
  if (path == std::string_view::npos) return std::nullopt;
  const auto query = url.find('?', path);
  const std::string_view path_part = url.substr(path, query == std::string_view::npos ? url.npos : query - path);
  // The "/announce" segment: the whole path ends with it, or it is followed by one more segment.
  constexpr std::string_view verb = "/announce";
  std::size_t at = path_part.rfind(verb);
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view after = path_part.substr(at + verb.size());
  if (!after.empty() && (after[0] != '/' || after.find('/', 1) != std::string_view::npos)) {
    // "/announce/<passkey>" is the last segment; anything else ("/announcer", deeper paths) is not.
    return std::nullopt;
  }
  std::string out(url.substr(0, path + at + verb.size()));
  out += '/';
  out += passkey;
  if (query != std::string_view::npos) {
    std::string kept;
    std::string_view q = url.substr(query + 1);
    while (!q.empty()) {
      const auto amp = q.find('&');
      const std::string_view param = q.substr(0, amp);
      if (!param.starts_with("passkey=") && !param.empty()) {
        if (!kept.empty()) kept += '&';
        kept += param;
      }
      if (amp == std::string_view::npos) break;
      q.remove_prefix(amp + 1);
    }
    if (!kept.empty()) out += "?" + kept;
  }
  return out;
}

expected<std::string, std::string> rewrite_torrent_announce(std::string_view torrent_file,
                                                            std::string_view announce) {
  auto doc = bencode::decode(torrent_file, bencode::Mode::lenient);
  if (!doc) return unexpected<std::string>("not bencode: " + doc.error().message());
  if (!doc->is_dict()) return unexpected<std::string>("not a bencoded dictionary");
  auto info = bencode::raw_dict_value(torrent_file, "info", bencode::Mode::lenient);
  if (!info) return unexpected<std::string>("no info dictionary");
  bencode::Dict dict = std::move(doc->as_dict());
  dict["announce"] = bencode::Value(announce);
  if (dict.contains("announce-list"))
    dict["announce-list"] = bencode::Value(bencode::List{bencode::Value(bencode::List{bencode::Value(announce)})});
  std::string out;
  out.reserve(torrent_file.size() + announce.size());
  bencode::Writer w(out);
  w.begin_dict();
  for (const auto& [key, value] : dict) {
    w.key(key);
    if (key == "info")
      out.append(*info);  // the exact bytes: the info-hash does not change
    else
      w.value(value);
  }
  w.end();
  return out;
}


expected<void, std::string> register_catalog_routes(ApiRouter& router, AccountService& accounts,
                                                    CatalogApiDeps deps) {
  auto opened = open_sqlite_catalog_store(deps.database);
  if (!opened) return unexpected<std::string>("catalog: " + opened.error().message);
  auto c = std::make_shared<Catalog>(std::move(deps));
  c->store = std::move(*opened);
  for (unsigned i = 0; i < std::max(1u, c->deps.read_connections); ++i) {
    auto reader = open_sqlite_catalog_store(c->deps.database);
    if (!reader) return unexpected<std::string>("catalog: " + reader.error().message);
    c->free_readers.push_back(reader->get());
    c->readers.push_back(std::move(*reader));
  }
  c->accounts = &accounts;
  const bool private_mode = c->deps.private_mode;
  const ApiAuth browse = private_mode ? ApiAuth::with_scope(Scope::read) : ApiAuth::none();
  const ApiAuth write = ApiAuth::with_scope(Scope::write);
  const ApiAuth ingest = ApiAuth::with_scope(Scope::ingest);
  const json no_body = nullptr;

  router.add({"GET", "/api/v1/torrents/search", browse,
              "Search the catalog (?q=, category=, sort=relevance|newest|size|name, limit<=100, "
              "offset<=10000, total=1)",
              "catalog", no_body, 200, "torrents", [c](ApiCall& call) {
                CatalogSearch s;
                std::optional<ApiReply> error;
                s.query = call.query_param("q").value_or("");
                if (s.query.size() > kMaxCatalogQueryBytes)
                  return bad_query("q is at most " + std::to_string(kMaxCatalogQueryBytes) + " bytes");
                if (auto sort = call.query_param("sort")) {
                  auto parsed = parse_catalog_sort(*sort);
                  if (!parsed) return bad_query("sort is relevance, newest, size or name");
                  s.sort = *parsed;
                }
                if (auto total = call.query_param("total")) {
                  if (*total != "0" && *total != "1") return bad_query("total is 0 or 1");
                  s.count_total = *total == "1";
                }
                if (!read_categories(call, s.categories, error) || !read_page(call, s.limit, s.offset, error))
                  return *error;
                auto reader = c->read();
                auto page = reader->search(s);
                if (!page) return catalog_error(page.error());
                return ApiReply::json(200, page_json(*page, *c, s.limit, s.offset));
              }});

  router.add({"GET", "/api/v1/torrents/latest", browse,
              "The newest catalog entries (?category=, limit<=100, offset<=10000)", "catalog",
              no_body, 200, "torrents", [c](ApiCall& call) {
                std::vector<std::int64_t> categories;
                std::int64_t limit = kDefaultCatalogLimit, offset = 0;
                std::optional<ApiReply> error;
                if (!read_categories(call, categories, error) || !read_page(call, limit, offset, error))
                  return *error;
                auto reader = c->read();
                auto page = reader->latest(categories, limit, offset);
                if (!page) return catalog_error(page.error());
                return ApiReply::json(200, page_json(*page, *c, limit, offset));
              }});

  router.add({"GET", "/api/v1/categories", browse, "The catalog's categories (Torznab ids)",
              "catalog", no_body, 200, "categories", [c](ApiCall&) {
                auto reader = c->read();
                auto cats = reader->categories();
                if (!cats) return catalog_error(cats.error());
                json list = json::array();
                for (const auto& k : *cats) list.push_back(category_json(k));
                return ApiReply::json(200, {{"categories", list}});
              }});

  const ApiAuth admin = ApiAuth::with_scope(Scope::admin);
  router.add({"POST", "/api/v1/admin/categories", admin,
              "Add a category: {id (Torznab, 1000-999999; a subcategory's parent is id - id % 1000), name}",
              "catalog",
              {{"type", "object"},
               {"properties", {{"id", {{"type", "integer"}}}, {"name", {{"type", "string"}}}}},
               {"required", {"id", "name"}}},
              201, "the category", [c](ApiCall& call) {
                JsonFields b(call.json);
                auto id = b.integer("id");
                auto name = b.text("name", true, kMaxCatalogCategoryNameBytes);
                if (b.ok() && !id) b.fail("missing_field", "'id' is required");
                if (!b.ok()) return b.error();
                std::lock_guard lock(c->mutex);
                auto added = c->store->add_category(*id, *name);
                if (!added) return catalog_error(added.error());
                c->accounts->audit(&principal_of(call), "catalog.category.add", std::nullopt, call.client_text(),
                                   std::to_string(added->id) + " " + added->name);
                return ApiReply::json(201, {{"category", category_json(*added)}});
              }});

  router.add({"PATCH", "/api/v1/admin/categories/{id}", admin, "Rename a category: {name}", "catalog",
              {{"type", "object"}, {"properties", {{"name", {{"type", "string"}}}}}, {"required", {"name"}}},
              200, "the category", [c](ApiCall& call) {
                auto id = call.int_param("id");
                if (!id) return ApiReply::error(404, "not_found", "no such category");
                JsonFields b(call.json);
                auto name = b.text("name", true, kMaxCatalogCategoryNameBytes);
                if (!b.ok()) return b.error();
                std::lock_guard lock(c->mutex);
                auto renamed = c->store->rename_category(*id, *name);
                if (!renamed) return catalog_error(renamed.error());
                c->accounts->audit(&principal_of(call), "catalog.category.rename", std::nullopt,
                                   call.client_text(), std::to_string(renamed->id) + " " + renamed->name);
                return ApiReply::json(200, {{"category", category_json(*renamed)}});
              }});

  router.add({"DELETE", "/api/v1/admin/categories/{id}", admin,
              "Delete an unused category (409 while a torrent or subcategory uses it)", "catalog",
              no_body, 204, "deleted", [c](ApiCall& call) {
                auto id = call.int_param("id");
                if (!id) return ApiReply::error(404, "not_found", "no such category");
                std::lock_guard lock(c->mutex);
                auto removed = c->store->delete_category(*id);
                if (!removed) return catalog_error(removed.error());
                c->accounts->audit(&principal_of(call), "catalog.category.delete", std::nullopt,
                                   call.client_text(), std::to_string(*id));
                return ApiReply::no_content();
              }});

  router.add({"GET", "/api/v1/torrents/{id}", browse,
              "One catalog torrent with its files, magnet link and live swarm numbers", "catalog",
              no_body, 200, "torrent", [c](ApiCall& call) {
                // {id}: the catalog id, or an info-hash (40 hex: v1, 64 hex: v2) as swarm views
                // know torrents by their hash.
                std::optional<std::int64_t> id = call.int_param("id");
                std::optional<InfoHash> by_hash;
                if (!id) {
                  const auto param = call.params.find("id");
                  const std::string text = param == call.params.end() ? std::string() : param->second;
                  if (auto v1 = Sha1Digest::from_hex(text)) by_hash = InfoHash{*v1, std::nullopt};
                  else if (auto v2 = Sha256Digest::from_hex(text)) by_hash = InfoHash{std::nullopt, *v2};
                  else return ApiReply::error(404, "not_found", "no such torrent");
                }
                std::optional<CatalogTorrent> found;
                {
                  auto reader = c->read();
                  auto t = by_hash ? reader->find(*by_hash) : reader->get(*id);
                  if (!t) return catalog_error(t.error());
                  if (!*t) return ApiReply::error(404, "not_found", "no such torrent");
                  found = std::move(**t);
                }
                const auto announce = private_announce(*c, call, found->id);
                return ApiReply::json(200, {{"torrent", torrent_json(*found, *c, true, magnet_trackers(announce))}});
              }});

  // Feed readers and indexers fetch the links of a feed without headers: a feed key in the URL.
  router.add({"GET", "/api/v1/torrents/{id}/download", browse.or_url_key(),
              "The .torrent file (application/x-bittorrent; the caller's passkey in the announce "
              "URL in private mode). With Accept: application/json: {filename, content_type, "
              "torrent (base64), magnet}",
              "catalog", no_body, 200, "the .torrent file",
              [c](ApiCall& call) {
                auto id = call.int_param("id");
                if (!id) return ApiReply::error(404, "not_found", "no such torrent");
                std::optional<std::string> file;
                std::optional<CatalogTorrent> row;
                {
                  auto reader = c->read();
                  auto t = reader->get(*id);
                  if (!t) return catalog_error(t.error());
                  if (!*t) return ApiReply::error(404, "not_found", "no such torrent");
                  row = std::move(**t);
                  auto f = reader->torrent_file(*id);
                  if (!f) return catalog_error(f.error());
                  file = std::move(*f);
                }
                if (!file)
                  return ApiReply::error(404, "no_torrent_file",
                                         "this entry has no .torrent file; use its magnet link");
                std::vector<std::string> trackers;
                if (c->deps.private_mode) {
                  const auto url = passkey_announce(*file, principal_of(call).user.passkey);
                  if (!url)
                    return ApiReply::error(422, "no_announce_url",
                                           "this torrent's announce URL has no /announce path to "
                                           "carry a passkey");
                  auto rewritten = rewrite_torrent_announce(*file, *url);
                  if (!rewritten) return ApiReply::error(500, "internal_error", rewritten.error());
                  file = std::move(*rewritten);
                  trackers.push_back(*url);
                }
                const std::string filename = download_filename(row->name);
                if (wants_json_download(call.accept))
                  return ApiReply::json(200, {{"filename", filename},
                                              {"content_type", kTorrentType},
                                              {"torrent", base64_encode(*file)},
                                              {"magnet", catalog_magnet_uri(*row, trackers)}});
                ApiReply reply = ApiReply::raw_body(200, std::string(kTorrentType), std::move(*file));
                reply.headers.emplace_back("Content-Disposition", content_disposition(filename));
                return reply;
              }});

  ApiRoute upload{"POST", "/api/v1/torrents", write,
                  "Add a torrent: a .torrent body (application/x-bittorrent; ?category=&tags=a,b&"
                  "description=), a form (multipart/form-data: a `torrent` file part; category, "
                  "tags, description fields) or JSON {magnet, category?, tags?, description?}",
                  "catalog",
                  {{"type", "object"},
                   {"properties",
                    {{"magnet", {{"type", "string"}}},
                     {"category", {{"type", "integer"}}},
                     {"tags", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                     {"description", {{"type", "string"}}}}},
                   {"required", {"magnet"}}},
                  201, "the torrent (200: already in the catalog)", [c](ApiCall& call) {
                    const Principal& who = principal_of(call);
                    std::optional<CatalogAddResult> added;
                    if (media_type_is(call.content_type, kMultipartType)) {
                      auto r = add_form(*c, who, call);
                      if (auto* e = std::get_if<ApiReply>(&r)) return std::move(*e);
                      added = std::move(std::get<CatalogAddResult>(r));
                    } else if (call.json.is_null()) {
                      // A raw .torrent; filing options in the query.
                      if (call.body.empty())
                        return ApiReply::error(400, "missing_body", "send a .torrent, a form or JSON {magnet}");
                      CatalogUpload up;
                      if (auto bad = filing_options(call.query_param("category"), call.query_param("tags"),
                                                    call.query_param("description"), up))
                        return *bad;
                      auto r = add_file(*c, who, call.body, std::move(up));
                      if (auto* e = std::get_if<ApiReply>(&r)) return std::move(*e);
                      added = std::move(std::get<CatalogAddResult>(r));
                    } else {
                      if (c->deps.private_mode)
                        return ApiReply::error(400, "invalid",
                                               "a private tracker takes .torrent files (the private flag "
                                               "of a magnet cannot be checked)");
                      JsonFields b(call.json);
                      auto magnet = b.text("magnet", true, kMaxMagnetUriSize);
                      auto category = b.integer("category");
                      auto tags = b.strings("tags", false);
                      auto description = b.text("description", false, kMaxCatalogDescriptionBytes);
                      if (!b.ok()) return b.error();
                      auto link = parse_magnet(*magnet);
                      if (!link) return ApiReply::error(400, "invalid_magnet", link.error().message());
                      CatalogIngestItem item;
                      item.info_hash_v1 = link->info_hash.v1;
                      item.info_hash_v2 = link->info_hash.v2;
                      item.name = link->display_name.empty()
                                      ? link->info_hash.tracker_id().hex()
                                      : link->display_name;
                      if (link->exact_length && *link->exact_length <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                        item.size = static_cast<std::int64_t>(*link->exact_length);
                      item.category_id = category;
                      if (tags) item.tags = *tags;
                      if (description) item.description = *description;
                      std::lock_guard lock(c->mutex);
                      auto r = c->store->add_ingest(item, who.user.id);
                      if (!r) return catalog_error(r.error());
                      added = std::move(*r);
                    }
                    return upload_reply(*c, call, *added);
                  }};
  upload.max_body_bytes = kMaxCatalogTorrentFileBytes + kMaxCatalogDescriptionBytes + 16 * 1024;
  upload.raw_body_types = {std::string(kTorrentType), std::string(kMultipartType)};
  router.add(std::move(upload));

  router.add({"PATCH", "/api/v1/torrents/{id}", write,
              "Edit a catalog torrent (uploader or admin)", "catalog",
              {{"type", "object"},
               {"properties",
                {{"name", {{"type", "string"}}},
                 {"category", {{"type", "integer"}}},
                 {"tags", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                 {"description", {{"type", "string"}}}}}},
              200, "the torrent", [c](ApiCall& call) {
                auto id = call.int_param("id");
                if (!id) return ApiReply::error(404, "not_found", "no such torrent");
                JsonFields b(call.json);
                CatalogEdit edit;
                edit.name = b.text("name", false, kMaxCatalogNameBytes);
                edit.category_id = b.integer("category");
                edit.tags = b.strings("tags", false);
                edit.description = b.text("description", false, kMaxCatalogDescriptionBytes);
                if (!b.ok()) return b.error();
                if (!edit.name && !edit.category_id && !edit.tags && !edit.description)
                  return ApiReply::error(400, "missing_field", "give name, category, tags and/or description");
                std::lock_guard lock(c->mutex);
                auto t = c->store->get(*id);
                if (!t) return catalog_error(t.error());
                if (!*t) return ApiReply::error(404, "not_found", "no such torrent");
                if (!may_change(principal_of(call), **t))
                  return ApiReply::error(403, "forbidden", "only the uploader or an admin may edit this torrent");
                auto changed = c->store->edit(*id, edit);
                if (!changed) return catalog_error(changed.error());
                c->accounts->audit(&principal_of(call), "catalog.edit", std::nullopt, call.client_text(),
                                   hashes_text(*changed));
                return ApiReply::json(200, {{"torrent", torrent_json(*changed, *c, true)}});
              }});

  router.add({"DELETE", "/api/v1/torrents/{id}", write,
              "Delete a catalog torrent (uploader or admin)", "catalog", no_body, 204, "deleted",
              [c](ApiCall& call) {
                auto id = call.int_param("id");
                if (!id) return ApiReply::error(404, "not_found", "no such torrent");
                CatalogTorrent row;
                {
                  std::lock_guard lock(c->mutex);
                  auto t = c->store->get(*id);
                  if (!t) return catalog_error(t.error());
                  if (!*t) return ApiReply::error(404, "not_found", "no such torrent");
                  if (!may_change(principal_of(call), **t))
                    return ApiReply::error(403, "forbidden", "only the uploader or an admin may delete this torrent");
                  auto removed = c->store->remove(*id);
                  if (!removed) return catalog_error(removed.error());
                  row = std::move(**t);
                }
                if (c->deps.private_tracking) {
                  auto reg = c->deps.private_tracking->find(row.swarm_key());
                  if (reg && *reg)
                    if (auto r = c->deps.private_tracking->unregister((*reg)->id); !r)
                      spdlog::error("catalog: unregistering torrent {}: {}", row.id, r.error().message);
                }
                c->accounts->audit(&principal_of(call), "catalog.delete", std::nullopt, call.client_text(),
                                   hashes_text(row));
                return ApiReply::no_content();
              }});

  ApiRoute ingest_route{"POST", "/api/v1/ingest", ingest,
              "Add entries known by their hashes (idempotent by hash; per-item results)", "catalog",
              {{"type", "object"},
               {"properties", {{"items", {{"type", "array"}, {"items", {{"type", "object"}}}}}}},
               {"required", {"items"}}},
              200, "results", [c](ApiCall& call) {
                if (c->deps.private_mode)
                  return ApiReply::error(400, "invalid",
                                         "a private tracker takes .torrent files, not ingest entries");
                auto it = call.json.find("items");
                if (it == call.json.end() || !it->is_array())
                  return ApiReply::error(400, "missing_field", "'items' is required: an array of entries");
                if (it->empty() || it->size() > kMaxIngestItems)
                  return ApiReply::error(400, "invalid_field",
                                         "'items' holds 1-" + std::to_string(kMaxIngestItems) + " entries");
                if (const auto wait = c->ingest_limiter.acquire(std::to_string(call.user_id()), RateClock::now(),
                                                                static_cast<double>(it->size()));
                    wait > 0) {
                  ApiReply busy = ApiReply::error(429, "rate_limited",
                                                  "ingest is limited per user; nothing of this batch was added");
                  busy.headers.emplace_back("Retry-After", std::to_string(wait));
                  return busy;
                }
                json results = json::array();
                std::int64_t created = 0, existing = 0, failed = 0;
                std::size_t index = 0;
                for (const auto& j : *it) {
                  json r = {{"index", index++}};
                  CatalogIngestItem item;
                  if (auto problem = read_ingest_item(j, item)) {
                    r["status"] = "error";
                    r["error"] = {{"code", "invalid"}, {"message", *problem}};
                    ++failed;
                    results.push_back(std::move(r));
                    continue;
                  }
                  std::lock_guard lock(c->mutex);
                  auto added = c->store->add_ingest(item, principal_of(call).user.id);
                  if (!added) {
                    const ApiReply e = catalog_error(added.error());
                    r["status"] = "error";
                    r["error"] = e.body["error"];
                    ++failed;
                  } else {
                    r["status"] = added->created ? "created" : "exists";
                    r["id"] = added->torrent.id;
                    ++(added->created ? created : existing);
                  }
                  results.push_back(std::move(r));
                }
                if (created > 0)
                  c->accounts->audit(&principal_of(call), "catalog.ingest", std::nullopt, call.client_text(),
                                     std::to_string(created) + " created");
                return ApiReply::json(200, {{"results", results}, {"created", created},
                                            {"existing", existing}, {"failed", failed}});
              }};
  ingest_route.max_body_bytes = kMaxIngestBodyBytes;
  ingest_route.large_json_body = true;
  router.add(std::move(ingest_route));
  register_feed_routes(router, c);
  return {};
}

}  // namespace shoal::tracker
