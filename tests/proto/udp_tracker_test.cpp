#include "shoal/proto/udp_tracker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "shoal/proto/encoding.hpp"

using namespace shoal;
using namespace shoal::udp_tracker;

namespace {

// Hex with any whitespace between bytes, so the packets below can be written field by field.
std::string hex(std::string_view text) {
  std::string compact;
  for (char c : text)
    if (c != ' ' && c != '\n') compact += c;
  auto raw = hex_decode(compact);
  EXPECT_TRUE(raw.has_value()) << "bad hex in test: " << text;
  return raw.value_or("");
}

Request decode_ok(std::string_view in, std::string& scratch) {
  auto r = decode_request(in, scratch);
  EXPECT_TRUE(r.has_value()) << r.error().message();
  return r ? *r : Request{};
}

Request decode_ok(std::string_view in) {
  static std::string scratch;  // callers that need url_data to outlive the next call pass their own
  return decode_ok(in, scratch);
}

Error request_error(std::string_view in) {
  std::string scratch;
  auto r = decode_request(in, scratch);
  EXPECT_FALSE(r.has_value()) << "decoded unexpectedly (" << in.size() << " bytes)";
  return r ? Error{} : r.error();
}

Response response_ok(std::string_view in, AddressFamily family = AddressFamily::v4) {
  auto r = decode_response(in, family);
  EXPECT_TRUE(r.has_value()) << r.error().message();
  return r ? *r : Response{};
}

Error response_error(std::string_view in, AddressFamily family = AddressFamily::v4) {
  auto r = decode_response(in, family);
  EXPECT_FALSE(r.has_value()) << "decoded unexpectedly (" << in.size() << " bytes)";
  return r ? Error{} : r.error();
}

template <class Message>
std::string encoded(const Message& m) {
  std::string out;
  encode(m, out);
  return out;
}

Sha1Digest digest_of(std::string_view hex_text) { return *Sha1Digest::from_hex(hex_text); }

// BEP 15 packets written out by hand, field by field.
const std::string kConnectRequest = hex(
    "00000417 27101980"  // protocol id
    "00000000"           // action: connect
    "12345678");         // transaction id

const std::string kConnectResponse = hex(
    "00000000"            // action: connect
    "12345678"            // transaction id
    "0102030405060708");  // connection id

const std::string kAnnounceRequest = hex(
    "0123456789abcdef"                          // connection id
    "00000001"                                  // action: announce
    "0badf00d"                                  // transaction id
    "000102030405060708090a0b0c0d0e0f10111213"  // info_hash
    "2d5348303030312d6162636465666768696a6b6c"  // peer_id "-SH0001-abcdefghijkl"
    "0000000000001000"                          // downloaded 4096
    "0000000100000000"                          // left 2^32
    "00000000000000ff"                          // uploaded 255
    "00000002"                                  // event: started
    "7f000001"                                  // IP 127.0.0.1
    "deadbeef"                                  // key
    "ffffffff"                                  // num_want -1
    "1ae1");                                    // port 6881

const std::string kScrapeRequest = hex(
    "0123456789abcdef"  // connection id
    "00000002"          // action: scrape
    "0badf00d"          // transaction id
    "000102030405060708090a0b0c0d0e0f10111213"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");

const std::string kAnnounceResponseV4 = hex(
    "00000001"              // action: announce
    "0badf00d"              // transaction id
    "00000708"              // interval 1800
    "00000005"              // leechers
    "0000000a"              // seeders
    "c0a80001 1ae1"         // 192.168.0.1:6881
    "0a000002 c8d5");       // 10.0.0.2:51413

const std::string kAnnounceResponseV6 = hex(
    "00000001 0badf00d 00000708 00000000 00000001"
    "20010db8000000000000000000000001 1ae1");  // [2001:db8::1]:6881

const std::string kScrapeResponse = hex(
    "00000002"                    // action: scrape
    "0badf00d"                    // transaction id
    "00000005 0000002a 00000003"  // seeders 5, completed 42, leechers 3
    "00000000 00000000 00000000");

const std::string kErrorResponse = hex("00000003 0badf00d") + "unregistered torrent";

AnnounceRequest expected_announce() {
  AnnounceRequest a;
  a.connection_id = 0x0123456789abcdefull;
  a.transaction_id = 0x0badf00d;
  a.info_hash = digest_of("000102030405060708090a0b0c0d0e0f10111213");
  a.peer_id = *Digest<20>::from_bytes("-SH0001-abcdefghijkl");
  a.downloaded = 4096;
  a.left = 4294967296;
  a.uploaded = 255;
  a.event = AnnounceEvent::started;
  a.ip = 0x7f000001;
  a.key = 0xdeadbeef;
  a.num_want = -1;
  a.port = 6881;
  return a;
}

// An announce carrying the given BEP 41 option bytes after byte 98.
std::string announce_with_options(std::string_view options) {
  return kAnnounceRequest + std::string(options);
}

std::optional<std::string> url_data_of(std::string_view packet) {
  std::string scratch;
  auto r = decode_request(packet, scratch);
  EXPECT_TRUE(r.has_value()) << r.error().message();
  if (!r) return std::nullopt;
  const auto& a = std::get<AnnounceRequest>(*r);
  if (!a.url_data) return std::nullopt;
  return std::string(*a.url_data);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// connect

TEST(UdpTrackerConnect, RequestByteExact) {
  const auto r = decode_ok(kConnectRequest);
  ASSERT_TRUE(std::holds_alternative<ConnectRequest>(r));
  EXPECT_EQ(std::get<ConnectRequest>(r).transaction_id, 0x12345678u);
  EXPECT_EQ(encoded(ConnectRequest{0x12345678}), kConnectRequest);
  EXPECT_EQ(encoded_size(ConnectRequest{}), 16u);
}

TEST(UdpTrackerConnect, RequestWithTrailingBytesIsAccepted) {
  const auto r = decode_ok(kConnectRequest + std::string("\x00\x01future", 8));
  EXPECT_EQ(std::get<ConnectRequest>(r).transaction_id, 0x12345678u);
}

TEST(UdpTrackerConnect, WrongMagicIsRejectedAtOffsetZero) {
  std::string bad = kConnectRequest;
  bad[7] = '\x81';
  const Error e = request_error(bad);
  EXPECT_EQ(e.code, Errc::invalid_value);
  EXPECT_EQ(e.offset, 0u);
  EXPECT_EQ(e.context, "udp request");
  // All-zero connection id with action 0: also not a connect request.
  EXPECT_EQ(request_error(hex("0000000000000000 00000000 12345678")).code, Errc::invalid_value);
}

TEST(UdpTrackerConnect, ResponseByteExact) {
  const auto r = response_ok(kConnectResponse);
  ASSERT_TRUE(std::holds_alternative<ConnectResponse>(r));
  EXPECT_EQ(std::get<ConnectResponse>(r), (ConnectResponse{0x12345678, 0x0102030405060708ull}));
  EXPECT_EQ(encoded(ConnectResponse{0x12345678, 0x0102030405060708ull}), kConnectResponse);
  // Trailing bytes are ignored.
  EXPECT_TRUE(decode_response(kConnectResponse + "xx", AddressFamily::v4).has_value());
}

// ---------------------------------------------------------------------------------------------
// announce request

TEST(UdpTrackerAnnounce, RequestByteExact) {
  ASSERT_EQ(kAnnounceRequest.size(), 98u);
  const auto r = decode_ok(kAnnounceRequest);
  ASSERT_TRUE(std::holds_alternative<AnnounceRequest>(r));
  const auto& a = std::get<AnnounceRequest>(r);
  EXPECT_EQ(a, expected_announce());
  EXPECT_EQ(a.peer_id.view(), "-SH0001-abcdefghijkl");
  EXPECT_FALSE(a.url_data.has_value());
  EXPECT_EQ(encoded(expected_announce()), kAnnounceRequest);
}

TEST(UdpTrackerAnnounce, EventsAndSignedFieldsPassThrough) {
  std::string p = kAnnounceRequest;
  const std::string all_ones = hex("ffffffffffffffff");
  p.replace(64, 8, all_ones);                // left = -1
  p.replace(92, 4, hex("00000032"));          // num_want 50
  for (std::uint32_t ev = 0; ev <= 3; ++ev) {
    p.replace(80, 4, hex("0000000" + std::to_string(ev)));
    const auto a = std::get<AnnounceRequest>(decode_ok(p));
    EXPECT_EQ(static_cast<std::uint32_t>(a.event), ev);
    EXPECT_EQ(a.left, -1);
    EXPECT_EQ(a.num_want, 50);
    EXPECT_EQ(encoded(a), p);
  }
  EXPECT_EQ(to_string(AnnounceEvent::stopped), "stopped");
  EXPECT_EQ(to_string(AnnounceEvent::none), "none");
}

TEST(UdpTrackerAnnounce, UnknownEventIsRejectedAtItsOffset) {
  std::string p = kAnnounceRequest;
  p.replace(80, 4, hex("00000004"));
  const Error e = request_error(p);
  EXPECT_EQ(e.code, Errc::invalid_value);
  EXPECT_EQ(e.offset, 80u);
}

TEST(UdpTrackerAnnounce, IgnoresWhatFollowsEndOfOptions) {
  // EndOfOptions then bytes that would be a truncated option if parsed.
  const auto url = url_data_of(announce_with_options(std::string("\x00\x02\xff", 3)));
  EXPECT_FALSE(url.has_value());
}

// BEP 41, "Examples": the three option byte strings the BEP gives for
// udp://tracker.example.com:80/dir?a=b&c=d and udp://tracker.example.com:80.
TEST(UdpTrackerBep41, BepExamples) {
  const std::string single = std::string("\x02\x0c") + "/dir?a=b&c=d";
  EXPECT_EQ(url_data_of(announce_with_options(single)), "/dir?a=b&c=d");

  const std::string padded = single + std::string("\x01\x01\x00", 3);  // NOP, NOP, EndOfOptions
  EXPECT_EQ(url_data_of(announce_with_options(padded)), "/dir?a=b&c=d");

  const std::string empty("\x02\x00", 2);  // URLData of length zero: supported, no path
  const auto e = url_data_of(announce_with_options(empty));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(*e, "");
}

// BEP 41: "If this option appears more than once, the data fields are concatenated."
TEST(UdpTrackerBep41, SplitUrlDataIsConcatenatedIntoScratch) {
  const std::string packet = announce_with_options(std::string("\x02\x04/dir\x01\x02\x08?a=b&c=d"));
  std::string scratch = "old contents";
  const auto r = decode_ok(packet, scratch);
  const auto& a = std::get<AnnounceRequest>(r);
  ASSERT_TRUE(a.url_data.has_value());
  EXPECT_EQ(*a.url_data, "/dir?a=b&c=d");
  // Lifetime contract: a split value lives in the scratch string...
  EXPECT_EQ(a.url_data->data(), scratch.data());
}

TEST(UdpTrackerBep41, SingleUrlDataViewsTheDatagramAndLeavesScratchAlone) {
  const std::string packet = announce_with_options(std::string("\x02\x0a/announce/", 12));
  std::string scratch = "untouched";
  const auto r = decode_ok(packet, scratch);
  const auto& a = std::get<AnnounceRequest>(r);
  ASSERT_TRUE(a.url_data.has_value());
  EXPECT_EQ(*a.url_data, "/announce/");
  EXPECT_EQ(a.url_data->data(), packet.data() + 100);
  EXPECT_EQ(scratch, "untouched");
}

TEST(UdpTrackerBep41, EmptyChunksDoNotForceACopy) {
  const std::string packet =
      announce_with_options(std::string("\x02\x00\x02\x05/abcd\x02\x00", 11));
  std::string scratch;
  const auto a = std::get<AnnounceRequest>(decode_ok(packet, scratch));
  EXPECT_EQ(*a.url_data, "/abcd");
  EXPECT_EQ(a.url_data->data(), packet.data() + 102);
}

TEST(UdpTrackerBep41, PasskeyForms) {
  const std::string path = "/announce/0123456789abcdef0123456789abcdef";
  const std::string query = "/announce?passkey=0123456789abcdef0123456789abcdef";
  for (const std::string& url : {path, query}) {
    std::string opt;
    opt += '\x02';
    opt += static_cast<char>(url.size());
    opt += url;
    EXPECT_EQ(url_data_of(announce_with_options(opt)), url);
  }
}

TEST(UdpTrackerBep41, UnknownOptionsAreSkippedByTheirLength) {
  // type 0x07 with 3 data bytes, type 0xff with 0 bytes, then URLData.
  const std::string opts = std::string("\x07\x03\x02\x02\x02\xff\x00", 7) + "\x02\x02/x";
  EXPECT_EQ(url_data_of(announce_with_options(opts)), "/x");
}

TEST(UdpTrackerBep41, OptionsRunningOffTheEndAreErrors) {
  // A length-carrying type as the very last byte: no length byte.
  for (char type : {'\x02', '\x03', '\x7f'}) {
    const Error e = request_error(announce_with_options(std::string(1, type)));
    EXPECT_EQ(e.code, Errc::truncated);
    EXPECT_EQ(e.offset, 98u);
  }
  // A length that runs past the end, after a valid first option.
  const Error e = request_error(announce_with_options(std::string("\x01\x02\x01/\x02\x09/abc")));
  EXPECT_EQ(e.code, Errc::truncated);
  EXPECT_EQ(e.offset, 98u + 4);
}

TEST(UdpTrackerBep41, EveryCutOfTheOptionAreaErrorsExceptAtOptionBoundaries) {
  // Options: NOP | URLData "/dir" | unknown 0x09 len 2 | URLData "?a=b" | EndOfOptions
  const std::string opts = std::string("\x01\x02\x04/dir\x09\x02zz\x02\x04?a=b\x00", 18);
  const std::string full = announce_with_options(opts);
  const std::vector<std::size_t> boundaries = {0, 1, 7, 11, 17, 18};  // cuts that end an option
  for (std::size_t cut = 0; cut <= opts.size(); ++cut) {
    const std::string p = full.substr(0, 98 + cut);
    std::string scratch;
    auto r = decode_request(p, scratch);
    const bool boundary = std::find(boundaries.begin(), boundaries.end(), cut) != boundaries.end();
    EXPECT_EQ(r.has_value(), boundary) << "cut at option byte " << cut;
    if (!r) {
      EXPECT_EQ(r.error().code, Errc::truncated) << "cut at option byte " << cut;
    }
  }
  EXPECT_EQ(url_data_of(full), "/dir?a=b");
  EXPECT_EQ(url_data_of(full.substr(0, 98 + 7)), "/dir");
}

TEST(UdpTrackerBep41, UrlDataLengthLimit) {
  auto packet_with_url_of = [](std::size_t n) {
    std::string opts;
    for (std::size_t done = 0; done < n;) {
      const std::size_t chunk = std::min<std::size_t>(250, n - done);
      opts += '\x02';
      opts += static_cast<char>(chunk);
      opts += std::string(chunk, static_cast<char>('a' + (done / 250) % 26));
      done += chunk;
    }
    return announce_with_options(opts);
  };
  const auto at_limit = url_data_of(packet_with_url_of(kMaxUrlDataLength));
  ASSERT_TRUE(at_limit.has_value());
  EXPECT_EQ(at_limit->size(), kMaxUrlDataLength);
  EXPECT_EQ(at_limit->substr(248, 4), "aabb");

  const Error over = request_error(packet_with_url_of(kMaxUrlDataLength + 1));
  EXPECT_EQ(over.code, Errc::limit_exceeded);
  EXPECT_EQ(over.offset, 98u + 8 * 252);  // the ninth option crosses 2048

  const Error big = request_error(packet_with_url_of(4000));
  EXPECT_EQ(big.code, Errc::limit_exceeded);
}

TEST(UdpTrackerBep41, EncoderSplitsUrlDataIntoFullChunks) {
  AnnounceRequest a = expected_announce();
  const std::string url(600, 'u');
  a.url_data = url;
  const std::string p = encoded(a);
  ASSERT_EQ(p.size(), 98u + 3 * 2 + 600);
  EXPECT_EQ(p.substr(98, 2), "\x02\xff");
  EXPECT_EQ(p.substr(98 + 257, 2), "\x02\xff");
  EXPECT_EQ(p.substr(98 + 514, 2), "\x02\x5a");  // 600 - 510 = 90

  a.url_data = "";
  EXPECT_EQ(encoded(a), kAnnounceRequest + std::string("\x02\x00", 2));
}

TEST(UdpTrackerBep41, UrlDataRoundTripsAtChunkEdges) {
  for (std::size_t n : {0u, 1u, 254u, 255u, 256u, 510u, 511u, 2048u}) {
    AnnounceRequest a = expected_announce();
    std::string url;
    for (std::size_t i = 0; i < n; ++i) url += static_cast<char>('!' + i % 90);
    a.url_data = url;
    const std::string p = encoded(a);
    EXPECT_EQ(p.size(), encoded_size(a));
    std::string scratch;
    const auto r = decode_request(p, scratch);
    ASSERT_TRUE(r.has_value()) << n << ": " << r.error().message();
    EXPECT_EQ(std::get<AnnounceRequest>(*r), a) << n;
  }
}

// ---------------------------------------------------------------------------------------------
// scrape request

TEST(UdpTrackerScrape, RequestByteExact) {
  const auto r = decode_ok(kScrapeRequest);
  ASSERT_TRUE(std::holds_alternative<ScrapeRequest>(r));
  const auto& s = std::get<ScrapeRequest>(r);
  EXPECT_EQ(s.connection_id, 0x0123456789abcdefull);
  EXPECT_EQ(s.transaction_id, 0x0badf00du);
  ASSERT_EQ(s.info_hashes.size(), 2u);
  EXPECT_EQ(s.info_hashes[0], digest_of("000102030405060708090a0b0c0d0e0f10111213"));
  EXPECT_EQ(s.info_hashes[1], digest_of("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));

  std::vector<Sha1Digest> seen(s.info_hashes.begin(), s.info_hashes.end());
  const std::vector<Sha1Digest> hashes = {digest_of("000102030405060708090a0b0c0d0e0f10111213"),
                                          digest_of("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")};
  EXPECT_EQ(seen, hashes);
  EXPECT_EQ(encoded(ScrapeRequest{0x0123456789abcdefull, 0x0badf00d, InfoHashList(hashes)}),
            kScrapeRequest);
}

TEST(UdpTrackerScrape, RequestLengthMustBeWholeHashes) {
  for (std::size_t extra : {1u, 7u, 19u}) {
    const Error e = request_error(kScrapeRequest + std::string(extra, 'x'));
    EXPECT_EQ(e.code, Errc::invalid_value);
    EXPECT_EQ(e.offset, kScrapeRequest.size());
  }
  const Error none = request_error(kScrapeRequest.substr(0, 16));
  EXPECT_EQ(none.code, Errc::missing_field);
  EXPECT_EQ(none.offset, 16u);
}

TEST(UdpTrackerScrape, HashCountLimit) {
  auto scrape_of = [](std::size_t n) {
    std::string p = kScrapeRequest.substr(0, 16);
    for (std::size_t i = 0; i < n; ++i) p += std::string(20, static_cast<char>(i));
    return p;
  };
  const std::string packet = scrape_of(kMaxScrapeHashes);  // the decoded request views it
  const auto ok = decode_ok(packet);
  EXPECT_EQ(std::get<ScrapeRequest>(ok).info_hashes.size(), 74u);
  EXPECT_EQ(std::get<ScrapeRequest>(ok).info_hashes[73].bytes[19], 73);

  const Error over = request_error(scrape_of(kMaxScrapeHashes + 1));
  EXPECT_EQ(over.code, Errc::limit_exceeded);
  EXPECT_EQ(over.offset, 16u + 74 * 20);

  const Error huge = request_error(scrape_of(10'000));
  EXPECT_EQ(huge.code, Errc::limit_exceeded);
}

TEST(UdpTrackerScrape, InfoHashListFromBytes) {
  EXPECT_FALSE(InfoHashList::from_bytes(std::string(21, 'a')).has_value());
  const auto empty = InfoHashList::from_bytes("");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ(empty->begin(), empty->end());
  EXPECT_EQ(InfoHashList::from_bytes(std::string(40, 'b'))->size(), 2u);
}

// ---------------------------------------------------------------------------------------------
// generic request decoding

TEST(UdpTrackerRequest, UnknownActionIsUnsupportedAtOffsetEight) {
  for (const char* action : {"00000003", "00000004", "ffffffff"}) {
    const Error e = request_error(hex(std::string("0123456789abcdef") + action + "0badf00d") +
                                  std::string(100, '\0'));
    EXPECT_EQ(e.code, Errc::unsupported) << action;
    EXPECT_EQ(e.offset, 8u) << action;
  }
}

TEST(UdpTrackerRequest, EveryTruncationOfEveryRequestErrors) {
  struct Case {
    const std::string* packet;
    std::size_t min_ok;  // shortest prefix that is a valid packet
  };
  for (const Case& c : {Case{&kConnectRequest, 16}, Case{&kAnnounceRequest, 98},
                        Case{&kScrapeRequest, 36}}) {
    for (std::size_t n = 0; n < c.min_ok; ++n) {
      std::string scratch;
      auto r = decode_request(c.packet->substr(0, n), scratch);
      ASSERT_FALSE(r.has_value()) << "prefix of " << n << " bytes decoded";
      if (n < 16) {
        EXPECT_EQ(r.error().code, Errc::truncated);
        EXPECT_EQ(r.error().offset, n);
      }
    }
  }
  // Announce prefixes report where the datagram ended.
  const Error e = request_error(kAnnounceRequest.substr(0, 50));
  EXPECT_EQ(e.code, Errc::truncated);
  EXPECT_EQ(e.offset, 50u);
  // Scrape prefixes between whole hashes are odd lengths.
  for (std::size_t n = 37; n < kScrapeRequest.size(); ++n)
    EXPECT_EQ(request_error(kScrapeRequest.substr(0, n)).code, Errc::invalid_value) << n;
}

TEST(UdpTrackerRequest, TransactionIdOfAnyDatagramOfSixteenBytes) {
  EXPECT_EQ(request_transaction_id(kAnnounceRequest), 0x0badf00du);
  EXPECT_EQ(request_transaction_id(kConnectRequest.substr(0, 16)), 0x12345678u);
  EXPECT_FALSE(request_transaction_id(kConnectRequest.substr(0, 15)).has_value());
  std::string unknown = kScrapeRequest;
  unknown[11] = '\x09';
  EXPECT_EQ(request_transaction_id(unknown), 0x0badf00du);
}

TEST(UdpTrackerRequest, VariantEncodeRoundTrips) {
  std::string scratch;
  for (const std::string* p : {&kConnectRequest, &kAnnounceRequest, &kScrapeRequest}) {
    auto r = decode_request(*p, scratch);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(encoded_size(*r), p->size());
    std::string out = "prefix";
    encode(*r, out);
    EXPECT_EQ(out, "prefix" + *p);
  }
}

// ---------------------------------------------------------------------------------------------
// responses

TEST(UdpTrackerResponse, AnnounceV4ByteExact) {
  const auto r = response_ok(kAnnounceResponseV4);
  ASSERT_TRUE(std::holds_alternative<AnnounceResponse>(r));
  const auto& a = std::get<AnnounceResponse>(r);
  EXPECT_EQ(a.transaction_id, 0x0badf00du);
  EXPECT_EQ(a.interval, 1800u);
  EXPECT_EQ(a.leechers, 5u);
  EXPECT_EQ(a.seeders, 10u);
  EXPECT_EQ(a.family, AddressFamily::v4);
  ASSERT_EQ(a.peers.size(), 2u);
  EXPECT_EQ(a.peers[0], *PeerEndpoint::parse("192.168.0.1:6881"));
  EXPECT_EQ(a.peers[1], *PeerEndpoint::parse("10.0.0.2:51413"));
  EXPECT_EQ(encoded(a), kAnnounceResponseV4);
}

TEST(UdpTrackerResponse, AnnounceV6ByteExact) {
  const auto r = response_ok(kAnnounceResponseV6, AddressFamily::v6);
  const auto& a = std::get<AnnounceResponse>(r);
  EXPECT_EQ(a.family, AddressFamily::v6);
  ASSERT_EQ(a.peers.size(), 1u);
  EXPECT_EQ(a.peers[0], *PeerEndpoint::parse("[2001:db8::1]:6881"));
  EXPECT_EQ(encoded(a), kAnnounceResponseV6);
  // The same 38 bytes are not a valid IPv4 response: 18 is a multiple of 6, so they parse as three
  // IPv4 peers — the family has to come from the socket, not the packet.
  EXPECT_EQ(std::get<AnnounceResponse>(response_ok(kAnnounceResponseV6)).peers.size(), 3u);
}

TEST(UdpTrackerResponse, AnnounceEncoderWritesOnlyTheRequestedFamily) {
  AnnounceResponse a;
  a.transaction_id = 0x0badf00d;
  a.interval = 1800;
  a.leechers = 0;
  a.seeders = 1;
  a.peers = {*PeerEndpoint::parse("1.2.3.4:80"), *PeerEndpoint::parse("[2001:db8::1]:6881")};
  a.family = AddressFamily::v6;
  EXPECT_EQ(encoded(a), kAnnounceResponseV6);
  EXPECT_EQ(encoded_size(a), kAnnounceResponseV6.size());
  a.family = AddressFamily::v4;
  EXPECT_EQ(encoded(a), kAnnounceResponseV6.substr(0, 20) + hex("01020304 0050"));
}

TEST(UdpTrackerResponse, AnnouncePeerBlockMustBeWholeEntries) {
  for (std::size_t n = 0; n <= kAnnounceResponseV4.size(); ++n) {
    auto r = decode_response(kAnnounceResponseV4.substr(0, n), AddressFamily::v4);
    const bool whole = n >= 20 && (n - 20) % 6 == 0;
    EXPECT_EQ(r.has_value(), whole) << n;
    if (r) {
      EXPECT_EQ(std::get<AnnounceResponse>(*r).peers.size(), (n - 20) / 6);
    }
    if (!r && n >= 20) {
      EXPECT_EQ(r.error().code, Errc::invalid_value);
      EXPECT_EQ(r.error().offset, n - (n - 20) % 6);
    }
    if (!r && n < 20) {
      EXPECT_EQ(r.error().code, Errc::truncated) << n;
    }
  }
  for (std::size_t n = 21; n < kAnnounceResponseV6.size(); ++n)
    EXPECT_EQ(response_error(kAnnounceResponseV6.substr(0, n), AddressFamily::v6).code,
              Errc::invalid_value)
        << n;
}

TEST(UdpTrackerResponse, ManyPeersRoundTrip) {
  AnnounceResponse a;
  a.transaction_id = 7;
  a.family = AddressFamily::v6;
  for (std::uint16_t i = 0; i < 300; ++i) {
    std::array<std::uint8_t, 16> b{};
    b[0] = 0x20;
    b[1] = 0x01;
    b[14] = static_cast<std::uint8_t>(i >> 8);
    b[15] = static_cast<std::uint8_t>(i);
    a.peers.push_back(PeerEndpoint{IpAddress::v6(b), static_cast<std::uint16_t>(1000 + i)});
  }
  const std::string p = encoded(a);
  EXPECT_EQ(p.size(), 20u + 300 * 18);
  EXPECT_EQ(std::get<AnnounceResponse>(response_ok(p, AddressFamily::v6)), a);
}

TEST(UdpTrackerResponse, ScrapeByteExact) {
  const auto r = response_ok(kScrapeResponse);
  ASSERT_TRUE(std::holds_alternative<ScrapeResponse>(r));
  const auto& s = std::get<ScrapeResponse>(r);
  EXPECT_EQ(s.transaction_id, 0x0badf00du);
  ASSERT_EQ(s.stats.size(), 2u);
  EXPECT_EQ(s.stats[0], (ScrapeStats{5, 42, 3}));
  EXPECT_EQ(s.stats[1], (ScrapeStats{0, 0, 0}));
  EXPECT_EQ(encoded(s), kScrapeResponse);
  for (std::size_t n = 9; n < kScrapeResponse.size(); ++n) {
    if ((n - 8) % 12 == 0) continue;
    const Error e = response_error(kScrapeResponse.substr(0, n));
    EXPECT_EQ(e.code, Errc::invalid_value) << n;
    EXPECT_EQ(e.offset, n - (n - 8) % 12) << n;
  }
}

TEST(UdpTrackerResponse, ErrorByteExact) {
  const auto r = response_ok(kErrorResponse);
  ASSERT_TRUE(std::holds_alternative<ErrorResponse>(r));
  EXPECT_EQ(std::get<ErrorResponse>(r), (ErrorResponse{0x0badf00d, "unregistered torrent"}));
  EXPECT_EQ(encoded(ErrorResponse{0x0badf00d, "unregistered torrent"}), kErrorResponse);
  EXPECT_EQ(std::get<ErrorResponse>(response_ok(kErrorResponse.substr(0, 8))).message, "");
  // Binary message bytes are kept as they are.
  const std::string bin = kErrorResponse.substr(0, 8) + std::string("\x00\xff", 2);
  EXPECT_EQ(std::get<ErrorResponse>(response_ok(bin)).message, std::string("\x00\xff", 2));
}

TEST(UdpTrackerResponse, UnknownActionIsUnsupportedAtOffsetZero) {
  const Error e = response_error(hex("00000004 0badf00d 00000000"));
  EXPECT_EQ(e.code, Errc::unsupported);
  EXPECT_EQ(e.offset, 0u);
  EXPECT_EQ(e.context, "udp response");
}

TEST(UdpTrackerResponse, EveryTruncationBelowTheMinimumErrors) {
  struct Case {
    const std::string* packet;
    std::size_t min_ok;
  };
  for (const Case& c : {Case{&kConnectResponse, 16}, Case{&kAnnounceResponseV4, 20},
                        Case{&kScrapeResponse, 8}, Case{&kErrorResponse, 8}}) {
    for (std::size_t n = 0; n < c.min_ok; ++n) {
      const Error e = response_error(c.packet->substr(0, n));
      EXPECT_EQ(e.code, Errc::truncated) << n;
      EXPECT_EQ(e.offset, n);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// encoding into caller buffers

TEST(UdpTrackerEncode, EncodeIntoChecksTheBufferSize) {
  const AnnounceRequest a = expected_announce();
  std::array<char, 128> buf;
  buf.fill('#');
  EXPECT_EQ(encode_into(a, std::span<char>(buf.data(), 97)), 0u);
  EXPECT_EQ(std::string(buf.data(), 4), "####");  // nothing written
  EXPECT_EQ(encode_into(a, std::span<char>(buf.data(), 98)), 98u);
  EXPECT_EQ(std::string(buf.data(), 98), kAnnounceRequest);
  EXPECT_EQ(buf[98], '#');

  const Response res = ErrorResponse{0x0badf00d, "unregistered torrent"};
  EXPECT_EQ(encode_into(res, buf), kErrorResponse.size());
  EXPECT_EQ(std::string(buf.data(), kErrorResponse.size()), kErrorResponse);
  EXPECT_EQ(encode_into(Request(ConnectRequest{0x12345678}), buf), 16u);
  EXPECT_EQ(std::string(buf.data(), 16), kConnectRequest);
}

TEST(UdpTrackerEncode, AppendKeepsWhatIsAlreadyThere) {
  std::string out = "batch:";
  encode(ConnectResponse{0x12345678, 0x0102030405060708ull}, out);
  encode(ScrapeResponse{0x0badf00d, {{5, 42, 3}, {0, 0, 0}}}, out);
  EXPECT_EQ(out, "batch:" + kConnectResponse + kScrapeResponse);
}

TEST(UdpTrackerAnnounce, CompactFastPathMatchesGeneralEncoder) {
  for (AddressFamily family : {AddressFamily::v4, AddressFamily::v6}) {
    AnnounceResponse r;
    r.transaction_id = 0xdeadbeef;
    r.interval = 1800;
    r.leechers = 3;
    r.seeders = 4;
    r.family = family;
    std::string compact;
    const char* texts[] = {"10.1.2.3:6881", "[2001:db8::7]:6882", "192.168.0.1:65535"};
    for (const char* t : texts) {
      auto e = *PeerEndpoint::parse(t);
      r.peers.push_back(e);
      if (e.address.family() == family) append_compact(compact, e);
    }
    std::string general, fast = "prefix";
    encode(r, general);
    encode_compact_announce_response(r, compact, fast);
    EXPECT_EQ(fast, "prefix" + general);
  }
}
