#include "shoal/peer/daemon_config.hpp"

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

// toml++ is a compiled library built with exceptions: parse errors are caught here and nothing
// thrown by it leaves this file.
#include <toml++/toml.h>

namespace shoal::peer {

namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kMaxRate = std::numeric_limits<int>::max();  // libtorrent takes int bytes/s
constexpr std::int64_t kMaxQueue = 100'000;
constexpr std::int64_t kMaxApiThreads = 64;

std::string where(const toml::node& node) {
  const auto& b = node.source().begin;
  return b.line ? " (line " + std::to_string(b.line) + ")" : std::string();
}

/// Reads one table strictly: every key must be taken by one of the get_* calls, finish() names
/// the others.
class TableReader {
public:
  TableReader(const toml::table* table, std::string name, std::string& error)
      : m_table(table), m_name(std::move(name)), m_error(error) {}

  const toml::node* node(std::string_view key) {
    m_taken.emplace_back(key);
    return m_table ? m_table->get(key) : nullptr;
  }
  std::string key_name(std::string_view key) const { return m_name.empty() ? std::string(key) : m_name + "." + std::string(key); }
  void fail(const toml::node& n, std::string_view key, std::string_view problem) {
    if (m_error.empty()) m_error = key_name(key) + where(n) + ": " + std::string(problem);
  }

  void get(std::string_view key, bool& out) {
    if (const auto* n = node(key)) {
      if (auto v = n->value_exact<bool>()) out = *v;
      else fail(*n, key, "must be true or false");
    }
  }
  void get(std::string_view key, std::string& out) {
    if (const auto* n = node(key)) {
      if (auto v = n->value_exact<std::string>()) out = *v;
      else fail(*n, key, "must be a string");
    }
  }
  void get(std::string_view key, std::int64_t& out, std::int64_t lo, std::int64_t hi) {
    if (const auto* n = node(key)) {
      auto v = n->value_exact<std::int64_t>();
      if (!v) return fail(*n, key, "must be an integer");
      if (*v < lo || *v > hi)
        return fail(*n, key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
      out = *v;
    }
  }
  void get(std::string_view key, int& out, std::int64_t lo, std::int64_t hi) {
    std::int64_t v = out;
    get(key, v, lo, hi);
    out = static_cast<int>(v);
  }
  void get(std::string_view key, double& out, double lo, double hi) {
    if (const auto* n = node(key)) {
      std::optional<double> v = n->value<double>();  // integers are taken too
      if (!v || !n->is_number()) return fail(*n, key, "must be a number");
      if (!std::isfinite(*v) || *v < lo || *v > hi)
        return fail(*n, key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
      out = *v;
    }
  }
  void get(std::string_view key, fs::path& out, const fs::path& base) {
    if (const auto* n = node(key)) {
      auto v = n->value_exact<std::string>();
      if (!v || v->empty()) return fail(*n, key, "must be a non-empty path");
      if (v->find('\0') != std::string::npos) return fail(*n, key, "must not contain NUL");
      fs::path p(*v);
      out = (p.is_absolute() ? p : base / p).lexically_normal();
    }
  }
  void get(std::string_view key, std::vector<std::string>& out) {
    if (const auto* n = node(key)) {
      const auto* array = n->as_array();
      if (!array) return fail(*n, key, "must be an array of strings");
      out.clear();
      for (const auto& element : *array) {
        auto v = element.value_exact<std::string>();
        if (!v) return fail(element, key, "must be an array of strings");
        out.push_back(*v);
      }
    }
  }
  const toml::table* table(std::string_view key) {
    if (const auto* n = node(key)) {
      if (const auto* t = n->as_table()) return t;
      fail(*n, key, "must be a table");
    }
    return nullptr;
  }
  /// Marks `key` as known without reading it (read by someone else).
  void skip(std::string_view key) { m_taken.emplace_back(key); }

  void finish() {
    if (!m_table || !m_error.empty()) return;
    for (const auto& [key, value] : *m_table) {
      bool known = false;
      for (const auto& k : m_taken) known = known || k == key.str();
      if (!known) {
        m_error = "unknown key " + key_name(key.str()) + where(value);
        return;
      }
    }
  }

private:
  const toml::table* m_table;
  std::string m_name;
  std::string& m_error;
  std::vector<std::string> m_taken;
};

/// "HH:MM" as minutes after midnight.
std::optional<int> parse_clock(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9' ? text[i] - '0' : -1; };
  for (std::size_t i : {0u, 1u, 3u, 4u})
    if (digit(i) < 0) return std::nullopt;
  const int h = digit(0) * 10 + digit(1), m = digit(3) * 10 + digit(4);
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

std::optional<int> parse_weekday(std::string_view text) {
  static constexpr std::array<std::string_view, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  for (std::size_t i = 0; i < kDays.size(); ++i)
    if (kDays[i] == text) return static_cast<int>(i);
  return std::nullopt;
}

/// Whether `path` is `root` or lies under it (both normalised, absolute).
bool is_under(const fs::path& path, const fs::path& root) {
  auto p = path.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++p) {
    if (r->empty()) continue;  // a trailing separator
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

/// A rule table: [rules] or [rules.category.<name>]. Times in the units users know from
/// qBittorrent: seeding time in minutes, removal after days.
void read_rule(TableReader& t, MaintenanceRule& r, const fs::path& base) {
  if (t.node("move_completed_to")) {
    fs::path p;
    t.get("move_completed_to", p, base);
    if (!p.empty()) r.move_completed_to = p;
  }
  if (t.node("stop_at_ratio")) {
    double v = 0;
    t.get("stop_at_ratio", v, 0.0001, 1e6);
    r.stop_at_ratio = v;
  }
  if (t.node("stop_after_seed_minutes")) {
    std::int64_t v = 0;
    t.get("stop_after_seed_minutes", v, 0, 525'600'00);
    r.stop_after_seed_seconds = v * 60;
  }
  if (t.node("remove_after_days")) {
    double v = 0;
    t.get("remove_after_days", v, 0, 36'500);
    r.remove_after_finished_seconds = static_cast<std::int64_t>(v * 86'400);
  }
  if (t.node("remove_with_data")) {
    bool v = false;
    t.get("remove_with_data", v);
    r.remove_with_data = v;
  }
}

std::optional<std::string> read_event_list(TableReader& t, const std::string& where, std::vector<HookEventKind>& out) {
  std::vector<std::string> names;
  t.get("events", names);
  for (const auto& n : names) {
    auto k = parse_hook_event_kind(n);
    if (!k) return where + ".events: unknown event '" + n + "' (added, started, stopped, completed, removed, error, moved)";
    out.push_back(*k);
  }
  return std::nullopt;
}

expected<MaintenancePolicy, std::string> parse_maintenance_policy(const toml::node& node, const fs::path& base) {
  std::string error;
  const toml::table* table = node.as_table();
  if (!table) return unexpected("rules" + where(node) + ": must be a table");
  MaintenancePolicy policy;
  TableReader top(table, "rules", error);
  read_rule(top, policy.defaults, base);
  if (const toml::table* cats = top.table("category")) {
    for (const auto& [name, value] : *cats) {
      const std::string key = "rules.category." + std::string(name.str());
      if (!value.as_table()) return unexpected(key + where(value) + ": must be a table");
      TableReader t(value.as_table(), key, error);
      read_rule(t, policy.per_category[std::string(name.str())], base);
      t.finish();
    }
  }
  top.finish();
  if (!error.empty()) return unexpected(error);
  if (auto e = validate(policy)) return unexpected(*e);
  return policy;
}

expected<std::vector<HookConfig>, std::string> parse_hook_configs(const toml::node& node) {
  const toml::array* array = node.as_array();
  if (!array) return unexpected("hooks" + where(node) + ": write [[hooks]] tables");
  std::vector<HookConfig> out;
  std::string error;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    const std::string key = "hooks[" + std::to_string(i) + "]";
    if (!item.as_table()) return unexpected(key + where(item) + ": must be a table");
    TableReader t(item.as_table(), key, error);
    HookConfig h;
    h.name = key;
    t.get("name", h.name);
    t.get("command", h.command);
    t.get("categories", h.categories);
    std::int64_t timeout = h.timeout.count();
    t.get("timeout_ms", timeout, 100, 86'400'000);
    h.timeout = std::chrono::milliseconds(timeout);
    if (auto e = read_event_list(t, key, h.events)) return unexpected(*e);
    t.finish();
    if (!error.empty()) return unexpected(error);
    if (h.command.empty() || h.command[0].empty())
      return unexpected(key + where(item) + ": command must be a non-empty array, e.g. [\"/usr/local/bin/x\", \"arg\"]");
    out.push_back(std::move(h));
  }
  return out;
}

expected<std::vector<WebhookConfig>, std::string> parse_webhook_configs(const toml::node& node) {
  const toml::array* array = node.as_array();
  if (!array) return unexpected("webhooks" + where(node) + ": write [[webhooks]] tables");
  std::vector<WebhookConfig> out;
  std::string error;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    const std::string key = "webhooks[" + std::to_string(i) + "]";
    if (!item.as_table()) return unexpected(key + where(item) + ": must be a table");
    TableReader t(item.as_table(), key, error);
    WebhookConfig w;
    w.name = key;
    t.get("name", w.name);
    t.get("url", w.url);
    t.get("secret", w.secret);
    t.get("categories", w.categories);
    t.get("attempts", w.attempts, 1, 100);
    std::int64_t backoff = w.backoff.count(), timeout = w.timeout.count();
    t.get("backoff_ms", backoff, 10, 3'600'000);
    t.get("timeout_ms", timeout, 100, 600'000);
    w.backoff = std::chrono::milliseconds(backoff);
    w.timeout = std::chrono::milliseconds(timeout);
    if (auto e = read_event_list(t, key, w.events)) return unexpected(*e);
    t.finish();
    if (!error.empty()) return unexpected(error);
    if (!w.url.starts_with("http://") && !w.url.starts_with("https://"))
      return unexpected(key + where(item) + ": url must be http:// or https://");
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace

bool RateSchedule::active_at(int weekday, int minute) const noexcept {
  if (!enabled || weekday < 0 || weekday > 6) return false;
  const auto day = [&](int d) { return days[static_cast<std::size_t>((d + 7) % 7)]; };
  if (from_minute == to_minute) return day(weekday);
  if (from_minute < to_minute) return day(weekday) && minute >= from_minute && minute < to_minute;
  // Across midnight: the evening part belongs to today, the morning part to yesterday's span.
  return (day(weekday) && minute >= from_minute) || (day(weekday - 1) && minute < to_minute);
}

NodeSettings DaemonConfig::node_settings() const {
  NodeSettings s;
  if (loopback) s = NodeSettings::loopback_test();
  s.listen_interfaces = listen;
  s.state_dir = state_dir / "resume";
  if (!loopback) {
    s.enable_dht = dht;
    s.enable_lsd = lsd;
    s.enable_upnp = upnp;
    s.enable_natpmp = natpmp;
    s.enable_utp = utp;
  }
  s.user_agent = user_agent;
  s.rate_limit_local_peers = limit_local_peers;
  s.download_rate_limit = limits.download;
  s.upload_rate_limit = limits.upload;
  s.active_downloads = queue.active_downloads;
  s.active_seeds = queue.active_seeds;
  s.active_limit = queue.active_limit;
  return s;
}

bool valid_category_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64 || name.front() == '.' || name.front() == ' ') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == ' ' || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

expected<fs::path, std::string> resolve_save_path(const DaemonConfig& config, std::string_view requested,
                                                  std::string_view category) {
  if (requested.find('\0') != std::string_view::npos) return unexpected(std::string("the save path contains NUL"));
  fs::path base = config.download_dir;
  if (!category.empty()) {
    if (auto c = config.categories.find(category); c != config.categories.end() && !c->second.save_path.empty())
      base = c->second.save_path;
  }
  fs::path p = requested.empty() ? base : fs::path(requested);
  for (const auto& part : p)
    if (part == "..") return unexpected("the save path " + std::string(requested) + " has a '..' component");
  if (!p.is_absolute()) p = config.download_dir / p;
  p = p.lexically_normal();
  std::error_code ec;
  const fs::path real = fs::weakly_canonical(p, ec);
  if (ec) return unexpected("the save path " + p.string() + " cannot be resolved: " + ec.message());
  for (const auto& root : config.save_roots) {
    const fs::path real_root = fs::weakly_canonical(root, ec);
    if (!ec && is_under(real, real_root) && is_under(p, root)) return p;
  }
  std::string roots;
  for (const auto& r : config.save_roots) roots += (roots.empty() ? "" : ", ") + r.string();
  return unexpected("the save path " + p.string() + " is outside the allowed save roots (" + roots + ")");
}

expected<DaemonConfig, std::string> parse_daemon_config(std::string_view text, std::string_view source,
                                                         const fs::path& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto line = e.source().begin.line;
    return unexpected(std::string(source) + (line ? ":" + std::to_string(line) : std::string()) + ": " +
                      std::string(e.description()));
  }

  DaemonConfig c;
  std::string error;
  const fs::path base = base_dir.empty() ? fs::current_path() : fs::absolute(base_dir);
  c.state_dir = (base / c.state_dir).lexically_normal();
  TableReader top(&root, "", error);

  TableReader node(top.table("node"), "node", error);
  node.get("listen", c.listen);
  node.get("state_dir", c.state_dir, base);
  node.get("download_dir", c.download_dir, base);
  std::vector<std::string> roots;
  node.get("save_roots", roots);
  for (const auto& r : roots) {
    if (r.empty() || r.find('\0') != std::string::npos) {
      error = error.empty() ? "node.save_roots: every root must be a non-empty path" : error;
      break;
    }
    const fs::path p(r);
    c.save_roots.push_back((p.is_absolute() ? p : base / p).lexically_normal());
  }
  node.get("dht", c.dht);
  node.get("lsd", c.lsd);
  node.get("upnp", c.upnp);
  node.get("natpmp", c.natpmp);
  node.get("utp", c.utp);
  node.get("loopback", c.loopback);
  node.get("limit_local_peers", c.limit_local_peers);
  node.get("user_agent", c.user_agent);
  node.finish();
  if (c.listen.empty() && error.empty()) error = "node.listen must not be empty";

  TableReader api(top.table("api"), "api", error);
  api.get("listen", c.api_listen);
  std::int64_t threads = static_cast<std::int64_t>(c.api_threads);
  api.get("threads", threads, 1, kMaxApiThreads);
  c.api_threads = static_cast<std::size_t>(threads);
  api.get("rate_per_second", c.api_rate_per_second, 0, 1e6);
  api.get("rate_burst", c.api_rate_burst, 1, 1e6);
  api.finish();

  TableReader limits(top.table("limits"), "limits", error);
  limits.get("download", c.limits.download, 0, kMaxRate);
  limits.get("upload", c.limits.upload, 0, kMaxRate);
  limits.get("alt_download", c.limits.alt_download, 0, kMaxRate);
  limits.get("alt_upload", c.limits.alt_upload, 0, kMaxRate);
  limits.get("alt_enabled", c.limits.alt_enabled);
  if (const toml::table* sched = limits.table("schedule")) {
    TableReader s(sched, "limits.schedule", error);
    c.limits.schedule.enabled = true;
    std::vector<std::string> days;
    s.get("days", days);
    if (s.node("days")) {
      c.limits.schedule.days.fill(false);
      for (const auto& d : days) {
        auto i = parse_weekday(d);
        if (!i) {
          if (error.empty()) error = "limits.schedule.days: unknown day '" + d + "' (mon, tue, ..., sun)";
          break;
        }
        c.limits.schedule.days[static_cast<std::size_t>(*i)] = true;
      }
    }
    for (auto [key, out] : {std::pair{"from", &c.limits.schedule.from_minute}, std::pair{"to", &c.limits.schedule.to_minute}}) {
      std::string clock;
      s.get(key, clock);
      if (!s.node(key)) {
        if (error.empty()) error = std::string("limits.schedule.") + key + " is required (\"HH:MM\")";
        continue;
      }
      auto m = parse_clock(clock);
      if (!m && error.empty()) error = std::string("limits.schedule.") + key + ": '" + clock + "' is not a time (\"HH:MM\")";
      if (m) *out = *m;
    }
    s.finish();
  }
  limits.finish();

  TableReader queue(top.table("queue"), "queue", error);
  queue.get("active_downloads", c.queue.active_downloads, -1, kMaxQueue);
  queue.get("active_seeds", c.queue.active_seeds, -1, kMaxQueue);
  queue.get("active_limit", c.queue.active_limit, -1, kMaxQueue);
  queue.finish();

  if (const toml::table* cats = top.table("categories")) {
    for (const auto& [name, value] : *cats) {
      const std::string key = "categories." + std::string(name.str());
      if (!valid_category_name(name.str())) {
        if (error.empty()) error = key + where(value) + ": not a valid category name";
        break;
      }
      TableReader cat(value.as_table(), key, error);
      if (!value.as_table() && error.empty()) error = key + where(value) + ": must be a table";
      CategoryConfig cc;
      cat.get("save_path", cc.save_path, base);
      cat.finish();
      c.categories.emplace(std::string(name.str()), std::move(cc));
    }
  }

  if (const toml::node* rules = top.node("rules"); rules && error.empty()) {
    auto policy = parse_maintenance_policy(*rules, base);
    if (!policy) error = policy.error();
    else c.rules = std::move(*policy);
  }
  if (const toml::node* hooks = top.node("hooks"); hooks && error.empty()) {
    auto parsed = parse_hook_configs(*hooks);
    if (!parsed) error = parsed.error();
    else c.hooks = std::move(*parsed);
  }
  if (const toml::node* webhooks = top.node("webhooks"); webhooks && error.empty()) {
    auto parsed = parse_webhook_configs(*webhooks);
    if (!parsed) error = parsed.error();
    else c.webhooks = std::move(*parsed);
  }
  top.finish();
  if (!error.empty()) return unexpected(std::string(source) + ": " + error);

  if (c.download_dir.empty()) c.download_dir = (c.state_dir.parent_path() / "downloads").lexically_normal();
  if (c.save_roots.empty()) c.save_roots.push_back(c.download_dir);
  for (const auto& [name, cat] : c.categories) {
    if (cat.save_path.empty()) continue;
    bool inside = false;
    for (const auto& r : c.save_roots) inside = inside || is_under(cat.save_path, r);
    if (!inside)
      return unexpected(std::string(source) + ": categories." + name + ".save_path " + cat.save_path.string() +
                        " is outside node.save_roots");
  }
  bool inside = false;
  for (const auto& r : c.save_roots) inside = inside || is_under(c.download_dir, r);
  if (!inside)
    return unexpected(std::string(source) + ": node.download_dir " + c.download_dir.string() +
                      " is outside node.save_roots");
  return c;
}

expected<DaemonConfig, std::string> load_daemon_config(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("cannot read the config file " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return parse_daemon_config(text.str(), path.string(), fs::absolute(path).parent_path());
}

}  // namespace shoal::peer
