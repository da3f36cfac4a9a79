// The built `shoal` binary, run as a user would (popen), for the commands `info`, `magnet`,
// `announce` and `scrape`: text and --json output on the shared torrent corpus, agreement with
// proto's parse_metainfo / make_magnet_uri, exit codes on bad input, and the tracker commands
// against a real shoal-tracker.
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "process.hpp"
#include "shoal/proto/magnet.hpp"
#include "shoal/proto/metainfo.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using nlohmann::json;
using shoal::test::ChildProcess;
using shoal::test::TempDir;

const fs::path kTorrents = fs::path(SHOAL_TESTDATA_DIR) / "torrents";
const std::string kCli = SHOAL_CLI_BIN;
const std::string kTrackerBin = SHOAL_TRACKER_BIN;

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs `shoal args...`: stdout through popen, stderr through a temporary file.
CliResult run_cli(const std::vector<std::string>& args) {
  static TempDir dir("shoal-cli-test-");
  static int runs = 0;
  const fs::path err_file = dir / ("stderr-" + std::to_string(++runs));
  std::string command = shell_quote(kCli);
  for (const auto& a : args) command += " " + shell_quote(a);
  command += " 2>" + shell_quote(err_file.string());
  CliResult r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "popen failed: " << command;
    return r;
  }
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = read_file(err_file);
  return r;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::vector<fs::path> corpus() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kTorrents))
    if (e.path().extension() == ".torrent") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

shoal::expected<shoal::Metainfo, shoal::Error> parse(const fs::path& p) {
  return shoal::parse_metainfo(read_file(p));
}

// The magnet link `shoal magnet` is specified to print: proto's builder over the torrent's hashes,
// name, every tracker in tier order, and web seeds.
std::string expected_magnet(const shoal::Metainfo& m, bool trackers = true) {
  shoal::MagnetLink link;
  link.info_hash = m.info_hash();
  link.display_name = m.name();
  if (trackers)
    for (const auto& tier : m.trackers()) link.trackers.insert(link.trackers.end(), tier.begin(), tier.end());
  link.web_seeds = m.web_seeds();
  return shoal::make_magnet_uri(link);
}

json parse_json(const CliResult& r) {
  try {
    return json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON (" << e.what() << "): " << r.out << "\nstderr: " << r.err;
    return {};
  }
}

// =============================================================================================
// info

TEST(CliInfo, TextShowsEverythingAboutSample) {
  auto r = run_cli({"info", (kTorrents / "sample.torrent").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  for (const char* line : {"name:          sample", "info-hash v1:  58d8d15a4eb3bd9afabc9cee2564f78192777edb",
                           "version:       v1", "size:          45 bytes", "piece length:  16.0 KiB (16384 bytes)",
                           "pieces:        2", "private:       no", "comment:       sample comment",
                           "created by:    libtorrent", "creation date: 2014-12-17 03:39:39 UTC",
                           "  tier 1:  udp://tracker.opentracker.com:80/announce",
                           "  tier 2:  tracker.publicbt.com:80/announce",
                           "files (2, 1 pad file not shown (--pad)):", "  └── sample/ (45 B)",
                           "      ├── [1] text_file2.txt (25 B)", "      └── [2] text_file.txt (20 B)"})
    EXPECT_TRUE(contains(r.out, std::string(line) + "\n")) << "missing '" << line << "' in:\n" << r.out;
  EXPECT_FALSE(contains(r.out, "info-hash v2"));

  auto pad = run_cli({"info", "--pad", (kTorrents / "sample.torrent").string()});
  ASSERT_EQ(pad.exit_code, 0);
  EXPECT_TRUE(contains(pad.out, "[padding]")) << pad.out;
}

TEST(CliInfo, TextOfHybridAndV2Only) {
  auto hybrid = run_cli({"info", (kTorrents / "v2.torrent").string()});
  ASSERT_EQ(hybrid.exit_code, 0) << hybrid.err;
  EXPECT_TRUE(contains(hybrid.out, "info-hash v1:  c14199bbec64d0e9e439aa3b6b7639e666b86eca\n")) << hybrid.out;
  EXPECT_TRUE(contains(hybrid.out, "version:       hybrid\n")) << hybrid.out;
  auto v2 = run_cli({"info", (kTorrents / "v2_only.torrent").string()});
  ASSERT_EQ(v2.exit_code, 0) << v2.err;
  const auto m = parse(kTorrents / "v2_only.torrent");
  ASSERT_TRUE(m);
  EXPECT_TRUE(contains(v2.out, "info-hash v2:  " + m->info_hash().v2->hex() + "\n")) << v2.out;
  EXPECT_TRUE(contains(v2.out, "tracker hash:  " + m->info_hash().tracker_id().hex())) << v2.out;
  EXPECT_FALSE(contains(v2.out, "info-hash v1"));
}

TEST(CliInfo, JsonAgreesWithTheParserOnTheWholeCorpus) {
  std::size_t loaded = 0;
  for (const auto& path : corpus()) {
    SCOPED_TRACE(path.filename().string());
    auto r = run_cli({"info", "--json", path.string()});
    const auto m = parse(path);
    if (!m) {
      EXPECT_EQ(r.exit_code, 1) << r.out;
      EXPECT_TRUE(r.err.starts_with("shoal info: ")) << r.err;
      const json j = parse_json(r);
      EXPECT_EQ(j["error"]["code"], "invalid_torrent");
      continue;
    }
    ++loaded;
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json j = parse_json(r);
    EXPECT_EQ(j["type"], "torrent");
    const auto& ih = m->info_hash();
    EXPECT_EQ(j["info_hash"]["v1"], ih.v1 ? json(ih.v1->hex()) : json(nullptr));
    EXPECT_EQ(j["info_hash"]["v2"], ih.v2 ? json(ih.v2->hex()) : json(nullptr));
    EXPECT_EQ(j["tracker_hash"], ih.tracker_id().hex());
    EXPECT_EQ(j["total_size"], m->total_size());
    EXPECT_EQ(j["payload_size"], m->payload_size());
    EXPECT_EQ(j["piece_length"], m->piece_length());
    EXPECT_EQ(j["num_pieces"], m->num_pieces());
    EXPECT_EQ(j["private"], m->is_private());
    EXPECT_EQ(j["trackers"], json(m->trackers()));
    EXPECT_EQ(j["web_seeds"], json(m->web_seeds()));
    ASSERT_EQ(j["files"].size(), m->files().size());
    for (std::size_t i = 0; i < m->files().size(); ++i) {
      const auto& f = m->files()[i];
      EXPECT_EQ(j["files"][i]["length"], f.length);
      EXPECT_EQ(j["files"][i]["offset"], f.offset);
      EXPECT_EQ(j["files"][i]["pad"], f.pad);
      EXPECT_EQ(j["files"][i]["symlink"], f.symlink);
    }
    if (m->creation_date()) EXPECT_EQ(j["creation_date"], *m->creation_date());
    else EXPECT_TRUE(j["creation_date"].is_null());
  }
  EXPECT_GE(loaded, 30u);  // the corpus has ~40 torrents our parser loads
}

TEST(CliInfo, JsonMatchesLibtorrentOnKnownFiles) {
  // Spot checks against libtorrent's verdicts in manifest.json.
  const json manifest = json::parse(read_file(kTorrents / "manifest.json"));
  for (const auto& e : manifest) {
    const std::string file = e["file"];
    if (file != "sample.torrent" && file != "v2.torrent" && file != "v2_only.torrent" && file != "base.torrent")
      continue;
    SCOPED_TRACE(file);
    auto r = run_cli({"info", "--json", (kTorrents / file).string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json j = parse_json(r);
    EXPECT_EQ(j["info_hash"]["v1"], e["v1"]);
    EXPECT_EQ(j["info_hash"]["v2"], e["v2"]);
    EXPECT_EQ(j["name"], e["name"]);
    EXPECT_EQ(j["num_pieces"], e["num_pieces"]);
    EXPECT_EQ(j["piece_length"], e["piece_length"]);
    EXPECT_EQ(j["total_size"], e["total_size"]);
    EXPECT_EQ(j["private"], e["priv"]);
  }
}

TEST(CliInfo, MagnetLinks) {
  const auto m = parse(kTorrents / "v2.torrent");
  ASSERT_TRUE(m);
  const std::string uri = expected_magnet(*m) + "&x.pe=10.0.0.1:6881&so=0,2-3";
  auto text = run_cli({"info", uri});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(contains(text.out, "name:          test64K\n")) << text.out;
  EXPECT_TRUE(contains(text.out, "info-hash v1:  " + m->info_hash().v1->hex())) << text.out;
  EXPECT_TRUE(contains(text.out, "info-hash v2:  " + m->info_hash().v2->hex())) << text.out;
  EXPECT_TRUE(contains(text.out, "  http://example.com/announce\n")) << text.out;
  EXPECT_TRUE(contains(text.out, "  10.0.0.1:6881\n")) << text.out;
  EXPECT_TRUE(contains(text.out, "select only:   0,2-3\n")) << text.out;

  auto r = run_cli({"info", "--json", uri});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = parse_json(r);
  EXPECT_EQ(j["type"], "magnet");
  EXPECT_EQ(j["name"], "test64K");
  EXPECT_EQ(j["info_hash"]["v1"], m->info_hash().v1->hex());
  EXPECT_EQ(j["info_hash"]["v2"], m->info_hash().v2->hex());
  EXPECT_EQ(j["trackers"], json::array({"http://example.com/announce"}));
  EXPECT_EQ(j["peers"], json::array({"10.0.0.1:6881"}));
  EXPECT_EQ(j["select_only"], json::parse("[[0,0],[2,3]]"));

  auto bad = run_cli({"info", "magnet:?xt=urn:btih:1234"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(bad.err.starts_with("shoal info: magnet: ")) << bad.err;
}

TEST(CliInfo, ErrorsExitNonZeroWithAMessage) {
  TempDir dir("shoal-cli-bad-");
  const auto garbage = dir.write_file("garbage.torrent", "this is not bencode");
  const auto truncated = dir.write_file("truncated.torrent", read_file(kTorrents / "sample.torrent").substr(0, 100));
  const auto escape = dir.write_file("escape.torrent", "d4:name\x1b[31me");
  for (const std::string& path : {garbage.string(), truncated.string(), escape.string(),
                                  (dir / "missing.torrent").string(), dir.path().string()}) {
    SCOPED_TRACE(path);
    auto r = run_cli({"info", path});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_TRUE(r.err.starts_with("shoal info: " + path + ": ")) << r.err;
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << "terminal escape passed through";
    auto j = run_cli({"info", "--json", path});
    EXPECT_EQ(j.exit_code, 1);
    EXPECT_EQ(parse_json(j)["error"]["code"], "invalid_torrent");
  }
  auto usage = run_cli({"info"});
  EXPECT_NE(usage.exit_code, 0);
}

// =============================================================================================
// magnet

TEST(CliMagnet, EqualsMakeMagnetUriOnTheWholeCorpus) {
  std::size_t checked = 0;
  for (const auto& path : corpus()) {
    const auto m = parse(path);
    if (!m) continue;
    SCOPED_TRACE(path.filename().string());
    auto r = run_cli({"magnet", path.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, expected_magnet(*m) + "\n");
    // What it prints parses back to the torrent's identity.
    auto link = shoal::parse_magnet(r.out.substr(0, r.out.size() - 1));
    ASSERT_TRUE(link) << link.error().message();
    EXPECT_EQ(link->info_hash, m->info_hash());
    ++checked;
  }
  EXPECT_GE(checked, 30u);
}

TEST(CliMagnet, BtmhForV2AndHybridAndNoTrackers) {
  const auto hybrid = run_cli({"magnet", (kTorrents / "v2.torrent").string()});
  ASSERT_EQ(hybrid.exit_code, 0);
  EXPECT_TRUE(contains(hybrid.out, "xt=urn:btih:")) << hybrid.out;
  EXPECT_TRUE(contains(hybrid.out, "xt=urn:btmh:1220")) << hybrid.out;
  EXPECT_TRUE(contains(hybrid.out, "&tr=")) << hybrid.out;
  const auto v2 = run_cli({"magnet", (kTorrents / "v2_only.torrent").string()});
  ASSERT_EQ(v2.exit_code, 0);
  EXPECT_FALSE(contains(v2.out, "xt=urn:btih:")) << v2.out;
  EXPECT_TRUE(contains(v2.out, "xt=urn:btmh:1220")) << v2.out;

  const auto m = parse(kTorrents / "v2.torrent");
  ASSERT_TRUE(m);
  const auto bare = run_cli({"magnet", "--no-trackers", (kTorrents / "v2.torrent").string()});
  ASSERT_EQ(bare.exit_code, 0);
  EXPECT_EQ(bare.out, expected_magnet(*m, false) + "\n");
  EXPECT_FALSE(contains(bare.out, "tr="));

  const auto seeds = run_cli({"magnet", (kTorrents / "url_seed.torrent").string()});
  ASSERT_EQ(seeds.exit_code, 0);
  EXPECT_TRUE(contains(seeds.out, "&ws=")) << seeds.out;
}

TEST(CliMagnet, BadFileExitsOne) {
  auto r = run_cli({"magnet", (kTorrents / "no_files.torrent").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.empty());
  EXPECT_TRUE(r.err.starts_with("shoal magnet: ")) << r.err;
}

// =============================================================================================
// announce / scrape against a real tracker

class CliTracker : public ::testing::Test {
protected:
  void start(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"--data-dir", (m_dir / "data").string(), "--udp", "127.0.0.1:0",
                                  "--http", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    m_tracker = std::make_unique<ChildProcess>(ChildProcess::spawn(kTrackerBin, args));
    for (int i = 0; i < 2; ++i) {
      auto line = m_tracker->wait_for_output_line("announce URL: ", 30s);
      ASSERT_TRUE(line) << m_tracker->describe();
      const std::string url = line->substr(std::strlen("announce URL: "));
      (url.starts_with("udp://") ? m_udp : m_http) = url;
    }
  }
  TempDir m_dir{"shoal-cli-tracker-"};
  std::unique_ptr<ChildProcess> m_tracker;
  std::string m_udp, m_http;
};

TEST_F(CliTracker, AnnounceAndScrapeOverHttpAndUdp) {
  start();
  const std::string h(40, 'a');
  auto first = run_cli({"announce", m_udp, h, "--port", "51001"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_TRUE(contains(first.out, "leechers:     1\n")) << first.out;
  EXPECT_TRUE(contains(first.out, "peers (0):\n")) << first.out;

  auto second = run_cli({"announce", m_http, h, "--port", "51002", "--left", "0", "--json"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const json j = parse_json(second);
  EXPECT_TRUE(j["failure_reason"].is_null());
  EXPECT_EQ(j["seeders"], 1);
  EXPECT_EQ(j["leechers"], 1);
  EXPECT_GT(j["interval"].get<long long>(), 0);
  EXPECT_EQ(j["peers"].size(), 1u);
  EXPECT_EQ(j["peers"][0]["address"], "127.0.0.1:51001");

  auto text = run_cli({"announce", m_udp, h, "--port", "51001", "--event", "none"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(contains(text.out, "peers (1):\n  127.0.0.1:51002\n")) << text.out;

  // A .torrent file names its swarm too.
  const auto m = parse(kTorrents / "base.torrent");
  ASSERT_TRUE(m);
  ASSERT_EQ(run_cli({"announce", m_http, (kTorrents / "base.torrent").string(), "--port", "51003"}).exit_code, 0);

  for (const std::string& url : {m_http, m_udp}) {
    SCOPED_TRACE(url);
    auto s = run_cli({"scrape", url, h, (kTorrents / "base.torrent").string(), std::string(40, 'b'), "--json"});
    ASSERT_EQ(s.exit_code, 0) << s.err;
    const json sj = parse_json(s);
    ASSERT_EQ(sj["files"].size(), 3u);
    EXPECT_EQ(sj["files"][0]["info_hash"], h);
    EXPECT_EQ(sj["files"][0]["seeders"], 1);
    EXPECT_EQ(sj["files"][0]["leechers"], 1);
    EXPECT_EQ(sj["files"][1]["info_hash"], m->info_hash().tracker_id().hex());
    EXPECT_EQ(sj["files"][1]["leechers"], 1);
  }
  auto table = run_cli({"scrape", m_http, h});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_TRUE(contains(table.out, "tracker: " + m_http.substr(0, m_http.find("/announce")) + "/scrape\n")) << table.out;
  EXPECT_TRUE(contains(table.out, h + "         1         1           0\n")) << table.out;
}

TEST_F(CliTracker, FailureReasonIsPrintedAndExitsOne) {
  start({"--mode", "listed"});
  for (const std::string& url : {m_http, m_udp}) {
    SCOPED_TRACE(url);
    auto r = run_cli({"announce", url, std::string(40, 'c')});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.out, "failure:      unregistered torrent\n")) << r.out << r.err;
    auto j = run_cli({"announce", url, std::string(40, 'c'), "--json"});
    EXPECT_EQ(j.exit_code, 1);
    EXPECT_EQ(parse_json(j)["failure_reason"], "unregistered torrent");
  }
}

TEST(CliTrackerErrors, UnreachableBadUrlAndBadHash) {
  const std::string h(40, 'd');
  auto refused = run_cli({"announce", "http://127.0.0.1:1/announce", h, "--timeout", "5"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(refused.err.starts_with("shoal announce: http://127.0.0.1:1/announce: connection refused"))
      << refused.err;
  auto refused_json = run_cli({"scrape", "http://127.0.0.1:1/announce", h, "--json", "--timeout", "5"});
  EXPECT_EQ(refused_json.exit_code, 1);
  EXPECT_EQ(parse_json(refused_json)["error"]["code"], "connection_refused");

  auto bad_url = run_cli({"announce", "ftp://tracker.example/announce", h});
  EXPECT_EQ(bad_url.exit_code, 2);
  EXPECT_TRUE(contains(bad_url.err, "unsupported scheme")) << bad_url.err;
  auto bad_hash = run_cli({"scrape", "udp://127.0.0.1:1/announce", "xyz"});
  EXPECT_EQ(bad_hash.exit_code, 2);
  EXPECT_TRUE(contains(bad_hash.err, "'xyz' is not an info-hash")) << bad_hash.err;
  auto no_scrape = run_cli({"scrape", "http://127.0.0.1:1/tracker.php", h});
  EXPECT_EQ(no_scrape.exit_code, 1);
  EXPECT_TRUE(contains(no_scrape.err, "no scrape URL")) << no_scrape.err;
}

}  // namespace
