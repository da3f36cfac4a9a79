#pragma once
// Internals shared by the HTTP client (http_client.cpp) and the tracker client
// (tracker_client.cpp): error construction, name resolution with a deadline, text helpers.
#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/peer/tracker_client.hpp"
#include "shoal/proto/expected.hpp"

namespace shoal::peer::detail {

using Clock = std::chrono::steady_clock;

inline unexpected<TrackerError> failure(TrackerErrc code, std::string message) {
  return unexpected<TrackerError>(TrackerError{code, std::move(message)});
}

/// The body quoted in an error: printable ASCII kept, anything else as \xHH, cut to
/// kErrorBodyExcerptLength characters.
std::string excerpt(std::string_view body);

/// "1500 ms".
std::string millis(std::chrono::milliseconds d);

/// The addresses of url.host, in the resolver's order (an IP literal is its own result). The
/// lookup runs on a detached thread: getaddrinfo cannot be cancelled, and the caller's deadline
/// must hold even when the resolver hangs. `timeout` is only quoted in the timeout message.
expected<std::vector<boost::asio::ip::address>, TrackerError> resolve(
    const TrackerUrl& url, Clock::time_point deadline, std::chrono::milliseconds timeout);

/// "1.2.3.4:80", "[::1]:80".
std::string endpoint_text(const boost::asio::ip::address& a, std::uint16_t port);

}  // namespace shoal::peer::detail
