// Persistence against a real SQLite file: what survives a restart and what does not.
#include "shoal/tracker/persistence.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

using namespace shoal;
using namespace shoal::tracker;

namespace {

std::filesystem::path temp_db() {
  auto dir = std::filesystem::temp_directory_path() /
             ("shoal-persist-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  return dir / "tracker.db";
}

PeerEndpoint ep(const char* t) { return *PeerEndpoint::parse(t); }

void announce(SwarmStore& s, const Sha1Digest& h, const char* peer, bool seeder, AnnounceEvent ev,
              std::uint32_t now) {
  std::string a, b;
  AnnounceParams p;
  p.info_hash = h;
  p.peer = ep(peer);
  p.seeder = seeder;
  p.event = ev;
  p.now = now;
  s.announce(p, a, b);
}

}  // namespace

TEST(Persistence, CompletedCountsAndSnapshotSurviveRestart) {
  const auto path = temp_db();
  const auto h = sha1("p1");
  {
    auto db = open_sqlite_storage(path);
    ASSERT_TRUE(db) << db.error();
    SwarmStore store({});
    AccessList access(TrackerMode::public_mode);
    Persistence p(**db, store, access, 1);
    ASSERT_TRUE(p.load());
    p.start();
    announce(store, h, "10.0.0.1:1", true, AnnounceEvent::completed, 1000);
    announce(store, h, "10.0.0.2:1", false, AnnounceEvent::started, 1000);
    ASSERT_TRUE(p.stop(true));
  }
  {
    auto db = open_sqlite_storage(path);
    ASSERT_TRUE(db);
    SwarmStore store({});
    AccessList access(TrackerMode::public_mode);
    Persistence p(**db, store, access, 1);
    auto summary = p.load();
    ASSERT_TRUE(summary) << summary.error();
    EXPECT_EQ(summary->snapshot_peers, 2u);
    EXPECT_EQ(store.scrape(h), (SwarmCounts{1, 1, 1}));
    ASSERT_TRUE(p.stop(false));  // an unclean stop: no snapshot this time
  }
  {
    auto db = open_sqlite_storage(path);
    ASSERT_TRUE(db);
    SwarmStore store({});
    AccessList access(TrackerMode::public_mode);
    Persistence p(**db, store, access, 1);
    ASSERT_TRUE(p.load());
    // The snapshot was consumed by the previous start; the completed count is permanent.
    EXPECT_EQ(store.scrape(h), (SwarmCounts{0, 0, 1}));
  }
  std::filesystem::remove_all(path.parent_path());
}

TEST(Persistence, WriterThreadFlushesWithoutStop) {
  const auto path = temp_db();
  const auto h = sha1("p2");
  auto db = open_sqlite_storage(path);
  ASSERT_TRUE(db);
  SwarmStore store({});
  AccessList access(TrackerMode::public_mode);
  Persistence p(**db, store, access, 1);
  ASSERT_TRUE(p.load());
  p.start();
  announce(store, h, "10.0.0.1:1", true, AnnounceEvent::completed, 1000);
  // A second connection (another process would do the same) sees the count within ~1 s.
  auto reader = open_sqlite_storage(path);
  ASSERT_TRUE(reader);
  bool seen = false;
  for (int i = 0; i < 50 && !seen; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto counts = (*reader)->load_completed();
    ASSERT_TRUE(counts);
    for (auto& [hash, c] : *counts) seen |= (hash == h && c == 1);
  }
  EXPECT_TRUE(seen);
  ASSERT_TRUE(p.stop(false));
  std::filesystem::remove_all(path.parent_path());
}

TEST(Persistence, ReloadListsAppliesDenyAndListedMode) {
  const auto path = temp_db();
  auto db = open_sqlite_storage(path);
  ASSERT_TRUE(db);
  SwarmStore store({});
  AccessList access(TrackerMode::listed);
  Persistence p(**db, store, access, 1);
  const auto a = sha1("a"), b = sha1("b");
  ASSERT_TRUE((*db)->add_to_list(AccessListKind::allow, a, "ok"));
  ASSERT_TRUE((*db)->add_to_list(AccessListKind::allow, b, "ok"));
  auto s = p.load();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->allowed, 2u);
  EXPECT_FALSE(access.refuse(b));
  announce(store, b, "10.0.0.1:1", true, AnnounceEvent::started, 1000);
  // Operator takes b off the allow list (another process), then SIGHUP → reload.
  auto other = open_sqlite_storage(path);
  ASSERT_TRUE(other);
  ASSERT_TRUE((*other)->remove_from_list(AccessListKind::allow, b));
  ASSERT_TRUE(p.reload_lists());
  EXPECT_TRUE(access.refuse(b));
  EXPECT_EQ(store.scrape(b), (SwarmCounts{}));  // its swarm is gone
  EXPECT_FALSE(access.refuse(a));
  std::filesystem::remove_all(path.parent_path());
}
