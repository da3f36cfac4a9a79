#include "shoal/tracker/account_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "shoal/tracker/password_policy.hpp"
#include "shoal/server/secret_token.hpp"

namespace shoal::tracker {

using namespace shoal::server;  // the HTTP/API layer the tracker is built on

namespace {

using Kind = AccountError::Kind;

unexpected<AccountError> fail(Kind kind, std::string code, std::string message) {
  return unexpected(AccountError{kind, std::move(code), std::move(message), 0});
}

unexpected<AccountError> store_failed(const StoreError& e) {
  spdlog::error("accounts: {}", e.message);
  return fail(Kind::internal, "internal_error", "database error");
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Slide a session's stored expiry at most this often (a write per request would be wasteful).
constexpr std::int64_t kSessionTouchInterval = 60;

}  // namespace

std::string_view registration_mode_name(RegistrationMode mode) noexcept {
  switch (mode) {
    case RegistrationMode::open: return "open";
    case RegistrationMode::closed: return "closed";
    case RegistrationMode::invite: return "invite";
  }
  return "";
}

std::optional<std::string> check_username(std::string_view username) {
  if (username.size() < 3 || username.size() > 32) return "username must have 3 to 32 characters";
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(username.front())) return "username must start with a letter or digit";
  for (char c : username)
    if (!alnum(c) && c != '.' && c != '_' && c != '-')
      return "username may contain only letters, digits, '.', '_' and '-'";
  return std::nullopt;
}

std::optional<std::string> check_email(std::string_view email) {
  if (email.size() > 254) return "email must have at most 254 characters";
  const auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= email.size() ||
      email.find('@', at + 1) != std::string_view::npos)
    return "email must look like name@domain";
  for (char c : email)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return "email must not contain spaces";
  return std::nullopt;
}

AccountService::AccountService(AccountStore& store, AccountPolicy policy, AccountHooks hooks)
    : m_store(store),
      m_policy(std::move(policy)),
      m_hooks(std::move(hooks)),
      m_account_throttle(m_policy.login_failures_per_account, m_policy.login_window,
                         m_policy.login_lockout),
      m_address_throttle(m_policy.login_failures_per_address, m_policy.login_window,
                         m_policy.login_lockout) {
  auto dummy = hash_password(new_random_password(), m_policy.scrypt);
  m_dummy_hash = dummy ? *dummy : std::string();
}

std::int64_t AccountService::now() const {
  if (m_hooks.unix_now) return m_hooks.unix_now();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

RateClock::time_point AccountService::steady() const {
  return m_hooks.steady_now ? m_hooks.steady_now() : RateClock::now();
}

void AccountService::users_changed() const {
  if (m_hooks.on_users_changed) m_hooks.on_users_changed();
}

void AccountService::audit(const Principal* actor, std::string_view action,
                           std::optional<std::int64_t> target, std::string_view address,
                           std::string_view detail) {
  AuditRecord e;
  e.at = now();
  if (actor) e.actor_id = actor->user.id;
  e.action = std::string(action);
  e.target_id = target;
  e.address = std::string(address);
  e.detail = std::string(detail);
  if (auto r = m_store.append_audit(e); !r)
    spdlog::error("accounts: audit log write failed: {}", r.error().message);
}

AccountResult<std::string> AccountService::hash_new_password(std::string_view password,
                                                             std::string_view username) {
  if (auto problem = check_new_password(password, username, m_policy.min_password_length))
    return fail(Kind::invalid, "weak_password", *problem);
  auto hash = hash_password(password, m_policy.scrypt);
  if (!hash) {
    spdlog::error("accounts: {}", hash.error());
    return fail(Kind::internal, "internal_error", "password hashing failed");
  }
  return std::move(*hash);
}

AccountResult<UserRecord> AccountService::load_live_user(std::int64_t id) {
  auto u = m_store.find_user(id);
  if (!u) return store_failed(u.error());
  if (!*u || (*u)->deleted_at) return fail(Kind::not_found, "not_found", "no such user");
  return std::move(**u);
}

AccountResult<std::optional<std::string>> AccountService::ensure_initial_admin(
    std::string_view username) {
  auto count = m_store.count_users();
  if (!count) return store_failed(count.error());
  if (*count > 0) return std::optional<std::string>{};
  std::string password = new_random_password();
  auto created = create_user(username, password, Role::admin);
  if (!created) return unexpected(created.error());
  audit(nullptr, "admin.initial_admin", created->id, "", created->username);
  return std::optional<std::string>(std::move(password));
}

AccountResult<UserRecord> AccountService::create_user(std::string_view username,
                                                      std::string_view password, Role role,
                                                      std::optional<std::string> email) {
  if (auto p = check_username(username)) return fail(Kind::invalid, "invalid_username", *p);
  if (email && email->empty()) email.reset();
  if (email)
    if (auto p = check_email(*email)) return fail(Kind::invalid, "invalid_email", *p);
  auto hash = hash_new_password(password, username);
  if (!hash) return unexpected(hash.error());
  NewUser n;
  n.username = std::string(username);
  n.email = std::move(email);
  n.role = role;
  n.password_hash = std::move(*hash);
  n.passkey = new_passkey();
  n.created_at = now();
  auto id = m_store.create_user(n);
  if (!id) {
    if (id.error().kind == StoreError::Kind::conflict)
      return fail(Kind::conflict, "username_taken", "that username is taken");
    return store_failed(id.error());
  }
  users_changed();
  return load_live_user(*id);
}

AccountResult<UserRecord> AccountService::register_user(std::string_view username,
                                                        std::string_view password,
                                                        std::optional<std::string> email,
                                                        std::optional<std::string> invite_code,
                                                        std::string_view address) {
  if (m_policy.registration == RegistrationMode::closed)
    return fail(Kind::forbidden, "registration_closed", "registration is closed");
  std::optional<std::string> invite_hash;
  if (m_policy.registration == RegistrationMode::invite) {
    if (!invite_code || invite_code->empty())
      return fail(Kind::forbidden, "invite_required", "registration needs an invite code");
    invite_hash = token_hash(*invite_code);
  }
  if (auto p = check_username(username)) return fail(Kind::invalid, "invalid_username", *p);
  if (email && email->empty()) email.reset();
  if (email)
    if (auto p = check_email(*email)) return fail(Kind::invalid, "invalid_email", *p);
  auto hash = hash_new_password(password, username);
  if (!hash) return unexpected(hash.error());
  NewUser n;
  n.username = std::string(username);
  n.email = std::move(email);
  n.password_hash = std::move(*hash);
  n.passkey = new_passkey();
  n.created_at = now();
  auto id = m_store.create_user(n, invite_hash);
  if (!id) {
    if (id.error().kind == StoreError::Kind::conflict)
      return fail(Kind::conflict, "username_taken", "that username is taken");
    if (id.error().kind == StoreError::Kind::not_found)
      return fail(Kind::forbidden, "invalid_invite", "the invite code is unknown, used or expired");
    return store_failed(id.error());
  }
  users_changed();
  audit(nullptr, "user.register", *id, address, invite_hash ? "invite" : "");
  return load_live_user(*id);
}

AccountResult<LoginResult> AccountService::login(std::string_view username,
                                                 std::string_view password, bool remember,
                                                 std::string_view address) {
  const std::string account_key = lower_ascii(username);
  const std::string address_key(address);
  const auto t = steady();
  const std::uint32_t wait = std::max(m_account_throttle.retry_after(account_key, t),
                                      m_address_throttle.retry_after(address_key, t));
  if (wait > 0) {
    AccountError e{Kind::throttled, "too_many_attempts",
                   "too many failed sign-ins; try again later", wait};
    return unexpected(std::move(e));
  }
  auto found = m_store.find_user_by_name(username);
  if (!found) return store_failed(found.error());
  const bool live = *found && !(*found)->deleted_at;
  // Unknown users cost one KDF too, so timing does not tell which names exist.
  auto verified = verify_password(password, live ? (*found)->password_hash : m_dummy_hash);
  const bool ok = live && verified && *verified;
  if (!ok) {
    m_account_throttle.record_failure(account_key, t);
    m_address_throttle.record_failure(address_key, t);
    audit(nullptr, "login.failure", live ? std::optional((*found)->id) : std::nullopt, address,
          live ? "" : "unknown user");
    return fail(Kind::unauthorized, "invalid_credentials", "wrong username or password");
  }
  m_account_throttle.record_success(account_key);
  UserRecord user = std::move(**found);
  if (!user.enabled) {
    audit(nullptr, "login.refused", user.id, address, "account disabled");
    return fail(Kind::forbidden, "account_disabled", "this account is disabled");
  }
  const std::int64_t t_now = now();
  user.last_login_at = t_now;
  if (needs_rehash(user.password_hash, m_policy.scrypt))
    if (auto rehashed = hash_password(password, m_policy.scrypt)) user.password_hash = *rehashed;
  if (auto r = m_store.update_user(user); !r) return store_failed(r.error());

  LoginResult out;
  out.token = new_session_token();
  SessionRecord& s = out.session;
  s.user_id = user.id;
  s.token_hash = token_hash(out.token);
  s.remember = remember;
  s.created_at = t_now;
  s.last_seen_at = t_now;
  s.expires_at =
      t_now + (remember ? m_policy.remember_lifetime : m_policy.session_lifetime).count();
  s.address = std::string(address);
  auto id = m_store.create_session(s);
  if (!id) return store_failed(id.error());
  s.id = *id;
  audit(nullptr, "login.success", user.id, address, remember ? "remember" : "");
  // The actor of a successful sign-in is the user.
  out.user = std::move(user);
  return out;
}

AccountResult<Principal> AccountService::authenticate_bearer(std::string_view token) {
  auto unauthorized = [] {
    return fail(Kind::unauthorized, "invalid_token", "the credential is unknown, expired or revoked");
  };
  const std::int64_t t = now();
  Principal p;
  std::int64_t user_id = 0;
  if (looks_like_session_token(token)) {
    auto s = m_store.find_session(token_hash(token));
    if (!s) return store_failed(s.error());
    if (!*s || (*s)->expires_at < t) return unauthorized();
    const SessionRecord& session = **s;
    p.credential = CredentialKind::session;
    p.session_id = session.id;
    p.remember = session.remember;
    p.expires_at = session.expires_at;
    user_id = session.user_id;
    const auto lifetime = (session.remember ? m_policy.remember_lifetime : m_policy.session_lifetime).count();
    if (t - session.last_seen_at >= kSessionTouchInterval) {
      p.expires_at = t + lifetime;
      if (auto r = m_store.touch_session(session.id, p.expires_at, t); !r)
        return store_failed(r.error());
    }
  } else if (looks_like_api_key(token)) {
    auto k = m_store.find_api_key(token_hash(token));
    if (!k) return store_failed(k.error());
    if (!*k || (*k)->revoked_at || ((*k)->expires_at && *(*k)->expires_at < t))
      return unauthorized();
    p.credential = CredentialKind::api_key;
    p.api_key_id = (*k)->id;
    p.scopes = (*k)->scopes;
    user_id = (*k)->user_id;
    if (!(*k)->last_used_at || t - *(*k)->last_used_at >= kSessionTouchInterval)
      (void)m_store.touch_api_key((*k)->id, t);
  } else {
    return unauthorized();
  }
  auto u = m_store.find_user(user_id);
  if (!u) return store_failed(u.error());
  if (!*u || (*u)->deleted_at) return unauthorized();
  if (!(*u)->enabled) return fail(Kind::forbidden, "account_disabled", "this account is disabled");
  p.user = std::move(**u);
  p.user_id = p.user.id;
  const ScopeSet role_scopes =
      p.user.role == Role::admin ? kAllScopes : (kAllScopes & ~scope_bit(Scope::admin));
  if (p.credential == CredentialKind::session) p.scopes = role_scopes;
  p.scopes &= role_scopes;
  return p;
}

AccountResult<void> AccountService::logout(const Principal& who) {
  if (who.credential != CredentialKind::session)
    return fail(Kind::invalid, "not_a_session", "only a session can be signed out; revoke API keys instead");
  if (auto r = m_store.delete_session(who.session_id); !r) return store_failed(r.error());
  return {};
}

AccountResult<UserRecord> AccountService::update_email(const Principal& who, std::string_view email) {
  if (!email.empty())
    if (auto p = check_email(email)) return fail(Kind::invalid, "invalid_email", *p);
  auto user = load_live_user(who.user.id);
  if (!user) return user;
  user->email = email.empty() ? std::nullopt : std::optional<std::string>(email);
  user->updated_at = now();
  if (auto r = m_store.update_user(*user); !r) return store_failed(r.error());
  return user;
}

AccountResult<void> AccountService::change_password(const Principal& who, std::string_view current,
                                                    std::string_view replacement) {
  auto user = load_live_user(who.user.id);
  if (!user) return unexpected(user.error());
  auto ok = verify_password(current, user->password_hash);
  if (!ok || !*ok) return fail(Kind::forbidden, "wrong_password", "the current password is wrong");
  auto hash = hash_new_password(replacement, user->username);
  if (!hash) return unexpected(hash.error());
  user->password_hash = std::move(*hash);
  user->updated_at = now();
  if (auto r = m_store.update_user(*user); !r) return store_failed(r.error());
  const std::int64_t keep = who.credential == CredentialKind::session ? who.session_id : 0;
  if (auto r = m_store.delete_user_sessions(user->id, keep); !r) return store_failed(r.error());
  return {};
}

AccountResult<void> AccountService::delete_own_account(const Principal& who,
                                                       std::string_view password,
                                                       std::string_view address) {
  auto user = load_live_user(who.user.id);
  if (!user) return unexpected(user.error());
  auto ok = verify_password(password, user->password_hash);
  if (!ok || !*ok) return fail(Kind::forbidden, "wrong_password", "the password is wrong");
  if (auto r = check_leaves_an_admin(*user, std::nullopt, false); !r) return r;
  if (auto r = m_store.tombstone_user(user->id, now()); !r) return store_failed(r.error());
  users_changed();
  audit(nullptr, "user.delete", user->id, address, "");
  return {};
}

AccountResult<NewApiKey> AccountService::create_api_key(const Principal& who, std::string_view name,
                                                        ScopeSet scopes,
                                                        std::optional<std::int64_t> expires_at) {
  if (name.empty() || name.size() > 64)
    return fail(Kind::invalid, "invalid_name", "name must have 1 to 64 characters");
  for (char c : name)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return fail(Kind::invalid, "invalid_name", "name must not contain control characters");
  if (scopes == 0 || (scopes & ~kAllScopes) != 0)
    return fail(Kind::invalid, "invalid_scopes", "give one or more of read, write, admin, ingest");
  if (has_scope(scopes, Scope::admin) && who.user.role != Role::admin)
    return fail(Kind::forbidden, "forbidden", "only admins can create keys with the admin scope");
  // A key cannot do more than the credential that creates it.
  if ((scopes & ~who.scopes) != 0)
    return fail(Kind::forbidden, "forbidden", "a key cannot have scopes the caller lacks");
  const std::int64_t t = now();
  if (expires_at && *expires_at <= t)
    return fail(Kind::invalid, "invalid_expiry", "expires_at must be in the future");
  NewApiKey out;
  out.key = new_api_key();
  ApiKeyRecord& k = out.record;
  k.user_id = who.user.id;
  k.name = std::string(name);
  k.prefix = api_key_prefix(out.key);
  k.key_hash = token_hash(out.key);
  k.scopes = scopes;
  k.created_at = t;
  k.expires_at = expires_at;
  auto id = m_store.create_api_key(k);
  if (!id) return store_failed(id.error());
  k.id = *id;
  return out;
}

AccountResult<std::vector<ApiKeyRecord>> AccountService::list_api_keys(const Principal& who) {
  auto keys = m_store.list_api_keys(who.user.id);
  if (!keys) return store_failed(keys.error());
  return std::move(*keys);
}

AccountResult<void> AccountService::revoke_api_key(const Principal& who, std::int64_t key_id) {
  auto r = m_store.revoke_api_key(who.user.id, key_id, now());
  if (!r) return store_failed(r.error());
  if (!*r) return fail(Kind::not_found, "not_found", "no such API key");
  return {};
}

AccountResult<std::string> AccountService::rotate_passkey(const Principal& who) {
  auto user = load_live_user(who.user.id);
  if (!user) return unexpected(user.error());
  user->passkey = new_passkey();
  user->updated_at = now();
  if (auto r = m_store.update_user(*user); !r) return store_failed(r.error());
  users_changed();
  return user->passkey;
}

AccountResult<UserPage> AccountService::list_users(const UserQuery& query) {
  auto page = m_store.list_users(query);
  if (!page) return store_failed(page.error());
  return std::move(*page);
}

AccountResult<UserRecord> AccountService::get_user(std::int64_t id) {
  auto u = m_store.find_user(id);
  if (!u) return store_failed(u.error());
  if (!*u) return fail(Kind::not_found, "not_found", "no such user");
  return std::move(**u);
}

AccountResult<void> AccountService::check_leaves_an_admin(const UserRecord& before,
                                                          std::optional<Role> role,
                                                          std::optional<bool> enabled) {
  const bool was_active_admin = before.role == Role::admin && before.enabled && !before.deleted_at;
  const bool stays = role.value_or(before.role) == Role::admin && enabled.value_or(before.enabled);
  if (!was_active_admin || stays) return {};
  auto admins = m_store.count_active_admins();
  if (!admins) return store_failed(admins.error());
  if (*admins <= 1)
    return fail(Kind::conflict, "last_admin", "this would leave the tracker without an enabled admin");
  return {};
}

AccountResult<UserRecord> AccountService::admin_update_user(const Principal& admin, std::int64_t id,
                                                            std::optional<Role> role,
                                                            std::optional<bool> enabled,
                                                            std::string_view address) {
  auto user = load_live_user(id);
  if (!user) return user;
  if (auto r = check_leaves_an_admin(*user, role, enabled); !r) return unexpected(r.error());
  std::string detail;
  if (role && *role != user->role) detail += "role=" + std::string(role_name(*role)) + " ";
  if (enabled && *enabled != user->enabled) detail += *enabled ? "enabled " : "disabled ";
  if (role) user->role = *role;
  if (enabled) user->enabled = *enabled;
  user->updated_at = now();
  if (auto r = m_store.update_user(*user); !r) return store_failed(r.error());
  if (enabled && !*enabled)
    if (auto r = m_store.delete_user_sessions(user->id, 0); !r) return store_failed(r.error());
  users_changed();
  if (!detail.empty()) detail.pop_back();
  audit(&admin, "admin.user.update", user->id, address, detail);
  return user;
}

AccountResult<std::string> AccountService::admin_reset_password(const Principal& admin,
                                                                std::int64_t id,
                                                                std::optional<std::string> password,
                                                                std::string_view address) {
  auto user = load_live_user(id);
  if (!user) return unexpected(user.error());
  std::string chosen = password ? *password : new_random_password();
  auto hash = hash_new_password(chosen, user->username);
  if (!hash) return unexpected(hash.error());
  user->password_hash = std::move(*hash);
  user->updated_at = now();
  if (auto r = m_store.update_user(*user); !r) return store_failed(r.error());
  if (auto r = m_store.delete_user_sessions(user->id, 0); !r) return store_failed(r.error());
  audit(&admin, "admin.user.reset_password", user->id, address, password ? "" : "generated");
  return chosen;
}

AccountResult<void> AccountService::admin_delete_user(const Principal& admin, std::int64_t id,
                                                      std::string_view address) {
  auto user = load_live_user(id);
  if (!user) return unexpected(user.error());
  if (auto r = check_leaves_an_admin(*user, std::nullopt, false); !r) return r;
  if (auto r = m_store.tombstone_user(id, now()); !r) return store_failed(r.error());
  users_changed();
  audit(&admin, "admin.user.delete", id, address, "");
  return {};
}

AccountResult<std::string> AccountService::create_invite(const Principal& admin,
                                                         std::string_view address) {
  const std::string code = new_invite_code();
  const std::int64_t t = now();
  auto id = m_store.create_invite(token_hash(code), admin.user.id, t,
                                  t + m_policy.invite_lifetime.count());
  if (!id) return store_failed(id.error());
  audit(&admin, "admin.invite.create", std::nullopt, address, "");
  return code;
}

AccountResult<std::vector<AuditRecord>> AccountService::audit_log(std::int64_t before_id,
                                                                  std::size_t limit) {
  auto rows = m_store.list_audit(before_id, limit);
  if (!rows) return store_failed(rows.error());
  return std::move(*rows);
}

void AccountService::purge_expired_sessions() {
  if (auto r = m_store.delete_expired_sessions(now()); !r)
    spdlog::warn("accounts: purging expired sessions failed: {}", r.error().message);
}

server::AuthResult<std::shared_ptr<server::Caller>> AccountService::authenticate(std::string_view token) {
  auto who = authenticate_bearer(token);
  if (!who) return unexpected(std::move(who.error()));
  return std::make_shared<Principal>(std::move(*who));
}

}  // namespace shoal::tracker
