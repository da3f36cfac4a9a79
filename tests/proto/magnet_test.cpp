#include "shoal/proto/magnet.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "shoal/proto/encoding.hpp"

using namespace shoal;

namespace {

// base.torrent from ../shared/testdata/torrents: libtorrent 2.0.8's make_magnet_uri gives
// "magnet:?xt=urn:btih:c0fda1edafdbdbb96443424e0b3899af7159d10e&dn=temp".
constexpr const char* kBaseV1 = "c0fda1edafdbdbb96443424e0b3899af7159d10e";
constexpr const char* kBaseV1Base32 = "YD62D3NP3PN3SZCDIJHAWOEZV5YVTUIO";
// The BitTorrent v2 hybrid test torrent (v2_hybrid-missing-tailpad.torrent in the same corpus).
constexpr const char* kHybridV1 = "631a31dd0a46257d5078c0dee4e66e26f73e42ac";
constexpr const char* kHybridV2 =
    "d8dd32ac93357c368556af3ac1d95c9d76bd0dff6fa9833ecdac3d53134efabb";
constexpr const char* kHybridMagnet =
    "magnet:?xt=urn:btih:631a31dd0a46257d5078c0dee4e66e26f73e42ac"
    "&xt=urn:btmh:1220d8dd32ac93357c368556af3ac1d95c9d76bd0dff6fa9833ecdac3d53134efabb"
    "&dn=bittorrent-v1-v2-hybrid-test";

Sha1Digest v1(const char* hex) { return *Sha1Digest::from_hex(hex); }
Sha256Digest v2(const char* hex) { return *Sha256Digest::from_hex(hex); }

std::string btih(std::string_view hash) { return "magnet:?xt=urn:btih:" + std::string(hash); }

MagnetLink parse_ok(std::string_view uri) {
  auto m = parse_magnet(uri);
  EXPECT_TRUE(m) << uri << "\n  -> " << (m ? "" : m.error().message());
  return m ? *m : MagnetLink{};
}

Error parse_error(std::string_view uri) {
  auto m = parse_magnet(uri);
  EXPECT_FALSE(m) << "accepted: " << uri;
  return m ? Error{} : m.error();
}

void expect_error(std::string_view uri, Errc code, std::size_t offset = Error::npos) {
  const Error e = parse_error(uri);
  EXPECT_EQ(e.code, code) << uri.substr(0, 200) << "\n  -> " << e.message();
  EXPECT_EQ(e.context, "magnet");
  EXPECT_FALSE(e.what.empty());
  if (offset != Error::npos) {
    EXPECT_EQ(e.offset, offset) << uri.substr(0, 200);
  }
}

MagnetLink full_link() {
  MagnetLink m;
  m.info_hash.v1 = v1(kHybridV1);
  m.info_hash.v2 = v2(kHybridV2);
  m.display_name = "Ünïcode & friends: 100% [x+y]";
  m.exact_length = 1234567;
  m.trackers = {"udp://tracker.example:6969/announce",
                "http://t.example/announce?passkey=a+b&c=d", "https://t2.example/announce"};
  m.web_seeds = {"http://seed.example/files/"};
  m.peers = {{"10.0.0.1", 6881}, {"2001:db8::1", 51413}, {"peer.example", 1}};
  m.select_only = {{0, 0}, {2, 2}, {4, 6}};
  m.extra = {{"kt", "a b"}, {"x.foo.1", "bar&baz=1"}};
  return m;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Known vectors

TEST(MagnetParse, Bep9ExampleForm) {
  const auto m = parse_ok(btih(kBaseV1) + "&dn=temp&tr=http%3A%2F%2Ftracker.example%2Fannounce" +
                          "&x.pe=192.0.2.7:6881");
  ASSERT_TRUE(m.info_hash.v1);
  EXPECT_EQ(m.info_hash.v1->hex(), kBaseV1);
  EXPECT_FALSE(m.info_hash.v2);
  EXPECT_EQ(m.display_name, "temp");
  EXPECT_EQ(m.trackers, std::vector<std::string>{"http://tracker.example/announce"});
  EXPECT_EQ(m.peers, (std::vector<MagnetPeer>{{"192.0.2.7", 6881}}));
  EXPECT_TRUE(m.web_seeds.empty());
  EXPECT_TRUE(m.select_only.empty());
  EXPECT_FALSE(m.exact_length);
  EXPECT_TRUE(m.extra.empty());
}

TEST(MagnetParse, Base32BtihEqualsHex) {
  EXPECT_EQ(base32_encode(v1(kBaseV1).view()), kBaseV1Base32);  // the vector is what it claims
  const auto hex = parse_ok(btih(kBaseV1));
  const auto b32 = parse_ok(btih(kBaseV1Base32));
  const auto b32_lower = parse_ok(btih("yd62d3np3pn3szcdijhawoezv5yvtuio"));
  EXPECT_EQ(hex.info_hash, b32.info_hash);
  EXPECT_EQ(hex.info_hash, b32_lower.info_hash);
  EXPECT_EQ(b32.info_hash.v1->hex(), kBaseV1);
  // The same hash in both spellings is one hash, not a conflict.
  EXPECT_EQ(parse_ok(btih(kBaseV1) + "&xt=urn:btih:" + kBaseV1Base32).info_hash, hex.info_hash);
}

TEST(MagnetParse, RealHybridMagnet) {
  const auto m = parse_ok(kHybridMagnet);
  ASSERT_TRUE(m.info_hash.is_hybrid());
  EXPECT_EQ(m.info_hash.v1->hex(), kHybridV1);
  EXPECT_EQ(m.info_hash.v2->hex(), kHybridV2);
  EXPECT_EQ(m.display_name, "bittorrent-v1-v2-hybrid-test");
  // What we write for it is byte for byte what libtorrent 2.0.8 writes for that torrent.
  EXPECT_EQ(make_magnet_uri(m), kHybridMagnet);
}

TEST(MagnetParse, V2Only) {
  const auto m = parse_ok(std::string("magnet:?xt=urn:btmh:1220") + kHybridV2);
  EXPECT_FALSE(m.info_hash.v1);
  ASSERT_TRUE(m.info_hash.v2);
  EXPECT_EQ(m.info_hash.v2->hex(), kHybridV2);
  EXPECT_EQ(m.info_hash.tracker_id().hex(), std::string(kHybridV2).substr(0, 40));
}

TEST(MagnetParse, SchemePrefixAndHexAreCaseInsensitive) {
  std::string upper_hex = kHybridV2;
  for (char& c : upper_hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto m = parse_ok(std::string("MAGNET:?xt=URN:BTIH:C0FDA1EDAFDBDBB96443424E0B3899AF7159D10E"
                                      "&xt=Urn:BtMh:1220") + upper_hex);
  EXPECT_EQ(m.info_hash.v1->hex(), kBaseV1);
  EXPECT_EQ(m.info_hash.v2->hex(), kHybridV2);
  EXPECT_TRUE(parse_magnet(std::string("Magnet:?xt=urn:btih:") + kBaseV1));
  // Parameter names are case-sensitive (as in libtorrent): "DN" is not a display name.
  const auto n = parse_ok(btih(kBaseV1) + "&DN=x");
  EXPECT_EQ(n.display_name, "");
  EXPECT_EQ(n.extra, (std::vector<MagnetParameter>{{"DN", "x"}}));
}

TEST(MagnetParse, IndexedParameters) {
  const auto m = parse_ok(std::string("magnet:?xt.1=urn:btih:") + kHybridV1 +
                          "&xt.2=urn:btmh:1220" + kHybridV2 + "&dn.1=n&tr.1=udp%3A%2F%2Fa%3A1" +
                          "&tr.2=udp%3A%2F%2Fb%3A2&tr.10=udp%3A%2F%2Fa%3A1&x.pe.1=1.2.3.4:5" +
                          "&so.3=1&ws.0=http%3A%2F%2Fw%2F&xl.1=7");
  EXPECT_TRUE(m.info_hash.is_hybrid());
  EXPECT_EQ(m.display_name, "n");
  EXPECT_EQ(m.trackers, (std::vector<std::string>{"udp://a:1", "udp://b:2"}));
  EXPECT_EQ(m.peers, (std::vector<MagnetPeer>{{"1.2.3.4", 5}}));
  EXPECT_EQ(m.select_only, (std::vector<FileIndexRange>{{1, 1}}));
  EXPECT_EQ(m.web_seeds, std::vector<std::string>{"http://w/"});
  EXPECT_EQ(m.exact_length, 7u);
  // A suffix that is not all digits is part of the name: not a tracker.
  const auto n = parse_ok(btih(kBaseV1) + "&tr.x=a&tr.=b");
  EXPECT_TRUE(n.trackers.empty());
  EXPECT_EQ(n.extra, (std::vector<MagnetParameter>{{"tr.x", "a"}, {"tr.", "b"}}));
}

TEST(MagnetParse, PercentDecodingAndPlus) {
  const auto m = parse_ok(btih(kBaseV1) + "&dn=a+b%20c%2Bd%e2%9c%93" +
                          "&tr=http%3a%2f%2ft%2fannounce%3Fk%3D1+2&ws=http://w/a+b");
  EXPECT_EQ(m.display_name, "a b c+d\xe2\x9c\x93");  // '+' is a space only in dn
  EXPECT_EQ(m.trackers, std::vector<std::string>{"http://t/announce?k=1+2"});
  EXPECT_EQ(m.web_seeds, std::vector<std::string>{"http://w/a+b"});
  // Escaped xt and x.pe values decode too.
  const auto n = parse_ok(std::string("magnet:?xt=urn%3Abtih%3A") + kBaseV1 +
                          "&x.pe=%5B%3A%3A1%5D%3A6881&x%2Epe=1.2.3.4:1");
  EXPECT_EQ(n.info_hash.v1->hex(), kBaseV1);
  EXPECT_EQ(n.peers, (std::vector<MagnetPeer>{{"::1", 6881}, {"1.2.3.4", 1}}));
}

TEST(MagnetParse, TrackersKeepOrderAndDropDuplicates) {
  const auto m = parse_ok(btih(kBaseV1) + "&tr=udp%3A%2F%2Fc%3A1&tr=udp%3A%2F%2Fa%3A1" +
                          "&tr=udp://c:1&tr=&tr=udp%3A%2F%2Fb%3A1&tr=udp%3A%2F%2Fa%3A1" +
                          "&ws=http://w/&ws=http%3A%2F%2Fw%2F&ws=http://v/");
  EXPECT_EQ(m.trackers, (std::vector<std::string>{"udp://c:1", "udp://a:1", "udp://b:1"}));
  EXPECT_EQ(m.web_seeds, (std::vector<std::string>{"http://w/", "http://v/"}));
}

TEST(MagnetParse, FirstDisplayNameWins) {
  EXPECT_EQ(parse_ok(btih(kBaseV1) + "&dn=&dn=one&dn=two").display_name, "one");
}

TEST(MagnetParse, PeerAddresses) {
  const auto m =
      parse_ok(btih(kBaseV1) + "&x.pe=192.0.2.1:1&x.pe=[2001:db8::7]:65535" +
               "&x.pe=peer-1.example.org:6881&x.pe=192.0.2.1:1&x.pe=192.0.2.1:01" +
               "&x.pe=[::ffff:192.0.2.9]:80&x.pe=192.0.2.1:2");
  EXPECT_EQ(m.peers, (std::vector<MagnetPeer>{{"192.0.2.1", 1},
                                              {"2001:db8::7", 65535},
                                              {"peer-1.example.org", 6881},
                                              {"::ffff:192.0.2.9", 80},
                                              {"192.0.2.1", 2}}));
}

TEST(MagnetParse, SelectOnly) {
  const auto m = parse_ok(btih(kBaseV1) + "&so=0,2,4-6");
  EXPECT_EQ(m.select_only, (std::vector<FileIndexRange>{{0, 0}, {2, 2}, {4, 6}}));
  // Unsorted, overlapping and adjacent entries, across two `so` parameters, are merged.
  const auto n = parse_ok(btih(kBaseV1) + "&so=9,4-6,5,1&so=0,7-7,12-20,15");
  EXPECT_EQ(n.select_only, (std::vector<FileIndexRange>{{0, 1}, {4, 7}, {9, 9}, {12, 20}}));
  const bool expected_selected[] = {true,  true,  false, false, true,  true, true,
                                    true,  false, true,  false, false, true, true};
  for (std::uint32_t i = 0; i < std::size(expected_selected); ++i)
    EXPECT_EQ(n.is_selected(i), expected_selected[i]) << i;
  EXPECT_TRUE(n.is_selected(20));
  EXPECT_FALSE(n.is_selected(21));
  EXPECT_FALSE(n.is_selected(kMaxSelectOnlyIndex));
  EXPECT_TRUE(MagnetLink{}.is_selected(12345));  // no `so`: everything
  const auto big = parse_ok(btih(kBaseV1) + "&so=" + std::to_string(kMaxSelectOnlyIndex) +
                            ",0-" + std::to_string(kMaxSelectOnlyIndex));
  EXPECT_EQ(big.select_only, (std::vector<FileIndexRange>{{0, kMaxSelectOnlyIndex}}));
}

TEST(MagnetParse, ExactLength) {
  EXPECT_EQ(parse_ok(btih(kBaseV1) + "&xl=0").exact_length, 0u);
  EXPECT_EQ(parse_ok(btih(kBaseV1) + "&xl=18446744073709551615&xl=18446744073709551615")
                .exact_length,
            18446744073709551615u);
}

TEST(MagnetParse, UnknownParametersAreKeptInOrder) {
  const std::string sha1_urn = "urn:sha1:YNCKHTQCWBTRNJIV4WNAE52SJUQCZO5C";
  const auto m = parse_ok(btih(kBaseV1) + "&kt=linux+iso&xt=" + sha1_urn +
                          "&x.foo=%26&flag&&=v&dht=router.example:6881");
  EXPECT_EQ(m.extra, (std::vector<MagnetParameter>{{"kt", "linux+iso"},
                                                    {"xt", sha1_urn},
                                                    {"x.foo", "&"},
                                                    {"flag", ""},
                                                    {"", "v"},
                                                    {"dht", "router.example:6881"}}));
  EXPECT_EQ(m.info_hash.v1->hex(), kBaseV1);
}

TEST(MagnetParse, SemicolonIsNotASeparator) {
  // Decision: only '&' separates (as libtorrent, qBittorrent and Transmission do), so a ';'
  // stays inside the value — here it makes the btih malformed.
  expect_error(btih(kBaseV1) + ";dn=x", Errc::invalid_value, 11);
  EXPECT_EQ(parse_ok(btih(kBaseV1) + "&tr=http://t/a;b=c").trackers,
            std::vector<std::string>{"http://t/a;b=c"});
}

// ---------------------------------------------------------------------------------------------
// Building

TEST(MagnetBuild, LibtorrentShape) {
  MagnetLink m;
  m.info_hash.v1 = v1(kBaseV1);
  m.display_name = "temp";
  EXPECT_EQ(make_magnet_uri(m), std::string("magnet:?xt=urn:btih:") + kBaseV1 + "&dn=temp");
  EXPECT_EQ(to_string(m), make_magnet_uri(m));

  m.display_name = "a b+c/ü";
  m.trackers = {"udp://t.example:6969/announce", "", "http://h/announce?x=1&y=2"};
  m.web_seeds = {"http://w.example/f"};
  m.peers = {{"192.0.2.1", 6881}, {"::1", 6}};
  m.select_only = {{4, 6}, {0, 0}, {2, 2}};
  m.exact_length = 425;
  m.extra = {{"kt", "k w"}};
  EXPECT_EQ(make_magnet_uri(m),
            std::string("magnet:?xt=urn:btih:") + kBaseV1 +
                "&dn=a%20b%2Bc%2F%C3%BC&xl=425&tr=udp%3A%2F%2Ft.example%3A6969%2Fannounce"
                "&tr=http%3A%2F%2Fh%2Fannounce%3Fx%3D1%26y%3D2&ws=http%3A%2F%2Fw.example%2Ff"
                "&x.pe=192.0.2.1:6881&x.pe=[::1]:6&so=0,2,4-6&kt=k%20w");
}

TEST(MagnetBuild, V2OnlyAndHybridOrder) {
  MagnetLink m;
  m.info_hash.v2 = v2(kHybridV2);
  EXPECT_EQ(make_magnet_uri(m), std::string("magnet:?xt=urn:btmh:1220") + kHybridV2);
  m.info_hash.v1 = v1(kHybridV1);
  m.display_name = "bittorrent-v1-v2-hybrid-test";
  EXPECT_EQ(make_magnet_uri(m), kHybridMagnet);
}

TEST(MagnetBuild, RoundTrips) {
  std::vector<MagnetLink> links;
  links.push_back(full_link());
  MagnetLink v1_only;
  v1_only.info_hash.v1 = v1(kBaseV1);
  links.push_back(v1_only);
  MagnetLink v2_only;
  v2_only.info_hash.v2 = v2(kHybridV2);
  v2_only.display_name = std::string("\x00\x01\xff&=%+ \t", 9);
  v2_only.exact_length = 0;
  v2_only.select_only = {{0, kMaxSelectOnlyIndex}};
  links.push_back(v2_only);
  MagnetLink odd_names = v1_only;
  odd_names.extra = {{"", ""}, {"xt", "urn:ed2k:abc"}, {"a=b&c", "%"}, {"tr.x", "+"}};
  links.push_back(odd_names);

  for (const MagnetLink& link : links) {
    const std::string uri = make_magnet_uri(link);
    auto parsed = parse_magnet(uri);
    ASSERT_TRUE(parsed) << uri << " -> " << parsed.error().message();
    EXPECT_EQ(*parsed, link) << uri;
    EXPECT_EQ(make_magnet_uri(*parsed), uri);
  }

  // Not canonical: an extra parameter named like a known one. It still parses, but as what the
  // name says: "dn" becomes the display name, while the non-btih xt stays an extra parameter.
  MagnetLink odd_extra = v1_only;
  odd_extra.extra = {{"", ""}, {"dn", "not me"}, {"xt", "urn:ed2k:abc"}, {"a=b&c", "%"}};
  const auto back = parse_ok(make_magnet_uri(odd_extra));
  EXPECT_EQ(back.display_name, "not me");
  EXPECT_EQ(back.extra, (std::vector<MagnetParameter>{{"", ""}, {"xt", "urn:ed2k:abc"},
                                                       {"a=b&c", "%"}}));
}

TEST(MagnetBuild, ParsedLinksRebuildToAFixedPoint) {
  const std::string inputs[] = {
      kHybridMagnet,
      btih(kBaseV1Base32) + "&dn=a+b&tr=udp://x:1/&so=3,1-2&x.pe=[0:0::1]:9&xl=01&kt=z",
      std::string("MAGNET:?xt.1=urn:btmh:1220") + kHybridV2 + "&tr.2=x&tr.1=x&flag",
  };
  for (const std::string& in : inputs) {
    const auto once = parse_ok(in);
    const std::string uri = make_magnet_uri(once);
    const auto twice = parse_ok(uri);
    EXPECT_EQ(twice, once) << in;
    EXPECT_EQ(make_magnet_uri(twice), uri);
  }
}

// ---------------------------------------------------------------------------------------------
// Hostile input

TEST(MagnetHostile, NotAMagnet) {
  expect_error("", Errc::syntax, 0);
  expect_error("magnet:", Errc::syntax, 0);
  expect_error("magnet:xt=urn:btih:" + std::string(kBaseV1), Errc::syntax, 0);
  expect_error("http://example/?xt=urn:btih:" + std::string(kBaseV1), Errc::syntax, 0);
  expect_error(" magnet:?xt=urn:btih:" + std::string(kBaseV1), Errc::syntax, 0);
}

TEST(MagnetHostile, MissingInfoHash) {
  expect_error("magnet:?", Errc::missing_field);
  expect_error("magnet:?dn=x&tr=udp%3A%2F%2Ft%3A1", Errc::missing_field);
  expect_error("magnet:?xt=urn:sha1:YNCKHTQCWBTRNJIV4WNAE52SJUQCZO5C", Errc::missing_field);
  expect_error("magnet:?xt", Errc::missing_field);
  expect_error("magnet:?&&&", Errc::missing_field);
  EXPECT_NE(parse_error("magnet:?dn=x").message().find("xt=urn:btih"), std::string::npos);
}

TEST(MagnetHostile, MalformedPercentEscapes) {
  const std::string base = btih(kBaseV1);
  // offsets: base is 60 bytes, "&dn=" puts the value at 64.
  expect_error(base + "&dn=%", Errc::syntax, 64);
  expect_error(base + "&dn=ab%4", Errc::syntax, 66);
  expect_error(base + "&dn=ab%zz", Errc::syntax, 66);
  expect_error(base + "&tr=ok%20%g1", Errc::syntax, 69);
  expect_error(base + "&a%=1", Errc::syntax, 62);
  expect_error("magnet:?xt=urn:btih:" + std::string(kBaseV1).substr(0, 38) + "%", Errc::syntax,
               58);
  const Error e = parse_error(base + "&dn=%");
  EXPECT_EQ(e.message(), "magnet: malformed percent-escape at byte 64");
}

TEST(MagnetHostile, BadBtih) {
  const std::string hex = kBaseV1;
  expect_error(btih(hex.substr(0, 39)), Errc::invalid_value, 11);
  expect_error(btih(hex + "0"), Errc::invalid_value, 11);
  expect_error(btih(hex.substr(0, 39) + "g"), Errc::invalid_value, 11);
  expect_error(btih(""), Errc::invalid_value, 11);
  expect_error(btih(std::string(kBaseV1Base32).substr(0, 31)), Errc::invalid_value);
  expect_error(btih(std::string(kBaseV1Base32) + "A"), Errc::invalid_value);
  expect_error(btih(std::string(kBaseV1Base32).substr(0, 31) + "1"), Errc::invalid_value);  // '1'
  expect_error(btih(std::string(kBaseV1Base32).substr(0, 31) + "0"), Errc::invalid_value);
  expect_error(btih(std::string(kBaseV1Base32).substr(0, 31) + "="), Errc::invalid_value);
  expect_error(btih(std::string(32, '=')), Errc::invalid_value);
  // 40 characters that are base32 but not hex are not accepted as either.
  expect_error(btih(std::string(40, 'Z')), Errc::invalid_value);
  // The offset points at the bad value, not the first xt.
  expect_error(btih(hex) + "&xt=urn:btih:xyz", Errc::invalid_value, 64);
}

TEST(MagnetHostile, ConflictingHashes) {
  const std::string other_v1(40, 'a');
  const std::string other_v2(64, 'b');
  expect_error(btih(kBaseV1) + "&xt=urn:btih:" + other_v1, Errc::inconsistent, 64);
  expect_error(btih(kBaseV1) + "&xt.2=urn:btih:" + kHybridV1, Errc::inconsistent);
  expect_error(std::string("magnet:?xt=urn:btmh:1220") + kHybridV2 + "&xt=urn:btmh:1220" +
                   other_v2,
               Errc::inconsistent);
  EXPECT_TRUE(parse_magnet(btih(kBaseV1) + "&xt=urn:btih:" + kBaseV1));
  expect_error(btih(kBaseV1) + "&xl=1&xl=2", Errc::inconsistent);
}

TEST(MagnetHostile, BadMultihash) {
  const std::string good = kHybridV2;
  const std::string head = "magnet:?xt=urn:btmh:";
  EXPECT_TRUE(parse_magnet(head + "1220" + good));
  expect_error(head + "1220" + good.substr(0, 62), Errc::invalid_value, 11);  // 31 bytes
  expect_error(head + "1220" + good + "00", Errc::invalid_value, 11);         // 33 bytes
  expect_error(head + "1220" + good.substr(0, 63), Errc::invalid_value, 11);  // odd hex
  expect_error(head + "1214" + good.substr(0, 40), Errc::invalid_value, 11);  // 20-byte digest
  expect_error(head + "1320" + good, Errc::invalid_value, 11);                // sha3-512 code
  expect_error(head + "1120" + good, Errc::invalid_value, 11);                // sha1 code
  expect_error(head + "1220", Errc::invalid_value, 11);
  expect_error(head + "12", Errc::invalid_value, 11);
  expect_error(head, Errc::invalid_value, 11);
  expect_error(head + "1220" + good.substr(0, 62) + "zz", Errc::invalid_value, 11);
  EXPECT_NE(parse_error(head + "1320" + good).what.find("0x13"), std::string::npos);
  EXPECT_NE(parse_error(head + "1214" + good.substr(0, 40)).what.find("length 20"),
            std::string::npos);
}

TEST(MagnetHostile, BadPeers) {
  const std::string base = btih(kBaseV1) + "&x.pe=";
  const char* bad[] = {
      "",
      "192.0.2.1",
      "192.0.2.1:",
      "192.0.2.1:0",
      "192.0.2.1:65536",
      "192.0.2.1:99999999999999999999999",
      "192.0.2.1:-1",
      "192.0.2.1:+80",
      "192.0.2.1:8a",
      "192.0.2.1: 80",
      ":80",
      "::1:80",
      "2001:db8::1:6881",
      "[::1]",
      "[::1]:",
      "[::1]80",
      "[::1:80",
      "[]:80",
      "[zz::1]:80",
      "[192.0.2.1]:80",
      "[::1%25eth0]:80",
      "[::1]:0",
      "a b:80",
      "host%00x:80",
      "host/x:80",
      "h@st:80",
  };
  for (const char* value : bad) expect_error(base + value, Errc::invalid_value, 66);
  expect_error(base + std::string(254, 'a') + ":80", Errc::invalid_value, 66);
  EXPECT_TRUE(parse_magnet(base + std::string(253, 'a') + ":80"));
}

TEST(MagnetHostile, BadSelectOnly) {
  const std::string base = btih(kBaseV1) + "&so=";
  for (const char* value : {"", "0,,2", "1,", ",1", "-5", "5-", "a", "1-2-3", "1 2", "1;2", "0x1",
                            "+1", "-"})
    expect_error(base + value, Errc::syntax, 64);
  expect_error(base + "3-1", Errc::invalid_value, 64);
  expect_error(base + std::to_string(kMaxSelectOnlyIndex + 1), Errc::limit_exceeded, 64);
  expect_error(base + "0-" + std::to_string(kMaxSelectOnlyIndex + 1), Errc::limit_exceeded, 64);
  expect_error(base + "99999999999999999999999999", Errc::limit_exceeded, 64);
}

TEST(MagnetHostile, BadExactLength) {
  const std::string base = btih(kBaseV1) + "&xl=";
  for (const char* value : {"", "-1", "+1", "1.5", "abc", "18446744073709551616", "1e9"})
    expect_error(base + value, Errc::invalid_value, 64);
}

TEST(MagnetHostile, OversizedUri) {
  std::string uri = btih(kBaseV1) + "&dn=";
  uri.append(kMaxMagnetUriSize - uri.size(), 'x');
  ASSERT_EQ(uri.size(), kMaxMagnetUriSize);
  EXPECT_EQ(parse_ok(uri).display_name.size(), kMaxMagnetUriSize - 64);
  uri.push_back('x');
  expect_error(uri, Errc::limit_exceeded, kMaxMagnetUriSize);
  std::string huge(16u << 20, 'a');
  huge.replace(0, 8, "magnet:?");
  expect_error(huge, Errc::limit_exceeded);
}

TEST(MagnetHostile, TenThousandTrackers) {
  // 10,000 `tr` parameters that fit the size limit: mostly duplicates of 62*62 short names.
  const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string uri = btih(kBaseV1);
  std::vector<std::string> expected;
  for (int i = 0; i < 10'000; ++i) {
    const std::string name{alphabet[i % 62], alphabet[(i / 62) % 62]};
    if (i < 62 * 62) expected.push_back(name);
    uri += "&tr=" + name;
  }
  ASSERT_LE(uri.size(), kMaxMagnetUriSize);
  const auto m = parse_ok(uri);
  EXPECT_EQ(m.trackers, expected);
  EXPECT_EQ(parse_ok(make_magnet_uri(m)), m);

  // 10,000 realistic tracker URLs are far over the size limit.
  std::string big = btih(kBaseV1);
  for (int i = 0; i < 10'000; ++i)
    big += "&tr=" + percent_encode("udp://tracker" + std::to_string(i) + ".example:6969/announce");
  expect_error(big, Errc::limit_exceeded, kMaxMagnetUriSize);
}

TEST(MagnetHostile, EveryPrefixOfAValidLinkFailsCleanlyOrParses) {
  const std::string uri = make_magnet_uri(full_link());
  for (std::size_t n = 0; n <= uri.size(); ++n) {
    auto m = parse_magnet(std::string_view(uri).substr(0, n));
    if (m) {
      // A prefix that parses must rebuild into something that parses to the same link.
      auto again = parse_magnet(make_magnet_uri(*m));
      ASSERT_TRUE(again) << n;
      EXPECT_EQ(*again, *m) << n;
    } else {
      EXPECT_FALSE(m.error().what.empty()) << n;
      EXPECT_TRUE(m.error().offset == Error::npos || m.error().offset <= n) << n;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Interop with libtorrent 2.0.8 through its Python bindings (Debian package python3-libtorrent,
// installed by scripts/setup.sh). /usr/bin/python3 is used because a python on PATH may be
// another installation without the module.

namespace {

constexpr const char* kLibtorrentScript = R"PY(
import sys
import libtorrent as lt
uri = open(sys.argv[1], encoding="utf-8").read()
p = lt.parse_magnet_uri(uri)
ih = p.info_hashes
out = []
if ih.has_v1(): out.append("v1 " + str(ih.v1))
if ih.has_v2(): out.append("v2 " + str(ih.v2))
out.append("name " + p.name)
for t in p.trackers: out.append("tr " + t)
for w in p.url_seeds: out.append("ws " + w)
for addr, port in p.peers: out.append("pe %s %d" % (addr, port))
out.append("so " + ",".join(str(i) for i, prio in enumerate(p.file_priorities) if prio != 0))
out.append("uri " + lt.make_magnet_uri(p))
sys.stdout.buffer.write(("\n".join(out) + "\n").encode("utf-8"))
)PY";

struct CommandResult {
  int status = -1;
  std::string output;
};

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  result.status = pclose(pipe);
  return result;
}

}  // namespace

TEST(MagnetInterop, LibtorrentReadsOurLinksAndWeReadItsLinks) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("shoal_magnet_interop_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto script = dir / "lt_magnet.py";
  const auto input = dir / "magnet.txt";
  std::ofstream(script) << kLibtorrentScript;

  MagnetLink link;
  link.info_hash.v1 = v1(kHybridV1);
  link.info_hash.v2 = v2(kHybridV2);
  link.display_name = "Ünïcode & friends: 100% [x+y]";
  link.trackers = {"udp://tracker.example:6969/announce",
                   "http://t.example/announce?passkey=a%2Bb&c=d"};
  link.web_seeds = {"http://seed.example/files/"};
  link.peers = {{"192.0.2.1", 6881}, {"2001:db8::1", 51413}};
  link.select_only = {{0, 0}, {2, 2}, {4, 6}};
  link.exact_length = 1234567;  // libtorrent ignores xl
  const std::string uri = make_magnet_uri(link);
  std::ofstream(input) << uri;

  const auto result = run_command("/usr/bin/python3 '" + script.string() + "' '" +
                                  input.string() + "' 2>&1");
  std::filesystem::remove_all(dir);
  ASSERT_EQ(result.status, 0) << "libtorrent's Python bindings failed (is python3-libtorrent "
                                 "installed?):\n"
                              << result.output;

  std::istringstream lines(result.output);
  std::string line;
  std::vector<std::string> got;
  std::string libtorrent_uri;
  while (std::getline(lines, line)) {
    if (line.rfind("uri ", 0) == 0) libtorrent_uri = line.substr(4);
    else got.push_back(line);
  }
  const std::vector<std::string> expected = {
      std::string("v1 ") + kHybridV1,
      std::string("v2 ") + kHybridV2,
      "name Ünïcode & friends: 100% [x+y]",
      "tr udp://tracker.example:6969/announce",
      "tr http://t.example/announce?passkey=a%2Bb&c=d",
      "ws http://seed.example/files/",
      "pe 192.0.2.1 6881",
      "pe 2001:db8::1 51413",
      "so 0,2,4,5,6",
  };
  EXPECT_EQ(got, expected) << "our URI: " << uri;

  // And libtorrent's own make_magnet_uri of what it read parses back to our link (it does not
  // write xl).
  ASSERT_FALSE(libtorrent_uri.empty()) << result.output;
  auto back = parse_magnet(libtorrent_uri);
  ASSERT_TRUE(back) << libtorrent_uri << " -> " << back.error().message();
  link.exact_length.reset();
  EXPECT_EQ(*back, link) << libtorrent_uri;
}
