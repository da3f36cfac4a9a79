#include "shoal/tracker/http_server.hpp"

#include <gtest/gtest.h>

namespace shoal::tracker {
namespace {
TEST(HttpRequestTest, SplitsPathAndQuery) {
  const HttpRequest r("GET", "/announce?a=1", {}, {}, PeerEndpoint{}, IpAddress{}, false);
  EXPECT_EQ(r.path(), "/announce");
  EXPECT_EQ(r.query(), "a=1");
}
}  // namespace
}  // namespace shoal::tracker
