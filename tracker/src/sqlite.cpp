#include "shoal/tracker/sqlite.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <climits>
#include <system_error>
#include <utility>

namespace shoal::tracker {

namespace {

/// Longest piece of SQL quoted in an error message.
constexpr std::size_t kSqlLabelLength = 60;

std::string database_name(sqlite3* db) {
  const char* name = db ? sqlite3_db_filename(db, "main") : nullptr;
  return name && *name ? name : ":memory:";
}

/// "sqlite: <operation>: <what SQLite says> (<database>)".
std::string error_text(sqlite3* db, int rc, std::string_view operation, std::string_view where) {
  std::string out = "sqlite: ";
  out += operation;
  out += ": ";
  // errmsg describes the connection's latest failure; without a connection only the code is known.
  out += db && sqlite3_errcode(db) != SQLITE_OK ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  out += " (";
  out += where;
  out += ')';
  return out;
}

std::string error_text(sqlite3* db, int rc, std::string_view operation) {
  return error_text(db, rc, operation, database_name(db));
}

/// The start of a statement on one line, to say which statement failed.
std::string sql_label(std::string_view sql) {
  std::string out;
  bool space = false;
  for (char c : sql) {
    const bool is_space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (is_space) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    if (out.size() >= kSqlLabelLength) {
      out += "...";
      break;
    }
    out += c;
  }
  return '"' + out + '"';
}

expected<void, SqliteError> exec_sql(sqlite3* db, std::string_view sql, std::string_view operation) {
  const std::string text(sql);  // sqlite3_exec wants a NUL-terminated string
  const int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return unexpected(error_text(db, rc, operation));
  return {};
}

}  // namespace

void detail::SqliteCloser::operator()(sqlite3* db) const noexcept {
  // close_v2 defers the close until the connection's last statement is finalized.
  sqlite3_close_v2(db);
}

void detail::SqliteFinalizer::operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }

// ---------------------------------------------------------------------------------------------
// SqliteStatement

void SqliteStatement::begin_bind() {
  if (m_active) {
    sqlite3_reset(m_stmt.get());
    m_active = false;
  }
}

void SqliteStatement::note_bind_result(int rc, int index) {
  if (rc != SQLITE_OK && m_bind_error == 0) {
    m_bind_error = rc;
    m_bind_error_index = index;
  }
}

void SqliteStatement::bind_int64(int index, std::int64_t value) {
  begin_bind();
  note_bind_result(sqlite3_bind_int64(m_stmt.get(), index, value), index);
}

void SqliteStatement::bind_double(int index, double value) {
  begin_bind();
  note_bind_result(sqlite3_bind_double(m_stmt.get(), index, value), index);
}

void SqliteStatement::bind_text(int index, std::string_view value) {
  begin_bind();
  // A null pointer would bind NULL, not an empty string.
  const char* data = value.data() ? value.data() : "";
  note_bind_result(sqlite3_bind_text64(m_stmt.get(), index, data, value.size(), SQLITE_TRANSIENT,
                                       SQLITE_UTF8),
                   index);
}

void SqliteStatement::bind_blob(int index, std::string_view bytes) {
  begin_bind();
  if (bytes.empty()) {
    // A null pointer would bind NULL, not an empty blob.
    note_bind_result(sqlite3_bind_zeroblob(m_stmt.get(), index, 0), index);
    return;
  }
  note_bind_result(
      sqlite3_bind_blob64(m_stmt.get(), index, bytes.data(), bytes.size(), SQLITE_TRANSIENT), index);
}

void SqliteStatement::bind_null(int index) {
  begin_bind();
  note_bind_result(sqlite3_bind_null(m_stmt.get(), index), index);
}

expected<bool, SqliteError> SqliteStatement::step() {
  sqlite3* db = sqlite3_db_handle(m_stmt.get());
  if (m_bind_error != 0) {
    const int rc = std::exchange(m_bind_error, 0);
    return unexpected(error_text(nullptr, rc,
                                 "bind parameter " + std::to_string(m_bind_error_index) + " of " +
                                     sql_label(sql()),
                                 database_name(db)));
  }
  const int rc = sqlite3_step(m_stmt.get());
  if (rc == SQLITE_ROW) {
    m_active = true;
    return true;
  }
  std::string error;
  if (rc != SQLITE_DONE) error = error_text(db, rc, sql_label(sql()));  // before reset clears it
  sqlite3_reset(m_stmt.get());
  m_active = false;
  if (rc != SQLITE_DONE) return unexpected(std::move(error));
  return false;
}

expected<void, SqliteError> SqliteStatement::run() {
  while (true) {
    auto row = step();
    if (!row) return unexpected(std::move(row.error()));
    if (!*row) return {};
  }
}

void SqliteStatement::reset() noexcept {
  sqlite3_reset(m_stmt.get());
  m_active = false;
}

void SqliteStatement::clear_bindings() noexcept {
  reset();
  sqlite3_clear_bindings(m_stmt.get());
  m_bind_error = 0;
}

bool SqliteStatement::column_is_null(int index) const {
  return sqlite3_column_type(m_stmt.get(), index) == SQLITE_NULL;
}

std::int64_t SqliteStatement::column_int64(int index) const {
  return sqlite3_column_int64(m_stmt.get(), index);
}

double SqliteStatement::column_double(int index) const {
  return sqlite3_column_double(m_stmt.get(), index);
}

std::string_view SqliteStatement::column_text(int index) const {
  const unsigned char* text = sqlite3_column_text(m_stmt.get(), index);
  const int size = sqlite3_column_bytes(m_stmt.get(), index);  // after the pointer, as documented
  if (!text) return {};
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};
}

std::string_view SqliteStatement::column_blob(int index) const {
  const void* data = sqlite3_column_blob(m_stmt.get(), index);
  const int size = sqlite3_column_bytes(m_stmt.get(), index);
  if (!data) return {};
  return {static_cast<const char*>(data), static_cast<std::size_t>(size)};
}

int SqliteStatement::column_count() const { return sqlite3_column_count(m_stmt.get()); }

std::string_view SqliteStatement::sql() const {
  const char* text = sqlite3_sql(m_stmt.get());
  return text ? std::string_view(text) : std::string_view();
}

// ---------------------------------------------------------------------------------------------
// SqliteConnection

expected<SqliteConnection, SqliteError> SqliteConnection::open(const std::filesystem::path& path,
                                                               const SqliteOpenOptions& options) {
  const std::string where = path.string();
  if (where.empty()) return unexpected(SqliteError("sqlite: open: empty database path"));
  if (options.create && path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec)
      return unexpected("sqlite: create directory " + path.parent_path().string() + ": " +
                        ec.message() + " (" + where + ")");
  }

  // No SQLITE_OPEN_URI: a path is a path. NOMUTEX: a connection is used by one thread at a time.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                    (options.create ? SQLITE_OPEN_CREATE : 0);
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(where.c_str(), &raw, flags, nullptr);
  SqliteConnection conn;
  conn.m_db.reset(raw);  // closed on every return below, failed opens included
  conn.m_path = path;
  if (rc != SQLITE_OK) return unexpected(error_text(raw, rc, "open", where));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, static_cast<int>(std::min<std::int64_t>(options.busy_timeout.count(),
                                                                    INT_MAX)));

  // sqlite3_open_v2 reads nothing; this is the first read of the file. A foreign or corrupt file
  // fails here ("file is not a database") before anything below could write to it.
  if (int check = sqlite3_exec(raw, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
      check != SQLITE_OK)
    return unexpected(error_text(raw, check, "open", where));

  // WAL with synchronous=NORMAL: a commit is appended to the WAL and not fsynced; the WAL is
  // fsynced at checkpoints. That is durable across a crash of the process (kill -9, abort, OOM
  // kill) — the written WAL frames are in the OS page cache and the next opener replays them —
  // which is the tracker's requirement. Only an OS crash or power cut can lose the last few
  // transactions, and even then the database stays consistent (never corrupt). synchronous=FULL
  // would fsync on every commit for a guarantee the tracker does not need: completed counts and
  // snapshots are rewritten every few seconds anyway.
  auto mode = conn.prepare("PRAGMA journal_mode = WAL");
  if (!mode) return unexpected(std::move(mode.error()));
  auto mode_row = mode->step();
  if (!mode_row) return unexpected(std::move(mode_row.error()));
  const std::string journal_mode(*mode_row ? mode->column_text(0) : std::string_view());
  mode->reset();
  if (journal_mode != "wal")
    return unexpected("sqlite: open: cannot use WAL journal mode (the file system may lack shared "
                      "memory support; journal mode is '" + journal_mode + "') (" + where + ")");

  const std::string settings = "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; "
                               "PRAGMA journal_size_limit = " +
                               std::to_string(kSqliteJournalSizeLimitBytes) + ";";
  if (auto r = exec_sql(raw, settings, "open"); !r) return unexpected(std::move(r.error()));
  return conn;
}

expected<void, SqliteError> SqliteConnection::exec(std::string_view sql) {
  return exec_sql(m_db.get(), sql, sql_label(sql));
}

expected<SqliteStatement, SqliteError> SqliteConnection::prepare(std::string_view sql) {
  if (sql.size() >= static_cast<std::size_t>(INT_MAX))
    return unexpected(error_text(nullptr, SQLITE_TOOBIG, "prepare", database_name(m_db.get())));
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(m_db.get(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, &tail);
  SqliteStatement stmt(raw);
  if (rc != SQLITE_OK) return unexpected(error_text(m_db.get(), rc, "prepare " + sql_label(sql)));
  if (!raw)
    return unexpected("sqlite: prepare " + sql_label(sql) + ": no statement in the text (" +
                      database_name(m_db.get()) + ")");
  // Only the first statement would ever run: a second one is a mistake, not something to drop.
  for (const char* p = tail; p && p < sql.data() + sql.size(); ++p) {
    if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r' && *p != ';')
      return unexpected("sqlite: prepare " + sql_label(sql) +
                        ": more than one statement in the text (" + database_name(m_db.get()) + ")");
  }
  return stmt;
}

expected<std::int64_t, SqliteError> SqliteConnection::query_int64(std::string_view sql) {
  auto stmt = prepare(sql);
  if (!stmt) return unexpected(std::move(stmt.error()));
  auto row = stmt->step();
  if (!row) return unexpected(std::move(row.error()));
  if (!*row)
    return unexpected("sqlite: " + sql_label(sql) + ": no row (" + database_name(m_db.get()) + ")");
  const std::int64_t value = stmt->column_int64(0);
  stmt->reset();
  return value;
}

std::int64_t SqliteConnection::changes() const { return sqlite3_changes64(m_db.get()); }

std::int64_t SqliteConnection::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(m_db.get());
}

bool SqliteConnection::autocommit() const { return sqlite3_get_autocommit(m_db.get()) != 0; }

// ---------------------------------------------------------------------------------------------
// SqliteTransaction

expected<SqliteTransaction, SqliteError> SqliteTransaction::begin_write(SqliteConnection& db) {
  if (auto r = exec_sql(db.handle(), "BEGIN IMMEDIATE", "begin write transaction"); !r)
    return unexpected(std::move(r.error()));
  return SqliteTransaction(db.handle());
}

expected<SqliteTransaction, SqliteError> SqliteTransaction::begin_read(SqliteConnection& db) {
  if (auto r = exec_sql(db.handle(), "BEGIN", "begin read transaction"); !r)
    return unexpected(std::move(r.error()));
  return SqliteTransaction(db.handle());
}

SqliteTransaction::SqliteTransaction(SqliteTransaction&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)) {}

SqliteTransaction& SqliteTransaction::operator=(SqliteTransaction&& other) noexcept {
  if (this != &other) {
    rollback();
    m_db = std::exchange(other.m_db, nullptr);
  }
  return *this;
}

SqliteTransaction::~SqliteTransaction() { rollback(); }

expected<void, SqliteError> SqliteTransaction::commit() {
  if (!m_db) return unexpected(SqliteError("sqlite: commit: no transaction in progress"));
  auto r = exec_sql(m_db, "COMMIT", "commit");
  if (!r) {
    rollback();  // a failed COMMIT (e.g. SQLITE_BUSY) may leave the transaction open
    return r;
  }
  m_db = nullptr;
  return {};
}

void SqliteTransaction::rollback() noexcept {
  sqlite3* db = std::exchange(m_db, nullptr);
  // SQLite rolls back by itself after some errors (SQLITE_FULL, SQLITE_IOERR, ...): then there is
  // nothing left to undo, and a ROLLBACK would only fail.
  if (db && sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
}

// ---------------------------------------------------------------------------------------------
// Migrations

expected<std::int64_t, SqliteError> apply_migrations(SqliteConnection& db,
                                                     std::span<const std::string_view> migrations) {
  const auto known = static_cast<std::int64_t>(migrations.size());
  const std::string where = database_name(db.handle());
  auto check_version = [&](std::int64_t version) -> expected<void, SqliteError> {
    if (version > known)
      return unexpected("sqlite: database schema version " + std::to_string(version) +
                        " is newer than this program supports (" + std::to_string(known) +
                        "): it was written by a newer version; upgrade, or use another database "
                        "file (" + where + ")");
    if (version < 0)
      return unexpected("sqlite: invalid database schema version " + std::to_string(version) +
                        " (" + where + ")");
    return {};
  };

  // Up to date (the usual case): no need to take the write lock.
  auto version = db.query_int64("PRAGMA user_version");
  if (!version) return unexpected(std::move(version.error()));
  if (auto r = check_version(*version); !r) return unexpected(std::move(r.error()));
  if (*version == known) return known;

  auto tx = SqliteTransaction::begin_write(db);
  if (!tx) return unexpected(std::move(tx.error()));
  // Read again under the write lock: another process may have migrated in the meantime.
  version = db.query_int64("PRAGMA user_version");
  if (!version) return unexpected(std::move(version.error()));
  if (auto r = check_version(*version); !r) return unexpected(std::move(r.error()));
  for (std::int64_t v = *version; v < known; ++v) {
    if (auto r = exec_sql(db.handle(), migrations[static_cast<std::size_t>(v)],
                          "apply schema migration " + std::to_string(v + 1));
        !r)
      return unexpected(std::move(r.error()));  // tx rolls every migration back
  }
  // user_version lives in the database header and is written by this same transaction.
  if (auto r = exec_sql(db.handle(), "PRAGMA user_version = " + std::to_string(known),
                        "set schema version");
      !r)
    return unexpected(std::move(r.error()));
  if (auto r = tx->commit(); !r) return unexpected(std::move(r.error()));
  return known;
}

}  // namespace shoal::tracker
