#include "shoal/server/secret_token.hpp"

#include <gtest/gtest.h>

#include <set>

namespace shoal::server {
namespace {

TEST(SecretTokenTest, ShapesAndPrefixes) {
  const std::string s = new_session_token();
  const std::string k = new_api_key();
  EXPECT_EQ(s.size(), 3u + 64u);
  EXPECT_TRUE(s.starts_with("ss_"));
  EXPECT_TRUE(k.starts_with("sk_"));
  EXPECT_TRUE(looks_like_session_token(s));
  EXPECT_FALSE(looks_like_api_key(s));
  EXPECT_TRUE(looks_like_api_key(k));
  EXPECT_FALSE(looks_like_session_token(k));
  EXPECT_FALSE(looks_like_api_key(k.substr(0, k.size() - 1)));
  std::string upper = k;
  upper[5] = 'A';
  EXPECT_FALSE(looks_like_api_key(upper));
  EXPECT_EQ(api_key_prefix(k), k.substr(0, 11));
  EXPECT_TRUE(new_invite_code().starts_with("inv_"));
  const std::string pk = new_passkey();
  EXPECT_EQ(pk.size(), 32u);
  EXPECT_EQ(pk.find_first_not_of("0123456789abcdef"), std::string::npos);
  const std::string pw = new_random_password();
  EXPECT_EQ(pw.size(), 24u);
}

TEST(SecretTokenTest, SecretsAreRandom) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) seen.insert(new_api_key());
  EXPECT_EQ(seen.size(), 200u);
}

TEST(SecretTokenTest, HashIsSha256Hex) {
  // SHA-256("abc"), FIPS 180-2.
  EXPECT_EQ(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_NE(token_hash("abc"), token_hash("abd"));
}

TEST(SecretTokenTest, CsrfTokenIsBoundToTheSessionAndNotItsStoredHash) {
  const std::string a = new_session_token(), b = new_session_token();
  EXPECT_EQ(csrf_token_for(a), csrf_token_for(a));
  EXPECT_NE(csrf_token_for(a), csrf_token_for(b));
  EXPECT_NE(csrf_token_for(a), token_hash(a));
  EXPECT_EQ(csrf_token_for(a).size(), 64u);
}

TEST(SecretTokenTest, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
}

}  // namespace
}  // namespace shoal::server
