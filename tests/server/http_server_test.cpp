#include "shoal/server/http_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace shoal::server {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;

// ---------------------------------------------------------------------------------------------
// A deliberately simple blocking HTTP client over a raw POSIX socket, so that the server is
// checked by code that shares nothing with it.

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

class Client {
public:
  explicit Client(std::uint16_t port, const char* address = "127.0.0.1") {
    const bool v6 = std::string_view(address).find(':') != std::string_view::npos;
    m_fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    if (m_fd < 0) throw std::runtime_error("socket");
    int rc = -1;
    if (v6) {
      sockaddr_in6 sa{};
      sa.sin6_family = AF_INET6;
      sa.sin6_port = htons(port);
      ::inet_pton(AF_INET6, address, &sa.sin6_addr);
      rc = ::connect(m_fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    } else {
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(port);
      ::inet_pton(AF_INET, address, &sa.sin_addr);
      rc = ::connect(m_fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    }
    if (rc != 0) throw std::runtime_error("connect");
  }
  ~Client() { close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void close() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
  }

  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(m_fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  /// One response; nullopt when the connection ends (or `timeout` passes) before it is complete.
  /// `head`: the response to a HEAD request (no body whatever Content-Length says).
  std::optional<Response> read_response(bool head = false, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = Clock::now() + timeout;
    std::size_t end;
    while ((end = m_pending.find("\r\n\r\n")) == std::string::npos)
      if (fill(deadline) <= 0) return std::nullopt;
    const std::string head_text = m_pending.substr(0, end);
    m_pending.erase(0, end + 4);

    Response r;
    std::size_t line_end = head_text.find("\r\n");
    const std::string status_line = head_text.substr(0, line_end);
    if (status_line.size() < 12 || status_line.compare(0, 5, "HTTP/") != 0) return std::nullopt;
    r.status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      const std::size_t start = line_end + 2;
      line_end = head_text.find("\r\n", start);
      const std::string line = head_text.substr(start, line_end == std::string::npos
                                                           ? std::string::npos
                                                           : line_end - start);
      const auto colon = line.find(':');
      if (colon == std::string::npos) return std::nullopt;
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers.emplace(lower(line.substr(0, colon)), value);
    }
    if (head || r.status < 200 || r.status == 204 || r.status == 304) return r;
    if (r.headers.count("content-length") != 0) {
      const std::size_t length = std::stoul(r.headers["content-length"]);
      while (m_pending.size() < length)
        if (fill(deadline) <= 0) return std::nullopt;
      r.body = m_pending.substr(0, length);
      m_pending.erase(0, length);
    } else {
      while (fill(deadline) > 0) {
      }
      r.body = std::move(m_pending);
      m_pending.clear();
    }
    return r;
  }

  /// True when the peer closes (EOF or reset) within `timeout`; data received meanwhile is kept.
  bool wait_closed(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      const int n = fill(deadline);
      if (n == 0 || n == -1) return true;
      if (n == -2) return false;
    }
  }

  /// True when the peer ends the connection with a clean EOF (FIN) within `timeout`; false on a
  /// reset or a timeout. Data received meanwhile is kept.
  bool wait_clean_eof(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      const int n = fill(deadline);
      if (n == 0) return true;
      if (n < 0) return false;
    }
  }

  /// Sends `data` one byte every `step` until the server closes the connection or `limit` passes;
  /// true when it closed.
  bool trickle_until_closed(std::string_view data, std::chrono::milliseconds step,
                            std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    std::size_t i = 0;
    while (Clock::now() < deadline) {
      if (::send(m_fd, data.data() + (i++ % data.size()), 1, MSG_NOSIGNAL) != 1) return true;
      const int n = fill(Clock::now() + step);
      if (n == 0 || n == -1) return true;
    }
    return false;
  }

  std::string_view pending() const { return m_pending; }

private:
  /// >0 bytes read, 0 at EOF, -1 on error (reset), -2 on timeout.
  int fill(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return -2;
    pollfd p{m_fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready == 0) return -2;
    if (ready < 0) return -1;
    char buf[4096];
    const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
    if (n < 0) return -1;
    m_pending.append(buf, static_cast<std::size_t>(n));
    return static_cast<int>(n);
  }

  int m_fd = -1;
  std::string m_pending;
};

std::string get(std::string_view target, std::string_view extra_headers = "",
                std::string_view version = "HTTP/1.1") {
  return std::string("GET ") + std::string(target) + " " + std::string(version) +
         "\r\nHost: test\r\n" + std::string(extra_headers) + "\r\n";
}

/// Polls `condition` for up to five seconds.
template <class F>
bool eventually(F condition) {
  const auto deadline = Clock::now() + 5s;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

// ---------------------------------------------------------------------------------------------
// Certificates for the HTTPS tests, made with the OpenSSL API (no openssl binary needed).

void write_self_signed(const std::filesystem::path& cert_file,
                       const std::filesystem::path& key_file, long serial) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  ASSERT_NE(key, nullptr);
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    ASSERT_NE(ext, nullptr);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  ASSERT_GT(X509_sign(cert, key, EVP_sha256()), 0);
  FILE* f = std::fopen(cert_file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_X509(f, cert);
  std::fclose(f);
  f = std::fopen(key_file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(cert);
  EVP_PKEY_free(key);
}

/// GET /secure over HTTPS, verifying the server against `ca_file` and the name "localhost".
/// The whole response text, or what failed.
expected<std::string, std::string> https_get(std::uint16_t port,
                                             const std::filesystem::path& ca_file) {
  net::io_context io;
  ssl::context ctx(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx.load_verify_file(ca_file.string(), ec);
  if (ec) return unexpected<std::string>("load_verify_file: " + ec.message());
  ctx.set_verify_mode(ssl::verify_peer);
  ssl::stream<net::ip::tcp::socket> stream(io, ctx);
  stream.set_verify_callback(ssl::host_name_verification("localhost"));
  stream.next_layer().connect({net::ip::address_v4::loopback(), port}, ec);
  if (ec) return unexpected<std::string>("connect: " + ec.message());
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) return unexpected<std::string>("handshake: " + ec.message());
  const std::string request = "GET /secure HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  net::write(stream, net::buffer(request), ec);
  if (ec) return unexpected<std::string>("write: " + ec.message());
  std::string out;
  net::read(stream, net::dynamic_buffer(out), ec);
  if (ec && ec != net::error::eof && ec != ssl::error::stream_truncated)
    return unexpected<std::string>("read: " + ec.message());
  return out;
}

class TempDir {
public:
  TempDir() {
    static std::atomic<int> counter{0};
    m_path = std::filesystem::temp_directory_path() /
             ("shoal-http-server-test-" + std::to_string(::getpid()) + "-" +
              std::to_string(counter++));
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  const std::filesystem::path& path() const { return m_path; }

private:
  std::filesystem::path m_path;
};

// ---------------------------------------------------------------------------------------------
// Units without sockets.

TEST(HttpRequestTest, SplitsPathAndQuery) {
  const HttpRequest r("GET", "/announce?info_hash=%12&port=1?x", {}, {}, PeerEndpoint{},
                      IpAddress{}, false);
  EXPECT_EQ(r.method(), "GET");
  EXPECT_EQ(r.target(), "/announce?info_hash=%12&port=1?x");
  EXPECT_EQ(r.path(), "/announce");
  EXPECT_EQ(r.query(), "info_hash=%12&port=1?x");
}

TEST(HttpRequestTest, NoQueryAndEmptyQuery) {
  const HttpRequest a("GET", "/scrape", {}, {}, PeerEndpoint{}, IpAddress{}, false);
  EXPECT_EQ(a.path(), "/scrape");
  EXPECT_EQ(a.query(), "");
  const HttpRequest b("GET", "/scrape?", {}, {}, PeerEndpoint{}, IpAddress{}, false);
  EXPECT_EQ(b.path(), "/scrape");
  EXPECT_EQ(b.query(), "");
}

TEST(HttpRequestTest, AbsoluteFormTarget) {
  const HttpRequest a("GET", "http://tracker.example:6969/announce?x=1", {}, {}, PeerEndpoint{},
                      IpAddress{}, false);
  EXPECT_EQ(a.path(), "/announce");
  EXPECT_EQ(a.query(), "x=1");
  const HttpRequest b("GET", "http://tracker.example", {}, {}, PeerEndpoint{}, IpAddress{},
                      false);
  EXPECT_EQ(b.path(), "/");
  EXPECT_EQ(b.query(), "");
}

TEST(HttpRequestTest, HeaderLookupIsCaseInsensitiveAndFirstWins) {
  const std::vector<HttpHeader> headers = {
      {"User-Agent", "qBittorrent/4.5"}, {"x-token", "a"}, {"X-Token", "b"}};
  const HttpRequest r("GET", "/", headers, "body", PeerEndpoint{}, IpAddress{}, true, 10);
  EXPECT_EQ(r.header("user-agent"), "qBittorrent/4.5");
  EXPECT_EQ(r.header("X-TOKEN"), "a");
  EXPECT_EQ(r.header("Accept"), std::nullopt);
  EXPECT_EQ(r.headers().size(), 3u);
  EXPECT_EQ(r.body(), "body");
  EXPECT_TRUE(r.is_tls());
  EXPECT_EQ(r.version(), 10u);
}

IpAddress ip(std::string_view text) { return *IpAddress::parse(text); }

std::vector<AddressRange> ranges(std::initializer_list<std::string_view> texts) {
  std::vector<AddressRange> out;
  for (auto t : texts) out.push_back(*AddressRange::parse(t));
  return out;
}

TEST(ResolveClientAddressTest, HeadersIgnoredFromUntrustedPeer) {
  const std::vector<HttpHeader> h = {{"X-Forwarded-For", "203.0.113.7"},
                                     {"X-Real-IP", "198.51.100.1"}};
  EXPECT_EQ(resolve_client_address(ip("192.0.2.1"), h, {}), ip("192.0.2.1"));
  const auto trusted = ranges({"10.0.0.0/8"});
  EXPECT_EQ(resolve_client_address(ip("192.0.2.1"), h, trusted), ip("192.0.2.1"));
}

TEST(ResolveClientAddressTest, XRealIpFromTrustedProxy) {
  const auto trusted = ranges({"10.0.0.0/8"});
  const std::vector<HttpHeader> h = {{"x-real-ip", " 2001:db8::5 "},
                                     {"X-Forwarded-For", "203.0.113.7"}};
  EXPECT_EQ(resolve_client_address(ip("10.1.1.1"), h, trusted), ip("2001:db8::5"));
  const std::vector<HttpHeader> bad = {{"X-Real-IP", "unknown"},
                                       {"X-Forwarded-For", "203.0.113.7"}};
  EXPECT_EQ(resolve_client_address(ip("10.1.1.1"), bad, trusted), ip("203.0.113.7"));
}

TEST(ResolveClientAddressTest, ForwardedForRightmostUntrustedEntry) {
  const auto trusted = ranges({"10.0.0.0/8", "::1"});
  // The client claims 1.1.1.1; the outer proxy 10.0.0.2 saw 203.0.113.7; the inner one saw 10.0.0.2.
  const std::vector<HttpHeader> h = {{"X-Forwarded-For", "1.1.1.1, 203.0.113.7,10.0.0.2"}};
  EXPECT_EQ(resolve_client_address(ip("10.0.0.3"), h, trusted), ip("203.0.113.7"));
  EXPECT_EQ(resolve_client_address(ip("::1"), h, trusted), ip("203.0.113.7"));
}

TEST(ResolveClientAddressTest, SeveralForwardedForFieldsJoinInOrder) {
  const auto trusted = ranges({"10.0.0.0/8"});
  const std::vector<HttpHeader> h = {{"X-Forwarded-For", "1.1.1.1, 203.0.113.7"},
                                     {"Accept", "*/*"},
                                     {"x-forwarded-for", "10.0.0.9"}};
  EXPECT_EQ(resolve_client_address(ip("10.0.0.3"), h, trusted), ip("203.0.113.7"));
}

TEST(ResolveClientAddressTest, AllTrustedGivesLeftmost) {
  const auto trusted = ranges({"10.0.0.0/8"});
  const std::vector<HttpHeader> h = {{"X-Forwarded-For", "10.0.0.7, 10.0.0.8"}};
  EXPECT_EQ(resolve_client_address(ip("10.0.0.3"), h, trusted), ip("10.0.0.7"));
}

TEST(ResolveClientAddressTest, GarbageEntryStopsTheWalk) {
  const auto trusted = ranges({"10.0.0.0/8"});
  const std::vector<HttpHeader> a = {{"X-Forwarded-For", "203.0.113.7, unknown, 10.0.0.8"}};
  EXPECT_EQ(resolve_client_address(ip("10.0.0.3"), a, trusted), ip("10.0.0.8"));
  const std::vector<HttpHeader> b = {{"X-Forwarded-For", "203.0.113.7,"}};
  EXPECT_EQ(resolve_client_address(ip("10.0.0.3"), b, trusted), ip("10.0.0.3"));
  const std::vector<HttpHeader> c = {{"X-Forwarded-For", ""}};
  EXPECT_EQ(resolve_client_address(ip("10.0.0.3"), c, trusted), ip("10.0.0.3"));
}

TEST(ResolveClientAddressTest, EntriesWithPortsAndBrackets) {
  const auto trusted = ranges({"10.0.0.0/8"});
  const std::vector<HttpHeader> a = {{"X-Forwarded-For", "[2001:db8::7]:4711"}};
  EXPECT_EQ(resolve_client_address(ip("10.0.0.3"), a, trusted), ip("2001:db8::7"));
  const std::vector<HttpHeader> b = {{"X-Forwarded-For", "203.0.113.7:4711"}};
  EXPECT_EQ(resolve_client_address(ip("10.0.0.3"), b, trusted), ip("203.0.113.7"));
  const std::vector<HttpHeader> c = {{"X-Forwarded-For", "[2001:db8::8]"}};
  EXPECT_EQ(resolve_client_address(ip("10.0.0.3"), c, trusted), ip("2001:db8::8"));
}

TEST(ResolveClientAddressTest, V4MappedAddressesComeBackAsV4) {
  const auto trusted = ranges({"127.0.0.0/8"});
  EXPECT_EQ(resolve_client_address(ip("::ffff:192.0.2.1"), {}, trusted), ip("192.0.2.1"));
  const std::vector<HttpHeader> h = {{"X-Forwarded-For", "::ffff:203.0.113.7"}};
  // The mapped peer is trusted as the IPv4 address it carries.
  EXPECT_EQ(resolve_client_address(ip("::ffff:127.0.0.1"), h, trusted), ip("203.0.113.7"));
}

TEST(ResolveClientAddressTest, LooksAtABoundedNumberOfEntries) {
  const auto trusted = ranges({"10.0.0.0/8"});
  std::string chain = "203.0.113.7";
  for (std::size_t i = 0; i < kMaxForwardedEntries; ++i) chain += ", 10.0.0.1";
  const std::vector<HttpHeader> h = {{"X-Forwarded-For", chain}};
  // The untrusted entry lies beyond the bound: the walk ends on a trusted hop instead.
  EXPECT_EQ(resolve_client_address(ip("10.0.0.3"), h, trusted), ip("10.0.0.1"));
}

// ---------------------------------------------------------------------------------------------
// The server over real sockets.

struct Seen {
  std::string method, target, path, query, body, user_agent;
  IpAddress client;
  PeerEndpoint peer;
  bool tls = false;
  unsigned version = 0;
};

class HttpServerTest : public ::testing::Test {
protected:
  void TearDown() override {
    if (m_server) m_server->stop();
  }

  /// Starts a server on 127.0.0.1 (ephemeral port) with `handler`, or with the recording
  /// handler: it records the request, answers "hello <path>" and echoes the body on /echo.
  void start(HttpServerOptions options = {}, HttpHandler handler = nullptr) {
    if (!handler) {
      handler = [this](const HttpRequest& req, HttpResponse& res) {
        record(req);
        if (req.path() == "/echo") {
          res.body = std::string(req.body());
          return;
        }
        res.body = "hello " + std::string(req.path());
        res.add_header("X-Test", "yes");
      };
    }
    m_server = std::make_unique<HttpServer>(std::move(options), std::move(handler));
    auto bound = m_server->listen("127.0.0.1:0");
    ASSERT_TRUE(bound) << bound.error();
    ASSERT_NE(bound->port, 0);
    m_port = bound->port;
    m_server->run(2);
  }

  void record(const HttpRequest& req) {
    Seen s;
    s.method = req.method();
    s.target = req.target();
    s.path = req.path();
    s.query = req.query();
    s.body = req.body();
    s.user_agent = req.header("user-agent").value_or("");
    s.client = req.client_address();
    s.peer = req.peer();
    s.tls = req.is_tls();
    s.version = req.version();
    std::lock_guard lock(m_mutex);
    m_seen.push_back(std::move(s));
  }

  std::vector<Seen> seen() {
    std::lock_guard lock(m_mutex);
    return m_seen;
  }

  std::unique_ptr<HttpServer> m_server;
  std::uint16_t m_port = 0;
  std::mutex m_mutex;
  std::vector<Seen> m_seen;
};

TEST_F(HttpServerTest, GetWithQueryReachesHandler) {
  start();
  Client c(m_port);
  ASSERT_TRUE(c.send(get("/announce?info_hash=%AB%CD&port=6881", "User-Agent: test/1.0\r\n")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello /announce");
  EXPECT_EQ(r->header("content-type"), "text/plain");
  EXPECT_EQ(r->header("content-length"), "15");
  EXPECT_EQ(r->header("x-test"), "yes");
  EXPECT_EQ(r->header("server"), "shoal");
  const std::string date = r->header("date");  // "Sun, 06 Nov 1994 08:49:37 GMT"
  EXPECT_EQ(date.size(), 29u) << date;
  EXPECT_TRUE(date.ends_with(" GMT")) << date;
  EXPECT_EQ(date.substr(3, 2), ", ") << date;

  const auto s = seen();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].method, "GET");
  EXPECT_EQ(s[0].target, "/announce?info_hash=%AB%CD&port=6881");
  EXPECT_EQ(s[0].path, "/announce");
  EXPECT_EQ(s[0].query, "info_hash=%AB%CD&port=6881");
  EXPECT_EQ(s[0].user_agent, "test/1.0");
  EXPECT_EQ(s[0].client, ip("127.0.0.1"));
  EXPECT_EQ(s[0].peer.address, ip("127.0.0.1"));
  EXPECT_NE(s[0].peer.port, 0);
  EXPECT_FALSE(s[0].tls);
  EXPECT_EQ(s[0].version, 11u);
  EXPECT_EQ(m_server->stats().requests, 1u);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  Client c(m_port);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send(get("/r" + std::to_string(i))));
    auto r = c.read_response();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->body, "hello /r" + std::to_string(i));
    EXPECT_NE(lower(r->header("connection")), "close");
  }
  EXPECT_EQ(m_server->stats().accepted_connections, 1u);
  EXPECT_EQ(m_server->stats().requests, 3u);
  EXPECT_EQ(m_server->open_connections(), 1u);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  Client c(m_port);
  ASSERT_TRUE(c.send(get("/a") + get("/b") + get("/c")));
  for (const char* p : {"/a", "/b", "/c"}) {
    auto r = c.read_response();
    ASSERT_TRUE(r) << p;
    EXPECT_EQ(r->body, std::string("hello ") + p);
  }
}

TEST_F(HttpServerTest, ConcurrentClientsAreAllServed) {
  start();
  constexpr int kClients = 8;
  constexpr int kRequests = 20;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      Client c(m_port);
      for (int i = 0; i < kRequests; ++i) {
        const std::string path = "/c" + std::to_string(t) + "-" + std::to_string(i);
        if (!c.send(get(path))) return;
        auto r = c.read_response();
        if (r && r->body == "hello " + path) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
  EXPECT_EQ(m_server->stats().requests, static_cast<std::uint64_t>(kClients * kRequests));
  EXPECT_EQ(m_server->stats().accepted_connections, static_cast<std::uint64_t>(kClients));
}

TEST_F(HttpServerTest, Http10ClosesByDefault) {
  start();
  Client c(m_port);
  ASSERT_TRUE(c.send(get("/old", "", "HTTP/1.0")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello /old");
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(seen().at(0).version, 10u);
}

TEST_F(HttpServerTest, Http10KeepAliveIsHonoured) {
  start();
  Client c(m_port);
  ASSERT_TRUE(c.send(get("/one", "Connection: keep-alive\r\n", "HTTP/1.0")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(lower(r->header("connection")), "keep-alive");
  ASSERT_TRUE(c.send(get("/two", "Connection: keep-alive\r\n", "HTTP/1.0")));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello /two");
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  start();
  Client c(m_port);
  ASSERT_TRUE(c.send(get("/bye", "Connection: close\r\n")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello /bye");
  EXPECT_EQ(lower(r->header("connection")), "close");
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(HttpServerTest, ConnectionCloseEndsWithACleanEofAndFreesTheSlot) {
  start();
  for (const char* version : {"HTTP/1.1", "HTTP/1.0"}) {
    const bool v11 = std::string_view(version) == "HTTP/1.1";
    Client c(m_port);
    ASSERT_TRUE(c.send(get("/bye", v11 ? "Connection: close\r\n" : "", version)));
    auto r = c.read_response();
    ASSERT_TRUE(r) << version;
    EXPECT_EQ(r->body, "hello /bye");
    EXPECT_TRUE(c.wait_clean_eof()) << version;  // a FIN, not a reset
  }
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (m_server->open_connections() != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(m_server->open_connections(), 0u);
}

TEST_F(HttpServerTest, BytesAfterAConnectionCloseRequestDoNotCostTheResponse) {
  // The client breaks its promise and sends more after "Connection: close": the server must not
  // close with unread input (a reset could destroy the response before the client reads it).
  start();
  Client c(m_port);
  const std::string trailing(2000, 'x');
  ASSERT_TRUE(c.send(get("/bye", "Connection: close\r\n") + trailing));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello /bye");
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(m_server->stats().requests, 1u);
}

TEST_F(HttpServerTest, ShortConnectionsAreSpreadOverTheIoThreads) {
  std::mutex mutex;
  std::set<std::thread::id> handler_threads;
  start({}, [&](const HttpRequest& req, HttpResponse& res) {
    {
      std::lock_guard lock(mutex);
      handler_threads.insert(std::this_thread::get_id());
    }
    res.body = "hi " + std::string(req.path());
  });
  constexpr int kClients = 4;
  constexpr int kConnections = 50;  // each: one request, Connection: close
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kConnections; ++i) {
        Client c(m_port);
        const std::string path = "/s" + std::to_string(t) + "-" + std::to_string(i);
        if (!c.send(get(path, "Connection: close\r\n"))) return;
        auto r = c.read_response();
        if (r && r->body == "hi " + path && c.wait_clean_eof()) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients * kConnections);
  EXPECT_EQ(m_server->stats().accepted_connections,
            static_cast<std::uint64_t>(kClients * kConnections));
  std::lock_guard lock(mutex);
  EXPECT_EQ(handler_threads.size(), 2u);  // start() runs two I/O threads
}

TEST_F(HttpServerTest, HandlerCanAskToClose) {
  start({}, [](const HttpRequest&, HttpResponse& res) {
    res.body = "last";
    res.close = true;
  });
  Client c(m_port);
  ASSERT_TRUE(c.send(get("/")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "last");
  EXPECT_EQ(lower(r->header("connection")), "close");
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(HttpServerTest, HeadGetsContentLengthButNoBody) {
  start();
  Client c(m_port);
  ASSERT_TRUE(c.send("HEAD /thing HTTP/1.1\r\nHost: test\r\n\r\n"));
  auto r = c.read_response(/*head=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-length"), "12");  // "hello /thing"
  // Had a body been sent, it would be read as the start of the next response.
  ASSERT_TRUE(c.send(get("/next")));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello /next");
}

TEST_F(HttpServerTest, StatusWithoutBodyHasNoContentLength) {
  start({}, [](const HttpRequest&, HttpResponse& res) {
    res.status = 204;
    res.body = "ignored";
  });
  Client c(m_port);
  ASSERT_TRUE(c.send(get("/") + get("/")));
  for (int i = 0; i < 2; ++i) {
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 204);
    EXPECT_EQ(r->headers.count("content-length"), 0u);
  }
}

TEST_F(HttpServerTest, SlowlorisIsClosedAfterRequestTimeout) {
  HttpServerOptions options;
  options.request_timeout = 1s;
  start(options);
  Client c(m_port);
  const auto begin = Clock::now();
  ASSERT_TRUE(c.send("GET /slow HTTP/1.1\r\nHost: test\r\n"));  // half a header, then nothing
  EXPECT_TRUE(c.wait_closed(10s));
  EXPECT_GE(Clock::now() - begin, 500ms);
  EXPECT_TRUE(c.pending().empty());  // closed without an answer
  EXPECT_TRUE(seen().empty());
  // The timer closes the socket before the counter moves: the client may see the close first.
  EXPECT_TRUE(eventually([&] { return m_server->stats().request_timeouts == 1; }));
}

TEST_F(HttpServerTest, TricklingClientIsClosedAfterRequestTimeout) {
  HttpServerOptions options;
  options.request_timeout = 1s;
  start(options);
  Client c(m_port);
  ASSERT_TRUE(c.send("GET /slow HTTP/1.1\r\nX-Pad: "));
  // One byte every 100 ms never completes a request; each read succeeds, only the deadline of
  // the whole request stops it.
  EXPECT_TRUE(c.trickle_until_closed("a", 100ms, 10s));
  EXPECT_TRUE(seen().empty());
  // The timer closes the socket before the counter moves: the client may see the close first.
  EXPECT_TRUE(eventually([&] { return m_server->stats().request_timeouts == 1; }));
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosedAfterKeepaliveTimeout) {
  HttpServerOptions options;
  options.keepalive_timeout = 1s;
  start(options);
  Client c(m_port);
  ASSERT_TRUE(c.send(get("/")));
  ASSERT_TRUE(c.read_response());
  EXPECT_TRUE(c.wait_closed(10s));
  EXPECT_EQ(m_server->stats().request_timeouts, 0u);  // idling is no offence
  EXPECT_TRUE(eventually([&] { return m_server->open_connections() == 0; }));
}

TEST_F(HttpServerTest, OversizedHeaderIsRefused) {
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  start(options);
  {
    Client ok(m_port);
    ASSERT_TRUE(ok.send(get("/fits", "X-Pad: " + std::string(700, 'a') + "\r\n")));
    auto r = ok.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  Client c(m_port);
  ASSERT_TRUE(c.send(get("/big", "X-Pad: " + std::string(4000, 'a') + "\r\n")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(seen().size(), 1u);
  EXPECT_EQ(m_server->stats().bad_requests, 1u);
}

TEST_F(HttpServerTest, EndlessHeaderWithoutLineBreaksIsRefused) {
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  start(options);
  Client c(m_port);
  // 64 KiB without "\r\n\r\n": must end at the header limit, not fill memory.
  c.send("GET / HTTP/1.1\r\nX-Pad: " + std::string(64 * 1024, 'a'));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(HttpServerTest, GarbageGets400AndTheServerStillServes) {
  start();
  {
    Client c(m_port);
    ASSERT_TRUE(c.send(std::string("\x16\x03\x01\x02\x00garbage\r\n\r\n", 16)));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_TRUE(c.wait_closed());
  }
  {
    Client c(m_port);
    ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nBad Header Line\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_TRUE(c.wait_closed());
  }
  Client c(m_port);
  ASSERT_TRUE(c.send(get("/after")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello /after");
  EXPECT_EQ(m_server->stats().bad_requests, 2u);
  EXPECT_EQ(seen().size(), 1u);
}

TEST_F(HttpServerTest, BodyReachesHandler) {
  start();
  Client c(m_port);
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello world");
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello world");
  EXPECT_EQ(seen().at(0).method, "POST");
}

TEST_F(HttpServerTest, BodyOverTheLimitGets413) {
  HttpServerOptions options;
  options.max_body_bytes = 16;
  start(options);
  {
    Client c(m_port);
    // Refused from the header alone: the body is never sent.
    ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_TRUE(c.wait_closed());
  }
  Client c(m_port);
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(seen().empty());
}

TEST_F(HttpServerTest, BodyLimitPerRequestIsDecidedFromTheHeader) {
  HttpServerOptions options;
  options.max_body_bytes = 64;
  // Large bodies only on /upload with a token; everything else 8 bytes. The callback sees the
  // header fields but never a body.
  std::atomic<int> calls{0};
  std::atomic<bool> saw_body{false};
  options.body_limit = [&](const HttpRequest& req) -> std::size_t {
    calls.fetch_add(1);
    if (!req.body().empty()) saw_body = true;
    return req.path() == "/upload" && req.header("X-Token") ? 1000 : 8;
  };
  start(options);
  auto post = [&](std::string_view path, std::string_view headers, std::size_t size) {
    Client c(m_port);
    EXPECT_TRUE(c.send("POST " + std::string(path) + " HTTP/1.1\r\nHost: t\r\n" +
                       std::string(headers) + "Content-Length: " + std::to_string(size) +
                       "\r\n\r\n" + std::string(size, 'x')));
    auto r = c.read_response();
    return r ? r->status : 0u;
  };
  EXPECT_EQ(post("/echo", "", 8), 200u);
  EXPECT_EQ(post("/echo", "", 9), 413u);          // the callback's limit, not max_body_bytes
  EXPECT_EQ(post("/upload", "", 9), 413u);        // no token
  EXPECT_EQ(post("/upload", "X-Token: a\r\n", 60), 200u);
  EXPECT_EQ(post("/upload", "X-Token: a\r\n", 65), 413u);  // never above max_body_bytes
  {
    // Refused from the header alone, before the body is sent.
    Client c(m_port);
    ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 50\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
  }
  {
    // A chunked body is cut off at the callback's limit too.
    Client c(m_port);
    ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "6\r\n012345\r\n6\r\n6789ab\r\n0\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
  }
  // Requests without a body never ask.
  const int before = calls.load();
  Client g(m_port);
  ASSERT_TRUE(g.send(get("/announce")));
  auto r = g.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(calls.load(), before);
  EXPECT_FALSE(saw_body.load());
  const auto requests = seen();
  ASSERT_EQ(requests.size(), 3u);  // /echo 8, /upload 60, /announce
  EXPECT_EQ(requests[1].body, std::string(60, 'x'));
}

TEST_F(HttpServerTest, NoBodyAllowedWhenMaxBodyIsZero) {
  HttpServerOptions options;
  options.max_body_bytes = 0;
  start(options);
  Client ok(m_port);
  ASSERT_TRUE(ok.send(get("/announce", "Content-Length: 0\r\n")));
  auto r = ok.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  Client c(m_port);
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx"));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(HttpServerTest, ExpectContinueIsAnswered) {
  start();
  Client c(m_port);
  ASSERT_TRUE(c.send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.send("12345"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "12345");
}

TEST_F(HttpServerTest, MaxConnectionsIsEnforced) {
  HttpServerOptions options;
  options.max_connections = 2;
  start(options);
  auto a = std::make_unique<Client>(m_port);
  Client b(m_port);
  for (Client* c : {a.get(), &b}) {
    ASSERT_TRUE(c->send(get("/")));
    ASSERT_TRUE(c->read_response());
  }
  EXPECT_EQ(m_server->open_connections(), 2u);

  Client refused(m_port);  // the kernel completes the handshake; the server closes at once
  refused.send(get("/"));
  EXPECT_TRUE(refused.wait_closed());
  EXPECT_FALSE(refused.pending().starts_with("HTTP/"));
  EXPECT_EQ(m_server->stats().refused_connections, 1u);

  a.reset();  // frees a slot
  ASSERT_TRUE(eventually([&] { return m_server->open_connections() == 1; }));
  Client d(m_port);
  ASSERT_TRUE(d.send(get("/again")));
  auto r = d.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello /again");
}

TEST_F(HttpServerTest, ForwardedForIsBelievedFromTrustedProxyOnly) {
  const std::string headers = "X-Forwarded-For: 198.51.100.9, 203.0.113.7\r\n";
  {
    start();  // no trusted proxies
    Client c(m_port);
    ASSERT_TRUE(c.send(get("/", headers)));
    ASSERT_TRUE(c.read_response());
    EXPECT_EQ(seen().at(0).client, ip("127.0.0.1"));
    m_server->stop();
  }
  m_seen.clear();
  HttpServerOptions options;
  options.trusted_proxies = ranges({"127.0.0.0/8"});
  start(options);
  Client c(m_port);
  ASSERT_TRUE(c.send(get("/", headers)));
  ASSERT_TRUE(c.read_response());
  ASSERT_TRUE(c.send(get("/", "X-Real-IP: 2001:db8::1\r\n")));
  ASSERT_TRUE(c.read_response());
  const auto s = seen();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].client, ip("203.0.113.7"));
  EXPECT_EQ(s[0].peer.address, ip("127.0.0.1"));
  EXPECT_EQ(s[1].client, ip("2001:db8::1"));
}

TEST_F(HttpServerTest, HandlerExceptionGives500AndTheConnectionGoesOn) {
  start({}, [](const HttpRequest& req, HttpResponse& res) {
    if (req.path() == "/throw") throw std::runtime_error("boom");
    if (req.path() == "/throw-int") throw 42;
    res.body = "fine";
  });
  Client c(m_port);
  for (const char* path : {"/throw", "/throw-int"}) {
    ASSERT_TRUE(c.send(get(path)));
    auto r = c.read_response();
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 500);
  }
  ASSERT_TRUE(c.send(get("/ok")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "fine");
  EXPECT_EQ(m_server->stats().handler_errors, 2u);
}

TEST_F(HttpServerTest, InvalidResponsesBecome500) {
  start({}, [](const HttpRequest& req, HttpResponse& res) {
    res.body = "secret";
    if (req.path() == "/inject") res.add_header("X-Bad", "a\r\nInjected: 1");
    if (req.path() == "/length") res.add_header("content-length", "1");
    if (req.path() == "/name") res.add_header("Bad Name", "x");
    if (req.path() == "/status") res.status = 42;
    if (req.path() == "/type") res.content_type = "text/plain\r\nInjected: 1";
    if (req.path() == "/huge") res.add_header("X-Huge", std::string(70000, 'x'));
  });
  Client c(m_port);
  for (const char* path : {"/inject", "/length", "/name", "/status", "/type", "/huge"}) {
    ASSERT_TRUE(c.send(get(path)));
    auto r = c.read_response();
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 500) << path;
    EXPECT_EQ(r->headers.count("injected"), 0u) << path;
    EXPECT_EQ(r->body.find("secret"), std::string::npos) << path;
  }
  EXPECT_EQ(m_server->stats().handler_errors, 6u);
}

TEST_F(HttpServerTest, StopWithOpenConnectionsReturnsPromptly) {
  HttpServerOptions options;
  options.keepalive_timeout = 60s;
  options.request_timeout = 60s;
  start(options);
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(std::make_unique<Client>(m_port));
    ASSERT_TRUE(idle.back()->send(get("/")));
    ASSERT_TRUE(idle.back()->read_response());
  }
  Client half(m_port);
  ASSERT_TRUE(half.send("GET / HTTP/1.1\r\nHost"));
  ASSERT_TRUE(eventually([&] { return m_server->open_connections() == 4; }));

  const auto begin = Clock::now();
  m_server->stop();
  // No response is in progress, so nothing waits for the grace period.
  EXPECT_LT(Clock::now() - begin, options.shutdown_grace);
  for (auto& c : idle) EXPECT_TRUE(c->wait_closed(2s));
  EXPECT_TRUE(half.wait_closed(2s));
  m_server->stop();  // idempotent
  EXPECT_THROW(Client{m_port}, std::runtime_error);  // the listener is closed
}

TEST_F(HttpServerTest, StopClosesTheListenersBeforeReturning) {
  start();
  m_server->stop();
  EXPECT_THROW(Client{m_port}, std::runtime_error);
}

TEST_F(HttpServerTest, StopWithoutRunAndDestructionWithoutStop) {
  {
    HttpServer never_run({}, [](const HttpRequest&, HttpResponse&) {});
    ASSERT_TRUE(never_run.listen("127.0.0.1:0"));
    never_run.stop();
  }
  {
    HttpServer running({}, [](const HttpRequest&, HttpResponse&) {});
    auto bound = running.listen("127.0.0.1:0");
    ASSERT_TRUE(bound);
    running.run(1);
    Client idle(bound->port);
    ASSERT_TRUE(idle.send(get("/")));
    ASSERT_TRUE(idle.read_response());
  }  // the destructor stops
  SUCCEED();
}

TEST_F(HttpServerTest, StopLetsAResponseInProgressFinish) {
  std::promise<void> entered;
  start({}, [&](const HttpRequest&, HttpResponse& res) {
    entered.set_value();
    std::this_thread::sleep_for(300ms);
    res.body = "finished";
  });
  Client c(m_port);
  ASSERT_TRUE(c.send(get("/slow")));
  entered.get_future().wait();
  m_server->stop();
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "finished");
  EXPECT_EQ(lower(r->header("connection")), "close");  // stopping: no keep-alive promised
  EXPECT_TRUE(c.wait_closed(2s));
}

// ---- deferred responses (HttpResponse::defer) -----------------------------------------------

TEST_F(HttpServerTest, DeferredResponseIsCompletedFromAnotherThread) {
  std::vector<std::thread> workers;
  start({}, [&](const HttpRequest& req, HttpResponse& res) {
    HttpCompletion done = res.defer();
    workers.emplace_back([done, path = std::string(req.path())] {
      std::this_thread::sleep_for(50ms);
      HttpResponse r;
      r.status = 201;
      r.content_type = "application/json";
      r.body = "late " + path;
      r.add_header("X-Late", "1");
      done.complete(std::move(r));
      done.complete(HttpResponse{});  // a second complete() is ignored
    });
  });
  Client c(m_port);
  for (int i = 0; i < 2; ++i) {  // the connection stays usable (keep-alive) afterwards
    ASSERT_TRUE(c.send(get("/x" + std::to_string(i))));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 201);
    EXPECT_EQ(r->body, "late /x" + std::to_string(i));
    EXPECT_EQ(r->header("x-late"), "1");
    EXPECT_EQ(r->header("content-type"), "application/json");
  }
  m_server->stop();
  for (auto& t : workers) t.join();
}

TEST_F(HttpServerTest, DeferredResponseDoesNotBlockTheIoThread) {
  // One I/O thread: while /slow waits for its worker, /fast on another connection is answered.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::thread worker;
  std::atomic<bool> deferred{false};
  m_server = std::make_unique<HttpServer>(HttpServerOptions{}, [&](const HttpRequest& req,
                                                                   HttpResponse& res) {
    if (req.path() == "/fast") {
      res.body = "fast";
      return;
    }
    HttpCompletion done = res.defer();
    deferred = true;
    worker = std::thread([done, released] {
      released.wait();
      HttpResponse r;
      r.body = "slow";
      done.complete(std::move(r));
    });
  });
  auto bound = m_server->listen("127.0.0.1:0");
  ASSERT_TRUE(bound);
  m_server->run(1);
  Client slow(bound->port);
  ASSERT_TRUE(slow.send(get("/slow")));
  ASSERT_TRUE(eventually([&] { return deferred.load(); }));
  Client fast(bound->port);
  ASSERT_TRUE(fast.send(get("/fast")));
  auto f = fast.read_response();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->body, "fast");
  release.set_value();
  auto s = slow.read_response();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->body, "slow");
  worker.join();
}

TEST_F(HttpServerTest, DroppedOrInvalidDeferredResponseGives500) {
  std::mutex held_mutex;
  std::vector<HttpCompletion> held;
  start({}, [&](const HttpRequest& req, HttpResponse& res) {
    HttpCompletion done = res.defer();
    if (req.path() == "/invalid") {
      HttpResponse r;
      r.add_header("Content-Length", "3");  // the server owns this header
      done.complete(std::move(r));
    } else if (req.path() == "/dropped") {
      std::thread([done] { (void)done; }).detach();  // the last copy dies without complete()
    } else {
      std::lock_guard lock(held_mutex);
      held.push_back(done);
    }
  });
  for (const char* path : {"/invalid", "/dropped"}) {
    Client c(m_port);
    ASSERT_TRUE(c.send(get(path)));
    auto r = c.read_response();
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 500) << path;
  }
  EXPECT_GE(m_server->stats().handler_errors, 1u);
}

TEST_F(HttpServerTest, StopLetsADeferredResponseFinish) {
  std::thread worker;
  std::atomic<bool> deferred{false};
  start({}, [&](const HttpRequest&, HttpResponse& res) {
    HttpCompletion done = res.defer();
    deferred = true;
    worker = std::thread([done] {
      std::this_thread::sleep_for(300ms);
      HttpResponse r;
      r.body = "finished";
      done.complete(std::move(r));
    });
  });
  Client c(m_port);
  ASSERT_TRUE(c.send(get("/slow")));
  ASSERT_TRUE(eventually([&] { return deferred.load(); }));
  m_server->stop();
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "finished");
  EXPECT_EQ(lower(r->header("connection")), "close");
  worker.join();
}

TEST_F(HttpServerTest, StopDoesNotWaitForeverForADeferredResponse) {
  HttpServerOptions options;
  options.shutdown_grace = 200ms;
  std::mutex held_mutex;
  std::vector<HttpCompletion> held;
  start(options, [&](const HttpRequest&, HttpResponse& res) {
    std::lock_guard lock(held_mutex);
    held.push_back(res.defer());
  });
  Client c(m_port);
  ASSERT_TRUE(c.send(get("/never")));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(held_mutex);
    return held.size() == 1;
  }));
  const auto begin = Clock::now();
  m_server->stop();
  EXPECT_LT(Clock::now() - begin, 5s);
  EXPECT_TRUE(c.wait_closed(2s));
  EXPECT_EQ(m_server->open_connections(), 0u);
  // Completing after stop, and after the server is gone, does nothing (and does not crash).
  held.front().complete(HttpResponse{});
  m_server.reset();
  HttpCompletion late = held.front();
  held.clear();
  late.complete(HttpResponse{});
}

TEST(HttpResponseTest, DeferOutsideAServerThrowsAndATestDeferrerWorks) {
  HttpResponse plain;
  EXPECT_THROW(plain.defer(), std::logic_error);
  EXPECT_FALSE(plain.deferred());

  std::optional<HttpResponse> delivered;
  HttpResponse res;
  res.set_deferrer([&] { return HttpCompletion([&](HttpResponse r) { delivered = std::move(r); }); });
  {
    HttpCompletion done = res.defer();
    EXPECT_TRUE(res.deferred());
    EXPECT_TRUE(done);
    EXPECT_THROW(res.defer(), std::logic_error);
  }  // dropped without complete(): delivered as 500
  ASSERT_TRUE(delivered);
  EXPECT_EQ(delivered->status, 500u);
  EXPECT_FALSE(HttpCompletion{});
}

TEST_F(HttpServerTest, ListenErrors) {
  start();
  for (const char* bad : {"localhost:80", "127.0.0.1", "::1:80", "127.0.0.1:99999", ""}) {
    auto r = m_server->listen(bad);
    EXPECT_FALSE(r) << bad;
  }
  auto taken = m_server->listen("127.0.0.1:" + std::to_string(m_port));
  ASSERT_FALSE(taken);
  EXPECT_NE(taken.error().find("bind"), std::string::npos) << taken.error();
  m_server->stop();
  EXPECT_FALSE(m_server->listen("127.0.0.1:0"));
}

TEST_F(HttpServerTest, Ipv4AndIpv6ListenersShareAPort) {
  start();
  auto v6 = m_server->listen("[::1]:" + std::to_string(m_port));
  if (!v6 && v6.error().find("not supported") != std::string::npos)
    GTEST_SKIP() << "no IPv6 here: " << v6.error();
  ASSERT_TRUE(v6) << v6.error();
  EXPECT_EQ(v6->port, m_port);
  const auto endpoints = m_server->local_endpoints();
  ASSERT_EQ(endpoints.size(), 2u);
  EXPECT_EQ(endpoints[0].to_string(), "127.0.0.1:" + std::to_string(m_port));
  EXPECT_EQ(endpoints[1].to_string(), "[::1]:" + std::to_string(m_port));
  Client c(m_port, "::1");
  ASSERT_TRUE(c.send(get("/six")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello /six");
  EXPECT_EQ(seen().at(0).client, ip("::1"));
}

// ---------------------------------------------------------------------------------------------
// HTTPS.

class HttpsServerTest : public HttpServerTest {
protected:
  void SetUp() override {
    for (const char* d : {"a", "b", "live"}) std::filesystem::create_directories(m_dir.path() / d);
    write_self_signed(cert("a"), key("a"), 1);
    write_self_signed(cert("b"), key("b"), 2);
    install("a");
  }

  std::filesystem::path cert(const char* which) const { return m_dir.path() / which / "cert.pem"; }
  std::filesystem::path key(const char* which) const { return m_dir.path() / which / "key.pem"; }

  /// Copies certificate `which` over the files the server reads.
  void install(const char* which) {
    const auto overwrite = std::filesystem::copy_options::overwrite_existing;
    std::filesystem::copy_file(cert(which), cert("live"), overwrite);
    std::filesystem::copy_file(key(which), key("live"), overwrite);
  }

  void start_tls() {
    start();
    auto bound = m_server->listen_tls("127.0.0.1:0", cert("live"), key("live"));
    ASSERT_TRUE(bound) << bound.error();
    m_tls_port = bound->port;
  }

  TempDir m_dir;
  std::uint16_t m_tls_port = 0;
};

TEST_F(HttpsServerTest, ServesHttpsWithSelfSignedCertificate) {
  start_tls();
  auto text = https_get(m_tls_port, cert("a"));
  ASSERT_TRUE(text) << text.error();
  EXPECT_TRUE(text->starts_with("HTTP/1.1 200")) << *text;
  EXPECT_TRUE(text->ends_with("hello /secure")) << *text;
  const auto s = seen();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_TRUE(s[0].tls);
  EXPECT_EQ(s[0].client, ip("127.0.0.1"));
  // A client that trusts another certificate refuses the server.
  auto wrong = https_get(m_tls_port, cert("b"));
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().find("handshake"), std::string::npos) << wrong.error();
}

TEST_F(HttpsServerTest, ReloadTlsServesTheNewCertificate) {
  start_tls();
  ASSERT_TRUE(https_get(m_tls_port, cert("a")));
  install("b");
  auto reloaded = m_server->reload_tls();
  ASSERT_TRUE(reloaded) << reloaded.error();
  auto text = https_get(m_tls_port, cert("b"));
  ASSERT_TRUE(text) << text.error();
  EXPECT_TRUE(text->ends_with("hello /secure"));
  EXPECT_FALSE(https_get(m_tls_port, cert("a")));
}

TEST_F(HttpsServerTest, ReloadTlsWithABadFileKeepsTheOldCertificate) {
  start_tls();
  std::ofstream(key("live"), std::ios::trunc) << "not a key\n";
  auto reloaded = m_server->reload_tls();
  ASSERT_FALSE(reloaded);
  EXPECT_NE(reloaded.error().find("private key"), std::string::npos) << reloaded.error();
  std::filesystem::copy_file(cert("b"), cert("live"),
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(key("a"), key("live"),
                             std::filesystem::copy_options::overwrite_existing);
  reloaded = m_server->reload_tls();  // certificate b with key a: a mismatch
  ASSERT_FALSE(reloaded);
  EXPECT_NE(reloaded.error().find("match"), std::string::npos) << reloaded.error();
  auto text = https_get(m_tls_port, cert("a"));
  ASSERT_TRUE(text) << text.error();
  EXPECT_TRUE(text->ends_with("hello /secure"));
}

TEST_F(HttpsServerTest, ListenTlsRefusesBadFiles) {
  start();
  auto missing = m_server->listen_tls("127.0.0.1:0", m_dir.path() / "nope.pem", key("a"));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("nope.pem: cannot open: No such file"), std::string::npos)
      << missing.error();
  auto mismatch = m_server->listen_tls("127.0.0.1:0", cert("a"), key("b"));
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().find("match"), std::string::npos) << mismatch.error();
  EXPECT_EQ(m_server->local_endpoints().size(), 1u);  // nothing was opened
  EXPECT_TRUE(m_server->reload_tls());                // no HTTPS listener: nothing to do
}

TEST_F(HttpsServerTest, PlainHttpOnTheTlsPortIsClosed) {
  start_tls();
  Client c(m_tls_port);
  ASSERT_TRUE(c.send(get("/")));
  EXPECT_TRUE(c.wait_closed());
  EXPECT_TRUE(eventually([&] { return m_server->stats().tls_handshake_failures == 1; }));
  EXPECT_TRUE(https_get(m_tls_port, cert("a")));  // still serving
}

}  // namespace
}  // namespace shoal::server
