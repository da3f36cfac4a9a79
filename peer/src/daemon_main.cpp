// shoal-peer: the peer daemon (peer_daemon.hpp) with its control API (control_api.hpp).
//
//   shoal-peer --config peer.toml              run
//   shoal-peer --config peer.toml keys create NAME [--scope read,write]
//   shoal-peer --config peer.toml keys list | keys revoke ID|NAME
//
// On start it prints "api URL: http://HOST:PORT/api/v1" and "peer port: N" (tests and scripts
// read them) and, the first time, where the generated admin key was written.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "shoal/peer/control_api.hpp"
#include "shoal/peer/daemon_config.hpp"
#include "shoal/peer/peer_daemon.hpp"
#include "shoal/server/api_service.hpp"
#include "shoal/server/http_server.hpp"

namespace {

using namespace shoal;
using namespace shoal::peer;

std::string url_host(const PeerEndpoint& e) {
  const std::string a = e.address.to_string();
  return e.address.is_v4() ? a : "[" + a + "]";
}

int keys_command(const DaemonConfig& config, const std::string& action, const std::string& arg,
                 const std::string& scopes_text) {
  auto keys = ApiKeyStore::open(config.state_dir);
  if (!keys) {
    std::cerr << "shoal-peer: " << keys.error() << "\n";
    return 1;
  }
  if (action == "list") {
    for (const auto& k : (*keys)->list()) {
      std::string scopes;
      for (const auto& s : server::scope_names(k.scopes)) scopes += (scopes.empty() ? "" : ",") + s;
      std::cout << k.id << "  " << k.prefix << "...  " << k.name << "  " << scopes << "\n";
    }
    return 0;
  }
  if (action == "revoke") {
    auto r = (*keys)->revoke(arg);
    if (!r) {
      std::cerr << "shoal-peer: " << r.error() << "\n";
      return 1;
    }
    if (!*r) {
      std::cerr << "shoal-peer: no key " << arg << "\n";
      return 1;
    }
    std::cout << "revoked " << arg << " (a running node refuses it within a second)\n";
    return 0;
  }
  server::ScopeSet set = 0;
  std::string rest = scopes_text;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string name = rest.substr(0, comma);
    auto s = server::parse_scope(name);
    if (!s || (*s != server::Scope::read && *s != server::Scope::write && *s != server::Scope::admin)) {
      std::cerr << "shoal-peer: unknown scope '" << name << "' (read, write, admin)\n";
      return 2;
    }
    set |= server::scope_bit(*s);
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
  }
  auto k = (*keys)->create(arg, set);
  if (!k) {
    std::cerr << "shoal-peer: " << k.error() << "\n";
    return 1;
  }
  std::cout << k->key << "\n";
  return 0;
}

volatile std::sig_atomic_t g_signal = 0;
void on_signal(int signo) { g_signal = signo; }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"shoal-peer: a BitTorrent peer node with a control API"};
  std::string config_path;
  app.add_option("-c,--config", config_path, "TOML configuration file (docs/peer.md)");
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();
  auto* keys = app.add_subcommand("keys", "manage the control API's keys (the daemon need not run)");
  std::string key_action, key_arg, key_scopes = "read,write";
  keys->add_option("action", key_action, "create, list or revoke")->required()->check(CLI::IsMember({"create", "list", "revoke"}));
  keys->add_option("name", key_arg, "key name (create) or id/name (revoke)");
  keys->add_option("--scope", key_scopes, "comma-separated scopes: read, write, admin")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto level = spdlog::level::from_str(log_level);
  spdlog::set_level(level);

  DaemonConfig config;
  if (!config_path.empty()) {
    auto loaded = load_daemon_config(config_path);
    if (!loaded) {
      std::cerr << "shoal-peer: " << loaded.error() << "\n";
      return 2;
    }
    config = std::move(*loaded);
  } else {
    auto defaults = parse_daemon_config("", "defaults", std::filesystem::current_path());
    config = std::move(*defaults);
  }
  if (keys->parsed()) {
    if ((key_action == "create" || key_action == "revoke") && key_arg.empty()) {
      std::cerr << "shoal-peer: keys " << key_action << " needs a name\n";
      return 2;
    }
    return keys_command(config, key_action, key_arg, key_scopes);
  }

  auto daemon = PeerDaemon::create(config);
  if (!daemon) {
    std::cerr << "shoal-peer: " << daemon.error().message << "\n";
    return 1;
  }
  auto initial = (*daemon)->keys().ensure_initial_key();
  if (!initial) {
    std::cerr << "shoal-peer: " << initial.error() << "\n";
    return 1;
  }
  if (*initial) std::cout << "api key written to " << (*initial)->string() << "\n";

  server::ApiOptions aopts;
  aopts.threads = config.api_threads;
  aopts.rate_per_second = config.api_rate_per_second;
  aopts.rate_burst = config.api_rate_burst;
  server::ApiService api((*daemon)->keys(), aopts);
  register_control_routes(api.router(), **daemon);

  server::HttpServerOptions hopts;
  hopts.server_name = "shoal-peer";
  hopts.max_body_bytes = api.largest_body_limit();
  hopts.body_limit = [&api](const server::HttpRequest& req) { return api.body_limit(req); };
  server::HttpServer http(hopts, [&api](const server::HttpRequest& req, server::HttpResponse& res) {
    if (req.path().starts_with("/api/")) return api.handle(req, res);
    server::write_api_reply(server::ApiReply::error(404, "not_found", "the control API is under /api/v1"), res);
  });
  auto bound = http.listen(config.api_listen);
  if (!bound) {
    std::cerr << "shoal-peer: api.listen: " << bound.error() << "\n";
    return 1;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  api.start();
  http.run(2);
  (*daemon)->start();
  std::cout << "api URL: http://" << url_host(*bound) << ":" << bound->port << "/api/v1\n";
  std::cout << "peer port: " << (*daemon)->listen_port() << "\n";
  std::cout.flush();
  spdlog::info("shoal-peer: state in {}, downloads in {}", config.state_dir.string(), config.download_dir.string());

  while (g_signal == 0) {
    struct timespec ts{0, 200'000'000};
    nanosleep(&ts, nullptr);
  }
  spdlog::info("shoal-peer: stopping (signal {})", static_cast<int>(g_signal));
  http.stop();
  api.stop();
  (*daemon)->stop();
  return 0;
}
