#include "shoal/proto/sha1_pair.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SHOAL_SHA1_PAIR_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace shoal {

namespace {

#ifdef SHOAL_SHA1_PAIR_X86

#define SHOAL_SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

/// One SHA-1 state in the layout of the SHA instructions: A..D in one register (A in the high
/// lane), E in the high lane of another.
struct Lane {
  __m128i abcd;
  __m128i e;
};

SHOAL_SHA_TARGET Lane initial_lane() {
  return {_mm_set_epi32(0x67452301, static_cast<int>(0xEFCDAB89), static_cast<int>(0x98BADCFE), 0x10325476),
          _mm_set_epi32(static_cast<int>(0xC3D2E1F0), 0, 0, 0)};
}

/// 16 big-endian message bytes into a register, word 0 in the high lane.
SHOAL_SHA_TARGET inline __m128i load_words(const unsigned char* p) {
  const __m128i reverse = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
  return _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), reverse);
}

/// Rounds 4K..4K+3 of one block. `w` is a ring of the last four message-schedule vectors
/// (W[4K..4K+3] is computed here from the four before it), `prev` the state before the previous
/// group (its A, rotated, is this group's E), `e` the block's initial E (group 0 only).
template <int K>
SHOAL_SHA_TARGET inline void round_group(__m128i& abcd, __m128i& prev, __m128i (&w)[4], __m128i e) {
  __m128i e_plus_w;
  if constexpr (K == 0) {
    e_plus_w = _mm_add_epi32(e, w[0]);
  } else {
    if constexpr (K >= 4) {
      __m128i t = _mm_sha1msg1_epu32(w[(K - 4) % 4], w[(K - 3) % 4]);
      t = _mm_xor_si128(t, w[(K - 2) % 4]);
      w[K % 4] = _mm_sha1msg2_epu32(t, w[(K - 1) % 4]);
    }
    e_plus_w = _mm_sha1nexte_epu32(prev, w[K % 4]);
  }
  prev = abcd;
  abcd = _mm_sha1rnds4_epu32(abcd, e_plus_w, K / 5);  // f and K change every 20 rounds
}

/// One 64-byte block of each message. The states are locals of the caller (references to
/// them are not aliased, so they stay in registers).
template <int... K>
SHOAL_SHA_TARGET inline void both_blocks(__m128i& x_abcd, __m128i& x_e, const unsigned char* px, __m128i& y_abcd,
                                         __m128i& y_e, const unsigned char* py, std::integer_sequence<int, K...>) {
  const __m128i x0_abcd = x_abcd, x0_e = x_e, y0_abcd = y_abcd, y0_e = y_e;
  __m128i wx[4] = {load_words(px), load_words(px + 16), load_words(px + 32), load_words(px + 48)};
  __m128i wy[4] = {load_words(py), load_words(py + 16), load_words(py + 32), load_words(py + 48)};
  __m128i prev_x = x_abcd, prev_y = y_abcd;
  // The two streams' groups alternate: each one's round instruction runs while the other's
  // result is still in flight.
  ((round_group<K>(x_abcd, prev_x, wx, x0_e), round_group<K>(y_abcd, prev_y, wy, y0_e)), ...);
  x_e = _mm_sha1nexte_epu32(prev_x, x0_e);
  x_abcd = _mm_add_epi32(x_abcd, x0_abcd);
  y_e = _mm_sha1nexte_epu32(prev_y, y0_e);
  y_abcd = _mm_add_epi32(y_abcd, y0_abcd);
}

/// `blocks` 64-byte blocks of each message.
SHOAL_SHA_TARGET void compress_pair(Lane& x, const unsigned char* px, Lane& y, const unsigned char* py,
                                    std::size_t blocks) {
  __m128i x_abcd = x.abcd, x_e = x.e, y_abcd = y.abcd, y_e = y.e;
  for (; blocks > 0; --blocks, px += 64, py += 64)
    both_blocks(x_abcd, x_e, px, y_abcd, y_e, py, std::make_integer_sequence<int, 20>{});
  x = {x_abcd, x_e};
  y = {y_abcd, y_e};
}

SHOAL_SHA_TARGET Sha1Digest lane_digest(const Lane& s) {
  std::uint32_t abcd[4], e[4];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(abcd), s.abcd);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(e), s.e);
  const std::uint32_t h[5] = {abcd[3], abcd[2], abcd[1], abcd[0], e[3]};
  Sha1Digest d;
  for (std::size_t i = 0; i < 5; ++i)
    for (std::size_t j = 0; j < 4; ++j) d.bytes[4 * i + j] = static_cast<std::uint8_t>(h[i] >> (24 - 8 * j));
  return d;
}

/// The last partial block and the padding (0x80, zeros, the bit length) of a message of `total`
/// bytes whose whole blocks are done: one or two blocks into `out`; returns how many.
std::size_t final_blocks(std::string_view tail, std::uint64_t total, unsigned char (&out)[128]) {
  std::memset(out, 0, sizeof out);
  std::memcpy(out, tail.data(), tail.size());
  out[tail.size()] = 0x80;
  const std::size_t n = tail.size() + 1 + 8 <= 64 ? 64 : 128;
  const std::uint64_t bits = total * 8;
  for (std::size_t i = 0; i < 8; ++i) out[n - 1 - i] = static_cast<unsigned char>(bits >> (8 * i));
  return n / 64;
}

bool cpu_has_sha_extensions() noexcept {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  const bool ssse3 = (c & (1u << 9)) != 0, sse41 = (c & (1u << 19)) != 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const bool sha = (b & (1u << 29)) != 0;
  return ssse3 && sse41 && sha;
}

#endif  // SHOAL_SHA1_PAIR_X86

bool decide_accelerated() noexcept {
  const char* env = std::getenv("SHOAL_SHA1_PAIR");
  if (env != nullptr && std::string_view(env) == "off") return false;
#ifdef SHOAL_SHA1_PAIR_X86
  return cpu_has_sha_extensions();
#else
  return false;
#endif
}

}  // namespace

bool sha1_pair_accelerated() noexcept {
  static const bool accelerated = decide_accelerated();
  return accelerated;
}

void sha1_pair(std::string_view a, std::string_view b, Sha1Digest& out_a, Sha1Digest& out_b) {
#ifdef SHOAL_SHA1_PAIR_X86
  if (a.size() == b.size() && sha1_pair_accelerated()) {
    Lane x = initial_lane(), y = initial_lane();
    const std::size_t whole = a.size() / 64;
    compress_pair(x, reinterpret_cast<const unsigned char*>(a.data()), y,
                  reinterpret_cast<const unsigned char*>(b.data()), whole);
    unsigned char tail_a[128], tail_b[128];
    const std::size_t n = final_blocks(a.substr(whole * 64), a.size(), tail_a);
    (void)final_blocks(b.substr(whole * 64), b.size(), tail_b);  // same length: same count
    compress_pair(x, tail_a, y, tail_b, n);
    out_a = lane_digest(x);
    out_b = lane_digest(y);
    return;
  }
#endif
  out_a = sha1(a);
  out_b = sha1(b);
}

}  // namespace shoal
