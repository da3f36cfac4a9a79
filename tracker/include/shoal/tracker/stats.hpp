#pragma once
// TrackerStats: request counters by protocol and kind, their rates over the last minute, and the
// Prometheus text exposition of everything the tracker reports (/stats, /metrics).
//
// The hot path calls count(), which is one relaxed atomic add. A once-a-second tick() keeps a ring
// of per-second totals, from which per_second() gives the average rate over the last 60 seconds.
//
//   stats.count(Protocol::udp, Event::announce);
//   stats.tick(now_seconds);                       // from a 1 s timer
//   double rate = stats.per_second(Protocol::udp, Event::announce);
//   std::string text = stats.prometheus(store.totals(), extra);
//
// Thread-safe.

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "shoal/tracker/swarm_store.hpp"

namespace shoal::tracker {

enum class Protocol : std::uint8_t { udp, http, count_ };

/// What happened to one request. `invalid` covers malformed and refused requests (each gets a
/// failure/error response or is dropped); `dropped` counts packets or connections shed.
enum class Event : std::uint8_t {
  connect,        ///< UDP connect
  announce,       ///< successful announce
  scrape,         ///< successful scrape
  failure,        ///< well-formed but refused (unlisted/denied torrent, bad connection id, ...)
  invalid,        ///< malformed request
  dropped,        ///< shed without a response (overload, garbage too short to answer)
  count_
};

std::string_view to_string(Protocol p) noexcept;
std::string_view to_string(Event e) noexcept;

class TrackerStats {
public:
  static constexpr std::size_t kWindowSeconds = 60;

  TrackerStats();

  void count(Protocol p, Event e, std::uint64_t n = 1) noexcept {
    m_totals[index(p, e)].fetch_add(n, std::memory_order_relaxed);
  }
  std::uint64_t total(Protocol p, Event e) const noexcept {
    return m_totals[index(p, e)].load(std::memory_order_relaxed);
  }

  /// Records a one-second sample; call about once per second with the current time.
  void tick(std::uint64_t now_seconds);

  /// Average events per second over the last kWindowSeconds (or since start, if shorter).
  double per_second(Protocol p, Event e) const;

  /// Extra gauges the caller knows and the stats object does not.
  struct Gauges {
    std::uint64_t uptime_seconds = 0;
    std::uint64_t http_connections = 0;
    std::uint64_t allowed_torrents = 0;
    std::uint64_t denied_torrents = 0;
    bool database_ok = true;
    /// UdpServer totals (UdpServerCounters: received, replies_sent, dropped(), batches); zero
    /// when UDP is off.
    std::uint64_t udp_received = 0;
    std::uint64_t udp_sent = 0;
    std::uint64_t udp_dropped = 0;
    std::uint64_t udp_batches = 0;
    /// Private mode's accounting (Accounting::counters() and peer_count()); shown only when
    /// `accounting` is set.
    bool accounting = false;
    std::uint64_t accounting_announces = 0;
    std::uint64_t accounting_resets = 0;
    std::uint64_t accounting_dropped = 0;
    std::uint64_t accounting_baselines = 0;
  };

  /// Prometheus text format 0.0.4: counters shoal_requests_total{protocol,event}, gauges for
  /// torrents, peers (by family), seeders, leechers, peer table bytes, and `gauges` — the UDP
  /// server's totals as counters shoal_udp_datagrams_total{direction="received|sent|dropped"}
  /// and shoal_udp_batches_total; in private mode, the accounting figures as
  /// shoal_accounting_announces_total, shoal_accounting_refused_total{reason="implausible_rate"},
  /// shoal_accounting_counter_resets_total and the gauge shoal_accounting_baselines.
  std::string prometheus(const StoreTotals& totals, const Gauges& gauges) const;

  /// JSON object for /stats (torrents, peers, seeders, leechers, per-second rates by protocol,
  /// "udp_server": {"received", "sent", "dropped", "batches"}).
  std::string json(const StoreTotals& totals, const Gauges& gauges) const;

private:
  static constexpr std::size_t kCounters =
      static_cast<std::size_t>(Protocol::count_) * static_cast<std::size_t>(Event::count_);
  static constexpr std::size_t index(Protocol p, Event e) noexcept {
    return static_cast<std::size_t>(p) * static_cast<std::size_t>(Event::count_) +
           static_cast<std::size_t>(e);
  }

  std::array<std::atomic<std::uint64_t>, kCounters> m_totals{};

  mutable std::mutex m_mutex;  // guards the ring
  std::array<std::array<std::uint64_t, kCounters>, kWindowSeconds + 1> m_ring{};
  std::array<std::uint64_t, kWindowSeconds + 1> m_ring_time{};
  std::size_t m_ring_head = 0;
  std::size_t m_ring_size = 0;
};

}  // namespace shoal::tracker
