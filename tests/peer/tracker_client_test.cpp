// TrackerClient (peer/include/shoal/peer/tracker_client.hpp): URL parsing as unit cases, then
// announce and scrape against the real shoal-tracker binary over HTTP, HTTPS and UDP, and against
// small scripted fake trackers on loopback for what a well-behaved tracker never does (redirects,
// HTTP errors, lost datagrams, foreign transaction ids, oversized bodies).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <iostream>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "fake_http_server.hpp"
#include "process.hpp"
#include "shoal/peer/tracker_client.hpp"
#include "shoal/proto/http_tracker.hpp"
#include "shoal/proto/udp_tracker.hpp"

namespace {

using namespace std::chrono_literals;
using shoal::AnnounceEvent;
using shoal::Sha1Digest;
using shoal::peer::TrackerClient;
using shoal::peer::TrackerClientOptions;
using shoal::peer::TrackerErrc;
using shoal::peer::TrackerScheme;
using shoal::test::ChildProcess;
using shoal::test::TempDir;
namespace udpt = shoal::udp_tracker;
using shoal::test::bind_loopback;
using shoal::test::FakeHttpServer;
using shoal::test::Fd;
using shoal::test::http_response;
using shoal::test::readable;
using shoal::test::unused_port;
using Clock = std::chrono::steady_clock;

constexpr auto kStartTimeout = 30s;
// Generous: the suite runs on a loaded 2-core machine, maybe under sanitizers.
constexpr auto kCallTimeout = 10s;
// How much later than its timeout a call may return (scheduling, process start-up noise).
constexpr auto kTimeoutSlack = 3s;

const std::string kTrackerBin = SHOAL_TRACKER_BIN;

Sha1Digest hash_of(char hex_digit) { return *Sha1Digest::from_hex(std::string(40, hex_digit)); }

shoal::AnnounceRequest make_request(const Sha1Digest& hash, std::uint16_t port, std::int64_t left,
                                    AnnounceEvent event = AnnounceEvent::started) {
  shoal::AnnounceRequest r;
  r.info_hash = hash;
  r.peer_id = shoal::peer::make_peer_id();
  r.port = port;
  r.left = left;
  r.event = event;
  return r;
}

std::set<std::string> peer_set(const shoal::AnnounceResponse& r) {
  std::set<std::string> out;
  for (const auto& p : r.peers) out.insert(p.endpoint.to_string());
  return out;
}

TrackerClientOptions fast_options(std::chrono::milliseconds timeout = kCallTimeout) {
  TrackerClientOptions o;
  o.timeout = timeout;
  return o;
}

// A scripted BEP 15 tracker: `script` gets each decoded request datagram and returns the datagrams
// to send back (possibly none). Every received datagram is recorded.
class FakeUdpTracker {
public:
  using Script = std::function<std::vector<std::string>(const udpt::Request&, std::size_t index)>;

  explicit FakeUdpTracker(Script script) : m_script(std::move(script)) {
    m_fd = bind_loopback(SOCK_DGRAM, &m_port);
    m_thread = std::thread([this] { serve(); });
  }
  ~FakeUdpTracker() {
    m_stop = true;
    m_thread.join();
  }
  std::string url(const std::string& target = "/announce") const {
    return "udp://127.0.0.1:" + std::to_string(m_port) + target;
  }
  std::vector<std::string> datagrams() const {
    std::lock_guard lock(m_mutex);
    return m_datagrams;
  }

private:
  void serve() {
    std::string scratch;
    while (!m_stop) {
      if (!readable(m_fd.get(), 50ms)) continue;
      char buf[2048];
      sockaddr_storage from{};
      socklen_t from_len = sizeof from;
      const ssize_t n = ::recvfrom(m_fd.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n <= 0) continue;
      const std::string datagram(buf, static_cast<std::size_t>(n));
      std::size_t index;
      {
        std::lock_guard lock(m_mutex);
        m_datagrams.push_back(datagram);
        index = m_datagrams.size() - 1;
      }
      auto req = udpt::decode_request(datagram, scratch);
      if (!req) continue;
      for (const auto& reply : m_script(*req, index))
        ::sendto(m_fd.get(), reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
    }
  }

  Script m_script;
  Fd m_fd;
  std::uint16_t m_port = 0;
  std::atomic<bool> m_stop{false};
  mutable std::mutex m_mutex;
  std::vector<std::string> m_datagrams;
  std::thread m_thread;
};

std::uint32_t transaction_id(const udpt::Request& r) {
  return std::visit([](const auto& x) { return x.transaction_id; }, r);
}

template <class Message>
std::string encoded(const Message& m) {
  std::string out;
  udpt::encode(m, out);
  return out;
}

// ---- the real tracker ---------------------------------------------------------------------------

// A running shoal-tracker with the URLs it printed ("announce URL: <url>").
class TrackerProcess {
public:
  explicit TrackerProcess(std::vector<std::string> extra_args, std::string config = {},
                          std::size_t expected_urls = 2) {
    std::vector<std::string> args{"--data-dir", (m_dir / "data").string(), "--udp", "127.0.0.1:0",
                                  "--http", "127.0.0.1:0"};
    if (!config.empty()) args.insert(args.end(), {"--config", m_dir.write_file("tracker.toml", config).string()});
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    m_process = std::make_unique<ChildProcess>(ChildProcess::spawn(kTrackerBin, args));
    for (std::size_t i = 0; i < expected_urls; ++i) {
      auto line = m_process->wait_for_output_line("announce URL: ", kStartTimeout);
      if (!line) {
        ADD_FAILURE() << "shoal-tracker did not print its announce URLs\n" << m_process->describe();
        return;
      }
      urls.push_back(line->substr(std::strlen("announce URL: ")));
    }
    udp = url("udp://127.0.0.1:");
    http = url("http://127.0.0.1:");
    https = url("https://127.0.0.1:");
  }
  // The first printed URL that starts with `prefix`, or "".
  std::string url(std::string_view prefix) const {
    for (const auto& u : urls)
      if (u.starts_with(prefix)) return u;
    return {};
  }
  ~TrackerProcess() {
    if (::testing::Test::HasFailure()) std::cerr << m_process->describe() << "\n";
  }
  const TempDir& dir() const { return m_dir; }

  std::vector<std::string> urls;  // every "announce URL:" line, in order
  std::string udp, http, https;   // the first loopback IPv4 URL of each scheme

private:
  TempDir m_dir{"shoal-tracker-client-"};
  std::unique_ptr<ChildProcess> m_process;
};

// One public tracker shared by the tests that only announce and scrape (each uses its own hash).
class RealTracker : public ::testing::Test {
protected:
  static void SetUpTestSuite() { s_tracker = new TrackerProcess({}); }
  static void TearDownTestSuite() {
    delete s_tracker;
    s_tracker = nullptr;
  }
  void SetUp() override {
    ASSERT_FALSE(s_tracker->http.empty());
    ASSERT_FALSE(s_tracker->udp.empty());
  }
  static TrackerProcess* s_tracker;
};
TrackerProcess* RealTracker::s_tracker = nullptr;

// =============================================================================================
// URL parsing

TEST(TrackerUrl, ParsesGoodUrls) {
  struct Case {
    const char* url;
    TrackerScheme scheme;
    const char* host;
    std::uint16_t port;
    const char* path;
    const char* query;
  };
  const Case cases[] = {
      {"http://tracker.example/announce", TrackerScheme::http, "tracker.example", 80, "/announce", ""},
      {"HTTP://Tracker.Example:8080/announce", TrackerScheme::http, "Tracker.Example", 8080, "/announce", ""},
      {"https://t.example/announce.php?passkey=abc&x=1", TrackerScheme::https, "t.example", 443,
       "/announce.php", "passkey=abc&x=1"},
      {"udp://tracker.example:6969/announce", TrackerScheme::udp, "tracker.example", 6969, "/announce", ""},
      {"udp://tracker.example:6969", TrackerScheme::udp, "tracker.example", 6969, "/", ""},
      {"udp://1.2.3.4:1", TrackerScheme::udp, "1.2.3.4", 1, "/", ""},
      {"http://[2001:db8::1]:8080/a/announce", TrackerScheme::http, "2001:db8::1", 8080, "/a/announce", ""},
      {"http://[::1]/announce", TrackerScheme::http, "::1", 80, "/announce", ""},
      {"http://host?x=1", TrackerScheme::http, "host", 80, "/", "x=1"},
      {"http://host/announce#frag", TrackerScheme::http, "host", 80, "/announce", ""},
      {"http://host/announce/%41bc", TrackerScheme::http, "host", 80, "/announce/%41bc", ""},
      {"http://my_host-1.example:65535/", TrackerScheme::http, "my_host-1.example", 65535, "/", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    auto u = shoal::peer::parse_tracker_url(c.url);
    ASSERT_TRUE(u) << u.error().message;
    EXPECT_EQ(u->scheme, c.scheme);
    EXPECT_EQ(u->host, c.host);
    EXPECT_EQ(u->port, c.port);
    EXPECT_EQ(u->path, c.path);
    EXPECT_EQ(u->query, c.query);
    // to_string() parses back to the same value.
    auto again = shoal::peer::parse_tracker_url(u->to_string());
    ASSERT_TRUE(again) << u->to_string();
    EXPECT_EQ(*again, *u);
  }
}

TEST(TrackerUrl, RefusesBadUrls) {
  const char* cases[] = {
      "",
      "tracker.example/announce",          // no scheme
      "ftp://tracker.example/announce",    // unsupported scheme
      "wss://tracker.example/announce",
      "http:///announce",                  // no host
      "http://:80/announce",
      "http://user:pw@host/announce",      // user info
      "http://host:0/announce",            // port out of range
      "http://host:65536/announce",
      "http://host:/announce",             // empty port
      "http://host:80a/announce",
      "http://host:-1/announce",
      "udp://tracker.example/announce",    // udp needs a port
      "http://2001:db8::1/announce",       // IPv6 without brackets
      "http://[2001:db8::1/announce",      // unterminated bracket
      "http://[1.2.3.4]/announce",         // not IPv6 in brackets
      "http://[::1]x/announce",
      "http://host name/announce",         // space
      "http://host/ann\x01ounce",          // control character
      "http://h\xc3\xa9st/announce",       // non-ASCII
      "http://host..example/announce",     // empty label
      "http://999.1.1.1/announce",         // numeric but not IPv4
      "http://ho$t/announce",
  };
  for (const char* c : cases) {
    SCOPED_TRACE(c);
    auto u = shoal::peer::parse_tracker_url(c);
    ASSERT_FALSE(u) << u->to_string();
    EXPECT_EQ(u.error().code, TrackerErrc::invalid_url);
    EXPECT_FALSE(u.error().message.empty());
  }
  EXPECT_FALSE(shoal::peer::parse_tracker_url("http://host/" + std::string(5000, 'a')));
  EXPECT_FALSE(shoal::peer::parse_tracker_url("http://" + std::string(254, 'a') + "/"));
}

TEST(TrackerUrl, TargetsOriginsAndRedaction) {
  auto u = shoal::peer::parse_tracker_url("https://t.example:8443/announce?passkey=secret");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->target(), "/announce?passkey=secret");
  EXPECT_EQ(u->target_with("info_hash=x"), "/announce?passkey=secret&info_hash=x");
  EXPECT_EQ(u->origin(), "https://t.example:8443");
  EXPECT_EQ(u->redacted(), "https://t.example:8443/announce");  // no passkey in error messages
  auto plain = shoal::peer::parse_tracker_url("http://[::1]/announce");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->target_with("a=1"), "/announce?a=1");
  EXPECT_EQ(plain->origin(), "http://[::1]");
  EXPECT_TRUE(plain->host_is_ipv6());
}

TEST(TrackerUrl, ScrapeUrlConvention) {
  auto scrape = [](std::string_view url) -> std::string {
    auto u = shoal::peer::parse_tracker_url(url);
    if (!u) return "bad url";
    auto s = shoal::peer::scrape_url_for(*u);
    if (!s) return "unsupported";
    return s->to_string();
  };
  EXPECT_EQ(scrape("http://t.example/announce"), "http://t.example/scrape");
  EXPECT_EQ(scrape("http://t.example/x/announce.php?passkey=1"), "http://t.example/x/scrape.php?passkey=1");
  EXPECT_EQ(scrape("http://t.example/announce?x=1"), "http://t.example/scrape?x=1");
  EXPECT_EQ(scrape("http://t.example/scrape"), "http://t.example/scrape");
  EXPECT_EQ(scrape("http://t.example/a"), "unsupported");
  EXPECT_EQ(scrape("http://t.example/announce/passkey"), "unsupported");
  EXPECT_EQ(scrape("udp://t.example:1/whatever"), "udp://t.example:1/whatever");
  auto u = shoal::peer::parse_tracker_url("http://t.example/x");
  ASSERT_TRUE(u);
  EXPECT_EQ(shoal::peer::scrape_url_for(*u).error().code, TrackerErrc::scrape_unsupported);
}

TEST(TrackerClientBasics, PeerIdHasPrefixAndIsRandom) {
  const auto a = shoal::peer::make_peer_id(), b = shoal::peer::make_peer_id();
  EXPECT_TRUE(a.view().starts_with(shoal::peer::kPeerIdPrefix));
  EXPECT_NE(a, b);
  const auto c = shoal::peer::make_peer_id("-XX1234-abc");
  EXPECT_TRUE(c.view().starts_with("-XX1234-abc"));
  for (char ch : c.view()) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-');
  EXPECT_EQ(shoal::peer::make_peer_id(std::string(25, 'z')).view(), std::string(20, 'z'));
}

TEST(TrackerClientBasics, ErrorsAreReturnedNotThrown) {
  TrackerClient client(fast_options(1s));
  auto bad = client.announce("gopher://x/announce", make_request(hash_of('1'), 1, 0));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, TrackerErrc::invalid_url);
  auto none = client.scrape("udp://127.0.0.1:1/announce", {});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, TrackerErrc::invalid_request);
  auto no_scrape = client.scrape("http://127.0.0.1:1/tracker", {hash_of('1')});
  ASSERT_FALSE(no_scrape);
  EXPECT_EQ(no_scrape.error().code, TrackerErrc::scrape_unsupported);
  EXPECT_EQ(shoal::peer::to_string(TrackerErrc::timeout), "timeout");
}

// =============================================================================================
// Against the real shoal-tracker

TEST_F(RealTracker, HttpTwoPeersSeeEachOtherAndScrape) {
  TrackerClient client(fast_options());
  const auto h = hash_of('a');
  auto first = client.announce(s_tracker->http, make_request(h, 41001, 1000));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_FALSE(first->failure_reason);
  EXPECT_GT(first->interval, 0);
  EXPECT_EQ(first->incomplete, 1);
  EXPECT_TRUE(first->peers.empty());  // the requester is never returned to itself

  auto second = client.announce(s_tracker->http, make_request(h, 41002, 0));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(peer_set(*second), std::set<std::string>{"127.0.0.1:41001"});
  EXPECT_EQ(second->complete, 1);
  EXPECT_EQ(second->incomplete, 1);

  auto again = client.announce(s_tracker->http, make_request(h, 41001, 1000, AnnounceEvent::none));
  ASSERT_TRUE(again);
  EXPECT_EQ(peer_set(*again), std::set<std::string>{"127.0.0.1:41002"});

  auto s = client.scrape(s_tracker->http, {h, hash_of('b')});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_FALSE(s->failure_reason);
  ASSERT_TRUE(s->files.contains(h));
  EXPECT_EQ(s->files[h].complete, 1);
  EXPECT_EQ(s->files[h].incomplete, 1);
}

TEST_F(RealTracker, UdpTwoPeersSeeEachOtherAndScrape) {
  TrackerClient client(fast_options());
  const auto h = hash_of('c');
  auto first = client.announce(s_tracker->udp, make_request(h, 42001, 500));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_FALSE(first->failure_reason);
  EXPECT_GT(first->interval, 0);
  EXPECT_EQ(first->incomplete, 1);
  EXPECT_TRUE(first->peers.empty());

  auto second = client.announce(s_tracker->udp, make_request(h, 42002, 500));
  ASSERT_TRUE(second) << second.error().message;
  ASSERT_FALSE(second->failure_reason) << *second->failure_reason;
  EXPECT_EQ(peer_set(*second), std::set<std::string>{"127.0.0.1:42001"});
  EXPECT_EQ(second->incomplete, 2);

  auto again = client.announce(s_tracker->udp, make_request(h, 42001, 0, AnnounceEvent::completed));
  ASSERT_TRUE(again);
  EXPECT_EQ(peer_set(*again), std::set<std::string>{"127.0.0.1:42002"});

  const auto unknown = hash_of('d');
  auto s = client.scrape(s_tracker->udp, {h, unknown});
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->files.size(), 2u);
  EXPECT_EQ(s->files[h].complete, 1);
  EXPECT_EQ(s->files[h].incomplete, 1);
  EXPECT_EQ(s->files[h].downloaded, 1);
  EXPECT_EQ(s->files[unknown], shoal::ScrapeStats{});

  // The same swarm seen over HTTP.
  auto over_http = client.scrape(s_tracker->http, {h});
  ASSERT_TRUE(over_http) << over_http.error().message;
  EXPECT_EQ(over_http->files[h].complete, 1);
  EXPECT_EQ(over_http->files[h].incomplete, 1);
}

TEST_F(RealTracker, UdpScrapeOfManyHashesIsSplitIntoSeveralRequests) {
  TrackerClient client(fast_options());
  std::vector<Sha1Digest> hashes;
  for (int i = 0; i < 100; ++i) {
    Sha1Digest d;
    d.bytes[0] = 0xee;
    d.bytes[19] = static_cast<std::uint8_t>(i);
    hashes.push_back(d);
  }
  ASSERT_TRUE(client.announce(s_tracker->udp, make_request(hashes[90], 42101, 7)));
  auto s = client.scrape(s_tracker->udp, hashes);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->files.size(), 100u);
  EXPECT_EQ(s->files[hashes[90]].incomplete, 1);
}

TEST_F(RealTracker, HostNamesResolve) {
  TrackerClient client(fast_options());
  const auto h = hash_of('e');
  // "localhost" may resolve to ::1 first, where nothing listens: the next address is tried.
  std::string http = s_tracker->http, udp = s_tracker->udp;
  http.replace(http.find("127.0.0.1"), 9, "localhost");
  udp.replace(udp.find("127.0.0.1"), 9, "localhost");
  auto a = client.announce(http, make_request(h, 43001, 1));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_FALSE(a->failure_reason);
  auto b = client.announce(udp, make_request(h, 43002, 1));
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(peer_set(*b), std::set<std::string>{"127.0.0.1:43001"});

  auto nx = client.announce("http://no-such-host.invalid/announce", make_request(h, 43003, 1));
  ASSERT_FALSE(nx);
  EXPECT_TRUE(nx.error().code == TrackerErrc::resolve_failed || nx.error().code == TrackerErrc::timeout)
      << nx.error().message;
}

TEST(RealTrackerModes, ListedModeFailureReasonIsReported) {
  TrackerProcess t({"--mode", "listed"});
  ASSERT_FALSE(t.http.empty());
  TrackerClient client(fast_options());
  const auto h = hash_of('f');
  for (const std::string& url : {t.http, t.udp}) {
    SCOPED_TRACE(url);
    auto r = client.announce(url, make_request(h, 44001, 1));
    ASSERT_TRUE(r) << r.error().message;  // a refusal is an answer, not an error
    ASSERT_TRUE(r->failure_reason);
    EXPECT_EQ(*r->failure_reason, "unregistered torrent");
  }
}

TEST(RealTrackerModes, Ipv6) {
  {
    Fd probe(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    if (probe.get() < 0 || ::bind(probe.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      GTEST_SKIP() << "no IPv6 loopback in this environment";
  }
  TrackerProcess t({"--udp", "[::1]:0", "--http", "[::1]:0"}, {}, 4);
  const std::string http6 = t.url("http://[::1]:"), udp6 = t.url("udp://[::1]:");
  ASSERT_FALSE(http6.empty());
  ASSERT_FALSE(udp6.empty());
  TrackerClient client(fast_options());
  const auto h = hash_of('9');
  ASSERT_TRUE(client.announce(http6, make_request(h, 45001, 1)));
  auto r = client.announce(http6, make_request(h, 45002, 1));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(peer_set(*r), std::set<std::string>{"[::1]:45001"});
  // UDP over IPv6: 18-byte peers.
  auto u = client.announce(udp6, make_request(h, 45003, 1));
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(peer_set(*u), (std::set<std::string>{"[::1]:45001", "[::1]:45002"}));
  auto s = client.scrape(udp6, {h});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->files[h].incomplete, 3);
}

// ---- HTTPS ------------------------------------------------------------------------------------

class HttpsTracker : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    s_dir = new TempDir("shoal-tls-");
    const std::string openssl = SHOAL_OPENSSL_BIN;
    if (openssl.empty()) return;
    s_cert = (*s_dir / "cert.pem").string();
    const std::string key = (*s_dir / "key.pem").string();
    auto p = ChildProcess::spawn(openssl, {"req", "-x509", "-newkey", "ec", "-pkeyopt",
                                           "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                                           "-out", s_cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                                           "-addext", "subjectAltName=IP:127.0.0.1"});
    if (p.wait_exit(60s) != 0) {
      s_cert.clear();
      return;
    }
    s_tracker = new TrackerProcess({}, "[tls]\nlisten = [\"127.0.0.1:0\"]\ncertificate = \"" + s_cert +
                                           "\"\nprivate_key = \"" + key + "\"\n",
                                   3);
  }
  static void TearDownTestSuite() {
    delete s_tracker;
    delete s_dir;
  }
  void SetUp() override {
    ASSERT_FALSE(s_cert.empty()) << "openssl is installed by scripts/setup.sh";
    ASSERT_NE(s_tracker, nullptr);
    ASSERT_FALSE(s_tracker->https.empty());
  }
  static TempDir* s_dir;
  static std::string s_cert;
  static TrackerProcess* s_tracker;
};
TempDir* HttpsTracker::s_dir = nullptr;
std::string HttpsTracker::s_cert;
TrackerProcess* HttpsTracker::s_tracker = nullptr;

TEST_F(HttpsTracker, SelfSignedCertificateIsRefusedByDefault) {
  TrackerClient client(fast_options());
  auto r = client.announce(s_tracker->https, make_request(hash_of('2'), 46001, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TrackerErrc::tls_error);
  EXPECT_NE(r.error().message.find("certificate"), std::string::npos) << r.error().message;
}

TEST_F(HttpsTracker, InsecureSkipsVerification) {
  auto o = fast_options();
  o.insecure = true;
  TrackerClient client(o);
  const auto h = hash_of('3');
  ASSERT_TRUE(client.announce(s_tracker->https, make_request(h, 46002, 1)));
  auto r = client.announce(s_tracker->https, make_request(h, 46003, 1));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(peer_set(*r), std::set<std::string>{"127.0.0.1:46002"});
  auto s = client.scrape(s_tracker->https, {h});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->files[h].incomplete, 2);
}

TEST_F(HttpsTracker, CaFileVerifiesAddressAndName) {
  auto o = fast_options();
  o.ca_file = s_cert;
  TrackerClient client(o);
  auto r = client.announce(s_tracker->https, make_request(hash_of('4'), 46004, 1));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->failure_reason);

  // Same trusted certificate, but it names 127.0.0.1, not "localhost".
  std::string by_name = s_tracker->https;
  by_name.replace(by_name.find("127.0.0.1"), 9, "localhost");
  auto mismatch = client.announce(by_name, make_request(hash_of('4'), 46005, 1));
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code, TrackerErrc::tls_error) << mismatch.error().message;

  auto missing = TrackerClient([&] {
                   auto m = fast_options();
                   m.ca_file = (*s_dir / "missing.pem").string();
                   return m;
                 }())
                     .announce(s_tracker->https, make_request(hash_of('4'), 46006, 1));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, TrackerErrc::tls_error);
}

// =============================================================================================
// Trackers that are down or misbehave

TEST(TrackerDown, TcpRefusedIsReportedAtOnce) {
  TrackerClient client(fast_options(5s));
  const auto start = Clock::now();
  auto r = client.announce("http://127.0.0.1:" + std::to_string(unused_port(SOCK_STREAM)) + "/announce",
                           make_request(hash_of('1'), 1, 0));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TrackerErrc::connection_refused) << r.error().message;
  EXPECT_LT(Clock::now() - start, 5s + kTimeoutSlack);
}

TEST(TrackerDown, UdpRefusedOrTimeoutWithinTheTimeout) {
  TrackerClient client(fast_options(2s));
  const auto start = Clock::now();
  auto r = client.announce("udp://127.0.0.1:" + std::to_string(unused_port(SOCK_DGRAM)) + "/announce",
                           make_request(hash_of('1'), 1, 0));
  ASSERT_FALSE(r);
  // Loopback delivers ICMP port unreachable, which a connected UDP socket reports as refused.
  EXPECT_TRUE(r.error().code == TrackerErrc::connection_refused || r.error().code == TrackerErrc::timeout)
      << r.error().message;
  EXPECT_LT(Clock::now() - start, 2s + kTimeoutSlack);
}

TEST(TrackerDown, SilentUdpTrackerTimesOutAfterRetransmitting) {
  FakeUdpTracker silent([](const udpt::Request&, std::size_t) { return std::vector<std::string>{}; });
  auto o = fast_options(1500ms);
  o.udp_retransmit_base = 200ms;  // sends at 0, 0.2, 0.6 and 1.4 s
  TrackerClient client(o);
  const auto start = Clock::now();
  auto r = client.announce(silent.url(), make_request(hash_of('1'), 1, 0));
  const auto took = Clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TrackerErrc::timeout) << r.error().message;
  EXPECT_GE(took, 1400ms);
  EXPECT_LT(took, 1500ms + kTimeoutSlack);
  std::this_thread::sleep_for(100ms);
  const auto sent = silent.datagrams();
  EXPECT_GE(sent.size(), 3u);
  EXPECT_LE(sent.size(), 4u);
  for (const auto& d : sent) EXPECT_EQ(d.size(), udpt::kConnectRequestSize);  // all connects
}

TEST(TrackerDown, SilentHttpTrackerTimesOut) {
  std::uint16_t port = 0;
  Fd listener = bind_loopback(SOCK_STREAM, &port);
  ::listen(listener.get(), 4);  // accepts connections (backlog) but never answers
  TrackerClient client(fast_options(1s));
  const auto start = Clock::now();
  auto r = client.announce("http://127.0.0.1:" + std::to_string(port) + "/announce",
                           make_request(hash_of('1'), 1, 0));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TrackerErrc::timeout) << r.error().message;
  EXPECT_LT(Clock::now() - start, 1s + kTimeoutSlack);
}

TEST(FakeUdp, RetransmitsIgnoresForeignTransactionsAndSendsUrlData) {
  std::atomic<int> connects{0};
  FakeUdpTracker fake([&](const udpt::Request& req, std::size_t) -> std::vector<std::string> {
    const auto tid = transaction_id(req);
    if (std::holds_alternative<udpt::ConnectRequest>(req)) {
      if (connects++ == 0) return {};  // the first connect is "lost"
      return {encoded(udpt::ConnectResponse{tid + 1, 7}),           // someone else's answer
              "garbage",                                            // not a packet
              encoded(udpt::ConnectResponse{tid, 0x1122334455667788ull})};
    }
    if (const auto* a = std::get_if<udpt::AnnounceRequest>(&req)) {
      udpt::AnnounceResponse r;
      r.transaction_id = tid;
      r.interval = 900;
      r.seeders = 3;
      r.leechers = 4;
      r.peers = {*shoal::PeerEndpoint::parse("10.0.0.1:6881"), *shoal::PeerEndpoint::parse("10.0.0.2:6882")};
      EXPECT_EQ(a->connection_id, 0x1122334455667788ull);
      return {encoded(r)};
    }
    return {};
  });
  auto o = fast_options(5s);
  o.udp_retransmit_base = 100ms;
  TrackerClient client(o);
  auto req = make_request(hash_of('5'), 6881, 10);
  req.numwant = 20;
  req.key = "0000abcd";
  auto r = client.announce(fake.url("/announce/p4ss?token=x%20y"), req);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->interval, 900);
  EXPECT_EQ(r->complete, 3);
  EXPECT_EQ(r->incomplete, 4);
  EXPECT_EQ(peer_set(*r), (std::set<std::string>{"10.0.0.1:6881", "10.0.0.2:6882"}));

  const auto sent = fake.datagrams();
  ASSERT_EQ(sent.size(), 3u);  // connect (lost), connect, announce
  std::string scratch;
  auto announce = udpt::decode_request(sent[2], scratch);
  ASSERT_TRUE(announce);
  const auto* a = std::get_if<udpt::AnnounceRequest>(&*announce);
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->url_data);
  EXPECT_EQ(*a->url_data, "/announce/p4ss?token=x%20y");  // BEP 41: path and query
  EXPECT_EQ(a->info_hash, hash_of('5'));
  EXPECT_EQ(a->peer_id, req.peer_id);
  EXPECT_EQ(a->port, 6881);
  EXPECT_EQ(a->left, 10);
  EXPECT_EQ(a->num_want, 20);
  EXPECT_EQ(a->key, 0xabcdu);
  EXPECT_EQ(a->event, AnnounceEvent::started);

  // The connection id is reused within its minute: a second announce sends no connect.
  ASSERT_TRUE(client.announce(fake.url(), req));
  const auto later = fake.datagrams();
  ASSERT_EQ(later.size(), 4u);
  EXPECT_GT(later[3].size(), udpt::kConnectRequestSize);
}

TEST(FakeUdp, ErrorPacketIsTheFailureReason) {
  FakeUdpTracker fake([](const udpt::Request& req, std::size_t) -> std::vector<std::string> {
    if (std::holds_alternative<udpt::ConnectRequest>(req))
      return {encoded(udpt::ConnectResponse{transaction_id(req), 42})};
    return {encoded(udpt::ErrorResponse{transaction_id(req), "passkey not found"})};
  });
  TrackerClient client(fast_options(5s));
  auto r = client.announce(fake.url(), make_request(hash_of('6'), 1, 1));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->failure_reason);
  EXPECT_EQ(*r->failure_reason, "passkey not found");
  auto s = client.scrape(fake.url(), {hash_of('6')});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->failure_reason, "passkey not found");
}

TEST(FakeUdp, StaleConnectionIdAfterATrackerRestartIsRenewed) {
  std::atomic<std::uint64_t> valid_id{1};
  std::atomic<std::uint64_t> next_id{1};
  FakeUdpTracker fake([&](const udpt::Request& req, std::size_t) -> std::vector<std::string> {
    const auto tid = transaction_id(req);
    if (std::holds_alternative<udpt::ConnectRequest>(req)) {
      valid_id = next_id.load();
      return {encoded(udpt::ConnectResponse{tid, valid_id})};
    }
    const auto* a = std::get_if<udpt::AnnounceRequest>(&req);
    if (a == nullptr || a->connection_id != valid_id) return {encoded(udpt::ErrorResponse{tid, "bad connection id"})};
    udpt::AnnounceResponse r;
    r.transaction_id = tid;
    r.interval = 60;
    return {encoded(r)};
  });
  TrackerClient client(fast_options(5s));
  auto first = client.announce(fake.url(), make_request(hash_of('8'), 1, 1));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_FALSE(first->failure_reason);
  next_id = 2;  // "restart": the next connect hands out id 2, and id 1 is refused meanwhile
  valid_id = 0;
  auto second = client.announce(fake.url(), make_request(hash_of('8'), 1, 1));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_FALSE(second->failure_reason) << *second->failure_reason;
  // connect, announce, announce (refused), connect, announce
  EXPECT_EQ(fake.datagrams().size(), 5u);
}

TEST(FakeHttp, FollowsRedirectsToTheRealTracker) {
  TrackerProcess t({});
  ASSERT_FALSE(t.http.empty());
  const std::string tracker_origin = t.http.substr(0, t.http.find("/announce"));
  // /a → /b (relative) → the tracker (absolute), keeping the query.
  FakeHttpServer fake([&](const std::string& target) {
    const auto q = target.find('?');
    const std::string query = q == std::string::npos ? "" : target.substr(q);
    if (target.starts_with("/a")) return http_response(302, "Found", "", "Location: /b" + query + "\r\n");
    return http_response(301, "Moved", "", "Location: " + tracker_origin + "/announce" + query + "\r\n");
  });
  TrackerClient client(fast_options());
  const auto h = hash_of('7');
  ASSERT_TRUE(client.announce(t.http, make_request(h, 47001, 1)));
  auto r = client.announce(fake.url("/a?passkey=k"), make_request(h, 47002, 1));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(peer_set(*r), std::set<std::string>{"127.0.0.1:47001"});
  const auto targets = fake.targets();
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_TRUE(targets[0].starts_with("/a?passkey=k&info_hash=")) << targets[0];
  EXPECT_TRUE(targets[1].starts_with("/b?passkey=k&info_hash=")) << targets[1];
}

TEST(FakeHttp, RedirectLoopStopsAfterTheLimit) {
  FakeHttpServer fake([](const std::string&) {
    return http_response(307, "Temporary Redirect", "", "Location: /announce\r\n");
  });
  TrackerClient client(fast_options());
  auto r = client.announce(fake.url("/announce"), make_request(hash_of('1'), 1, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TrackerErrc::redirect_error) << r.error().message;
  EXPECT_EQ(fake.targets().size(), 1u + shoal::peer::kDefaultMaxRedirects);
}

TEST(FakeHttp, RedirectToUdpOrWithoutLocationIsRefused) {
  FakeHttpServer fake([](const std::string& target) {
    if (target.starts_with("/udp"))
      return http_response(302, "Found", "", "Location: udp://127.0.0.1:1/announce\r\n");
    return http_response(302, "Found", "");
  });
  TrackerClient client(fast_options());
  for (const char* path : {"/udp/announce", "/none/announce"}) {
    auto r = client.announce(fake.url(path), make_request(hash_of('1'), 1, 1));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, TrackerErrc::redirect_error) << r.error().message;
  }
}

TEST(FakeHttp, HttpErrorStatusQuotesTheBody) {
  FakeHttpServer fake([](const std::string&) {
    return http_response(404, "Not Found", "no such tracker here\x01");
  });
  TrackerClient client(fast_options());
  auto r = client.announce(fake.url("/announce?passkey=secret"), make_request(hash_of('1'), 1, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TrackerErrc::http_status);
  EXPECT_NE(r.error().message.find("HTTP 404 Not Found"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("no such tracker here\\x01"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("secret"), std::string::npos) << "the passkey leaked: " << r.error().message;
}

TEST(FakeHttp, BodyThatIsNotATrackerResponse) {
  FakeHttpServer fake([](const std::string&) { return http_response(200, "OK", "<html>hello</html>"); });
  TrackerClient client(fast_options());
  auto r = client.announce(fake.url("/announce"), make_request(hash_of('1'), 1, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TrackerErrc::bad_response);
  EXPECT_NE(r.error().message.find("<html>"), std::string::npos) << r.error().message;
}

TEST(FakeHttp, FailureReasonWithoutContentLength) {
  FakeHttpServer fake([](const std::string&) {
    return std::string("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nd14:failure reason6:nope!!e");
  });
  TrackerClient client(fast_options());
  auto r = client.announce(fake.url("/announce"), make_request(hash_of('1'), 1, 1));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->failure_reason, "nope!!");
}

TEST(FakeHttp, OversizedBodyIsRefused) {
  FakeHttpServer fake([](const std::string&) {
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(shoal::kMaxAnnounceResponseSize + 1) +
           "\r\n\r\n" + std::string(1000, 'x');
  });
  TrackerClient client(fast_options());
  auto r = client.announce(fake.url("/announce"), make_request(hash_of('1'), 1, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TrackerErrc::response_too_large) << r.error().message;
}

TEST(FakeHttp, OversizedBodyWithoutLengthIsRefused) {
  FakeHttpServer fake([](const std::string&) {
    return "HTTP/1.0 200 OK\r\n\r\n" + std::string(shoal::kMaxAnnounceResponseSize + 4096, 'x');
  });
  TrackerClient client(fast_options());
  auto r = client.announce(fake.url("/announce"), make_request(hash_of('1'), 1, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TrackerErrc::response_too_large) << r.error().message;
}

TEST(FakeHttp, ClosedWithoutAnswer) {
  FakeHttpServer fake([](const std::string&) { return std::string(); });
  TrackerClient client(fast_options());
  auto r = client.announce(fake.url("/announce"), make_request(hash_of('1'), 1, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TrackerErrc::network_error) << r.error().message;
}

}  // namespace
