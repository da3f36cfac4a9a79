#include "shoal/server/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace shoal::server {
namespace {

using namespace std::chrono_literals;
const RateClock::time_point t0{};

TEST(RateLimiterTest, BurstThenSustainedRate) {
  RateLimiter limiter(2.0, 5);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(limiter.acquire("a", t0), 0u) << i;
  EXPECT_EQ(limiter.acquire("a", t0), 1u);  // refused, about half a second: rounded up to 1
  EXPECT_EQ(limiter.acquire("b", t0), 0u);  // keys are independent
  EXPECT_EQ(limiter.acquire("a", t0 + 500ms), 0u);
  EXPECT_GT(limiter.acquire("a", t0 + 500ms), 0u);
  // A long pause refills only up to the burst.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(limiter.acquire("a", t0 + 1h), 0u);
  EXPECT_GT(limiter.acquire("a", t0 + 1h), 0u);
}

TEST(RateLimiterTest, RetryAfterGrowsWithTheDeficit) {
  RateLimiter slow(0.1, 1);  // one request per ten seconds
  EXPECT_EQ(slow.acquire("a", t0), 0u);
  EXPECT_EQ(slow.acquire("a", t0), 10u);
  EXPECT_EQ(slow.acquire("a", t0 + 4s), 6u);
  EXPECT_EQ(slow.acquire("a", t0 + 10s), 0u);
}

TEST(RateLimiterTest, CostTakesSeveralTokensOrNone) {
  RateLimiter limiter(10.0, 100);
  EXPECT_EQ(limiter.acquire("a", t0, 60), 0u);
  EXPECT_EQ(limiter.acquire("a", t0, 60), 2u);  // 40 left: 20 short at 10/s; nothing taken
  EXPECT_EQ(limiter.acquire("a", t0, 40), 0u);  // so all 40 are still there
  EXPECT_GT(limiter.acquire("a", t0, 1), 0u);
  // A cost above the burst is charged as the whole burst, so it can succeed once full.
  EXPECT_EQ(limiter.acquire("b", t0, 1000), 0u);
  EXPECT_GT(limiter.acquire("b", t0, 1), 0u);
}

TEST(RateLimiterTest, ZeroRateDisables) {
  RateLimiter off(0, 1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(off.acquire("a", t0), 0u);
  EXPECT_EQ(off.tracked_keys(), 0u);
}

TEST(RateLimiterTest, BoundedKeys) {
  RateLimiter limiter(1.0, 2, 10);
  for (int i = 0; i < 100; ++i) limiter.acquire("k" + std::to_string(i), t0 + std::chrono::milliseconds(i));
  EXPECT_LE(limiter.tracked_keys(), 10u);
}

TEST(LoginThrottleTest, LocksAfterMaxFailuresWithinTheWindow) {
  LoginThrottle throttle(3, 60s, 300s);
  EXPECT_EQ(throttle.retry_after("alice", t0), 0u);
  throttle.record_failure("alice", t0);
  throttle.record_failure("alice", t0 + 1s);
  EXPECT_EQ(throttle.retry_after("alice", t0 + 2s), 0u);
  throttle.record_failure("alice", t0 + 2s);
  EXPECT_EQ(throttle.retry_after("alice", t0 + 2s), 300u);
  EXPECT_EQ(throttle.retry_after("alice", t0 + 102s), 200u);
  EXPECT_EQ(throttle.retry_after("bob", t0 + 2s), 0u);
  EXPECT_EQ(throttle.retry_after("alice", t0 + 302s), 0u);
}

TEST(LoginThrottleTest, FailuresOutsideTheWindowDoNotAddUp) {
  LoginThrottle throttle(3, 60s, 300s);
  throttle.record_failure("a", t0);
  throttle.record_failure("a", t0 + 10s);
  throttle.record_failure("a", t0 + 100s);  // the window of the first two is over
  EXPECT_EQ(throttle.retry_after("a", t0 + 100s), 0u);
}

TEST(LoginThrottleTest, SuccessClears) {
  LoginThrottle throttle(2, 60s, 300s);
  throttle.record_failure("a", t0);
  throttle.record_success("a");
  throttle.record_failure("a", t0 + 1s);
  EXPECT_EQ(throttle.retry_after("a", t0 + 1s), 0u);
  EXPECT_EQ(throttle.tracked_keys(), 1u);
}

TEST(LoginThrottleTest, BoundedKeys) {
  LoginThrottle throttle(5, 60s, 60s, 8);
  for (int i = 0; i < 50; ++i) throttle.record_failure(std::to_string(i), t0 + std::chrono::seconds(i));
  EXPECT_LE(throttle.tracked_keys(), 8u);
}

}  // namespace
}  // namespace shoal::server
