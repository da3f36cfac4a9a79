#include "shoal/tracker/account_service.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "shoal/server/secret_token.hpp"
#include "sqlite_test_util.hpp"

namespace shoal::tracker {

using namespace shoal::server;  // the HTTP/API layer the tracker is built on
namespace {

using namespace std::chrono_literals;
using Kind = AccountError::Kind;

class AccountServiceTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto s = open_sqlite_account_store(m_dir / "tracker.db");
    ASSERT_TRUE(s) << s.error().message;
    m_store = std::move(*s);
    m_policy.scrypt.log2_n = 10;  // fast; the format is the same at every cost
    m_policy.registration = RegistrationMode::open;
    m_policy.login_failures_per_account = 3;
    m_policy.login_failures_per_address = 10;
    make_service();
  }

  void make_service() {
    AccountHooks hooks;
    hooks.on_users_changed = [this] { ++m_changes; };
    hooks.unix_now = [this] { return m_now.load(); };
    hooks.steady_now = [this] { return RateClock::time_point(std::chrono::seconds(m_now.load())); };
    m_service = std::make_unique<AccountService>(*m_store, m_policy, hooks);
  }

  UserRecord make_user(const std::string& name, Role role = Role::user) {
    auto u = m_service->create_user(name, kPassword, role);
    EXPECT_TRUE(u) << u.error().message;
    return u ? *u : UserRecord{};
  }

  Principal sign_in(const std::string& name, const std::string& password = kPassword) {
    auto login = m_service->login(name, password, false, "192.0.2.1");
    EXPECT_TRUE(login) << login.error().message;
    auto p = m_service->authenticate_bearer(login->token);
    EXPECT_TRUE(p) << p.error().message;
    return *p;
  }

  static constexpr const char* kPassword = "velvet-otter-cactus";
  testutil::TempDir m_dir;
  std::unique_ptr<AccountStore> m_store;
  AccountPolicy m_policy;
  std::unique_ptr<AccountService> m_service;
  std::atomic<std::int64_t> m_now{1'700'000'000};
  std::atomic<int> m_changes{0};
};

TEST_F(AccountServiceTest, RegisterValidatesAndRefusesDuplicates) {
  auto bad_name = m_service->register_user("a", kPassword, std::nullopt, std::nullopt, "ip");
  ASSERT_FALSE(bad_name);
  EXPECT_EQ(bad_name.error().code, "invalid_username");
  auto weak = m_service->register_user("alice", "password123", std::nullopt, std::nullopt, "ip");
  ASSERT_FALSE(weak);
  EXPECT_EQ(weak.error().kind, Kind::invalid);
  EXPECT_EQ(weak.error().code, "weak_password");
  auto bad_email = m_service->register_user("alice", kPassword, "no-at-sign", std::nullopt, "ip");
  ASSERT_FALSE(bad_email);
  EXPECT_EQ(bad_email.error().code, "invalid_email");
  auto ok = m_service->register_user("alice", kPassword, "a@example.org", std::nullopt, "ip");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->role, Role::user);
  EXPECT_EQ(ok->passkey.size(), 32u);
  EXPECT_EQ(m_changes.load(), 1);
  auto dup = m_service->register_user("ALICE", kPassword, std::nullopt, std::nullopt, "ip");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind, Kind::conflict);
}

TEST_F(AccountServiceTest, RegistrationModes) {
  m_policy.registration = RegistrationMode::closed;
  make_service();
  auto closed = m_service->register_user("alice", kPassword, std::nullopt, std::nullopt, "ip");
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().kind, Kind::forbidden);
  EXPECT_EQ(closed.error().code, "registration_closed");

  m_policy.registration = RegistrationMode::invite;
  make_service();
  const auto admin = make_user("root", Role::admin);
  Principal root = sign_in("root");
  auto none = m_service->register_user("alice", kPassword, std::nullopt, std::nullopt, "ip");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, "invite_required");
  auto bogus = m_service->register_user("alice", kPassword, std::nullopt, "inv_bogus", "ip");
  ASSERT_FALSE(bogus);
  EXPECT_EQ(bogus.error().code, "invalid_invite");
  auto code = m_service->create_invite(root, "ip");
  ASSERT_TRUE(code);
  ASSERT_TRUE(m_service->register_user("alice", kPassword, std::nullopt, *code, "ip"));
  auto again = m_service->register_user("bob", kPassword, std::nullopt, *code, "ip");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "invalid_invite");
  (void)admin;
}

TEST_F(AccountServiceTest, LoginGivesASessionThatAuthenticatesWithRoleScopes) {
  make_user("alice");
  make_user("root", Role::admin);
  auto login = m_service->login("Alice", kPassword, false, "192.0.2.1");  // names: any case
  ASSERT_TRUE(login) << login.error().message;
  EXPECT_TRUE(looks_like_session_token(login->token));
  EXPECT_EQ(login->session.expires_at, m_now + m_policy.session_lifetime.count());
  auto p = m_service->authenticate_bearer(login->token);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->user.username, "alice");
  EXPECT_EQ(p->credential, CredentialKind::session);
  EXPECT_TRUE(has_scope(p->scopes, Scope::write));
  EXPECT_FALSE(has_scope(p->scopes, Scope::admin));
  EXPECT_TRUE(has_scope(sign_in("root").scopes, Scope::admin));
  EXPECT_TRUE(m_service->get_user(p->user.id)->last_login_at);
}

TEST_F(AccountServiceTest, WrongPasswordAndUnknownUserLookTheSame) {
  make_user("alice");
  auto wrong = m_service->login("alice", "not the password", false, "ip");
  auto unknown = m_service->login("nobody", kPassword, false, "ip");
  ASSERT_FALSE(wrong);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(wrong.error().kind, Kind::unauthorized);
  EXPECT_EQ(wrong.error().code, unknown.error().code);
  EXPECT_EQ(wrong.error().message, unknown.error().message);
}

TEST_F(AccountServiceTest, LoginThrottledPerAccountAndPerAddress) {
  make_user("alice");
  make_user("bob");
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(m_service->login("alice", "wrong-password!", false, "a1"));
  // Locked now, even with the right password and from another address.
  auto locked = m_service->login("alice", kPassword, false, "a2");
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.error().kind, Kind::throttled);
  EXPECT_GT(locked.error().retry_after, 0u);
  EXPECT_TRUE(m_service->login("bob", kPassword, false, "a1"));  // other accounts are not
  m_now += m_policy.login_lockout.count() + 1;
  EXPECT_TRUE(m_service->login("alice", kPassword, false, "a2"));

  // Per address: failures on many accounts from one address lock that address.
  for (int i = 0; i < 10; ++i)
    m_service->login("user" + std::to_string(i), "wrong-password!", false, "attacker");
  auto addr = m_service->login("bob", kPassword, false, "attacker");
  ASSERT_FALSE(addr);
  EXPECT_EQ(addr.error().kind, Kind::throttled);
  EXPECT_TRUE(m_service->login("bob", kPassword, false, "elsewhere"));
}

TEST_F(AccountServiceTest, SessionsSlideAndExpire) {
  make_user("alice");
  auto login = *m_service->login("alice", kPassword, false, "ip");
  const auto lifetime = m_policy.session_lifetime.count();
  m_now += lifetime - 10;
  auto p = m_service->authenticate_bearer(login.token);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->expires_at, m_now + lifetime);  // slid
  m_now += lifetime - 10;
  EXPECT_TRUE(m_service->authenticate_bearer(login.token));
  m_now += lifetime + 1;
  auto expired = m_service->authenticate_bearer(login.token);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().kind, Kind::unauthorized);

  auto remember = *m_service->login("alice", kPassword, true, "ip");
  EXPECT_EQ(remember.session.expires_at, m_now + m_policy.remember_lifetime.count());
  EXPECT_TRUE(remember.session.remember);
}

TEST_F(AccountServiceTest, LogoutEndsTheSession) {
  make_user("alice");
  auto login = *m_service->login("alice", kPassword, false, "ip");
  auto p = *m_service->authenticate_bearer(login.token);
  ASSERT_TRUE(m_service->logout(p));
  EXPECT_FALSE(m_service->authenticate_bearer(login.token));
}

TEST_F(AccountServiceTest, ApiKeysHaveScopesExpiryAndRevocation) {
  make_user("alice");
  Principal alice = sign_in("alice");
  auto admin_scope = m_service->create_api_key(alice, "x", scope_bit(Scope::admin), std::nullopt);
  ASSERT_FALSE(admin_scope);
  EXPECT_EQ(admin_scope.error().kind, Kind::forbidden);
  EXPECT_FALSE(m_service->create_api_key(alice, "x", 0, std::nullopt));
  EXPECT_FALSE(m_service->create_api_key(alice, "", scope_bit(Scope::read), std::nullopt));
  EXPECT_FALSE(m_service->create_api_key(alice, "x", scope_bit(Scope::read), m_now - 1));

  auto key = m_service->create_api_key(alice, "ci", scope_bit(Scope::read), m_now + 100);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_TRUE(looks_like_api_key(key->key));
  EXPECT_EQ(key->record.prefix, key->key.substr(0, 11));
  auto p = m_service->authenticate_bearer(key->key);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->credential, CredentialKind::api_key);
  EXPECT_EQ(p->scopes, scope_bit(Scope::read));
  // An API key cannot mint keys wider than itself.
  auto wider = m_service->create_api_key(*p, "w", scope_bit(Scope::write), std::nullopt);
  ASSERT_FALSE(wider);
  EXPECT_EQ(wider.error().kind, Kind::forbidden);

  auto listed = *m_service->list_api_keys(alice);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].name, "ci");
  m_now += 101;
  EXPECT_FALSE(m_service->authenticate_bearer(key->key));  // expired

  auto key2 = *m_service->create_api_key(alice, "ci2", scope_bit(Scope::read), std::nullopt);
  EXPECT_TRUE(m_service->authenticate_bearer(key2.key));
  ASSERT_TRUE(m_service->revoke_api_key(alice, key2.record.id));
  EXPECT_FALSE(m_service->authenticate_bearer(key2.key));
  auto again = m_service->revoke_api_key(alice, key2.record.id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, Kind::not_found);
}

TEST_F(AccountServiceTest, AdminKeyLosesAdminScopeWhenItsOwnerIsDemoted) {
  make_user("root", Role::admin);
  make_user("root2", Role::admin);
  Principal root = sign_in("root");
  auto key = *m_service->create_api_key(root, "ops", scope_bit(Scope::admin) | scope_bit(Scope::read),
                                        std::nullopt);
  EXPECT_TRUE(has_scope(m_service->authenticate_bearer(key.key)->scopes, Scope::admin));
  Principal root2 = sign_in("root2");
  ASSERT_TRUE(m_service->admin_update_user(root2, root.user.id, Role::user, std::nullopt, "ip"));
  auto p = m_service->authenticate_bearer(key.key);
  ASSERT_TRUE(p);
  EXPECT_FALSE(has_scope(p->scopes, Scope::admin));
  EXPECT_TRUE(has_scope(p->scopes, Scope::read));
}

TEST_F(AccountServiceTest, ChangePasswordChecksTheOldOneAndEndsOtherSessions) {
  make_user("alice");
  auto s1 = *m_service->login("alice", kPassword, false, "ip");
  auto s2 = *m_service->login("alice", kPassword, false, "ip");
  Principal p1 = *m_service->authenticate_bearer(s1.token);
  auto wrong = m_service->change_password(p1, "nope", "another-fine-secret");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, "wrong_password");
  auto weak = m_service->change_password(p1, kPassword, "qwerty");
  ASSERT_FALSE(weak);
  EXPECT_EQ(weak.error().kind, Kind::invalid);
  ASSERT_TRUE(m_service->change_password(p1, kPassword, "another-fine-secret"));
  EXPECT_TRUE(m_service->authenticate_bearer(s1.token));
  EXPECT_FALSE(m_service->authenticate_bearer(s2.token));
  EXPECT_FALSE(m_service->login("alice", kPassword, false, "ip"));
  EXPECT_TRUE(m_service->login("alice", "another-fine-secret", false, "ip"));
}

TEST_F(AccountServiceTest, DeleteOwnAccountLeavesAnAnonymousTombstone) {
  const auto u = make_user("alice");
  Principal p = sign_in("alice");
  auto key = *m_service->create_api_key(p, "k", scope_bit(Scope::read), std::nullopt);
  ASSERT_FALSE(m_service->delete_own_account(p, "wrong", "ip"));
  const int before = m_changes.load();
  ASSERT_TRUE(m_service->delete_own_account(p, kPassword, "ip"));
  EXPECT_EQ(m_changes.load(), before + 1);
  auto t = *m_service->get_user(u.id);
  EXPECT_TRUE(t.deleted_at);
  EXPECT_NE(t.username, "alice");
  EXPECT_NE(t.passkey, u.passkey);
  EXPECT_FALSE(m_service->authenticate_bearer(key.key));
  EXPECT_FALSE(m_service->login("alice", kPassword, false, "ip"));
  // The name can be registered again by someone else.
  EXPECT_TRUE(m_service->register_user("alice", kPassword, std::nullopt, std::nullopt, "ip"));
}

TEST_F(AccountServiceTest, AdminOperations) {
  make_user("root", Role::admin);
  const auto bob = make_user("bob");
  Principal root = sign_in("root");
  auto bob_login = *m_service->login("bob", kPassword, false, "ip");

  // Disable: sessions end, sign-in is refused as disabled (after a correct password).
  int before = m_changes.load();
  ASSERT_TRUE(m_service->admin_update_user(root, bob.id, std::nullopt, false, "ip"));
  EXPECT_EQ(m_changes.load(), before + 1);
  EXPECT_FALSE(m_service->authenticate_bearer(bob_login.token));
  auto disabled = m_service->login("bob", kPassword, false, "ip");
  ASSERT_FALSE(disabled);
  EXPECT_EQ(disabled.error().code, "account_disabled");
  ASSERT_TRUE(m_service->admin_update_user(root, bob.id, Role::admin, true, "ip"));
  EXPECT_EQ(m_service->get_user(bob.id)->role, Role::admin);

  // Reset password: generated and returned.
  auto pw = m_service->admin_reset_password(root, bob.id, std::nullopt, "ip");
  ASSERT_TRUE(pw);
  EXPECT_TRUE(m_service->login("bob", *pw, false, "ip"));

  // Search.
  UserQuery q;
  q.search = "bo";
  auto page = m_service->list_users(q);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 1);

  // Delete; unknown ids are not found.
  ASSERT_TRUE(m_service->admin_delete_user(root, bob.id, "ip"));
  auto gone = m_service->admin_delete_user(root, bob.id, "ip");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().kind, Kind::not_found);
  EXPECT_EQ(m_service->admin_update_user(root, 999, Role::user, std::nullopt, "ip").error().kind,
            Kind::not_found);

  // The audit log has the sign-ins and the admin actions, newest first.
  auto log = *m_service->audit_log(0, 100);
  std::vector<std::string> actions;
  for (const auto& e : log) actions.push_back(e.action);
  EXPECT_EQ(actions.front(), "admin.user.delete");
  EXPECT_NE(std::find(actions.begin(), actions.end(), "admin.user.reset_password"), actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "login.success"), actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "login.refused"), actions.end());
}

TEST_F(AccountServiceTest, TheLastEnabledAdminCannotBeRemoved) {
  const auto root = make_user("root", Role::admin);
  Principal p = sign_in("root");
  for (auto r : {m_service->admin_update_user(p, root.id, Role::user, std::nullopt, "ip"),
                 m_service->admin_update_user(p, root.id, std::nullopt, false, "ip")}) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "last_admin");
  }
  EXPECT_EQ(m_service->admin_delete_user(p, root.id, "ip").error().code, "last_admin");
  EXPECT_EQ(m_service->delete_own_account(p, kPassword, "ip").error().code, "last_admin");
  make_user("root2", Role::admin);
  EXPECT_TRUE(m_service->admin_update_user(p, root.id, Role::user, std::nullopt, "ip"));
}

TEST_F(AccountServiceTest, InitialAdminOnlyWhenThereAreNoUsers) {
  auto pw = m_service->ensure_initial_admin("admin");
  ASSERT_TRUE(pw);
  ASSERT_TRUE(*pw);
  auto login = m_service->login("admin", **pw, false, "ip");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->user.role, Role::admin);
  auto second = m_service->ensure_initial_admin("admin");
  ASSERT_TRUE(second);
  EXPECT_FALSE(*second);
}

TEST_F(AccountServiceTest, PasskeyRotation) {
  const auto u = make_user("alice");
  Principal p = sign_in("alice");
  const int before = m_changes.load();
  auto pk = m_service->rotate_passkey(p);
  ASSERT_TRUE(pk);
  EXPECT_NE(*pk, u.passkey);
  EXPECT_EQ(m_service->get_user(u.id)->passkey, *pk);
  EXPECT_EQ(m_changes.load(), before + 1);
}

TEST_F(AccountServiceTest, StoredHashIsUpgradedAtLoginWhenTheCostChanges) {
  const auto u = make_user("alice");
  m_policy.scrypt.log2_n = 11;
  make_service();
  ASSERT_TRUE(m_service->login("alice", kPassword, false, "ip"));
  auto stored = m_store->find_user(u.id);
  EXPECT_TRUE((*stored)->password_hash.starts_with("$scrypt$ln=11,"));
}

}  // namespace
}  // namespace shoal::tracker
