// CatalogStore on SQLite: the seeded categories, adding from the shared torrent corpus and from
// ingest data (idempotent by any info-hash, conflicts, validation that changes nothing), reading
// by id and hash, search (tokenising of release names, prefixes, file paths, tags, category
// filters, the ranking tiers and the recency tie-break), sorts, bounded and stable pagination,
// edit and delete keeping the index in step, and category administration.
#include "shoal/tracker/catalog_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>

#include "shoal/tracker/sqlite.hpp"
#include "shoal/tracker/tracker_schema.hpp"
#include "sqlite_test_util.hpp"

using namespace shoal;
using namespace shoal::tracker;
using ::testing::HasSubstr;

namespace {

std::string corpus(const std::string& name) {
  std::ifstream in(std::string(SHOAL_TESTDATA_DIR) + "/torrents/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Fixture {
  testutil::TempDir dir;
  std::filesystem::path path = dir / "tracker.db";
  std::int64_t now = 1'700'000'000;
  std::unique_ptr<CatalogStore> store;
  Fixture() {
    CatalogStoreOptions options;
    options.clock = [this] { return now; };
    auto s = open_sqlite_catalog_store(path, options);
    EXPECT_TRUE(s) << s.error().message;
    if (s) store = std::move(*s);
  }

  // Adds an ingest entry named `name` with a hash derived from `seed` (or from the name).
  CatalogTorrent ingest(const std::string& name, std::vector<CatalogFile> files = {},
                        std::int64_t category = kDefaultCatalogCategory,
                        std::vector<std::string> tags = {}, std::string seed = {}) {
    CatalogIngestItem item;
    item.info_hash_v1 = sha1(seed.empty() ? name : seed);
    item.name = name;
    item.files = std::move(files);
    item.category_id = category;
    item.tags = std::move(tags);
    auto r = store->add_ingest(item, std::nullopt);
    EXPECT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r && r->created) << name;
    return r ? r->torrent : CatalogTorrent{};
  }

  std::vector<std::string> names(const CatalogSearch& s) {
    auto page = store->search(s);
    EXPECT_TRUE(page) << page.error().message;
    std::vector<std::string> out;
    if (page)
      for (const auto& t : page->items) out.push_back(t.name);
    return out;
  }
  std::vector<std::string> names(const std::string& q) {
    CatalogSearch s;
    s.query = q;
    return names(s);
  }

  std::int64_t count() {
    CatalogSearch s;
    s.count_total = true;
    auto page = store->search(s);
    EXPECT_TRUE(page) << page.error().message;
    return page ? page->total.value_or(-1) : -1;
  }
};

using Names = std::vector<std::string>;

CatalogUpload upload_in(std::int64_t category) {
  CatalogUpload up;
  up.category_id = category;
  return up;
}

CatalogUpload private_only() {
  CatalogUpload up;
  up.require_private = true;
  return up;
}

CatalogIngestItem by_hashes(std::optional<Sha1Digest> v1, std::optional<Sha256Digest> v2,
                            std::string name) {
  CatalogIngestItem item;
  item.info_hash_v1 = v1;
  item.info_hash_v2 = v2;
  item.name = std::move(name);
  return item;
}

CatalogEdit rename_to(std::string name) {
  CatalogEdit e;
  e.name = std::move(name);
  return e;
}

}  // namespace

TEST(CatalogStore, MigrationSeedsTorznabCategories) {
  Fixture f;
  auto db = SqliteConnection::open(f.path);
  ASSERT_TRUE(db);
  EXPECT_EQ(*db->query_int64("PRAGMA user_version"), tracker_schema_version());
  auto cats = f.store->categories();
  ASSERT_TRUE(cats) << cats.error().message;
  std::map<std::int64_t, CatalogCategory> by_id;
  for (const auto& c : *cats) by_id[c.id] = c;
  for (auto [id, name] : {std::pair{2000, "Movies"}, {3000, "Audio"}, {4000, "PC"}, {5000, "TV"},
                          {7000, "Books"}, {8000, "Other"}}) {
    ASSERT_TRUE(by_id.contains(id)) << id;
    EXPECT_EQ(by_id[id].name, name);
    EXPECT_FALSE(by_id[id].parent_id);
  }
  ASSERT_TRUE(by_id.contains(5040));
  EXPECT_EQ(by_id[5040].name, "TV/HD");
  EXPECT_EQ(by_id[5040].parent_id, 5000);
}

TEST(CatalogStore, AddsTorrentFilesFromTheCorpus) {
  Fixture f;
  // Figures from manifest.json (libtorrent 2.0.8's reading of each file).
  struct Case {
    const char* file;
    const char* v1;
    const char* v2;
    const char* name;
    std::int64_t files;  // real files: manifest num_files less pad files (not catalogued)
  } cases[] = {
      {"sample.torrent", "58d8d15a4eb3bd9afabc9cee2564f78192777edb", nullptr, "sample", 2},
      {"v2.torrent", "c14199bbec64d0e9e439aa3b6b7639e666b86eca",
       "597b180c1a170a585dfc5e85d834d69013ceda174b8f357d5bb1a0ca509faf0a", "test64K", 1},
      {"v2_only.torrent", nullptr,
       "95e04d0c4bad94ab206efa884666fd89777dbe4f7bd9945af1829037a85c6192", "test1MB", 1},
      {"pad_file.torrent", "fa2d263afecd65b98640ae50d5b11d9d250d9e2a", nullptr, "temp", 1},
  };
  CatalogUpload up;
  up.category_id = 4000;
  up.tags = {"Test", "corpus"};
  up.description = "from the corpus";
  for (const auto& c : cases) {
    const std::string bytes = corpus(c.file);
    auto r = f.store->add_torrent_file(bytes, up);
    ASSERT_TRUE(r) << c.file << ": " << r.error().message;
    EXPECT_TRUE(r->created);
    const CatalogTorrent& t = r->torrent;
    EXPECT_EQ(t.info_hash_v1 ? t.info_hash_v1->hex() : "", c.v1 ? c.v1 : "") << c.file;
    EXPECT_EQ(t.info_hash_v2 ? t.info_hash_v2->hex() : "", c.v2 ? c.v2 : "") << c.file;
    EXPECT_EQ(t.name, c.name);
    EXPECT_EQ(t.file_count, c.files) << c.file;
    EXPECT_EQ(static_cast<std::int64_t>(t.files.size()), c.files);
    std::int64_t sum = 0;
    for (const auto& file : t.files) sum += file.size;
    EXPECT_EQ(t.size, sum) << c.file;
    EXPECT_EQ(t.category_id, 4000);
    EXPECT_EQ(t.tags, (std::vector<std::string>{"corpus", "test"}));
    EXPECT_EQ(t.description, "from the corpus");
    EXPECT_TRUE(t.has_torrent_file);
    EXPECT_EQ(t.created_at, f.now);
    auto blob = f.store->torrent_file(t.id);
    ASSERT_TRUE(blob);
    EXPECT_EQ(*blob, bytes);  // downloads get the exact bytes back

    // Found by each of its hashes, the truncated v2 included.
    if (t.info_hash_v1) {
      auto by = f.store->find(InfoHash{t.info_hash_v1, std::nullopt});
      ASSERT_TRUE(by && *by) << c.file;
      EXPECT_EQ((*by)->id, t.id);
    }
    if (t.info_hash_v2) {
      auto by = f.store->find(InfoHash{std::nullopt, t.info_hash_v2});
      ASSERT_TRUE(by && *by);
      EXPECT_EQ((*by)->id, t.id);
      auto by_tracker_id = f.store->find(InfoHash{t.swarm_key(), std::nullopt});
      ASSERT_TRUE(by_tracker_id && *by_tracker_id);
      EXPECT_EQ((*by_tracker_id)->id, t.id);
    }
    auto by_id = f.store->get(t.id);
    ASSERT_TRUE(by_id && *by_id);
    EXPECT_EQ(**by_id, t);
  }
  // sample.torrent's files are searchable by path.
  EXPECT_EQ(f.names("sample"), (Names{"sample"}));
  auto none = f.store->find(InfoHash{sha1("absent"), std::nullopt});
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST(CatalogStore, AddingIsIdempotentByAnyInfoHash) {
  Fixture f;
  const std::string bytes = corpus("v2.torrent");
  auto first = f.store->add_torrent_file(bytes, {});
  ASSERT_TRUE(first && first->created);
  f.now += 100;
  auto again = f.store->add_torrent_file(bytes, upload_in(2000));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->torrent, first->torrent);  // nothing changed, not even the category

  // An ingest entry with only the v2 hash, or only its truncation as v1: the same torrent.
  CatalogIngestItem by_v2 = by_hashes(std::nullopt, first->torrent.info_hash_v2, "other name");
  auto r = f.store->add_ingest(by_v2, std::nullopt);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->created);
  EXPECT_EQ(r->torrent.id, first->torrent.id);
  CatalogIngestItem by_truncated = by_hashes(first->torrent.swarm_key(), std::nullopt, "x");
  r = f.store->add_ingest(by_truncated, std::nullopt);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->created);

  // Hashes of two different catalog torrents: a conflict, and nothing is written.
  auto other = f.ingest("Other");
  CatalogIngestItem both = by_hashes(other.info_hash_v1, first->torrent.info_hash_v2, "both");
  r = f.store->add_ingest(both, std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, CatalogErrc::conflict);
  EXPECT_EQ(f.count(), 2);
}

TEST(CatalogStore, MetainfoWithoutFileAndPrivateMode) {
  Fixture f;
  auto m = parse_metainfo(corpus("sample.torrent"));
  ASSERT_TRUE(m);
  ASSERT_FALSE(m->is_private());
  auto refused = f.store->add_metainfo(*m, private_only());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, CatalogErrc::invalid);
  EXPECT_THAT(refused.error().message, HasSubstr("not private"));
  EXPECT_EQ(f.count(), 0);

  auto added = f.store->add_metainfo(*m, CatalogUpload{});
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_FALSE(added->torrent.has_torrent_file);
  auto blob = f.store->torrent_file(added->torrent.id);
  ASSERT_TRUE(blob);
  EXPECT_FALSE(*blob);
  auto missing = f.store->torrent_file(added->torrent.id + 1);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, CatalogErrc::not_found);

  auto bad = f.store->add_torrent_file("d4:infod4:name1:xee", {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, CatalogErrc::invalid);
  EXPECT_THAT(bad.error().message, HasSubstr("metainfo"));
  EXPECT_EQ(f.count(), 1);
}

TEST(CatalogStore, IngestValidatesAndDefaults) {
  Fixture f;
  CatalogIngestItem item;
  item.info_hash_v1 = sha1("x");
  item.name = "Album\x01Name\xff";
  item.files = {{"Album/01.flac", 100}, {"Album/02.flac", 50}};
  auto r = f.store->add_ingest(item, std::nullopt);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->torrent.name, "Album Name\xef\xbf\xbd");  // cleaned: valid UTF-8, no controls
  EXPECT_EQ(r->torrent.size, 150);                     // the sum of the files
  EXPECT_EQ(r->torrent.category_id, kDefaultCatalogCategory);
  EXPECT_FALSE(r->torrent.uploader_id);
  EXPECT_EQ(r->torrent.files, item.files);

  struct Bad {
    const char* why;
    CatalogIngestItem item;
  };
  auto base = [] {
    CatalogIngestItem i;
    i.info_hash_v1 = sha1("new");
    i.name = "ok";
    return i;
  };
  std::vector<Bad> bad;
  bad.push_back({"no hash", [&] { auto i = base(); i.info_hash_v1.reset(); return i; }()});
  bad.push_back({"empty name", [&] { auto i = base(); i.name = " \x01 "; return i; }()});
  bad.push_back({"long name", [&] { auto i = base(); i.name = std::string(1025, 'a'); return i; }()});
  bad.push_back({"negative size", [&] { auto i = base(); i.size = -1; return i; }()});
  bad.push_back({"size mismatch", [&] {
                   auto i = base();
                   i.size = 3;
                   i.files = {{"a", 1}};
                   return i;
                 }()});
  bad.push_back({"negative file", [&] { auto i = base(); i.files = {{"a", -1}}; return i; }()});
  bad.push_back({"empty path", [&] { auto i = base(); i.files = {{"\x02", 1}}; return i; }()});
  bad.push_back({"unknown category", [&] { auto i = base(); i.category_id = 1234; return i; }()});
  bad.push_back({"bad tag", [&] { auto i = base(); i.tags = {"a b"}; return i; }()});
  bad.push_back({"too many tags", [&] {
                   auto i = base();
                   for (int n = 0; n < 17; ++n) i.tags.push_back("t" + std::to_string(n));
                   return i;
                 }()});
  for (const auto& b : bad) {
    auto e = f.store->add_ingest(b.item, std::nullopt);
    ASSERT_FALSE(e) << b.why;
    EXPECT_EQ(e.error().code, CatalogErrc::invalid) << b.why << ": " << e.error().message;
  }
  EXPECT_EQ(f.count(), 1);  // nothing of the refused entries was written
}

TEST(CatalogStore, SearchTokenisesReleaseNamesAndFilePaths) {
  Fixture f;
  f.ingest("The.Big.Show.S01E02.1080p", {{"The.Big.Show.S01E02/episode_two.mkv", 10}}, 5040);
  f.ingest("The.Big.Show.S01E03.720p", {{"The.Big.Show.S01E03/episode-three.mkv", 10}}, 5030);
  f.ingest("Quiet.Film.2019", {{"Quiet.Film.2019/film.mkv", 10}}, 2040, {"x265"});

  EXPECT_EQ(f.names("big show s01e02"), (Names{"The.Big.Show.S01E02.1080p"}));
  EXPECT_EQ(f.names("S01E02"), (Names{"The.Big.Show.S01E02.1080p"}));
  EXPECT_EQ(f.names("s01e0*").size(), 2u);
  EXPECT_EQ(f.names("episode three"), (Names{"The.Big.Show.S01E03.720p"}));  // file path
  EXPECT_EQ(f.names("x265"), (Names{"Quiet.Film.2019"}));                    // tag
  EXPECT_TRUE(f.names("big film").empty());                                  // every term
  // FTS syntax in user text is text, never an error.
  for (const char* q : {"\"", "NEAR(big show)", "name:big", "big OR", "(", "*", "-big", "^show"}) {
    CatalogSearch s;
    s.query = q;
    EXPECT_TRUE(f.store->search(s)) << q;
  }

  // Category filters: a top-level id takes its subcategories.
  CatalogSearch tv;
  tv.query = "big";
  tv.categories = {5000};
  EXPECT_EQ(f.names(tv).size(), 2u);
  tv.categories = {5040};
  EXPECT_EQ(f.names(tv), (Names{"The.Big.Show.S01E02.1080p"}));
  tv.categories = {2000, 5030};
  tv.query = "";
  EXPECT_EQ(f.names(tv), (Names{"Quiet.Film.2019", "The.Big.Show.S01E03.720p"}));
  tv.categories = {9999};  // unknown: nothing, not an error
  EXPECT_TRUE(f.names(tv).empty());
}

TEST(CatalogStore, RankingExactNameThenScoreThenRecency) {
  Fixture f;
  // Same words, so the same bm25 score; the exact name is the oldest and still comes first.
  f.ingest("Big.Show", {}, 8000, {}, "exact");
  f.now += 10;
  f.ingest("Show.Big", {}, 8000, {}, "reversed");
  f.now += 10;
  f.ingest("Big.Show.Extended.Edition", {}, 8000, {}, "longer");
  EXPECT_EQ(f.names("big show"), (Names{"Big.Show", "Show.Big", "Big.Show.Extended.Edition"}));
  EXPECT_EQ(f.names("big.show")[0], "Big.Show");

  // Equal rank (same name, same files): newer first; same second: the higher id first.
  Fixture g;
  const auto old_one = g.ingest("Same.Name", {{"a.mkv", 1}}, 8000, {}, "1");
  g.now += 50;
  const auto new_one = g.ingest("Same.Name", {{"a.mkv", 1}}, 8000, {}, "2");
  const auto same_time = g.ingest("Same.Name", {{"a.mkv", 1}}, 8000, {}, "3");
  CatalogSearch s;
  s.query = "same name";
  auto page = g.store->search(s);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 3u);
  EXPECT_EQ(page->items[0].id, same_time.id);
  EXPECT_EQ(page->items[1].id, new_one.id);
  EXPECT_EQ(page->items[2].id, old_one.id);

  // A word in the name outranks the same word in a file path.
  Fixture h;
  h.ingest("Other.Thing", {{"Other.Thing/zebra.txt", 1}});
  h.now += 10;  // newer, so recency cannot be what puts the name match first
  h.ingest("Zebra", {{"Zebra/readme.txt", 1}});
  h.now += 10;
  h.ingest("Zebra.Crossing.Documentary", {{"x/y.txt", 1}});
  EXPECT_EQ(h.names("zebra"),
            (Names{"Zebra", "Zebra.Crossing.Documentary", "Other.Thing"}));
}

TEST(CatalogStore, SortsAndStablePagination) {
  Fixture f;
  std::set<std::string> all;
  for (int i = 0; i < 30; ++i) {
    const std::string name = "Item." + std::string(1, static_cast<char>('A' + i % 26)) +
                             std::to_string(i);
    f.ingest(name, {{"f", (i * 7) % 11}});
    all.insert(name);
    if (i % 3 == 0) f.now += 1;  // several rows share a second
  }
  for (CatalogSort sort :
       {CatalogSort::relevance, CatalogSort::newest, CatalogSort::size, CatalogSort::name}) {
    for (const char* q : {"", "item"}) {
      CatalogSearch whole;
      whole.query = q;
      whole.sort = sort;
      whole.limit = 100;
      const auto expected = f.names(whole);
      ASSERT_EQ(expected.size(), 30u);
      std::vector<std::string> paged;
      for (std::int64_t offset = 0; offset < 35; offset += 7) {
        CatalogSearch page = whole;
        page.limit = 7;
        page.offset = offset;
        page.count_total = true;
        auto p = f.store->search(page);
        ASSERT_TRUE(p) << p.error().message;
        EXPECT_EQ(p->total, 30);
        for (const auto& t : p->items) paged.push_back(t.name);
      }
      EXPECT_EQ(paged, expected) << to_string(sort) << " '" << q << "'";
      EXPECT_EQ(std::set<std::string>(paged.begin(), paged.end()), all);
    }
  }
  // The orders themselves.
  auto by = [&](CatalogSort sort) {
    CatalogSearch s;
    s.sort = sort;
    s.limit = 100;
    auto p = f.store->search(s);
    EXPECT_TRUE(p);
    return p ? p->items : std::vector<CatalogTorrent>{};
  };
  auto newest = by(CatalogSort::newest);
  for (std::size_t i = 1; i < newest.size(); ++i) {
    EXPECT_GE(newest[i - 1].created_at, newest[i].created_at);
    if (newest[i - 1].created_at == newest[i].created_at) {
      EXPECT_GT(newest[i - 1].id, newest[i].id);
    }
  }
  auto size = by(CatalogSort::size);
  for (std::size_t i = 1; i < size.size(); ++i) EXPECT_GE(size[i - 1].size, size[i].size);
  auto name = by(CatalogSort::name);
  EXPECT_EQ(name.front().name, "Item.A0");
  auto latest = f.store->latest({}, 5, 0);
  ASSERT_TRUE(latest);
  ASSERT_EQ(latest->items.size(), 5u);
  EXPECT_EQ(latest->items[0].id, newest[0].id);

  EXPECT_EQ(parse_catalog_sort("size"), CatalogSort::size);
  EXPECT_FALSE(parse_catalog_sort("SIZE; DROP TABLE"));
}

TEST(CatalogStore, PageBoundsAreEnforced) {
  Fixture f;
  f.ingest("One");
  const std::pair<std::int64_t, std::int64_t> bad[] = {
      {0, 0}, {-1, 0}, {kMaxCatalogLimit + 1, 0}, {1, -1}, {1, kMaxCatalogOffset + 1}};
  for (auto [limit, offset] : bad) {
    CatalogSearch s;
    s.limit = limit;
    s.offset = offset;
    auto p = f.store->search(s);
    ASSERT_FALSE(p) << limit << " " << offset;
    EXPECT_EQ(p.error().code, CatalogErrc::invalid);
    auto l = f.store->latest({}, limit, offset);
    ASSERT_FALSE(l);
    EXPECT_EQ(l.error().code, CatalogErrc::invalid);
  }
  CatalogSearch many;
  many.categories.assign(kMaxCatalogFilterCategories + 1, 5000);
  auto p = f.store->search(many);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, CatalogErrc::invalid);
  CatalogSearch edge;
  edge.limit = kMaxCatalogLimit;
  edge.offset = kMaxCatalogOffset;
  auto ok = f.store->search(edge);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->items.empty());
}

TEST(CatalogStore, EditAndRemoveKeepTheIndexInStep) {
  Fixture f;
  auto t = f.ingest("Old.Name", {{"dir/file.bin", 5}}, 8000, {"first"});
  CatalogEdit e;
  e.name = "New.Title";
  e.category_id = 4000;
  e.tags = std::vector<std::string>{"Second", "third"};
  e.description = "line 1\r\nline 2";
  auto edited = f.store->edit(t.id, e);
  ASSERT_TRUE(edited) << edited.error().message;
  EXPECT_EQ(edited->name, "New.Title");
  EXPECT_EQ(edited->category_id, 4000);
  EXPECT_EQ(edited->tags, (std::vector<std::string>{"second", "third"}));
  EXPECT_EQ(edited->description, "line 1\nline 2");
  EXPECT_EQ(edited->files, t.files);
  EXPECT_TRUE(f.names("old").empty());
  EXPECT_TRUE(f.names("first").empty());
  EXPECT_EQ(f.names("new title"), (Names{"New.Title"}));
  EXPECT_EQ(f.names("third"), (Names{"New.Title"}));
  EXPECT_EQ(f.names("file bin"), (Names{"New.Title"}));  // paths still indexed

  // Invalid edits change nothing.
  CatalogEdit bad_category;
  bad_category.category_id = 1234;
  bad_category.name = "Should.Not.Apply";
  auto r = f.store->edit(t.id, bad_category);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, CatalogErrc::invalid);
  CatalogEdit bad_tag;
  bad_tag.tags = std::vector<std::string>{"<b>"};
  ASSERT_FALSE(f.store->edit(t.id, bad_tag));
  auto now = f.store->get(t.id);
  ASSERT_TRUE(now && *now);
  EXPECT_EQ(**now, *edited);
  auto missing = f.store->edit(t.id + 100, rename_to("x"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, CatalogErrc::not_found);

  ASSERT_TRUE(f.store->remove(t.id));
  auto gone = f.store->get(t.id);
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
  EXPECT_TRUE(f.names("new").empty());
  auto again = f.store->remove(t.id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, CatalogErrc::not_found);
  auto db = SqliteConnection::open(f.path);
  ASSERT_TRUE(db);
  EXPECT_EQ(*db->query_int64("SELECT count(*) FROM catalog_files"), 0);
  EXPECT_EQ(*db->query_int64("SELECT count(*) FROM catalog_tags"), 0);
  EXPECT_EQ(*db->query_int64("SELECT count(*) FROM catalog_fts"), 0);
  // The same hash can be added again after a delete.
  CatalogIngestItem back = by_hashes(t.info_hash_v1, std::nullopt, "Back");
  auto added = f.store->add_ingest(back, std::nullopt);
  ASSERT_TRUE(added);
  EXPECT_TRUE(added->created);
}

TEST(CatalogStore, CategoryAdministration) {
  Fixture f;
  auto added = f.store->add_category(5090, "TV/Other");
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_EQ(added->parent_id, 5000);
  auto dup = f.store->add_category(5090, "Again");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, CatalogErrc::conflict);
  auto orphan = f.store->add_category(9050, "Misc/Sub");
  ASSERT_FALSE(orphan);
  EXPECT_EQ(orphan.error().code, CatalogErrc::invalid);
  for (std::int64_t id : {999, 1'000'000, -5000}) {
    auto r = f.store->add_category(id, "x");
    ASSERT_FALSE(r) << id;
    EXPECT_EQ(r.error().code, CatalogErrc::invalid);
  }
  for (const std::string& name : {std::string(""), std::string("a\x01"), std::string(65, 'a')}) {
    auto r = f.store->add_category(9000, name);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, CatalogErrc::invalid);
  }
  ASSERT_TRUE(f.store->add_category(9000, "Misc"));
  ASSERT_TRUE(f.store->add_category(9050, "Misc/Sub"));
  auto renamed = f.store->rename_category(9050, "Misc/Other");
  ASSERT_TRUE(renamed);
  EXPECT_EQ(renamed->name, "Misc/Other");
  EXPECT_EQ(f.store->rename_category(9999, "x").error().code, CatalogErrc::not_found);

  f.ingest("Uses.It", {}, 9050);
  auto in_use = f.store->delete_category(9050);
  ASSERT_FALSE(in_use);
  EXPECT_EQ(in_use.error().code, CatalogErrc::conflict);
  auto has_child = f.store->delete_category(9000);
  ASSERT_FALSE(has_child);
  EXPECT_EQ(has_child.error().code, CatalogErrc::conflict);
  EXPECT_TRUE(f.store->delete_category(5090));
  EXPECT_EQ(f.store->delete_category(5090).error().code, CatalogErrc::not_found);
  auto cats = f.store->categories();
  ASSERT_TRUE(cats);
  EXPECT_TRUE(std::none_of(cats->begin(), cats->end(), [](auto& c) { return c.id == 5090; }));
}

// A newest-first search reads only the offset + limit newest matches: every page is exactly the
// slice of the full newest-first order, and rows of other categories or without the word never
// take a place in the window.
TEST(CatalogStore, NewestSearchPagesAreSlicesOfTheFullOrder) {
  Fixture f;
  std::vector<std::string> expected;  // newest first
  for (int i = 0; i < 40; ++i) {
    f.now += 1;
    const std::string name = "Common.Word.Part." + std::to_string(i);
    f.ingest(name, {}, i % 3 == 0 ? 5040 : 2000);
    if (i % 3 != 0) expected.insert(expected.begin(), name);
    f.ingest("Other.Thing." + std::to_string(i));
  }
  for (std::int64_t offset : {0, 5, 20, 25}) {
    CatalogSearch s;
    s.query = "common word";
    s.sort = CatalogSort::newest;
    s.categories = {2000};
    s.limit = 5;
    s.offset = offset;
    s.count_total = true;
    auto page = f.store->search(s);
    ASSERT_TRUE(page) << page.error().message;
    std::vector<std::string> got;
    for (const auto& t : page->items) got.push_back(t.name);
    const auto from = std::min<std::size_t>(static_cast<std::size_t>(offset), expected.size());
    const auto to = std::min<std::size_t>(from + 5, expected.size());
    EXPECT_EQ(got, std::vector<std::string>(expected.begin() + static_cast<std::ptrdiff_t>(from),
                                            expected.begin() + static_cast<std::ptrdiff_t>(to)))
        << "offset " << offset;
    EXPECT_EQ(page->total, static_cast<std::int64_t>(expected.size()));
  }
}

// The category filter of a search with words is a MATCH term (catalog_fts `cats`): it follows a
// category change, and a top-level id takes in its subcategories.
TEST(CatalogStore, CategoryFilterFollowsEdits) {
  Fixture f;
  const auto t = f.ingest("Filter.Me.Show", {}, 5040);
  f.ingest("Filter.Me.Movie", {}, 2000);
  auto names = [&](std::vector<std::int64_t> categories) {
    CatalogSearch s;
    s.query = "filter me";
    s.categories = std::move(categories);
    s.count_total = true;
    auto page = f.store->search(s);
    EXPECT_TRUE(page) << page.error().message;
    std::vector<std::string> out;
    if (page) {
      for (const auto& r : page->items) out.push_back(r.name);
      EXPECT_EQ(page->total, static_cast<std::int64_t>(out.size()));
    }
    return out;
  };
  EXPECT_EQ(names({5000}), std::vector<std::string>{"Filter.Me.Show"});
  EXPECT_EQ(names({5040}), std::vector<std::string>{"Filter.Me.Show"});
  EXPECT_EQ(names({5030}), std::vector<std::string>{});
  EXPECT_EQ(names({2000, 5040}).size(), 2u);
  CatalogEdit edit;
  edit.category_id = 2040;
  ASSERT_TRUE(f.store->edit(t.id, edit));
  EXPECT_EQ(names({5000}), std::vector<std::string>{});
  EXPECT_EQ(names({2040}), std::vector<std::string>{"Filter.Me.Show"});
  EXPECT_EQ(names({2000}).size(), 2u);
  // A category id is a token of its own: a word like "c2000" in a name is not a category.
  f.ingest("Not.c2000.A.Category", {}, 8000);
  CatalogSearch s;
  s.query = "c2000";
  auto page = f.store->search(s);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].name, "Not.c2000.A.Category");
}

// A version-6 catalog (its index without category tokens) is rebuilt by migration 7: the rows
// keep their words and gain their categories.
TEST(CatalogStore, UpgradesAVersion6IndexWithCategories) {
  testutil::TempDir dir;
  const auto path = dir / "tracker.db";
  {
    auto db = SqliteConnection::open(path);
    ASSERT_TRUE(db);
    auto v = apply_migrations(*db, tracker_migrations().first(6));
    ASSERT_TRUE(v) << v.error();
    ASSERT_TRUE(db->exec("INSERT INTO catalog_torrents (id, info_hash_v1, name, name_key, size, category_id,"
                         " created_at, file_count) VALUES (7, randomblob(20), 'Old.Show.S01', 'old show s01',"
                         " 1, 5040, 0, 1)"));
    ASSERT_TRUE(db->exec("INSERT INTO catalog_fts (rowid, name, paths, tags) VALUES"
                         " (7, 'Old.Show.S01', 'Old.Show.S01/e01.mkv', 'hd')"));
  }
  auto store = open_sqlite_catalog_store(path);
  ASSERT_TRUE(store) << store.error().message;
  for (const char* q : {"old show", "e01", "hd"}) {
    CatalogSearch s;
    s.query = q;
    s.categories = {5000};
    auto page = (*store)->search(s);
    ASSERT_TRUE(page) << page.error().message;
    ASSERT_EQ(page->items.size(), 1u) << q;
    EXPECT_EQ(page->items[0].id, 7);
  }
  CatalogSearch other;
  other.query = "old show";
  other.categories = {2000};
  EXPECT_TRUE((*store)->search(other)->items.empty());
}

TEST(CatalogStore, UpgradesAVersion3DatabaseAndKeepsUploaders) {
  testutil::TempDir dir;
  const auto path = dir / "tracker.db";
  {
    auto db = SqliteConnection::open(path);
    ASSERT_TRUE(db);
    auto v = apply_migrations(*db, tracker_migrations().first(3));
    ASSERT_TRUE(v) << v.error();
    ASSERT_EQ(*v, 3);
    ASSERT_TRUE(db->exec("INSERT INTO users (username, role, password_hash, passkey, created_at,"
                         " updated_at) VALUES ('alice', 'user', 'x', '" + std::string(32, 'a') +
                         "', 0, 0)"));
  }
  auto store = open_sqlite_catalog_store(path);
  ASSERT_TRUE(store) << store.error().message;
  auto db = SqliteConnection::open(path);
  ASSERT_TRUE(db);
  EXPECT_EQ(*db->query_int64("PRAGMA user_version"), tracker_schema_version());
  EXPECT_EQ(*db->query_int64("SELECT count(*) FROM users"), 1);  // data of earlier versions kept

  CatalogIngestItem item = by_hashes(sha1("a"), std::nullopt, "By.Alice");
  auto added = (*store)->add_ingest(item, 1);
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_EQ(added->torrent.uploader_id, 1);
  // An uploader that does not exist is refused, and nothing is written.
  CatalogIngestItem ghost = by_hashes(sha1("b"), std::nullopt, "By.Nobody");
  auto refused = (*store)->add_ingest(ghost, 42);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, CatalogErrc::invalid);
  EXPECT_THAT(refused.error().message, HasSubstr("no user 42"));
  EXPECT_EQ(*db->query_int64("SELECT count(*) FROM catalog_torrents"), 1);
  EXPECT_EQ(*db->query_int64("SELECT count(*) FROM catalog_fts"), 1);
  // Removing a user keeps their torrents, without an uploader.
  ASSERT_TRUE(db->exec("DELETE FROM users WHERE id = 1"));
  auto kept = (*store)->get(added->torrent.id);
  ASSERT_TRUE(kept && *kept);
  EXPECT_FALSE((*kept)->uploader_id);
}
