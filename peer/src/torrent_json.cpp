#include "shoal/peer/torrent_json.hpp"

namespace shoal::peer {

std::string torrent_id(const InfoHash& hash) { return hash.tracker_id().hex(); }

std::optional<InfoHash> parse_torrent_id(std::string_view id) {
  std::string lower(id);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
  InfoHash h;
  if (lower.size() == 40) {
    auto d = Sha1Digest::from_hex(lower);
    if (!d) return std::nullopt;
    h.v1 = *d;
  } else if (lower.size() == 64) {
    auto d = Sha256Digest::from_hex(lower);
    if (!d) return std::nullopt;
    h.v2 = *d;
  } else {
    return std::nullopt;
  }
  return h;
}


/// The state the API shows: libtorrent's, with the user's pause and errors on top.
std::string torrent_api_state(const TorrentStatus& s) {
  if (!s.error.empty()) return "error";
  if (s.paused) return (s.state == TorrentState::seeding || s.state == TorrentState::finished) ? "stopped_complete" : "paused";
  return to_string(s.state);
}


api::TransferView torrent_view(const TorrentStatus& s, std::string_view category, const std::vector<std::string>& tags) {
  return {.id = torrent_id(s.info_hash),
          .info_hash_v1 = s.info_hash.v1 ? s.info_hash.v1->hex() : "",
          .info_hash_v2 = s.info_hash.v2 ? s.info_hash.v2->hex() : "",
          .name = s.name,
          .state = torrent_api_state(s),
          .paused = s.paused,
          .has_metadata = s.has_metadata,
          .progress = s.progress,
          .download_rate = s.download_rate,
          .upload_rate = s.upload_rate,
          .eta = s.eta_seconds,
          .ratio = s.ratio,
          .peers = s.peers_connected - s.seeds_connected,
          .seeds = s.seeds_connected,
          .swarm_seeds = s.swarm_seeds,
          .swarm_leechers = s.swarm_leechers,
          .size = s.total_size,
          .wanted = s.total_wanted,
          .done = s.total_done,
          .uploaded = s.all_time_upload,
          .downloaded = s.all_time_download,
          .session_uploaded = s.total_uploaded,
          .session_downloaded = s.total_downloaded,
          .save_path = s.save_path.string(),
          .error = s.error,
          .added_time = s.added_time,
          .completion_time = s.completion_time,
          .seeding_time = s.seeding_time,
          .active_time = s.active_time,
          .queue_position = s.queue_position,
          .sequential = s.sequential,
          .files = s.num_files,
          .category = std::string(category),
          .tags = tags};
}

nlohmann::json torrent_json(const TorrentStatus& s, std::string_view category, const std::vector<std::string>& tags) {
  return torrent_view(s, category, tags).to_json();
}

}  // namespace shoal::peer
