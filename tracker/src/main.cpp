// shoal-tracker: the daemon and its operator subcommands.
//
//   shoal-tracker [--config FILE] [flags]           run the tracker (Ctrl-C / SIGTERM: graceful stop,
//                                                   SIGHUP: reload allow/deny lists and TLS files)
//   shoal-tracker allow|deny add HASH... [--note T] edit the access lists in the database
//   shoal-tracker allow|deny remove HASH...
//   shoal-tracker allow|deny list
//   shoal-tracker torrent add FILE.torrent...         register torrents (private mode)
//   shoal-tracker torrent add --v1 HEX --v2 HEX [--name N]
//   shoal-tracker torrent list | remove ID|HASH... | flag ID|HASH [--freeleech on|off] [--neutral on|off]
//   shoal-tracker admin create-user NAME [--role admin|user] [--email E] [--password-stdin]
//   shoal-tracker --print-config / --check-config
#include <CLI/CLI.hpp>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "shoal/proto/hash.hpp"
#include "shoal/tracker/account_service.hpp"
#include "shoal/tracker/account_store.hpp"
#include "shoal/tracker/config.hpp"
#include "shoal/tracker/private_tracking.hpp"
#include "shoal/server/secret_token.hpp"
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

struct TorrentCommand {
  std::string action;                 // add | list | remove | flag
  std::vector<std::string> args;      // files, ids or hashes
  std::string v1, v2, name, freeleech, neutral;
};

std::string torrent_line(const TorrentRecord& t) {
  std::string flags;
  if (t.freeleech) flags += "freeleech";
  if (t.neutral) flags += flags.empty() ? "neutral" : ",neutral";
  return std::to_string(t.id) + "\t" + (t.info_hash_v1 ? t.info_hash_v1->hex() : "-") + "\t" +
         (t.info_hash_v2 ? t.info_hash_v2->hex() : "-") + "\t" + (flags.empty() ? "-" : flags) +
         "\t" + t.name;
}

// An id ("12") or a 20-byte tracker id (40 hex: v1, or the first 20 bytes of v2) or a full v2
// hash (64 hex) → the torrent's id.
std::optional<std::int64_t> resolve_torrent(PrivateTracking& tracking, const std::string& text) {
  if (!text.empty() && text.size() < 19 && text.find_first_not_of("0123456789") == std::string::npos)
    return std::stoll(text);
  std::optional<Sha1Digest> id = Sha1Digest::from_hex(text);
  if (!id)
    if (auto v2 = Sha256Digest::from_hex(text)) id = truncated_v2(*v2);
  if (!id) {
    std::cerr << "shoal-tracker: not a torrent id or info-hash: '" << text << "'\n";
    return std::nullopt;
  }
  auto found = tracking.find(*id);
  if (!found) {
    std::cerr << "shoal-tracker: " << found.error().message << "\n";
    return std::nullopt;
  }
  if (!*found) {
    std::cerr << "shoal-tracker: " << text << ": not registered\n";
    return std::nullopt;
  }
  return (*found)->id;
}

int run_torrent_command(const TrackerConfig& config, const TorrentCommand& cmd) {
  auto store = open_sqlite_private_store(config.database_path());
  if (!store) {
    std::cerr << "shoal-tracker: " << store.error().message << "\n";
    return 1;
  }
  PrivateTracking tracking(std::move(*store), nullptr);
  const auto report = [](const PrivateStoreError& e) {
    std::cerr << "shoal-tracker: " << e.message << "\n";
    return e.code == PrivateStoreErrc::database ? 1 : 2;
  };
  if (cmd.action == "list") {
    auto list = tracking.list();
    if (!list) return report(list.error());
    for (const auto& t : *list) std::cout << torrent_line(t) << "\n";
    return 0;
  }
  const char* apply = "send SIGHUP to a running tracker (or POST /admin/reload) to apply\n";
  if (cmd.action == "add") {
    if (!cmd.v1.empty() || !cmd.v2.empty()) {
      std::optional<Sha1Digest> v1;
      std::optional<Sha256Digest> v2;
      if (!cmd.v1.empty() && !(v1 = Sha1Digest::from_hex(cmd.v1))) {
        std::cerr << "shoal-tracker: --v1: not a 40-character hex info-hash\n";
        return 2;
      }
      if (!cmd.v2.empty() && !(v2 = Sha256Digest::from_hex(cmd.v2))) {
        std::cerr << "shoal-tracker: --v2: not a 64-character hex info-hash\n";
        return 2;
      }
      auto t = tracking.register_info_hashes(v1, v2, cmd.name);
      if (!t) return report(t.error());
      std::cout << torrent_line(*t) << "\n" << apply;
      return 0;
    }
    if (cmd.args.empty()) {
      std::cerr << "shoal-tracker: torrent add: give .torrent files, or --v1/--v2\n";
      return 2;
    }
    int status = 0;
    for (const auto& file : cmd.args) {
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        std::cerr << "shoal-tracker: " << file << ": cannot open\n";
        status = 2;
        continue;
      }
      std::ostringstream bytes;
      bytes << in.rdbuf();
      auto t = tracking.register_torrent_file(bytes.str());
      if (!t) {
        std::cerr << file << ": ";
        status = std::max(status, report(t.error()));
        continue;
      }
      std::cout << torrent_line(*t) << "\n";
    }
    std::cout << apply;
    return status;
  }
  if (cmd.args.empty()) {
    std::cerr << "shoal-tracker: torrent " << cmd.action << ": give a torrent id or info-hash\n";
    return 2;
  }
  if (cmd.action == "remove") {
    for (const auto& text : cmd.args) {
      auto id = resolve_torrent(tracking, text);
      if (!id) return 2;
      if (auto r = tracking.unregister(*id); !r) return report(r.error());
      std::cout << *id << ": removed\n";
    }
    std::cout << apply;
    return 0;
  }
  // flag
  const auto on_off = [](const std::string& v) -> std::optional<bool> {
    if (v.empty()) return std::nullopt;
    return v == "on";
  };
  for (const auto& text : cmd.args) {
    auto id = resolve_torrent(tracking, text);
    if (!id) return 2;
    auto t = tracking.set_flags(*id, on_off(cmd.freeleech), on_off(cmd.neutral));
    if (!t) return report(t.error());
    std::cout << torrent_line(*t) << "\n";
  }
  std::cout << apply;
  return 0;
}

struct CreateUserCommand {
  bool requested = false;
  std::string username, role = "admin", email;
  bool password_stdin = false;
};

// `admin create-user`: creates an account directly in the database (before the first start, the
// tracker then creates no initial admin). Without --password-stdin a random password is generated
// and printed once.
int run_create_user(const TrackerConfig& config, const CreateUserCommand& cmd) {
  std::error_code ec;
  std::filesystem::create_directories(config.storage.data_dir, ec);
  auto store = open_sqlite_account_store(config.database_path());
  if (!store) {
    std::cerr << "shoal-tracker: " << store.error().message << "\n";
    return 1;
  }
  std::string password;
  const bool generated = !cmd.password_stdin;
  if (cmd.password_stdin) {
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
  } else {
    password = new_random_password();
  }
  AccountPolicy policy;
  policy.min_password_length = config.accounts.min_password_length;
  policy.scrypt.log2_n = config.accounts.password_cost;
  AccountService accounts(**store, policy);
  auto user = accounts.create_user(cmd.username, password,
                                   cmd.role == "admin" ? Role::admin : Role::user,
                                   cmd.email.empty() ? std::nullopt : std::optional(cmd.email));
  if (!user) {
    std::cerr << "shoal-tracker: admin create-user: " << user.error().message << "\n";
    return user.error().kind == AccountError::Kind::internal ? 1 : 2;
  }
  accounts.audit(nullptr, "admin.create_user_cli", user->id, "", std::string(role_name(user->role)));
  std::cout << "created " << role_name(user->role) << " '" << user->username << "' (id " << user->id
            << ")\n";
  if (generated) std::cout << "password: " << password << "\n";
  std::cout << "a running tracker accepts its sign-in at once (private mode announces: after SIGHUP)\n";
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
  app.add_option("--mode", mode, "public, listed or private (tracker.mode)")
      ->check(CLI::IsMember({"public", "listed", "private"}));
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
  TorrentCommand torrent_cmd;
  {
    auto* sub = app.add_subcommand("torrent", "register torrents for private mode (in the database)");
    sub->add_option("action", torrent_cmd.action, "add | list | remove | flag")
        ->required()
        ->check(CLI::IsMember({"add", "list", "remove", "flag"}));
    sub->add_option("args", torrent_cmd.args, "add: .torrent files; remove/flag: ids or info-hashes");
    sub->add_option("--v1", torrent_cmd.v1, "add: v1 info-hash (40 hex) instead of a file");
    sub->add_option("--v2", torrent_cmd.v2, "add: v2 info-hash (64 hex, full SHA-256) instead of a file");
    sub->add_option("--name", torrent_cmd.name, "add: name stored with --v1/--v2");
    sub->add_option("--freeleech", torrent_cmd.freeleech, "flag: downloads not counted")
        ->check(CLI::IsMember({"on", "off"}));
    sub->add_option("--neutral", torrent_cmd.neutral, "flag: neither direction counted")
        ->check(CLI::IsMember({"on", "off"}));
    sub->fallthrough();
  }
  CreateUserCommand create_user;
  {
    auto* admin = app.add_subcommand("admin", "manage accounts in the database");
    auto* sub = admin->add_subcommand("create-user", "create an account (default role: admin)");
    sub->add_option("username", create_user.username, "3-32 of A-Z a-z 0-9 . _ -")->required();
    sub->add_option("--role", create_user.role, "admin or user")
        ->check(CLI::IsMember({"admin", "user"}))
        ->capture_default_str();
    sub->add_option("--email", create_user.email, "email address (optional)");
    sub->add_flag("--password-stdin", create_user.password_stdin)
        ->description("read the password from the first line of stdin (default: generate and print one)");
    sub->callback([&create_user] { create_user.requested = true; });
    sub->fallthrough();
    admin->fallthrough();
    admin->require_subcommand(1, 1);
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
  if (!mode.empty())
    config.tracker.mode = mode == "listed"    ? TrackerMode::listed
                          : mode == "private" ? TrackerMode::private_mode
                                              : TrackerMode::public_mode;
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
  if (!torrent_cmd.action.empty()) return run_torrent_command(config, torrent_cmd);
  if (create_user.requested) return run_create_user(config, create_user);

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
  spdlog::info("shoal-tracker running in {} mode",
               config.tracker.mode == TrackerMode::listed         ? "listed"
               : config.tracker.mode == TrackerMode::private_mode ? "private"
                                                                  : "public");
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
