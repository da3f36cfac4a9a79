#include "shoal/tracker/password_policy.hpp"

#include <gtest/gtest.h>

#include "shoal/tracker/password_hash.hpp"

namespace shoal::tracker {
namespace {

TEST(PasswordPolicyTest, ShipsAFewHundredCommonPasswords) {
  EXPECT_GE(common_password_count(), 200u);
  EXPECT_LE(common_password_count(), 1000u);
  for (const char* p : {"password", "123456", "qwerty123", "iloveyou", "PassWord123", "LETMEIN"})
    EXPECT_TRUE(is_common_password(p)) << p;
  EXPECT_FALSE(is_common_password("velvet-otter-cactus-91"));
}

TEST(PasswordPolicyTest, Rules) {
  EXPECT_EQ(check_new_password("velvet-otter", "alice", 10), std::nullopt);
  EXPECT_EQ(check_new_password("short", "alice", 10), "password must have at least 10 characters");
  // Code points, not bytes: ten two-byte characters are ten characters.
  EXPECT_EQ(check_new_password("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
                               "alice", 10),
            std::nullopt);
  EXPECT_EQ(check_new_password("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", "alice", 6),
            "password must have at least 6 characters");
  EXPECT_EQ(check_new_password("password123", "alice", 10), "password is too common");
  EXPECT_EQ(check_new_password("AliceInWonder", "aliceinwonder", 10),
            "password must differ from the username");
  EXPECT_TRUE(check_new_password(std::string(kMaxPasswordBytes + 1, 'x'), "alice", 10));
  EXPECT_TRUE(check_new_password(std::string("abcdefghij\0k", 12), "alice", 10));
}

}  // namespace
}  // namespace shoal::tracker
