// Interop: BitTorrent clients that nobody here wrote find each other through shoal-tracker alone
// and complete a download bit-exact. Each test starts its own tracker (HTTP and UDP on loopback,
// ports chosen by the system) and its own temporary directories; the clients have DHT, LSD, PEX
// and port mapping off, so the tracker is their only source of peers.
//
//   - libtorrent 2.0.8 seed + libtorrent leecher over http:// and over udp:// (tools/lt_swarm)
//   - aria2c 1.36 downloading from the libtorrent seed
//   - transmission-cli 3.00 downloading from the libtorrent seed (on the host's own non-loopback
//     address: Transmission ignores loopback peers)
//
// Each test also checks what the tracker made of it: /stats (torrents, seeders, peers, announces
// per protocol) and scrape (seeders, leechers, completed downloads), polled with deadlines.
// The payload is a directory of two files (6 MiB together, sizes not multiples of the piece
// length, so pieces straddle the file boundary), the torrent a v1 torrent made by libtorrent.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "process.hpp"
#include "shoal/proto/hash.hpp"
#include "shoal/proto/http_tracker.hpp"
#include "shoal/proto/metainfo.hpp"
#include "shoal/proto/udp_tracker.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using shoal::test::ChildProcess;
using shoal::test::TempDir;
namespace fs = std::filesystem;

// Generous: the machine has two shared cores and the suite also runs against an ASan tracker.
constexpr auto kStartTimeout = 60s;      // a process prints its ready line
constexpr auto kDownloadTimeout = 120s;  // a client downloads 6 MiB over loopback
constexpr auto kExitTimeout = 30s;       // a process stops after SIGTERM
constexpr auto kPollTimeout = 60s;       // the tracker's figures reach the expected state

constexpr std::int64_t kPieceLength = 64 * 1024;

// ---- small helpers ------------------------------------------------------------------------------

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Polls `condition` until it holds or `timeout` passes; true if it held.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
}

// A TCP port that was free a moment ago (bind port 0, read it, close), for clients that cannot
// be told to pick their own and report it (aria2c, transmission-cli).
std::uint16_t free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);  // aria2c and transmission-cli bind all addresses
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    return 0;
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

void set_receive_timeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

sockaddr_in ipv4_endpoint(const std::string& host, std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  addr.sin_port = htons(port);
  return addr;
}

struct HttpReply {
  int status = 0;
  std::string body;
};

// GET http://<host>:<port><target> with "Connection: close"; nullopt on any socket error.
std::optional<HttpReply> http_get(const std::string& host, std::uint16_t port,
                                  const std::string& target) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  set_receive_timeout(fd, 10s);
  const sockaddr_in addr = ipv4_endpoint(host, port);
  std::string response;
  bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  if (ok) {
    const std::string request =
        "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
    ok = ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(request.size());
  }
  char buffer[16384];
  while (ok) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n < 0) ok = false;
    if (n <= 0) break;
    response.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  // The tracker answers with Content-Length bodies: everything after the header is the body.
  const auto header_end = response.find("\r\n\r\n");
  if (!ok || header_end == std::string::npos || response.rfind("HTTP/1.1 ", 0) != 0)
    return std::nullopt;
  HttpReply reply;
  reply.status = std::atoi(response.c_str() + 9);
  reply.body = response.substr(header_end + 4);
  return reply;
}

// The port of "scheme://HOST:PORT/announce".
std::uint16_t url_port(const std::string& url) {
  const auto colon = url.rfind(':');
  return static_cast<std::uint16_t>(std::stoi(url.substr(colon + 1)));
}

// ---- payload ------------------------------------------------------------------------------------

// <content>/payload/a.bin (4 MiB + 12345 bytes) and <content>/payload/sub/b.bin (the rest of
// 6 MiB): random bytes from a seeded generator, different for every `seed`.
struct Payload {
  fs::path content;  // the directory that holds "payload"
  std::vector<fs::path> files{"payload/a.bin", "payload/sub/b.bin"};
};

Payload make_payload(const fs::path& content, std::uint64_t seed) {
  Payload p;
  p.content = content;
  const std::size_t sizes[] = {(4u << 20) + 12345, (2u << 20) - 12345};
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < p.files.size(); ++i) {
    std::string bytes(sizes[i], '\0');
    for (std::size_t j = 0; j < bytes.size(); j += 8) {
      const std::uint64_t r = rng();
      for (std::size_t k = 0; k < 8 && j + k < bytes.size(); ++k)
        bytes[j + k] = static_cast<char>((r >> (8 * k)) & 0xff);
    }
    const fs::path path = content / p.files[i];
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  return p;
}

// Every payload file exists under `downloaded` with exactly the original bytes.
testing::AssertionResult same_payload(const Payload& original, const fs::path& downloaded) {
  for (const auto& file : original.files) {
    const fs::path got = downloaded / file;
    if (!fs::exists(got)) return testing::AssertionFailure() << got << " does not exist";
    const std::string want = read_file(original.content / file);
    const std::string have = read_file(got);
    if (have.size() != want.size())
      return testing::AssertionFailure()
             << got << " has " << have.size() << " bytes, want " << want.size();
    if (have != want) {
      std::size_t at = 0;
      while (have[at] == want[at]) ++at;
      return testing::AssertionFailure() << got << " differs from the original at byte " << at;
    }
  }
  return testing::AssertionSuccess();
}

// ---- the tracker --------------------------------------------------------------------------------

// A shoal-tracker on `host` (HTTP and UDP, ports chosen by the system) with its own data
// directory. The destructor stops it (ChildProcess kills it if it has not exited).
class Tracker {
 public:
  explicit Tracker(const std::string& host = "127.0.0.1")
      : m_host(host),
        m_process(ChildProcess::spawn(
            SHOAL_TRACKER_BIN, {"--data-dir", m_dir.path().string(), "--http", host + ":0", "--udp",
                                host + ":0", "--log-level", "info"})) {
    for (int i = 0; i < 2; ++i) {
      const auto line = m_process.wait_for_output_line("announce URL: ", kStartTimeout);
      if (!line) break;
      const std::string url = line->substr(std::string_view("announce URL: ").size());
      if (url.rfind("http://", 0) == 0) m_http_url = url;
      if (url.rfind("udp://", 0) == 0) m_udp_url = url;
    }
  }

  bool started() const { return !m_http_url.empty() && !m_udp_url.empty(); }
  const std::string& http_url() const { return m_http_url; }
  const std::string& udp_url() const { return m_udp_url; }
  ChildProcess& process() { return m_process; }
  std::string describe() const { return m_process.describe(); }

  // GET /stats as JSON (null on any failure).
  nlohmann::json stats() const {
    const auto reply = http_get(m_host, url_port(m_http_url), "/stats");
    if (!reply || reply->status != 200) return nullptr;
    return nlohmann::json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  }

  std::int64_t stat(const nlohmann::json::json_pointer& pointer) const {
    const auto s = stats();
    if (!s.is_object() || !s.contains(pointer) || !s.at(pointer).is_number_integer()) return -1;
    return s.at(pointer).get<std::int64_t>();
  }

  // GET /scrape?info_hash=... decoded with proto's codec.
  std::optional<shoal::ScrapeStats> http_scrape(const shoal::Sha1Digest& info_hash) const {
    shoal::ScrapeRequest request;
    request.info_hashes.push_back(info_hash);
    const auto reply =
        http_get(m_host, url_port(m_http_url), "/scrape?" + shoal::encode_scrape_query(request));
    if (!reply || reply->status != 200) return std::nullopt;
    const auto decoded = shoal::decode_scrape_response(reply->body);
    if (!decoded || decoded->failure_reason) return std::nullopt;
    const auto it = decoded->files.find(info_hash);
    if (it == decoded->files.end()) return shoal::ScrapeStats{};  // unknown torrent: all zero
    return it->second;
  }

  // BEP 15 connect + scrape over UDP, encoded and decoded with proto's codec.
  std::optional<shoal::udp_tracker::ScrapeStats> udp_scrape(
      const shoal::Sha1Digest& info_hash) const {
    namespace udp = shoal::udp_tracker;
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return std::nullopt;
    set_receive_timeout(fd, 2s);
    const sockaddr_in addr = ipv4_endpoint(m_host, url_port(m_udp_url));
    std::optional<udp::ScrapeStats> result;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
      // Datagrams can be lost even on loopback (a full socket buffer): a few tries each.
      auto exchange = [fd](const std::string& packet) -> std::optional<udp::Response> {
        for (int attempt = 0; attempt < 5; ++attempt) {
          if (::send(fd, packet.data(), packet.size(), 0) != static_cast<ssize_t>(packet.size()))
            continue;
          char buffer[2048];
          const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
          if (n <= 0) continue;
          auto decoded = udp::decode_response(std::string_view(buffer, static_cast<std::size_t>(n)),
                                              shoal::AddressFamily::v4);
          if (decoded) return std::move(*decoded);
        }
        return std::nullopt;
      };
      std::string packet;
      udp::encode(udp::ConnectRequest{0x5107a11u}, packet);
      const auto connected = exchange(packet);
      const auto* c = connected ? std::get_if<udp::ConnectResponse>(&*connected) : nullptr;
      if (c && c->transaction_id == 0x5107a11u) {
        const shoal::Sha1Digest hashes[] = {info_hash};
        packet.clear();
        udp::encode(udp::ScrapeRequest{c->connection_id, 0x5107a12u, udp::InfoHashList(hashes)},
                    packet);
        const auto scraped = exchange(packet);
        const auto* s = scraped ? std::get_if<udp::ScrapeResponse>(&*scraped) : nullptr;
        if (s && s->transaction_id == 0x5107a12u && s->stats.size() == 1) result = s->stats[0];
      }
    }
    ::close(fd);
    return result;
  }

  // SIGTERM; the exit status (nullopt if it did not stop in time).
  std::optional<int> stop() {
    m_process.signal(SIGTERM);
    return m_process.wait_exit(kExitTimeout);
  }

 private:
  TempDir m_dir{"shoal-interop-tracker-"};
  std::string m_host;
  ChildProcess m_process;
  std::string m_http_url, m_udp_url;
};

// ---- the swarm: tracker + libtorrent seed -------------------------------------------------------

// The number after `prefix` in the child's last stdout line that starts with it, or -1.
long output_number(const ChildProcess& child, const std::string& prefix) {
  long value = -1;
  for (const auto& line : child.output_lines())
    if (line.rfind(prefix, 0) == 0) value = std::stol(line.substr(prefix.size()));
  return value;
}

bool output_has_line(const ChildProcess& child, std::string_view needle) {
  for (const auto& line : child.output_lines())
    if (line.find(needle) != std::string::npos) return true;
  return false;
}

enum class Transport { http, udp };

nlohmann::json::json_pointer announces_over(Transport transport) {
  return nlohmann::json::json_pointer(transport == Transport::http
                                          ? "/requests/http/announce/total"
                                          : "/requests/udp/announce/total");
}

// Each test: a tracker, a payload, a torrent made by libtorrent whose only tracker is ours, and a
// libtorrent seed that has announced itself. Members are destroyed in reverse order: the
// processes are killed (if still running) before their directories go.
class TrackerInterop : public testing::Test {
 protected:
  // Starts the tracker on `host` and the seed (listening on `host` too), and waits until the
  // tracker counts the seed. `payload_seed` makes each test's bytes different.
  void start_swarm(Transport transport, std::uint64_t payload_seed,
                   const std::string& host = "127.0.0.1") {
    m_tracker.emplace(host);
    ASSERT_TRUE(m_tracker->started()) << m_tracker->describe();
    m_payload = make_payload(m_work / "seed", payload_seed);
    m_torrent = m_work / "payload.torrent";

    const std::string url =
        transport == Transport::http ? m_tracker->http_url() : m_tracker->udp_url();
    auto maker = ChildProcess::spawn(
        SHOAL_LT_SWARM,
        {"make", "--tracker", url, "--content", (m_payload.content / "payload").string(), "--out",
         m_torrent.string(), "--piece-length", std::to_string(kPieceLength)});
    const auto line = maker.wait_for_output_line("info_hash ", kStartTimeout);
    ASSERT_TRUE(line) << maker.describe();
    ASSERT_EQ(maker.wait_exit(kExitTimeout), 0) << maker.describe();
    // Our own metainfo parser agrees with libtorrent about the info-hash.
    const auto metainfo = shoal::parse_metainfo(read_file(m_torrent));
    ASSERT_TRUE(metainfo) << metainfo.error().message();
    ASSERT_TRUE(metainfo->info_hash().v1);
    m_info_hash = *metainfo->info_hash().v1;
    ASSERT_EQ("info_hash " + m_info_hash.hex(), *line);

    m_seed.emplace(ChildProcess::spawn(
        SHOAL_LT_SWARM, {"seed", "--torrent", m_torrent.string(), "--content",
                         m_payload.content.string(), "--port", "0", "--interface", host}));
    // "seeding": libtorrent checked the data and the tracker answered its first announce, so a
    // client started now gets the seed from its own first announce (the interval is 30 minutes).
    ASSERT_TRUE(m_seed->wait_for_output_line("seeding", kStartTimeout)) << m_seed->describe();

    // The tracker knows the swarm: one torrent, one seeder, no download completed yet.
    EXPECT_TRUE(eventually([&] { return stat("/seeders") == 1; }, kPollTimeout)) << stats_text();
    EXPECT_EQ(stat("/torrents"), 1) << stats_text();
    EXPECT_EQ(stat("/leechers"), 0) << stats_text();
    const auto scrape = m_tracker->http_scrape(m_info_hash);
    ASSERT_TRUE(scrape);
    EXPECT_EQ(scrape->complete, 1);
    EXPECT_EQ(scrape->incomplete, 0);
    EXPECT_EQ(scrape->downloaded, 0);
  }

  // Waits until the tracker has counted `count` completed downloads of the torrent (the
  // "completed" announces of the clients). `client` is watched: if it exits first, give up.
  testing::AssertionResult wait_for_downloaded(std::int64_t count, ChildProcess* client = nullptr) {
    std::optional<shoal::ScrapeStats> scrape;
    eventually(
        [&] {
          scrape = m_tracker->http_scrape(m_info_hash);
          return (scrape && scrape->downloaded >= count) || (client && !client->running());
        },
        kDownloadTimeout);
    if (scrape && scrape->downloaded == count) return testing::AssertionSuccess();
    return testing::AssertionFailure()
           << "scrape downloaded=" << (scrape ? scrape->downloaded : -1) << ", want " << count
           << "\nclient: " << (client ? client->describe() : "-")
           << "\nseed: " << m_seed->describe();
  }

  // The seed leaves with a "stopped" announce and the tracker forgets it: only the
  // `lingering_peers` clients that left without saying so remain. Then the tracker stops cleanly.
  void stop_swarm(std::int64_t lingering_peers = 0) {
    m_seed->signal(SIGTERM);
    EXPECT_EQ(m_seed->wait_exit(kExitTimeout), 0) << m_seed->describe();
    m_seed->wait_output_closed(10s);
    EXPECT_TRUE(output_has_line(*m_seed, "stopped announce answered")) << m_seed->describe();
    EXPECT_TRUE(eventually([&] { return stat("/peers") == lingering_peers; }, kPollTimeout))
        << stats_text();
    EXPECT_EQ(m_tracker->stop(), 0) << m_tracker->describe();
  }

  std::int64_t stat(const char* pointer) const {
    return m_tracker->stat(nlohmann::json::json_pointer(pointer));
  }
  std::string stats_text() const { return m_tracker->stats().dump(); }

  TempDir m_work{"shoal-interop-"};
  std::optional<Tracker> m_tracker;
  Payload m_payload;
  fs::path m_torrent;
  shoal::Sha1Digest m_info_hash;
  std::optional<ChildProcess> m_seed;
};

// ---- libtorrent leecher -------------------------------------------------------------------------

class LibtorrentInterop : public TrackerInterop {
 protected:
  void run(Transport transport, std::uint64_t payload_seed) {
    ASSERT_NO_FATAL_FAILURE(start_swarm(transport, payload_seed));

    auto leecher = ChildProcess::spawn(
        SHOAL_LT_SWARM,
        {"leech", "--torrent", m_torrent.string(), "--save", (m_work / "leech").string(), "--port",
         "0", "--timeout", std::to_string(kDownloadTimeout.count())});
    // Exit 0: every piece passed libtorrent's hash check, the tracker answered the "completed"
    // announce, and the pieces re-read from disk match their hashes.
    const auto status = leecher.wait_exit(kDownloadTimeout + 30s);
    leecher.wait_output_closed(10s);
    ASSERT_EQ(status, 0) << leecher.describe() << "\nseed: " << m_seed->describe();
    EXPECT_GE(output_number(leecher, "peers_from_tracker "), 1) << leecher.describe();
    EXPECT_TRUE(same_payload(m_payload, m_work / "leech"));

    // One download counted; the leecher left with "stopped", the seed remains.
    EXPECT_TRUE(wait_for_downloaded(1));
    EXPECT_TRUE(eventually([&] { return stat("/peers") == 1; }, kPollTimeout)) << stats_text();
    const auto scrape = m_tracker->http_scrape(m_info_hash);
    ASSERT_TRUE(scrape);
    EXPECT_EQ(scrape->complete, 1);
    EXPECT_EQ(scrape->incomplete, 0);
    if (transport == Transport::udp) {
      const auto over_udp = m_tracker->udp_scrape(m_info_hash);
      ASSERT_TRUE(over_udp) << "no UDP scrape reply";
      EXPECT_EQ(over_udp->completed, 1u);
      EXPECT_EQ(over_udp->seeders, 1u);
      EXPECT_EQ(over_udp->leechers, 0u);
    }
    // Every announce used the transport of the torrent's URL: seed started; leecher started,
    // completed, stopped.
    const auto other = transport == Transport::http ? Transport::udp : Transport::http;
    EXPECT_GE(m_tracker->stat(announces_over(transport)), 4) << stats_text();
    EXPECT_EQ(m_tracker->stat(announces_over(other)), 0) << stats_text();

    stop_swarm();
  }
};

TEST_F(LibtorrentInterop, LeecherFindsSeedOverHttp) { run(Transport::http, 1); }

TEST_F(LibtorrentInterop, LeecherFindsSeedOverUdp) { run(Transport::udp, 2); }

// ---- aria2c -------------------------------------------------------------------------------------

// aria2c 1.36 downloads from the libtorrent seed. It would leave at once with --seed-time=0, but
// then it skips the "completed" announce and sends only "stopped"; so it seeds until the tracker
// has counted its download, and SIGINT (aria2's graceful shutdown; SIGTERM is its emergency
// stop, which skips the "stopped" announce) ends it.
TEST_F(TrackerInterop, Aria2DownloadsFromLibtorrentSeed) {
  ASSERT_NO_FATAL_FAILURE(start_swarm(Transport::http, 3));
  const std::uint16_t port = free_tcp_port();
  ASSERT_NE(port, 0);
  fs::create_directories(m_work / "home");
  shoal::test::SpawnOptions options;
  options.env_set["HOME"] = (m_work / "home").string();  // no ~/.aria2 of the user's
  auto aria2 = ChildProcess::spawn(
      SHOAL_ARIA2C,
      {"--no-conf", "--dir", (m_work / "aria2").string(), "--seed-time=60", "--bt-enable-lpd=false",
       "--enable-dht=false", "--enable-dht6=false", "--enable-peer-exchange=false",
       "--disable-ipv6=true", "--listen-port=" + std::to_string(port), "--file-allocation=none",
       "--summary-interval=0", "--console-log-level=notice", m_torrent.string()},
      options);

  // aria2 announces "completed" once every piece has arrived and matched its SHA-1.
  EXPECT_TRUE(wait_for_downloaded(1, &aria2));
  aria2.signal(SIGINT);
  EXPECT_EQ(aria2.wait_exit(kExitTimeout), 0) << aria2.describe();
  aria2.wait_output_closed(10s);
  EXPECT_TRUE(output_has_line(aria2, "Download complete: ")) << aria2.describe();
  EXPECT_TRUE(same_payload(m_payload, m_work / "aria2"));
  // Seed started, aria2 started, completed, stopped.
  EXPECT_GE(m_tracker->stat(announces_over(Transport::http)), 4) << stats_text();
  EXPECT_TRUE(eventually([&] { return stat("/peers") == 1; }, kPollTimeout)) << stats_text();

  stop_swarm();
}

// ---- transmission-cli ---------------------------------------------------------------------------

// An IPv4 address of this host that is not loopback, or "" if it has none.
std::string non_loopback_ipv4() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {};
  std::string found;
  for (const ifaddrs* i = list; i && found.empty(); i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    if (!(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK)) continue;
    char text[INET_ADDRSTRLEN] = {};
    const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
    if (::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text)) found = text;
  }
  ::freeifaddrs(list);
  return found;
}

// transmission-cli 3.00 downloads from the libtorrent seed. Transmission drops every peer in
// 127.0.0.0/8 that a tracker returns (libtransmission/net.c, isMartianAddr), so this swarm runs
// on the host's own non-loopback address instead — still local traffic.
TEST_F(TrackerInterop, TransmissionDownloadsFromLibtorrentSeed) {
  const std::string host = non_loopback_ipv4();
  if (host.empty())
    GTEST_SKIP()
        << "transmission-cli ignores loopback peers and this host has no other IPv4 address";
  ASSERT_NO_FATAL_FAILURE(start_swarm(Transport::http, 4, host));
  const std::uint16_t port = free_tcp_port();
  ASSERT_NE(port, 0);

  // Its own configuration directory: no DHT, LPD, PEX, uTP or port mapping; complete files
  // under their final names.
  const fs::path config = m_work / "transmission";
  const nlohmann::json settings = {{"dht-enabled", false},
                                   {"lpd-enabled", false},
                                   {"pex-enabled", false},
                                   {"utp-enabled", false},
                                   {"port-forwarding-enabled", false},
                                   {"peer-port", port},
                                   {"rename-partial-files", false},
                                   {"message-level", 2}};
  m_work.write_file("transmission/settings.json", settings.dump(2));
  // transmission-cli runs the "finish" script once the torrent is complete (every piece checked).
  const fs::path done_marker = m_work / "transmission-done";
  const fs::path script = m_work.write_file(
      "done.sh", "#!/bin/sh\necho \"$TR_TORRENT_NAME\" > '" + done_marker.string() + "'\n");
  fs::permissions(script, fs::perms::owner_all);
  fs::create_directories(m_work / "home");
  shoal::test::SpawnOptions options;
  options.env_set["HOME"] = (m_work / "home").string();
  auto transmission =
      ChildProcess::spawn(SHOAL_TRANSMISSION_CLI,
                          {"-g", config.string(), "-w", (m_work / "downloaded").string(), "-p",
                           std::to_string(port), "-f", script.string(), m_torrent.string()},
                          options);

  EXPECT_TRUE(eventually([&] { return fs::exists(done_marker) || !transmission.running(); },
                         kDownloadTimeout));
  ASSERT_TRUE(fs::exists(done_marker))
      << transmission.describe() << "\nseed: " << m_seed->describe();
  EXPECT_EQ(read_file(done_marker), "payload\n");
  // Transmission's "completed" announce.
  EXPECT_TRUE(wait_for_downloaded(1, &transmission));
  EXPECT_EQ(stat("/seeders"), 2) << stats_text();
  transmission.signal(SIGINT);
  EXPECT_EQ(transmission.wait_exit(kExitTimeout), 0) << transmission.describe();
  EXPECT_TRUE(same_payload(m_payload, m_work / "downloaded"));

  // transmission-cli 3.00 exits without sending "stopped" (its session closes before the
  // request goes out), so the tracker keeps it until the peer expires.
  stop_swarm(/*lingering_peers=*/1);
}

}  // namespace
