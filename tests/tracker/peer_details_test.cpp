// PeerDetails: the bounded table of peer descriptions behind the monitor's peer list, and
// SwarmStore::peers_of, the swarm side of that list.
#include <gtest/gtest.h>

#include <string>

#include "shoal/tracker/peer_details.hpp"
#include "shoal/tracker/swarm_store.hpp"

using namespace shoal;
using namespace shoal::tracker;

namespace {
Sha1Digest hash_of(std::uint8_t b) {
  Sha1Digest h;
  h.bytes.fill(b);
  return h;
}
PeerEndpoint ep(std::uint8_t last, std::uint16_t port) { return PeerEndpoint{IpAddress::v4({10, 0, 0, last}), port}; }
PeerDetail make_detail(std::uint64_t left, std::uint32_t when) {
  PeerDetail d;
  const std::string id = "-qB4620-000000000000";
  d.peer_id = *PeerId::from_bytes(id);
  d.left = left;
  d.downloaded = 100;
  d.uploaded = 7;
  d.when = when;
  return d;
}
}  // namespace

TEST(PeerDetails, RecordFindUpdateForget) {
  PeerDetails details(1000);
  details.record(hash_of(1), ep(1, 6881), make_detail(500, 10));
  auto d = details.find(hash_of(1), ep(1, 6881));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->left, 500u);
  EXPECT_EQ(d->uploaded, 7u);
  EXPECT_FALSE(details.find(hash_of(2), ep(1, 6881)).has_value());  // same peer, other torrent
  EXPECT_FALSE(details.find(hash_of(1), ep(1, 6882)).has_value());  // other port
  details.record(hash_of(1), ep(1, 6881), make_detail(0, 20));          // an update, not a second entry
  EXPECT_EQ(details.find(hash_of(1), ep(1, 6881))->left, 0u);
  EXPECT_EQ(details.size(), 1u);
  details.forget(hash_of(1), ep(1, 6881));
  EXPECT_FALSE(details.find(hash_of(1), ep(1, 6881)).has_value());
  EXPECT_EQ(details.size(), 0u);
  details.forget(hash_of(1), ep(1, 6881));  // forgetting the unknown is harmless
}

TEST(PeerDetails, BoundedTheLeastRecentlyAnnouncedGoFirst) {
  // One torrent: one shard; capacity 32 over 16 shards is 2 per shard.
  PeerDetails details(32);
  details.record(hash_of(3), ep(1, 1), make_detail(1, 1));
  details.record(hash_of(3), ep(2, 1), make_detail(2, 2));
  details.record(hash_of(3), ep(1, 1), make_detail(1, 3));  // peer 1 announces again: now the most recent
  details.record(hash_of(3), ep(3, 1), make_detail(3, 4));  // full: peer 2 (least recent) makes room
  EXPECT_TRUE(details.find(hash_of(3), ep(1, 1)).has_value());
  EXPECT_FALSE(details.find(hash_of(3), ep(2, 1)).has_value());
  EXPECT_TRUE(details.find(hash_of(3), ep(3, 1)).has_value());
  EXPECT_LE(details.size(), 32u);
  for (std::uint8_t i = 0; i < 200; ++i) details.record(hash_of(i), ep(i, 2), make_detail(i, i));
  EXPECT_LE(details.size(), 32u);
}

TEST(PeerDetails, CapacityZeroIsOff) {
  PeerDetails details(0);
  details.record(hash_of(1), ep(1, 1), make_detail(1, 1));
  EXPECT_FALSE(details.find(hash_of(1), ep(1, 1)).has_value());
  EXPECT_EQ(details.size(), 0u);
}

TEST(SwarmStorePeersOf, OneSwarmsPeersSeedersFlagged) {
  SwarmStore store({.shard_count = 4, .peer_timeout_seconds = 3600});
  std::string v4, v6;
  const auto h = hash_of(9);
  store.announce({.info_hash = h, .peer = ep(1, 6881), .seeder = true, .now = 100}, v4, v6);
  store.announce({.info_hash = h, .peer = ep(2, 6881), .seeder = false, .now = 200}, v4, v6);
  store.announce({.info_hash = hash_of(8), .peer = ep(3, 6881), .seeder = false, .now = 300}, v4, v6);
  auto peers = store.peers_of(h, 100);
  ASSERT_EQ(peers.size(), 2u);
  int seeders = 0;
  for (const auto& p : peers) {
    seeders += p.seeder;
    if (p.endpoint == ep(2, 6881)) {
      EXPECT_EQ(p.last_seen, 200u);
    }
  }
  EXPECT_EQ(seeders, 1);
  EXPECT_EQ(store.peers_of(h, 1).size(), 1u);
  EXPECT_TRUE(store.peers_of(hash_of(7), 100).empty());
}
