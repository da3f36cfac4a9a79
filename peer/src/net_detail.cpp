#include "net_detail.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

namespace shoal::peer::detail {

namespace net = boost::asio;
using error_code = boost::system::error_code;

std::string excerpt(std::string_view body) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char ch : body) {
    if (out.size() >= kErrorBodyExcerptLength) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f) {
      out += ch;
    } else if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string millis(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

// ---- name resolution ----------------------------------------------------------------------------

namespace {

/// Shared between the caller and the resolver thread, which may outlive the call.
struct ResolveState {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  int gai_error = 0;
  std::vector<net::ip::address> addresses;
};

void run_getaddrinfo(const std::shared_ptr<ResolveState>& state, const std::string& host,
                     bool datagram) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = datagram ? SOCK_DGRAM : SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* list = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
  std::vector<net::ip::address> found;
  try {
    for (addrinfo* ai = list; rc == 0 && ai != nullptr; ai = ai->ai_next) {
      net::ip::address a;
      if (ai->ai_family == AF_INET) {
        sockaddr_in sin;
        std::memcpy(&sin, ai->ai_addr, sizeof sin);
        net::ip::address_v4::bytes_type b;
        std::memcpy(b.data(), &sin.sin_addr, b.size());
        a = net::ip::address_v4(b);
      } else if (ai->ai_family == AF_INET6) {
        sockaddr_in6 sin6;
        std::memcpy(&sin6, ai->ai_addr, sizeof sin6);
        net::ip::address_v6::bytes_type b;
        std::memcpy(b.data(), &sin6.sin6_addr, b.size());
        a = net::ip::address_v6(b, sin6.sin6_scope_id);
      } else {
        continue;
      }
      if (std::find(found.begin(), found.end(), a) == found.end()) found.push_back(a);
    }
  } catch (...) {
    rc = EAI_MEMORY;
  }
  if (list != nullptr) ::freeaddrinfo(list);
  std::lock_guard lock(state->mutex);
  state->gai_error = rc;
  state->addresses = std::move(found);
  state->done = true;
  state->done_cv.notify_all();
}

}  // namespace

expected<std::vector<net::ip::address>, TrackerError> resolve(const TrackerUrl& url,
                                                              Clock::time_point deadline,
                                                              std::chrono::milliseconds timeout) {
  error_code ec;
  const auto literal = net::ip::make_address(url.host, ec);
  if (!ec) return std::vector<net::ip::address>{literal};

  auto state = std::make_shared<ResolveState>();
  std::thread(run_getaddrinfo, state, url.host, url.scheme == TrackerScheme::udp).detach();
  std::unique_lock lock(state->mutex);
  if (!state->done_cv.wait_until(lock, deadline, [&] { return state->done; }))
    return failure(TrackerErrc::timeout, url.redacted() + ": timed out after " + millis(timeout) +
                                             " resolving '" + url.host + "'");
  if (state->gai_error != 0)
    return failure(TrackerErrc::resolve_failed, url.redacted() + ": cannot resolve '" + url.host +
                                                    "': " + ::gai_strerror(state->gai_error));
  if (state->addresses.empty())
    return failure(TrackerErrc::resolve_failed,
                   url.redacted() + ": '" + url.host + "' has no IPv4 or IPv6 address");
  return std::move(state->addresses);
}

std::string endpoint_text(const net::ip::address& a, std::uint16_t port) {
  return a.is_v6() ? "[" + a.to_string() + "]:" + std::to_string(port)
                   : a.to_string() + ":" + std::to_string(port);
}


}  // namespace shoal::peer::detail
