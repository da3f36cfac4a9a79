#include "shoal/peer/control_api.hpp"

#include <charconv>

#include "shoal/proto/encoding.hpp"
#include "shoal/server/multipart.hpp"

namespace shoal::peer {

using json = nlohmann::json;
using server::ApiAuth;
using server::ApiCall;
using server::ApiReply;
using server::ApiRoute;
using server::Scope;

namespace {

constexpr std::size_t kMaxAddBody = 16 * 1024 * 1024;  // a .torrent or a form with several
constexpr std::string_view kTorrentType = "application/x-bittorrent";
constexpr std::string_view kMultipartType = "multipart/form-data";

ApiReply ok() { return ApiReply::json(200, {{"ok", true}}); }

template <class T>
ApiReply answer(const DaemonResult<T>& r) {
  if (!r) return daemon_error_reply(r.error());
  if constexpr (std::is_same_v<T, void>) return ok();
  else return ApiReply::json(200, *r);
}

ApiReply bad(std::string code, std::string message) { return ApiReply::error(422, code, message); }

/// Reads an optional member of the JSON body with a type check; an error reply when it has the
/// wrong type.
struct Body {
  const json& j;
  std::optional<ApiReply> error;

  bool has(const char* key) const { return j.is_object() && j.contains(key) && !j[key].is_null(); }
  void fail(const char* key, const char* want) {
    if (!error) error = bad("bad_field", std::string(key) + " must be " + want);
  }
  std::optional<std::string> str(const char* key) {
    if (!has(key)) return std::nullopt;
    if (!j[key].is_string()) return fail(key, "a string"), std::nullopt;
    return j[key].get<std::string>();
  }
  std::optional<bool> boolean(const char* key) {
    if (!has(key)) return std::nullopt;
    if (!j[key].is_boolean()) return fail(key, "true or false"), std::nullopt;
    return j[key].get<bool>();
  }
  std::optional<int> integer(const char* key, std::int64_t lo, std::int64_t hi) {
    if (!has(key)) return std::nullopt;
    if (!j[key].is_number_integer() || j[key].get<std::int64_t>() < lo || j[key].get<std::int64_t>() > hi)
      return fail(key, "an integer in range"), std::nullopt;
    return static_cast<int>(j[key].get<std::int64_t>());
  }
  std::optional<std::vector<std::string>> strings(const char* key) {
    if (!has(key)) return std::nullopt;
    if (!j[key].is_array()) return fail(key, "an array of strings"), std::nullopt;
    std::vector<std::string> out;
    for (const auto& v : j[key]) {
      if (!v.is_string()) return fail(key, "an array of strings"), std::nullopt;
      out.push_back(v.get<std::string>());
    }
    return out;
  }
};

std::vector<std::string> split_tags(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    std::string_view t = text.substr(0, comma);
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    if (!t.empty()) out.emplace_back(t);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::optional<int> parse_int(std::string_view text) {
  int v = 0;
  auto [p, e] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (e != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

bool truthy(std::string_view v) { return v == "true" || v == "1" || v == "yes"; }

/// Options of a raw or form add, from named text values (query or form fields; qBittorrent's
/// names accepted beside ours).
std::optional<ApiReply> read_add_options(AddRequest& r, const std::function<std::optional<std::string>(std::string_view)>& get) {
  auto first = [&](std::initializer_list<std::string_view> names) -> std::optional<std::string> {
    for (auto n : names)
      if (auto v = get(n)) return v;
    return std::nullopt;
  };
  if (auto v = first({"save_path", "savepath"})) r.save_path = *v;
  if (auto v = first({"category"})) r.category = *v;
  if (auto v = first({"tags"})) r.tags = split_tags(*v);
  if (auto v = first({"paused", "stopped"})) r.paused = truthy(*v);
  if (auto v = first({"sequential", "sequentialDownload"})) r.sequential = truthy(*v);
  struct LimitField {
    std::string_view name, qbittorrent_name;
    int* out;
  };
  for (const LimitField& f : {LimitField{"download_limit", "dlLimit", &r.download_limit},
                              LimitField{"upload_limit", "upLimit", &r.upload_limit}}) {
    int* out = f.out;
    if (auto v = first({f.name, f.qbittorrent_name})) {
      auto n = parse_int(*v);
      if (!n || *n < 0) return bad("bad_limit", "rate limits are integers >= 0 (bytes/s)");
      *out = *n;
    }
  }
  return std::nullopt;
}

ApiReply add_route(PeerDaemon& d, ApiCall& call) {
  std::vector<AddRequest> requests;
  if (call.json.is_object()) {
    AddRequest r;
    Body b{call.json, std::nullopt};
    r.magnet = b.str("magnet").value_or("");
    r.url = b.str("url").value_or("");
    if (auto t = b.str("torrent")) {
      auto bytes = base64_decode(*t);
      if (!bytes) return bad("bad_torrent", "torrent must be the .torrent file in base64");
      r.torrent_bytes = std::move(*bytes);
    }
    r.save_path = b.str("save_path").value_or("");
    r.category = b.str("category").value_or("");
    r.tags = b.strings("tags").value_or(std::vector<std::string>{});
    r.paused = b.boolean("paused").value_or(false);
    r.sequential = b.boolean("sequential").value_or(false);
    r.download_limit = b.integer("download_limit", 0, INT32_MAX).value_or(0);
    r.upload_limit = b.integer("upload_limit", 0, INT32_MAX).value_or(0);
    if (b.error) return *b.error;
    requests.push_back(std::move(r));
  } else if (server::media_type_is(call.content_type, kTorrentType)) {
    AddRequest r;
    r.torrent_bytes = call.body;
    if (auto e = read_add_options(r, [&](std::string_view n) { return call.query_param(n); })) return *e;
    requests.push_back(std::move(r));
  } else if (server::media_type_is(call.content_type, kMultipartType)) {
    auto boundary = server::multipart_boundary(call.content_type);
    if (!boundary) return ApiReply::error(400, "invalid_multipart", "the Content-Type has no valid boundary");
    auto parts = server::parse_multipart_form_data(call.body, *boundary);
    if (!parts) return ApiReply::error(400, "invalid_multipart", parts.error());
    AddRequest options;
    if (auto e = read_add_options(options, [&](std::string_view n) -> std::optional<std::string> {
          const auto* p = server::find_part(*parts, n);
          if (!p || p->filename) return std::nullopt;
          return std::string(p->body);
        }))
      return *e;
    for (const auto& p : *parts) {
      if (p.name == "torrents" || p.name == "torrent") {
        AddRequest r = options;
        r.torrent_bytes = std::string(p.body);
        requests.push_back(std::move(r));
      } else if (p.name == "urls") {
        std::string_view text = p.body;
        while (!text.empty()) {
          const auto nl = text.find('\n');
          std::string_view line = text.substr(0, nl);
          while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
          if (!line.empty()) {
            AddRequest r = options;
            r.url = std::string(line);
            requests.push_back(std::move(r));
          }
          if (nl == std::string_view::npos) break;
          text.remove_prefix(nl + 1);
        }
      }
    }
  } else {
    return ApiReply::error(400, "empty_body", "send a JSON object, a .torrent file or a form");
  }
  if (requests.empty()) return bad("nothing_to_add", "give a magnet, a URL or a .torrent file");

  json added = json::array();
  json failed = json::array();
  std::optional<DaemonError> only_error;
  for (auto& r : requests) {
    auto id = d.add(std::move(r));
    if (id) added.push_back(*id);
    else {
      failed.push_back({{"code", id.error().code}, {"message", id.error().message}});
      only_error = id.error();
    }
  }
  if (requests.size() == 1 && only_error) return daemon_error_reply(*only_error);
  if (added.empty() && only_error) return daemon_error_reply(*only_error);
  return ApiReply::json(201, {{"added", added}, {"failed", failed}});
}

std::optional<int> parse_priority(const json& v) {
  if (v.is_number_integer()) {
    const auto n = v.get<std::int64_t>();
    return n >= 0 && n <= 7 ? std::optional<int>(static_cast<int>(n)) : std::nullopt;
  }
  if (!v.is_string()) return std::nullopt;
  const auto s = v.get<std::string>();
  if (s == "skip") return 0;
  if (s == "low") return 1;
  if (s == "normal") return 4;
  if (s == "high") return 7;
  return std::nullopt;
}

json limits_json(const LimitsView& v) {
  static constexpr std::array<const char*, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  json days = json::array();
  for (std::size_t i = 0; i < 7; ++i)
    if (v.limits.schedule.days[i]) days.push_back(kDays[i]);
  auto clock = [](int m) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02d:%02d", m / 60, m % 60);
    return std::string(buf);
  };
  return {{"download", v.limits.download},
          {"upload", v.limits.upload},
          {"alt_download", v.limits.alt_download},
          {"alt_upload", v.limits.alt_upload},
          {"alt_enabled", v.limits.alt_enabled},
          {"schedule",
           {{"enabled", v.limits.schedule.enabled},
            {"days", days},
            {"from", clock(v.limits.schedule.from_minute)},
            {"to", clock(v.limits.schedule.to_minute)}}},
          {"alt_active", v.alt_active},
          {"effective", {{"download", v.effective.download}, {"upload", v.effective.upload}}}};
}

std::optional<int> parse_clock_text(const std::string& s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  auto h = parse_int(s.substr(0, 2)), m = parse_int(s.substr(3, 2));
  if (!h || !m || *h < 0 || *h > 23 || *m < 0 || *m > 59) return std::nullopt;
  return *h * 60 + *m;
}

}  // namespace

ApiReply daemon_error_reply(const DaemonError& e) {
  unsigned status = 500;
  switch (e.kind) {
    case DaemonError::Kind::invalid: status = 422; break;
    case DaemonError::Kind::not_found: status = 404; break;
    case DaemonError::Kind::conflict: status = 409; break;
    case DaemonError::Kind::unavailable: status = 502; break;
    case DaemonError::Kind::internal: status = 500; break;
  }
  return ApiReply::error(status, e.code, e.message);
}

void register_control_routes(server::ApiRouter& router, PeerDaemon& d) {
  const ApiAuth read = ApiAuth::with_scope(Scope::read);
  const ApiAuth write = ApiAuth::with_scope(Scope::write);
  auto add = [&](std::string method, std::string pattern, ApiAuth auth, std::string summary, server::ApiHandler h) {
    ApiRoute r;
    r.method = std::move(method);
    r.pattern = std::move(pattern);
    r.auth = auth;
    r.summary = std::move(summary);
    r.tag = "peer";
    r.handler = std::move(h);
    router.add(std::move(r));
  };
  PeerDaemon* dp = &d;

  add("GET", "/api/v1/torrents", read, "Every torrent (filter: category, state)", [dp](ApiCall& c) {
    return ApiReply::json(200, {{"torrents", dp->list(c.query_param("category").value_or(""), c.query_param("state").value_or(""))}});
  });
  add("GET", "/api/v1/sync", read, "What changed since a revision (?since=; 0 or absent: everything)", [dp](ApiCall& c) {
    std::uint64_t since = 0;
    if (auto s = c.query_param("since"); s && !s->empty()) {
      auto [p, e] = std::from_chars(s->data(), s->data() + s->size(), since);
      if (e != std::errc() || p != s->data() + s->size()) return bad("bad_revision", "since is a revision number");
    }
    return ApiReply::json(200, dp->sync(since));
  });
  {
    ApiRoute r;
    r.method = "POST";
    r.pattern = "/api/v1/torrents";
    r.auth = write;
    r.summary = "Add torrents: JSON {magnet|url|torrent}, a raw .torrent, or a multipart form";
    r.tag = "peer";
    r.success_status = 201;
    r.max_body_bytes = kMaxAddBody;
    r.raw_body_types = {std::string(kTorrentType), std::string(kMultipartType)};
    r.large_json_body = true;  // {"torrent": base64} of a real .torrent is far over 16 KiB
    r.handler = [dp](ApiCall& c) { return add_route(*dp, c); };
    router.add(std::move(r));
  }
  add("POST", "/api/v1/torrents/create", write, "Create a torrent from a local path and seed it", [dp](ApiCall& c) {
    Body b{c.json, std::nullopt};
    CreateSeedRequest r;
    r.path = b.str("path").value_or("");
    r.trackers = b.strings("trackers").value_or(std::vector<std::string>{});
    r.format = b.str("format").value_or("hybrid");
    r.is_private = b.boolean("private").value_or(false);
    r.comment = b.str("comment").value_or("");
    r.category = b.str("category").value_or("");
    r.tags = b.strings("tags").value_or(std::vector<std::string>{});
    if (auto pl = b.integer("piece_length", 0, 1 << 28)) r.piece_length = *pl;
    if (b.error) return *b.error;
    auto made = dp->create_and_seed(r);
    if (!made) return daemon_error_reply(made.error());
    return ApiReply::json(201, {{"id", made->id}, {"magnet", made->magnet}, {"torrent", base64_encode(made->torrent_bytes)}});
  });
  add("GET", "/api/v1/torrents/{id}", read, "One torrent", [dp](ApiCall& c) { return answer(dp->torrent(c.params["id"])); });
  add("PATCH", "/api/v1/torrents/{id}", write, "Change category, tags, sequential, limits, save path", [dp](ApiCall& c) {
    Body b{c.json, std::nullopt};
    TorrentChanges ch;
    ch.category = b.str("category");
    ch.tags = b.strings("tags");
    ch.sequential = b.boolean("sequential");
    ch.download_limit = b.integer("download_limit", 0, INT32_MAX);
    ch.upload_limit = b.integer("upload_limit", 0, INT32_MAX);
    ch.save_path = b.str("save_path");
    if (b.error) return *b.error;
    return answer(dp->change(c.params["id"], ch));
  });
  add("DELETE", "/api/v1/torrents/{id}", write, "Remove (?delete_data=true also deletes the files)", [dp](ApiCall& c) {
    const auto v = c.query_param("delete_data").value_or("false");
    if (v != "true" && v != "false" && v != "1" && v != "0") return bad("bad_field", "delete_data is true or false");
    return answer(dp->remove(c.params["id"], truthy(v)));
  });
  add("POST", "/api/v1/torrents/{id}/pause", write, "Pause", [dp](ApiCall& c) { return answer(dp->pause(c.params["id"])); });
  add("POST", "/api/v1/torrents/{id}/resume", write, "Resume", [dp](ApiCall& c) { return answer(dp->resume(c.params["id"])); });
  add("POST", "/api/v1/torrents/{id}/recheck", write, "Check the data again", [dp](ApiCall& c) { return answer(dp->recheck(c.params["id"])); });
  add("POST", "/api/v1/torrents/{id}/reannounce", write, "Announce to every tracker now",
      [dp](ApiCall& c) { return answer(dp->reannounce(c.params["id"])); });
  add("POST", "/api/v1/torrents/{id}/queue", write, "Move in the queue: {\"move\": up|down|top|bottom}", [dp](ApiCall& c) {
    Body b{c.json, std::nullopt};
    const auto m = b.str("move");
    if (b.error) return *b.error;
    std::optional<QueueMove> move;
    if (m == "up") move = QueueMove::up;
    else if (m == "down") move = QueueMove::down;
    else if (m == "top") move = QueueMove::top;
    else if (m == "bottom") move = QueueMove::bottom;
    if (!move) return bad("bad_field", "move is up, down, top or bottom");
    return answer(dp->queue_move(c.params["id"], *move));
  });
  add("GET", "/api/v1/torrents/{id}/files", read, "Files with progress and priority",
      [dp](ApiCall& c) { return answer(dp->files(c.params["id"])); });
  add("PATCH", "/api/v1/torrents/{id}/files", write, "Set file priorities (skip, low, normal, high or 0-7)", [dp](ApiCall& c) {
    if (!c.json.is_object() || !c.json.contains("priorities") || !c.json["priorities"].is_array())
      return bad("bad_field", "priorities must be an array of {index, priority}");
    std::map<int, int> set;
    for (const auto& p : c.json["priorities"]) {
      if (!p.is_object() || !p.contains("index") || !p["index"].is_number_integer() || !p.contains("priority"))
        return bad("bad_field", "each priority is {\"index\": n, \"priority\": \"skip\"|\"low\"|\"normal\"|\"high\"|0-7}");
      const auto prio = parse_priority(p["priority"]);
      if (!prio) return bad("bad_priority", "a priority is skip, low, normal, high or 0-7");
      const auto index = p["index"].get<std::int64_t>();
      if (index < 0 || index > INT32_MAX) return bad("bad_file_index", "no such file index");
      set[static_cast<int>(index)] = *prio;
    }
    return answer(dp->set_file_priorities(c.params["id"], set));
  });
  add("GET", "/api/v1/torrents/{id}/peers", read, "Connected peers", [dp](ApiCall& c) { return answer(dp->peers(c.params["id"])); });
  add("GET", "/api/v1/torrents/{id}/trackers", read, "Trackers and their status",
      [dp](ApiCall& c) { return answer(dp->trackers(c.params["id"])); });

  add("GET", "/api/v1/limits", read, "Global rate limits (normal, alternative, schedule)",
      [dp](ApiCall&) { return ApiReply::json(200, limits_json(dp->limits())); });
  add("PUT", "/api/v1/limits", write, "Change global rate limits (fields not given keep their value)", [dp](ApiCall& c) {
    Body b{c.json, std::nullopt};
    DaemonLimits l = dp->limits().limits;
    l.download = b.integer("download", 0, INT32_MAX).value_or(l.download);
    l.upload = b.integer("upload", 0, INT32_MAX).value_or(l.upload);
    l.alt_download = b.integer("alt_download", 0, INT32_MAX).value_or(l.alt_download);
    l.alt_upload = b.integer("alt_upload", 0, INT32_MAX).value_or(l.alt_upload);
    l.alt_enabled = b.boolean("alt_enabled").value_or(l.alt_enabled);
    if (b.error) return *b.error;
    if (b.has("schedule")) {
      const json& s = c.json["schedule"];
      if (!s.is_object()) return bad("bad_field", "schedule must be an object");
      Body sb{s, std::nullopt};
      l.schedule.enabled = sb.boolean("enabled").value_or(l.schedule.enabled);
      if (auto days = sb.strings("days")) {
        static constexpr std::array<std::string_view, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
        l.schedule.days.fill(false);
        for (const auto& day : *days) {
          auto it = std::find(kDays.begin(), kDays.end(), day);
          if (it == kDays.end()) return bad("bad_schedule", "days are mon, tue, wed, thu, fri, sat, sun");
          l.schedule.days[static_cast<std::size_t>(it - kDays.begin())] = true;
        }
      }
      for (auto [key, out] : {std::pair{"from", &l.schedule.from_minute}, std::pair{"to", &l.schedule.to_minute}}) {
        if (auto t = sb.str(key)) {
          auto m = parse_clock_text(*t);
          if (!m) return bad("bad_schedule", std::string(key) + " is a time \"HH:MM\"");
          *out = *m;
        }
      }
      if (sb.error) return *sb.error;
    }
    auto r = dp->set_limits(l);
    if (!r) return daemon_error_reply(r.error());
    return ApiReply::json(200, limits_json(*r));
  });
  add("GET", "/api/v1/queue", read, "Queue sizes", [dp](ApiCall&) {
    const auto q = dp->queue_limits();
    return ApiReply::json(200, {{"active_downloads", q.active_downloads}, {"active_seeds", q.active_seeds}, {"active_limit", q.active_limit}});
  });
  add("PUT", "/api/v1/queue", write, "Change queue sizes (-1 = unlimited)", [dp](ApiCall& c) {
    Body b{c.json, std::nullopt};
    QueueLimits q = dp->queue_limits();
    q.active_downloads = b.integer("active_downloads", -1, 100000).value_or(q.active_downloads);
    q.active_seeds = b.integer("active_seeds", -1, 100000).value_or(q.active_seeds);
    q.active_limit = b.integer("active_limit", -1, 100000).value_or(q.active_limit);
    if (b.error) return *b.error;
    auto r = dp->set_queue_limits(q);
    if (!r) return daemon_error_reply(r.error());
    return ApiReply::json(200, {{"active_downloads", q.active_downloads}, {"active_seeds", q.active_seeds}, {"active_limit", q.active_limit}});
  });
  add("GET", "/api/v1/stats", read, "Node totals", [dp](ApiCall&) { return ApiReply::json(200, dp->stats()); });
  add("GET", "/api/v1/activity", read, "Maintenance actions and hook runs, newest last",
      [dp](ApiCall&) { return ApiReply::json(200, dp->activity()); });
  add("GET", "/api/v1/categories", read, "Categories from the config",
      [dp](ApiCall&) { return ApiReply::json(200, {{"categories", dp->categories()}}); });
  add("GET", "/api/v1/openapi.json", ApiAuth::none(), "This description", [&router](ApiCall&) {
    return ApiReply::json(200, router.openapi("shoal-peer control API", "1"));
  });
}

}  // namespace shoal::peer
