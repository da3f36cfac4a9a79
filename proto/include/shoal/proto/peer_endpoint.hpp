#pragma once
// IpAddress, PeerEndpoint, AddressWithPort and PeerId: the peer address types shared by the HTTP
// (BEP 3/7/23) and UDP (BEP 15) tracker codecs and the tracker's swarm store.
//
// An IpAddress is an IPv4 or an IPv6 address held in 17 bytes (a family flag plus 16 address
// bytes in network order; an IPv4 address uses the first 4 and keeps the rest zero, so the default
// comparisons are exact). A PeerEndpoint adds a port (20 bytes in all). Both are regular values:
// copyable, ==, <=> (every IPv4 address sorts before every IPv6 one, then by bytes, then by port),
// and hashable with std::hash.
//
//   auto a = IpAddress::parse("2001:db8::1");             // also "1.2.3.4" and "[2001:db8::1]"
//   auto e = PeerEndpoint::parse("[2001:db8::1]:6881");   // or "1.2.3.4:6881"
//   e->to_string() == "[2001:db8::1]:6881";
//
//   std::string compact;                                  // tracker responses, BEP 23 / BEP 7
//   append_compact(compact, *e);                          // 18 bytes (6 for IPv4)
//   auto peers = parse_compact_peers(compact, AddressFamily::v6);   // expected<vector, Error>
//
//   auto ap = AddressWithPort::parse("1.2.3.4");          // BEP 7 `ipv4=`: port optional
//
// Text parsing uses inet_pton, so it accepts exactly the forms that function does: dotted-decimal
// IPv4 with four parts and no leading zeros, and RFC 4291 IPv6 text including "::" and an embedded
// IPv4 tail ("::ffff:1.2.3.4"). Zone ids ("fe80::1%eth0"), hostnames, octal/hex IPv4 forms and
// anything with an embedded NUL byte are rejected. Text parsers return std::nullopt on bad input;
// they never throw.
//
// Header-only (small, and so the build needs no new source file).

#include <arpa/inet.h>

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/proto/error.hpp"
#include "shoal/proto/hash.hpp"

namespace shoal {

/// A peer id (BEP 3, BEP 20): 20 raw bytes a client picks ("-LT2080-" + random bytes). Not a
/// hash, but Digest<20> gives it hex(), from_bytes(), ordering and std::hash.
using PeerId = Digest<20>;

enum class AddressFamily : std::uint8_t { v4, v6 };

/// Bytes of one compact peer entry: address plus 2-byte big-endian port.
inline constexpr std::size_t kCompactPeerSizeV4 = 6;
inline constexpr std::size_t kCompactPeerSizeV6 = 18;

/// Longest text accepted by IpAddress::parse / PeerEndpoint::parse: "[" + the longest IPv6 text
/// (45 chars, INET6_ADDRSTRLEN - 1) + "]:65535".
inline constexpr std::size_t kMaxEndpointTextLength = 1 + 45 + 1 + 6;

/// An IPv4 or IPv6 address. Default-constructed: 0.0.0.0.
class IpAddress {
public:
  IpAddress() = default;

  /// From 4 raw bytes in network order.
  static IpAddress v4(const std::array<std::uint8_t, 4>& bytes) noexcept {
    IpAddress a;
    std::memcpy(a.m_bytes.data(), bytes.data(), 4);
    return a;
  }
  /// From a host-order 32-bit value, e.g. v4(0x7f000001) is 127.0.0.1 (the UDP tracker form).
  static IpAddress v4(std::uint32_t host_order) noexcept {
    return v4(std::array<std::uint8_t, 4>{static_cast<std::uint8_t>(host_order >> 24),
                                          static_cast<std::uint8_t>(host_order >> 16),
                                          static_cast<std::uint8_t>(host_order >> 8),
                                          static_cast<std::uint8_t>(host_order)});
  }
  /// From 16 raw bytes in network order.
  static IpAddress v6(const std::array<std::uint8_t, 16>& bytes) noexcept {
    IpAddress a;
    a.m_v6 = true;
    a.m_bytes = bytes;
    return a;
  }
  /// From exactly 4 (IPv4) or 16 (IPv6) raw bytes; nullopt for any other length.
  static std::optional<IpAddress> from_bytes(std::string_view raw) noexcept {
    if (raw.size() != 4 && raw.size() != 16) return std::nullopt;
    IpAddress a;
    a.m_v6 = raw.size() == 16;
    std::memcpy(a.m_bytes.data(), raw.data(), raw.size());
    return a;
  }
  /// "1.2.3.4", "2001:db8::1" or a bracketed "[2001:db8::1]". nullopt on anything else.
  static std::optional<IpAddress> parse(std::string_view text) {
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
      text = text.substr(1, text.size() - 2);
      if (text.find(':') == std::string_view::npos) return std::nullopt;  // "[1.2.3.4]"
    }
    // inet_pton needs a NUL-terminated string; 45 is the longest valid IPv6 text.
    if (text.empty() || text.size() > 45 || text.find('\0') != std::string_view::npos)
      return std::nullopt;
    char buf[46];
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    IpAddress a;
    if (text.find(':') != std::string_view::npos) {
      if (::inet_pton(AF_INET6, buf, a.m_bytes.data()) != 1) return std::nullopt;
      a.m_v6 = true;
    } else if (::inet_pton(AF_INET, buf, a.m_bytes.data()) != 1) {
      return std::nullopt;
    }
    return a;
  }

  AddressFamily family() const noexcept { return m_v6 ? AddressFamily::v6 : AddressFamily::v4; }
  bool is_v4() const noexcept { return !m_v6; }
  bool is_v6() const noexcept { return m_v6; }
  /// The raw address bytes in network order: 4 for IPv4, 16 for IPv6.
  std::string_view bytes() const noexcept {
    return {reinterpret_cast<const char*>(m_bytes.data()), m_v6 ? std::size_t{16} : 4};
  }
  /// Host-order value of an IPv4 address. Precondition: is_v4().
  std::uint32_t v4_value() const noexcept {
    return (std::uint32_t{m_bytes[0]} << 24) | (std::uint32_t{m_bytes[1]} << 16) |
           (std::uint32_t{m_bytes[2]} << 8) | std::uint32_t{m_bytes[3]};
  }
  /// 0.0.0.0 or ::.
  bool is_unspecified() const noexcept {
    for (auto b : m_bytes)
      if (b != 0) return false;
    return true;
  }
  /// 127.0.0.0/8 or ::1.
  bool is_loopback() const noexcept {
    if (!m_v6) return m_bytes[0] == 127;
    for (std::size_t i = 0; i < 15; ++i)
      if (m_bytes[i] != 0) return false;
    return m_bytes[15] == 1;
  }
  /// ::ffff:a.b.c.d — what a dual-stack socket reports for an IPv4 client.
  bool is_v4_mapped() const noexcept {
    if (!m_v6) return false;
    for (std::size_t i = 0; i < 10; ++i)
      if (m_bytes[i] != 0) return false;
    return m_bytes[10] == 0xff && m_bytes[11] == 0xff;
  }
  /// The IPv4 address inside a v4-mapped IPv6 address; any other address unchanged.
  IpAddress unmapped() const noexcept {
    if (!is_v4_mapped()) return *this;
    return v4(std::array<std::uint8_t, 4>{m_bytes[12], m_bytes[13], m_bytes[14], m_bytes[15]});
  }
  /// "1.2.3.4" or RFC 5952 IPv6 text "2001:db8::1" (no brackets).
  std::string to_string() const {
    char buf[64];
    if (::inet_ntop(m_v6 ? AF_INET6 : AF_INET, m_bytes.data(), buf, sizeof buf) == nullptr)
      return {};  // unreachable: the buffer is large enough and the family valid
    return buf;
  }

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;

private:
  bool m_v6 = false;                       // declared first: IPv4 sorts before IPv6
  std::array<std::uint8_t, 16> m_bytes{};  // IPv4 uses [0, 4); the rest stays zero
};

/// An address and a port. Port 0 is representable (it appears in real compact peer lists); the
/// codecs that require a usable port check it themselves.
struct PeerEndpoint {
  IpAddress address;
  std::uint16_t port = 0;

  /// From raw address bytes (4 or 16) and a port; nullopt for another byte count.
  static std::optional<PeerEndpoint> from_bytes(std::string_view raw_address,
                                                std::uint16_t port) noexcept {
    auto a = IpAddress::from_bytes(raw_address);
    if (!a) return std::nullopt;
    return PeerEndpoint{*a, port};
  }

  /// "1.2.3.4:6881" or "[2001:db8::1]:6881": the port is required, decimal, 0-65535, at most 5
  /// digits. An IPv6 address must be bracketed. nullopt on anything else.
  static std::optional<PeerEndpoint> parse(std::string_view text) {
    if (text.size() > kMaxEndpointTextLength) return std::nullopt;
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view host = text.substr(0, colon);
    const std::string_view port_text = text.substr(colon + 1);
    if (port_text.empty() || port_text.size() > 5) return std::nullopt;
    std::uint32_t port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9') return std::nullopt;
      port = port * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (port > 65535) return std::nullopt;
    const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    if (!bracketed && host.find(':') != std::string_view::npos) return std::nullopt;
    auto a = IpAddress::parse(host);
    if (!a || a->is_v6() != bracketed) return std::nullopt;  // "[1.2.3.4]:1" is not accepted
    return PeerEndpoint{*a, static_cast<std::uint16_t>(port)};
  }

  bool is_v4() const noexcept { return address.is_v4(); }
  bool is_v6() const noexcept { return address.is_v6(); }

  /// "1.2.3.4:6881" or "[2001:db8::1]:6881"; parse(to_string()) == *this.
  std::string to_string() const {
    std::string out;
    if (address.is_v6()) out += '[';
    out += address.to_string();
    if (address.is_v6()) out += ']';
    out += ':';
    out += std::to_string(port);
    return out;
  }

  friend bool operator==(const PeerEndpoint&, const PeerEndpoint&) = default;
  friend auto operator<=>(const PeerEndpoint&, const PeerEndpoint&) = default;
};

/// An address with an optional port: what BEP 7's `ip`, `ipv4` and `ipv6` announce parameters
/// carry ("1.2.3.4", "2001:db8::1", "[2001:db8::1]", "1.2.3.4:6881", "[2001:db8::1]:6881").
struct AddressWithPort {
  IpAddress address;
  std::optional<std::uint16_t> port;

  /// Any of the forms above; nullopt otherwise. An unbracketed text with colons is always read as
  /// a bare IPv6 address ("::1:6881" is the address ::1:6881, not ::1 port 6881).
  static std::optional<AddressWithPort> parse(std::string_view text) {
    if (auto a = IpAddress::parse(text)) return AddressWithPort{*a, std::nullopt};
    if (auto e = PeerEndpoint::parse(text)) return AddressWithPort{e->address, e->port};
    return std::nullopt;
  }
  /// The bare address when there is no port, else PeerEndpoint's form; parse(to_string()) is
  /// the same value.
  std::string to_string() const {
    if (!port) return address.to_string();
    return PeerEndpoint{address, *port}.to_string();
  }

  friend bool operator==(const AddressWithPort&, const AddressWithPort&) = default;
};

/// Appends the compact form: the raw address then the port big-endian — 6 bytes for IPv4
/// (BEP 23 `peers`), 18 for IPv6 (BEP 7 `peers6`).
inline void append_compact(std::string& out, const PeerEndpoint& peer) {
  out += peer.address.bytes();
  out.push_back(static_cast<char>(peer.port >> 8));
  out.push_back(static_cast<char>(peer.port & 0xff));
}

/// One compact entry of exactly 6 (IPv4) or 18 (IPv6) bytes; nullopt for any other size.
inline std::optional<PeerEndpoint> parse_compact_peer(std::string_view raw) noexcept {
  if (raw.size() != kCompactPeerSizeV4 && raw.size() != kCompactPeerSizeV6) return std::nullopt;
  const std::size_t n = raw.size() - 2;
  const auto hi = static_cast<std::uint8_t>(raw[n]);
  const auto lo = static_cast<std::uint8_t>(raw[n + 1]);
  return PeerEndpoint::from_bytes(raw.substr(0, n), static_cast<std::uint16_t>((hi << 8) | lo));
}

/// Splits a compact peer string of `family` into endpoints (appended to `out`, in order). Fails
/// with Errc::invalid_value (context "compact peers", offset = start of the incomplete trailing
/// entry) when the length is not a multiple of 6 (IPv4) or 18 (IPv6); `out` is then unchanged.
inline expected<void, Error> parse_compact_peers(std::string_view raw, AddressFamily family,
                                                 std::vector<PeerEndpoint>& out) {
  const std::size_t step =
      family == AddressFamily::v4 ? kCompactPeerSizeV4 : kCompactPeerSizeV6;
  if (raw.size() % step != 0)
    return fail(Errc::invalid_value, "compact peers",
                "length " + std::to_string(raw.size()) + " is not a multiple of " +
                    std::to_string(step),
                raw.size() - raw.size() % step);
  out.reserve(out.size() + raw.size() / step);
  for (std::size_t pos = 0; pos < raw.size(); pos += step)
    out.push_back(*parse_compact_peer(raw.substr(pos, step)));
  return {};
}

/// As above, returning a new vector.
inline expected<std::vector<PeerEndpoint>, Error> parse_compact_peers(std::string_view raw,
                                                                      AddressFamily family) {
  std::vector<PeerEndpoint> out;
  auto r = parse_compact_peers(raw, family, out);
  if (!r) return unexpected<Error>(r.error());
  return out;
}

}  // namespace shoal

template <>
struct std::hash<shoal::IpAddress> {
  std::size_t operator()(const shoal::IpAddress& a) const noexcept {
    // FNV-1a over the address bytes and the family: cheap, and addresses are not random enough
    // to take a prefix as the hash.
    std::uint64_t h = 1469598103934665603ull;
    for (char c : a.bytes()) h = (h ^ static_cast<std::uint8_t>(c)) * 1099511628211ull;
    h = (h ^ (a.is_v6() ? 1u : 0u)) * 1099511628211ull;
    return static_cast<std::size_t>(h);
  }
};

template <>
struct std::hash<shoal::PeerEndpoint> {
  std::size_t operator()(const shoal::PeerEndpoint& e) const noexcept {
    const std::uint64_t h = std::hash<shoal::IpAddress>{}(e.address);
    return static_cast<std::size_t>((h ^ e.port) * 1099511628211ull);
  }
};
