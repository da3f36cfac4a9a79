#include "shoal/proto/http_tracker.hpp"

#include <gtest/gtest.h>

#include <string>
#include <unordered_set>

#include "shoal/proto/bencode.hpp"
#include "shoal/proto/peer_endpoint.hpp"

using namespace shoal;
using namespace std::string_literals;

namespace {

// The example hash of the BitTorrent wiki spec and its escaped form (unreserved bytes stay raw).
const std::string kHashBytes =
    "\x12\x34\x56\x78\x9a\xbc\xde\xf1\x23\x45\x67\x89\xab\xcd\xef\x12\x34\x56\x78\x9a";
const std::string kHashEscaped = "%124Vx%9A%BC%DE%F1%23Eg%89%AB%CD%EF%124Vx%9A";
const std::string kHashHex = "123456789abcdef123456789abcdef123456789a";

Sha1Digest hash_of(char fill) { return *Sha1Digest::from_bytes(std::string(20, fill)); }

Error announce_error(std::string_view q) {
  auto r = parse_announce_query(q);
  EXPECT_FALSE(r.has_value()) << "parsed unexpectedly: " << q.substr(0, 120);
  return r ? Error{} : r.error();
}

Error scrape_error(std::string_view q) {
  auto r = parse_scrape_query(q);
  EXPECT_FALSE(r.has_value()) << "parsed unexpectedly: " << q.substr(0, 120);
  return r ? Error{} : r.error();
}

Error response_error(std::string_view body) {
  auto r = decode_announce_response(body);
  EXPECT_FALSE(r.has_value()) << "decoded unexpectedly: " << body.substr(0, 120);
  return r ? Error{} : r.error();
}

Error scrape_response_error(std::string_view body) {
  auto r = decode_scrape_response(body);
  EXPECT_FALSE(r.has_value()) << "decoded unexpectedly: " << body.substr(0, 120);
  return r ? Error{} : r.error();
}

// A minimal valid announce, to which tests append parameters.
const std::string kPeerId = "-SH0100-abcdefghijkl";
std::string base_query() {
  return "info_hash=" + kHashEscaped + "&peer_id=" + kPeerId + "&port=6881";
}

AnnounceRequest parse_ok(const std::string& q) {
  auto r = parse_announce_query(q);
  EXPECT_TRUE(r.has_value()) << q << "\n" << (r ? "" : r.error().message());
  return r ? *r : AnnounceRequest{};
}

PeerEndpoint ep(std::string_view text) {
  auto e = PeerEndpoint::parse(text);
  EXPECT_TRUE(e.has_value()) << text;
  return e.value_or(PeerEndpoint{});
}

}  // namespace

TEST(AnnounceQuery, ParsesLibtorrentShape) {
  // libtorrent 2.0 / qBittorrent: key is %08X, peer id "-LT2080-" + 12 escaped random bytes.
  const std::string q = "info_hash=" + kHashEscaped +
                        "&peer_id=-LT2080-%B3%A8%7Dz%5E%C1%F0%1Bq%02%D4%9E&port=6881"
                        "&uploaded=0&downloaded=0&left=1048576&corrupt=0&key=7E8C5B2A"
                        "&event=started&numwant=200&compact=1&no_peer_id=1&supportcrypto=1"
                        "&redundant=0";
  auto r = parse_ok(q);
  EXPECT_EQ(r.info_hash.hex(), kHashHex);
  EXPECT_EQ(r.peer_id.view(), "-LT2080-\xb3\xa8}z^\xc1\xf0\x1bq\x02\xd4\x9e"s);
  EXPECT_EQ(r.port, 6881);
  EXPECT_EQ(r.uploaded, 0);
  EXPECT_EQ(r.downloaded, 0);
  EXPECT_EQ(r.left, 1048576);
  EXPECT_EQ(r.corrupt, 0);
  EXPECT_EQ(r.redundant, 0);
  EXPECT_EQ(r.key, "7E8C5B2A");
  EXPECT_EQ(r.event, AnnounceEvent::started);
  EXPECT_EQ(r.numwant, 200);
  EXPECT_TRUE(r.compact);
  EXPECT_TRUE(r.no_peer_id);
  EXPECT_TRUE(r.support_crypto);
  EXPECT_FALSE(r.require_crypto);
  EXPECT_FALSE(r.ip || r.ipv4 || r.ipv6 || r.tracker_id || r.passkey);
}

TEST(AnnounceQuery, ParsesQbittorrentWithIpv6AndIpv4Listen) {
  // libtorrent appends one ipv4=/ipv6= per listen interface (escaped with escape_string).
  const std::string q = "info_hash=" + kHashEscaped +
                        "&peer_id=-qB4520-x7%2ApL9%28k%29Zq_&port=8999&uploaded=123456"
                        "&downloaded=987654321&left=0&corrupt=0&key=0A1B2C3D&numwant=200"
                        "&compact=1&no_peer_id=1&supportcrypto=1&redundant=0"
                        "&trackerid=abc%20def&ipv4=192.0.2.10&ipv6=2001%3Adb8%3A%3A10"
                        "&ipv6=2001%3Adb8%3A%3A11";
  auto r = parse_ok(q);
  EXPECT_EQ(r.peer_id.view(), "-qB4520-x7*pL9(k)Zq_");
  EXPECT_EQ(r.event, AnnounceEvent::none);
  EXPECT_EQ(r.uploaded, 123456);
  EXPECT_EQ(r.downloaded, 987654321);
  EXPECT_EQ(r.left, 0);
  EXPECT_EQ(r.tracker_id, "abc def");
  ASSERT_TRUE(r.ipv4);
  EXPECT_EQ(r.ipv4->address.to_string(), "192.0.2.10");
  EXPECT_FALSE(r.ipv4->port);
  ASSERT_TRUE(r.ipv6);
  EXPECT_EQ(r.ipv6->address.to_string(), "2001:db8::10");  // first of the repeated ipv6 wins
}

TEST(AnnounceQuery, ParsesTransmissionShape) {
  // Transmission 3.00: key is %x (lower-case hex, no padding), requirecrypto when required,
  // corrupt only when non-zero, "paused" for partial seeds.
  const std::string q = "info_hash=" + kHashEscaped +
                        "&peer_id=-TR3000-k2m4x9q1z7b3&port=51413&uploaded=0&downloaded=0"
                        "&left=734003200&numwant=80&key=5f3a1c2&compact=1&supportcrypto=1"
                        "&requirecrypto=1&event=paused";
  auto r = parse_ok(q);
  EXPECT_EQ(r.peer_id.view(), "-TR3000-k2m4x9q1z7b3");
  EXPECT_EQ(r.port, 51413);
  EXPECT_EQ(r.left, 734003200);
  EXPECT_EQ(r.numwant, 80);
  EXPECT_EQ(r.key, "5f3a1c2");
  EXPECT_TRUE(r.support_crypto);
  EXPECT_TRUE(r.require_crypto);
  EXPECT_EQ(r.event, AnnounceEvent::paused);
  EXPECT_FALSE(r.corrupt);
  EXPECT_FALSE(r.no_peer_id);
}

TEST(AnnounceQuery, ParsesAria2Shape) {
  // aria2 1.36: port after no_peer_id, key = last 8 bytes of the (binary) peer id, raw ip=.
  const std::string q = "info_hash=" + kHashEscaped +
                        "&peer_id=A2-1-36-0-%1F%8B%00%C4z%93%AE%5C%E2%01&uploaded=0"
                        "&downloaded=0&left=0&compact=1&key=%00%C4z%93%AE%5C%E2%01&numwant=50"
                        "&no_peer_id=1&port=6881&event=started&supportcrypto=1&ip=203.0.113.5";
  auto r = parse_ok(q);
  EXPECT_EQ(r.peer_id.view(), "A2-1-36-0-\x1f\x8b\x00\xc4z\x93\xae\\\xe2\x01"s);
  EXPECT_EQ(r.key, "\x00\xc4z\x93\xae\\\xe2\x01"s);
  EXPECT_EQ(r.port, 6881);
  EXPECT_EQ(r.numwant, 50);
  ASSERT_TRUE(r.ip);
  EXPECT_EQ(r.ip->address.to_string(), "203.0.113.5");
}

TEST(AnnounceQuery, Bep7AddressForms) {
  auto r = parse_ok(base_query() + "&ipv6=%5B2001%3Adb8%3A%3A1%5D%3A6882&ipv4=198.51.100.7%3A6883" +
                    "&ip=%5B2001%3Adb8%3A%3A2%5D");
  ASSERT_TRUE(r.ipv6 && r.ipv4 && r.ip);
  EXPECT_EQ(r.ipv6->to_string(), "[2001:db8::1]:6882");
  EXPECT_EQ(r.ipv4->to_string(), "198.51.100.7:6883");
  EXPECT_EQ(r.ip->to_string(), "2001:db8::2");
  // Raw (unescaped) colons and brackets are accepted too.
  EXPECT_EQ(parse_ok(base_query() + "&ipv6=[::1]:1").ipv6->port, 1);
  // BEP 3 allows a DNS name in ip=: ignored, not an error.
  EXPECT_FALSE(parse_ok(base_query() + "&ip=peer.example.org").ip);
  EXPECT_FALSE(parse_ok(base_query() + "&ip=" + std::string(300, 'a')).ip);
  // ipv4/ipv6 must hold an address of their family.
  auto e = announce_error(base_query() + "&ipv4=2001:db8::1");
  EXPECT_EQ(e.code, Errc::invalid_value);
  EXPECT_EQ(e.offset, base_query().size() + 6);
  EXPECT_EQ(announce_error(base_query() + "&ipv6=1.2.3.4").code, Errc::invalid_value);
  EXPECT_EQ(announce_error(base_query() + "&ipv6=host.example").code, Errc::invalid_value);
  EXPECT_EQ(announce_error(base_query() + "&ipv4=1.2.3.4:99999").code, Errc::invalid_value);
  EXPECT_EQ(announce_error(base_query() + "&ipv4=").code, Errc::invalid_value);
}

TEST(AnnounceQuery, DefaultsWhenOptionalParametersAbsent) {
  auto r = parse_ok(base_query());
  EXPECT_EQ(r.uploaded, 0);
  EXPECT_EQ(r.downloaded, 0);
  EXPECT_FALSE(r.left);
  EXPECT_FALSE(r.corrupt);
  EXPECT_FALSE(r.numwant);
  EXPECT_TRUE(r.compact);
  EXPECT_FALSE(r.no_peer_id);
  EXPECT_EQ(r.event, AnnounceEvent::none);
  EXPECT_EQ(r.peer_id.view(), kPeerId);
}

TEST(AnnounceQuery, EventValues) {
  EXPECT_EQ(parse_ok(base_query() + "&event=completed").event, AnnounceEvent::completed);
  EXPECT_EQ(parse_ok(base_query() + "&event=stopped").event, AnnounceEvent::stopped);
  EXPECT_EQ(parse_ok(base_query() + "&event=").event, AnnounceEvent::none);
  EXPECT_EQ(parse_ok(base_query() + "&event").event, AnnounceEvent::none);
  // Unknown words are read as none (opentracker does the same), not an error.
  EXPECT_EQ(parse_ok(base_query() + "&event=update").event, AnnounceEvent::none);
  EXPECT_EQ(parse_ok(base_query() + "&event=STARTED").event, AnnounceEvent::none);
  EXPECT_EQ(parse_ok(base_query() + "&event=" + std::string(100, 's')).event,
            AnnounceEvent::none);
  EXPECT_EQ(parse_ok(base_query() + "&event=st%61rted").event, AnnounceEvent::started);
  EXPECT_EQ(to_string(AnnounceEvent::paused), "paused");
  EXPECT_EQ(to_string(AnnounceEvent::none), "none");
}

TEST(AnnounceQuery, NegativeAndHugeCounters) {
  // Negative transfer counters read as 0; negative left means "unknown"; negative numwant means
  // "default".
  auto r = parse_ok(base_query() + "&uploaded=-5&downloaded=-2147483648&left=-1&corrupt=-3" +
                    "&numwant=-1");
  EXPECT_EQ(r.uploaded, 0);
  EXPECT_EQ(r.downloaded, 0);
  EXPECT_FALSE(r.left);
  EXPECT_EQ(r.corrupt, 0);
  EXPECT_FALSE(r.numwant);

  EXPECT_EQ(parse_ok(base_query() + "&uploaded=9223372036854775807").uploaded, INT64_MAX);
  EXPECT_EQ(parse_ok(base_query() + "&left=000123").left, 123);

  std::string q = base_query() + "&uploaded=9223372036854775808";
  auto e = announce_error(q);
  EXPECT_EQ(e.code, Errc::invalid_value);
  EXPECT_EQ(e.offset, base_query().size() + 10);
  EXPECT_EQ(announce_error(base_query() + "&left=99999999999999999999999999999999").code,
            Errc::invalid_value);
  EXPECT_EQ(announce_error(base_query() + "&downloaded=-99999999999999999999").code,
            Errc::invalid_value);
  EXPECT_EQ(announce_error(base_query() + "&numwant=18446744073709551616").code,
            Errc::invalid_value);
  for (const char* bad : {"&uploaded=", "&uploaded=abc", "&uploaded=1.5", "&uploaded=+5",
                          "&uploaded=%201", "&left=-", "&numwant=0x10", "&left=1e9"}) {
    EXPECT_EQ(announce_error(base_query() + bad).code, Errc::syntax) << bad;
  }
}

TEST(AnnounceQuery, PortRules) {
  const std::string head = "info_hash=" + kHashEscaped + "&peer_id=" + kPeerId + "&port=";
  EXPECT_EQ(parse_ok(head + "1").port, 1);
  EXPECT_EQ(parse_ok(head + "65535").port, 65535);
  for (const char* bad : {"0", "65536", "70000", "-1", "-6881", "99999999999999999999999"}) {
    auto e = announce_error(head + bad);
    EXPECT_EQ(e.code, Errc::invalid_value) << bad;
    EXPECT_EQ(e.offset, head.size()) << bad;
  }
  EXPECT_EQ(announce_error(head).code, Errc::syntax);
  EXPECT_EQ(announce_error(head + "68 81").code, Errc::syntax);
  auto missing = announce_error("info_hash=" + kHashEscaped + "&peer_id=" + kPeerId);
  EXPECT_EQ(missing.code, Errc::missing_field);
  EXPECT_EQ(missing.offset, Error::npos);
}

TEST(AnnounceQuery, InfoHashAndPeerIdMustBeTwentyBytes) {
  auto missing = announce_error("peer_id=" + kPeerId + "&port=1");
  EXPECT_EQ(missing.code, Errc::missing_field);
  EXPECT_NE(missing.what.find("info_hash"), std::string::npos);
  EXPECT_EQ(announce_error("info_hash=" + kHashEscaped + "&port=1").code, Errc::missing_field);

  // 19 and 21 bytes, escaped and raw.
  const std::string h19 = kHashEscaped.substr(0, kHashEscaped.size() - 3);  // drops "%9A"
  auto e19 = announce_error("port=1&info_hash=" + h19 + "&peer_id=" + kPeerId);
  EXPECT_EQ(e19.code, Errc::invalid_value);
  EXPECT_EQ(e19.offset, 17u);
  EXPECT_NE(e19.what.find("got 19"), std::string::npos);
  auto e21 = announce_error("info_hash=" + kHashEscaped + "%00&peer_id=" + kPeerId + "&port=1");
  EXPECT_EQ(e21.code, Errc::invalid_value);
  EXPECT_NE(e21.what.find("got 21"), std::string::npos);
  EXPECT_EQ(announce_error("info_hash=" + std::string(32, 'a') + "&peer_id=" + kPeerId +
                           "&port=1").code,
            Errc::invalid_value);  // a v2 hash must be truncated to 20 bytes by the client
  EXPECT_EQ(announce_error("info_hash=&peer_id=" + kPeerId + "&port=1").code, Errc::invalid_value);
  auto pid = announce_error("info_hash=" + kHashEscaped + "&peer_id=-SH0100-abc&port=1");
  EXPECT_EQ(pid.code, Errc::invalid_value);
  EXPECT_EQ(pid.offset, 10 + kHashEscaped.size() + 9);

  // Raw binary bytes (even '&'-free control bytes and 0xff) are taken as they are.
  auto raw = parse_ok("info_hash=" + std::string(20, '\xff') + "&peer_id=" + std::string(20, '\x01') +
                      "&port=2");
  EXPECT_EQ(raw.info_hash, hash_of('\xff'));
  // '+' is a literal byte, not a space.
  auto plus = parse_ok("info_hash=" + std::string(20, '+') + "&peer_id=" + kPeerId + "&port=2");
  EXPECT_EQ(plus.info_hash, hash_of('+'));
}

TEST(AnnounceQuery, MalformedPercentEscapesReportTheirOffset) {
  const std::string head = "info_hash=";
  for (std::string bad : {"%zz", "%4", "%", "%%41", "%g0", "%0g"}) {
    const std::string q = head + "AAAAAAAAAAAAAAAAAA" + bad + "&peer_id=" + kPeerId + "&port=1";
    auto e = announce_error(q);
    EXPECT_EQ(e.code, Errc::syntax) << bad;
    EXPECT_EQ(e.offset, head.size() + 18) << bad;
    EXPECT_EQ(e.context, "http announce query");
    EXPECT_NE(e.message().find("at byte 28"), std::string::npos) << e.message();
  }
  // At the very end of the query.
  auto end = announce_error(base_query() + "&key=ab%");
  EXPECT_EQ(end.offset, base_query().size() + 7);
  // In a parameter name.
  EXPECT_EQ(announce_error(base_query() + "&k%zy=1").code, Errc::syntax);
  // Both hex cases decode.
  auto r = parse_ok("info_hash=" + kHashEscaped + "&peer_id=%2d%2Dsh" + std::string(16, 'x') +
                    "&port=1");
  EXPECT_EQ(r.peer_id.view().substr(0, 4), "--sh");
}

TEST(AnnounceQuery, RepeatedParametersFirstWinsButInfoHashIsAnError) {
  auto r = parse_ok(base_query() + "&port=9&port=0&left=5&left=abc&event=started&event=stopped" +
                    "&peer_id=x");
  EXPECT_EQ(r.port, 6881);
  EXPECT_EQ(r.left, 5);
  EXPECT_EQ(r.event, AnnounceEvent::started);
  EXPECT_EQ(r.peer_id.view(), kPeerId);

  const std::string q = base_query() + "&info_hash=" + kHashEscaped;
  auto e = announce_error(q);
  EXPECT_EQ(e.code, Errc::inconsistent);
  EXPECT_EQ(e.offset, base_query().size() + 1);
}

TEST(AnnounceQuery, FlagsAndTextParameters) {
  EXPECT_FALSE(parse_ok(base_query() + "&compact=0").compact);
  EXPECT_TRUE(parse_ok(base_query() + "&compact=1").compact);
  for (const char* bad : {"&compact=2", "&compact=", "&compact", "&compact=yes", "&compact=10",
                          "&no_peer_id=true"}) {
    EXPECT_EQ(announce_error(base_query() + bad).code, Errc::invalid_value) << bad;
  }
  // supportcrypto/requirecrypto never fail.
  auto r = parse_ok(base_query() + "&supportcrypto=yes&requirecrypto=11");
  EXPECT_FALSE(r.support_crypto);
  EXPECT_FALSE(r.require_crypto);

  EXPECT_EQ(parse_ok(base_query() + "&key=").key, "");
  EXPECT_EQ(parse_ok(base_query() + "&key=" + std::string(kMaxKeyLength, 'k')).key->size(),
            kMaxKeyLength);
  auto e = announce_error(base_query() + "&key=" + std::string(kMaxKeyLength + 1, 'k'));
  EXPECT_EQ(e.code, Errc::limit_exceeded);
  EXPECT_EQ(e.offset, base_query().size() + 5);
  EXPECT_EQ(announce_error(base_query() + "&trackerid=" + std::string(200, 't')).code,
            Errc::limit_exceeded);
  EXPECT_EQ(parse_ok(base_query() + "&passkey=0123abcd").passkey, "0123abcd");
  EXPECT_EQ(announce_error(base_query() + "&passkey=" + std::string(129, 'p')).code,
            Errc::limit_exceeded);
}

TEST(AnnounceQuery, UnknownAndEmptyParametersAreIgnored) {
  auto r = parse_ok("&&" + base_query() + "&&foo=bar&=&=x&azureus_rand=%zz&cryptoport=0&" +
                    "info_hash_x=1&&");
  EXPECT_EQ(r.port, 6881);
  // An escaped name still matches.
  EXPECT_EQ(parse_ok(base_query() + "&%6Ceft=7").left, 7);
  std::string long_name;
  for (int i = 0; i < 40; ++i) long_name += "%41";
  EXPECT_EQ(parse_ok(base_query() + "&" + long_name + "=%zz").port, 6881)
      << "long escaped unknown name: ignored, its value unchecked";
}

TEST(AnnounceQuery, Limits) {
  // 10,000 parameters: the query length limit trips first.
  std::string many = base_query();
  for (int i = 0; i < 10000; ++i) many += "&a=1";
  auto e = announce_error(many);
  EXPECT_EQ(e.code, Errc::limit_exceeded);
  EXPECT_EQ(e.offset, kMaxQueryLength);

  // Short parameters within the length limit: the parameter count limit trips.
  std::string count = base_query();
  for (std::size_t i = 3; i < kMaxQueryParameters; ++i) count += "&a";
  EXPECT_TRUE(parse_announce_query(count)) << "exactly kMaxQueryParameters is fine";
  const std::size_t offset = count.size() + 1;
  count += "&b";
  auto c = announce_error(count);
  EXPECT_EQ(c.code, Errc::limit_exceeded);
  EXPECT_EQ(c.offset, offset);

  std::string at_limit = base_query() + "&pad=";
  at_limit += std::string(kMaxQueryLength - at_limit.size(), 'x');
  EXPECT_TRUE(parse_announce_query(at_limit));
  EXPECT_FALSE(parse_announce_query(at_limit + "x"));
}

TEST(AnnounceQuery, EncodeKnownVector) {
  AnnounceRequest r;
  r.info_hash = *Sha1Digest::from_bytes(kHashBytes);
  r.peer_id = *PeerId::from_bytes("-SH0100-\x01\x02\x03\x04\x05\x06\xff~ab.-"s);
  r.port = 6881;
  r.uploaded = 10;
  r.downloaded = 20;
  r.left = 0;
  r.key = "7E8C5B2A";
  r.event = AnnounceEvent::completed;
  r.numwant = 50;
  r.no_peer_id = true;
  r.support_crypto = true;
  r.ipv6 = AddressWithPort::parse("[2001:db8::1]:6881");
  EXPECT_EQ(encode_announce_query(r),
            "info_hash=" + kHashEscaped +
                "&peer_id=-SH0100-%01%02%03%04%05%06%FF~ab.-&port=6881&uploaded=10"
                "&downloaded=20&left=0&key=7E8C5B2A&event=completed&numwant=50&compact=1"
                "&no_peer_id=1&supportcrypto=1&ipv6=%5B2001%3Adb8%3A%3A1%5D%3A6881");
  auto back = parse_announce_query(encode_announce_query(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
}

TEST(AnnounceQuery, RoundTripsEveryField) {
  AnnounceRequest r;
  r.info_hash = hash_of('&');
  r.peer_id = *PeerId::from_bytes(std::string("%=&+ \0\x7f\x80xxxxxxxxxxxx", 20));
  r.port = 65535;
  r.uploaded = INT64_MAX;
  r.downloaded = 1;
  r.left = 2;
  r.corrupt = 3;
  r.redundant = 4;
  r.event = AnnounceEvent::stopped;
  r.compact = false;
  r.no_peer_id = false;
  r.numwant = 0;
  r.key = "k&=%";
  r.tracker_id = std::string("t\0id", 4);
  r.passkey = "pk";
  r.ip = AddressWithPort::parse("192.0.2.1");
  r.ipv4 = AddressWithPort::parse("192.0.2.2:1");
  r.ipv6 = AddressWithPort::parse("::1");
  r.support_crypto = true;
  r.require_crypto = true;
  auto back = parse_announce_query(encode_announce_query(r));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, r);

  AnnounceRequest minimal;
  minimal.port = 1;
  auto m = parse_announce_query(encode_announce_query(minimal));
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, minimal);
}

// ======================================== scrape query ==========================================

TEST(ScrapeQuery, ParsesOneManyAndZeroHashes) {
  auto one = parse_scrape_query("info_hash=" + kHashEscaped);
  ASSERT_TRUE(one);
  ASSERT_EQ(one->info_hashes.size(), 1u);
  EXPECT_EQ(one->info_hashes[0].hex(), kHashHex);

  auto many = parse_scrape_query("info_hash=" + kHashEscaped + "&info_hash=" +
                                 std::string(20, 'a') + "&info_hash=" + kHashEscaped +
                                 "&passkey=secret&foo=bar");
  ASSERT_TRUE(many);
  ASSERT_EQ(many->info_hashes.size(), 3u);  // duplicates kept, in order
  EXPECT_EQ(many->info_hashes[1], hash_of('a'));
  EXPECT_EQ(many->passkey, "secret");

  auto none = parse_scrape_query("");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->info_hashes.empty());  // full scrape: the tracker decides
  EXPECT_TRUE(parse_scrape_query("passkey=x")->info_hashes.empty());
}

TEST(ScrapeQuery, HostileInput) {
  auto e = scrape_error("info_hash=" + kHashEscaped + "&info_hash=" + std::string(19, 'a'));
  EXPECT_EQ(e.code, Errc::invalid_value);
  EXPECT_EQ(e.offset, 10 + kHashEscaped.size() + 11);
  EXPECT_EQ(e.context, "http scrape query");
  EXPECT_EQ(scrape_error("info_hash=" + std::string(21, 'a')).code, Errc::invalid_value);
  EXPECT_EQ(scrape_error("info_hash=%GG" + std::string(19, 'a')).offset, 10u);
  EXPECT_EQ(scrape_error("info_hash").code, Errc::invalid_value);

  std::string q;
  for (std::size_t i = 0; i < kMaxScrapeInfoHashes; ++i) q += "info_hash=" + kHashEscaped + "&";
  EXPECT_EQ(parse_scrape_query(q)->info_hashes.size(), kMaxScrapeInfoHashes);
  const std::size_t offset = q.size();
  q += "info_hash=" + kHashEscaped;
  auto over = scrape_error(q);
  EXPECT_EQ(over.code, Errc::limit_exceeded);
  EXPECT_EQ(over.offset, offset);

  EXPECT_EQ(scrape_error(std::string(kMaxQueryLength + 1, 'a')).code, Errc::limit_exceeded);
}

TEST(ScrapeQuery, EncodeRoundTrip) {
  ScrapeRequest r;
  r.info_hashes = {*Sha1Digest::from_bytes(kHashBytes), hash_of('\0')};
  r.passkey = "p k";
  EXPECT_EQ(encode_scrape_query(r), "info_hash=" + kHashEscaped +
                                        "&info_hash=%00%00%00%00%00%00%00%00%00%00%00%00%00%00"
                                        "%00%00%00%00%00%00&passkey=p%20k");
  auto back = parse_scrape_query(encode_scrape_query(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
  EXPECT_EQ(encode_scrape_query(ScrapeRequest{}), "");
}

// ===================================== announce response ========================================

TEST(AnnounceResponse, EncodesCompactCanonically) {
  AnnounceResponse r;
  r.interval = 1800;
  r.min_interval = 900;
  r.complete = 2;
  r.incomplete = 1;
  r.peers = {{ep("10.0.0.2:6881"), std::nullopt},
             {ep("[2001:db8::1]:443"), std::nullopt},
             {ep("10.0.0.3:1"), std::nullopt}};
  const std::string body = encode_announce_response(r);
  const std::string v6 = "\x20\x01\x0d\xb8"s + std::string(11, '\0') + "\x01\x01\xbb"s;
  EXPECT_EQ(body, "d8:completei2e10:incompletei1e8:intervali1800e12:min intervali900e"
                  "5:peers12:\x0a\x00\x00\x02\x1a\xe1\x0a\x00\x00\x03\x00\x01"s +
                      "6:peers618:" + v6 + "e");
  // Canonical: the strict decoder (sorted keys, no trailing data) accepts it.
  EXPECT_TRUE(bencode::decode(body, bencode::Mode::strict));

  // No IPv6 peers: no peers6 key; no peers at all: an empty compact string.
  AnnounceResponse empty;
  empty.interval = 60;
  EXPECT_EQ(encode_announce_response(empty), "d8:intervali60e5:peers0:e");

  // Appending form writes after existing content.
  std::string out = "HTTP body: ";
  encode_announce_response(out, empty);
  EXPECT_EQ(out, "HTTP body: d8:intervali60e5:peers0:e");
}

TEST(AnnounceResponse, EncodesEveryOptionalKeyInSortedOrder) {
  AnnounceResponse r;
  r.interval = 1;
  r.min_interval = 2;
  r.complete = 3;
  r.incomplete = 4;
  r.downloaded = 5;
  r.tracker_id = "tid";
  r.warning_message = "careful";
  r.external_ip = IpAddress::parse("192.0.2.9");
  const std::string body = encode_announce_response(r);
  EXPECT_EQ(body, "d8:completei3e10:downloadedi5e11:external ip4:\xc0\x00\x02\x09"s +
                      "10:incompletei4e8:intervali1e12:min intervali2e5:peers0:"
                      "10:tracker id3:tid15:warning message7:carefule");
  EXPECT_TRUE(bencode::decode(body, bencode::Mode::strict));
  auto back = decode_announce_response(body);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
}

TEST(AnnounceResponse, EncodesDictForm) {
  AnnounceResponse r;
  r.interval = 1800;
  r.peers = {{ep("10.0.0.2:6881"), *PeerId::from_bytes("-LT2080-abcdefghijkl")},
             {ep("[::1]:7000"), std::nullopt}};
  const std::string body = encode_announce_response(r, PeerListFormat::dict);
  EXPECT_EQ(body,
            "d8:intervali1800e5:peersl"
            "d2:ip8:10.0.0.27:peer id20:-LT2080-abcdefghijkl4:porti6881ee"
            "d2:ip3:::14:porti7000ee"
            "ee");
  EXPECT_TRUE(bencode::decode(body, bencode::Mode::strict));
  auto back = decode_announce_response(body);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
}

TEST(AnnounceResponse, FailureResponses) {
  AnnounceResponse f;
  f.failure_reason = "unregistered torrent";
  f.interval = 99;                        // ignored: a failure has only its own keys
  f.peers = {{ep("1.1.1.1:1"), std::nullopt}};
  EXPECT_EQ(encode_announce_response(f), "d14:failure reason20:unregistered torrente");
  f.retry_in = 30;
  EXPECT_EQ(encode_announce_response(f), "d14:failure reason20:unregistered torrent8:retry ini30ee");
  f.retry_in = kRetryNever;
  EXPECT_EQ(encode_announce_response(f),
            "d14:failure reason20:unregistered torrent8:retry in5:nevere");

  auto d = decode_announce_response("d14:failure reason20:unregistered torrent8:retry in5:nevere");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->failure_reason, "unregistered torrent");
  EXPECT_EQ(d->retry_in, kRetryNever);
  EXPECT_TRUE(d->peers.empty());

  // libtorrent-style failures carrying an interval too; malformed retry in is ignored.
  auto d2 = decode_announce_response("d14:failure reason4:nope8:intervali5e8:retry in4:soone");
  ASSERT_TRUE(d2);
  EXPECT_EQ(d2->failure_reason, "nope");
  EXPECT_FALSE(d2->retry_in);
  EXPECT_EQ(decode_announce_response("d14:failure reason1:x8:retry ini-4ee")->retry_in,
            std::nullopt);
  EXPECT_EQ(response_error("d14:failure reasoni1ee").code, Errc::wrong_type);
}

TEST(AnnounceResponse, DecodesWhatRealTrackersSend) {
  // opentracker: sorted, compact, with downloaded.
  auto ot = decode_announce_response(
      "d8:completei1e10:downloadedi7e10:incompletei0e8:intervali1800e12:min intervali900e"
      "5:peers6:\x7f\x00\x00\x01\x1a\xe1"
      "e"s);
  ASSERT_TRUE(ot) << ot.error().message();
  EXPECT_EQ(ot->complete, 1);
  EXPECT_EQ(ot->downloaded, 7);
  EXPECT_EQ(ot->min_interval, 900);
  ASSERT_EQ(ot->peers.size(), 1u);
  EXPECT_EQ(ot->peers[0].endpoint, ep("127.0.0.1:6881"));

  // Unsorted keys, a trailing newline, an unknown key, a duplicate key (first wins).
  auto sloppy = decode_announce_response(
      "d5:peers0:8:intervali120e8:intervali999e10:incompletei3e4:spam4:eggs"
      "6:peers618:" +
      std::string(15, '\0') + "\x01\x00\x50"s + "e\r\n");
  ASSERT_TRUE(sloppy) << sloppy.error().message();
  EXPECT_EQ(sloppy->interval, 120);
  EXPECT_EQ(sloppy->incomplete, 3);
  ASSERT_EQ(sloppy->peers.size(), 1u);
  EXPECT_EQ(sloppy->peers[0].endpoint, ep("[::1]:80"));

  // Missing interval: the libtorrent default. Missing peers: no peers.
  auto bare = decode_announce_response("de");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->interval, kDefaultAnnounceInterval);
  EXPECT_TRUE(bare->peers.empty());
  EXPECT_FALSE(bare->complete);

  // Dict form with a DNS name (skipped), a peer id of the wrong size (dropped), an IPv6 peer,
  // and extra keys in the entry; also peers6 as a list.
  auto dict = decode_announce_response(
      "d8:intervali60e5:peersl"
      "d2:ip11:example.com4:porti1ee"
      "d2:ip7:1.2.3.47:peer id3:abc4:porti2e5:extrai0ee"
      "d2:ip11:2001:db8::54:porti3e7:peer id20:-TR3000-k2m4x9q1z7b3ee"
      "6:peers6ld4:porti4e2:ip3:::2ee"
      "e");
  ASSERT_TRUE(dict) << dict.error().message();
  EXPECT_EQ(dict->skipped_peers, 1u);
  ASSERT_EQ(dict->peers.size(), 3u);
  EXPECT_EQ(dict->peers[0].endpoint, ep("1.2.3.4:2"));
  EXPECT_FALSE(dict->peers[0].peer_id);
  EXPECT_EQ(dict->peers[1].endpoint, ep("[2001:db8::5]:3"));
  EXPECT_EQ(dict->peers[1].peer_id->view(), "-TR3000-k2m4x9q1z7b3");
  EXPECT_EQ(dict->peers[2].endpoint, ep("[::2]:4"));

  // Non-canonical integers are tolerated.
  EXPECT_EQ(decode_announce_response("d8:intervali0060ee")->interval, 60);
}

TEST(AnnounceResponse, RejectsMalformedBodies) {
  EXPECT_EQ(response_error("").code, Errc::truncated);
  EXPECT_EQ(response_error("d8:intervali1800e").code, Errc::truncated);
  EXPECT_EQ(response_error("le").code, Errc::wrong_type);
  EXPECT_EQ(response_error("i5e").code, Errc::wrong_type);
  EXPECT_EQ(response_error("<html>404</html>").code, Errc::syntax);
  auto trailing = response_error("d8:intervali1eeXYZ");
  EXPECT_EQ(trailing.code, Errc::trailing_data);
  EXPECT_EQ(trailing.offset, 15u);
  EXPECT_EQ(trailing.context, "http announce response");

  // Compact strings of the wrong length.
  auto p7 = response_error("d8:intervali1e5:peers7:abcdefge");
  EXPECT_EQ(p7.code, Errc::invalid_value);
  EXPECT_NE(p7.what.find("peers"), std::string::npos);
  EXPECT_EQ(response_error("d8:intervali1e6:peers66:abcdefe").code, Errc::invalid_value);
  EXPECT_EQ(response_error("d8:intervali1e6:peers619:" + std::string(19, 'x') + "e").code,
            Errc::invalid_value);

  // Wrong types and ranges.
  EXPECT_EQ(response_error("d8:interval4:1800e").code, Errc::wrong_type);
  EXPECT_EQ(response_error("d8:intervali-1ee").code, Errc::invalid_value);
  EXPECT_EQ(response_error("d8:completei-5ee").code, Errc::invalid_value);
  EXPECT_EQ(response_error("d12:min intervallee").code, Errc::wrong_type);
  EXPECT_EQ(response_error("d5:peersi6ee").code, Errc::wrong_type);
  EXPECT_EQ(response_error("d5:peersdee").code, Errc::wrong_type);
  EXPECT_EQ(response_error("d5:peersli1eee").code, Errc::wrong_type);
  EXPECT_EQ(response_error("d5:peersld4:porti1eeee").code, Errc::missing_field);
  EXPECT_EQ(response_error("d5:peersld2:ip7:1.2.3.4eee").code, Errc::missing_field);
  EXPECT_EQ(response_error("d5:peersld2:ipi1e4:porti1eeee").code, Errc::wrong_type);
  EXPECT_EQ(response_error("d5:peersld2:ip7:1.2.3.44:port2:80eee").code, Errc::wrong_type);
  EXPECT_EQ(response_error("d5:peersld2:ip7:1.2.3.44:porti65536eeee").code, Errc::invalid_value);
  EXPECT_EQ(response_error("d5:peersld2:ip7:1.2.3.44:porti-1eeee").code, Errc::invalid_value);
  EXPECT_EQ(response_error("d10:tracker idi1ee").code, Errc::wrong_type);
  EXPECT_EQ(response_error("d15:warning messageli1eee").code, Errc::wrong_type);
  EXPECT_EQ(response_error("d11:external ip3:abce").code, Errc::invalid_value);

  // Bounded: oversized bodies and deep nesting end in errors.
  EXPECT_EQ(response_error(std::string(kMaxAnnounceResponseSize + 1, 'd')).code,
            Errc::limit_exceeded);
  EXPECT_EQ(response_error(std::string(100000, 'l')).code, Errc::limit_exceeded);
  EXPECT_EQ(response_error("d5:peers99999999999:abce").code, Errc::limit_exceeded);
  EXPECT_EQ(response_error("d5:peers9999:abce").code, Errc::truncated);
}

TEST(AnnounceResponse, LargeCompactRoundTrip) {
  AnnounceResponse r;
  r.interval = 1800;
  r.complete = 5000;
  r.incomplete = 5000;
  for (std::uint32_t i = 0; i < 5000; ++i) {
    r.peers.push_back({PeerEndpoint{IpAddress::v4(0x0a000000u + i), static_cast<std::uint16_t>(i)},
                       std::nullopt});
  }
  for (std::uint8_t i = 0; i < 200; ++i) {
    std::array<std::uint8_t, 16> b{};
    b[0] = 0x20;
    b[15] = i;
    r.peers.push_back({PeerEndpoint{IpAddress::v6(b), 6881}, std::nullopt});
  }
  const std::string body = encode_announce_response(r);
  EXPECT_EQ(body.find("5:peers30000:"), 52u);
  EXPECT_NE(body.find("6:peers63600:"), std::string::npos);
  auto back = decode_announce_response(body);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
}

// ====================================== scrape response =========================================

TEST(ScrapeResponse, DecodesBep48Example) {
  const std::string body =
      "d5:filesd20:xxxxxxxxxxxxxxxxxxxxd8:completei11e10:downloadedi13772e10:incompletei19ee"
      "20:yyyyyyyyyyyyyyyyyyyyd8:completei21e10:downloadedi206e10:incompletei20eeee";
  auto r = decode_scrape_response(body);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->files.size(), 2u);
  const auto& x = r->files.at(hash_of('x'));
  EXPECT_EQ(x.complete, 11);
  EXPECT_EQ(x.downloaded, 13772);
  EXPECT_EQ(x.incomplete, 19);
  EXPECT_EQ(r->files.at(hash_of('y')).downloaded, 206);
  EXPECT_FALSE(r->failure_reason);
  // Our encoder writes exactly the BEP's bytes.
  EXPECT_EQ(encode_scrape_response(*r), body);
}

TEST(ScrapeResponse, EncodeSortsByRawHashBytesAndRoundTrips) {
  ScrapeResponse r;
  r.files[hash_of('\xff')] = {1, 2, 3, std::nullopt};
  r.files[hash_of('\x01')] = {4, 5, 6, "ubuntu.iso"};
  r.min_request_interval = 900;
  const std::string body = encode_scrape_response(r);
  EXPECT_LT(body.find(std::string(20, '\x01')), body.find(std::string(20, '\xff')));
  EXPECT_TRUE(bencode::decode(body, bencode::Mode::strict));
  EXPECT_NE(body.find("4:name10:ubuntu.iso"), std::string::npos);
  EXPECT_NE(body.find("5:flagsd20:min_request_intervali900ee"), std::string::npos);
  auto back = decode_scrape_response(body);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);

  EXPECT_EQ(encode_scrape_response(ScrapeResponse{}), "d5:filesdee");
  ScrapeResponse f;
  f.failure_reason = "scrape disabled";
  f.files[hash_of('a')] = {};
  EXPECT_EQ(encode_scrape_response(f), "d14:failure reason15:scrape disablede");
  auto fd = decode_scrape_response(encode_scrape_response(f));
  ASSERT_TRUE(fd);
  EXPECT_EQ(fd->failure_reason, "scrape disabled");
  EXPECT_TRUE(fd->files.empty());
}

TEST(ScrapeResponse, LenientButChecked) {
  // Unsorted keys, missing counters read 0, extra keys ignored.
  auto r = decode_scrape_response("d5:filesd20:aaaaaaaaaaaaaaaaaaaad10:incompletei2e11:downloadersi1eee"
                                  "8:intervali5ee\n");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->files.at(hash_of('a')).incomplete, 2);
  EXPECT_EQ(r->files.at(hash_of('a')).complete, 0);

  EXPECT_EQ(scrape_response_error("de").code, Errc::missing_field);
  EXPECT_EQ(scrape_response_error("d5:fileslee").code, Errc::wrong_type);
  EXPECT_EQ(scrape_response_error("d5:filesd19:aaaaaaaaaaaaaaaaaaadeee").code, Errc::invalid_value);
  EXPECT_EQ(scrape_response_error("d5:filesd40:" + kHashHex + "deee").code, Errc::invalid_value);
  EXPECT_EQ(scrape_response_error("d5:filesd20:aaaaaaaaaaaaaaaaaaaai1eee").code, Errc::wrong_type);
  EXPECT_EQ(scrape_response_error("d5:filesd20:aaaaaaaaaaaaaaaaaaaad8:complete1:1eee").code,
            Errc::wrong_type);
  EXPECT_EQ(scrape_response_error("d5:filesd20:aaaaaaaaaaaaaaaaaaaad8:completei-1eeee").code,
            Errc::invalid_value);
  EXPECT_EQ(scrape_response_error("d5:filesd20:aaaaaaaaaaaaaaaaaaaad4:namei1eeee").code,
            Errc::wrong_type);
  EXPECT_EQ(scrape_response_error("d5:filesde5:flagsi1ee").code, Errc::wrong_type);
  EXPECT_EQ(scrape_response_error("d14:failure reasoni1ee").code, Errc::wrong_type);
  EXPECT_EQ(scrape_response_error("d5:filesd").code, Errc::truncated);
  EXPECT_EQ(scrape_response_error("l").context, "http scrape response");
}

TEST(HttpAnnounceResponse, CompactFastPathMatchesGeneralEncoder) {
  AnnounceResponse r;
  r.interval = 1800;
  r.min_interval = 300;
  r.complete = 2;
  r.incomplete = 1;
  r.downloaded = 9;
  r.peers.push_back({*PeerEndpoint::parse("10.0.0.1:6881"), std::nullopt});
  r.peers.push_back({*PeerEndpoint::parse("[2001:db8::1]:51413"), std::nullopt});
  r.peers.push_back({*PeerEndpoint::parse("10.0.0.2:1"), std::nullopt});
  std::string v4, v6;
  append_compact(v4, r.peers[0].endpoint);
  append_compact(v4, r.peers[2].endpoint);
  append_compact(v6, r.peers[1].endpoint);
  std::string fast;
  encode_compact_announce_response(fast, r, v4, v6);
  EXPECT_EQ(fast, encode_announce_response(r));
  // No IPv6 peers: no peers6 key, like the general encoder.
  AnnounceResponse only4 = r;
  only4.peers.erase(only4.peers.begin() + 1);
  fast.clear();
  encode_compact_announce_response(fast, only4, v4, "");
  EXPECT_EQ(fast, encode_announce_response(only4));
  // A failure ignores the peers.
  AnnounceResponse failure;
  failure.failure_reason = "unregistered torrent";
  fast.clear();
  encode_compact_announce_response(fast, failure, v4, v6);
  EXPECT_EQ(fast, "d14:failure reason20:unregistered torrente");
}
