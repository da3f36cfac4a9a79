// shoal tracker search | torrents ... | upload | ingest: the torrent catalog of a shoal-tracker's
// REST API (issue 6; the endpoints: tracker/include/shoal/tracker/catalog_api.hpp, docs/api.md
// "Torrent catalog"). Credentials, errors and printing: tracker_api_session.hpp.
//
// - Browsing (search, latest, show, download) sends a credential when there is one and works
//   without (public and listed trackers); changing (upload, edit, delete, ingest) needs one.
// - upload parses the file with proto's metainfo parser first: a file that is not a .torrent is
//   refused locally (exit 1) and nothing is sent.
// - download takes either answer form: the raw .torrent (application/x-bittorrent) or JSON
//   {filename, torrent: base64, ...}; the file is written atomically and an existing one is only
//   replaced with --force.
// - ingest sends the items in batches of at most kIngestBatch items and kIngestBatchBytes (the
//   server's per-call limits, kMaxIngestItems and kMaxIngestBodyBytes) and reports every item
//   with its index in the input; exit 1 if any failed.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "shoal/peer/atomic_file.hpp"
#include "shoal/proto/encoding.hpp"
#include "tracker_api_session.hpp"

namespace shoal::cli {

namespace {

namespace peer = shoal::peer;
using nlohmann::json;

/// Items per POST /api/v1/ingest: the server's limit (kMaxIngestItems in catalog_api.hpp).
constexpr std::size_t kIngestBatch = 100;
/// Bytes per POST /api/v1/ingest: under the server's kMaxIngestBodyBytes (4 MiB), with room.
constexpr std::size_t kIngestBatchBytes = 4 * 1024 * 1024 - 64 * 1024;
/// Bound on a download answer: a .torrent is at most 16 MiB, as base64 in JSON about 22 MiB.
constexpr std::size_t kMaxDownloadBody = 24 * 1024 * 1024;
/// Bound on an ingest file read from disk or stdin.
constexpr std::size_t kMaxIngestFile = 256 * 1024 * 1024;

struct CatalogArgs {
  std::string query;
  std::string category;  // search/latest: a comma-separated list of ids
  std::string sort;
  std::optional<int> limit;
  std::optional<int> offset;
  std::int64_t id = 0;
  std::optional<std::string> name;
  std::optional<int> edit_category;
  std::optional<std::string> tags;
  std::optional<std::string> description;
  std::string output;
  std::string file;
  bool force = false;
  bool yes = false;
};

std::vector<std::string> split_tags(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text + ",") {
    if (c != ',') {
      cur += c;
      continue;
    }
    const auto b = cur.find_first_not_of(' ');
    if (b != std::string::npos) out.push_back(cur.substr(b, cur.find_last_not_of(' ') - b + 1));
    cur.clear();
  }
  return out;
}


std::string swarm_cell(const json& t, const char* name) {
  return member(t, name).is_number() ? cell(member(t, name)) : "-";
}

void print_torrent_table(const json& answer) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : member(answer, "torrents"))
    rows.push_back({cell(member(t, "id")), bytes_cell(member(t, "size")),
                    swarm_cell(t, "seeders") + "/" + swarm_cell(t, "leechers"), cell(member(t, "category_id")),
                    cell(member(t, "name"))});
  print_table({"ID", "SIZE", "S/L", "CATEGORY", "NAME"}, rows);
  if (member(answer, "total").is_number())
    fmt::print("{} of {} torrents\n", rows.size(), cell(member(answer, "total")));
  else
    fmt::print("{} torrents\n", rows.size());
}

std::string browse_target(std::string target, const CatalogArgs& c) {
  std::string sep = target.find('?') == std::string::npos ? "?" : "&";
  auto add = [&](const char* name, const std::string& value) {
    if (value.empty()) return;
    target += sep + name + "=" + query_escape(value);
    sep = "&";
  };
  add("q", c.query);
  add("category", c.category);
  add("sort", c.sort);
  return paging(target, c.limit, c.offset);
}

void run_search(const ApiArgs& a, const CatalogArgs& c) {
  Api api(a, Api::Key::optional);
  const json answer = api.call("GET", browse_target("/api/v1/torrents/search?total=1", c));
  if (a.json) return print_json(answer);
  print_torrent_table(answer);
}

void run_latest(const ApiArgs& a, const CatalogArgs& c) {
  Api api(a, Api::Key::optional);
  const json answer = api.call("GET", browse_target("/api/v1/torrents/latest", c));
  if (a.json) return print_json(answer);
  print_torrent_table(answer);
}

void check_id(const ApiArgs& a, std::int64_t id) {
  if (id <= 0) usage_failed(a, "a torrent id is a positive number (see `shoal tracker search`)");
}

void print_torrent(const json& t) {
  const json& v1 = member(t, "info_hash_v1");
  const json& v2 = member(t, "info_hash_v2");
  print_fields({{"id", cell(member(t, "id"))},
                {"name", cell(member(t, "name"))},
                {"size", bytes_cell(member(t, "size"))},
                {"info-hash v1", cell(v1)},
                {"info-hash v2", cell(v2)},
                {"category", cell(member(t, "category_id"))},
                {"tags", cell(member(t, "tags"))},
                {"description", cell(member(t, "description"))},
                {"uploader", cell(member(t, "uploader_id"))},
                {"added", time_cell(member(t, "created_at"))},
                {"seeders", swarm_cell(t, "seeders")},
                {"leechers", swarm_cell(t, "leechers")},
                {"completed", swarm_cell(t, "completed")},
                {".torrent file", cell(member(t, "has_torrent_file"))},
                {"magnet", cell(member(t, "magnet"))}});
}

void run_show(const ApiArgs& a, const CatalogArgs& c) {
  check_id(a, c.id);
  Api api(a, Api::Key::optional);
  const json answer = api.call("GET", fmt::format("/api/v1/torrents/{}", c.id));
  if (a.json) return print_json(answer);
  const json& t = member(answer, "torrent");
  print_torrent(t);
  const json& files = member(t, "files");
  if (!files.is_array() || files.empty()) return;
  std::cout << "\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& f : files) rows.push_back({bytes_cell(member(f, "size")), cell(member(f, "path"))});
  print_table({"SIZE", "PATH"}, rows);
}

void run_edit(const ApiArgs& a, const CatalogArgs& c) {
  check_id(a, c.id);
  json change = json::object();
  if (c.name) change["name"] = *c.name;
  if (c.edit_category) change["category"] = *c.edit_category;
  if (c.tags) change["tags"] = split_tags(*c.tags);
  if (c.description) change["description"] = *c.description;
  if (change.empty()) usage_failed(a, "nothing to change: give --name, --category, --tags or --description");
  Api api(a, Api::Key::required);
  const json answer = api.call("PATCH", fmt::format("/api/v1/torrents/{}", c.id), change);
  if (a.json) return print_json(answer);
  const json& t = member(answer, "torrent");
  fmt::print("updated torrent {}: {}\n", cell(member(t, "id")), cell(member(t, "name")));
}

void run_delete(const ApiArgs& a, const CatalogArgs& c) {
  check_id(a, c.id);
  if (!c.yes) usage_failed(a, fmt::format("deleting torrent {} cannot be undone: add --yes", c.id));
  Api api(a, Api::Key::required);
  api.call("DELETE", fmt::format("/api/v1/torrents/{}", c.id));
  if (a.json) return print_json({{"deleted", c.id}});
  fmt::print("deleted torrent {}\n", c.id);
}

void run_download(const ApiArgs& a, const CatalogArgs& c) {
  check_id(a, c.id);
  Api api(a, Api::Key::optional);
  const std::string path = fmt::format("/api/v1/torrents/{}/download", c.id);
  const auto r = api.send("GET", path, "", "", "application/x-bittorrent, application/json", kMaxDownloadBody);
  std::string bytes;
  std::string filename;
  if (r.content_type.starts_with("application/x-bittorrent")) {
    bytes = r.body;
  } else {
    const json j = api.parse_answer(r, path);
    const json& b64 = member(j, "torrent");
    std::optional<std::string> decoded;
    if (b64.is_string()) decoded = shoal::base64_decode(b64.get<std::string>());
    if (!decoded) command_failed(kTrackerCommand, a.json, "bad_response", "the download answer has no .torrent", 1);
    bytes = std::move(*decoded);
    if (member(j, "filename").is_string()) filename = member(j, "filename").get<std::string>();
  }
  // What comes back must be a torrent before it is written anywhere.
  auto meta = parse_metainfo(bytes);
  if (!meta)
    command_failed(kTrackerCommand, a.json, "bad_response",
                   "the tracker's answer is not a valid .torrent: " + meta.error().message(), 1);
  std::string out = c.output;
  if (out.empty()) {
    // The server's name, reduced to a plain file name; else <id>.torrent.
    filename = std::filesystem::path(filename).filename().string();
    out = filename.empty() || filename == "." || filename == ".." ? fmt::format("{}.torrent", c.id) : filename;
  }
  auto written = peer::write_file_atomically(out, bytes, c.force);
  if (!written) command_failed(kTrackerCommand, a.json, "write_error", written.error().message, 1);
  const auto& ih = meta->info_hash();
  const std::string hash = ih.v1 ? ih.v1->hex() : (ih.v2 ? ih.v2->hex() : "");
  if (a.json) return print_json({{"id", c.id}, {"file", out}, {"bytes", bytes.size()}, {"info_hash", hash}});
  fmt::print("saved torrent {} to {} ({} bytes, info-hash {})\n", c.id, terminal_safe(out), bytes.size(), hash);
}

void run_upload(const ApiArgs& a, const CatalogArgs& c) {
  // Checked here first: junk is refused without a network call.
  auto meta = load_torrent_file(c.file);
  if (!meta) command_failed(kTrackerCommand, a.json, "invalid_torrent", meta.error(), 1);
  auto bytes = read_binary_file(c.file);
  if (!bytes) command_failed(kTrackerCommand, a.json, "invalid_torrent", bytes.error(), 1);
  std::string target = "/api/v1/torrents";
  std::string sep = "?";
  auto add = [&](const char* name, const std::string& value) {
    target += sep + name + "=" + query_escape(value);
    sep = "&";
  };
  if (c.edit_category) add("category", std::to_string(*c.edit_category));
  if (c.tags) add("tags", *c.tags);
  if (c.description) add("description", *c.description);
  Api api(a, Api::Key::required);
  const auto r = api.send("POST", target, "application/x-bittorrent", std::move(*bytes));
  const json answer = api.parse_answer(r, target);
  if (a.json) return print_json(answer);
  const json& t = member(answer, "torrent");
  const bool created = member(answer, "created") == true;
  fmt::print("{} torrent {}: {}\n", created ? "uploaded" : "already in the catalog as", cell(member(t, "id")),
             cell(member(t, "name")));
  print_fields({{"magnet", cell(member(t, "magnet"))}});
}

void run_ingest(const ApiArgs& a, const CatalogArgs& c) {
  std::string text;
  if (c.file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    auto t = read_binary_file(c.file);
    if (!t) command_failed(kTrackerCommand, a.json, "invalid_input", t.error(), 1);
    text = std::move(*t);
  }
  const std::string source = c.file == "-" ? "standard input" : c.file;
  if (text.size() > kMaxIngestFile) command_failed(kTrackerCommand, a.json, "invalid_input", source + ": too large", 1);
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) command_failed(kTrackerCommand, a.json, "invalid_input", source + ": not JSON", 1);
  const json items = doc.is_array() ? doc : member(doc, "items");
  if (!items.is_array() || items.empty())
    command_failed(kTrackerCommand, a.json, "invalid_input",
                   source + ": expected {\"items\": [...]} or an array of items, with at least one", 1);
  Api api(a, Api::Key::required);
  json results = json::array();
  std::int64_t created = 0;
  std::int64_t existing = 0;
  std::int64_t failed = 0;
  std::vector<std::size_t> sizes;
  sizes.reserve(items.size());
  for (const auto& item : items) sizes.push_back(item.dump(-1, ' ', false, json::error_handler_t::replace).size());
  for (const auto& [start, end] : ingest_batches(sizes, kIngestBatch, kIngestBatchBytes)) {
    json batch = json::array();
    for (std::size_t i = start; i < end; ++i) batch.push_back(items[i]);
    const json answer = api.call("POST", "/api/v1/ingest", json{{"items", std::move(batch)}});
    for (auto r : member(answer, "results")) {
      if (member(r, "index").is_number_unsigned()) r["index"] = start + member(r, "index").get<std::size_t>();
      const json& status = member(r, "status");
      if (status == "created") ++created;
      else if (status == "exists") ++existing;
      else ++failed;
      if (!a.json) {
        const std::size_t index = member(r, "index").is_number_unsigned() ? member(r, "index").get<std::size_t>() : 0;
        const std::string name = index < items.size() ? cell(member(items[index], "name")) : "-";
        const json& error = member(r, "error");
        const json& message = error.is_object() ? member(error, "message") : error;
        if (status == "error")
          fmt::print("#{} {}: error: {}\n", index, name, cell(message));
        else
          fmt::print("#{} {}: {} (id {})\n", index, name, cell(status), cell(member(r, "id")));
      }
      results.push_back(std::move(r));
    }
  }
  if (a.json)
    print_json({{"results", results}, {"created", created}, {"existing", existing}, {"failed", failed}});
  else
    fmt::print("{} items: {} created, {} already known, {} failed\n", items.size(), created, existing, failed);
  if (failed > 0) throw CLI::RuntimeError(1);
}

}  // namespace

void register_tracker_catalog(CLI::App& cmd, std::shared_ptr<ApiArgs> args) {
  auto c = std::make_shared<CatalogArgs>();
  auto browse_options = [&c](CLI::App* s) {
    s->add_option("--category", c->category, "Torznab category ids, comma-separated (a parent includes its children)");
    s->add_option("--limit", c->limit, "At most this many (1-100)")->check(CLI::Range(1, 100));
    s->add_option("--offset", c->offset, "Skip this many")->check(CLI::Range(0, 10000));
  };
  CLI::App* s = sub(&cmd, "search", "Search the torrent catalog");
  s->add_option("query", c->query, "Words to look for (a trailing * matches a prefix); none lists all");
  browse_options(s);
  s->add_option("--sort", c->sort, "relevance, newest, size or name")
      ->check(CLI::IsMember({"relevance", "newest", "size", "name"}));
  s->callback([args, c] { run_search(*args, *c); });

  auto* torrents = sub(&cmd, "torrents", "The catalog's torrents: latest, show, edit, delete, download");
  torrents->require_subcommand(1, 1);
  s = sub(torrents, "latest", "The newest torrents");
  browse_options(s);
  s->callback([args, c] { run_latest(*args, *c); });
  auto id_arg = [&c](CLI::App* t) { t->add_option("id", c->id, "Torrent id")->required(); };
  s = sub(torrents, "show", "One torrent: details, files and magnet");
  id_arg(s);
  s->callback([args, c] { run_show(*args, *c); });
  s = sub(torrents, "edit", "Change a torrent's name, category, tags or description (uploader or admin)");
  id_arg(s);
  s->add_option("--name", c->name, "New name");
  s->add_option("--category", c->edit_category, "New Torznab category id");
  s->add_option("--tags", c->tags, "New tags, comma-separated (replaces the old ones; \"\" clears)");
  s->add_option("--description", c->description, "New description");
  s->callback([args, c] { run_edit(*args, *c); });
  s = sub(torrents, "delete", "Remove a torrent from the catalog (uploader or admin)");
  id_arg(s);
  s->add_flag("--yes", c->yes)->description("Confirm the deletion");
  s->callback([args, c] { run_delete(*args, *c); });
  s = sub(torrents, "download", "Save a torrent's .torrent file");
  id_arg(s);
  s->add_option("-o,--output", c->output, "Where to write it (default: the server's file name, else ID.torrent)");
  s->add_flag("--force", c->force)->description("Replace an existing file");
  s->callback([args, c] { run_download(*args, *c); });

  s = sub(&cmd, "upload", "Add a .torrent file to the catalog");
  s->add_option("file", c->file, ".torrent file")->required();
  s->add_option("--category", c->edit_category, "Torznab category id");
  s->add_option("--tags", c->tags, "Tags, comma-separated");
  s->add_option("--description", c->description, "Description");
  s->callback([args, c] { run_upload(*args, *c); });

  s = sub(&cmd, "ingest", "Add catalog entries in bulk from a JSON file ({\"items\":[...]}, or - for stdin)");
  s->add_option("file", c->file, "JSON file, or - for standard input")->required();
  s->callback([args, c] { run_ingest(*args, *c); });
}

}  // namespace shoal::cli
