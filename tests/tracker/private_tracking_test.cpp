// PrivateTracking: the management facade — registering from .torrent bytes (v1, v2, hybrid) and
// from hashes, errors, lookup by id and pages, and the registry refresh that makes changes
// visible to announces at once.
#include "shoal/tracker/private_tracking.hpp"

#include <gtest/gtest.h>

#include "shoal/proto/bencode.hpp"
#include "shoal/tracker/sqlite.hpp"
#include "shoal/tracker/tracker_schema.hpp"
#include "sqlite_test_util.hpp"

using namespace shoal;
using namespace shoal::tracker;

namespace {

const std::string kPasskey(32, 'e');

// A small hybrid (v1 + v2) single-file torrent: 16 KiB file, 16 KiB pieces.
std::string hybrid_torrent_bytes(const std::string& name) {
  const std::string content(16384, 'x');
  const Sha256Digest root = sha256(content);  // one 16 KiB block: the root is its hash
  bencode::Dict leaf;
  leaf.emplace("length", bencode::Value(std::int64_t{16384}));
  leaf.emplace("pieces root", bencode::Value(std::string(root.view())));
  bencode::Dict file_node;
  file_node.emplace("", bencode::Value(std::move(leaf)));
  bencode::Dict tree;
  tree.emplace(name, bencode::Value(std::move(file_node)));
  bencode::Dict info;
  info.emplace("file tree", bencode::Value(std::move(tree)));
  info.emplace("length", bencode::Value(std::int64_t{16384}));
  info.emplace("meta version", bencode::Value(std::int64_t{2}));
  info.emplace("name", bencode::Value(name));
  info.emplace("piece length", bencode::Value(std::int64_t{16384}));
  info.emplace("pieces", bencode::Value(std::string(sha1(content).view())));
  bencode::Dict top;
  top.emplace("info", bencode::Value(std::move(info)));
  return bencode::encode(bencode::Value(std::move(top)));
}

struct Fixture {
  testutil::TempDir dir;
  std::filesystem::path path = dir / "tracker.db";
  PrivateRegistry registry;
  SwarmStore swarms{SwarmStore::Options{}};
  std::unique_ptr<PrivateTracking> tracking;
  Fixture() {
    auto store = open_sqlite_private_store(path);
    EXPECT_TRUE(store) << store.error().message;
    tracking = std::make_unique<PrivateTracking>(std::move(*store), &registry, &swarms);
  }
};

}  // namespace

TEST(PrivateTracking, RegistersAHybridTorrentFileUnderBothHashes) {
  Fixture f;
  const std::string bytes = hybrid_torrent_bytes("album");
  auto t = f.tracking->register_torrent_file(bytes);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->name, "album");
  ASSERT_TRUE(t->info_hash_v1);
  ASSERT_TRUE(t->info_hash_v2);
  // The registry was refreshed: both 20-byte ids find the torrent and share its swarm.
  auto snap = f.registry.snapshot();
  const auto* by_v1 = snap->torrent(*t->info_hash_v1);
  const auto* by_v2 = snap->torrent(truncated_v2(*t->info_hash_v2));
  ASSERT_NE(by_v1, nullptr);
  ASSERT_NE(by_v2, nullptr);
  EXPECT_EQ(by_v1->swarm_key, by_v2->swarm_key);

  auto again = f.tracking->register_torrent_file(bytes);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, PrivateStoreErrc::conflict);
}

TEST(PrivateTracking, RejectsWhatIsNotATorrent) {
  Fixture f;
  auto r = f.tracking->register_torrent_file("d4:spam4:eggse");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, PrivateStoreErrc::invalid);
  EXPECT_NE(r.error().message.find("not a valid .torrent"), std::string::npos) << r.error().message;
  EXPECT_EQ(f.registry.snapshot()->torrent_count(), 0u);
}

TEST(PrivateTracking, FlagsUnregisterAndRefresh) {
  Fixture f;
  auto t = f.tracking->register_info_hashes(sha1("x"), std::nullopt, "x");
  ASSERT_TRUE(t);
  ASSERT_TRUE(f.tracking->set_flags(t->id, true, std::nullopt));
  EXPECT_TRUE(f.registry.snapshot()->torrent(sha1("x"))->freeleech);

  // A swarm of the torrent is dropped when it is unregistered.
  std::string v4, v6;
  AnnounceParams p;
  p.info_hash = sha1("x");
  p.peer = *PeerEndpoint::parse("10.0.0.1:6881");
  p.now = 1000;
  f.swarms.announce(p, v4, v6);
  ASSERT_EQ(f.swarms.scrape(sha1("x")).leechers, 1u);
  ASSERT_TRUE(f.tracking->unregister(t->id));
  EXPECT_EQ(f.registry.snapshot()->torrent(sha1("x")), nullptr);
  EXPECT_EQ(f.swarms.scrape(sha1("x")).leechers, 0u);

  // Users added behind the facade's back appear on refresh().
  {
    auto db = SqliteConnection::open(f.path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("INSERT INTO users (username, role, password_hash, passkey, created_at, "
                         "updated_at) VALUES ('u', 'user', 'x', '" + kPasskey + "', 0, 0)"));
  }
  EXPECT_EQ(f.registry.snapshot()->user(kPasskey), nullptr);
  auto counts = f.tracking->refresh();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->first, 1u);
  EXPECT_NE(f.registry.snapshot()->user(kPasskey), nullptr);
}

TEST(PrivateTracking, WorksWithoutARegistry) {
  testutil::TempDir dir;
  auto store = open_sqlite_private_store(dir / "t.db");
  ASSERT_TRUE(store);
  PrivateTracking tracking(std::move(*store), nullptr);
  auto t = tracking.register_info_hashes(std::nullopt, sha256("v2"), "v2 only");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->swarm_key(), truncated_v2(sha256("v2")));
  auto found = tracking.find(truncated_v2(sha256("v2")));
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->id, t->id);
  EXPECT_EQ(tracking.list()->size(), 1u);
}

TEST(PrivateTracking, GetsByIdAndPagesTorrentsAndStats) {
  Fixture f;
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    auto t = f.tracking->register_info_hashes(sha1("g" + std::to_string(i)), std::nullopt,
                                              "g" + std::to_string(i));
    ASSERT_TRUE(t) << t.error().message;
    ids.push_back(t->id);
  }
  auto got = f.tracking->get(ids[2]);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->name, "g2");
  auto unknown = f.tracking->get(ids.back() + 100);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, PrivateStoreErrc::not_found);

  // Pages by id: [0,2) [2,4) [4,5), total on each.
  std::vector<std::int64_t> walked;
  for (std::size_t offset = 0; offset < 6; offset += 2) {
    auto page = f.tracking->list(2, offset);
    ASSERT_TRUE(page) << page.error().message;
    EXPECT_EQ(page->total, 5);
    for (const auto& t : page->torrents) walked.push_back(t.id);
  }
  EXPECT_EQ(walked, ids);

  // Unregistering an unknown id (with a swarm store to update) is not_found and changes nothing.
  auto missing = f.tracking->unregister(ids.back() + 100);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, PrivateStoreErrc::not_found);
  EXPECT_EQ(f.tracking->list(0, 0)->total, 5);
  EXPECT_EQ(f.registry.snapshot()->torrent_count(), 5u);
  ASSERT_TRUE(f.tracking->unregister(ids[0]));
  EXPECT_EQ(f.tracking->list(10, 0)->total, 4);
  EXPECT_EQ(f.tracking->list(1, 0)->torrents.at(0).id, ids[1]);

  // A user's stats come a page at a time with the user's row count.
  {
    auto db = SqliteConnection::open(f.path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("INSERT INTO users (username, role, password_hash, passkey, created_at, "
                         "updated_at) VALUES ('u', 'user', 'x', '" + kPasskey + "', 0, 0)"));
    const std::int64_t user = db->last_insert_rowid();
    for (std::size_t i = 1; i < ids.size(); ++i)
      ASSERT_TRUE(db->exec("INSERT INTO user_torrent_stats (user_id, torrent_id, first_announce, "
                           "last_announce) VALUES (" + std::to_string(user) + ", " +
                           std::to_string(ids[i]) + ", 1, " + std::to_string(10 + i) + ")"));
    auto page = f.tracking->user_torrent_stats(user, 3, 1);
    ASSERT_TRUE(page) << page.error().message;
    EXPECT_EQ(page->total, 4);
    ASSERT_EQ(page->rows.size(), 3u);
    EXPECT_EQ(page->rows[0].torrent_id, ids[3]);  // most recent first: ids[4] is on offset 0
    EXPECT_EQ(page->rows[2].torrent_id, ids[1]);
  }
}
