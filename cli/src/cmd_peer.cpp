// shoal peer ...: the command line for a shoal-peer node's control API (docs/peer.md).
//
//   shoal peer add <magnet|file.torrent|URL>... [--save-path P] [--category C] [--tags a,b] [--paused]
//   shoal peer list [--category C] [--state S]
//   shoal peer pause|resume|recheck|reannounce <id>...
//   shoal peer remove <id>... [--delete-data]
//   shoal peer files <id> [--skip 1,2] [--normal 3] [--high 0]
//   shoal peer limits [--download N] [--upload N] [--alt-download N] [--alt-upload N] [--alt on|off]
//   shoal peer watch [--interval S] [--count N]
//
// Where the node is and which key to send, for each separately: --url / --key flags, then
// SHOAL_PEER_URL / SHOAL_PEER_KEY, then the node's config file (--config FILE: its api.listen and
// the key file `<state_dir>/api_key` the node writes on first start), then
// http://127.0.0.1:9091. An <id> is a torrent's 40-hex id, a unique prefix of it (6+ characters)
// or its exact name.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "progress_bar.hpp"
#include "shoal/peer/daemon_config.hpp"
#include "shoal/proto/api_transfers.hpp"
#include "shoal/proto/encoding.hpp"
#include "tracker_api_config.hpp"
#include "tracker_api_session.hpp"

namespace shoal::cli {

namespace {

using nlohmann::json;
constexpr std::string_view kCommand = "peer";
constexpr std::string_view kDefaultPeerUrl = "http://127.0.0.1:9091";

struct PeerArgs {
  ApiArgs api;
  std::string config;
  std::string key_file;
};

[[noreturn]] void peer_usage(const PeerArgs& a, const std::string& message) {
  command_failed(kCommand, a.api.json, "usage", message, 2);
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

/// The URL and key by the precedence in the header comment.
Credentials peer_credentials(const PeerArgs& a) {
  Credentials c;
  std::optional<shoal::peer::DaemonConfig> config;
  if (!a.config.empty()) {
    auto loaded = shoal::peer::load_daemon_config(a.config);
    if (!loaded) command_failed(kCommand, a.api.json, "config_error", loaded.error(), 1);
    config = std::move(*loaded);
  }
  if (!a.api.url.empty()) {
    c.url = a.api.url;
    c.url_source = "--url";
  } else if (auto e = env("SHOAL_PEER_URL"); e && !e->empty()) {
    c.url = *e;
    c.url_source = "SHOAL_PEER_URL";
  } else if (config) {
    std::string host = config->api_listen;
    // a wildcard listener is reached on loopback
    if (host.starts_with("0.0.0.0:")) host = "127.0.0.1:" + host.substr(8);
    if (host.starts_with("[::]:")) host = "[::1]:" + host.substr(5);
    c.url = "http://" + host;
    c.url_source = a.config;
  } else {
    c.url = std::string(kDefaultPeerUrl);
    c.url_source = "default";
  }
  auto normalized = normalize_tracker_url(c.url);
  if (!normalized) peer_usage(a, c.url_source + ": " + normalized.error());
  c.url = *normalized;

  std::string key_file = a.key_file;
  if (key_file.empty())
    if (auto e = env("SHOAL_PEER_KEY_FILE"); e && !e->empty()) key_file = *e;
  if (key_file.empty() && config) key_file = (config->state_dir / "api_key").string();
  if (!a.api.key.empty()) {
    c.key = a.api.key;
    c.key_source = "--key";
  } else if (auto e = env("SHOAL_PEER_KEY"); e && !e->empty()) {
    c.key = *e;
    c.key_source = "SHOAL_PEER_KEY";
  } else if (!key_file.empty()) {
    auto text = read_binary_file(key_file);
    if (!text) command_failed(kCommand, a.api.json, "config_error", text.error(), 1);
    c.key = trim(*text);
    c.key_source = key_file;
  }
  if (c.key.empty())
    peer_usage(a, "no API key: give --key, set SHOAL_PEER_KEY, or --config/--key-file (the node writes "
                  "<state_dir>/api_key on first start)");
  return c;
}

std::string rate_text(const json& v) {
  if (!v.is_number()) return "-";
  const double r = v.get<double>();
  return r <= 0 ? "0" : format_bytes(r) + "/s";
}

std::string eta_text(const json& v) {
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0) return "-";
  if (v.get<std::int64_t>() == 0) return "done";
  return format_duration(static_cast<double>(v.get<std::int64_t>()));
}

std::string progress_text(const json& v) {
  if (!v.is_number()) return "-";
  return fmt::format("{:.1f}%", v.get<double>() * 100.0);
}

std::string ratio_text(const json& v) {
  if (!v.is_number() || v.get<double>() < 0) return "-";
  return fmt::format("{:.2f}", v.get<double>());
}

std::vector<std::string> torrent_row(const api::TransferView& t) {
  return {t.id.substr(0, 8),
          t.name.empty() ? "(magnet)" : t.name,
          t.state,
          progress_text(t.progress),
          bytes_cell(t.size),
          rate_text(t.download_rate),
          rate_text(t.upload_rate),
          eta_text(t.eta),
          ratio_text(t.ratio),
          fmt::format("{}/{}", t.seeds, t.peers),
          t.category};
}

/// A node's answer as its message type (api_transfers.hpp), or a clear failure: a node of
/// another version or a proxy's page is named, not shown as empty cells.
template <class T>
T read_answer(expected<T, Error> v, const PeerArgs& a) {
  if (!v) command_failed(kCommand, a.api.json, "bad_response", "the node's answer does not read: " + v.error().message(), 1);
  return std::move(*v);
}

const std::vector<std::string> kTorrentHead = {"ID", "NAME", "STATE", "DONE", "SIZE", "DOWN", "UP", "ETA", "RATIO", "SEEDS/PEERS", "CATEGORY"};

/// The ids `args` name: 40/64-hex ids as they are; other text as a unique id prefix (6+) or an
/// exact name, looked up in the node's list.
std::vector<std::string> resolve_ids(Api& api, const PeerArgs& a, const std::vector<std::string>& args) {
  std::vector<std::string> out;
  json list;
  for (const auto& arg : args) {
    const bool hex = !arg.empty() && arg.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
    if (hex && (arg.size() == 40 || arg.size() == 64)) {
      out.push_back(arg);
      continue;
    }
    if (list.is_null()) list = api.call("GET", "/api/v1/torrents")["torrents"];
    std::vector<std::string> found;
    for (const auto& t : list) {
      const std::string id = t.value("id", ""), name = t.value("name", "");
      if ((hex && arg.size() >= 6 && id.starts_with(arg)) || name == arg) found.push_back(id);
    }
    if (found.size() != 1)
      command_failed(kCommand, a.api.json, found.empty() ? "not_found" : "ambiguous",
                     found.empty() ? "no torrent matches '" + arg + "' (give an id, a 6+ character id prefix or a name)"
                                   : "'" + arg + "' matches " + std::to_string(found.size()) + " torrents: give more of the id",
                     1);
    out.push_back(found[0]);
  }
  return out;
}

/// "1,2,5" -> {1, 2, 5}.
std::vector<int> index_list(const PeerArgs& a, const std::string& text) {
  std::vector<int> out;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    try {
      std::size_t used = 0;
      const int v = std::stoi(part, &used);
      if (used != part.size() || v < 0) throw std::invalid_argument(part);
      out.push_back(v);
    } catch (const std::exception&) {
      peer_usage(a, "file indexes are numbers separated by commas: '" + text + "'");
    }
  }
  return out;
}

void print_limits(const json& l) {
  auto limit = [](const json& v) { return v.is_number() && v.get<std::int64_t>() > 0 ? format_bytes(v.get<double>()) + "/s" : "unlimited"; };
  print_fields({{"download", limit(member(l, "download"))},
                {"upload", limit(member(l, "upload"))},
                {"alt download", limit(member(l, "alt_download"))},
                {"alt upload", limit(member(l, "alt_upload"))},
                {"alt limits", member(l, "alt_active").is_boolean() && l["alt_active"].get<bool>() ? "on now" : "off now"},
                {"in effect", limit(member(member(l, "effective"), "download")) + " down, " +
                                  limit(member(member(l, "effective"), "upload")) + " up"}});
}

}  // namespace

void register_peer(CLI::App& app) {
  auto* cmd = app.add_subcommand(std::string(kCommand), "drive a shoal-peer node over its control API");
  cmd->require_subcommand(1);
  auto a = std::make_shared<PeerArgs>();
  cmd->add_option("--url", a->api.url, "the node's base URL (default: SHOAL_PEER_URL, --config, http://127.0.0.1:9091)");
  cmd->add_option("--key", a->api.key, "API key (default: SHOAL_PEER_KEY, --key-file, --config)");
  cmd->add_option("--key-file", a->key_file, "file holding the API key (default: SHOAL_PEER_KEY_FILE)");
  cmd->add_option("-c,--config", a->config, "the node's config file: its API address and key file");
  cmd->add_flag("--json")->description("print the API's JSON")->each([a](const std::string&) { a->api.json = true; });
  cmd->add_option("--timeout", a->api.timeout_seconds, "seconds per call")->capture_default_str();
  cmd->add_flag("--insecure")->description("https: do not verify the certificate")->each([a](const std::string&) { a->api.insecure = true; });

  // ---- add ----
  struct AddOptions {
    std::vector<std::string> sources;
    std::string save_path, category, tags;
    bool paused = false, sequential = false;
  };
  auto add = std::make_shared<AddOptions>();
  auto* add_cmd = sub(cmd, "add", "add torrents: magnet links, .torrent files or http(s) URLs");
  add_cmd->add_option("source", add->sources, "magnet link, .torrent file or URL")->required();
  add_cmd->add_option("--save-path", add->save_path, "where the data goes (inside the node's save roots)");
  add_cmd->add_option("--category", add->category, "a category from the node's config");
  add_cmd->add_option("--tags", add->tags, "comma-separated tags");
  add_cmd->add_flag("--paused")->description("add without starting")->each([add](const std::string&) { add->paused = true; });
  add_cmd->add_flag("--sequential")->description("download pieces in order")->each([add](const std::string&) { add->sequential = true; });
  add_cmd->callback([a, add] {
    Api api(a->api, peer_credentials(*a), kCommand);
    json tags = json::array();
    std::stringstream in(add->tags);
    for (std::string t; std::getline(in, t, ',');)
      if (!t.empty()) tags.push_back(t);
    json added = json::array();
    for (const auto& src : add->sources) {
      json body = {{"paused", add->paused}, {"sequential", add->sequential}, {"tags", tags}};
      if (!add->save_path.empty()) body["save_path"] = add->save_path;
      if (!add->category.empty()) body["category"] = add->category;
      if (src.starts_with("magnet:")) body["magnet"] = src;
      else if (src.starts_with("http://") || src.starts_with("https://")) body["url"] = src;
      else {
        auto bytes = read_binary_file(src);
        if (!bytes) command_failed(kCommand, a->api.json, "read_error", bytes.error(), 1);
        body["torrent"] = base64_encode(*bytes);
      }
      json r = api.call("POST", "/api/v1/torrents", body);
      for (const auto& id : member(r, "added")) {
        added.push_back(id);
        if (!a->api.json) std::cout << "added " << cell(id) << "\n";
      }
    }
    if (a->api.json) print_json({{"added", added}});
  });

  // ---- list ----
  auto list_filter = std::make_shared<std::pair<std::string, std::string>>();
  auto* list_cmd = sub(cmd, "list", "the node's torrents");
  list_cmd->add_option("--category", list_filter->first, "only this category");
  list_cmd->add_option("--state", list_filter->second, "only this state (downloading, seeding, paused, ...)");
  list_cmd->callback([a, list_filter] {
    Api api(a->api, peer_credentials(*a), kCommand);
    std::string target = "/api/v1/torrents";
    std::string sep = "?";
    if (!list_filter->first.empty()) {
      target += sep + "category=" + percent_encode(list_filter->first);
      sep = "&";
    }
    if (!list_filter->second.empty()) target += sep + "state=" + percent_encode(list_filter->second);
    json r = api.call("GET", target);
    if (a->api.json) return print_json(r);
    std::vector<std::vector<std::string>> rows;
    api::FieldReader reader(r, "torrent list");
    const auto list = api::read_list<api::TransferView>(reader, "torrents", api::TransferView::from_json);
    if (!reader.ok())
      command_failed(kCommand, a->api.json, "bad_response", "the node's answer does not read: " + reader.error().message(), 1);
    for (const auto& t : list) rows.push_back(torrent_row(t));
    if (rows.empty()) std::cout << "no torrents\n";
    else print_table(kTorrentHead, rows);
  });

  // ---- per-torrent actions ----
  for (const auto& [name, path, text] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"pause", "pause", "paused"},
           {"resume", "resume", "resumed"},
           {"recheck", "recheck", "checking"},
           {"reannounce", "reannounce", "announcing"}}) {
    auto ids = std::make_shared<std::vector<std::string>>();
    auto* c = sub(cmd, name, name + " torrents");
    c->add_option("id", *ids, "torrent id, id prefix or name")->required();
    c->callback([a, ids, path = path, text = text] {
      Api api(a->api, peer_credentials(*a), kCommand);
      for (const auto& id : resolve_ids(api, *a, *ids)) {
        api.call("POST", "/api/v1/torrents/" + id + "/" + path, json::object());
        if (!a->api.json) std::cout << text << " " << id << "\n";
      }
    });
  }
  auto remove_ids = std::make_shared<std::vector<std::string>>();
  auto delete_data = std::make_shared<bool>(false);
  auto* remove_cmd = sub(cmd, "remove", "remove torrents (their data stays unless --delete-data)");
  remove_cmd->add_option("id", *remove_ids, "torrent id, id prefix or name")->required();
  remove_cmd->add_flag("--delete-data")->description("delete the downloaded files too")->each([delete_data](const std::string&) { *delete_data = true; });
  remove_cmd->callback([a, remove_ids, delete_data] {
    Api api(a->api, peer_credentials(*a), kCommand);
    for (const auto& id : resolve_ids(api, *a, *remove_ids)) {
      api.call("DELETE", "/api/v1/torrents/" + id + (*delete_data ? "?delete_data=true" : ""));
      if (!a->api.json) std::cout << "removed " << id << (*delete_data ? " and its data" : "") << "\n";
    }
  });

  // ---- files ----
  struct FileOptions {
    std::string id, skip, normal, high;
  };
  auto files = std::make_shared<FileOptions>();
  auto* files_cmd = sub(cmd, "files", "a torrent's files; --skip/--normal/--high set priorities");
  files_cmd->add_option("id", files->id, "torrent id, id prefix or name")->required();
  files_cmd->add_option("--skip", files->skip, "file indexes not to download (e.g. 1,3)");
  files_cmd->add_option("--normal", files->normal, "file indexes at normal priority");
  files_cmd->add_option("--high", files->high, "file indexes first");
  files_cmd->callback([a, files] {
    Api api(a->api, peer_credentials(*a), kCommand);
    const std::string id = resolve_ids(api, *a, {files->id})[0];
    json set = json::array();
    for (const auto& [text, priority] : {std::pair{files->skip, "skip"}, std::pair{files->normal, "normal"}, std::pair{files->high, "high"}})
      if (!text.empty())
        for (int i : index_list(*a, text)) set.push_back({{"index", i}, {"priority", priority}});
    if (!set.empty()) api.call("PATCH", "/api/v1/torrents/" + id + "/files", json{{"priorities", set}});
    json list = api.call("GET", "/api/v1/torrents/" + id + "/files");
    if (a->api.json) return print_json(list);
    std::vector<std::vector<std::string>> rows;
    for (const auto& f : list)
      rows.push_back({cell(member(f, "index")), cell(member(f, "priority")), progress_text(member(f, "progress")),
                      bytes_cell(member(f, "size")), cell(member(f, "path"))});
    print_table({"#", "PRIORITY", "DONE", "SIZE", "PATH"}, rows);
  });

  // ---- limits ----
  struct LimitOptions {
    std::optional<std::int64_t> download, upload, alt_download, alt_upload;
    std::string alt;
  };
  auto limits = std::make_shared<LimitOptions>();
  auto* limits_cmd = sub(cmd, "limits", "show or set the node's rate limits (bytes/s, 0 = unlimited)");
  limits_cmd->add_option("--download", limits->download, "download limit");
  limits_cmd->add_option("--upload", limits->upload, "upload limit");
  limits_cmd->add_option("--alt-download", limits->alt_download, "alternative download limit");
  limits_cmd->add_option("--alt-upload", limits->alt_upload, "alternative upload limit");
  limits_cmd->add_option("--alt", limits->alt, "switch the alternative limits on or off by hand")->check(CLI::IsMember({"on", "off"}));
  limits_cmd->callback([a, limits] {
    Api api(a->api, peer_credentials(*a), kCommand);
    json body = json::object();
    for (const auto& [key, v] : {std::pair{"download", limits->download}, std::pair{"upload", limits->upload},
                                 std::pair{"alt_download", limits->alt_download}, std::pair{"alt_upload", limits->alt_upload}}) {
      if (!v) continue;
      if (*v < 0 || *v > INT32_MAX) peer_usage(*a, std::string("--") + key + " is 0 (unlimited) to 2147483647 bytes/s");
      body[key] = *v;
    }
    if (!limits->alt.empty()) body["alt_enabled"] = limits->alt == "on";
    json r = body.empty() ? api.call("GET", "/api/v1/limits") : api.call("PUT", "/api/v1/limits", body);
    if (a->api.json) return print_json(r);
    print_limits(r);
  });

  // ---- watch ----
  struct WatchOptions {
    double interval = 1.0;
    int count = 0;
  };
  auto watch = std::make_shared<WatchOptions>();
  auto* watch_cmd = sub(cmd, "watch", "a live table of the node's torrents, refreshed in place (Ctrl-C ends)");
  watch_cmd->add_option("--interval", watch->interval, "seconds between refreshes")->capture_default_str();
  watch_cmd->add_option("--count", watch->count, "stop after this many refreshes (0: never)");
  watch_cmd->callback([a, watch] {
    if (!(watch->interval >= 0.1) || watch->interval > 3600) peer_usage(*a, "--interval is 0.1 to 3600 seconds");
    Api api(a->api, peer_credentials(*a), kCommand);
    install_stop_signals();
    const bool tty = ::isatty(STDOUT_FILENO) == 1;
    std::map<std::string, api::TransferView> torrents;  // kept current by delta sync
    std::uint64_t revision = 0;
    for (int n = 0; (watch->count == 0 || n < watch->count) && !stop_requested(); ++n) {
      json d = api.call("GET", "/api/v1/sync?since=" + std::to_string(revision));
      auto sync = read_answer(api::TransferSync::from_json(d), *a);
      if (sync.full) torrents.clear();
      for (auto& t : sync.torrents) torrents[t.id] = std::move(t);
      for (const auto& id : sync.removed) torrents.erase(id);
      revision = sync.revision;
      if (a->api.json) {
        print_json(d);
      } else {
        if (tty) std::cout << "\x1b[H\x1b[2J";  // home + clear: the table refreshes in place
        const api::NodeStats& g = sync.global;
        std::cout << fmt::format("{} torrents, {} peers, down {}, up {}\n\n", g.torrents, g.peers,
                                 rate_text(g.download_rate), rate_text(g.upload_rate));
        std::vector<std::vector<std::string>> rows;
        for (const auto& [id, t] : torrents) rows.push_back(torrent_row(t));
        if (rows.empty()) std::cout << "no torrents\n";
        else print_table(kTorrentHead, rows);
        if (!tty) std::cout << "\n";
        std::cout.flush();
      }
      if (watch->count != 0 && n + 1 >= watch->count) break;
      const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int>(watch->interval * 1000));
      while (std::chrono::steady_clock::now() < until && !stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

}  // namespace shoal::cli
