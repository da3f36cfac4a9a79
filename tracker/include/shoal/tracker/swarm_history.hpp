#pragma once
// SwarmHistory: what the tracker's charts need of the past — totals (torrents, peers, seeders,
// leechers, completed, announce and scrape counts by protocol) and, per torrent, seeders,
// leechers and completed — sampled once a minute and kept for 24 hours, and at 10-minute
// resolution for 30 days. Logic only: the tracker's maintenance thread records a sample each
// minute; Persistence writes the new rows (drain_rows) and loads them back at start (restore), so
// a monitor that connects late, or after a restart, still draws the past.
//
//   SwarmHistory history;
//   history.record(now, totals, swarms);                          // once a minute
//   auto points = history.totals_range(now - 3600, now);          // 60 one-minute points
//   auto swarm = history.swarm_range(info_hash, now - 86400, now);
//
// Contract
// - Two series per thing: `fine` (step 60 s, kept kFineSpan) and `coarse` (step 600 s, kept
//   kCoarseSpan). A sample's time is rounded down to its step. Totals gauges in a coarse point
//   are the average of the fine samples in its 10 minutes; the counters (announces, scrapes) are
//   their sum. Per-torrent coarse points are the last fine sample of the 10 minutes.
// - Per-torrent series store only changes (a point when seeders, leechers or completed differ
//   from the previous point), so a quiet swarm costs almost nothing; ranges are expanded back to
//   one value per step. A swarm that disappears gets one zero point. At most max_swarms torrents
//   are tracked (the first seen); others are counted in untracked_swarms().
// - range queries pick the resolution: fine when `from` lies within the fine span, else coarse;
//   points are in time order, one per step between from and to where anything is known.
// - Thread-safe (one mutex): record() from the maintenance thread, queries from API workers.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "shoal/proto/api_history.hpp"
#include "shoal/proto/hash.hpp"
#include "shoal/tracker/swarm_store.hpp"

namespace shoal::tracker {

inline constexpr std::int64_t kFineStep = 60;
inline constexpr std::int64_t kFineSpan = 24 * 3600;
inline constexpr std::int64_t kCoarseStep = 600;
inline constexpr std::int64_t kCoarseSpan = 30 * 24 * 3600;

/// One point of the totals series: the API's message type itself (t = start of the step; gauges
/// are values at, or coarse, averaged over the step; request counts are what happened during it;
/// completed is the sum of every swarm's completed count).
using TotalsPoint = api::TotalsPoint;

struct SwarmPoint {
  std::int64_t t = 0;
  std::uint32_t seeders = 0;
  std::uint32_t leechers = 0;
  std::uint32_t completed = 0;
  friend bool operator==(const SwarmPoint&, const SwarmPoint&) = default;
};

/// Rows as Persistence stores them: `step` is kFineStep or kCoarseStep.
struct HistoryRows {
  std::vector<std::pair<std::int64_t, TotalsPoint>> totals;  ///< (step, point)
  struct Swarm {
    std::int64_t step = 0;
    Sha1Digest info_hash;
    SwarmPoint point;
  };
  std::vector<Swarm> swarms;
  bool empty() const noexcept { return totals.empty() && swarms.empty(); }
};

class SwarmHistory {
public:
  static constexpr std::size_t kDefaultMaxSwarms = 200'000;

  explicit SwarmHistory(std::size_t max_swarms = kDefaultMaxSwarms) : m_max_swarms(max_swarms) {}

  /// Records the sample of minute `now`: `totals` (its request counts are those of the past
  /// minute) and the counts of every swarm. A second sample for the same minute replaces
  /// nothing and is ignored; older than the newest is ignored too.
  void record(std::int64_t now, TotalsPoint totals,
              const std::vector<std::pair<Sha1Digest, SwarmCounts>>& swarms);

  std::vector<TotalsPoint> totals_range(std::int64_t from, std::int64_t to) const;
  std::vector<SwarmPoint> swarm_range(const Sha1Digest& info_hash, std::int64_t from, std::int64_t to) const;
  /// The step totals_range/swarm_range use for `from` at time `now`.
  static std::int64_t step_for(std::int64_t from, std::int64_t now) noexcept;

  /// Rows recorded since the last call (for the database writer), oldest first.
  HistoryRows drain_rows();
  /// Loads stored rows (at start, before the first record); rows beyond the spans are dropped.
  void restore(const HistoryRows& rows, std::int64_t now);

  std::size_t tracked_swarms() const;
  std::uint64_t untracked_swarms() const;

private:
  struct SwarmSeries {
    std::deque<SwarmPoint> fine;    ///< changes only
    std::deque<SwarmPoint> coarse;  ///< changes only
  };
  struct CoarseAccumulator {
    std::int64_t bucket = -1;
    std::uint64_t samples = 0;
    TotalsPoint sum;
  };

  void trim(std::int64_t now);
  void add_swarm_point(std::deque<SwarmPoint>& series, const SwarmPoint& p, std::int64_t step,
                       const Sha1Digest& hash, bool pending);
  static std::vector<SwarmPoint> expand(const std::deque<SwarmPoint>& series, std::int64_t step,
                                        std::int64_t from, std::int64_t to);

  mutable std::mutex m_mutex;
  std::size_t m_max_swarms;
  std::uint64_t m_untracked = 0;
  std::int64_t m_last_minute = -1;
  std::int64_t m_now = 0;
  std::deque<TotalsPoint> m_fine_totals;
  std::deque<TotalsPoint> m_coarse_totals;
  CoarseAccumulator m_acc;
  std::unordered_map<Sha1Digest, SwarmSeries> m_swarms;
  HistoryRows m_pending;
};

}  // namespace shoal::tracker
