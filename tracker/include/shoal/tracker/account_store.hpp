#pragma once
// AccountStore: where accounts, sessions, API keys, invite codes and the audit log are kept —
// an interface (design.md: storage behind an interface, so PostgreSQL can join SQLite later) with
// the embedded SQLite implementation (open_sqlite_account_store, tables of migration 2 in
// tracker_schema.cpp). Plain records in and out; no policy here: AccountService decides what may
// happen, the store only keeps it.
//
//   auto store = open_sqlite_account_store("shoal-data/tracker.db");
//   if (!store) die(store.error().message);
//   auto id = (*store)->create_user(NewUser{...});
//   if (!id && id.error().kind == StoreError::Kind::conflict) ... // username or passkey taken
//
// Threading: every method may be called from any thread; the SQLite implementation serialises
// them on one connection (a mutex). Keep slow work (password hashing) outside store calls.
// Times are unix seconds.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/proto/expected.hpp"
#include "shoal/server/auth.hpp"

namespace shoal::tracker {

enum class Role { user, admin };

/// "user" / "admin".
std::string_view role_name(Role role) noexcept;
std::optional<Role> parse_role(std::string_view text) noexcept;

// The authorization model (scopes, credential kinds) is the server module's (shoal/server/auth.hpp).
using server::Scope;
using server::ScopeSet;
using server::kAllScopes;
using server::scope_bit;
using server::has_scope;
using server::scope_name;
using server::parse_scope;
using server::scope_names;

struct StoreError {
  enum class Kind {
    conflict,  ///< a unique value (username, passkey, token hash) is taken
    not_found, ///< the row to change does not exist (or a referenced invite is not usable)
    failed,    ///< database failure; `message` is for the log
  };
  Kind kind = Kind::failed;
  std::string message;
};

struct UserRecord {
  std::int64_t id = 0;
  std::string username;
  std::optional<std::string> email;
  Role role = Role::user;
  std::string password_hash;
  std::string passkey;  ///< 32 lowercase hex
  bool enabled = true;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> last_login_at;
  std::optional<std::int64_t> deleted_at;  ///< set: an anonymous tombstone
};

struct NewUser {
  std::string username;
  std::optional<std::string> email;
  Role role = Role::user;
  std::string password_hash;
  std::string passkey;
  std::int64_t created_at = 0;
};

struct SessionRecord {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string token_hash;
  bool remember = false;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::int64_t last_seen_at = 0;
  std::string address;
};

struct ApiKeyRecord {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string name;
  std::string prefix;
  std::string key_hash;
  ScopeSet scopes = 0;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> expires_at;
  std::optional<std::int64_t> last_used_at;
  std::optional<std::int64_t> revoked_at;
};

struct AuditRecord {
  std::int64_t id = 0;
  std::int64_t at = 0;
  std::optional<std::int64_t> actor_id;
  std::string actor_name;   ///< joined at read time ("" when none)
  std::string action;       ///< "login.success", "admin.user.role", ...
  std::optional<std::int64_t> target_id;
  std::string target_name;  ///< joined at read time
  std::string address;
  std::string detail;
};

struct UserQuery {
  std::string search;  ///< substring of username or email (case-insensitive); "" = all
  bool include_deleted = false;
  std::size_t limit = 50;
  std::size_t offset = 0;
};

struct UserPage {
  std::vector<UserRecord> users;  ///< ordered by id
  std::int64_t total = 0;         ///< matching users without limit/offset
};

class AccountStore {
public:
  virtual ~AccountStore() = default;

  // Users.
  /// Users that are not tombstones.
  virtual expected<std::int64_t, StoreError> count_users() = 0;
  /// Enabled, non-deleted admins.
  virtual expected<std::int64_t, StoreError> count_active_admins() = 0;
  /// The new id; conflict when the username (case-insensitive) or passkey is taken. With
  /// `invite_hash`, the invite must exist, be unused and not expired at created_at (else
  /// not_found) and is marked used by the new user in the same transaction.
  virtual expected<std::int64_t, StoreError> create_user(
      const NewUser& user, const std::optional<std::string>& invite_hash = std::nullopt) = 0;
  virtual expected<std::optional<UserRecord>, StoreError> find_user(std::int64_t id) = 0;
  /// Case-insensitive.
  virtual expected<std::optional<UserRecord>, StoreError> find_user_by_name(
      std::string_view username) = 0;
  virtual expected<UserPage, StoreError> list_users(const UserQuery& query) = 0;
  /// Writes every field of `user` except id and created_at; not_found when no such row; conflict
  /// when the new username/passkey is taken.
  virtual expected<void, StoreError> update_user(const UserRecord& user) = 0;
  /// Turns the user into an anonymous tombstone in one transaction: username "~deleted-<id>",
  /// email NULL, password unusable, disabled, new random passkey, deleted_at = at; deletes their
  /// sessions, API keys and unused invites. Accounting rows (other tables referring to the id)
  /// stay.
  virtual expected<void, StoreError> tombstone_user(std::int64_t id, std::int64_t at) = 0;

  // Sessions.
  virtual expected<std::int64_t, StoreError> create_session(const SessionRecord& session) = 0;
  virtual expected<std::optional<SessionRecord>, StoreError> find_session(
      std::string_view token_hash) = 0;
  virtual expected<void, StoreError> touch_session(std::int64_t id, std::int64_t expires_at,
                                                   std::int64_t last_seen_at) = 0;
  virtual expected<void, StoreError> delete_session(std::int64_t id) = 0;
  /// Every session of the user except `keep_id` (0: none kept). Returns how many.
  virtual expected<std::int64_t, StoreError> delete_user_sessions(std::int64_t user_id,
                                                                  std::int64_t keep_id) = 0;
  /// Sessions whose expires_at < now.
  virtual expected<std::int64_t, StoreError> delete_expired_sessions(std::int64_t now) = 0;

  // API keys.
  virtual expected<std::int64_t, StoreError> create_api_key(const ApiKeyRecord& key) = 0;
  virtual expected<std::optional<ApiKeyRecord>, StoreError> find_api_key(
      std::string_view key_hash) = 0;
  /// Oldest first, revoked ones included.
  virtual expected<std::vector<ApiKeyRecord>, StoreError> list_api_keys(std::int64_t user_id) = 0;
  /// Sets revoked_at on the user's key `key_id`; false when the user has no such unrevoked key.
  virtual expected<bool, StoreError> revoke_api_key(std::int64_t user_id, std::int64_t key_id,
                                                    std::int64_t at) = 0;
  virtual expected<void, StoreError> touch_api_key(std::int64_t id, std::int64_t at) = 0;

  // Invites.
  virtual expected<std::int64_t, StoreError> create_invite(std::string_view code_hash,
                                                           std::int64_t created_by,
                                                           std::int64_t created_at,
                                                           std::int64_t expires_at) = 0;

  // Audit log.
  virtual expected<void, StoreError> append_audit(const AuditRecord& entry) = 0;
  /// Newest first: entries with id < before_id (0: from the newest), at most `limit`.
  virtual expected<std::vector<AuditRecord>, StoreError> list_audit(std::int64_t before_id,
                                                                    std::size_t limit) = 0;
};

/// Opens (creating if needed) the tracker database at `path` and applies tracker_migrations().
/// Errors name the operation and the path.
expected<std::unique_ptr<AccountStore>, StoreError> open_sqlite_account_store(
    const std::filesystem::path& path);

}  // namespace shoal::tracker
