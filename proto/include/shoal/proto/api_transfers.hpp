#pragma once
// A shoal-peer node's torrents as its control API shows them (GET /api/v1/torrents,
// /api/v1/torrents/{id}, /api/v1/sync, /api/v1/stats) and as lifecycle hooks receive them:
// written by shoal-peer, read by `shoal peer` and shoal-monitor's Transfers page.
//
//   GET /api/v1/sync?since=R  -> TransferSync
//     {"revision": 1700000000123, "full": false, "torrents": [TransferView...],
//      "removed": ["<id>"], "global": NodeStats}
//
// Contract
// - TransferView.id is the torrent's swarm id in 40 lowercase hex; `state` is "error",
//   "paused", "stopped_complete" or libtorrent's state (checking_resume_data, checking_files,
//   downloading_metadata, downloading, finished, seeding, queued). eta is seconds, -1 unknown;
//   ratio is uploaded/downloaded, -1 before anything was downloaded. Rates are bytes/s.
// - A sync with `full` replaces everything the client holds with `torrents`; otherwise the
//   client updates the torrents listed (whole objects) and drops the `removed` ids, then asks
//   again with `since` = `revision`.

#include <cstdint>
#include <string>
#include <vector>

#include "shoal/proto/api_json.hpp"

namespace shoal::api {

struct TransferView {
  std::string id;
  std::string info_hash_v1;  ///< 40 hex, empty for a v2-only torrent
  std::string info_hash_v2;  ///< 64 hex, empty for a v1-only torrent
  std::string name;
  std::string state;
  bool paused = false;
  bool has_metadata = false;
  double progress = 0;  ///< 0..1
  std::int64_t download_rate = 0, upload_rate = 0;
  std::int64_t eta = -1;
  double ratio = -1;
  std::int64_t peers = 0, seeds = 0;               ///< connected (peers: not seeds)
  std::int64_t swarm_seeds = -1, swarm_leechers = -1;  ///< as trackers report, -1 unknown
  std::int64_t size = 0, wanted = 0, done = 0;
  std::int64_t uploaded = 0, downloaded = 0;                  ///< all time
  std::int64_t session_uploaded = 0, session_downloaded = 0;  ///< since the node started it
  std::string save_path;
  std::string error;
  std::int64_t added_time = 0, completion_time = 0, seeding_time = 0, active_time = 0;
  std::int64_t queue_position = -1;
  bool sequential = false;
  std::int64_t files = 0;
  std::string category;
  std::vector<std::string> tags;

  Json to_json() const;
  static expected<TransferView, Error> from_json(const Json& j, std::string context = "torrent");

  friend bool operator==(const TransferView&, const TransferView&) = default;
};

struct NodeStats {
  std::int64_t torrents = 0, peers = 0;
  std::int64_t download_rate = 0, upload_rate = 0;
  std::int64_t download_limit = 0, upload_limit = 0;  ///< bytes/s in effect, 0 unlimited
  bool alt_limits_active = false;
  std::int64_t listen_port = 0;
  std::uint64_t revision = 0;

  Json to_json() const;
  static expected<NodeStats, Error> from_json(const Json& j, std::string context = "stats");

  friend bool operator==(const NodeStats&, const NodeStats&) = default;
};

struct TransferSync {
  std::uint64_t revision = 0;
  bool full = false;
  std::vector<TransferView> torrents;
  std::vector<std::string> removed;
  NodeStats global;

  /// The answer from views already written with TransferView::to_json (the daemon keeps them
  /// as JSON to tell what changed).
  static Json to_json(std::uint64_t revision, bool full, const std::vector<Json>& torrents,
                      const std::vector<std::string>& removed, const NodeStats& global);
  static expected<TransferSync, Error> from_json(const Json& j);

  friend bool operator==(const TransferSync&, const TransferSync&) = default;
};

}  // namespace shoal::api
