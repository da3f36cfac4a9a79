#pragma once
// The tracker's history (shoal-tracker GET /api/v1/history and /api/v1/history/swarms/{hash}):
// totals and one swarm's counts sampled over time, what shoal-monitor's charts draw.
//
//   GET /api/v1/history?window=3600[&since=T]       -> TotalsHistory
//     {"step": 60, "from": 1700000000, "to": 1700003600, "since": null, "points": [{"t": 1700000060,
//      "torrents": 3, "peers": 9, "seeders": 4, "leechers": 5, "completed": 12,
//      "announces": {"udp": 30, "http": 2}, "scrapes": {"udp": 1, "http": 0}}]}
//   GET /api/v1/history/swarms/{hash}?window=86400[&since=T]  -> SwarmHistory
//     {"info_hash": "..", "step": 60, "from": .., "to": .., "since": null, "points": [{"t": ..,
//      "seeders": 2, "leechers": 1, "completed": 7}]}
//
// Contract: `step` is the seconds between points (60 up to a day back, 600 beyond); `t` is the
// start of a point's step in unix seconds, oldest first; announces and scrapes count the events
// in that step (per protocol), the other fields are the state at `t`.
// Delta: with `since` the answer holds only the window's points with t >= since (and echoes
// since). A client that has the window sends since = the t of its newest point, drops its points
// from that t on (the newest point of a 10-minute step may still change), appends the answer's,
// and drops points older than the window; `step` and the resolution stay those of the window.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shoal/proto/api_json.hpp"

namespace shoal::api {

struct TotalsPoint {
  std::int64_t t = 0;
  std::uint64_t torrents = 0, peers = 0, seeders = 0, leechers = 0, completed = 0;
  std::uint64_t announces_udp = 0, announces_http = 0, scrapes_udp = 0, scrapes_http = 0;

  Json to_json() const;
  static expected<TotalsPoint, Error> from_json(const Json& j, std::string context);

  friend bool operator==(const TotalsPoint&, const TotalsPoint&) = default;
};

struct SwarmPoint {
  std::int64_t t = 0;
  std::uint64_t seeders = 0, leechers = 0, completed = 0;

  Json to_json() const;
  static expected<SwarmPoint, Error> from_json(const Json& j, std::string context);

  friend bool operator==(const SwarmPoint&, const SwarmPoint&) = default;
};

struct TotalsHistory {
  std::int64_t step = 0, from = 0, to = 0;
  std::optional<std::int64_t> since;  ///< set: a delta (points with t >= since)
  std::vector<TotalsPoint> points;

  Json to_json() const;
  static expected<TotalsHistory, Error> from_json(const Json& j);

  friend bool operator==(const TotalsHistory&, const TotalsHistory&) = default;
};

struct SwarmHistory {
  std::string info_hash;
  std::int64_t step = 0, from = 0, to = 0;
  std::optional<std::int64_t> since;  ///< set: a delta (points with t >= since)
  std::vector<SwarmPoint> points;

  Json to_json() const;
  static expected<SwarmHistory, Error> from_json(const Json& j);

  friend bool operator==(const SwarmHistory&, const SwarmHistory&) = default;
};

}  // namespace shoal::api
