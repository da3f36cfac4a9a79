// Smoke runs of shoal-bench against a real shoal-tracker on loopback (a second each), so the
// load generator does not rot. They assert that the runs got answers, never how fast.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "process.hpp"
#include "shoal/proto/peer_endpoint.hpp"

using namespace std::chrono_literals;
using shoal::test::ChildProcess;
using shoal::test::TempDir;

namespace {

class BenchSmoke : public ::testing::Test {
protected:
  void SetUp() override {
    m_tracker.emplace(ChildProcess::spawn(SHOAL_TRACKER_BIN,
                                          {"--data-dir", (m_dir / "data").string(), "--udp",
                                           "127.0.0.1:0", "--http", "127.0.0.1:0", "--log-level", "warn"}));
    for (int i = 0; i < 2; ++i) {
      auto line = m_tracker->wait_for_output_line("announce URL: ", 20s);
      ASSERT_TRUE(line) << m_tracker->describe();
      const auto scheme_end = line->find("://");
      const auto path = line->find("/announce", scheme_end);
      const std::string endpoint = line->substr(scheme_end + 3, path - scheme_end - 3);
      (line->find("udp://") != std::string::npos ? m_udp : m_http) = endpoint;
    }
    ASSERT_FALSE(m_udp.empty());
    ASSERT_FALSE(m_http.empty());
  }

  nlohmann::json bench(std::vector<std::string> args) {
    args.push_back("--json");
    auto p = ChildProcess::spawn(SHOAL_BENCH_BIN, args);
    const auto status = p.wait_exit(60s);
    p.wait_output_closed(10s);
    EXPECT_EQ(status, 0) << p.describe();
    try {
      return nlohmann::json::parse(p.output());
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not JSON: " << p.describe();
      return nlohmann::json::object();
    }
  }

  // GET path from the tracker's HTTP listener (Connection: close), the body.
  std::string http_get(const std::string& path) {
    const auto ep = shoal::PeerEndpoint::parse(m_http);
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(ep->port);
    sa.sin_addr.s_addr = htonl(ep->address.v4_value());
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      ::close(fd);
      return {};
    }
    const std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    (void)::send(fd, req.data(), req.size(), 0);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    const auto body = out.find("\r\n\r\n");
    return body == std::string::npos ? std::string{} : out.substr(body + 4);
  }

  TempDir m_dir{"shoal-bench-smoke-"};
  std::optional<ChildProcess> m_tracker;
  std::string m_udp, m_http;
};

void expect_answered(const nlohmann::json& r, const char* what) {
  ASSERT_TRUE(r.contains("responses")) << what;
  EXPECT_GT(r["responses"].get<std::uint64_t>(), 100u) << what << ": " << r.dump();
  EXPECT_GT(r["announce_responses"].get<std::uint64_t>(), 0u) << what;
  EXPECT_GT(r["scrape_responses"].get<std::uint64_t>(), 0u) << what;
  EXPECT_EQ(r["errors"].get<std::uint64_t>(), 0u) << what << ": " << r["first_error"];
  EXPECT_GT(r["peers_per_announce"].get<double>(), 0.0) << what;
  EXPECT_LE(r["responses"].get<std::uint64_t>(), r["sent"].get<std::uint64_t>()) << what;
}

}  // namespace

TEST_F(BenchSmoke, Udp) {
  const auto r = bench({"udp", "--target", m_udp, "--duration", "1", "--torrents", "500",
                        "--peers", "2000", "--window", "32", "--connection-refresh", "0.2"});
  expect_answered(r, "udp");
  // A 0.2 s refresh over a 1 s run: every socket asked for its connection id several times.
  EXPECT_GE(r["connect_responses"].get<std::uint64_t>(), 8u) << r.dump();
}

TEST_F(BenchSmoke, HttpKeepAlive) {
  const auto r = bench({"http", "--target", m_http, "--duration", "1", "--torrents", "500",
                        "--peers", "2000", "--window", "8"});
  expect_answered(r, "http keep-alive");
  EXPECT_LE(r["connections_opened"].get<std::uint64_t>(), 8u) << "connections were not reused";
}

TEST_F(BenchSmoke, HttpConnectionPerRequest) {
  const auto r = bench({"http", "--target", m_http, "--duration", "1", "--torrents", "500",
                        "--peers", "2000", "--window", "8", "--no-keep-alive"});
  expect_answered(r, "http close");
  EXPECT_GE(r["connections_opened"].get<std::uint64_t>(), r["responses"].get<std::uint64_t>());
}

TEST_F(BenchSmoke, UdpFillStoresEveryPeer) {
  const auto r = bench({"udp", "--target", m_udp, "--fill", "--torrents", "300",
                        "--peers-per-torrent", "7", "--duration", "30", "--window", "64"});
  ASSERT_TRUE(r.contains("announce_responses"));
  EXPECT_EQ(r["announce_responses"].get<std::uint64_t>(), 2100u) << r.dump();
  EXPECT_EQ(r["timeouts"].get<std::uint64_t>(), 0u);
  const auto stats = nlohmann::json::parse(http_get("/stats"));
  EXPECT_EQ(stats["peers_ipv4"].get<std::uint64_t>(), 2100u) << stats.dump();
  EXPECT_EQ(stats["torrents"].get<std::uint64_t>(), 300u);
}

TEST_F(BenchSmoke, RefusesABadTarget) {
  auto p = ChildProcess::spawn(SHOAL_BENCH_BIN, {"udp", "--target", "not-an-endpoint"});
  EXPECT_EQ(p.wait_exit(20s), 2);
}
