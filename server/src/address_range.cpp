#include "shoal/server/address_range.hpp"

#include <array>
#include <cstddef>

namespace shoal::server {

namespace {

// The v4-mapped block ::ffff:0:0/96: its prefix length, and where the IPv4 bytes start.
constexpr std::uint8_t kV4MappedPrefixLength = 96;
constexpr std::size_t kV4MappedOffset = 12;
// "/128" needs three digits; more is never a valid prefix (and "/0032" is refused as noise).
constexpr std::size_t kMaxPrefixDigits = 3;

std::uint8_t max_prefix(const IpAddress& a) noexcept {
  return a.is_v4() ? kMaxPrefixLengthV4 : kMaxPrefixLengthV6;
}

// The mask of the bits of byte `index` that lie inside a prefix of `bits` bits.
std::uint8_t prefix_mask(std::size_t index, unsigned bits) noexcept {
  const std::size_t first_bit = index * 8;
  if (bits >= first_bit + 8) return 0xff;
  if (bits <= first_bit) return 0x00;
  return static_cast<std::uint8_t>(0xff << (8 - (bits - first_bit)));
}

bool same_prefix(std::string_view a, std::string_view b, unsigned bits) noexcept {
  for (std::size_t i = 0; i < a.size() && i * 8 < bits; ++i) {
    const auto mask = prefix_mask(i, bits);
    if ((static_cast<std::uint8_t>(a[i]) & mask) != (static_cast<std::uint8_t>(b[i]) & mask))
      return false;
  }
  return true;
}

bool host_bits_zero(std::string_view bytes, unsigned bits) noexcept {
  for (std::size_t i = 0; i < bytes.size(); ++i)
    if ((static_cast<std::uint8_t>(bytes[i]) & static_cast<std::uint8_t>(~prefix_mask(i, bits))) != 0)
      return false;
  return true;
}

IpAddress to_v4_mapped(const IpAddress& v4) noexcept {
  std::array<std::uint8_t, 16> b{};
  b[10] = 0xff;
  b[11] = 0xff;
  const auto raw = v4.bytes();
  for (std::size_t i = 0; i < raw.size(); ++i)
    b[kV4MappedOffset + i] = static_cast<std::uint8_t>(raw[i]);
  return IpAddress::v6(b);
}

}  // namespace

std::optional<AddressRange> AddressRange::parse(std::string_view text) {
  const auto slash = text.find('/');
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  if (slash == std::string_view::npos) return from_network(*address, max_prefix(*address));

  const auto digits = text.substr(slash + 1);
  if (digits.empty() || digits.size() > kMaxPrefixDigits) return std::nullopt;
  unsigned prefix = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    prefix = prefix * 10 + static_cast<unsigned>(c - '0');
  }
  if (prefix > max_prefix(*address)) return std::nullopt;
  return from_network(*address, static_cast<std::uint8_t>(prefix));
}

std::optional<AddressRange> AddressRange::from_network(const IpAddress& network,
                                                       std::uint8_t prefix_length) {
  if (prefix_length > max_prefix(network)) return std::nullopt;
  if (!host_bits_zero(network.bytes(), prefix_length)) return std::nullopt;
  // Normalised so that contains() needs only to unmap the client address, not the range too.
  if (network.is_v4_mapped() && prefix_length >= kV4MappedPrefixLength)
    return AddressRange(network.unmapped(),
                        static_cast<std::uint8_t>(prefix_length - kV4MappedPrefixLength));
  return AddressRange(network, prefix_length);
}

bool AddressRange::contains(const IpAddress& address) const noexcept {
  if (m_network.is_v4()) {
    const IpAddress plain = address.unmapped();
    return plain.is_v4() && same_prefix(plain.bytes(), m_network.bytes(), m_prefix_length);
  }
  // An IPv6 range is compared with the IPv6 form of the client, so "::/0" holds IPv4 clients too.
  const IpAddress wide = address.is_v4() ? to_v4_mapped(address) : address;
  return same_prefix(wide.bytes(), m_network.bytes(), m_prefix_length);
}

std::string AddressRange::to_string() const {
  return m_network.to_string() + "/" + std::to_string(m_prefix_length);
}

}  // namespace shoal::server
