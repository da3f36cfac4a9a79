#include "shoal/tracker/stats.hpp"

#include <fmt/format.h>

namespace shoal::tracker {

std::string_view to_string(Protocol p) noexcept {
  switch (p) {
    case Protocol::udp: return "udp";
    case Protocol::http: return "http";
    case Protocol::count_: break;
  }
  return "unknown";
}

std::string_view to_string(Event e) noexcept {
  switch (e) {
    case Event::connect: return "connect";
    case Event::announce: return "announce";
    case Event::scrape: return "scrape";
    case Event::failure: return "failure";
    case Event::invalid: return "invalid";
    case Event::dropped: return "dropped";
    case Event::count_: break;
  }
  return "unknown";
}

TrackerStats::TrackerStats() = default;

void TrackerStats::tick(std::uint64_t now_seconds) {
  std::lock_guard lock(m_mutex);
  m_ring_head = (m_ring_head + 1) % m_ring.size();
  for (std::size_t i = 0; i < kCounters; ++i)
    m_ring[m_ring_head][i] = m_totals[i].load(std::memory_order_relaxed);
  m_ring_time[m_ring_head] = now_seconds;
  if (m_ring_size < m_ring.size()) ++m_ring_size;
}

double TrackerStats::per_second(Protocol p, Event e) const {
  std::lock_guard lock(m_mutex);
  if (m_ring_size < 2) return 0.0;
  const std::size_t oldest = (m_ring_head + m_ring.size() - (m_ring_size - 1)) % m_ring.size();
  const std::uint64_t dt = m_ring_time[m_ring_head] - m_ring_time[oldest];
  if (dt == 0) return 0.0;
  const std::size_t i = index(p, e);
  return static_cast<double>(m_ring[m_ring_head][i] - m_ring[oldest][i]) / static_cast<double>(dt);
}

std::string TrackerStats::prometheus(const StoreTotals& t, const Gauges& g) const {
  std::string out;
  out += "# HELP shoal_requests_total Tracker requests by protocol and outcome.\n";
  out += "# TYPE shoal_requests_total counter\n";
  for (std::size_t p = 0; p < static_cast<std::size_t>(Protocol::count_); ++p) {
    for (std::size_t e = 0; e < static_cast<std::size_t>(Event::count_); ++e) {
      const auto proto = static_cast<Protocol>(p);
      const auto ev = static_cast<Event>(e);
      out += fmt::format("shoal_requests_total{{protocol=\"{}\",event=\"{}\"}} {}\n",
                         to_string(proto), to_string(ev), total(proto, ev));
    }
  }
  auto gauge = [&out](std::string_view name, std::string_view help, std::uint64_t value) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} gauge\n{0} {2}\n", name, help, value);
  };
  gauge("shoal_torrents", "Torrents with at least one peer.", t.torrents);
  out += "# HELP shoal_peers Peers by address family.\n# TYPE shoal_peers gauge\n";
  out += fmt::format("shoal_peers{{family=\"ipv4\"}} {}\nshoal_peers{{family=\"ipv6\"}} {}\n",
                     t.peers_v4, t.peers_v6);
  gauge("shoal_seeders", "Peers with the complete torrent.", t.seeders);
  gauge("shoal_leechers", "Peers still downloading.", t.leechers);
  gauge("shoal_peer_table_bytes", "Heap bytes of the peer tables.", t.peer_table_bytes);
  gauge("shoal_http_connections", "Open HTTP connections.", g.http_connections);
  gauge("shoal_allowed_torrents", "Info-hashes on the allow list.", g.allowed_torrents);
  gauge("shoal_denied_torrents", "Info-hashes on the deny list.", g.denied_torrents);
  gauge("shoal_database_up", "1 when the database answers.", g.database_ok ? 1 : 0);
  gauge("shoal_uptime_seconds", "Seconds since start.", g.uptime_seconds);
  out += "# HELP shoal_udp_datagrams_total UDP datagrams received, replies sent, datagrams dropped.\n"
         "# TYPE shoal_udp_datagrams_total counter\n";
  out += fmt::format("shoal_udp_datagrams_total{{direction=\"received\"}} {}\n"
                     "shoal_udp_datagrams_total{{direction=\"sent\"}} {}\n"
                     "shoal_udp_datagrams_total{{direction=\"dropped\"}} {}\n",
                     g.udp_received, g.udp_sent, g.udp_dropped);
  out += fmt::format("# HELP shoal_udp_batches_total recvmmsg() batches read by the UDP workers.\n"
                     "# TYPE shoal_udp_batches_total counter\nshoal_udp_batches_total {}\n",
                     g.udp_batches);
  if (g.accounting) {
    out += fmt::format(
        "# HELP shoal_accounting_announces_total Announces of registered users the accounting saw.\n"
        "# TYPE shoal_accounting_announces_total counter\nshoal_accounting_announces_total {}\n"
        "# HELP shoal_accounting_refused_total Reported transfers not credited.\n"
        "# TYPE shoal_accounting_refused_total counter\n"
        "shoal_accounting_refused_total{{reason=\"implausible_rate\"}} {}\n"
        "# HELP shoal_accounting_counter_resets_total Client counters that went backwards (new baseline).\n"
        "# TYPE shoal_accounting_counter_resets_total counter\nshoal_accounting_counter_resets_total {}\n",
        g.accounting_announces, g.accounting_dropped, g.accounting_resets);
    gauge("shoal_accounting_baselines", "Peers whose last counters the accounting holds.",
          g.accounting_baselines);
  }
  return out;
}

std::string TrackerStats::json(const StoreTotals& t, const Gauges& g) const {
  std::string rates;
  for (std::size_t p = 0; p < static_cast<std::size_t>(Protocol::count_); ++p) {
    const auto proto = static_cast<Protocol>(p);
    if (!rates.empty()) rates += ',';
    rates += fmt::format("\"{}\":{{", to_string(proto));
    for (std::size_t e = 0; e < static_cast<std::size_t>(Event::count_); ++e) {
      const auto ev = static_cast<Event>(e);
      if (e) rates += ',';
      rates += fmt::format("\"{}\":{{\"total\":{},\"per_second\":{:.3f}}}", to_string(ev),
                           total(proto, ev), per_second(proto, ev));
    }
    rates += '}';
  }
  return fmt::format(
      "{{\"uptime_seconds\":{},\"torrents\":{},\"peers\":{},\"peers_ipv4\":{},\"peers_ipv6\":{},"
      "\"seeders\":{},\"leechers\":{},\"http_connections\":{},\"requests\":{{{}}},"
      "\"udp_server\":{{\"received\":{},\"sent\":{},\"dropped\":{},\"batches\":{}}}}}",
      g.uptime_seconds, t.torrents, t.peers_v4 + t.peers_v6, t.peers_v4, t.peers_v6, t.seeders,
      t.leechers, g.http_connections, rates, g.udp_received, g.udp_sent, g.udp_dropped,
      g.udp_batches);
}

}  // namespace shoal::tracker
