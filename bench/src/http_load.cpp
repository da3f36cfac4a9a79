// HTTP load: non-blocking connections on one epoll per generator thread; replies are parsed with
// Beast's response parser and proto's announce/scrape decoders.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net_util.hpp"
#include "shoal/bench/load.hpp"
#include "shoal/proto/http_tracker.hpp"

namespace shoal::bench {

namespace {

using detail::now_ns;
namespace http = boost::beast::http;

enum class ConnState { idle, connecting, sending, receiving };

struct Conn {
  int fd = -1;
  std::uint32_t source = 0;
  ConnState state = ConnState::idle;
  std::string out;
  std::size_t out_done = 0;
  std::string in;  // bytes received that the parser has not consumed yet
  std::optional<http::response_parser<http::string_body>> parser;
  RequestKind kind = RequestKind::announce;
  std::int64_t started = 0;
  bool reused = false;        // the request went out on a connection that served one before
  bool got_bytes = false;     // some of the response arrived
};

class HttpThread {
public:
  HttpThread(const LoadOptions& o, std::vector<std::uint32_t> sources, std::uint32_t connections,
             std::uint64_t seed)
      : m_o(o), m_workload([&] {
          WorkloadOptions w = o.workload;
          w.seed = seed;
          w.connect_weight = 0;  // no connect requests over HTTP
          return w;
        }()) {
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (m_epoll < 0) throw std::runtime_error(detail::errno_text("epoll_create1", errno));
    m_target = detail::to_sockaddr(o.target.address, o.target.port);
    m_host = o.target.to_string();
    for (std::uint32_t i = 0; i < connections; ++i) {
      auto c = std::make_unique<Conn>();
      c->source = sources[i % sources.size()];
      m_conns.push_back(std::move(c));
    }
    m_result.protocol = "http";
  }
  ~HttpThread() {
    for (auto& c : m_conns) close_conn(*c);
    if (m_epoll >= 0) ::close(m_epoll);
  }

  void set_rate(double per_second) { m_rate_per_ns = per_second / 1e9; }

  LoadResult run(std::int64_t start, std::int64_t deadline) {
    m_start = start;
    const auto timeout_ns = static_cast<std::int64_t>(m_o.timeout_seconds * 1e9);
    std::array<epoll_event, 64> events{};
    std::int64_t next_expire = start;
    while (true) {
      const std::int64_t now = now_ns();
      if (now >= deadline) break;
      for (auto& c : m_conns)
        if (c->state == ConnState::idle && may_send(now)) start_request(*c, now);
      const int n = ::epoll_wait(m_epoll, events.data(), static_cast<int>(events.size()), 1);
      for (int i = 0; i < n; ++i) {
        auto* c = static_cast<Conn*>(events[static_cast<std::size_t>(i)].data.ptr);
        on_event(*c, events[static_cast<std::size_t>(i)].events);
      }
      if (now >= next_expire) {
        for (auto& c : m_conns) {
          if (c->state != ConnState::idle && now - c->started > timeout_ns) {
            ++m_result.timeouts;
            close_conn(*c);
          }
        }
        next_expire = now + 10'000'000;
      }
    }
    for (auto& c : m_conns)
      if (c->state != ConnState::idle) ++m_result.in_flight_at_end;
    return std::move(m_result);
  }

private:
  bool may_send(std::int64_t now) const {
    if (m_rate_per_ns <= 0) return true;
    return static_cast<double>(now - m_start) * m_rate_per_ns > static_cast<double>(m_result.sent);
  }

  void start_request(Conn& c, std::int64_t now) {
    const PlannedRequest plan = m_workload.next(c.source);
    c.kind = plan.kind;
    c.out = "GET ";
    if (plan.kind == RequestKind::scrape) {
      ScrapeRequest s;
      s.info_hashes.push_back(Workload::info_hash(plan.torrent));
      while (s.info_hashes.size() < m_o.workload.scrape_hashes)
        s.info_hashes.push_back(Workload::info_hash(m_workload.pick_torrent()));
      c.out += m_o.scrape_path;
      c.out += '?';
      c.out += encode_scrape_query(s);
    } else {
      AnnounceRequest a;
      a.info_hash = Workload::info_hash(plan.torrent);
      a.peer_id = Workload::peer_id(c.source, plan.port);
      a.port = plan.port;
      a.left = plan.seeder ? 0 : 1'000'000;
      a.event = plan.event;
      a.numwant = plan.numwant;
      c.out += m_o.announce_path;
      c.out += '?';
      c.out += encode_announce_query(a);
    }
    c.out += " HTTP/1.1\r\nHost: ";
    c.out += m_host;
    c.out += "\r\nUser-Agent: shoal-bench\r\nAccept-Encoding: identity\r\n";
    if (!m_o.keep_alive) c.out += "Connection: close\r\n";
    c.out += "\r\n";
    c.out_done = 0;
    c.in.clear();
    c.parser.emplace();
    c.parser->body_limit(kMaxScrapeResponseSize);
    c.started = now;
    ++m_result.sent;
    c.reused = c.fd >= 0;
    c.got_bytes = false;
    if (c.fd < 0) {
      if (!open_conn(c)) return;
      c.state = ConnState::connecting;
      modify(c, EPOLLOUT);
      return;
    }
    c.state = ConnState::sending;
    write_some(c);
  }

  bool open_conn(Conn& c) {
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      note_error(detail::errno_text("socket", errno));
      return false;
    }
    int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (m_o.bind_sources) {
      // Let connect() pick the port by the whole 4-tuple, so each source address has its own
      // range of ephemeral ports.
      ::setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      const sockaddr_in local = detail::to_sockaddr(Workload::source_address(c.source), 0);
      if (::bind(c.fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
        note_error(detail::errno_text("bind to a 127.0.0.x source", errno));
        close_conn(c);
        return false;
      }
    }
    if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&m_target), sizeof m_target) != 0 &&
        errno != EINPROGRESS) {
      note_error(detail::errno_text("connect", errno));
      close_conn(c);
      return false;
    }
    ++m_result.connections_opened;
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.ptr = &c;
    ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, c.fd, &ev);
    return true;
  }

  void modify(Conn& c, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = &c;
    ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev);
  }

  void close_conn(Conn& c) {
    if (c.fd >= 0) ::close(c.fd);  // also removes it from the epoll set
    c.fd = -1;
    c.state = ConnState::idle;
  }

  void on_event(Conn& c, std::uint32_t events) {
    if (c.fd < 0) return;
    if (c.state == ConnState::connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        note_error(detail::errno_text("connect", err));
        close_conn(c);
        return;
      }
      c.state = ConnState::sending;
      write_some(c);
      return;
    }
    if (c.state == ConnState::sending && (events & EPOLLOUT)) {
      write_some(c);
      return;
    }
    if (c.state == ConnState::receiving && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) read_some(c);
  }

  void write_some(Conn& c) {
    while (c.out_done < c.out.size()) {
      const ssize_t w = ::send(c.fd, c.out.data() + c.out_done, c.out.size() - c.out_done, MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          modify(c, EPOLLOUT);
          return;
        }
        note_error(detail::errno_text("send", errno));
        close_conn(c);
        return;
      }
      c.out_done += static_cast<std::size_t>(w);
    }
    c.state = ConnState::receiving;
    modify(c, EPOLLIN);
  }

  void read_some(Conn& c) {
    while (true) {
      const ssize_t r = ::recv(c.fd, m_buffer.data(), m_buffer.size(), 0);
      if (r < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        note_error(detail::errno_text("receive", errno));
        close_conn(c);
        return;
      }
      boost::beast::error_code ec;
      if (r == 0 && c.reused && !c.got_bytes) {
        // The server closed a kept-alive connection without answering (opentracker answers
        // HTTP/1.1 without "Connection: close" and then closes): resend on a new connection, as
        // a browser or BitTorrent client does. The latency keeps counting from the first try.
        ::close(c.fd);
        c.fd = -1;
        c.reused = false;
        c.out_done = 0;
        if (!open_conn(c)) {
          c.state = ConnState::idle;
          return;
        }
        c.state = ConnState::connecting;
        return;
      }
      if (r == 0) {
        c.parser->put_eof(ec);
        if (ec || !c.parser->is_done()) {
          note_error("connection closed before a complete response");
          close_conn(c);
          return;
        }
        finish(c, now_ns());
        return;
      }
      c.got_bytes = true;
      c.in.append(m_buffer.data(), static_cast<std::size_t>(r));
      std::size_t used = 0;
      while (used < c.in.size() && !c.parser->is_done()) {
        const std::size_t n = c.parser->put(boost::asio::buffer(c.in.data() + used, c.in.size() - used), ec);
        used += n;
        if (ec == http::error::need_more) {
          ec = {};
          break;
        }
        if (ec) break;
        if (n == 0) break;
      }
      c.in.erase(0, used);
      if (ec) {
        note_error("bad HTTP response: " + ec.message());
        close_conn(c);
        return;
      }
      if (c.parser->is_done()) {
        finish(c, now_ns());
        return;
      }
    }
  }

  void finish(Conn& c, std::int64_t now) {
    ++m_result.responses;
    m_result.latency.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, now - c.started)));
    const auto& res = c.parser->get();
    if (res.result_int() != 200) {
      note_error("HTTP status " + std::to_string(res.result_int()));
    } else if (c.kind == RequestKind::scrape) {
      auto s = decode_scrape_response(res.body());
      if (!s) note_error("undecodable scrape: " + s.error().message());
      else if (s->failure_reason) note_error("failure: " + *s->failure_reason);
      else ++m_result.scrape_responses;
    } else {
      auto a = decode_announce_response(res.body());
      if (!a) {
        note_error("undecodable announce: " + a.error().message());
      } else if (a->failure_reason) {
        note_error("failure: " + *a->failure_reason);
      } else {
        ++m_result.announce_responses;
        m_result.announce_peers += a->peers.size();
      }
    }
    const bool reuse = m_o.keep_alive && res.keep_alive() && c.in.empty();
    if (reuse) {
      c.state = ConnState::idle;
      modify(c, 0);
    } else {
      close_conn(c);
    }
  }

  void note_error(std::string message) {
    ++m_result.errors;
    if (m_result.first_error.empty()) m_result.first_error = std::move(message);
  }

  const LoadOptions& m_o;
  Workload m_workload;
  int m_epoll = -1;
  sockaddr_in m_target{};
  std::string m_host;
  std::vector<std::unique_ptr<Conn>> m_conns;
  std::array<char, 65536> m_buffer{};
  double m_rate_per_ns = 0;
  std::int64_t m_start = 0;
  LoadResult m_result;
};

}  // namespace

LoadResult run_http_load(const LoadOptions& o) {
  if (auto bad = validate(o.workload)) throw std::runtime_error(*bad);
  if (o.threads == 0 || o.threads > o.workload.sources)
    throw std::runtime_error("--threads: must be 1..--sources");
  if (o.fill) throw std::runtime_error("fill mode is UDP only");
  if (!o.passkeys.empty()) throw std::runtime_error("--passkeys: UDP only for now");
  if (o.window == 0) throw std::runtime_error("--window: must be at least 1");
  std::vector<std::unique_ptr<HttpThread>> threads;
  for (std::uint32_t t = 0; t < o.threads; ++t) {
    std::vector<std::uint32_t> sources;
    for (std::uint32_t s = t; s < o.workload.sources; s += o.threads) sources.push_back(s);
    const std::uint32_t conns = o.window / o.threads + (t < o.window % o.threads ? 1 : 0);
    if (conns == 0) continue;
    threads.push_back(std::make_unique<HttpThread>(o, std::move(sources), conns, o.workload.seed + t));
    if (o.rate > 0) threads.back()->set_rate(o.rate / o.threads);
  }
  std::vector<LoadResult> results(threads.size());
  const std::int64_t start = now_ns();
  const std::int64_t deadline = start + static_cast<std::int64_t>(o.duration_seconds * 1e9);
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads.size(); ++t)
    workers.emplace_back([&, t] { results[t] = threads[t]->run(start, deadline); });
  for (auto& w : workers) w.join();
  LoadResult total;
  total.protocol = "http";
  total.target = o.target.to_string();
  for (const auto& r : results) total.merge(r);
  total.seconds = static_cast<double>(deadline - start) / 1e9;
  return total;
}

}  // namespace shoal::bench
