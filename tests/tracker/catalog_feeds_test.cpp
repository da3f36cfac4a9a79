// RSS 2.0 and Torznab rendering: every document is parsed back with expat (a strict XML 1.0
// parser) and the fields feed readers and indexers (Jackett, Prowlarr, Sonarr) read are checked;
// hostile names (markup characters, control characters, invalid UTF-8) must not break the XML.
#include "shoal/tracker/catalog_feeds.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "shoal/proto/magnet.hpp"
#include "xml_dom.hpp"

using namespace shoal;
using namespace shoal::tracker;
using shoal::test::Node;
using shoal::test::parse_xml;

namespace {

const std::string kHostile = "A & B <C> \"D\" 'E' \x01\x02\x1f\x7f\xff]]> &amp;";
const std::string kHostileClean = "A & B <C> \"D\" 'E' \xef\xbf\xbd]]> &amp;";

std::vector<CatalogCategory> categories() {
  return {{5000, "TV", std::nullopt}, {5040, "TV/HD", 5000}, {5030, "TV/SD", 5000},
          {2000, "Movies", std::nullopt}, {8000, "Other", std::nullopt}};
}

std::vector<CatalogFeedItem> items() {
  CatalogFeedItem hybrid;
  hybrid.torrent.id = 7;
  hybrid.torrent.info_hash_v1 = sha1("one");
  hybrid.torrent.info_hash_v2 = sha256("one");
  hybrid.torrent.name = kHostile;
  hybrid.torrent.description = "line1\nline2 <b>";
  hybrid.torrent.size = 123456789;
  hybrid.torrent.category_id = 5040;
  hybrid.torrent.file_count = 3;
  hybrid.torrent.created_at = 1'700'000'000;
  hybrid.swarm = {10, 5, 42};
  hybrid.download_url = "https://t.example/api/v1/torrents/7/download?passkey=abc&x=<1>";
  hybrid.details_url = "https://t.example/torrents/7";
  hybrid.magnet_url = catalog_magnet_uri(hybrid.torrent, std::vector<std::string>{
                                                              "https://t.example/announce/abc"});
  hybrid.download_factor = 0;  // freeleech

  CatalogFeedItem v2_only;
  v2_only.torrent.id = 8;
  v2_only.torrent.info_hash_v2 = sha256("two");
  v2_only.torrent.name = "Plain.Name";
  v2_only.torrent.size = 0;
  v2_only.torrent.category_id = 2000;
  v2_only.torrent.created_at = 0;
  v2_only.magnet_url = catalog_magnet_uri(v2_only.torrent);
  return {hybrid, v2_only};
}

CatalogFeedChannel channel() {
  CatalogFeedChannel c;
  c.title = "Shoal & friends";
  c.link = "https://t.example/";
  c.description = "latest";
  c.self_url = "https://t.example/rss?token=a&b=c";
  return c;
}

}  // namespace

TEST(CatalogFeeds, TheXmlParserIsStrict) {
  // The checks below mean something only if the parser refuses what XML 1.0 refuses.
  EXPECT_FALSE(parse_xml("<a>\x01</a>").error.empty());
  EXPECT_FALSE(parse_xml("<a>&</a>").error.empty());
  EXPECT_FALSE(parse_xml("<a>\xff</a>").error.empty());
  EXPECT_TRUE(parse_xml("<a>&amp;</a>").error.empty());
}

TEST(CatalogFeeds, EscapingDropsWhatXmlCannotHold) {
  const std::string escaped = xml_escape(kHostile);
  auto doc = parse_xml("<a b=\"" + escaped + "\">" + escaped + "</a>");
  ASSERT_TRUE(doc.error.empty()) << doc.error << "\n" << escaped;
  EXPECT_EQ(doc.root->text, kHostileClean);
  EXPECT_EQ(doc.root->attrs["b"], kHostileClean);
  // Newlines and tabs survive attribute-value normalisation.
  auto nl = parse_xml("<a b=\"" + xml_escape("x\ny\tz\r\n") + "\"/>");
  ASSERT_TRUE(nl.error.empty());
  EXPECT_EQ(nl.root->attrs["b"], "x\ny\tz\n");
}

TEST(CatalogFeeds, BaseUrlFromTheConfigOrACleanHost) {
  EXPECT_EQ(feed_base_url("https://t.example/x/", false, "evil"), "https://t.example/x");
  EXPECT_EQ(feed_base_url("", false, "tracker.example:8080"), "http://tracker.example:8080");
  EXPECT_EQ(feed_base_url("", true, "127.0.0.1"), "https://127.0.0.1");
  EXPECT_EQ(feed_base_url("", false, "[::1]:80"), "http://[::1]:80");
  for (const char* bad : {"", "a b", "x\"><script>", "host:", "host:80x", "host:123456", "[::1", "[zz]:1",
                          "user@host", "h/path", "[::1]x"})
    EXPECT_EQ(feed_base_url("", false, bad), std::nullopt) << bad;
}

TEST(CatalogFeeds, Rfc822Dates) {
  EXPECT_EQ(rfc822_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(rfc822_date(1'700'000'000), "Tue, 14 Nov 2023 22:13:20 +0000");
}

TEST(CatalogFeeds, MagnetLinksCarryBothHashesAndTheName) {
  auto all = items();
  auto m = parse_magnet(all[0].magnet_url);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->info_hash, all[0].torrent.info_hash());
  EXPECT_EQ(m->display_name, kHostile);
  EXPECT_EQ(m->exact_length, 123456789u);
  EXPECT_EQ(m->trackers, std::vector<std::string>{"https://t.example/announce/abc"});
  auto v2 = parse_magnet(all[1].magnet_url);
  ASSERT_TRUE(v2);
  EXPECT_FALSE(v2->info_hash.v1);
  EXPECT_EQ(v2->info_hash.v2, sha256("two"));
  EXPECT_FALSE(v2->exact_length);
}

TEST(CatalogFeeds, RssFeed) {
  const auto list = items();
  const auto cats = categories();
  auto doc = parse_xml(render_catalog_rss(channel(), list, cats));
  ASSERT_TRUE(doc.error.empty()) << doc.error;
  EXPECT_EQ(doc.root->name, "rss");
  EXPECT_EQ(doc.root->attrs["version"], "2.0");
  const Node& ch = doc.root->one("channel");
  EXPECT_EQ(ch.one("title").text, "Shoal & friends");
  EXPECT_EQ(ch.one("link").text, "https://t.example/");
  EXPECT_EQ(ch.one("description").text, "latest");
  EXPECT_EQ(ch.one("atom:link").attrs.at("href"), "https://t.example/rss?token=a&b=c");
  auto entries = ch.all("item");
  ASSERT_EQ(entries.size(), 2u);
  const Node& first = *entries[0];
  EXPECT_EQ(first.one("title").text, kHostileClean);
  EXPECT_EQ(first.one("guid").text, sha1("one").hex());
  EXPECT_EQ(first.one("link").text, list[0].download_url);
  EXPECT_EQ(first.one("comments").text, list[0].details_url);
  EXPECT_EQ(first.one("pubDate").text, "Tue, 14 Nov 2023 22:13:20 +0000");
  EXPECT_EQ(first.one("category").text, "TV/HD");
  EXPECT_EQ(first.one("description").text, "line1\nline2 <b>");
  const Node& enclosure = first.one("enclosure");
  EXPECT_EQ(enclosure.attrs.at("url"), list[0].download_url);
  EXPECT_EQ(enclosure.attrs.at("length"), "123456789");
  EXPECT_EQ(enclosure.attrs.at("type"), "application/x-bittorrent");
  // Without a .torrent the magnet is the link; the v2-only guid is the full v2 hash.
  const Node& second = *entries[1];
  EXPECT_EQ(second.one("link").text, list[1].magnet_url);
  EXPECT_EQ(second.one("guid").text, sha256("two").hex());
  EXPECT_TRUE(second.all("comments").empty());

  auto empty = parse_xml(render_catalog_rss(CatalogFeedChannel{}, {}, cats));
  ASSERT_TRUE(empty.error.empty()) << empty.error;
  EXPECT_TRUE(empty.root->one("channel").all("item").empty());
}

TEST(CatalogFeeds, TorznabCaps) {
  TorznabCaps caps;
  caps.server_title = "Shoal <test>";
  auto doc = parse_xml(render_torznab_caps(caps, categories()));
  ASSERT_TRUE(doc.error.empty()) << doc.error;
  EXPECT_EQ(doc.root->name, "caps");
  EXPECT_EQ(doc.root->one("server").attrs.at("title"), "Shoal <test>");
  EXPECT_EQ(doc.root->one("limits").attrs.at("max"), std::to_string(kMaxCatalogLimit));
  EXPECT_EQ(doc.root->one("limits").attrs.at("default"), std::to_string(kDefaultCatalogLimit));
  const Node& searching = doc.root->one("searching");
  for (const char* mode : {"search", "tv-search", "movie-search", "music-search", "audio-search",
                           "book-search"}) {
    EXPECT_EQ(searching.one(mode).attrs.at("available"), "yes") << mode;
    EXPECT_EQ(searching.one(mode).attrs.at("supportedParams"),
              std::string_view(mode) == "tv-search" ? "q,season,ep" : "q")
        << mode;
  }
  auto top = doc.root->one("categories").all("category");
  ASSERT_EQ(top.size(), 3u);  // TV, Movies, Other; subcategories nested
  EXPECT_EQ(top[0]->attrs.at("id"), "5000");
  EXPECT_EQ(top[0]->attrs.at("name"), "TV");
  auto subs = top[0]->all("subcat");
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(subs[0]->attrs.at("id"), "5040");
  EXPECT_EQ(subs[0]->attrs.at("name"), "HD");
  EXPECT_TRUE(top[1]->all("subcat").empty());
}

TEST(CatalogFeeds, TorznabSearchResults) {
  const auto list = items();
  auto doc = parse_xml(render_torznab_results(channel(), list, categories(), 50, 52));
  ASSERT_TRUE(doc.error.empty()) << doc.error;
  EXPECT_EQ(doc.root->attrs["xmlns:torznab"], kTorznabNamespace);
  const Node& ch = doc.root->one("channel");
  EXPECT_EQ(ch.one("torznab:response").attrs.at("offset"), "50");
  EXPECT_EQ(ch.one("torznab:response").attrs.at("total"), "52");
  auto entries = ch.all("item");
  ASSERT_EQ(entries.size(), 2u);
  const Node& first = *entries[0];
  EXPECT_EQ(first.one("title").text, kHostileClean);
  EXPECT_EQ(first.one("size").text, "123456789");
  EXPECT_EQ(first.one("category").text, "5040");
  EXPECT_EQ(first.attr_values("category"), (std::vector<std::string>{"5040", "5000"}));
  EXPECT_EQ(first.attr_values("size"), std::vector<std::string>{"123456789"});
  EXPECT_EQ(first.attr_values("files"), std::vector<std::string>{"3"});
  EXPECT_EQ(first.attr_values("seeders"), std::vector<std::string>{"10"});
  EXPECT_EQ(first.attr_values("peers"), std::vector<std::string>{"15"});
  EXPECT_EQ(first.attr_values("grabs"), std::vector<std::string>{"42"});
  EXPECT_EQ(first.attr_values("infohash"), std::vector<std::string>{sha1("one").hex()});
  EXPECT_EQ(first.attr_values("magneturl"), std::vector<std::string>{list[0].magnet_url});
  EXPECT_EQ(first.attr_values("downloadvolumefactor"), std::vector<std::string>{"0"});
  EXPECT_EQ(first.attr_values("uploadvolumefactor"), std::vector<std::string>{"1"});
  auto magnet = parse_magnet(first.attr_values("magneturl").at(0));
  ASSERT_TRUE(magnet);
  EXPECT_EQ(magnet->info_hash.v1, sha1("one"));

  const Node& second = *entries[1];
  EXPECT_EQ(second.attr_values("category"), std::vector<std::string>{"2000"});
  EXPECT_EQ(second.attr_values("infohash"), std::vector<std::string>{sha256("two").hex()});
  EXPECT_EQ(second.attr_values("seeders"), std::vector<std::string>{"0"});
  EXPECT_EQ(second.one("pubDate").text, "Thu, 01 Jan 1970 00:00:00 +0000");

  auto no_total = parse_xml(render_torznab_results(channel(), {}, categories(), 0, std::nullopt));
  ASSERT_TRUE(no_total.error.empty());
  EXPECT_TRUE(no_total.root->one("channel").all("torznab:response").empty());
}

TEST(CatalogFeeds, TorznabError) {
  auto doc = parse_xml(render_torznab_error(TorznabError::incorrect_parameter, "bad \"cat\" <x>"));
  ASSERT_TRUE(doc.error.empty()) << doc.error;
  EXPECT_EQ(doc.root->name, "error");
  EXPECT_EQ(doc.root->attrs["code"], "201");
  EXPECT_EQ(doc.root->attrs["description"], "bad \"cat\" <x>");
}
