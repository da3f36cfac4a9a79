#include "shoal/peer/webhook.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>

#include "fake_http_server.hpp"
#include "shoal/peer/hook_dispatcher.hpp"

namespace shoal::peer {
namespace {

using namespace std::chrono_literals;
using test::FakeHttpRequest;
using test::FakeHttpServer;
using test::http_response;

/// HMAC-SHA256 in hex computed independently, by the openssl command line tool.
std::string openssl_hmac_sha256(const std::string& key, const std::string& data) {
  char path[] = "/tmp/shoal-hmac-XXXXXX";
  const int fd = ::mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ::close(fd);
  const std::string cmd = "openssl dgst -sha256 -hmac '" + key + "' -r " + path;
  FILE* p = ::popen(cmd.c_str(), "r");
  char out[256] = {};
  const std::size_t n = p ? std::fread(out, 1, sizeof out - 1, p) : 0;
  if (p) ::pclose(p);
  ::unlink(path);
  std::string hex(out, n);
  return hex.substr(0, hex.find(' '));
}

TEST(Webhook, SignatureIsHmacSha256OfTimestampDotBody) {
  EXPECT_EQ(webhook_signature("Jefe", "1700000000", "{\"a\":1}"),
            "sha256=" + openssl_hmac_sha256("Jefe", "1700000000.{\"a\":1}"));
  EXPECT_NE(webhook_signature("Jefe", "1700000001", "{\"a\":1}"), webhook_signature("Jefe", "1700000000", "{\"a\":1}"));
}

TEST(Webhook, PostsSignedJsonAndClassifiesAnswers) {
  std::atomic<int> status{200};
  FakeHttpServer server([&](const FakeHttpRequest&) { return http_response(status.load(), "X", "{}"); });
  auto a = deliver_webhook(server.url("/hook"), "s3cret", "completed", "d1", "{\"event\":\"completed\"}", 5s);
  EXPECT_EQ(a.outcome, WebhookAttempt::Outcome::delivered) << a.message;
  const auto sent = server.requests();
  ASSERT_EQ(sent.size(), 1u);
  const auto& r = sent[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.body, "{\"event\":\"completed\"}");
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("x-shoal-event"), "completed");
  EXPECT_EQ(r.header("x-shoal-delivery"), "d1");
  const std::string ts = r.header("x-shoal-timestamp");
  EXPECT_EQ(r.header("x-shoal-signature"), "sha256=" + openssl_hmac_sha256("s3cret", ts + "." + r.body));

  status = 503;
  EXPECT_EQ(deliver_webhook(server.url("/hook"), "", "x", "d", "{}", 5s).outcome, WebhookAttempt::Outcome::retry);
  status = 429;
  EXPECT_EQ(deliver_webhook(server.url("/hook"), "", "x", "d", "{}", 5s).outcome, WebhookAttempt::Outcome::retry);
  status = 400;
  EXPECT_EQ(deliver_webhook(server.url("/hook"), "", "x", "d", "{}", 5s).outcome, WebhookAttempt::Outcome::give_up);
  EXPECT_TRUE(server.requests().back().header("x-shoal-signature").empty());  // no secret, no signature
  EXPECT_EQ(deliver_webhook("http://127.0.0.1:1/x", "", "x", "d", "{}", 2s).outcome, WebhookAttempt::Outcome::retry);
}

HookEvent event(HookEventKind kind, std::string category = {}) {
  HookEvent ev;
  ev.kind = kind;
  ev.time = 1700000000;
  ev.torrent.name = "show";
  ev.torrent.info_hash.v1 = Sha1Digest::from_hex("0123456789abcdef0123456789abcdef01234567");
  ev.category = std::move(category);
  return ev;
}

bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

TEST(WebhookDelivery, RetriesWithBackoffThenSucceedsOnce) {
  std::atomic<int> calls{0};
  FakeHttpServer server([&](const FakeHttpRequest&) {
    return ++calls < 3 ? http_response(500, "Internal", "no") : http_response(204, "No Content", "");
  });
  WebhookConfig w;
  w.name = "flaky";
  w.url = server.url("/hook");
  w.attempts = 5;
  w.backoff = 50ms;
  HookDispatcher d({}, {w});
  d.dispatch(event(HookEventKind::completed));
  ASSERT_TRUE(wait_for([&] { return !d.recent().empty(); }, 10s));
  const auto o = d.recent()[0];
  EXPECT_TRUE(o.ok) << o.result;
  EXPECT_EQ(o.attempts, 3);
  EXPECT_EQ(calls.load(), 3);
  // one delivery id across the retries
  const auto reqs = server.requests();
  EXPECT_EQ(reqs[0].header("x-shoal-delivery"), reqs[2].header("x-shoal-delivery"));
  EXPECT_EQ(reqs[0].header("x-shoal-delivery").size(), 32u);
}

TEST(WebhookDelivery, GivesUpAfterAttemptsAndAt4xx) {
  FakeHttpServer down([](const FakeHttpRequest&) { return http_response(502, "Bad Gateway", ""); });
  FakeHttpServer refuses([](const FakeHttpRequest&) { return http_response(404, "Not Found", ""); });
  WebhookConfig a{"down", down.url("/"), "", {}, {}, 3, 20ms, 2000ms};
  WebhookConfig b{"gone", refuses.url("/"), "", {}, {}, 3, 20ms, 2000ms};
  HookDispatcher d({}, {a, b});
  d.dispatch(event(HookEventKind::added));
  ASSERT_TRUE(wait_for([&] { return d.recent().size() == 2; }, 10s));
  for (const auto& o : d.recent()) {
    EXPECT_FALSE(o.ok);
    EXPECT_EQ(o.attempts, o.name == "down" ? 3 : 1) << o.name;
  }
  EXPECT_EQ(down.requests().size(), 3u);
  EXPECT_EQ(refuses.requests().size(), 1u);
}

}  // namespace
}  // namespace shoal::peer
