#include "shoal/tracker/access_list.hpp"

#include <gtest/gtest.h>

#include <thread>

using namespace shoal;
using namespace shoal::tracker;

TEST(AccessList, PublicModeServesAllButDenied) {
  AccessList list(TrackerMode::public_mode);
  EXPECT_FALSE(list.refuse(sha1("a")));
  list.replace({}, {sha1("bad")});
  EXPECT_EQ(list.refuse(sha1("bad")), AccessList::kDeniedReason);
  EXPECT_FALSE(list.refuse(sha1("a")));
}

TEST(AccessList, ListedModeServesOnlyAllowedAndDenyWins) {
  AccessList list(TrackerMode::listed);
  EXPECT_EQ(list.refuse(sha1("a")), AccessList::kUnlistedReason);
  list.replace({sha1("a"), sha1("b")}, {sha1("b")});
  EXPECT_FALSE(list.refuse(sha1("a")));
  EXPECT_EQ(list.refuse(sha1("b")), AccessList::kDeniedReason);
  EXPECT_EQ(list.allowed_count(), 2u);
  EXPECT_EQ(list.denied_count(), 1u);
  list.replace({}, {});
  EXPECT_EQ(list.refuse(sha1("a")), AccessList::kUnlistedReason);
}

TEST(AccessList, ReloadWhileReading) {
  AccessList list(TrackerMode::listed);
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) {
      auto r = list.refuse(sha1("a"));
      // Either state is fine; a torn state (crash, garbage) is not.
      if (r) {
        ASSERT_EQ(*r, AccessList::kUnlistedReason);
      }
    }
  });
  for (int i = 0; i < 2000; ++i) list.replace(i % 2 ? std::vector{sha1("a")} : std::vector<Sha1Digest>{}, {});
  stop = true;
  reader.join();
}
