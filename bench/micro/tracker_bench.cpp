// Micro-benchmarks of the tracker's hot paths: swarm-store announce (hit/miss, small/large swarm),
// peer selection, the UDP request/response codec, the HTTP announce query parser, the BEP 15
// connection-id check, and a whole UDP announce through TrackerService.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "shoal/proto/http_tracker.hpp"
#include "shoal/proto/udp_tracker.hpp"
#include "shoal/tracker/access_list.hpp"
#include "shoal/tracker/connection_id.hpp"
#include "shoal/tracker/stats.hpp"
#include "shoal/tracker/swarm_store.hpp"
#include "shoal/tracker/tracker_service.hpp"

namespace {

using namespace shoal;
using namespace shoal::tracker;

constexpr std::uint32_t kNow = 1'800'000'000;

Sha1Digest hash_of(std::uint32_t i) {
  Sha1Digest d;
  for (std::size_t k = 0; k < d.bytes.size(); ++k) d.bytes[k] = static_cast<std::uint8_t>((i >> (k % 4 * 8)) + k);
  return d;
}

PeerEndpoint peer_of(std::uint32_t i) {
  return PeerEndpoint{IpAddress::v4(0x0a000000u + (i >> 8)), static_cast<std::uint16_t>(1024 + (i & 0xff))};
}

// A store with one swarm of `size` peers (a third seeders).
void fill(SwarmStore& store, const Sha1Digest& ih, std::uint32_t size) {
  std::string v4, v6;
  for (std::uint32_t i = 0; i < size; ++i) {
    v4.clear();
    store.announce({.info_hash = ih, .peer = peer_of(i), .seeder = i % 3 == 0,
                    .event = AnnounceEvent::started, .now = kNow}, v4, v6);
  }
}

// Hit: a peer already in the swarm re-announces (the common case); Arg = swarm size.
void BM_SwarmAnnounceHit(benchmark::State& state) {
  SwarmStore store({});
  const auto ih = hash_of(1);
  const auto size = static_cast<std::uint32_t>(state.range(0));
  fill(store, ih, size);
  std::string v4, v6;
  std::uint32_t i = 0;
  for (auto _ : state) {
    v4.clear();
    auto r = store.announce({.info_hash = ih, .peer = peer_of(i++ % size), .seeder = false,
                             .numwant_v4 = 0, .now = kNow}, v4, v6);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_SwarmAnnounceHit)->Arg(10)->Arg(10000);

// Miss: a peer new to the swarm joins and leaves (insert + `stopped` erase per iteration, so the
// swarm keeps its size); Arg = swarm size.
void BM_SwarmAnnounceMiss(benchmark::State& state) {
  SwarmStore store({});
  const auto ih = hash_of(2);
  const auto size = static_cast<std::uint32_t>(state.range(0));
  fill(store, ih, size);
  std::string v4, v6;
  std::uint32_t i = 0;
  for (auto _ : state) {
    const auto p = peer_of(size + (i++ % 1024));
    v4.clear();
    store.announce({.info_hash = ih, .peer = p, .event = AnnounceEvent::started, .now = kNow}, v4, v6);
    store.announce({.info_hash = ih, .peer = p, .event = AnnounceEvent::stopped, .now = kNow}, v4, v6);
  }
}
BENCHMARK(BM_SwarmAnnounceMiss)->Arg(10)->Arg(10000);

// Miss on the swarm map: an announce for a torrent with no swarm yet, and its removal.
void BM_SwarmAnnounceNewTorrent(benchmark::State& state) {
  SwarmStore store({});
  for (std::uint32_t t = 0; t < 100000; ++t) fill(store, hash_of(100 + t), 1);
  std::string v4, v6;
  std::uint32_t i = 0;
  for (auto _ : state) {
    const auto ih = hash_of(1'000'000 + (i++ % 4096));
    store.announce({.info_hash = ih, .peer = peer_of(1), .event = AnnounceEvent::started, .now = kNow}, v4, v6);
    store.announce({.info_hash = ih, .peer = peer_of(1), .event = AnnounceEvent::stopped, .now = kNow}, v4, v6);
  }
}
BENCHMARK(BM_SwarmAnnounceNewTorrent);

// Peer selection: a re-announce asking for Arg peers from a 10,000-peer swarm.
void BM_PeerSelection(benchmark::State& state) {
  SwarmStore store({});
  const auto ih = hash_of(3);
  fill(store, ih, 10000);
  std::string v4, v6;
  v4.reserve(6 * 1000);
  const auto want = static_cast<std::uint32_t>(state.range(0));
  std::uint32_t i = 0;
  for (auto _ : state) {
    v4.clear();
    auto r = store.announce({.info_hash = ih, .peer = peer_of(i++ % 10000), .numwant_v4 = want,
                             .now = kNow}, v4, v6);
    benchmark::DoNotOptimize(r);
  }
  state.counters["peers"] = static_cast<double>(v4.size() / 6);
}
BENCHMARK(BM_PeerSelection)->Arg(0)->Arg(50)->Arg(200);

std::string udp_announce_packet(std::uint64_t connection_id) {
  udp_tracker::AnnounceRequest a;
  a.connection_id = connection_id;
  a.transaction_id = 77;
  a.info_hash = hash_of(4);
  a.port = 6881;
  a.left = 1000;
  a.num_want = 50;
  a.url_data = "/announce";
  std::string packet;
  udp_tracker::encode(a, packet);
  return packet;
}

void BM_UdpDecodeAnnounce(benchmark::State& state) {
  const std::string packet = udp_announce_packet(1);
  std::string scratch;
  for (auto _ : state) {
    auto r = udp_tracker::decode_request(packet, scratch);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_UdpDecodeAnnounce);

void BM_UdpEncodeAnnounceResponse(benchmark::State& state) {
  udp_tracker::AnnounceResponse res;
  res.transaction_id = 9;
  res.interval = 1800;
  for (std::uint32_t i = 0; i < 50; ++i) res.peers.push_back(peer_of(i));
  std::string out;
  for (auto _ : state) {
    out.clear();
    udp_tracker::encode(res, out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_UdpEncodeAnnounceResponse);

void BM_HttpParseAnnounceQuery(benchmark::State& state) {
  AnnounceRequest a;
  a.info_hash = hash_of(5);
  a.peer_id = *PeerId::from_bytes("-LT2080-abcdefghijkl");
  a.port = 6881;
  a.left = 123456789;
  a.uploaded = 1000;
  a.downloaded = 2000;
  a.key = "8ab3c5d1";
  a.event = AnnounceEvent::started;
  a.numwant = 50;
  a.support_crypto = true;
  const std::string query = encode_announce_query(a);
  for (auto _ : state) {
    auto r = parse_announce_query(query);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * query.size()));
}
BENCHMARK(BM_HttpParseAnnounceQuery);

void BM_ConnectionIdCheck(benchmark::State& state) {
  ConnectionIds ids(120, 60, {1, 2});
  const PeerEndpoint client = peer_of(42);
  const std::uint64_t id = ids.make(client, kNow);
  for (auto _ : state) {
    bool ok = ids.check(id, client, kNow + 30);
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_ConnectionIdCheck);

// A whole UDP announce as a worker handles it: decode, connection-id check, policy, store, encode.
void BM_ServiceUdpAnnounce(benchmark::State& state) {
  TrackerSettings settings;
  SwarmStore store({});
  AccessList access(settings.mode);
  TrackerStats stats;
  ConnectionIds ids(120, 60, {1, 2});
  TrackerService service(settings, store, access, stats, ids);
  fill(store, hash_of(4), static_cast<std::uint32_t>(state.range(0)));
  const PeerEndpoint client = peer_of(7);
  const std::string packet = udp_announce_packet(ids.make(client, kNow));
  TrackerService::Scratch scratch;
  std::string reply;
  for (auto _ : state) {
    service.udp_datagram(packet, client, kNow, scratch, reply);
    benchmark::DoNotOptimize(reply.data());
  }
  if (reply.size() < udp_tracker::kAnnounceResponseHeaderSize) state.SkipWithError("no announce reply");
}
BENCHMARK(BM_ServiceUdpAnnounce)->Arg(10)->Arg(10000);

}  // namespace
