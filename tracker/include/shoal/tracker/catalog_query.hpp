#pragma once
// The catalog's search query parser: user text in, a safe SQLite FTS5 MATCH expression out.
//
//   CatalogQuery q = parse_catalog_query("The.Big.Show S01E0*");
//   q.match  // "\"the\" \"big\" \"show\" \"s01e0\"*"   (every term must match: implicit AND)
//   q.key    // "the big show s01e0"                       (see catalog_search_key)
//
// Why a parser at all: FTS5's query language has operators (AND OR NOT NEAR, '-', '^', '+'),
// column filters ("name:x", "{name paths}:x"), parentheses and quoted phrases. Passing user text
// through would let a stray quote or "NEAR(" turn a search into an SQL error (a 500 for a typo)
// and let anyone write queries as expensive as they like. So user text has no syntax here:
// - A term is a run of token characters: ASCII letters and digits and every non-ASCII character
//   except common punctuation and symbols (U+0080..U+00BF, U+00D7, U+00F7, U+2000..U+2BFF,
//   U+3000..U+303F, U+FE30..U+FE4F, U+FF00..U+FF0F). Everything else — spaces, '.', '_', '-',
//   quotes, parentheses, ':', '^', '+', '{', '}', invalid UTF-8 — separates terms. This mirrors
//   the catalog's FTS5 tokenizer (unicode61 with separators '._-', tracker_schema.cpp, migration 4),
//   so "The.Big.Show.S01E02.1080p" and "big show s01e02" give the same terms.
// - A term directly followed by '*' is a prefix term ("s01e0*"), if it is at least
//   kMinCatalogPrefixBytes long; a shorter one is searched as a whole word (a one-letter prefix
//   would scan the whole index). A '*' anywhere else is a separator.
// - ASCII letters are lower-cased (FTS5 folds case itself; the key needs it).
// - Every term is written as an FTS5 string ("term" or "term"*), so operator words (AND, OR, NOT,
//   NEAR) are searched as words, and terms are joined by spaces (implicit AND).
// - Bounds: the input is cut at kMaxCatalogQueryBytes, a term at kMaxCatalogTermBytes (at a
//   character boundary), and terms after the kMaxCatalogQueryTerms-th are dropped.
// A query without terms (empty, only punctuation) gives an empty `match`: the caller lists the
// latest torrents instead of searching (CatalogStore::search).
//
// Pure functions without I/O or global state: safe to fuzz.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::tracker {

inline constexpr std::size_t kMaxCatalogQueryBytes = 512;
inline constexpr std::size_t kMaxCatalogQueryTerms = 16;
inline constexpr std::size_t kMaxCatalogTermBytes = 64;
inline constexpr std::size_t kMinCatalogPrefixBytes = 2;

struct CatalogQueryTerm {
  std::string text;     ///< token characters only, ASCII lower-cased; never empty
  bool prefix = false;  ///< matches every word starting with `text`
  friend bool operator==(const CatalogQueryTerm&, const CatalogQueryTerm&) = default;
};

struct CatalogQuery {
  std::vector<CatalogQueryTerm> terms;
  /// The FTS5 MATCH expression; empty when there are no terms.
  std::string match;
  /// The terms joined by single spaces (prefix marks dropped): compared with a torrent's
  /// catalog_search_key(name) to rank an exact name match first.
  std::string key;
  bool empty() const noexcept { return terms.empty(); }
};

/// Parses user search text (any bytes) into terms and a MATCH expression (see the header).
CatalogQuery parse_catalog_query(std::string_view text);

/// The words of `text` as the parser sees them (same token characters, ASCII lower-cased, no
/// length or count limits), joined by single spaces: "The.Big_Show - 2024" -> "the big show 2024".
/// The catalog stores it per torrent name for the exact-name ranking tier. Differences from the
/// FTS tokenizer that only affect that tier: non-ASCII letters are not case-folded and diacritics
/// are kept ("Café" does not give "cafe").
std::string catalog_search_key(std::string_view text);

}  // namespace shoal::tracker
