#pragma once
// A torrent of shoal-peer as the control API (list, details, delta sync) and lifecycle hook events
// (hook_event.hpp) show it — the message type api::TransferView (proto's api_transfers.hpp, which
// clients read) filled from a TorrentStatus — and the torrent ids the API uses.
//
//   torrent_json(status, "tv", {"hd"})
//     {"id": "<40 hex>", "info_hash_v1": "...", "info_hash_v2": "...", "name": "...",
//      "state": "downloading", "paused": false, "progress": 0.42, "download_rate": 1048576,
//      "eta": 17, "ratio": 0.1, "peers": 3, "seeds": 1, "size": ..., "save_path": "...",
//      "category": "tv", "tags": ["hd"], ...}   (every field: docs/peer.md)
//
// `state`: "error" when the torrent has an error; "paused" / "stopped_complete" when the user
// (or a rule) paused it; else libtorrent's state (node.hpp's to_string(TorrentState):
// checking_resume_data, checking_files, downloading_metadata, downloading, finished, seeding,
// queued).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "shoal/peer/node.hpp"
#include "shoal/proto/api_transfers.hpp"

namespace shoal::peer {

/// The id of a torrent in the API: its swarm id (InfoHash::tracker_id()) in 40 lowercase hex.
std::string torrent_id(const InfoHash& hash);
/// The InfoHash a 40- or 64-hex id (any case) names, for Node lookups; nullopt otherwise.
std::optional<InfoHash> parse_torrent_id(std::string_view id);
/// The API's `state` of a torrent (see above).
std::string torrent_api_state(const TorrentStatus& s);
api::TransferView torrent_view(const TorrentStatus& s, std::string_view category, const std::vector<std::string>& tags);
/// torrent_view(...).to_json()
nlohmann::json torrent_json(const TorrentStatus& s, std::string_view category, const std::vector<std::string>& tags);

}  // namespace shoal::peer
