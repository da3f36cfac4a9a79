// FieldReader and parse_body: typed reads with named paths, bounded parsing of hostile bodies.
#include "shoal/proto/api_json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace shoal::api {
namespace {

TEST(ApiJson, ParseBodyAcceptsJsonAndNamesTheOffsetOfAnError) {
  auto ok = parse_body(R"({"a": [1, 2, {"b": "x"}]})");
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)["a"][2]["b"], "x");

  auto bad = parse_body(R"({"a": 1,, "b": 2})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::syntax);
  EXPECT_EQ(bad.error().offset, 8u);
  EXPECT_NE(bad.error().message().find("api body: not JSON at byte 8"), std::string::npos);

  auto cut = parse_body(R"({"a": [1, 2)");
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().code, Errc::truncated);
  EXPECT_FALSE(parse_body(""));
  EXPECT_FALSE(parse_body("<html>502 Bad Gateway</html>"));

  // A number no double holds is an error, not an exception (found by fuzz_api_body).
  auto huge = parse_body(R"({"t": 1699E99999})");
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, Errc::invalid_value);
}

TEST(ApiJson, ParseBodyRefusesDeepNestingWithoutRecursingIntoIt) {
  std::string deep(kMaxDepth, '[');
  deep += std::string(kMaxDepth, ']');
  EXPECT_TRUE(parse_body(deep));

  const std::string too_deep = std::string(100000, '[') + std::string(100000, ']');
  auto r = parse_body(too_deep);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::limit_exceeded);
  EXPECT_EQ(r.error().offset, kMaxDepth);

  // Brackets inside strings (with escaped quotes) are text, not nesting.
  std::string in_string = "{\"a\": \"\\\"" + std::string(1000, '[') + "\"}";
  EXPECT_TRUE(parse_body(in_string));
}

TEST(ApiJson, ParseBodyRefusesOversizedBodies) {
  const std::string big(kMaxBodyBytes + 1, ' ');
  auto r = parse_body(big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::limit_exceeded);
}

TEST(ApiJson, ReaderReadsTypedFields) {
  const Json j = Json::parse(R"({"s": "x", "i": -4, "c": 7, "d": 0.5, "b": true, "n": null,
                                 "list": ["a", "b"], "o": {"k": 1}, "big": 18446744073709551615})");
  FieldReader r(j, "thing");
  EXPECT_EQ(r.text("s"), "x");
  EXPECT_EQ(r.integer("i"), -4);
  EXPECT_EQ(r.count("c"), 7u);
  EXPECT_DOUBLE_EQ(r.number("d"), 0.5);
  EXPECT_DOUBLE_EQ(r.number("c"), 7.0);  // an integer is a number too
  EXPECT_TRUE(r.boolean("b"));
  EXPECT_EQ(r.texts("list"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.opt_text("n"), std::nullopt);
  EXPECT_EQ(r.opt_text("absent"), std::nullopt);
  EXPECT_EQ(r.opt_integer("i"), -4);
  EXPECT_EQ(r.count("big"), UINT64_MAX);
  EXPECT_TRUE(r.boolean_or("absent", true));
  FieldReader o = r.object("o");
  EXPECT_EQ(o.integer("k"), 1);
  EXPECT_TRUE(o.ok());
  EXPECT_TRUE(r.ok());
}

TEST(ApiJson, ReaderKeepsTheFirstErrorWithItsPath) {
  const Json j = Json::parse(R"({"s": 3, "c": -1})");
  FieldReader r(j, "swarm list");
  EXPECT_EQ(r.text("s"), "");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::wrong_type);
  EXPECT_EQ(r.error().message(), "swarm list: s: expected a string, found a number");
  r.count("c");  // a later error does not replace the first
  EXPECT_EQ(r.error().code, Errc::wrong_type);

  FieldReader neg(j, "swarm list");
  neg.count("c");
  EXPECT_EQ(neg.error().code, Errc::invalid_value);

  FieldReader missing(j, "history");
  missing.integer("step");
  EXPECT_EQ(missing.error().code, Errc::missing_field);
  EXPECT_EQ(missing.error().message(), "history: step: missing");

  const Json fraction = Json::parse(R"({"i": 1.5, "too_big": 9223372036854775808})");
  FieldReader f(fraction, "x");
  f.integer("i");
  EXPECT_EQ(f.error().code, Errc::wrong_type);
  FieldReader g(fraction, "x");
  g.integer("too_big");
  EXPECT_EQ(g.error().code, Errc::invalid_value);
}

TEST(ApiJson, NestedPathsNameTheElement) {
  const Json j = Json::parse(R"({"swarms": [{"seeders": 1}, {"seeders": "many"}]})");
  FieldReader r(j, "swarm list");
  for (const auto& [i, item] : r.items("swarms")) {
    FieldReader e(*item, r.path("swarms", i));
    e.count("seeders");
    if (!e.ok()) r.adopt(e.error());
  }
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "swarm list: swarms[1].seeders: expected a count, found a string");

  const Json array = Json::array();
  FieldReader not_object(array, "sync");
  EXPECT_FALSE(not_object.ok());
  EXPECT_EQ(not_object.error().message(), "sync: expected an object, found an array");
  EXPECT_EQ(not_object.text("x"), "");  // reads after an error are harmless

  const Json empty = Json::object();
  FieldReader no_nested(empty, "history");
  FieldReader inner = no_nested.object("announces");
  EXPECT_FALSE(inner.ok());
  EXPECT_EQ(no_nested.error().message(), "history: announces: missing");
}

}  // namespace
}  // namespace shoal::api
