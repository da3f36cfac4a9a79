#include "shoal/tracker/peer_table.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

using shoal::tracker::PeerTable;

namespace {

struct Rec {
  std::uint32_t address = 0;
  std::uint16_t port = 0;
  std::uint32_t payload = 0;
  bool same_key(const Rec& o) const { return address == o.address && port == o.port; }
  // Deliberately poor hash (few distinct values) to force long clusters and wrap-around.
  std::uint64_t key_hash(std::uint64_t) const { return address % 7; }
};

struct GoodRec : Rec {
  std::uint64_t key_hash(std::uint64_t seed) const {
    return shoal::tracker::mix64((std::uint64_t{address} << 16 | port) ^ seed);
  }
};

}  // namespace

TEST(PeerTable, EmptyTableOwnsNoMemory) {
  PeerTable<Rec> t;
  EXPECT_EQ(t.capacity(), 0u);
  EXPECT_EQ(t.find(Rec{1, 1, 0}, 0), nullptr);
  EXPECT_FALSE(t.erase(Rec{1, 1, 0}, 0));
  t.insert(Rec{1, 1, 5}, 0);
  EXPECT_EQ(t.capacity(), PeerTable<Rec>::kMinCapacity);
  EXPECT_TRUE(t.erase(Rec{1, 1, 0}, 0));
  EXPECT_EQ(t.capacity(), 0u);
  EXPECT_EQ(t.memory_bytes(), 0u);
}

TEST(PeerTable, KeyIsAddressAndPort) {
  PeerTable<Rec> t;
  t.insert(Rec{1, 6881, 1}, 0);
  t.insert(Rec{1, 6882, 2}, 0);
  t.insert(Rec{2, 6881, 3}, 0);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.find(Rec{1, 6882, 0}, 0)->payload, 2u);
  EXPECT_EQ(t.find(Rec{2, 6881, 0}, 0)->payload, 3u);
  EXPECT_EQ(t.find(Rec{2, 6882, 0}, 0), nullptr);
}

// Random operations against std::map as the model, with a colliding hash so that backward-shift
// deletion across wrap-around is exercised.
template <class R>
void random_model_check(unsigned seed_value) {
  PeerTable<R> t;
  std::map<std::pair<std::uint32_t, std::uint16_t>, std::uint32_t> model;
  std::mt19937 rng(seed_value);
  for (int step = 0; step < 20000; ++step) {
    R r;
    r.address = rng() % 64;
    r.port = static_cast<std::uint16_t>(1 + rng() % 4);
    r.payload = static_cast<std::uint32_t>(step);
    const auto key = std::make_pair(r.address, r.port);
    switch (rng() % 4) {
      case 0:
      case 1:
        if (!t.find(r, 42)) {
          t.insert(r, 42);
          model[key] = r.payload;
        }
        break;
      case 2:
        EXPECT_EQ(t.erase(r, 42), model.erase(key) == 1);
        break;
      case 3: {
        const std::uint32_t threshold = static_cast<std::uint32_t>(step) - 500;
        std::size_t expected = 0;
        for (auto it = model.begin(); it != model.end();) {
          if (it->second < threshold && it->first.first % 3 == 0) {
            it = model.erase(it);
            ++expected;
          } else {
            ++it;
          }
        }
        const auto removed = t.erase_if(
            [&](const R& x) { return x.payload < threshold && x.address % 3 == 0; }, 42);
        EXPECT_EQ(removed, expected);
        break;
      }
    }
    ASSERT_EQ(t.size(), model.size());
    if (step % 97 == 0) {
      for (const auto& [k, v] : model) {
        R probe;
        probe.address = k.first;
        probe.port = k.second;
        auto* found = t.find(probe, 42);
        ASSERT_NE(found, nullptr);
        EXPECT_EQ(found->payload, v);
      }
      std::size_t visited = 0;
      t.for_each([&](const R&) { ++visited; });
      EXPECT_EQ(visited, model.size());
      if (t.capacity()) {
        EXPECT_LE(t.size() * 4, t.capacity() * 3);  // load never above 3/4
      }
    }
  }
}

TEST(PeerTable, MatchesModelWithCollidingHash) { random_model_check<Rec>(1); }
TEST(PeerTable, MatchesModelWithGoodHash) { random_model_check<GoodRec>(2); }

TEST(PeerTable, ShrinksWhenMostlyEmpty) {
  PeerTable<GoodRec> t;
  for (std::uint32_t i = 1; i <= 1000; ++i) {
    GoodRec r;
    r.address = i;
    r.port = 1;
    t.insert(r, 7);
  }
  const auto big = t.capacity();
  EXPECT_GE(big, 1024u);
  t.erase_if([](const GoodRec& r) { return r.address > 10; }, 7);
  EXPECT_EQ(t.size(), 10u);
  EXPECT_LT(t.capacity(), big / 16);
}

TEST(PeerTable, VisitFromStopsAndWraps) {
  PeerTable<GoodRec> t;
  for (std::uint32_t i = 1; i <= 5; ++i) {
    GoodRec r;
    r.address = i;
    r.port = 9;
    t.insert(r, 3);
  }
  for (std::uint64_t start = 0; start < 16; ++start) {
    int n = 0;
    t.visit_from(start, [&](const GoodRec&) { return ++n < 3; });
    EXPECT_EQ(n, 3);
    n = 0;
    t.visit_from(start, [&](const GoodRec&) { ++n; return true; });
    EXPECT_EQ(n, 5);
  }
}

// visit_from walks 32-slot blocks: on a table of several blocks, from any start (aligned or
// not, near the end), it must visit exactly the records, in slot order from `start`, wrapping.
TEST(PeerTable, VisitFromMatchesSlotOrderAcrossBlocks) {
  PeerTable<GoodRec> t;
  for (std::uint32_t i = 1; i <= 300; ++i) {
    GoodRec r;
    r.address = i;
    r.port = static_cast<std::uint16_t>(1000 + i);
    t.insert(r, 11);
  }
  ASSERT_GE(t.capacity(), 512u);
  std::vector<std::uint32_t> slot_order;  // for_each visits in slot order from slot 0
  t.for_each([&](const GoodRec& r) { slot_order.push_back(r.address); });
  ASSERT_EQ(slot_order.size(), 300u);
  // The slot index of each record, to rotate the expected order to `start`.
  for (std::uint64_t start : {0ull, 1ull, 31ull, 32ull, 33ull, 200ull, 511ull, 1000ull + 512 * 3}) {
    std::vector<std::uint32_t> seen;
    t.visit_from(start, [&](const GoodRec& r) {
      seen.push_back(r.address);
      return true;
    });
    ASSERT_EQ(seen.size(), 300u) << "start " << start;
    // `seen` is a rotation of slot order: find where it starts and compare element by element.
    const auto pos = std::find(slot_order.begin(), slot_order.end(), seen.front()) - slot_order.begin();
    for (std::size_t k = 0; k < seen.size(); ++k)
      ASSERT_EQ(seen[k], slot_order[(static_cast<std::size_t>(pos) + k) % slot_order.size()])
          << "start " << start << " k " << k;
    // Stopping early: exactly the first 7 of that order.
    std::vector<std::uint32_t> first7;
    t.visit_from(start, [&](const GoodRec& r) {
      first7.push_back(r.address);
      return first7.size() < 7;
    });
    ASSERT_EQ(first7.size(), 7u);
    EXPECT_TRUE(std::equal(first7.begin(), first7.end(), seen.begin())) << "start " << start;
  }
}
