#pragma once
// Maintenance rules of shoal-peer: what to do with finished torrents — move their data to a
// directory (seeding on from there), stop seeding at a ratio or after a seeding time, remove them
// (with or without data) some time after they finished — with defaults and per-category rules.
// Logic only: plan() says what to do about one torrent now; the daemon (peer_daemon.hpp) runs it
// once a second over every torrent, performs the actions and records them in a MaintenanceLog.
//
//   MaintenancePolicy policy;
//   policy.defaults.stop_at_ratio = 2.0;
//   policy.per_category["tv"].move_completed_to = "/srv/media/tv";
//   for (auto& action : plan(status, "tv", memo, now, policy)) ...   // move, then stop, ...
//
// Rules (a category rule's set fields override the defaults' fields; unset ones fall back):
// - No action for a torrent without metadata, with an error, or still checking.
// - remove: completion_time > 0 and now - completion_time >= remove_after_finished_seconds. It
//   excludes every other action in the same plan.
// - move: complete (finished/seeding), not moved before by a rule (memo.moved), no move in flight,
//   and the data is not already in the destination.
// - stop: seeding or finished, not paused, not stopped by a rule before (memo.stopped_by_rule:
//   a torrent the user resumes after a rule stopped it is not stopped again — the daemon clears
//   the memo on resume, so the rule may act again once its limit is reached again, i.e. at once
//   if still over it; resume is the user's override only until the next tick), and ratio >=
//   stop_at_ratio or seeding_time >= stop_after_seed_seconds.
//   [Decision: the daemon clears stopped_by_rule when the user resumes; to keep seeding past a
//   limit, change the rule or the torrent's category.]

#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/peer/node.hpp"

namespace shoal::peer {

struct MaintenanceRule {
  std::optional<std::filesystem::path> move_completed_to;  ///< absolute, normalised
  std::optional<double> stop_at_ratio;                     ///< > 0
  std::optional<std::int64_t> stop_after_seed_seconds;     ///< >= 0
  std::optional<std::int64_t> remove_after_finished_seconds;  ///< >= 0
  std::optional<bool> remove_with_data;  ///< with remove: delete the files too (default false)
};

struct MaintenancePolicy {
  MaintenanceRule defaults;
  std::map<std::string, MaintenanceRule, std::less<>> per_category;

  /// defaults, overridden field by field by the category's rule (if any).
  MaintenanceRule effective_rule(std::string_view category) const;
};

/// An error message naming the first invalid field (ratio not > 0 or not finite, negative
/// seconds, a destination that is relative or has "..") or nullopt.
std::optional<std::string> validate(const MaintenancePolicy& policy);

/// What the daemon remembers per torrent so that an action is not repeated.
struct MaintenanceMemo {
  bool moved = false;            ///< a rule moved it (or tried and failed: see the log)
  bool stopped_by_rule = false;  ///< a rule paused it
  bool move_in_flight = false;   ///< a move was started and has not finished
};

struct MaintenanceAction {
  enum class Kind { move, stop, remove };
  Kind kind = Kind::stop;
  std::filesystem::path destination;  ///< move
  bool with_data = false;             ///< remove
  std::string reason;                 ///< for humans: "ratio 2.01 reached 2 (category tv)"
};
const char* to_string(MaintenanceAction::Kind kind) noexcept;

/// The actions for one torrent now, in order (move before stop; remove alone).
std::vector<MaintenanceAction> plan(const TorrentStatus& torrent, std::string_view category,
                                    const MaintenanceMemo& memo, std::int64_t now_unix,
                                    const MaintenancePolicy& policy);

struct MaintenanceLogEntry {
  std::int64_t time = 0;
  std::string info_hash;  ///< the torrent id
  std::string name;
  MaintenanceAction action;
  bool ok = true;
  std::string error;
};

/// The last `capacity` entries, oldest first. Thread-safe.
class MaintenanceLog {
public:
  explicit MaintenanceLog(std::size_t capacity = 500) : m_capacity(capacity) {}
  void add(MaintenanceLogEntry entry);
  std::vector<MaintenanceLogEntry> entries() const;

private:
  std::size_t m_capacity;
  mutable std::mutex m_mutex;
  std::deque<MaintenanceLogEntry> m_entries;
};

}  // namespace shoal::peer
