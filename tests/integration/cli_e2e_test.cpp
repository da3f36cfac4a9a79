// The `shoal` command line end to end, with real processes on loopback: shoal-tracker (public
// mode), `shoal seed --create` (a publisher's one command), `shoal download` (a user's one
// command) from a magnet link, a .torrent file and an http:// URL served by `python3 -m
// http.server`, a download interrupted and resumed, `--files` numbering cross-checked with
// `shoal info`, and aria2c (a client nobody here wrote) downloading from `shoal seed`.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using shoal::test::ChildProcess;
using shoal::test::OutputStream;
using shoal::test::TempDir;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::string out(n, '\0');
  std::mt19937 gen(seed);
  for (char& c : out) c = static_cast<char>(gen() & 0xff);
  return out;
}

bool has_line_with(const ChildProcess& p, const std::string& text,
                   OutputStream stream = OutputStream::out) {
  return p.output(stream).find(text) != std::string::npos;
}

/// A TCP port that was free a moment ago (for programs that cannot be told to pick their own).
std::uint16_t free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

/// "3.00 MiB" (what `shoal` prints) in bytes.
std::optional<double> parse_size_text(const std::string& text) {
  static const std::regex re(R"(([0-9.]+) (B|KiB|MiB|GiB))");
  std::smatch m;
  if (!std::regex_search(text, m, re)) return std::nullopt;
  double v = std::stod(m[1].str());
  const std::string unit = m[2].str();
  if (unit == "KiB") v *= 1024;
  if (unit == "MiB") v *= 1024 * 1024;
  if (unit == "GiB") v *= 1024.0 * 1024 * 1024;
  return v;
}

class CliE2E : public ::testing::Test {
protected:
  void SetUp() override {
    m_tracker = ChildProcess::spawn(SHOAL_TRACKER_BIN,
                                    {"--data-dir", (m_dir / "tracker").string(), "--udp",
                                     "127.0.0.1:0", "--http", "127.0.0.1:0"});
    for (int i = 0; i < 2; ++i) {
      auto line = m_tracker->wait_for_output_line("announce URL: ", 20s);
      ASSERT_TRUE(line) << m_tracker->describe();
      const std::string url = line->substr(std::string("announce URL: ").size());
      if (url.rfind("http://", 0) == 0) m_http_announce = url;
      if (url.rfind("udp://", 0) == 0) m_udp_announce = url;
    }
    ASSERT_FALSE(m_http_announce.empty()) << m_tracker->describe();
    ASSERT_FALSE(m_udp_announce.empty()) << m_tracker->describe();
  }

  void TearDown() override {
    if (m_tracker) {
      m_tracker->signal(SIGTERM);
      EXPECT_EQ(m_tracker->wait_exit(20s), 0) << m_tracker->describe();
    }
  }

  /// Runs `shoal args...` to completion: the process (exited), for its exit code and output.
  ChildProcess run_shoal(const std::vector<std::string>& args,
                         std::chrono::seconds timeout = 180s) {
    ChildProcess p = ChildProcess::spawn(SHOAL_CLI_BIN, args);
    const auto code = p.wait_exit(timeout);
    if (!code) p.kill_and_wait();
    p.wait_output_closed(10s);
    return p;
  }

  /// `shoal seed --create PATH` with `extra` options; returns once it seeds, with the magnet link.
  ChildProcess start_seed_create(const fs::path& path, const std::vector<std::string>& extra,
                                 std::string* magnet) {
    std::vector<std::string> args = {"seed", "--create", path.string(), "--loopback",
                                     "--port", "0", "--interval", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    ChildProcess seed = ChildProcess::spawn(SHOAL_CLI_BIN, args);
    auto m = seed.wait_for_output_line("magnet:?", 120s);
    EXPECT_TRUE(m) << seed.describe();
    if (m && magnet) *magnet = *m;
    EXPECT_TRUE(seed.wait_for_output_line("seeding ", 60s)) << seed.describe();
    return seed;
  }

  void stop_seed(ChildProcess& seed) {
    seed.signal(SIGTERM);
    EXPECT_EQ(seed.wait_exit(30s), 0) << seed.describe();
    seed.wait_output_closed(5s);
    EXPECT_TRUE(has_line_with(seed, "stopped")) << seed.describe();
  }

  std::vector<std::string> download_args(const std::string& source, const fs::path& out) {
    return {"download", source, "--output", out.string(), "--loopback", "--port", "0",
            "--timeout", "150", "--interval", "1"};
  }

  TempDir m_dir{"shoal-cli-e2e-"};
  std::optional<ChildProcess> m_tracker;
  std::string m_http_announce;
  std::string m_udp_announce;
};

/// An album: three files of awkward sizes in two directories.
std::map<std::string, std::string> make_album(const TempDir& dir, const fs::path& root) {
  std::map<std::string, std::string> files = {
      {"01 intro.flac", random_bytes(1536 * 1024 + 77, 1)},
      {"CD2/02 song.flac", random_bytes(700 * 1024 + 3, 2)},
      {"cover.jpg", random_bytes(40 * 1024 + 1, 3)},
  };
  for (const auto& [name, bytes] : files) dir.write_file(root / name, bytes);
  return files;
}

void expect_same_files(const std::map<std::string, std::string>& files, const fs::path& dir) {
  for (const auto& [name, bytes] : files) {
    ASSERT_TRUE(fs::exists(dir / name)) << (dir / name);
    EXPECT_TRUE(read_file(dir / name) == bytes) << (dir / name) << " differs";
  }
}

// A publisher seeds a directory with one command (over each announce scheme) and a user fetches it
// with one command, from the magnet link `shoal seed --create` printed.
TEST_F(CliE2E, SeedCreateThenDownloadMagnetOverHttpAndUdp) {
  const auto album = make_album(m_dir, "pub/Some.Album");
  for (const std::string& announce : {m_http_announce, m_udp_announce}) {
    SCOPED_TRACE(announce);
    std::string magnet;
    ChildProcess seed = start_seed_create(m_dir / "pub/Some.Album",
                                          {"-a", announce, "--force"}, &magnet);
    ASSERT_FALSE(magnet.empty());
    // Written next to the data, and what `shoal create` would write.
    EXPECT_TRUE(fs::exists(m_dir / "pub/Some.Album.torrent"));
    EXPECT_TRUE(has_line_with(seed, "wrote " + (m_dir / "pub/Some.Album.torrent").string()))
        << seed.describe();
    EXPECT_FALSE(has_line_with(seed, "checking ")) << "just hashed: no second check";

    const fs::path out = m_dir / ("out-" + announce.substr(0, 3));
    ChildProcess dl = run_shoal(download_args(magnet, out));
    ASSERT_EQ(dl.wait_exit(0s), 0) << dl.describe() << "\nseed: " << seed.describe();
    EXPECT_TRUE(has_line_with(dl, "done: Some.Album")) << dl.describe();
    expect_same_files(album, out / "Some.Album");
    stop_seed(seed);
  }
}

// --output puts the torrent elsewhere; seeding it again later with `shoal seed FILE --content`
// works from that file; create's option checks apply to seed --create too.
TEST_F(CliE2E, SeedCreateOptionsAreCreateOptions) {
  const std::string data = random_bytes(300 * 1024, 9);
  m_dir.write_file("pub/data.bin", data);
  const fs::path torrent = m_dir / "elsewhere.torrent";

  ChildProcess bad = run_shoal({"seed", "--create", (m_dir / "pub/data.bin").string(),
                                "--piece-length", "1000", "--loopback", "--port", "0"});
  EXPECT_EQ(bad.wait_exit(0s), 2) << bad.describe();
  EXPECT_TRUE(has_line_with(bad, "shoal seed: ", OutputStream::err)) << bad.describe();

  ChildProcess renamed = run_shoal({"seed", "--create", (m_dir / "pub/data.bin").string(),
                                    "--name", "other.bin", "--loopback", "--port", "0"});
  EXPECT_EQ(renamed.wait_exit(0s), 2) << renamed.describe();

  ChildProcess without = run_shoal({"seed", (m_dir / "pub/data.bin").string(), "--content",
                                    (m_dir / "pub").string(), "-a", m_http_announce});
  EXPECT_EQ(without.wait_exit(0s), 2) << without.describe();
  EXPECT_TRUE(has_line_with(without, "need --create", OutputStream::err)) << without.describe();

  ChildProcess inside = run_shoal({"seed", "--create", (m_dir / "pub").string(), "--output",
                                   (m_dir / "pub/x.torrent").string(), "--loopback", "--port", "0"});
  EXPECT_EQ(inside.wait_exit(0s), 1) << inside.describe();
  EXPECT_FALSE(fs::exists(m_dir / "pub/x.torrent"));

  std::string magnet;
  ChildProcess seed = start_seed_create(
      m_dir / "pub/data.bin", {"--v1", "-l", "32K", "-a", m_http_announce, "-o", torrent.string()},
      &magnet);
  EXPECT_TRUE(fs::exists(torrent));
  EXPECT_FALSE(fs::exists(m_dir / "pub/data.bin.torrent"));
  EXPECT_EQ(magnet.find("xt=urn:btmh:"), std::string::npos) << "--v1 has no v2 hash: " << magnet;
  stop_seed(seed);

  // An existing torrent is not overwritten without --force.
  ChildProcess again = run_shoal({"seed", "--create", (m_dir / "pub/data.bin").string(), "-o",
                                  torrent.string(), "--loopback", "--port", "0"});
  EXPECT_EQ(again.wait_exit(0s), 1) << again.describe();
  EXPECT_TRUE(has_line_with(again, "exists (use --force", OutputStream::err)) << again.describe();

  // The written torrent seeds later as an ordinary one (its data checked first).
  ChildProcess reseed = ChildProcess::spawn(
      SHOAL_CLI_BIN, {"seed", torrent.string(), "--content", (m_dir / "pub").string(),
                      "--loopback", "--port", "0"});
  EXPECT_TRUE(reseed.wait_for_output_line("seeding data.bin", 60s)) << reseed.describe();
  stop_seed(reseed);
}

// An interrupted download continues from what it has: the second run reports the verified bytes it
// started from and downloads only the rest.
TEST_F(CliE2E, InterruptedDownloadResumes) {
  const std::size_t size = 8 * 1024 * 1024;
  const std::string data = random_bytes(size, 4);
  m_dir.write_file("pub/big.bin", data);
  ChildProcess seed = start_seed_create(m_dir / "pub/big.bin", {"-a", m_http_announce}, nullptr);
  const fs::path torrent = m_dir / "pub/big.bin.torrent";
  ASSERT_TRUE(fs::exists(torrent));

  const fs::path out = m_dir / "out";
  // 512 KiB/s: about 16 s for the whole file; interrupted between 15% and 75%.
  auto limited = download_args(torrent.string(), out);
  limited.insert(limited.end(), {"--max-down", "512"});
  ChildProcess first = ChildProcess::spawn(SHOAL_CLI_BIN, limited);
  static const std::regex percent(R"(^\s*([0-9.]+)%)");
  double reached = 0;
  const auto until = std::chrono::steady_clock::now() + 120s;
  while (reached < 15.0 && std::chrono::steady_clock::now() < until && first.running()) {
    for (const std::string& line : first.output_lines()) {
      std::smatch m;
      if (std::regex_search(line, m, percent)) reached = std::max(reached, std::stod(m[1].str()));
    }
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_GE(reached, 15.0) << first.describe();
  ASSERT_LT(reached, 75.0) << "the rate limit did not hold: " << first.describe();
  first.signal(SIGINT);
  EXPECT_EQ(first.wait_exit(30s), 130) << first.describe();
  first.wait_output_closed(5s);
  EXPECT_TRUE(has_line_with(first, "run again to resume", OutputStream::err)) << first.describe();

  ChildProcess second = run_shoal(download_args(torrent.string(), out));
  ASSERT_EQ(second.wait_exit(0s), 0) << second.describe();
  auto resumed = second.wait_for_output_line("resuming big.bin: ", 1s);
  ASSERT_TRUE(resumed) << second.describe();
  const auto had = parse_size_text(*resumed);
  ASSERT_TRUE(had) << *resumed;
  EXPECT_GE(*had, 0.10 * static_cast<double>(size)) << *resumed;
  auto done = second.wait_for_output_line("done: big.bin", 1s);
  ASSERT_TRUE(done) << second.describe();
  const auto fetched = parse_size_text(done->substr(done->find("hash-checked")));
  ASSERT_TRUE(fetched) << *done;
  EXPECT_LE(*fetched, 0.90 * static_cast<double>(size)) << "started over: " << *done;
  EXPECT_TRUE(read_file(out / "big.bin") == data);

  // A third run finds everything there and downloads nothing.
  ChildProcess third = run_shoal(download_args(torrent.string(), out), 60s);
  ASSERT_EQ(third.wait_exit(0s), 0) << third.describe();
  EXPECT_TRUE(has_line_with(third, "; 0 B downloaded in this run")) << third.describe();
  stop_seed(seed);
}

// Without resume data (say the first run was killed with SIGKILL), the data already in the output
// directory is checked and its good pieces are kept: a file holding the first 5 MiB of 8 and a
// damaged byte downloads only the rest and the damaged piece.
TEST_F(CliE2E, PartialDataOnDiskIsCheckedAndKept) {
  const std::size_t size = 8 * 1024 * 1024;
  const std::string data = random_bytes(size, 11);
  m_dir.write_file("pub/big.bin", data);
  std::string partial = data.substr(0, 5 * 1024 * 1024);
  partial[1234567] = static_cast<char>(partial[1234567] ^ 0x5a);
  m_dir.write_file("out/big.bin", partial);
  ChildProcess seed = start_seed_create(m_dir / "pub/big.bin", {"-a", m_udp_announce, "-l", "256K"},
                                        nullptr);
  ChildProcess dl = run_shoal(download_args((m_dir / "pub/big.bin.torrent").string(), m_dir / "out"));
  ASSERT_EQ(dl.wait_exit(0s), 0) << dl.describe();
  auto resumed = dl.wait_for_output_line("resuming big.bin: ", 1s);
  ASSERT_TRUE(resumed) << dl.describe();
  // 20 whole 256 KiB pieces, one of them damaged: 19 kept.
  EXPECT_NE(resumed->find("4.75 MiB already verified"), std::string::npos) << *resumed;
  auto done = dl.wait_for_output_line("done: big.bin", 1s);
  ASSERT_TRUE(done) << dl.describe();
  const auto fetched = parse_size_text(done->substr(done->find("hash-checked")));
  ASSERT_TRUE(fetched) << *done;
  EXPECT_LE(*fetched, 3.5 * 1024 * 1024) << *done;
  EXPECT_TRUE(read_file(m_dir / "out/big.bin") == data);
  stop_seed(seed);
}

// `shoal download --files N` takes N as `shoal info` numbers the files (pad files not counted),
// and `shoal info --json` lists the files in that order.
TEST_F(CliE2E, FilesSelectionMatchesInfoNumbering) {
  std::map<std::string, std::string> files = {
      {"b.bin", random_bytes(100 * 1024 + 5, 5)},
      {"a/z.bin", random_bytes(64 * 1024 + 9, 6)},
      {"a/c.bin", random_bytes(90 * 1024, 7)},
      {"d.txt", random_bytes(33 * 1024 + 1, 8)},
  };
  for (const auto& [name, bytes] : files) m_dir.write_file(fs::path("pub/Set") / name, bytes);
  const fs::path torrent = m_dir / "set.torrent";
  ChildProcess create = run_shoal({"create", (m_dir / "pub/Set").string(), "-l", "16K", "-a",
                                   m_http_announce, "-o", torrent.string()});
  ASSERT_EQ(create.wait_exit(0s), 0) << create.describe();

  ChildProcess info = run_shoal({"info", torrent.string()});
  ASSERT_EQ(info.wait_exit(0s), 0) << info.describe();
  static const std::regex numbered(R"(\[([0-9]+)\] (\S+) \()");
  std::map<int, std::string> by_number;
  for (const std::string& line : info.output_lines()) {
    std::smatch m;
    if (std::regex_search(line, m, numbered)) by_number[std::stoi(m[1].str())] = m[2].str();
  }
  ASSERT_EQ(by_number.size(), files.size()) << info.describe();
  EXPECT_TRUE(has_line_with(info, "pad file")) << "the hybrid torrent has pad files to skip";

  ChildProcess json = run_shoal({"info", "--json", torrent.string()});
  ASSERT_EQ(json.wait_exit(0s), 0);
  // Real files in --json order, matched against the numbers (by their last path component).
  std::vector<std::string> real_in_order;
  const std::string text = json.output();
  // Each file object: take "path" and "pad" from one {...} block.
  static const std::regex block(R"(\{[^{}]*"length"[^{}]*\})");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), block); it != std::sregex_iterator();
       ++it) {
    const std::string obj = it->str();
    std::smatch p, pad;
    if (!std::regex_search(obj, p, std::regex(R"re("path":\s*"([^"]+)")re"))) continue;
    if (std::regex_search(obj, pad, std::regex(R"("pad":\s*true)"))) continue;
    real_in_order.push_back(fs::path(p[1].str()).filename().string());
  }
  ASSERT_EQ(real_in_order.size(), files.size()) << text;
  for (std::size_t i = 0; i < real_in_order.size(); ++i)
    EXPECT_EQ(by_number[static_cast<int>(i + 1)], real_in_order[i]) << "file number " << i + 1;

  // Pick the file info numbers 3 (not the first, not the last) and download only it.
  const std::string chosen = by_number[3];
  std::string chosen_path;
  for (const auto& [name, bytes] : files)
    if (fs::path(name).filename() == chosen) chosen_path = name;
  ASSERT_FALSE(chosen_path.empty());

  ChildProcess seed = ChildProcess::spawn(
      SHOAL_CLI_BIN, {"seed", torrent.string(), "--content", (m_dir / "pub/Set").string(),
                      "--loopback", "--port", "0"});
  ASSERT_TRUE(seed.wait_for_output_line("seeding ", 60s)) << seed.describe();
  const fs::path out = m_dir / "out";
  auto args = download_args(torrent.string(), out);
  args.insert(args.end(), {"--files", "3"});
  ChildProcess dl = run_shoal(args);
  ASSERT_EQ(dl.wait_exit(0s), 0) << dl.describe() << "\nseed: " << seed.describe();
  EXPECT_TRUE(read_file(out / "Set" / chosen_path) == files[chosen_path]) << chosen_path;
  for (const auto& [name, bytes] : files) {
    if (name == chosen_path) continue;
    EXPECT_FALSE(fs::exists(out / "Set" / name) && read_file(out / "Set" / name) == bytes)
        << name << " was not selected";
  }

  ChildProcess beyond = run_shoal([&] {
    auto a = download_args(torrent.string(), m_dir / "out2");
    a.insert(a.end(), {"--files", "5"});
    return a;
  }());
  EXPECT_EQ(beyond.wait_exit(0s), 2) << beyond.describe();
  EXPECT_TRUE(has_line_with(beyond, "the torrent has 4 file(s), got 5", OutputStream::err))
      << beyond.describe();
  stop_seed(seed);
}

// `shoal download URL`: the .torrent is fetched over HTTP (python3 -m http.server); a 404, an
// HTML page and a text file give clear errors; redirects are followed.
TEST_F(CliE2E, DownloadFromHttpUrl) {
  const std::string data = random_bytes(900 * 1024 + 11, 10);
  m_dir.write_file("pub/movie.mkv", data);
  m_dir.write_file("www/index.html", "<!doctype html><html><body>downloads</body></html>\n");
  m_dir.write_file("www/notes.txt", "these are not the bytes you are looking for\n");
  fs::create_directories(m_dir / "www/sub");
  ChildProcess create = run_shoal({"create", (m_dir / "pub/movie.mkv").string(), "-a",
                                   m_udp_announce, "-o", (m_dir / "www/movie.torrent").string()});
  ASSERT_EQ(create.wait_exit(0s), 0) << create.describe();

  ChildProcess web = ChildProcess::spawn(
      SHOAL_PYTHON3, {"-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory",
                      (m_dir / "www").string()});
  auto serving = web.wait_for_output_line("Serving HTTP on ", 20s);
  ASSERT_TRUE(serving) << web.describe();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(*serving, m, std::regex(R"(port ([0-9]+))"))) << *serving;
  const std::string base = "http://127.0.0.1:" + m[1].str();

  ChildProcess seed = ChildProcess::spawn(
      SHOAL_CLI_BIN, {"seed", (m_dir / "www/movie.torrent").string(), "--content",
                      (m_dir / "pub").string(), "--loopback", "--port", "0"});
  ASSERT_TRUE(seed.wait_for_output_line("seeding ", 60s)) << seed.describe();

  ChildProcess dl = run_shoal(download_args(base + "/movie.torrent", m_dir / "out"));
  ASSERT_EQ(dl.wait_exit(0s), 0) << dl.describe() << "\nseed: " << seed.describe();
  EXPECT_TRUE(has_line_with(dl, "fetched " + base + "/movie.torrent: movie.mkv")) << dl.describe();
  EXPECT_TRUE(read_file(m_dir / "out/movie.mkv") == data);

  ChildProcess missing = run_shoal(download_args(base + "/nothing.torrent", m_dir / "out-404"));
  EXPECT_EQ(missing.wait_exit(0s), 1) << missing.describe();
  EXPECT_TRUE(has_line_with(missing, "/nothing.torrent: HTTP 404", OutputStream::err))
      << missing.describe();

  ChildProcess page = run_shoal(download_args(base + "/index.html", m_dir / "out-html"));
  EXPECT_EQ(page.wait_exit(0s), 1) << page.describe();
  EXPECT_TRUE(has_line_with(page, "not a .torrent file: the server sent an HTML page",
                            OutputStream::err))
      << page.describe();

  ChildProcess text = run_shoal(download_args(base + "/notes.txt", m_dir / "out-txt"));
  EXPECT_EQ(text.wait_exit(0s), 1) << text.describe();
  EXPECT_TRUE(has_line_with(text, "/notes.txt: not a .torrent file (", OutputStream::err))
      << text.describe();

  // http.server answers /sub with 301 to /sub/, a directory listing: followed, then refused.
  ChildProcess redirected = run_shoal(download_args(base + "/sub", m_dir / "out-sub"));
  EXPECT_EQ(redirected.wait_exit(0s), 1) << redirected.describe();
  EXPECT_TRUE(has_line_with(redirected, base + "/sub/: not a .torrent file", OutputStream::err))
      << redirected.describe();

  ChildProcess refused = run_shoal(
      download_args("http://127.0.0.1:" + std::to_string(free_tcp_port()) + "/x.torrent",
                    m_dir / "out-refused"));
  EXPECT_EQ(refused.wait_exit(0s), 1) << refused.describe();
  EXPECT_TRUE(has_line_with(refused, "connection refused", OutputStream::err)) << refused.describe();

  stop_seed(seed);
  web.signal(SIGTERM);
  web.wait_exit(10s);
}

// aria2c downloads from `shoal seed`, introduced by shoal-tracker.
TEST_F(CliE2E, Aria2DownloadsFromShoalSeed) {
  const auto album = make_album(m_dir, "pub/Album");
  ChildProcess seed =
      start_seed_create(m_dir / "pub/Album", {"--v1", "-a", m_http_announce}, nullptr);
  const std::uint16_t port = free_tcp_port();
  ASSERT_NE(port, 0);
  fs::create_directories(m_dir / "home");
  shoal::test::SpawnOptions options;
  options.env_set["HOME"] = (m_dir / "home").string();  // no ~/.aria2 of the user's
  ChildProcess aria2 = ChildProcess::spawn(
      SHOAL_ARIA2C,
      {"--no-conf", "--dir", (m_dir / "aria2").string(), "--seed-time=0", "--bt-enable-lpd=false",
       "--enable-dht=false", "--enable-dht6=false", "--enable-peer-exchange=false",
       "--disable-ipv6=true", "--listen-port=" + std::to_string(port), "--file-allocation=none",
       "--summary-interval=0", "--console-log-level=notice", "--bt-stop-timeout=120",
       (m_dir / "pub/Album.torrent").string()},
      options);
  ASSERT_EQ(aria2.wait_exit(180s), 0) << aria2.describe() << "\nseed: " << seed.describe();
  expect_same_files(album, m_dir / "aria2/Album");
  stop_seed(seed);
}

}  // namespace
