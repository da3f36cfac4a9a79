#pragma once
// Test support for HTTP clients: loopback sockets and a scripted HTTP server
// (tracker_client_test.cpp, http_client_test.cpp).
//
//   FakeHttpServer fake([](const std::string& target) {
//     return http_response(404, "Not Found", "nothing at " + target);
//   });
//   client.get(fake.url("/x.torrent"), ...);
//   fake.targets();  // {"/x.torrent"}
//
// A script may take the whole request instead (method, target, headers, body — the body read by
// its Content-Length), and requests() records them all:
//
//   FakeHttpServer api([](const FakeHttpRequest& r) {
//     return http_response(201, "Created", "{\"echo\":" + r.body + "}");
//   });
//   api.requests()[0].header("authorization");  // "Bearer sk_..."
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace shoal::test {

using namespace std::chrono_literals;

// ---- sockets for the fakes ------------------------------------------------------------------

class Fd {
public:
  explicit Fd(int fd = -1) : m_fd(fd) {}
  Fd(Fd&& o) noexcept : m_fd(std::exchange(o.m_fd, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      m_fd = std::exchange(o.m_fd, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return m_fd; }
  void reset() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
  }

private:
  int m_fd;
};

// A socket of `type` bound to 127.0.0.1 on an ephemeral port; *port receives the port.
inline Fd bind_loopback(int type, std::uint16_t* port) {
  Fd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd.get() < 0 || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ADD_FAILURE() << "bind: " << std::strerror(errno);
    return Fd();
  }
  socklen_t len = sizeof a;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return fd;
}

// A loopback port with nothing listening (bound once, then closed).
inline std::uint16_t unused_port(int type) {
  std::uint16_t port = 0;
  bind_loopback(type, &port);
  return port;
}

inline bool readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

/// One request as the fake received it.
struct FakeHttpRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
  std::string body;                                          // Content-Length bytes ("" if none)

  /// The first header called `name` (case-insensitive), or "" when absent.
  std::string header(std::string_view name) const {
    auto lower = [](std::string_view t) {
      std::string out(t);
      std::transform(out.begin(), out.end(), out.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      return out;
    };
    for (const auto& [n, v] : headers)
      if (lower(n) == lower(name)) return v;
    return "";
  }
  /// How many headers are called `name` (case-insensitive).
  std::size_t header_count(std::string_view name) const {
    std::size_t count = 0;
    for (const auto& [n, v] : headers)
      if (n.size() == name.size() &&
          std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
          }))
        ++count;
    return count;
  }
};

// A scripted HTTP server: every connection gets the response `script(request_target)` (or
// `script(request)`: a raw HTTP response) and is closed. Targets and requests are recorded.
class FakeHttpServer {
public:
  using Script = std::function<std::string(const std::string& target)>;
  using RequestScript = std::function<std::string(const FakeHttpRequest& request)>;

  explicit FakeHttpServer(Script script)
      : FakeHttpServer(RequestScript([s = std::move(script)](const FakeHttpRequest& r) {
          return s(r.target);
        })) {}
  explicit FakeHttpServer(RequestScript script) : m_script(std::move(script)) {
    m_fd = bind_loopback(SOCK_STREAM, &m_port);
    ::listen(m_fd.get(), 16);
    m_thread = std::thread([this] { serve(); });
  }
  ~FakeHttpServer() {
    m_stop = true;
    m_thread.join();
  }
  std::uint16_t port() const { return m_port; }
  std::string url(const std::string& target) const {
    return "http://127.0.0.1:" + std::to_string(m_port) + target;
  }
  std::vector<std::string> targets() const {
    std::lock_guard lock(m_mutex);
    std::vector<std::string> out;
    for (const auto& r : m_requests) out.push_back(r.target);
    return out;
  }
  std::vector<FakeHttpRequest> requests() const {
    std::lock_guard lock(m_mutex);
    return m_requests;
  }

private:
  void serve() {
    while (!m_stop) {
      if (!readable(m_fd.get(), 50ms)) continue;
      Fd conn(::accept4(m_fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (conn.get() < 0) continue;
      std::string head;
      char buf[4096];
      while (head.find("\r\n\r\n") == std::string::npos && readable(conn.get(), 5000ms)) {
        const ssize_t n = ::recv(conn.get(), buf, sizeof buf, 0);
        if (n <= 0) break;
        head.append(buf, static_cast<std::size_t>(n));
      }
      FakeHttpRequest request = parse_request(head);
      // The body: Content-Length bytes after the header (some may have come with it).
      const auto head_end = head.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        std::size_t length = 0;
        if (const std::string cl = request.header("content-length"); !cl.empty())
          length = static_cast<std::size_t>(std::stoull(cl));
        std::string body = head.substr(head_end + 4);
        while (body.size() < length && readable(conn.get(), 5000ms)) {
          const ssize_t n = ::recv(conn.get(), buf, sizeof buf, 0);
          if (n <= 0) break;
          body.append(buf, static_cast<std::size_t>(n));
        }
        request.body = body.substr(0, length);
      }
      {
        std::lock_guard lock(m_mutex);
        m_requests.push_back(request);
      }
      const std::string reply = m_script(request);
      std::size_t off = 0;
      while (off < reply.size()) {
        const ssize_t n = ::send(conn.get(), reply.data() + off, reply.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
      }
      ::shutdown(conn.get(), SHUT_WR);
    }
  }

  /// Request line and header fields (up to the blank line) of `head`.
  static FakeHttpRequest parse_request(const std::string& head) {
    FakeHttpRequest r;
    const auto line_end = head.find("\r\n");
    const std::string line = head.substr(0, line_end);
    const auto sp1 = line.find(' ');
    const auto sp2 = line.find(' ', sp1 + 1);
    if (sp1 != std::string::npos && sp2 != std::string::npos) {
      r.method = line.substr(0, sp1);
      r.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    }
    const auto head_end = head.find("\r\n\r\n");
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (head_end != std::string::npos && pos < head_end) {
      const auto end = head.find("\r\n", pos);
      const std::string field = head.substr(pos, end - pos);
      const auto colon = field.find(':');
      if (colon != std::string::npos) {
        std::string value = field.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
        r.headers.emplace_back(field.substr(0, colon), value);
      }
      pos = end + 2;
    }
    return r;
  }

  RequestScript m_script;
  Fd m_fd;
  std::uint16_t m_port = 0;
  std::atomic<bool> m_stop{false};
  mutable std::mutex m_mutex;
  std::vector<FakeHttpRequest> m_requests;
  std::thread m_thread;
};

inline std::string http_response(int status, std::string_view reason, std::string_view body,
                          std::string_view extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + std::string(extra_headers) +
         "Connection: close\r\n\r\n" + std::string(body);
}

}  // namespace shoal::test
