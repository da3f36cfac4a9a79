#include "shoal/tracker/swarm_store.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

using namespace shoal;
using namespace shoal::tracker;

namespace {

Sha1Digest hash_of(int i) { return sha1("torrent " + std::to_string(i)); }

PeerEndpoint v4(std::uint8_t last, std::uint16_t port = 6881) {
  return PeerEndpoint{IpAddress::v4(std::array<std::uint8_t, 4>{10, 0, 0, last}), port};
}

PeerEndpoint v6(std::uint8_t last, std::uint16_t port = 6881) {
  std::array<std::uint8_t, 16> b{0x20, 0x01, 0x0d, 0xb8};
  b[15] = last;
  return PeerEndpoint{IpAddress::v6(b), port};
}

struct Announcer {
  explicit Announcer(SwarmStore& s) : store(s) {}
  SwarmStore& store;
  std::string out4, out6;
  AnnounceResult last;

  AnnounceResult operator()(const Sha1Digest& h, PeerEndpoint peer, bool seeder,
                            AnnounceEvent ev = AnnounceEvent::none, std::uint32_t now = 1000,
                            std::uint32_t numwant = 50) {
    out4.clear();
    out6.clear();
    AnnounceParams p;
    p.info_hash = h;
    p.peer = peer;
    p.seeder = seeder;
    p.event = ev;
    p.numwant_v4 = numwant;
    p.numwant_v6 = numwant;
    p.now = now;
    last = store.announce(p, out4, out6);
    return last;
  }

  std::set<PeerEndpoint> peers() const {
    std::set<PeerEndpoint> s;
    auto p4 = parse_compact_peers(out4, AddressFamily::v4);
    auto p6 = parse_compact_peers(out6, AddressFamily::v6);
    EXPECT_TRUE(p4 && p6);
    if (p4) s.insert(p4->begin(), p4->end());
    if (p6) s.insert(p6->begin(), p6->end());
    return s;
  }
};

}  // namespace

TEST(SwarmStore, FirstAnnounceCreatesSwarmAndGetsNoPeers) {
  SwarmStore store({});
  Announcer a(store);
  auto r = a(hash_of(1), v4(1), false, AnnounceEvent::started);
  EXPECT_EQ(r.counts, (SwarmCounts{0, 1, 0}));
  EXPECT_EQ(r.peers_v4, 0u);
  EXPECT_TRUE(a.out4.empty());
  EXPECT_EQ(store.scrape(hash_of(1)), (SwarmCounts{0, 1, 0}));
  EXPECT_EQ(store.scrape(hash_of(2)), (SwarmCounts{}));
}

TEST(SwarmStore, RequesterNeverGetsItselfAndPeersAreKeyedByAddressAndPort) {
  SwarmStore store({});
  Announcer a(store);
  const auto h = hash_of(1);
  a(h, v4(1, 1000), false);
  a(h, v4(1, 1001), false);  // same address, other port: a different peer
  a(h, v4(2, 1000), false);
  auto r = a(h, v4(1, 1000), false);
  EXPECT_EQ(r.counts.leechers, 3u);
  EXPECT_EQ(a.peers(), (std::set<PeerEndpoint>{v4(1, 1001), v4(2, 1000)}));
}

TEST(SwarmStore, SeederGetsOnlyLeechers) {
  SwarmStore store({});
  Announcer a(store);
  const auto h = hash_of(1);
  for (std::uint8_t i = 1; i <= 5; ++i) a(h, v4(i), true);
  for (std::uint8_t i = 10; i <= 12; ++i) a(h, v4(i), false);
  auto r = a(h, v4(1), true);
  EXPECT_EQ(r.counts.seeders, 5u);
  EXPECT_EQ(r.counts.leechers, 3u);
  EXPECT_EQ(a.peers(), (std::set<PeerEndpoint>{v4(10), v4(11), v4(12)}));
}

TEST(SwarmStore, LeecherGetsMixUpToNumwant) {
  SwarmStore store({});
  Announcer a(store);
  const auto h = hash_of(1);
  for (std::uint8_t i = 1; i <= 100; ++i) a(h, v4(i), i <= 50);
  auto r = a(h, v4(100), false, AnnounceEvent::none, 1000, 20);
  EXPECT_EQ(r.peers_v4, 20u);
  auto got = a.peers();
  EXPECT_EQ(got.size(), 20u);
  EXPECT_EQ(got.count(v4(100)), 0u);
  int seeders = 0;
  for (auto& p : got) seeders += p.address.bytes()[3] <= 50 ? 1 : 0;
  EXPECT_EQ(seeders, 10);  // 50 seeders vs 49 other leechers: half and half
  // numwant 0: counts only.
  r = a(h, v4(100), false, AnnounceEvent::none, 1000, 0);
  EXPECT_EQ(r.peers_v4, 0u);
  EXPECT_TRUE(a.out4.empty());
  EXPECT_EQ(r.counts.seeders, 50u);
}

TEST(SwarmStore, SelectionIsSpreadAcrossTheSwarm) {
  SwarmStore store({});
  Announcer a(store);
  const auto h = hash_of(1);
  for (std::uint8_t i = 1; i <= 200; ++i) a(h, v4(i), false);
  std::set<PeerEndpoint> seen;
  for (int k = 0; k < 50; ++k) {
    a(h, v4(1), false, AnnounceEvent::none, 1000, 10);
    for (auto& p : a.peers()) seen.insert(p);
  }
  EXPECT_GT(seen.size(), 150u);  // random starting points reach most of the swarm
}

TEST(SwarmStore, StoppedRemovesAndCompletedCountsOncePerPeer) {
  SwarmStore store({});
  Announcer a(store);
  const auto h = hash_of(1);
  a(h, v4(1), false, AnnounceEvent::started);
  a(h, v4(2), false, AnnounceEvent::started);
  auto r = a(h, v4(1), true, AnnounceEvent::completed);
  EXPECT_EQ(r.counts, (SwarmCounts{1, 1, 1}));
  r = a(h, v4(1), true, AnnounceEvent::completed);  // repeated: not counted again
  EXPECT_EQ(r.counts, (SwarmCounts{1, 1, 1}));
  a(h, v4(3), true, AnnounceEvent::started);        // seeding from the start: not a completion
  r = a(h, v4(2), false, AnnounceEvent::stopped);
  EXPECT_EQ(r.counts, (SwarmCounts{2, 0, 1}));
  EXPECT_TRUE(a.out4.empty());
  // A stop for an unknown swarm does not create it.
  a(hash_of(9), v4(1), false, AnnounceEvent::stopped);
  EXPECT_EQ(store.totals().torrents, 1u);
  auto changes = store.take_completed_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].first, h);
  EXPECT_EQ(changes[0].second, 1u);
  EXPECT_TRUE(store.take_completed_changes().empty());
}

TEST(SwarmStore, CompletedFlagSurvivesSeederLeecherMoves) {
  SwarmStore store({});
  Announcer a(store);
  const auto h = hash_of(1);
  a(h, v4(1), true, AnnounceEvent::completed);
  a(h, v4(1), false);                          // rechecked, leeching again
  auto r = a(h, v4(1), true, AnnounceEvent::completed);
  EXPECT_EQ(r.counts.completed, 1u);
}

TEST(SwarmStore, FamiliesAreKeptApart) {
  SwarmStore store({});
  Announcer a(store);
  const auto h = hash_of(1);
  a(h, v4(1), true);
  a(h, v6(1), true);
  a(h, v6(2), false);
  auto r = a(h, v4(2), false);
  EXPECT_EQ(r.counts, (SwarmCounts{2, 2, 0}));
  EXPECT_EQ(r.peers_v4, 1u);
  EXPECT_EQ(r.peers_v6, 2u);
  EXPECT_EQ(a.peers(), (std::set<PeerEndpoint>{v4(1), v6(1), v6(2)}));
  // Family filter (UDP answers only the request's family).
  a.out4.clear();
  a.out6.clear();
  AnnounceParams p;
  p.info_hash = h;
  p.peer = v4(2);
  p.numwant_v4 = 50;
  p.numwant_v6 = 0;
  p.now = 1000;
  r = store.announce(p, a.out4, a.out6);
  EXPECT_EQ(r.peers_v6, 0u);
  EXPECT_TRUE(a.out6.empty());
  auto t = store.totals();
  EXPECT_EQ(t.peers_v4, 2u);
  EXPECT_EQ(t.peers_v6, 2u);
}

TEST(SwarmStore, SweepExpiresStalePeersAndEmptySwarms) {
  SwarmStore store({.shard_count = 4, .peer_timeout_seconds = 100});
  Announcer a(store);
  a(hash_of(1), v4(1), false, AnnounceEvent::none, 1000);
  a(hash_of(1), v4(2), false, AnnounceEvent::none, 1050);
  a(hash_of(2), v4(1), true, AnnounceEvent::completed, 1000);
  a(hash_of(3), v6(1), false, AnnounceEvent::none, 1000);
  EXPECT_EQ(store.sweep(1120), 3u);
  EXPECT_EQ(store.scrape(hash_of(1)), (SwarmCounts{0, 1, 0}));
  EXPECT_EQ(store.scrape(hash_of(2)), (SwarmCounts{0, 0, 1}));  // kept for its completed count
  auto t = store.totals();
  EXPECT_EQ(t.torrents, 1u);
  EXPECT_EQ(t.peers_v4, 1u);
  EXPECT_EQ(t.peers_v6, 0u);
  int swarms = 0;
  store.for_each_swarm([&](const Sha1Digest&, const SwarmCounts&) { ++swarms; });
  EXPECT_EQ(swarms, 2);
}

TEST(SwarmStore, SnapshotExportImportRoundTrip) {
  SwarmStore a_store({});
  Announcer a(a_store);
  a(hash_of(1), v4(1), true, AnnounceEvent::completed, 500);
  a(hash_of(1), v6(7, 7000), false, AnnounceEvent::none, 600);
  a(hash_of(2), v4(3), false, AnnounceEvent::none, 700);
  std::vector<std::pair<Sha1Digest, PeerSnapshot>> saved;
  a_store.export_peers([&](const Sha1Digest& h, const PeerSnapshot& p) { saved.emplace_back(h, p); });
  ASSERT_EQ(saved.size(), 3u);

  SwarmStore b_store({});
  for (auto& [h, p] : saved) b_store.import_peer(h, p);
  b_store.set_completed(hash_of(1), 1);
  EXPECT_EQ(b_store.scrape(hash_of(1)), (SwarmCounts{1, 1, 1}));
  EXPECT_EQ(b_store.scrape(hash_of(2)), (SwarmCounts{0, 1, 0}));
  // The completed flag came back: a repeated completed does not count twice.
  Announcer b(b_store);
  EXPECT_EQ(b(hash_of(1), v4(1), true, AnnounceEvent::completed, 800).counts.completed, 1u);
  // Imported peers age by their saved last_seen.
  SwarmStore c_store({.shard_count = 2, .peer_timeout_seconds = 150});
  for (auto& [h, p] : saved) c_store.import_peer(h, p);
  EXPECT_EQ(c_store.sweep(700), 1u);  // last_seen 500 < 550
}

TEST(SwarmStore, ConcurrentAnnouncesKeepCountsConsistent) {
  SwarmStore store({.shard_count = 8});
  constexpr int kThreads = 4, kPeers = 500, kTorrents = 20;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Announcer a(store);
      for (int i = 0; i < kPeers; ++i) {
        auto ep = PeerEndpoint{IpAddress::v4(static_cast<std::uint32_t>(0x0a000000 + t * 100000 + i)), 6881};
        a(hash_of(i % kTorrents), ep, i % 2 == 0, AnnounceEvent::started);
      }
    });
  }
  for (auto& th : threads) th.join();
  auto totals = store.totals();
  EXPECT_EQ(totals.torrents, static_cast<std::uint64_t>(kTorrents));
  EXPECT_EQ(totals.seeders + totals.leechers, static_cast<std::uint64_t>(kThreads * kPeers));
  EXPECT_EQ(totals.seeders, static_cast<std::uint64_t>(kThreads * kPeers / 2));
}
