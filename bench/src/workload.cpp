#include "shoal/bench/workload.hpp"
#include "shoal/bench/load.hpp"

#include <algorithm>
#include <cmath>

namespace shoal::bench {

namespace {

std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::uint64_t mix(std::uint64_t x) noexcept {
  std::uint64_t s = x;
  return splitmix64(s);
}

}  // namespace

std::string_view to_string(RequestKind kind) noexcept {
  switch (kind) {
    case RequestKind::connect: return "connect";
    case RequestKind::announce: return "announce";
    case RequestKind::scrape: return "scrape";
  }
  return "unknown";
}

std::optional<std::string> validate(const WorkloadOptions& o) {
  auto fraction = [](double v) { return v >= 0.0 && v <= 1.0; };
  if (o.torrents == 0) return "--torrents: must be at least 1";
  if (!(o.zipf_exponent >= 0.0) || o.zipf_exponent > 10.0) return "--zipf: must be 0..10";
  if (o.sources == 0 || o.sources > kMaxSources) return "--sources: must be 1..254";
  if (o.peers < o.sources) return "--peers: must be at least --sources";
  if (o.peers / o.sources > kMaxPeersPerSource)
    return "--peers: at most 64000 per source address (raise --sources)";
  if (!fraction(o.seeder_fraction)) return "--seeders: must be 0..1";
  if (!(o.connect_weight >= 0) || !(o.announce_weight >= 0) || !(o.scrape_weight >= 0))
    return "--mix: weights must not be negative";
  if (o.connect_weight + o.announce_weight + o.scrape_weight <= 0.0)
    return "--mix: at least one weight must be positive";
  if (!fraction(o.p_started) || !fraction(o.p_stopped) || !fraction(o.p_completed) ||
      o.p_started + o.p_stopped + o.p_completed > 1.0)
    return "event probabilities: each 0..1, together at most 1";
  if (o.scrape_hashes == 0 || o.scrape_hashes > 74) return "--scrape-hashes: must be 1..74";
  if (o.peers_per_torrent == 0 || o.peers_per_torrent > kMaxPeersPerSource)
    return "--peers-per-torrent: must be 1..64000";
  return std::nullopt;
}

Workload::Workload(const WorkloadOptions& options)
    : m_options(options), m_rng(options.seed), m_peers_per_source(options.peers / options.sources) {
  m_cdf.resize(options.torrents);
  double sum = 0.0;
  for (std::uint32_t i = 0; i < options.torrents; ++i) {
    sum += 1.0 / std::pow(static_cast<double>(i) + 1.0, options.zipf_exponent);
    m_cdf[i] = sum;
  }
  for (double& c : m_cdf) c /= sum;
  m_cdf.back() = 1.0;
}

double Workload::uniform() {
  return static_cast<double>(splitmix64(m_rng) >> 11) * 0x1.0p-53;
}

double Workload::torrent_probability(std::uint32_t rank) const noexcept {
  if (rank >= m_cdf.size()) return 0.0;
  return rank == 0 ? m_cdf[0] : m_cdf[rank] - m_cdf[rank - 1];
}

std::uint32_t Workload::pick_torrent() {
  const double u = uniform();
  const auto it = std::upper_bound(m_cdf.begin(), m_cdf.end(), u);
  const auto i = static_cast<std::size_t>(it - m_cdf.begin());
  return static_cast<std::uint32_t>(std::min(i, m_cdf.size() - 1));
}

PlannedRequest Workload::next(std::uint32_t source) {
  PlannedRequest r;
  r.source = source;
  const double total = m_options.connect_weight + m_options.announce_weight + m_options.scrape_weight;
  const double k = uniform() * total;
  if (k < m_options.connect_weight) {
    r.kind = RequestKind::connect;
    return r;
  }
  r.kind = k < m_options.connect_weight + m_options.announce_weight ? RequestKind::announce
                                                                     : RequestKind::scrape;
  r.torrent = pick_torrent();
  r.port = static_cast<std::uint16_t>(kFirstPeerPort + splitmix64(m_rng) % m_peers_per_source);
  if (r.kind == RequestKind::scrape) return r;
  r.seeder = is_seeder(source, r.port, r.torrent);
  r.numwant = m_options.numwant;
  const double e = uniform();
  if (e < m_options.p_started) {
    r.event = AnnounceEvent::started;
  } else if (e < m_options.p_started + m_options.p_stopped) {
    r.event = AnnounceEvent::stopped;
  } else if (e < m_options.p_started + m_options.p_stopped + m_options.p_completed && r.seeder) {
    r.event = AnnounceEvent::completed;
  }
  return r;
}

std::uint64_t Workload::fill_total() const noexcept {
  return std::uint64_t{m_options.torrents} * m_options.peers_per_torrent;
}

std::optional<PlannedRequest> Workload::fill_request(std::uint32_t source, std::uint64_t n) const {
  // Source s sends the global fill indices s, s + S, s + 2S, ...; index k is slot k % ppt of
  // torrent k / ppt. The slot is the port, so the peers of a swarm are distinct whatever source
  // they come from.
  const std::uint64_t k = source + n * m_options.sources;
  if (source >= m_options.sources || k >= fill_total()) return std::nullopt;
  PlannedRequest r;
  r.kind = RequestKind::announce;
  r.source = source;
  r.torrent = static_cast<std::uint32_t>(k / m_options.peers_per_torrent);
  r.port = static_cast<std::uint16_t>(kFirstPeerPort + k % m_options.peers_per_torrent);
  r.seeder = is_seeder(source, r.port, r.torrent);
  r.event = AnnounceEvent::started;
  r.numwant = 0;
  return r;
}

Sha1Digest Workload::info_hash(std::uint32_t torrent) noexcept {
  Sha1Digest d;
  std::uint64_t state = 0x5348'4f41'4c42'454eull ^ (std::uint64_t{torrent} << 1);  // "SHOALBEN"
  for (std::size_t i = 0; i < d.bytes.size(); i += 8) {
    const std::uint64_t v = splitmix64(state);
    for (std::size_t j = 0; j < 8 && i + j < d.bytes.size(); ++j)
      d.bytes[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
  }
  return d;
}

PeerId Workload::peer_id(std::uint32_t source, std::uint16_t port) noexcept {
  PeerId id;
  const char prefix[] = "-SB0001-";
  for (std::size_t i = 0; i < 8; ++i) id.bytes[i] = static_cast<std::uint8_t>(prefix[i]);
  std::uint64_t state = (std::uint64_t{source} << 16) | port;
  const std::uint64_t a = splitmix64(state);
  const std::uint64_t b = splitmix64(state);
  for (std::size_t i = 0; i < 8; ++i) id.bytes[8 + i] = static_cast<std::uint8_t>(a >> (8 * i));
  for (std::size_t i = 0; i < 4; ++i) id.bytes[16 + i] = static_cast<std::uint8_t>(b >> (8 * i));
  return id;
}

IpAddress Workload::source_address(std::uint32_t source) noexcept {
  return IpAddress::v4(0x7f000001u + source);
}

bool Workload::is_seeder(std::uint32_t source, std::uint16_t port,
                         std::uint32_t torrent) const noexcept {
  const std::uint64_t h =
      mix((std::uint64_t{source} << 48) ^ (std::uint64_t{port} << 32) ^ torrent ^ 0xa5a5'0000'0000'0000ull);
  return static_cast<double>(h >> 11) * 0x1.0p-53 < m_options.seeder_fraction;
}

const std::string& passkey_of(const std::vector<std::string>& passkeys, std::uint32_t source, std::uint16_t port) {
  return passkeys[(static_cast<std::uint64_t>(source) * 65536 + port) % passkeys.size()];
}

}  // namespace shoal::bench
