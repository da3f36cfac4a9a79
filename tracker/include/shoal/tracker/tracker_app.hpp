#pragma once
// TrackerApp: shoal-tracker assembled — configuration in, running UDP and HTTP(S) fronts out.
// It owns the swarm store, access list, statistics, connection-id key, database and persistence,
// the two servers and a maintenance thread (statistics tick every second, expiry sweep every
// sweep_interval, database health), and routes HTTP requests:
//
//   GET  /announce, /scrape     BEP 3/23/48 (bencoded, always 200); also /announce/<passkey>
//                               and /scrape/<passkey> (private mode; other modes ignore the key)
//   GET  /health                {"status":"ok"|"degraded","uptime_seconds":…,"database":true|false}
//   GET  /stats                 JSON figures and per-second rates over the last minute
//   GET  /metrics               Prometheus text format
//   POST /admin/reload          re-read allow/deny lists, private registry, TLS files; needs
//                               `Authorization: Bearer <process.admin_token>`
//   /api/v1/...                 the REST API (accounts, keys, admin; docs/api.md) — here, or on
//                               api.listen's own listeners when set. At the first start on an
//                               empty database an admin is created and its password printed
//                               ("initial admin: NAME password: P") on stdout, once.
//
//   TrackerApp app(config);
//   if (auto r = app.start(); !r) { log(r.error()); return 1; }
//   for (auto& url : app.announce_urls()) print(url);
//   ... app.reload() on SIGHUP ...
//   app.stop();   // graceful: fronts closed, counts flushed, swarm snapshot saved
//
// start() and stop() are called from one thread; reload() may be called from any thread.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "shoal/proto/expected.hpp"
#include "shoal/tracker/config.hpp"

namespace shoal::tracker {

class PrivateTracking;

class TrackerApp {
public:
  explicit TrackerApp(TrackerConfig config);
  ~TrackerApp();
  TrackerApp(const TrackerApp&) = delete;
  TrackerApp& operator=(const TrackerApp&) = delete;

  /// Creates the data directory, opens the database, loads the saved state, binds every
  /// listener, drops privileges if configured, and starts serving. An error names its cause;
  /// nothing is left running after an error.
  expected<void, std::string> start();

  /// Re-reads the allow/deny lists and the TLS certificate and key. Returns a summary line.
  expected<std::string, std::string> reload();

  /// Graceful shutdown: closes the fronts, flushes completed counts, saves the swarm snapshot.
  expected<void, std::string> stop();

  /// "udp://127.0.0.1:6969/announce", "http://…/announce", "https://…/announce" for each bound
  /// listener (wildcard addresses shown as the loopback address of their family).
  std::vector<std::string> announce_urls() const;

  /// The management facade of private mode (registering torrents, flags, accounting reports,
  /// refresh() after user changes); null before start(). Valid until the app is destroyed.
  PrivateTracking* private_tracking();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace shoal::tracker
