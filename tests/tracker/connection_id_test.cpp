#include "shoal/tracker/connection_id.hpp"

#include <gtest/gtest.h>

using namespace shoal;
using namespace shoal::tracker;

namespace {
const std::array<std::uint64_t, 2> kKey{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
PeerEndpoint ep(const char* text) { return *PeerEndpoint::parse(text); }
}  // namespace

TEST(SipHash, ReferenceVectors) {
  // From the SipHash paper's reference implementation (key 00..0f, message 00..len-1).
  unsigned char msg[64];
  for (int i = 0; i < 64; ++i) msg[i] = static_cast<unsigned char>(i);
  EXPECT_EQ(siphash24(kKey, msg, 0), 0x726fdb47dd0e0e31ull);
  EXPECT_EQ(siphash24(kKey, msg, 1), 0x74f839c593dc67fdull);
  EXPECT_EQ(siphash24(kKey, msg, 8), 0x93f5f5799a932462ull);
  EXPECT_EQ(siphash24(kKey, msg, 15), 0xa129ca6149be45e5ull);
}

TEST(ConnectionIds, ValidForLifetimePlusGraceOnlyForSameClient) {
  ConnectionIds ids(120, 60, kKey);
  const auto client = ep("192.0.2.1:6881");
  const std::uint64_t t0 = 1'700'000'000;
  const auto id = ids.make(client, t0);
  EXPECT_TRUE(ids.check(id, client, t0));
  EXPECT_TRUE(ids.check(id, client, t0 + 120));
  EXPECT_TRUE(ids.check(id, client, t0 + 179));
  EXPECT_FALSE(ids.check(id, client, t0 + 60 * 60));
  EXPECT_FALSE(ids.check(id, client, t0 + 256 * ConnectionIds::kBucketSeconds));  // bucket wrap
  EXPECT_FALSE(ids.check(id, ep("192.0.2.1:6882"), t0));
  EXPECT_FALSE(ids.check(id, ep("192.0.2.2:6881"), t0));
  EXPECT_FALSE(ids.check(id, ep("[2001:db8::1]:6881"), t0));
  EXPECT_FALSE(ids.check(id ^ 0x100, client, t0));
  EXPECT_FALSE(ids.check(0, client, t0));
  // Not yet valid ids (from the future) are refused too: the newest matching bucket is in the past.
  EXPECT_FALSE(ids.check(ids.make(client, t0 + 600), client, t0));
}

TEST(ConnectionIds, ExpiryBoundIsWithinOneBucket) {
  ConnectionIds ids(120, 60, kKey);
  const auto client = ep("[2001:db8::5]:51413");
  for (std::uint64_t t0 = 1'000'000; t0 < 1'000'000 + 2 * ConnectionIds::kBucketSeconds; t0 += 7) {
    const auto id = ids.make(client, t0);
    EXPECT_TRUE(ids.check(id, client, t0 + 180 - 1 - (t0 % ConnectionIds::kBucketSeconds)));
    EXPECT_FALSE(ids.check(id, client, t0 + 180 + ConnectionIds::kBucketSeconds));
  }
}

TEST(ConnectionIds, DifferentKeysDifferentIds) {
  ConnectionIds a(120, 60), b(120, 60);
  const auto client = ep("10.0.0.1:1");
  EXPECT_NE(a.make(client, 5000), b.make(client, 5000));
  EXPECT_FALSE(b.check(a.make(client, 5000), client, 5000));
}
