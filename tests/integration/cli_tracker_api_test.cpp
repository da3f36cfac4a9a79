// `shoal tracker ...` (cli/src/cmd_tracker_api.cpp): the real `shoal` binary against a real
// shoal-tracker on loopback — login with --password-stdin into a 0600 config file, users,
// API keys (a created key works through SHOAL_API_KEY, a revoked one fails with a clear
// message), passkey rotation, wrong passwords, admin-only commands refused to a plain user,
// logout revoking the session, --json output that parses. Plus unit tests of the pure helpers
// in cli/src/tracker_api_config.hpp (credential precedence, the config file, --expires).
#include <signal.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "process.hpp"
#include "shoal/peer/http_client.hpp"
#include "tracker_api_config.hpp"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using shoal::test::ChildProcess;
using shoal::test::SpawnOptions;
using shoal::test::TempDir;

const std::filesystem::path kTrackerBin = SHOAL_TRACKER_BIN;
const std::filesystem::path kShoalBin = SHOAL_CLI_BIN;
constexpr auto kTimeout = 30s;
constexpr const char* kAlicePassword = "velvet-otter-cactus";

// ---- unit tests of tracker_api_config.hpp ----------------------------------------------------

using shoal::cli::CredentialInputs;
using shoal::cli::StoredLogin;

TEST(TrackerApiConfig, ConfigPathFollowsXdgThenHome) {
  EXPECT_EQ(*shoal::cli::tracker_config_path("/x/cfg", "/home/u"), "/x/cfg/shoal/tracker.json");
  EXPECT_EQ(*shoal::cli::tracker_config_path(std::nullopt, "/home/u"), "/home/u/.config/shoal/tracker.json");
  // A relative XDG_CONFIG_HOME is invalid (XDG Base Directory spec) and ignored.
  EXPECT_EQ(*shoal::cli::tracker_config_path("rel/cfg", "/home/u"), "/home/u/.config/shoal/tracker.json");
  EXPECT_FALSE(shoal::cli::tracker_config_path(std::nullopt, std::nullopt));
  EXPECT_FALSE(shoal::cli::tracker_config_path("", ""));
}

TEST(TrackerApiConfig, NormalizesBaseUrls) {
  EXPECT_EQ(*shoal::cli::normalize_tracker_url("http://127.0.0.1:6969/"), "http://127.0.0.1:6969");
  EXPECT_EQ(*shoal::cli::normalize_tracker_url("HTTPS://t.example:443"), "https://t.example");
  EXPECT_EQ(*shoal::cli::normalize_tracker_url("http://h:8080/tracker//"), "http://h:8080/tracker");
  for (const char* bad : {"udp://h:6969", "ftp://h", "http://h/?q=1", "http://u:p@h/", "h:6969", "",
                          "http://h/#x"})
    EXPECT_FALSE(shoal::cli::normalize_tracker_url(bad)) << bad;
  EXPECT_EQ(shoal::cli::api_url("http://h:1/p", "/api/v1/me"), "http://h:1/p/api/v1/me");
}

TEST(TrackerApiConfig, FlagsBeatEnvironmentBeatConfigFile) {
  const StoredLogin stored{"http://stored:1", "ss_stored", "admin"};
  CredentialInputs in;
  in.stored = stored;
  auto c = shoal::cli::resolve_credentials(in);
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->url, "http://stored:1");
  EXPECT_EQ(c->key, "ss_stored");
  EXPECT_EQ(c->key_source, "config file");

  in.env_url = "http://stored:1/";  // the same tracker: the stored token still applies
  in.env_key = "sk_env";
  c = shoal::cli::resolve_credentials(in);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->url_source, "SHOAL_TRACKER_URL");
  EXPECT_EQ(c->key, "sk_env");
  EXPECT_EQ(c->key_source, "SHOAL_API_KEY");

  in.flag_url = "http://flag:2";
  in.flag_key = "sk_flag";
  c = shoal::cli::resolve_credentials(in);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->url, "http://flag:2");
  EXPECT_EQ(c->url_source, "--url");
  EXPECT_EQ(c->key, "sk_flag");

  in.env_key = "";  // an empty variable counts as unset
  in.flag_key.reset();
  in.flag_url.reset();
  c = shoal::cli::resolve_credentials(in);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->key, "ss_stored");
}

TEST(TrackerApiConfig, StoredTokenIsNeverSentToAnotherTracker) {
  CredentialInputs in;
  in.stored = StoredLogin{"http://stored:1", "ss_stored", "admin"};
  in.flag_url = "http://elsewhere:1";
  auto c = shoal::cli::resolve_credentials(in);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->url, "http://elsewhere:1");
  EXPECT_EQ(c->key, "");
  in.flag_url.reset();
  in.env_url = "http://stored:2";  // another port is another tracker
  c = shoal::cli::resolve_credentials(in);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->key, "");
}

TEST(TrackerApiConfig, NoUrlOrBadUrlIsAnError) {
  auto none = shoal::cli::resolve_credentials({});
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().find("no tracker URL"), std::string::npos) << none.error();
  CredentialInputs in;
  in.env_url = "udp://h:1";
  auto bad = shoal::cli::resolve_credentials(in);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().starts_with("SHOAL_TRACKER_URL: ")) << bad.error();
}

TEST(TrackerApiConfig, ConfigFileRoundTripAndBadFiles) {
  const StoredLogin login{"http://h:1", "ss_x", "admin"};
  auto back = shoal::cli::parse_stored_login(shoal::cli::stored_login_text(login));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->url, login.url);
  EXPECT_EQ(back->token, login.token);
  EXPECT_EQ(back->username, login.username);
  auto logged_out = shoal::cli::parse_stored_login(R"({"url":"http://h:1/"})");
  ASSERT_TRUE(logged_out);
  EXPECT_EQ(logged_out->url, "http://h:1");
  EXPECT_EQ(logged_out->token, "");
  for (const char* bad : {"", "[]", "{", R"({"token":"x"})", R"({"url":5,"token":"x"})",
                          R"({"url":"udp://h:1","token":"x"})", R"({"url":"http://h","token":7})"})
    EXPECT_FALSE(shoal::cli::parse_stored_login(bad)) << bad;
}

TEST(TrackerApiConfig, ExpiryFormats) {
  using shoal::cli::parse_expiry;
  EXPECT_EQ(parse_expiry("1893456000"), 1893456000);
  EXPECT_EQ(parse_expiry("2030-01-01"), 1893456000);
  EXPECT_EQ(parse_expiry("2030-01-01T00:00:00Z"), 1893456000);
  EXPECT_EQ(parse_expiry("2030-01-01 12:30"), 1893456000 + 12 * 3600 + 30 * 60);
  EXPECT_EQ(parse_expiry("2024-02-29T23:59:59"), 1709251199);
  EXPECT_EQ(parse_expiry("1970-01-01"), 0);
  for (const char* bad : {"", "tomorrow", "2030-13-01", "2030-02-30", "2023-02-29", "2030-1-1",
                          "2030-01-01T25:00", "2030-01-01T10", "2030-01-01X10:00", "-5",
                          "99999999999999999999999", "2030-01-01T10:00:00+02:00"})
    EXPECT_FALSE(parse_expiry(bad)) << bad;
  EXPECT_EQ(shoal::cli::format_time(1893456000), "2030-01-01 00:00:00 UTC");
  EXPECT_EQ(shoal::cli::format_time(std::nullopt), "-");
}

TEST(TrackerApiConfig, IngestBatchesRespectItemAndByteLimits) {
  using Batches = std::vector<std::pair<std::size_t, std::size_t>>;
  EXPECT_EQ(shoal::cli::ingest_batches({}, 100, 1000), Batches{});
  // By count: 250 small items in 100 + 100 + 50.
  EXPECT_EQ(shoal::cli::ingest_batches(std::vector<std::size_t>(250, 10), 100, 1 << 20),
            (Batches{{0, 100}, {100, 200}, {200, 250}}));
  // By bytes: 16 of overhead, each item + 1 comma; 1000 bytes hold 9 items of 100.
  EXPECT_EQ(shoal::cli::ingest_batches(std::vector<std::size_t>(20, 100), 100, 1000),
            (Batches{{0, 9}, {9, 18}, {18, 20}}));
  // An item larger than the limit goes alone (the server refuses it; the others still go).
  EXPECT_EQ(shoal::cli::ingest_batches({10, 5000, 10, 10}, 100, 1000), (Batches{{0, 1}, {1, 2}, {2, 4}}));
  // Every item in exactly one batch, in order, within both limits.
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < 1000; ++i) sizes.push_back(1 + (i * 7919) % 3000);
  std::size_t next = 0;
  for (const auto& [first, last] : shoal::cli::ingest_batches(sizes, 100, 40000)) {
    EXPECT_EQ(first, next);
    EXPECT_LT(first, last);
    EXPECT_LE(last - first, 100u);
    std::size_t bytes = 16;
    for (std::size_t i = first; i < last; ++i) bytes += sizes[i] + 1;
    EXPECT_LE(bytes, 40000u);
    next = last;
  }
  EXPECT_EQ(next, sizes.size());
}

TEST(TrackerApiConfig, ErrorTextAndQueryEscaping) {
  std::string code;
  EXPECT_EQ(shoal::cli::api_error_text(
                401, "Unauthorized", R"({"error":{"code":"invalid_token","message":"revoked"}})", code),
            "revoked (HTTP 401, invalid_token)");
  EXPECT_EQ(code, "invalid_token");
  EXPECT_EQ(shoal::cli::api_error_text(502, "Bad Gateway", "<html>", code), "HTTP 502 Bad Gateway");
  EXPECT_EQ(code, "http_502");
  EXPECT_EQ(shoal::cli::query_escape("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
}

// ---- the real binaries -------------------------------------------------------------------------

struct Run {
  int exit = -1000;
  std::string out;
  std::string err;
  json js() const { return json::parse(out, nullptr, false); }
  std::string describe() const { return "exit " + std::to_string(exit) + "\nstdout: " + out + "\nstderr: " + err; }
};

/// A shoal-tracker child on 127.0.0.1 (HTTP only, ephemeral port, cheap password hashing for
/// tests) whose first start creates the initial admin. `extra_toml` with a [tls] listener adds
/// an HTTPS URL.
class Tracker {
public:
  explicit Tracker(const TempDir& dir, const std::vector<std::string>& extra_args = {},
                   const std::string& extra_toml = "") {
    const auto config = dir.write_file(
        "tracker.toml", "[accounts]\nregistration = \"open\"\npassword_cost = 10\n[api]\nrate_limit = 1000\n"
                        "rate_burst = 1000\n" + extra_toml);
    std::vector<std::string> args = {"--config", config.string(), "--data-dir", (dir / "data").string(),
                                     "--udp", "off", "--http", "127.0.0.1:0", "--log-level", "warn"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    m_process = ChildProcess::spawn(kTrackerBin, args);
    m_url = base_url("announce URL: http://");
    if (extra_toml.find("[tls]") != std::string::npos) m_https_url = base_url("announce URL: https://");
    const std::string marker = " password: ";
    for (const auto& l : m_process->output_lines())
      if (l.starts_with("initial admin: ") && l.find(marker) != std::string::npos)
        m_admin_password = l.substr(l.find(marker) + marker.size());
  }
  ~Tracker() {
    if (m_process && m_process->running()) {
      m_process->signal(SIGTERM);
      EXPECT_EQ(m_process->wait_exit(kTimeout), 0) << m_process->describe();
    }
  }
  const std::string& url() const { return m_url; }
  const std::string& https_url() const { return m_https_url; }
  const std::string& admin_password() const { return m_admin_password; }

private:
  /// "announce URL: http://127.0.0.1:PORT/announce" -> "http://127.0.0.1:PORT".
  std::string base_url(std::string_view prefix) {
    auto line = m_process->wait_for_output_line(prefix, kTimeout);
    if (!line) {
      ADD_FAILURE() << "tracker did not print '" << prefix << "': " << m_process->describe();
      return "";
    }
    const std::string url = line->substr(std::string_view("announce URL: ").size());
    return url.substr(0, url.find('/', url.find("://") + 3));
  }

  std::optional<ChildProcess> m_process;
  std::string m_url;
  std::string m_https_url;
  std::string m_admin_password;
};

/// Runs `shoal` with a private HOME/XDG_CONFIG_HOME and no SHOAL_* variables unless given.
class Shoal {
public:
  explicit Shoal(const std::filesystem::path& home) : m_home(home) {}

  std::filesystem::path config_file() const { return m_home / "config" / "shoal" / "tracker.json"; }

  SpawnOptions options(const std::map<std::string, std::string>& env = {}) const {
    SpawnOptions o;
    o.env_set = env;
    o.env_set["HOME"] = m_home.string();
    o.env_set["XDG_CONFIG_HOME"] = (m_home / "config").string();
    for (const char* v : {"SHOAL_TRACKER_URL", "SHOAL_API_KEY"})
      if (!env.contains(v)) o.env_unset.emplace_back(v);
    o.stdin_pipe = true;
    return o;
  }

  Run run(const std::vector<std::string>& args, const std::string& stdin_text = "",
          const std::map<std::string, std::string>& env = {}) const {
    auto child = ChildProcess::spawn(kShoalBin, args, options(env));
    if (!stdin_text.empty()) child.write_stdin(stdin_text);
    child.close_stdin();
    Run r;
    auto rc = child.wait_exit(kTimeout);
    child.wait_output_closed(5s);
    r.exit = rc ? *rc : -1000;
    r.out = child.output();
    r.err = child.output(shoal::test::OutputStream::err);
    return r;
  }

private:
  std::filesystem::path m_home;
};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

/// POST /api/v1/auth/register through the same HTTP client the CLI uses.
void register_user(const std::string& url, const std::string& name) {
  shoal::peer::HttpClient client;
  auto r = client.request("POST", url + "/api/v1/auth/register", {{"Content-Type", "application/json"}},
                          json{{"username", name}, {"password", kAlicePassword}}.dump(), 1 << 20);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->status, 201u) << r->body;
}

TEST(CliTrackerApi, LoginKeysPasskeyAndLogout) {
  TempDir dir;
  Tracker tracker(dir);
  ASSERT_FALSE(tracker.url().empty());
  ASSERT_FALSE(tracker.admin_password().empty());
  const Shoal shoal(dir / "home");
  const std::string url = tracker.url();

  // Wrong password: exit 1, the API's message, nothing stored.
  auto wrong = shoal.run({"tracker", "login", "--url", url, "--user", "admin", "--password-stdin"},
                         "not-the-password\n");
  EXPECT_EQ(wrong.exit, 1) << wrong.describe();
  EXPECT_NE(wrong.err.find("shoal tracker: wrong username or password (HTTP 401, invalid_credentials)"),
            std::string::npos) << wrong.describe();
  EXPECT_FALSE(std::filesystem::exists(shoal.config_file()));
  // The password is never an argument; without --password-stdin and no terminal: usage error.
  EXPECT_EQ(shoal.run({"tracker", "login", "--url", url, "--user", "admin", "--password",
                       tracker.admin_password()}).exit, 2);
  auto no_tty = shoal.run({"tracker", "login", "--url", url, "--user", "admin"});
  EXPECT_EQ(no_tty.exit, 2) << no_tty.describe();
  EXPECT_NE(no_tty.err.find("--password-stdin"), std::string::npos) << no_tty.describe();

  auto login = shoal.run({"tracker", "login", "--url", url + "/", "--user", "admin", "--password-stdin"},
                         tracker.admin_password() + "\n");
  ASSERT_EQ(login.exit, 0) << login.describe();
  EXPECT_NE(login.out.find("logged in to " + url + " as admin (admin)"), std::string::npos) << login.out;
  ASSERT_TRUE(std::filesystem::exists(shoal.config_file()));
  EXPECT_EQ(mode_of(shoal.config_file()), 0600u);
  EXPECT_EQ(mode_of(shoal.config_file().parent_path()), 0700u);
  const json stored = json::parse(read_file(shoal.config_file()), nullptr, false);
  ASSERT_TRUE(stored.is_object()) << read_file(shoal.config_file());
  EXPECT_EQ(stored.value("url", ""), url);
  const std::string session_token = stored.value("token", "");
  EXPECT_TRUE(session_token.starts_with("ss_")) << stored.dump();
  EXPECT_EQ(login.out.find(session_token), std::string::npos) << "the token is not printed";

  // The stored session: me, users list (human and JSON).
  auto me = shoal.run({"tracker", "me", "--json"});
  ASSERT_EQ(me.exit, 0) << me.describe();
  EXPECT_EQ(me.js()["user"]["username"], "admin");
  EXPECT_EQ(me.js()["credential"], "session");
  auto users = shoal.run({"tracker", "users", "list"});
  ASSERT_EQ(users.exit, 0) << users.describe();
  EXPECT_NE(users.out.find("USERNAME"), std::string::npos) << users.out;
  EXPECT_NE(users.out.find("admin"), std::string::npos) << users.out;
  EXPECT_NE(users.out.find("1 of 1 users"), std::string::npos) << users.out;
  auto users_json = shoal.run({"tracker", "users", "list", "--json", "--query", "adm", "--limit", "10"});
  ASSERT_EQ(users_json.exit, 0) << users_json.describe();
  ASSERT_TRUE(users_json.js().is_object()) << users_json.out;
  EXPECT_EQ(users_json.js()["total"], 1);
  EXPECT_EQ(users_json.js()["limit"], 10);
  EXPECT_EQ(users_json.js()["users"][0]["username"], "admin");
  EXPECT_EQ(shoal.run({"tracker", "users", "list", "--limit", "501"}).exit, 2);

  // The stored token goes only to the tracker it came from.
  auto elsewhere = shoal.run({"tracker", "me", "--url", "http://127.0.0.1:1"});
  EXPECT_EQ(elsewhere.exit, 2) << elsewhere.describe();
  EXPECT_NE(elsewhere.err.find("not logged in to http://127.0.0.1:1"), std::string::npos) << elsewhere.err;

  // An API key: created once, works through SHOAL_API_KEY (with SHOAL_TRACKER_URL and no config
  // file), and after revocation fails with the API's message.
  auto created = shoal.run({"tracker", "keys", "create", "ci", "--scope", "read", "--scope", "write",
                            "--expires", "2099-01-01", "--json"});
  ASSERT_EQ(created.exit, 0) << created.describe();
  const std::string key = created.js().value("key", "");
  const std::int64_t key_id = created.js().value("id", std::int64_t{0});
  ASSERT_TRUE(key.starts_with("sk_")) << created.out;
  EXPECT_EQ(created.js()["scopes"], json::array({"read", "write"}));
  EXPECT_EQ(created.js()["expires_at"], 4070908800);
  auto human_key = shoal.run({"tracker", "keys", "create", "other", "--scope", "read"});
  ASSERT_EQ(human_key.exit, 0) << human_key.describe();
  EXPECT_NE(human_key.out.find("key:              sk_"), std::string::npos) << human_key.out;
  EXPECT_EQ(shoal.run({"tracker", "keys", "create", "x", "--scope", "root"}).exit, 2);
  EXPECT_EQ(shoal.run({"tracker", "keys", "create", "x", "--scope", "read", "--expires", "soon"}).exit, 2);

  auto listed = shoal.run({"tracker", "keys", "list", "--json"});
  ASSERT_EQ(listed.exit, 0) << listed.describe();
  ASSERT_EQ(listed.js()["keys"].size(), 2u) << listed.out;
  EXPECT_EQ(listed.out.find(key), std::string::npos) << "keys list shows prefixes only";
  auto listed_human = shoal.run({"tracker", "keys", "list"});
  EXPECT_NE(listed_human.out.find("ci"), std::string::npos) << listed_human.out;
  EXPECT_NE(listed_human.out.find("read,write"), std::string::npos) << listed_human.out;

  const Shoal keyless(dir / "other-home");
  const std::map<std::string, std::string> key_env = {{"SHOAL_TRACKER_URL", url}, {"SHOAL_API_KEY", key}};
  auto by_key = keyless.run({"tracker", "me"}, "", key_env);
  ASSERT_EQ(by_key.exit, 0) << by_key.describe();
  EXPECT_NE(by_key.out.find("admin"), std::string::npos) << by_key.out;
  EXPECT_NE(by_key.out.find("api_key"), std::string::npos) << by_key.out;
  // --key beats SHOAL_API_KEY.
  auto bogus = keyless.run({"tracker", "me", "--key", "sk_bogus", "--json"}, "", key_env);
  EXPECT_EQ(bogus.exit, 1) << bogus.describe();
  EXPECT_EQ(bogus.js()["error"]["code"], "invalid_token") << bogus.out;
  // A read/write key is not an admin credential.
  auto not_admin = keyless.run({"tracker", "users", "list"}, "", key_env);
  EXPECT_EQ(not_admin.exit, 1) << not_admin.describe();
  EXPECT_NE(not_admin.err.find("(HTTP 403, insufficient_scope)"), std::string::npos) << not_admin.err;

  auto revoked = shoal.run({"tracker", "keys", "revoke", std::to_string(key_id)});
  ASSERT_EQ(revoked.exit, 0) << revoked.describe();
  EXPECT_NE(revoked.out.find("revoked API key " + std::to_string(key_id)), std::string::npos);
  auto after = keyless.run({"tracker", "me"}, "", key_env);
  EXPECT_EQ(after.exit, 1) << after.describe();
  EXPECT_EQ(after.err,
            "shoal tracker: the credential is unknown, expired or revoked (HTTP 401, invalid_token)\n");
  EXPECT_EQ(after.out, "");
  EXPECT_EQ(shoal.run({"tracker", "keys", "revoke", "999999"}).exit, 1);

  // Passkey: rotate changes what show prints.
  auto before = shoal.run({"tracker", "passkey", "show"});
  ASSERT_EQ(before.exit, 0) << before.describe();
  const std::string passkey = before.out;
  EXPECT_GE(passkey.size(), 33u) << passkey;
  auto rotated = shoal.run({"tracker", "passkey", "rotate", "--json"});
  ASSERT_EQ(rotated.exit, 0) << rotated.describe();
  const std::string new_passkey = rotated.js().value("passkey", "");
  EXPECT_EQ(new_passkey + "\n", shoal.run({"tracker", "passkey", "show"}).out);
  EXPECT_NE(new_passkey + "\n", passkey);

  // Logout revokes the session and removes the stored token (the URL stays).
  auto logout = shoal.run({"tracker", "logout"});
  ASSERT_EQ(logout.exit, 0) << logout.describe();
  EXPECT_EQ(mode_of(shoal.config_file()), 0600u);
  const json after_logout = json::parse(read_file(shoal.config_file()), nullptr, false);
  EXPECT_EQ(after_logout.value("url", ""), url);
  EXPECT_FALSE(after_logout.contains("token")) << after_logout.dump();
  auto logged_out = shoal.run({"tracker", "me"});
  EXPECT_EQ(logged_out.exit, 2) << logged_out.describe();
  EXPECT_NE(logged_out.err.find("not logged in"), std::string::npos) << logged_out.err;
  auto old_session = shoal.run({"tracker", "me", "--key", session_token});
  EXPECT_EQ(old_session.exit, 1) << old_session.describe();
  EXPECT_NE(old_session.err.find("(HTTP 401, invalid_token)"), std::string::npos) << old_session.err;
}

TEST(CliTrackerApi, UserAdministration) {
  TempDir dir;
  Tracker tracker(dir);
  ASSERT_FALSE(tracker.admin_password().empty());
  const std::string url = tracker.url();
  register_user(url, "alice");
  const Shoal admin(dir / "admin-home");
  ASSERT_EQ(admin.run({"tracker", "login", "--url", url, "--user", "admin", "--password-stdin"},
                      tracker.admin_password() + "\n").exit, 0);

  auto show = admin.run({"tracker", "users", "show", "alice", "--json"});  // by name
  ASSERT_EQ(show.exit, 0) << show.describe();
  const std::int64_t alice_id = show.js()["user"]["id"].get<std::int64_t>();
  const std::string id = std::to_string(alice_id);
  EXPECT_EQ(show.js()["user"]["role"], "user");
  auto show_human = admin.run({"tracker", "users", "show", id});
  EXPECT_NE(show_human.out.find("username:         alice"), std::string::npos) << show_human.out;
  EXPECT_EQ(admin.run({"tracker", "users", "show", "nobody"}).exit, 1);
  EXPECT_EQ(admin.run({"tracker", "users", "show", "99999"}).exit, 1);

  // A plain user cannot administer.
  const Shoal alice(dir / "alice-home");
  ASSERT_EQ(alice.run({"tracker", "login", "--url", url, "--user", "alice", "--password-stdin"},
                      std::string(kAlicePassword) + "\n").exit, 0);
  auto refused = alice.run({"tracker", "users", "list"});
  EXPECT_EQ(refused.exit, 1) << refused.describe();
  EXPECT_NE(refused.err.find("(HTTP 403, insufficient_scope)"), std::string::npos) << refused.err;
  EXPECT_EQ(alice.run({"tracker", "users", "set-role", id, "admin"}).exit, 1);

  auto role = admin.run({"tracker", "users", "set-role", id, "admin", "--json"});
  ASSERT_EQ(role.exit, 0) << role.describe();
  EXPECT_EQ(role.js()["user"]["role"], "admin");
  EXPECT_EQ(admin.run({"tracker", "users", "set-role", id, "root"}).exit, 2);
  auto demoted = admin.run({"tracker", "users", "set-role", "alice", "user"});
  ASSERT_EQ(demoted.exit, 0) << demoted.describe();
  EXPECT_NE(demoted.out.find("role user"), std::string::npos) << demoted.out;

  auto disabled = admin.run({"tracker", "users", "disable", id});
  ASSERT_EQ(disabled.exit, 0) << disabled.describe();
  EXPECT_NE(disabled.out.find("disabled"), std::string::npos) << disabled.out;
  auto alice_disabled = alice.run({"tracker", "me"});  // disabling ended her session
  EXPECT_EQ(alice_disabled.exit, 1) << alice_disabled.describe();
  auto enabled = admin.run({"tracker", "users", "enable", id, "--json"});
  ASSERT_EQ(enabled.exit, 0) << enabled.describe();
  EXPECT_EQ(enabled.js()["user"]["enabled"], true);

  auto reset = admin.run({"tracker", "users", "reset-password", id, "--json"});
  ASSERT_EQ(reset.exit, 0) << reset.describe();
  const std::string new_password = reset.js().value("password", "");
  ASSERT_FALSE(new_password.empty()) << reset.out;
  EXPECT_EQ(alice.run({"tracker", "login", "--url", url, "--user", "alice", "--password-stdin"},
                      std::string(kAlicePassword) + "\n").exit, 1);
  EXPECT_EQ(alice.run({"tracker", "login", "--url", url, "--user", "alice", "--password-stdin"},
                      new_password + "\n").exit, 0);

  // Deleting needs --yes; without it nothing changes.
  auto unconfirmed = admin.run({"tracker", "users", "delete", id});
  EXPECT_EQ(unconfirmed.exit, 2) << unconfirmed.describe();
  EXPECT_EQ(admin.run({"tracker", "users", "show", id}).exit, 0);
  auto deleted = admin.run({"tracker", "users", "delete", id, "--yes"});
  ASSERT_EQ(deleted.exit, 0) << deleted.describe();
  auto remaining = admin.run({"tracker", "users", "list", "--json"});
  ASSERT_EQ(remaining.exit, 0);
  EXPECT_EQ(remaining.js()["total"], 1) << remaining.out;
  // The last admin cannot go.
  auto last = admin.run({"tracker", "users", "disable", "admin"});
  EXPECT_EQ(last.exit, 1) << last.describe();
  EXPECT_NE(last.err.find("(HTTP 409, last_admin)"), std::string::npos) << last.err;
}

// Without --password-stdin, login asks on the terminal with echo off: run under script(1),
// which gives it a pseudo-terminal.
TEST(CliTrackerApi, PromptsForThePasswordOnATerminalWithoutEcho) {
  TempDir dir;
  Tracker tracker(dir);
  ASSERT_FALSE(tracker.admin_password().empty());
  const Shoal shoal(dir / "home");
  const std::string command =
      "'" + kShoalBin.string() + "' tracker login --url " + tracker.url() + " --user admin";
  auto child = ChildProcess::spawn(SHOAL_SCRIPT_BIN, {"-qec", command, "/dev/null"}, shoal.options());
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (child.output().find("Password for admin at " + tracker.url() + ": ") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline && child.running())
    std::this_thread::sleep_for(20ms);
  ASSERT_NE(child.output().find("Password for admin at "), std::string::npos) << child.describe();
  child.write_stdin(tracker.admin_password() + "\n");
  const auto rc = child.wait_exit(kTimeout);
  child.wait_output_closed(5s);
  EXPECT_EQ(rc, 0) << child.describe();
  EXPECT_NE(child.output().find("logged in to " + tracker.url() + " as admin"), std::string::npos)
      << child.describe();
  EXPECT_EQ(child.output().find(tracker.admin_password()), std::string::npos) << "echoed: " << child.describe();
  EXPECT_EQ(mode_of(shoal.config_file()), 0600u);
}

// `stats` reads GET /api/v1/me/stats, which private-mode trackers serve.
TEST(CliTrackerApi, StatsOnPrivateTrackersOnly) {
  TempDir private_dir;
  Tracker private_tracker(private_dir, {"--mode", "private"});
  ASSERT_FALSE(private_tracker.admin_password().empty());
  const Shoal shoal(private_dir / "home");
  ASSERT_EQ(shoal.run({"tracker", "login", "--url", private_tracker.url(), "--user", "admin",
                       "--password-stdin"}, private_tracker.admin_password() + "\n").exit, 0);
  auto stats = shoal.run({"tracker", "stats", "--json", "--limit", "5"});
  ASSERT_EQ(stats.exit, 0) << stats.describe();
  EXPECT_EQ(stats.js()["totals"]["uploaded"], 0) << stats.out;
  EXPECT_EQ(stats.js()["limit"], 5) << stats.out;
  auto human = shoal.run({"tracker", "stats"});
  ASSERT_EQ(human.exit, 0) << human.describe();
  EXPECT_NE(human.out.find("uploaded:         0 B"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("ratio:            -"), std::string::npos) << human.out;

  TempDir public_dir;
  Tracker public_tracker(public_dir);
  auto none = shoal.run({"tracker", "stats", "--url", public_tracker.url(), "--key", "sk_whatever"});
  EXPECT_EQ(none.exit, 1) << none.describe();
  EXPECT_NE(none.err.find("(HTTP 404, not_found)"), std::string::npos) << none.err;
}

// HTTPS: the certificate is verified (a self-signed one is refused), --ca-file trusts it,
// --insecure skips verification.
TEST(CliTrackerApi, HttpsVerifiesTheCertificate) {
  TempDir dir;
  const std::string cert = (dir / "cert.pem").string();
  const std::string key = (dir / "key.pem").string();
  ASSERT_FALSE(std::string(SHOAL_OPENSSL_BIN).empty()) << "openssl is installed by scripts/setup.sh";
  auto openssl = ChildProcess::spawn(SHOAL_OPENSSL_BIN,
                                     {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                      "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj",
                                      "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"});
  ASSERT_EQ(openssl.wait_exit(60s), 0) << openssl.describe();
  Tracker tracker(dir, {}, "[tls]\nlisten = [\"127.0.0.1:0\"]\ncertificate = \"" + cert +
                               "\"\nprivate_key = \"" + key + "\"\n");
  ASSERT_TRUE(tracker.https_url().starts_with("https://127.0.0.1:")) << tracker.https_url();
  const Shoal shoal(dir / "home");
  const std::vector<std::string> login = {"tracker", "login", "--url", tracker.https_url(), "--user",
                                          "admin", "--password-stdin"};
  auto untrusted = shoal.run(login, tracker.admin_password() + "\n");
  EXPECT_EQ(untrusted.exit, 1) << untrusted.describe();
  EXPECT_NE(untrusted.err.find("certificate verification failed"), std::string::npos) << untrusted.err;
  EXPECT_FALSE(std::filesystem::exists(shoal.config_file()));

  auto with_ca = login;
  with_ca.insert(with_ca.end(), {"--ca-file", cert});
  auto trusted = shoal.run(with_ca, tracker.admin_password() + "\n");
  ASSERT_EQ(trusted.exit, 0) << trusted.describe();
  auto me = shoal.run({"tracker", "me", "--insecure", "--json"});
  ASSERT_EQ(me.exit, 0) << me.describe();
  EXPECT_EQ(me.js()["user"]["username"], "admin");
  EXPECT_EQ(shoal.run({"tracker", "me"}).exit, 1);  // the stored URL is https: verified again
}

}  // namespace
