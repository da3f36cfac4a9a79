#pragma once
// AccountService: the rules of accounts, over an AccountStore — registration (open, closed or by
// invite), sign-in with throttling, sessions with sliding expiry, API keys with scopes, passkeys,
// account deletion (an anonymous tombstone that keeps accounting totals), the admin operations and
// the audit log. No HTTP here: the REST API (account_api.hpp) turns requests into these calls and
// AccountError into the JSON error shape; tests drive this class directly with an in-memory clock.
//
//   AccountService accounts(*store, policy, {.on_users_changed = [&] { registry.reload(); }});
//   auto login = accounts.login("alice", "correct horse battery", /*remember=*/false, "192.0.2.7");
//   if (!login) return error(login.error());             // kind, code, message, retry_after
//   auto who = accounts.authenticate_bearer(login->token, "192.0.2.7");
//   if (who && has_scope(who->scopes, Scope::admin)) ...
//
// Security notes. Passwords are hashed with scrypt (password_hash.hpp) — slow on purpose, so call
// register/login/password methods from worker threads. A sign-in for an unknown user still runs
// one KDF (against a dummy hash) so response times do not reveal which usernames exist. Failed
// sign-ins are counted per account and per client address (LoginThrottle); a locked key gets
// `throttled` with retry_after until the lock ends. Session tokens and API keys are looked up by
// their SHA-256 only.
//
// Thread-safe (the store serialises, the throttles lock).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/proto/expected.hpp"
#include "shoal/tracker/account_store.hpp"
#include "shoal/tracker/password_hash.hpp"
#include "shoal/server/auth.hpp"
#include "shoal/server/rate_limiter.hpp"

namespace shoal::tracker {

using namespace shoal::server;  // the HTTP/API layer the tracker is built on

enum class RegistrationMode { open, closed, invite };
std::string_view registration_mode_name(RegistrationMode mode) noexcept;

struct AccountPolicy {
  RegistrationMode registration = RegistrationMode::closed;
  std::size_t min_password_length = 10;
  ScryptParams scrypt;
  /// A session not used for this long expires (sliding); every use pushes expiry out again.
  std::chrono::seconds session_lifetime{std::chrono::hours(12)};
  /// The same for "remember me" sessions (whose cookie also survives closing the browser).
  std::chrono::seconds remember_lifetime{std::chrono::hours(24 * 30)};
  /// Sign-in failures before a lock, per account and per client address; 0: no throttle.
  std::uint32_t login_failures_per_account = 5;
  std::uint32_t login_failures_per_address = 20;
  std::chrono::seconds login_window{900};
  std::chrono::seconds login_lockout{900};
  std::chrono::seconds invite_lifetime{std::chrono::hours(24 * 7)};
};

struct AccountHooks {
  /// Called (on the calling thread, after the change is stored) whenever the set of users that
  /// may announce or their passkeys change: create, enable/disable, role change, delete, passkey
  /// rotation. The private-mode passkey registry reloads on it.
  std::function<void()> on_users_changed;
  /// Unix seconds (tests set a fake clock).
  std::function<std::int64_t()> unix_now;
  /// Monotonic time for the throttles.
  std::function<RateClock::time_point()> steady_now;
};

using AccountError = server::AuthError;  ///< the API maps it to a status (api_error_from)

template <class T>
using AccountResult = expected<T, AccountError>;

using server::CredentialKind;

/// Who is calling: the result of authenticate_*. From Caller: `credential`, `scopes` — what this
/// credential may do: a session has read, write and ingest, plus admin for admins; an API key has
/// its own scopes, with admin only while its owner is an admin — and `user_id` (= user.id).
struct Principal : server::Caller {
  UserRecord user;
  std::int64_t session_id = 0;  ///< credential == session
  std::int64_t api_key_id = 0;  ///< credential == api_key
  bool remember = false;        ///< session: a remember-me session
  std::int64_t expires_at = 0;  ///< session: current (slid) expiry
};

struct LoginResult {
  UserRecord user;
  std::string token;  ///< the session token (cookie value and bearer token); shown once
  SessionRecord session;
};

struct NewApiKey {
  ApiKeyRecord record;
  std::string key;  ///< the full key; shown once
};

/// Username rules: 3-32 characters of [A-Za-z0-9._-], starting with a letter or digit.
std::optional<std::string> check_username(std::string_view username);
/// Email rules (optional field): at most 254 bytes, one '@' with text on both sides, no spaces or
/// control characters.
std::optional<std::string> check_email(std::string_view email);

/// The API's Authenticator (shoal/server/auth.hpp) is authenticate_bearer(): the callers it
/// creates are Principals (principal_of() in account_api.hpp gets them back from an ApiCall).
class AccountService final : public server::Authenticator {
public:
  AccountService(AccountStore& store, AccountPolicy policy, AccountHooks hooks = {});

  const AccountPolicy& policy() const noexcept { return m_policy; }

  // ---- first start / command line ------------------------------------------------------------
  /// When no (non-deleted) user exists, creates the admin `username` with a random password and
  /// returns that password (to be printed once); nullopt when users exist.
  AccountResult<std::optional<std::string>> ensure_initial_admin(std::string_view username = "admin");
  /// `shoal-tracker admin create-user`: creates a user with `role`, whatever the registration
  /// mode; the password must satisfy the policy.
  AccountResult<UserRecord> create_user(std::string_view username, std::string_view password,
                                        Role role, std::optional<std::string> email = {});

  // ---- anyone ----------------------------------------------------------------------------------
  /// Registration: closed -> forbidden "registration_closed"; invite -> needs a valid unused
  /// invite code ("invalid_invite" otherwise).
  AccountResult<UserRecord> register_user(std::string_view username, std::string_view password,
                                          std::optional<std::string> email,
                                          std::optional<std::string> invite_code,
                                          std::string_view address);
  /// Wrong name or password: unauthorized "invalid_credentials" (the same for both); disabled:
  /// forbidden "account_disabled"; throttled: throttled with retry_after.
  AccountResult<LoginResult> login(std::string_view username, std::string_view password,
                                   bool remember, std::string_view address);

  /// A session token or an API key (by prefix). Unknown, expired, revoked, disabled or deleted:
  /// unauthorized. A session's expiry slides forward (stored at most once a minute).
  AccountResult<Principal> authenticate_bearer(std::string_view token);
  /// Authenticator: authenticate_bearer() as a shared Principal.
  server::AuthResult<std::shared_ptr<server::Caller>> authenticate(std::string_view token) override;

  // ---- the caller's own account ----------------------------------------------------------------
  AccountResult<void> logout(const Principal& who);
  /// Sets (or with an empty string clears) the email.
  AccountResult<UserRecord> update_email(const Principal& who, std::string_view email);
  /// Checks `current`, sets `replacement`, ends every other session of the user.
  AccountResult<void> change_password(const Principal& who, std::string_view current,
                                      std::string_view replacement);
  /// Checks `password`, then tombstones the account.
  AccountResult<void> delete_own_account(const Principal& who, std::string_view password,
                                         std::string_view address);
  /// `scopes` must be non-empty; admin only for admins; expires_at (if set) in the future.
  AccountResult<NewApiKey> create_api_key(const Principal& who, std::string_view name,
                                          ScopeSet scopes, std::optional<std::int64_t> expires_at);
  AccountResult<std::vector<ApiKeyRecord>> list_api_keys(const Principal& who);
  AccountResult<void> revoke_api_key(const Principal& who, std::int64_t key_id);
  AccountResult<std::string> rotate_passkey(const Principal& who);

  // ---- admin (the caller's admin scope is checked by the API layer) -----------------------------
  AccountResult<UserPage> list_users(const UserQuery& query);
  AccountResult<UserRecord> get_user(std::int64_t id);
  /// role and/or enabled. Refuses (conflict "last_admin") to leave no enabled admin.
  AccountResult<UserRecord> admin_update_user(const Principal& admin, std::int64_t id,
                                              std::optional<Role> role,
                                              std::optional<bool> enabled,
                                              std::string_view address);
  /// Sets `password` (policy-checked) or a generated one, which is returned; ends the user's
  /// sessions.
  AccountResult<std::string> admin_reset_password(const Principal& admin, std::int64_t id,
                                                  std::optional<std::string> password,
                                                  std::string_view address);
  AccountResult<void> admin_delete_user(const Principal& admin, std::int64_t id,
                                        std::string_view address);
  /// A single-use invite code (shown once), valid for policy.invite_lifetime.
  AccountResult<std::string> create_invite(const Principal& admin, std::string_view address);
  AccountResult<std::vector<AuditRecord>> audit_log(std::int64_t before_id, std::size_t limit);
  /// Records an admin action done elsewhere (allow/deny list edits).
  void audit(const Principal* actor, std::string_view action, std::optional<std::int64_t> target,
             std::string_view address, std::string_view detail);

  /// Deletes expired sessions (maintenance).
  void purge_expired_sessions();

private:
  std::int64_t now() const;
  RateClock::time_point steady() const;
  void users_changed() const;
  AccountResult<std::string> hash_new_password(std::string_view password, std::string_view username);
  AccountResult<UserRecord> load_live_user(std::int64_t id);
  AccountResult<void> check_leaves_an_admin(const UserRecord& before, std::optional<Role> role,
                                            std::optional<bool> enabled);

  AccountStore& m_store;
  AccountPolicy m_policy;
  AccountHooks m_hooks;
  std::string m_dummy_hash;  ///< verified against for unknown usernames (equal timing)
  LoginThrottle m_account_throttle;
  LoginThrottle m_address_throttle;
};

}  // namespace shoal::tracker
