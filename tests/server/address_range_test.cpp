#include "shoal/server/address_range.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>

using namespace shoal;
using namespace shoal::server;

namespace {

IpAddress ip(std::string_view text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress{});
}

AddressRange range(std::string_view text) {
  auto r = AddressRange::parse(text);
  EXPECT_TRUE(r.has_value()) << text;
  return r.value_or(AddressRange{});
}

TEST(AddressRange, Ipv4CidrBoundaries) {
  const auto lan = range("10.0.0.0/8");
  EXPECT_EQ(lan.family(), AddressFamily::v4);
  EXPECT_EQ(lan.prefix_length(), 8);
  EXPECT_EQ(lan.network(), ip("10.0.0.0"));
  EXPECT_TRUE(lan.contains(ip("10.0.0.0")));
  EXPECT_TRUE(lan.contains(ip("10.1.2.3")));
  EXPECT_TRUE(lan.contains(ip("10.255.255.255")));
  EXPECT_FALSE(lan.contains(ip("9.255.255.255")));
  EXPECT_FALSE(lan.contains(ip("11.0.0.0")));
}

TEST(AddressRange, PrefixNotOnAByteBoundary) {
  const auto r = range("192.168.0.0/23");
  EXPECT_TRUE(r.contains(ip("192.168.0.1")));
  EXPECT_TRUE(r.contains(ip("192.168.1.200")));
  EXPECT_FALSE(r.contains(ip("192.168.2.0")));
  EXPECT_FALSE(r.contains(ip("192.169.0.1")));

  const auto r6 = range("2001:db8:8000::/33");
  EXPECT_TRUE(r6.contains(ip("2001:db8:ffff::1")));
  EXPECT_FALSE(r6.contains(ip("2001:db8:7fff::1")));
}

// For every prefix length: the network is inside, a flipped host bit stays inside, a flipped
// network bit falls outside.
TEST(AddressRange, EveryIpv4PrefixLength) {
  for (unsigned prefix = 0; prefix <= 32; ++prefix) {
    const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
    const std::uint32_t network = 0xC0A8'5A7Fu & mask;
    const auto r = AddressRange::from_network(IpAddress::v4(network),
                                              static_cast<std::uint8_t>(prefix));
    ASSERT_TRUE(r.has_value()) << prefix;
    EXPECT_EQ(AddressRange::parse(r->to_string()), r) << r->to_string();
    EXPECT_TRUE(r->contains(IpAddress::v4(network))) << prefix;
    if (prefix < 32) {
      EXPECT_TRUE(r->contains(IpAddress::v4(network | (1u << (31 - prefix))))) << prefix;
      EXPECT_FALSE(AddressRange::from_network(IpAddress::v4(network | 1u),
                                              static_cast<std::uint8_t>(prefix)))
          << "host bit set, prefix " << prefix;
    }
    if (prefix > 0) {
      EXPECT_FALSE(r->contains(IpAddress::v4(network ^ (1u << (32 - prefix))))) << prefix;
    }
  }
}

TEST(AddressRange, SingleAddresses) {
  const auto one = range("127.0.0.1");
  EXPECT_EQ(one.prefix_length(), 32);
  EXPECT_EQ(one.to_string(), "127.0.0.1/32");
  EXPECT_TRUE(one.contains(ip("127.0.0.1")));
  EXPECT_FALSE(one.contains(ip("127.0.0.2")));

  const auto loop6 = range("::1");
  EXPECT_EQ(loop6.prefix_length(), 128);
  EXPECT_EQ(loop6.to_string(), "::1/128");
  EXPECT_TRUE(loop6.contains(ip("::1")));
  EXPECT_FALSE(loop6.contains(ip("::2")));
  EXPECT_FALSE(loop6.contains(ip("127.0.0.1")));
  EXPECT_EQ(range("[::1]"), loop6);
}

TEST(AddressRange, Ipv6Cidr) {
  const auto doc = range("2001:db8::/32");
  EXPECT_EQ(doc.family(), AddressFamily::v6);
  EXPECT_TRUE(doc.contains(ip("2001:db8::1")));
  EXPECT_TRUE(doc.contains(ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(doc.contains(ip("2001:db9::")));
  EXPECT_FALSE(doc.contains(ip("10.0.0.1")));
  EXPECT_EQ(range("[2001:db8::]/32"), doc);
  EXPECT_EQ(doc.to_string(), "2001:db8::/32");

  const auto pair = range("fe80::/127");
  EXPECT_TRUE(pair.contains(ip("fe80::1")));
  EXPECT_FALSE(pair.contains(ip("fe80::2")));
}

TEST(AddressRange, V4MappedAddressesMatchIpv4Ranges) {
  const auto lan = range("10.0.0.0/8");
  EXPECT_TRUE(lan.contains(ip("::ffff:10.1.2.3")));
  EXPECT_FALSE(lan.contains(ip("::ffff:11.1.2.3")));
  // Other IPv6 forms that embed IPv4 bytes are not the same host.
  EXPECT_FALSE(lan.contains(ip("::10.1.2.3")));
  EXPECT_FALSE(lan.contains(ip("64:ff9b::10.1.2.3")));

  const auto one = range("127.0.0.1");
  EXPECT_TRUE(one.contains(ip("::ffff:127.0.0.1")));
}

TEST(AddressRange, V4MappedRangesBecomeIpv4Ranges) {
  const auto mapped = range("::ffff:10.0.0.0/104");
  EXPECT_EQ(mapped, range("10.0.0.0/8"));
  EXPECT_EQ(mapped.family(), AddressFamily::v4);
  EXPECT_TRUE(mapped.contains(ip("10.9.9.9")));
  EXPECT_TRUE(mapped.contains(ip("::ffff:10.9.9.9")));
  EXPECT_EQ(range("::ffff:1.2.3.4"), range("1.2.3.4"));
}

TEST(AddressRange, WideIpv6RangesCoverIpv4Clients) {
  const auto everything6 = range("::/0");
  EXPECT_TRUE(everything6.contains(ip("2001:db8::1")));
  EXPECT_TRUE(everything6.contains(ip("1.2.3.4")));
  EXPECT_TRUE(everything6.contains(ip("::ffff:1.2.3.4")));

  const auto everything4 = range("0.0.0.0/0");
  EXPECT_TRUE(everything4.contains(ip("1.2.3.4")));
  EXPECT_TRUE(everything4.contains(ip("::ffff:1.2.3.4")));
  EXPECT_FALSE(everything4.contains(ip("2001:db8::1")));

  const auto not_mapped = range("2000::/3");
  EXPECT_FALSE(not_mapped.contains(ip("1.2.3.4")));
}

TEST(AddressRange, RejectsMalformedText) {
  for (std::string_view bad :
       {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.1/8", "2001:db8::1/32",
        "10.0.0.0/+8", "10.0.0.0/-1", "10.0.0.0/0008", "10.0.0.0/8/8", "10.0.0.0 /8",
        "10.0.0.0/8 ", " 10.0.0.0/8", "10.0.0.0/8a", "10.0.0/8", "010.0.0.0/8", "example.com",
        "fe80::1%eth0", "1.2.3.4:80", "[1.2.3.4]", "[::1/128]"}) {
    EXPECT_FALSE(AddressRange::parse(bad).has_value()) << "accepted: " << bad;
  }
  EXPECT_FALSE(AddressRange::parse(std::string_view("10.0.0.0/8\0", 11)).has_value());
}

TEST(AddressRange, FromNetworkChecksPrefixAndHostBits) {
  EXPECT_FALSE(AddressRange::from_network(ip("10.0.0.0"), 33));
  EXPECT_FALSE(AddressRange::from_network(ip("::"), 129));
  EXPECT_FALSE(AddressRange::from_network(ip("10.0.0.0"), 6));  // 00001010: bit 7 is a host bit
  const auto eight = AddressRange::from_network(ip("8.0.0.0"), 6);
  ASSERT_TRUE(eight);
  EXPECT_TRUE(eight->contains(ip("11.255.255.255")));
  EXPECT_FALSE(eight->contains(ip("12.0.0.0")));
  EXPECT_FALSE(AddressRange::from_network(ip("10.128.0.0"), 8));
  EXPECT_TRUE(AddressRange::from_network(ip("10.128.0.0"), 9));
}

TEST(AddressRange, ToStringRoundTrips) {
  for (std::string_view text : {"10.0.0.0/8", "0.0.0.0/0", "1.2.3.4/32", "2001:db8::/32", "::/0",
                                "::1/128", "fe80::/10"}) {
    const auto r = range(text);
    EXPECT_EQ(r.to_string(), text);
    EXPECT_EQ(AddressRange::parse(r.to_string()), r);
  }
}

}  // namespace
