#include "shoal/bench/workload.hpp"
#include "shoal/bench/load.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <vector>

using namespace shoal;
using namespace shoal::bench;

TEST(Workload, ValidateNamesTheBadOption) {
  EXPECT_FALSE(validate(WorkloadOptions{}).has_value());
  WorkloadOptions o;
  o.torrents = 0;
  EXPECT_EQ(validate(o)->substr(0, 10), "--torrents");
  o = {};
  o.sources = 255;
  EXPECT_EQ(validate(o)->substr(0, 9), "--sources");
  o = {};
  o.peers = 1'000'000;  // 250,000 per source
  EXPECT_EQ(validate(o)->substr(0, 7), "--peers");
  o = {};
  o.announce_weight = o.scrape_weight = o.connect_weight = 0;
  EXPECT_EQ(validate(o)->substr(0, 5), "--mix");
  o = {};
  o.p_started = 0.7;
  o.p_stopped = 0.5;
  EXPECT_TRUE(validate(o).has_value());
  o = {};
  o.scrape_hashes = 75;
  EXPECT_EQ(validate(o)->substr(0, 15), "--scrape-hashes");
}

TEST(Workload, ZipfProbabilitiesFollowThePowerLaw) {
  Workload w({.torrents = 1000, .zipf_exponent = 1.0});
  double sum = 0;
  for (std::uint32_t i = 0; i < 1000; ++i) sum += w.torrent_probability(i);
  EXPECT_NEAR(sum, 1.0, 1e-9);
  EXPECT_NEAR(w.torrent_probability(0) / w.torrent_probability(1), 2.0, 1e-9);
  EXPECT_NEAR(w.torrent_probability(0) / w.torrent_probability(9), 10.0, 1e-9);
  EXPECT_EQ(w.torrent_probability(1000), 0.0);

  Workload w2({.torrents = 1000, .zipf_exponent = 2.0});
  EXPECT_NEAR(w2.torrent_probability(0) / w2.torrent_probability(1), 4.0, 1e-9);

  Workload uniform({.torrents = 50, .zipf_exponent = 0.0});
  EXPECT_NEAR(uniform.torrent_probability(0), 0.02, 1e-12);
  EXPECT_NEAR(uniform.torrent_probability(49), 0.02, 1e-12);
}

TEST(Workload, SampledTorrentsMatchTheDistribution) {
  Workload w({.torrents = 10000, .zipf_exponent = 1.0, .seed = 7});
  std::vector<std::uint32_t> counts(10000);
  constexpr int kSamples = 200000;
  for (int i = 0; i < kSamples; ++i) ++counts[w.pick_torrent()];
  for (std::uint32_t rank : {0u, 1u, 9u}) {
    const double expected = w.torrent_probability(rank) * kSamples;
    EXPECT_NEAR(counts[rank], expected, 5 * std::sqrt(expected)) << "rank " << rank;
  }
  // The documented skew: the top 1% of 10,000 torrents get about 53% of the picks.
  std::uint64_t top = 0;
  for (std::uint32_t i = 0; i < 100; ++i) top += counts[i];
  EXPECT_NEAR(static_cast<double>(top) / kSamples, 0.53, 0.01);
}

TEST(Workload, NextRespectsSourceMixPortsAndRoles) {
  WorkloadOptions o{.torrents = 100, .peers = 400, .sources = 4, .seeder_fraction = 0.25,
                    .connect_weight = 1, .announce_weight = 6, .scrape_weight = 3, .numwant = 33};
  Workload w(o);
  std::map<RequestKind, int> kinds;
  int seeders = 0, announces = 0, started = 0, stopped = 0;
  for (int i = 0; i < 20000; ++i) {
    const auto r = w.next(2);
    ++kinds[r.kind];
    EXPECT_EQ(r.source, 2u);
    if (r.kind == RequestKind::connect) continue;
    EXPECT_LT(r.torrent, 100u);
    EXPECT_GE(r.port, kFirstPeerPort);
    EXPECT_LT(r.port, kFirstPeerPort + 100);  // 400 peers / 4 sources
    if (r.kind != RequestKind::announce) continue;
    ++announces;
    EXPECT_EQ(r.numwant, 33u);
    EXPECT_EQ(r.seeder, w.is_seeder(2, r.port, r.torrent));  // a fixed role per (peer, torrent)
    if (r.event == AnnounceEvent::completed) {
      EXPECT_TRUE(r.seeder);
    }
    seeders += r.seeder;
    started += r.event == AnnounceEvent::started;
    stopped += r.event == AnnounceEvent::stopped;
  }
  EXPECT_NEAR(kinds[RequestKind::connect] / 20000.0, 0.1, 0.015);
  EXPECT_NEAR(kinds[RequestKind::announce] / 20000.0, 0.6, 0.015);
  EXPECT_NEAR(kinds[RequestKind::scrape] / 20000.0, 0.3, 0.015);
  EXPECT_NEAR(static_cast<double>(seeders) / announces, 0.25, 0.03);
  EXPECT_NEAR(static_cast<double>(started) / announces, o.p_started, 0.01);
  EXPECT_NEAR(static_cast<double>(stopped) / announces, o.p_stopped, 0.01);
}

TEST(Workload, SameSeedSameRequests) {
  Workload a({.seed = 42}), b({.seed = 42}), c({.seed = 43});
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const auto ra = a.next(0), rb = b.next(0), rc = c.next(0);
    EXPECT_EQ(ra.torrent, rb.torrent);
    EXPECT_EQ(ra.port, rb.port);
    differs |= ra.torrent != rc.torrent || ra.port != rc.port;
  }
  EXPECT_TRUE(differs);
}

TEST(Workload, FillAnnouncesEveryTorrentSlotOnce) {
  WorkloadOptions o{.torrents = 37, .peers = 12, .sources = 3, .peers_per_torrent = 5};
  Workload w(o);
  EXPECT_EQ(w.fill_total(), 37u * 5u);
  std::map<std::uint32_t, std::set<std::pair<std::uint32_t, std::uint16_t>>> swarms;
  std::uint64_t total = 0;
  for (std::uint32_t s = 0; s < 3; ++s) {
    for (std::uint64_t n = 0;; ++n) {
      auto r = w.fill_request(s, n);
      if (!r) break;
      ++total;
      EXPECT_EQ(r->source, s);
      EXPECT_EQ(r->event, AnnounceEvent::started);
      EXPECT_EQ(r->numwant, 0u);
      EXPECT_TRUE(swarms[r->torrent].insert({r->source, r->port}).second) << "duplicate peer";
    }
  }
  EXPECT_EQ(total, w.fill_total());
  ASSERT_EQ(swarms.size(), 37u);
  for (const auto& [t, peers] : swarms) EXPECT_EQ(peers.size(), 5u) << "torrent " << t;
  EXPECT_FALSE(w.fill_request(3, 0).has_value());
}

TEST(Workload, IdentitiesAreStableAndDistinct) {
  std::set<Sha1Digest> hashes;
  for (std::uint32_t i = 0; i < 10000; ++i) hashes.insert(Workload::info_hash(i));
  EXPECT_EQ(hashes.size(), 10000u);
  EXPECT_EQ(Workload::info_hash(5), Workload::info_hash(5));
  const PeerId id = Workload::peer_id(1, 2000);
  EXPECT_EQ(std::string(id.view().substr(0, 8)), "-SB0001-");
  EXPECT_NE(id, Workload::peer_id(1, 2001));
  EXPECT_NE(id, Workload::peer_id(2, 2000));
  EXPECT_EQ(Workload::source_address(0).to_string(), "127.0.0.1");
  EXPECT_EQ(Workload::source_address(9).to_string(), "127.0.0.10");
}

// --passkeys: a simulated peer keeps its passkey, and the peers spread over all of them.
TEST(PasskeyOf, StablePerPeerAndSpreadOverAll) {
  const std::vector<std::string> keys = {"a", "b", "c"};
  EXPECT_EQ(shoal::bench::passkey_of(keys, 1, 6881), shoal::bench::passkey_of(keys, 1, 6881));
  std::map<std::string, int> used;
  for (std::uint32_t source = 0; source < 4; ++source)
    for (std::uint16_t port = 1000; port < 1100; ++port) ++used[shoal::bench::passkey_of(keys, source, port)];
  ASSERT_EQ(used.size(), 3u);
  for (const auto& [key, n] : used) EXPECT_GT(n, 100) << key;
}
