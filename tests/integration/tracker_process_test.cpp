// shoal-tracker as a real process: every test starts the binary with its own data directory,
// lets it bind ephemeral loopback ports (port 0), reads the ports from its "announce URL:" lines
// and talks to it over real sockets — HTTP, HTTPS (curl), UDP — and with signals, as an operator
// and BitTorrent clients would.
//
// Every tracker is stopped gracefully at the end of a passing test (SIGTERM, exit code 0 expected:
// the shutdown path is under test too) and killed with SIGKILL otherwise; its stdout/stderr are
// printed when a test fails.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "process.hpp"
#include "shoal/proto/bencode.hpp"
#include "shoal/proto/http_tracker.hpp"
#include "shoal/proto/peer_endpoint.hpp"
#include "shoal/proto/udp_tracker.hpp"
#include "shoal/tracker/storage.hpp"

namespace {

using namespace std::chrono_literals;
using shoal::AnnounceEvent;
using shoal::PeerEndpoint;
using shoal::Sha1Digest;
using shoal::test::ChildProcess;
using shoal::test::OutputStream;
using shoal::test::TempDir;
namespace udp = shoal::udp_tracker;
using Clock = std::chrono::steady_clock;

// Generous: the suite also runs under ASan+UBSan on a loaded 2-core machine.
constexpr auto kStartTimeout = 30s;
constexpr auto kExitTimeout = 30s;
constexpr auto kReplyTimeout = 15s;

const std::filesystem::path kTrackerBin = SHOAL_TRACKER_BIN;

// ---- small utilities ------------------------------------------------------------------------

Sha1Digest hash_of(char hex_digit) { return *Sha1Digest::from_hex(std::string(40, hex_digit)); }

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// The integer after "key": in a flat JSON text, searched from `from`; nullopt if absent.
std::optional<long long> json_int(std::string_view json, std::string_view key, std::size_t from = 0) {
  const std::string pattern = "\"" + std::string(key) + "\":";
  const auto at = json.find(pattern, from);
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t i = at + pattern.size();
  std::size_t end = i;
  while (end < json.size() && std::isdigit(static_cast<unsigned char>(json[end]))) ++end;
  if (end == i) return std::nullopt;
  return std::stoll(std::string(json.substr(i, end - i)));
}

// "shoal_seeders 1" → 1: the value of the exposition line for `series` (name plus labels).
std::optional<long long> metric(std::string_view text, std::string_view series) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const auto line = text.substr(pos, nl - pos);
    if (line.size() > series.size() + 1 && line.starts_with(series) && line[series.size()] == ' ')
      return std::stoll(std::string(line.substr(series.size() + 1)));
    pos = nl + 1;
  }
  return std::nullopt;
}

std::set<std::string> endpoint_set(const std::vector<PeerEndpoint>& peers) {
  std::set<std::string> out;
  for (const auto& p : peers) out.insert(p.to_string());
  return out;
}

std::set<std::string> endpoint_set(const std::vector<shoal::AnnouncePeer>& peers) {
  std::set<std::string> out;
  for (const auto& p : peers) out.insert(p.endpoint.to_string());
  return out;
}

std::string loopback_peer(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

// ---- sockets --------------------------------------------------------------------------------

class Fd {
public:
  explicit Fd(int fd = -1) : m_fd(fd) {}
  Fd(Fd&& o) noexcept : m_fd(o.m_fd) { o.m_fd = -1; }
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      m_fd = o.m_fd;
      o.m_fd = -1;
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return m_fd; }
  void reset() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
  }

private:
  int m_fd;
};

socklen_t to_sockaddr(const PeerEndpoint& e, sockaddr_storage& ss) {
  ss = {};
  if (e.is_v4()) {
    auto* s = reinterpret_cast<sockaddr_in*>(&ss);
    s->sin_family = AF_INET;
    s->sin_port = htons(e.port);
    std::memcpy(&s->sin_addr, e.address.bytes().data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* s = reinterpret_cast<sockaddr_in6*>(&ss);
  s->sin6_family = AF_INET6;
  s->sin6_port = htons(e.port);
  std::memcpy(&s->sin6_addr, e.address.bytes().data(), 16);
  return sizeof(sockaddr_in6);
}

// Waits until fd is readable; false on timeout.
bool wait_readable(int fd, Clock::time_point deadline) {
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

// Can this machine bind a socket of `type` on [::1]? (Containers without IPv6 cannot.)
bool can_bind_ipv6_loopback(int type) {
  Fd fd(::socket(AF_INET6, type | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return false;
  sockaddr_storage ss;
  const auto len = to_sockaddr(*PeerEndpoint::parse("[::1]:0"), ss);
  return ::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) == 0;
}

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// One HTTP/1.1 client connection over a plain socket, so that tests control every byte (half
// requests, oversized headers, several requests on one connection).
class TcpConnection {
public:
  explicit TcpConnection(const PeerEndpoint& to) {
    m_fd = Fd(::socket(to.is_v4() ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_storage ss;
    const auto len = to_sockaddr(to, ss);
    if (m_fd.get() < 0 || ::connect(m_fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      ADD_FAILURE() << "cannot connect to " << to.to_string() << ": " << std::strerror(errno);
      m_fd.reset();
    }
  }

  bool connected() const { return m_fd.get() >= 0; }

  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(m_fd.get(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // One complete response (Content-Length framed). nullopt if the connection closes first or the
  // deadline passes.
  std::optional<HttpReply> read_reply(std::chrono::milliseconds timeout = kReplyTimeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
      if (auto reply = take_reply()) return reply;
      if (read_some(deadline) != Read::data) return std::nullopt;
    }
  }

  // True once the server has closed the connection (EOF or reset), false on timeout. Data that
  // arrives meanwhile is kept.
  bool wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
      switch (read_some(deadline)) {
        case Read::data: continue;
        case Read::closed: return true;
        case Read::timeout: return false;
      }
    }
  }

  const std::string& unread() const { return m_buf; }

private:
  enum class Read { data, closed, timeout };

  Read read_some(Clock::time_point deadline) {
    if (!wait_readable(m_fd.get(), deadline)) return Read::timeout;
    char buf[16384];
    ssize_t n;
    do {
      n = ::recv(m_fd.get(), buf, sizeof buf, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return Read::closed;
    m_buf.append(buf, static_cast<std::size_t>(n));
    return Read::data;
  }

  std::optional<HttpReply> take_reply() {
    const auto head_end = m_buf.find("\r\n\r\n");
    if (head_end == std::string::npos) return std::nullopt;
    HttpReply reply;
    const std::string head = m_buf.substr(0, head_end);
    std::size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12) {
      ADD_FAILURE() << "bad status line: " << status_line;
      return std::nullopt;
    }
    reply.status = std::stoi(status_line.substr(9, 3));
    while (line_end != std::string::npos) {
      const auto start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      reply.headers[name] = value;
    }
    const std::size_t length = reply.headers.contains("content-length")
                                   ? std::stoul(reply.headers["content-length"])
                                   : 0;
    if (m_buf.size() < head_end + 4 + length) return std::nullopt;
    reply.body = m_buf.substr(head_end + 4, length);
    m_buf.erase(0, head_end + 4 + length);
    return reply;
  }

  Fd m_fd;
  std::string m_buf;
};

// One request on a fresh connection ("Connection: close").
std::optional<HttpReply> http_request(const PeerEndpoint& server, std::string_view method,
                                      std::string_view target, std::string_view extra_headers = "") {
  TcpConnection c(server);
  if (!c.connected()) return std::nullopt;
  std::string req = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: " +
                    server.to_string() + "\r\nConnection: close\r\n" + std::string(extra_headers);
  if (method == "POST") req += "Content-Length: 0\r\n";
  req += "\r\n";
  if (!c.send(req)) {
    ADD_FAILURE() << "cannot send to " << server.to_string();
    return std::nullopt;
  }
  auto reply = c.read_reply();
  if (!reply) ADD_FAILURE() << method << " " << target << ": no complete reply";
  return reply;
}

std::optional<HttpReply> http_get(const PeerEndpoint& server, std::string_view target) {
  return http_request(server, "GET", target);
}

shoal::AnnounceRequest make_announce(const Sha1Digest& hash, std::uint16_t port, std::int64_t left,
                                     AnnounceEvent event = AnnounceEvent::started, bool compact = true) {
  shoal::AnnounceRequest r;
  r.info_hash = hash;
  const std::string id = "-SH0100-" + std::string(6, '0') + std::to_string(100000 + port % 100000).substr(0, 6);
  r.peer_id = *shoal::PeerId::from_bytes(id.substr(0, 20));
  r.port = port;
  r.left = left;
  r.event = event;
  r.compact = compact;
  return r;
}

std::string announce_target(const shoal::AnnounceRequest& r) {
  return "/announce?" + shoal::encode_announce_query(r);
}

// An announce over HTTP that must succeed (a failure reason is a test failure).
std::optional<shoal::AnnounceResponse> http_announce(const PeerEndpoint& server, const shoal::AnnounceRequest& r) {
  auto reply = http_get(server, announce_target(r));
  if (!reply) return std::nullopt;
  if (reply->status != 200) {
    ADD_FAILURE() << "announce: HTTP " << reply->status << ": " << reply->body;
    return std::nullopt;
  }
  auto decoded = shoal::decode_announce_response(reply->body);
  if (!decoded) {
    ADD_FAILURE() << "announce reply does not decode: " << decoded.error().message();
    return std::nullopt;
  }
  if (decoded->failure_reason) {
    ADD_FAILURE() << "announce refused: " << *decoded->failure_reason;
    return std::nullopt;
  }
  return *decoded;
}

// The failure reason of an announce that must be refused (empty string if it was not).
std::string http_announce_failure(const PeerEndpoint& server, std::string_view target) {
  auto reply = http_get(server, target);
  if (!reply) return {};
  EXPECT_EQ(reply->status, 200) << "BEP 3 failures are HTTP 200 with a failure reason";
  auto decoded = shoal::decode_announce_response(reply->body);
  if (!decoded) {
    ADD_FAILURE() << "failure reply does not decode: " << decoded.error().message() << ": " << reply->body;
    return {};
  }
  if (!decoded->failure_reason) {
    ADD_FAILURE() << target << " was served, expected a failure";
    return {};
  }
  return *decoded->failure_reason;
}

std::optional<shoal::ScrapeResponse> http_scrape(const PeerEndpoint& server, const std::vector<Sha1Digest>& hashes) {
  shoal::ScrapeRequest req;
  req.info_hashes = hashes;
  auto reply = http_get(server, "/scrape?" + shoal::encode_scrape_query(req));
  if (!reply) return std::nullopt;
  auto decoded = shoal::decode_scrape_response(reply->body);
  if (!decoded) {
    ADD_FAILURE() << "scrape reply does not decode: " << decoded.error().message();
    return std::nullopt;
  }
  if (decoded->failure_reason) {
    ADD_FAILURE() << "scrape refused: " << *decoded->failure_reason;
    return std::nullopt;
  }
  return *decoded;
}

// A BEP 15 client on its own UDP socket, connect()ed to the tracker so that only its datagrams
// are received.
class UdpClient {
public:
  explicit UdpClient(const PeerEndpoint& tracker) {
    m_fd = Fd(::socket(tracker.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_storage ss;
    const auto len = to_sockaddr(tracker, ss);
    if (m_fd.get() < 0 || ::connect(m_fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0)
      ADD_FAILURE() << "udp socket to " << tracker.to_string() << ": " << std::strerror(errno);
    m_family = tracker.is_v4() ? shoal::AddressFamily::v4 : shoal::AddressFamily::v6;
  }

  void send_raw(std::string_view datagram) {
    if (::send(m_fd.get(), datagram.data(), datagram.size(), 0) != static_cast<ssize_t>(datagram.size()))
      ADD_FAILURE() << "udp send: " << std::strerror(errno);
  }

  std::optional<std::string> receive_raw(std::chrono::milliseconds timeout) {
    if (!wait_readable(m_fd.get(), Clock::now() + timeout)) return std::nullopt;
    std::string buf(65536, '\0');
    const ssize_t n = ::recv(m_fd.get(), buf.data(), buf.size(), 0);
    if (n < 0) return std::nullopt;
    buf.resize(static_cast<std::size_t>(n));
    return buf;
  }

  // Sends `packet` and returns the decoded response carrying `tid`; retransmits a few times (UDP
  // may drop, even on loopback under load).
  std::optional<udp::Response> exchange(const std::string& packet, std::uint32_t tid) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      send_raw(packet);
      const auto deadline = Clock::now() + 5s;
      while (Clock::now() < deadline) {
        auto raw = receive_raw(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
        if (!raw) break;
        auto decoded = udp::decode_response(*raw, m_family);
        if (!decoded) {
          ADD_FAILURE() << "undecodable udp response: " << decoded.error().message();
          return std::nullopt;
        }
        const auto got_tid = std::visit([](const auto& r) { return r.transaction_id; }, *decoded);
        if (got_tid == tid) return *decoded;
      }
    }
    ADD_FAILURE() << "no udp response";
    return std::nullopt;
  }

  std::optional<std::uint64_t> connect() {
    const auto tid = next_tid();
    std::string packet;
    udp::encode(udp::ConnectRequest{tid}, packet);
    auto r = exchange(packet, tid);
    if (!r) return std::nullopt;
    if (auto* c = std::get_if<udp::ConnectResponse>(&*r)) return c->connection_id;
    ADD_FAILURE() << "connect: not a connect response";
    return std::nullopt;
  }

  std::optional<udp::Response> announce(std::uint64_t cid, const Sha1Digest& hash, std::uint16_t port,
                                        std::int64_t left, AnnounceEvent event = AnnounceEvent::started) {
    udp::AnnounceRequest a;
    a.connection_id = cid;
    a.transaction_id = next_tid();
    a.info_hash = hash;
    a.peer_id = *shoal::PeerId::from_bytes("-SH0100-udp-" + std::to_string(10000000 + port).substr(0, 8));
    a.left = left;
    a.event = event;
    a.port = port;
    std::string packet;
    udp::encode(a, packet);
    return exchange(packet, a.transaction_id);
  }

  std::optional<udp::Response> scrape(std::uint64_t cid, const std::vector<Sha1Digest>& hashes) {
    udp::ScrapeRequest s;
    s.connection_id = cid;
    s.transaction_id = next_tid();
    s.info_hashes = udp::InfoHashList(hashes);
    std::string packet;
    udp::encode(s, packet);
    return exchange(packet, s.transaction_id);
  }

  std::uint32_t next_tid() { return m_tid++; }

private:
  Fd m_fd;
  shoal::AddressFamily m_family = shoal::AddressFamily::v4;
  std::uint32_t m_tid = 0x5000;
};

// ---- child programs ------------------------------------------------------------------------

struct ToolResult {
  int exit_code = -1000;
  std::string out;
  std::string err;
};

// Runs a program to completion (killed after `timeout`).
ToolResult run_tool(const std::filesystem::path& program, const std::vector<std::string>& args,
                    std::chrono::milliseconds timeout = 60s) {
  ToolResult r;
  auto child = ChildProcess::spawn(program, args);
  auto code = child.wait_exit(timeout);
  if (!code) {
    ADD_FAILURE() << program << " did not finish in time\n" << child.describe();
    r.exit_code = child.kill_and_wait();
  } else {
    r.exit_code = *code;
  }
  child.wait_output_closed(10s);
  r.out = child.output(OutputStream::out);
  r.err = child.output(OutputStream::err);
  return r;
}

// A running shoal-tracker and the endpoints it announced. Destruction stops it: gracefully (exit
// code 0 expected) when the test has not failed, with SIGKILL otherwise; the output is printed
// when the test has failed.
class Tracker {
public:
  Tracker(ChildProcess process, std::string name) : m_process(std::move(process)), m_name(std::move(name)) {}
  Tracker(const Tracker&) = delete;
  Tracker& operator=(const Tracker&) = delete;

  ~Tracker() {
    if (m_process.running() && !::testing::Test::HasFailure()) {
      const auto code = stop();
      EXPECT_EQ(code, 0) << m_name << ": graceful stop at the end of the test";
    }
    if (::testing::Test::HasFailure())
      std::cerr << "=== " << m_name << " ===\n" << m_process.describe() << "\n";
    m_process.kill_and_wait();
  }

  // SIGTERM and wait: the exit code (or -signal), nullopt if it did not stop in time.
  std::optional<int> stop() {
    m_process.signal(SIGTERM);
    auto code = m_process.wait_exit(kExitTimeout);
    m_process.wait_output_closed(10s);
    return code;
  }

  ChildProcess& process() { return m_process; }
  std::string stderr_text() const { return m_process.output(OutputStream::err); }

  std::optional<PeerEndpoint> udp, http, https;

private:
  ChildProcess m_process;
  std::string m_name;
};

struct StartOptions {
  std::vector<std::string> udp{"127.0.0.1:0"};   // --udp flags ("off" when empty)
  std::vector<std::string> http{"127.0.0.1:0"};  // --http flags ("off" when empty)
  std::size_t tls_listeners = 0;                 // HTTPS listeners configured in `config`
  std::string config;                            // TOML; given with --config when not empty
  std::vector<std::string> args;                 // further flags
};

// ---- fixture ------------------------------------------------------------------------------

class TrackerProcess : public ::testing::Test {
protected:
  // The data directory every tracker of a test shares (a restart sees the same database).
  std::filesystem::path data_dir() const { return m_dir / "data"; }
  const TempDir& dir() const { return m_dir; }

  std::vector<std::string> tracker_args(const StartOptions& o) {
    std::vector<std::string> args{"--data-dir", data_dir().string(), "--log-level", "info"};
    auto listeners = [&args](const char* flag, const std::vector<std::string>& list) {
      if (list.empty()) args.insert(args.end(), {flag, "off"});
      for (const auto& l : list) args.insert(args.end(), {flag, l});
    };
    listeners("--udp", o.udp);
    listeners("--http", o.http);
    if (!o.config.empty()) {
      const auto path = m_dir.write_file("tracker-" + std::to_string(++m_configs) + ".toml", o.config);
      args.insert(args.end(), {"--config", path.string()});
    }
    args.insert(args.end(), o.args.begin(), o.args.end());
    return args;
  }

  // Starts a tracker and waits for one "announce URL:" line per listener. Fails the test (and
  // returns nullptr) if it does not come up.
  std::unique_ptr<Tracker> start(const StartOptions& o = {}) {
    auto t = std::make_unique<Tracker>(ChildProcess::spawn(kTrackerBin, tracker_args(o)),
                                       "shoal-tracker #" + std::to_string(++m_started));
    const std::size_t expected = o.udp.size() + o.http.size() + o.tls_listeners;
    for (std::size_t i = 0; i < expected; ++i) {
      auto line = t->process().wait_for_output_line("announce URL: ", kStartTimeout);
      if (!line) {
        ADD_FAILURE() << "shoal-tracker did not print announce URL " << i + 1 << " of " << expected;
        return nullptr;
      }
      // "announce URL: udp://127.0.0.1:40000/announce"
      std::string url = line->substr(std::strlen("announce URL: "));
      const auto scheme_end = url.find("://");
      const auto path = url.find("/announce", scheme_end);
      if (scheme_end == std::string::npos || path == std::string::npos) {
        ADD_FAILURE() << "unexpected announce URL line: " << *line;
        return nullptr;
      }
      const std::string scheme = url.substr(0, scheme_end);
      auto endpoint = PeerEndpoint::parse(url.substr(scheme_end + 3, path - scheme_end - 3));
      if (!endpoint || endpoint->port == 0) {
        ADD_FAILURE() << "no usable endpoint in: " << *line;
        return nullptr;
      }
      auto& slot = scheme == "udp" ? t->udp : scheme == "http" ? t->http : t->https;
      if (!slot) slot = endpoint;  // the first listener of each kind
    }
    return t;
  }

  // shoal-tracker run as an operator command (allow/deny ..., --check-config).
  ToolResult tracker_command(const std::vector<std::string>& args) { return run_tool(kTrackerBin, args); }

private:
  TempDir m_dir{"shoal-tracker-it-"};
  int m_configs = 0;
  int m_started = 0;
};

#define START_TRACKER(var, ...)          \
  auto var = start(__VA_ARGS__);         \
  ASSERT_NE(var, nullptr);               \
  ASSERT_TRUE(var->udp || var->http || var->https)

// =============================================================================================
// The child-process helper itself (on /bin/sh), since the interop tests build on it too.

TEST(ChildProcessHelper, CapturesLinesAndExitCode) {
  auto p = ChildProcess::spawn("/bin/sh", {"-c", "echo first; echo 'ready: 42'; echo oops >&2; exit 3"});
  EXPECT_EQ(p.wait_for_output_line("ready:", 10s), "ready: 42");
  EXPECT_EQ(p.wait_for_output_line("oops", 10s, OutputStream::err), "oops");
  EXPECT_EQ(p.wait_exit(10s), 3);
  // A consumed line is not returned again; a closed stream ends the wait at once.
  const auto before = Clock::now();
  EXPECT_FALSE(p.wait_for_output_line("ready:", 20s).has_value());
  EXPECT_TRUE(Clock::now() - before < 15s);
  EXPECT_TRUE(p.wait_output_closed(10s));
  EXPECT_EQ(p.output(), "first\nready: 42\n");
}

TEST(ChildProcessHelper, SignalsEnvironmentAndWorkingDirectory) {
  TempDir dir;
  shoal::test::SpawnOptions o;
  o.cwd = dir.path();
  o.env_set["SHOAL_HELPER_TEST"] = "value-1";
  auto p = ChildProcess::spawn("sh", {"-c", "echo \"$SHOAL_HELPER_TEST $(pwd)\"; exec sleep 60"}, o);
  auto line = p.wait_for_output_line("value-1", 10s);
  ASSERT_TRUE(line);
  EXPECT_EQ(*line, "value-1 " + std::filesystem::canonical(dir.path()).string());
  EXPECT_FALSE(p.wait_exit(100ms).has_value());
  EXPECT_TRUE(p.signal(SIGTERM));
  EXPECT_EQ(p.wait_exit(10s), -SIGTERM);
  EXPECT_FALSE(p.signal(SIGTERM)) << "a reaped child is never signalled";
}

TEST(ChildProcessHelper, MissingProgramThrowsAndDestructorKills) {
  EXPECT_THROW(ChildProcess::spawn("/nonexistent/shoal-no-such-program"), std::system_error);
  pid_t pid = 0;
  {
    auto p = ChildProcess::spawn("/bin/sleep", {"60"});
    pid = p.pid();
    EXPECT_TRUE(p.running());
  }
  EXPECT_NE(::kill(pid, 0), 0) << "the destructor reaped the child";
}

// =============================================================================================
// 1. HTTP

TEST_F(TrackerProcess, HttpCompactAnnounceTwoPeersSeeEachOther) {
  START_TRACKER(t);
  const auto h = hash_of('a');
  auto a = http_announce(*t->http, make_announce(h, 40001, 1000));
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->peers.empty()) << "the first peer gets no one (never itself)";
  EXPECT_EQ(a->incomplete, 1);
  EXPECT_EQ(a->complete, 0);
  EXPECT_GT(a->interval, 0);

  auto b = http_announce(*t->http, make_announce(h, 40002, 0));
  ASSERT_TRUE(b);
  EXPECT_EQ(endpoint_set(b->peers), std::set<std::string>{loopback_peer(40001)});
  EXPECT_EQ(b->complete, 1);
  EXPECT_EQ(b->incomplete, 1);

  auto a2 = http_announce(*t->http, make_announce(h, 40001, 500, AnnounceEvent::none));
  ASSERT_TRUE(a2);
  EXPECT_EQ(endpoint_set(a2->peers), std::set<std::string>{loopback_peer(40002)});

  // Compact form on the wire: `peers` is a 6-byte-per-peer string.
  auto raw = http_get(*t->http, announce_target(make_announce(h, 40001, 500, AnnounceEvent::none)));
  ASSERT_TRUE(raw);
  auto tree = shoal::bencode::decode(raw->body);
  ASSERT_TRUE(tree) << raw->body;
  ASSERT_NE(tree->find_string("peers"), nullptr);
  EXPECT_EQ(tree->find_string("peers")->size(), 6u);
}

TEST_F(TrackerProcess, HttpNonCompactAnnounceListsPeerDictionaries) {
  START_TRACKER(t);
  const auto h = hash_of('b');
  ASSERT_TRUE(http_announce(*t->http, make_announce(h, 40011, 0)));
  auto raw = http_get(*t->http, announce_target(make_announce(h, 40012, 100, AnnounceEvent::started, false)));
  ASSERT_TRUE(raw);
  auto tree = shoal::bencode::decode(raw->body);
  ASSERT_TRUE(tree) << raw->body;
  const auto* peers = tree->find_list("peers");
  ASSERT_NE(peers, nullptr) << "compact=0: `peers` is a list of dictionaries";
  ASSERT_EQ(peers->size(), 1u);
  ASSERT_TRUE((*peers)[0].is_dict());
  ASSERT_NE((*peers)[0].find_string("ip"), nullptr);
  EXPECT_EQ(*(*peers)[0].find_string("ip"), "127.0.0.1");
  ASSERT_NE((*peers)[0].find_int("port"), nullptr);
  EXPECT_EQ(*(*peers)[0].find_int("port"), 40011);
  auto decoded = shoal::decode_announce_response(raw->body);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(endpoint_set(decoded->peers), std::set<std::string>{loopback_peer(40011)});
}

TEST_F(TrackerProcess, HttpScrapeCountsSeedersLeechersAndCompleted) {
  START_TRACKER(t);
  const auto h = hash_of('c'), unknown = hash_of('d');
  ASSERT_TRUE(http_announce(*t->http, make_announce(h, 40021, 1000)));
  ASSERT_TRUE(http_announce(*t->http, make_announce(h, 40022, 1000)));
  ASSERT_TRUE(http_announce(*t->http, make_announce(h, 40022, 0, AnnounceEvent::completed)));
  ASSERT_TRUE(http_announce(*t->http, make_announce(h, 40023, 0)));
  auto s = http_scrape(*t->http, {h, unknown});
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->files.contains(h));
  EXPECT_EQ(s->files[h].complete, 2);
  EXPECT_EQ(s->files[h].incomplete, 1);
  EXPECT_EQ(s->files[h].downloaded, 1) << "one `completed` event";
  ASSERT_TRUE(s->files.contains(unknown));
  EXPECT_EQ(s->files[unknown], shoal::ScrapeStats{});
}

TEST_F(TrackerProcess, HttpMalformedAnnouncesGetFailureReasons) {
  START_TRACKER(t);
  const std::string peer_id = "&peer_id=-SH0100-abcdefghijkl";
  std::string hash19;
  for (int i = 0; i < 19; ++i) hash19 += "%AA";
  std::string hash20 = hash19 + "%AA";
  EXPECT_NE(http_announce_failure(*t->http, "/announce?info_hash=" + hash19 + peer_id + "&port=6881"), "")
      << "19-byte info_hash";
  EXPECT_NE(http_announce_failure(*t->http, "/announce?info_hash=" + hash20 + peer_id + "&port=0"), "")
      << "port 0";
  EXPECT_NE(http_announce_failure(*t->http, "/announce?info_hash=" + hash19 + "%G1" + peer_id + "&port=6881"), "")
      << "bad %-escape";
  EXPECT_NE(http_announce_failure(*t->http, "/announce?info_hash=" + hash20 + "&port=6881"), "")
      << "no peer_id";
  // None of them created a swarm; the tracker counted them as invalid.
  auto metrics = http_get(*t->http, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metric(metrics->body, "shoal_torrents"), 0);
  EXPECT_EQ(metric(metrics->body, R"(shoal_requests_total{protocol="http",event="invalid"})"), 4);
  // A malformed scrape is a bencoded failure too.
  auto scrape = http_get(*t->http, "/scrape?info_hash=%AA%BB");
  ASSERT_TRUE(scrape);
  auto decoded = shoal::decode_scrape_response(scrape->body);
  ASSERT_TRUE(decoded) << scrape->body;
  EXPECT_TRUE(decoded->failure_reason);
}

TEST_F(TrackerProcess, HttpUnknownPathIs404AndWrongMethodIs405) {
  START_TRACKER(t);
  auto r = http_get(*t->http, "/no/such/thing");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  auto r2 = http_get(*t->http, "/announce.php");
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 404);
  auto post = http_request(*t->http, "POST", "/announce");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
}

TEST_F(TrackerProcess, HttpHealthStatsAndMetricsMatchWhatWasAnnounced) {
  START_TRACKER(t);
  const auto x = hash_of('1'), y = hash_of('2');
  ASSERT_TRUE(http_announce(*t->http, make_announce(x, 40031, 0)));     // seeder
  ASSERT_TRUE(http_announce(*t->http, make_announce(x, 40032, 1000)));  // leecher
  ASSERT_TRUE(http_announce(*t->http, make_announce(y, 40033, 1000)));  // leecher
  ASSERT_TRUE(http_scrape(*t->http, {x}));

  auto health = http_get(*t->http, "/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_TRUE(health->header("content-type").starts_with("application/json"));
  EXPECT_TRUE(contains(health->body, R"("status":"ok")")) << health->body;
  EXPECT_TRUE(contains(health->body, R"("database":true)")) << health->body;

  auto stats = http_get(*t->http, "/stats");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->status, 200);
  EXPECT_EQ(json_int(stats->body, "torrents"), 2) << stats->body;
  EXPECT_EQ(json_int(stats->body, "peers"), 3) << stats->body;
  EXPECT_EQ(json_int(stats->body, "peers_ipv4"), 3) << stats->body;
  EXPECT_EQ(json_int(stats->body, "seeders"), 1) << stats->body;
  EXPECT_EQ(json_int(stats->body, "leechers"), 2) << stats->body;
  const auto http_section = stats->body.find(R"("http":{)");
  ASSERT_NE(http_section, std::string::npos) << stats->body;
  const auto announce_at = stats->body.find(R"("announce":)", http_section);
  const auto scrape_at = stats->body.find(R"("scrape":)", http_section);
  EXPECT_EQ(json_int(stats->body, "total", announce_at), 3) << stats->body;
  EXPECT_EQ(json_int(stats->body, "total", scrape_at), 1) << stats->body;

  auto metrics = http_get(*t->http, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_TRUE(metrics->header("content-type").starts_with("text/plain")) << metrics->header("content-type");
  const auto& m = metrics->body;
  EXPECT_EQ(metric(m, "shoal_torrents"), 2) << m;
  EXPECT_EQ(metric(m, R"(shoal_peers{family="ipv4"})"), 3) << m;
  EXPECT_EQ(metric(m, R"(shoal_peers{family="ipv6"})"), 0) << m;
  EXPECT_EQ(metric(m, "shoal_seeders"), 1) << m;
  EXPECT_EQ(metric(m, "shoal_leechers"), 2) << m;
  EXPECT_EQ(metric(m, R"(shoal_requests_total{protocol="http",event="announce"})"), 3) << m;
  EXPECT_EQ(metric(m, R"(shoal_requests_total{protocol="http",event="scrape"})"), 1) << m;
  EXPECT_EQ(metric(m, R"(shoal_requests_total{protocol="udp",event="announce"})"), 0) << m;
  EXPECT_EQ(metric(m, "shoal_database_up"), 1) << m;
}

TEST_F(TrackerProcess, HttpKeepAliveServesTwoRequestsOnOneConnection) {
  START_TRACKER(t);
  TcpConnection c(*t->http);
  ASSERT_TRUE(c.connected());
  const std::string host = "Host: " + t->http->to_string() + "\r\n";
  ASSERT_TRUE(c.send("GET /health HTTP/1.1\r\n" + host + "\r\n"));
  auto first = c.read_reply();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_NE(first->header("connection"), "close");

  const std::string target = announce_target(make_announce(hash_of('e'), 40041, 10));
  ASSERT_TRUE(c.send("GET " + target + " HTTP/1.1\r\n" + host + "\r\n"));
  auto second = c.read_reply();
  ASSERT_TRUE(second) << "the connection was not kept alive";
  EXPECT_EQ(second->status, 200);
  auto decoded = shoal::decode_announce_response(second->body);
  ASSERT_TRUE(decoded);
  EXPECT_FALSE(decoded->failure_reason);
  EXPECT_EQ(decoded->incomplete, 1);

  // Two pipelined requests in one write are answered in order.
  ASSERT_TRUE(c.send("GET /no-such-path HTTP/1.1\r\n" + host + "\r\nGET /health HTTP/1.1\r\n" + host +
                     "Connection: close\r\n\r\n"));
  auto third = c.read_reply();
  auto fourth = c.read_reply();
  ASSERT_TRUE(third && fourth);
  EXPECT_EQ(third->status, 404);
  EXPECT_EQ(fourth->status, 200);
  EXPECT_TRUE(c.wait_closed(kReplyTimeout)) << "Connection: close is honoured";
}

TEST_F(TrackerProcess, HttpOversizedRequestIsRefusedAndTrackerStillServes) {
  // max_request_bytes is 8192 by default; send 20 KiB of headers.
  START_TRACKER(t);
  {
    TcpConnection c(*t->http);
    ASSERT_TRUE(c.connected());
    const std::string request = "GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(20000, 'p') + "\r\n\r\n";
    c.send(request);  // may fail part-way: the server may close before reading it all
    auto reply = c.read_reply();
    if (reply) {
      EXPECT_EQ(reply->status, 431) << "request header fields too large";
      EXPECT_TRUE(c.wait_closed(kReplyTimeout)) << "the connection is closed after a refusal";
    } else {
      SUCCEED() << "closed without an answer (reset while the request was still being sent)";
    }
  }
  {
    // The same with an oversized request line.
    TcpConnection c(*t->http);
    ASSERT_TRUE(c.connected());
    c.send("GET /announce?" + std::string(12000, 'q') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    auto reply = c.read_reply();
    if (reply) {
      EXPECT_NE(reply->status, 200);
      EXPECT_GE(reply->status, 400);
    }
  }
  auto health = http_get(*t->http, "/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_TRUE(http_announce(*t->http, make_announce(hash_of('f'), 40051, 1)));
}

TEST_F(TrackerProcess, HttpSlowlorisDoesNotBlockOtherClientsAndIsTimedOut) {
  // Two I/O threads (the default): three half-sent request lines must not occupy them.
  StartOptions o;
  o.config = "[http]\nrequest_timeout = 2\n";
  START_TRACKER(t, o);
  std::vector<std::unique_ptr<TcpConnection>> slow;
  for (int i = 0; i < 3; ++i) {
    slow.push_back(std::make_unique<TcpConnection>(*t->http));
    ASSERT_TRUE(slow.back()->connected());
    ASSERT_TRUE(slow.back()->send("GET /announce?info_hash=%12%34"));
  }
  for (int i = 0; i < 5; ++i) {
    auto r = http_get(*t->http, "/health");
    ASSERT_TRUE(r) << "request " << i << " was blocked by the slow connections";
    EXPECT_EQ(r->status, 200);
  }
  ASSERT_TRUE(http_announce(*t->http, make_announce(hash_of('9'), 40061, 1)));
  // http.request_timeout = 2 s: the slow connections are closed without an answer.
  for (auto& c : slow) {
    EXPECT_TRUE(c->wait_closed(20s)) << "a half request is not held open for ever";
    EXPECT_EQ(c->unread(), "") << "no answer to an incomplete request";
  }
}

// =============================================================================================
// 2. UDP

TEST_F(TrackerProcess, UdpConnectAnnounceAndScrape) {
  START_TRACKER(t);
  ASSERT_TRUE(t->udp);
  const auto h = hash_of('3');
  UdpClient client(*t->udp);
  auto cid = client.connect();
  ASSERT_TRUE(cid);

  auto first = client.announce(*cid, h, 41001, 1000);
  ASSERT_TRUE(first);
  auto* a = std::get_if<udp::AnnounceResponse>(&*first);
  ASSERT_NE(a, nullptr) << "announce must be answered with an announce response";
  EXPECT_TRUE(a->peers.empty());
  EXPECT_EQ(a->leechers, 1u);
  EXPECT_GT(a->interval, 0u);

  auto second = client.announce(*cid, h, 41002, 0);
  ASSERT_TRUE(second);
  auto* b = std::get_if<udp::AnnounceResponse>(&*second);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(endpoint_set(b->peers), std::set<std::string>{loopback_peer(41001)});
  EXPECT_EQ(b->seeders, 1u);
  EXPECT_EQ(b->leechers, 1u);

  ASSERT_TRUE(client.announce(*cid, h, 41001, 0, AnnounceEvent::completed));
  auto scraped = client.scrape(*cid, {h, hash_of('4')});
  ASSERT_TRUE(scraped);
  auto* s = std::get_if<udp::ScrapeResponse>(&*scraped);
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->stats.size(), 2u);
  EXPECT_EQ(s->stats[0], (udp::ScrapeStats{2, 1, 0}));  // seeders, completed, leechers
  EXPECT_EQ(s->stats[1], udp::ScrapeStats{});

  // One swarm store behind both fronts: HTTP sees what UDP announced.
  auto http_view = http_scrape(*t->http, {h});
  ASSERT_TRUE(http_view);
  EXPECT_EQ(http_view->files[h].complete, 2);
  EXPECT_EQ(http_view->files[h].downloaded, 1);
}

TEST_F(TrackerProcess, UdpWrongConnectionIdGetsErrorPacket) {
  START_TRACKER(t);
  UdpClient client(*t->udp);
  auto cid = client.connect();
  ASSERT_TRUE(cid);
  const std::uint64_t forged = *cid ^ 0x5a5a5a5a5a5a5a5aull;
  for (int kind = 0; kind < 2; ++kind) {
    auto r = kind == 0 ? client.announce(forged, hash_of('5'), 41011, 10) : client.scrape(forged, {hash_of('5')});
    ASSERT_TRUE(r);
    auto* e = std::get_if<udp::ErrorResponse>(&*r);
    ASSERT_NE(e, nullptr) << (kind == 0 ? "announce" : "scrape") << " with a forged connection id";
    EXPECT_EQ(e->message, "invalid connection id");
  }
  auto good = client.announce(*cid, hash_of('5'), 41011, 10);
  ASSERT_TRUE(good);
  EXPECT_TRUE(std::holds_alternative<udp::AnnounceResponse>(*good));
}

TEST_F(TrackerProcess, UdpGarbageIsDroppedSilentlyAndTrackerStillAnswers) {
  START_TRACKER(t);
  UdpClient client(*t->udp);
  std::vector<std::string> garbage;
  garbage.push_back("abc");                                     // shorter than any request
  garbage.push_back(std::string(16, '\0'));                     // connect without the protocol id
  garbage.push_back(std::string(16, '\xff'));                   // unknown action
  garbage.push_back(std::string(1400, '\x7f'));                 // big, unknown action
  std::string bad_announce(60, '\0');                           // truncated announce, unknown id
  bad_announce[11] = 1;
  garbage.push_back(bad_announce);
  for (const auto& g : garbage) client.send_raw(g);
  EXPECT_FALSE(client.receive_raw(300ms).has_value()) << "garbage must not be answered";

  auto cid = client.connect();
  ASSERT_TRUE(cid) << "the tracker still answers after garbage";
  auto r = client.announce(*cid, hash_of('6'), 41021, 10);
  ASSERT_TRUE(r);
  EXPECT_TRUE(std::holds_alternative<udp::AnnounceResponse>(*r));
  auto metrics = http_get(*t->http, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_GE(metric(metrics->body, R"(shoal_requests_total{protocol="udp",event="invalid"})").value_or(0) +
                metric(metrics->body, R"(shoal_requests_total{protocol="udp",event="dropped"})").value_or(0),
            static_cast<long long>(garbage.size()))
      << metrics->body;
}

TEST_F(TrackerProcess, Ipv6LoopbackUdpAndHttp) {
  if (!can_bind_ipv6_loopback(SOCK_DGRAM) || !can_bind_ipv6_loopback(SOCK_STREAM))
    GTEST_SKIP() << "this machine cannot bind [::1] (no IPv6 loopback)";
  StartOptions o;
  o.udp = {"[::1]:0"};
  o.http = {"[::1]:0"};
  START_TRACKER(t, o);
  ASSERT_TRUE(t->udp && t->http);
  EXPECT_TRUE(t->udp->is_v6());
  const auto h = hash_of('7');

  UdpClient client(*t->udp);
  auto cid = client.connect();
  ASSERT_TRUE(cid);
  ASSERT_TRUE(client.announce(*cid, h, 42001, 1000));
  auto second = client.announce(*cid, h, 42002, 0);
  ASSERT_TRUE(second);
  auto* a = std::get_if<udp::AnnounceResponse>(&*second);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(endpoint_set(a->peers), std::set<std::string>{"[::1]:42001"}) << "18-byte IPv6 peers";

  auto http = http_announce(*t->http, make_announce(h, 42003, 1000));
  ASSERT_TRUE(http);
  EXPECT_EQ(endpoint_set(http->peers), (std::set<std::string>{"[::1]:42001", "[::1]:42002"}))
      << "UDP and HTTP peers of one swarm, as 18-byte `peers6` entries";
  auto raw = http_get(*t->http, announce_target(make_announce(h, 42003, 1000, AnnounceEvent::none)));
  ASSERT_TRUE(raw);
  auto tree = shoal::bencode::decode(raw->body);
  ASSERT_TRUE(tree);
  ASSERT_NE(tree->find_string("peers6"), nullptr) << "BEP 7: IPv6 peers in `peers6`";
  EXPECT_EQ(tree->find_string("peers6")->size() % 18, 0u);
}

// =============================================================================================
// 3. Modes and lists

TEST_F(TrackerProcess, ListedModeRefusesUnlistedHashOverHttpAndUdp) {
  StartOptions o;
  o.args = {"--mode", "listed"};
  START_TRACKER(t, o);
  const auto h = hash_of('8');
  EXPECT_EQ(http_announce_failure(*t->http, announce_target(make_announce(h, 43001, 10))), "unregistered torrent");
  UdpClient client(*t->udp);
  auto cid = client.connect();
  ASSERT_TRUE(cid);
  auto r = client.announce(*cid, h, 43002, 10);
  ASSERT_TRUE(r);
  auto* e = std::get_if<udp::ErrorResponse>(&*r);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->message, "unregistered torrent");
  auto s = http_scrape(*t->http, {h});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->files[h], shoal::ScrapeStats{});
}

TEST_F(TrackerProcess, AllowAddFromAnotherProcessThenSighupServesHash) {
  StartOptions o;
  o.args = {"--mode", "listed"};
  START_TRACKER(t, o);
  const auto h = hash_of('9');
  const std::string target = announce_target(make_announce(h, 43011, 10));
  EXPECT_EQ(http_announce_failure(*t->http, target), "unregistered torrent");

  auto added = tracker_command({"allow", "add", h.hex(), "--data-dir", data_dir().string(), "--note", "it test"});
  ASSERT_EQ(added.exit_code, 0) << added.out << added.err;
  EXPECT_TRUE(contains(added.out, h.hex() + ": added to allow list")) << added.out;
  auto listed = tracker_command({"allow", "list", "--data-dir", data_dir().string()});
  EXPECT_EQ(listed.exit_code, 0);
  EXPECT_TRUE(contains(listed.out, h.hex())) << listed.out;

  // The running tracker applies the list only when told to.
  EXPECT_EQ(http_announce_failure(*t->http, target), "unregistered torrent");
  ASSERT_TRUE(t->process().signal(SIGHUP));
  const auto deadline = Clock::now() + 20s;
  bool served = false;
  while (!served && Clock::now() < deadline) {
    auto reply = http_get(*t->http, target);
    ASSERT_TRUE(reply);
    auto decoded = shoal::decode_announce_response(reply->body);
    ASSERT_TRUE(decoded);
    served = !decoded->failure_reason;
    if (!served) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(served) << "SIGHUP did not apply the allow list";
  UdpClient client(*t->udp);
  auto cid = client.connect();
  ASSERT_TRUE(cid);
  auto r = client.announce(*cid, h, 43012, 0);
  ASSERT_TRUE(r);
  auto* a = std::get_if<udp::AnnounceResponse>(&*r);
  ASSERT_NE(a, nullptr) << "UDP serves the newly allowed hash too";
  EXPECT_EQ(endpoint_set(a->peers), std::set<std::string>{loopback_peer(43011)});

  // A bad hash on the command line changes nothing and exits 2.
  auto bad = tracker_command({"allow", "add", "xyz", "--data-dir", data_dir().string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(contains(bad.err, "not a 40-character hex info-hash")) << bad.err;
}

TEST_F(TrackerProcess, DenyAddThenAdminReloadRefusesHashAndWrongTokenIs401) {
  const std::string token = "it-admin-token-0123456789";
  StartOptions o;
  o.config = "[process]\nadmin_token = \"" + token + "\"\n";
  START_TRACKER(t, o);
  const auto h = hash_of('0');
  ASSERT_TRUE(http_announce(*t->http, make_announce(h, 43021, 10)));

  // Global options before the subcommand (docs/tracker.md's form) as well as after it.
  auto denied = tracker_command({"--data-dir", data_dir().string(), "deny", "add", h.hex()});
  ASSERT_EQ(denied.exit_code, 0) << denied.out << denied.err;

  for (const std::string& header : std::vector<std::string>{
           "", "Authorization: Bearer wrong-token-0123456789\r\n", "Authorization: Bearer " + token + "x\r\n",
           "Authorization: Basic " + token + "\r\n"}) {
    auto r = http_request(*t->http, "POST", "/admin/reload", header);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << "header: " << header;
    EXPECT_EQ(r->header("www-authenticate"), "Bearer");
  }
  ASSERT_TRUE(http_announce(*t->http, make_announce(h, 43021, 10))) << "an unauthorised reload changed nothing";

  auto get = http_get(*t->http, "/admin/reload");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);

  auto ok = http_request(*t->http, "POST", "/admin/reload", "Authorization: Bearer " + token + "\r\n");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(json_int(ok->body, "denied"), 1) << ok->body;
  // The reload is synchronous: refused from now on, and the swarm is dropped.
  EXPECT_EQ(http_announce_failure(*t->http, announce_target(make_announce(h, 43022, 10))),
            "torrent is not allowed on this tracker");
  auto s = http_scrape(*t->http, {h});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->files[h], shoal::ScrapeStats{});
  auto metrics = http_get(*t->http, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metric(metrics->body, "shoal_denied_torrents"), 1);
}

// =============================================================================================
// 4-5. Persistence across restarts

TEST_F(TrackerProcess, SigtermSavesSwarmSnapshotAndRestartReturnsPeers) {
  const auto h = hash_of('a');
  std::optional<shoal::ScrapeResponse> before;
  {
    START_TRACKER(t);
    ASSERT_TRUE(http_announce(*t->http, make_announce(h, 44001, 1000)));
    ASSERT_TRUE(http_announce(*t->http, make_announce(h, 44002, 1000)));
    ASSERT_TRUE(http_announce(*t->http, make_announce(h, 44002, 0, AnnounceEvent::completed)));
    UdpClient client(*t->udp);
    auto cid = client.connect();
    ASSERT_TRUE(cid);
    ASSERT_TRUE(client.announce(*cid, h, 44003, 0));
    before = http_scrape(*t->http, {h});
    ASSERT_TRUE(before);
    EXPECT_EQ(before->files[h], (shoal::ScrapeStats{2, 1, 1, std::nullopt}));

    EXPECT_EQ(t->stop(), 0) << "SIGTERM is a graceful stop";
    EXPECT_TRUE(contains(t->stderr_text(), "saved swarm snapshot: 3 peers")) << t->stderr_text();
  }
  START_TRACKER(t2);
  auto after = http_scrape(*t2->http, {h});
  ASSERT_TRUE(after);
  EXPECT_EQ(after->files[h], before->files[h]) << "scrape counts survive a graceful restart";
  auto newcomer = http_announce(*t2->http, make_announce(h, 44004, 1000));
  ASSERT_TRUE(newcomer);
  EXPECT_EQ(endpoint_set(newcomer->peers),
            (std::set<std::string>{loopback_peer(44001), loopback_peer(44002), loopback_peer(44003)}));
  EXPECT_EQ(newcomer->complete, 2);
  EXPECT_EQ(newcomer->incomplete, 2);
}

TEST_F(TrackerProcess, Kill9KeepsFlushedCompletedCount) {
  const auto h = hash_of('b');
  StartOptions o;
  o.config = "[storage]\nflush_interval = 1\n";
  {
    START_TRACKER(t, o);
    ASSERT_TRUE(http_announce(*t->http, make_announce(h, 45001, 1000)));
    ASSERT_TRUE(http_announce(*t->http, make_announce(h, 45001, 0, AnnounceEvent::completed)));
    // Wait (longer than flush_interval) until the writer has put the count in the database, read
    // through the tracker's own storage layer as `shoal-tracker allow add` does.
    const auto deadline = Clock::now() + 30s;
    std::optional<std::uint32_t> stored;
    while (!stored && Clock::now() < deadline) {
      auto db = shoal::tracker::open_sqlite_storage(data_dir() / "tracker.db");
      ASSERT_TRUE(db) << db.error();
      auto counts = (*db)->load_completed();
      ASSERT_TRUE(counts) << counts.error();
      for (const auto& [hash, n] : *counts)
        if (hash == h) stored = n;
      if (!stored) std::this_thread::sleep_for(100ms);
    }
    ASSERT_EQ(stored, 1u) << "the completed count was not flushed within the deadline";
    EXPECT_EQ(t->process().kill_and_wait(), -SIGKILL);
  }
  START_TRACKER(t2, o);
  auto s = http_scrape(*t2->http, {h});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->files[h].downloaded, 1) << "the flushed completed count survived kill -9";
  EXPECT_EQ(s->files[h].complete, 0) << "no snapshot after a crash: peers are gone";
  EXPECT_EQ(s->files[h].incomplete, 0);
}

// =============================================================================================
// 6. Configuration

TEST_F(TrackerProcess, UnknownConfigKeyExitsWith2AndNamesIt) {
  const auto config =
      dir().write_file("bad.toml", "[tracker]\nmode = \"public\"\n[http]\nlisten_addr = [\"127.0.0.1:0\"]\n");
  // Loopback port-0 flags so that a tracker that wrongly starts binds nothing public.
  auto r = tracker_command({"--config", config.string(), "--data-dir", data_dir().string(), "--udp",
                            "127.0.0.1:0", "--http", "127.0.0.1:0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "http.listen_addr")) << r.err;
  EXPECT_TRUE(contains(r.err, "unknown key")) << r.err;
  EXPECT_TRUE(contains(r.err, "bad.toml:4:")) << "names the file and line: " << r.err;
  EXPECT_FALSE(std::filesystem::exists(data_dir())) << "nothing was created";

  auto check = tracker_command({"--config", config.string(), "--check-config"});
  EXPECT_EQ(check.exit_code, 2);
  EXPECT_TRUE(contains(check.err, "http.listen_addr")) << check.err;
}

TEST_F(TrackerProcess, CheckConfigOnValidFileExitsZero) {
  // Port 0 everywhere, the same address for HTTP and HTTPS: valid (each gets its own port).
  const auto config = dir().write_file("good.toml",
                                       "[tracker]\nmode = \"listed\"\nannounce_interval = 900\nmin_interval = 60\n"
                                       "[udp]\nlisten = [\"127.0.0.1:0\"]\n"
                                       "[http]\nlisten = [\"127.0.0.1:0\"]\n"
                                       "[tls]\nlisten = [\"127.0.0.1:0\"]\ncertificate = \"cert.pem\"\n"
                                       "private_key = \"key.pem\"\n"
                                       "[storage]\nflush_interval = 1\n");
  auto r = tracker_command({"--config", config.string(), "--check-config"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "configuration is valid")) << r.out;

  // UDP refuses the same requested endpoint twice, port 0 included.
  const auto twice = dir().write_file("twice.toml", "[udp]\nlisten = [\"127.0.0.1:0\", \"127.0.0.1:0\"]\n");
  auto t = tracker_command({"--config", twice.string(), "--check-config"});
  EXPECT_EQ(t.exit_code, 2);
  EXPECT_TRUE(contains(t.err, "udp.listen[1]")) << t.err;

  // A cross-key rule still fails the check.
  const auto bad = dir().write_file("cross.toml", "[tracker]\nannounce_interval = 60\nmin_interval = 120\n");
  auto b = tracker_command({"--config", bad.string(), "--check-config"});
  EXPECT_EQ(b.exit_code, 2);
  EXPECT_TRUE(contains(b.err, "tracker.min_interval")) << b.err;
}

// =============================================================================================
// 7. HTTPS

TEST_F(TrackerProcess, HttpsAnnounceWithCurl) {
  const std::string openssl = SHOAL_OPENSSL_BIN, curl = SHOAL_CURL_BIN;
  ASSERT_FALSE(openssl.empty() || curl.empty()) << "openssl and curl are installed by scripts/setup.sh";
  const auto cert = dir() / "cert.pem", key = dir() / "key.pem";
  auto made = run_tool(openssl, {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                 "-nodes", "-keyout", key.string(), "-out", cert.string(), "-days", "2",
                                 "-subj", "/CN=127.0.0.1"});
  ASSERT_EQ(made.exit_code, 0) << made.err;

  StartOptions o;
  o.tls_listeners = 1;
  o.config = "[tls]\nlisten = [\"127.0.0.1:0\"]\ncertificate = \"" + cert.string() + "\"\nprivate_key = \"" +
             key.string() + "\"\n";
  START_TRACKER(t, o);
  ASSERT_TRUE(t->https) << "no https:// announce URL";
  ASSERT_TRUE(t->http);
  EXPECT_NE(t->https->port, t->http->port);
  const auto h = hash_of('c');
  const std::string base = "https://" + t->https->to_string();

  auto curl_get = [&](const std::string& target) {
    return run_tool(curl, {"-sS", "-k", "-g", "--max-time", "30", base + target});
  };
  auto first = curl_get(announce_target(make_announce(h, 46001, 1000)));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto a = shoal::decode_announce_response(first.out);
  ASSERT_TRUE(a) << a.error().message() << ": " << first.out;
  EXPECT_FALSE(a->failure_reason);
  EXPECT_EQ(a->incomplete, 1);
  EXPECT_GT(a->interval, 0);

  auto second = curl_get(announce_target(make_announce(h, 46002, 0)));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  auto b = shoal::decode_announce_response(second.out);
  ASSERT_TRUE(b) << second.out;
  EXPECT_EQ(endpoint_set(b->peers), std::set<std::string>{loopback_peer(46001)});
  EXPECT_EQ(b->complete, 1);

  auto health = curl_get("/health");
  ASSERT_EQ(health.exit_code, 0) << health.err;
  EXPECT_TRUE(contains(health.out, R"("status":"ok")")) << health.out;

  // Plain HTTP on the same swarm; and SIGHUP reloads the certificate without a hiccup.
  auto plain = http_scrape(*t->http, {h});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->files[h].complete, 1);
  ASSERT_TRUE(t->process().signal(SIGHUP));
  const auto deadline = Clock::now() + 20s;
  while (!contains(t->stderr_text(), "TLS certificate reloaded") && Clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(contains(t->stderr_text(), "TLS certificate reloaded")) << t->stderr_text();
  auto again = curl_get("/health");
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

}  // namespace
