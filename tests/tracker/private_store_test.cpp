// PrivateStore on SQLite: registering torrents (conflicts across v1 and truncated v2), flags,
// lookup by id, pages of torrents and of a user's stats (order, bounds, totals), the registry
// rows, and accounting batches — totals, completed once, baselines, the skipped rows of
// unregistered torrents, and what a reopened database holds.
#include "shoal/tracker/private_store.hpp"

#include <gtest/gtest.h>

#include "shoal/tracker/sqlite.hpp"
#include "shoal/tracker/tracker_schema.hpp"
#include "sqlite_test_util.hpp"

using namespace shoal;
using namespace shoal::tracker;

namespace {

constexpr std::uint32_t kT0 = 1'700'000'000;

// Inserts a users row (table of migration 2) directly: the accounts code is not needed here.
std::int64_t add_user(const std::filesystem::path& db_path, const std::string& name,
                      const std::string& passkey, bool enabled = true, bool deleted = false) {
  auto db = SqliteConnection::open(db_path);
  EXPECT_TRUE(db) << db.error();
  EXPECT_TRUE(apply_migrations(*db, tracker_migrations()));
  auto q = db->prepare(
      "INSERT INTO users (username, role, password_hash, passkey, enabled, created_at, updated_at,"
      " deleted_at) VALUES (?1, 'user', 'x', ?2, ?3, 0, 0, ?4)");
  EXPECT_TRUE(q) << q.error();
  q->bind_text(1, name);
  q->bind_text(2, passkey);
  q->bind_int64(3, enabled ? 1 : 0);
  if (deleted)
    q->bind_int64(4, 1);
  else
    q->bind_null(4);
  auto r = q->run();
  EXPECT_TRUE(r) << r.error();
  return db->last_insert_rowid();
}

struct Fixture {
  testutil::TempDir dir;
  std::filesystem::path path = dir / "tracker.db";
  std::unique_ptr<PrivateStore> store;
  Fixture() { reopen(); }
  void reopen() {
    store.reset();
    auto s = open_sqlite_private_store(path);
    EXPECT_TRUE(s) << s.error().message;
    if (s) store = std::move(*s);
  }
};

NewTorrent torrent(std::optional<Sha1Digest> v1, std::optional<Sha256Digest> v2,
                   std::string name = "t") {
  NewTorrent n;
  n.info_hash_v1 = v1;
  n.info_hash_v2 = v2;
  n.name = std::move(name);
  return n;
}

UserTorrentDelta delta(std::int64_t user, std::int64_t torrent, std::uint64_t up,
                       std::uint64_t down, std::uint32_t when, bool completed = false) {
  UserTorrentDelta d;
  d.user_id = user;
  d.torrent_id = torrent;
  d.uploaded = up;
  d.downloaded = down;
  d.completed = completed;
  d.completed_at = completed ? when : 0;
  d.first_announce = when;
  d.last_announce = when;
  return d;
}

PeerKey peer(std::int64_t user, std::int64_t torrent, char c = 'a') {
  return PeerKey{user, torrent, *Digest<20>::from_bytes(std::string(20, c))};
}

}  // namespace

TEST(PrivateStore, RegistersListsAndFindsTorrents) {
  Fixture f;
  const auto admin = add_user(f.path, "admin", std::string(32, 'a'));
  auto v1 = f.store->register_torrent(torrent(sha1("one"), std::nullopt, "One"));
  ASSERT_TRUE(v1) << v1.error().message;
  auto hybrid_in = torrent(sha1("two"), sha256("two"), "Two");
  hybrid_in.added_by = admin;
  hybrid_in.freeleech = true;
  auto hybrid = f.store->register_torrent(hybrid_in);
  ASSERT_TRUE(hybrid) << hybrid.error().message;
  EXPECT_EQ(hybrid->added_by, admin);
  EXPECT_GT(hybrid->added_at, 0);

  auto list = f.store->list_torrents();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0], *v1);
  EXPECT_EQ((*list)[1], *hybrid);
  EXPECT_EQ((*list)[1].info_hash_v2, sha256("two"));  // the full SHA-256 is stored
  EXPECT_TRUE((*list)[1].freeleech);

  auto by_v2 = f.store->find_torrent(truncated_v2(sha256("two")));
  ASSERT_TRUE(by_v2);
  ASSERT_TRUE(*by_v2);
  EXPECT_EQ((*by_v2)->id, hybrid->id);
  EXPECT_EQ((*by_v2)->swarm_key(), sha1("two"));
  auto none = f.store->find_torrent(sha1("nope"));
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST(PrivateStore, RefusesDuplicatesAcrossBothHashColumns) {
  Fixture f;
  ASSERT_TRUE(f.store->register_torrent(torrent(sha1("a"), sha256("a"))));
  for (const auto& dup : {torrent(sha1("a"), std::nullopt), torrent(std::nullopt, sha256("a")),
                          // a v1 hash equal to the truncated v2 of a registered torrent
                          torrent(truncated_v2(sha256("a")), std::nullopt)}) {
    auto r = f.store->register_torrent(dup);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, PrivateStoreErrc::conflict) << r.error().message;
  }
  auto none = f.store->register_torrent(torrent(std::nullopt, std::nullopt));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, PrivateStoreErrc::invalid);
  auto long_name = f.store->register_torrent(torrent(sha1("b"), std::nullopt, std::string(1025, 'n')));
  ASSERT_FALSE(long_name);
  EXPECT_EQ(long_name.error().code, PrivateStoreErrc::invalid);
  auto bad_user = torrent(sha1("c"), std::nullopt);
  bad_user.added_by = 999;
  auto r = f.store->register_torrent(bad_user);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, PrivateStoreErrc::invalid) << r.error().message;
}

TEST(PrivateStore, FlagsAndUnregister) {
  Fixture f;
  auto t = f.store->register_torrent(torrent(sha1("a"), std::nullopt));
  ASSERT_TRUE(t);
  auto flagged = f.store->set_torrent_flags(t->id, true, std::nullopt);
  ASSERT_TRUE(flagged);
  EXPECT_TRUE(flagged->freeleech);
  EXPECT_FALSE(flagged->neutral);
  flagged = f.store->set_torrent_flags(t->id, std::nullopt, true);
  ASSERT_TRUE(flagged);
  EXPECT_TRUE(flagged->freeleech);
  EXPECT_TRUE(flagged->neutral);
  auto missing = f.store->set_torrent_flags(t->id + 1, true, true);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, PrivateStoreErrc::not_found);

  ASSERT_TRUE(f.store->unregister_torrent(t->id));
  auto again = f.store->unregister_torrent(t->id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, PrivateStoreErrc::not_found);
  EXPECT_TRUE(f.store->list_torrents()->empty());
}

TEST(PrivateStore, GetsATorrentById) {
  Fixture f;
  auto t = f.store->register_torrent(torrent(sha1("a"), sha256("a"), "A"));
  ASSERT_TRUE(t);
  auto got = f.store->get_torrent(t->id);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, *t);
  for (const std::int64_t missing : {t->id + 1, std::int64_t{0}, std::int64_t{-1}}) {
    auto none = f.store->get_torrent(missing);
    ASSERT_FALSE(none) << missing;
    EXPECT_EQ(none.error().code, PrivateStoreErrc::not_found) << none.error().message;
  }
  ASSERT_TRUE(f.store->unregister_torrent(t->id));
  auto gone = f.store->get_torrent(t->id);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, PrivateStoreErrc::not_found);
}

TEST(PrivateStore, PagesTorrentsByIdWithTheTotal) {
  Fixture f;
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 7; ++i) {
    auto t = f.store->register_torrent(torrent(sha1("p" + std::to_string(i)), std::nullopt,
                                               "p" + std::to_string(i)));
    ASSERT_TRUE(t);
    ids.push_back(t->id);
  }
  // Pages of 3 walk every torrent once, by id; each page carries the total.
  std::vector<std::int64_t> walked;
  std::vector<std::size_t> sizes;
  for (std::size_t offset = 0; offset <= 9; offset += 3) {
    auto page = f.store->list_torrents(3, offset);
    ASSERT_TRUE(page) << page.error().message;
    EXPECT_EQ(page->total, 7) << offset;
    sizes.push_back(page->torrents.size());
    for (const auto& t : page->torrents) walked.push_back(t.id);
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{3, 3, 1, 0}));
  EXPECT_EQ(walked, ids);
  auto all = f.store->list_torrents();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 7u);
  EXPECT_EQ((*f.store->list_torrents(1, 4)).torrents.at(0), (*all)[4]);  // whole rows, by id

  // limit 0: the total only; an offset far past the end: empty, no error.
  auto counted = f.store->list_torrents(0, 0);
  ASSERT_TRUE(counted);
  EXPECT_TRUE(counted->torrents.empty());
  EXPECT_EQ(counted->total, 7);
  auto far = f.store->list_torrents(PrivateStore::kAllRows, PrivateStore::kAllRows);
  ASSERT_TRUE(far);
  EXPECT_TRUE(far->torrents.empty());
  EXPECT_EQ(far->total, 7);

  // Unregistering one shifts the later pages and the total with it.
  ASSERT_TRUE(f.store->unregister_torrent(ids[1]));
  auto after = f.store->list_torrents(2, 0);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->total, 6);
  ASSERT_EQ(after->torrents.size(), 2u);
  EXPECT_EQ(after->torrents[0].id, ids[0]);
  EXPECT_EQ(after->torrents[1].id, ids[2]);
}

TEST(PrivateStore, RegistryRowsLeaveDeletedUsersOut) {
  Fixture f;
  add_user(f.path, "alice", std::string(32, 'a'));
  add_user(f.path, "bob", std::string(32, 'b'), false);
  add_user(f.path, "gone", std::string(32, 'c'), true, true);
  ASSERT_TRUE(f.store->register_torrent(torrent(sha1("h"), sha256("h"))));
  auto data = f.store->load_registry();
  ASSERT_TRUE(data) << data.error().message;
  ASSERT_EQ(data->users.size(), 2u);
  EXPECT_EQ(data->users[0].passkey, std::string(32, 'a'));
  EXPECT_TRUE(data->users[0].enabled);
  EXPECT_FALSE(data->users[1].enabled);
  ASSERT_EQ(data->torrents.size(), 1u);
  EXPECT_EQ(data->torrents[0].info_hash_v1, sha1("h"));
  EXPECT_EQ(data->torrents[0].info_hash_v2, sha256("h"));
}

TEST(PrivateStore, AccountingBatchesAddUpAndCompletedCountsOnce) {
  Fixture f;
  const auto alice = add_user(f.path, "alice", std::string(32, 'a'));
  auto t1 = f.store->register_torrent(torrent(sha1("1"), std::nullopt, "first"));
  auto t2 = f.store->register_torrent(torrent(sha1("2"), std::nullopt, "second"));
  ASSERT_TRUE(t1 && t2);

  AccountingBatch b1;
  b1.deltas = {delta(alice, t1->id, 100, 1000, kT0, true), delta(alice, t2->id, 5, 0, kT0 + 5)};
  b1.baselines = {{peer(alice, t1->id), PeerBaseline{100, 1000, kT0}}};
  ASSERT_TRUE(f.store->save_accounting(b1, 0));
  AccountingBatch b2;
  // A replayed `completed` at a later time: the first time stays.
  b2.deltas = {delta(alice, t1->id, 50, 0, kT0 + 60, true)};
  b2.baselines = {{peer(alice, t1->id), PeerBaseline{150, 1000, kT0 + 60}}};
  ASSERT_TRUE(f.store->save_accounting(b2, 0));

  auto totals = f.store->user_totals(alice);
  ASSERT_TRUE(totals) << totals.error().message;
  EXPECT_EQ(*totals, (UserTotals{alice, 155, 1000, 1}));
  auto stats = f.store->user_torrent_stats(alice);
  ASSERT_TRUE(stats);
  ASSERT_EQ(stats->size(), 2u);
  const auto& s1 = (*stats)[0];  // most recent announce first
  EXPECT_EQ(s1.torrent_id, t1->id);
  EXPECT_EQ(s1.name, "first");
  EXPECT_EQ(s1.uploaded, 150u);
  EXPECT_EQ(s1.completed_at, std::int64_t{kT0});
  EXPECT_EQ(s1.first_announce, kT0);
  EXPECT_EQ(s1.last_announce, kT0 + 60);
  EXPECT_FALSE((*stats)[1].completed_at);

  auto baselines = f.store->load_baselines(0);
  ASSERT_TRUE(baselines);
  ASSERT_EQ(baselines->size(), 1u);
  EXPECT_EQ((*baselines)[0].second, (PeerBaseline{150, 1000, kT0 + 60}));

  // Survives reopening.
  f.reopen();
  EXPECT_EQ(*f.store->user_totals(alice), (UserTotals{alice, 155, 1000, 1}));
  EXPECT_EQ(f.store->load_baselines(0)->size(), 1u);
  // Unknown user: zeros.
  EXPECT_EQ(*f.store->user_totals(999), (UserTotals{999, 0, 0, 0}));
}

TEST(PrivateStore, PagesAUsersStatsMostRecentFirstWithTheTotal) {
  Fixture f;
  const auto alice = add_user(f.path, "alice", std::string(32, 'a'));
  const auto bob = add_user(f.path, "bob", std::string(32, 'b'));
  std::vector<std::int64_t> t;
  for (int i = 0; i < 4; ++i) {
    auto r = f.store->register_torrent(torrent(sha1("s" + std::to_string(i)), std::nullopt,
                                               "s" + std::to_string(i)));
    ASSERT_TRUE(r);
    t.push_back(r->id);
  }
  AccountingBatch b;
  // t[1] and t[2] tie on last_announce: the torrent id orders them.
  b.deltas = {delta(alice, t[0], 1, 0, kT0), delta(alice, t[1], 2, 0, kT0 + 10),
              delta(alice, t[2], 3, 0, kT0 + 10), delta(alice, t[3], 4, 0, kT0 + 20),
              delta(bob, t[0], 9, 0, kT0 + 30)};
  ASSERT_TRUE(f.store->save_accounting(b, 0));

  const std::vector<std::int64_t> expected{t[3], t[1], t[2], t[0]};
  std::vector<std::int64_t> walked;
  for (std::size_t offset = 0; offset < 6; offset += 2) {
    auto page = f.store->user_torrent_stats(alice, 2, offset);
    ASSERT_TRUE(page) << page.error().message;
    EXPECT_EQ(page->total, 4) << offset;
    EXPECT_EQ(page->rows.size(), offset < 4 ? 2u : 0u) << offset;
    for (const auto& r : page->rows) walked.push_back(r.torrent_id);
  }
  EXPECT_EQ(walked, expected);
  auto all = f.store->user_torrent_stats(alice);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ(f.store->user_torrent_stats(alice, 1, 1)->rows.at(0), (*all)[1]);
  EXPECT_EQ(f.store->user_torrent_stats(alice, 0, 0)->total, 4);
  EXPECT_TRUE(f.store->user_torrent_stats(alice, 0, 0)->rows.empty());

  // Another user's rows are not counted; a user without rows (or no such user) has none.
  EXPECT_EQ(f.store->user_torrent_stats(bob, 10, 0)->total, 1);
  auto nobody = f.store->user_torrent_stats(999, 10, 0);
  ASSERT_TRUE(nobody);
  EXPECT_EQ(nobody->total, 0);
  EXPECT_TRUE(nobody->rows.empty());

  // An unregistered torrent's row leaves the page and the total.
  ASSERT_TRUE(f.store->unregister_torrent(t[3]));
  auto after = f.store->user_torrent_stats(alice, 10, 0);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->total, 3);
  ASSERT_EQ(after->rows.size(), 3u);
  EXPECT_EQ(after->rows[0].torrent_id, t[1]);
}

TEST(PrivateStore, BaselinesAreDeletedAndPurged) {
  Fixture f;
  const auto alice = add_user(f.path, "alice", std::string(32, 'a'));
  auto t = f.store->register_torrent(torrent(sha1("1"), std::nullopt));
  ASSERT_TRUE(t);
  AccountingBatch b;
  b.baselines = {{peer(alice, t->id, 'a'), PeerBaseline{1, 1, kT0}},
                 {peer(alice, t->id, 'b'), PeerBaseline{2, 2, kT0 + 100}},
                 {peer(alice, t->id, 'c'), PeerBaseline{3, 3, kT0 + 100}}};
  ASSERT_TRUE(f.store->save_accounting(b, 0));
  EXPECT_EQ(f.store->load_baselines(kT0 + 50)->size(), 2u);  // load honours the cutoff
  AccountingBatch removal;
  removal.baselines = {{peer(alice, t->id, 'b'), std::nullopt}};
  ASSERT_TRUE(f.store->save_accounting(removal, kT0 + 50));  // purges 'a' too
  auto left = f.store->load_baselines(0);
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].first, peer(alice, t->id, 'c'));
}

TEST(PrivateStore, RowsOfUnregisteredTorrentsAreSkippedNotFatal) {
  Fixture f;
  const auto alice = add_user(f.path, "alice", std::string(32, 'a'));
  auto keep = f.store->register_torrent(torrent(sha1("keep"), std::nullopt));
  auto gone = f.store->register_torrent(torrent(sha1("gone"), std::nullopt));
  ASSERT_TRUE(keep && gone);
  AccountingBatch before;
  before.deltas = {delta(alice, gone->id, 70, 0, kT0)};
  ASSERT_TRUE(f.store->save_accounting(before, 0));
  ASSERT_TRUE(f.store->unregister_torrent(gone->id));

  AccountingBatch b;
  b.deltas = {delta(alice, keep->id, 10, 20, kT0), delta(alice, gone->id, 1000, 1000, kT0)};
  b.baselines = {{peer(alice, gone->id), PeerBaseline{1, 1, kT0}},
                 {peer(alice, keep->id), PeerBaseline{10, 20, kT0}}};
  auto r = f.store->save_accounting(b, 0);
  ASSERT_TRUE(r) << r.error().message;
  // Totals keep what was credited before the torrent went, plus the new credit on `keep`.
  EXPECT_EQ(*f.store->user_totals(alice), (UserTotals{alice, 80, 20, 0}));
  EXPECT_EQ(f.store->user_torrent_stats(alice)->size(), 1u);
  EXPECT_EQ(f.store->load_baselines(0)->size(), 1u);
}

TEST(PrivateStore, SchemaRefusesInvalidRows) {
  Fixture f;
  auto db = SqliteConnection::open(f.path);
  ASSERT_TRUE(db);
  EXPECT_FALSE(db->exec("INSERT INTO torrents (info_hash_v1, added_at) VALUES (x'0102', 0)"));
  EXPECT_FALSE(db->exec("INSERT INTO torrents (name, added_at) VALUES ('no hash', 0)"));
  EXPECT_FALSE(db->exec("INSERT INTO torrents (info_hash_v2, added_at) VALUES (zeroblob(20), 0)"));
  EXPECT_TRUE(db->exec("INSERT INTO torrents (info_hash_v2, added_at) VALUES (zeroblob(32), 0)"));
  // The same first 20 bytes of v2 twice: refused by the index.
  EXPECT_FALSE(db->exec(
      "INSERT INTO torrents (info_hash_v2, added_at) VALUES (zeroblob(20) || x'010101010101010101010101', 0)"));
  EXPECT_EQ(*db->query_int64("PRAGMA user_version"), tracker_schema_version());
}
