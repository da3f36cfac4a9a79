#include "shoal/peer/maintenance_rules.hpp"

#include <gtest/gtest.h>

namespace shoal::peer {
namespace {

TorrentStatus seeding(double ratio, std::int64_t seeding_time = 0, std::int64_t completed = 1000) {
  TorrentStatus t;
  t.name = "x";
  t.has_metadata = true;
  t.state = TorrentState::seeding;
  t.progress = 1.0;
  t.total_done = t.total_wanted = 100;
  t.ratio = ratio;
  t.seeding_time = seeding_time;
  t.completion_time = completed;
  t.save_path = "/data/in";
  return t;
}

std::vector<MaintenanceAction::Kind> kinds(const std::vector<MaintenanceAction>& v) {
  std::vector<MaintenanceAction::Kind> out;
  for (const auto& a : v) out.push_back(a.kind);
  return out;
}

using K = MaintenanceAction::Kind;

TEST(MaintenanceRules, RatioAndSeedTimeStopExactlyAtTheLimit) {
  MaintenancePolicy p;
  p.defaults.stop_at_ratio = 2.0;
  EXPECT_TRUE(plan(seeding(1.99), "", {}, 2000, p).empty());
  auto at = plan(seeding(2.0), "", {}, 2000, p);
  ASSERT_EQ(kinds(at), std::vector<K>{K::stop});
  EXPECT_NE(at[0].reason.find("ratio 2.00"), std::string::npos) << at[0].reason;
  // a torrent with nothing done yet has ratio -1: never "reached"
  EXPECT_TRUE(plan(seeding(-1), "", {}, 2000, p).empty());

  MaintenancePolicy t;
  t.defaults.stop_after_seed_seconds = 3600;
  EXPECT_TRUE(plan(seeding(0, 3599), "", {}, 2000, t).empty());
  EXPECT_EQ(kinds(plan(seeding(0, 3600), "", {}, 2000, t)), std::vector<K>{K::stop});
}

TEST(MaintenanceRules, MemoKeepsActionsFromRepeating) {
  MaintenancePolicy p;
  p.defaults.stop_at_ratio = 1.0;
  p.defaults.move_completed_to = "/data/done";
  MaintenanceMemo memo;
  EXPECT_EQ(kinds(plan(seeding(1.5), "", memo, 2000, p)), (std::vector<K>{K::move, K::stop}));
  memo.moved = true;
  memo.stopped_by_rule = true;
  EXPECT_TRUE(plan(seeding(1.5), "", memo, 2000, p).empty());
  MaintenanceMemo in_flight;
  in_flight.move_in_flight = true;
  EXPECT_EQ(kinds(plan(seeding(0.5), "", in_flight, 2000, p)), std::vector<K>{});
  // already in the destination: no move
  auto there = seeding(0.5);
  there.save_path = "/data/done/";
  EXPECT_TRUE(plan(there, "", {}, 2000, p).empty());
  // paused torrents are not stopped again
  auto paused = seeding(5);
  paused.paused = true;
  EXPECT_EQ(kinds(plan(paused, "", {true, false, false}, 2000, p)), std::vector<K>{});
}

TEST(MaintenanceRules, RemoveAfterFinishedWinsAndCarriesWithData) {
  MaintenancePolicy p;
  p.defaults.stop_at_ratio = 1.0;
  p.defaults.remove_after_finished_seconds = 86400;
  p.defaults.remove_with_data = true;
  EXPECT_EQ(kinds(plan(seeding(5, 0, 1000), "", {}, 1000 + 86399, p)), std::vector<K>{K::stop});
  auto r = plan(seeding(5, 0, 1000), "", {}, 1000 + 86400, p);
  ASSERT_EQ(kinds(r), std::vector<K>{K::remove});
  EXPECT_TRUE(r[0].with_data);
}

TEST(MaintenanceRules, CategoryRulesOverrideFieldByField) {
  MaintenancePolicy p;
  p.defaults.stop_at_ratio = 2.0;
  p.defaults.move_completed_to = "/data/done";
  p.per_category["tv"].move_completed_to = "/media/tv";
  p.per_category["keep"].stop_at_ratio = 100.0;
  const auto tv = p.effective_rule("tv");
  EXPECT_EQ(*tv.move_completed_to, "/media/tv");
  EXPECT_EQ(*tv.stop_at_ratio, 2.0);
  EXPECT_EQ(*p.effective_rule("keep").stop_at_ratio, 100.0);
  EXPECT_EQ(*p.effective_rule("other").move_completed_to, "/data/done");
  auto a = plan(seeding(3), "tv", {}, 2000, p);
  ASSERT_EQ(kinds(a), (std::vector<K>{K::move, K::stop}));
  EXPECT_EQ(a[0].destination, "/media/tv");
  EXPECT_NE(a[1].reason.find("category tv"), std::string::npos);
  EXPECT_EQ(kinds(plan(seeding(3), "keep", {}, 2000, p)), std::vector<K>{K::move});
}

TEST(MaintenanceRules, NoActionForIncompleteErroredOrUnknownTorrents) {
  MaintenancePolicy p;
  p.defaults.stop_at_ratio = 0.1;
  p.defaults.move_completed_to = "/data/done";
  p.defaults.remove_after_finished_seconds = 0;
  auto downloading = seeding(5, 0, 0);
  downloading.state = TorrentState::downloading;
  downloading.total_done = 50;
  EXPECT_TRUE(plan(downloading, "", {}, 2000, p).empty());
  auto errored = seeding(5);
  errored.error = "disk full";
  EXPECT_TRUE(plan(errored, "", {}, 2000, p).empty());
  auto magnet = seeding(5);
  magnet.has_metadata = false;
  EXPECT_TRUE(plan(magnet, "", {}, 2000, p).empty());
  auto checking = seeding(5);
  checking.state = TorrentState::checking_files;
  EXPECT_TRUE(plan(checking, "", {}, 2000, p).empty());
}

TEST(MaintenanceRules, ValidationNamesTheBadField) {
  MaintenancePolicy p;
  EXPECT_FALSE(validate(p));
  p.defaults.stop_at_ratio = 0;
  EXPECT_NE(validate(p)->find("stop_at_ratio"), std::string::npos);
  p.defaults.stop_at_ratio = 1;
  p.per_category["tv"].move_completed_to = "relative/dir";
  EXPECT_NE(validate(p)->find("rules.category.tv.move_completed_to"), std::string::npos);
  p.per_category["tv"].move_completed_to = "/a/../b";
  EXPECT_NE(validate(p)->find(".."), std::string::npos);
  p.per_category["tv"].move_completed_to = "/a/b";
  p.defaults.remove_after_finished_seconds = -1;
  EXPECT_TRUE(validate(p));
}

TEST(MaintenanceLog, KeepsTheNewestEntries) {
  MaintenanceLog log(3);
  for (int i = 0; i < 5; ++i) log.add({i, "id", "n", {}, true, ""});
  auto e = log.entries();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e.front().time, 2);
  EXPECT_EQ(e.back().time, 4);
}

}  // namespace
}  // namespace shoal::peer
