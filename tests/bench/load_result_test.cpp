#include "shoal/bench/load_result.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace shoal::bench;

namespace {
LoadResult sample(std::uint64_t responses, std::uint64_t announces, std::uint64_t peers) {
  LoadResult r;
  r.sent = responses + 1;
  r.responses = responses;
  r.timeouts = 1;
  r.announce_responses = announces;
  r.announce_peers = peers;
  for (std::uint64_t i = 0; i < responses; ++i) r.latency.record(1000 * (i + 1));
  return r;
}
}  // namespace

TEST(LoadResult, RatesAndPeersPerAnnounce) {
  LoadResult r = sample(100, 80, 4000);
  r.seconds = 2.0;
  EXPECT_DOUBLE_EQ(r.responses_per_second(), 50.0);
  EXPECT_DOUBLE_EQ(r.peers_per_announce(), 50.0);
  LoadResult empty;
  EXPECT_EQ(empty.responses_per_second(), 0.0);
  EXPECT_EQ(empty.peers_per_announce(), 0.0);
}

TEST(LoadResult, MergeSumsCountsAndKeepsTheFirstError) {
  LoadResult a = sample(10, 10, 100), b = sample(30, 20, 50);
  b.errors = 2;
  b.first_error = "boom";
  a.merge(b);
  EXPECT_EQ(a.sent, 42u);
  EXPECT_EQ(a.responses, 40u);
  EXPECT_EQ(a.timeouts, 2u);
  EXPECT_EQ(a.errors, 2u);
  EXPECT_EQ(a.announce_peers, 150u);
  EXPECT_EQ(a.latency.count(), 40u);
  EXPECT_EQ(a.first_error, "boom");
  LoadResult c;
  c.first_error = "first";
  c.merge(b);
  EXPECT_EQ(c.first_error, "first");
}

TEST(LoadResult, JsonCarriesTheDocumentedFields) {
  LoadResult r = sample(1000, 900, 9000);
  r.protocol = "udp";
  r.target = "127.0.0.1:6969";
  r.seconds = 4;
  const auto j = nlohmann::json::parse(to_json(r));
  EXPECT_EQ(j["protocol"], "udp");
  EXPECT_EQ(j["target"], "127.0.0.1:6969");
  EXPECT_EQ(j["responses"], 1000);
  EXPECT_EQ(j["sent"], 1001);
  EXPECT_EQ(j["timeouts"], 1);
  EXPECT_DOUBLE_EQ(j["responses_per_second"].get<double>(), 250.0);
  EXPECT_DOUBLE_EQ(j["peers_per_announce"].get<double>(), 10.0);
  EXPECT_NEAR(j["latency_us"]["p50"].get<double>(), 500.0, 500.0 / 32);
  EXPECT_NEAR(j["latency_us"]["p99"].get<double>(), 990.0, 990.0 / 32);
  EXPECT_TRUE(j["latency_us"].contains("p999"));
}

TEST(LoadResult, TextNamesEveryFigure) {
  LoadResult r = sample(10, 5, 25);
  r.protocol = "http";
  r.seconds = 1;
  const std::string t = to_text(r);
  for (const char* word : {"requests sent", "responses", "errors", "timeouts", "responses/s",
                           "p50/p99/p999", "peers per announce", "connections opened"})
    EXPECT_NE(t.find(word), std::string::npos) << word;
}
