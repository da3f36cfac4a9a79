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
#include <mutex>
#include <thread>

#include "shoal/tracker/access_list.hpp"
#include "shoal/tracker/address_range.hpp"
#include "shoal/tracker/connection_id.hpp"
#include "shoal/tracker/http_server.hpp"
#include "shoal/tracker/persistence.hpp"
#include "shoal/tracker/stats.hpp"
#include "shoal/tracker/storage.hpp"
#include "shoal/tracker/swarm_store.hpp"
#include "shoal/tracker/tracker_service.hpp"
#include "shoal/tracker/udp_server.hpp"

namespace shoal::tracker {

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
        service(config.tracker, store, access, stats, ids) {}

  void handle_http(const HttpRequest& req, HttpResponse& res);
  void maintenance_loop();

  TrackerConfig config;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  SwarmStore store;
  AccessList access;
  TrackerStats stats;
  ConnectionIds ids;
  TrackerService service;
  std::unique_ptr<Storage> storage;
  std::unique_ptr<Persistence> persistence;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<UdpServer> udp;
  std::vector<PeerEndpoint> tls_endpoints;
  std::atomic<bool> database_ok{true};

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
  if (path == "/announce" || path == "/scrape") {
    if (!get) {
      res.status = 405;
      res.add_header("Allow", "GET, HEAD");
      res.body = "method not allowed\n";
      return;
    }
    res.content_type = "text/plain";
    if (path == "/announce")
      service.http_announce(req.query(), req.client_address(), unix_now(), scratch, res.body);
    else
      service.http_scrape(req.query(), unix_now(), scratch, res.body);
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

void TrackerApp::Impl::maintenance_loop() {
  auto next_sweep = std::chrono::steady_clock::now() + std::chrono::seconds(config.tracker.sweep_interval);
  auto next_health = std::chrono::steady_clock::now();
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
      next_sweep = now + std::chrono::seconds(config.tracker.sweep_interval);
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
  auto loaded = s.persistence->load();
  if (!loaded) return unexpected<std::string>("loading saved state: " + loaded.error());
  spdlog::info("database {}: {} completed counts, {} allowed, {} denied, {} snapshot peers restored",
               c.database_path().string(), loaded->completed_counts, loaded->allowed, loaded->denied,
               loaded->snapshot_peers);

  HttpServerOptions hopts;
  hopts.request_timeout = std::chrono::seconds(c.http.request_timeout);
  hopts.keepalive_timeout = std::chrono::seconds(c.http.keepalive_timeout);
  hopts.max_connections = c.http.max_connections;
  hopts.max_header_bytes = c.http.max_request_bytes;
  hopts.max_body_bytes = 64 * 1024;  // announce/scrape carry none; /admin/reload a small one
  for (const auto& text : c.http.trusted_proxies) {
    auto range = AddressRange::parse(text);
    if (!range) return unexpected<std::string>("http.trusted_proxies: not an address or range: " + text);
    hopts.trusted_proxies.push_back(*range);
  }
  if (!c.http.listen.empty() || !c.tls.listen.empty()) {
    s.http = std::make_unique<HttpServer>(hopts, [&s](const HttpRequest& req, HttpResponse& res) {
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
  return s.persistence->stop(true);
}

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
