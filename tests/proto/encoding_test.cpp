#include "shoal/proto/encoding.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace shoal;

TEST(Encoding, Hex) {
  EXPECT_EQ(hex_encode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(*hex_decode("0001ABff"), std::string("\x00\x01\xab\xff", 4));
  EXPECT_FALSE(hex_decode("abc"));
  EXPECT_FALSE(hex_decode("zz"));
  EXPECT_EQ(*hex_decode(""), "");
}

TEST(Encoding, Base32Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},           {"f", "MY======"},         {"fo", "MZXQ===="},
      {"foo", "MZXW6==="}, {"foob", "MZXW6YQ="},      {"fooba", "MZXW6YTB"},
      {"foobar", "MZXW6YTBOI======"},
  };
  for (auto [plain, coded] : vectors) {
    EXPECT_EQ(base32_encode(plain), coded);
    EXPECT_EQ(*base32_decode(coded), plain);
    std::string unpadded(coded);
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
    EXPECT_EQ(base32_encode(plain, false), unpadded);
    EXPECT_EQ(*base32_decode(unpadded), plain);
  }
  EXPECT_EQ(*base32_decode("mzxw6ytboi"), "foobar");
  EXPECT_FALSE(base32_decode("MZXW6YTB1"));   // '1' not in alphabet
  EXPECT_FALSE(base32_decode("M"));           // impossible length
  EXPECT_FALSE(base32_decode("MZ"));          // non-zero trailing bits ("MY" is canonical for "f")
}

TEST(Encoding, Percent) {
  EXPECT_EQ(percent_encode(std::string("a b/\x00\xff~-._", 10)), "a%20b%2F%00%FF~-._");
  EXPECT_EQ(*percent_decode("a%20b%2f%00%FF"), std::string("a b/\x00\xff", 6));
  EXPECT_EQ(*percent_decode("a+b"), "a+b");
  EXPECT_EQ(*percent_decode("a+b", true), "a b");
  EXPECT_FALSE(percent_decode("%"));
  EXPECT_FALSE(percent_decode("%4"));
  EXPECT_FALSE(percent_decode("ab%4"));
  EXPECT_FALSE(percent_decode("%zz"));
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(*percent_decode(percent_encode(all)), all);
}

TEST(Encoding, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\x00\xfe", 3)), "/wD+");
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar",
                                                      std::string("\xff\x00\xfe", 3)}) {
    EXPECT_EQ(base64_decode(base64_encode(s)), s);
    std::string unpadded = base64_encode(s);
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
    EXPECT_EQ(base64_decode(unpadded), s);
  }
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_FALSE(base64_decode("Zm9v Zg=="));
  EXPECT_FALSE(base64_decode("Z"));  // a lone trailing character
}
