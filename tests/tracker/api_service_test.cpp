// ApiService and the account endpoints (account_api.hpp) driven in-process: process() for the
// request pipeline and every status code, handle() for what happens on the I/O thread (limits,
// rate limiting, deferral to the workers).
#include "shoal/server/api_service.hpp"

#include <gtest/gtest.h>

#include <future>
#include <map>

#include "shoal/tracker/account_api.hpp"
#include "shoal/server/secret_token.hpp"
#include "sqlite_test_util.hpp"

namespace shoal::tracker {

using namespace shoal::server;  // the HTTP/API layer the tracker is built on
namespace {

using nlohmann::json;
constexpr const char* kPassword = "velvet-otter-cactus";

struct Headers {
  std::string authorization, cookie, csrf, content_type = "application/json";
};

class ApiServiceTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto s = open_sqlite_account_store(m_dir / "tracker.db");
    ASSERT_TRUE(s) << s.error().message;
    m_store = std::move(*s);
    AccountPolicy policy;
    policy.scrypt.log2_n = 10;
    policy.registration = RegistrationMode::open;
    m_accounts = std::make_unique<AccountService>(*m_store, policy);
    ApiOptions options;
    options.rate_per_second = 0;  // rate limiting has its own test
    make_api(options);
  }

  void make_api(ApiOptions options) {
    m_api = std::make_unique<ApiService>(*m_accounts, options);
    AccountApiDeps deps;
    deps.load_list = [this](AccessListKind kind) -> expected<std::vector<AccessListEntry>, std::string> {
      std::vector<AccessListEntry> out;
      for (auto& [h, note] : m_lists[kind]) out.push_back({*Sha1Digest::from_hex(h), note, 1});
      return out;
    };
    deps.add_to_list = [this](AccessListKind kind, const Sha1Digest& h,
                              std::string_view note) -> expected<bool, std::string> {
      return m_lists[kind].emplace(h.hex(), std::string(note)).second;
    };
    deps.remove_from_list = [this](AccessListKind kind, const Sha1Digest& h) -> expected<bool, std::string> {
      return m_lists[kind].erase(h.hex()) > 0;
    };
    deps.reload_lists = [this]() -> expected<void, std::string> {
      ++m_reloads;
      return {};
    };
    deps.settings = [] { return json{{"tracker", {{"mode", "public"}}}}; };
    register_account_routes(m_api->router(), *m_accounts, deps);
  }

  ApiReply call(const std::string& method, const std::string& target, const std::string& body = "",
                const Headers& h = {}, bool tls = false) {
    ApiCall c;
    c.method = method;
    const auto q = target.find('?');
    c.path = target.substr(0, q);
    if (q != std::string::npos) c.query = target.substr(q + 1);
    c.body = body;
    c.client_address = *IpAddress::parse("192.0.2.9");
    c.tls = tls;
    c.content_type = h.content_type;
    return m_api->process(std::move(c), h.authorization, h.cookie, h.csrf);
  }

  Headers bearer(const std::string& token) {
    Headers h;
    h.authorization = "Bearer " + token;
    return h;
  }

  /// Signs in; returns the login answer.
  json login(const std::string& user, const std::string& password = kPassword, bool remember = false) {
    auto r = call("POST", "/api/v1/auth/login",
                  json{{"username", user}, {"password", password}, {"remember", remember}}.dump());
    EXPECT_EQ(r.status, 200u) << r.body.dump();
    return r.body;
  }

  std::string header(const ApiReply& r, const std::string& name) {
    for (auto& [n, v] : r.headers)
      if (n == name) return v;
    return "";
  }

  testutil::TempDir m_dir;
  std::unique_ptr<AccountStore> m_store;
  std::unique_ptr<AccountService> m_accounts;
  std::unique_ptr<ApiService> m_api;
  std::map<AccessListKind, std::map<std::string, std::string>> m_lists;
  int m_reloads = 0;
};

TEST(ApiHelpersTest, Cookies) {
  EXPECT_EQ(cookie_value("a=1; shoal_session=ss_x; b=2", "shoal_session"), "ss_x");
  EXPECT_EQ(cookie_value("shoal_session=\"q\"", "shoal_session"), "q");
  EXPECT_FALSE(cookie_value("xshoal_session=1", "shoal_session"));
  EXPECT_FALSE(cookie_value("", "shoal_session"));
  const std::string plain = session_cookie("ss_t", false, 0);
  EXPECT_EQ(plain, "shoal_session=ss_t; Path=/api/; HttpOnly; SameSite=Lax");
  EXPECT_EQ(session_cookie("ss_t", true, 60), "shoal_session=ss_t; Path=/api/; HttpOnly; SameSite=Lax; Secure; Max-Age=60");
  EXPECT_EQ(session_cookie("", false, 0, true), "shoal_session=; Path=/api/; HttpOnly; SameSite=Lax; Max-Age=0");
}

TEST(ApiHelpersTest, JsonNesting) {
  EXPECT_FALSE(json_nesting_exceeds(R"({"a":[1,{"b":2}]})", 3));
  EXPECT_TRUE(json_nesting_exceeds(R"({"a":[1,{"b":[2]}]})", 3));
  EXPECT_FALSE(json_nesting_exceeds(R"({"a":"[[[[[[[[[[\"[[[["})", 1));  // brackets in strings
  EXPECT_TRUE(json_nesting_exceeds(std::string(100000, '['), kMaxApiJsonDepth));
}

TEST_F(ApiServiceTest, RegisterLoginMeLogout) {
  auto reg = call("POST", "/api/v1/auth/register", json{{"username", "alice"}, {"password", kPassword}}.dump());
  ASSERT_EQ(reg.status, 201u) << reg.body.dump();
  EXPECT_EQ(reg.body["user"]["username"], "alice");
  EXPECT_FALSE(reg.body["user"].contains("passkey"));
  EXPECT_FALSE(reg.body["user"].contains("password_hash"));

  auto r = call("POST", "/api/v1/auth/login", json{{"username", "alice"}, {"password", kPassword}}.dump());
  ASSERT_EQ(r.status, 200u);
  const std::string token = r.body["token"];
  EXPECT_EQ(r.body["token_type"], "Bearer");
  EXPECT_EQ(r.body["csrf_token"], csrf_token_for(token));
  EXPECT_EQ(header(r, "Set-Cookie"), session_cookie(token, false, 0));

  auto me = call("GET", "/api/v1/me", "", bearer(token));
  ASSERT_EQ(me.status, 200u);
  EXPECT_EQ(me.body["user"]["username"], "alice");
  EXPECT_EQ(me.body["credential"], "session");
  EXPECT_EQ(me.body["csrf_token"], csrf_token_for(token));

  auto out = call("POST", "/api/v1/auth/logout", "", bearer(token));
  EXPECT_EQ(out.status, 204u);
  EXPECT_TRUE(header(out, "Set-Cookie").ends_with("Max-Age=0"));
  EXPECT_EQ(call("GET", "/api/v1/me", "", bearer(token)).status, 401u);
}

TEST_F(ApiServiceTest, RememberMeCookieHasMaxAgeAndTlsCookieIsSecure) {
  ASSERT_TRUE(m_accounts->create_user("alice", kPassword, Role::user));
  auto r = call("POST", "/api/v1/auth/login",
                json{{"username", "alice"}, {"password", kPassword}, {"remember", true}}.dump(), {}, true);
  ASSERT_EQ(r.status, 200u);
  const std::string cookie = header(r, "Set-Cookie");
  EXPECT_NE(cookie.find("; Secure"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Max-Age=" + std::to_string(m_accounts->policy().remember_lifetime.count())),
            std::string::npos) << cookie;
}

TEST_F(ApiServiceTest, CookieAuthNeedsCsrfForChangesBearerDoesNot) {
  ASSERT_TRUE(m_accounts->create_user("alice", kPassword, Role::user));
  const std::string token = login("alice")["token"];
  Headers cookie;
  cookie.cookie = "theme=dark; shoal_session=" + token;
  auto me = call("GET", "/api/v1/me", "", cookie);
  ASSERT_EQ(me.status, 200u);
  const std::string csrf = me.body["csrf_token"];

  const std::string body = json{{"email", "a@example.org"}}.dump();
  auto refused = call("PATCH", "/api/v1/me", body, cookie);
  EXPECT_EQ(refused.status, 403u);
  EXPECT_EQ(refused.body["error"]["code"], "csrf_failed");
  Headers wrong = cookie;
  wrong.csrf = csrf_token_for(new_session_token());
  EXPECT_EQ(call("PATCH", "/api/v1/me", body, wrong).status, 403u);
  Headers right = cookie;
  right.csrf = csrf;
  auto ok = call("PATCH", "/api/v1/me", body, right);
  EXPECT_EQ(ok.status, 200u) << ok.body.dump();
  EXPECT_EQ(ok.body["user"]["email"], "a@example.org");
  EXPECT_EQ(call("PATCH", "/api/v1/me", body, bearer(token)).status, 200u);

  // An API key in the cookie is not a session.
  auto key = call("POST", "/api/v1/me/keys", json{{"name", "k"}, {"scopes", {"read"}}}.dump(), bearer(token));
  Headers key_cookie;
  key_cookie.cookie = "shoal_session=" + key.body["key"].get<std::string>();
  EXPECT_EQ(call("GET", "/api/v1/me", "", key_cookie).status, 401u);
}

TEST_F(ApiServiceTest, ErrorStatuses) {
  ASSERT_TRUE(m_accounts->create_user("alice", kPassword, Role::user));
  const std::string token = login("alice")["token"];
  auto code = [](const ApiReply& r) { return r.body["error"]["code"].get<std::string>(); };

  auto r = call("POST", "/api/v1/auth/login", "{not json");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(code(r), "malformed_json");
  EXPECT_EQ(call("POST", "/api/v1/auth/login", "[1,2]").status, 400u);
  EXPECT_EQ(call("POST", "/api/v1/auth/login", std::string(200, '[')).status, 400u);
  r = call("POST", "/api/v1/auth/login", R"({"username": 5, "password": "x"})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(code(r), "invalid_field");
  r = call("POST", "/api/v1/auth/login", R"({"username": "alice"})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(code(r), "missing_field");
  Headers form;
  form.content_type = "application/x-www-form-urlencoded";
  r = call("POST", "/api/v1/auth/login", "username=alice", form);
  EXPECT_EQ(r.status, 415u);
  r = call("POST", "/api/v1/auth/login", json{{"username", "alice"}, {"password", "wrong"}}.dump());
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(code(r), "invalid_credentials");
  r = call("POST", "/api/v1/auth/register", json{{"username", "alice"}, {"password", kPassword}}.dump());
  EXPECT_EQ(r.status, 409u);
  r = call("POST", "/api/v1/auth/register", json{{"username", "bob"}, {"password", "123456"}}.dump());
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(code(r), "weak_password");
  EXPECT_EQ(call("GET", "/api/v1/nope").status, 404u);
  r = call("PUT", "/api/v1/me");
  EXPECT_EQ(r.status, 405u);
  EXPECT_FALSE(header(r, "Allow").empty());

  r = call("GET", "/api/v1/me");
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(header(r, "WWW-Authenticate"), "Bearer");
  Headers basic;
  basic.authorization = "Basic YTpi";
  EXPECT_EQ(call("GET", "/api/v1/me", "", basic).status, 401u);
  EXPECT_EQ(call("GET", "/api/v1/me", "", bearer("sk_" + std::string(64, 'a'))).status, 401u);
  EXPECT_EQ(call("GET", "/api/v1/me", "", bearer("garbage")).status, 401u);

  r = call("GET", "/api/v1/admin/users", "", bearer(token));
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(code(r), "insufficient_scope");
  EXPECT_EQ(call("DELETE", "/api/v1/me/keys/notanumber", "", bearer(token)).status, 404u);
  EXPECT_EQ(call("DELETE", "/api/v1/me/keys/999", "", bearer(token)).status, 404u);
}

TEST_F(ApiServiceTest, EveryAdminEndpointRefusesAnonymousAndNonAdmins) {
  ASSERT_TRUE(m_accounts->create_user("alice", kPassword, Role::user));
  const std::string token = login("alice")["token"];
  int checked = 0;
  for (const auto& route : m_api->router().routes()) {
    if (!route.auth.required) continue;
    std::string path = route.pattern;
    for (auto [from, to] : {std::pair{"{id}", "1"}, std::pair{"{list}", "allow"},
                            std::pair{"{info_hash}", "0123456789abcdef0123456789abcdef01234567"}})
      if (auto at = path.find(from); at != std::string::npos) path.replace(at, std::string(from).size(), to);
    EXPECT_EQ(call(route.method, path).status, 401u) << route.method << " " << path;
    EXPECT_EQ(call(route.method, path, "", bearer("ss_" + std::string(64, '0'))).status, 401u)
        << route.method << " " << path;
    if (route.auth.scope == Scope::admin) {
      EXPECT_EQ(call(route.method, path, "", bearer(token)).status, 403u) << route.method << " " << path;
      ++checked;
    }
  }
  EXPECT_GE(checked, 10);
}

TEST_F(ApiServiceTest, ApiKeyScopes) {
  ASSERT_TRUE(m_accounts->create_user("alice", kPassword, Role::user));
  const std::string token = login("alice")["token"];
  auto created = call("POST", "/api/v1/me/keys", json{{"name", "reader"}, {"scopes", {"read"}}}.dump(), bearer(token));
  ASSERT_EQ(created.status, 201u) << created.body.dump();
  const std::string key = created.body["key"];
  EXPECT_EQ(created.body["prefix"], key.substr(0, 11));
  EXPECT_EQ(call("GET", "/api/v1/me", "", bearer(key)).status, 200u);
  auto write = call("POST", "/api/v1/me/passkey", "", bearer(key));
  EXPECT_EQ(write.status, 403u);
  EXPECT_EQ(write.body["error"]["code"], "insufficient_scope");

  auto list = call("GET", "/api/v1/me/keys", "", bearer(key));
  ASSERT_EQ(list.status, 200u);
  ASSERT_EQ(list.body["keys"].size(), 1u);
  EXPECT_FALSE(list.body["keys"][0].contains("key"));  // the prefix only
  EXPECT_EQ(list.body["keys"][0]["scopes"], json::array({"read"}));

  EXPECT_EQ(call("POST", "/api/v1/me/keys", json{{"name", "x"}, {"scopes", {"root"}}}.dump(), bearer(token)).status, 422u);
  EXPECT_EQ(call("POST", "/api/v1/me/keys", json{{"name", "x"}, {"scopes", {"admin"}}}.dump(), bearer(token)).status, 403u);

  const auto id = created.body["id"].get<std::int64_t>();
  EXPECT_EQ(call("DELETE", "/api/v1/me/keys/" + std::to_string(id), "", bearer(token)).status, 204u);
  EXPECT_EQ(call("GET", "/api/v1/me", "", bearer(key)).status, 401u);
}

TEST_F(ApiServiceTest, PasskeyShowAndRotate) {
  ASSERT_TRUE(m_accounts->create_user("alice", kPassword, Role::user));
  const std::string token = login("alice")["token"];
  auto shown = call("GET", "/api/v1/me/passkey", "", bearer(token));
  ASSERT_EQ(shown.status, 200u);
  auto rotated = call("POST", "/api/v1/me/passkey", "", bearer(token));
  ASSERT_EQ(rotated.status, 200u);
  EXPECT_NE(rotated.body["passkey"], shown.body["passkey"]);
  EXPECT_EQ(call("GET", "/api/v1/me/passkey", "", bearer(token)).body["passkey"], rotated.body["passkey"]);
}

TEST_F(ApiServiceTest, AdminEndpoints) {
  ASSERT_TRUE(m_accounts->create_user("root", kPassword, Role::admin));
  auto bob = *m_accounts->create_user("bob", kPassword, Role::user);
  const auto admin = bearer(login("root")["token"]);
  const std::string bob_path = "/api/v1/admin/users/" + std::to_string(bob.id);

  auto list = call("GET", "/api/v1/admin/users?q=bo&limit=10", "", admin);
  ASSERT_EQ(list.status, 200u);
  EXPECT_EQ(list.body["total"], 1);
  EXPECT_EQ(call("GET", "/api/v1/admin/users?limit=100000", "", admin).status, 400u);
  EXPECT_EQ(call("GET", bob_path, "", admin).body["user"]["username"], "bob");
  EXPECT_EQ(call("GET", "/api/v1/admin/users/999", "", admin).status, 404u);

  auto patched = call("PATCH", bob_path, R"({"role":"admin","enabled":false})", admin);
  ASSERT_EQ(patched.status, 200u) << patched.body.dump();
  EXPECT_EQ(patched.body["user"]["role"], "admin");
  EXPECT_EQ(patched.body["user"]["enabled"], false);
  EXPECT_EQ(call("PATCH", bob_path, R"({"role":"god"})", admin).status, 422u);
  EXPECT_EQ(call("PATCH", bob_path, R"({})", admin).status, 400u);
  call("PATCH", bob_path, R"({"role":"user","enabled":true})", admin);

  auto reset = call("POST", bob_path + "/password", "", admin);
  ASSERT_EQ(reset.status, 200u);
  login("bob", reset.body["password"]);
  EXPECT_EQ(call("POST", bob_path + "/password", R"({"new_password":"abc"})", admin).status, 422u);

  auto invite = call("POST", "/api/v1/admin/invites", "", admin);
  EXPECT_EQ(invite.status, 201u);
  EXPECT_TRUE(invite.body["invite"].get<std::string>().starts_with("inv_"));

  EXPECT_EQ(call("DELETE", bob_path, "", admin).status, 204u);
  EXPECT_EQ(call("DELETE", bob_path, "", admin).status, 404u);

  auto audit = call("GET", "/api/v1/admin/audit?limit=2", "", admin);
  ASSERT_EQ(audit.status, 200u);
  ASSERT_EQ(audit.body["entries"].size(), 2u);
  EXPECT_EQ(audit.body["entries"][0]["action"], "admin.user.delete");
  auto next = call("GET", "/api/v1/admin/audit?limit=2&before=" + audit.body["next_before"].dump(), "", admin);
  ASSERT_EQ(next.status, 200u);
  EXPECT_LT(next.body["entries"][0]["id"].get<std::int64_t>(), audit.body["entries"][1]["id"].get<std::int64_t>());

  EXPECT_EQ(call("GET", "/api/v1/admin/settings", "", admin).body["tracker"]["mode"], "public");
}

TEST_F(ApiServiceTest, AccessListEndpointsEditAndApply) {
  ASSERT_TRUE(m_accounts->create_user("root", kPassword, Role::admin));
  const auto admin = bearer(login("root")["token"]);
  const std::string hash = "0123456789abcdef0123456789abcdef01234567";
  auto added = call("PUT", "/api/v1/admin/access/allow/" + hash, R"({"note":"debian iso"})", admin);
  EXPECT_EQ(added.status, 201u) << added.body.dump();
  EXPECT_EQ(call("PUT", "/api/v1/admin/access/allow/" + hash, "", admin).status, 200u);
  EXPECT_EQ(m_reloads, 2);
  auto list = call("GET", "/api/v1/admin/access/allow", "", admin);
  ASSERT_EQ(list.body["entries"].size(), 1u);
  EXPECT_EQ(list.body["entries"][0]["info_hash"], hash);
  EXPECT_EQ(list.body["entries"][0]["note"], "debian iso");
  EXPECT_EQ(call("GET", "/api/v1/admin/access/grey", "", admin).status, 404u);
  EXPECT_EQ(call("PUT", "/api/v1/admin/access/deny/xyz", "", admin).status, 422u);
  EXPECT_EQ(call("DELETE", "/api/v1/admin/access/allow/" + hash, "", admin).status, 204u);
  EXPECT_EQ(call("DELETE", "/api/v1/admin/access/allow/" + hash, "", admin).status, 404u);
}

TEST_F(ApiServiceTest, OpenApiListsEveryRegisteredRoute) {
  auto doc = call("GET", "/api/v1/openapi.json");
  ASSERT_EQ(doc.status, 200u);
  std::size_t operations = 0;
  for (auto& [path, ops] : doc.body["paths"].items()) operations += ops.size();
  EXPECT_EQ(operations, m_api->router().routes().size());
  EXPECT_EQ(doc.body["paths"]["/api/v1/admin/users"]["get"]["x-required-scope"], "admin");
}

// ---- handle(): the I/O-thread part ------------------------------------------------------------

struct Handled {
  HttpResponse immediate;
  std::optional<HttpResponse> deferred;
  bool was_deferred = false;
};

Handled handle(ApiService& api, std::string method, std::string target, std::string body = "",
               std::vector<HttpHeader> headers = {}) {
  const auto peer = *PeerEndpoint::parse("192.0.2.50:4000");
  HttpRequest req(method, target, headers, body, peer, peer.address, false);
  Handled out;
  std::promise<HttpResponse> done;
  auto fut = done.get_future();
  out.immediate.set_deferrer([&done] {
    return HttpCompletion([&done](HttpResponse r) { done.set_value(std::move(r)); });
  });
  api.handle(req, out.immediate);
  out.was_deferred = out.immediate.deferred();
  if (out.was_deferred) {
    if (fut.wait_for(std::chrono::seconds(10)) == std::future_status::ready) out.deferred = fut.get();
  }
  return out;
}

TEST_F(ApiServiceTest, HandleDefersToWorkersAndAnswersJson) {
  m_api->start();
  auto r = handle(*m_api, "GET", "/api/v1/openapi.json");
  ASSERT_TRUE(r.was_deferred);
  ASSERT_TRUE(r.deferred);
  EXPECT_EQ(r.deferred->status, 200u);
  EXPECT_EQ(r.deferred->content_type, "application/json");
  EXPECT_TRUE(json::parse(r.deferred->body).contains("paths"));
  m_api->stop();
  // Stopped: answered at once with 503.
  auto after = handle(*m_api, "GET", "/api/v1/openapi.json");
  ASSERT_TRUE(after.deferred);
  EXPECT_EQ(after.deferred->status, 503u);
}

TEST_F(ApiServiceTest, HandleRefusesOversizedBodiesAtOnce) {
  ApiOptions options;
  options.rate_per_second = 0;
  options.max_body_bytes = 100;
  make_api(options);
  m_api->start();
  std::vector<HttpHeader> headers{{"Content-Type", "application/json"}};
  auto r = handle(*m_api, "POST", "/api/v1/auth/login", std::string(101, ' '), headers);
  EXPECT_FALSE(r.was_deferred);
  EXPECT_EQ(r.immediate.status, 413u);
  EXPECT_EQ(json::parse(r.immediate.body)["error"]["code"], "payload_too_large");
}

TEST_F(ApiServiceTest, HandleRateLimitsPerAddressWithRetryAfter) {
  ApiOptions options;
  options.rate_per_second = 0.01;
  options.rate_burst = 3;
  make_api(options);
  m_api->start();
  for (int i = 0; i < 3; ++i) {
    auto ok = handle(*m_api, "GET", "/api/v1/openapi.json");
    ASSERT_TRUE(ok.deferred);
    EXPECT_EQ(ok.deferred->status, 200u);
  }
  auto limited = handle(*m_api, "GET", "/api/v1/openapi.json");
  EXPECT_FALSE(limited.was_deferred);
  EXPECT_EQ(limited.immediate.status, 429u);
  bool retry_after = false;
  for (auto& [n, v] : limited.immediate.headers)
    if (n == "Retry-After") retry_after = std::stoi(v) > 0;
  EXPECT_TRUE(retry_after);
}

}  // namespace
}  // namespace shoal::tracker
