// `shoal create` and `shoal verify` as a user runs them: the real binary as a child process.
// Covers the output (human, --json, --magnet), the options that reach the torrent, and the bad
// inputs — each must end with a clear message, a non-zero exit and no output file left behind.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "create_test_support.hpp"
#include "shoal/proto/metainfo.hpp"

namespace shoal::peer {
namespace {

using test::random_bytes;
using test::read_file;
using test::RunResult;
using test::TempDir;
using test::write_file;

class CliCreateVerify : public ::testing::Test {
protected:
  void SetUp() override {
    content = dir / "Album";
    write_file(content / "01.flac", random_bytes(300000, 1));
    write_file(content / "02.flac", random_bytes(200000, 2));
    write_file(content / "cover.jpg", random_bytes(20000, 3));
    out_dir = dir / "out";
    std::filesystem::create_directories(out_dir);
  }

  RunResult shoal(const std::vector<std::string>& args) {
    shoal::test::SpawnOptions o;
    o.cwd = out_dir;
    return test::run(SHOAL_CLI_BIN, args, o);
  }

  std::set<std::string> listing(const std::filesystem::path& d) {
    std::set<std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(d))
      out.insert(e.path().lexically_relative(d).string());
    return out;
  }

  // Runs a create that must fail: non-zero exit, the message on stderr, nothing written.
  void expect_create_fails(const std::vector<std::string>& args, const std::string& message,
                           int status = 1) {
    const auto before_out = listing(out_dir);
    const auto before_content = listing(content);
    const RunResult r = shoal(args);
    EXPECT_EQ(r.status, status) << r.out << r.err;
    EXPECT_NE(r.err.find("shoal create: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_EQ(listing(out_dir), before_out);
    EXPECT_EQ(listing(content), before_content);
  }

  TempDir dir{"shoal-cli-"};
  std::filesystem::path content;
  std::filesystem::path out_dir;
};

TEST_F(CliCreateVerify, CreateDefaultIsHybridNamedAfterTheInput) {
  const RunResult r = shoal({"create", content.string(), "-a", "http://t.example/announce"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;  // not a terminal: no progress bar
  const auto m = parse_metainfo(read_file(out_dir / "Album.torrent"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->version(), MetainfoVersion::hybrid);
  EXPECT_EQ(m->created_by(), "shoal 0.1.0");
  EXPECT_TRUE(m->creation_date());
  EXPECT_NE(r.out.find("wrote Album.torrent (hybrid, 3 files"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("info-hash v1: " + m->info_hash().v1->hex()), std::string::npos);
  EXPECT_NE(r.out.find("info-hash v2: " + m->info_hash().v2->hex()), std::string::npos);
  EXPECT_EQ(listing(out_dir), (std::set<std::string>{"Album.torrent"}));
}

TEST_F(CliCreateVerify, CreateOptionsReachTheTorrent) {
  const RunResult r =
      shoal({"create", "--v1", "-l", "32K", "-t", "3", "-p", "-s", "SRC", "-c", "a comment",
             "-a", "http://t1.example/announce,http://t2.example/announce", "-a",
             "udp://t3.example:6969/announce", "-w", "http://ws.example/a/", "--exclude", "*.jpg",
             "--no-date", "--no-created-by", "-o", "custom.torrent", "--magnet", "--json",
             content.string()});  // repeatable options do not swallow PATH
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto m = parse_metainfo(read_file(out_dir / "custom.torrent"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->version(), MetainfoVersion::v1);
  EXPECT_EQ(m->piece_length(), 32768);
  EXPECT_TRUE(m->is_private());
  EXPECT_EQ(m->source(), "SRC");
  EXPECT_EQ(m->comment(), "a comment");
  EXPECT_EQ(m->created_by(), "");
  EXPECT_FALSE(m->creation_date());
  EXPECT_EQ(m->trackers(),
            (std::vector<std::vector<std::string>>{
                {"http://t1.example/announce", "http://t2.example/announce"},
                {"udp://t3.example:6969/announce"}}));
  EXPECT_EQ(m->web_seeds(), (std::vector<std::string>{"http://ws.example/a/"}));
  EXPECT_EQ(m->files().size(), 2u);  // cover.jpg excluded
  EXPECT_EQ(j["info_hash"]["v1"], m->info_hash().v1->hex());
  EXPECT_TRUE(j["info_hash"]["v2"].is_null());
  EXPECT_EQ(j["format"], "v1");
  EXPECT_EQ(j["num_pieces"], m->num_pieces());
  EXPECT_EQ(j["threads"], 3);
  EXPECT_EQ(j["output"], "custom.torrent");
  EXPECT_EQ(j["magnet"].get<std::string>().rfind("magnet:?xt=urn:btih:" + m->info_hash().v1->hex(), 0), 0u);
}

TEST_F(CliCreateVerify, MagnetIsTheLastLine) {
  const RunResult r = shoal({"create", (content / "cover.jpg").string(), "--v2", "--magnet"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto m = parse_metainfo(read_file(out_dir / "cover.jpg.torrent"));
  ASSERT_TRUE(m);
  const std::string last = r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1);
  EXPECT_EQ(last, "magnet:?xt=urn:btmh:1220" + m->info_hash().v2->hex() + "&dn=cover.jpg\n");
}

TEST_F(CliCreateVerify, CreateBadInputs) {
  expect_create_fails({"create", (dir / "nope").string()}, "no such file or directory");
  std::filesystem::create_directories(dir / "empty");
  expect_create_fails({"create", (dir / "empty").string()}, "the directory is empty");
  write_file(dir / "zeros/a", "");
  expect_create_fails({"create", (dir / "zeros").string()}, "every file is empty");
  expect_create_fails({"create", content.string(), "-o", (content / "x.torrent").string()},
                      "inside the content it describes");
  expect_create_fails({"create", (content / "01.flac").string(), "-o",
                       (content / "01.flac").string()},
                      "inside the content it describes");
  expect_create_fails({"create", content.string(), "-l", "1000"}, "below the minimum", 2);
  expect_create_fails({"create", content.string(), "-l", "100K"}, "not a power of two", 2);
  expect_create_fails({"create", content.string(), "--v1", "--v2"}, "only one of", 2);
  std::filesystem::create_directory_symlink(content, content / "loop");
  expect_create_fails({"create", content.string()}, "a loop");
  std::filesystem::remove(content / "loop");
  std::filesystem::create_symlink("01.flac", content / "link");
  expect_create_fails({"create", content.string(), "--symlinks", "refuse"}, "is a symbolic link");
  std::filesystem::remove(content / "link");

  write_file(out_dir / "Album.torrent", "keep me");
  expect_create_fails({"create", content.string()}, "exists (use --force");
  EXPECT_EQ(read_file(out_dir / "Album.torrent"), "keep me");
  const RunResult forced = shoal({"create", content.string(), "--force"});
  EXPECT_EQ(forced.status, 0) << forced.err;
  EXPECT_TRUE(parse_metainfo(read_file(out_dir / "Album.torrent")));
}

// File names are bytes; JSON output must stay valid JSON when they are not UTF-8.
TEST_F(CliCreateVerify, NonUtf8NamesInJson) {
  write_file(content / "caf\xe9.txt", "latin-1 name");
  RunResult r = shoal({"create", content.string(), "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(nlohmann::json::accept(r.out)) << r.out;
  std::filesystem::remove(content / "01.flac");
  r = shoal({"verify", (out_dir / "Album.torrent").string(), "--content", content.string(),
             "--json"});
  EXPECT_EQ(r.status, 1);
  const auto j = nlohmann::json::parse(r.out);
  bool found = false;
  for (const auto& f : j["files"]) found = found || f["path"] == "Album/caf\xef\xbf\xbd.txt";
  EXPECT_TRUE(found) << r.out;  // U+FFFD in place of the byte
}

TEST_F(CliCreateVerify, CreateJsonError) {
  const RunResult r = shoal({"create", (dir / "nope").string(), "--json"});
  EXPECT_EQ(r.status, 1);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["error"]["code"], "not_found");
}

// A file the user cannot read fails before anything is written. Root reads everything, so as
// root the command runs as `nobody` (setpriv), with the directories opened up for it.
TEST_F(CliCreateVerify, CreateUnreadableFile) {
  write_file(content / "secret", "x");
  ASSERT_EQ(::chmod((content / "secret").c_str(), 0), 0);
  std::vector<std::string> args{"create", content.string(), "-o", (out_dir / "A.torrent").string()};
  RunResult r;
  if (::geteuid() == 0) {
    for (const auto& p : {dir.path(), out_dir}) ::chmod(p.c_str(), 0777);
    ::chmod(content.c_str(), 0755);
    std::vector<std::string> full{"--reuid=65534", "--regid=65534", "--clear-groups", SHOAL_CLI_BIN};
    full.insert(full.end(), args.begin(), args.end());
    r = test::run("/usr/bin/setpriv", full);
  } else {
    r = shoal(args);
  }
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("secret: cannot open: permission denied"), std::string::npos) << r.err;
  EXPECT_EQ(listing(out_dir), std::set<std::string>{});
}

TEST_F(CliCreateVerify, VerifyReportsAndExits) {
  ASSERT_EQ(shoal({"create", content.string(), "-l", "16K"}).status, 0);
  const std::string torrent = (out_dir / "Album.torrent").string();
  RunResult r = shoal({"verify", torrent, "--content", content.string()});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("ok: 3 files"), std::string::npos) << r.out;

  {
    std::fstream f(content / "02.flac", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\xff');
  }
  std::filesystem::resize_file(content / "cover.jpg", 100);
  r = shoal({"verify", torrent, "--content", content.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("Album/02.flac: bad_pieces, 1 of 13 pieces bad"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Album/cover.jpg: too_short (100 bytes, expected 20000)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("FAILED: 2 of 3 files"), std::string::npos) << r.out;

  std::filesystem::remove(content / "01.flac");
  r = shoal({"verify", torrent, "--content", content.string(), "--json", "-t", "1"});
  EXPECT_EQ(r.status, 1);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["files"][0]["path"], "Album/01.flac");
  EXPECT_EQ(j["files"][0]["state"], "missing");
  EXPECT_EQ(j["files"][1]["state"], "bad_pieces");
  EXPECT_EQ(j["files"][2]["state"], "too_short");
  EXPECT_EQ(j["checked"]["v1"], true);
  EXPECT_EQ(j["checked"]["v2"], true);

  r = shoal({"verify", (dir / "nope.torrent").string(), "--content", content.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("shoal verify: "), std::string::npos);
}

}  // namespace
}  // namespace shoal::peer
