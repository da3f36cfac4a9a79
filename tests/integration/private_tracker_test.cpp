// shoal-tracker in private mode as a real process: users are rows of the database (inserted here
// as the accounts code would), torrents are registered with `shoal-tracker torrent add`, and
// clients announce over HTTP (/announce/<passkey>) and UDP (BEP 41 URLData). Checks the refusals,
// the one swarm of a hybrid torrent, the accounting totals the writer thread flushes, and what a
// `kill -9` and a restart do to them; and the REST API over it (registering, flags, unregistering,
// stats that match what announces credited).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "api_client.hpp"
#include "process.hpp"
#include "shoal/proto/bencode.hpp"
#include "shoal/proto/encoding.hpp"
#include "shoal/proto/http_tracker.hpp"
#include "shoal/proto/peer_endpoint.hpp"
#include "shoal/proto/udp_tracker.hpp"
#include "shoal/tracker/private_registry.hpp"
#include "shoal/tracker/private_store.hpp"
#include "shoal/tracker/sqlite.hpp"
#include "shoal/tracker/tracker_schema.hpp"

namespace {

using namespace std::chrono_literals;
using shoal::AnnounceEvent;
using shoal::PeerEndpoint;
using shoal::Sha1Digest;
using shoal::Sha256Digest;
using shoal::test::ChildProcess;
using shoal::test::OutputStream;
using shoal::test::TempDir;
namespace udp = shoal::udp_tracker;
namespace tr = shoal::tracker;
using Clock = std::chrono::steady_clock;

constexpr auto kStartTimeout = 30s;
constexpr auto kExitTimeout = 30s;
const std::filesystem::path kTrackerBin = SHOAL_TRACKER_BIN;

const std::string kAlice = "0123456789abcdef0123456789abcdef";
const std::string kBob = "fedcba9876543210fedcba9876543210";  // disabled
const std::string kNobody = "00000000000000000000000000000000";

// ---- setup -----------------------------------------------------------------------------------

std::int64_t insert_user(const std::filesystem::path& db_path, const std::string& name,
                         const std::string& passkey, bool enabled) {
  auto db = tr::SqliteConnection::open(db_path);
  EXPECT_TRUE(db) << db.error();
  EXPECT_TRUE(tr::apply_migrations(*db, tr::tracker_migrations()));
  auto q = db->prepare(
      "INSERT INTO users (username, role, password_hash, passkey, enabled, created_at, updated_at)"
      " VALUES (?1, 'user', 'not-a-login', ?2, ?3, 0, 0)");
  EXPECT_TRUE(q) << q.error();
  q->bind_text(1, name);
  q->bind_text(2, passkey);
  q->bind_int64(3, enabled ? 1 : 0);
  auto r = q->run();
  EXPECT_TRUE(r) << r.error();
  return db->last_insert_rowid();
}

// A hybrid (v1 + v2) single-file torrent of one 16 KiB piece.
std::string hybrid_torrent(const std::string& name) {
  namespace b = shoal::bencode;
  const std::string content(16384, 'p');
  b::Dict leaf;
  leaf.emplace("length", b::Value(16384));
  leaf.emplace("pieces root", b::Value(std::string(shoal::sha256(content).view())));
  b::Dict file;
  file.emplace("", b::Value(std::move(leaf)));
  b::Dict tree;
  tree.emplace(name, b::Value(std::move(file)));
  b::Dict info;
  info.emplace("file tree", b::Value(std::move(tree)));
  info.emplace("length", b::Value(16384));
  info.emplace("meta version", b::Value(2));
  info.emplace("name", b::Value(name));
  info.emplace("piece length", b::Value(16384));
  info.emplace("pieces", b::Value(std::string(shoal::sha1(content).view())));
  info.emplace("private", b::Value(1));
  b::Dict top;
  top.emplace("info", b::Value(std::move(info)));
  return b::encode(b::Value(std::move(top)));
}

// A v1 single-file torrent of `pieces` 16 KiB pieces (its body grows by 20 bytes a piece).
std::string v1_torrent(const std::string& name, std::size_t pieces) {
  namespace b = shoal::bencode;
  std::string hashes;
  for (std::size_t i = 0; i < pieces; ++i) hashes += std::string(shoal::sha1(name + std::to_string(i)).view());
  b::Dict info;
  info.emplace("length", b::Value(static_cast<std::int64_t>(pieces * 16384)));
  info.emplace("name", b::Value(name));
  info.emplace("piece length", b::Value(16384));
  info.emplace("pieces", b::Value(std::move(hashes)));
  info.emplace("private", b::Value(1));
  b::Dict top;
  top.emplace("info", b::Value(std::move(info)));
  return b::encode(b::Value(std::move(top)));
}

struct ToolResult {
  int exit_code = -1000;
  std::string out;
  std::string err;
};

ToolResult run_tracker_tool(const std::vector<std::string>& args) {
  ToolResult r;
  auto child = ChildProcess::spawn(kTrackerBin, args);
  auto code = child.wait_exit(60s);
  r.exit_code = code ? *code : child.kill_and_wait();
  child.wait_output_closed(10s);
  r.out = child.output(OutputStream::out);
  r.err = child.output(OutputStream::err);
  return r;
}

// ---- clients ---------------------------------------------------------------------------------

socklen_t to_sockaddr(const PeerEndpoint& e, sockaddr_storage& ss) {
  ss = {};
  auto* s = reinterpret_cast<sockaddr_in*>(&ss);
  s->sin_family = AF_INET;
  s->sin_port = htons(e.port);
  std::memcpy(&s->sin_addr, e.address.bytes().data(), 4);
  return sizeof(sockaddr_in);
}

bool wait_readable(int fd, Clock::time_point deadline) {
  while (Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) > 0) return true;
  }
  return false;
}

// GET `target` with "Connection: close"; the body of a 200 reply.
std::optional<std::string> http_get(const PeerEndpoint& server, const std::string& target) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_storage ss;
  const auto len = to_sockaddr(server, ss);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    ADD_FAILURE() << "connect: " << std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return std::nullopt;
  }
  const std::string req = "GET " + target + " HTTP/1.1\r\nHost: " + server.to_string() +
                          "\r\nConnection: close\r\n\r\n";
  (void)::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string data;
  const auto deadline = Clock::now() + 15s;
  char buf[8192];
  while (wait_readable(fd, deadline)) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto head_end = data.find("\r\n\r\n");
  if (!data.starts_with("HTTP/1.1 200") || head_end == std::string::npos) {
    ADD_FAILURE() << "GET " << target << ": " << data;
    return std::nullopt;
  }
  return data.substr(head_end + 4);
}

shoal::AnnounceRequest announce_req(const Sha1Digest& hash, std::uint16_t port, const char* peer_id,
                                    std::int64_t uploaded, std::int64_t downloaded, std::int64_t left,
                                    AnnounceEvent event = AnnounceEvent::none) {
  shoal::AnnounceRequest r;
  r.info_hash = hash;
  r.peer_id = *shoal::PeerId::from_bytes(peer_id);
  r.port = port;
  r.uploaded = uploaded;
  r.downloaded = downloaded;
  r.left = left;
  r.event = event;
  return r;
}

// The decoded reply of GET /announce/<passkey>?... (an empty passkey: plain /announce).
std::optional<shoal::AnnounceResponse> http_announce(const PeerEndpoint& server,
                                                     const std::string& passkey,
                                                     const shoal::AnnounceRequest& r) {
  auto body = http_get(server, (passkey.empty() ? "/announce" : "/announce/" + passkey) + "?" +
                                   shoal::encode_announce_query(r));
  if (!body) return std::nullopt;
  auto decoded = shoal::decode_announce_response(*body);
  EXPECT_TRUE(decoded) << *body;
  if (!decoded) return std::nullopt;
  return *decoded;
}

class UdpClient {
public:
  explicit UdpClient(const PeerEndpoint& tracker) {
    m_fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_storage ss;
    const auto len = to_sockaddr(tracker, ss);
    if (m_fd < 0 || ::connect(m_fd, reinterpret_cast<sockaddr*>(&ss), len) != 0)
      ADD_FAILURE() << "udp socket: " << std::strerror(errno);
  }
  ~UdpClient() {
    if (m_fd >= 0) ::close(m_fd);
  }
  UdpClient(const UdpClient&) = delete;
  UdpClient& operator=(const UdpClient&) = delete;

  std::optional<udp::Response> exchange(const udp::Request& req, std::uint32_t tid) {
    std::string packet;
    udp::encode(req, packet);
    for (int attempt = 0; attempt < 3; ++attempt) {
      (void)::send(m_fd, packet.data(), packet.size(), 0);
      const auto deadline = Clock::now() + 5s;
      while (wait_readable(m_fd, deadline)) {
        std::string buf(65536, '\0');
        const ssize_t n = ::recv(m_fd, buf.data(), buf.size(), 0);
        if (n < 0) break;
        buf.resize(static_cast<std::size_t>(n));
        auto decoded = udp::decode_response(buf, shoal::AddressFamily::v4);
        if (!decoded) continue;
        if (std::visit([](const auto& r) { return r.transaction_id; }, *decoded) == tid) return *decoded;
      }
    }
    ADD_FAILURE() << "no udp response";
    return std::nullopt;
  }

  std::uint64_t connect() {
    auto r = exchange(udp::ConnectRequest{m_tid}, m_tid);
    ++m_tid;
    auto* c = r ? std::get_if<udp::ConnectResponse>(&*r) : nullptr;
    EXPECT_NE(c, nullptr);
    return c ? c->connection_id : 0;
  }

  std::optional<udp::Response> announce(std::uint64_t cid, const Sha1Digest& hash,
                                        std::optional<std::string> url_data, std::int64_t uploaded,
                                        std::int64_t left) {
    udp::AnnounceRequest a;
    a.connection_id = cid;
    a.transaction_id = m_tid++;
    a.info_hash = hash;
    a.peer_id = *shoal::PeerId::from_bytes("-SH0100-udpprivate01");
    a.uploaded = uploaded;
    a.left = left;
    a.port = 7001;
    if (url_data) a.url_data = *url_data;
    return exchange(a, a.transaction_id);
  }

private:
  int m_fd = -1;
  std::uint32_t m_tid = 0x7000;
};

// ---- the tracker -----------------------------------------------------------------------------

class PrivateTracker : public ::testing::Test {
protected:
  void SetUp() override {
    m_config = m_dir.write_file("tracker.toml",
                                "[tracker]\nmode = \"private\"\n"
                                "[udp]\nlisten = [\"127.0.0.1:0\"]\nthreads = 1\n"
                                "[http]\nlisten = [\"127.0.0.1:0\"]\nthreads = 1\n"
                                "[storage]\ndata_dir = \"" + m_dir.path().string() +
                                    "\"\nflush_interval = 1\n"
                                    "[accounts]\npassword_cost = 10\n"
                                    "[api]\nrate_limit = 1000\nrate_burst = 1000\n");
    m_db = m_dir / "tracker.db";
    m_alice = insert_user(m_db, "alice", kAlice, true);
    insert_user(m_db, "bob", kBob, false);
  }

  void TearDown() override {
    if (m_tracker && m_tracker->running()) {
      if (!HasFailure()) {
        m_tracker->signal(SIGTERM);
        EXPECT_EQ(m_tracker->wait_exit(kExitTimeout), 0) << m_tracker->describe();
      } else {
        std::cerr << m_tracker->describe() << "\n";
      }
    }
  }

  ToolResult tool(std::vector<std::string> args) {
    args.insert(args.end(), {"--config", m_config.string()});
    return run_tracker_tool(args);
  }

  void start() {
    m_tracker.reset();
    m_tracker.emplace(ChildProcess::spawn(kTrackerBin, {"--config", m_config.string()}));
    for (int i = 0; i < 2; ++i) {
      auto line = m_tracker->wait_for_output_line("announce URL:", kStartTimeout);
      ASSERT_TRUE(line) << m_tracker->describe();
      const auto scheme = line->find("://");
      const auto path = line->find("/announce");
      auto endpoint = PeerEndpoint::parse(line->substr(scheme + 3, path - scheme - 3));
      ASSERT_TRUE(endpoint) << *line;
      (line->find("udp://") != std::string::npos ? m_udp : m_http) = *endpoint;
    }
  }

  void kill9() {
    ASSERT_TRUE(m_tracker);
    m_tracker->kill_and_wait();
    m_tracker.reset();
  }

  // Polls the database (its own connection) until `pred(totals)` holds; the last totals read.
  tr::UserTotals wait_totals(const std::function<bool(const tr::UserTotals&)>& pred,
                             std::chrono::seconds timeout = 15s) {
    auto store = tr::open_sqlite_private_store(m_db);
    EXPECT_TRUE(store);
    tr::UserTotals last;
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      auto t = (*store)->user_totals(m_alice);
      EXPECT_TRUE(t);
      if (t) last = *t;
      if (t && pred(*t)) break;
      std::this_thread::sleep_for(200ms);
    }
    return last;
  }

  TempDir m_dir{"shoal-private-"};
  std::filesystem::path m_config;
  std::filesystem::path m_db;
  std::int64_t m_alice = 0;
  std::optional<ChildProcess> m_tracker;
  PeerEndpoint m_http;
  PeerEndpoint m_udp;
};

// Registers the hybrid torrent with `shoal-tracker torrent add`; returns (v1, full v2).
std::pair<Sha1Digest, Sha256Digest> parse_added(const ToolResult& r) {
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::istringstream line(r.out);
  std::string id, v1, v2;
  line >> id >> v1 >> v2;
  auto d1 = Sha1Digest::from_hex(v1);
  auto d2 = Sha256Digest::from_hex(v2);
  EXPECT_TRUE(d1 && d2) << r.out;
  return {d1.value_or(Sha1Digest{}), d2.value_or(Sha256Digest{})};
}

TEST_F(PrivateTracker, RefusesUnknownPasskeysAndUnregisteredTorrentsOverHttpAndUdp) {
  const auto file = m_dir.write_file("album.torrent", hybrid_torrent("album"));
  const auto [v1, v2] = parse_added(tool({"torrent", "add", file.string()}));
  ASSERT_NO_FATAL_FAILURE(start());

  const auto req = announce_req(v1, 6881, "-SH0100-http-private", 0, 0, 100, AnnounceEvent::started);
  auto no_key = http_announce(m_http, "", req);
  ASSERT_TRUE(no_key);
  EXPECT_EQ(no_key->failure_reason, std::string(tr::kPasskeyRequiredReason));
  EXPECT_EQ(http_announce(m_http, kNobody, req)->failure_reason, std::string(tr::kUnknownPasskeyReason));
  EXPECT_EQ(http_announce(m_http, kBob, req)->failure_reason, std::string(tr::kUserDisabledReason));
  auto unregistered = announce_req(shoal::sha1("not registered"), 6881, "-SH0100-http-private", 0, 0, 100);
  EXPECT_EQ(http_announce(m_http, kAlice, unregistered)->failure_reason,
            std::string(tr::kUnregisteredTorrentReason));
  auto scrape = http_get(m_http, "/scrape/" + kNobody + "?info_hash=" + shoal::percent_encode(v1.view()));
  ASSERT_TRUE(scrape);
  EXPECT_NE(scrape->find(tr::kUnknownPasskeyReason), std::string::npos) << *scrape;

  UdpClient client(m_udp);
  const auto cid = client.connect();
  const auto udp_error = [&](std::optional<std::string> url, const Sha1Digest& hash) {
    auto r = client.announce(cid, hash, std::move(url), 0, 100);
    auto* e = r ? std::get_if<udp::ErrorResponse>(&*r) : nullptr;
    return e ? e->message : std::string("(no error response)");
  };
  EXPECT_EQ(udp_error(std::nullopt, v1), tr::kPasskeyRequiredReason);
  EXPECT_EQ(udp_error("/announce/" + kNobody, v1), tr::kUnknownPasskeyReason);
  EXPECT_EQ(udp_error("/announce/" + kBob, v1), tr::kUserDisabledReason);
  EXPECT_EQ(udp_error("/announce/" + kAlice, shoal::sha1("not registered")), tr::kUnregisteredTorrentReason);
}

TEST_F(PrivateTracker, HybridTorrentsV1AndV2AnnouncesShareOneSwarm) {
  const auto file = m_dir.write_file("album.torrent", hybrid_torrent("album"));
  const auto [v1, v2] = parse_added(tool({"torrent", "add", file.string()}));
  auto list = tool({"torrent", "list"});
  EXPECT_NE(list.out.find(v1.hex()), std::string::npos) << list.out;
  EXPECT_NE(list.out.find(v2.hex()), std::string::npos) << list.out;
  ASSERT_NO_FATAL_FAILURE(start());

  // A seeder over HTTP on the v1 hash, a leecher over UDP on the truncated v2 hash.
  auto seed = http_announce(m_http, kAlice, announce_req(v1, 6881, "-SH0100-http-private", 0, 0, 0,
                                                         AnnounceEvent::started));
  ASSERT_TRUE(seed);
  ASSERT_FALSE(seed->failure_reason) << *seed->failure_reason;
  UdpClient client(m_udp);
  auto r = client.announce(client.connect(), tr::truncated_v2(v2), "/announce/" + kAlice, 0, 100);
  ASSERT_TRUE(r);
  auto* a = std::get_if<udp::AnnounceResponse>(&*r);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->seeders, 1u);
  EXPECT_EQ(a->leechers, 1u);
  ASSERT_EQ(a->peers.size(), 1u);
  EXPECT_EQ(a->peers[0].to_string(), "127.0.0.1:6881");
}

TEST_F(PrivateTracker, AccountingIsFlushedAndSurvivesKill9WithoutLossOrDoubleCounting) {
  const auto [v1, v2] = parse_added(tool({"torrent", "add", "--v1", shoal::sha1("acct").hex(), "--v2",
                                          shoal::sha256("acct").hex(), "--name", "acct"}));
  ASSERT_NO_FATAL_FAILURE(start());
  const char* peer = "-SH0100-http-private";
  const auto announce = [&](std::int64_t up, std::int64_t down, AnnounceEvent ev) {
    auto r = http_announce(m_http, kAlice, announce_req(v1, 6881, peer, up, down, 100, ev));
    ASSERT_TRUE(r);
    ASSERT_FALSE(r->failure_reason) << *r->failure_reason;
  };
  ASSERT_NO_FATAL_FAILURE(announce(0, 0, AnnounceEvent::started));
  ASSERT_NO_FATAL_FAILURE(announce(1000, 4000, AnnounceEvent::none));
  // Over UDP, on the v2 hash, with its own peer id: the same user and torrent.
  UdpClient client(m_udp);
  const auto cid = client.connect();
  for (std::int64_t uploaded : {0, 500}) {
    auto r = client.announce(cid, tr::truncated_v2(v2), "/announce/" + kAlice, uploaded, 100);
    ASSERT_TRUE(r);
    auto* e = std::get_if<udp::ErrorResponse>(&*r);
    ASSERT_EQ(e, nullptr) << e->message;
  }

  auto totals = wait_totals([](const tr::UserTotals& t) { return t.uploaded >= 1500; });
  EXPECT_EQ(totals.uploaded, 1500u);
  EXPECT_EQ(totals.downloaded, 4000u);

  // Completed twice (a replay): counted once.
  ASSERT_NO_FATAL_FAILURE(announce(2000, 5000, AnnounceEvent::completed));
  ASSERT_NO_FATAL_FAILURE(announce(2000, 5000, AnnounceEvent::completed));
  totals = wait_totals([](const tr::UserTotals& t) { return t.uploaded >= 2500; });
  EXPECT_EQ(totals.uploaded, 2500u);
  EXPECT_EQ(totals.downloaded, 5000u);
  EXPECT_EQ(totals.completed, 1u);

  // Flushed state (older than the flush interval) is in the database: a kill -9 loses none of it.
  // Reported after the last flush and then killed before the next one: not in the totals yet,
  // but the persisted baseline (2000/5000) lets the next announce credit it.
  ASSERT_NO_FATAL_FAILURE(announce(2600, 5000, AnnounceEvent::none));
  ASSERT_NO_FATAL_FAILURE(kill9());
  totals = wait_totals([](const tr::UserTotals&) { return true; }, 1s);
  EXPECT_GE(totals.uploaded, 2500u);
  EXPECT_LE(totals.uploaded, 3100u);

  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_NO_FATAL_FAILURE(announce(3000, 5000, AnnounceEvent::none));
  // A replay of the same counters and of `completed` after the restart adds nothing.
  ASSERT_NO_FATAL_FAILURE(announce(3000, 5000, AnnounceEvent::completed));
  totals = wait_totals([](const tr::UserTotals& t) { return t.uploaded >= 3500; });
  // 3000 over HTTP + 500 over UDP: exactly what the clients reported, nothing twice.
  EXPECT_EQ(totals.uploaded, 3500u);
  EXPECT_EQ(totals.downloaded, 5000u);
  EXPECT_EQ(totals.completed, 1u);
  std::this_thread::sleep_for(1500ms);
  totals = wait_totals([](const tr::UserTotals&) { return true; }, 1s);
  EXPECT_EQ(totals.uploaded, 3500u);

  // A graceful stop and start keep them too, and the per-torrent row names the torrent.
  m_tracker->signal(SIGTERM);
  ASSERT_EQ(m_tracker->wait_exit(kExitTimeout), 0) << m_tracker->describe();
  auto store = tr::open_sqlite_private_store(m_db);
  ASSERT_TRUE(store);
  auto stats = (*store)->user_torrent_stats(m_alice);
  ASSERT_TRUE(stats);
  ASSERT_EQ(stats->size(), 1u);
  EXPECT_EQ((*stats)[0].name, "acct");
  EXPECT_EQ((*stats)[0].uploaded, 3500u);
  EXPECT_TRUE((*stats)[0].completed_at);
}

TEST_F(PrivateTracker, SighupPicksUpTorrentsAndFreeleech) {
  ASSERT_NO_FATAL_FAILURE(start());
  const Sha1Digest hash = shoal::sha1("late");
  auto req = announce_req(hash, 6881, "-SH0100-http-private", 0, 0, 100, AnnounceEvent::started);
  EXPECT_EQ(http_announce(m_http, kAlice, req)->failure_reason, std::string(tr::kUnregisteredTorrentReason));
  auto added = tool({"torrent", "add", "--v1", hash.hex(), "--name", "late"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  auto flagged = tool({"torrent", "flag", hash.hex(), "--freeleech", "on"});
  ASSERT_EQ(flagged.exit_code, 0) << flagged.err;
  EXPECT_NE(flagged.out.find("freeleech"), std::string::npos);
  m_tracker->signal(SIGHUP);
  // Reload is asynchronous to the signal: retry until served.
  std::optional<shoal::AnnounceResponse> r;
  for (int i = 0; i < 200; ++i) {
    r = http_announce(m_http, kAlice, req);
    if (r && !r->failure_reason) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(r);
  ASSERT_FALSE(r->failure_reason) << *r->failure_reason;
  req.event = AnnounceEvent::none;
  req.uploaded = 100;
  req.downloaded = 9999;
  ASSERT_FALSE(http_announce(m_http, kAlice, req)->failure_reason);
  auto totals = wait_totals([](const tr::UserTotals& t) { return t.uploaded >= 100; });
  EXPECT_EQ(totals.uploaded, 100u);
  EXPECT_EQ(totals.downloaded, 0u);  // freeleech
}

// ---- the REST API in private mode ---------------------------------------------------------

class PrivateTrackerApi : public PrivateTracker {
protected:
  // An account made with `shoal-tracker admin create-user` (generated password) before start().
  std::string create_account(const std::string& name, const std::string& role) {
    auto r = tool({"admin", "create-user", name, "--role", role});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    const std::string marker = "password: ";
    const auto at = r.out.find(marker);
    EXPECT_NE(at, std::string::npos) << r.out;
    if (at == std::string::npos) return "";
    std::string pw = r.out.substr(at + marker.size());
    return pw.substr(0, pw.find('\n'));
  }

  shoal::test::Reply api(const std::string& method, const std::string& target, const std::string& token,
                         const std::string& body = "", const std::string& type = "") {
    std::map<std::string, std::string> headers;
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    if (!type.empty()) headers["Content-Type"] = type;
    return shoal::test::api_request(m_http.port, method, target, body, headers);
  }

  std::string login(const std::string& name, const std::string& password) {
    auto r = api("POST", "/api/v1/auth/login", "", nlohmann::json{{"username", name}, {"password", password}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    auto j = r.js();
    return j.is_object() ? j.value("token", "") : "";
  }
};

TEST_F(PrivateTrackerApi, AdminsRegisterFlagAndUnregisterTorrentsUsersSeeWhatAnnouncesCredited) {
  using nlohmann::json;
  const std::string root_pw = create_account("root", "admin");
  const std::string carol_pw = create_account("carol", "user");
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string admin = login("root", root_pw);
  const std::string user = login("carol", carol_pw);
  ASSERT_FALSE(admin.empty());
  ASSERT_FALSE(user.empty());

  // Register by .torrent body: both hashes of the hybrid are recorded.
  const std::string file = hybrid_torrent("album");
  auto by_file = api("POST", "/api/v1/admin/torrents", admin, file, "application/x-bittorrent");
  ASSERT_EQ(by_file.status, 201) << by_file.body;
  const json album = by_file.js()["torrent"];
  EXPECT_EQ(album["name"], "album");
  auto album_v1 = Sha1Digest::from_hex(album["info_hash_v1"].get<std::string>());
  ASSERT_TRUE(album_v1);
  EXPECT_EQ(album["info_hash_v2"].get<std::string>().size(), 64u);
  EXPECT_EQ(by_file.header("location"), "/api/v1/admin/torrents/" + std::to_string(album["id"].get<int>()));
  auto dup = api("POST", "/api/v1/admin/torrents", admin, file, "application/x-bittorrent");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.error_code(), "already_registered");

  // A .torrent far beyond the API's JSON body limit (api.max_body_bytes, 16 KiB) still goes
  // through: the upload route has its own limit, which the HTTP server in front honours.
  const std::string big = v1_torrent("big", 4000);
  ASSERT_GT(big.size(), 64u * 1024);
  auto big_reply = api("POST", "/api/v1/admin/torrents", admin, big, "application/x-bittorrent");
  ASSERT_EQ(big_reply.status, 201) << big_reply.body;
  auto big_json = api("POST", "/api/v1/admin/torrents", admin, std::string(big.size(), ' '));
  EXPECT_EQ(big_json.status, 413);  // the same size as JSON: refused
  {
    // Without a credential the larger limit never applies, and a too-large Content-Length is
    // refused from the header alone: the server answers 413 at once instead of waiting for (and
    // buffering) megabytes of body.
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(m_http.port);
    ::inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    ASSERT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa), 0);
    const std::string head =
        "POST /api/v1/admin/torrents HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-bittorrent\r\nContent-Length: 8000000\r\n\r\n";
    ASSERT_EQ(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
    pollfd p{fd, POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 5000), 1) << "no answer before the body was sent";
    char buf[512];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    ::close(fd);
    ASSERT_GT(n, 12);
    EXPECT_EQ(std::string(buf, 12), "HTTP/1.1 413");
  }
  EXPECT_EQ(api("DELETE", "/api/v1/admin/torrents/" + std::to_string(big_reply.js()["torrent"]["id"].get<int>()),
                admin).status, 204);

  // Register by hashes; a bad hash changes nothing.
  const Sha1Digest fl = shoal::sha1("freeleech-by-api");
  auto bad = api("POST", "/api/v1/admin/torrents", admin, json{{"info_hash_v1", "12345"}, {"name", "bad"}}.dump());
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.error_code(), "invalid_info_hash");
  auto by_hash = api("POST", "/api/v1/admin/torrents", admin, json{{"info_hash_v1", fl.hex()}, {"name", "fl"}}.dump());
  ASSERT_EQ(by_hash.status, 201) << by_hash.body;
  const int fl_id = by_hash.js()["torrent"]["id"];
  auto list = api("GET", "/api/v1/admin/torrents", admin);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.js()["total"], 2);

  // A user gets 403 on every admin torrent route, and changes nothing.
  EXPECT_EQ(api("GET", "/api/v1/admin/torrents", user).status, 403);
  EXPECT_EQ(api("POST", "/api/v1/admin/torrents", user, file, "application/x-bittorrent").status, 403);
  EXPECT_EQ(api("PATCH", "/api/v1/admin/torrents/" + std::to_string(fl_id), user, R"({"freeleech":true})").status, 403);
  EXPECT_EQ(api("DELETE", "/api/v1/admin/torrents/" + std::to_string(fl_id), user).status, 403);
  EXPECT_EQ(api("GET", "/api/v1/admin/users/1/stats", user).status, 403);

  auto patched = api("PATCH", "/api/v1/admin/torrents/" + fl.hex(), admin, R"({"freeleech":true})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.js()["torrent"]["freeleech"], true);

  // Carol announces with her passkey: on the album (credited in full) and on the freeleech one
  // (downloads not counted). Registration and flags apply at once, without a reload.
  auto me = api("GET", "/api/v1/me", user).js();
  const int carol_id = me["user"]["id"];
  const std::string passkey = api("GET", "/api/v1/me/passkey", user).js()["passkey"];
  const auto announce = [&](const Sha1Digest& h, std::int64_t up, std::int64_t down, AnnounceEvent ev) {
    auto r = http_announce(m_http, passkey, announce_req(h, 6881, "-SH0100-api-private0", up, down, 100, ev));
    ASSERT_TRUE(r);
    ASSERT_FALSE(r->failure_reason) << *r->failure_reason;
  };
  ASSERT_NO_FATAL_FAILURE(announce(*album_v1, 0, 0, AnnounceEvent::started));
  ASSERT_NO_FATAL_FAILURE(announce(*album_v1, 1000, 4000, AnnounceEvent::none));
  ASSERT_NO_FATAL_FAILURE(announce(fl, 0, 0, AnnounceEvent::started));
  ASSERT_NO_FATAL_FAILURE(announce(fl, 300, 9999, AnnounceEvent::none));

  // /me/stats shows what the writer flushed (flush_interval = 1): poll until it is there.
  json stats;
  for (int i = 0; i < 75; ++i) {
    auto r = api("GET", "/api/v1/me/stats", user);
    ASSERT_EQ(r.status, 200) << r.body;
    stats = r.js();
    if (stats["totals"]["uploaded"] == 1300) break;
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(stats["user_id"], carol_id);
  EXPECT_EQ(stats["totals"]["uploaded"], 1300);
  EXPECT_EQ(stats["totals"]["downloaded"], 4000);
  EXPECT_DOUBLE_EQ(stats["totals"]["ratio"].get<double>(), 1300.0 / 4000.0);
  ASSERT_EQ(stats["torrents"].size(), 2u);
  for (const auto& row : stats["torrents"]) {
    if (row["name"] == "album") {
      EXPECT_EQ(row["uploaded"], 1000);
      EXPECT_EQ(row["downloaded"], 4000);
    } else {
      EXPECT_EQ(row["name"], "fl");
      EXPECT_EQ(row["uploaded"], 300);
      EXPECT_EQ(row["downloaded"], 0);
    }
    EXPECT_GT(row["last_announce"].get<std::int64_t>(), 0);
  }
  // The accounting's counters are in /metrics (private mode only).
  auto metrics = http_get(m_http, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->find("\nshoal_accounting_announces_total 4\n"), std::string::npos) << *metrics;
  EXPECT_NE(metrics->find("\nshoal_accounting_baselines 2\n"), std::string::npos) << *metrics;

  // The admin's view of the same user is the same report; a user without announces has ratio null.
  auto theirs = api("GET", "/api/v1/admin/users/" + std::to_string(carol_id) + "/stats", admin);
  ASSERT_EQ(theirs.status, 200);
  EXPECT_EQ(theirs.js(), stats);
  auto own = api("GET", "/api/v1/me/stats", admin).js();
  EXPECT_TRUE(own["totals"]["ratio"].is_null());
  EXPECT_TRUE(own["torrents"].empty());

  // Unregister: gone from the API and from the announce path at once.
  EXPECT_EQ(api("DELETE", "/api/v1/admin/torrents/" + album["info_hash_v1"].get<std::string>(), admin).status, 204);
  EXPECT_EQ(api("GET", "/api/v1/admin/torrents/" + std::to_string(album["id"].get<int>()), admin).status, 404);
  EXPECT_EQ(api("DELETE", "/api/v1/admin/torrents/" + std::to_string(album["id"].get<int>()), admin).status, 404);
  auto refused = http_announce(m_http, passkey, announce_req(*album_v1, 6881, "-SH0100-api-private0", 1000, 4000, 100));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->failure_reason, std::string(tr::kUnregisteredTorrentReason));
  EXPECT_EQ(api("GET", "/api/v1/admin/torrents", admin).js()["total"], 1);

  // Every write is in the audit log, with the admin as actor.
  auto audit = api("GET", "/api/v1/admin/audit?limit=100", admin);
  ASSERT_EQ(audit.status, 200);
  std::map<std::string, int> actions;
  const json entries = audit.js()["entries"];
  for (const auto& e : entries) {
    const std::string action = e["action"];
    if (!action.starts_with("admin.torrent.")) continue;
    ++actions[action];
    EXPECT_EQ(e["actor"], "root") << e.dump();
  }
  EXPECT_EQ(actions["admin.torrent.register"], 3);
  EXPECT_EQ(actions["admin.torrent.update"], 1);
  EXPECT_EQ(actions["admin.torrent.unregister"], 2);
}

}  // namespace
