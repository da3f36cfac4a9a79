#include "shoal/tracker/stats.hpp"

#include <gtest/gtest.h>

using namespace shoal::tracker;

TEST(TrackerStats, CountsAndRatesOverTheWindow) {
  TrackerStats stats;
  stats.tick(1000);
  EXPECT_EQ(stats.per_second(Protocol::udp, Event::announce), 0.0);
  for (int s = 1; s <= 10; ++s) {
    stats.count(Protocol::udp, Event::announce, 100);
    stats.count(Protocol::http, Event::scrape, 5);
    stats.tick(1000 + static_cast<std::uint64_t>(s));
  }
  EXPECT_EQ(stats.total(Protocol::udp, Event::announce), 1000u);
  EXPECT_DOUBLE_EQ(stats.per_second(Protocol::udp, Event::announce), 100.0);
  EXPECT_DOUBLE_EQ(stats.per_second(Protocol::http, Event::scrape), 5.0);
  EXPECT_EQ(stats.per_second(Protocol::http, Event::announce), 0.0);
  // After a quiet minute the rate falls to zero; the total stays.
  for (int s = 11; s <= 80; ++s) stats.tick(1000 + static_cast<std::uint64_t>(s));
  EXPECT_EQ(stats.per_second(Protocol::udp, Event::announce), 0.0);
  EXPECT_EQ(stats.total(Protocol::udp, Event::announce), 1000u);
}

TEST(TrackerStats, PrometheusAndJsonCarryTheFigures) {
  TrackerStats stats;
  stats.count(Protocol::udp, Event::connect, 3);
  StoreTotals totals;
  totals.torrents = 2;
  totals.peers_v4 = 7;
  totals.peers_v6 = 1;
  totals.seeders = 5;
  totals.leechers = 3;
  TrackerStats::Gauges g;
  g.uptime_seconds = 42;
  const std::string text = stats.prometheus(totals, g);
  EXPECT_NE(text.find("shoal_requests_total{protocol=\"udp\",event=\"connect\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("shoal_peers{family=\"ipv4\"} 7\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE shoal_seeders gauge\nshoal_seeders 5\n"), std::string::npos);
  EXPECT_NE(text.find("shoal_uptime_seconds 42\n"), std::string::npos);
  // Every non-comment line is "name{labels} value" or "name value".
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto eol = text.find('\n', pos);
    ASSERT_NE(eol, std::string::npos);
    const std::string line = text.substr(pos, eol - pos);
    if (line[0] != '#') {
      EXPECT_EQ(line.rfind("shoal_", 0), 0u) << line;
      EXPECT_NE(line.find(' '), std::string::npos) << line;
    }
    pos = eol + 1;
  }
  const std::string json = stats.json(totals, g);
  EXPECT_NE(json.find("\"peers\":8"), std::string::npos);
  EXPECT_NE(json.find("\"connect\":{\"total\":3"), std::string::npos);
}

TEST(TrackerStats, UdpServerCountersInMetricsAndStats) {
  TrackerStats stats;
  TrackerStats::Gauges g;
  g.udp_received = 1000;
  g.udp_sent = 990;
  g.udp_dropped = 7;
  g.udp_batches = 40;
  const std::string text = stats.prometheus({}, g);
  EXPECT_NE(text.find("# TYPE shoal_udp_datagrams_total counter"), std::string::npos);
  EXPECT_NE(text.find("shoal_udp_datagrams_total{direction=\"received\"} 1000\n"), std::string::npos);
  EXPECT_NE(text.find("shoal_udp_datagrams_total{direction=\"sent\"} 990\n"), std::string::npos);
  EXPECT_NE(text.find("shoal_udp_datagrams_total{direction=\"dropped\"} 7\n"), std::string::npos);
  EXPECT_NE(text.find("shoal_udp_batches_total 40\n"), std::string::npos);
  const std::string json = stats.json({}, g);
  EXPECT_NE(json.find("\"udp_server\":{\"received\":1000,\"sent\":990,\"dropped\":7,\"batches\":40}"),
            std::string::npos)
      << json;
}

TEST(TrackerStats, AccountingCountersOnlyInPrivateMode) {
  TrackerStats stats;
  TrackerStats::Gauges g;
  g.accounting_announces = 12;
  g.accounting_dropped = 2;
  g.accounting_resets = 1;
  g.accounting_baselines = 5;
  EXPECT_EQ(stats.prometheus({}, g).find("shoal_accounting"), std::string::npos);
  g.accounting = true;
  const std::string text = stats.prometheus({}, g);
  EXPECT_NE(text.find("# TYPE shoal_accounting_announces_total counter\nshoal_accounting_announces_total 12\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("shoal_accounting_refused_total{reason=\"implausible_rate\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("shoal_accounting_counter_resets_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE shoal_accounting_baselines gauge\nshoal_accounting_baselines 5\n"),
            std::string::npos);
}
