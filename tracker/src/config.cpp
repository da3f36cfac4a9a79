#include "shoal/tracker/config.hpp"

#include "shoal/tracker/account_service.hpp"  // check_username

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <exception>
#include <fstream>
#include <initializer_list>
#include <span>
#include <sstream>
#include <system_error>
#include <utility>

// toml++ is included here and nowhere else: Debian ships it as a compiled library built with
// exceptions on (only toml::v3::ex::parse is exported), so TOML_EXCEPTIONS=0 would not link.
// parse_error is caught below; nothing thrown by toml++ leaves this file.
#include <toml++/toml.h>

#include "shoal/proto/peer_endpoint.hpp"
#include "shoal/server/address_range.hpp"

namespace shoal::tracker {

using namespace shoal::server;  // the HTTP/API layer the tracker is built on

namespace {

// --- limits (documented beside each field in config.hpp) ---------------------------------------
constexpr std::uint32_t kMaxIntervalSeconds = 86'400;        // announce_interval, min_interval
constexpr std::uint32_t kMaxPeerTimeoutSeconds = 172'800;    // above announce_interval * 1.5
constexpr double kMaxIntervalJitter = 0.5;
constexpr std::uint32_t kMaxNumwant = 1'000;                 // 1000 IPv6 peers: 18 KB UDP reply
constexpr std::uint32_t kMaxSweepSeconds = 3'600;
constexpr std::uint32_t kMaxScrapeHashes = 1'000;
constexpr std::uint32_t kMaxShards = 4'096;
constexpr std::uint32_t kMaxThreads = 256;
constexpr std::uint32_t kMaxConnectionIdSeconds = 3'600;
constexpr std::uint32_t kMaxTimeoutSeconds = 3'600;
constexpr std::uint32_t kMaxConnections = 1'000'000;
constexpr std::uint32_t kMinRequestBytes = 1'024;            // a real announce is ~300-600 bytes
constexpr std::uint32_t kMaxRequestBytes = 65'536;
constexpr std::uint32_t kMaxFlushSeconds = 3'600;
constexpr std::uint32_t kMaxRateMib = 1'048'576;             // 1 TiB/s: no link is faster
constexpr std::size_t kMinAdminTokenLength = 16;             // a bearer token must not be guessable
constexpr std::uint32_t kMaxSessionSeconds = 31'536'000;      // a year
constexpr std::array<std::string_view, 3> kRegistrationModes = {"open", "closed", "invite"};

constexpr std::array<std::string_view, 7> kLogLevels = {"trace", "debug", "info",    "warn",
                                                        "error", "critical", "off"};

// --- the key list ---------------------------------------------------------------------------
// One rule type per kind of value. visit_fields() below is the only list of keys: loading,
// unknown-key detection, validate() and to_toml() all walk it, so a new field is one line there.

struct Key {
  std::string_view table;
  std::string_view name;
  std::string full() const { return std::string(table) + "." + std::string(name); }
};

struct UintRule {
  std::uint32_t min;
  std::uint32_t max;
  bool power_of_two = false;
};
struct DoubleRule {
  double min;
  double max;
};
struct BoolRule {};
struct StringRule {
  std::span<const std::string_view> allowed;  // empty: any string
};
struct PathRule {};
struct ModeRule {};
// A list of strings whose entries each pass `check` (which returns the problem, or nullopt).
struct ListRule {
  std::optional<std::string> (*check)(const std::string&);
};

/// http(s)://host[:port][/path] with a plain host name, IPv4 or [IPv6] address.
bool valid_public_url(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("http://")) rest = url.substr(7);
  else if (url.starts_with("https://")) rest = url.substr(8);
  else return false;
  const std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.empty() || url.size() > 2048) return false;
  for (char ch : url)
    if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f || ch == '?' || ch == '#' || ch == '@' || ch == '\\')
      return false;
  std::string_view host = authority;
  if (host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view after = host.substr(close + 1);
    if (!after.empty() && (after.front() != ':' || after.size() == 1)) return false;
    return true;
  }
  const auto colon = host.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view port = host.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) return false;
    host = host.substr(0, colon);
  }
  return !host.empty() &&
         host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") ==
             std::string_view::npos;
}

std::optional<std::string> check_listen_entry(const std::string& text) {
  const auto endpoint = PeerEndpoint::parse(text);
  if (!endpoint)
    return "\"" + text + "\" is not an address:port (IPv4 \"0.0.0.0:6969\", IPv6 \"[::]:6969\")";
  // Port 0 is allowed: the system picks a free port (tests, ad-hoc runs); the tracker prints the
  // bound ports in its "announce URL:" lines.
  return std::nullopt;
}

std::optional<std::string> check_client_prefix(const std::string& text) {
  if (text.empty() || text.size() > 20)
    return "\"" + text + "\" is not a peer_id prefix (1-20 bytes, e.g. \"-qB\", \"-TR\")";
  return std::nullopt;
}

std::optional<std::string> check_address_range(const std::string& text) {
  if (!AddressRange::parse(text))
    return "\"" + text +
           "\" is not an IP address or CIDR range (\"10.0.0.0/8\", \"::1\"; no address bits set "
           "beyond the prefix)";
  return std::nullopt;
}

template <class Config, class Visitor>
void visit_fields(Config& c, Visitor&& v) {
  v(Key{"tracker", "mode"}, c.tracker.mode, ModeRule{});
  v(Key{"tracker", "announce_interval"}, c.tracker.announce_interval,
    UintRule{1, kMaxIntervalSeconds});
  v(Key{"tracker", "min_interval"}, c.tracker.min_interval, UintRule{1, kMaxIntervalSeconds});
  v(Key{"tracker", "interval_jitter"}, c.tracker.interval_jitter,
    DoubleRule{0.0, kMaxIntervalJitter});
  v(Key{"tracker", "numwant_default"}, c.tracker.numwant_default, UintRule{0, kMaxNumwant});
  v(Key{"tracker", "numwant_max"}, c.tracker.numwant_max, UintRule{1, kMaxNumwant});
  v(Key{"tracker", "peer_timeout"}, c.tracker.peer_timeout, UintRule{1, kMaxPeerTimeoutSeconds});
  v(Key{"tracker", "sweep_interval"}, c.tracker.sweep_interval, UintRule{1, kMaxSweepSeconds});
  v(Key{"tracker", "peer_details"}, c.tracker.peer_details, UintRule{0, 10'000'000});
  v(Key{"tracker", "full_scrape"}, c.tracker.full_scrape, BoolRule{});
  v(Key{"tracker", "scrape_max_hashes"}, c.tracker.scrape_max_hashes,
    UintRule{1, kMaxScrapeHashes});
  v(Key{"tracker", "shards"}, c.tracker.shards, UintRule{1, kMaxShards, true});
  v(Key{"tracker", "client_allow"}, c.tracker.client_allow, ListRule{check_client_prefix});
  v(Key{"tracker", "max_rate"}, c.tracker.max_rate, UintRule{1, kMaxRateMib});

  v(Key{"udp", "listen"}, c.udp.listen, ListRule{check_listen_entry});
  v(Key{"udp", "threads"}, c.udp.threads, UintRule{1, kMaxThreads});
  v(Key{"udp", "connection_id_lifetime"}, c.udp.connection_id_lifetime,
    UintRule{1, kMaxConnectionIdSeconds});
  v(Key{"udp", "connection_id_grace"}, c.udp.connection_id_grace,
    UintRule{0, kMaxConnectionIdSeconds});

  v(Key{"http", "listen"}, c.http.listen, ListRule{check_listen_entry});
  v(Key{"http", "threads"}, c.http.threads, UintRule{1, kMaxThreads});
  v(Key{"http", "request_timeout"}, c.http.request_timeout, UintRule{1, kMaxTimeoutSeconds});
  v(Key{"http", "keepalive_timeout"}, c.http.keepalive_timeout, UintRule{1, kMaxTimeoutSeconds});
  v(Key{"http", "max_connections"}, c.http.max_connections, UintRule{1, kMaxConnections});
  v(Key{"http", "max_request_bytes"}, c.http.max_request_bytes,
    UintRule{kMinRequestBytes, kMaxRequestBytes});
  v(Key{"http", "trusted_proxies"}, c.http.trusted_proxies, ListRule{check_address_range});

  v(Key{"tls", "listen"}, c.tls.listen, ListRule{check_listen_entry});
  v(Key{"tls", "certificate"}, c.tls.certificate, PathRule{});
  v(Key{"tls", "private_key"}, c.tls.private_key, PathRule{});

  v(Key{"storage", "data_dir"}, c.storage.data_dir, PathRule{});
  v(Key{"storage", "database"}, c.storage.database, PathRule{});
  v(Key{"storage", "flush_interval"}, c.storage.flush_interval, UintRule{1, kMaxFlushSeconds});

  v(Key{"log", "level"}, c.log.level, StringRule{kLogLevels});
  v(Key{"log", "json"}, c.log.json, BoolRule{});

  v(Key{"process", "user"}, c.process.user, StringRule{});
  v(Key{"process", "group"}, c.process.group, StringRule{});
  v(Key{"process", "admin_token"}, c.process.admin_token, StringRule{});

  v(Key{"accounts", "registration"}, c.accounts.registration, StringRule{kRegistrationModes});
  v(Key{"accounts", "min_password_length"}, c.accounts.min_password_length, UintRule{8, 128});
  v(Key{"accounts", "password_cost"}, c.accounts.password_cost, UintRule{10, 20});
  v(Key{"accounts", "session_lifetime"}, c.accounts.session_lifetime,
    UintRule{300, kMaxSessionSeconds});
  v(Key{"accounts", "remember_lifetime"}, c.accounts.remember_lifetime,
    UintRule{300, kMaxSessionSeconds});
  v(Key{"accounts", "login_max_failures"}, c.accounts.login_max_failures, UintRule{1, 1'000});
  v(Key{"accounts", "login_max_failures_per_address"}, c.accounts.login_max_failures_per_address,
    UintRule{1, 100'000});
  v(Key{"accounts", "login_lockout"}, c.accounts.login_lockout, UintRule{1, 86'400});
  v(Key{"accounts", "initial_admin"}, c.accounts.initial_admin, StringRule{});

  v(Key{"api", "listen"}, c.api.listen, ListRule{check_listen_entry});
  v(Key{"api", "threads"}, c.api.threads, UintRule{1, 64});
  v(Key{"api", "max_body_bytes"}, c.api.max_body_bytes, UintRule{1'024, 1'048'576});
  v(Key{"api", "rate_limit"}, c.api.rate_limit, DoubleRule{0.0, 100'000.0});
  v(Key{"api", "rate_burst"}, c.api.rate_burst, UintRule{1, 100'000});
  v(Key{"api", "public_url"}, c.api.public_url, StringRule{});
  v(Key{"api", "ingest_rate"}, c.api.ingest_rate, DoubleRule{0.0, 1'000'000.0});
  v(Key{"api", "ingest_burst"}, c.api.ingest_burst, UintRule{100, 10'000'000});
}

std::vector<Key> known_keys() {
  std::vector<Key> keys;
  const TrackerConfig defaults;
  visit_fields(defaults, [&](Key key, const auto&, const auto&) { keys.push_back(key); });
  return keys;
}

// --- text helpers ---------------------------------------------------------------------------

// Shortest text that reads back as the same double, always recognisable as a TOML float.
std::string format_double(double value) {
  std::array<char, 64> buf{};
  const auto result = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  std::string text(buf.data(), result.ptr);
  if (text.find_first_not_of("-0123456789") == std::string::npos) text += ".0";
  return text;
}

std::string_view mode_name(TrackerMode mode) {
  switch (mode) {
    case TrackerMode::listed: return "listed";
    case TrackerMode::private_mode: return "private";
    case TrackerMode::public_mode: break;
  }
  return "public";
}

std::string quoted_list(std::span<const std::string_view> names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i != 0) out += i + 1 == names.size() ? " or " : ", ";
    out += "\"" + std::string(names[i]) + "\"";
  }
  return out;
}

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

// --- single-key checks, shared by the loader and validate() ---------------------------------

std::optional<std::string> check_value(std::uint32_t value, const UintRule& rule) {
  if (value < rule.min || value > rule.max)
    return "must be between " + std::to_string(rule.min) + " and " + std::to_string(rule.max);
  if (rule.power_of_two && !std::has_single_bit(value))
    return "must be a power of two between " + std::to_string(rule.min) + " and " +
           std::to_string(rule.max);
  return std::nullopt;
}

std::optional<std::string> check_value(double value, const DoubleRule& rule) {
  if (!(value >= rule.min && value <= rule.max))  // written so that NaN fails too
    return "must be between " + format_double(rule.min) + " and " + format_double(rule.max);
  return std::nullopt;
}

std::optional<std::string> check_value(bool, const BoolRule&) { return std::nullopt; }
std::optional<std::string> check_value(TrackerMode, const ModeRule&) { return std::nullopt; }

std::optional<std::string> check_text(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return "must not contain a NUL character";
  return std::nullopt;
}

std::optional<std::string> check_value(const std::string& value, const StringRule& rule) {
  if (auto problem = check_text(value)) return problem;
  if (!rule.allowed.empty() &&
      std::find(rule.allowed.begin(), rule.allowed.end(), value) == rule.allowed.end())
    return "must be one of " + quoted_list(rule.allowed);
  return std::nullopt;
}

std::optional<std::string> check_value(const std::filesystem::path& value, const PathRule&) {
  return check_text(value.native());
}

// The index is part of the key ("udp.listen[1]"), so the caller gets it back with the problem.
struct ListProblem {
  std::size_t index;
  std::string problem;
};

std::optional<ListProblem> check_list(const std::vector<std::string>& values,
                                      const ListRule& rule) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (auto problem = check_text(values[i])) return ListProblem{i, *problem};
    if (auto problem = rule.check(values[i])) return ListProblem{i, *problem};
  }
  return std::nullopt;
}

// --- loading --------------------------------------------------------------------------------

std::string position(const toml::source_region& where) {
  std::string out = where.path ? *where.path : std::string();
  if (where.begin.line != 0)
    out += ":" + std::to_string(where.begin.line) + ":" + std::to_string(where.begin.column);
  return out;
}

std::string located(const toml::source_region& where, std::string_view key,
                    std::string_view problem) {
  return position(where) + ": " + std::string(key) + ": " + std::string(problem);
}
std::string located(const toml::node& node, std::string_view key, std::string_view problem) {
  return located(node.source(), key, problem);
}

// Converts one TOML value into a field, or returns the problem (without key or position).
std::optional<std::string> read_value(const toml::node& node, std::uint32_t& out,
                                      const UintRule& rule) {
  const auto* integer = node.as_integer();
  if (integer == nullptr) return "expected an integer, got " + std::string(type_name(node));
  const std::int64_t value = integer->get();
  if (value < rule.min || value > rule.max)
    return "must be between " + std::to_string(rule.min) + " and " + std::to_string(rule.max);
  const auto narrowed = static_cast<std::uint32_t>(value);
  if (auto problem = check_value(narrowed, rule)) return problem;
  out = narrowed;
  return std::nullopt;
}

std::optional<std::string> read_value(const toml::node& node, double& out,
                                      const DoubleRule& rule) {
  double value = 0;
  if (const auto* real = node.as_floating_point())
    value = real->get();
  else if (const auto* integer = node.as_integer())  // "interval_jitter = 0" is a fine spelling
    value = static_cast<double>(integer->get());
  else
    return "expected a number, got " + std::string(type_name(node));
  if (auto problem = check_value(value, rule)) return problem;
  out = value;
  return std::nullopt;
}

std::optional<std::string> read_value(const toml::node& node, bool& out, const BoolRule&) {
  const auto* boolean = node.as_boolean();
  if (boolean == nullptr)
    return "expected a boolean (true or false), got " + std::string(type_name(node));
  out = boolean->get();
  return std::nullopt;
}

std::optional<std::string> read_value(const toml::node& node, std::string& out,
                                      const StringRule& rule) {
  const auto* text = node.as_string();
  if (text == nullptr) return "expected a string, got " + std::string(type_name(node));
  if (auto problem = check_value(text->get(), rule)) return problem;
  out = text->get();
  return std::nullopt;
}

std::optional<std::string> read_value(const toml::node& node, std::filesystem::path& out,
                                      const PathRule& rule) {
  const auto* text = node.as_string();
  if (text == nullptr) return "expected a string, got " + std::string(type_name(node));
  std::filesystem::path value(text->get());
  if (auto problem = check_value(value, rule)) return problem;
  out = std::move(value);
  return std::nullopt;
}

std::optional<std::string> read_value(const toml::node& node, TrackerMode& out, const ModeRule&) {
  const auto* text = node.as_string();
  if (text == nullptr) return "expected a string, got " + std::string(type_name(node));
  if (text->get() == mode_name(TrackerMode::public_mode))
    out = TrackerMode::public_mode;
  else if (text->get() == mode_name(TrackerMode::listed))
    out = TrackerMode::listed;
  else if (text->get() == mode_name(TrackerMode::private_mode))
    out = TrackerMode::private_mode;
  else
    return "must be \"public\", \"listed\" or \"private\"";
  return std::nullopt;
}

// The field visitor that reads a parsed document into a config; stops at the first problem.
struct Loader {
  const toml::table& root;
  std::optional<std::string> error;

  template <class T, class Rule>
  void operator()(Key key, T& field, const Rule& rule) {
    if (error) return;
    const toml::node* node = find(key);
    if (node == nullptr) return;
    if (auto problem = read_value(*node, field, rule)) error = located(*node, key.full(), *problem);
  }

  void operator()(Key key, std::vector<std::string>& field, const ListRule& rule) {
    if (error) return;
    const toml::node* node = find(key);
    if (node == nullptr) return;
    const auto* array = node->as_array();
    if (array == nullptr) {
      error = located(*node, key.full(),
                      "expected an array of strings, got " + std::string(type_name(*node)));
      return;
    }
    std::vector<std::string> values;
    values.reserve(array->size());
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = *array->get(i);
      const auto* text = element.as_string();
      if (text == nullptr) {
        error = located(element, key.full() + "[" + std::to_string(i) + "]",
                        "expected a string, got " + std::string(type_name(element)));
        return;
      }
      values.push_back(text->get());
    }
    if (auto problem = check_list(values, rule)) {
      error = located(*array->get(problem->index),
                      key.full() + "[" + std::to_string(problem->index) + "]", problem->problem);
      return;
    }
    field = std::move(values);
  }

  const toml::node* find(Key key) const {
    const auto* table = root.get_as<toml::table>(key.table);
    return table == nullptr ? nullptr : table->get(key.name);
  }
};

// Every table and key in the document must be one visit_fields() knows.
std::optional<std::string> find_unknown(const toml::table& root) {
  const auto keys = known_keys();
  const auto table_known = [&](std::string_view table) {
    return std::any_of(keys.begin(), keys.end(), [&](const Key& k) { return k.table == table; });
  };
  const auto key_known = [&](std::string_view table, std::string_view name) {
    return std::any_of(keys.begin(), keys.end(),
                       [&](const Key& k) { return k.table == table && k.name == name; });
  };
  for (auto&& [table_key, table_node] : root) {
    const std::string_view table_name = table_key.str();
    // An unknown name is reported where the name is written, a wrong value where the value is.
    if (!table_known(table_name))
      return located(table_key.source(), table_name,
                     table_node.is_table() ? "unknown table" : "unknown key");
    const auto* table = table_node.as_table();
    if (table == nullptr)
      return located(table_node, table_name,
                     "expected a table, got " + std::string(type_name(table_node)));
    for (auto&& [key, node] : *table)
      if (!key_known(table_name, key.str()))
        return located(key.source(), std::string(table_name) + "." + std::string(key.str()),
                       "unknown key");
  }
  return std::nullopt;
}

expected<TrackerConfig, std::string> load_document(std::string_view text,
                                                   std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& err) {
    std::string where = position(err.source());
    if (where.empty()) where = std::string(source_name);
    return unexpected<std::string>(where + ": " + std::string(err.description()));
  }
  if (auto problem = find_unknown(root)) return unexpected<std::string>(std::move(*problem));

  TrackerConfig config;
  Loader loader{root, std::nullopt};
  visit_fields(config, loader);
  if (loader.error) return unexpected<std::string>(std::move(*loader.error));
  return config;
}

// --- validate -------------------------------------------------------------------------------

struct Checker {
  std::optional<std::string> error;

  template <class T, class Rule>
  void operator()(Key key, const T& field, const Rule& rule) {
    if (error) return;
    if (auto problem = check_value(field, rule)) error = key.full() + ": " + *problem;
  }

  void operator()(Key key, const std::vector<std::string>& field, const ListRule& rule) {
    if (error) return;
    if (auto problem = check_list(field, rule))
      error = key.full() + "[" + std::to_string(problem->index) + "]: " + problem->problem;
  }
};

// A bind conflict: the same endpoint twice among `lists` (entries already known to parse). With
// `port0_distinct`, port-0 entries never conflict: each TCP listener gets its own free port. (The
// UDP server refuses the same requested endpoint twice, port 0 included, so UDP passes false.)
std::optional<std::string> find_duplicate_endpoint(
    std::initializer_list<std::pair<std::string_view, const std::vector<std::string>*>> lists,
    bool port0_distinct) {
  std::vector<std::pair<PeerEndpoint, std::string>> seen;  // endpoint, "http.listen[0]"
  for (const auto& [name, entries] : lists) {
    for (std::size_t i = 0; i < entries->size(); ++i) {
      const auto endpoint = PeerEndpoint::parse((*entries)[i]);
      if (!endpoint) continue;  // reported by the single-key check
      if (port0_distinct && endpoint->port == 0) continue;
      const std::string here = std::string(name) + "[" + std::to_string(i) + "]";
      const auto earlier = std::find_if(seen.begin(), seen.end(),
                                        [&](const auto& s) { return s.first == *endpoint; });
      if (earlier != seen.end())
        return here + ": \"" + (*entries)[i] + "\" is the same endpoint as " + earlier->second;
      seen.emplace_back(*endpoint, here);
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_cross_rules(const TrackerConfig& c) {
  const auto& t = c.tracker;
  if (t.min_interval > t.announce_interval)
    return "tracker.min_interval: must not exceed tracker.announce_interval (" +
           std::to_string(t.min_interval) + " > " + std::to_string(t.announce_interval) + ")";
  // Clients are told intervals up to announce_interval * (1 + jitter); a peer that waits that long
  // must still be in the swarm when it comes back.
  const double longest_interval = t.announce_interval * (1.0 + t.interval_jitter);
  if (!(t.peer_timeout > longest_interval))
    return "tracker.peer_timeout: must be greater than the longest announce interval handed out, "
           "tracker.announce_interval * (1 + tracker.interval_jitter) = " +
           format_double(longest_interval);
  if (t.numwant_default > t.numwant_max)
    return "tracker.numwant_default: must not exceed tracker.numwant_max (" +
           std::to_string(t.numwant_default) + " > " + std::to_string(t.numwant_max) + ")";

  if (auto dup = find_duplicate_endpoint({{"udp.listen", &c.udp.listen}}, false)) return dup;
  if (auto dup = find_duplicate_endpoint({{"http.listen", &c.http.listen},
                                          {"tls.listen", &c.tls.listen},
                                          {"api.listen", &c.api.listen}},
                                         true))
    return dup;
  if (!c.tls.listen.empty()) {
    if (c.tls.certificate.empty()) return "tls.certificate: required when tls.listen is set";
    if (c.tls.private_key.empty()) return "tls.private_key: required when tls.listen is set";
  }
  if (c.udp.listen.empty() && c.http.listen.empty() && c.tls.listen.empty())
    return "udp.listen, http.listen, tls.listen: no listener; at least one must be non-empty";

  if (c.storage.data_dir.empty()) return "storage.data_dir: must not be empty";
  if (c.storage.database.empty()) return "storage.database: must not be empty";
  if (!c.accounts.initial_admin.empty() && check_username(c.accounts.initial_admin))
    return "accounts.initial_admin: not a valid username (3-32 of A-Z a-z 0-9 . _ -, starting "
           "with a letter or digit), or empty";
  if (!c.api.public_url.empty() && !valid_public_url(c.api.public_url))
    return "api.public_url: not an http:// or https:// URL with a host (and an optional port and "
           "path; no query, fragment, user name or spaces): '" + c.api.public_url + "'";
  if (!c.process.admin_token.empty() && c.process.admin_token.size() < kMinAdminTokenLength)
    return "process.admin_token: must be at least " + std::to_string(kMinAdminTokenLength) +
           " characters (or empty to disable /admin)";
  return std::nullopt;
}

// --- to_toml --------------------------------------------------------------------------------

constexpr auto kStringFormat = toml::format_flags::allow_unicode_strings;

template <class Node>
std::string format_node(const Node& node) {
  std::ostringstream out;
  out << toml::toml_formatter{node, kStringFormat};
  return out.str();
}

std::string format_value(std::uint32_t value) { return std::to_string(value); }
std::string format_value(double value) { return format_double(value); }
std::string format_value(bool value) { return value ? "true" : "false"; }
std::string format_value(TrackerMode mode) {
  return format_node(toml::value<std::string>{std::string(mode_name(mode))});
}
std::string format_value(const std::string& value) {
  return format_node(toml::value<std::string>{value});
}
std::string format_value(const std::filesystem::path& value) { return format_value(value.string()); }
std::string format_value(const std::vector<std::string>& values) {
  toml::array array;
  for (const auto& v : values) array.push_back(v);
  return format_node(array);
}

}  // namespace

expected<TrackerConfig, std::string> load_config_string(std::string_view toml,
                                                        std::string_view source_name) {
  try {
    return load_document(toml, source_name);
  } catch (const std::exception& err) {  // bad_alloc and the like: still no throw to the caller
    return unexpected<std::string>(std::string(source_name) + ": " + err.what());
  }
}

expected<TrackerConfig, std::string> load_config_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  try {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
      return unexpected<std::string>(name + ": cannot read: is a directory");
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      // ifstream keeps no reason; errno from the failed open() it just made is the best source.
      const int reason = errno;
      return unexpected<std::string>(
          name + ": cannot open" +
          (reason != 0 ? ": " + std::error_code(reason, std::generic_category()).message() : ""));
    }
    std::string text;
    std::array<char, 16 * 1024> chunk{};
    while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0) {
      text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
      if (text.size() > kMaxConfigFileBytes)
        return unexpected<std::string>(name + ": larger than " +
                                       std::to_string(kMaxConfigFileBytes) +
                                       " bytes; not a config file?");
    }
    if (in.bad()) return unexpected<std::string>(name + ": read error");
    return load_document(text, name);
  } catch (const std::exception& err) {
    return unexpected<std::string>(name + ": " + err.what());
  }
}

std::optional<std::string> validate(const TrackerConfig& config) {
  Checker checker;
  visit_fields(config, checker);
  if (checker.error) return checker.error;
  return check_cross_rules(config);
}

std::string to_toml(const TrackerConfig& config) {
  std::string out = "# shoal-tracker configuration: every key with its current value\n";
  std::string_view current_table;
  visit_fields(config, [&](Key key, const auto& value, const auto&) {
    if (key.table != current_table) {
      out += "\n[" + std::string(key.table) + "]\n";
      current_table = key.table;
    }
    out += std::string(key.name) + " = " + format_value(value) + "\n";
  });
  return out;
}

}  // namespace shoal::tracker
