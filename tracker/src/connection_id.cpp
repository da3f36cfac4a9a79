#include "shoal/tracker/connection_id.hpp"

#include <openssl/rand.h>

#include <cstring>
#include <stdexcept>

namespace shoal::tracker {

namespace {

inline std::uint64_t rotl(std::uint64_t x, int b) noexcept { return (x << b) | (x >> (64 - b)); }

inline void sip_round(std::uint64_t& v0, std::uint64_t& v1, std::uint64_t& v2, std::uint64_t& v3) noexcept {
  v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
  v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
  v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
}

std::array<std::uint64_t, 2> random_key() {
  std::array<std::uint64_t, 2> key{};
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), sizeof key) != 1)
    throw std::runtime_error("cannot read random bytes for the connection-id key");
  return key;
}

}  // namespace

std::uint64_t siphash24(const std::array<std::uint64_t, 2>& key, const void* data,
                        std::size_t size) noexcept {
  const auto* in = static_cast<const unsigned char*>(data);
  std::uint64_t v0 = 0x736f6d6570736575ull ^ key[0];
  std::uint64_t v1 = 0x646f72616e646f6dull ^ key[1];
  std::uint64_t v2 = 0x6c7967656e657261ull ^ key[0];
  std::uint64_t v3 = 0x7465646279746573ull ^ key[1];
  const std::size_t full = size - size % 8;
  for (std::size_t i = 0; i < full; i += 8) {
    std::uint64_t m = 0;
    for (int b = 7; b >= 0; --b) m = (m << 8) | in[i + static_cast<std::size_t>(b)];  // little-endian
    v3 ^= m;
    sip_round(v0, v1, v2, v3);
    sip_round(v0, v1, v2, v3);
    v0 ^= m;
  }
  std::uint64_t last = static_cast<std::uint64_t>(size & 0xff) << 56;
  for (std::size_t i = full; i < size; ++i) last |= std::uint64_t{in[i]} << (8 * (i - full));
  v3 ^= last;
  sip_round(v0, v1, v2, v3);
  sip_round(v0, v1, v2, v3);
  v0 ^= last;
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) sip_round(v0, v1, v2, v3);
  return v0 ^ v1 ^ v2 ^ v3;
}

ConnectionIds::ConnectionIds(std::uint32_t lifetime_seconds, std::uint32_t grace_seconds)
    : ConnectionIds(lifetime_seconds, grace_seconds, random_key()) {}

ConnectionIds::ConnectionIds(std::uint32_t lifetime_seconds, std::uint32_t grace_seconds,
                             const std::array<std::uint64_t, 2>& key)
    : m_max_age(std::uint64_t{lifetime_seconds} + grace_seconds), m_key(key) {}

std::uint64_t ConnectionIds::mac(const PeerEndpoint& client, std::uint64_t bucket) const noexcept {
  // family(1) + address(16) + port(2) + bucket(8)
  unsigned char buf[27] = {};
  const auto addr = client.address.bytes();
  buf[0] = client.is_v6() ? 6 : 4;
  std::memcpy(buf + 1, addr.data(), addr.size());
  buf[17] = static_cast<unsigned char>(client.port >> 8);
  buf[18] = static_cast<unsigned char>(client.port);
  for (int i = 0; i < 8; ++i) buf[19 + i] = static_cast<unsigned char>(bucket >> (8 * i));
  return siphash24(m_key, buf, sizeof buf);
}

std::uint64_t ConnectionIds::make(const PeerEndpoint& client, std::uint64_t now) const noexcept {
  const std::uint64_t bucket = now / kBucketSeconds;
  return (mac(client, bucket) & ~std::uint64_t{0xff}) | (bucket & 0xff);
}

bool ConnectionIds::check(std::uint64_t id, const PeerEndpoint& client,
                          std::uint64_t now) const noexcept {
  const std::uint64_t current = now / kBucketSeconds;
  // The newest bucket <= current whose low 8 bits match the id's.
  const std::uint64_t back = (current - (id & 0xff)) & 0xff;
  if (back > current) return false;
  const std::uint64_t bucket = current - back;
  // The id was made at or after the bucket's start; reject once the start is too old.
  if (now - bucket * kBucketSeconds >= m_max_age + kBucketSeconds) return false;
  return ((mac(client, bucket) ^ id) & ~std::uint64_t{0xff}) == 0;
}

}  // namespace shoal::tracker
