#include "shoal/tracker/tracker_app.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "shoal/tracker/access_list.hpp"
#include "shoal/tracker/account_api.hpp"
#include "shoal/tracker/account_service.hpp"
#include "shoal/tracker/account_store.hpp"
#include "shoal/server/api_service.hpp"
#include "shoal/tracker/catalog_api.hpp"
#include "shoal/tracker/accounting.hpp"
#include "shoal/server/address_range.hpp"
#include "shoal/tracker/connection_id.hpp"
#include "shoal/tracker/history_api.hpp"
#include "shoal/server/http_server.hpp"
#include "shoal/tracker/persistence.hpp"
#include "shoal/tracker/private_api.hpp"
#include "shoal/tracker/private_registry.hpp"
#include "shoal/tracker/private_tracking.hpp"
#include "shoal/tracker/stats.hpp"
#include "shoal/tracker/storage.hpp"
#include "shoal/tracker/swarm_api.hpp"
#include "shoal/tracker/swarm_history.hpp"
#include "shoal/tracker/swarm_store.hpp"
#include "shoal/tracker/tracker_service.hpp"
#include "shoal/tracker/udp_server.hpp"

namespace shoal::tracker {

using namespace shoal::server;  // the HTTP/API layer the tracker is built on

namespace {

std::uint32_t unix_now() {
  return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::string url_host(const PeerEndpoint& e) {
  IpAddress a = e.address;
  if (a.is_unspecified()) a = *IpAddress::parse(a.is_v4() ? "127.0.0.1" : "::1");
  return a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
}

// Constant-time comparison of a presented secret with the configured one.
bool same_secret(std::string_view presented, std::string_view expected_secret) {
  if (presented.size() != expected_secret.size()) return false;
  return CRYPTO_memcmp(presented.data(), expected_secret.data(), presented.size()) == 0;
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

expected<void, std::string> drop_privileges(const ProcessSettings& p,
                                            const std::filesystem::path& data_dir) {
  if (p.user.empty()) return {};
  const passwd* pw = ::getpwnam(p.user.c_str());
  if (!pw) return unexpected<std::string>("process.user: no user named '" + p.user + "'");
  gid_t gid = pw->pw_gid;
  if (!p.group.empty()) {
    const group* gr = ::getgrnam(p.group.c_str());
    if (!gr) return unexpected<std::string>("process.group: no group named '" + p.group + "'");
    gid = gr->gr_gid;
  }
  // The database stays writable after the switch: hand the data directory to the new user.
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data_dir, ec))
    (void)::chown(entry.path().c_str(), pw->pw_uid, gid);
  (void)::chown(data_dir.c_str(), pw->pw_uid, gid);
  if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(pw->pw_uid) != 0)
    return unexpected<std::string>("cannot drop privileges to '" + p.user + "' (run as root?)");
  if (::setuid(0) == 0) return unexpected<std::string>("privileges could be regained after dropping them");
  spdlog::info("dropped privileges to user {}", p.user);
  return {};
}

}  // namespace

struct TrackerApp::Impl {
  explicit Impl(TrackerConfig c)
      : config(std::move(c)),
        store(SwarmStore::Options{config.tracker.shards, config.tracker.peer_timeout}),
        access(config.tracker.mode),
        ids(config.udp.connection_id_lifetime, config.udp.connection_id_grace),
        accounting(Accounting::Options{std::uint64_t{config.tracker.max_rate} << 20,
                                       config.tracker.peer_timeout, 16}),
        details(config.tracker.peer_details),
        service(config.tracker, store, access, stats, ids, &registry, &accounting, &details) {}

  void handle_http(const HttpRequest& req, HttpResponse& res);
  void maintenance_loop();
  /// Once a minute (on the maintenance thread): a SwarmHistory sample of the totals, the request
  /// counts since the last sample, and every swarm's counts.
  void record_history();
  expected<void, std::string> start_accounts();
  /// Called by AccountService (on an API worker thread) after users or passkeys changed: create,
  /// enable/disable, role change, delete, passkey rotation.
  void on_users_changed() {
    if (config.tracker.mode != TrackerMode::private_mode || !private_tracking) return;
    if (auto r = private_tracking->refresh(); !r)
      spdlog::error("private registry reload after an account change failed: {}", r.error().message);
  }

  TrackerConfig config;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  SwarmStore store;
  AccessList access;
  TrackerStats stats;
  SwarmHistory history;
  std::int64_t last_history_minute = 0;
  std::uint64_t history_counts[4] = {0, 0, 0, 0};  // announces udp/http, scrapes udp/http at the last sample
  ConnectionIds ids;
  PrivateRegistry registry;
  Accounting accounting;
  PeerDetails details;
  TrackerService service;
  std::unique_ptr<PrivateTracking> private_tracking;
  std::unique_ptr<Storage> storage;
  std::unique_ptr<Persistence> persistence;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<UdpServer> udp;
  std::vector<PeerEndpoint> tls_endpoints;
  std::atomic<bool> database_ok{true};

  // Accounts and the REST API (/api/v1). api_storage is the API's own connection for the
  // allow/deny endpoints (Persistence's instance belongs to its writer thread).
  std::unique_ptr<AccountStore> account_store;
  std::unique_ptr<AccountService> accounts;
  std::unique_ptr<ApiService> api;
  std::unique_ptr<HttpServer> api_http;  ///< only when api.listen is set
  std::unique_ptr<Storage> api_storage;
  std::mutex api_storage_mutex;

  std::thread maintenance;
  std::mutex maintenance_mutex;
  std::condition_variable maintenance_wake;
  bool stopping = false;
  bool running = false;
};

void TrackerApp::Impl::handle_http(const HttpRequest& req, HttpResponse& res) {
  thread_local TrackerService::Scratch scratch;
  const std::string_view path = req.path();
  const bool get = req.method() == "GET" || req.method() == "HEAD";
  if (path.starts_with("/api/") && api && !api_http) {
    api->handle(req, res);
    return;
  }
  // "/announce/<passkey>", "/scrape/<passkey>": private mode's URLs (ignored in other modes).
  const bool announce = path == "/announce" || path.starts_with("/announce/");
  if (announce || path == "/scrape" || path.starts_with("/scrape/")) {
    const std::string_view passkey = passkey_from_url(path);
    if (!get) {
      res.status = 405;
      res.add_header("Allow", "GET, HEAD");
      res.body = "method not allowed\n";
      return;
    }
    res.content_type = "text/plain";
    if (announce)
      service.http_announce(req.query(), req.client_address(), unix_now(), scratch, res.body,
                            passkey);
    else
      service.http_scrape(req.query(), unix_now(), scratch, res.body, passkey);
    return;
  }
  const auto uptime = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count());
  TrackerStats::Gauges gauges;
  gauges.uptime_seconds = uptime;
  gauges.http_connections = http ? http->open_connections() : 0;
  gauges.allowed_torrents = access.allowed_count();
  gauges.denied_torrents = access.denied_count();
  gauges.database_ok = database_ok.load();
  if (udp) {
    const UdpServerCounters c = udp->counters();
    gauges.udp_received = c.received;
    gauges.udp_sent = c.replies_sent;
    gauges.udp_dropped = c.dropped();
    gauges.udp_batches = c.batches;
  }
  if (get && path == "/health") {
    res.content_type = "application/json";
    const bool ok = gauges.database_ok;
    res.status = ok ? 200 : 503;
    res.body = fmt::format("{{\"status\":\"{}\",\"uptime_seconds\":{},\"database\":{}}}\n",
                           ok ? "ok" : "degraded", uptime, ok ? "true" : "false");
    return;
  }
  if (get && path == "/stats") {
    res.content_type = "application/json";
    res.body = stats.json(store.totals(), gauges) + "\n";
    return;
  }
  if (config.tracker.mode == TrackerMode::private_mode && get && path == "/metrics") {
    const Accounting::Counters a = accounting.counters();
    gauges.accounting = true;
    gauges.accounting_announces = a.announces;
    gauges.accounting_resets = a.resets;
    gauges.accounting_dropped = a.dropped;
    gauges.accounting_baselines = accounting.peer_count();
  }
  if (get && path == "/metrics") {
    res.content_type = "text/plain; version=0.0.4";
    res.body = stats.prometheus(store.totals(), gauges);
    return;
  }
  if (path == "/admin/reload") {
    res.content_type = "application/json";
    if (req.method() != "POST") {
      res.status = 405;
      res.add_header("Allow", "POST");
      res.body = R"({"error":{"code":"method_not_allowed","message":"use POST"}})" "\n";
      return;
    }
    const auto auth = req.header("Authorization");
    const std::string_view prefix = "Bearer ";
    if (config.process.admin_token.empty() || !auth || !auth->starts_with(prefix) ||
        !same_secret(auth->substr(prefix.size()), config.process.admin_token)) {
      res.status = 401;
      res.add_header("WWW-Authenticate", "Bearer");
      res.body = R"({"error":{"code":"unauthorized","message":"a valid admin token is required"}})" "\n";
      return;
    }
    auto lists = persistence->reload_lists();
    if (lists)
      if (auto r = private_tracking->refresh(); !r)
        lists = unexpected<std::string>("private registry: " + r.error().message);
    std::string tls_error;
    if (!tls_endpoints.empty())
      if (auto r = http->reload_tls(); !r) tls_error = r.error();
    if (!lists) {
      res.status = 500;
      res.body = fmt::format(R"({{"error":{{"code":"reload_failed","message":"{}"}}}})" "\n",
                             json_escape(lists.error()));
      return;
    }
    spdlog::info("reloaded by admin call: {} allowed, {} denied", lists->allowed, lists->denied);
    res.body = fmt::format(R"({{"allowed":{},"denied":{},"tls":"{}"}})" "\n", lists->allowed,
                           lists->denied, tls_error.empty() ? "ok" : json_escape(tls_error));
    return;
  }
  res.status = 404;
  res.body = "not found\n";
}

void TrackerApp::Impl::record_history() {
  const std::int64_t now = static_cast<std::int64_t>(unix_now());
  const std::int64_t minute = now - now % kFineStep;
  if (minute == last_history_minute) return;
  const bool first = last_history_minute == 0;
  last_history_minute = minute;
  const std::uint64_t counts[4] = {stats.total(Protocol::udp, Event::announce), stats.total(Protocol::http, Event::announce),
                                   stats.total(Protocol::udp, Event::scrape), stats.total(Protocol::http, Event::scrape)};
  TotalsPoint t;
  std::vector<std::pair<Sha1Digest, SwarmCounts>> swarms;
  store.for_each_swarm([&](const Sha1Digest& h, const SwarmCounts& c) {
    swarms.emplace_back(h, c);
    t.completed += c.completed;
    if (c.seeders + c.leechers > 0) ++t.torrents;
    t.seeders += c.seeders;
    t.leechers += c.leechers;
  });
  t.peers = t.seeders + t.leechers;
  if (!first) {  // the first sample after a start has no previous counts to subtract
    t.announces_udp = counts[0] - history_counts[0];
    t.announces_http = counts[1] - history_counts[1];
    t.scrapes_udp = counts[2] - history_counts[2];
    t.scrapes_http = counts[3] - history_counts[3];
  }
  std::copy(std::begin(counts), std::end(counts), std::begin(history_counts));
  history.record(now, t, swarms);
}

void TrackerApp::Impl::maintenance_loop() {
  auto next_sweep = std::chrono::steady_clock::now() + std::chrono::seconds(config.tracker.sweep_interval);
  auto next_health = std::chrono::steady_clock::now();
  auto next_session_purge = std::chrono::steady_clock::now() + std::chrono::hours(1);
  std::unique_lock lock(maintenance_mutex);
  while (!stopping) {
    maintenance_wake.wait_for(lock, std::chrono::seconds(1), [this] { return stopping; });
    if (stopping) break;
    lock.unlock();
    const auto now = std::chrono::steady_clock::now();
    stats.tick(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count()));
    if (now >= next_sweep) {
      const auto removed = store.sweep(unix_now());
      if (removed) spdlog::debug("sweep removed {} expired peers", removed);
      if (config.tracker.mode == TrackerMode::private_mode) accounting.sweep(unix_now());
      next_sweep = now + std::chrono::seconds(config.tracker.sweep_interval);
    }
    record_history();
    if (now >= next_session_purge && accounts) {
      accounts->purge_expired_sessions();  // expired sessions are refused anyway; this frees rows
      next_session_purge = now + std::chrono::hours(1);
    }
    if (now >= next_health) {
      const bool ok = persistence->healthy();
      if (ok != database_ok.exchange(ok))
        ok ? spdlog::info("database answers again") : spdlog::error("database does not answer");
      next_health = now + std::chrono::seconds(5);
    }
    lock.lock();
  }
}

expected<void, std::string> TrackerApp::Impl::start_accounts() {
  const TrackerConfig& c = config;
  auto opened = open_sqlite_account_store(c.database_path());
  if (!opened) return unexpected<std::string>("accounts: " + opened.error().message);
  account_store = std::move(*opened);
  AccountPolicy policy;
  policy.registration = c.accounts.registration == "open"     ? RegistrationMode::open
                        : c.accounts.registration == "invite" ? RegistrationMode::invite
                                                              : RegistrationMode::closed;
  policy.min_password_length = c.accounts.min_password_length;
  policy.scrypt.log2_n = c.accounts.password_cost;
  policy.session_lifetime = std::chrono::seconds(c.accounts.session_lifetime);
  policy.remember_lifetime = std::chrono::seconds(c.accounts.remember_lifetime);
  policy.login_failures_per_account = c.accounts.login_max_failures;
  policy.login_failures_per_address = c.accounts.login_max_failures_per_address;
  policy.login_window = std::chrono::seconds(c.accounts.login_lockout);
  policy.login_lockout = std::chrono::seconds(c.accounts.login_lockout);
  AccountHooks hooks;
  hooks.on_users_changed = [this] { on_users_changed(); };
  accounts = std::make_unique<AccountService>(*account_store, policy, std::move(hooks));
  accounts->purge_expired_sessions();
  if (!c.accounts.initial_admin.empty()) {
    auto created = accounts->ensure_initial_admin(c.accounts.initial_admin);
    if (!created) return unexpected<std::string>("accounts: initial admin: " + created.error().message);
    if (*created) {
      // Shown once: only the scrypt hash is stored.
      std::cout << "initial admin: " << c.accounts.initial_admin << " password: " << **created << "\n";
      std::cout.flush();
      spdlog::warn("created the initial admin '{}'; its password was printed on stdout, once",
                   c.accounts.initial_admin);
    }
  }
  auto lists_db = open_sqlite_storage(c.database_path());
  if (!lists_db) return unexpected<std::string>("api: " + lists_db.error());
  api_storage = std::move(*lists_db);

  ApiOptions options;
  options.threads = c.api.threads;
  options.max_body_bytes = c.api.max_body_bytes;
  options.rate_per_second = c.api.rate_limit;
  options.rate_burst = c.api.rate_burst;
  api = std::make_unique<ApiService>(*accounts, options);
  AccountApiDeps deps;
  deps.load_list = [this](AccessListKind kind) -> expected<std::vector<AccessListEntry>, std::string> {
    std::lock_guard lock(api_storage_mutex);
    return api_storage->load_list(kind);
  };
  deps.add_to_list = [this](AccessListKind kind, const Sha1Digest& h,
                            std::string_view note) -> expected<bool, std::string> {
    std::lock_guard lock(api_storage_mutex);
    return api_storage->add_to_list(kind, h, note);
  };
  deps.remove_from_list = [this](AccessListKind kind, const Sha1Digest& h) -> expected<bool, std::string> {
    std::lock_guard lock(api_storage_mutex);
    return api_storage->remove_from_list(kind, h);
  };
  deps.reload_lists = [this]() -> expected<void, std::string> {
    auto r = persistence->reload_lists();
    if (!r) return unexpected<std::string>(r.error());
    return {};
  };
  deps.settings = [this] {
    const TrackerConfig& k = config;
    const char* mode = k.tracker.mode == TrackerMode::listed        ? "listed"
                       : k.tracker.mode == TrackerMode::public_mode ? "public"
                                                                    : "private";
    nlohmann::json j;
    j["tracker"] = {{"mode", mode},
                    {"announce_interval", k.tracker.announce_interval},
                    {"min_interval", k.tracker.min_interval},
                    {"numwant_default", k.tracker.numwant_default},
                    {"numwant_max", k.tracker.numwant_max},
                    {"peer_timeout", k.tracker.peer_timeout},
                    {"full_scrape", k.tracker.full_scrape}};
    j["listeners"] = {{"udp", k.udp.listen}, {"http", k.http.listen}, {"tls", k.tls.listen},
                      {"api", k.api.listen}};
    j["accounts"] = {{"registration", k.accounts.registration},
                     {"min_password_length", k.accounts.min_password_length},
                     {"password_cost", k.accounts.password_cost},
                     {"session_lifetime", k.accounts.session_lifetime},
                     {"remember_lifetime", k.accounts.remember_lifetime},
                     {"login_max_failures", k.accounts.login_max_failures},
                     {"login_max_failures_per_address", k.accounts.login_max_failures_per_address},
                     {"login_lockout", k.accounts.login_lockout}};
    j["api"] = {{"threads", k.api.threads}, {"max_body_bytes", k.api.max_body_bytes},
                {"rate_limit", k.api.rate_limit}, {"rate_burst", k.api.rate_burst},
                {"public_url", k.api.public_url}, {"ingest_rate", k.api.ingest_rate},
                {"ingest_burst", k.api.ingest_burst}};
    j["storage"] = {{"flush_interval", k.storage.flush_interval}};
    return j;
  };
  register_account_routes(api->router(), *accounts, std::move(deps));
  register_history_routes(api->router(), history, [] { return static_cast<std::int64_t>(unix_now()); });
  register_swarm_routes(api->router(), store, history, details, c.tracker.mode == TrackerMode::private_mode,
                        [] { return static_cast<std::int64_t>(unix_now()); });
  // The private-tracking endpoints exist only in private mode (elsewhere: 404 like any unknown
  // path). private_tracking was created by start() before this runs.
  if (c.tracker.mode == TrackerMode::private_mode)
    register_private_routes(api->router(), *accounts, *private_tracking);
  // The torrent catalog (catalog_api.hpp): its own store connection; live numbers from the swarms.
  if (auto r = register_catalog_routes(
          api->router(), *accounts,
          {c.database_path(), c.tracker.mode == TrackerMode::private_mode,
           c.tracker.mode == TrackerMode::private_mode ? private_tracking.get() : nullptr,
           [this](const Sha1Digest& h) { return store.scrape(h); }, c.api.threads, c.api.public_url, c.api.ingest_rate,
           static_cast<double>(c.api.ingest_burst)});
      !r)
    return r;
  api->start();
  return {};
}

TrackerApp::TrackerApp(TrackerConfig config) : m_impl(std::make_unique<Impl>(std::move(config))) {}

TrackerApp::~TrackerApp() {
  if (m_impl->running) (void)stop();
}

expected<void, std::string> TrackerApp::start() {
  Impl& s = *m_impl;
  const TrackerConfig& c = s.config;
  std::error_code ec;
  std::filesystem::create_directories(c.storage.data_dir, ec);
  if (ec)
    return unexpected<std::string>("cannot create data directory " + c.storage.data_dir.string() +
                                   ": " + ec.message());
  auto db = open_sqlite_storage(c.database_path());
  if (!db) return unexpected<std::string>(db.error());
  s.storage = std::move(*db);
  s.persistence = std::make_unique<Persistence>(*s.storage, s.store, s.access, c.storage.flush_interval);
  // Private mode's registry and accounting: two connections of their own (the management facade
  // serves API threads; the writer thread flushes accounting).
  auto tracking_store = open_sqlite_private_store(c.database_path());
  if (!tracking_store) return unexpected<std::string>(tracking_store.error().message);
  s.private_tracking = std::make_unique<PrivateTracking>(std::move(*tracking_store), &s.registry, &s.store);
  if (c.tracker.mode == TrackerMode::private_mode) {
    auto accounting_store = open_sqlite_private_store(c.database_path());
    if (!accounting_store) return unexpected<std::string>(accounting_store.error().message);
    s.persistence->attach_accounting(s.accounting, std::move(*accounting_store), c.tracker.peer_timeout);
    auto registry = s.private_tracking->refresh();
    if (!registry) return unexpected<std::string>("loading private registry: " + registry.error().message);
    spdlog::info("private mode: {} users, {} registered torrents", registry->first, registry->second);
  }
  s.persistence->attach_history(s.history);
  auto loaded = s.persistence->load();
  if (!loaded) return unexpected<std::string>("loading saved state: " + loaded.error());
  spdlog::info("database {}: {} completed counts, {} allowed, {} denied, {} snapshot peers restored",
               c.database_path().string(), loaded->completed_counts, loaded->allowed, loaded->denied,
               loaded->snapshot_peers);

  if (auto r = s.start_accounts(); !r) return r;

  HttpServerOptions hopts;
  hopts.server_name = "shoal-tracker";
  hopts.request_timeout = std::chrono::seconds(c.http.request_timeout);
  hopts.keepalive_timeout = std::chrono::seconds(c.http.keepalive_timeout);
  hopts.max_connections = c.http.max_connections;
  hopts.max_header_bytes = c.http.max_request_bytes;
  hopts.max_body_bytes = 64 * 1024;  // announce/scrape carry none; /admin/reload a small one
  // The API answers oversized bodies itself (JSON 413) up to this; the server cuts off beyond.
  hopts.max_body_bytes = std::max<std::size_t>(hopts.max_body_bytes, 2 * std::size_t{c.api.max_body_bytes});
  for (const auto& text : c.http.trusted_proxies) {
    auto range = AddressRange::parse(text);
    if (!range) return unexpected<std::string>("http.trusted_proxies: not an address or range: " + text);
    hopts.trusted_proxies.push_back(*range);
  }
  // A route with a larger limit of its own (private mode's .torrent upload) raises it, but only
  // on the listeners that serve the API, and per request: once a header is read the server asks
  // the API what this request may carry (ApiService::body_limit: the larger limit only for that
  // route's raw type with a credential), so nobody else can make it buffer more than hopts allows.
  HttpServerOptions api_hopts = hopts;
  api_hopts.max_body_bytes = std::max(hopts.max_body_bytes, s.api->largest_body_limit());
  api_hopts.body_limit = [&s, base = hopts.max_body_bytes](const HttpRequest& req) {
    return req.path().starts_with("/api/") ? std::max(base, s.api->body_limit(req)) : base;
  };
  if (!c.http.listen.empty() || !c.tls.listen.empty()) {
    const HttpServerOptions& front = c.api.listen.empty() ? api_hopts : hopts;
    s.http = std::make_unique<HttpServer>(front, [&s](const HttpRequest& req, HttpResponse& res) {
      s.handle_http(req, res);
    });
    for (const auto& addr : c.http.listen) {
      auto bound = s.http->listen(addr);
      if (!bound) return unexpected<std::string>("http.listen: " + bound.error());
    }
    for (const auto& addr : c.tls.listen) {
      auto bound = s.http->listen_tls(addr, c.tls.certificate, c.tls.private_key);
      if (!bound) return unexpected<std::string>("tls.listen: " + bound.error());
      s.tls_endpoints.push_back(*bound);
    }
  }
  if (!c.api.listen.empty()) {
    s.api_http = std::make_unique<HttpServer>(api_hopts, [&s](const HttpRequest& req, HttpResponse& res) {
      if (req.path().starts_with("/api/")) return s.api->handle(req, res);
      write_api_reply(ApiReply::error(404, "not_found", "this listener serves /api/ only"), res);
    });
    for (const auto& addr : c.api.listen) {
      auto bound = s.api_http->listen(addr);
      if (!bound) return unexpected<std::string>("api.listen: " + bound.error());
      std::cout << "api URL: http://" << url_host(*bound) << ":" << bound->port << "/api/v1\n";
    }
    std::cout.flush();
  }
  if (!c.udp.listen.empty()) {
    UdpServerOptions uopts;
    for (const auto& addr : c.udp.listen) {
      auto e = PeerEndpoint::parse(addr);
      if (!e) return unexpected<std::string>("udp.listen: not an address:port: " + addr);
      uopts.listen.push_back(*e);
    }
    uopts.threads = c.udp.threads;
    s.udp = std::make_unique<UdpServer>(uopts, [&s](std::size_t) -> DatagramHandler {
      auto scratch = std::make_shared<TrackerService::Scratch>();
      return [&s, scratch](std::string_view datagram, const PeerEndpoint& from, std::string& reply) {
        s.service.udp_datagram(datagram, from, unix_now(), *scratch, reply);
      };
    });
    if (auto r = s.udp->start(); !r) return unexpected<std::string>("udp.listen: " + r.error());
  }
  if (auto r = drop_privileges(c.process, c.storage.data_dir); !r) {
    if (s.udp) s.udp->stop();
    return unexpected<std::string>(r.error());
  }
  if (s.http) s.http->run(c.http.threads);
  if (s.api_http) s.api_http->run(c.http.threads);
  s.persistence->start();
  s.stopping = false;
  s.maintenance = std::thread([&s] { s.maintenance_loop(); });
  s.running = true;
  return {};
}

expected<std::string, std::string> TrackerApp::reload() {
  Impl& s = *m_impl;
  auto lists = s.persistence->reload_lists();
  if (!lists) return unexpected<std::string>("reloading lists: " + lists.error());
  std::string summary = fmt::format("{} allowed, {} denied", lists->allowed, lists->denied);
  if (s.config.tracker.mode == TrackerMode::private_mode) {
    auto registry = s.private_tracking->refresh();
    if (!registry) return unexpected<std::string>(summary + "; private registry: " + registry.error().message);
    summary += fmt::format("; {} users, {} registered torrents", registry->first, registry->second);
  }
  if (s.http && !s.tls_endpoints.empty()) {
    if (auto r = s.http->reload_tls(); !r) return unexpected<std::string>(summary + "; TLS: " + r.error());
    summary += "; TLS certificate reloaded";
  }
  return summary;
}

expected<void, std::string> TrackerApp::stop() {
  Impl& s = *m_impl;
  if (!s.running) return {};
  s.running = false;
  {
    std::lock_guard lock(s.maintenance_mutex);
    s.stopping = true;
  }
  s.maintenance_wake.notify_all();
  if (s.maintenance.joinable()) s.maintenance.join();
  if (s.udp) s.udp->stop();
  if (s.http) s.http->stop();
  if (s.api_http) s.api_http->stop();
  if (s.api) s.api->stop();  // after the servers: their deferred answers finish first
  return s.persistence->stop(true);
}

PrivateTracking* TrackerApp::private_tracking() { return m_impl->private_tracking.get(); }

std::vector<std::string> TrackerApp::announce_urls() const {
  const Impl& s = *m_impl;
  std::vector<std::string> urls;
  if (s.udp) {
    for (const auto& e : s.udp->local_endpoints()) {
      std::string url = "udp://" + url_host(e) + ":" + std::to_string(e.port) + "/announce";
      if (std::find(urls.begin(), urls.end(), url) == urls.end()) urls.push_back(std::move(url));
    }
  }
  if (s.http) {
    for (const auto& e : s.http->local_endpoints()) {
      const bool tls = std::find(s.tls_endpoints.begin(), s.tls_endpoints.end(), e) != s.tls_endpoints.end();
      urls.push_back(std::string(tls ? "https://" : "http://") + url_host(e) + ":" +
                     std::to_string(e.port) + "/announce");
    }
  }
  return urls;
}

}  // namespace shoal::tracker
