#include "shoal/peer/sync_journal.hpp"

#include <gtest/gtest.h>

namespace shoal::peer {
namespace {

using json = nlohmann::json;

std::map<std::string, json> view(std::initializer_list<std::pair<const char*, int>> items) {
  std::map<std::string, json> out;
  for (auto [id, progress] : items) out[id] = {{"id", id}, {"progress", progress}};
  return out;
}

std::vector<std::string> ids(const std::vector<json>& objects) {
  std::vector<std::string> out;
  for (const auto& o : objects) out.push_back(o["id"]);
  return out;
}

TEST(SyncJournal, FirstSyncIsFullThenOnlyChanges) {
  SyncJournal j(1000);
  const auto r1 = j.update(view({{"a", 0}, {"b", 0}}));
  EXPECT_EQ(r1, 1001u);
  auto full = j.since(0);
  EXPECT_TRUE(full.full);
  EXPECT_EQ(ids(full.changed), (std::vector<std::string>{"a", "b"}));

  const auto r2 = j.update(view({{"a", 50}, {"b", 0}}));
  EXPECT_EQ(r2, 1002u);
  auto d = j.since(r1);
  EXPECT_FALSE(d.full);
  EXPECT_EQ(ids(d.changed), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(d.removed.empty());
  EXPECT_EQ(d.revision, r2);

  // Nothing changed: same revision, empty delta.
  EXPECT_EQ(j.update(view({{"a", 50}, {"b", 0}})), r2);
  auto none = j.since(r2);
  EXPECT_FALSE(none.full);
  EXPECT_TRUE(none.changed.empty());
  EXPECT_TRUE(none.removed.empty());
}

TEST(SyncJournal, RemovalsAndAdditions) {
  SyncJournal j(0);
  const auto r1 = j.update(view({{"a", 0}, {"b", 0}}));
  const auto r2 = j.update(view({{"b", 0}, {"c", 1}}));
  auto d = j.since(r1);
  EXPECT_EQ(ids(d.changed), (std::vector<std::string>{"c"}));
  EXPECT_EQ(d.removed, (std::vector<std::string>{"a"}));
  // A client that saw r2 sees neither again.
  auto later = j.since(r2);
  EXPECT_TRUE(later.changed.empty());
  EXPECT_TRUE(later.removed.empty());
  // A torrent removed and added again comes back as changed, and its removal still shows for a
  // client from before both.
  j.update(view({{"b", 0}, {"c", 1}, {"a", 0}}));
  auto again = j.since(r1);
  EXPECT_EQ(ids(again.changed), (std::vector<std::string>{"a", "c"}));
}

TEST(SyncJournal, UnknownOrForgottenRevisionsGetAFullAnswer) {
  SyncJournal j(5000);
  j.update(view({{"a", 0}}));
  EXPECT_TRUE(j.since(999'999).full);  // from a later instance of the daemon? start over
  EXPECT_TRUE(j.since(10).full);       // from an earlier instance
  const auto r = j.revision();
  // Forget removals: more than kMaxRemovals.
  std::map<std::string, json> many;
  for (std::size_t i = 0; i <= SyncJournal::kMaxRemovals + 1; ++i) many["t" + std::to_string(i)] = {{"id", i}};
  j.update(many);
  j.update({});
  auto d = j.since(r);
  EXPECT_TRUE(d.full);
  EXPECT_TRUE(d.changed.empty());
  EXPECT_TRUE(d.removed.empty());
}

}  // namespace
}  // namespace shoal::peer
