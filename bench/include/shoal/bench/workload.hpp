#pragma once
// Workload: what shoal-bench asks a tracker, decided without any socket — which torrent, which
// simulated peer, which kind of request, seeder or leecher, which event. The socket layers
// (udp_load.hpp, http_load.hpp) turn each PlannedRequest into a packet with proto's codecs.
//
// The model (documented in docs/benchmarks.md):
// - Torrents 0..T-1, each with a fixed info-hash (info_hash(i), independent of the seed, so a
//   whitelist written by `shoal-bench hashes` matches every run).
// - Popularity is Zipf: torrent i (0-based rank) is picked with probability proportional to
//   1 / (i + 1)^s. s = 1 (the default) gives a few hot swarms and a long tail — with 10,000
//   torrents the top 1% get ~53% of the announces; s = 0 is uniform.
// - Peers: each source address (127.0.0.1 + k) carries `peers / sources` simulated peers, each a
//   distinct announced port (1024 + j); a request from source k picks one of them uniformly. The
//   tracker keys peers by (address, port), so every simulated peer is a distinct peer in every
//   swarm it joins.
// - Whether a peer is a seeder in a swarm is a fixed, keyed-hash property of (peer, torrent) with
//   probability `seeder_fraction`, so a peer keeps its role across announces.
// - Kind: connect / announce / scrape drawn by weight (connect only means something over UDP; an
//   HTTP run ignores its weight). Events of an announce: `started` with p_started, `stopped` with
//   p_stopped, `completed` (seeders only) with p_completed, else none.
//
// Fill mode (the memory run): fill_request(source, n) walks every (torrent, slot) pair once —
// torrents × peers_per_torrent `started` announces with numwant 0 — spread over the sources so
// that each swarm ends with exactly peers_per_torrent distinct peers.
//
//   Workload w({.torrents = 10000, .peers = 100000, .sources = 4});
//   PlannedRequest r = w.next(0);            // a request to send from source 0 (127.0.0.1)
//   Sha1Digest ih = w.info_hash(r.torrent);
//
// Not thread-safe: one Workload per generator thread (give each a different seed).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shoal/proto/announce_event.hpp"
#include "shoal/proto/hash.hpp"
#include "shoal/proto/peer_endpoint.hpp"

namespace shoal::bench {

/// Most distinct ports (simulated peers) per source address: ports 1024..65023.
inline constexpr std::uint32_t kMaxPeersPerSource = 64000;
/// Most source addresses (127.0.0.1 .. 127.0.0.254).
inline constexpr std::uint32_t kMaxSources = 254;
/// First announced port.
inline constexpr std::uint16_t kFirstPeerPort = 1024;

enum class RequestKind : std::uint8_t { connect, announce, scrape };

std::string_view to_string(RequestKind kind) noexcept;

struct WorkloadOptions {
  std::uint32_t torrents = 10000;
  double zipf_exponent = 1.0;           ///< s >= 0; 0 = uniform
  std::uint32_t peers = 100000;         ///< simulated peers over all sources
  std::uint32_t sources = 4;            ///< source addresses 127.0.0.1 .. 127.0.0.<sources>
  double seeder_fraction = 0.3;         ///< 0..1
  double connect_weight = 0.0;          ///< extra connects beyond the ones a refresh needs
  double announce_weight = 0.9;
  double scrape_weight = 0.1;
  double p_started = 0.02;
  double p_stopped = 0.01;
  double p_completed = 0.01;
  std::uint32_t numwant = 50;
  std::uint32_t scrape_hashes = 1;      ///< info-hashes per scrape, 1..74
  std::uint32_t peers_per_torrent = 10; ///< fill mode only
  std::uint64_t seed = 1;
};

/// Checks the options; the message names the first bad one ("--sources: must be 1..254").
std::optional<std::string> validate(const WorkloadOptions& options);

struct PlannedRequest {
  RequestKind kind = RequestKind::announce;
  std::uint32_t torrent = 0;        ///< announce: the swarm; scrape: the first hash
  std::uint32_t source = 0;         ///< 0-based: address 127.0.0.(source + 1)
  std::uint16_t port = kFirstPeerPort;  ///< the announced port
  bool seeder = false;
  AnnounceEvent event = AnnounceEvent::none;
  std::uint32_t numwant = 0;
};

class Workload {
public:
  /// Precondition: validate(options) is nullopt.
  explicit Workload(const WorkloadOptions& options);

  const WorkloadOptions& options() const noexcept { return m_options; }

  /// A random request to send from `source` (< options().sources).
  PlannedRequest next(std::uint32_t source);

  /// The n-th fill announce of `source`, or nullopt when that source has none left.
  std::optional<PlannedRequest> fill_request(std::uint32_t source, std::uint64_t n) const;
  /// Fill announces over all sources: torrents * peers_per_torrent.
  std::uint64_t fill_total() const noexcept;

  /// Probability that next() picks torrent `rank` for an announce (the Zipf law).
  double torrent_probability(std::uint32_t rank) const noexcept;
  /// A Zipf-distributed torrent index.
  std::uint32_t pick_torrent();

  /// The info-hash of torrent i: a fixed function of i (the seed does not change it).
  static Sha1Digest info_hash(std::uint32_t torrent) noexcept;
  /// A stable 20-byte peer id for (source, port), "-SB0001-" + 12 bytes.
  static PeerId peer_id(std::uint32_t source, std::uint16_t port) noexcept;
  /// 127.0.0.(source + 1).
  static IpAddress source_address(std::uint32_t source) noexcept;
  /// Whether (source, port) is a seeder in `torrent` (fixed for the pair).
  bool is_seeder(std::uint32_t source, std::uint16_t port, std::uint32_t torrent) const noexcept;

  /// A uniform double in [0, 1) from the workload's generator.
  double uniform();

private:
  WorkloadOptions m_options;
  std::vector<double> m_cdf;  ///< cumulative Zipf probabilities, last = 1
  std::uint64_t m_rng;
  std::uint32_t m_peers_per_source;
};

}  // namespace shoal::bench
