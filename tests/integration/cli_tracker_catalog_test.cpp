// `shoal tracker search | torrents ... | upload | ingest` (cli/src/cmd_tracker_catalog.cpp): the
// real `shoal` binary against a real shoal-tracker in public mode on loopback — upload of a corpus
// torrent, search and show find it with its files, download writes a file with the same
// info-hash (and refuses to overwrite without --force), edit and delete, ingest of the same JSON
// file twice (the second time nothing is created), and a junk "torrent" refused locally.
//
// The tracker is started by a short local helper (tests/support has no shared tracker fixture yet).
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "process.hpp"
#include "shoal/proto/metainfo.hpp"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using shoal::test::ChildProcess;
using shoal::test::SpawnOptions;
using shoal::test::TempDir;

const std::filesystem::path kTrackerBin = SHOAL_TRACKER_BIN;
const std::filesystem::path kShoalBin = SHOAL_CLI_BIN;
const std::filesystem::path kCorpus = SHOAL_TORRENT_CORPUS;
constexpr auto kTimeout = 30s;

struct Run {
  int exit = -1000;
  std::string out;
  std::string err;
  json js() const { return json::parse(out, nullptr, false); }
  std::string describe() const { return "exit " + std::to_string(exit) + "\nstdout: " + out + "\nstderr: " + err; }
};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string v1_hash(const std::string& bytes) {
  auto m = shoal::parse_metainfo(bytes);
  return m && m->info_hash().v1 ? m->info_hash().v1->hex() : "";
}

/// A public-mode shoal-tracker on 127.0.0.1:0 (HTTP only); its first start prints the initial
/// admin's password.
class Tracker {
public:
  explicit Tracker(const TempDir& dir) {
    const auto config = dir.write_file(
        "tracker.toml", "[accounts]\npassword_cost = 10\n[api]\nrate_limit = 1000\nrate_burst = 1000\n");
    m_process = ChildProcess::spawn(kTrackerBin, {"--config", config.string(), "--data-dir",
                                                  (dir / "data").string(), "--udp", "off", "--http",
                                                  "127.0.0.1:0", "--log-level", "warn"});
    auto line = m_process->wait_for_output_line("announce URL: http://", kTimeout);
    if (!line) {
      ADD_FAILURE() << "tracker did not start: " << m_process->describe();
      return;
    }
    const std::string url = line->substr(std::string_view("announce URL: ").size());
    m_url = url.substr(0, url.find('/', url.find("://") + 3));
    const std::string marker = " password: ";
    for (const auto& l : m_process->output_lines())
      if (l.starts_with("initial admin: ") && l.find(marker) != std::string::npos)
        m_admin_password = l.substr(l.find(marker) + marker.size());
  }
  ~Tracker() {
    if (m_process && m_process->running()) {
      m_process->signal(SIGTERM);
      EXPECT_EQ(m_process->wait_exit(kTimeout), 0) << m_process->describe();
    }
  }
  const std::string& url() const { return m_url; }
  const std::string& admin_password() const { return m_admin_password; }

private:
  std::optional<ChildProcess> m_process;
  std::string m_url;
  std::string m_admin_password;
};

/// Runs `shoal` with a private HOME/XDG_CONFIG_HOME, in `cwd`.
class Shoal {
public:
  explicit Shoal(const std::filesystem::path& home) : m_home(home) {}

  Run run(const std::vector<std::string>& args, const std::string& stdin_text = "") const {
    SpawnOptions o;
    o.env_set["HOME"] = m_home.string();
    o.env_set["XDG_CONFIG_HOME"] = (m_home / "config").string();
    o.env_unset = {"SHOAL_TRACKER_URL", "SHOAL_API_KEY"};
    o.stdin_pipe = true;
    auto child = ChildProcess::spawn(kShoalBin, args, o);
    if (!stdin_text.empty()) child.write_stdin(stdin_text);
    child.close_stdin();
    Run r;
    auto rc = child.wait_exit(kTimeout);
    child.wait_output_closed(5s);
    r.exit = rc ? *rc : -1000;
    r.out = child.output();
    r.err = child.output(shoal::test::OutputStream::err);
    return r;
  }

private:
  std::filesystem::path m_home;
};

TEST(CliTrackerCatalog, UploadSearchShowDownloadEditDelete) {
  TempDir dir;
  Tracker tracker(dir);
  ASSERT_FALSE(tracker.url().empty());
  const Shoal shoal(dir / "home");
  const std::string url = tracker.url();
  const auto corpus = kCorpus / "sample.torrent";
  const std::string expected_hash = v1_hash(read_file(corpus));
  ASSERT_FALSE(expected_hash.empty());

  // Uploading needs a credential: a usage error (exit 2) before anything is sent.
  auto anon = shoal.run({"tracker", "upload", corpus.string(), "--url", url});
  EXPECT_EQ(anon.exit, 2) << anon.describe();
  EXPECT_NE(anon.err.find("not logged in"), std::string::npos) << anon.describe();

  auto login = shoal.run({"tracker", "login", "--url", url, "--user", "admin", "--password-stdin"},
                         tracker.admin_password() + "\n");
  ASSERT_EQ(login.exit, 0) << login.describe();

  auto up = shoal.run({"tracker", "upload", corpus.string(), "--category", "5040", "--tags", "hd,x265",
                       "--description", "a sample", "--json"});
  ASSERT_EQ(up.exit, 0) << up.describe();
  const json uploaded = up.js();
  ASSERT_TRUE(uploaded.is_object()) << up.describe();
  EXPECT_EQ(uploaded["created"], true);
  EXPECT_EQ(uploaded["torrent"]["info_hash_v1"], expected_hash);
  EXPECT_EQ(uploaded["torrent"]["category_id"], 5040);
  const auto id = uploaded["torrent"]["id"].get<std::int64_t>();
  const std::string ids = std::to_string(id);

  // The same file again: known already, nothing new (human output says so).
  auto again = shoal.run({"tracker", "upload", corpus.string()});
  EXPECT_EQ(again.exit, 0) << again.describe();
  EXPECT_NE(again.out.find("already in the catalog as torrent " + ids), std::string::npos) << again.describe();

  // Search finds it, with and without a credential (public mode browses anonymously).
  auto found = shoal.run({"tracker", "search", "sample", "--json"});
  ASSERT_EQ(found.exit, 0) << found.describe();
  ASSERT_EQ(found.js()["torrents"].size(), 1u) << found.describe();
  EXPECT_EQ(found.js()["torrents"][0]["id"], id);
  auto table = shoal.run({"tracker", "search", "sample", "--sort", "name", "--url", url, "--key", ""});
  ASSERT_EQ(table.exit, 0) << table.describe();
  EXPECT_NE(table.out.find("ID"), std::string::npos);
  EXPECT_NE(table.out.find("sample"), std::string::npos) << table.describe();
  EXPECT_NE(table.out.find("5040"), std::string::npos) << table.describe();
  EXPECT_NE(table.out.find("1 of 1 torrents"), std::string::npos) << table.describe();
  auto none = shoal.run({"tracker", "search", "nosuchwordanywhere", "--json"});
  ASSERT_EQ(none.exit, 0) << none.describe();
  EXPECT_TRUE(none.js()["torrents"].empty());
  EXPECT_EQ(shoal.run({"tracker", "search", "x", "--sort", "weird"}).exit, 2);

  auto latest = shoal.run({"tracker", "torrents", "latest"});
  ASSERT_EQ(latest.exit, 0) << latest.describe();
  EXPECT_NE(latest.out.find("sample"), std::string::npos) << latest.describe();

  // Show: details, files and the magnet.
  auto show = shoal.run({"tracker", "torrents", "show", ids});
  ASSERT_EQ(show.exit, 0) << show.describe();
  EXPECT_NE(show.out.find("text_file2.txt"), std::string::npos) << show.describe();
  EXPECT_NE(show.out.find("magnet:?xt=urn:btih:" + expected_hash), std::string::npos) << show.describe();
  EXPECT_NE(show.out.find("hd,x265"), std::string::npos) << show.describe();
  auto missing = shoal.run({"tracker", "torrents", "show", "999999"});
  EXPECT_EQ(missing.exit, 1) << missing.describe();
  EXPECT_NE(missing.err.find("not_found"), std::string::npos) << missing.describe();

  // Download: the same info-hash; an existing file is kept unless --force.
  const auto out = dir / "got.torrent";
  auto dl = shoal.run({"tracker", "torrents", "download", ids, "-o", out.string()});
  ASSERT_EQ(dl.exit, 0) << dl.describe();
  EXPECT_EQ(v1_hash(read_file(out)), expected_hash);
  { std::ofstream(out, std::ios::trunc) << "mine"; }
  auto keep = shoal.run({"tracker", "torrents", "download", ids, "-o", out.string()});
  EXPECT_EQ(keep.exit, 1) << keep.describe();
  EXPECT_EQ(read_file(out), "mine");
  auto force = shoal.run({"tracker", "torrents", "download", ids, "-o", out.string(), "--force", "--json"});
  ASSERT_EQ(force.exit, 0) << force.describe();
  EXPECT_EQ(force.js()["info_hash"], expected_hash);
  EXPECT_EQ(v1_hash(read_file(out)), expected_hash);

  // Edit.
  EXPECT_EQ(shoal.run({"tracker", "torrents", "edit", ids}).exit, 2);  // nothing to change
  auto edit = shoal.run({"tracker", "torrents", "edit", ids, "--name", "Renamed Sample", "--tags", "sd"});
  ASSERT_EQ(edit.exit, 0) << edit.describe();
  auto shown = shoal.run({"tracker", "torrents", "show", ids, "--json"});
  ASSERT_EQ(shown.exit, 0) << shown.describe();
  EXPECT_EQ(shown.js()["torrent"]["name"], "Renamed Sample");
  EXPECT_EQ(shown.js()["torrent"]["tags"], json::array({"sd"}));
  EXPECT_FALSE(shown.js()["torrent"]["files"].empty());

  // Delete: --yes required; then it is gone.
  auto unconfirmed = shoal.run({"tracker", "torrents", "delete", ids});
  EXPECT_EQ(unconfirmed.exit, 2) << unconfirmed.describe();
  EXPECT_EQ(shoal.run({"tracker", "torrents", "show", ids}).exit, 0);
  auto del = shoal.run({"tracker", "torrents", "delete", ids, "--yes"});
  ASSERT_EQ(del.exit, 0) << del.describe();
  EXPECT_EQ(shoal.run({"tracker", "torrents", "show", ids}).exit, 1);
  auto empty = shoal.run({"tracker", "torrents", "latest", "--json"});
  ASSERT_EQ(empty.exit, 0) << empty.describe();
  EXPECT_TRUE(empty.js()["torrents"].empty()) << empty.describe();
}

TEST(CliTrackerCatalog, JunkUploadIsRefusedLocally) {
  TempDir dir;
  Tracker tracker(dir);
  ASSERT_FALSE(tracker.url().empty());
  const Shoal shoal(dir / "home");
  ASSERT_EQ(shoal.run({"tracker", "login", "--url", tracker.url(), "--user", "admin", "--password-stdin"},
                      tracker.admin_password() + "\n").exit, 0);
  const auto junk = dir.write_file("junk.torrent", "this is not bencode at all");
  auto r = shoal.run({"tracker", "upload", junk.string()});
  EXPECT_EQ(r.exit, 1) << r.describe();
  EXPECT_NE(r.err.find("junk.torrent"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("metainfo"), std::string::npos) << r.describe();
  EXPECT_EQ(r.err.find("HTTP"), std::string::npos) << r.describe();
  auto j = shoal.run({"tracker", "upload", junk.string(), "--json"});
  EXPECT_EQ(j.exit, 1);
  EXPECT_EQ(j.js()["error"]["code"], "invalid_torrent") << j.describe();
  // Nothing reached the catalog; and against a port where nobody listens the error is the same
  // local one (no connection is attempted).
  auto latest = shoal.run({"tracker", "torrents", "latest", "--json"});
  ASSERT_EQ(latest.exit, 0) << latest.describe();
  EXPECT_TRUE(latest.js()["torrents"].empty()) << latest.describe();
  auto offline = shoal.run({"tracker", "upload", junk.string(), "--url", "http://127.0.0.1:1", "--key", "sk_x"});
  EXPECT_EQ(offline.exit, 1);
  EXPECT_NE(offline.err.find("metainfo"), std::string::npos) << offline.describe();
  EXPECT_EQ(shoal.run({"tracker", "upload", (dir / "absent.torrent").string()}).exit, 1);
}

TEST(CliTrackerCatalog, IngestTwiceCreatesNothingTheSecondTime) {
  TempDir dir;
  Tracker tracker(dir);
  ASSERT_FALSE(tracker.url().empty());
  const Shoal shoal(dir / "home");
  ASSERT_EQ(shoal.run({"tracker", "login", "--url", tracker.url(), "--user", "admin", "--password-stdin"},
                      tracker.admin_password() + "\n").exit, 0);
  // 150 items: more than one server batch (100).
  json items = json::array();
  for (int i = 0; i < 150; ++i) {
    char hash[41];
    std::snprintf(hash, sizeof hash, "%040x", i + 1);
    items.push_back({{"info_hash_v1", hash}, {"name", "Ingested Item " + std::to_string(i)}, {"size", 1000 + i},
                     {"files", json::array({{{"path", "item/f" + std::to_string(i) + ".bin"}, {"size", 1000 + i}}})}});
  }
  const auto file = dir.write_file("items.json", json{{"items", items}}.dump());
  auto first = shoal.run({"tracker", "ingest", file.string(), "--json"});
  ASSERT_EQ(first.exit, 0) << first.describe();
  EXPECT_EQ(first.js()["created"], 150) << first.describe();
  EXPECT_EQ(first.js()["failed"], 0);
  ASSERT_EQ(first.js()["results"].size(), 150u);
  EXPECT_EQ(first.js()["results"][149]["index"], 149);  // indexes are of the input, across batches
  auto second = shoal.run({"tracker", "ingest", file.string()});
  ASSERT_EQ(second.exit, 0) << second.describe();
  EXPECT_NE(second.out.find("150 items: 0 created, 150 already known, 0 failed"), std::string::npos)
      << second.describe();
  auto found = shoal.run({"tracker", "search", "ingested", "--json"});
  ASSERT_EQ(found.exit, 0);
  EXPECT_EQ(found.js()["total"], 150) << found.describe();

  // One bad item among good ones (from stdin): reported, the others still go in, exit 1.
  const json mixed = json::array({{{"info_hash_v1", std::string(40, 'a')}, {"name", "Fine One"}},
                                  {{"info_hash_v1", "nothex"}, {"name", "Bad One"}}});
  auto part = shoal.run({"tracker", "ingest", "-"}, mixed.dump());
  EXPECT_EQ(part.exit, 1) << part.describe();
  EXPECT_NE(part.out.find("#1 Bad One: error"), std::string::npos) << part.describe();
  EXPECT_NE(part.out.find("1 created, 0 already known, 1 failed"), std::string::npos) << part.describe();
  // A file that is not JSON: nothing sent, exit 1.
  const auto bad = dir.write_file("bad.json", "{not json");
  auto r = shoal.run({"tracker", "ingest", bad.string()});
  EXPECT_EQ(r.exit, 1);
  EXPECT_NE(r.err.find("not JSON"), std::string::npos) << r.describe();
}

// Items with long file lists: 60 of them (fewer than 100) are over the server's 4 MiB body
// limit, so the CLI cuts its batches by bytes as well as by count, and every item goes in.
TEST(CliTrackerCatalog, IngestSplitsBatchesByBytes) {
  TempDir dir;
  Tracker tracker(dir);
  ASSERT_FALSE(tracker.url().empty());
  const Shoal shoal(dir / "home");
  ASSERT_EQ(shoal.run({"tracker", "login", "--url", tracker.url(), "--user", "admin", "--password-stdin"},
                      tracker.admin_password() + "\n").exit, 0);
  json items = json::array();
  for (int i = 0; i < 60; ++i) {
    char hash[41];
    std::snprintf(hash, sizeof hash, "%040x", 1000 + i);
    json files = json::array();
    for (int f = 0; f < 900; ++f)
      files.push_back({{"path", "Season " + std::to_string(f / 100) + "/A.Rather.Long.Episode.Name.Part." +
                                    std::to_string(f) + ".1080p.WEB-DL.x264.mkv"},
                       {"size", 1000}});
    items.push_back({{"info_hash_v1", hash}, {"name", "Big List " + std::to_string(i)}, {"files", files}});
  }
  const std::string text = json{{"items", items}}.dump();
  ASSERT_GT(text.size(), 4u * 1024 * 1024 + 256 * 1024);  // over the 4 MiB limit in one batch
  const auto file = dir.write_file("big.json", text);
  auto r = shoal.run({"tracker", "ingest", file.string(), "--json"});
  ASSERT_EQ(r.exit, 0) << r.describe();
  EXPECT_EQ(r.js()["created"], 60) << r.describe();
  EXPECT_EQ(r.js()["failed"], 0);
}

}  // namespace
