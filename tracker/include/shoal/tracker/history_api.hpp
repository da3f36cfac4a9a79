#pragma once
// The history endpoints of the REST API, over SwarmHistory (swarm_history.hpp): what a monitor
// that connects late needs to draw the past. Both need a credential with the read scope.
//
//   GET /api/v1/history?window=3600
//     {"step": 60, "from": t0, "to": t1,
//      "points": [{"t", "torrents", "peers", "seeders", "leechers", "completed",
//                  "announces": {"udp", "http"}, "scrapes": {"udp", "http"}}]}
//   GET /api/v1/history/swarms/{info_hash}?window=86400
//     {"info_hash": "<40 hex>", "step": 60, "from", "to",
//      "points": [{"t", "seeders", "leechers", "completed"}]}
//
// `window` is seconds back from now, 60 to 30 days (default 3600). Up to 24 hours back the
// points are one per minute (step 60), beyond that one per 10 minutes (step 600, gauges averaged,
// counts summed). announces/scrapes are the requests during each step. {info_hash} is 40 hex
// characters (v1, or the first 20 bytes of the v2 hash); a torrent with no history has no points.
// Errors: window not an integer in range 400 invalid_field; a bad hash 400 invalid_info_hash.

#include <cstdint>
#include <functional>

#include "shoal/server/api_router.hpp"
#include "shoal/tracker/swarm_history.hpp"

namespace shoal::tracker {

void register_history_routes(server::ApiRouter& router, const SwarmHistory& history,
                             std::function<std::int64_t()> unix_now);

}  // namespace shoal::tracker
