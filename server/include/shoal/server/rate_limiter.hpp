#pragma once
// In-memory rate limiting for the REST API: a token bucket per key (RateLimiter: API requests per
// client address or per credential) and a failure counter per key (LoginThrottle: failed sign-ins
// per account and per address). Both are plain logic: the caller passes the time, so tests drive
// them directly. Both are thread-safe (one mutex each) and bounded: at most `max_keys` keys are
// tracked; when full, idle keys are dropped first, then the oldest.
//
//   RateLimiter api(5.0, 20);                       // 5 requests/s sustained, bursts of 20
//   if (auto wait = api.acquire(client_key, now); wait > 0) return too_many_requests(wait);
//
//   LoginThrottle per_account(5, 15min, 15min);     // 5 failures in 15 min: locked for 15 min
//   if (auto wait = per_account.retry_after(name, now); wait > 0) return too_many_requests(wait);
//   ok ? per_account.record_success(name) : per_account.record_failure(name, now);
//
// State is not persisted: a restart forgets it (documented in docs/api.md).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace shoal::server {

using RateClock = std::chrono::steady_clock;

inline constexpr std::size_t kDefaultRateLimiterKeys = 100'000;

class RateLimiter {
public:
  /// `per_second` tokens are added per second up to `burst`; each request takes one. A
  /// per_second of 0 disables the limiter (acquire always allows).
  RateLimiter(double per_second, double burst, std::size_t max_keys = kDefaultRateLimiterKeys);

  /// 0 when the request may go ahead (`cost` tokens were taken); otherwise the whole seconds (at
  /// least 1) until they are available — the Retry-After value. A refused request takes no
  /// token. A cost above the burst is charged as the burst (it could never be allowed otherwise).
  std::uint32_t acquire(std::string_view key, RateClock::time_point now, double cost = 1.0);

  std::size_t tracked_keys() const;

private:
  struct Bucket {
    double tokens = 0;
    RateClock::time_point updated;
  };
  void make_room(RateClock::time_point now);

  double m_per_second;
  double m_burst;
  std::size_t m_max_keys;
  mutable std::mutex m_mutex;
  std::unordered_map<std::string, Bucket> m_buckets;
};

class LoginThrottle {
public:
  /// After `max_failures` failures within `window` (counted from the first of them), the key is
  /// locked for `lockout`; a success clears the key. max_failures 0 disables the throttle.
  LoginThrottle(std::uint32_t max_failures, std::chrono::seconds window,
                std::chrono::seconds lockout, std::size_t max_keys = kDefaultRateLimiterKeys);

  /// 0 when an attempt may be made; otherwise whole seconds (at least 1) until the lock ends.
  std::uint32_t retry_after(std::string_view key, RateClock::time_point now) const;
  void record_failure(std::string_view key, RateClock::time_point now);
  void record_success(std::string_view key);

  std::size_t tracked_keys() const;

private:
  struct Entry {
    std::uint32_t failures = 0;
    RateClock::time_point first_failure;
    RateClock::time_point locked_until;
  };
  void make_room(RateClock::time_point now);

  std::uint32_t m_max_failures;
  std::chrono::seconds m_window;
  std::chrono::seconds m_lockout;
  std::size_t m_max_keys;
  mutable std::mutex m_mutex;
  std::unordered_map<std::string, Entry> m_entries;
};

}  // namespace shoal::server
