// shoal-tracker: the daemon and its operator subcommands.
//
//   shoal-tracker [--config FILE] [flags]           run the tracker (Ctrl-C / SIGTERM: graceful stop,
//                                                   SIGHUP: reload allow/deny lists and TLS files)
//   shoal-tracker allow|deny add HASH... [--note T] edit the access lists in the database
//   shoal-tracker allow|deny remove HASH...
//   shoal-tracker allow|deny list
//   shoal-tracker --print-config / --check-config
#include <CLI/CLI.hpp>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>

#include "shoal/proto/hash.hpp"
#include "shoal/tracker/config.hpp"
#include "shoal/tracker/storage.hpp"
#include "shoal/tracker/tracker_app.hpp"

using namespace shoal;
using namespace shoal::tracker;

namespace {

void setup_logging(const LogSettings& log) {
  auto logger = spdlog::stderr_color_mt("shoal-tracker");
  if (log.json)
    logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","message":"%v"})");
  else
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  logger->set_level(spdlog::level::from_str(log.level));
  spdlog::set_default_logger(logger);
}

int run_list_command(const TrackerConfig& config, AccessListKind kind, const std::string& action,
                     const std::vector<std::string>& hashes, const std::string& note) {
  auto db = open_sqlite_storage(config.database_path());
  if (!db) {
    std::cerr << "shoal-tracker: " << db.error() << "\n";
    return 1;
  }
  const char* list_name = kind == AccessListKind::allow ? "allow" : "deny";
  if (action == "list") {
    auto entries = (*db)->load_list(kind);
    if (!entries) {
      std::cerr << "shoal-tracker: " << entries.error() << "\n";
      return 1;
    }
    for (const auto& e : *entries) std::cout << e.info_hash.hex() << (e.note.empty() ? "" : "  ") << e.note << "\n";
    return 0;
  }
  // Validate every hash before changing anything: bad input changes nothing.
  std::vector<Sha1Digest> parsed;
  for (const auto& h : hashes) {
    auto d = Sha1Digest::from_hex(h);
    if (!d) {
      std::cerr << "shoal-tracker: not a 40-character hex info-hash: '" << h << "'\n";
      return 2;
    }
    parsed.push_back(*d);
  }
  if (parsed.empty()) {
    std::cerr << "shoal-tracker: " << list_name << " " << action << ": give at least one info-hash\n";
    return 2;
  }
  for (const auto& d : parsed) {
    auto r = action == "add" ? (*db)->add_to_list(kind, d, note) : (*db)->remove_from_list(kind, d);
    if (!r) {
      std::cerr << "shoal-tracker: " << r.error() << "\n";
      return 1;
    }
    std::cout << d.hex() << ": " << (*r ? (action == "add" ? "added to " : "removed from ")
                                        : (action == "add" ? "already on " : "not on "))
              << list_name << " list\n";
  }
  std::cout << "send SIGHUP to a running tracker (or POST /admin/reload) to apply\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"shoal-tracker — HTTP and UDP BitTorrent tracker (BEP 3, 7, 15, 23, 41, 48)"};
  app.set_version_flag("--version", std::string("shoal-tracker 0.1.0"));
  std::string config_path;
  app.add_option("-c,--config", config_path, "TOML configuration file")->check(CLI::ExistingFile);
  std::string mode, data_dir, log_level, admin_token;
  std::vector<std::string> udp_listen, http_listen;
  app.add_option("--mode", mode, "public or listed (tracker.mode)")->check(CLI::IsMember({"public", "listed"}));
  app.add_option("--udp", udp_listen, "UDP listen address, repeatable; 'off' disables (udp.listen)");
  app.add_option("--http", http_listen, "HTTP listen address, repeatable; 'off' disables (http.listen)");
  app.add_option("--data-dir", data_dir, "directory for the database (storage.data_dir)");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|critical|off (log.level)");
  bool log_json = false, print_config = false, check_config = false;
  app.add_flag("--log-json", log_json)->description("log one JSON object per line (log.json)");
  app.add_flag("--print-config", print_config)->description("print the effective configuration as TOML and exit");
  app.add_flag("--check-config", check_config)->description("validate the configuration and exit");

  std::string list_action, note;
  std::vector<std::string> list_hashes;
  AccessListKind list_kind = AccessListKind::allow;
  for (auto [name, kind] : {std::pair{"allow", AccessListKind::allow}, std::pair{"deny", AccessListKind::deny}}) {
    auto* sub = app.add_subcommand(name, std::string("edit the ") + name + " list in the database");
    sub->add_option("action", list_action, "add | remove | list")->required()->check(CLI::IsMember({"add", "remove", "list"}));
    sub->add_option("hashes", list_hashes, "info-hashes (40 hex characters)");
    sub->add_option("--note", note, "note stored with added hashes");
    sub->callback([&list_kind, kind = kind] { list_kind = kind; });
    // Global options are accepted after the subcommand too: `allow add HASH --data-dir D`.
    sub->fallthrough();
  }
  app.require_subcommand(0, 1);
  app.footer(
      "Defaults (no --config): public mode; UDP and HTTP on 0.0.0.0:6969 and [::]:6969; SQLite at\n"
      "./shoal-data/tracker.db; announce interval 1800 s ±10%, min interval 300 s; numwant 50,\n"
      "at most 200; peers expire after 2700 s. --print-config shows every key with its value.\n"
      "Signals: SIGHUP reloads the allow/deny lists and TLS files; SIGINT/SIGTERM stop gracefully.");
  CLI11_PARSE(app, argc, argv);

  TrackerConfig config;
  if (!config_path.empty()) {
    auto loaded = load_config_file(config_path);
    if (!loaded) {
      std::cerr << "shoal-tracker: " << loaded.error() << "\n";
      return 2;
    }
    config = std::move(*loaded);
  }
  if (!mode.empty()) config.tracker.mode = mode == "listed" ? TrackerMode::listed : TrackerMode::public_mode;
  auto listen_override = [](std::vector<std::string>& target, const std::vector<std::string>& given) {
    if (given.empty()) return;
    target.clear();
    for (const auto& g : given)
      if (g != "off") target.push_back(g);
  };
  listen_override(config.udp.listen, udp_listen);
  listen_override(config.http.listen, http_listen);
  if (!data_dir.empty()) config.storage.data_dir = data_dir;
  if (!log_level.empty()) config.log.level = log_level;
  if (log_json) config.log.json = true;
  if (auto problem = validate(config)) {
    std::cerr << "shoal-tracker: invalid configuration: " << *problem << "\n";
    return 2;
  }
  if (print_config) {
    std::cout << to_toml(config);
    return 0;
  }
  if (check_config) {
    std::cout << "configuration is valid\n";
    return 0;
  }
  if (!list_action.empty()) return run_list_command(config, list_kind, list_action, list_hashes, note);

  setup_logging(config.log);
  // Signals are taken synchronously by this thread; block them before any thread starts so that
  // every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  TrackerApp tracker(config);
  if (auto r = tracker.start(); !r) {
    spdlog::critical("cannot start: {}", r.error());
    return 1;
  }
  spdlog::info("shoal-tracker running in {} mode", config.tracker.mode == TrackerMode::listed ? "listed" : "public");
  for (const auto& url : tracker.announce_urls()) {
    std::cout << "announce URL: " << url << "\n";
  }
  std::cout.flush();
  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      auto r = tracker.reload();
      if (r) spdlog::info("reloaded: {}", *r);
      else spdlog::error("reload failed: {}", r.error());
      continue;
    }
    spdlog::info("{} received, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    break;
  }
  if (auto r = tracker.stop(); !r) {
    spdlog::error("shutdown: {}", r.error());
    return 1;
  }
  spdlog::info("stopped cleanly");
  return 0;
}
