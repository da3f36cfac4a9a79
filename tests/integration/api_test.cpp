// The REST API of a real shoal-tracker process over loopback HTTP: accounts, sessions, cookies
// and CSRF, API keys and scopes, the authorization matrix read from the served OpenAPI document,
// throttling and rate limits, account deletion, `shoal-tracker admin create-user`, and data that
// survives a restart. Each test starts its own tracker with its own data directory (port 0).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "api_client.hpp"
#include "process.hpp"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using shoal::test::ChildProcess;
using shoal::test::SpawnOptions;
using shoal::test::TempDir;

const std::filesystem::path kTrackerBin = SHOAL_TRACKER_BIN;
constexpr auto kStartTimeout = 30s;
constexpr const char* kPassword = "velvet-otter-cactus";

using shoal::test::bearer;
using shoal::test::Reply;

/// A shoal-tracker child with the API on its HTTP listener.
class Tracker {
public:
  Tracker(const TempDir& dir, const std::string& extra_toml = "") {
    const std::string toml =
        "[accounts]\nregistration = \"open\"\npassword_cost = 10\n" + extra_toml +
        (extra_toml.find("[api]") == std::string::npos ? "[api]\nrate_limit = 1000\nrate_burst = 1000\n" : "");
    const auto config = dir.write_file("tracker.toml", toml);
    m_process = ChildProcess::spawn(kTrackerBin, {"--config", config.string(), "--data-dir",
                                                  (dir / "data").string(), "--udp", "off", "--http",
                                                  "127.0.0.1:0", "--log-level", "warn"});
    auto line = m_process->wait_for_output_line("announce URL: http://", kStartTimeout);
    if (!line) {
      ADD_FAILURE() << "tracker did not start: " << m_process->describe();
      return;
    }
    const auto colon = line->rfind(':');
    m_port = static_cast<std::uint16_t>(std::stoi(line->substr(colon + 1)));
    for (const auto& l : m_process->output_lines())
      if (l.starts_with("initial admin: ")) m_initial_admin_line = l;
  }
  // A graceful stop must exit 0 (also: no sanitizer report at exit in the sanitizer build).
  ~Tracker() {
    if (m_process && m_process->running()) {
      m_process->signal(SIGTERM);
      EXPECT_EQ(m_process->wait_exit(30s), 0) << m_process->describe();
    }
  }

  std::uint16_t port() const { return m_port; }
  /// The initial admin's password when this start created it ("" otherwise).
  std::string initial_admin_password() const {
    const std::string marker = " password: ";
    const auto at = m_initial_admin_line.find(marker);
    return at == std::string::npos ? "" : m_initial_admin_line.substr(at + marker.size());
  }
  int stop() {
    m_process->signal(SIGTERM);
    auto rc = m_process->wait_exit(30s);
    return rc ? *rc : -1000;
  }
  ChildProcess& process() { return *m_process; }

  Reply call(const std::string& method, const std::string& target, const std::string& body = "",
             const std::map<std::string, std::string>& headers = {}) {
    return shoal::test::api_request(m_port, method, target, body, headers);
  }

  /// A session token for user/password (fails the test otherwise).
  std::string login(const std::string& user, const std::string& password = kPassword) {
    auto r = call("POST", "/api/v1/auth/login", json{{"username", user}, {"password", password}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    auto j = r.js();
    return j.is_object() ? j.value("token", "") : "";
  }

  void register_user(const std::string& user) {
    auto r = call("POST", "/api/v1/auth/register", json{{"username", user}, {"password", kPassword}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
  }

private:
  std::optional<ChildProcess> m_process;
  std::uint16_t m_port = 0;
  std::string m_initial_admin_line;
};

TEST(ApiProcessTest, InitialAdminRegisterLoginLogoutAndDataSurvivesRestart) {
  TempDir dir;
  std::string admin_password;
  {
    Tracker t(dir);
    admin_password = t.initial_admin_password();
    ASSERT_EQ(admin_password.size(), 24u) << t.process().describe();
    const std::string admin = t.login("admin", admin_password);
    EXPECT_EQ(t.call("GET", "/api/v1/me", "", bearer(admin)).js()["user"]["role"], "admin");

    t.register_user("alice");
    const std::string token = t.login("alice");
    auto me = t.call("GET", "/api/v1/me", "", bearer(token));
    ASSERT_EQ(me.status, 200);
    EXPECT_EQ(me.js()["user"]["username"], "alice");
    EXPECT_EQ(me.header("content-type"), "application/json");
    auto out = t.call("POST", "/api/v1/auth/logout", "", bearer(token));
    EXPECT_EQ(out.status, 204);
    EXPECT_EQ(t.call("GET", "/api/v1/me", "", bearer(token)).status, 401);
    // A session that stays signed in across the restart.
    const std::string kept = t.login("alice");
    std::ofstream(dir / "kept-token") << kept;
    EXPECT_EQ(t.stop(), 0);
  }
  Tracker again(dir);
  EXPECT_EQ(again.initial_admin_password(), "");  // printed once, at the first start only
  std::ifstream in(dir / "kept-token");
  std::string kept;
  in >> kept;
  EXPECT_EQ(again.call("GET", "/api/v1/me", "", bearer(kept)).status, 200);
  EXPECT_FALSE(again.login("alice").empty());
  EXPECT_FALSE(again.login("admin", admin_password).empty());
}

TEST(ApiProcessTest, CookieSessionNeedsCsrfTokenForChanges) {
  TempDir dir;
  Tracker t(dir);
  t.register_user("alice");
  auto login = t.call("POST", "/api/v1/auth/login",
                      json{{"username", "alice"}, {"password", kPassword}}.dump());
  ASSERT_EQ(login.status, 200);
  const std::string set_cookie = login.header("set-cookie");
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("SameSite=Lax"), std::string::npos);
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos);  // plain HTTP
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  const std::string csrf = login.js()["csrf_token"];

  auto me = t.call("GET", "/api/v1/me", "", {{"Cookie", cookie}});
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.js()["csrf_token"], csrf);
  const std::string body = json{{"email", "alice@example.org"}}.dump();
  auto refused = t.call("PATCH", "/api/v1/me", body, {{"Cookie", cookie}});
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.error_code(), "csrf_failed");
  auto ok = t.call("PATCH", "/api/v1/me", body, {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.js()["user"]["email"], "alice@example.org");
}

TEST(ApiProcessTest, BearerApiKeyScopesAndRevocation) {
  TempDir dir;
  Tracker t(dir);
  t.register_user("alice");
  const std::string session = t.login("alice");
  auto created = t.call("POST", "/api/v1/me/keys", json{{"name", "script"}, {"scopes", {"read"}}}.dump(),
                        bearer(session));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string key = created.js()["key"];
  EXPECT_EQ(t.call("GET", "/api/v1/me/passkey", "", bearer(key)).status, 200);
  auto write = t.call("POST", "/api/v1/me/passkey", "", bearer(key));
  EXPECT_EQ(write.status, 403);
  EXPECT_EQ(write.error_code(), "insufficient_scope");
  auto list = t.call("GET", "/api/v1/me/keys", "", bearer(key)).js();
  ASSERT_EQ(list["keys"].size(), 1u);
  EXPECT_EQ(list["keys"][0]["prefix"], key.substr(0, 11));
  EXPECT_EQ(list["keys"][0].count("key"), 0u);
  const auto id = created.js()["id"].get<long long>();
  EXPECT_EQ(t.call("DELETE", "/api/v1/me/keys/" + std::to_string(id), "", bearer(session)).status, 204);
  EXPECT_EQ(t.call("GET", "/api/v1/me", "", bearer(key)).status, 401);
  // An expired key is refused too.
  auto soon = t.call("POST", "/api/v1/me/keys",
                     json{{"name", "short"}, {"scopes", {"read"}},
                          {"expires_at", std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch()).count() + 2}}
                         .dump(),
                     bearer(session));
  ASSERT_EQ(soon.status, 201);
  const std::string short_key = soon.js()["key"];
  EXPECT_EQ(t.call("GET", "/api/v1/me", "", bearer(short_key)).status, 200);
  std::this_thread::sleep_for(3500ms);
  EXPECT_EQ(t.call("GET", "/api/v1/me", "", bearer(short_key)).status, 401);
}

// Every operation of the served OpenAPI document: junk bodies 400, anonymous 401, a bad key 401,
// a user on an admin route 403. `spec` receives the served document.
void check_authorization_matrix(Tracker& t, int min_protected_ops, int min_admin_ops, json& spec) {
  t.register_user("alice");
  const std::string user = t.login("alice");
  auto doc = t.call("GET", "/api/v1/openapi.json");
  ASSERT_EQ(doc.status, 200);
  spec = doc.js();
  ASSERT_TRUE(spec.contains("paths"));
  int protected_ops = 0, admin_ops = 0;
  for (const auto& [pattern, ops] : spec["paths"].items()) {
    std::string path = pattern;
    for (auto [from, to] : {std::pair{"{id}", "1"}, std::pair{"{list}", "allow"}, std::pair{"{torrent}", "1"},
                            std::pair{"{info_hash}", "0123456789abcdef0123456789abcdef01234567"}})
      if (auto at = path.find(from); at != std::string::npos) path.replace(at, std::string(from).size(), to);
    for (const auto& [method_lower, op] : ops.items()) {
      std::string method;
      for (char c : method_lower) method += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      const std::string what = method + " " + path;
      // Junk bodies get 4xx, never 5xx, whoever sends them: malformed JSON and non-objects are
      // refused before anything else; a well-formed object of wrong types (sent anonymously, so
      // that nothing is changed) is refused or ignored, never a server error.
      // Torznab answers in its own error documents (HTTP 200, code 201 / 100): checked apart.
      const bool torznab = path.find("/torznab/") != std::string::npos;
      for (const char* junk : {"{", "[]", "\"x\"", "\xff\xfe", "{\"a\":1,}"}) {
        auto r = t.call(method, path, junk, bearer(user));
        if (torznab) {
          EXPECT_EQ(r.status, 200) << what;
          EXPECT_NE(r.body.find("<error code=\"201\""), std::string::npos) << what << ": " << r.body;
          continue;
        }
        EXPECT_EQ(r.status, 400) << what << " junk " << junk << ": " << r.body;
        EXPECT_EQ(r.error_code(), "malformed_json") << what;
      }
      auto typed = t.call(method, path, R"({"username": {"a": [1]}, "password": 5, "scopes": "x"})");
      EXPECT_LT(typed.status, 500) << what << ": " << typed.body;
      if (op["security"].empty()) continue;
      ++protected_ops;
      auto anon = t.call(method, path);
      if (torznab) {
        EXPECT_EQ(anon.status, 200) << what;
        EXPECT_NE(anon.body.find("<error code=\"100\""), std::string::npos) << what << ": " << anon.body;
        continue;
      }
      EXPECT_EQ(anon.status, 401) << what;
      EXPECT_EQ(anon.error_code(), "unauthorized") << what;
      EXPECT_EQ(t.call(method, path, "", bearer("sk_" + std::string(64, 'f'))).status, 401) << what;
      if (op["x-required-scope"] == "admin") {
        ++admin_ops;
        auto denied = t.call(method, path, "", bearer(user));
        EXPECT_EQ(denied.status, 403) << what;
        EXPECT_EQ(denied.error_code(), "insufficient_scope") << what;
      }
    }
  }
  EXPECT_GE(protected_ops, min_protected_ops);
  EXPECT_GE(admin_ops, min_admin_ops);
}

TEST(ApiProcessTest, AuthorizationMatrixFromTheOpenApiDocument) {
  TempDir dir;
  Tracker t(dir);
  json spec;
  ASSERT_NO_FATAL_FAILURE(check_authorization_matrix(t, 20, 11, spec));
  // The private-tracking endpoints exist only in private mode: elsewhere a plain 404.
  EXPECT_FALSE(spec["paths"].contains("/api/v1/admin/torrents"));
  EXPECT_FALSE(spec["paths"].contains("/api/v1/me/stats"));
  const std::string admin = t.login("admin", t.initial_admin_password());
  auto absent = t.call("GET", "/api/v1/admin/torrents", "", bearer(admin));
  EXPECT_EQ(absent.status, 404);
  EXPECT_EQ(absent.error_code(), "not_found");
}

TEST(ApiProcessTest, AuthorizationMatrixInPrivateMode) {
  TempDir dir;
  Tracker t(dir, "[tracker]\nmode = \"private\"\n");
  json spec;
  ASSERT_NO_FATAL_FAILURE(check_authorization_matrix(t, 27, 17, spec));
  EXPECT_TRUE(spec["paths"]["/api/v1/admin/torrents"]["post"]["requestBody"]["content"].contains(
      "application/x-bittorrent"));
  EXPECT_EQ(spec["paths"]["/api/v1/me/stats"]["get"]["x-required-scope"], "read");
}

TEST(ApiProcessTest, FailedLoginsAreThrottledWith429) {
  TempDir dir;
  Tracker t(dir, "login_max_failures = 3\n");
  t.register_user("alice");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(t.call("POST", "/api/v1/auth/login", json{{"username", "alice"}, {"password", "wrong-one"}}.dump()).status, 401);
  auto locked = t.call("POST", "/api/v1/auth/login", json{{"username", "alice"}, {"password", kPassword}}.dump());
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(locked.error_code(), "too_many_attempts");
  EXPECT_GT(std::stoi(locked.header("retry-after").empty() ? "0" : locked.header("retry-after")), 0);
}

TEST(ApiProcessTest, RequestRateLimitAnswers429WithRetryAfter) {
  TempDir dir;
  Tracker t(dir, "[api]\nrate_limit = 0.2\nrate_burst = 5\n");
  int ok = 0, limited = 0;
  std::string retry_after;
  for (int i = 0; i < 8; ++i) {
    auto r = t.call("GET", "/api/v1/openapi.json");
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++limited;
      retry_after = r.header("retry-after");
      EXPECT_EQ(r.error_code(), "rate_limited");
    }
  }
  EXPECT_EQ(ok, 5);
  EXPECT_EQ(limited, 3);
  EXPECT_FALSE(retry_after.empty());
  // Announces are not behind the API's limits.
  EXPECT_EQ(t.call("GET", "/health").status, 200);
}

TEST(ApiProcessTest, OversizedBodyIs413) {
  TempDir dir;
  Tracker t(dir);
  auto r = t.call("POST", "/api/v1/auth/login", std::string(20000, ' '));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.error_code(), "payload_too_large");
}

TEST(ApiProcessTest, DeleteAccountLeavesATombstoneAdminsCanSee) {
  TempDir dir;
  Tracker t(dir);
  const std::string admin = t.login("admin", t.initial_admin_password());
  t.register_user("alice");
  const std::string token = t.login("alice");
  EXPECT_EQ(t.call("DELETE", "/api/v1/me", json{{"password", "wrong"}}.dump(), bearer(token)).status, 403);
  EXPECT_EQ(t.call("DELETE", "/api/v1/me", json{{"password", kPassword}}.dump(), bearer(token)).status, 204);
  EXPECT_EQ(t.call("GET", "/api/v1/me", "", bearer(token)).status, 401);
  EXPECT_EQ(t.call("POST", "/api/v1/auth/login", json{{"username", "alice"}, {"password", kPassword}}.dump()).status, 401);
  auto all = t.call("GET", "/api/v1/admin/users?include_deleted=1", "", bearer(admin)).js();
  bool tombstone = false;
  for (const auto& u : all["users"]) {
    EXPECT_NE(u["username"], "alice");
    if (u["deleted"] == true) tombstone = u["email"].is_null() && u["enabled"] == false;
  }
  EXPECT_TRUE(tombstone);
  auto audit = t.call("GET", "/api/v1/admin/audit", "", bearer(admin)).js();
  bool logged = false;
  for (const auto& e : audit["entries"]) logged |= e["action"] == "user.delete";
  EXPECT_TRUE(logged);
}

TEST(ApiProcessTest, AdminCreateUserSubcommand) {
  TempDir dir;
  const auto data = (dir / "data").string();
  {
    SpawnOptions opts;
    opts.stdin_pipe = true;
    auto weak = ChildProcess::spawn(kTrackerBin, {"admin", "create-user", "boss", "--password-stdin", "--data-dir", data}, opts);
    weak.write_stdin("123456\n");
    weak.close_stdin();
    EXPECT_EQ(weak.wait_exit(60s), 2) << weak.describe();
  }
  {
    SpawnOptions opts;
    opts.stdin_pipe = true;
    auto create = ChildProcess::spawn(kTrackerBin, {"admin", "create-user", "boss", "--password-stdin", "--data-dir", data}, opts);
    create.write_stdin(std::string(kPassword) + "\n");
    create.close_stdin();
    EXPECT_EQ(create.wait_exit(60s), 0) << create.describe();
  }
  {
    auto generated = ChildProcess::spawn(kTrackerBin, {"admin", "create-user", "helper", "--role", "user", "--data-dir", data});
    EXPECT_EQ(generated.wait_exit(60s), 0) << generated.describe();
    generated.wait_output_closed(10s);
    EXPECT_TRUE(generated.output().find("password: ") != std::string::npos);
    auto dup = ChildProcess::spawn(kTrackerBin, {"admin", "create-user", "BOSS", "--data-dir", data});
    EXPECT_EQ(dup.wait_exit(60s), 2) << dup.describe();
  }
  Tracker t(dir);
  EXPECT_EQ(t.initial_admin_password(), "");  // an admin exists: none is generated
  const std::string boss = t.login("boss");
  auto me = t.call("GET", "/api/v1/me", "", bearer(boss)).js();
  EXPECT_EQ(me["user"]["role"], "admin");
  EXPECT_EQ(t.call("GET", "/api/v1/admin/users", "", bearer(boss)).js()["total"], 2);
}


/// "%XX" for one byte.
std::string fmt_pct(unsigned char b) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  return {'%', kHex[b >> 4], kHex[b & 15]};
}

/// An HTTP announce of a peer on 127.0.0.1:`port` for the info-hash of 20 bytes of `c`.
void announce(Tracker& t, char c, int port, bool seeder) {
  std::string hash;
  for (int i = 0; i < 20; ++i) hash += fmt_pct(static_cast<unsigned char>(c));
  const std::string peer_id = "-SH0001-" + std::string(12 - std::to_string(port).size(), '0') + std::to_string(port);
  auto r = t.call("GET", "/announce?info_hash=" + hash + "&peer_id=" + peer_id + "&port=" + std::to_string(port) +
                             "&uploaded=0&downloaded=0&left=" + (seeder ? "0" : "1000") + "&compact=1");
  ASSERT_EQ(r.status, 200) << r.body;
}

TEST(ApiProcessTest, SwarmPeersListClientsAndProgress) {
  TempDir dir;
  Tracker t(dir);
  t.register_user("alice");
  const std::string token = t.login("alice");
  std::string hash, hex;
  for (int i = 0; i < 20; ++i) hash += fmt_pct(0x61), hex += "61";
  auto peer = [&](const std::string& peer_id, int port, int left, int downloaded, const std::string& event = "") {
    auto r = t.call("GET", "/announce?info_hash=" + hash + "&peer_id=" + peer_id + "&port=" + std::to_string(port) +
                               "&uploaded=5&downloaded=" + std::to_string(downloaded) + "&left=" + std::to_string(left) +
                               "&compact=1" + (event.empty() ? "" : "&event=" + event));
    ASSERT_EQ(r.status, 200) << r.body;
  };
  peer("-TR4050-000000000001", 7001, 750, 250);
  peer("-qB4620-000000000002", 7002, 0, 1000);
  peer("-LT2080-000000000003", 7003, 1000, 0);
  EXPECT_EQ(t.call("GET", "/api/v1/swarms/" + hex + "/peers").status, 401);
  auto r = t.call("GET", "/api/v1/swarms/" + hex + "/peers", "", bearer(token));
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = r.js();
  EXPECT_EQ(body["total"], 3);
  ASSERT_EQ(body["peers"].size(), 3u);
  const json& seeder = body["peers"][0];  // seeders first
  EXPECT_EQ(seeder["seeder"], true);
  EXPECT_EQ(seeder["client"], "qBittorrent 4.6.2");
  EXPECT_EQ(seeder["port"], 7002);
  EXPECT_EQ(seeder["address"], "127.0.0.1");
  EXPECT_EQ(seeder["progress"], 1.0);
  EXPECT_GT(seeder["last_announce"].get<std::int64_t>(), 1'700'000'000);
  std::map<std::string, json> by_client;
  for (const auto& p : body["peers"]) by_client[p["client"].get<std::string>()] = p;
  ASSERT_TRUE(by_client.contains("Transmission 4.0.5")) << r.body;
  EXPECT_DOUBLE_EQ(by_client["Transmission 4.0.5"]["progress"].get<double>(), 0.25);  // 1 - 750 / 1000
  EXPECT_EQ(by_client["Transmission 4.0.5"]["left"], 750);
  EXPECT_EQ(by_client["Transmission 4.0.5"]["uploaded"], 5);
  EXPECT_DOUBLE_EQ(by_client["libtorrent 2.0.8"]["progress"].get<double>(), 0.0);
  EXPECT_EQ(by_client["libtorrent 2.0.8"]["peer_id"].get<std::string>().substr(0, 16), "2d4c54323038302d");  // "-LT2080-"
  // A peer that stops leaves the list; limit pages it.
  peer("-LT2080-000000000003", 7003, 1000, 0, "stopped");
  const json after = t.call("GET", "/api/v1/swarms/" + hex + "/peers?limit=1", "", bearer(token)).js();
  EXPECT_EQ(after["total"], 2);
  EXPECT_EQ(after["peers"].size(), 1u);
  // Unknown swarm: empty; bad input: 400.
  const json none = t.call("GET", "/api/v1/swarms/" + std::string(40, 'e') + "/peers", "", bearer(token)).js();
  EXPECT_EQ(none["total"], 0);
  EXPECT_EQ(t.call("GET", "/api/v1/swarms/xyz/peers", "", bearer(token)).error_code(), "invalid_info_hash");
  EXPECT_EQ(t.call("GET", "/api/v1/swarms/" + hex + "/peers?limit=0", "", bearer(token)).error_code(), "invalid_field");
  EXPECT_EQ(t.stop(), 0);
}

TEST(ApiProcessTest, HistoryIsSampledEachMinuteServedAndSurvivesRestart) {
  TempDir dir;
  std::string token;
  {
    Tracker t(dir);
    t.register_user("alice");
    token = t.login("alice");
    announce(t, 'a', 7001, true);
    announce(t, 'a', 7002, false);
    announce(t, 'a', 7003, false);
    std::string hex;  // 'a' is 0x61
    for (int i = 0; i < 20; ++i) hex += "61";
    EXPECT_EQ(t.call("GET", "/api/v1/history").status, 401);
    EXPECT_EQ(t.call("GET", "/api/v1/history?window=5", "", bearer(token)).error_code(), "invalid_field");
    EXPECT_EQ(t.call("GET", "/api/v1/history/swarms/xyz", "", bearer(token)).error_code(), "invalid_info_hash");
    // The next minute's sample shows the swarm (at most a minute away).
    json point;
    std::string last;
    for (int i = 0; i < 80 && point.is_null(); ++i) {
      auto r = t.call("GET", "/api/v1/history?window=600", "", bearer(token));
      last = r.body;
      ASSERT_EQ(r.status, 200) << r.body;
      const json body = r.js();
      EXPECT_EQ(body["step"], 60);
      for (const auto& p : body["points"])
        if (p["peers"] == 3) point = p;
      if (point.is_null()) std::this_thread::sleep_for(1s);
    }
    ASSERT_FALSE(point.is_null()) << "no sample with the three peers: " << last;
    EXPECT_EQ(point["seeders"], 1);
    EXPECT_EQ(point["leechers"], 2);
    EXPECT_EQ(point["torrents"], 1);
    EXPECT_EQ(point["t"].get<std::int64_t>() % 60, 0);
    // A delta: only the points from `since` on, with since echoed; the step stays the window's.
    const std::int64_t t0 = point["t"].get<std::int64_t>();
    const json delta =
        t.call("GET", "/api/v1/history?window=600&since=" + std::to_string(t0), "", bearer(token)).js();
    EXPECT_EQ(delta["since"], t0);
    EXPECT_EQ(delta["step"], 60);
    ASSERT_FALSE(delta["points"].empty()) << delta.dump();
    EXPECT_EQ(delta["points"][0]["t"], t0);
    EXPECT_EQ(delta["points"][0], point);
    for (const auto& p : delta["points"]) EXPECT_GE(p["t"].get<std::int64_t>(), t0);
    EXPECT_TRUE(t.call("GET", "/api/v1/history?window=600&since=" + std::to_string(t0 + 100000), "", bearer(token))
                    .js()["points"]
                    .empty());
    EXPECT_EQ(t.call("GET", "/api/v1/history?since=-1", "", bearer(token)).error_code(), "invalid_field");
    EXPECT_EQ(t.call("GET", "/api/v1/history?since=soon", "", bearer(token)).error_code(), "invalid_field");
    auto swarm = t.call("GET", "/api/v1/history/swarms/" + hex + "?window=600", "", bearer(token));
    ASSERT_EQ(swarm.status, 200) << swarm.body;
    ASSERT_FALSE(swarm.js()["points"].empty()) << swarm.body;
    EXPECT_EQ(swarm.js()["points"].back()["seeders"], 1);
    EXPECT_EQ(swarm.js()["points"].back()["leechers"], 2);
    const std::int64_t last_t = swarm.js()["points"].back()["t"].get<std::int64_t>();
    const json swarm_delta = t.call("GET", "/api/v1/history/swarms/" + hex + "?window=600&since=" + std::to_string(last_t),
                                    "", bearer(token)).js();
    ASSERT_FALSE(swarm_delta["points"].empty()) << swarm_delta.dump();
    EXPECT_EQ(swarm_delta["points"][0], swarm.js()["points"].back());
    EXPECT_EQ(swarm_delta["since"], last_t);
    // The swarm list: live counts, sorted, filtered, paged.
    announce(t, 'b', 7004, true);
    EXPECT_EQ(t.call("GET", "/api/v1/swarms").status, 401);
    auto list = t.call("GET", "/api/v1/swarms", "", bearer(token));
    ASSERT_EQ(list.status, 200) << list.body;
    const json swarms = list.js();
    ASSERT_EQ(swarms["total"], 2);
    EXPECT_EQ(swarms["swarms"][0]["info_hash"], hex);  // most peers first
    EXPECT_EQ(swarms["swarms"][0]["peers"], 3);
    EXPECT_EQ(swarms["swarms"][0]["seeders"], 1);
    EXPECT_EQ(swarms["swarms"][1]["peers"], 1);
    const json asc = t.call("GET", "/api/v1/swarms?sort=peers&order=asc&limit=1", "", bearer(token)).js();
    ASSERT_EQ(asc["swarms"].size(), 1u);
    EXPECT_EQ(asc["swarms"][0]["peers"], 1);
    EXPECT_EQ(asc["total"], 2);
    const json filtered = t.call("GET", "/api/v1/swarms?q=6262", "", bearer(token)).js();
    ASSERT_EQ(filtered["swarms"].size(), 1u);
    EXPECT_EQ(filtered["swarms"][0]["info_hash"].get<std::string>().substr(0, 4), "6262");
    EXPECT_EQ(t.call("GET", "/api/v1/swarms?sort=name", "", bearer(token)).error_code(), "invalid_field");
    EXPECT_EQ(t.call("GET", "/api/v1/swarms?limit=501", "", bearer(token)).error_code(), "invalid_field");
    EXPECT_EQ(t.call("GET", "/api/v1/swarms?q=xyz", "", bearer(token)).error_code(), "invalid_field");
    // Ten minutes back and thirty days back (coarse) are both valid windows.
    EXPECT_EQ(t.call("GET", "/api/v1/history?window=2592000", "", bearer(token)).js()["step"], 600);
    EXPECT_EQ(t.stop(), 0);
  }
  // After a restart the past is still there (a monitor that connects late still draws it).
  Tracker again(dir);
  const std::string fresh = again.login("alice");
  auto r = again.call("GET", "/api/v1/history?window=600", "", bearer(fresh));
  ASSERT_EQ(r.status, 200) << r.body;
  bool found = false;
  const json body = r.js();
  for (const auto& p : body["points"]) found = found || p["peers"] == 3;
  EXPECT_TRUE(found) << r.body;
  std::string hex;
  for (int i = 0; i < 20; ++i) hex += "61";
  auto swarm = again.call("GET", "/api/v1/history/swarms/" + hex + "?window=600", "", bearer(fresh));
  ASSERT_FALSE(swarm.js()["points"].empty()) << swarm.body;
}

}  // namespace
