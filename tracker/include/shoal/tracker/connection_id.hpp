#pragma once
// Stateless BEP 15 connection IDs.
//
// A UDP tracker hands out a connection ID on `connect` and must check it on every announce and
// scrape, to stop spoofed source addresses from using the tracker as an amplifier. Instead of
// remembering IDs, we compute them: the low 8 bits are the time bucket (a bucket is
// kBucketSeconds long) and the high 56 bits are SipHash-2-4 (keyed with a random secret made at
// start) over the client's address, port and bucket number. Checking recomputes one MAC.
//
// An ID is accepted while its bucket started less than lifetime + grace seconds ago: BEP 15 asks
// for two minutes; the grace accepts clients (and NATs) that reuse an ID a little longer. A restart
// makes a new secret, so clients reconnect — which BEP 15 clients do on an error.
//
//   ConnectionIds ids(120, 60);
//   std::uint64_t id = ids.make(client, now);
//   bool ok = ids.check(id, client, now);   // true for ~3 minutes, only for this address:port
//
// Thread-safe after construction (const members only).

#include <array>
#include <cstdint>

#include "shoal/proto/peer_endpoint.hpp"

namespace shoal::tracker {

class ConnectionIds {
public:
  static constexpr std::uint32_t kBucketSeconds = 30;

  /// A random key from the OS.
  ConnectionIds(std::uint32_t lifetime_seconds, std::uint32_t grace_seconds);
  /// A fixed key (tests).
  ConnectionIds(std::uint32_t lifetime_seconds, std::uint32_t grace_seconds,
                const std::array<std::uint64_t, 2>& key);

  std::uint64_t make(const PeerEndpoint& client, std::uint64_t now_seconds) const noexcept;
  bool check(std::uint64_t id, const PeerEndpoint& client, std::uint64_t now_seconds) const noexcept;

private:
  std::uint64_t mac(const PeerEndpoint& client, std::uint64_t bucket) const noexcept;

  std::uint64_t m_max_age;
  std::array<std::uint64_t, 2> m_key;
};

/// SipHash-2-4 of `data` with a 128-bit key (Aumasson & Bernstein). Exposed for tests.
std::uint64_t siphash24(const std::array<std::uint64_t, 2>& key, const void* data,
                        std::size_t size) noexcept;

}  // namespace shoal::tracker
