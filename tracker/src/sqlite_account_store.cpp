// The SQLite AccountStore (account_store.hpp). One connection, serialised by a mutex; statements
// are prepared on first use and cached by their SQL text.

#include <sqlite3.h>

#include <mutex>
#include <unordered_map>

#include "shoal/tracker/account_store.hpp"
#include "shoal/server/secret_token.hpp"
#include "shoal/tracker/sqlite.hpp"
#include "shoal/tracker/tracker_schema.hpp"

namespace shoal::tracker {

using namespace shoal::server;  // the HTTP/API layer the tracker is built on

std::string_view role_name(Role role) noexcept { return role == Role::admin ? "admin" : "user"; }

std::optional<Role> parse_role(std::string_view text) noexcept {
  if (text == "admin") return Role::admin;
  if (text == "user") return Role::user;
  return std::nullopt;
}

namespace {

constexpr std::string_view kUserColumns =
    "id, username, email, role, password_hash, passkey, enabled, created_at, updated_at, "
    "last_login_at, deleted_at";

std::optional<std::int64_t> opt_int(const SqliteStatement& s, int i) {
  if (s.column_is_null(i)) return std::nullopt;
  return s.column_int64(i);
}

void bind_opt(SqliteStatement& s, int i, const std::optional<std::int64_t>& v) {
  if (v)
    s.bind_int64(i, *v);
  else
    s.bind_null(i);
}

void bind_opt(SqliteStatement& s, int i, const std::optional<std::string>& v) {
  if (v)
    s.bind_text(i, *v);
  else
    s.bind_null(i);
}

UserRecord read_user(const SqliteStatement& s) {
  UserRecord u;
  u.id = s.column_int64(0);
  u.username = std::string(s.column_text(1));
  if (!s.column_is_null(2)) u.email = std::string(s.column_text(2));
  u.role = parse_role(s.column_text(3)).value_or(Role::user);
  u.password_hash = std::string(s.column_text(4));
  u.passkey = std::string(s.column_text(5));
  u.enabled = s.column_int64(6) != 0;
  u.created_at = s.column_int64(7);
  u.updated_at = s.column_int64(8);
  u.last_login_at = opt_int(s, 9);
  u.deleted_at = opt_int(s, 10);
  return u;
}

constexpr std::string_view kSessionColumns =
    "id, user_id, token_hash, remember, created_at, expires_at, last_seen_at, address";

SessionRecord read_session(const SqliteStatement& s) {
  SessionRecord r;
  r.id = s.column_int64(0);
  r.user_id = s.column_int64(1);
  r.token_hash = std::string(s.column_text(2));
  r.remember = s.column_int64(3) != 0;
  r.created_at = s.column_int64(4);
  r.expires_at = s.column_int64(5);
  r.last_seen_at = s.column_int64(6);
  r.address = std::string(s.column_text(7));
  return r;
}

constexpr std::string_view kKeyColumns =
    "id, user_id, name, prefix, key_hash, scopes, created_at, expires_at, last_used_at, revoked_at";

ApiKeyRecord read_key(const SqliteStatement& s) {
  ApiKeyRecord k;
  k.id = s.column_int64(0);
  k.user_id = s.column_int64(1);
  k.name = std::string(s.column_text(2));
  k.prefix = std::string(s.column_text(3));
  k.key_hash = std::string(s.column_text(4));
  k.scopes = static_cast<ScopeSet>(s.column_int64(5));
  k.created_at = s.column_int64(6);
  k.expires_at = opt_int(s, 7);
  k.last_used_at = opt_int(s, 8);
  k.revoked_at = opt_int(s, 9);
  return k;
}

class SqliteAccountStore final : public AccountStore {
public:
  explicit SqliteAccountStore(SqliteConnection db) : m_db(std::move(db)) {}

  expected<std::int64_t, StoreError> count_users() override {
    std::lock_guard lock(m_mutex);
    return scalar("SELECT count(*) FROM users WHERE deleted_at IS NULL");
  }

  expected<std::int64_t, StoreError> count_active_admins() override {
    std::lock_guard lock(m_mutex);
    return scalar(
        "SELECT count(*) FROM users WHERE deleted_at IS NULL AND enabled = 1 AND role = 'admin'");
  }

  expected<std::int64_t, StoreError> create_user(
      const NewUser& user, const std::optional<std::string>& invite_hash) override {
    std::lock_guard lock(m_mutex);
    auto tx = SqliteTransaction::begin_write(m_db);
    if (!tx) return failed(tx.error());
    if (invite_hash) {
      auto s = stmt("SELECT id FROM invites WHERE code_hash = ?1 AND used_by IS NULL "
                    "AND used_at IS NULL AND expires_at >= ?2");
      if (!s) return unexpected(s.error());
      (*s)->bind_text(1, *invite_hash);
      (*s)->bind_int64(2, user.created_at);
      auto row = (*s)->step();
      if (!row) return failed(row.error());
      if (!*row) return unexpected(StoreError{StoreError::Kind::not_found, "invite not usable"});
      (*s)->reset();
    }
    auto s = stmt(
        "INSERT INTO users (username, email, role, password_hash, passkey, enabled, created_at, "
        "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?6)");
    if (!s) return unexpected(s.error());
    (*s)->bind_text(1, user.username);
    bind_opt(**s, 2, user.email);
    (*s)->bind_text(3, role_name(user.role));
    (*s)->bind_text(4, user.password_hash);
    (*s)->bind_text(5, user.passkey);
    (*s)->bind_int64(6, user.created_at);
    if (auto r = (*s)->run(); !r) return classify(r.error());
    const std::int64_t id = m_db.last_insert_rowid();
    if (invite_hash) {
      auto u = stmt("UPDATE invites SET used_by = ?1, used_at = ?2 WHERE code_hash = ?3");
      if (!u) return unexpected(u.error());
      (*u)->bind_int64(1, id);
      (*u)->bind_int64(2, user.created_at);
      (*u)->bind_text(3, *invite_hash);
      if (auto r = (*u)->run(); !r) return failed(r.error());
    }
    if (auto r = tx->commit(); !r) return failed(r.error());
    return id;
  }

  expected<std::optional<UserRecord>, StoreError> find_user(std::int64_t id) override {
    std::lock_guard lock(m_mutex);
    auto s = stmt("SELECT " + std::string(kUserColumns) + " FROM users WHERE id = ?1");
    if (!s) return unexpected(s.error());
    (*s)->bind_int64(1, id);
    return one<UserRecord>(**s, read_user);
  }

  expected<std::optional<UserRecord>, StoreError> find_user_by_name(
      std::string_view username) override {
    std::lock_guard lock(m_mutex);
    auto s = stmt("SELECT " + std::string(kUserColumns) + " FROM users WHERE username = ?1");
    if (!s) return unexpected(s.error());
    (*s)->bind_text(1, username);
    return one<UserRecord>(**s, read_user);
  }

  expected<UserPage, StoreError> list_users(const UserQuery& q) override {
    std::lock_guard lock(m_mutex);
    // LIKE's wildcards in the search text are matched literally.
    std::string pattern = "%";
    for (char c : q.search) {
      if (c == '%' || c == '_' || c == '\\') pattern += '\\';
      pattern += c;
    }
    pattern += "%";
    const std::string where =
        " WHERE (?1 = '' OR username LIKE ?2 ESCAPE '\\' OR email LIKE ?2 ESCAPE '\\') "
        "AND (?3 = 1 OR deleted_at IS NULL)";
    UserPage page;
    {
      auto s = stmt("SELECT count(*) FROM users" + where);
      if (!s) return unexpected(s.error());
      (*s)->bind_text(1, q.search);
      (*s)->bind_text(2, pattern);
      (*s)->bind_int64(3, q.include_deleted ? 1 : 0);
      auto row = (*s)->step();
      if (!row) return failed(row.error());
      page.total = *row ? (*s)->column_int64(0) : 0;
      (*s)->reset();
    }
    auto s = stmt("SELECT " + std::string(kUserColumns) + " FROM users" + where +
                  " ORDER BY id LIMIT ?4 OFFSET ?5");
    if (!s) return unexpected(s.error());
    (*s)->bind_text(1, q.search);
    (*s)->bind_text(2, pattern);
    (*s)->bind_int64(3, q.include_deleted ? 1 : 0);
    (*s)->bind_int64(4, static_cast<std::int64_t>(q.limit));
    (*s)->bind_int64(5, static_cast<std::int64_t>(q.offset));
    auto rows = all<UserRecord>(**s, read_user);
    if (!rows) return unexpected(rows.error());
    page.users = std::move(*rows);
    return page;
  }

  expected<void, StoreError> update_user(const UserRecord& u) override {
    std::lock_guard lock(m_mutex);
    auto s = stmt(
        "UPDATE users SET username = ?2, email = ?3, role = ?4, password_hash = ?5, passkey = ?6, "
        "enabled = ?7, updated_at = ?8, last_login_at = ?9, deleted_at = ?10 WHERE id = ?1");
    if (!s) return unexpected(s.error());
    (*s)->bind_int64(1, u.id);
    (*s)->bind_text(2, u.username);
    bind_opt(**s, 3, u.email);
    (*s)->bind_text(4, role_name(u.role));
    (*s)->bind_text(5, u.password_hash);
    (*s)->bind_text(6, u.passkey);
    (*s)->bind_int64(7, u.enabled ? 1 : 0);
    (*s)->bind_int64(8, u.updated_at);
    bind_opt(**s, 9, u.last_login_at);
    bind_opt(**s, 10, u.deleted_at);
    if (auto r = (*s)->run(); !r) {
      auto c = classify(r.error());
      return unexpected(c.error());
    }
    if (m_db.changes() == 0) return unexpected(StoreError{StoreError::Kind::not_found, "no such user"});
    return {};
  }

  expected<void, StoreError> tombstone_user(std::int64_t id, std::int64_t at) override {
    std::lock_guard lock(m_mutex);
    auto tx = SqliteTransaction::begin_write(m_db);
    if (!tx) return failed_void(tx.error());
    auto s = stmt(
        "UPDATE users SET username = '~deleted-' || id, email = NULL, password_hash = '!', "
        "enabled = 0, passkey = ?2, updated_at = ?3, deleted_at = ?3, last_login_at = NULL "
        "WHERE id = ?1");
    if (!s) return unexpected(s.error());
    (*s)->bind_int64(1, id);
    (*s)->bind_text(2, new_passkey());
    (*s)->bind_int64(3, at);
    if (auto r = (*s)->run(); !r) return failed_void(r.error());
    if (m_db.changes() == 0) return unexpected(StoreError{StoreError::Kind::not_found, "no such user"});
    for (std::string_view sql : {"DELETE FROM sessions WHERE user_id = ?1",
                                 "DELETE FROM api_keys WHERE user_id = ?1",
                                 "DELETE FROM invites WHERE created_by = ?1 AND used_by IS NULL"}) {
      auto d = stmt(sql);
      if (!d) return unexpected(d.error());
      (*d)->bind_int64(1, id);
      if (auto r = (*d)->run(); !r) return failed_void(r.error());
    }
    if (auto r = tx->commit(); !r) return failed_void(r.error());
    return {};
  }

  expected<std::int64_t, StoreError> create_session(const SessionRecord& r) override {
    std::lock_guard lock(m_mutex);
    auto s = stmt(
        "INSERT INTO sessions (user_id, token_hash, remember, created_at, expires_at, "
        "last_seen_at, address) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!s) return unexpected(s.error());
    (*s)->bind_int64(1, r.user_id);
    (*s)->bind_text(2, r.token_hash);
    (*s)->bind_int64(3, r.remember ? 1 : 0);
    (*s)->bind_int64(4, r.created_at);
    (*s)->bind_int64(5, r.expires_at);
    (*s)->bind_int64(6, r.last_seen_at);
    (*s)->bind_text(7, r.address);
    if (auto res = (*s)->run(); !res) return classify(res.error());
    return m_db.last_insert_rowid();
  }

  expected<std::optional<SessionRecord>, StoreError> find_session(
      std::string_view token_hash) override {
    std::lock_guard lock(m_mutex);
    auto s = stmt("SELECT " + std::string(kSessionColumns) + " FROM sessions WHERE token_hash = ?1");
    if (!s) return unexpected(s.error());
    (*s)->bind_text(1, token_hash);
    return one<SessionRecord>(**s, read_session);
  }

  expected<void, StoreError> touch_session(std::int64_t id, std::int64_t expires_at,
                                           std::int64_t last_seen_at) override {
    std::lock_guard lock(m_mutex);
    return exec_ids("UPDATE sessions SET expires_at = ?2, last_seen_at = ?3 WHERE id = ?1",
                    {id, expires_at, last_seen_at});
  }

  expected<void, StoreError> delete_session(std::int64_t id) override {
    std::lock_guard lock(m_mutex);
    return exec_ids("DELETE FROM sessions WHERE id = ?1", {id});
  }

  expected<std::int64_t, StoreError> delete_user_sessions(std::int64_t user_id,
                                                          std::int64_t keep_id) override {
    std::lock_guard lock(m_mutex);
    if (auto r = exec_ids("DELETE FROM sessions WHERE user_id = ?1 AND id != ?2", {user_id, keep_id});
        !r)
      return unexpected(r.error());
    return m_db.changes();
  }

  expected<std::int64_t, StoreError> delete_expired_sessions(std::int64_t now) override {
    std::lock_guard lock(m_mutex);
    if (auto r = exec_ids("DELETE FROM sessions WHERE expires_at < ?1", {now}); !r)
      return unexpected(r.error());
    return m_db.changes();
  }

  expected<std::int64_t, StoreError> create_api_key(const ApiKeyRecord& k) override {
    std::lock_guard lock(m_mutex);
    auto s = stmt(
        "INSERT INTO api_keys (user_id, name, prefix, key_hash, scopes, created_at, expires_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!s) return unexpected(s.error());
    (*s)->bind_int64(1, k.user_id);
    (*s)->bind_text(2, k.name);
    (*s)->bind_text(3, k.prefix);
    (*s)->bind_text(4, k.key_hash);
    (*s)->bind_int64(5, k.scopes);
    (*s)->bind_int64(6, k.created_at);
    bind_opt(**s, 7, k.expires_at);
    if (auto r = (*s)->run(); !r) return classify(r.error());
    return m_db.last_insert_rowid();
  }

  expected<std::optional<ApiKeyRecord>, StoreError> find_api_key(
      std::string_view key_hash) override {
    std::lock_guard lock(m_mutex);
    auto s = stmt("SELECT " + std::string(kKeyColumns) + " FROM api_keys WHERE key_hash = ?1");
    if (!s) return unexpected(s.error());
    (*s)->bind_text(1, key_hash);
    return one<ApiKeyRecord>(**s, read_key);
  }

  expected<std::vector<ApiKeyRecord>, StoreError> list_api_keys(std::int64_t user_id) override {
    std::lock_guard lock(m_mutex);
    auto s = stmt("SELECT " + std::string(kKeyColumns) +
                  " FROM api_keys WHERE user_id = ?1 ORDER BY id");
    if (!s) return unexpected(s.error());
    (*s)->bind_int64(1, user_id);
    return all<ApiKeyRecord>(**s, read_key);
  }

  expected<bool, StoreError> revoke_api_key(std::int64_t user_id, std::int64_t key_id,
                                            std::int64_t at) override {
    std::lock_guard lock(m_mutex);
    if (auto r = exec_ids(
            "UPDATE api_keys SET revoked_at = ?3 WHERE id = ?2 AND user_id = ?1 AND revoked_at IS NULL",
            {user_id, key_id, at});
        !r)
      return unexpected(r.error());
    return m_db.changes() > 0;
  }

  expected<void, StoreError> touch_api_key(std::int64_t id, std::int64_t at) override {
    std::lock_guard lock(m_mutex);
    return exec_ids("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1", {id, at});
  }

  expected<std::int64_t, StoreError> create_invite(std::string_view code_hash,
                                                   std::int64_t created_by,
                                                   std::int64_t created_at,
                                                   std::int64_t expires_at) override {
    std::lock_guard lock(m_mutex);
    auto s = stmt(
        "INSERT INTO invites (code_hash, created_by, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)");
    if (!s) return unexpected(s.error());
    (*s)->bind_text(1, code_hash);
    (*s)->bind_int64(2, created_by);
    (*s)->bind_int64(3, created_at);
    (*s)->bind_int64(4, expires_at);
    if (auto r = (*s)->run(); !r) return classify(r.error());
    return m_db.last_insert_rowid();
  }

  expected<void, StoreError> append_audit(const AuditRecord& e) override {
    std::lock_guard lock(m_mutex);
    auto s = stmt(
        "INSERT INTO audit_log (at, actor_id, action, target_id, address, detail) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!s) return unexpected(s.error());
    (*s)->bind_int64(1, e.at);
    bind_opt(**s, 2, e.actor_id);
    (*s)->bind_text(3, e.action);
    bind_opt(**s, 4, e.target_id);
    (*s)->bind_text(5, e.address);
    (*s)->bind_text(6, e.detail);
    if (auto r = (*s)->run(); !r) return failed_void(r.error());
    return {};
  }

  expected<std::vector<AuditRecord>, StoreError> list_audit(std::int64_t before_id,
                                                            std::size_t limit) override {
    std::lock_guard lock(m_mutex);
    auto s = stmt(
        "SELECT a.id, a.at, a.actor_id, coalesce(u1.username, ''), a.action, a.target_id, "
        "coalesce(u2.username, ''), a.address, a.detail FROM audit_log a "
        "LEFT JOIN users u1 ON u1.id = a.actor_id LEFT JOIN users u2 ON u2.id = a.target_id "
        "WHERE (?1 = 0 OR a.id < ?1) ORDER BY a.id DESC LIMIT ?2");
    if (!s) return unexpected(s.error());
    (*s)->bind_int64(1, before_id);
    (*s)->bind_int64(2, static_cast<std::int64_t>(limit));
    return all<AuditRecord>(**s, [](const SqliteStatement& r) {
      AuditRecord a;
      a.id = r.column_int64(0);
      a.at = r.column_int64(1);
      a.actor_id = opt_int(r, 2);
      a.actor_name = std::string(r.column_text(3));
      a.action = std::string(r.column_text(4));
      a.target_id = opt_int(r, 5);
      a.target_name = std::string(r.column_text(6));
      a.address = std::string(r.column_text(7));
      a.detail = std::string(r.column_text(8));
      return a;
    });
  }

private:
  static unexpected<StoreError> failed(const std::string& message) {
    return unexpected(StoreError{StoreError::Kind::failed, message});
  }
  static unexpected<StoreError> failed_void(const std::string& message) { return failed(message); }

  /// A failed write: a UNIQUE violation is a conflict, anything else a failure.
  unexpected<StoreError> classify(const std::string& message) {
    const int code = sqlite3_extended_errcode(m_db.handle());
    if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY)
      return unexpected(StoreError{StoreError::Kind::conflict, message});
    return failed(message);
  }

  expected<SqliteStatement*, StoreError> stmt(std::string_view sql) {
    auto it = m_statements.find(std::string(sql));
    if (it == m_statements.end()) {
      auto prepared = m_db.prepare(sql);
      if (!prepared) return failed(prepared.error());
      it = m_statements.emplace(std::string(sql), std::move(*prepared)).first;
    }
    return &it->second;
  }

  expected<std::int64_t, StoreError> scalar(std::string_view sql) {
    auto s = stmt(sql);
    if (!s) return unexpected(s.error());
    auto row = (*s)->step();
    if (!row) return failed(row.error());
    const std::int64_t v = *row ? (*s)->column_int64(0) : 0;
    (*s)->reset();
    return v;
  }

  expected<void, StoreError> exec_ids(std::string_view sql, std::initializer_list<std::int64_t> ids) {
    auto s = stmt(sql);
    if (!s) return unexpected(s.error());
    int i = 1;
    for (auto v : ids) (*s)->bind_int64(i++, v);
    if (auto r = (*s)->run(); !r) return failed(r.error());
    return {};
  }

  template <class T, class F>
  expected<std::optional<T>, StoreError> one(SqliteStatement& s, F read) {
    auto row = s.step();
    if (!row) return failed(row.error());
    if (!*row) return std::optional<T>{};
    std::optional<T> out = read(s);
    s.reset();
    return out;
  }

  template <class T, class F>
  expected<std::vector<T>, StoreError> all(SqliteStatement& s, F read) {
    std::vector<T> out;
    for (;;) {
      auto row = s.step();
      if (!row) return failed(row.error());
      if (!*row) break;
      out.push_back(read(s));
    }
    return out;
  }

  std::mutex m_mutex;
  SqliteConnection m_db;
  std::unordered_map<std::string, SqliteStatement> m_statements;
};

}  // namespace

expected<std::unique_ptr<AccountStore>, StoreError> open_sqlite_account_store(
    const std::filesystem::path& path) {
  auto db = SqliteConnection::open(path);
  if (!db) return unexpected(StoreError{StoreError::Kind::failed, db.error()});
  if (auto v = apply_migrations(*db, tracker_migrations()); !v)
    return unexpected(StoreError{StoreError::Kind::failed, v.error()});
  return std::unique_ptr<AccountStore>(new SqliteAccountStore(std::move(*db)));
}

}  // namespace shoal::tracker
