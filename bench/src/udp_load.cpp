// UDP load: batched sends and receives on one connected socket per source address.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <memory>
#include <thread>
#include <vector>

#include "net_util.hpp"
#include "shoal/bench/load.hpp"
#include "shoal/bench/request_window.hpp"
#include "shoal/proto/udp_tracker.hpp"

namespace shoal::bench {

namespace {

using detail::now_ns;
namespace udp = shoal::udp_tracker;

constexpr std::size_t kBatch = 32;
constexpr std::size_t kMaxDatagram = 65536;

struct UdpSocket {
  int fd = -1;
  std::uint32_t source = 0;
  std::unique_ptr<RequestWindow> window;
  std::uint64_t connection_id = 0;
  bool have_id = false;
  std::int64_t id_time = 0;
  bool connecting = false;
  std::int64_t connect_sent = 0;
  std::uint64_t fill_next = 0;
  bool fill_done = false;

  ~UdpSocket() {
    if (fd >= 0) ::close(fd);
  }
};

class UdpThread {
public:
  UdpThread(const LoadOptions& o, std::vector<std::uint32_t> sources, std::uint64_t seed)
      : m_o(o), m_workload([&] {
          WorkloadOptions w = o.workload;
          w.seed = seed;
          return w;
        }()) {
    const std::size_t per_socket =
        std::max<std::size_t>(1, (o.window + o.workload.sources - 1) / o.workload.sources);
    const sockaddr_in target = detail::to_sockaddr(o.target.address, o.target.port);
    for (std::uint32_t s : sources) {
      auto sock = std::make_unique<UdpSocket>();
      sock->source = s;
      sock->window = std::make_unique<RequestWindow>(std::min(per_socket, RequestWindow::kMaxCapacity));
      sock->fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (sock->fd < 0) throw std::runtime_error(detail::errno_text("socket", errno));
      int buf = 4 << 20;
      ::setsockopt(sock->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
      ::setsockopt(sock->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
      if (o.bind_sources) {
        const sockaddr_in local = detail::to_sockaddr(Workload::source_address(s), 0);
        if (::bind(sock->fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0)
          throw std::runtime_error(detail::errno_text("bind to a 127.0.0.x source", errno));
      }
      if (::connect(sock->fd, reinterpret_cast<const sockaddr*>(&target), sizeof target) != 0)
        throw std::runtime_error(detail::errno_text("connect", errno));
      m_sockets.push_back(std::move(sock));
    }
    for (auto& b : m_rx) b.resize(kMaxDatagram);
    m_result.protocol = "udp";
  }

  LoadResult run(std::int64_t start, std::int64_t deadline) {
    const auto timeout_ns = static_cast<std::int64_t>(m_o.timeout_seconds * 1e9);
    const auto refresh_ns = static_cast<std::int64_t>(m_o.connection_refresh_seconds * 1e9);
    std::vector<pollfd> fds(m_sockets.size());
    std::int64_t next_expire = start;
    while (true) {
      const std::int64_t now = now_ns();
      if (now >= deadline) break;
      if (m_o.fill && all_filled()) break;
      std::uint64_t budget = ~std::uint64_t{0};
      if (m_rate_per_ns > 0) {
        const auto allowed = static_cast<std::uint64_t>(static_cast<double>(now - start) * m_rate_per_ns);
        budget = allowed > m_result.sent ? allowed - m_result.sent : 0;
      }
      bool any_room = false;
      for (auto& s : m_sockets) {
        if (budget == 0) break;
        const std::size_t n = send_batch(*s, now, refresh_ns, budget);
        budget -= std::min<std::uint64_t>(budget, n);
        if (!s->window->full() && !(m_o.fill && s->fill_done)) any_room = true;
      }
      for (std::size_t i = 0; i < m_sockets.size(); ++i) fds[i] = {m_sockets[i]->fd, POLLIN, 0};
      // Block (briefly) only when nothing more can be sent right now.
      const int wait_ms = (any_room && budget > 0) ? 0 : 1;
      const int ready = ::poll(fds.data(), fds.size(), wait_ms);
      if (ready > 0) {
        const std::int64_t t = now_ns();
        for (std::size_t i = 0; i < m_sockets.size(); ++i)
          if (fds[i].revents & (POLLIN | POLLERR)) receive(*m_sockets[i], t);
      }
      if (now >= next_expire) {
        for (auto& s : m_sockets) {
          m_result.timeouts += s->window->expire(now, timeout_ns);
          if (s->connecting && now - s->connect_sent > timeout_ns) s->connecting = false;
        }
        next_expire = now + 10'000'000;
      }
    }
    for (auto& s : m_sockets) m_result.in_flight_at_end += s->window->size();
    return std::move(m_result);
  }

  void set_rate(double per_second) { m_rate_per_ns = per_second / 1e9; }

private:
  bool all_filled() const {
    for (const auto& s : m_sockets)
      if (!s->fill_done || s->window->size() > 0) return false;
    return true;
  }

  // Encodes up to kBatch requests for `s` and sends them with one sendmmsg. Returns how many the
  // kernel took.
  std::size_t send_batch(UdpSocket& s, std::int64_t now, std::int64_t refresh_ns,
                         std::uint64_t budget) {
    std::size_t n = 0;
    std::array<std::uint32_t, kBatch> tids{};
    std::array<bool, kBatch> is_connect{};
    while (n < kBatch && n < budget && !s.window->full()) {
      std::string& packet = m_tx[n];
      packet.clear();
      const bool need_id = !s.have_id || now - s.id_time > refresh_ns;
      if (need_id && !s.connecting) {
        tids[n] = s.window->add(RequestKind::connect, now);
        udp::encode(udp::ConnectRequest{tids[n]}, packet);
        s.connecting = true;
        s.connect_sent = now;
        is_connect[n++] = true;
        continue;
      }
      if (!s.have_id) break;  // wait for the first connection id
      PlannedRequest plan;
      if (m_o.fill) {
        if (s.fill_done) break;
        auto f = m_workload.fill_request(s.source, s.fill_next);
        if (!f) {
          s.fill_done = true;
          break;
        }
        ++s.fill_next;
        plan = *f;
      } else {
        plan = m_workload.next(s.source);
      }
      tids[n] = s.window->add(plan.kind, now);
      is_connect[n] = false;
      switch (plan.kind) {
        case RequestKind::connect:
          udp::encode(udp::ConnectRequest{tids[n]}, packet);
          break;
        case RequestKind::announce: {
          udp::AnnounceRequest a;
          a.connection_id = s.connection_id;
          a.transaction_id = tids[n];
          a.info_hash = Workload::info_hash(plan.torrent);
          a.peer_id = Workload::peer_id(s.source, plan.port);
          a.left = plan.seeder ? 0 : 1'000'000;
          a.event = plan.event;
          a.key = plan.port;
          a.num_want = static_cast<std::int32_t>(plan.numwant);
          a.port = plan.port;
          if (!m_o.passkeys.empty()) {
            m_url = "/announce/" + passkey_of(m_o.passkeys, s.source, plan.port);
            a.url_data = m_url;
          }
          udp::encode(a, packet);
          break;
        }
        case RequestKind::scrape: {
          m_hashes.clear();
          m_hashes.push_back(Workload::info_hash(plan.torrent));
          while (m_hashes.size() < m_o.workload.scrape_hashes)
            m_hashes.push_back(Workload::info_hash(m_workload.pick_torrent()));
          udp::encode(udp::ScrapeRequest{s.connection_id, tids[n], udp::InfoHashList(m_hashes)}, packet);
          break;
        }
      }
      ++n;
    }
    if (n == 0) return 0;
    std::array<mmsghdr, kBatch> msgs{};
    std::array<iovec, kBatch> iov{};
    for (std::size_t i = 0; i < n; ++i) {
      iov[i] = {m_tx[i].data(), m_tx[i].size()};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = ::sendmmsg(s.fd, msgs.data(), static_cast<unsigned>(n), 0);
    if (sent < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) note_error(detail::errno_text("send", errno));
      sent = 0;
    }
    // Requests the kernel did not take were never sent: take them out of the window again.
    for (auto i = static_cast<std::size_t>(sent); i < n; ++i) {
      s.window->complete(tids[i]);
      if (is_connect[i]) s.connecting = false;
    }
    m_result.sent += static_cast<std::uint64_t>(sent);
    return static_cast<std::size_t>(sent);
  }

  void receive(UdpSocket& s, std::int64_t now) {
    while (true) {
      std::array<mmsghdr, kBatch> msgs{};
      std::array<iovec, kBatch> iov{};
      for (std::size_t i = 0; i < kBatch; ++i) {
        iov[i] = {m_rx[i].data(), m_rx[i].size()};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
      const int got = ::recvmmsg(s.fd, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
      if (got < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        // ICMP port unreachable and the like surface here on a connected socket.
        note_error(detail::errno_text("receive", errno));
        return;
      }
      for (int i = 0; i < got; ++i)
        handle_reply(s, std::string_view(m_rx[static_cast<std::size_t>(i)].data(), msgs[static_cast<std::size_t>(i)].msg_len), now);
      if (static_cast<std::size_t>(got) < kBatch) return;
    }
  }

  void handle_reply(UdpSocket& s, std::string_view datagram, std::int64_t now) {
    if (datagram.size() < 8) return;  // cannot be matched to a request
    const auto tid = static_cast<std::uint32_t>(
        (std::uint32_t{static_cast<std::uint8_t>(datagram[4])} << 24) |
        (std::uint32_t{static_cast<std::uint8_t>(datagram[5])} << 16) |
        (std::uint32_t{static_cast<std::uint8_t>(datagram[6])} << 8) |
        std::uint32_t{static_cast<std::uint8_t>(datagram[7])});
    const auto request = s.window->complete(tid);
    if (!request) return;  // late (already timed out), duplicated or not ours
    ++m_result.responses;
    m_result.latency.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, now - request->sent_ns)));
    auto decoded = udp::decode_response(datagram, AddressFamily::v4);
    if (!decoded) {
      note_error("undecodable reply: " + decoded.error().message());
      return;
    }
    if (auto* c = std::get_if<udp::ConnectResponse>(&*decoded)) {
      ++m_result.connect_responses;
      s.connection_id = c->connection_id;
      s.have_id = true;
      s.id_time = now;
      if (request->kind == RequestKind::connect) s.connecting = false;
    } else if (auto* a = std::get_if<udp::AnnounceResponse>(&*decoded)) {
      ++m_result.announce_responses;
      m_result.announce_peers += a->peers.size();
    } else if (std::get_if<udp::ScrapeResponse>(&*decoded)) {
      ++m_result.scrape_responses;
    } else if (auto* e = std::get_if<udp::ErrorResponse>(&*decoded)) {
      note_error("error reply: " + e->message);
      if (request->kind == RequestKind::connect) s.connecting = false;
      // Most likely an expired or unknown connection id: get a new one before going on.
      if (request->kind != RequestKind::connect) s.have_id = false;
    }
  }

  void note_error(std::string message) {
    ++m_result.errors;
    if (m_result.first_error.empty()) m_result.first_error = std::move(message);
  }

  const LoadOptions& m_o;
  Workload m_workload;
  std::string m_url;  ///< the URLData of the announce being encoded (passkeys)
  std::vector<std::unique_ptr<UdpSocket>> m_sockets;
  std::array<std::string, kBatch> m_tx;
  std::array<std::string, kBatch> m_rx;
  std::vector<Sha1Digest> m_hashes;
  double m_rate_per_ns = 0;
  LoadResult m_result;
};

}  // namespace

LoadResult run_udp_load(const LoadOptions& o) {
  if (auto bad = validate(o.workload)) throw std::runtime_error(*bad);
  if (o.threads == 0 || o.threads > o.workload.sources)
    throw std::runtime_error("--threads: must be 1..--sources");
  std::vector<std::unique_ptr<UdpThread>> threads;
  for (std::uint32_t t = 0; t < o.threads; ++t) {
    std::vector<std::uint32_t> sources;
    for (std::uint32_t s = t; s < o.workload.sources; s += o.threads) sources.push_back(s);
    threads.push_back(std::make_unique<UdpThread>(o, std::move(sources), o.workload.seed + t));
    if (o.rate > 0) threads.back()->set_rate(o.rate / o.threads);
  }
  std::vector<LoadResult> results(o.threads);
  const std::int64_t start = now_ns();
  const std::int64_t deadline = start + static_cast<std::int64_t>(o.duration_seconds * 1e9);
  std::vector<std::thread> workers;
  for (std::uint32_t t = 0; t < o.threads; ++t)
    workers.emplace_back([&, t] { results[t] = threads[t]->run(start, deadline); });
  for (auto& w : workers) w.join();
  const std::int64_t end = now_ns();
  LoadResult total;
  total.protocol = "udp";
  total.target = o.target.to_string();
  for (const auto& r : results) total.merge(r);
  total.seconds = static_cast<double>(std::min(end, deadline) - start) / 1e9;
  return total;
}

}  // namespace shoal::bench
