#include "shoal/peer/api_key_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "process.hpp"

namespace shoal::peer {
namespace {

using server::Scope;
using server::scope_bit;

TEST(ApiKeyStore, KeysAuthenticateByHashSurviveReopenAndRevoke) {
  test::TempDir dir("shoal-keys-");
  auto store = ApiKeyStore::open(dir.path());
  ASSERT_TRUE(store) << store.error();
  auto initial = (*store)->ensure_initial_key();
  ASSERT_TRUE(initial && *initial);
  std::ifstream in(**initial);
  std::string admin_key;
  in >> admin_key;
  struct stat st{};
  ASSERT_EQ(::stat((*initial)->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(*(*store)->ensure_initial_key());  // only once

  auto viewer = (*store)->create("viewer", scope_bit(Scope::read));
  ASSERT_TRUE(viewer);
  auto who = (*store)->authenticate(viewer->key);
  ASSERT_TRUE(who);
  EXPECT_EQ((*who)->scopes, scope_bit(Scope::read));
  EXPECT_EQ((*who)->user_id, viewer->info.id);
  auto admin = (*store)->authenticate(admin_key);
  ASSERT_TRUE(admin);
  EXPECT_TRUE(server::has_scope((*admin)->scopes, Scope::write));

  // the file holds hashes, never keys
  std::ifstream file(dir.path() / "api_keys.json");
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find(viewer->key), std::string::npos);
  EXPECT_EQ(text.find(admin_key), std::string::npos);

  auto reopened = ApiKeyStore::open(dir.path());
  ASSERT_TRUE(reopened);
  EXPECT_TRUE((*reopened)->authenticate(viewer->key));
  EXPECT_EQ((*reopened)->list().size(), 2u);
  ASSERT_TRUE((*reopened)->revoke("viewer").value());
  EXPECT_FALSE((*reopened)->authenticate(viewer->key));
  EXPECT_FALSE((*reopened)->revoke("viewer").value());
  EXPECT_FALSE((*reopened)->authenticate("sk_" + std::string(64, 'a')));
  EXPECT_FALSE((*reopened)->authenticate("not a key"));
  EXPECT_FALSE((*reopened)->create("", scope_bit(Scope::read)));
  EXPECT_FALSE((*reopened)->create("x", 0));
}

TEST(ApiKeyStore, MalformedFileIsAnError) {
  test::TempDir dir("shoal-keys-");
  std::ofstream(dir.path() / "api_keys.json") << "{not json";
  auto store = ApiKeyStore::open(dir.path());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find("api_keys.json"), std::string::npos);
}

}  // namespace
}  // namespace shoal::peer
