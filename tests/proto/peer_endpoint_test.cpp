#include "shoal/proto/peer_endpoint.hpp"

#include <gtest/gtest.h>

#include <string>
#include <unordered_set>

using namespace shoal;
using namespace std::string_literals;

namespace {

PeerEndpoint ep(std::string_view text) {
  auto e = PeerEndpoint::parse(text);
  EXPECT_TRUE(e.has_value()) << text;
  return e.value_or(PeerEndpoint{});
}

std::string compact(std::initializer_list<std::string_view> endpoints) {
  std::string out;
  for (auto e : endpoints) append_compact(out, ep(e));
  return out;
}

}  // namespace

TEST(PeerEndpoint, ParsesAndFormatsIpv4AndIpv6) {
  auto a = PeerEndpoint::parse("1.2.3.4:6881");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v4());
  EXPECT_EQ(a->port, 6881);
  EXPECT_EQ(a->address.v4_value(), 0x01020304u);
  EXPECT_EQ(a->address.bytes(), "\x01\x02\x03\x04"s);
  EXPECT_EQ(a->to_string(), "1.2.3.4:6881");

  auto b = PeerEndpoint::parse("[2001:db8::1]:51413");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->is_v6());
  EXPECT_EQ(b->port, 51413);
  EXPECT_EQ(b->address.bytes(), "\x20\x01\x0d\xb8"s + std::string(11, '\0') + "\x01");
  EXPECT_EQ(b->to_string(), "[2001:db8::1]:51413");
  // RFC 5952 canonical text on output, whatever the input spelling.
  EXPECT_EQ(PeerEndpoint::parse("[2001:0DB8:0:0:0:0:0:0001]:1")->to_string(), "[2001:db8::1]:1");

  EXPECT_EQ(PeerEndpoint::parse("0.0.0.0:0")->port, 0);
  EXPECT_EQ(PeerEndpoint::parse("255.255.255.255:65535")->port, 65535);
}

TEST(PeerEndpoint, RejectsMalformedText) {
  for (std::string_view bad :
       {"", ":", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:123456", "1.2.3.4:-1",
        "1.2.3.4:+1", "1.2.3.4:0x10", "1.2.3:80", "1.2.3.4.5:80", "256.1.1.1:80", "01.2.3.4:80",
        "2001:db8::1:80", "[2001:db8::1]", "[2001:db8::1]:", "[1.2.3.4]:80", "[::1:80",
        "::1]:80", "example.com:80", "fe80::1%eth0", "[fe80::1%eth0]:80", " 1.2.3.4:80",
        "1.2.3.4 :80", "[2001:db8::g]:80"}) {
    EXPECT_FALSE(PeerEndpoint::parse(bad).has_value()) << bad;
  }
  EXPECT_FALSE(PeerEndpoint::parse("1.2.3.4\0:80"s).has_value());
  EXPECT_FALSE(IpAddress::parse("1.2.3.4\0"s).has_value());
  EXPECT_FALSE(PeerEndpoint::parse(std::string(1000, '1') + ":80").has_value());
  EXPECT_FALSE(IpAddress::parse(std::string(46, 'f')).has_value());
}

TEST(PeerEndpoint, BareAddressesAndAddressWithPort) {
  EXPECT_TRUE(IpAddress::parse("1.2.3.4")->is_v4());
  EXPECT_TRUE(IpAddress::parse("::1")->is_loopback());
  EXPECT_TRUE(IpAddress::parse("[::1]")->is_v6());
  EXPECT_FALSE(IpAddress::parse("[1.2.3.4]"));
  EXPECT_FALSE(IpAddress::parse("[]"));
  EXPECT_FALSE(IpAddress::parse("localhost"));

  auto bare = AddressWithPort::parse("2001:db8::1");
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->port);
  EXPECT_EQ(bare->to_string(), "2001:db8::1");
  auto with_port = AddressWithPort::parse("[2001:db8::1]:6881");
  ASSERT_TRUE(with_port);
  EXPECT_EQ(with_port->port, 6881);
  EXPECT_EQ(with_port->to_string(), "[2001:db8::1]:6881");
  EXPECT_EQ(AddressWithPort::parse("10.0.0.1:1")->port, 1);
  // Unbracketed text with colons is always an address: "::1:6881" is a valid IPv6 address.
  auto ambiguous = AddressWithPort::parse("::1:6881");
  ASSERT_TRUE(ambiguous);
  EXPECT_FALSE(ambiguous->port);
  EXPECT_FALSE(AddressWithPort::parse("host.example:80"));
}

TEST(PeerEndpoint, AddressPredicatesAndV4Mapping) {
  auto mapped = IpAddress::parse("::ffff:192.0.2.7");
  ASSERT_TRUE(mapped);
  EXPECT_TRUE(mapped->is_v4_mapped());
  EXPECT_EQ(mapped->unmapped(), *IpAddress::parse("192.0.2.7"));
  EXPECT_EQ(IpAddress::parse("2001:db8::1")->unmapped(), *IpAddress::parse("2001:db8::1"));
  EXPECT_TRUE(IpAddress::parse("127.5.0.1")->is_loopback());
  EXPECT_FALSE(IpAddress::parse("::2")->is_loopback());
  EXPECT_TRUE(IpAddress().is_unspecified());
  EXPECT_TRUE(IpAddress::parse("::")->is_unspecified());
  EXPECT_EQ(IpAddress::v4(0x7f000001u), *IpAddress::parse("127.0.0.1"));
  EXPECT_EQ(IpAddress::v4(std::array<std::uint8_t, 4>{10, 0, 0, 1}).to_string(), "10.0.0.1");
  EXPECT_FALSE(IpAddress::from_bytes("abc"));
  EXPECT_FALSE(IpAddress::from_bytes(std::string(15, 'x')));
  EXPECT_EQ(IpAddress::from_bytes("\x7f\x00\x00\x01"s)->to_string(), "127.0.0.1");
  EXPECT_FALSE(PeerEndpoint::from_bytes("12345", 1));
}

TEST(PeerEndpoint, EqualityOrderingAndHash) {
  // 0.0.0.0 and :: differ although both are all-zero bytes.
  EXPECT_NE(IpAddress::parse("0.0.0.0"), IpAddress::parse("::"));
  EXPECT_LT(ep("255.255.255.255:65535"), ep("[::]:0"));  // every IPv4 before every IPv6
  EXPECT_LT(ep("1.2.3.4:80"), ep("1.2.3.5:1"));          // address before port
  EXPECT_LT(ep("1.2.3.4:80"), ep("1.2.3.4:81"));
  EXPECT_EQ(ep("[::1]:5"), ep("[0:0:0:0:0:0:0:1]:5"));
  std::unordered_set<PeerEndpoint> set{ep("1.2.3.4:1"), ep("1.2.3.4:2"), ep("[::1]:1"),
                                       ep("1.2.3.4:1")};
  EXPECT_EQ(set.size(), 3u);
  EXPECT_NE(std::hash<IpAddress>{}(*IpAddress::parse("0.0.0.0")),
            std::hash<IpAddress>{}(*IpAddress::parse("::")));
  EXPECT_LE(sizeof(PeerEndpoint), 20u);
}

TEST(PeerEndpoint, CompactEncoding) {
  std::string out;
  append_compact(out, ep("10.0.0.2:6881"));
  EXPECT_EQ(out, "\x0a\x00\x00\x02\x1a\xe1"s);
  append_compact(out, ep("[2001:db8::1]:443"));
  EXPECT_EQ(out.size(), 6u + 18u);
  EXPECT_EQ(out.substr(6), "\x20\x01\x0d\xb8"s + std::string(11, '\0') + "\x01\x01\xbb"s);

  EXPECT_EQ(parse_compact_peer(out.substr(0, 6)), ep("10.0.0.2:6881"));
  EXPECT_EQ(parse_compact_peer(out.substr(6)), ep("[2001:db8::1]:443"));
  EXPECT_FALSE(parse_compact_peer(out.substr(0, 5)));
  EXPECT_FALSE(parse_compact_peer(out));

  auto v4 = parse_compact_peers(compact({"1.1.1.1:1", "2.2.2.2:65535", "3.3.3.3:0"}),
                                AddressFamily::v4);
  ASSERT_TRUE(v4);
  ASSERT_EQ(v4->size(), 3u);
  EXPECT_EQ((*v4)[1], ep("2.2.2.2:65535"));
  EXPECT_EQ((*v4)[2].port, 0);
  EXPECT_TRUE(parse_compact_peers("", AddressFamily::v6)->empty());

  auto bad = parse_compact_peers(std::string(13, 'x'), AddressFamily::v4);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::invalid_value);
  EXPECT_EQ(bad.error().offset, 12u);
  EXPECT_FALSE(parse_compact_peers(std::string(12, 'x'), AddressFamily::v6));  // 12 % 18
  EXPECT_FALSE(parse_compact_peers(std::string(35, 'x'), AddressFamily::v6));
  EXPECT_EQ(parse_compact_peers(std::string(36, 'x'), AddressFamily::v6)->size(), 2u);

  std::vector<PeerEndpoint> kept{ep("9.9.9.9:9")};
  EXPECT_FALSE(parse_compact_peers(std::string(7, 'x'), AddressFamily::v4, kept));
  EXPECT_EQ(kept.size(), 1u);  // unchanged on error
}

// ======================================= announce query =========================================

