#include "shoal/bench/request_window.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

using namespace shoal::bench;

TEST(RequestWindow, MatchesRepliesByTransactionId) {
  RequestWindow w(3);
  const auto a = w.add(RequestKind::connect, 100);
  const auto b = w.add(RequestKind::announce, 200);
  EXPECT_NE(a, b);
  EXPECT_EQ(w.size(), 2u);
  auto rb = w.complete(b);
  ASSERT_TRUE(rb.has_value());
  EXPECT_EQ(rb->kind, RequestKind::announce);
  EXPECT_EQ(rb->sent_ns, 200);
  EXPECT_FALSE(w.complete(b).has_value()) << "a duplicated reply must not match twice";
  EXPECT_FALSE(w.complete(0xdeadbeef).has_value());
  EXPECT_EQ(w.complete(a)->kind, RequestKind::connect);
  EXPECT_EQ(w.size(), 0u);
}

TEST(RequestWindow, FullAtCapacityAndIdsUniqueInFlight) {
  RequestWindow w(64);
  std::set<std::uint32_t> ids;
  for (int i = 0; i < 64; ++i) ids.insert(w.add(RequestKind::scrape, i));
  EXPECT_EQ(ids.size(), 64u);
  EXPECT_TRUE(w.full());
  w.complete(*ids.begin());
  EXPECT_FALSE(w.full());
}

TEST(RequestWindow, ExpiresOldRequestsAndIgnoresTheirLateReplies) {
  RequestWindow w(4);
  const auto old1 = w.add(RequestKind::announce, 1'000);
  const auto old2 = w.add(RequestKind::announce, 2'000);
  const auto fresh = w.add(RequestKind::announce, 9'000);
  EXPECT_EQ(w.expire(10'000, 8'000), 2u);  // sent at or before 2,000
  EXPECT_EQ(w.size(), 1u);
  // The freed slots are reused; a late reply to the expired requests matches nothing.
  const auto n1 = w.add(RequestKind::announce, 10'000);
  const auto n2 = w.add(RequestKind::announce, 10'000);
  EXPECT_FALSE(w.complete(old1).has_value());
  EXPECT_FALSE(w.complete(old2).has_value());
  EXPECT_TRUE(w.complete(fresh).has_value());
  EXPECT_TRUE(w.complete(n1).has_value());
  EXPECT_TRUE(w.complete(n2).has_value());
  EXPECT_EQ(w.expire(1'000'000, 1), 0u);
}

TEST(RequestWindow, RejectsBadCapacity) {
  EXPECT_THROW(RequestWindow(0), std::invalid_argument);
  EXPECT_THROW(RequestWindow(RequestWindow::kMaxCapacity + 1), std::invalid_argument);
}
