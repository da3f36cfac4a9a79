#pragma once
// The tracker's swarm view (shoal-tracker GET /api/v1/swarms and /api/v1/swarms/{hash}/peers):
// the messages the tracker writes and shoal-monitor reads. docs/api.md shows them as JSON.
//
//   GET /api/v1/swarms?sort=seeders&order=desc&q=ab&limit=100&offset=0  -> SwarmPage
//     {"swarms": [{"info_hash": "ab..", "seeders": 3, "leechers": 1, "peers": 4, "completed": 9,
//                  "trend": 2}], "total": 1, "limit": 100, "offset": 0, "sort": "seeders",
//      "order": "desc"}
//   GET /api/v1/swarms/{hash}/peers?limit=200                            -> SwarmPeerList
//     {"info_hash": "..", "total": 2, "peers": [{"address": "10.0.0.1", "port": 6881,
//      "seeder": false, "last_announce": 1700000000, "client": "qBittorrent 4.6.0",
//      "peer_id": "<40 hex>", "left": 1024, "downloaded": 0, "uploaded": 0, "progress": 0.5}]}
//
// Contract: `trend` is the change in peers over the last hour, null when the tracker has no
// sample that old. A peer's client, peer_id, left, downloaded and uploaded are null when the
// tracker keeps no description of that peer (tracker.peer_details); progress is null when it
// cannot be estimated (a seeder's is 1). `peers` = seeders + leechers.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shoal/proto/api_json.hpp"

namespace shoal::api {

struct SwarmSummary {
  std::string info_hash;  ///< 40 lowercase hex
  std::uint64_t seeders = 0;
  std::uint64_t leechers = 0;
  std::uint64_t completed = 0;
  std::optional<std::int64_t> trend;

  std::uint64_t peers() const noexcept { return seeders + leechers; }
  Json to_json() const;
  static expected<SwarmSummary, Error> from_json(const Json& j, std::string context = "swarm");

  friend bool operator==(const SwarmSummary&, const SwarmSummary&) = default;
};

struct SwarmPage {
  std::vector<SwarmSummary> swarms;
  std::uint64_t total = 0;  ///< swarms matching the filter, over all pages
  std::uint64_t limit = 0;
  std::uint64_t offset = 0;
  std::string sort;   ///< peers, seeders, leechers, completed or info_hash
  std::string order;  ///< asc or desc

  Json to_json() const;
  static expected<SwarmPage, Error> from_json(const Json& j);

  friend bool operator==(const SwarmPage&, const SwarmPage&) = default;
};

struct SwarmPeer {
  std::string address;  ///< IPv4 dotted or IPv6 text
  std::uint16_t port = 0;
  bool seeder = false;
  std::int64_t last_announce = 0;  ///< unix seconds
  std::optional<std::string> client;
  std::optional<std::string> peer_id;  ///< 40 hex
  std::optional<std::uint64_t> left;
  std::optional<std::uint64_t> downloaded;
  std::optional<std::uint64_t> uploaded;
  std::optional<double> progress;  ///< 0..1

  Json to_json() const;
  static expected<SwarmPeer, Error> from_json(const Json& j, std::string context = "swarm peer");

  friend bool operator==(const SwarmPeer&, const SwarmPeer&) = default;
};

struct SwarmPeerList {
  std::string info_hash;
  std::uint64_t total = 0;  ///< peers in the swarm (the list may be cut by ?limit=)
  std::vector<SwarmPeer> peers;

  Json to_json() const;
  static expected<SwarmPeerList, Error> from_json(const Json& j);

  friend bool operator==(const SwarmPeerList&, const SwarmPeerList&) = default;
};

}  // namespace shoal::api
