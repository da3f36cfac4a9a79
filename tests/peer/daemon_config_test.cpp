#include "shoal/peer/daemon_config.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "process.hpp"

namespace shoal::peer {
namespace {

namespace fs = std::filesystem;

expected<DaemonConfig, std::string> parse(const std::string& text) { return parse_daemon_config(text, "peer.toml", "/etc/shoal"); }

TEST(DaemonConfig, DefaultsAndRelativePaths) {
  auto c = parse("");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->state_dir, "/etc/shoal/shoal-peer-state");
  EXPECT_EQ(c->download_dir, "/etc/shoal/downloads");
  EXPECT_EQ(c->save_roots, std::vector<fs::path>{"/etc/shoal/downloads"});
  EXPECT_EQ(c->api_listen, "127.0.0.1:9091");  // loopback by default
  auto d = parse("[node]\nstate_dir = \"st\"\ndownload_dir = \"/srv/dl\"\nsave_roots = [\"/srv\"]\n"
                 "[categories.tv]\nsave_path = \"/srv/tv\"\n");
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(d->state_dir, "/etc/shoal/st");
  EXPECT_EQ(d->categories.at("tv").save_path, "/srv/tv");
}

TEST(DaemonConfig, FullExampleParses) {
  auto c = parse(R"(
[node]
listen = "0.0.0.0:6881"
download_dir = "/srv/dl"
save_roots = ["/srv"]
dht = false
[api]
listen = "127.0.0.1:9999"
threads = 4
[limits]
download = 1000000
alt_download = 100000
[limits.schedule]
days = ["sat", "sun"]
from = "22:00"
to = "06:30"
[queue]
active_downloads = 2
active_seeds = -1
[rules]
stop_at_ratio = 2.5
stop_after_seed_minutes = 90
[rules.category.tv]
move_completed_to = "/srv/tv-done"
remove_after_days = 7
remove_with_data = true
[[hooks]]
name = "jellyfin"
events = ["completed"]
command = ["/usr/local/bin/refresh", "--all"]
timeout_ms = 30000
categories = ["tv"]
[[webhooks]]
name = "chat"
url = "https://chat.example/hook"
secret = "s3cret"
attempts = 3
backoff_ms = 500
)");
  ASSERT_TRUE(c) << c.error();
  EXPECT_FALSE(c->dht);
  EXPECT_EQ(c->api_threads, 4u);
  EXPECT_EQ(c->limits.download, 1000000);
  EXPECT_TRUE(c->limits.schedule.enabled);
  EXPECT_EQ(c->limits.schedule.from_minute, 22 * 60);
  EXPECT_EQ(c->limits.schedule.to_minute, 6 * 60 + 30);
  EXPECT_EQ(c->queue.active_seeds, -1);
  EXPECT_EQ(*c->rules.defaults.stop_at_ratio, 2.5);
  EXPECT_EQ(*c->rules.defaults.stop_after_seed_seconds, 90 * 60);
  EXPECT_EQ(*c->rules.per_category.at("tv").remove_after_finished_seconds, 7 * 86400);
  ASSERT_EQ(c->hooks.size(), 1u);
  EXPECT_EQ(c->hooks[0].events, std::vector<HookEventKind>{HookEventKind::completed});
  EXPECT_EQ(c->hooks[0].command.size(), 2u);
  ASSERT_EQ(c->webhooks.size(), 1u);
  EXPECT_EQ(c->webhooks[0].attempts, 3);
  EXPECT_EQ(c->webhooks[0].backoff.count(), 500);
}

TEST(DaemonConfig, ErrorsNameTheKey) {
  struct Case {
    std::string text, needle;
  };
  for (const auto& c : std::vector<Case>{
           {"[node]\nlisten = 5\n", "node.listen"},
           {"[node]\nbogus = 1\n", "unknown key node.bogus"},
           {"[nodes]\n", "unknown key nodes"},
           {"[queue]\nactive_downloads = -5\n", "queue.active_downloads"},
           {"[limits]\ndownload = -1\n", "limits.download"},
           {"[limits.schedule]\nfrom = \"25:00\"\nto = \"01:00\"\n", "limits.schedule.from"},
           {"[limits.schedule]\nfrom = \"01:00\"\n", "limits.schedule.to"},
           {"[limits.schedule]\ndays = [\"someday\"]\nfrom = \"01:00\"\nto = \"02:00\"\n", "someday"},
           {"[rules]\nstop_at_ratio = 0\n", "rules.stop_at_ratio"},
           {"[rules.category.tv]\nremove_after_days = -1\n", "rules.category.tv.remove_after_days"},
           {"[[hooks]]\nname = \"x\"\n", "hooks[0]"},
           {"[[hooks]]\ncommand = [\"/bin/true\"]\nevents = [\"finished\"]\n", "unknown event 'finished'"},
           {"[[webhooks]]\nurl = \"ftp://x\"\n", "webhooks[0]"},
           {"[categories.\"../x\"]\n", "not a valid category name"},
           {"[node]\nsave_roots = [\"/srv\"]\ndownload_dir = \"/elsewhere\"\n", "outside node.save_roots"},
           {"[node\n", "peer.toml"},
       }) {
    auto r = parse(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_NE(r.error().find(c.needle), std::string::npos) << c.text << " -> " << r.error();
  }
}

TEST(DaemonConfig, ScheduleAcrossMidnight) {
  RateSchedule s;
  s.enabled = true;
  s.days = {false, false, false, false, true, false, false};  // Friday only
  s.from_minute = 22 * 60;
  s.to_minute = 6 * 60;
  EXPECT_TRUE(s.active_at(4, 23 * 60));   // Friday 23:00
  EXPECT_TRUE(s.active_at(5, 5 * 60));    // Saturday 05:00 belongs to Friday's span
  EXPECT_FALSE(s.active_at(5, 23 * 60));  // Saturday night is not in it
  EXPECT_FALSE(s.active_at(4, 5 * 60));   // Friday morning belongs to Thursday's
  s.enabled = false;
  EXPECT_FALSE(s.active_at(4, 23 * 60));
}

TEST(DaemonConfig, SavePathsStayInsideTheRoots) {
  test::TempDir dir("shoal-savepath-");
  auto c = parse_daemon_config("[node]\ndownload_dir = \"dl\"\nsave_roots = [\"dl\", \"media\"]\n[categories.tv]\nsave_path = \"media/tv\"\n",
                               "peer.toml", dir.path());
  ASSERT_TRUE(c) << c.error();
  fs::create_directories(dir / "dl");
  fs::create_directories(dir / "media");
  EXPECT_EQ(resolve_save_path(*c, "").value(), dir / "dl");
  EXPECT_EQ(resolve_save_path(*c, "", "tv").value(), dir / "media" / "tv");
  EXPECT_EQ(resolve_save_path(*c, "sub/x").value(), dir / "dl" / "sub" / "x");
  EXPECT_EQ(resolve_save_path(*c, (dir / "media" / "m").string()).value(), dir / "media" / "m");
  EXPECT_FALSE(resolve_save_path(*c, "../x"));
  EXPECT_FALSE(resolve_save_path(*c, "a/../../x"));
  EXPECT_FALSE(resolve_save_path(*c, "/etc"));
  EXPECT_FALSE(resolve_save_path(*c, (dir / "dl2").string()));  // a prefix is not a parent
  EXPECT_FALSE(resolve_save_path(*c, std::string("a\0b", 3)));
  fs::create_directory_symlink("/etc", dir / "dl" / "link");
  auto via_link = resolve_save_path(*c, "link/x");
  ASSERT_FALSE(via_link);
  EXPECT_NE(via_link.error().find("outside"), std::string::npos);
}

}  // namespace
}  // namespace shoal::peer
