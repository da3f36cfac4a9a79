// shoal tracker ...: the command line for shoal-tracker's REST API (/api/v1, docs/api.md):
// login/logout, the caller's account, API keys and passkey, and user administration. Where the
// API is and which credential to send: tracker_api_config.hpp. HTTP: shoal::peer::HttpClient.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "progress_bar.hpp"
#include "shoal/peer/atomic_file.hpp"
#include "shoal/peer/http_client.hpp"
#include "tracker_api_config.hpp"
#include "tracker_api_session.hpp"

namespace shoal::cli {

namespace {

namespace peer = shoal::peer;
using nlohmann::json;

constexpr std::string_view kCommand = kTrackerCommand;

/// Bound on a password read from stdin or the terminal (the API accepts at most 4096 bytes).
constexpr std::size_t kMaxPasswordLength = 4096;

/// Writes the config file: its directory made 0700 when created, the file 0600, atomically.
void save_stored_login(const ApiArgs& a, const std::filesystem::path& path, const StoredLogin& login) {
  std::error_code ec;
  const auto dir = path.parent_path();
  if (!std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir.parent_path(), ec);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
      command_failed(kCommand, a.json, "config_error",
                     dir.string() + ": cannot create: " + std::strerror(errno), 1);
  }
  // write_file_atomically creates with 0666 & ~umask: a umask of 077 makes that 0600. The CLI is
  // single-threaded here, so the process-wide umask is safe to change for the call.
  const mode_t old_mask = ::umask(077);
  auto written = peer::write_file_atomically(path, stored_login_text(login), /*overwrite=*/true);
  ::umask(old_mask);
  if (!written) command_failed(kCommand, a.json, "config_error", written.error().message, 1);
}

void print_user(const json& u) {
  print_fields({{"id", cell(member(u, "id"))},
                {"username", cell(member(u, "username"))},
                {"role", cell(member(u, "role"))},
                {"enabled", cell(member(u, "enabled"))},
                {"email", cell(member(u, "email"))},
                {"created", time_cell(member(u, "created_at"))},
                {"last login", time_cell(member(u, "last_login_at"))}});
  if (member(u, "deleted").is_boolean() && member(u, "deleted").get<bool>()) print_fields({{"deleted", "yes"}});
}

// ---- passwords ---------------------------------------------------------------------------------

/// The first line of stdin, without its line end.
std::string read_password_stdin(const ApiArgs& a) {
  std::string line;
  if (!std::getline(std::cin, line) && line.empty())
    usage_failed(a, "--password-stdin: no password on standard input");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) usage_failed(a, "--password-stdin: the password is empty");
  if (line.size() > kMaxPasswordLength) usage_failed(a, "--password-stdin: the password is too long");
  return line;
}

/// The terminal whose echo prompt_password() turned off, for the signal handler to restore.
int g_prompt_tty = -1;
termios g_prompt_saved{};

void restore_terminal_and_die(int signo) {
  // Only async-signal-safe calls: put echo back, then die of the signal as if unhandled.
  if (g_prompt_tty >= 0) ::tcsetattr(g_prompt_tty, TCSAFLUSH, &g_prompt_saved);
  ::signal(signo, SIG_DFL);
  ::raise(signo);
}

/// Asks on the controlling terminal with echo off; fails (exit 2) when there is none. Echo is
/// restored even when Ctrl-C (or SIGTERM, SIGHUP, SIGQUIT) interrupts the prompt.
std::string prompt_password(const ApiArgs& a, const std::string& prompt) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0 || !::isatty(STDIN_FILENO)) {
    if (fd >= 0) ::close(fd);
    usage_failed(a, "no terminal to ask for the password on: use --password-stdin");
  }
  termios saved{};
  const bool have_termios = ::tcgetattr(fd, &saved) == 0;
  constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  struct sigaction previous[std::size(kSignals)] = {};
  if (have_termios) {
    g_prompt_tty = fd;
    g_prompt_saved = saved;
    struct sigaction restore {};
    restore.sa_handler = restore_terminal_and_die;
    sigemptyset(&restore.sa_mask);
    for (std::size_t i = 0; i < std::size(kSignals); ++i) {
      ::sigaction(kSignals[i], nullptr, &previous[i]);
      if (previous[i].sa_handler != SIG_IGN) ::sigaction(kSignals[i], &restore, nullptr);  // ignored stays ignored
    }
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ICANON;
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  [[maybe_unused]] auto w = ::write(fd, prompt.data(), prompt.size());
  std::string line;
  char ch = 0;
  while (line.size() <= kMaxPasswordLength && ::read(fd, &ch, 1) == 1 && ch != '\n') line += ch;
  if (have_termios) {
    ::tcsetattr(fd, TCSAFLUSH, &saved);
    for (std::size_t i = 0; i < std::size(kSignals); ++i) ::sigaction(kSignals[i], &previous[i], nullptr);
    g_prompt_tty = -1;
  }
  w = ::write(fd, "\n", 1);
  ::close(fd);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) usage_failed(a, "no password given");
  if (line.size() > kMaxPasswordLength) usage_failed(a, "the password is too long");
  return line;
}

// ---- subcommands -----------------------------------------------------------------------------

struct LoginArgs {
  std::string user;
  bool password_stdin = false;
  bool remember = false;
};

void run_login(const ApiArgs& a, const LoginArgs& l) {
  Api api(a, Api::Key::none);
  const std::string password =
      l.password_stdin ? read_password_stdin(a)
                       : prompt_password(a, fmt::format("Password for {} at {}: ", l.user, api.credentials().url));
  json body = {{"username", l.user}, {"password", password}};
  if (l.remember) body["remember"] = true;
  json answer = api.call("POST", "/api/v1/auth/login", body);
  const json& token = member(answer, "token");
  if (!token.is_string() || token.get<std::string>().empty())
    command_failed(kCommand, a.json, "bad_response", "the login answer has no token", 1);
  const auto path = config_path(a);
  save_stored_login(a, path, {api.credentials().url, token.get<std::string>(), l.user});
  if (a.json) {
    answer.erase("token");  // the secrets stay in the config file, out of logs and terminals
    answer.erase("csrf_token");
    answer["url"] = api.credentials().url;
    answer["config_file"] = path.string();
    print_json(answer);
    return;
  }
  const json& user = member(answer, "user");
  fmt::print("logged in to {} as {} ({})\n", api.credentials().url, cell(member(user, "username")),
             cell(member(user, "role")));
  fmt::print("session expires {}; token stored in {}\n", time_cell(member(answer, "expires_at")), path.string());
}

void run_logout(const ApiArgs& a) {
  const auto path = config_path(a);
  auto stored = load_stored_login(a, path);
  Api api(a, Api::Key::required);
  unsigned status = 0;
  // A session that already ended (401) is logged out all the same.
  api.call("POST", "/api/v1/auth/logout", std::nullopt, &status, {401});
  bool removed = false;
  if (stored && !stored->token.empty() && stored->url == api.credentials().url) {
    stored->token.clear();
    save_stored_login(a, path, *stored);
    removed = true;
  }
  if (a.json) {
    print_json({{"logged_out", true}, {"url", api.credentials().url}, {"token_removed", removed}});
    return;
  }
  fmt::print("logged out of {}{}\n", api.credentials().url,
             status == 401 ? " (the session had already ended)" : "");
  if (removed) fmt::print("removed the token from {}\n", path.string());
}

void run_me(const ApiArgs& a) {
  Api api(a, Api::Key::required);
  const json answer = api.call("GET", "/api/v1/me");
  if (a.json) return print_json(answer);
  print_user(member(answer, "user"));
  print_fields({{"credential", cell(member(answer, "credential"))}, {"scopes", cell(member(answer, "scopes"))}});
  if (!member(answer, "session_expires_at").is_null())
    print_fields({{"session expires", time_cell(member(answer, "session_expires_at"))}});
}

struct StatsArgs {
  std::optional<int> limit;
  std::optional<int> offset;
};

/// GET /api/v1/me/stats (private-mode trackers): totals, ratio and the per-torrent rows.
void run_stats(const ApiArgs& a, const StatsArgs& s) {
  Api api(a, Api::Key::required);
  const json answer = api.call("GET", paging("/api/v1/me/stats", s.limit, s.offset));
  if (a.json) return print_json(answer);
  const json& totals = member(answer, "totals");
  const json& ratio = member(totals, "ratio");
  print_fields({{"uploaded", bytes_cell(member(totals, "uploaded"))},
                {"downloaded", bytes_cell(member(totals, "downloaded"))},
                {"completed", cell(member(totals, "completed"))},
                {"ratio", ratio.is_number() ? fmt::format("{:.3f}", ratio.get<double>()) : "-"}});
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : member(answer, "torrents"))
    rows.push_back({cell(member(t, "torrent_id")), cell(member(t, "name")), bytes_cell(member(t, "uploaded")),
                    bytes_cell(member(t, "downloaded")), time_cell(member(t, "completed_at")),
                    time_cell(member(t, "last_announce"))});
  if (rows.empty()) return;
  std::cout << "\n";
  print_table({"ID", "NAME", "UPLOADED", "DOWNLOADED", "COMPLETED", "LAST ANNOUNCE"}, rows);
  fmt::print("{} of {} torrents\n", rows.size(), cell(member(answer, "torrent_count")));
}

// ---- users ---------------------------------------------------------------------------------------

struct UsersArgs {
  std::string query;
  std::optional<int> limit;
  std::optional<int> offset;
  std::string user;  // ID or username
  std::string role;
  bool yes = false;
  bool password_stdin = false;
};

/// A user argument: a numeric id, or a username looked up exactly.
std::int64_t user_id(const ApiArgs& a, Api& api, const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos && text.size() < 19)
    return std::stoll(text);
  if (text.empty() || text.size() > 64) usage_failed(a, "give a user id or a username");
  const json page = api.call("GET", "/api/v1/admin/users?limit=500&q=" + query_escape(text));
  for (const auto& u : member(page, "users"))
    if (member(u, "username") == text) return member(u, "id").get<std::int64_t>();
  command_failed(kCommand, a.json, "not_found", "no user called '" + text + "'", 1);
}

void run_users_list(const ApiArgs& a, const UsersArgs& u) {
  Api api(a, Api::Key::required);
  std::string target = "/api/v1/admin/users";
  if (!u.query.empty()) target += "?q=" + query_escape(u.query);
  const json answer = api.call("GET", paging(target, u.limit, u.offset));
  if (a.json) return print_json(answer);
  std::vector<std::vector<std::string>> rows;
  for (const auto& user : member(answer, "users"))
    rows.push_back({cell(member(user, "id")), cell(member(user, "username")), cell(member(user, "role")),
                    cell(member(user, "enabled")), time_cell(member(user, "created_at")),
                    time_cell(member(user, "last_login_at"))});
  print_table({"ID", "USERNAME", "ROLE", "ENABLED", "CREATED", "LAST LOGIN"}, rows);
  fmt::print("{} of {} users\n", rows.size(), cell(member(answer, "total")));
}

void run_users_show(const ApiArgs& a, const UsersArgs& u) {
  Api api(a, Api::Key::required);
  const json answer = api.call("GET", fmt::format("/api/v1/admin/users/{}", user_id(a, api, u.user)));
  if (a.json) return print_json(answer);
  print_user(member(answer, "user"));
}

void run_users_patch(const ApiArgs& a, const UsersArgs& u, const json& change, std::string_view what) {
  Api api(a, Api::Key::required);
  const json answer =
      api.call("PATCH", fmt::format("/api/v1/admin/users/{}", user_id(a, api, u.user)), change);
  if (a.json) return print_json(answer);
  const json& user = member(answer, "user");
  fmt::print("{} {} (id {}): role {}, {}\n", what, cell(member(user, "username")), cell(member(user, "id")),
             cell(member(user, "role")),
             member(user, "enabled") == true ? "enabled" : "disabled");
}

void run_users_delete(const ApiArgs& a, const UsersArgs& u) {
  if (!u.yes) usage_failed(a, "deleting user " + u.user + " cannot be undone: add --yes");
  Api api(a, Api::Key::required);
  const auto id = user_id(a, api, u.user);
  api.call("DELETE", fmt::format("/api/v1/admin/users/{}", id));
  if (a.json) return print_json({{"deleted", id}});
  fmt::print("deleted user {}\n", id);
}

void run_users_reset_password(const ApiArgs& a, const UsersArgs& u) {
  std::optional<json> body;
  if (u.password_stdin) body = json{{"new_password", read_password_stdin(a)}};
  Api api(a, Api::Key::required);
  const auto id = user_id(a, api, u.user);
  const json answer = api.call("POST", fmt::format("/api/v1/admin/users/{}/password", id), body);
  if (a.json) {
    json out = answer;
    if (u.password_stdin && out.is_object()) out.erase("password");  // the caller knows it
    return print_json(out);
  }
  if (u.password_stdin) {
    fmt::print("password of user {} set; their sessions have ended\n", id);
  } else {
    fmt::print("new password of user {}: {}\n", id, cell(member(answer, "password")));
    fmt::print("(shown only this once; their sessions have ended)\n");
  }
}

// ---- keys ----------------------------------------------------------------------------------------

struct KeysArgs {
  std::string name;
  std::vector<std::string> scopes;
  std::string expires;
  std::int64_t id = 0;
};

void run_keys_list(const ApiArgs& a) {
  Api api(a, Api::Key::required);
  const json answer = api.call("GET", "/api/v1/me/keys");
  if (a.json) return print_json(answer);
  std::vector<std::vector<std::string>> rows;
  for (const auto& k : member(answer, "keys"))
    rows.push_back({cell(member(k, "id")), cell(member(k, "name")), cell(member(k, "prefix")),
                    cell(member(k, "scopes")), time_cell(member(k, "created_at")),
                    time_cell(member(k, "expires_at")), time_cell(member(k, "last_used_at")),
                    time_cell(member(k, "revoked_at"))});
  print_table({"ID", "NAME", "PREFIX", "SCOPES", "CREATED", "EXPIRES", "LAST USED", "REVOKED"}, rows);
}

void run_keys_create(const ApiArgs& a, const KeysArgs& k) {
  json body = {{"name", k.name}, {"scopes", k.scopes}};
  if (!k.expires.empty()) {
    auto at = parse_expiry(k.expires);
    if (!at)
      usage_failed(a, "--expires '" + k.expires +
                          "' is not a date (2030-01-31, 2030-01-31T12:00:00Z) or Unix seconds");
    body["expires_at"] = *at;
  }
  Api api(a, Api::Key::required);
  const json answer = api.call("POST", "/api/v1/me/keys", body);
  if (a.json) return print_json(answer);
  print_fields({{"key", cell(member(answer, "key"))},
                {"id", cell(member(answer, "id"))},
                {"name", cell(member(answer, "name"))},
                {"scopes", cell(member(answer, "scopes"))},
                {"expires", member(answer, "expires_at").is_null() ? "never" : time_cell(member(answer, "expires_at"))}});
  fmt::print("(the key is shown only this once: store it now)\n");
}

void run_keys_revoke(const ApiArgs& a, const KeysArgs& k) {
  if (k.id <= 0) usage_failed(a, "a key id is a positive number (see `shoal tracker keys list`)");
  Api api(a, Api::Key::required);
  api.call("DELETE", fmt::format("/api/v1/me/keys/{}", k.id));
  if (a.json) return print_json({{"revoked", k.id}});
  fmt::print("revoked API key {}\n", k.id);
}

// ---- passkey -------------------------------------------------------------------------------------

void run_passkey(const ApiArgs& a, bool rotate) {
  Api api(a, Api::Key::required);
  const json answer = rotate ? api.call("POST", "/api/v1/me/passkey") : api.call("GET", "/api/v1/me/passkey");
  if (a.json) return print_json(answer);
  if (rotate) fmt::print("new passkey: {} (the old one no longer works)\n", cell(member(answer, "passkey")));
  else fmt::print("{}\n", cell(member(answer, "passkey")));
}

}  // namespace

void register_tracker_api(CLI::App& app) {
  auto args = std::make_shared<ApiArgs>();
  auto* cmd = app.add_subcommand(
      "tracker", "Talk to a shoal-tracker's REST API: log in, your account, API keys, passkey, users, the torrent catalog");
  cmd->require_subcommand(1, 1);
  cmd->add_option("--url", args->url,
                  "Tracker base URL, e.g. https://tracker.example (default: $SHOAL_TRACKER_URL, then "
                  "the URL stored by `login`)");
  cmd->add_option("--key", args->key,
                  "API key or session token (default: $SHOAL_API_KEY, then the token stored by `login`)");
  cmd->add_flag("--json", args->json)->description("Print the API's JSON answers");
  cmd->add_flag("--insecure", args->insecure)->description("HTTPS: do not verify the certificate");
  cmd->add_option("--ca-file", args->ca_file, "HTTPS: a PEM file of extra trusted certificates")
      ->check(CLI::ExistingFile);
  cmd->add_option("--timeout", args->timeout_seconds, "Seconds allowed for each API call")
      ->capture_default_str();
  cmd->footer(
      "Credentials: --url/--key, else SHOAL_TRACKER_URL/SHOAL_API_KEY, else the config file written\n"
      "by `shoal tracker login` ($XDG_CONFIG_HOME/shoal/tracker.json or ~/.config/shoal/tracker.json,\n"
      "mode 0600); its token is only sent to the URL it was issued by.");

  auto login = std::make_shared<LoginArgs>();
  CLI::App* c = sub(cmd, "login", "Sign in and store the session token in the config file");
  c->add_option("--user", login->user, "Username")->required();
  c->add_flag("--password-stdin", login->password_stdin)
      ->description("Read the password from the first line of stdin (default: ask on the terminal)");
  c->add_flag("--remember", login->remember)->description("A long-lived (remember-me) session");
  c->callback([args, login] { run_login(*args, *login); });

  sub(cmd, "logout", "End the stored session and remove its token")->callback([args] { run_logout(*args); });
  sub(cmd, "me", "Show your account")->callback([args] { run_me(*args); });
  auto stats = std::make_shared<StatsArgs>();
  c = sub(cmd, "stats", "Your upload/download totals, ratio and torrents (private-mode trackers)");
  c->add_option("--limit", stats->limit, "At most this many torrents (0-500; default 50)")
      ->check(CLI::Range(0, 500));
  c->add_option("--offset", stats->offset, "Skip this many torrents")->check(CLI::Range(0, 1000000000));
  c->callback([args, stats] { run_stats(*args, *stats); });

  // users (admin)
  auto u = std::make_shared<UsersArgs>();
  auto* users = sub(cmd, "users", "Manage users (admins only)");
  users->require_subcommand(1, 1);
  c = sub(users, "list", "List or search users");
  c->add_option("--query,-q", u->query, "Search in usernames and emails");
  c->add_option("--limit", u->limit, "At most this many (0-500; default 50)")->check(CLI::Range(0, 500));
  c->add_option("--offset", u->offset, "Skip this many")->check(CLI::Range(0, 1000000000));
  c->callback([args, u] { run_users_list(*args, *u); });
  auto user_arg = [&u](CLI::App* s) { s->add_option("user", u->user, "User id or username")->required(); };
  c = sub(users, "show", "Show one user");
  user_arg(c);
  c->callback([args, u] { run_users_show(*args, *u); });
  c = sub(users, "set-role", "Make a user an admin or a plain user");
  user_arg(c);
  c->add_option("role", u->role, "admin or user")->required()->check(CLI::IsMember({"admin", "user"}));
  c->callback([args, u] { run_users_patch(*args, *u, {{"role", u->role}}, "updated"); });
  c = sub(users, "disable", "Disable a user (their sessions end)");
  user_arg(c);
  c->callback([args, u] { run_users_patch(*args, *u, {{"enabled", false}}, "disabled"); });
  c = sub(users, "enable", "Enable a disabled user");
  user_arg(c);
  c->callback([args, u] { run_users_patch(*args, *u, {{"enabled", true}}, "enabled"); });
  c = sub(users, "delete", "Delete a user (accounting totals are kept anonymously)");
  user_arg(c);
  c->add_flag("--yes", u->yes)->description("Confirm the deletion");
  c->callback([args, u] { run_users_delete(*args, *u); });
  c = sub(users, "reset-password", "Reset a user's password (generated and printed once)");
  user_arg(c);
  c->add_flag("--password-stdin", u->password_stdin)
      ->description("Set the password read from the first line of stdin instead");
  c->callback([args, u] { run_users_reset_password(*args, *u); });

  // keys
  auto k = std::make_shared<KeysArgs>();
  auto* keys = sub(cmd, "keys", "Your API keys");
  keys->require_subcommand(1, 1);
  sub(keys, "list", "List your API keys (prefixes only)")->callback([args] { run_keys_list(*args); });
  c = sub(keys, "create", "Create an API key (printed once)");
  c->add_option("name", k->name, "A name to recognise it by")->required();
  c->add_option("--scope", k->scopes, "read, write, admin, ingest or feed (repeat; at least one)")
      ->required()
      ->allow_extra_args(false)
      ->check(CLI::IsMember({"read", "write", "admin", "ingest", "feed"}));
  c->add_option("--expires", k->expires, "Expiry: 2030-01-31, 2030-01-31T12:00:00Z or Unix seconds");
  c->callback([args, k] { run_keys_create(*args, *k); });
  c = sub(keys, "revoke", "Revoke an API key");
  c->add_option("id", k->id, "Key id (from `keys list`)")->required();
  c->callback([args, k] { run_keys_revoke(*args, *k); });

  // passkey
  auto* passkey = sub(cmd, "passkey", "Your passkey (private-mode announce URLs)");
  passkey->require_subcommand(1, 1);
  sub(passkey, "show", "Print your passkey")->callback([args] { run_passkey(*args, false); });
  sub(passkey, "rotate", "Replace your passkey (the old one stops working)")
      ->callback([args] { run_passkey(*args, true); });

  // the torrent catalog: search, torrents, upload, ingest
  register_tracker_catalog(*cmd, args);
}

}  // namespace shoal::cli
