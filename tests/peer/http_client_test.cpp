// HttpClient (peer/include/shoal/peer/http_client.hpp) against scripted HTTP servers on loopback:
// bodies, content types, redirects and where they end, status errors, the body limit, bad URLs,
// refused connections and a server that never answers; request(): methods, headers and bodies as
// sent, answers of any status with their body, redirects not followed, invalid methods and
// headers refused before connecting, and get() unchanged on the wire. (HTTPS and more redirect cases are covered
// through TrackerClient, which is built on this class: tracker_client_test.cpp.)
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "fake_http_server.hpp"
#include "shoal/peer/http_client.hpp"

namespace {

using namespace std::chrono_literals;
using shoal::peer::HttpClient;
using shoal::peer::HttpClientOptions;
using shoal::peer::TrackerErrc;
using shoal::test::FakeHttpRequest;
using shoal::test::FakeHttpServer;
using shoal::test::http_response;

HttpClientOptions fast_options(std::chrono::milliseconds timeout = 10s) {
  HttpClientOptions o;
  o.timeout = timeout;
  return o;
}

TEST(HttpClient, GetsBodyAndContentType) {
  FakeHttpServer fake([](const std::string&) {
    return http_response(200, "OK", "d4:infode", "Content-Type: application/x-bittorrent\r\n");
  });
  HttpClient client(fast_options());
  auto r = client.get(fake.url("/files/a.torrent?key=1"), 1024);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, "d4:infode");
  EXPECT_EQ(r->content_type, "application/x-bittorrent");
  EXPECT_EQ(r->url.path, "/files/a.torrent");
  EXPECT_EQ(fake.targets(), std::vector<std::string>{"/files/a.torrent?key=1"});
}

TEST(HttpClient, FollowsRedirectsAndReportsWhereTheBodyCameFrom) {
  FakeHttpServer fake([](const std::string& target) {
    if (target == "/dl/1") return http_response(302, "Found", "", "Location: get?id=1\r\n");
    if (target == "/dl/get?id=1")
      return http_response(301, "Moved", "", "Location: /final/x.torrent\r\n");
    return http_response(200, "OK", "body of " + target);
  });
  HttpClient client(fast_options());
  auto r = client.get(fake.url("/dl/1"), 1024);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "body of /final/x.torrent");
  EXPECT_EQ(r->url.to_string(), fake.url("/final/x.torrent"));
  EXPECT_EQ(fake.targets(),
            (std::vector<std::string>{"/dl/1", "/dl/get?id=1", "/final/x.torrent"}));
}

TEST(HttpClient, RedirectLimitIsAnOption) {
  FakeHttpServer fake([](const std::string&) {
    return http_response(307, "Temporary Redirect", "", "Location: /again\r\n");
  });
  HttpClientOptions o = fast_options();
  o.max_redirects = 1;
  HttpClient client(o);
  auto r = client.get(fake.url("/again"), 1024);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TrackerErrc::redirect_error) << r.error().message;
  EXPECT_EQ(fake.targets().size(), 2u);
}

TEST(HttpClient, NotFoundIsAnHttpStatusErrorWithoutTheQuery) {
  FakeHttpServer fake([](const std::string&) {
    return http_response(404, "Not Found", "File not found");
  });
  HttpClient client(fast_options());
  auto r = client.get(fake.url("/x.torrent?passkey=secret"), 1024);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TrackerErrc::http_status);
  EXPECT_EQ(r.error().message, fake.url("/x.torrent") + ": HTTP 404 Not Found: File not found");
}

TEST(HttpClient, BodyLimitHolds) {
  FakeHttpServer announced([](const std::string&) {
    return "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x');
  });
  FakeHttpServer unannounced([](const std::string&) {
    return "HTTP/1.0 200 OK\r\n\r\n" + std::string(5000, 'x');
  });
  HttpClient client(fast_options());
  for (const FakeHttpServer* fake : {&announced, &unannounced}) {
    auto r = client.get(fake->url("/big"), 4096);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, TrackerErrc::response_too_large) << r.error().message;
    auto ok = client.get(fake->url("/big"), 5000);
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ok->body.size(), 5000u);
  }
}

TEST(HttpClient, BadUrlsAreRefusedBeforeAnyConnection) {
  HttpClient client(fast_options());
  for (const char* url : {"udp://127.0.0.1:6969/announce", "ftp://example.org/x.torrent",
                          "http://", "not a url"}) {
    auto r = client.get(url, 1024);
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code, TrackerErrc::invalid_url) << url << ": " << r.error().message;
  }
}

TEST(HttpClient, RefusedConnection) {
  HttpClient client(fast_options());
  const auto port = shoal::test::unused_port(SOCK_STREAM);
  auto r = client.get("http://127.0.0.1:" + std::to_string(port) + "/x", 1024);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TrackerErrc::connection_refused) << r.error().message;
}

TEST(HttpClient, SilentServerTimesOut) {
  std::uint16_t port = 0;
  shoal::test::Fd listener = shoal::test::bind_loopback(SOCK_STREAM, &port);
  ASSERT_EQ(::listen(listener.get(), 4), 0);  // connections complete in the backlog; no answer
  HttpClient client(fast_options(800ms));
  const auto start = std::chrono::steady_clock::now();
  auto r = client.get("http://127.0.0.1:" + std::to_string(port) + "/x", 1024);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TrackerErrc::timeout) << r.error().message;
  EXPECT_GE(took, 700ms);
  EXPECT_LT(took, 5s);
}

// ---- request() ------------------------------------------------------------------------------

TEST(HttpClientRequest, SendsMethodHeadersAndBodyAndReturnsTheAnswer) {
  FakeHttpServer fake([](const FakeHttpRequest& r) {
    return http_response(201, "Created", "{\"got\":" + r.body + "}",
                         "Content-Type: application/json\r\nX-Request-Id: 42\r\n");
  });
  HttpClient client(fast_options());
  auto r = client.request("POST", fake.url("/api/v1/me/keys?x=1"),
                          {{"Authorization", "Bearer sk_abc"}, {"Content-Type", "application/json"}},
                          R"({"name":"k"})", 1024);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 201u);
  EXPECT_EQ(r->reason, "Created");
  EXPECT_EQ(r->body, R"({"got":{"name":"k"}})");
  EXPECT_EQ(r->content_type, "application/json");
  EXPECT_EQ(r->header("x-request-id"), "42");
  EXPECT_EQ(r->header("X-REQUEST-ID"), "42");
  EXPECT_EQ(r->header("absent"), "");
  EXPECT_EQ(r->url.path, "/api/v1/me/keys");

  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  const FakeHttpRequest& sent = requests[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.target, "/api/v1/me/keys?x=1");
  EXPECT_EQ(sent.header("Authorization"), "Bearer sk_abc");
  EXPECT_EQ(sent.header("Content-Type"), "application/json");
  EXPECT_EQ(sent.header("Content-Length"), "12");
  EXPECT_EQ(sent.header("Host"), "127.0.0.1:" + std::to_string(fake.port()));
  EXPECT_EQ(sent.header("Connection"), "close");
  EXPECT_EQ(sent.header_count("Host"), 1u);
  EXPECT_EQ(sent.body, R"({"name":"k"})");
}

TEST(HttpClientRequest, ErrorStatusesAreAnswersWithTheirBody) {
  const std::string error = R"({"error":{"code":"invalid_token","message":"unknown key"}})";
  FakeHttpServer fake([&](const FakeHttpRequest&) {
    return http_response(401, "Unauthorized", error, "WWW-Authenticate: Bearer\r\n");
  });
  HttpClient client(fast_options());
  for (const char* method : {"GET", "DELETE", "PATCH"}) {
    auto r = client.request(method, fake.url("/api/v1/me"), {}, "", 1024);
    ASSERT_TRUE(r) << method << ": " << r.error().message;
    EXPECT_EQ(r->status, 401u);
    EXPECT_EQ(r->body, error);
    EXPECT_EQ(r->header("www-authenticate"), "Bearer");
  }
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].header_count("Content-Length"), 0u);  // no body, no length for GET
  EXPECT_EQ(requests[1].method, "DELETE");
  EXPECT_EQ(requests[1].header_count("Content-Length"), 0u);
  EXPECT_EQ(requests[2].method, "PATCH");
  EXPECT_EQ(requests[2].header("Content-Length"), "0");  // PATCH always says how long
  EXPECT_EQ(requests[2].body, "");
}

TEST(HttpClientRequest, RedirectsAreReturnedNotFollowed) {
  FakeHttpServer fake([](const FakeHttpRequest& r) {
    if (r.target == "/old") return http_response(308, "Permanent Redirect", "", "Location: /new\r\n");
    return http_response(200, "OK", "new");
  });
  HttpClient client(fast_options());
  auto r = client.request("POST", fake.url("/old"), {{"Authorization", "Bearer x"}}, "{}", 1024);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 308u);
  EXPECT_EQ(r->header("Location"), "/new");
  EXPECT_EQ(fake.targets(), std::vector<std::string>{"/old"});
}

TEST(HttpClientRequest, BodyLimitHoldsForErrorAnswersToo) {
  FakeHttpServer fake([](const FakeHttpRequest&) {
    return http_response(500, "Internal Server Error", std::string(5000, 'x'));
  });
  HttpClient client(fast_options());
  auto r = client.request("GET", fake.url("/big"), {}, "", 4096);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TrackerErrc::response_too_large) << r.error().message;
}

TEST(HttpClientRequest, InvalidMethodsHeadersAndUrlsAreRefusedBeforeConnecting) {
  FakeHttpServer fake([](const FakeHttpRequest&) { return http_response(200, "OK", ""); });
  HttpClient client(fast_options());
  const std::string url = fake.url("/x");
  struct Case {
    std::string method;
    shoal::peer::HttpHeaders headers;
  };
  const std::vector<Case> cases = {
      {"", {}},
      {"GET /evil HTTP/1.1\r\n", {}},
      {"PO ST", {}},
      {"GET", {{"X-Evil", "a\r\nInjected: yes"}}},
      {"GET", {{"X-Evil", std::string("a\0b", 3)}}},
      {"GET", {{"Bad Name", "v"}}},
      {"GET", {{"", "v"}}},
      {"GET", {{"X:Y", "v"}}},
  };
  for (const auto& c : cases) {
    auto r = client.request(c.method, url, c.headers, "", 1024);
    ASSERT_FALSE(r) << c.method;
    EXPECT_EQ(r.error().code, TrackerErrc::invalid_request) << r.error().message;
  }
  for (const char* bad : {"udp://127.0.0.1:6969/announce", "ftp://example.org/", "not a url"}) {
    auto r = client.request("GET", bad, {}, "", 1024);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, TrackerErrc::invalid_url) << r.error().message;
  }
  EXPECT_TRUE(fake.requests().empty());
}

TEST(HttpClientRequest, TransportFailuresAreErrors) {
  HttpClient client(fast_options(800ms));
  const auto port = shoal::test::unused_port(SOCK_STREAM);
  auto refused = client.request("GET", "http://127.0.0.1:" + std::to_string(port) + "/", {}, "", 1024);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, TrackerErrc::connection_refused) << refused.error().message;

  std::uint16_t silent_port = 0;
  shoal::test::Fd listener = shoal::test::bind_loopback(SOCK_STREAM, &silent_port);
  ASSERT_EQ(::listen(listener.get(), 4), 0);
  auto silent = client.request("POST", "http://127.0.0.1:" + std::to_string(silent_port) + "/", {},
                               "{}", 1024);
  ASSERT_FALSE(silent);
  EXPECT_EQ(silent.error().code, TrackerErrc::timeout) << silent.error().message;
}

TEST(HttpClient, GetStillSendsAPlainGetWithoutBody) {
  FakeHttpServer fake([](const FakeHttpRequest&) { return http_response(200, "OK", "x"); });
  HttpClient client(fast_options());
  ASSERT_TRUE(client.get(fake.url("/a"), 1024));
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].header("Accept-Encoding"), "identity");
  EXPECT_EQ(requests[0].header_count("Content-Length"), 0u);
  EXPECT_EQ(requests[0].header_count("Authorization"), 0u);
  EXPECT_EQ(requests[0].body, "");
}

}  // namespace
