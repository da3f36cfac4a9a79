#include "shoal/proto/bencode.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace shoal;
using namespace shoal::bencode;

namespace {

Error decode_error(std::string_view in, Mode mode = Mode::strict, const Limits& limits = {}) {
  auto r = decode(in, mode, limits);
  EXPECT_FALSE(r.has_value()) << "decoded unexpectedly: " << in.substr(0, 60);
  return r ? Error{} : r.error();
}

}  // namespace

TEST(Bencode, DecodesBep3Examples) {
  EXPECT_EQ(decode("4:spam")->as_string(), "spam");
  EXPECT_EQ(decode("0:")->as_string(), "");
  EXPECT_EQ(decode("i3e")->as_int(), 3);
  EXPECT_EQ(decode("i-3e")->as_int(), -3);
  EXPECT_EQ(decode("i0e")->as_int(), 0);
  auto list = decode("l4:spam4:eggse");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->as_list().size(), 2u);
  EXPECT_EQ(list->as_list()[1].as_string(), "eggs");
  auto dict = decode("d3:cow3:moo4:spam4:eggse");
  ASSERT_TRUE(dict);
  EXPECT_EQ(*dict->find_string("cow"), "moo");
  EXPECT_EQ(*dict->find_string("spam"), "eggs");
  auto nested = decode("d4:spaml1:a1:bee");
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested->find_list("spam")->size(), 2u);
}

TEST(Bencode, TypedFindReturnsNullForWrongTypeOrMissing) {
  auto v = decode("d1:ai1e1:b1:xe");
  ASSERT_TRUE(v);
  EXPECT_NE(v->find_int("a"), nullptr);
  EXPECT_EQ(v->find_string("a"), nullptr);
  EXPECT_EQ(v->find_int("b"), nullptr);
  EXPECT_EQ(v->find("zzz"), nullptr);
  EXPECT_EQ(decode("i1e")->find("a"), nullptr);
}

TEST(Bencode, IntegerRange) {
  EXPECT_EQ(decode("i9223372036854775807e")->as_int(), INT64_MAX);
  EXPECT_EQ(decode("i-9223372036854775808e")->as_int(), INT64_MIN);
  EXPECT_EQ(decode_error("i9223372036854775808e").code, Errc::limit_exceeded);
  EXPECT_EQ(decode_error("i99999999999999999999999999e").code, Errc::limit_exceeded);
}

TEST(Bencode, BinaryStringsAndKeyOrderByUnsignedBytes) {
  std::string bin("3:\x00\xff\x7f", 5);
  EXPECT_EQ(decode(bin)->as_string(), std::string("\x00\xff\x7f", 3));
  // 0x7f sorts before 0x80 as unsigned bytes.
  std::string ok = std::string("d1:\x7f") + "i1e" + "1:\x80" + "i2ee";
  EXPECT_TRUE(decode(ok));
  std::string bad = std::string("d1:\x80") + "i1e" + "1:\x7f" + "i2ee";
  EXPECT_EQ(decode_error(bad).code, Errc::non_canonical);
}

TEST(Bencode, StrictRejectsNonCanonical) {
  auto e = decode_error("i03e");
  EXPECT_EQ(e.code, Errc::non_canonical);
  EXPECT_EQ(e.offset, 0u);
  EXPECT_EQ(decode_error("i-0e").code, Errc::non_canonical);
  EXPECT_EQ(decode_error("03:abc").code, Errc::non_canonical);
  auto unsorted = decode_error("d1:bi1e1:ai2ee");
  EXPECT_EQ(unsorted.code, Errc::non_canonical);
  EXPECT_EQ(unsorted.offset, 7u);
  EXPECT_NE(unsorted.message().find("not sorted"), std::string::npos);
  auto dup = decode_error("d1:ai1e1:ai2ee");
  EXPECT_EQ(dup.code, Errc::non_canonical);
  EXPECT_NE(dup.message().find("duplicate"), std::string::npos);
}

TEST(Bencode, LenientAcceptsSloppyButKeepsFirstDuplicate) {
  auto v = decode("d1:bi1e1:ai2e1:bi3ee", Mode::lenient);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v->find_int("b"), 1);
  EXPECT_EQ(*v->find_int("a"), 2);
  EXPECT_EQ(decode("i03e", Mode::lenient)->as_int(), 3);
  // Lenient is not lawless: syntax and bounds still apply.
  EXPECT_FALSE(decode("i3", Mode::lenient));
  EXPECT_FALSE(decode("i1ex", Mode::lenient));
}

TEST(Bencode, SyntaxErrorsNameTheOffset) {
  struct Case { const char* in; Errc code; std::size_t offset; };
  const Case cases[] = {
      {"", Errc::truncated, 0},
      {"i", Errc::truncated, 0},
      {"i12", Errc::truncated, 0},
      {"ie", Errc::syntax, 0},
      {"i-e", Errc::syntax, 0},
      {"i1x2e", Errc::syntax, 2},
      {"i--1e", Errc::syntax, 2},
      {"5:abc", Errc::truncated, 0},
      {"5", Errc::truncated, 0},
      {"5x", Errc::syntax, 1},
      {"-3:abc", Errc::syntax, 0},
      {"l", Errc::truncated, 0},
      {"li1e", Errc::truncated, 0},
      {"d", Errc::truncated, 0},
      {"d1:a", Errc::truncated, 1},
      {"di1ei2ee", Errc::wrong_type, 1},
      {"x", Errc::syntax, 0},
      {"i1ei2e", Errc::trailing_data, 3},
      {"4:spamX", Errc::trailing_data, 6},
  };
  for (const auto& c : cases) {
    auto e = decode_error(c.in);
    EXPECT_EQ(e.code, c.code) << c.in << " -> " << e.message();
    EXPECT_EQ(e.offset, c.offset) << c.in << " -> " << e.message();
    EXPECT_EQ(e.context, "bencode");
  }
}

TEST(Bencode, HugeDeclaredLengthsAreRejectedWithoutAllocating) {
  EXPECT_EQ(decode_error("99999999999999999999999999:a").code, Errc::limit_exceeded);
  EXPECT_EQ(decode_error("4294967296:a").code, Errc::limit_exceeded);
  EXPECT_EQ(decode_error("1000:abc").code, Errc::truncated);
  Limits small;
  small.max_string_length = 4;
  EXPECT_EQ(decode_error("5:abcde", Mode::strict, small).code, Errc::limit_exceeded);
  EXPECT_TRUE(decode("4:abcd", Mode::strict, small));
}

TEST(Bencode, DeepNestingHitsDepthLimitNotTheStack) {
  std::string deep(10'000, 'l');
  deep += std::string(10'000, 'e');
  auto e = decode_error(deep);
  EXPECT_EQ(e.code, Errc::limit_exceeded);
  EXPECT_EQ(e.offset, kDefaultMaxDepth);
  std::string deep_dicts;
  for (int i = 0; i < 10'000; ++i) deep_dicts += "d1:a";
  deep_dicts += "i1e";
  deep_dicts += std::string(10'000, 'e');
  EXPECT_EQ(decode_error(deep_dicts).code, Errc::limit_exceeded);
  // Exactly at the limit is fine.
  std::string at_limit(kDefaultMaxDepth, 'l');
  at_limit += std::string(kDefaultMaxDepth, 'e');
  EXPECT_TRUE(decode(at_limit));
}

TEST(Bencode, TokenAndTotalSizeLimits) {
  Limits limits;
  limits.max_tokens = 10;
  std::string many = "l";
  for (int i = 0; i < 20; ++i) many += "i1e";
  many += "e";
  EXPECT_EQ(decode_error(many, Mode::strict, limits).code, Errc::limit_exceeded);
  limits = Limits{};
  limits.max_total_size = 8;
  EXPECT_EQ(decode_error("l4:spam4:eggse", Mode::strict, limits).code, Errc::limit_exceeded);
}

TEST(Bencode, EncodeIsCanonicalAndRoundTrips) {
  Dict d;
  d["zeta"] = Value(List{Value(1), Value("x"), Value(Dict{})});
  d["alpha"] = Value(-42);
  d[std::string("\x00k", 2)] = Value(std::string("\x00\x01", 2));
  Value v(d);
  std::string bytes = encode(v);
  EXPECT_EQ(bytes, std::string("d2:\x00k2:\x00\x01", 9) + "5:alphai-42e4:zetali1e1:xdeee");
  auto back = decode(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, v);
  // Lenient input re-encodes canonically.
  EXPECT_EQ(encode(*decode("d1:bi1e1:ai2ee", Mode::lenient)), "d1:ai2e1:bi1ee");
}

TEST(Bencode, WriterAppendsTokens) {
  std::string out;
  Writer w(out);
  w.begin_dict().key("interval").integer(1800).key("peers").string(std::string("\x7f\0\0\1\x1a\xe1", 6)).end();
  auto v = decode(out);
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(*v->find_int("interval"), 1800);
  EXPECT_EQ(v->find_string("peers")->size(), 6u);
}

TEST(Bencode, ValueEndSkipsOneValue) {
  std::string in = "d1:ali1ei2ee1:bi3eeTRAILER";
  auto end = value_end(in, 0);
  ASSERT_TRUE(end);
  EXPECT_EQ(in.substr(*end), "TRAILER");
  auto list_end = value_end(in, 4);  // the list li1ei2ee
  ASSERT_TRUE(list_end);
  EXPECT_EQ(*list_end, 12u);
  EXPECT_FALSE(value_end("l", 0));
}

TEST(Bencode, RawDictValueGivesExactBytes) {
  // Unsorted keys inside info must be preserved byte for byte (info-hash is over raw bytes).
  std::string doc = "d8:announce3:url4:infod4:name1:x6:lengthi1eee";
  auto raw = raw_dict_value(doc, "info");
  ASSERT_TRUE(raw) << raw.error().message();
  EXPECT_EQ(*raw, "d4:name1:x6:lengthi1ee");
  EXPECT_EQ(raw_dict_value(doc, "nope").error().code, Errc::missing_field);
  EXPECT_EQ(raw_dict_value("li1ee", "info").error().code, Errc::wrong_type);
  EXPECT_EQ(raw_dict_value(doc + "x", "info").error().code, Errc::trailing_data);
  EXPECT_EQ(raw_dict_value("d4:infod", "info").error().code, Errc::truncated);
  // Strict mode refuses the unsorted info dict.
  EXPECT_EQ(raw_dict_value(doc, "info", Mode::strict).error().code, Errc::non_canonical);
}

TEST(Bencode, HostileInputsNeverCrash) {
  // A handful of structured nasties; the fuzzer covers the rest.
  const std::string inputs[] = {
      "d", "l", "i", "e", "0", ":", "1:", "d0:", "d0:e", "ll", "lle", "dde", "d1:ae", "d1:ai1e",
      "i-", "i-e", "i+1e", "i 1e", "2:a", "1:ab", std::string("\0", 1), "d1:a1:b1:c",
  };
  for (const auto& in : inputs) {
    for (Mode m : {Mode::strict, Mode::lenient}) {
      auto r = decode(in, m);
      if (!r) {
        EXPECT_FALSE(r.error().message().empty());
      }
    }
  }
  EXPECT_TRUE(decode("d0:i1ee"));  // an empty key is legal bencode
}
