#include "shoal/tracker/account_store.hpp"

#include <gtest/gtest.h>

#include "shoal/server/secret_token.hpp"
#include "shoal/tracker/sqlite.hpp"
#include "shoal/tracker/tracker_schema.hpp"
#include "sqlite_test_util.hpp"

namespace shoal::tracker {

using namespace shoal::server;  // the HTTP/API layer the tracker is built on
namespace {

using testutil::TempDir;

class AccountStoreTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto s = open_sqlite_account_store(m_dir / "tracker.db");
    ASSERT_TRUE(s) << s.error().message;
    m_store = std::move(*s);
  }

  std::int64_t add_user(const std::string& name, Role role = Role::user) {
    NewUser n;
    n.username = name;
    n.role = role;
    n.password_hash = "$scrypt$x";
    n.passkey = new_passkey();
    n.created_at = 1000;
    auto id = m_store->create_user(n);
    EXPECT_TRUE(id) << id.error().message;
    return id ? *id : 0;
  }

  TempDir m_dir;
  std::unique_ptr<AccountStore> m_store;
};

TEST_F(AccountStoreTest, UsersRoundTripAndNamesAreUniqueCaseInsensitively) {
  const auto id = add_user("Alice", Role::admin);
  auto u = m_store->find_user_by_name("alice");
  ASSERT_TRUE(u && *u);
  EXPECT_EQ((*u)->id, id);
  EXPECT_EQ((*u)->username, "Alice");
  EXPECT_EQ((*u)->role, Role::admin);
  EXPECT_TRUE((*u)->enabled);
  EXPECT_EQ((*u)->created_at, 1000);
  EXPECT_FALSE((*u)->deleted_at);

  NewUser dup;
  dup.username = "ALICE";
  dup.password_hash = "x";
  dup.passkey = new_passkey();
  auto r = m_store->create_user(dup);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, StoreError::Kind::conflict);

  // The schema refuses a passkey that is not 32 lowercase hex.
  NewUser bad;
  bad.username = "bob";
  bad.password_hash = "x";
  bad.passkey = "NOT-HEX";
  auto b = m_store->create_user(bad);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().kind, StoreError::Kind::failed);

  auto missing = m_store->find_user(999);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
}

TEST_F(AccountStoreTest, UpdateAndCounts) {
  const auto a = add_user("admin1", Role::admin);
  add_user("user1");
  EXPECT_EQ(*m_store->count_users(), 2);
  EXPECT_EQ(*m_store->count_active_admins(), 1);
  auto u = **m_store->find_user(a);
  u.enabled = false;
  u.email = "a@example.org";
  u.updated_at = 2000;
  ASSERT_TRUE(m_store->update_user(u));
  EXPECT_EQ(*m_store->count_active_admins(), 0);
  auto again = **m_store->find_user(a);
  EXPECT_EQ(again.email, "a@example.org");
  EXPECT_FALSE(again.enabled);
  u.id = 12345;
  auto missing = m_store->update_user(u);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, StoreError::Kind::not_found);
}

TEST_F(AccountStoreTest, ListUsersSearchesAndPages) {
  for (const char* n : {"anna", "annabel", "bert", "ann_x", "annxy"}) add_user(n);
  UserQuery q;
  q.search = "ann";
  auto page = m_store->list_users(q);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 4);
  q.search = "ann_";  // '_' is literal, not a LIKE wildcard
  EXPECT_EQ(m_store->list_users(q)->total, 1);
  q.search = "";
  q.limit = 2;
  q.offset = 2;
  page = m_store->list_users(q);
  EXPECT_EQ(page->total, 5);
  ASSERT_EQ(page->users.size(), 2u);
  EXPECT_EQ(page->users[0].username, "bert");
}

TEST_F(AccountStoreTest, TombstoneKeepsTheRowAndRemovesPersonalDataAndCredentials) {
  const auto id = add_user("carol");
  auto u = **m_store->find_user(id);
  const std::string old_passkey = u.passkey;
  u.email = "carol@example.org";
  ASSERT_TRUE(m_store->update_user(u));
  SessionRecord s;
  s.user_id = id;
  s.token_hash = token_hash(new_session_token());
  s.expires_at = 99999;
  ASSERT_TRUE(m_store->create_session(s));
  ApiKeyRecord k;
  k.user_id = id;
  k.name = "k";
  k.prefix = "sk_x";
  k.key_hash = token_hash(new_api_key());
  k.scopes = 1;
  ASSERT_TRUE(m_store->create_api_key(k));

  ASSERT_TRUE(m_store->tombstone_user(id, 5000));
  auto t = **m_store->find_user(id);
  EXPECT_EQ(t.username, "~deleted-" + std::to_string(id));
  EXPECT_FALSE(t.email);
  EXPECT_FALSE(t.enabled);
  EXPECT_EQ(t.deleted_at, 5000);
  EXPECT_NE(t.passkey, old_passkey);
  EXPECT_FALSE(*m_store->find_session(s.token_hash));
  EXPECT_FALSE(*m_store->find_api_key(k.key_hash));
  EXPECT_EQ(*m_store->count_users(), 0);
  // The name is free again.
  add_user("carol");
}

TEST_F(AccountStoreTest, SessionsAndKeys) {
  const auto id = add_user("dave");
  SessionRecord s;
  s.user_id = id;
  s.token_hash = token_hash("t1");
  s.expires_at = 100;
  s.last_seen_at = 10;
  const auto sid = *m_store->create_session(s);
  s.token_hash = token_hash("t2");
  s.expires_at = 300;
  const auto sid2 = *m_store->create_session(s);
  ASSERT_TRUE(m_store->touch_session(sid, 200, 50));
  auto found = **m_store->find_session(token_hash("t1"));
  EXPECT_EQ(found.expires_at, 200);
  EXPECT_EQ(found.last_seen_at, 50);
  EXPECT_EQ(*m_store->delete_expired_sessions(250), 1);
  EXPECT_EQ(*m_store->delete_user_sessions(id, sid2), 0);
  EXPECT_EQ(*m_store->delete_user_sessions(id, 0), 1);

  ApiKeyRecord k;
  k.user_id = id;
  k.name = "ci";
  k.prefix = "sk_abc";
  k.key_hash = token_hash("key");
  k.scopes = scope_bit(Scope::read) | scope_bit(Scope::ingest);
  k.expires_at = 777;
  const auto kid = *m_store->create_api_key(k);
  auto keys = *m_store->list_api_keys(id);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].scopes, k.scopes);
  EXPECT_EQ(keys[0].expires_at, 777);
  EXPECT_FALSE(*m_store->revoke_api_key(id + 1, kid, 9));  // someone else's key
  EXPECT_TRUE(*m_store->revoke_api_key(id, kid, 9));
  EXPECT_FALSE(*m_store->revoke_api_key(id, kid, 10));  // already revoked
  EXPECT_EQ((*m_store->find_api_key(token_hash("key")))->revoked_at, 9);
}

TEST_F(AccountStoreTest, InvitesAreSingleUseAndExpire) {
  const auto admin = add_user("root", Role::admin);
  ASSERT_TRUE(m_store->create_invite(token_hash("inv1"), admin, 1000, 2000));
  NewUser n;
  n.username = "eve";
  n.password_hash = "x";
  n.passkey = new_passkey();
  n.created_at = 2500;
  auto late = m_store->create_user(n, token_hash("inv1"));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().kind, StoreError::Kind::not_found);
  n.created_at = 1500;
  ASSERT_TRUE(m_store->create_user(n, token_hash("inv1")));
  n.username = "frank";
  n.passkey = new_passkey();
  auto reuse = m_store->create_user(n, token_hash("inv1"));
  ASSERT_FALSE(reuse);
  EXPECT_EQ(reuse.error().kind, StoreError::Kind::not_found);
  EXPECT_FALSE(*m_store->find_user_by_name("frank"));  // nothing half-created
}

TEST_F(AccountStoreTest, AuditLogPagesNewestFirstWithNames) {
  const auto a = add_user("boss", Role::admin);
  const auto u = add_user("worker");
  for (int i = 0; i < 5; ++i) {
    AuditRecord e;
    e.at = 100 + i;
    e.actor_id = a;
    e.action = "act" + std::to_string(i);
    e.target_id = u;
    e.address = "192.0.2.1";
    ASSERT_TRUE(m_store->append_audit(e));
  }
  auto first = *m_store->list_audit(0, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].action, "act4");
  EXPECT_EQ(first[0].actor_name, "boss");
  EXPECT_EQ(first[0].target_name, "worker");
  auto next = *m_store->list_audit(first.back().id, 10);
  ASSERT_EQ(next.size(), 3u);
  EXPECT_EQ(next[0].action, "act2");
  EXPECT_EQ(next[2].action, "act0");
}

TEST_F(AccountStoreTest, DataSurvivesReopening) {
  add_user("persist");
  m_store.reset();
  auto s = open_sqlite_account_store(m_dir / "tracker.db");
  ASSERT_TRUE(s);
  EXPECT_TRUE(*(*s)->find_user_by_name("persist"));
}

TEST(RoleAndScopeNamesTest, RoundTrip) {
  EXPECT_EQ(parse_role("admin"), Role::admin);
  EXPECT_EQ(parse_role("user"), Role::user);
  EXPECT_FALSE(parse_role("Admin"));
  for (Scope s : {Scope::read, Scope::write, Scope::admin, Scope::ingest, Scope::feed})
    EXPECT_EQ(parse_scope(scope_name(s)), s);
  EXPECT_FALSE(parse_scope("root"));
  EXPECT_EQ(scope_names(kAllScopes), (std::vector<std::string>{"read", "write", "admin", "ingest", "feed"}));
}

// Migration 6 widens api_keys.scopes to the feed scope by rebuilding the table: keys made before
// it are kept with their scopes, and feed keys can be stored after it.
TEST(AccountStoreUpgrade, Version5KeysSurviveAndFeedKeysFitAfterwards) {
  TempDir dir;
  const auto path = dir / "tracker.db";
  {
    auto db = SqliteConnection::open(path);
    ASSERT_TRUE(db);
    auto v = apply_migrations(*db, tracker_migrations().first(5));
    ASSERT_TRUE(v) << v.error();
    ASSERT_TRUE(db->exec("INSERT INTO users (username, role, password_hash, passkey, created_at, updated_at)"
                         " VALUES ('alice', 'user', 'x', '" + std::string(32, 'a') + "', 0, 0)"));
    ASSERT_TRUE(db->exec("INSERT INTO api_keys (user_id, name, prefix, key_hash, scopes, created_at)"
                         " VALUES (1, 'old', 'sk_old', '" + std::string(64, 'b') + "', 9, 7)"));
    EXPECT_FALSE(db->exec("INSERT INTO api_keys (user_id, name, prefix, key_hash, scopes, created_at)"
                          " VALUES (1, 'feed', 'sk_f', '" + std::string(64, 'c') + "', 16, 7)"));
  }
  auto store = open_sqlite_account_store(path);
  ASSERT_TRUE(store) << store.error().message;
  auto keys = (*store)->list_api_keys(1);
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].name, "old");
  EXPECT_EQ((*keys)[0].scopes, scope_bit(Scope::read) | scope_bit(Scope::ingest));
  EXPECT_EQ((*keys)[0].created_at, 7);
  ApiKeyRecord feed;
  feed.user_id = 1;
  feed.name = "feed";
  feed.prefix = "sk_feed";
  feed.key_hash = std::string(64, 'd');
  feed.scopes = scope_bit(Scope::feed);
  feed.created_at = 8;
  auto id = (*store)->create_api_key(feed);
  ASSERT_TRUE(id) << id.error().message;
  auto found = (*store)->find_api_key(std::string(64, 'd'));
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((**found).scopes, scope_bit(Scope::feed));
}

}  // namespace
}  // namespace shoal::tracker
