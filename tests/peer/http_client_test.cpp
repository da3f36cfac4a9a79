// HttpClient (peer/include/shoal/peer/http_client.hpp) against scripted HTTP servers on loopback:
// bodies, content types, redirects and where they end, status errors, the body limit, bad URLs,
// refused connections and a server that never answers. (HTTPS and more redirect cases are covered
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

}  // namespace
