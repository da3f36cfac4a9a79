#pragma once
// CatalogWorkload: a synthetic torrent catalog and the searches people run against one, for the
// catalog load (`shoal-bench catalog`, catalog_load.hpp). Deterministic for a seed.
//
// Names look like release names: Title.Words.YEAR.QUALITY.SOURCE.CODEC-GROUP, the title words
// drawn from a vocabulary of kTitleWords made-up words with Zipf(1) popularity (a few words are
// in thousands of names, most in a handful), quality/source/codec from short lists (so "1080p"
// matches about a third of the catalog: the expensive search), a few files per entry.
//
// The request mix (weights of CatalogMix) covers what hits a catalog: a popular word, a rare
// word, a two-word title, a prefix ("bra*"), a word with a category filter, a word sorted by
// newest, and details of a random id.
//
//   CatalogWorkload w(100000, 42);
//   nlohmann::json batch = w.ingest_batch(0, 100);     // {"items": [...]} for POST /api/v1/ingest
//   CatalogRequest r = w.next_request(rng);            // target + kind

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace shoal::bench {

inline constexpr std::size_t kTitleWords = 5000;

enum class CatalogRequestKind : std::uint8_t {
  common_word,   ///< a word in about a third of the names ("1080p", "x264", "web-dl")
  rare_word,     ///< a tail word of the title vocabulary
  two_words,     ///< two title words of one entry
  prefix,        ///< the first three letters of a title word, "abc*"
  category,      ///< a popular title word within one category
  newest,        ///< a popular title word, sort=newest
  details,       ///< GET /api/v1/torrents/{id}
  count_
};
std::string_view to_string(CatalogRequestKind kind) noexcept;

/// Weights of the request kinds (relative; 0 turns a kind off).
struct CatalogMix {
  double weight[static_cast<std::size_t>(CatalogRequestKind::count_)] = {1, 2, 2, 1, 1, 1, 4};
};

struct CatalogRequest {
  CatalogRequestKind kind = CatalogRequestKind::details;
  std::string target;  ///< path and query
};

class CatalogWorkload {
public:
  /// A catalog of `entries` rows (ids 1..entries once ingested into an empty catalog).
  CatalogWorkload(std::uint64_t entries, std::uint64_t seed, CatalogMix mix = {});

  /// Entry `i` (0-based) as an ingest item: 40-hex v1 hash, name, size, files, category.
  nlohmann::json item(std::uint64_t i) const;
  /// {"items": [item(first) .. item(first + count - 1)]}
  nlohmann::json ingest_batch(std::uint64_t first, std::uint64_t count) const;
  /// The name of entry `i` (as item(i)["name"]).
  std::string name(std::uint64_t i) const;

  /// The next request of the mix.
  CatalogRequest next_request(std::mt19937_64& rng) const;

  std::uint64_t entries() const noexcept { return m_entries; }
  /// The made-up title word `rank` (0 = most popular).
  static std::string title_word(std::size_t rank);

private:
  std::size_t zipf_word(std::mt19937_64& rng) const;

  std::uint64_t m_entries;
  std::uint64_t m_seed;
  CatalogMix m_mix;
};

}  // namespace shoal::bench
