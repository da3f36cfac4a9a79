// The API message types (api_error, api_swarms, api_history, api_users, api_transfers,
// api_catalog): what a server writes reads back equal, field names are the documented ones, and
// a body of the wrong shape is refused with the path of the bad field.
#include <gtest/gtest.h>

#include "shoal/proto/api_catalog.hpp"
#include "shoal/proto/api_error.hpp"
#include "shoal/proto/api_history.hpp"
#include "shoal/proto/api_swarms.hpp"
#include "shoal/proto/api_transfers.hpp"
#include "shoal/proto/api_users.hpp"

namespace shoal::api {
namespace {

/// What a client sees: the server's JSON as bytes, parsed again.
Json over_the_wire(const Json& j) {
  auto parsed = parse_body(j.dump());
  EXPECT_TRUE(parsed);
  return parsed ? *parsed : Json();
}

TEST(ApiMessages, ErrorBody) {
  const ApiErrorBody e{"invalid_field", "limit is 1-500"};
  EXPECT_EQ(e.to_json().dump(), R"({"error":{"code":"invalid_field","message":"limit is 1-500"}})");
  EXPECT_EQ(ApiErrorBody::from_json(over_the_wire(e.to_json())), e);
  EXPECT_FALSE(ApiErrorBody::from_json(Json::parse(R"({"message": "x"})")));
}

TEST(ApiMessages, SwarmPageRoundTripsAndDerivesPeers) {
  SwarmPage p{.swarms = {{"aa", 3, 1, 9, 2}, {"bb", 0, 5, 0, std::nullopt}},
              .total = 7, .limit = 2, .offset = 4, .sort = "seeders", .order = "desc"};
  const Json j = p.to_json();
  EXPECT_EQ(j["swarms"][0]["peers"], 4);
  EXPECT_TRUE(j["swarms"][1]["trend"].is_null());
  auto back = SwarmPage::from_json(over_the_wire(j));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, p);

  Json bad = j;
  bad["swarms"][1]["leechers"] = -1;
  auto refused = SwarmPage::from_json(bad);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message(), "swarm list: swarms[1].leechers: negative");
}

TEST(ApiMessages, SwarmPeerListKeepsUnknownsAsNull) {
  SwarmPeer bare;
  bare.address = "::1";
  bare.port = 1;
  bare.last_announce = 1;
  SwarmPeerList l{.info_hash = "ab", .total = 2,
                  .peers = {{.address = "10.0.0.1", .port = 6881, .seeder = true, .last_announce = 1700000000,
                             .client = "qBittorrent 4.6.0", .peer_id = "2d5142", .left = 0, .downloaded = 5,
                             .uploaded = 9, .progress = 1.0},
                            bare}};
  const Json j = l.to_json();
  EXPECT_TRUE(j["peers"][1]["client"].is_null());
  EXPECT_TRUE(j["peers"][1]["progress"].is_null());
  auto back = SwarmPeerList::from_json(over_the_wire(j));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, l);

  Json bad = j;
  bad["peers"][0]["port"] = 70000;
  EXPECT_EQ(SwarmPeerList::from_json(bad).error().code, Errc::invalid_value);
}

TEST(ApiMessages, HistoriesRoundTrip) {
  TotalsHistory t{.step = 60, .from = 100, .to = 3700, .since = std::nullopt,
                  .points = {{.t = 160, .torrents = 1, .peers = 2, .seeders = 1, .leechers = 1, .completed = 3,
                              .announces_udp = 10, .announces_http = 4, .scrapes_udp = 2, .scrapes_http = 1}}};
  const Json tj = t.to_json();
  EXPECT_EQ(tj["points"][0]["announces"]["udp"], 10);
  EXPECT_EQ(tj["points"][0]["scrapes"]["http"], 1);
  EXPECT_TRUE(tj["since"].is_null());  // the whole window, not a delta
  auto tb = TotalsHistory::from_json(over_the_wire(tj));
  ASSERT_TRUE(tb) << tb.error().message();
  EXPECT_EQ(*tb, t);

  Json bad = tj;
  bad["points"][0]["scrapes"].erase("udp");
  auto refused = TotalsHistory::from_json(bad);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message(), "history: points[0].scrapes.udp: missing");

  SwarmHistory s{.info_hash = "cd", .step = 600, .from = 0, .to = 6000, .since = 600, .points = {{600, 1, 2, 3}, {1200, 0, 0, 3}}};
  auto sb = SwarmHistory::from_json(over_the_wire(s.to_json()));
  ASSERT_TRUE(sb) << sb.error().message();
  EXPECT_EQ(*sb, s);
}

TEST(ApiMessages, UsersAndLogin) {
  const UserView ann{.id = 7, .username = "ann", .email = std::nullopt, .role = "admin", .enabled = false,
                     .created_at = 5, .last_login_at = 9, .deleted = false};
  UserPage page{.users = {ann}, .total = 1, .limit = 50, .offset = 0};
  auto pb = UserPage::from_json(over_the_wire(page.to_json()));
  ASSERT_TRUE(pb) << pb.error().message();
  EXPECT_EQ(*pb, page);
  EXPECT_EQ(UserView::from_reply(Json{{"user", ann.to_json()}}), ann);
  EXPECT_EQ(UserView::from_reply(Json{{"users", 1}}).error().message(), "answer: user: missing");

  LoginReply login{.token = "tok", .token_type = "Bearer", .csrf_token = "c", .expires_at = 99, .user = ann};
  EXPECT_EQ(LoginReply::from_json(over_the_wire(login.to_json())), login);
  Json no_token = login.to_json();
  no_token["token"] = "";
  EXPECT_FALSE(LoginReply::from_json(no_token));
  Json bad_user = login.to_json();
  bad_user["user"]["role"] = 3;
  EXPECT_EQ(LoginReply::from_json(bad_user).error().message(), "login: user.role: expected a string, found a number");
}

TEST(ApiMessages, TransferSyncRoundTrips) {
  TransferView t;
  t.id = std::string(40, 'a');
  t.info_hash_v1 = t.id;
  t.name = "ubuntu.iso";
  t.state = "downloading";
  t.progress = 0.25;
  t.download_rate = 1 << 20;
  t.eta = 30;
  t.ratio = -1;
  t.tags = {"hd", "linux"};
  t.category = "iso";
  const NodeStats g{.torrents = 1, .peers = 3, .download_rate = 1 << 20, .upload_rate = 0, .download_limit = 0,
                    .upload_limit = 100, .alt_limits_active = true, .listen_port = 6881, .revision = 12};
  const Json j = TransferSync::to_json(12, false, {t.to_json()}, {std::string(40, 'b')}, g);
  auto back = TransferSync::from_json(over_the_wire(j));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->revision, 12u);
  EXPECT_FALSE(back->full);
  ASSERT_EQ(back->torrents.size(), 1u);
  EXPECT_EQ(back->torrents[0], t);
  EXPECT_EQ(back->removed, std::vector<std::string>{std::string(40, 'b')});
  EXPECT_EQ(back->global, g);

  Json bad = j;
  bad["torrents"][0]["tags"] = Json::array({"ok", 5});
  EXPECT_EQ(TransferSync::from_json(bad).error().message(), "sync: torrents[0].tags[1]: expected a string, found a number");
  Json no_global = j;
  no_global.erase("global");
  EXPECT_EQ(TransferSync::from_json(no_global).error().code, Errc::missing_field);
}

TEST(ApiMessages, CatalogEntryWithAndWithoutFiles) {
  CatalogEntry e{.id = 12, .info_hash_v1 = std::string(40, 'c'), .info_hash_v2 = std::nullopt, .name = "n",
                 .size = 2000, .category_id = 5000, .tags = {"hd"}, .description = "d", .uploader_id = std::nullopt,
                 .created_at = 1, .file_count = 2, .has_torrent_file = true, .magnet = "magnet:?xt=urn:btih:cc",
                 .seeders = 1, .leechers = 0, .completed = 4, .files = std::nullopt};
  const Json listed = e.to_json();
  EXPECT_FALSE(listed.contains("files"));
  EXPECT_TRUE(listed["info_hash_v2"].is_null());
  EXPECT_EQ(CatalogEntry::from_json(over_the_wire(listed)), e);

  e.files = std::vector<CatalogFile>{{"dir/a", 1000}, {"dir/b", 1000}};
  auto back = CatalogEntry::from_reply(over_the_wire(Json{{"torrent", e.to_json()}}));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, e);

  Json bad = e.to_json();
  bad["files"][1].erase("size");
  EXPECT_EQ(CatalogEntry::from_json(bad).error().message(), "torrent: files[1].size: missing");
}

}  // namespace
}  // namespace shoal::api
