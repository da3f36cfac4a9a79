#include "shoal/tracker/sqlite.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sqlite_test_util.hpp"

using namespace shoal;
using namespace shoal::tracker;
using shoal::tracker::testutil::TempDir;
using ::testing::HasSubstr;

namespace {

SqliteConnection open_ok(const std::filesystem::path& path, const SqliteOpenOptions& options = {}) {
  auto db = SqliteConnection::open(path, options);
  EXPECT_TRUE(db) << db.error();
  return db ? std::move(*db) : SqliteConnection();
}

std::string query_text(SqliteConnection& db, std::string_view sql) {
  auto stmt = db.prepare(sql);
  EXPECT_TRUE(stmt) << stmt.error();
  if (!stmt) return {};
  auto row = stmt->step();
  EXPECT_TRUE(row && *row);
  if (!row || !*row) return {};
  std::string out(stmt->column_text(0));
  stmt->reset();
  return out;
}

std::int64_t query_int(SqliteConnection& db, std::string_view sql) {
  auto v = db.query_int64(sql);
  EXPECT_TRUE(v) << v.error();
  return v ? *v : -1;
}

// --- open -------------------------------------------------------------------------------------

TEST(SqliteConnection, OpenAppliesTheTrackerSettings) {
  TempDir dir;
  SqliteConnection db = open_ok(dir / "t.db");
  EXPECT_EQ(query_text(db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_int(db, "PRAGMA synchronous"), 1);  // NORMAL
  EXPECT_EQ(query_int(db, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(query_int(db, "PRAGMA busy_timeout"), kDefaultSqliteBusyTimeout.count());
  EXPECT_EQ(query_int(db, "PRAGMA journal_size_limit"), kSqliteJournalSizeLimitBytes);
  EXPECT_EQ(db.path(), dir / "t.db");
  EXPECT_TRUE(db.autocommit());

  SqliteConnection quick = open_ok(dir / "t.db", {.busy_timeout = std::chrono::milliseconds(250)});
  EXPECT_EQ(query_int(quick, "PRAGMA busy_timeout"), 250);
}

TEST(SqliteConnection, OpenCreatesParentDirectories) {
  TempDir dir;
  const auto path = dir / "a" / "b" / "c" / "t.db";
  SqliteConnection db = open_ok(path);
  EXPECT_TRUE(std::filesystem::is_regular_file(path));
}

TEST(SqliteConnection, OpenWithoutCreateNeedsAnExistingFile) {
  TempDir dir;
  const auto path = dir / "missing.db";
  auto db = SqliteConnection::open(path, {.create = false});
  ASSERT_FALSE(db);
  EXPECT_THAT(db.error(), HasSubstr("sqlite: open: unable to open database file"));
  EXPECT_THAT(db.error(), HasSubstr(path.string()));
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(SqliteConnection, ForeignFileIsRefusedAndLeftUntouched) {
  TempDir dir;
  const auto path = dir / "not-a-db.db";
  const std::string garbage = testutil::garbage_bytes();
  testutil::write_file(path, garbage);
  auto db = SqliteConnection::open(path);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error(), "sqlite: open: file is not a database (" + path.string() + ")");
  EXPECT_EQ(testutil::read_file(path), garbage);
  EXPECT_FALSE(std::filesystem::exists(path.string() + "-wal"));

  const auto text = dir / "notes.txt";
  testutil::write_file(text, "just some notes, not a database\n");
  auto db2 = SqliteConnection::open(text);
  ASSERT_FALSE(db2);
  EXPECT_THAT(db2.error(), HasSubstr("file is not a database"));
}

TEST(SqliteConnection, ParentThatIsAFileIsAnError) {
  TempDir dir;
  testutil::write_file(dir / "plain", "x");
  const auto path = dir / "plain" / "sub" / "t.db";
  auto db = SqliteConnection::open(path);
  ASSERT_FALSE(db);
  EXPECT_THAT(db.error(), HasSubstr("sqlite: create directory " + (dir / "plain" / "sub").string()));
  EXPECT_THAT(db.error(), HasSubstr(path.string()));
}

TEST(SqliteConnection, ReadOnlyDirectoryIsAnError) {
  TempDir dir;
  const auto path = testutil::make_read_only_dir(dir.path(), "ro") / "t.db";
  const std::string error = testutil::run_unprivileged([&] {
    auto db = SqliteConnection::open(path);
    return db ? std::string("opened") : db.error();
  });
  EXPECT_EQ(error, "sqlite: open: unable to open database file (" + path.string() + ")");
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(SqliteConnection, EmptyPathIsAnError) {
  auto db = SqliteConnection::open("");
  ASSERT_FALSE(db);
  EXPECT_THAT(db.error(), HasSubstr("empty database path"));
}

// --- statements --------------------------------------------------------------------------------

TEST(SqliteStatement, BindAndReadEveryType) {
  TempDir dir;
  SqliteConnection db = open_ok(dir / "t.db");
  ASSERT_TRUE(db.exec("CREATE TABLE t (i INTEGER, d REAL, s TEXT, b BLOB, n)"));
  auto insert = db.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)");
  ASSERT_TRUE(insert) << insert.error();
  const std::string blob("\x00\x01\xff\x00z", 5);
  insert->bind_int64(1, -9007199254740993);
  insert->bind_double(2, 0.25);
  insert->bind_text(3, "h\xc3\xa9llo 'quoted'");
  insert->bind_blob(4, blob);
  insert->bind_null(5);
  ASSERT_TRUE(insert->run());
  EXPECT_EQ(db.changes(), 1);
  EXPECT_EQ(db.last_insert_rowid(), 1);

  auto select = db.prepare("SELECT i, d, s, b, n, typeof(b) FROM t");
  ASSERT_TRUE(select);
  EXPECT_EQ(select->column_count(), 6);
  auto row = select->step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(select->column_int64(0), -9007199254740993);
  EXPECT_EQ(select->column_double(1), 0.25);
  EXPECT_EQ(select->column_text(2), "h\xc3\xa9llo 'quoted'");
  EXPECT_EQ(select->column_blob(3), blob);
  EXPECT_TRUE(select->column_is_null(4));
  EXPECT_FALSE(select->column_is_null(3));
  EXPECT_EQ(select->column_text(5), "blob");
  row = select->step();
  ASSERT_TRUE(row);
  EXPECT_FALSE(*row);
}

TEST(SqliteStatement, EmptyTextAndBlobAreNotNull) {
  TempDir dir;
  SqliteConnection db = open_ok(dir / "t.db");
  auto q = db.prepare("SELECT typeof(?1), typeof(?2), length(?2)");
  ASSERT_TRUE(q);
  q->bind_text(1, std::string_view());  // default view: null data pointer
  q->bind_blob(2, std::string_view());
  auto row = q->step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(q->column_text(0), "text");
  EXPECT_EQ(q->column_text(1), "blob");
  EXPECT_EQ(q->column_int64(2), 0);
}

TEST(SqliteStatement, ReuseAfterRunAndAfterAPartialRead) {
  TempDir dir;
  SqliteConnection db = open_ok(dir / "t.db");
  ASSERT_TRUE(db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"));
  auto insert = db.prepare("INSERT INTO t VALUES (?1, ?2)");
  ASSERT_TRUE(insert);
  for (int i = 1; i <= 5; ++i) {
    insert->bind_int64(1, i);
    insert->bind_text(2, "v" + std::to_string(i));
    ASSERT_TRUE(insert->run());
  }
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM t"), 5);

  auto select = db.prepare("SELECT k FROM t WHERE k >= ?1 ORDER BY k");
  ASSERT_TRUE(select);
  select->bind_int64(1, 2);
  auto row = select->step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(select->column_int64(0), 2);
  // Rebinding mid-way starts over with the new value.
  select->bind_int64(1, 4);
  std::vector<std::int64_t> keys;
  while (true) {
    row = select->step();
    ASSERT_TRUE(row) << row.error();
    if (!*row) break;
    keys.push_back(select->column_int64(0));
  }
  EXPECT_EQ(keys, (std::vector<std::int64_t>{4, 5}));
  // Reaching the end reset it: stepping again runs it again with the kept binding.
  row = select->step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(select->column_int64(0), 4);
  select->reset();
}

TEST(SqliteStatement, ConstraintErrorNamesTheStatementAndTheFile) {
  TempDir dir;
  SqliteConnection db = open_ok(dir / "t.db");
  ASSERT_TRUE(db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY)"));
  auto insert = db.prepare("INSERT INTO t VALUES (?1)");
  ASSERT_TRUE(insert);
  insert->bind_int64(1, 7);
  ASSERT_TRUE(insert->run());
  auto r = insert->run();  // same key again
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error(), HasSubstr("\"INSERT INTO t VALUES (?1)\""));
  EXPECT_THAT(r.error(), HasSubstr("UNIQUE constraint failed: t.k"));
  EXPECT_THAT(r.error(), HasSubstr((dir / "t.db").string()));
  // The statement is usable again after the error.
  insert->bind_int64(1, 8);
  EXPECT_TRUE(insert->run());
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM t"), 2);
}

TEST(SqliteStatement, BindErrorIsReportedByTheNextStep) {
  TempDir dir;
  SqliteConnection db = open_ok(dir / "t.db");
  auto q = db.prepare("SELECT ?1 + ?2");
  ASSERT_TRUE(q);
  q->bind_int64(1, 1);
  q->bind_int64(2, 2);
  q->bind_int64(3, 3);  // no such parameter
  auto row = q->step();
  ASSERT_FALSE(row);
  EXPECT_THAT(row.error(), HasSubstr("bind parameter 3"));
  EXPECT_THAT(row.error(), HasSubstr("column index out of range"));
  // Reported once; the valid bindings stand.
  row = q->step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(q->column_int64(0), 3);
  q->clear_bindings();
  row = q->step();
  ASSERT_TRUE(row && *row);
  EXPECT_TRUE(q->column_is_null(0));
  q->reset();
}

TEST(SqliteConnection, PrepareErrors) {
  TempDir dir;
  SqliteConnection db = open_ok(dir / "t.db");
  auto bad = db.prepare("SELEKT 1");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error(), HasSubstr("prepare \"SELEKT 1\""));
  EXPECT_THAT(bad.error(), HasSubstr("syntax error"));

  auto two = db.prepare("SELECT 1; SELECT 2");
  ASSERT_FALSE(two);
  EXPECT_THAT(two.error(), HasSubstr("more than one statement"));

  auto none = db.prepare("  -- only a comment");
  ASSERT_FALSE(none);
  EXPECT_THAT(none.error(), HasSubstr("no statement"));

  auto trailing = db.prepare("SELECT 1;  \n");
  EXPECT_TRUE(trailing) << trailing.error();

  auto missing = db.prepare("SELECT * FROM nowhere");
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error(), HasSubstr("no such table: nowhere"));

  auto no_row = db.query_int64("SELECT 1 WHERE 0");
  ASSERT_FALSE(no_row);
  EXPECT_THAT(no_row.error(), HasSubstr("no row"));

  auto exec = db.exec("CREATE TABLE t (a); CREATE TABLE t (a);");
  ASSERT_FALSE(exec);
  EXPECT_THAT(exec.error(), HasSubstr("table t already exists"));
}

// --- transactions ------------------------------------------------------------------------------

TEST(SqliteTransaction, CommitMakesChangesVisibleDestructorRollsBack) {
  TempDir dir;
  SqliteConnection writer = open_ok(dir / "t.db");
  SqliteConnection reader = open_ok(dir / "t.db");
  ASSERT_TRUE(writer.exec("CREATE TABLE t (k INTEGER)"));
  {
    auto tx = SqliteTransaction::begin_write(writer);
    ASSERT_TRUE(tx) << tx.error();
    EXPECT_FALSE(writer.autocommit());
    ASSERT_TRUE(writer.exec("INSERT INTO t VALUES (1)"));
    EXPECT_EQ(query_int(writer, "SELECT count(*) FROM t"), 1);
    EXPECT_EQ(query_int(reader, "SELECT count(*) FROM t"), 0);  // not committed yet
    ASSERT_TRUE(tx->commit());
    EXPECT_TRUE(writer.autocommit());
    EXPECT_FALSE(tx->commit());  // over
  }
  EXPECT_EQ(query_int(reader, "SELECT count(*) FROM t"), 1);
  {
    auto tx = SqliteTransaction::begin_write(writer);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(writer.exec("INSERT INTO t VALUES (2)"));
    // destroyed without commit
  }
  EXPECT_TRUE(writer.autocommit());
  EXPECT_EQ(query_int(writer, "SELECT count(*) FROM t"), 1);
  {
    auto tx = SqliteTransaction::begin_write(writer);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(writer.exec("INSERT INTO t VALUES (3)"));
    SqliteTransaction moved = std::move(*tx);  // the moved-from one must not roll back
    ASSERT_TRUE(moved.commit());
  }
  EXPECT_EQ(query_int(reader, "SELECT count(*) FROM t"), 2);
}

TEST(SqliteTransaction, ReadTransactionSeesOneSnapshot) {
  TempDir dir;
  SqliteConnection writer = open_ok(dir / "t.db");
  SqliteConnection reader = open_ok(dir / "t.db");
  ASSERT_TRUE(writer.exec("CREATE TABLE t (k INTEGER); INSERT INTO t VALUES (1)"));
  auto tx = SqliteTransaction::begin_read(reader);
  ASSERT_TRUE(tx) << tx.error();
  EXPECT_EQ(query_int(reader, "SELECT count(*) FROM t"), 1);
  ASSERT_TRUE(writer.exec("INSERT INTO t VALUES (2)"));  // WAL: the writer is not blocked
  EXPECT_EQ(query_int(reader, "SELECT count(*) FROM t"), 1);
  ASSERT_TRUE(tx->commit());
  EXPECT_EQ(query_int(reader, "SELECT count(*) FROM t"), 2);
}

TEST(SqliteTransaction, SecondWriterTimesOutWithDatabaseLocked) {
  TempDir dir;
  const auto path = dir / "t.db";
  SqliteConnection first = open_ok(path);
  SqliteConnection second = open_ok(path, {.busy_timeout = std::chrono::milliseconds(50)});
  auto tx = SqliteTransaction::begin_write(first);
  ASSERT_TRUE(tx);
  auto tx2 = SqliteTransaction::begin_write(second);
  ASSERT_FALSE(tx2);
  EXPECT_THAT(tx2.error(), HasSubstr("sqlite: begin write transaction: database is locked"));
  EXPECT_THAT(tx2.error(), HasSubstr(path.string()));
  tx->rollback();
  auto tx3 = SqliteTransaction::begin_write(second);
  EXPECT_TRUE(tx3) << tx3.error();
}

TEST(SqliteTransaction, FailedCommitRollsBack) {
  // A deferred foreign key is checked at COMMIT: the commit fails, and nothing may stay behind.
  TempDir dir;
  SqliteConnection db = open_ok(dir / "t.db");
  ASSERT_TRUE(db.exec("CREATE TABLE parent (id INTEGER PRIMARY KEY);"
                      "CREATE TABLE child (pid INTEGER REFERENCES parent (id) "
                      "DEFERRABLE INITIALLY DEFERRED)"));
  auto tx = SqliteTransaction::begin_write(db);
  ASSERT_TRUE(tx);
  ASSERT_TRUE(db.exec("INSERT INTO child VALUES (42)"));  // dangling until commit
  auto r = tx->commit();
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error(), HasSubstr("sqlite: commit: FOREIGN KEY constraint failed"));
  EXPECT_TRUE(db.autocommit());
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM child"), 0);
}

// --- migrations --------------------------------------------------------------------------------

TEST(SqliteMigrations, AppliedInOrderOnceEach) {
  TempDir dir;
  SqliteConnection db = open_ok(dir / "t.db");
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 0);
  const std::string_view two[] = {
      "CREATE TABLE a (x INTEGER);",
      "ALTER TABLE a ADD COLUMN y TEXT; INSERT INTO a VALUES (1, 'one');",
  };
  auto v = apply_migrations(db, two);
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(*v, 2);
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 2);
  EXPECT_EQ(query_text(db, "SELECT y FROM a"), "one");

  // Again: nothing runs (CREATE TABLE a would fail if it did).
  v = apply_migrations(db, two);
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(*v, 2);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM a"), 1);

  // One more: only the new one runs.
  const std::string_view three[] = {two[0], two[1], "INSERT INTO a VALUES (3, 'three');"};
  v = apply_migrations(db, three);
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(*v, 3);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM a"), 2);
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 3);
}

TEST(SqliteMigrations, NewerSchemaIsRefused) {
  TempDir dir;
  const auto path = dir / "t.db";
  SqliteConnection db = open_ok(path);
  ASSERT_TRUE(db.exec("CREATE TABLE a (x); PRAGMA user_version = 5;"));
  const std::string_view known[] = {"CREATE TABLE a (x);", "CREATE TABLE b (x);"};
  auto v = apply_migrations(db, known);
  ASSERT_FALSE(v);
  EXPECT_THAT(v.error(), HasSubstr("schema version 5 is newer than this program supports (2)"));
  EXPECT_THAT(v.error(), HasSubstr(path.string()));
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 5);
  EXPECT_FALSE(db.prepare("SELECT * FROM b"));  // nothing was applied
}

TEST(SqliteMigrations, FailingMigrationLeavesTheDatabaseAsItWas) {
  TempDir dir;
  SqliteConnection db = open_ok(dir / "t.db");
  const std::string_view migrations[] = {
      "CREATE TABLE a (x INTEGER);",
      "INSERT INTO a VALUES (1); INSERT INTO no_such_table VALUES (2);",
  };
  auto v = apply_migrations(db, migrations);
  ASSERT_FALSE(v);
  EXPECT_THAT(v.error(), HasSubstr("apply schema migration 2"));
  EXPECT_THAT(v.error(), HasSubstr("no such table: no_such_table"));
  EXPECT_TRUE(db.autocommit());
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 0);
  EXPECT_FALSE(db.prepare("SELECT * FROM a"));  // migration 1 was undone too
}

}  // namespace
