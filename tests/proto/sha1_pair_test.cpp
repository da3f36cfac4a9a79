// sha1_pair against OpenSSL's one-stream SHA-1 (sha1()): every length around the block and
// padding boundaries, piece-sized messages, different contents in the two lanes, unaligned
// input, and known vectors. On a CPU with SHA extensions this checks the interleaved code; the
// fallback is checked by running the test binary with SHOAL_SHA1_PAIR=off (a second ctest entry).
#include "shoal/proto/sha1_pair.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <string_view>

using namespace shoal;

namespace {

std::string random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

}  // namespace

// The interleaved path is taken exactly when the kernel reports the SHA extensions (x86-64
// "sha_ni" in /proc/cpuinfo, an independent source from the CPUID check) and it is not switched
// off.
TEST(Sha1Pair, TakesTheAcceleratedPathExactlyWhenTheCpuHasIt) {
  const char* env = std::getenv("SHOAL_SHA1_PAIR");
  const bool off = env != nullptr && std::string_view(env) == "off";
  bool sha_ni = false;
#if defined(__x86_64__)
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.starts_with("flags")) {
      sha_ni = (line + " ").find(" sha_ni ") != std::string::npos;
      break;
    }
#endif
  EXPECT_EQ(sha1_pair_accelerated(), sha_ni && !off);
}

TEST(Sha1Pair, KnownVectors) {
  Sha1Digest a, b;
  sha1_pair("abc", "", a, b);  // different lengths: the fallback, still right
  EXPECT_EQ(a.hex(), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(b.hex(), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  sha1_pair("", "", a, b);
  EXPECT_EQ(a.hex(), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(b, a);
  sha1_pair("abc", "abd", a, b);
  EXPECT_EQ(a.hex(), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(b, sha1("abd"));
  const std::string million_a(1'000'000, 'a');  // FIPS 180 test vector
  sha1_pair(million_a, million_a, a, b);
  EXPECT_EQ(a.hex(), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  EXPECT_EQ(b, a);
}

TEST(Sha1Pair, EveryLengthAroundBlockAndPaddingBoundaries) {
  const std::string x = random_bytes(300, 1), y = random_bytes(300, 2);
  for (std::size_t n = 0; n <= 300; ++n) {
    Sha1Digest a, b;
    sha1_pair(std::string_view(x).substr(0, n), std::string_view(y).substr(0, n), a, b);
    ASSERT_EQ(a, sha1(std::string_view(x).substr(0, n))) << n;
    ASSERT_EQ(b, sha1(std::string_view(y).substr(0, n))) << n;
  }
}

TEST(Sha1Pair, PieceSizedAndUnalignedMessages) {
  const std::string data = random_bytes((1u << 20) * 2 + 3, 3);
  for (std::size_t piece : {16u * 1024u, 256u * 1024u, 1u << 20, 1000u * 1000u}) {
    for (std::size_t misalign : {0u, 1u, 3u}) {
      const std::string_view p0 = std::string_view(data).substr(misalign, piece);
      const std::string_view p1 = std::string_view(data).substr(misalign + piece, piece);
      Sha1Digest a, b;
      sha1_pair(p0, p1, a, b);
      EXPECT_EQ(a, sha1(p0)) << piece << " +" << misalign;
      EXPECT_EQ(b, sha1(p1)) << piece << " +" << misalign;
    }
  }
}
