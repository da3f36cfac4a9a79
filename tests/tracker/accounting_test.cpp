// Accounting: deltas between a peer's announces — first sighting, growth, counter resets,
// implausible jumps, freeleech/neutral, completed, stopped — and batches for the writer.
#include "shoal/tracker/accounting.hpp"

#include <gtest/gtest.h>

#include <thread>

using namespace shoal;
using namespace shoal::tracker;

namespace {

constexpr std::uint32_t kT0 = 1'700'000'000;
constexpr std::uint64_t kMiB = 1 << 20;

PeerKey key(std::int64_t user, std::int64_t torrent, const char* peer = "-LT2080-aaaaaaaaaaaa") {
  return PeerKey{user, torrent, *Digest<20>::from_bytes(peer)};
}

AnnounceCounters at(std::uint32_t now, std::int64_t up, std::int64_t down,
                    AnnounceEvent ev = AnnounceEvent::none) {
  AnnounceCounters c;
  c.uploaded = up;
  c.downloaded = down;
  c.event = ev;
  c.now = now;
  return c;
}

Accounting make(std::uint64_t max_rate = 100 * kMiB, std::uint32_t timeout = 2700) {
  return Accounting(Accounting::Options{max_rate, timeout, 4});
}

const UserTorrentDelta* find(const AccountingBatch& b, std::int64_t user, std::int64_t torrent) {
  for (const auto& d : b.deltas)
    if (d.user_id == user && d.torrent_id == torrent) return &d;
  return nullptr;
}

}  // namespace

TEST(Accounting, FirstAnnounceIsTheBaselineAndLaterGrowthIsCredited) {
  auto acc = make();
  EXPECT_EQ(acc.record(key(1, 10), at(kT0, 5000, 7000, AnnounceEvent::started)), Credit{});
  EXPECT_EQ(acc.record(key(1, 10), at(kT0 + 60, 6000, 9000)), (Credit{1000, 2000}));
  EXPECT_EQ(acc.record(key(1, 10), at(kT0 + 120, 6000, 9500)), (Credit{0, 500}));
  auto b = acc.take_batch();
  const auto* d = find(b, 1, 10);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->uploaded, 1000u);
  EXPECT_EQ(d->downloaded, 2500u);
  EXPECT_EQ(d->first_announce, kT0);
  EXPECT_EQ(d->last_announce, kT0 + 120);
  EXPECT_FALSE(d->completed);
  ASSERT_EQ(b.baselines.size(), 1u);
  ASSERT_TRUE(b.baselines[0].second);
  EXPECT_EQ(*b.baselines[0].second, (PeerBaseline{6000, 9500, kT0 + 120}));
  // The next batch is empty until something happens.
  EXPECT_TRUE(acc.take_batch().empty());
}

TEST(Accounting, CounterResetIsANewBaselineNeverANegativeDelta) {
  auto acc = make();
  acc.record(key(1, 10), at(kT0, 0, 0, AnnounceEvent::started));
  acc.record(key(1, 10), at(kT0 + 60, 10000, 10000));
  // The client restarted its counters.
  EXPECT_EQ(acc.record(key(1, 10), at(kT0 + 120, 100, 50)), Credit{});
  EXPECT_EQ(acc.counters().resets, 2u);
  // Growth from the new baseline counts again.
  EXPECT_EQ(acc.record(key(1, 10), at(kT0 + 180, 600, 150)), (Credit{500, 100}));
  const auto batch = acc.take_batch();
  auto d = find(batch, 1, 10);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->uploaded, 10500u);
  EXPECT_EQ(d->downloaded, 10100u);
}

TEST(Accounting, NegativeCountersReadAsZero) {
  auto acc = make();
  acc.record(key(1, 10), at(kT0, 1000, 1000));
  EXPECT_EQ(acc.record(key(1, 10), at(kT0 + 10, -5, 2000)), (Credit{0, 1000}));
  EXPECT_EQ(acc.record(key(1, 10), at(kT0 + 20, 300, 2000)), (Credit{300, 0}));
}

TEST(Accounting, AbsurdDeltaIsDroppedAndCounted) {
  auto acc = make(1 * kMiB);
  acc.record(key(1, 10), at(kT0, 0, 0, AnnounceEvent::started));
  // 10 s at 1 MiB/s allows 10 MiB.
  EXPECT_EQ(acc.record(key(1, 10), at(kT0 + 10, 10 * kMiB, 0)), (Credit{10 * kMiB, 0}));
  EXPECT_EQ(acc.record(key(1, 10), at(kT0 + 20, 20 * kMiB + 1, 5)), (Credit{0, 5}));
  EXPECT_EQ(acc.counters().dropped, 1u);
  // The jump became the baseline: later honest growth is credited from there.
  EXPECT_EQ(acc.record(key(1, 10), at(kT0 + 30, 21 * kMiB, 5)), (Credit{kMiB - 1, 0}));
  // Two announces in the same second are allowed one second's worth.
  EXPECT_EQ(acc.record(key(1, 10), at(kT0 + 30, 22 * kMiB, 5)), (Credit{kMiB, 0}));
  EXPECT_EQ(acc.record(key(1, 10), at(kT0 + 30, 23 * kMiB + 1, 5)), Credit{});
  EXPECT_EQ(acc.counters().dropped, 2u);
}

TEST(Accounting, FreeleechAndNeutralFlags) {
  auto acc = make();
  auto free = at(kT0, 0, 0);
  free.freeleech = true;
  acc.record(key(1, 10), free);
  free = at(kT0 + 60, 1000, 5000);
  free.freeleech = true;
  EXPECT_EQ(acc.record(key(1, 10), free), (Credit{1000, 0}));

  auto neutral = at(kT0, 0, 0);
  neutral.neutral = true;
  acc.record(key(1, 11), neutral);
  neutral = at(kT0 + 60, 1000, 5000);
  neutral.neutral = true;
  EXPECT_EQ(acc.record(key(1, 11), neutral), Credit{});

  auto b = acc.take_batch();
  EXPECT_EQ(find(b, 1, 10)->downloaded, 0u);
  EXPECT_EQ(find(b, 1, 10)->uploaded, 1000u);
  EXPECT_EQ(find(b, 1, 11)->uploaded, 0u);
  // Baselines still follow the counters, so lifting the flag later does not credit the past.
  for (const auto& [k, base] : b.baselines)
    if (k.torrent_id == 11) {
      EXPECT_EQ(base->downloaded, 5000u);
    }
}

TEST(Accounting, RepeatedCompletedIsOneFlagWithTheFirstTime) {
  auto acc = make();
  acc.record(key(1, 10), at(kT0, 0, 0, AnnounceEvent::started));
  acc.record(key(1, 10), at(kT0 + 60, 0, 100, AnnounceEvent::completed));
  acc.record(key(1, 10), at(kT0 + 90, 0, 100, AnnounceEvent::completed));
  acc.record(key(1, 10, "-LT2080-bbbbbbbbbbbb"), at(kT0 + 95, 0, 0, AnnounceEvent::completed));
  auto b = acc.take_batch();
  ASSERT_EQ(b.deltas.size(), 1u);
  EXPECT_TRUE(b.deltas[0].completed);
  EXPECT_EQ(b.deltas[0].completed_at, kT0 + 60);
  EXPECT_EQ(b.deltas[0].downloaded, 100u);
}

TEST(Accounting, PeersAreSeparatedByUserTorrentAndPeerId) {
  auto acc = make();
  acc.record(key(1, 10, "-LT2080-aaaaaaaaaaaa"), at(kT0, 0, 0));
  acc.record(key(1, 10, "-LT2080-bbbbbbbbbbbb"), at(kT0, 500, 500));
  acc.record(key(2, 10, "-LT2080-aaaaaaaaaaaa"), at(kT0, 0, 0));
  acc.record(key(1, 10, "-LT2080-aaaaaaaaaaaa"), at(kT0 + 10, 100, 0));
  acc.record(key(1, 10, "-LT2080-bbbbbbbbbbbb"), at(kT0 + 10, 700, 500));
  acc.record(key(2, 10, "-LT2080-aaaaaaaaaaaa"), at(kT0 + 10, 0, 30));
  EXPECT_EQ(acc.peer_count(), 3u);
  auto b = acc.take_batch();
  EXPECT_EQ(find(b, 1, 10)->uploaded, 300u);
  EXPECT_EQ(find(b, 2, 10)->downloaded, 30u);
}

TEST(Accounting, StoppedCreditsTheLastDeltaAndForgetsThePeer) {
  auto acc = make();
  acc.record(key(1, 10), at(kT0, 0, 0, AnnounceEvent::started));
  (void)acc.take_batch();
  EXPECT_EQ(acc.record(key(1, 10), at(kT0 + 60, 400, 0, AnnounceEvent::stopped)), (Credit{400, 0}));
  EXPECT_EQ(acc.peer_count(), 0u);
  auto b = acc.take_batch();
  EXPECT_EQ(find(b, 1, 10)->uploaded, 400u);
  ASSERT_EQ(b.baselines.size(), 1u);
  EXPECT_FALSE(b.baselines[0].second);  // removal
  // A stopped peer we never saw leaves nothing behind.
  acc.record(key(1, 10, "-LT2080-cccccccccccc"), at(kT0, 5, 5, AnnounceEvent::stopped));
  EXPECT_EQ(acc.peer_count(), 0u);
}

TEST(Accounting, RestoredBaselinesContinueAfterARestart) {
  auto acc = make();
  acc.restore({{key(1, 10), PeerBaseline{1000, 2000, kT0}}});
  EXPECT_EQ(acc.record(key(1, 10), at(kT0 + 60, 1500, 2100)), (Credit{500, 100}));
}

TEST(Accounting, SweepForgetsSilentPeers) {
  auto acc = make(100 * kMiB, 100);
  acc.record(key(1, 10, "-LT2080-aaaaaaaaaaaa"), at(kT0, 0, 0));
  acc.record(key(1, 10, "-LT2080-bbbbbbbbbbbb"), at(kT0 + 90, 0, 0));
  (void)acc.take_batch();
  EXPECT_EQ(acc.sweep(kT0 + 150), 1u);
  EXPECT_EQ(acc.peer_count(), 1u);
  auto b = acc.take_batch();
  ASSERT_EQ(b.baselines.size(), 1u);
  EXPECT_FALSE(b.baselines[0].second);
  // Coming back after being swept: a new baseline, nothing credited.
  EXPECT_EQ(acc.record(key(1, 10, "-LT2080-aaaaaaaaaaaa"), at(kT0 + 200, 999, 999)), Credit{});
}

TEST(Accounting, RestoredBatchIsMergedWithTheNextOne) {
  auto acc = make();
  acc.record(key(1, 10), at(kT0, 0, 0));
  acc.record(key(1, 10), at(kT0 + 10, 100, 0));
  auto failed = acc.take_batch();
  acc.restore_batch(std::move(failed));
  acc.record(key(1, 10), at(kT0 + 20, 250, 0, AnnounceEvent::completed));
  auto b = acc.take_batch();
  ASSERT_EQ(b.deltas.size(), 1u);
  EXPECT_EQ(b.deltas[0].uploaded, 250u);
  EXPECT_TRUE(b.deltas[0].completed);
  EXPECT_EQ(b.deltas[0].first_announce, kT0);
  ASSERT_EQ(b.baselines.size(), 1u);
  EXPECT_EQ(*b.baselines[0].second, (PeerBaseline{250, 0, kT0 + 20}));  // the newer baseline
}

TEST(Accounting, ConcurrentRecordsAndTakesLoseNothing) {
  auto acc = make(1ull << 40);
  constexpr int kThreads = 4, kAnnounces = 2000;
  std::atomic<bool> done{false};
  std::uint64_t taken = 0;
  std::thread writer([&] {
    while (!done) {
      for (const auto& d : acc.take_batch().deltas) taken += d.uploaded;
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      std::string peer = "-LT2080-aaaaaaaaaaa" + std::to_string(t);
      for (int i = 0; i <= kAnnounces; ++i)
        acc.record(key(1 + t % 2, 10, peer.c_str()), at(kT0 + static_cast<std::uint32_t>(i), i * 10, 0));
    });
  for (auto& th : threads) th.join();
  done = true;
  writer.join();
  for (const auto& d : acc.take_batch().deltas) taken += d.uploaded;
  EXPECT_EQ(taken, std::uint64_t{kThreads} * kAnnounces * 10);
}
