#include "shoal/tracker/swarm_history.hpp"

#include <gtest/gtest.h>

namespace shoal::tracker {
namespace {

Sha1Digest hash_of(char c) {
  Sha1Digest d;
  d.bytes.fill(static_cast<std::uint8_t>(c));
  return d;
}

TotalsPoint totals(std::uint64_t peers, std::uint64_t announces = 0) {
  TotalsPoint t;
  t.torrents = 1;
  t.peers = peers;
  t.seeders = peers / 2;
  t.leechers = peers - peers / 2;
  t.announces_udp = announces;
  return t;
}

constexpr std::int64_t kT0 = 1'800'000'000;  // a multiple of 600

TEST(SwarmHistory, MinuteSamplesAndTenMinuteAverages) {
  SwarmHistory h;
  for (int m = 0; m < 25; ++m) h.record(kT0 + m * 60 + 5, totals(10 + static_cast<std::uint64_t>(m), 100), {});
  const std::int64_t now = kT0 + 24 * 60 + 5;
  auto fine = h.totals_range(now - 600, now);
  ASSERT_EQ(fine.size(), 11u);  // minutes 14..24
  EXPECT_EQ(fine.front().t, kT0 + 14 * 60);
  EXPECT_EQ(fine.back().peers, 34u);
  // Coarse (asked for more than a day back): the two finished 10-minute buckets.
  auto coarse = h.totals_range(now - 2 * 86400, now);
  ASSERT_EQ(coarse.size(), 2u);
  EXPECT_EQ(coarse[0].t, kT0);
  EXPECT_EQ(coarse[0].peers, 15u);             // average of 10..19 (14.5, rounded)
  EXPECT_EQ(coarse[0].announces_udp, 1000u);   // counts are summed
  EXPECT_EQ(coarse[1].t, kT0 + 600);
  EXPECT_EQ(coarse[1].peers, 25u);
  // the same minute twice, or an older one, changes nothing
  h.record(now, totals(999), {});
  h.record(now - 120, totals(999), {});
  EXPECT_EQ(h.totals_range(now - 60, now).back().peers, 34u);
}

TEST(SwarmHistory, SwarmSeriesStoreChangesAndExpandToSteps) {
  SwarmHistory h;
  const auto a = hash_of('a');
  for (int m = 0; m < 10; ++m) {
    const std::uint32_t seeders = m < 5 ? 1 : 3;
    h.record(kT0 + m * 60, totals(1), {{a, SwarmCounts{seeders, 2, 7}}});
  }
  auto rows = h.drain_rows();
  std::size_t fine_rows = 0;
  for (const auto& r : rows.swarms) fine_rows += r.step == kFineStep;
  EXPECT_EQ(fine_rows, 2u) << "only the changes are stored";
  auto points = h.swarm_range(a, kT0, kT0 + 9 * 60);
  ASSERT_EQ(points.size(), 10u);
  EXPECT_EQ(points[4].seeders, 1u);
  EXPECT_EQ(points[5].seeders, 3u);
  EXPECT_EQ(points[9].t, kT0 + 9 * 60);
  EXPECT_EQ(points[9].completed, 7u);
  EXPECT_TRUE(h.swarm_range(hash_of('z'), kT0, kT0 + 600).empty());
  // it goes away: one zero point, completed kept
  h.record(kT0 + 10 * 60, totals(0), {});
  auto after = h.swarm_range(a, kT0 + 9 * 60, kT0 + 10 * 60);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[1].seeders, 0u);
  EXPECT_EQ(after[1].leechers, 0u);
  EXPECT_EQ(after[1].completed, 7u);
}

TEST(SwarmHistory, OldSamplesAgeOutAndRestoreBringsThemBack) {
  SwarmHistory h;
  const auto a = hash_of('a');
  // 25 hours of minutes
  for (int m = 0; m < 25 * 60; ++m)
    h.record(kT0 + m * 60, totals(static_cast<std::uint64_t>(m % 50)), {{a, SwarmCounts{static_cast<std::uint32_t>(m / 60), 0, 0}}});
  const std::int64_t now = kT0 + (25 * 60 - 1) * 60;
  auto fine = h.totals_range(now - kFineSpan, now);
  EXPECT_EQ(fine.size(), static_cast<std::size_t>(24 * 60 + 1));
  EXPECT_GE(fine.front().t, now - kFineSpan);
  auto coarse = h.totals_range(now - 2 * 86400, now);
  EXPECT_EQ(coarse.size(), static_cast<std::size_t>(25 * 6 - 1));

  // what a restart would load: every row drained, restored into a new history
  auto rows = h.drain_rows();
  SwarmHistory restored;
  restored.restore(rows, now);
  EXPECT_EQ(restored.totals_range(now - 3600, now), h.totals_range(now - 3600, now));
  EXPECT_EQ(restored.totals_range(now - 2 * 86400, now), h.totals_range(now - 2 * 86400, now));
  EXPECT_EQ(restored.swarm_range(a, now - 7200, now), h.swarm_range(a, now - 7200, now));
  EXPECT_EQ(restored.swarm_range(a, now - 7 * 86400, now), h.swarm_range(a, now - 7 * 86400, now));
  // and it goes on recording after the restored minutes only
  restored.record(now, totals(1), {});
  restored.record(now + 60, totals(1), {{a, SwarmCounts{99, 0, 0}}});
  EXPECT_EQ(restored.swarm_range(a, now + 60, now + 60).at(0).seeders, 99u);
}

TEST(SwarmHistory, TracksAtMostMaxSwarms) {
  SwarmHistory h(2);
  h.record(kT0, totals(3), {{hash_of('a'), {1, 0, 0}}, {hash_of('b'), {1, 0, 0}}, {hash_of('c'), {1, 0, 0}}});
  EXPECT_EQ(h.tracked_swarms(), 2u);
  EXPECT_EQ(h.untracked_swarms(), 1u);
}

}  // namespace
}  // namespace shoal::tracker
