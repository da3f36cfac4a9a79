#pragma once
// shoal::peer::Node — one BitTorrent node: a libtorrent-rasterbar session with Shoal's settings.
//
// Torrent creation is ours (create_torrent.hpp); piece exchange is libtorrent's. Node keeps
// libtorrent out of this header (pimpl), so users compile fast and do not inherit its defines.
//
// Contract
// - A Node owns one lt::session. It is not thread-safe: call it from one thread (or serialise).
// - Torrents are named by their shoal::InfoHash (v1 and/or v2, as in the .torrent or magnet);
//   lookups use InfoHash::tracker_id(), so passing just the v1 (or just the truncated v2) hash of
//   a torrent the node holds also works.
// - Errors are returned as shoal::expected<T, std::string> with a readable message; nothing is
//   thrown across this API (a libtorrent exception is caught and becomes the message).
// - Events: libtorrent's alerts are converted into typed `Event`s and returned by `poll()`.
//   Alerts that arrive while another call waits for them (create(), save_resume_data()) are kept
//   and returned by the next poll(), so no event is lost.
// - Resume data: with a non-empty `NodeSettings::state_dir`, create() re-adds every torrent whose
//   `<hex info-hash>.resume` file is there (lt::read_resume_data), so an interrupted download
//   continues where it stopped and a complete one seeds without re-downloading.
//   save_resume_data() (re)writes those files; remove_torrent() deletes the torrent's file.
//   The resume data keeps libtorrent's all-time upload/download, added/completion time, active
//   and seeding time, the sequential and auto-managed flags and `paused`; Node adds the queue
//   position, and re-adds the torrents in their saved queue order (then by added time).
// - Queueing: auto-managed torrents are started and stopped by libtorrent's queue within the
//   NodeSettings::active_* limits. A torrent the queue holds back reports TorrentState::queued;
//   a torrent paused by the user (pause(), AddTorrentParams::paused) reports `paused = true`.
//
// Example: download a torrent to ./out, resumable.
//
//   shoal::peer::NodeSettings settings;
//   settings.state_dir = "out/.shoal-state";
//   auto node = shoal::peer::Node::create(settings);
//   if (!node) { std::cerr << node.error() << "\n"; return 1; }
//   shoal::peer::AddTorrentParams params;
//   params.torrent_bytes = bytes;  // a .torrent file's content
//   params.save_path = "out";
//   auto id = (*node)->add_torrent(params);
//   if (!id) { std::cerr << id.error() << "\n"; return 1; }
//   for (;;) {
//     for (const auto& ev : (*node)->poll(std::chrono::milliseconds(500)))
//       if (ev.kind == shoal::peer::EventKind::finished) { (*node)->save_resume_data(); return 0; }
//   }
//
// Tests use `NodeSettings::loopback_test(port)`: design.md's loopback preset.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shoal/proto/expected.hpp"
#include "shoal/proto/info_hash.hpp"

namespace shoal::peer {

/// How a session is configured. Defaults are for real use (DHT, LSD, UPnP, NAT-PMP, uTP on).
struct NodeSettings {
  /// libtorrent's listen_interfaces ("IP:port" comma-separated; port 0 picks a free port).
  std::string listen_interfaces = "0.0.0.0:6881,[::]:6881";
  /// Directory of resume files; empty: no resume data is read or written.
  std::filesystem::path state_dir;
  bool enable_dht = true;
  bool enable_lsd = true;
  bool enable_upnp = true;
  bool enable_natpmp = true;
  bool enable_utp = true;
  /// Lets several peers from one IP connect (needed when every peer is on 127.0.0.1).
  bool allow_multiple_connections_per_ip = false;
  /// libtorrent's portable posix disk I/O instead of the memory-mapped default.
  bool posix_disk_io = false;
  /// Session-wide limits in bytes per second; 0 = unlimited. As libtorrent does by default, they
  /// do not apply to peers on the local network (127.0.0.1 included); per-torrent limits do.
  int download_rate_limit = 0;
  int upload_rate_limit = 0;
  /// Apply the session-wide limits to peers on local networks (and loopback) too.
  bool rate_limit_local_peers = false;
  /// Peer-id prefix and client name sent to trackers and peers.
  std::string user_agent = "shoal/0.1.0";
  /// The queue (libtorrent's active_downloads / active_seeds / active_limit; -1 = unlimited):
  /// how many auto-managed torrents may download, seed, and be active at all at once. Defaults
  /// are libtorrent's. Change them at run time with Node::set_queue_limits().
  int active_downloads = 3;
  int active_seeds = 5;
  int active_limit = 500;

  /// design.md's preset for loopback/test swarms: listen on 127.0.0.1:<port> only,
  /// allow_multiple_connections_per_ip, DHT/LSD/UPnP/NAT-PMP off, uTP off, posix disk I/O.
  static NodeSettings loopback_test(std::uint16_t port = 0);
};

/// What add_torrent() adds: exactly one of torrent_bytes (a .torrent file's content) or
/// magnet_uri must be set.
struct AddTorrentParams {
  std::string torrent_bytes;
  std::string magnet_uri;
  /// Where the content lives or goes (the torrent's name is appended by libtorrent).
  std::filesystem::path save_path;
  bool paused = false;
  /// The data is known to be complete and correct: skip the initial check and seed at once
  /// (pieces are still verified lazily when peers request them).
  bool seed_mode = false;
  /// Per-file priorities (0 = skip, 1..7; index = file index); empty = all files at 4.
  std::vector<std::uint8_t> file_priorities;
  /// Per-torrent limits in bytes per second; 0 = unlimited.
  int download_rate_limit = 0;
  int upload_rate_limit = 0;
  /// Managed by the queue (the default, as before). `paused` implies not auto-managed (the queue
  /// would resume it). false: the torrent runs regardless of the queue limits (libtorrent's
  /// "force start"); Node hands it over to the queue for its initial check (libtorrent 2.0.8
  /// would leave it pending) and takes it back when the check ends.
  bool auto_managed = true;
  /// Download pieces in order (for streaming); libtorrent's sequential_download flag.
  bool sequential = false;
};

enum class TorrentState {
  checking_resume_data,
  checking_files,
  downloading_metadata,
  downloading,
  finished,  ///< every wanted file complete (some files may be skipped)
  seeding,   ///< every piece complete
  queued,    ///< auto-managed and held back by the queue (libtorrent: paused + auto-managed),
             ///< including while waiting for its turn to be checked (one check at a time)
  unknown,
};
const char* to_string(TorrentState state) noexcept;

/// A snapshot of one torrent.
struct TorrentStatus {
  InfoHash info_hash;
  std::string name;  ///< empty for a magnet before its metadata arrived
  TorrentState state = TorrentState::unknown;
  bool paused = false;  ///< paused by the user (not by the queue: that is TorrentState::queued)
  bool has_metadata = false;
  double progress = 0.0;  ///< 0..1 of the wanted bytes
  std::int64_t download_rate = 0;  ///< payload bytes/s
  std::int64_t upload_rate = 0;
  int peers_connected = 0;  ///< including seeds
  int seeds_connected = 0;
  int swarm_seeds = -1;     ///< complete count from the tracker; -1 when unknown
  int swarm_leechers = -1;  ///< incomplete count from the tracker; -1 when unknown
  std::int64_t total_done = 0;    ///< bytes of wanted pieces we have (verified)
  std::int64_t total_wanted = 0;  ///< bytes we want (file priorities applied)
  std::int64_t total_uploaded = 0;    ///< payload bytes this session
  std::int64_t total_downloaded = 0;  ///< payload bytes this session
  std::filesystem::path save_path;
  std::string error;  ///< empty unless the torrent is in an error state
  /// Seconds until the wanted bytes are done at the current download rate; 0 when done,
  /// -1 when unknown (no download rate, or no metadata).
  std::int64_t eta_seconds = -1;
  /// Payload bytes, all sessions (kept in the resume data). libtorrent adds each second's
  /// transfer on its one-second tick, so these trail total_uploaded/total_downloaded by up to 1 s.
  std::int64_t all_time_upload = 0;
  std::int64_t all_time_download = 0;
  /// all_time_upload / total_done; -1 while nothing is done.
  double ratio = -1.0;
  std::int64_t added_time = 0;       ///< unix seconds
  std::int64_t completion_time = 0;  ///< unix seconds when all wanted pieces were done; 0 = not yet
  std::int64_t active_time = 0;      ///< seconds running (not paused), all sessions
  std::int64_t seeding_time = 0;     ///< seconds seeding, all sessions
  /// Position in the download queue (0 = first); -1 when not in it (libtorrent takes seeding
  /// and finished torrents out of the queue).
  int queue_position = -1;
  bool sequential = false;
  bool auto_managed = false;
  std::int64_t total_size = 0;  ///< bytes of all files (pad files excluded); 0 without metadata
  int num_files = 0;            ///< files, pad files excluded; 0 without metadata
};

/// One tracker of a torrent, as libtorrent reports it (first endpoint/protocol that has news).
struct TrackerInfo {
  std::string url;
  int tier = 0;
  /// "working" (last announce answered), "updating" (announce in flight), "error" (last
  /// announce failed; `message` says why) or "not contacted".
  std::string status;
  std::string message;  ///< the tracker's message or the last error; empty when none
  std::int64_t next_announce_seconds = -1;  ///< seconds from now; -1 when not scheduled
  int scrape_seeds = -1;     ///< -1 when unknown
  int scrape_leechers = -1;  ///< -1 when unknown
  int fails = 0;             ///< consecutive failures
};

/// One connected peer of a torrent.
struct PeerInfo {
  std::string address;  ///< IP address as text
  std::uint16_t port = 0;
  std::string client;  ///< the client's name from its handshake (may be empty)
  double progress = 0.0;  ///< 0..1 of the pieces it has
  std::int64_t download_rate = 0;  ///< payload bytes/s from it
  std::int64_t upload_rate = 0;    ///< payload bytes/s to it
  bool seed = false;
  bool encrypted = false;  ///< RC4 or plaintext-encrypted (MSE) connection
  bool incoming = false;   ///< it connected to us
  bool utp = false;
};

/// The node as a whole (for a daemon's global view).
struct SessionTotals {
  std::int64_t download_rate = 0;     ///< payload bytes/s, summed over torrents
  std::int64_t upload_rate = 0;       ///< payload bytes/s, summed over torrents
  std::int64_t total_downloaded = 0;  ///< payload bytes since the node started
  std::int64_t total_uploaded = 0;    ///< payload bytes since the node started
  int num_torrents = 0;
  int num_peers = 0;  ///< connected peers, all torrents
  int dht_nodes = 0;  ///< 0 with DHT off
};

/// The queue's limits (see NodeSettings::active_*); -1 = unlimited.
struct QueueLimits {
  int active_downloads = 3;
  int active_seeds = 5;
  int active_limit = 500;
};

/// Session-wide rate limits in bytes per second; 0 = unlimited.
struct RateLimits {
  int download = 0;
  int upload = 0;
};

enum class QueueMove { up, down, top, bottom };

/// One file of a torrent, in the torrent's (libtorrent's) file order. BEP 47 pad files of
/// hybrid/v2 torrents are listed with `pad = true`; their index still counts.
struct TorrentFile {
  std::string path;  ///< relative, including the torrent's name for multi-file torrents
  std::int64_t size = 0;
  bool pad = false;
  int priority = 4;        ///< 0 = skip, 1..7 (4 = normal, 7 = top)
  std::int64_t done = 0;   ///< bytes of this file in verified pieces
};

enum class EventKind {
  added,              ///< torrent added (also for those re-added from resume files)
  finished,           ///< all wanted pieces downloaded and hash-checked
  error,              ///< a torrent or session error; `message` says what
  tracker_reply,      ///< `tracker_url` answered with `num_peers` peers
  tracker_error,      ///< `tracker_url` failed; `message` is the reason (failure reason if any)
  metadata_received,  ///< a magnet's info dictionary arrived
  removed,
  paused,               ///< the torrent stopped (by pause() or by the queue)
  resumed,              ///< the torrent started (by resume() or by the queue)
  state_changed,        ///< libtorrent's state changed; `state` is the new one (never `queued`:
                        ///< queueing shows as paused/resumed)
  storage_moved,        ///< move_storage() finished; `message` is the new save path
  storage_move_failed,  ///< move_storage() failed; `message` is the error (and the file)
  checked,              ///< a files check finished (after adding, or after force_recheck())
};
const char* to_string(EventKind kind) noexcept;

struct Event {
  EventKind kind = EventKind::error;
  InfoHash info_hash;  ///< empty for session-wide errors
  std::string message;
  std::string tracker_url;
  int num_peers = 0;
  TorrentState state = TorrentState::unknown;  ///< for state_changed
};

enum class RemoveData { keep, remove };

class Node {
public:
  /// Starts the session (and waits up to 5 s for it to listen) and, when `settings.state_dir` is
  /// set, creates that directory and re-adds the torrents saved there. Fails when no interface
  /// could be listened on or the state directory is unusable. Unreadable resume files are
  /// skipped and reported as `error` events.
  static expected<std::unique_ptr<Node>, std::string> create(NodeSettings settings);

  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// The TCP port the session listens on (useful with port 0).
  std::uint16_t listen_port() const;

  /// Adds a torrent. Validates the input with proto's parsers (errors name offset and reason).
  /// If the node already holds the torrent (e.g. reloaded from its resume file), this returns its
  /// info-hash and only applies file_priorities, the rate limits and `paused`, and adds (and
  /// announces to) the trackers of `params` that the held torrent does not have — a torrent
  /// re-made with other trackers keeps its info-hash. save_path, seed_mode, sequential and
  /// auto_managed are not changed (use set_sequential(), pause()/resume()).
  expected<InfoHash, std::string> add_torrent(const AddTorrentParams& params);
  expected<void, std::string> remove_torrent(const InfoHash& id, RemoveData data = RemoveData::keep);
  expected<void, std::string> pause(const InfoHash& id);
  expected<void, std::string> resume(const InfoHash& id);
  /// Needs the metadata; `priorities.size()` must equal the file count.
  expected<void, std::string> set_file_priorities(const InfoHash& id,
                                                  const std::vector<std::uint8_t>& priorities);
  /// Bytes per second; 0 = unlimited.
  expected<void, std::string> set_rate_limits(const InfoHash& id, int download, int upload);
  void set_global_rate_limits(int download, int upload);
  RateLimits global_rate_limits() const;
  /// Changes the queue limits at run time. Each must be >= -1 (else an error, nothing changed).
  expected<void, std::string> set_queue_limits(const QueueLimits& limits);
  QueueLimits queue_limits() const;
  /// The torrent's position in the download queue; -1 when it is not in it (seeding/finished).
  expected<int, std::string> queue_position(const InfoHash& id) const;
  /// Moves the torrent in the download queue (no-op for a torrent not in it).
  expected<void, std::string> queue_move(const InfoHash& id, QueueMove move);
  /// Announces to every tracker now (and to the DHT when it is on).
  expected<void, std::string> reannounce(const InfoHash& id);
  expected<void, std::string> set_sequential(const InfoHash& id, bool sequential);
  /// Moves the torrent's files to `new_save_path` (created if missing; files already there are
  /// replaced) in the background; the torrent keeps running from the new place. Ends with a
  /// storage_moved or storage_move_failed event.
  expected<void, std::string> move_storage(const InfoHash& id, const std::filesystem::path& new_save_path);
  expected<std::vector<TrackerInfo>, std::string> trackers(const InfoHash& id) const;
  expected<std::vector<PeerInfo>, std::string> peers(const InfoHash& id) const;
  /// Totals across the node. Asks libtorrent for its counters and waits up to `timeout`; alerts
  /// that arrive meanwhile are kept for poll(). Fails on timeout.
  expected<SessionTotals, std::string> session_totals(
      std::chrono::milliseconds timeout = std::chrono::seconds(2));
  expected<void, std::string> force_recheck(const InfoHash& id);
  /// Connects the torrent to a peer directly (no tracker needed), e.g. "127.0.0.1", 6881.
  expected<void, std::string> add_peer(const InfoHash& id, const std::string& address,
                                       std::uint16_t port);

  expected<TorrentStatus, std::string> status(const InfoHash& id) const;
  /// The torrent's files (index = the index set_file_priorities uses). Needs the metadata.
  expected<std::vector<TorrentFile>, std::string> files(const InfoHash& id) const;
  /// Every torrent's status (never one with an empty info_hash: torrents being removed are left
  /// out).
  std::vector<TorrentStatus> statuses() const;

  /// Waits up to `timeout` for alerts and returns them as events (possibly none).
  std::vector<Event> poll(std::chrono::milliseconds timeout);

  /// Writes `<state_dir>/<hex>.resume` for every torrent with metadata or a known info-hash,
  /// waiting up to `timeout` for libtorrent. Returns the number of files written. Fails when no
  /// state_dir is configured or not every answer arrived in time.
  /// `only_if_modified`: skip torrents libtorrent has nothing new for since their last save
  /// (cheap to call often with many torrents).
  expected<int, std::string> save_resume_data(
      std::chrono::milliseconds timeout = std::chrono::seconds(10), bool only_if_modified = false);

private:
  struct Impl;
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace shoal::peer
