#pragma once
// SyncJournal: the revisions behind the control API's delta sync (`GET /api/v1/sync?since=R`),
// like qBittorrent's `rid` / Transmission's "recently active". The daemon feeds it the current
// view of every torrent (id -> JSON object) about once a second; it keeps, per torrent, the
// revision at which its view last changed, and the ids removed since. since(R) answers what a
// client that last saw revision R must apply: the changed torrents (whole objects), the removed
// ids, and the new revision to send next time. Logic only; not thread-safe (the daemon locks).
//
//   SyncJournal journal(start_revision);
//   journal.update(views);                  // once a second
//   auto d = journal.since(client_rev);     // d.full: replace everything with d.changed
//
// Revisions only grow. A client gets a full answer (every torrent, `full = true`) when R is 0,
// when R is newer than the journal (a daemon restarted since — the daemon starts at a
// revision from the clock, above any earlier instance's), or when removals it has not seen were
// already forgotten (the journal keeps the last kMaxRemovals).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace shoal::peer {

class SyncJournal {
public:
  static constexpr std::size_t kMaxRemovals = 4096;

  /// `start_revision`: the revision before the first update (e.g. unix milliseconds).
  explicit SyncJournal(std::uint64_t start_revision = 0)
      : m_revision(start_revision), m_removed_floor(start_revision) {}

  /// Replaces the view with `current`: new or changed entries and every removal get a new
  /// revision (one per update call). Returns the journal's revision afterwards.
  std::uint64_t update(const std::map<std::string, nlohmann::json>& current);

  struct Delta {
    std::uint64_t revision = 0;
    bool full = false;
    std::vector<nlohmann::json> changed;  ///< whole objects, in id order
    std::vector<std::string> removed;     ///< ids (empty when full)
  };
  Delta since(std::uint64_t revision) const;

  std::uint64_t revision() const noexcept { return m_revision; }

private:
  struct Entry {
    nlohmann::json value;
    std::uint64_t revision = 0;
  };
  std::map<std::string, Entry> m_entries;
  std::deque<std::pair<std::uint64_t, std::string>> m_removed;  ///< (revision, id), oldest first
  std::uint64_t m_revision;
  std::uint64_t m_removed_floor;  ///< removals at or below this revision are forgotten
};

}  // namespace shoal::peer
