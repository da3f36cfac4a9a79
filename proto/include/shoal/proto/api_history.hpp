#pragma once
// The tracker's history (shoal-tracker GET /api/v1/history and /api/v1/history/swarms/{hash}):
// totals and one swarm's counts sampled over time, what shoal-monitor's charts draw.
//
//   GET /api/v1/history?window=3600                 -> TotalsHistory
//     {"step": 60, "from": 1700000000, "to": 1700003600, "points": [{"t": 1700000060,
//      "torrents": 3, "peers": 9, "seeders": 4, "leechers": 5, "completed": 12,
//      "announces": {"udp": 30, "http": 2}, "scrapes": {"udp": 1, "http": 0}}]}
//   GET /api/v1/history/swarms/{hash}?window=86400  -> SwarmHistory
//     {"info_hash": "..", "step": 60, "from": .., "to": .., "points": [{"t": ..,
//      "seeders": 2, "leechers": 1, "completed": 7}]}
//
// Contract: `step` is the seconds between points (60 up to a day back, 600 beyond); `t` is the
// start of a point's step in unix seconds, oldest first; announces and scrapes count the events
// in that step (per protocol), the other fields are the state at `t`.

#include <cstdint>
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
  std::vector<TotalsPoint> points;

  Json to_json() const;
  static expected<TotalsHistory, Error> from_json(const Json& j);

  friend bool operator==(const TotalsHistory&, const TotalsHistory&) = default;
};

struct SwarmHistory {
  std::string info_hash;
  std::int64_t step = 0, from = 0, to = 0;
  std::vector<SwarmPoint> points;

  Json to_json() const;
  static expected<SwarmHistory, Error> from_json(const Json& j);

  friend bool operator==(const SwarmHistory&, const SwarmHistory&) = default;
};

}  // namespace shoal::api
