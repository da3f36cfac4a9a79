#pragma once
// A small RAII layer over the SQLite C API, shared by every part of the tracker that keeps data in
// its database (storage, accounts, catalog): a connection opened with the project's settings, prepared
// statements, transactions that roll back unless committed, and numbered schema migrations.
//
//   auto db = SqliteConnection::open("shoal-data/tracker.db");   // WAL, foreign keys, busy timeout
//   if (!db) return fail(db.error());
//   if (auto v = apply_migrations(*db, kMigrations); !v) return fail(v.error());
//
//   auto insert = db->prepare("INSERT INTO t(k, v) VALUES (?1, ?2)");  // prepare once, reuse
//   auto tx = SqliteTransaction::begin_write(*db);                      // BEGIN IMMEDIATE
//   for (auto& [k, v] : rows) {
//     insert->bind_blob(1, k.view());
//     insert->bind_int64(2, v);
//     if (auto r = insert->run(); !r) return fail(r.error());          // tx rolls back
//   }
//   if (auto r = tx->commit(); !r) return fail(r.error());
//
//   auto select = db->prepare("SELECT k, v FROM t");
//   while (true) {
//     auto row = select->step();
//     if (!row) return fail(row.error());
//     if (!*row) break;                           // done: the statement has reset itself
//     use(select->column_blob(0), select->column_int64(1));
//   }
//
// Errors are messages for the operator's log that name the operation and the database file:
//   "sqlite: open: file is not a database (/var/lib/shoal/tracker.db)".
// Nothing here throws for a database-side failure; misuse (a statement of a closed connection) is
// undefined, as in the C API.
//
// Threading: a connection, its statements and its transactions belong to one thread at a time.
// Several connections to the same file — in this process or in others — may be used concurrently:
// WAL lets readers run beside the one writer, and writers wait for each other up to the busy
// timeout.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "shoal/proto/expected.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace shoal::tracker {

/// A message naming the operation and the database path.
using SqliteError = std::string;

/// How long a connection waits for another connection's write lock before failing with
/// "database is locked".
inline constexpr std::chrono::milliseconds kDefaultSqliteBusyTimeout{5000};

/// Size at which the write-ahead log is truncated back after a checkpoint, so one large
/// transaction (a million-peer snapshot) does not leave a file of that size behind for good.
inline constexpr std::int64_t kSqliteJournalSizeLimitBytes = 64 * 1024 * 1024;

namespace detail {
struct SqliteCloser {
  void operator()(sqlite3* db) const noexcept;
};
struct SqliteFinalizer {
  void operator()(sqlite3_stmt* stmt) const noexcept;
};
}  // namespace detail

/// A prepared statement. Prepare it once and reuse it: bind, step (or run), bind again.
///
/// Life cycle: `step()` returns true while a row is available and false when done; reaching the
/// end, an error, `run()` and `reset()` all put the statement back at its start, ready for the next
/// execution, with its bound values kept. Binding to a statement that is part-way through its rows
/// resets it first. A statement stopped part-way through its rows keeps a read transaction open
/// (the caller sees no newer commits through it, and the WAL cannot be checkpointed past it) until
/// it is reset or stepped to the end: call `reset()` when you stop early.
///
/// Bind errors (an index out of range, out of memory) are kept and returned by the next `step()`
/// or `run()`, so binding needs no checks of its own. Indexes are 1-based, as in SQL's `?1`.
///
/// Movable, not copyable. Must not outlive its connection.
class SqliteStatement {
public:
  SqliteStatement() = default;  ///< empty; usable only as a target of move assignment

  void bind_int64(int index, std::int64_t value);
  void bind_double(int index, double value);
  /// Text, copied by SQLite (the view need not outlive the call).
  void bind_text(int index, std::string_view value);
  /// Raw bytes (digests, addresses), copied by SQLite.
  void bind_blob(int index, std::string_view bytes);
  void bind_null(int index);

  /// Advances to the next row: true when a row is available, false when done.
  expected<bool, SqliteError> step();
  /// Executes to completion, discarding any rows, and resets.
  expected<void, SqliteError> run();
  /// Back to the start (bound values kept).
  void reset() noexcept;
  /// Back to the start and all parameters NULL.
  void clear_bindings() noexcept;

  // Columns of the current row (0-based). Views stay valid until the next step(), reset() or bind.
  bool column_is_null(int index) const;
  std::int64_t column_int64(int index) const;
  double column_double(int index) const;
  std::string_view column_text(int index) const;
  /// The bytes of a BLOB column (empty for NULL or an empty blob).
  std::string_view column_blob(int index) const;
  int column_count() const;

  /// The SQL text the statement was prepared from.
  std::string_view sql() const;
  sqlite3_stmt* handle() const noexcept { return m_stmt.get(); }

private:
  friend class SqliteConnection;
  explicit SqliteStatement(sqlite3_stmt* stmt) noexcept : m_stmt(stmt) {}
  void begin_bind();
  void note_bind_result(int rc, int index);

  std::unique_ptr<sqlite3_stmt, detail::SqliteFinalizer> m_stmt;
  bool m_active = false;     ///< stepped, not yet back at its start
  int m_bind_error = 0;      ///< first failed bind since the last execution (SQLite result code)
  int m_bind_error_index = 0;
};

/// Options of SqliteConnection::open.
struct SqliteOpenOptions {
  std::chrono::milliseconds busy_timeout = kDefaultSqliteBusyTimeout;
  /// Create the file (and its parent directories) when missing; otherwise it must exist.
  bool create = true;
};

/// An open database connection, set up the way the tracker needs every connection:
///  - journal_mode=WAL: readers never block the writer nor the writer them, so the tracker keeps
///    serving while `shoal-tracker allow add` writes from another process, and vice versa;
///  - synchronous=NORMAL: see sqlite.cpp for why this is durable enough;
///  - foreign_keys=ON (SQLite's default is OFF, per connection);
///  - a busy timeout, so concurrent writers queue rather than fail at once;
///  - journal_size_limit, so the WAL shrinks back after large transactions.
/// Opening reads the file's header and schema before changing anything: a file that is no SQLite
/// database ("file is not a database") or whose schema is damaged ("malformed") is refused and
/// left untouched. Damage elsewhere in the file shows as an error of the query that reaches it.
///
/// Movable, not copyable. Closing (destruction) is deferred by SQLite until the last statement of
/// the connection is finalized, so member order of statements and connection does not matter.
class SqliteConnection {
public:
  SqliteConnection() = default;  ///< empty; usable only as a target of move assignment

  static expected<SqliteConnection, SqliteError> open(const std::filesystem::path& path,
                                                      const SqliteOpenOptions& options = {});

  /// Runs one or more `;`-separated statements that return no rows needed (DDL, pragmas).
  expected<void, SqliteError> exec(std::string_view sql);
  /// Prepares one statement for repeated use (SQLITE_PREPARE_PERSISTENT).
  expected<SqliteStatement, SqliteError> prepare(std::string_view sql);
  /// The first column of the first row of a one-off query ("PRAGMA user_version"); an error when
  /// the query returns no row.
  expected<std::int64_t, SqliteError> query_int64(std::string_view sql);

  /// Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t changes() const;
  std::int64_t last_insert_rowid() const;
  /// True outside an explicit transaction.
  bool autocommit() const;

  /// The path as given to open().
  const std::filesystem::path& path() const noexcept { return m_path; }
  /// The raw handle, for what this wrapper does not cover (link SQLite::SQLite3 and include
  /// <sqlite3.h>).
  sqlite3* handle() const noexcept { return m_db.get(); }

private:
  std::unique_ptr<sqlite3, detail::SqliteCloser> m_db;
  std::filesystem::path m_path;
};

/// A transaction that rolls back when destroyed without commit() — so an early `return` on error
/// undoes everything written since it began.
///
/// begin_write() is `BEGIN IMMEDIATE`: it takes the database's write lock at once (waiting up to
/// the busy timeout), which every write transaction must do. A deferred transaction that reads first
/// and writes later can fail with SQLITE_BUSY at the write, when another connection committed in
/// between — and no timeout helps then. begin_read() is a plain (deferred) `BEGIN`, for a
/// consistent view across several reads.
///
/// Movable, not copyable. Must not outlive its connection; one at a time per connection (SQLite
/// has no nested BEGIN).
class SqliteTransaction {
public:
  static expected<SqliteTransaction, SqliteError> begin_write(SqliteConnection& db);
  static expected<SqliteTransaction, SqliteError> begin_read(SqliteConnection& db);

  SqliteTransaction(SqliteTransaction&& other) noexcept;
  SqliteTransaction& operator=(SqliteTransaction&& other) noexcept;
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  ~SqliteTransaction();

  /// Makes the changes durable and visible to other connections. On failure the changes have
  /// been rolled back. Either way the transaction is over.
  expected<void, SqliteError> commit();
  /// Undoes the changes now (the destructor does the same).
  void rollback() noexcept;

private:
  explicit SqliteTransaction(sqlite3* db) noexcept : m_db(db) {}
  sqlite3* m_db = nullptr;  ///< null once committed, rolled back or moved from
};

/// Brings the schema up to date: migration i (0-based) takes the schema from version i to i + 1;
/// the version is kept in `PRAGMA user_version` (0 for a new database). All pending migrations run
/// in one write transaction together with the version update, so a failure leaves the database as
/// it was, and two processes opening a new database at once cannot both migrate it. Returns the
/// resulting version, migrations.size().
///
/// Refuses a database whose version is newer than migrations.size() — written by a newer build
/// whose tables this code does not know — with a message saying so. Existing migrations must never
/// change once released: add a new one at the end.
///
///   constexpr std::string_view kMigrations[] = {
///     "CREATE TABLE a (...);",                 // 1
///     "ALTER TABLE a ADD COLUMN b INTEGER;",   // 2
///   };
///   auto version = apply_migrations(db, kMigrations);
expected<std::int64_t, SqliteError> apply_migrations(SqliteConnection& db,
                                                     std::span<const std::string_view> migrations);

}  // namespace shoal::tracker
