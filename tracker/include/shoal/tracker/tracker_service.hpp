#pragma once
// TrackerService: the protocol logic of the tracker, without sockets. The UDP and HTTP fronts hand
// it bytes (a datagram, a query string) and the client's address; it decodes, applies the policy
// (access lists, connection ids, numwant, intervals, which address to record), updates the swarm
// store, counts the outcome and writes the response bytes. Everything a client can make the
// tracker do goes through here, so the tests drive it directly.
//
// Policy decisions (see docs/tracker.md):
// - The peer's address is the one the connection/datagram came from (the HTTP front resolves
//   trusted proxies first). The `ip`/`ipv4`/`ipv6` parameters and the UDP `ip` field are ignored:
//   believing them would let anyone point a swarm at a third party's address.
// - A v4-mapped IPv6 source (dual-stack socket) is recorded as the IPv4 address.
// - HTTP returns peers of the requester's family; UDP the family of the socket.
// - `numwant` absent or negative → numwant_default; larger than numwant_max → numwant_max.
// - A peer is a seeder when left == 0 or the event is `completed` or `paused` (BEP 21).
// - UDP: requests whose connection id does not check get an error response only if they are an
//   announce or scrape with a valid layout (so the tracker never answers garbage with more bytes than
//   it received); undecodable datagrams are dropped and counted.
// - The announce interval is randomised by ±interval_jitter to spread re-announces.
// - tracker.client_allow (every mode): a peer_id starting with none of the prefixes is refused.
//
// Private mode (needs the registry and accounting given to the constructor; docs/tracker.md):
// - Every announce names a passkey: HTTP `/announce/<passkey>` (the front passes the path
//   segment) or `?passkey=`, UDP a BEP 41 URLData "/announce/<passkey>". Missing, unknown or
//   revoked passkeys, disabled users and unregistered torrents are refused with the reasons in
//   private_registry.hpp (HTTP failure reason, UDP error action), checked in that order.
// - A registered torrent announces into its swarm key: a hybrid's v1 and truncated-v2 hashes
//   share one swarm. The deny list still applies.
// - Each accepted announce is recorded in Accounting (uploaded/downloaded deltas per user).
// - HTTP scrape needs a valid passkey too; torrents not registered scrape as empty. UDP scrape
//   (BEP 41 options exist only for announces) answers registered torrents without a passkey.
// In public and listed modes a passkey (path or URLData) is ignored: `/announce/<anything>` is
// served exactly like `/announce`.
//
//   TrackerService service(settings, store, access, stats, connection_ids);
//   TrackerService::Scratch scratch;                  // one per worker thread
//   service.udp_datagram(packet, from, now, scratch, reply);       // reply empty: send nothing
//   service.http_announce(query, client_ip, now, scratch, body);   // bencoded body, HTTP 200
//
// Thread-safe: the service is immutable after construction; each thread passes its own Scratch.

#include <cstdint>
#include <string>
#include <string_view>

#include "shoal/proto/peer_endpoint.hpp"
#include "shoal/tracker/access_list.hpp"
#include "shoal/tracker/accounting.hpp"
#include "shoal/tracker/private_registry.hpp"
#include "shoal/tracker/config.hpp"
#include "shoal/tracker/connection_id.hpp"
#include "shoal/tracker/stats.hpp"
#include "shoal/tracker/peer_details.hpp"
#include "shoal/tracker/swarm_store.hpp"

namespace shoal::tracker {

class TrackerService {
public:
  /// Per-thread reusable buffers: after warm-up, requests allocate nothing.
  struct Scratch {
    std::string peers_v4;
    std::string peers_v6;
    std::string url;
    std::uint64_t rng = 0x9e3779b97f4a7c15ull;  ///< jitter PRNG state (xorshift)
  };

  /// `registry` and `accounting` are required in private mode (std::invalid_argument otherwise)
  /// and unused in the other modes. `details`, when given, receives every accepted announce's
  /// peer id and counters (and forgets a peer on `stopped`) for the monitor's peer list.
  TrackerService(const TrackerSettings& settings, SwarmStore& store, const AccessList& access,
                 TrackerStats& stats, const ConnectionIds& connection_ids,
                 const PrivateRegistry* registry = nullptr, Accounting* accounting = nullptr,
                 PeerDetails* details = nullptr);

  /// GET /announce?<query> (or /announce/<passkey>?<query>: `passkey` is that path segment).
  /// Writes the bencoded body (success or `failure reason`) to `body` (cleared first). The HTTP
  /// status is always 200, as BEP 3 clients expect.
  void http_announce(std::string_view query, const IpAddress& client, std::uint32_t now,
                     Scratch& scratch, std::string& body, std::string_view passkey = {}) const;

  /// GET /scrape?<query> (or /scrape/<passkey>?<query>). A scrape without info_hash is a full
  /// scrape when settings allow it, else a failure.
  void http_scrape(std::string_view query, std::uint32_t now, Scratch& scratch,
                   std::string& body, std::string_view passkey = {}) const;

  /// One UDP datagram from `from`. Writes the reply datagram to `reply` (cleared first); an
  /// empty reply means send nothing.
  void udp_datagram(std::string_view datagram, const PeerEndpoint& from, std::uint32_t now,
                    Scratch& scratch, std::string& reply) const;

  /// The interval to give a client: announce_interval ± jitter.
  std::uint32_t jittered_interval(Scratch& scratch) const noexcept;

private:
  std::uint32_t clamp_numwant(std::int64_t requested) const noexcept;
  bool client_allowed(const Digest<20>& peer_id) const noexcept;
  /// Private mode: the user of `passkey`, or the reason to refuse.
  const RegisteredUser* private_user(const PrivateRegistry::Snapshot& snap, std::string_view passkey,
                                     std::string_view& refusal) const;

  const TrackerSettings& m_settings;
  SwarmStore& m_store;
  const AccessList& m_access;
  TrackerStats& m_stats;
  const ConnectionIds& m_connection_ids;
  const PrivateRegistry* m_registry;
  Accounting* m_accounting;
  PeerDetails* m_details;
};

}  // namespace shoal::tracker
