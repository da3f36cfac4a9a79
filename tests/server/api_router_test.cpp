#include "shoal/server/api_router.hpp"

#include <gtest/gtest.h>

#include <variant>

namespace shoal::server {
namespace {

ApiRoute route(std::string method, std::string pattern, ApiAuth auth = ApiAuth::none()) {
  ApiRoute r;
  r.method = std::move(method);
  r.pattern = std::move(pattern);
  r.auth = auth;
  r.summary = "test";
  r.handler = [](ApiCall& call) { return ApiReply::json(200, {{"path", call.path}}); };
  return r;
}

TEST(ApiRouterTest, MatchesLiteralAndParameterSegments) {
  ApiRouter router;
  router.add(route("GET", "/api/v1/users"));
  router.add(route("GET", "/api/v1/users/{id}"));
  router.add(route("DELETE", "/api/v1/users/{id}"));
  router.add(route("GET", "/api/v1/access/{list}/{hash}"));

  auto m = router.match("GET", "/api/v1/users/42");
  ASSERT_TRUE(std::holds_alternative<ApiRouter::Match>(m));
  auto& match = std::get<ApiRouter::Match>(m);
  EXPECT_EQ(match.route->pattern, "/api/v1/users/{id}");
  EXPECT_EQ(match.params.at("id"), "42");

  auto two = std::get<ApiRouter::Match>(router.match("GET", "/api/v1/access/allow/ab%20cd"));
  EXPECT_EQ(two.params.at("list"), "allow");
  EXPECT_EQ(two.params.at("hash"), "ab cd");  // percent-decoded

  EXPECT_TRUE(std::holds_alternative<ApiRouter::Match>(router.match("HEAD", "/api/v1/users")));
}

TEST(ApiRouterTest, NotFoundAndMethodNotAllowed) {
  ApiRouter router;
  router.add(route("GET", "/api/v1/users/{id}"));
  router.add(route("DELETE", "/api/v1/users/{id}"));
  for (const char* path : {"/api/v1/nothing", "/api/v1/users", "/api/v1/users/", "/api/v1/users/1/x",
                           "/api/v1/users/a%2Fb"}) {
    auto r = router.match("GET", path);
    ASSERT_TRUE(std::holds_alternative<ApiReply>(r)) << path;
    EXPECT_EQ(std::get<ApiReply>(r).status, 404u) << path;
    EXPECT_EQ(std::get<ApiReply>(r).body["error"]["code"], "not_found");
  }
  auto r = router.match("POST", "/api/v1/users/1");
  ASSERT_TRUE(std::holds_alternative<ApiReply>(r));
  const auto& reply = std::get<ApiReply>(r);
  EXPECT_EQ(reply.status, 405u);
  EXPECT_EQ(reply.body["error"]["code"], "method_not_allowed");
  ASSERT_EQ(reply.headers.size(), 1u);
  EXPECT_EQ(reply.headers[0].first, "Allow");
  EXPECT_EQ(reply.headers[0].second, "GET, DELETE");
}

TEST(ApiRouterTest, RefusesBadRegistrations) {
  ApiRouter router;
  router.add(route("GET", "/a"));
  EXPECT_THROW(router.add(route("GET", "/a")), std::invalid_argument);
  EXPECT_THROW(router.add(route("GET", "a")), std::invalid_argument);
  ApiRoute empty = route("POST", "/a");
  empty.handler = nullptr;
  EXPECT_THROW(router.add(empty), std::invalid_argument);
}

TEST(ApiRouterTest, OpenApiDescribesEveryRouteWithItsSecurity) {
  ApiRouter router;
  router.add(route("GET", "/api/v1/public"));
  ApiRoute admin = route("DELETE", "/api/v1/admin/users/{id}", ApiAuth::with_scope(Scope::admin));
  router.add(admin);
  ApiRoute body = route("POST", "/api/v1/things", ApiAuth::with_scope(Scope::write));
  body.request_schema = {{"type", "object"}};
  body.success_status = 201;
  router.add(body);

  auto doc = router.openapi("t", "1.2.3");
  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_EQ(doc["info"]["version"], "1.2.3");
  EXPECT_EQ(doc["paths"].size(), 3u);
  EXPECT_TRUE(doc["paths"]["/api/v1/public"]["get"]["security"].empty());
  const auto& del = doc["paths"]["/api/v1/admin/users/{id}"]["delete"];
  EXPECT_EQ(del["x-required-scope"], "admin");
  EXPECT_EQ(del["security"].size(), 2u);
  EXPECT_TRUE(del["responses"].contains("401"));
  EXPECT_TRUE(del["responses"].contains("403"));
  EXPECT_EQ(del["parameters"][0]["name"], "id");
  const auto& post = doc["paths"]["/api/v1/things"]["post"];
  EXPECT_TRUE(post["responses"].contains("201"));
  EXPECT_TRUE(post["responses"].contains("422"));
  EXPECT_TRUE(post.contains("requestBody"));
  EXPECT_TRUE(doc["components"]["securitySchemes"].contains("bearer"));
  EXPECT_TRUE(doc["components"]["securitySchemes"].contains("cookie"));
}

TEST(ApiRouteTest, MediaTypesOfRawAndLargeBodies) {
  EXPECT_TRUE(media_type_is("application/json", "application/json"));
  EXPECT_TRUE(media_type_is("Application/JSON ; charset=utf-8", "application/json"));
  EXPECT_TRUE(media_type_is(" multipart/form-data; boundary=x", "multipart/form-data"));
  EXPECT_FALSE(media_type_is("application/jsonx", "application/json"));
  EXPECT_FALSE(media_type_is("", "application/json"));

  ApiRoute upload;
  upload.raw_body_types = {"application/x-bittorrent", "multipart/form-data"};
  EXPECT_TRUE(upload.takes_raw("application/x-bittorrent"));
  EXPECT_TRUE(upload.takes_raw("multipart/form-data; boundary=abc"));
  EXPECT_FALSE(upload.takes_raw("application/json"));
  EXPECT_FALSE(upload.takes_large("application/x-bittorrent"));  // no larger limit set
  upload.max_body_bytes = 1 << 20;
  EXPECT_TRUE(upload.takes_large("application/x-bittorrent"));
  EXPECT_FALSE(upload.takes_large("application/json"));  // JSON stays small...

  ApiRoute ingest;
  ingest.max_body_bytes = 1 << 20;
  ingest.large_json_body = true;
  EXPECT_TRUE(ingest.takes_large("application/json; charset=utf-8"));  // ...unless the route says so
  EXPECT_FALSE(ingest.takes_large("text/plain"));
  EXPECT_FALSE(ingest.takes_raw("application/json"));
}

TEST(ApiReplyTest, RawBodyKeepsItsBytesAndType) {
  const std::string bytes("d4:infod4:name1:xee\0\xff", 22);
  ApiReply r = ApiReply::raw_body(200, "application/x-bittorrent", bytes);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "application/x-bittorrent");
  EXPECT_EQ(r.raw, bytes);
  EXPECT_TRUE(r.body.is_null());
}

TEST(ApiCallTest, ParamsAndQuery) {
  ApiCall call;
  call.params["id"] = "17";
  call.params["bad"] = "17x";
  call.params["neg"] = "-1";
  call.query = "q=a%20b&limit=5&flag&plus=x+y";
  EXPECT_EQ(call.int_param("id"), 17);
  EXPECT_FALSE(call.int_param("bad"));
  EXPECT_FALSE(call.int_param("neg"));
  EXPECT_FALSE(call.int_param("missing"));
  EXPECT_EQ(call.query_param("q"), "a b");
  EXPECT_EQ(call.query_param("limit"), "5");
  EXPECT_EQ(call.query_param("flag"), "");
  EXPECT_EQ(call.query_param("plus"), "x y");
  EXPECT_FALSE(call.query_param("none"));
  EXPECT_EQ(call.user_id(), 0);
}

TEST(ApiReplyTest, ErrorShapeAndAuthErrorMapping) {
  auto e = ApiReply::error(409, "username_taken", "taken");
  EXPECT_EQ(e.body.dump(), R"({"error":{"code":"username_taken","message":"taken"}})");
  struct Case {
    AuthError::Kind kind;
    unsigned status;
  };
  for (auto c : {Case{AuthError::Kind::invalid, 422}, Case{AuthError::Kind::unauthorized, 401},
                 Case{AuthError::Kind::forbidden, 403}, Case{AuthError::Kind::not_found, 404},
                 Case{AuthError::Kind::conflict, 409}, Case{AuthError::Kind::throttled, 429},
                 Case{AuthError::Kind::internal, 500}}) {
    auto r = api_error_from(AuthError{c.kind, "code", "msg", 7});
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.body["error"]["code"], "code");
  }
  auto throttled = api_error_from(AuthError{AuthError::Kind::throttled, "c", "m", 7});
  ASSERT_EQ(throttled.headers.size(), 1u);
  EXPECT_EQ(throttled.headers[0], (std::pair<std::string, std::string>{"Retry-After", "7"}));
}

}  // namespace
}  // namespace shoal::server
