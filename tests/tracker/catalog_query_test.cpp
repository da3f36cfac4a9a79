// The catalog's search query parser: terms as the FTS5 tokenizer splits release names, prefix
// terms, bounds, and hostile input (FTS5 syntax, quotes, invalid UTF-8) that must always give an
// expression SQLite accepts and never an operator. The text hygiene helpers (catalog_text.hpp)
// are tested here too.
#include "shoal/tracker/catalog_query.hpp"

#include <gtest/gtest.h>

#include <sqlite3.h>

#include <string>

#include "shoal/tracker/catalog_text.hpp"
#include "shoal/tracker/sqlite.hpp"
#include "sqlite_test_util.hpp"

using namespace shoal::tracker;

namespace {

std::vector<std::string> texts(const CatalogQuery& q) {
  std::vector<std::string> out;
  for (const auto& t : q.terms) out.push_back(t.text + (t.prefix ? "*" : ""));
  return out;
}

using Terms = std::vector<std::string>;

// An in-memory FTS5 table with the catalog's tokenizer, to prove an expression is accepted.
class Fts {
public:
  Fts() {
    auto db = SqliteConnection::open(m_dir / "fts.db");
    EXPECT_TRUE(db) << db.error();
    m_db = std::move(*db);
    EXPECT_TRUE(m_db.exec("CREATE VIRTUAL TABLE f USING fts5(name, paths, tags, tokenize = "
                          "\"unicode61 remove_diacritics 2 separators '._-'\", prefix = '2 3');"
                          "INSERT INTO f (rowid, name, paths, tags) VALUES"
                          " (1, 'The.Big.Show.S01E02.1080p', 'The.Big.Show/ep_01-x.mkv', ''),"
                          " (2, 'NEAR AND OR NOT', '', '')"));
    auto q = m_db.prepare("SELECT rowid FROM f WHERE f MATCH ?1 ORDER BY rowid");
    EXPECT_TRUE(q) << q.error();
    m_query = std::move(*q);
  }
  // Rows matched, or an error text.
  std::string run(const std::string& match) {
    m_query.bind_text(1, match);
    std::string rows;
    while (true) {
      auto row = m_query.step();
      if (!row) return "error: " + row.error();
      if (!*row) break;
      rows += std::to_string(m_query.column_int64(0)) + ";";
    }
    return rows;
  }

private:
  testutil::TempDir m_dir;
  SqliteConnection m_db;
  SqliteStatement m_query;
};

}  // namespace

TEST(CatalogQuery, SplitsReleaseNamesLikeTheTokenizer) {
  auto q = parse_catalog_query("The.Big_Show-S01E02.1080p");
  EXPECT_EQ(texts(q), (Terms{"the", "big", "show", "s01e02", "1080p"}));
  EXPECT_EQ(q.match, R"("the" "big" "show" "s01e02" "1080p")");
  EXPECT_EQ(q.key, "the big show s01e02 1080p");
  EXPECT_EQ(catalog_search_key("The.Big_Show - S01E02.1080p"), q.key);
}

TEST(CatalogQuery, TrailingStarMakesAPrefixTerm) {
  auto q = parse_catalog_query("big s01e0*");
  EXPECT_EQ(texts(q), (Terms{"big", "s01e0*"}));
  EXPECT_EQ(q.match, R"("big" "s01e0"*)");
  EXPECT_EQ(q.key, "big s01e0");
  // Too short for a prefix: a whole word. A star elsewhere separates.
  EXPECT_EQ(texts(parse_catalog_query("s* a*b ab*c **")), (Terms{"s", "a", "b", "ab*", "c"}));
  EXPECT_EQ(texts(parse_catalog_query("*abc")), (Terms{"abc"}));
}

TEST(CatalogQuery, FtsSyntaxIsNeverSyntax) {
  struct Case {
    const char* input;
    Terms terms;
  } cases[] = {
      {R"("big show")", {"big", "show"}},
      {R"(big" OR "x)", {"big", "or", "x"}},
      {"NEAR(big show, 2)", {"near", "big", "show", "2"}},
      {"big AND NOT show", {"big", "and", "not", "show"}},
      {"name:big {name paths}:show", {"name", "big", "name", "paths", "show"}},
      {"-big ^show +x", {"big", "show", "x"}},
      {"(((big)))", {"big"}},
      {"big' OR 1=1 --", {"big", "or", "1", "1"}},
      {"\"\"\"\"", {}},
      {"", {}},
      {"   ...___---   ", {}},
      {"*", {}},
  };
  for (const auto& c : cases) {
    auto q = parse_catalog_query(c.input);
    EXPECT_EQ(texts(q), c.terms) << c.input;
    EXPECT_EQ(q.empty(), c.terms.empty()) << c.input;
    EXPECT_EQ(q.match.empty(), c.terms.empty()) << c.input;
  }
}

TEST(CatalogQuery, ExpressionsAreAcceptedAndFindTheRightRows) {
  Fts fts;
  EXPECT_EQ(fts.run(parse_catalog_query("big show s01e02").match), "1;");
  EXPECT_EQ(fts.run(parse_catalog_query("s01e0*").match), "1;");
  EXPECT_EQ(fts.run(parse_catalog_query("S01E02").match), "1;");
  EXPECT_EQ(fts.run(parse_catalog_query("ep 01 mkv").match), "1;");  // file paths
  EXPECT_EQ(fts.run(parse_catalog_query("s01e03").match), "");
  // Operator words are searched as words.
  EXPECT_EQ(fts.run(parse_catalog_query("NEAR").match), "2;");
  EXPECT_EQ(fts.run(parse_catalog_query("big OR near").match), "");  // AND of three words
  EXPECT_EQ(fts.run(parse_catalog_query("not and or").match), "2;");
}

TEST(CatalogQuery, HostileBytesAlwaysGiveAValidExpression) {
  Fts fts;
  std::uint32_t x = 2463534242u;  // xorshift32: deterministic noise
  using namespace std::string_literals;
  const std::string alphabet =
      "\"'()*:^+-{}., NEARORANDNOT\\\x00\x01\xff\xc3\xa9\xe2\x80\x94" "abc09"s;
  for (int round = 0; round < 2000; ++round) {
    std::string input;
    const int length = round % 40;
    for (int i = 0; i < length; ++i) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      input += alphabet[x % alphabet.size()];
    }
    auto q = parse_catalog_query(input);
    if (q.empty()) continue;
    EXPECT_EQ(fts.run(q.match).rfind("error", 0), std::string::npos) << q.match;
  }
}

TEST(CatalogQuery, NonAsciiLettersAreTermsAndPunctuationSeparates) {
  auto q = parse_catalog_query("Café\xe2\x80\x94" "del\xc2\xa0Mar \xe6\x97\xa5\xe6\x9c\xac");
  EXPECT_EQ(texts(q), (Terms{"café", "del", "mar", "\xe6\x97\xa5\xe6\x9c\xac"}));
  // Invalid UTF-8 separates, and never reaches the expression.
  auto bad = parse_catalog_query("big\xff\xfeshow\xc3");
  EXPECT_EQ(texts(bad), (Terms{"big", "show"}));
}

TEST(CatalogQuery, Bounds) {
  std::string many;
  for (int i = 0; i < 40; ++i) many += "w" + std::to_string(i) + " ";
  auto q = parse_catalog_query(many);
  ASSERT_EQ(q.terms.size(), kMaxCatalogQueryTerms);
  EXPECT_EQ(q.terms.back().text, "w15");

  auto longterm = parse_catalog_query(std::string(100, 'a'));
  ASSERT_EQ(longterm.terms.size(), 1u);
  EXPECT_EQ(longterm.terms[0].text.size(), kMaxCatalogTermBytes);
  // Cut at a character boundary: 40 two-byte letters cut to 32 of them, not 64 and a half.
  std::string accents;
  for (int i = 0; i < 40; ++i) accents += "\xc3\xa9";
  auto cut = parse_catalog_query("x" + accents);
  ASSERT_EQ(cut.terms.size(), 1u);
  EXPECT_EQ(cut.terms[0].text.size(), 63u);

  // Input beyond kMaxCatalogQueryBytes is ignored.
  auto huge = parse_catalog_query(std::string(kMaxCatalogQueryBytes, ' ') + "hidden");
  EXPECT_TRUE(huge.empty());
}

TEST(CatalogText, CleansToValidXmlText) {
  EXPECT_EQ(clean_catalog_text("Big\x01Show\x7f", CatalogTextMode::single_line), "Big Show");
  EXPECT_EQ(clean_catalog_text("  \t x \n ", CatalogTextMode::single_line), "x");
  EXPECT_EQ(clean_catalog_text("a\xff" "b", CatalogTextMode::single_line), "a\xef\xbf\xbd" "b");
  EXPECT_EQ(clean_catalog_text("a\r\nb\rc\td\x02", CatalogTextMode::multi_line), "a\nb\nc\td");
  // C1 controls, U+FFFE, an overlong '/', an encoded surrogate.
  EXPECT_EQ(clean_catalog_text("a\xc2\x85" "b\xef\xbf\xbe" "c\xc0\xaf" "d\xed\xa0\x80",
                               CatalogTextMode::multi_line),
            "ab" "c\xef\xbf\xbd\xef\xbf\xbd" "d\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(clean_catalog_text("日本 é", CatalogTextMode::single_line), "日本 é");
}
