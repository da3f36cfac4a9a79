#pragma once
// AddressRange: an IPv4 or IPv6 CIDR range ("10.0.0.0/8", "2001:db8::/32") or a single address
// ("127.0.0.1", "::1"), and the test "is this client address inside it". The HTTP front uses it to
// decide whether a connection comes from a trusted reverse proxy, whose X-Forwarded-For /
// X-Real-IP headers are then believed (config key http.trusted_proxies).
//
//   auto lan = AddressRange::parse("10.0.0.0/8");          // std::optional<AddressRange>
//   lan->contains(*IpAddress::parse("10.1.2.3"));           // true
//   lan->contains(*IpAddress::parse("::ffff:10.1.2.3"));    // true: v4-mapped matches v4 ranges
//   AddressRange::parse("::1")->to_string() == "::1/128";
//
// Accepted text: an address as IpAddress::parse takes it ("1.2.3.4", "2001:db8::1",
// "[2001:db8::1]"), optionally followed by "/" and a decimal prefix length (0-32 for IPv4, 0-128
// for IPv6, at most 3 digits, no sign). Without a prefix the range is that one address. Rejected
// (nullopt): anything else, and a range whose address has bits set beyond the prefix
// ("10.0.0.1/8") — in a list of trusted proxies such a typo is more likely a mistake than a
// shorthand, so it is refused rather than silently widened or narrowed.
//
// IPv4 and IPv6 on one socket: a dual-stack listener reports an IPv4 client as ::ffff:a.b.c.d.
// contains() therefore treats a v4-mapped address as the IPv4 address it carries, and parse()
// stores a v4-mapped range ("::ffff:10.0.0.0/104") as the IPv4 range it denotes ("10.0.0.0/8").
// An IPv6 range that covers the v4-mapped block (e.g. "::/0" or "::ffff:0:0/96") contains IPv4
// addresses as well, as the address arithmetic says.
//
// A regular value: copyable, ==. Never throws.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shoal/proto/peer_endpoint.hpp"

namespace shoal::server {

/// Longest prefix length of each family.
inline constexpr std::uint8_t kMaxPrefixLengthV4 = 32;
inline constexpr std::uint8_t kMaxPrefixLengthV6 = 128;

class AddressRange {
public:
  /// 0.0.0.0/32 (the single address 0.0.0.0).
  AddressRange() = default;

  /// See the file comment for the accepted forms; nullopt on anything else.
  static std::optional<AddressRange> parse(std::string_view text);
  /// From a network address and a prefix length; nullopt when the prefix is too long for the
  /// family or the address has bits set beyond the prefix. A v4-mapped network with a prefix of
  /// at least 96 becomes the IPv4 range it denotes.
  static std::optional<AddressRange> from_network(const IpAddress& network,
                                                  std::uint8_t prefix_length);

  /// True when `address` lies in the range (v4-mapped addresses are matched as IPv4).
  bool contains(const IpAddress& address) const noexcept;

  /// The first address of the range (host bits zero).
  const IpAddress& network() const noexcept { return m_network; }
  std::uint8_t prefix_length() const noexcept { return m_prefix_length; }
  AddressFamily family() const noexcept { return m_network.family(); }

  /// "10.0.0.0/8", "2001:db8::/32" — always with the prefix; parse(to_string()) == *this.
  std::string to_string() const;

  friend bool operator==(const AddressRange&, const AddressRange&) = default;

private:
  AddressRange(const IpAddress& network, std::uint8_t prefix_length)
      : m_network(network), m_prefix_length(prefix_length) {}

  IpAddress m_network;
  std::uint8_t m_prefix_length = kMaxPrefixLengthV4;
};

}  // namespace shoal::server
