// JsonFields and bounded_query_int (api_fields.hpp): typed reads of request input, and the one
// 400 reply their first problem becomes.
#include "shoal/tracker/api_fields.hpp"

#include <gtest/gtest.h>

namespace shoal::tracker {
namespace {

using nlohmann::json;

std::string code_of(const JsonFields& f) { return f.error().body["error"]["code"]; }

TEST(JsonFields, ReadsTypedFieldsAndIgnoresUnknownOnes) {
  const json body = {{"name", "x"}, {"on", true}, {"n", 7}, {"tags", {"a", "b"}}, {"extra", 1}, {"gone", nullptr}};
  JsonFields f(body);
  EXPECT_EQ(f.text("name", true), "x");
  EXPECT_EQ(f.boolean("on"), true);
  EXPECT_EQ(f.integer("n"), 7);
  EXPECT_EQ(f.strings("tags", true), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(f.text("gone", false));  // null counts as absent
  EXPECT_FALSE(f.boolean("missing"));
  EXPECT_TRUE(f.ok());
}

TEST(JsonFields, FirstProblemWins) {
  const json body = {{"name", 5}, {"on", "yes"}};
  JsonFields f(body);
  EXPECT_FALSE(f.text("name", true));
  EXPECT_FALSE(f.boolean("on"));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().status, 400u);
  EXPECT_EQ(code_of(f), "invalid_field");
  EXPECT_EQ(f.error().body["error"]["message"], "'name' must be a string");

  const json empty = json::object();
  JsonFields missing(empty);
  EXPECT_FALSE(missing.text("name", true));
  EXPECT_EQ(code_of(missing), "missing_field");

  const json long_name = {{"name", std::string(11, 'x')}};
  JsonFields too_long(long_name);
  EXPECT_FALSE(too_long.text("name", true, 10));
  EXPECT_EQ(code_of(too_long), "invalid_field");

  JsonFields custom(empty);
  custom.fail("invalid_info_hash", "no");
  custom.fail("other", "ignored");
  EXPECT_EQ(code_of(custom), "invalid_info_hash");
}

TEST(JsonFields, NotAnObjectMeansEverythingIsMissing) {
  const json null_body = nullptr;
  JsonFields f(null_body);
  EXPECT_FALSE(f.boolean("on"));
  EXPECT_TRUE(f.ok());
  EXPECT_FALSE(f.text("name", true));
  EXPECT_EQ(code_of(f), "missing_field");
}

TEST(BoundedQueryInt, FallbackRangeAndGarbage) {
  ApiCall call;
  call.query = "limit=20&offset=abc&big=501&neg=-1&empty=";
  bool bad = false;
  EXPECT_EQ(bounded_query_int(call, "limit", 100, 500, bad), 20u);
  EXPECT_EQ(bounded_query_int(call, "absent", 100, 500, bad), 100u);
  EXPECT_FALSE(bad);
  for (const char* name : {"offset", "big", "neg", "empty"}) {
    bool b = false;
    EXPECT_EQ(bounded_query_int(call, name, 3, 500, b), 3u) << name;
    EXPECT_TRUE(b) << name;
  }
}

}  // namespace
}  // namespace shoal::tracker
