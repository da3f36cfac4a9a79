// The private-tracking endpoints (private_api.hpp) driven in-process through ApiService::process
// over a real SQLite database: body validation, registration from a .torrent and from hashes,
// lookups by id and hash, flags, unregistering, stats, authorization, the audit log, and the
// per-route body limit and raw Content-Type ApiService gives the .torrent upload.
#include "shoal/tracker/private_api.hpp"

#include <gtest/gtest.h>

#include <future>

#include "shoal/proto/bencode.hpp"
#include "shoal/server/api_service.hpp"
#include "sqlite_test_util.hpp"

namespace shoal::tracker {

using namespace shoal::server;  // the HTTP/API layer the tracker is built on
namespace {

using nlohmann::json;
constexpr const char* kPassword = "velvet-otter-cactus";
const std::string kV1 = "0123456789abcdef0123456789abcdef01234567";
const std::string kV2 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

// A v1 single-file torrent of one 16 KiB piece.
std::string v1_torrent(const std::string& name) {
  const std::string content(16384, 'v');
  bencode::Dict info;
  info.emplace("length", bencode::Value(std::int64_t{16384}));
  info.emplace("name", bencode::Value(name));
  info.emplace("piece length", bencode::Value(std::int64_t{16384}));
  info.emplace("pieces", bencode::Value(std::string(sha1(content).view())));
  info.emplace("private", bencode::Value(std::int64_t{1}));
  bencode::Dict top;
  top.emplace("info", bencode::Value(std::move(info)));
  return bencode::encode(bencode::Value(std::move(top)));
}

TEST(PrivateApiParsing, HashRegistration) {
  auto ok = parse_hash_registration(json{{"info_hash_v1", "0123456789ABCDEF0123456789abcdef01234567"},
                                         {"name", "Album"}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->info_hash_v1->hex(), kV1);
  EXPECT_FALSE(ok->info_hash_v2);
  EXPECT_EQ(ok->name, "Album");
  auto both = parse_hash_registration(json{{"info_hash_v1", kV1}, {"info_hash_v2", kV2}, {"name", "x"}});
  ASSERT_TRUE(both);
  EXPECT_EQ(both->info_hash_v2->hex(), kV2);

  const auto code = [](const json& body) {
    auto r = parse_hash_registration(body);
    if (r) return std::string("accepted");
    EXPECT_EQ(r.error().status, 400u) << body.dump();
    return r.error().body["error"]["code"].get<std::string>();
  };
  EXPECT_EQ(code(json{{"info_hash_v1", kV1}}), "missing_field");              // no name
  EXPECT_EQ(code(json{{"name", "x"}}), "missing_field");                       // no hash
  EXPECT_EQ(code(json{{"name", "x"}, {"info_hash_v1", nullptr}}), "missing_field");
  EXPECT_EQ(code(json{{"name", ""}, {"info_hash_v1", kV1}}), "invalid_field");
  EXPECT_EQ(code(json{{"name", 5}, {"info_hash_v1", kV1}}), "invalid_field");
  EXPECT_EQ(code(json{{"name", "x"}, {"info_hash_v1", 12}}), "invalid_field");
  EXPECT_EQ(code(json{{"name", std::string(kMaxTorrentNameBytes + 1, 'n')}, {"info_hash_v1", kV1}}),
            "invalid_field");
  EXPECT_EQ(code(json{{"name", "x"}, {"info_hash_v1", kV1.substr(1)}}), "invalid_info_hash");
  EXPECT_EQ(code(json{{"name", "x"}, {"info_hash_v1", kV2}}), "invalid_info_hash");  // 64 as v1
  EXPECT_EQ(code(json{{"name", "x"}, {"info_hash_v2", kV1}}), "invalid_info_hash");  // 40 as v2
  EXPECT_EQ(code(json{{"name", "x"}, {"info_hash_v1", "g" + kV1.substr(1)}}), "invalid_info_hash");
  EXPECT_EQ(code(json(nullptr)), "missing_field");
}

TEST(PrivateApiParsing, FlagsChange) {
  auto both = parse_flags_change(json{{"freeleech", true}, {"neutral", false}});
  ASSERT_TRUE(both);
  EXPECT_EQ(both->freeleech, true);
  EXPECT_EQ(both->neutral, false);
  auto one = parse_flags_change(json{{"neutral", true}, {"other", 1}});
  ASSERT_TRUE(one);
  EXPECT_FALSE(one->freeleech);
  EXPECT_FALSE(parse_flags_change(json::object()));
  EXPECT_FALSE(parse_flags_change(json{{"freeleech", "yes"}}));
  EXPECT_FALSE(parse_flags_change(json{{"freeleech", 1}}));
}

TEST(PrivateApiParsing, StatsJsonRatioAndPage) {
  UserTotals totals{7, 300, 0, 0};
  EXPECT_TRUE(user_stats_json(totals, {}, 10, 0)["totals"]["ratio"].is_null());
  totals.downloaded = 200;
  // The page the store cut: rows 2 and 3 of the user's 5.
  UserTorrentStatsPage page;
  for (int i = 2; i <= 3; ++i) page.rows.push_back({i, "t" + std::to_string(i), 1, 2, std::nullopt, 10, 20});
  page.rows[1].completed_at = 15;
  page.total = 5;
  const json j = user_stats_json(totals, page, 2, 1);
  EXPECT_DOUBLE_EQ(j["totals"]["ratio"].get<double>(), 1.5);
  EXPECT_EQ(j["user_id"], 7);
  EXPECT_EQ(j["torrent_count"], 5);
  EXPECT_EQ(j["limit"], 2);
  EXPECT_EQ(j["offset"], 1);
  ASSERT_EQ(j["torrents"].size(), 2u);
  EXPECT_EQ(j["torrents"][0]["torrent_id"], 2);
  EXPECT_TRUE(j["torrents"][0]["completed_at"].is_null());
  EXPECT_EQ(j["torrents"][1]["completed_at"], 15);
}

TEST(PrivateApiParsing, StoreErrorsMapToStatuses) {
  EXPECT_EQ(api_error_from(PrivateStoreError{PrivateStoreErrc::invalid, "m"}).status, 400u);
  EXPECT_EQ(api_error_from(PrivateStoreError{PrivateStoreErrc::not_found, "m"}).status, 404u);
  EXPECT_EQ(api_error_from(PrivateStoreError{PrivateStoreErrc::conflict, "m"}).status, 409u);
  const ApiReply db = api_error_from(PrivateStoreError{PrivateStoreErrc::database, "/secret/path"});
  EXPECT_EQ(db.status, 500u);
  EXPECT_EQ(db.body.dump().find("/secret/path"), std::string::npos);  // details stay in the log
}

// ---- the endpoints ---------------------------------------------------------------------------

class PrivateApiTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto s = open_sqlite_account_store(m_dir / "tracker.db");
    ASSERT_TRUE(s) << s.error().message;
    m_store = std::move(*s);
    AccountPolicy policy;
    policy.scrypt.log2_n = 10;
    m_accounts = std::make_unique<AccountService>(*m_store, policy);
    auto admin = m_accounts->create_user("root", kPassword, Role::admin);
    ASSERT_TRUE(admin);
    auto user = m_accounts->create_user("alice", kPassword, Role::user);
    ASSERT_TRUE(user);
    m_alice_id = user->id;
    auto ps = open_sqlite_private_store(m_dir / "tracker.db");
    ASSERT_TRUE(ps) << ps.error().message;
    m_tracking = std::make_unique<PrivateTracking>(std::move(*ps), &m_registry);
    ApiOptions options;
    options.rate_per_second = 0;
    options.max_body_bytes = 1024;
    m_api = std::make_unique<ApiService>(*m_accounts, options);
    register_private_routes(m_api->router(), *m_accounts, *m_tracking);
    m_admin = token("root");
    m_user = token("alice");
  }

  std::string token(const std::string& name) {
    auto login = m_accounts->login(name, kPassword, false, "192.0.2.9");
    EXPECT_TRUE(login);
    return login ? login->token : "";
  }

  ApiReply call(const std::string& method, const std::string& target, const std::string& token,
                const std::string& body = "", const std::string& type = "application/json") {
    ApiCall c;
    c.method = method;
    const auto q = target.find('?');
    c.path = target.substr(0, q);
    if (q != std::string::npos) c.query = target.substr(q + 1);
    c.body = body;
    c.client_address = *IpAddress::parse("192.0.2.9");
    c.content_type = type;
    return m_api->process(std::move(c), token.empty() ? "" : "Bearer " + token, "", "");
  }

  std::vector<std::string> audit_actions() {
    auto rows = m_accounts->audit_log(0, 100);
    EXPECT_TRUE(rows);
    std::vector<std::string> out;
    if (rows)
      for (const auto& r : *rows)
        if (r.action.starts_with("admin.torrent.")) out.push_back(r.action + " " + r.detail);
    return out;
  }

  testutil::TempDir m_dir;
  std::unique_ptr<AccountStore> m_store;
  std::unique_ptr<AccountService> m_accounts;
  PrivateRegistry m_registry;
  std::unique_ptr<PrivateTracking> m_tracking;
  std::unique_ptr<ApiService> m_api;
  std::string m_admin, m_user;
  std::int64_t m_alice_id = 0;
};

TEST_F(PrivateApiTest, RegisterFromTorrentFileAndHashesThenLookUpPatchAndDelete) {
  const std::string file = v1_torrent("album");
  auto raw = call("POST", "/api/v1/admin/torrents", m_admin, file, "application/x-bittorrent");
  ASSERT_EQ(raw.status, 201u) << raw.body.dump();
  const json t1 = raw.body["torrent"];
  EXPECT_EQ(t1["name"], "album");
  EXPECT_EQ(t1["info_hash_v1"].get<std::string>().size(), 40u);
  EXPECT_TRUE(t1["info_hash_v2"].is_null());
  EXPECT_EQ(t1["freeleech"], false);
  EXPECT_GT(t1["added_at"].get<std::int64_t>(), 0);
  EXPECT_TRUE(t1["added_by"].is_number_integer());
  const std::int64_t id1 = t1["id"];
  // The registry the announce path reads already has it.
  EXPECT_EQ(m_registry.snapshot()->torrent_count(), 1u);

  auto again = call("POST", "/api/v1/admin/torrents", m_admin, file, "application/x-bittorrent");
  EXPECT_EQ(again.status, 409u);
  EXPECT_EQ(again.body["error"]["code"], "already_registered");
  auto junk = call("POST", "/api/v1/admin/torrents", m_admin, "not bencode", "application/x-bittorrent");
  EXPECT_EQ(junk.status, 400u);
  EXPECT_EQ(junk.body["error"]["code"], "invalid_torrent");
  auto wrong_type = call("POST", "/api/v1/admin/torrents", m_admin, file, "application/octet-stream");
  EXPECT_EQ(wrong_type.status, 415u);

  auto by_hash = call("POST", "/api/v1/admin/torrents", m_admin,
                      json{{"info_hash_v1", kV1}, {"info_hash_v2", kV2}, {"name", "hybrid"}}.dump());
  ASSERT_EQ(by_hash.status, 201u) << by_hash.body.dump();
  const std::int64_t id2 = by_hash.body["torrent"]["id"];
  EXPECT_EQ(by_hash.body["torrent"]["info_hash_v2"], kV2);
  auto dup = call("POST", "/api/v1/admin/torrents", m_admin, json{{"info_hash_v2", kV2}, {"name", "y"}}.dump());
  EXPECT_EQ(dup.status, 409u);
  auto bad = call("POST", "/api/v1/admin/torrents", m_admin, json{{"info_hash_v1", "abc"}, {"name", "y"}}.dump());
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.body["error"]["code"], "invalid_info_hash");

  // Lookups: id, v1, full v2, truncated v2; unknown ones 404.
  EXPECT_EQ(call("GET", "/api/v1/admin/torrents/" + std::to_string(id1), m_admin).body["torrent"]["name"], "album");
  EXPECT_EQ(call("GET", "/api/v1/admin/torrents/" + kV1, m_admin).body["torrent"]["id"], id2);
  EXPECT_EQ(call("GET", "/api/v1/admin/torrents/" + kV2, m_admin).body["torrent"]["id"], id2);
  EXPECT_EQ(call("GET", "/api/v1/admin/torrents/" + kV2.substr(0, 40), m_admin).body["torrent"]["id"], id2);
  for (const std::string& missing : std::vector<std::string>{"999", "0", "-1", "abc", std::string(40, 'f'), std::string(64, 'e')})
    EXPECT_EQ(call("GET", "/api/v1/admin/torrents/" + missing, m_admin).status, 404u) << missing;

  auto list = call("GET", "/api/v1/admin/torrents?limit=1&offset=1", m_admin);
  ASSERT_EQ(list.status, 200u);
  EXPECT_EQ(list.body["total"], 2);
  ASSERT_EQ(list.body["torrents"].size(), 1u);
  EXPECT_EQ(list.body["torrents"][0]["id"], id2);
  EXPECT_EQ(call("GET", "/api/v1/admin/torrents?limit=501", m_admin).status, 400u);
  EXPECT_EQ(call("GET", "/api/v1/admin/torrents?offset=x", m_admin).status, 400u);

  auto patched = call("PATCH", "/api/v1/admin/torrents/" + std::to_string(id1), m_admin,
                      json{{"freeleech", true}}.dump());
  ASSERT_EQ(patched.status, 200u) << patched.body.dump();
  EXPECT_EQ(patched.body["torrent"]["freeleech"], true);
  EXPECT_EQ(patched.body["torrent"]["neutral"], false);
  EXPECT_EQ(call("PATCH", "/api/v1/admin/torrents/" + std::to_string(id1), m_admin, "{}").status, 400u);
  EXPECT_EQ(call("PATCH", "/api/v1/admin/torrents/999", m_admin, json{{"neutral", true}}.dump()).status, 404u);

  EXPECT_EQ(call("DELETE", "/api/v1/admin/torrents/" + kV1, m_admin).status, 204u);
  EXPECT_EQ(call("GET", "/api/v1/admin/torrents/" + std::to_string(id2), m_admin).status, 404u);
  EXPECT_EQ(call("DELETE", "/api/v1/admin/torrents/" + std::to_string(id2), m_admin).status, 404u);
  EXPECT_EQ(m_registry.snapshot()->torrent_count(), 1u);

  // Every successful write is in the audit log (newest first); refused ones are not.
  const auto actions = audit_actions();
  ASSERT_EQ(actions.size(), 4u);
  EXPECT_TRUE(actions[0].starts_with("admin.torrent.unregister id=" + std::to_string(id2))) << actions[0];
  EXPECT_TRUE(actions[1].starts_with("admin.torrent.update id=" + std::to_string(id1))) << actions[1];
  EXPECT_NE(actions[1].find("freeleech=true"), std::string::npos) << actions[1];
  EXPECT_NE(actions[2].find("v2=" + kV2), std::string::npos) << actions[2];
  EXPECT_NE(actions[3].find("from .torrent"), std::string::npos) << actions[3];
}

TEST_F(PrivateApiTest, UsersCannotUseAdminRoutesButSeeTheirOwnStats) {
  for (auto [method, path] : {std::pair{"GET", "/api/v1/admin/torrents"}, std::pair{"POST", "/api/v1/admin/torrents"},
                              std::pair{"GET", "/api/v1/admin/torrents/1"}, std::pair{"PATCH", "/api/v1/admin/torrents/1"},
                              std::pair{"DELETE", "/api/v1/admin/torrents/1"},
                              std::pair{"GET", "/api/v1/admin/users/1/stats"}}) {
    EXPECT_EQ(call(method, path, m_user).status, 403u) << method << " " << path;
    EXPECT_EQ(call(method, path, "").status, 401u) << method << " " << path;
  }
  EXPECT_EQ(call("POST", "/api/v1/admin/torrents", m_user, v1_torrent("x"), "application/x-bittorrent").status, 403u);
  EXPECT_TRUE(audit_actions().empty());

  auto mine = call("GET", "/api/v1/me/stats", m_user);
  ASSERT_EQ(mine.status, 200u) << mine.body.dump();
  EXPECT_EQ(mine.body["user_id"], m_alice_id);
  EXPECT_EQ(mine.body["totals"]["uploaded"], 0);
  EXPECT_TRUE(mine.body["totals"]["ratio"].is_null());
  EXPECT_TRUE(mine.body["torrents"].empty());
  EXPECT_EQ(call("GET", "/api/v1/me/stats", "").status, 401u);

  auto theirs = call("GET", "/api/v1/admin/users/" + std::to_string(m_alice_id) + "/stats", m_admin);
  ASSERT_EQ(theirs.status, 200u);
  EXPECT_EQ(theirs.body["user_id"], m_alice_id);
  EXPECT_EQ(call("GET", "/api/v1/admin/users/9999/stats", m_admin).status, 404u);
}

TEST_F(PrivateApiTest, TorrentListPagesWalkEveryTorrentOnceWithTheTotal) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 7; ++i) {
    auto t = m_tracking->register_info_hashes(sha1("page" + std::to_string(i)), std::nullopt,
                                              "page" + std::to_string(i));
    ASSERT_TRUE(t) << t.error().message;
    ids.push_back(t->id);
  }
  std::vector<std::int64_t> walked;
  std::vector<std::size_t> sizes;
  for (std::size_t offset = 0; offset <= 9; offset += 3) {
    auto page = call("GET", "/api/v1/admin/torrents?limit=3&offset=" + std::to_string(offset), m_admin);
    ASSERT_EQ(page.status, 200u) << page.body.dump();
    EXPECT_EQ(page.body["total"], 7);
    EXPECT_EQ(page.body["limit"], 3);
    EXPECT_EQ(page.body["offset"], offset);
    sizes.push_back(page.body["torrents"].size());
    for (const auto& t : page.body["torrents"]) walked.push_back(t["id"].get<std::int64_t>());
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{3, 3, 1, 0}));
  EXPECT_EQ(walked, ids);  // by id, none twice, none skipped

  // Defaults (limit 100, offset 0), the bounds, and limit 0 (the total alone).
  auto all = call("GET", "/api/v1/admin/torrents", m_admin);
  ASSERT_EQ(all.status, 200u);
  EXPECT_EQ(all.body["torrents"].size(), 7u);
  EXPECT_EQ(all.body["limit"], 100);
  EXPECT_EQ(all.body["offset"], 0);
  auto count = call("GET", "/api/v1/admin/torrents?limit=0", m_admin);
  ASSERT_EQ(count.status, 200u);
  EXPECT_TRUE(count.body["torrents"].empty());
  EXPECT_EQ(count.body["total"], 7);
  EXPECT_EQ(call("GET", "/api/v1/admin/torrents?limit=500&offset=1000000000", m_admin).body["total"], 7);
  for (const std::string_view q : {"limit=501", "limit=-1", "offset=-1", "offset=1000000001", "limit=1x"})
    EXPECT_EQ(call("GET", "/api/v1/admin/torrents?" + std::string(q), m_admin).status, 400u) << q;

  // Ids that are not a torrent: 404, including ones past int64.
  for (const std::string& missing : {std::to_string(ids.back() + 1), std::string("9223372036854775807"),
                                     std::string("99999999999999999999")})
    EXPECT_EQ(call("GET", "/api/v1/admin/torrents/" + missing, m_admin).status, 404u) << missing;
  EXPECT_EQ(call("GET", "/api/v1/admin/torrents/" + std::to_string(ids[3]), m_admin).body["torrent"]["name"],
            "page3");
}

TEST_F(PrivateApiTest, StatsPagesCarryTheUsersRowCount) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    auto t = m_tracking->register_info_hashes(sha1("st" + std::to_string(i)), std::nullopt,
                                              "st" + std::to_string(i));
    ASSERT_TRUE(t);
    ids.push_back(t->id);
  }
  // Accounting as the writer thread flushes it: torrent i last announced at 1000 + i.
  auto writer = open_sqlite_private_store(m_dir / "tracker.db");
  ASSERT_TRUE(writer) << writer.error().message;
  AccountingBatch batch;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    UserTorrentDelta d;
    d.user_id = m_alice_id;
    d.torrent_id = ids[i];
    d.uploaded = 10;
    d.first_announce = 1000;
    d.last_announce = static_cast<std::uint32_t>(1000 + i);
    batch.deltas.push_back(d);
  }
  ASSERT_TRUE((*writer)->save_accounting(batch, 0));

  std::vector<std::int64_t> walked;
  for (std::size_t offset = 0; offset < 6; offset += 2) {
    auto page = call("GET", "/api/v1/me/stats?limit=2&offset=" + std::to_string(offset), m_user);
    ASSERT_EQ(page.status, 200u) << page.body.dump();
    EXPECT_EQ(page.body["torrent_count"], 5);
    EXPECT_EQ(page.body["totals"]["uploaded"], 50);  // totals are the user's, not the page's
    for (const auto& r : page.body["torrents"]) walked.push_back(r["torrent_id"].get<std::int64_t>());
  }
  EXPECT_EQ(walked, (std::vector<std::int64_t>{ids[4], ids[3], ids[2], ids[1], ids[0]}));
  auto admin_view = call("GET", "/api/v1/admin/users/" + std::to_string(m_alice_id) + "/stats?limit=1&offset=4",
                         m_admin);
  ASSERT_EQ(admin_view.status, 200u);
  ASSERT_EQ(admin_view.body["torrents"].size(), 1u);
  EXPECT_EQ(admin_view.body["torrents"][0]["torrent_id"], ids[0]);
  EXPECT_EQ(admin_view.body["torrent_count"], 5);
  EXPECT_EQ(call("GET", "/api/v1/me/stats?limit=501", m_user).status, 400u);
  auto past = call("GET", "/api/v1/me/stats?offset=99", m_user);
  ASSERT_EQ(past.status, 200u);
  EXPECT_TRUE(past.body["torrents"].empty());
  EXPECT_EQ(past.body["torrent_count"], 5);
}

// handle(): the .torrent upload may exceed the service's body limit up to its own; nothing else may.
TEST_F(PrivateApiTest, UploadRouteHasItsOwnBodyLimit) {
  EXPECT_EQ(m_api->largest_body_limit(), kMaxTorrentFileBytes);
  m_api->start();
  std::string credential = m_admin;
  const auto handle = [&](const std::string& method, const std::string& target, const std::string& body,
                          const std::string& type) {
    const auto peer = *PeerEndpoint::parse("192.0.2.50:4000");
    const std::string authorization = credential.empty() ? "" : "Bearer " + credential;
    std::vector<HttpHeader> headers{{"Content-Type", type}};  // HttpHeader views the strings
    if (!credential.empty()) headers.push_back({"Authorization", authorization});
    HttpRequest req(method, target, headers, body, peer, peer.address, false);
    HttpResponse res;
    std::promise<HttpResponse> done;
    auto fut = done.get_future();
    res.set_deferrer([&done] {
      return HttpCompletion([&done](HttpResponse r) { done.set_value(std::move(r)); });
    });
    m_api->handle(req, res);
    if (!res.deferred()) return res.status;
    EXPECT_EQ(fut.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return fut.get().status;
  };
  // A real torrent padded past the service's 1 KiB limit (bencode ignores nothing after the end,
  // so pad inside: a long name).
  const std::string big = v1_torrent(std::string(900, 'n') + std::string(900, 'm'));
  ASSERT_GT(big.size(), 1024u);
  EXPECT_EQ(handle("POST", "/api/v1/admin/torrents", big, "application/x-bittorrent"), 201u);
  // The same size as JSON (to the upload route or another), or raw elsewhere, or without a
  // credential, is refused at once.
  EXPECT_EQ(handle("POST", "/api/v1/admin/torrents", std::string(2000, ' '), "application/json"), 413u);
  EXPECT_EQ(handle("PATCH", "/api/v1/admin/torrents/1", std::string(2000, ' '), "application/json"), 413u);
  EXPECT_EQ(handle("GET", "/api/v1/me/stats", big, "application/x-bittorrent"), 413u);
  credential.clear();
  EXPECT_EQ(handle("POST", "/api/v1/admin/torrents", big, "application/x-bittorrent"), 413u);
  EXPECT_EQ(handle("POST", "/api/v1/admin/torrents", big.substr(0, 1000), "application/x-bittorrent"), 401u);
  m_api->stop();
}

TEST_F(PrivateApiTest, BodyLimitFromTheHeaderAloneFollowsTheSameRule) {
  // What the HTTP server asks once a header is read (no body yet): the upload route's limit only
  // for its raw type and with a credential; the service's limit for everything else.
  const auto peer = *PeerEndpoint::parse("192.0.2.50:4000");
  const auto limit = [&](const std::string& method, const std::string& target,
                         const std::string& type, const std::string& authorization,
                         const std::string& cookie = "") {
    std::vector<HttpHeader> headers{{"Content-Type", type}};
    if (!authorization.empty()) headers.push_back({"Authorization", authorization});
    if (!cookie.empty()) headers.push_back({"Cookie", cookie});
    const HttpRequest req(method, target, headers, "", peer, peer.address, false);
    return m_api->body_limit(req);
  };
  const std::string bearer = "Bearer " + m_admin;
  EXPECT_EQ(limit("POST", "/api/v1/admin/torrents", "application/x-bittorrent", bearer),
            kMaxTorrentFileBytes);
  EXPECT_EQ(limit("POST", "/api/v1/admin/torrents", "application/x-bittorrent; x=y", bearer),
            kMaxTorrentFileBytes);
  EXPECT_EQ(limit("POST", "/api/v1/admin/torrents", "application/x-bittorrent", "",
                  "shoal_session=abc"),
            kMaxTorrentFileBytes);  // a credential is presented; it is checked later
  EXPECT_EQ(limit("POST", "/api/v1/admin/torrents", "application/x-bittorrent", ""), 1024u);
  EXPECT_EQ(limit("POST", "/api/v1/admin/torrents", "application/x-bittorrent", "Bearer "), 1024u);
  EXPECT_EQ(limit("POST", "/api/v1/admin/torrents", "application/json", bearer), 1024u);
  EXPECT_EQ(limit("PATCH", "/api/v1/admin/torrents/1", "application/x-bittorrent", bearer), 1024u);
  EXPECT_EQ(limit("POST", "/api/v1/no/such/route", "application/x-bittorrent", bearer), 1024u);
}

}  // namespace
}  // namespace shoal::tracker
