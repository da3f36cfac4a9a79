#include "shoal/tracker/udp_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace shoal;
using namespace shoal::tracker;
using namespace std::chrono_literals;

// Counts the allocations of each thread, so a test can check that a worker's steady state
// allocates nothing.
namespace {
thread_local std::size_t t_allocations = 0;
}  // namespace

void* operator new(std::size_t size) {
  ++t_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// GCC 12 sees the replaced operator new (malloc) inlined into this TU's new-expressions and then
// warns that std::free in the replaced delete does not match them: a false positive.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace {

PeerEndpoint ep(const char* text) { return *PeerEndpoint::parse(text); }

// Real sockets on loopback. Receive timeouts are what "no reply" means here: long enough that a
// reply on an idle machine would have arrived, short enough to keep the suite quick.
constexpr auto kReplyTimeout = 2000ms;
constexpr auto kSilenceTimeout = 300ms;

socklen_t to_sockaddr(const PeerEndpoint& e, sockaddr_storage& s) {
  std::memset(&s, 0, sizeof s);
  if (e.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&s);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(e.port);
    std::memcpy(&sin->sin_addr, e.address.bytes().data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&s);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(e.port);
  std::memcpy(&sin6->sin6_addr, e.address.bytes().data(), 16);
  return sizeof(sockaddr_in6);
}

PeerEndpoint local_of(int fd) {
  sockaddr_storage s;
  socklen_t len = sizeof s;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&s), &len) != 0)
    throw std::runtime_error("getsockname");
  if (s.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&s);
    return *PeerEndpoint::from_bytes({reinterpret_cast<const char*>(&sin->sin_addr), 4},
                                     ntohs(sin->sin_port));
  }
  const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&s);
  return *PeerEndpoint::from_bytes({reinterpret_cast<const char*>(&sin6->sin6_addr), 16},
                                   ntohs(sin6->sin6_port));
}

/// A UDP client socket on loopback, connected to one server endpoint.
class Client {
public:
  explicit Client(const PeerEndpoint& server) {
    m_fd = ::socket(server.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (m_fd < 0) throw std::runtime_error("socket");
    sockaddr_storage s;
    const socklen_t len = to_sockaddr(server, s);
    if (::connect(m_fd, reinterpret_cast<const sockaddr*>(&s), len) != 0)
      throw std::runtime_error("connect");
    m_local = local_of(m_fd);
  }
  ~Client() { close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void close() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
  }
  const PeerEndpoint& local() const { return m_local; }

  bool send(std::string_view data) {
    return ::send(m_fd, data.data(), data.size(), 0) == static_cast<ssize_t>(data.size());
  }
  /// The next datagram, or nullopt after `timeout` (or on an error such as ECONNREFUSED).
  std::optional<std::string> receive(std::chrono::milliseconds timeout = kReplyTimeout) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string buf(70000, '\0');
    const ssize_t n = ::recv(m_fd, buf.data(), buf.size(), 0);
    if (n < 0) return std::nullopt;
    buf.resize(static_cast<std::size_t>(n));
    return buf;
  }

private:
  int m_fd = -1;
  PeerEndpoint m_local;
};

/// Replies "<sender>|<datagram>", so a test sees both that it was answered and that the server
/// reported the right source address.
DatagramHandlerFactory echo_factory() {
  return [](std::size_t) -> DatagramHandler {
    return [](std::string_view datagram, const PeerEndpoint& from, std::string& reply) {
      reply = from.to_string();
      reply += '|';
      reply += datagram;
    };
  };
}

std::string expected_echo(const Client& c, std::string_view payload) {
  return c.local().to_string() + "|" + std::string(payload);
}

bool can_bind_ipv6_loopback() {
  const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  sockaddr_storage s;
  const socklen_t len = to_sockaddr(ep("[::1]:0"), s);
  const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&s), len) == 0;
  ::close(fd);
  return ok;
}

template <class Predicate>
bool eventually(Predicate p, std::chrono::milliseconds timeout = kReplyTimeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (p()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return p();
}

UdpServerOptions options(std::vector<PeerEndpoint> listen, std::size_t threads = 2) {
  UdpServerOptions o;
  o.listen = std::move(listen);
  o.threads = threads;
  return o;
}

}  // namespace

TEST(UdpServer, AnswersWithTheSendersAddressOverIpv4) {
  UdpServer server(options({ep("127.0.0.1:0")}), echo_factory());
  ASSERT_TRUE(server.start()) << "start failed";
  EXPECT_TRUE(server.running());
  const auto local = server.local_endpoints();
  ASSERT_EQ(local.size(), 1u);
  EXPECT_EQ(local[0].address, ep("127.0.0.1:0").address);
  EXPECT_NE(local[0].port, 0);

  Client client(local[0]);
  ASSERT_TRUE(client.send("hello"));
  EXPECT_EQ(client.receive(), expected_echo(client, "hello"));
  // Binary data (NUL bytes included) passes through untouched.
  const std::string binary("\x00\x00\x04\x17\x27\x10\x19\x80\x00\x00\x00\x00", 12);
  ASSERT_TRUE(client.send(binary));
  EXPECT_EQ(client.receive(), expected_echo(client, binary));

  // The reply can reach the client before the worker adds the batch to the counters.
  ASSERT_TRUE(eventually([&] { return server.counters().received == 2; }));
  const auto c = server.counters();
  EXPECT_EQ(c.replies_sent, 2u);
  EXPECT_EQ(c.dropped(), 0u);
  // Two datagrams sent one after the other, each answered before the next: two batches.
  EXPECT_EQ(c.batches, 2u);
}

TEST(UdpServer, ServesIpv4AndIpv6FromTheSameWorkers) {
  if (!can_bind_ipv6_loopback())
    GTEST_SKIP() << "cannot bind [::1] on this machine (no IPv6 loopback); the IPv4 tests still run";
  UdpServer server(options({ep("127.0.0.1:0"), ep("[::1]:0")}), echo_factory());
  ASSERT_TRUE(server.start());
  const auto local = server.local_endpoints();
  ASSERT_EQ(local.size(), 2u);
  EXPECT_TRUE(local[0].is_v4());
  ASSERT_TRUE(local[1].is_v6());
  EXPECT_TRUE(local[1].address.is_loopback());
  EXPECT_NE(local[1].port, 0);

  Client v4(local[0]);
  Client v6(local[1]);
  for (int i = 0; i < 5; ++i) {
    const std::string payload = "round " + std::to_string(i);
    ASSERT_TRUE(v6.send(payload));
    ASSERT_TRUE(v4.send(payload));
    EXPECT_EQ(v6.receive(), expected_echo(v6, payload));  // "[::1]:port|..."
    EXPECT_EQ(v4.receive(), expected_echo(v4, payload));
  }
}

TEST(UdpServer, V6OnlySocketsLetIpv4AndIpv6ShareAPort) {
  if (!can_bind_ipv6_loopback()) GTEST_SKIP() << "cannot bind [::1] on this machine (no IPv6)";
  // Find a port free on 127.0.0.1 via port 0, then ask for [::] on the same port: without
  // IPV6_V6ONLY a dual-stack [::] socket would collide with 0.0.0.0/127.0.0.1.
  UdpServer v4(options({ep("0.0.0.0:0")}, 1), echo_factory());
  ASSERT_TRUE(v4.start());
  const std::uint16_t port = v4.local_endpoints()[0].port;
  UdpServer v6(options({PeerEndpoint{*IpAddress::parse("::"), port}}, 1), echo_factory());
  const auto started = v6.start();
  ASSERT_TRUE(started) << started.error();
  Client a(PeerEndpoint{*IpAddress::parse("127.0.0.1"), port});
  Client b(PeerEndpoint{*IpAddress::parse("::1"), port});
  ASSERT_TRUE(a.send("4"));
  ASSERT_TRUE(b.send("6"));
  EXPECT_EQ(a.receive(), expected_echo(a, "4"));
  EXPECT_EQ(b.receive(), expected_echo(b, "6"));
}

TEST(UdpServer, AnswersEveryDatagramFromManyClients) {
  UdpServer server(options({ep("127.0.0.1:0")}), echo_factory());
  ASSERT_TRUE(server.start());
  const auto endpoint = server.local_endpoints()[0];

  constexpr int kClients = 16;
  constexpr int kRounds = 40;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(std::make_unique<Client>(endpoint));

  // Each round every client sends one datagram, then all replies of the round are read: a modest
  // rate, well below what the socket buffers hold, so nothing may be lost.
  std::size_t answered = 0;
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kClients; ++i)
      ASSERT_TRUE(clients[i]->send("c" + std::to_string(i) + "r" + std::to_string(round)));
    for (int i = 0; i < kClients; ++i) {
      const auto reply = clients[i]->receive();
      ASSERT_TRUE(reply) << "client " << i << " round " << round << " got no reply";
      EXPECT_EQ(*reply, expected_echo(*clients[i],
                                      "c" + std::to_string(i) + "r" + std::to_string(round)));
      ++answered;
    }
  }
  EXPECT_EQ(answered, std::size_t{kClients} * kRounds);
  ASSERT_TRUE(eventually([&] { return server.counters().received == answered; }));
  EXPECT_EQ(server.counters().replies_sent, answered);
  EXPECT_EQ(server.counters().dropped(), 0u);
}

TEST(UdpServer, AnswersABurstSentWithoutWaiting) {
  // 200 datagrams in a row from one socket (about 40 KB with replies: far below the default
  // socket buffers), then read: every one is answered, so batches of more than one datagram and
  // sendmmsg with several replies are exercised.
  UdpServer server(options({ep("127.0.0.1:0")}, 1), echo_factory());
  ASSERT_TRUE(server.start());
  Client client(server.local_endpoints()[0]);
  constexpr int kBurst = 200;
  for (int i = 0; i < kBurst; ++i) ASSERT_TRUE(client.send("burst " + std::to_string(i)));
  std::set<std::string> replies;
  for (int i = 0; i < kBurst; ++i) {
    const auto reply = client.receive();
    ASSERT_TRUE(reply) << "reply " << i << " missing";
    replies.insert(*reply);
  }
  for (int i = 0; i < kBurst; ++i)
    EXPECT_TRUE(replies.contains(expected_echo(client, "burst " + std::to_string(i)))) << i;
}

TEST(UdpServer, SteadyStateAllocatesNothing) {
  // The handler itself does not allocate (the reply fits the preallocated string), so any
  // allocation on the worker thread between two calls is the server's own.
  constexpr int kWarmUp = 10;
  constexpr int kMeasured = 200;
  std::atomic<long> allocations{-1};
  auto factory = [&](std::size_t) -> DatagramHandler {
    return [&, calls = 0, base = std::size_t{0}](std::string_view, const PeerEndpoint&,
                                                  std::string& reply) mutable {
      reply.assign("pong");
      ++calls;
      if (calls == kWarmUp) base = t_allocations;
      if (calls == kWarmUp + kMeasured) allocations = static_cast<long>(t_allocations - base);
    };
  };
  UdpServer server(options({ep("127.0.0.1:0")}, 1), factory);
  ASSERT_TRUE(server.start());
  Client client(server.local_endpoints()[0]);
  // One at a time, then a few bursts: single-datagram and multi-datagram batches both count.
  for (int i = 0; i < kWarmUp + kMeasured / 2; ++i) {
    ASSERT_TRUE(client.send("ping"));
    ASSERT_EQ(client.receive(), "pong");
  }
  for (int burst = 0; burst < kMeasured / 2 / 20; ++burst) {
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(client.send("ping"));
    for (int i = 0; i < 20; ++i) ASSERT_EQ(client.receive(), "pong");
  }
  ASSERT_TRUE(eventually([&] { return allocations.load() >= 0; }));
  EXPECT_EQ(allocations.load(), 0) << "allocations on the worker thread over " << kMeasured
                                   << " datagrams";
}

TEST(UdpServer, EmptyReplySendsNothing) {
  auto factory = [](std::size_t) -> DatagramHandler {
    return [](std::string_view datagram, const PeerEndpoint&, std::string& reply) {
      EXPECT_TRUE(reply.empty()) << "the reply string must arrive empty";
      if (datagram != "silent") reply = "pong";
    };
  };
  UdpServer server(options({ep("127.0.0.1:0")}), factory);
  ASSERT_TRUE(server.start());
  Client client(server.local_endpoints()[0]);
  ASSERT_TRUE(client.send("silent"));
  EXPECT_EQ(client.receive(kSilenceTimeout), std::nullopt);
  // The server is alive; the silence was the handler's choice. The reply read now is "pong" (a
  // reply to "silent" would have arrived first).
  ASSERT_TRUE(client.send("ping"));
  EXPECT_EQ(client.receive(), "pong");
  ASSERT_TRUE(eventually([&] { return server.counters().received == 2; }));
  EXPECT_EQ(server.counters().replies_sent, 1u);
  EXPECT_EQ(server.counters().dropped(), 0u);
}

TEST(UdpServer, OversizeDatagramIsDroppedCountedAndServingGoesOn) {
  std::atomic<std::size_t> largest_handled{0};
  auto factory = [&](std::size_t) -> DatagramHandler {
    return [&](std::string_view datagram, const PeerEndpoint&, std::string& reply) {
      if (datagram.size() > largest_handled) largest_handled = datagram.size();
      reply = "got " + std::to_string(datagram.size());
    };
  };
  UdpServer server(options({ep("127.0.0.1:0")}), factory);
  ASSERT_TRUE(server.start());
  Client client(server.local_endpoints()[0]);

  ASSERT_TRUE(client.send(std::string(3000, 'x')));
  EXPECT_EQ(client.receive(kSilenceTimeout), std::nullopt);
  ASSERT_TRUE(eventually([&] { return server.counters().truncated == 1; }));

  ASSERT_TRUE(client.send(std::string(kMaxUdpRequestBytes + 1, 'y')));  // one byte too many
  EXPECT_EQ(client.receive(kSilenceTimeout), std::nullopt);
  ASSERT_TRUE(eventually([&] { return server.counters().truncated == 2; }));

  // The largest accepted size arrives whole.
  ASSERT_TRUE(client.send(std::string(kMaxUdpRequestBytes, 'z')));
  EXPECT_EQ(client.receive(), "got " + std::to_string(kMaxUdpRequestBytes));
  ASSERT_TRUE(client.send("ping"));
  EXPECT_EQ(client.receive(), "got 4");

  EXPECT_EQ(largest_handled.load(), kMaxUdpRequestBytes);
  ASSERT_TRUE(eventually([&] { return server.counters().received == 4; }));
  const auto c = server.counters();
  EXPECT_EQ(c.truncated, 2u);
  EXPECT_EQ(c.dropped(), 2u);
  EXPECT_EQ(c.replies_sent, 2u);
}

TEST(UdpServer, ThrowingHandlerLosesOnlyThatDatagram) {
  auto factory = [](std::size_t) -> DatagramHandler {
    return [](std::string_view datagram, const PeerEndpoint&, std::string& reply) {
      reply = "partial";
      if (datagram == "boom") throw std::runtime_error("handler bug");
      if (datagram == "int") throw 42;
      reply = "ok";
    };
  };
  UdpServer server(options({ep("127.0.0.1:0")}, 1), factory);
  ASSERT_TRUE(server.start());
  Client client(server.local_endpoints()[0]);
  ASSERT_TRUE(client.send("boom"));
  ASSERT_TRUE(client.send("int"));
  ASSERT_TRUE(client.send("fine"));
  // The half-written "partial" of the failed calls is never sent: the first reply is "ok".
  EXPECT_EQ(client.receive(), "ok");
  EXPECT_EQ(client.receive(kSilenceTimeout), std::nullopt);
  ASSERT_TRUE(eventually([&] { return server.counters().received == 3; }));
  EXPECT_EQ(server.counters().handler_errors, 2u);
  EXPECT_EQ(server.counters().replies_sent, 1u);
}

TEST(UdpServer, LargeRepliesAreSentWholeAndTooLargeOnesCounted) {
  auto factory = [](std::size_t) -> DatagramHandler {
    return [](std::string_view datagram, const PeerEndpoint&, std::string& reply) {
      if (datagram == "big") reply.assign(4000, 'b');          // grows the reply buffer
      else if (datagram == "huge") reply.assign(kMaxUdpReplyBytes + 1, 'h');
      else reply = "small";
    };
  };
  UdpServer server(options({ep("127.0.0.1:0")}, 1), factory);
  ASSERT_TRUE(server.start());
  Client client(server.local_endpoints()[0]);
  ASSERT_TRUE(client.send("big"));
  EXPECT_EQ(client.receive(), std::string(4000, 'b'));
  ASSERT_TRUE(client.send("huge"));
  EXPECT_EQ(client.receive(kSilenceTimeout), std::nullopt);
  ASSERT_TRUE(client.send("x"));
  EXPECT_EQ(client.receive(), "small");  // a reused, grown buffer still sends only its content
  ASSERT_TRUE(eventually([&] { return server.counters().received == 3; }));
  EXPECT_EQ(server.counters().send_failures, 1u);
  EXPECT_EQ(server.counters().replies_sent, 2u);
}

TEST(UdpServer, ClientThatVanishesDoesNotDisturbOthers) {
  UdpServer server(options({ep("127.0.0.1:0")}, 1), echo_factory());
  ASSERT_TRUE(server.start());
  const auto endpoint = server.local_endpoints()[0];
  for (int i = 0; i < 20; ++i) {
    Client gone(endpoint);
    ASSERT_TRUE(gone.send("bye"));
    gone.close();  // the reply goes to a closed port (ICMP port unreachable)
  }
  Client client(endpoint);
  ASSERT_TRUE(client.send("still there?"));
  EXPECT_EQ(client.receive(), expected_echo(client, "still there?"));
  ASSERT_TRUE(eventually([&] { return server.counters().received == 21; }));
}

TEST(UdpServer, KernelSpreadsFlowsOverTheWorkers) {
  constexpr std::size_t kThreads = 2;
  std::array<std::atomic<int>, kThreads> handled{};
  auto factory = [&](std::size_t worker) -> DatagramHandler {
    return [&handled, worker](std::string_view, const PeerEndpoint&, std::string& reply) {
      ++handled[worker];
      reply = std::to_string(worker);
    };
  };
  UdpServer server(options({ep("127.0.0.1:0")}, kThreads), factory);
  ASSERT_TRUE(server.start());
  EXPECT_EQ(server.worker_count(), kThreads);
  const auto endpoint = server.local_endpoints()[0];

  // Each client socket has its own source port: a flow the kernel hashes to one worker's socket.
  constexpr int kClients = 64;
  std::array<int, kThreads> answered_by{};
  for (int i = 0; i < kClients; ++i) {
    Client client(endpoint);
    ASSERT_TRUE(client.send("which worker?"));
    const auto reply = client.receive();
    ASSERT_TRUE(reply) << "client " << i << " got no reply";
    const int worker = std::stoi(*reply);
    ASSERT_TRUE(worker >= 0 && worker < static_cast<int>(kThreads));
    ++answered_by[static_cast<std::size_t>(worker)];
  }
  std::cout << "[          ] flows per worker:";
  for (std::size_t w = 0; w < kThreads; ++w) {
    std::cout << " " << w << "=" << answered_by[w];
    EXPECT_EQ(handled[w].load(), answered_by[w]);
  }
  std::cout << "\n";
  EXPECT_EQ(answered_by[0] + answered_by[1], kClients);
  // Both workers' sockets are in the group on the same port; which one a flow lands on is the
  // kernel's hash, so one worker taking everything is reported, not failed.
  if (answered_by[0] == 0 || answered_by[1] == 0)
    std::cout << "[          ] note: the kernel hashed every flow to one socket\n";
}

TEST(UdpServer, EachWorkerOwnsItsHandlerState) {
  constexpr std::size_t kThreads = 3;
  struct State {
    std::thread::id owner;   // the thread that first ran this handler
    bool moved_thread = false;
    int calls = 0;           // plain int: only ever touched by one thread
  };
  std::mutex mutex;
  std::vector<std::size_t> factory_calls;
  std::vector<std::shared_ptr<State>> states;
  const auto test_thread = std::this_thread::get_id();
  auto factory = [&](std::size_t worker) -> DatagramHandler {
    auto state = std::make_shared<State>();
    {
      std::lock_guard lock(mutex);
      factory_calls.push_back(worker);
      states.push_back(state);
    }
    return [state](std::string_view, const PeerEndpoint&, std::string& reply) {
      const auto me = std::this_thread::get_id();
      if (state->calls++ == 0) state->owner = me;
      else if (state->owner != me) state->moved_thread = true;
      reply = std::to_string(reinterpret_cast<std::uintptr_t>(state.get()));
    };
  };
  UdpServer server(options({ep("127.0.0.1:0")}, kThreads), factory);
  ASSERT_TRUE(server.start());
  EXPECT_EQ(factory_calls, (std::vector<std::size_t>{0, 1, 2}));

  const auto endpoint = server.local_endpoints()[0];
  int answered = 0;
  for (int i = 0; i < 48; ++i) {
    Client client(endpoint);
    for (int j = 0; j < 3; ++j) {
      ASSERT_TRUE(client.send("state?"));
      if (client.receive()) ++answered;
    }
  }
  EXPECT_EQ(answered, 48 * 3);
  server.stop();  // joins the workers: their writes to the states are visible now

  int total_calls = 0;
  std::set<std::thread::id> owners;
  for (const auto& s : states) {
    EXPECT_FALSE(s->moved_thread) << "a handler ran on two threads";
    total_calls += s->calls;
    if (s->calls > 0) {
      EXPECT_NE(s->owner, test_thread);
      EXPECT_TRUE(owners.insert(s->owner).second) << "two handlers ran on one thread";
    }
  }
  EXPECT_EQ(total_calls, 48 * 3);
}

TEST(UdpServer, StopReturnsPromptlyAndClosesTheSockets) {
  UdpServer server(options({ep("127.0.0.1:0")}, 4), echo_factory());
  ASSERT_TRUE(server.start());
  const auto endpoint = server.local_endpoints()[0];
  Client client(endpoint);
  ASSERT_TRUE(client.send("before"));
  EXPECT_EQ(client.receive(), expected_echo(client, "before"));

  // Workers are blocked in poll() without a timeout: only the wake-up can end them.
  std::this_thread::sleep_for(50ms);
  const auto t0 = std::chrono::steady_clock::now();
  server.stop();
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, 1s);
  EXPECT_FALSE(server.running());
  server.stop();  // idempotent

  ASSERT_TRUE(client.send("after"));
  EXPECT_EQ(client.receive(kSilenceTimeout), std::nullopt);
  // The port is free again: a plain socket can bind it.
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_storage s;
  const socklen_t len = to_sockaddr(endpoint, s);
  EXPECT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&s), len), 0) << std::strerror(errno);
  ::close(fd);
  // Counters and endpoints remain readable.
  EXPECT_EQ(server.counters().replies_sent, 1u);
  EXPECT_EQ(server.local_endpoints().size(), 1u);
  EXPECT_FALSE(server.start()) << "a server starts once";
}

TEST(UdpServer, StopWhileUnderLoad) {
  UdpServer server(options({ep("127.0.0.1:0")}, 2), echo_factory());
  ASSERT_TRUE(server.start());
  const auto endpoint = server.local_endpoints()[0];
  std::atomic<bool> done{false};
  std::thread sender([&] {
    Client client(endpoint);
    for (int i = 0; i < 20000 && !done; ++i) client.send("load");
  });
  std::this_thread::sleep_for(50ms);
  const auto t0 = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  done = true;
  sender.join();
  EXPECT_GT(server.counters().received, 0u);
}

TEST(UdpServer, DestructorStopsARunningServer) {
  std::uint16_t port = 0;
  {
    UdpServer server(options({ep("127.0.0.1:0")}), echo_factory());
    ASSERT_TRUE(server.start());
    port = server.local_endpoints()[0].port;
  }
  UdpServer again(options({PeerEndpoint{*IpAddress::parse("127.0.0.1"), port}}), echo_factory());
  EXPECT_TRUE(again.start()) << "the port is still held after destruction";
}

TEST(UdpServer, RefusesBadOptions) {
  {
    UdpServer s(options({}), echo_factory());
    auto r = s.start();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), "udp: no listen address");
  }
  for (std::size_t threads : {std::size_t{0}, kMaxUdpWorkerThreads + 1}) {
    UdpServer s(options({ep("127.0.0.1:0")}, threads), echo_factory());
    auto r = s.start();
    ASSERT_FALSE(r) << threads;
    EXPECT_NE(r.error().find("threads must be between 1 and 256"), std::string::npos);
  }
  {
    UdpServer s(options({ep("127.0.0.1:16969"), ep("127.0.0.1:16969")}), echo_factory());
    auto r = s.start();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), "udp: 127.0.0.1:16969 is listed twice");
  }
  {
    UdpServer s(options({ep("127.0.0.1:0")}), DatagramHandlerFactory{});
    EXPECT_FALSE(s.start());
  }
  {
    UdpServer s(options({ep("127.0.0.1:0")}), [](std::size_t) { return DatagramHandler{}; });
    auto r = s.start();
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("no handler"), std::string::npos);
  }
  {
    UdpServer s(options({ep("127.0.0.1:0")}), echo_factory());
    ASSERT_TRUE(s.start());
    auto r = s.start();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), "udp: already started");
    EXPECT_TRUE(s.running());
  }
}

TEST(UdpServer, RefusesAPortSomeoneElseHolds) {
  for (const bool holder_uses_reuseport : {false, true}) {
    SCOPED_TRACE(holder_uses_reuseport ? "holder has SO_REUSEPORT" : "plain holder");
    const int holder = ::socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(holder, 0);
    const int one = 1;
    if (holder_uses_reuseport) {
      ASSERT_EQ(::setsockopt(holder, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one), 0);
    }
    sockaddr_storage s;
    const socklen_t len = to_sockaddr(ep("127.0.0.1:0"), s);
    ASSERT_EQ(::bind(holder, reinterpret_cast<const sockaddr*>(&s), len), 0);
    const PeerEndpoint taken = local_of(holder);

    // The first address is fine; the second is taken: nothing may be left open or running.
    UdpServer server(options({ep("127.0.0.1:0"), taken}), echo_factory());
    const auto r = server.start();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), "udp: cannot bind " + taken.to_string() + ": Address already in use");
    EXPECT_FALSE(server.running());
    EXPECT_TRUE(server.local_endpoints().empty());
    ::close(holder);

    // With the holder gone the same port can be served.
    UdpServer retry(options({taken}), echo_factory());
    EXPECT_TRUE(retry.start());
  }
}
