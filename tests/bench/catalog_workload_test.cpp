// CatalogWorkload (bench/include/shoal/bench/catalog_workload.hpp): the synthetic catalog is
// deterministic, its items are what POST /api/v1/ingest takes, its words are skewed as
// documented, and the request mix follows its weights.
#include "shoal/bench/catalog_workload.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace shoal::bench {
namespace {

TEST(CatalogWorkload, ItemsAreDeterministicIngestItems) {
  const CatalogWorkload a(1000, 7), b(1000, 7), other(1000, 8);
  EXPECT_EQ(a.item(5), b.item(5));
  EXPECT_NE(a.item(5), other.item(5));
  std::set<std::string> hashes, names;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    const auto item = a.item(i);
    const std::string hash = item["info_hash_v1"];
    EXPECT_EQ(hash.size(), 40u);
    EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos) << hash;
    hashes.insert(hash);
    names.insert(item["name"].get<std::string>());
    EXPECT_EQ(item["name"], a.name(i));
    std::int64_t sum = 0;
    for (const auto& f : item["files"]) sum += f["size"].get<std::int64_t>();
    EXPECT_EQ(item["size"].get<std::int64_t>(), sum);
    EXPECT_GE(item["files"].size(), 1u);
  }
  EXPECT_EQ(hashes.size(), 1000u);  // unique: every item is created, none is "exists"
  EXPECT_GT(names.size(), 990u);
  EXPECT_EQ(a.ingest_batch(990, 100)["items"].size(), 10u);  // stops at the catalog's end
}

TEST(CatalogWorkload, CommonWordsAreCommonAndTitleWordsSkewed) {
  const CatalogWorkload w(4000, 1);
  int with_1080p = 0;
  std::map<std::string, int> first_words;
  for (std::uint64_t i = 0; i < 4000; ++i) {
    const std::string n = w.name(i);
    if (n.find(".1080p.") != std::string::npos) ++with_1080p;
    ++first_words[n.substr(0, n.find('.'))];
  }
  EXPECT_GT(with_1080p, 700);   // about a quarter
  EXPECT_LT(with_1080p, 1300);
  EXPECT_GT(first_words[CatalogWorkload::title_word(0)], 100);  // the most popular word
  EXPECT_GT(first_words.size(), 500u);                           // and a long tail
}

TEST(CatalogWorkload, RequestsFollowTheMix) {
  CatalogMix mix;
  for (auto& w : mix.weight) w = 0;
  mix.weight[static_cast<std::size_t>(CatalogRequestKind::details)] = 1;
  mix.weight[static_cast<std::size_t>(CatalogRequestKind::prefix)] = 1;
  const CatalogWorkload w(100, 3, mix);
  std::mt19937_64 rng(9);
  int details = 0, prefix = 0;
  for (int i = 0; i < 2000; ++i) {
    const auto r = w.next_request(rng);
    if (r.kind == CatalogRequestKind::details) {
      ++details;
      EXPECT_TRUE(r.target.starts_with("/api/v1/torrents/")) << r.target;
    } else {
      ASSERT_EQ(r.kind, CatalogRequestKind::prefix);
      ++prefix;
      EXPECT_TRUE(r.target.ends_with("*")) << r.target;
    }
  }
  EXPECT_GT(details, 850);
  EXPECT_GT(prefix, 850);
}

}  // namespace
}  // namespace shoal::bench
