#include "shoal/bench/catalog_load.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace shoal::bench {

namespace {

using Clock = std::chrono::steady_clock;

/// One keep-alive HTTP/1.1 connection with blocking I/O.
class Connection {
public:
  explicit Connection(const PeerEndpoint& target) : m_target(target) {}
  ~Connection() { close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Sends one request and reads the answer; the status (0 when the connection broke, after
  /// which the next call reconnects).
  int request(const std::string& method, const std::string& target, const std::string& headers,
              const std::string& body, std::string* answer = nullptr) {
    if (m_fd < 0 && !connect()) return 0;
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: " + m_target.address.to_string() + ":" +
                      std::to_string(m_target.port) + "\r\n" + headers;
    if (!body.empty()) req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    if (!send_all(req)) return fail();
    // Header, then Content-Length bytes.
    std::size_t header_end;
    while ((header_end = m_buffer.find("\r\n\r\n")) == std::string::npos)
      if (!receive()) return fail();
    const std::string head = m_buffer.substr(0, header_end);
    int status = 0;
    if (std::sscanf(head.c_str(), "HTTP/1.%*d %d", &status) != 1) return fail();
    std::size_t length = 0;
    for (std::size_t at = 0; (at = head.find('\n', at)) != std::string::npos;) {
      ++at;
      if (head.size() - at > 15 && strncasecmp(head.c_str() + at, "content-length:", 15) == 0)
        length = std::strtoull(head.c_str() + at + 15, nullptr, 10);
    }
    while (m_buffer.size() < header_end + 4 + length)
      if (!receive()) return fail();
    if (answer != nullptr) *answer = m_buffer.substr(header_end + 4, length);
    m_buffer.erase(0, header_end + 4 + length);
    if (head.find("Connection: close") != std::string::npos || head.find("connection: close") != std::string::npos)
      close();
    return status;
  }

private:
  bool connect() {
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_fd < 0) return false;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(m_target.port);
    std::memcpy(&sa.sin_addr, m_target.address.bytes().data(), 4);
    if (::connect(m_fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
      close();
      return false;
    }
    const int one = 1;
    ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{10, 0};
    ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return true;
  }
  bool send_all(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::send(m_fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  bool receive() {
    char chunk[16384];
    for (;;) {
      const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      m_buffer.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
  }
  int fail() {
    close();
    return 0;
  }
  void close() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
    m_buffer.clear();
  }

  PeerEndpoint m_target;
  int m_fd = -1;
  std::string m_buffer;
};

constexpr std::size_t kKinds = static_cast<std::size_t>(CatalogRequestKind::count_);

}  // namespace

CatalogLoadResult run_catalog_load(const CatalogLoadOptions& o) {
  if (!o.target.is_v4() || o.target.port == 0) throw std::runtime_error("--target: an IPv4 host:port");
  if (o.clients == 0) throw std::runtime_error("--clients: at least 1");
  CatalogLoadResult result;
  result.clients = o.clients;
  result.rate = o.rate;
  const std::uint64_t entries = o.entries > 0 ? o.entries : o.fill;
  if (entries == 0) throw std::runtime_error("--entries (or --fill): how many catalog rows to assume");
  const CatalogWorkload workload(entries, o.seed, o.mix);
  const std::string auth = o.api_key.empty() ? "" : "Authorization: Bearer " + o.api_key + "\r\n";

  if (o.fill > 0) {
    const auto start = Clock::now();
    Connection c(o.target);
    for (std::uint64_t first = 0; first < o.fill; first += 100) {
      std::string answer;
      const int status = c.request("POST", "/api/v1/ingest", auth,
                                   workload.ingest_batch(first, std::min<std::uint64_t>(100, o.fill - first)).dump(),
                                   &answer);
      if (status != 200)
        throw std::runtime_error(fmt::format("fill: POST /api/v1/ingest answered {} at entry {}: {}", status,
                                             first, answer.substr(0, 300)));
      result.filled += std::min<std::uint64_t>(100, o.fill - first);
    }
    result.fill_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  }

  std::vector<std::vector<CatalogKindResult>> per_thread(o.clients, std::vector<CatalogKindResult>(kKinds));
  std::atomic<bool> go{false};
  const auto duration = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration_seconds));
  Clock::time_point start;
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < o.clients; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(o.seed * 1000 + t);
      Connection c(o.target);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      const auto end = start + duration;
      // Open loop: this client's share of the rate, first sends spread over one period.
      const auto period = o.rate > 0 ? std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(o.clients / o.rate))
                                     : Clock::duration::zero();
      auto scheduled = start + period * t / o.clients;
      while (true) {
        if (o.rate > 0) {
          if (scheduled >= end) break;
          std::this_thread::sleep_until(scheduled);
        } else if (Clock::now() >= end) {
          break;
        }
        const auto req = workload.next_request(rng);
        const auto sent = o.rate > 0 ? scheduled : Clock::now();
        const int status = c.request("GET", req.target, auth, "");
        auto& k = per_thread[t][static_cast<std::size_t>(req.kind)];
        ++k.requests;
        if (status != 200) ++k.errors;
        k.latency.record(static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - sent).count()));
        scheduled += period;
      }
    });
  }
  start = Clock::now();
  go.store(true, std::memory_order_release);
  for (auto& th : threads) th.join();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.kinds.resize(kKinds);
  for (const auto& thread : per_thread)
    for (std::size_t k = 0; k < kKinds; ++k) {
      result.kinds[k].requests += thread[k].requests;
      result.kinds[k].errors += thread[k].errors;
      result.kinds[k].latency.merge(thread[k].latency);
      if (k != static_cast<std::size_t>(CatalogRequestKind::details)) {
        result.searches.requests += thread[k].requests;
        result.searches.errors += thread[k].errors;
        result.searches.latency.merge(thread[k].latency);
      }
    }
  return result;
}

namespace {

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

std::string row(std::string_view name, const CatalogKindResult& k, double seconds) {
  return fmt::format("{:<18} {:>9} {:>7} {:>9.0f} {:>8.2f} {:>8.2f} {:>8.2f} {:>8.2f}\n", name, k.requests,
                     k.errors, seconds > 0 ? static_cast<double>(k.requests) / seconds : 0.0,
                     ms(k.latency.percentile(0.5)), ms(k.latency.percentile(0.99)),
                     ms(k.latency.percentile(0.999)), ms(k.latency.max()));
}

nlohmann::json kind_json(const CatalogKindResult& k, double seconds) {
  return {{"requests", k.requests},
          {"errors", k.errors},
          {"per_second", seconds > 0 ? static_cast<double>(k.requests) / seconds : 0.0},
          {"p50_ms", ms(k.latency.percentile(0.5))},
          {"p99_ms", ms(k.latency.percentile(0.99))},
          {"p999_ms", ms(k.latency.percentile(0.999))},
          {"max_ms", ms(k.latency.max())}};
}

}  // namespace

std::string to_text(const CatalogLoadResult& r) {
  std::string out;
  if (r.filled > 0)
    out += fmt::format("filled {} entries in {:.1f} s ({:.0f}/s)\n", r.filled, r.fill_seconds,
                       r.fill_seconds > 0 ? static_cast<double>(r.filled) / r.fill_seconds : 0.0);
  out += fmt::format("{} clients, {}, {:.1f} s\n", r.clients,
                     r.rate > 0 ? fmt::format("open loop at {:.0f} requests/s", r.rate) : std::string("closed loop"),
                     r.seconds);
  out += fmt::format("{:<18} {:>9} {:>7} {:>9} {:>8} {:>8} {:>8} {:>8}\n", "kind", "requests", "errors", "per s",
                     "p50 ms", "p99 ms", "p999 ms", "max ms");
  for (std::size_t k = 0; k < r.kinds.size(); ++k)
    out += row(to_string(static_cast<CatalogRequestKind>(k)), r.kinds[k], r.seconds);
  out += row("all searches", r.searches, r.seconds);
  return out;
}

std::string to_json(const CatalogLoadResult& r) {
  nlohmann::json kinds = nlohmann::json::object();
  for (std::size_t k = 0; k < r.kinds.size(); ++k)
    kinds[std::string(to_string(static_cast<CatalogRequestKind>(k)))] = kind_json(r.kinds[k], r.seconds);
  return nlohmann::json{{"filled", r.filled},
                        {"fill_seconds", r.fill_seconds},
                        {"seconds", r.seconds},
                        {"clients", r.clients},
                        {"rate", r.rate},
                        {"kinds", kinds},
                        {"searches", kind_json(r.searches, r.seconds)}}
      .dump();
}

}  // namespace shoal::bench
