#include "shoal/peer/hook_runner.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <iterator>
#include <thread>

#include "process.hpp"

namespace shoal::peer {
namespace {

using namespace std::chrono_literals;

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(HookRunner, StdinEnvExitCodeAndOutput) {
  test::TempDir dir("shoal-hook-");
  const auto out = dir / "stdin.txt";
  auto r = run_hook({"/bin/sh", "-c", "cat > \"$OUT\"; echo \"event=$SHOAL_EVENT\"; echo oops >&2; exit 3"},
                    "{\"event\":\"completed\"}", {{"OUT", out.string()}, {"SHOAL_EVENT", "completed"}}, 5s);
  EXPECT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.describe(), "exit 3");
  EXPECT_EQ(read_file(out), "{\"event\":\"completed\"}");
  EXPECT_NE(r.output.find("event=completed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("oops"), std::string::npos) << r.output;
  // PATH lookup without a shell; the daemon's own environment is passed on
  auto ok = run_hook({"true"}, "", {}, 5s);
  EXPECT_TRUE(ok.ok()) << ok.describe();
  auto home = run_hook({"/bin/sh", "-c", "test -n \"$PATH\""}, "", {}, 5s);
  EXPECT_TRUE(home.ok());
}

TEST(HookRunner, MissingProgramIsNotStarted) {
  auto r = run_hook({"/nonexistent/hook"}, "x", {}, 5s);
  EXPECT_FALSE(r.started);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.describe().find("not started"), std::string::npos);
  EXPECT_FALSE(run_hook({}, "", {}, 1s).started);
}

TEST(HookRunner, HangingHookTimesOutAndItsWholeGroupIsKilled) {
  test::TempDir dir("shoal-hook-");
  const auto pidfile = dir / "child.pid";
  const auto t0 = std::chrono::steady_clock::now();
  // The shell starts a grandchild and waits: both must go.
  auto r = run_hook({"/bin/sh", "-c", "sleep 30 & echo $! > \"$PIDFILE\"; wait"}, "", {{"PIDFILE", pidfile.string()}}, 500ms);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_LT(took, 500ms + kGraceAfterTerm + 2s);
  const pid_t grandchild = std::stoi(read_file(pidfile));
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    gone = ::kill(grandchild, 0) != 0;
    if (!gone) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(gone) << "the hook's grandchild " << grandchild << " survived";
  // A hook that ignores SIGTERM is killed after the grace period.
  auto stubborn = run_hook({"/bin/sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"}, "", {}, 300ms);
  EXPECT_TRUE(stubborn.timed_out);
  EXPECT_EQ(stubborn.signal, SIGKILL);
}

TEST(HookRunner, ChildThatNeverReadsALargeStdinDoesNotBlock) {
  const std::string big(4 * 1024 * 1024, 'x');
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run_hook({"/bin/sh", "-c", "exit 0"}, big, {}, 5s);
  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST(HookRunner, OutputIsBounded) {
  auto r = run_hook({"/bin/sh", "-c", "head -c 200000 /dev/zero | tr '\\0' 'a'"}, "", {}, 5s);
  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.output.size(), kMaxHookOutput);
  EXPECT_EQ(r.output.size() + r.output_dropped, 200000u);
}

}  // namespace
}  // namespace shoal::peer
