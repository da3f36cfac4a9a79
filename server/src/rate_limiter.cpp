#include "shoal/server/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace shoal::server {

namespace {

std::uint32_t whole_seconds_at_least_one(double seconds) {
  const double s = std::ceil(std::max(seconds, 1.0));
  return s > 1e9 ? 1'000'000'000u : static_cast<std::uint32_t>(s);
}

}  // namespace

RateLimiter::RateLimiter(double per_second, double burst, std::size_t max_keys)
    : m_per_second(std::max(per_second, 0.0)),
      m_burst(std::max(burst, 1.0)),
      m_max_keys(std::max<std::size_t>(max_keys, 1)) {}

std::uint32_t RateLimiter::acquire(std::string_view key, RateClock::time_point now, double cost) {
  if (m_per_second <= 0) return 0;
  cost = std::clamp(cost, 0.0, m_burst);
  std::lock_guard lock(m_mutex);
  auto it = m_buckets.find(std::string(key));
  if (it == m_buckets.end()) {
    if (m_buckets.size() >= m_max_keys) make_room(now);
    it = m_buckets.emplace(std::string(key), Bucket{m_burst, now}).first;
  }
  Bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.updated).count();
  if (elapsed > 0) {
    b.tokens = std::min(m_burst, b.tokens + elapsed * m_per_second);
    b.updated = now;
  }
  if (b.tokens >= cost) {
    b.tokens -= cost;
    return 0;
  }
  return whole_seconds_at_least_one((cost - b.tokens) / m_per_second);
}

void RateLimiter::make_room(RateClock::time_point now) {
  // A bucket that has refilled completely is the same as no bucket: drop those first.
  const double full_after = m_burst / m_per_second;
  std::erase_if(m_buckets, [&](const auto& kv) {
    return std::chrono::duration<double>(now - kv.second.updated).count() >= full_after;
  });
  if (m_buckets.size() < m_max_keys) return;
  auto oldest = std::min_element(m_buckets.begin(), m_buckets.end(), [](const auto& a, const auto& b) {
    return a.second.updated < b.second.updated;
  });
  m_buckets.erase(oldest);
}

std::size_t RateLimiter::tracked_keys() const {
  std::lock_guard lock(m_mutex);
  return m_buckets.size();
}

LoginThrottle::LoginThrottle(std::uint32_t max_failures, std::chrono::seconds window,
                             std::chrono::seconds lockout, std::size_t max_keys)
    : m_max_failures(max_failures),
      m_window(window),
      m_lockout(lockout),
      m_max_keys(std::max<std::size_t>(max_keys, 1)) {}

std::uint32_t LoginThrottle::retry_after(std::string_view key, RateClock::time_point now) const {
  if (m_max_failures == 0) return 0;
  std::lock_guard lock(m_mutex);
  auto it = m_entries.find(std::string(key));
  if (it == m_entries.end() || it->second.locked_until <= now) return 0;
  return whole_seconds_at_least_one(
      std::chrono::duration<double>(it->second.locked_until - now).count());
}

void LoginThrottle::record_failure(std::string_view key, RateClock::time_point now) {
  if (m_max_failures == 0) return;
  std::lock_guard lock(m_mutex);
  auto it = m_entries.find(std::string(key));
  if (it == m_entries.end()) {
    if (m_entries.size() >= m_max_keys) make_room(now);
    it = m_entries.emplace(std::string(key), Entry{0, now, {}}).first;
  }
  Entry& e = it->second;
  if (now - e.first_failure > m_window) {  // the old window is over: count afresh
    e.failures = 0;
    e.first_failure = now;
  }
  if (++e.failures >= m_max_failures) {
    e.locked_until = now + m_lockout;
    e.failures = 0;
    e.first_failure = now;
  }
}

void LoginThrottle::record_success(std::string_view key) {
  std::lock_guard lock(m_mutex);
  m_entries.erase(std::string(key));
}

void LoginThrottle::make_room(RateClock::time_point now) {
  std::erase_if(m_entries, [&](const auto& kv) {
    return kv.second.locked_until <= now && now - kv.second.first_failure > m_window;
  });
  if (m_entries.size() < m_max_keys) return;
  auto oldest = std::min_element(m_entries.begin(), m_entries.end(), [](const auto& a, const auto& b) {
    return a.second.first_failure < b.second.first_failure;
  });
  m_entries.erase(oldest);
}

std::size_t LoginThrottle::tracked_keys() const {
  std::lock_guard lock(m_mutex);
  return m_entries.size();
}

}  // namespace shoal::server
