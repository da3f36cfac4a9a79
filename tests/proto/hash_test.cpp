#include "shoal/proto/hash.hpp"
#include "shoal/proto/info_hash.hpp"

#include <gtest/gtest.h>

#include <unordered_set>

using namespace shoal;

TEST(Hash, KnownVectors) {
  EXPECT_EQ(sha1("abc").hex(), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(sha1("").hex(), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(sha256("abc").hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hash, IncrementalMatchesOneShotAndResets) {
  Sha1Hasher h1;
  h1.update("a");
  h1.update("bc");
  EXPECT_EQ(h1.finish(), sha1("abc"));
  h1.update("abc");
  EXPECT_EQ(h1.finish(), sha1("abc"));
  Sha256Hasher h2;
  h2.update("ab");
  h2.update("c");
  EXPECT_EQ(h2.finish(), sha256("abc"));
}

TEST(Hash, DigestParsing) {
  auto d = Sha1Digest::from_hex("A9993E364706816ABA3E25717850C26C9CD0D89D");
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, sha1("abc"));
  EXPECT_FALSE(Sha1Digest::from_hex("a9993e"));
  EXPECT_FALSE(Sha1Digest::from_bytes("short"));
  EXPECT_TRUE(Sha1Digest{}.is_zero());
  std::unordered_set<Sha1Digest> set{sha1("a"), sha1("b"), sha1("a")};
  EXPECT_EQ(set.size(), 2u);
}

TEST(InfoHash, TrackerIdIsV1OrTruncatedV2) {
  auto hybrid = InfoHash::from_info_dict("d4:name1:xe", true, true);
  EXPECT_TRUE(hybrid.is_hybrid());
  EXPECT_EQ(hybrid.tracker_id(), *hybrid.v1);
  auto v2 = InfoHash::from_info_dict("d4:name1:xe", false, true);
  EXPECT_FALSE(v2.has_v1());
  EXPECT_EQ(v2.tracker_id().view(), v2.v2->view().substr(0, 20));
}
