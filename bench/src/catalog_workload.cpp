#include "shoal/bench/catalog_workload.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

namespace shoal::bench {

namespace {

constexpr std::array<std::string_view, 4> kQualities = {"1080p", "720p", "2160p", "480p"};
constexpr std::array<std::string_view, 4> kSources = {"WEB-DL", "BluRay", "HDTV", "WEBRip"};
constexpr std::array<std::string_view, 3> kCodecs = {"x264", "x265", "HEVC"};
constexpr std::array<std::int64_t, 8> kCategories = {2040, 2045, 5040, 5030, 3040, 4050, 7020, 1000};

/// splitmix64: a well-mixed 64-bit value of (seed, i, salt), so item(i) needs no state.
std::uint64_t mix64(std::uint64_t seed, std::uint64_t i, std::uint64_t salt) {
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ULL + i * 0xBF58476D1CE4E5B9ULL + salt * 0x94D049BB133111EBULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// Zipf(1) rank in [0, n) from a uniform u in [0, 1), by the inverse of the CDF's integral
/// approximation (rank ~ n^u - 1): popular ranks often, the tail rarely.
std::size_t zipf_rank(double u, std::size_t n) {
  const double r = std::pow(static_cast<double>(n) + 1.0, u) - 1.0;
  return std::min(n - 1, static_cast<std::size_t>(r));
}

double unit(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

}  // namespace

std::string_view to_string(CatalogRequestKind kind) noexcept {
  switch (kind) {
    case CatalogRequestKind::common_word: return "common word";
    case CatalogRequestKind::rare_word: return "rare word";
    case CatalogRequestKind::two_words: return "two words";
    case CatalogRequestKind::prefix: return "prefix";
    case CatalogRequestKind::category: return "word + category";
    case CatalogRequestKind::newest: return "word, newest";
    case CatalogRequestKind::details: return "details";
    case CatalogRequestKind::count_: break;
  }
  return "?";
}

CatalogWorkload::CatalogWorkload(std::uint64_t entries, std::uint64_t seed, CatalogMix mix)
    : m_entries(std::max<std::uint64_t>(entries, 1)), m_seed(seed), m_mix(mix) {}

std::string CatalogWorkload::title_word(std::size_t rank) {
  // Pronounceable, distinct for every rank: consonant-vowel syllables from the rank's digits.
  static constexpr std::string_view kConsonants = "bcdfghklmnprstvz";
  static constexpr std::string_view kVowels = "aeiou";
  std::string w;
  std::size_t v = rank + 1;
  do {
    w += kConsonants[v % kConsonants.size()];
    v /= kConsonants.size();
    w += kVowels[v % kVowels.size()];
    v /= kVowels.size();
  } while (v > 0);
  w[0] = static_cast<char>(w[0] - 'a' + 'A');
  return w;
}

std::string CatalogWorkload::name(std::uint64_t i) const {
  const std::size_t words = 1 + mix64(m_seed, i, 1) % 3;
  std::string n;
  for (std::size_t k = 0; k < words; ++k) {
    if (k) n += '.';
    n += title_word(zipf_rank(unit(mix64(m_seed, i, 10 + k)), kTitleWords));
  }
  const std::uint64_t h = mix64(m_seed, i, 2);
  n += fmt::format(".{}.{}.{}.{}-{}", 1980 + h % 45, kQualities[(h >> 8) % kQualities.size()],
                   kSources[(h >> 16) % kSources.size()], kCodecs[(h >> 24) % kCodecs.size()],
                   title_word(200 + (h >> 32) % 300));
  return n;
}

nlohmann::json CatalogWorkload::item(std::uint64_t i) const {
  const std::string n = name(i);
  const std::uint64_t h = mix64(m_seed, i, 3);
  nlohmann::json files = nlohmann::json::array();
  const std::size_t count = 1 + h % 4;
  std::int64_t size = 0;
  for (std::size_t f = 0; f < count; ++f) {
    const std::int64_t s = static_cast<std::int64_t>(100'000'000 + mix64(m_seed, i, 20 + f) % 4'000'000'000ULL);
    size += s;
    files.push_back({{"path", fmt::format("{}/{}.part{}.mkv", n, n, f + 1)}, {"size", s}});
  }
  return {{"info_hash_v1", fmt::format("{:016x}{:016x}{:08x}", mix64(m_seed, i, 4), mix64(m_seed, i, 5),
                                       static_cast<std::uint32_t>(i))},
          {"name", n},
          {"size", size},
          {"files", std::move(files)},
          {"category", kCategories[(h >> 8) % kCategories.size()]}};
}

nlohmann::json CatalogWorkload::ingest_batch(std::uint64_t first, std::uint64_t count) const {
  nlohmann::json items = nlohmann::json::array();
  for (std::uint64_t i = first; i < first + count && i < m_entries; ++i) items.push_back(item(i));
  return {{"items", std::move(items)}};
}

std::size_t CatalogWorkload::zipf_word(std::mt19937_64& rng) const {
  return zipf_rank(unit(rng()), kTitleWords);
}

CatalogRequest CatalogWorkload::next_request(std::mt19937_64& rng) const {
  double total = 0;
  for (double w : m_mix.weight) total += std::max(0.0, w);
  double pick = unit(rng()) * total;
  auto kind = CatalogRequestKind::details;
  for (std::size_t k = 0; k < static_cast<std::size_t>(CatalogRequestKind::count_); ++k) {
    const double w = std::max(0.0, m_mix.weight[k]);
    if (pick < w) {
      kind = static_cast<CatalogRequestKind>(k);
      break;
    }
    pick -= w;
  }
  CatalogRequest r{kind, {}};
  const std::string search = "/api/v1/torrents/search?limit=25&q=";
  switch (kind) {
    case CatalogRequestKind::common_word:
      r.target = search + std::string(std::array<std::string_view, 3>{"1080p", "x264", "web-dl"}[rng() % 3]);
      break;
    case CatalogRequestKind::rare_word:
      r.target = search + title_word(kTitleWords / 2 + rng() % (kTitleWords / 2));
      break;
    case CatalogRequestKind::two_words: {
      // Two title words of one entry, as someone looking for that title types them.
      const std::string n = name(rng() % m_entries);
      const auto dot = n.find('.');
      const std::string first = n.substr(0, dot);
      const std::string rest = n.substr(dot + 1, n.find('.', dot + 1) - dot - 1);
      r.target = search + first + "+" + rest;
      break;
    }
    case CatalogRequestKind::prefix: r.target = search + title_word(zipf_word(rng)).substr(0, 3) + "*"; break;
    case CatalogRequestKind::category:
      r.target = search + title_word(zipf_word(rng)) + "&category=" + std::to_string(kCategories[rng() % 4]);
      break;
    case CatalogRequestKind::newest: r.target = search + title_word(zipf_word(rng)) + "&sort=newest"; break;
    case CatalogRequestKind::details:
    case CatalogRequestKind::count_:
      r.kind = CatalogRequestKind::details;
      r.target = "/api/v1/torrents/" + std::to_string(1 + rng() % m_entries);
      break;
  }
  return r;
}

}  // namespace shoal::bench
