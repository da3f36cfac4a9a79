#pragma once
// DaemonConfig: shoal-peer's configuration, read from one TOML file (`shoal-peer --config FILE`).
// Every key is optional; docs/peer.md lists them with examples. Loading is strict: an unknown
// key, a wrong type or an out-of-range value is an error naming the key and its line, and the
// daemon does not start.
//
//   auto cfg = shoal::peer::load_daemon_config("/etc/shoal/peer.toml");
//   if (!cfg) { std::cerr << cfg.error() << "\n"; return 2; }
//
//   [node]                      # the libtorrent session
//   listen = "0.0.0.0:6881,[::]:6881"
//   state_dir = "/var/lib/shoal-peer"     # resume data, API keys, torrent metadata
//   download_dir = "/srv/downloads"       # default save path
//   save_roots = ["/srv/downloads", "/srv/media"]   # every save path must lie under one
//   dht = true  lsd = true  upnp = true  natpmp = true  utp = true
//   loopback = false            # design.md's loopback preset (tests, local swarms)
//   limit_local_peers = false   # global rate limits also for peers on local networks
//   [api]
//   listen = "127.0.0.1:9091"   threads = 2   rate_per_second = 50   rate_burst = 200
//   [limits]                    # bytes per second, 0 = unlimited
//   download = 0  upload = 0  alt_download = 1048576  alt_upload = 262144  alt_enabled = false
//   [limits.schedule]           # alternative limits on these days between from and to
//   days = ["mon", "tue", "wed", "thu", "fri"]  from = "08:00"  to = "18:00"
//   [queue]
//   active_downloads = 3  active_seeds = 5  active_limit = 500
//   [categories.tv]
//   save_path = "/srv/downloads/tv"
//   [rules] / [rules.category.<name>]      maintenance rules (maintenance_rules.hpp)
//   [[hooks]] / [[webhooks]]               lifecycle hooks (hook_dispatcher.hpp, docs/hooks.md)
//
// Relative paths are resolved against the config file's directory. Save paths (download_dir,
// category save paths, every path the API is given) must lie under a save root.

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/peer/hook_dispatcher.hpp"
#include "shoal/peer/maintenance_rules.hpp"
#include "shoal/peer/node.hpp"
#include "shoal/proto/expected.hpp"

namespace shoal::peer {

/// When the alternative rate limits apply: on `days` (index 0 = Monday) from `from_minute` to
/// `to_minute` (minutes after local midnight; to < from spans midnight, equal = all day).
struct RateSchedule {
  bool enabled = false;
  std::array<bool, 7> days{true, true, true, true, true, true, true};
  int from_minute = 0;
  int to_minute = 0;

  /// Whether the schedule is on at local time `weekday` (0 = Monday) and `minute` of the day. A
  /// span across midnight belongs to the day it starts on.
  bool active_at(int weekday, int minute) const noexcept;
};

struct DaemonLimits {
  int download = 0;  ///< bytes/s; 0 = unlimited
  int upload = 0;
  int alt_download = 0;
  int alt_upload = 0;
  bool alt_enabled = false;  ///< alternative limits switched on by hand
  RateSchedule schedule;
};

struct CategoryConfig {
  std::filesystem::path save_path;  ///< empty: the download_dir
};

struct DaemonConfig {
  // [node]
  std::string listen = "0.0.0.0:6881,[::]:6881";
  std::filesystem::path state_dir = "shoal-peer-state";
  std::filesystem::path download_dir;  ///< default: <state_dir>/../downloads
  std::vector<std::filesystem::path> save_roots;  ///< default: {download_dir}
  bool dht = true, lsd = true, upnp = true, natpmp = true, utp = true;
  bool loopback = false;
  bool limit_local_peers = false;  ///< global limits also for LAN/loopback peers
  std::string user_agent = "shoal/0.1.0";
  // [api]
  std::string api_listen = "127.0.0.1:9091";
  std::size_t api_threads = 2;
  double api_rate_per_second = 50;
  double api_rate_burst = 200;
  // [limits], [queue]
  DaemonLimits limits;
  QueueLimits queue;
  // [categories.<name>]
  std::map<std::string, CategoryConfig, std::less<>> categories;
  // [rules], [[hooks]], [[webhooks]]
  MaintenancePolicy rules;
  std::vector<HookConfig> hooks;
  std::vector<WebhookConfig> webhooks;

  /// The NodeSettings these settings stand for.
  NodeSettings node_settings() const;
};

/// Category names: 1-64 characters of [A-Za-z0-9 ._-], not starting with '.' or ' '.
bool valid_category_name(std::string_view name) noexcept;

/// Where a torrent's data goes when the API asks for `requested` (category save path or the
/// download_dir when empty; relative: under download_dir). Refused — with a message saying why —
/// when it has a ".." component, a NUL, or lies outside every save root (symbolic links resolved
/// as far as the path exists, so a link cannot lead out of a root).
expected<std::filesystem::path, std::string> resolve_save_path(const DaemonConfig& config,
                                                               std::string_view requested,
                                                               std::string_view category = {});

/// Parses `text` (`source` names it in messages; `base_dir` resolves relative paths).
expected<DaemonConfig, std::string> parse_daemon_config(std::string_view text, std::string_view source,
                                                         const std::filesystem::path& base_dir);
/// Reads and parses the file at `path`.
expected<DaemonConfig, std::string> load_daemon_config(const std::filesystem::path& path);

}  // namespace shoal::peer
