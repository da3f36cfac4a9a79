#include "shoal/bench/latency_histogram.hpp"

#include <gtest/gtest.h>

using shoal::bench::LatencyHistogram;

TEST(LatencyHistogram, EmptyReportsZeros) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(LatencyHistogram, BucketsAreExactBelow64AndWithinOneThirtySecondAbove) {
  for (std::uint64_t v = 0; v < 64; ++v) EXPECT_EQ(LatencyHistogram::bucket_upper(LatencyHistogram::bucket_of(v)), v);
  for (std::uint64_t v : {64ull, 65ull, 100ull, 1000ull, 123456ull, 999999999ull, 1ull << 40, ~0ull}) {
    const auto b = LatencyHistogram::bucket_of(v);
    ASSERT_LT(b, LatencyHistogram::kBuckets) << v;
    const auto upper = LatencyHistogram::bucket_upper(b);
    EXPECT_GE(upper, v);
    EXPECT_LE(static_cast<double>(upper - v), static_cast<double>(v) / 32.0) << v;
    if (b > 0) {
      EXPECT_LT(LatencyHistogram::bucket_upper(b - 1), v) << v;  // buckets do not overlap
    }
  }
}

TEST(LatencyHistogram, PercentilesOfAUniformSpread) {
  LatencyHistogram h;
  for (std::uint64_t v = 1; v <= 100000; ++v) h.record(v * 10);  // 10 ns .. 1 ms
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_EQ(h.min(), 10u);
  EXPECT_EQ(h.max(), 1000000u);
  EXPECT_NEAR(h.mean(), 500005.0, 1.0);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.5)), 500000.0, 500000.0 / 32);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.99)), 990000.0, 990000.0 / 32);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.999)), 999000.0, 999000.0 / 32);
  EXPECT_EQ(h.percentile(1.0), 1000000u);  // clamped to the maximum
}

TEST(LatencyHistogram, OutlierOnlyMovesTheTail) {
  LatencyHistogram h;
  for (int i = 0; i < 999; ++i) h.record(1000);
  h.record(50'000'000);
  EXPECT_LE(h.percentile(0.99), 1031u);
  EXPECT_EQ(h.percentile(0.9999), 50'000'000u);
}

TEST(LatencyHistogram, MergeEqualsRecordingEverything) {
  LatencyHistogram a, b, all;
  for (std::uint64_t v = 0; v < 5000; ++v) {
    (v % 3 ? a : b).record(v * 7);
    all.record(v * 7);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  for (double q : {0.1, 0.5, 0.9, 0.99}) EXPECT_EQ(a.percentile(q), all.percentile(q));
}
