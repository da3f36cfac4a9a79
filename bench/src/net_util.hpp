#pragma once
// Internal helpers of the socket layer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "shoal/proto/peer_endpoint.hpp"

namespace shoal::bench::detail {

inline std::int64_t now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

inline sockaddr_in to_sockaddr(const IpAddress& address, std::uint16_t port) {
  if (!address.is_v4()) throw std::runtime_error("shoal-bench: only IPv4 targets are supported");
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(address.v4_value());
  return sa;
}

inline std::string errno_text(const char* what, int err) {
  return std::string("shoal-bench: ") + what + ": " + std::strerror(err);
}

}  // namespace shoal::bench::detail
