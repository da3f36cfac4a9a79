#pragma once
// PeerDaemon: the long-running peer node behind `shoal-peer` — one Node (libtorrent session) for
// many torrents, the daemon's own per-torrent metadata (category, tags, rule memos), lifecycle
// hooks, maintenance rules, scheduled alternative rate limits and the delta-sync journal. The
// control API (control_api.hpp) is a thin JSON layer over its public operations.
//
//   auto cfg = load_daemon_config(path);
//   auto daemon = PeerDaemon::create(*cfg);         // opens the state dir, re-adds torrents
//   daemon->start();                                // the event loop thread
//   ... daemon->add(request) / daemon->pause(id) ... (any thread)
//   daemon->stop();                                 // saves resume data and metadata
//
// Contract
// - Thread-safe: every public call may come from any thread (API workers); one mutex serialises
//   the Node. No call waits on a hook, a webhook or the network (add by URL fetches before
//   taking the lock).
// - Torrent ids are the 40-hex swarm id (InfoHash::tracker_id(): the v1 hash, or the v2 hash
//   truncated); a 64-hex v2 hash is accepted as well. Unknown ids are DaemonError::not_found.
// - State: `<state_dir>/resume/` (libtorrent resume data, written every few seconds while
//   anything changes and on stop), `<state_dir>/torrents.json` (metadata, written atomically on
//   every change), `<state_dir>/api_keys.json`. After a restart — graceful or kill -9 — every
//   torrent comes back with its state; verified pieces are not downloaded again.
// - Events, once each per torrent: added (by the API, not when re-loaded at start), started,
//   stopped (pause by the user or a rule), completed (the first time all wanted data is there;
//   again only after it became incomplete), removed, error, moved. Each goes to the hook
//   dispatcher (hook_dispatcher.hpp), which runs commands and webhooks on its own threads.
// - Maintenance rules (maintenance_rules.hpp) run once a second over every torrent; each action
//   and its outcome is logged (spdlog) and kept in maintenance_log().
// - Bad input changes nothing: an invalid magnet or .torrent, a duplicate add, a save path
//   outside the save roots, an unknown category are refused before anything is added.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "shoal/peer/api_key_store.hpp"
#include "shoal/peer/daemon_config.hpp"
#include "shoal/peer/hook_dispatcher.hpp"
#include "shoal/peer/maintenance_rules.hpp"
#include "shoal/peer/node.hpp"
#include "shoal/peer/sync_journal.hpp"
#include "shoal/peer/torrent_json.hpp"
#include "shoal/proto/expected.hpp"

namespace shoal::peer {

struct DaemonError {
  enum class Kind { invalid, not_found, conflict, unavailable, internal };
  Kind kind = Kind::internal;
  std::string code;     ///< "bad_magnet", "duplicate", "unknown_torrent", "bad_save_path", ...
  std::string message;  ///< for humans
};

template <class T>
using DaemonResult = expected<T, DaemonError>;

/// What the daemon keeps about a torrent besides libtorrent's state (torrents.json).
struct TorrentMeta {
  std::string category;
  std::vector<std::string> tags;
  std::int64_t added_at = 0;          ///< unix seconds, when the API added it
  bool completed_fired = false;       ///< the completed event went out for the current data
  int download_limit = 0;             ///< per-torrent limits as last set (bytes/s, 0 = none);
  int upload_limit = 0;               ///< libtorrent keeps them too (resume data)
  MaintenanceMemo memo;
};

/// One add request: exactly one of magnet, torrent_bytes, url.
struct AddRequest {
  std::string magnet;
  std::string torrent_bytes;
  std::string url;  ///< http(s) URL of a .torrent file, or a magnet link
  std::string save_path;  ///< empty: the category's save path or the download dir
  std::string category;
  std::vector<std::string> tags;
  bool paused = false;
  bool sequential = false;
  int download_limit = 0;  ///< bytes/s, 0 = unlimited
  int upload_limit = 0;
  std::vector<std::uint8_t> file_priorities;  ///< optional, as Node takes them
};

/// Create a torrent from a local path and seed it.
struct CreateSeedRequest {
  std::string path;  ///< file or directory, inside a save root
  std::vector<std::string> trackers;  ///< one tier each
  std::string format = "hybrid";  ///< v1, v2, hybrid
  bool is_private = false;
  std::string comment;
  std::int64_t piece_length = 0;  ///< 0: automatic
  std::string category;
  std::vector<std::string> tags;
};

struct CreatedSeed {
  std::string id;
  std::string magnet;
  std::string torrent_bytes;
};

/// Torrent properties a PATCH may change (unset: unchanged).
struct TorrentChanges {
  std::optional<std::string> category;
  std::optional<std::vector<std::string>> tags;
  std::optional<bool> sequential;
  std::optional<int> download_limit;
  std::optional<int> upload_limit;
  std::optional<std::string> save_path;  ///< moves the data (a `moved` event when done)
};

/// Global limits as the API shows and sets them.
struct LimitsView {
  DaemonLimits limits;
  bool alt_active = false;  ///< the alternative limits apply now (by hand or schedule)
  RateLimits effective;     ///< what the session uses now
};

class PeerDaemon {
public:
  static DaemonResult<std::unique_ptr<PeerDaemon>> create(DaemonConfig config);
  ~PeerDaemon();  ///< stop()
  PeerDaemon(const PeerDaemon&) = delete;
  PeerDaemon& operator=(const PeerDaemon&) = delete;

  /// Starts the event loop thread. Idempotent.
  void start();
  /// Stops the loop and the hooks (waiting at most for running hook timeouts), saves resume data
  /// and metadata. Idempotent.
  void stop();

  const DaemonConfig& config() const noexcept { return m_config; }
  ApiKeyStore& keys() noexcept { return *m_keys; }
  std::uint16_t listen_port() const;

  // ---- torrents ------------------------------------------------------------------------------
  DaemonResult<std::string> add(AddRequest request);
  DaemonResult<CreatedSeed> create_and_seed(const CreateSeedRequest& request);
  /// Every torrent (API objects, id order); `category`/`state` filter when non-empty.
  std::vector<nlohmann::json> list(std::string_view category = {}, std::string_view state = {});
  /// The delta since `revision` (see sync_journal.hpp), with the global view.
  nlohmann::json sync(std::uint64_t revision);
  DaemonResult<nlohmann::json> torrent(std::string_view id);
  DaemonResult<void> pause(std::string_view id);
  DaemonResult<void> resume(std::string_view id);
  DaemonResult<void> recheck(std::string_view id);
  DaemonResult<void> reannounce(std::string_view id);
  DaemonResult<void> remove(std::string_view id, bool with_data);
  DaemonResult<void> queue_move(std::string_view id, QueueMove move);
  DaemonResult<void> change(std::string_view id, const TorrentChanges& changes);
  DaemonResult<nlohmann::json> files(std::string_view id);
  /// `priorities`: file index -> 0 (skip), 1..7; files not named keep theirs.
  DaemonResult<void> set_file_priorities(std::string_view id, const std::map<int, int>& priorities);
  DaemonResult<nlohmann::json> peers(std::string_view id);
  DaemonResult<nlohmann::json> trackers(std::string_view id);

  // ---- global --------------------------------------------------------------------------------
  LimitsView limits();
  DaemonResult<LimitsView> set_limits(const DaemonLimits& limits);
  QueueLimits queue_limits();
  DaemonResult<void> set_queue_limits(const QueueLimits& limits);
  nlohmann::json stats();
  /// Maintenance actions and hook runs/deliveries, newest last.
  nlohmann::json activity();
  std::vector<std::string> categories() const;

private:
  explicit PeerDaemon(DaemonConfig config);
  struct Impl;
  DaemonConfig m_config;
  std::unique_ptr<ApiKeyStore> m_keys;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace shoal::peer
