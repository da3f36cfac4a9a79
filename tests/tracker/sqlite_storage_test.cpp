#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <map>
#include <thread>

#include "shoal/tracker/sqlite.hpp"
#include "shoal/tracker/storage.hpp"
#include "sqlite_test_util.hpp"

using namespace shoal;
using namespace shoal::tracker;
using shoal::tracker::testutil::TempDir;
using ::testing::HasSubstr;

namespace {

using Counts = std::vector<std::pair<Sha1Digest, std::uint32_t>>;

Sha1Digest hash_of(int i) { return sha1("torrent " + std::to_string(i)); }

std::unique_ptr<Storage> open_ok(const std::filesystem::path& path) {
  auto db = open_sqlite_storage(path);
  EXPECT_TRUE(db) << db.error();
  return db ? std::move(*db) : nullptr;
}

std::map<Sha1Digest, std::uint32_t> completed_map(Storage& s) {
  auto loaded = s.load_completed();
  EXPECT_TRUE(loaded) << loaded.error();
  std::map<Sha1Digest, std::uint32_t> out;
  if (!loaded) return out;
  for (const auto& [h, n] : *loaded) {
    EXPECT_TRUE(out.emplace(h, n).second) << "duplicate " << h.hex();
  }
  return out;
}

std::vector<Sha1Digest> list_hashes(Storage& s, AccessListKind kind) {
  auto loaded = s.load_list(kind);
  EXPECT_TRUE(loaded) << loaded.error();
  std::vector<Sha1Digest> out;
  if (loaded)
    for (const auto& e : *loaded) out.push_back(e.info_hash);
  return out;
}

SnapshotPeer make_peer(int swarm, std::uint32_t n) {
  SnapshotPeer p;
  p.info_hash = hash_of(swarm);
  if (n % 3 == 2) {
    std::array<std::uint8_t, 16> b{0x20, 0x01, 0x0d, 0xb8};
    b[12] = static_cast<std::uint8_t>(n >> 24);
    b[13] = static_cast<std::uint8_t>(n >> 16);
    b[14] = static_cast<std::uint8_t>(n >> 8);
    b[15] = static_cast<std::uint8_t>(n);
    p.peer.endpoint.address = IpAddress::v6(b);
  } else {
    p.peer.endpoint.address = IpAddress::v4(0x0a000000u + n);
  }
  p.peer.endpoint.port = static_cast<std::uint16_t>(1 + n % 65535);
  p.peer.seeder = n % 2 == 0;
  p.peer.counted_completed = n % 5 == 0;
  p.peer.last_seen = 1'700'000'000u + n;
  return p;
}

bool same_peer(const SnapshotPeer& a, const SnapshotPeer& b) {
  return a.info_hash == b.info_hash && a.peer.endpoint == b.peer.endpoint &&
         a.peer.seeder == b.peer.seeder && a.peer.counted_completed == b.peer.counted_completed &&
         a.peer.last_seen == b.peer.last_seen;
}

void expect_same_peers(const std::vector<SnapshotPeer>& got, const std::vector<SnapshotPeer>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_TRUE(same_peer(got[i], want[i]))
        << "peer " << i << ": " << got[i].peer.endpoint.to_string() << " vs "
        << want[i].peer.endpoint.to_string();
}

/// A raw connection to the same file, for what the Storage interface cannot do on purpose.
SqliteConnection raw_connection(const std::filesystem::path& path) {
  auto db = SqliteConnection::open(path);
  EXPECT_TRUE(db) << db.error();
  return db ? std::move(*db) : SqliteConnection();
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// --- open --------------------------------------------------------------------------------------

TEST(SqliteStorage, OpensANewDatabaseCreatingDirectories) {
  TempDir dir;
  const auto path = dir / "data" / "nested" / "tracker.db";
  auto s = open_ok(path);
  ASSERT_TRUE(s);
  EXPECT_TRUE(std::filesystem::is_regular_file(path));
  EXPECT_TRUE(s->healthy());
  EXPECT_TRUE(completed_map(*s).empty());
  EXPECT_TRUE(list_hashes(*s, AccessListKind::allow).empty());
  EXPECT_TRUE(list_hashes(*s, AccessListKind::deny).empty());
  auto snap = s->load_snapshot();
  ASSERT_TRUE(snap);
  EXPECT_TRUE(snap->empty());

  SqliteConnection raw = raw_connection(path);
  auto version = raw.query_int64("PRAGMA user_version");
  ASSERT_TRUE(version);
  EXPECT_GE(*version, 1);
  auto mode = raw.prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode && mode->step().value_or(false));
  EXPECT_EQ(mode->column_text(0), "wal");
}

TEST(SqliteStorage, NonDatabaseFileIsRefusedAndLeftUntouched) {
  TempDir dir;
  const auto path = dir / "tracker.db";
  const std::string garbage = testutil::garbage_bytes();
  testutil::write_file(path, garbage);
  auto s = open_sqlite_storage(path);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), "sqlite: open: file is not a database (" + path.string() + ")");
  EXPECT_EQ(testutil::read_file(path), garbage);
}

TEST(SqliteStorage, CorruptDatabaseIsRefused) {
  TempDir dir;
  const auto path = dir / "tracker.db";
  {
    auto s = open_ok(path);
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->save_completed({{hash_of(1), 1}}));
  }
  // Keep the 100-byte header (so it still looks like SQLite) and ruin the rest of page 1, which
  // holds the schema.
  std::string bytes = testutil::read_file(path);
  ASSERT_GT(bytes.size(), 4096u);
  const std::string noise = testutil::garbage_bytes(4096 - 100);
  bytes.replace(100, noise.size(), noise);
  testutil::write_file(path, bytes);
  auto s = open_sqlite_storage(path);
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error(), HasSubstr("malformed"));
  EXPECT_THAT(s.error(), HasSubstr(path.string()));
}

TEST(SqliteStorage, NewerSchemaIsRefused) {
  TempDir dir;
  const auto path = dir / "tracker.db";
  auto first = open_ok(path);
  ASSERT_TRUE(first);
  {
    SqliteConnection raw = raw_connection(path);
    ASSERT_TRUE(raw.exec("PRAGMA user_version = 1000"));  // what a future version would leave
  }
  EXPECT_FALSE(first->healthy());  // the schema changed under the running instance
  auto s = open_sqlite_storage(path);
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error(), HasSubstr("schema version 1000 is newer than this program supports"));
  EXPECT_THAT(s.error(), HasSubstr(path.string()));
}

TEST(SqliteStorage, ParentThatIsAFileIsAnError) {
  TempDir dir;
  testutil::write_file(dir / "data", "a file, not a directory");
  const auto path = dir / "data" / "tracker.db";
  auto s = open_sqlite_storage(path);
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error(), HasSubstr("sqlite: create directory"));
  EXPECT_THAT(s.error(), HasSubstr(path.string()));
}

TEST(SqliteStorage, ReadOnlyDirectoryIsAnError) {
  TempDir dir;
  const auto ro = testutil::make_read_only_dir(dir.path(), "ro");
  const auto path = ro / "tracker.db";
  std::string error = testutil::run_unprivileged([&] {
    auto s = open_sqlite_storage(path);
    return s ? std::string("opened") : s.error();
  });
  EXPECT_EQ(error, "sqlite: open: unable to open database file (" + path.string() + ")");
  // A missing directory below a read-only one cannot be created either.
  const auto deeper = ro / "sub" / "tracker.db";
  error = testutil::run_unprivileged([&] {
    auto s = open_sqlite_storage(deeper);
    return s ? std::string("opened") : s.error();
  });
  EXPECT_THAT(error, HasSubstr("sqlite: create directory " + (ro / "sub").string() +
                               ": Permission denied (" + deeper.string() + ")"));
}

// --- completed counts --------------------------------------------------------------------------

TEST(SqliteStorage, CompletedCountsRoundTripAndUpsert) {
  TempDir dir;
  auto s = open_ok(dir / "tracker.db");
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->save_completed({{hash_of(1), 1}, {hash_of(2), 2}, {hash_of(3), 0xffffffffu}}));
  EXPECT_EQ(completed_map(*s), (std::map<Sha1Digest, std::uint32_t>{
                                   {hash_of(1), 1}, {hash_of(2), 2}, {hash_of(3), 0xffffffffu}}));
  ASSERT_TRUE(s->save_completed({{hash_of(2), 20}, {hash_of(4), 4}}));
  EXPECT_EQ(completed_map(*s), (std::map<Sha1Digest, std::uint32_t>{
                                   {hash_of(1), 1}, {hash_of(2), 20}, {hash_of(3), 0xffffffffu},
                                   {hash_of(4), 4}}));
  ASSERT_TRUE(s->save_completed({}));
  EXPECT_EQ(completed_map(*s).size(), 4u);
  // The same hash twice in one batch: the last value wins.
  ASSERT_TRUE(s->save_completed({{hash_of(5), 1}, {hash_of(5), 2}}));
  EXPECT_EQ(completed_map(*s).at(hash_of(5)), 2u);
}

TEST(SqliteStorage, SaveCompletedIsAllOrNothing) {
  TempDir dir;
  const auto path = dir / "tracker.db";
  auto s = open_ok(path);
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->save_completed({{hash_of(1), 1}}));
  // A trigger makes one row of the batch fail, as a full disk or an I/O error would.
  const Sha1Digest poison = hash_of(666);
  SqliteConnection raw = raw_connection(path);
  ASSERT_TRUE(raw.exec("CREATE TRIGGER poison BEFORE INSERT ON completed_counts WHEN NEW.info_hash = X'" +
                       poison.hex() + "' BEGIN SELECT RAISE(ABORT, 'poisoned row'); END;"));

  auto r = s->save_completed({{hash_of(1), 100}, {hash_of(2), 2}, {poison, 1}, {hash_of(3), 3}});
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error(), HasSubstr("save completed counts"));
  EXPECT_THAT(r.error(), HasSubstr("poisoned row"));
  EXPECT_THAT(r.error(), HasSubstr(path.string()));
  EXPECT_EQ(completed_map(*s), (std::map<Sha1Digest, std::uint32_t>{{hash_of(1), 1}}));

  ASSERT_TRUE(raw.exec("DROP TRIGGER poison"));
  ASSERT_TRUE(s->save_completed({{hash_of(1), 100}, {poison, 1}}));  // the instance is still usable
  EXPECT_EQ(completed_map(*s).size(), 2u);
}

TEST(SqliteStorage, InvalidStoredRowsAreReportedNotReturned) {
  TempDir dir;
  const auto path = dir / "tracker.db";
  auto s = open_ok(path);
  ASSERT_TRUE(s);
  SqliteConnection raw = raw_connection(path);
  // Only a damaged or hand-edited file can hold these: the schema's CHECKs refuse them.
  ASSERT_TRUE(raw.exec("PRAGMA ignore_check_constraints = ON;"
                       "INSERT INTO completed_counts VALUES (X'0102', 5);"));
  auto loaded = s->load_completed();
  ASSERT_FALSE(loaded);
  EXPECT_THAT(loaded.error(), HasSubstr("load completed counts: invalid completed count"));
  EXPECT_THAT(loaded.error(), HasSubstr(path.string()));

  ASSERT_TRUE(raw.exec("INSERT INTO swarm_snapshot VALUES (X'" + hash_of(1).hex() +
                       "', X'0102030405', 80, 0, 0, 1)"));
  auto snap = s->load_snapshot();
  ASSERT_FALSE(snap);
  EXPECT_THAT(snap.error(), HasSubstr("load swarm snapshot: invalid peer"));
  // The failed reads left no statement mid-way: writes still go through.
  ASSERT_TRUE(raw.exec("DELETE FROM completed_counts; DELETE FROM swarm_snapshot;"));
  ASSERT_TRUE(s->save_completed({{hash_of(2), 2}}));
  EXPECT_EQ(completed_map(*s).size(), 1u);
}

// --- access lists ------------------------------------------------------------------------------

TEST(SqliteStorage, AccessListAddRemoveAreIdempotent) {
  TempDir dir;
  auto s = open_ok(dir / "tracker.db");
  ASSERT_TRUE(s);
  const std::int64_t before = unix_now();
  auto added = s->add_to_list(AccessListKind::allow, hash_of(1), "Debian netinst");
  ASSERT_TRUE(added) << added.error();
  EXPECT_TRUE(*added);
  const std::int64_t after = unix_now();

  added = s->add_to_list(AccessListKind::allow, hash_of(1), "another note");
  ASSERT_TRUE(added);
  EXPECT_FALSE(*added);  // already present: note and date unchanged

  auto list = s->load_list(AccessListKind::allow);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].info_hash, hash_of(1));
  EXPECT_EQ((*list)[0].note, "Debian netinst");
  EXPECT_GE((*list)[0].added_at, before);
  EXPECT_LE((*list)[0].added_at, after);

  // The two lists are independent.
  EXPECT_TRUE(list_hashes(*s, AccessListKind::deny).empty());
  ASSERT_TRUE(s->add_to_list(AccessListKind::deny, hash_of(1), "").value_or(false));
  ASSERT_TRUE(s->add_to_list(AccessListKind::deny, hash_of(2), "").value_or(false));
  EXPECT_EQ(list_hashes(*s, AccessListKind::deny).size(), 2u);

  auto removed = s->remove_from_list(AccessListKind::deny, hash_of(1));
  ASSERT_TRUE(removed) << removed.error();
  EXPECT_TRUE(*removed);
  removed = s->remove_from_list(AccessListKind::deny, hash_of(1));
  ASSERT_TRUE(removed);
  EXPECT_FALSE(*removed);
  removed = s->remove_from_list(AccessListKind::deny, hash_of(99));
  ASSERT_TRUE(removed);
  EXPECT_FALSE(*removed);
  EXPECT_EQ(list_hashes(*s, AccessListKind::deny), std::vector<Sha1Digest>{hash_of(2)});
  EXPECT_EQ(list_hashes(*s, AccessListKind::allow), std::vector<Sha1Digest>{hash_of(1)});

  // Removed, then added again: present again.
  ASSERT_TRUE(s->add_to_list(AccessListKind::deny, hash_of(1), "back").value_or(false));
  EXPECT_EQ(list_hashes(*s, AccessListKind::deny).size(), 2u);
}

TEST(SqliteStorage, AccessListNotesAreStoredVerbatim) {
  TempDir dir;
  auto s = open_ok(dir / "tracker.db");
  ASSERT_TRUE(s);
  const std::string notes[] = {"", "it's \"quoted\"", "'); DROP TABLE access_list; --",
                               "caf\xc3\xa9 \xe2\x9c\x93", std::string(10000, 'n')};
  for (std::size_t i = 0; i < std::size(notes); ++i)
    ASSERT_TRUE(s->add_to_list(AccessListKind::allow, hash_of(static_cast<int>(i)), notes[i])
                    .value_or(false));
  auto list = s->load_list(AccessListKind::allow);
  ASSERT_TRUE(list) << list.error();
  ASSERT_EQ(list->size(), std::size(notes));
  std::map<Sha1Digest, std::string> by_hash;
  for (const auto& e : *list) by_hash[e.info_hash] = e.note;
  for (std::size_t i = 0; i < std::size(notes); ++i)
    EXPECT_EQ(by_hash[hash_of(static_cast<int>(i))], notes[i]);
}

// --- snapshot ----------------------------------------------------------------------------------

TEST(SqliteStorage, SnapshotRoundTripReplaceAndClear) {
  TempDir dir;
  auto s = open_ok(dir / "tracker.db");
  ASSERT_TRUE(s);
  std::vector<SnapshotPeer> peers;
  for (std::uint32_t n = 0; n < 30; ++n) peers.push_back(make_peer(static_cast<int>(n % 4), n));
  peers[7].peer.endpoint.port = 65535;
  peers[8].peer.last_seen = 0xffffffffu;
  ASSERT_TRUE(s->save_snapshot(peers));
  auto loaded = s->load_snapshot();
  ASSERT_TRUE(loaded) << loaded.error();
  expect_same_peers(*loaded, peers);
  EXPECT_TRUE((*loaded)[2].peer.endpoint.is_v6());
  EXPECT_TRUE((*loaded)[0].peer.endpoint.is_v4());

  // A second save replaces the first; it does not append.
  const std::vector<SnapshotPeer> fewer(peers.begin() + 10, peers.begin() + 15);
  ASSERT_TRUE(s->save_snapshot(fewer));
  loaded = s->load_snapshot();
  ASSERT_TRUE(loaded);
  expect_same_peers(*loaded, fewer);

  ASSERT_TRUE(s->clear_snapshot());
  loaded = s->load_snapshot();
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(loaded->empty());
  ASSERT_TRUE(s->clear_snapshot());  // clearing nothing is fine

  ASSERT_TRUE(s->save_snapshot(peers));
  ASSERT_TRUE(s->save_snapshot({}));  // an empty snapshot empties it
  loaded = s->load_snapshot();
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(loaded->empty());
}

TEST(SqliteStorage, FailedSnapshotSaveKeepsThePreviousOne) {
  TempDir dir;
  const auto path = dir / "tracker.db";
  auto s = open_ok(path);
  ASSERT_TRUE(s);
  std::vector<SnapshotPeer> peers;
  for (std::uint32_t n = 0; n < 10; ++n) peers.push_back(make_peer(1, n));
  ASSERT_TRUE(s->save_snapshot(peers));

  std::vector<SnapshotPeer> bad(peers);
  bad[5].peer.endpoint.port = 0;  // the swarm store never holds port 0: the schema refuses it
  auto r = s->save_snapshot(bad);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error(), HasSubstr("save swarm snapshot (peer " + bad[5].peer.endpoint.to_string()));
  EXPECT_THAT(r.error(), HasSubstr("CHECK constraint failed"));
  EXPECT_THAT(r.error(), HasSubstr(path.string()));
  auto loaded = s->load_snapshot();
  ASSERT_TRUE(loaded);
  expect_same_peers(*loaded, peers);
}

TEST(SqliteStorage, MillionPeerSnapshot) {
  TempDir dir;
  auto s = open_ok(dir / "tracker.db");
  ASSERT_TRUE(s);
  constexpr std::uint32_t kPeers = 1'000'000;
  constexpr int kSwarms = 20'000;
  std::vector<SnapshotPeer> peers;
  peers.reserve(kPeers);
  for (std::uint32_t n = 0; n < kPeers; ++n) peers.push_back(make_peer(static_cast<int>(n % kSwarms), n));

  const auto t0 = std::chrono::steady_clock::now();
  auto saved = s->save_snapshot(peers);
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(saved) << saved.error();
  auto loaded = s->load_snapshot();
  const auto t2 = std::chrono::steady_clock::now();
  ASSERT_TRUE(loaded) << loaded.error();
  ASSERT_TRUE(s->clear_snapshot());
  const auto t3 = std::chrono::steady_clock::now();

  using ms = std::chrono::duration<double, std::milli>;
  std::printf("[ timing   ] snapshot of %u peers: save %.0f ms, load %.0f ms, clear %.0f ms, "
              "file %.1f MiB\n",
              kPeers, ms(t1 - t0).count(), ms(t2 - t1).count(), ms(t3 - t2).count(),
              static_cast<double>(std::filesystem::file_size(dir / "tracker.db")) / (1024.0 * 1024.0));
  expect_same_peers(*loaded, peers);
}

// --- persistence and concurrency ---------------------------------------------------------------

TEST(SqliteStorage, EverythingSurvivesCloseAndReopen) {
  TempDir dir;
  const auto path = dir / "tracker.db";
  std::vector<SnapshotPeer> peers;
  for (std::uint32_t n = 0; n < 50; ++n) peers.push_back(make_peer(static_cast<int>(n % 3), n));
  {
    auto s = open_ok(path);
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->save_completed({{hash_of(1), 11}, {hash_of(2), 22}}));
    ASSERT_TRUE(s->add_to_list(AccessListKind::allow, hash_of(1), "kept").value_or(false));
    ASSERT_TRUE(s->add_to_list(AccessListKind::deny, hash_of(3), "").value_or(false));
    ASSERT_TRUE(s->save_snapshot(peers));
  }
  auto s = open_ok(path);
  ASSERT_TRUE(s);
  EXPECT_EQ(completed_map(*s),
            (std::map<Sha1Digest, std::uint32_t>{{hash_of(1), 11}, {hash_of(2), 22}}));
  auto allow = s->load_list(AccessListKind::allow);
  ASSERT_TRUE(allow);
  ASSERT_EQ(allow->size(), 1u);
  EXPECT_EQ((*allow)[0].note, "kept");
  EXPECT_EQ(list_hashes(*s, AccessListKind::deny), std::vector<Sha1Digest>{hash_of(3)});
  auto loaded = s->load_snapshot();
  ASSERT_TRUE(loaded);
  expect_same_peers(*loaded, peers);
}

TEST(SqliteStorage, SecondConnectionSeesCommittedWrites) {
  // The tracker keeps its instance open while `shoal-tracker allow add` opens another.
  TempDir dir;
  const auto path = dir / "tracker.db";
  auto tracker = open_ok(path);
  auto cli = open_ok(path);
  ASSERT_TRUE(tracker && cli);
  EXPECT_TRUE(list_hashes(*tracker, AccessListKind::allow).empty());

  ASSERT_TRUE(cli->add_to_list(AccessListKind::allow, hash_of(1), "from the cli").value_or(false));
  EXPECT_EQ(list_hashes(*tracker, AccessListKind::allow), std::vector<Sha1Digest>{hash_of(1)});
  ASSERT_TRUE(cli->remove_from_list(AccessListKind::allow, hash_of(1)).value_or(false));
  EXPECT_TRUE(list_hashes(*tracker, AccessListKind::allow).empty());

  ASSERT_TRUE(tracker->save_completed({{hash_of(2), 5}}));
  EXPECT_EQ(completed_map(*cli).at(hash_of(2)), 5u);
  // Both directions, repeatedly: no instance is left reading an old state.
  ASSERT_TRUE(cli->add_to_list(AccessListKind::deny, hash_of(3), "").value_or(false));
  ASSERT_TRUE(tracker->save_completed({{hash_of(2), 6}}));
  EXPECT_EQ(list_hashes(*tracker, AccessListKind::deny), std::vector<Sha1Digest>{hash_of(3)});
  EXPECT_EQ(completed_map(*cli).at(hash_of(2)), 6u);
}

TEST(SqliteStorage, AnotherProcessSeesCommittedWrites) {
  TempDir dir;
  const auto path = dir / "tracker.db";
  int to_child[2];
  ASSERT_EQ(::pipe(to_child), 0);
  // Fork before this process opens the database: a child must not inherit open SQLite connections.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(to_child[1]);
    char go = 0;
    if (::read(to_child[0], &go, 1) != 1) ::_exit(2);
    auto s = open_sqlite_storage(path);
    if (!s) ::_exit(3);
    auto added = (*s)->add_to_list(AccessListKind::allow, hash_of(42), "from another process");
    if (!added || !*added) ::_exit(4);
    auto counts = (*s)->load_completed();
    if (!counts || counts->size() != 1 || (*counts)[0].second != 7) ::_exit(5);
    s->reset();
    ::_exit(0);
  }
  ::close(to_child[0]);
  auto tracker = open_ok(path);
  ASSERT_TRUE(tracker);
  ASSERT_TRUE(tracker->save_completed({{hash_of(1), 7}}));
  EXPECT_TRUE(list_hashes(*tracker, AccessListKind::allow).empty());
  ASSERT_EQ(::write(to_child[1], "g", 1), 1);
  ::close(to_child[1]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "child failed at step " << WEXITSTATUS(status);
  auto allow = tracker->load_list(AccessListKind::allow);
  ASSERT_TRUE(allow);
  ASSERT_EQ(allow->size(), 1u);
  EXPECT_EQ((*allow)[0].info_hash, hash_of(42));
  EXPECT_EQ((*allow)[0].note, "from another process");
}

TEST(SqliteStorage, WriterWaitsForAnotherWriterInsteadOfFailing) {
  TempDir dir;
  const auto path = dir / "tracker.db";
  auto s = open_ok(path);
  ASSERT_TRUE(s);
  std::promise<void> locked;
  std::thread other([&] {
    SqliteConnection raw = raw_connection(path);
    auto tx = SqliteTransaction::begin_write(raw);
    const bool ok =
        tx && raw.exec("INSERT INTO completed_counts VALUES (X'" + hash_of(9).hex() + "', 9)");
    locked.set_value();  // in every case, or the main thread would wait for ever
    ASSERT_TRUE(ok);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_TRUE(tx->commit());
  });
  locked.get_future().wait();
  // The write lock is held for 300 ms more: with the busy timeout these wait, not fail.
  auto added = s->add_to_list(AccessListKind::allow, hash_of(1), "");
  auto saved = s->save_completed({{hash_of(1), 1}});
  other.join();
  ASSERT_TRUE(added) << added.error();
  EXPECT_TRUE(*added);
  ASSERT_TRUE(saved) << saved.error();
  EXPECT_EQ(completed_map(*s).size(), 2u);
}

// --- schema checks -----------------------------------------------------------------------------

TEST(SqliteStorage, SchemaRefusesMalformedValues) {
  TempDir dir;
  const auto path = dir / "tracker.db";
  auto s = open_ok(path);
  ASSERT_TRUE(s);
  SqliteConnection raw = raw_connection(path);
  const std::string h20 = "X'" + hash_of(1).hex() + "'";
  const std::string h19 = "X'" + hash_of(1).hex().substr(2) + "'";
  const std::string h21 = "X'" + hash_of(1).hex() + "00'";
  const std::string text20 = "'0123456789abcdefghij'";  // 20 characters, but text
  const std::string refused[] = {
      "INSERT INTO completed_counts VALUES (" + h19 + ", 1)",
      "INSERT INTO completed_counts VALUES (" + h21 + ", 1)",
      "INSERT INTO completed_counts VALUES (" + text20 + ", 1)",
      "INSERT INTO completed_counts VALUES (" + h20 + ", -1)",
      "INSERT INTO completed_counts VALUES (" + h20 + ", 4294967296)",
      "INSERT INTO completed_counts VALUES (" + h20 + ", 'many')",
      "INSERT INTO access_list VALUES ('allow', " + h19 + ", '', 0)",
      "INSERT INTO access_list VALUES ('allow', " + text20 + ", '', 0)",
      "INSERT INTO access_list VALUES ('maybe', " + h20 + ", '', 0)",
      "INSERT INTO swarm_snapshot VALUES (" + h21 + ", X'01020304', 80, 0, 0, 0)",
      "INSERT INTO swarm_snapshot VALUES (" + h20 + ", X'0102030405', 80, 0, 0, 0)",
      "INSERT INTO swarm_snapshot VALUES (" + h20 + ", '1.2.3.4', 80, 0, 0, 0)",
      "INSERT INTO swarm_snapshot VALUES (" + h20 + ", X'01020304', 0, 0, 0, 0)",
      "INSERT INTO swarm_snapshot VALUES (" + h20 + ", X'01020304', 65536, 0, 0, 0)",
      "INSERT INTO swarm_snapshot VALUES (" + h20 + ", X'01020304', 80, 2, 0, 0)",
  };
  for (const auto& sql : refused) {
    auto r = raw.exec(sql);
    ASSERT_FALSE(r) << sql;
    EXPECT_THAT(r.error(), HasSubstr("CHECK constraint failed")) << sql;
  }
  // The well-formed versions of the same rows go in.
  EXPECT_TRUE(raw.exec("INSERT INTO completed_counts VALUES (" + h20 + ", 4294967295)"));
  EXPECT_TRUE(raw.exec("INSERT INTO access_list VALUES ('deny', " + h20 + ", '', 0)"));
  EXPECT_TRUE(raw.exec("INSERT INTO swarm_snapshot VALUES (" + h20 +
                       ", X'20010db8000000000000000000000001', 65535, 1, 1, 4294967295)"));
  auto dup = raw.exec("INSERT INTO access_list VALUES ('deny', " + h20 + ", 'again', 1)");
  ASSERT_FALSE(dup);
  EXPECT_THAT(dup.error(), HasSubstr("UNIQUE constraint failed"));
  EXPECT_EQ(completed_map(*s).at(hash_of(1)), 0xffffffffu);
  auto snap = s->load_snapshot();
  ASSERT_TRUE(snap);
  ASSERT_EQ(snap->size(), 1u);
  EXPECT_EQ((*snap)[0].peer.endpoint.to_string(), "[2001:db8::1]:65535");
}

}  // namespace

namespace shoal::tracker {
namespace {

TEST(SqliteStorageHistory, RowsRoundTripUpsertAndAgeOut) {
  testutil::TempDir dir;
  auto db = open_sqlite_storage(dir.path() / "t.db");
  ASSERT_TRUE(db) << db.error();
  const std::int64_t now = 1'800'000'000;
  Sha1Digest a;
  a.bytes.fill(0xaa);
  HistoryRows rows;
  TotalsPoint recent;
  recent.t = now - 120;
  recent.peers = 5;
  recent.announces_http = 42;
  TotalsPoint old = recent;
  old.t = now - kFineSpan - 3600;  // beyond the fine span: not loaded, pruned
  TotalsPoint coarse = recent;
  coarse.t = now - 20 * 86400;
  rows.totals = {{kFineStep, recent}, {kFineStep, old}, {kCoarseStep, coarse}};
  rows.swarms = {{kFineStep, a, SwarmPoint{now - 120, 1, 2, 3}}, {kCoarseStep, a, SwarmPoint{now - 600, 1, 2, 3}}};
  ASSERT_TRUE((*db)->save_history(rows, now));
  // the same coarse swarm point again with other counts: the later wins
  HistoryRows again;
  again.swarms = {{kCoarseStep, a, SwarmPoint{now - 600, 4, 5, 6}}};
  ASSERT_TRUE((*db)->save_history(again, now));

  auto loaded = (*db)->load_history(now);
  ASSERT_TRUE(loaded) << loaded.error();
  ASSERT_EQ(loaded->totals.size(), 2u);
  EXPECT_EQ(loaded->totals[0].first, kCoarseStep);
  EXPECT_EQ(loaded->totals[0].second, coarse);
  EXPECT_EQ(loaded->totals[1].second, recent);
  ASSERT_EQ(loaded->swarms.size(), 2u);
  for (const auto& r : loaded->swarms) {
    EXPECT_EQ(r.info_hash, a);
    if (r.step == kCoarseStep) {
      EXPECT_EQ(r.point, (SwarmPoint{now - 600, 4, 5, 6}));
    }
  }
  // thirty-one days later everything has aged out
  ASSERT_TRUE((*db)->save_history({}, now + 31 * 86400));
  auto later = (*db)->load_history(now);
  ASSERT_TRUE(later);
  EXPECT_TRUE(later->empty());
}

}  // namespace
}  // namespace shoal::tracker
