// End to end with real processes on loopback: shoal-tracker → `shoal create` → `shoal seed` →
// `shoal download`, over an HTTP and a UDP announce URL (no direct peers: the tracker introduces
// them). The downloaded bytes must equal the seed's, and a second download run must find the
// data complete from its resume state.
#include <gtest/gtest.h>

#include <csignal>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "process.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using shoal::test::ChildProcess;
using shoal::test::TempDir;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class SeedDownloadE2E : public ::testing::TestWithParam<std::string> {};

TEST_P(SeedDownloadE2E, TrackerIntroducesSeedAndDownloadCompletes) {
  const std::string scheme = GetParam();
  TempDir dir("shoal-e2e-seed-");
  std::string content(4 * 1024 * 1024 + 4321, '\0');
  std::mt19937 gen(7);
  for (char& c : content) c = static_cast<char>(gen() & 0xff);
  const fs::path data = dir.write_file("src/data.bin", content);

  ChildProcess tracker = ChildProcess::spawn(
      SHOAL_TRACKER_BIN, {"--data-dir", (dir / "tracker").string(), "--udp", "127.0.0.1:0", "--http",
                          "127.0.0.1:0"});
  std::string announce;
  for (int i = 0; i < 2 && announce.empty(); ++i) {
    auto line = tracker.wait_for_output_line("announce URL: ", 20s);
    ASSERT_TRUE(line) << tracker.describe();
    const std::string url = line->substr(std::string("announce URL: ").size());
    if (url.rfind(scheme + "://", 0) == 0) announce = url;
  }
  ASSERT_FALSE(announce.empty()) << tracker.describe();

  const fs::path torrent = dir / "t.torrent";
  ChildProcess create = ChildProcess::spawn(
      SHOAL_CLI_BIN, {"create", data.string(), "--announce", announce, "--output", torrent.string()});
  ASSERT_EQ(create.wait_exit(120s), 0) << create.describe();

  ChildProcess seed = ChildProcess::spawn(
      SHOAL_CLI_BIN, {"seed", torrent.string(), "--content", data.string(), "--loopback", "--port", "0",
                      "--interval", "1"});
  ASSERT_TRUE(seed.wait_for_output_line("seeding ", 60s)) << seed.describe();

  const fs::path out = dir / "out";
  const std::vector<std::string> download_args = {"download", torrent.string(), "--output", out.string(),
                                                  "--loopback", "--port", "0", "--timeout", "120",
                                                  "--interval", "1"};
  {
    ChildProcess download = ChildProcess::spawn(SHOAL_CLI_BIN, download_args);
    ASSERT_EQ(download.wait_exit(180s), 0) << download.describe() << "\nseed: " << seed.describe();
    download.wait_output_closed(5s);
    EXPECT_NE(download.output().find("done: data.bin"), std::string::npos) << download.describe();
  }
  EXPECT_TRUE(read_file(out / "data.bin") == content);
  EXPECT_FALSE(fs::is_empty(out / ".shoal-state"));

  // Second run: the resume state says complete; nothing is downloaded again.
  {
    ChildProcess again = ChildProcess::spawn(SHOAL_CLI_BIN, download_args);
    ASSERT_EQ(again.wait_exit(60s), 0) << again.describe();
  }
  EXPECT_TRUE(read_file(out / "data.bin") == content);

  seed.signal(SIGTERM);
  EXPECT_EQ(seed.wait_exit(30s), 0) << seed.describe();
  seed.wait_output_closed(5s);
  EXPECT_NE(seed.output().find("stopped"), std::string::npos) << seed.describe();
  tracker.signal(SIGTERM);
  EXPECT_EQ(tracker.wait_exit(20s), 0) << tracker.describe();
}

INSTANTIATE_TEST_SUITE_P(Announce, SeedDownloadE2E, ::testing::Values("http", "udp"));

}  // namespace
