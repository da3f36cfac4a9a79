#include "shoal/tracker/password_hash.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace shoal::tracker {
namespace {

// The lowest cost keeps the suite fast; the format and the checks are the same at every cost.
constexpr ScryptParams kFast{10, 8, 1};

TEST(PasswordHashTest, HashVerifiesAndHasTheDocumentedFormat) {
  auto h = hash_password("correct horse battery", kFast);
  ASSERT_TRUE(h) << h.error();
  EXPECT_TRUE(h->starts_with("$scrypt$ln=10,r=8,p=1$")) << *h;
  // prefix + 32 hex salt + '$' + 64 hex key
  EXPECT_EQ(h->size(), std::string("$scrypt$ln=10,r=8,p=1$").size() + 32 + 1 + 64);
  auto ok = verify_password("correct horse battery", *h);
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_TRUE(*ok);
  auto wrong = verify_password("correct horse batterY", *h);
  ASSERT_TRUE(wrong);
  EXPECT_FALSE(*wrong);
}

TEST(PasswordHashTest, SaltsDiffer) {
  auto a = hash_password("same password", kFast);
  auto b = hash_password("same password", kFast);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(*verify_password("same password", *a));
  EXPECT_TRUE(*verify_password("same password", *b));
}

TEST(PasswordHashTest, KnownScryptVector) {
  // scrypt(P="password", S="0123456789abcdef", N=1024, r=8, p=1, dkLen=32), computed with Python's
  // hashlib.scrypt (which reproduces RFC 7914's published vectors): a stored text in our format
  // with these values must verify, so the format really is scrypt with the stated parameters.
  const std::string stored =
      "$scrypt$ln=10,r=8,p=1$30313233343536373839616263646566$"
      "644042ccba6d58cedd8693490d4d876d0f78e68bca1e6544a331e478f3db4aac";
  auto ok = verify_password("password", stored);
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_TRUE(*ok);
  EXPECT_FALSE(*verify_password("Password", stored));
}

TEST(PasswordHashTest, OtherParametersAreReadFromTheStoredText) {
  auto h = hash_password("pw", ScryptParams{11, 4, 2});
  ASSERT_TRUE(h);
  auto params = parse_password_hash_params(*h);
  ASSERT_TRUE(params);
  EXPECT_EQ(params->log2_n, 11u);
  EXPECT_EQ(params->r, 4u);
  EXPECT_EQ(params->p, 2u);
  EXPECT_TRUE(*verify_password("pw", *h));
  EXPECT_TRUE(needs_rehash(*h, kFast));
  EXPECT_FALSE(needs_rehash(*h, ScryptParams{11, 4, 2}));
}

TEST(PasswordHashTest, MalformedStoredHashesAreErrors) {
  auto good = *hash_password("x", kFast);
  const std::string salt_and_key = good.substr(std::string("$scrypt$ln=10,r=8,p=1$").size());
  for (const std::string& bad :
       std::vector<std::string>{std::string("!"), std::string(""), std::string("$scrypt$"),
        "$bcrypt$ln=10,r=8,p=1$" + salt_and_key, "$scrypt$ln=30,r=8,p=1$" + salt_and_key,
        "$scrypt$ln=10,r=0,p=1$" + salt_and_key, "$scrypt$ln=10,r=8,p=1,x=2$" + salt_and_key,
        "$scrypt$r=8,ln=10,p=1$" + salt_and_key, "$scrypt$ln=10,r=8,p=1$zz" + salt_and_key.substr(2),
        "$scrypt$ln=10,r=8,p=1$" + salt_and_key.substr(2), good + "00"}) {
    auto r = verify_password("x", bad);
    EXPECT_FALSE(r) << bad;
    EXPECT_TRUE(needs_rehash(bad, kFast));
  }
}

TEST(PasswordHashTest, RefusesOutOfRangeParametersAndHugePasswords) {
  EXPECT_FALSE(hash_password("x", ScryptParams{9, 8, 1}));
  EXPECT_FALSE(hash_password("x", ScryptParams{21, 8, 1}));
  EXPECT_FALSE(hash_password("x", ScryptParams{10, 0, 1}));
  EXPECT_FALSE(hash_password("x", ScryptParams{10, 8, 0}));
  EXPECT_FALSE(hash_password(std::string(kMaxPasswordBytes + 1, 'a'), kFast));
  auto h = hash_password(std::string(kMaxPasswordBytes, 'a'), kFast);
  ASSERT_TRUE(h);
  auto over = verify_password(std::string(kMaxPasswordBytes + 1, 'a'), *h);
  ASSERT_TRUE(over);
  EXPECT_FALSE(*over);
}

TEST(PasswordHashTest, EmptyAndBinaryPasswordsWork) {
  const std::string binary("a\0b\xff", 4);
  auto h = hash_password(binary, kFast);
  ASSERT_TRUE(h);
  EXPECT_TRUE(*verify_password(binary, *h));
  EXPECT_FALSE(*verify_password("a", *h));
}

}  // namespace
}  // namespace shoal::tracker
