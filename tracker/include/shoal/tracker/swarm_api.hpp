#pragma once
// The swarm list of the REST API: every torrent the tracker has peers (or a completed count) for,
// with its live counts and trend — the monitor's swarm table.
//
//   GET /api/v1/swarms?sort=peers&order=desc&q=<hex prefix>&limit=100&offset=0
//     {"swarms": [{"info_hash", "seeders", "leechers", "peers", "completed",
//                  "trend": peers now minus peers an hour ago (null: no history that old)}],
//      "total", "limit", "offset", "sort", "order"}
//
// sort: peers (default), seeders, leechers, completed, info_hash; order: desc (default) or asc;
// ties by info_hash. q filters by info-hash prefix (hex, case-insensitive). limit 1-500 (default
// 100). Scope: read; in private mode admin (the list names every torrent, registered or not).
// Errors: 400 invalid_field for an unknown sort/order, a bad limit/offset or a q that is not hex.
//
//   GET /api/v1/swarms/{info_hash}/peers?limit=200
//     {"info_hash", "total", "peers": [{"address", "port", "seeder", "last_announce",
//       "client" (from the peer id, "" unknown), "peer_id" (hex), "left", "downloaded", "uploaded",
//       "progress" (0-1 estimate: 1 - left / the largest left + downloaded any peer reported;
//                   1 for seeders; null without a description)}]}
//   Seeders first, then the most recent announces. A peer the bounded PeerDetails table no longer
//   describes has null client/peer_id/counters. Same scope as the list; 400 invalid_info_hash.

#include <cstdint>
#include <functional>

#include "shoal/server/api_router.hpp"
#include "shoal/tracker/peer_details.hpp"
#include "shoal/tracker/swarm_history.hpp"
#include "shoal/tracker/swarm_store.hpp"

namespace shoal::tracker {

inline constexpr std::size_t kMaxSwarmPage = 500;

void register_swarm_routes(server::ApiRouter& router, const SwarmStore& store, const SwarmHistory& history,
                           const PeerDetails& details, bool private_mode, std::function<std::int64_t()> unix_now);

}  // namespace shoal::tracker
