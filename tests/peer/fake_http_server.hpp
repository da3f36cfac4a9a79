#pragma once
// Test support for HTTP clients: loopback sockets and a scripted HTTP server
// (tracker_client_test.cpp, http_client_test.cpp).
//
//   FakeHttpServer fake([](const std::string& target) {
//     return http_response(404, "Not Found", "nothing at " + target);
//   });
//   client.get(fake.url("/x.torrent"), ...);
//   fake.targets();  // {"/x.torrent"}
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
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

// A scripted HTTP server: every connection gets the response `script(request_target)` (a raw
// HTTP response) and is closed. Targets are recorded.
class FakeHttpServer {
public:
  using Script = std::function<std::string(const std::string& target)>;

  explicit FakeHttpServer(Script script) : m_script(std::move(script)) {
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
    return m_targets;
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
      const auto sp1 = head.find(' ');
      const auto sp2 = head.find(' ', sp1 + 1);
      const std::string target =
          sp1 == std::string::npos || sp2 == std::string::npos ? "" : head.substr(sp1 + 1, sp2 - sp1 - 1);
      {
        std::lock_guard lock(m_mutex);
        m_targets.push_back(target);
      }
      const std::string reply = m_script(target);
      std::size_t off = 0;
      while (off < reply.size()) {
        const ssize_t n = ::send(conn.get(), reply.data() + off, reply.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
      }
      ::shutdown(conn.get(), SHUT_WR);
    }
  }

  Script m_script;
  Fd m_fd;
  std::uint16_t m_port = 0;
  std::atomic<bool> m_stop{false};
  mutable std::mutex m_mutex;
  std::vector<std::string> m_targets;
  std::thread m_thread;
};

inline std::string http_response(int status, std::string_view reason, std::string_view body,
                          std::string_view extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + std::string(extra_headers) +
         "Connection: close\r\n\r\n" + std::string(body);
}

}  // namespace shoal::test
