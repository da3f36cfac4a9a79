#pragma once
// SHA-1 and SHA-256 digests (OpenSSL EVP underneath) and the fixed-size Digest value type.
//
//   Sha1Digest d = sha1("abc");           // one shot
//   Sha256Hasher h; h.update(a); h.update(b); Sha256Digest e = h.finish();   // incremental
//   d.hex() == "a9993e364706816aba3e25717850c26c9cd0d89d"
//
// Hashers are cheap to create, movable, not copyable, and not thread-safe (one per thread).

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace shoal {

/// N raw bytes of a digest. Ordered and hashable so it can key maps.
template <std::size_t N>
struct Digest {
  static constexpr std::size_t size = N;
  std::array<std::uint8_t, N> bytes{};

  /// The raw bytes as a string_view (for wire encodings).
  std::string_view view() const noexcept {
    return {reinterpret_cast<const char*>(bytes.data()), N};
  }
  /// Lower-case hex, 2*N characters.
  std::string hex() const;
  /// nullopt unless `raw` is exactly N bytes.
  static std::optional<Digest> from_bytes(std::string_view raw);
  /// nullopt unless `text` is exactly 2*N hex characters (any case).
  static std::optional<Digest> from_hex(std::string_view text);
  bool is_zero() const noexcept;

  friend auto operator<=>(const Digest&, const Digest&) = default;
  friend bool operator==(const Digest&, const Digest&) = default;
};

using Sha1Digest = Digest<20>;
using Sha256Digest = Digest<32>;

Sha1Digest sha1(std::string_view data);
Sha256Digest sha256(std::string_view data);

namespace detail {
struct EvpContext;
struct EvpContextDeleter {
  void operator()(EvpContext* ctx) const noexcept;
};
}  // namespace detail

/// Incremental SHA-1.
class Sha1Hasher {
public:
  Sha1Hasher();
  void update(std::string_view data);
  /// Returns the digest and resets the hasher for reuse.
  Sha1Digest finish();

private:
  std::unique_ptr<detail::EvpContext, detail::EvpContextDeleter> m_ctx;
};

/// Incremental SHA-256.
class Sha256Hasher {
public:
  Sha256Hasher();
  void update(std::string_view data);
  /// Returns the digest and resets the hasher for reuse.
  Sha256Digest finish();

private:
  std::unique_ptr<detail::EvpContext, detail::EvpContextDeleter> m_ctx;
};

}  // namespace shoal

template <std::size_t N>
struct std::hash<shoal::Digest<N>> {
  std::size_t operator()(const shoal::Digest<N>& d) const noexcept {
    // Digests are uniformly distributed: the first 8 bytes are as good as any hash of them.
    std::size_t h = 0;
    for (std::size_t i = 0; i < sizeof(std::size_t) && i < N; ++i)
      h = (h << 8) | d.bytes[i];
    return h;
  }
};
