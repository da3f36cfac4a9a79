#include "shoal/peer/hook_dispatcher.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <thread>

#include "process.hpp"
#include "shoal/peer/hook_event.hpp"
#include "shoal/peer/hook_runner.hpp"

namespace shoal::peer {
namespace {

using namespace std::chrono_literals;

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

HookEvent event(HookEventKind kind, std::string category = {}) {
  HookEvent ev;
  ev.kind = kind;
  ev.time = 1700000000;
  ev.message = "m";
  ev.torrent.name = "Some Show S01E02";
  ev.torrent.save_path = "/srv/tv";
  ev.torrent.total_size = 1234;
  ev.torrent.info_hash.v1 = Sha1Digest::from_hex("0123456789abcdef0123456789abcdef01234567");
  ev.category = std::move(category);
  ev.tags = {"hd", "new"};
  return ev;
}

TEST(HookEvent, JsonAndEnvironmentDescribeTheTorrent) {
  const auto ev = event(HookEventKind::completed, "tv");
  const auto j = hook_event_json(ev);
  EXPECT_EQ(j["event"], "completed");
  EXPECT_EQ(j["time"], 1700000000);
  EXPECT_EQ(j["torrent"]["id"], "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(j["torrent"]["content_path"], "/srv/tv/Some Show S01E02");
  EXPECT_EQ(j["torrent"]["category"], "tv");
  EXPECT_EQ(j["torrent"]["tags"], nlohmann::json::array({"hd", "new"}));
  std::map<std::string, std::string> env;
  for (const auto& [k, v] : hook_event_env(ev)) env[k] = v;
  EXPECT_EQ(env["SHOAL_EVENT"], "completed");
  EXPECT_EQ(env["SHOAL_INFO_HASH"], "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(env["SHOAL_NAME"], "Some Show S01E02");
  EXPECT_EQ(env["SHOAL_CONTENT_PATH"], "/srv/tv/Some Show S01E02");
  EXPECT_EQ(env["SHOAL_TAGS"], "hd,new");
  EXPECT_EQ(env["SHOAL_SIZE"], "1234");
  for (auto k : {HookEventKind::added, HookEventKind::started, HookEventKind::stopped, HookEventKind::completed,
                 HookEventKind::removed, HookEventKind::error, HookEventKind::moved})
    EXPECT_EQ(parse_hook_event_kind(to_string(k)), k);
  EXPECT_FALSE(parse_hook_event_kind("finished"));
}

TEST(HookDispatcher, FiltersByEventAndCategoryAndRunsEachOnce) {
  test::TempDir dir("shoal-dispatch-");
  const auto log = dir / "log";
  auto hook = [&](std::string name, std::vector<HookEventKind> events, std::vector<std::string> cats) {
    HookConfig h;
    h.name = name;
    h.events = std::move(events);
    h.categories = std::move(cats);
    h.command = {"/bin/sh", "-c", "echo \"" + name + " $SHOAL_EVENT $SHOAL_CATEGORY\" >> " + log.string()};
    h.timeout = 5s;
    return h;
  };
  HookDispatcher d({hook("all", {}, {}), hook("done", {HookEventKind::completed}, {}), hook("tv", {}, {"tv"})}, {},
                   {.hook_threads = 1});
  d.dispatch(event(HookEventKind::added, "tv"));
  d.dispatch(event(HookEventKind::completed, "movies"));
  ASSERT_TRUE(wait_for([&] { return d.recent().size() == 4; }, 10s));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(d.recent().size(), 4u);
  const std::string text = read_file(log);
  EXPECT_EQ(text, "all added tv\ntv added tv\nall completed movies\ndone completed movies\n");
  for (const auto& o : d.recent()) EXPECT_TRUE(o.ok) << o.name << ": " << o.result;
}

TEST(HookDispatcher, DispatchNeverWaitsForAHangingHook) {
  HookConfig hang{"hang", {}, {}, {"/bin/sleep", "30"}, 400ms};
  HookConfig quick{"quick", {}, {}, {"/bin/true"}, 5s};
  HookDispatcher d({hang, quick}, {}, {.hook_threads = 2});
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) d.dispatch(event(HookEventKind::added));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);
  ASSERT_TRUE(wait_for([&] { return d.recent().size() == 6; }, 20s));
  int timed_out = 0;
  for (const auto& o : d.recent()) timed_out += o.timed_out;
  EXPECT_EQ(timed_out, 3);
  const auto s0 = std::chrono::steady_clock::now();
  d.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - s0, 1s);
}

TEST(HookDispatcher, StopWaitsOnlyForRunningHooksWithinTheirTimeout) {
  HookConfig hang{"hang", {}, {}, {"/bin/sleep", "30"}, 300ms};
  HookDispatcher d({hang}, {}, {.hook_threads = 1});
  for (int i = 0; i < 5; ++i) d.dispatch(event(HookEventKind::added));
  std::this_thread::sleep_for(50ms);
  const auto t0 = std::chrono::steady_clock::now();
  d.stop();  // one running (bounded by 300 ms + grace), four queued and dropped
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 300ms + kGraceAfterTerm + 500ms);
  EXPECT_LE(d.recent().size(), 1u);
}

}  // namespace
}  // namespace shoal::peer
