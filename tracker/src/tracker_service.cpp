#include "shoal/tracker/tracker_service.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <variant>

#include "shoal/proto/http_tracker.hpp"
#include "shoal/proto/udp_tracker.hpp"

namespace shoal::tracker {

namespace {

constexpr std::string_view kBadConnectionId = "invalid connection id";
constexpr std::string_view kFullScrapeDisabled = "full scrape is disabled; name an info_hash";

std::uint64_t next_random(std::uint64_t& state) noexcept {
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545f4914f6cdd1dull;
}

void http_failure(std::string& body, std::string_view reason) {
  AnnounceResponse r;
  r.failure_reason = std::string(reason);
  encode_announce_response(body, r);
}

PeerEndpoint normalize(const PeerEndpoint& e) { return PeerEndpoint{e.address.unmapped(), e.port}; }

}  // namespace

TrackerService::TrackerService(const TrackerSettings& settings, SwarmStore& store,
                               const AccessList& access, TrackerStats& stats,
                               const ConnectionIds& connection_ids, const PrivateRegistry* registry,
                               Accounting* accounting, PeerDetails* details)
    : m_settings(settings), m_store(store), m_access(access), m_stats(stats),
      m_connection_ids(connection_ids), m_registry(registry), m_accounting(accounting), m_details(details) {
  if (m_settings.mode == TrackerMode::private_mode && (!m_registry || !m_accounting))
    throw std::invalid_argument("TrackerService: private mode needs a registry and accounting");
}

namespace {
// A client's counter as the tracker keeps it: negative (UDP sends signed fields) reads as 0.
std::uint64_t counter(std::int64_t v) noexcept { return v < 0 ? 0 : static_cast<std::uint64_t>(v); }
}  // namespace

bool TrackerService::client_allowed(const Digest<20>& peer_id) const noexcept {
  if (m_settings.client_allow.empty()) return true;
  const std::string_view id = peer_id.view();
  return std::any_of(m_settings.client_allow.begin(), m_settings.client_allow.end(),
                     [&](const std::string& prefix) { return id.starts_with(prefix); });
}

const RegisteredUser* TrackerService::private_user(const PrivateRegistry::Snapshot& snap,
                                                   std::string_view passkey,
                                                   std::string_view& refusal) const {
  if (passkey.empty()) {
    refusal = kPasskeyRequiredReason;
    return nullptr;
  }
  const RegisteredUser* user = snap.user(passkey);
  if (!user) {
    refusal = kUnknownPasskeyReason;
    return nullptr;
  }
  if (!user->enabled) {
    refusal = kUserDisabledReason;
    return nullptr;
  }
  return user;
}

std::uint32_t TrackerService::jittered_interval(Scratch& scratch) const noexcept {
  const double base = m_settings.announce_interval;
  const double spread = base * m_settings.interval_jitter;
  if (spread < 1.0) return m_settings.announce_interval;
  const double unit = static_cast<double>(next_random(scratch.rng) >> 11) * 0x1.0p-53;  // [0,1)
  return static_cast<std::uint32_t>(std::lround(base - spread + 2.0 * spread * unit));
}

std::uint32_t TrackerService::clamp_numwant(std::int64_t requested) const noexcept {
  if (requested < 0) return std::min(m_settings.numwant_default, m_settings.numwant_max);
  return static_cast<std::uint32_t>(std::min<std::int64_t>(requested, m_settings.numwant_max));
}

void TrackerService::http_announce(std::string_view query, const IpAddress& client,
                                   std::uint32_t now, Scratch& scratch, std::string& body,
                                   std::string_view passkey) const {
  body.clear();
  auto req = parse_announce_query(query);
  if (!req) {
    m_stats.count(Protocol::http, Event::invalid);
    http_failure(body, req.error().message());
    return;
  }
  const auto refuse = [&](std::string_view reason) {
    m_stats.count(Protocol::http, Event::failure);
    http_failure(body, reason);
  };
  Sha1Digest swarm_key = req->info_hash;
  std::shared_ptr<const PrivateRegistry::Snapshot> snap;
  const RegisteredUser* user = nullptr;
  const RegisteredTorrent* torrent = nullptr;
  if (m_settings.mode == TrackerMode::private_mode) {
    snap = m_registry->snapshot();
    if (passkey.empty() && req->passkey) passkey = *req->passkey;
    std::string_view refusal;
    user = private_user(*snap, passkey, refusal);
    if (!user) return refuse(refusal);
  }
  if (!client_allowed(req->peer_id)) return refuse(kClientNotAllowedReason);
  if (snap) {
    torrent = snap->torrent(req->info_hash);
    if (!torrent) return refuse(kUnregisteredTorrentReason);
    swarm_key = torrent->swarm_key;
  }
  if (auto reason = m_access.refuse(swarm_key)) return refuse(*reason);
  AnnounceParams p;
  p.info_hash = swarm_key;
  p.peer = PeerEndpoint{client.unmapped(), req->port};
  p.event = req->event;
  p.seeder = (req->left && *req->left == 0) || req->event == AnnounceEvent::completed ||
             req->event == AnnounceEvent::paused;
  const std::uint32_t numwant = clamp_numwant(req->numwant.value_or(-1));
  (p.peer.is_v4() ? p.numwant_v4 : p.numwant_v6) = numwant;
  p.now = now;

  scratch.peers_v4.clear();
  scratch.peers_v6.clear();
  const AnnounceResult result = m_store.announce(p, scratch.peers_v4, scratch.peers_v6);
  m_stats.count(Protocol::http, Event::announce);
  if (m_details) {
    if (p.event == AnnounceEvent::stopped) m_details->forget(p.info_hash, p.peer);
    else m_details->record(p.info_hash, p.peer, {req->peer_id, counter(req->left.value_or(0)), counter(req->downloaded),
                                                 counter(req->uploaded), now});
  }
  if (torrent)
    m_accounting->record(PeerKey{user->id, torrent->id, req->peer_id},
                         AnnounceCounters{req->uploaded, req->downloaded, req->event, now,
                                          torrent->freeleech, torrent->neutral});

  AnnounceResponse r;
  r.interval = jittered_interval(scratch);
  r.min_interval = m_settings.min_interval;
  r.complete = result.counts.seeders;
  r.incomplete = result.counts.leechers;
  r.downloaded = result.counts.completed;
  if (req->compact) {
    encode_compact_announce_response(body, r, scratch.peers_v4, scratch.peers_v6);
  } else {
    // Dictionary form (BEP 3) is rare: build the peer list. We keep no peer ids, so "peer id" is
    // left out, which clients accept (it is what no_peer_id=1 asks for anyway).
    for (auto* compact : {&scratch.peers_v4, &scratch.peers_v6}) {
      const AddressFamily family = compact == &scratch.peers_v4 ? AddressFamily::v4 : AddressFamily::v6;
      auto peers = parse_compact_peers(*compact, family);
      if (peers)
        for (const auto& e : *peers) r.peers.push_back(AnnouncePeer{e, std::nullopt});
    }
    encode_announce_response(body, r, PeerListFormat::dict);
  }
}

void TrackerService::http_scrape(std::string_view query, std::uint32_t /*now*/, Scratch&,
                                 std::string& body, std::string_view passkey) const {
  body.clear();
  auto req = parse_scrape_query(query);
  ScrapeResponse r;
  if (!req) {
    m_stats.count(Protocol::http, Event::invalid);
    r.failure_reason = req.error().message();
    encode_scrape_response(body, r);
    return;
  }
  std::shared_ptr<const PrivateRegistry::Snapshot> snap;
  std::string url;  // "?<query>", for a `passkey=` parameter
  if (m_settings.mode == TrackerMode::private_mode) {
    snap = m_registry->snapshot();
    if (passkey.empty()) passkey = passkey_from_url(url.append("?").append(query));
    std::string_view refusal;
    if (!private_user(*snap, passkey, refusal)) {
      m_stats.count(Protocol::http, Event::failure);
      r.failure_reason = std::string(refusal);
      encode_scrape_response(body, r);
      return;
    }
  }
  // The swarm a requested hash is counted in, or nullopt when it is not served.
  const auto served_swarm = [&](const Sha1Digest& h) -> std::optional<Sha1Digest> {
    Sha1Digest key = h;
    if (snap) {
      const RegisteredTorrent* t = snap->torrent(h);
      if (!t) return std::nullopt;
      key = t->swarm_key;
    }
    if (m_access.refuse(key)) return std::nullopt;
    return key;
  };
  if (req->info_hashes.empty()) {
    if (!m_settings.full_scrape) {
      m_stats.count(Protocol::http, Event::failure);
      r.failure_reason = std::string(kFullScrapeDisabled);
      encode_scrape_response(body, r);
      return;
    }
    m_store.for_each_swarm([&](const Sha1Digest& h, const SwarmCounts& c) {
      if (served_swarm(h) != h) return;
      r.files[h] = ScrapeStats{c.seeders, c.leechers, c.completed, std::nullopt};
    });
  } else {
    if (req->info_hashes.size() > m_settings.scrape_max_hashes) {
      m_stats.count(Protocol::http, Event::failure);
      r.failure_reason = "too many info_hash parameters (at most " +
                         std::to_string(m_settings.scrape_max_hashes) + ")";
      encode_scrape_response(body, r);
      return;
    }
    for (const Sha1Digest& h : req->info_hashes) {
      // A refused torrent is reported as empty rather than failing the whole scrape.
      const auto key = served_swarm(h);
      const SwarmCounts c = key ? m_store.scrape(*key) : SwarmCounts{};
      r.files[h] = ScrapeStats{c.seeders, c.leechers, c.completed, std::nullopt};
    }
  }
  m_stats.count(Protocol::http, Event::scrape);
  encode_scrape_response(body, r);
}

void TrackerService::udp_datagram(std::string_view datagram, const PeerEndpoint& from,
                                  std::uint32_t now, Scratch& scratch, std::string& reply) const {
  reply.clear();
  auto decoded = udp_tracker::decode_request(datagram, scratch.url);
  if (!decoded) {
    // Undecodable: answer only when it has a connection id we issued to this address, so that
    // garbage with a spoofed source cannot make us send anything.
    m_stats.count(Protocol::udp, Event::invalid);
    if (datagram.size() >= 16) {
      std::uint64_t cid = 0;
      for (int i = 0; i < 8; ++i) cid = (cid << 8) | static_cast<std::uint8_t>(datagram[static_cast<std::size_t>(i)]);
      auto tid = udp_tracker::request_transaction_id(datagram);
      if (tid && m_connection_ids.check(cid, from, now))
        udp_tracker::encode(udp_tracker::ErrorResponse{*tid, decoded.error().message()}, reply);
    }
    return;
  }

  if (auto* c = std::get_if<udp_tracker::ConnectRequest>(&*decoded)) {
    m_stats.count(Protocol::udp, Event::connect);
    udp_tracker::encode(udp_tracker::ConnectResponse{c->transaction_id, m_connection_ids.make(from, now)},
                        reply);
    return;
  }

  if (auto* a = std::get_if<udp_tracker::AnnounceRequest>(&*decoded)) {
    if (!m_connection_ids.check(a->connection_id, from, now)) {
      m_stats.count(Protocol::udp, Event::failure);
      udp_tracker::encode(udp_tracker::ErrorResponse{a->transaction_id, std::string(kBadConnectionId)}, reply);
      return;
    }
    const auto refuse = [&](std::string_view reason) {
      m_stats.count(Protocol::udp, Event::failure);
      udp_tracker::encode(udp_tracker::ErrorResponse{a->transaction_id, std::string(reason)}, reply);
    };
    Sha1Digest swarm_key = a->info_hash;
    std::shared_ptr<const PrivateRegistry::Snapshot> snap;
    const RegisteredUser* user = nullptr;
    const RegisteredTorrent* torrent = nullptr;
    if (m_settings.mode == TrackerMode::private_mode) {
      snap = m_registry->snapshot();
      std::string_view refusal;
      user = private_user(*snap, a->url_data ? passkey_from_url(*a->url_data) : std::string_view{},
                          refusal);
      if (!user) return refuse(refusal);
    }
    if (!client_allowed(a->peer_id)) return refuse(kClientNotAllowedReason);
    if (snap) {
      torrent = snap->torrent(a->info_hash);
      if (!torrent) return refuse(kUnregisteredTorrentReason);
      swarm_key = torrent->swarm_key;
    }
    if (auto reason = m_access.refuse(swarm_key)) return refuse(*reason);
    AnnounceParams p;
    p.info_hash = swarm_key;
    const PeerEndpoint source = normalize(from);
    // Port 0 in the packet: the client means "the port I send from" (what opentracker does too).
    p.peer = PeerEndpoint{source.address, a->port != 0 ? a->port : source.port};
    p.event = a->event;
    p.seeder = a->left == 0 || a->event == AnnounceEvent::completed;
    const std::uint32_t numwant = clamp_numwant(a->num_want);
    (p.peer.is_v4() ? p.numwant_v4 : p.numwant_v6) = numwant;
    p.now = now;
    scratch.peers_v4.clear();
    scratch.peers_v6.clear();
    const AnnounceResult result = m_store.announce(p, scratch.peers_v4, scratch.peers_v6);
    m_stats.count(Protocol::udp, Event::announce);
    if (m_details) {
      if (p.event == AnnounceEvent::stopped) m_details->forget(p.info_hash, p.peer);
      else m_details->record(p.info_hash, p.peer, {a->peer_id, counter(a->left), counter(a->downloaded), counter(a->uploaded), now});
    }
    if (torrent)
      m_accounting->record(PeerKey{user->id, torrent->id, a->peer_id},
                           AnnounceCounters{a->uploaded, a->downloaded, a->event, now,
                                            torrent->freeleech, torrent->neutral});
    udp_tracker::AnnounceResponse r;
    r.transaction_id = a->transaction_id;
    r.interval = jittered_interval(scratch);
    r.leechers = result.counts.leechers;
    r.seeders = result.counts.seeders;
    // The reply's peer format is the family of the socket: a v4-mapped source gets 6-byte peers
    // only if we answer over a v4 socket; a dual-stack v6 socket expects 18-byte entries.
    if (from.is_v4() || from.address.is_v4_mapped()) {
      r.family = AddressFamily::v4;
      udp_tracker::encode_compact_announce_response(r, scratch.peers_v4, reply);
    } else {
      r.family = AddressFamily::v6;
      udp_tracker::encode_compact_announce_response(r, scratch.peers_v6, reply);
    }
    return;
  }

  auto& s = std::get<udp_tracker::ScrapeRequest>(*decoded);
  if (!m_connection_ids.check(s.connection_id, from, now)) {
    m_stats.count(Protocol::udp, Event::failure);
    udp_tracker::encode(udp_tracker::ErrorResponse{s.transaction_id, std::string(kBadConnectionId)}, reply);
    return;
  }
  udp_tracker::ScrapeResponse r;
  r.transaction_id = s.transaction_id;
  r.stats.reserve(s.info_hashes.size());
  std::shared_ptr<const PrivateRegistry::Snapshot> snap;
  if (m_settings.mode == TrackerMode::private_mode) snap = m_registry->snapshot();
  for (std::size_t i = 0; i < s.info_hashes.size(); ++i) {
    Sha1Digest h = s.info_hashes[i];
    bool served = true;
    if (snap) {
      const RegisteredTorrent* t = snap->torrent(h);
      served = t != nullptr;
      if (t) h = t->swarm_key;
    }
    const SwarmCounts c = !served || m_access.refuse(h) ? SwarmCounts{} : m_store.scrape(h);
    r.stats.push_back(udp_tracker::ScrapeStats{c.seeders, c.completed, c.leechers});
  }
  m_stats.count(Protocol::udp, Event::scrape);
  udp_tracker::encode(r, reply);
}

}  // namespace shoal::tracker
