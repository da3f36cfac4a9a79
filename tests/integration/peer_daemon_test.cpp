// shoal-peer end to end: real daemon processes on loopback with a shoal-tracker, driven over
// their control API. A seeding daemon creates a torrent from a local file and seeds it; other
// daemons add it by magnet and download it — through the tracker, never told about each other.
#include <gtest/gtest.h>

#include <csignal>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_client.hpp"
#include "fake_http_server.hpp"
#include "shoal/proto/encoding.hpp"
#include "process.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using json = nlohmann::json;
using shoal::test::api_request;
using shoal::test::ChildProcess;
using shoal::test::Reply;
using shoal::test::TempDir;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string random_content(std::size_t size, unsigned seed) {
  std::string content(size, '\0');
  std::mt19937 gen(seed);
  for (char& c : content) c = static_cast<char>(gen() & 0xff);
  return content;
}

std::string toml_string(const std::string& s) { return json(s).dump(); }

/// One shoal-peer process with its own state and download directories under `root`.
class Daemon {
public:
  Daemon(const fs::path& root, std::string extra_toml = {}) : m_root(root), m_extra(std::move(extra_toml)) {
    fs::create_directories(root);
    start();
  }

  void start() {
    std::ofstream(m_root / "peer.toml") << "[node]\nlisten = \"127.0.0.1:0\"\nloopback = true\n"
                                        << "limit_local_peers = true\n"
                                        << "state_dir = " << toml_string((m_root / "state").string()) << "\n"
                                        << "download_dir = " << toml_string((m_root / "data").string()) << "\n"
                                        << "save_roots = [" << toml_string(m_root.string()) << "]\n"
                                        << "[api]\nlisten = \"127.0.0.1:0\"\nrate_per_second = 0\n"
                                        << m_extra;
    m_process = ChildProcess::spawn(SHOAL_PEER_BIN, {"--config", (m_root / "peer.toml").string()});
    auto line = m_process->wait_for_output_line("api URL: http://127.0.0.1:", 30s);
    ASSERT_TRUE(line) << m_process->describe();
    const std::string rest = line->substr(std::string("api URL: http://127.0.0.1:").size());
    m_port = static_cast<std::uint16_t>(std::stoi(rest.substr(0, rest.find('/'))));
    m_key = read_file(m_root / "state" / "api_key");
    while (!m_key.empty() && m_key.back() == '\n') m_key.pop_back();
    ASSERT_EQ(m_key.rfind("sk_", 0), 0u) << m_key;
  }

  /// After a failure, the node's own output says what it saw.
  ~Daemon() {
    if (::testing::Test::HasFailure() && m_process) std::cerr << "node " << m_root << ":\n" << m_process->describe() << "\n";
  }

  void kill9() {
    m_process->signal(SIGKILL);
    m_process->wait_exit(10s);
  }
  void stop() {
    m_process->signal(SIGTERM);
    EXPECT_EQ(m_process->wait_exit(30s), 0) << m_process->describe();
  }

  Reply call(const std::string& method, const std::string& target, const std::string& body = "",
             std::map<std::string, std::string> headers = {}) {
    headers.emplace("Authorization", "Bearer " + m_key);
    return api_request(m_port, method, target, body, headers);
  }
  json get(const std::string& target) {
    auto r = call("GET", target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return r.js();
  }
  json torrent(const std::string& id) { return get("/api/v1/torrents/" + id); }

  /// Waits until `pred(torrent)` holds; the last view on failure.
  bool wait_torrent(const std::string& id, const std::function<bool(const json&)>& pred,
                    std::chrono::seconds timeout, json* last = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    json t;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = call("GET", "/api/v1/torrents/" + id);
      if (r.status == 200) {
        t = r.js();
        if (pred(t)) return true;
      }
      std::this_thread::sleep_for(200ms);
    }
    if (last) *last = t;
    ADD_FAILURE() << "torrent " << id << " never reached the state; last: " << t.dump() << "\n" << m_process->describe();
    return false;
  }

  std::uint16_t port() const { return m_port; }
  const std::string& key() const { return m_key; }
  const fs::path& root() const { return m_root; }
  ChildProcess& process() { return *m_process; }

private:
  fs::path m_root;
  std::string m_extra;
  std::optional<ChildProcess> m_process;
  std::uint16_t m_port = 0;
  std::string m_key;
};

bool complete(const json& t) { return t["progress"] == 1.0 && (t["state"] == "seeding" || t["state"] == "finished"); }

class PeerDaemonTest : public ::testing::Test {
protected:
  void SetUp() override {
    m_tracker = ChildProcess::spawn(SHOAL_TRACKER_BIN, {"--data-dir", (m_dir / "tracker").string(), "--udp", "127.0.0.1:0", "--http",
                                                        "127.0.0.1:0"});
    auto line = m_tracker->wait_for_output_line("announce URL: http://", 20s);
    ASSERT_TRUE(line) << m_tracker->describe();
    m_announce = line->substr(std::string("announce URL: ").size());
  }

  /// A seeding daemon with `files` (relative path -> content) under its data dir, made into one
  /// torrent by the daemon itself (create-and-seed); returns the id and magnet.
  std::pair<std::string, std::string> seed(Daemon& seeder, const std::string& name,
                                           const std::vector<std::pair<std::string, std::string>>& files) {
    for (const auto& [rel, content] : files) {
      const fs::path p = seeder.root() / "data" / name / rel;
      fs::create_directories(p.parent_path());
      std::ofstream(p, std::ios::binary) << content;
    }
    const std::string path = files.size() == 1 && files[0].first.empty() ? (seeder.root() / "data" / name).string()
                                                                          : (seeder.root() / "data" / name).string();
    auto r = seeder.call("POST", "/api/v1/torrents/create",
                         json{{"path", path}, {"trackers", {m_announce}}, {"format", "hybrid"}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    m_torrent_bytes = shoal::base64_decode(r.js().value("torrent", "")).value_or("");
    return {r.js().value("id", ""), r.js().value("magnet", "")};
  }

  TempDir m_dir{"shoal-peerd-"};
  std::optional<ChildProcess> m_tracker;
  std::string m_announce;
  std::string m_torrent_bytes;  ///< the .torrent of the last seed()
};

TEST_F(PeerDaemonTest, ApiRefusesCallsWithoutAValidKeyAndReadKeysCannotChange) {
  Daemon d(m_dir / "d");
  EXPECT_EQ(api_request(d.port(), "GET", "/api/v1/torrents").status, 401);
  EXPECT_EQ(api_request(d.port(), "GET", "/api/v1/torrents", "", {{"Authorization", "Bearer sk_" + std::string(64, '0')}}).status, 401);
  EXPECT_EQ(api_request(d.port(), "POST", "/api/v1/torrents", R"({"magnet":"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"})").status, 401);
  EXPECT_EQ(d.call("GET", "/api/v1/torrents").status, 200);

  // A read-only key made with the command line while the node runs works at once.
  ChildProcess mk = ChildProcess::spawn(SHOAL_PEER_BIN, {"--config", (d.root() / "peer.toml").string(), "keys", "create",
                                                         "viewer", "--scope", "read"});
  ASSERT_EQ(mk.wait_exit(20s), 0) << mk.describe();
  const std::string viewer = mk.output().substr(0, mk.output().find('\n'));
  const std::map<std::string, std::string> auth{{"Authorization", "Bearer " + viewer}};
  // The node looks at the key file at most once a second.
  auto status_within = [&](int want, std::chrono::seconds limit) {
    int got = 0;
    for (const auto until = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < until;) {
      got = api_request(d.port(), "GET", "/api/v1/torrents", "", auth).status;
      if (got == want) break;
      std::this_thread::sleep_for(200ms);
    }
    return got;
  };
  EXPECT_EQ(status_within(200, 5s), 200);
  auto refused = api_request(d.port(), "POST", "/api/v1/torrents",
                             R"({"magnet":"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"})", auth);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(d.get("/api/v1/torrents")["torrents"].size(), 0u);
  // Revoked from the command line: refused within a second.
  ChildProcess rv = ChildProcess::spawn(SHOAL_PEER_BIN, {"--config", (d.root() / "peer.toml").string(), "keys", "revoke", "viewer"});
  ASSERT_EQ(rv.wait_exit(20s), 0) << rv.describe();
  EXPECT_EQ(status_within(401, 5s), 401);
  EXPECT_EQ(d.call("GET", "/api/v1/torrents").status, 200);  // the admin key still works
}

TEST_F(PeerDaemonTest, BadConfigOrABusyApiPortRefusesToStart) {
  const auto bad = m_dir.write_file("bad.toml", "[node]\nbogus = 1\n");
  ChildProcess p = ChildProcess::spawn(SHOAL_PEER_BIN, {"--config", bad.string()});
  EXPECT_EQ(p.wait_exit(20s), 2) << p.describe();
  EXPECT_NE(p.output(shoal::test::OutputStream::err).find("unknown key node.bogus"), std::string::npos) << p.describe();

  Daemon first(m_dir / "first");
  const auto busy = m_dir.write_file(
      "busy.toml", "[node]\nlisten = \"127.0.0.1:0\"\nloopback = true\nstate_dir = " +
                       toml_string((m_dir / "second").string()) + "\n[api]\nlisten = \"127.0.0.1:" +
                       std::to_string(first.port()) + "\"\n");
  ChildProcess second = ChildProcess::spawn(SHOAL_PEER_BIN, {"--config", busy.string()});
  EXPECT_EQ(second.wait_exit(30s), 1) << second.describe();
  EXPECT_NE(second.output(shoal::test::OutputStream::err).find("api.listen"), std::string::npos) << second.describe();
  EXPECT_EQ(first.call("GET", "/api/v1/stats").status, 200);  // the first is unharmed
}

TEST_F(PeerDaemonTest, BadInputGetsClearErrorsAndChangesNothing) {
  Daemon d(m_dir / "d", "[categories.tv]\n");
  const std::string magnet = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=x";
  struct Case {
    std::string body;
    int status;
    std::string code;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"magnet":"magnet:?xt=urn:btih:nothex"})", 422, "bad_magnet"},
           {R"({"magnet":"http://example.org/x"})", 422, "bad_magnet"},
           {json{{"magnet", magnet}, {"save_path", "../../etc"}}.dump(), 422, "bad_save_path"},
           {json{{"magnet", magnet}, {"save_path", "/etc"}}.dump(), 422, "bad_save_path"},
           {json{{"magnet", magnet}, {"save_path", "sub/../../../x"}}.dump(), 422, "bad_save_path"},
           {json{{"magnet", magnet}, {"category", "movies"}}.dump(), 422, "unknown_category"},
           {json{{"torrent", "bm90IGEgdG9ycmVudA=="}}.dump(), 422, "bad_torrent"},
           {json{{"magnet", magnet}, {"url", "http://x/"}}.dump(), 422, "bad_request"},
           {json{{"magnet", 7}}.dump(), 422, "bad_field"},
       }) {
    auto r = d.call("POST", "/api/v1/torrents", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_EQ(r.error_code(), c.code) << c.body << " -> " << r.body;
  }
  EXPECT_EQ(d.get("/api/v1/torrents")["torrents"].size(), 0u);
  // A symbolic link inside the save root that leads out of it is refused too.
  fs::create_directories(d.root() / "data");
  fs::create_directory_symlink("/tmp", d.root() / "data" / "escape");
  auto link = d.call("POST", "/api/v1/torrents", json{{"magnet", magnet}, {"save_path", "escape/x"}}.dump());
  EXPECT_EQ(link.error_code(), "bad_save_path") << link.body;

  auto added = d.call("POST", "/api/v1/torrents", json{{"magnet", magnet}, {"paused", true}, {"category", "tv"}}.dump());
  ASSERT_EQ(added.status, 201) << added.body;
  const std::string id = "0123456789abcdef0123456789abcdef01234567";
  EXPECT_EQ(added.js()["added"], json::array({id}));
  auto dup = d.call("POST", "/api/v1/torrents", json{{"magnet", magnet}}.dump());
  EXPECT_EQ(dup.status, 409) << dup.body;
  EXPECT_EQ(dup.error_code(), "duplicate");
  EXPECT_EQ(d.call("POST", "/api/v1/torrents/ffffffffffffffffffffffffffffffffffffffff/pause").status, 404);
  EXPECT_EQ(d.call("GET", "/api/v1/torrents/nothex").error_code(), "bad_id");
  EXPECT_EQ(d.call("DELETE", "/api/v1/torrents/ffffffffffffffffffffffffffffffffffffffff").status, 404);
  EXPECT_EQ(d.call("PATCH", "/api/v1/torrents/" + id, R"({"save_path":"../x"})").error_code(), "bad_save_path");
  EXPECT_EQ(d.call("PATCH", "/api/v1/torrents/" + id, R"({"category":"nope"})").error_code(), "unknown_category");
  EXPECT_EQ(d.call("POST", "/api/v1/torrents/" + id + "/queue", R"({"move":"sideways"})").status, 422);
  // Per-torrent limits: each PATCH changes only what it names.
  ASSERT_EQ(d.call("PATCH", "/api/v1/torrents/" + id, R"({"download_limit":100000})").status, 200);
  ASSERT_EQ(d.call("PATCH", "/api/v1/torrents/" + id, R"({"upload_limit":50000})").status, 200);
  EXPECT_EQ(d.torrent(id)["download_limit"], 100000);
  EXPECT_EQ(d.torrent(id)["upload_limit"], 50000);
  EXPECT_EQ(d.call("PATCH", "/api/v1/torrents/" + id, R"({"upload_limit":-1})").error_code(), "bad_field");
  auto list = d.get("/api/v1/torrents")["torrents"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["category"], "tv");
  EXPECT_EQ(list[0]["paused"], true);
  EXPECT_EQ(list[0]["save_path"], (d.root() / "data").string());
}

TEST_F(PeerDaemonTest, AddByMagnetCompletesFiresHooksOnceAndSyncsDeltas) {
  Daemon seeder(m_dir / "seeder");
  const std::string content = random_content(3 * 1024 * 1024 + 777, 1);
  auto [id, magnet] = seed(seeder, "album", {{"a.bin", content}});
  ASSERT_EQ(id.size(), 40u);
  ASSERT_TRUE(seeder.wait_torrent(id, complete, 30s));

  const fs::path events = m_dir / "events.log";
  shoal::test::FakeHttpServer receiver([](const shoal::test::FakeHttpRequest&) {
    return shoal::test::http_response(200, "OK", "{}");
  });
  Daemon leech(m_dir / "leech",
               "[[webhooks]]\nname = \"recv\"\nurl = " + toml_string(receiver.url("/shoal")) +
                   "\nsecret = \"s3cret\"\nevents = [\"completed\", \"removed\"]\n" +
               "[[hooks]]\nname = \"record\"\ncommand = [\"/bin/sh\", \"-c\", " +
                   toml_string("{ printf '%s %s %s ' \"$SHOAL_EVENT\" \"$SHOAL_INFO_HASH\" \"$SHOAL_NAME\"; "
                               "tr -d '\\n' ; echo; } >> " + events.string()) +
                   "]\ntimeout_ms = 5000\n"
                   "[[hooks]]\nname = \"hang\"\nevents = [\"completed\"]\ncommand = [\"/bin/sleep\", \"30\"]\n"
                   "timeout_ms = 500\n");
  auto first = leech.get("/api/v1/sync");
  EXPECT_TRUE(first["full"]);
  EXPECT_EQ(first["torrents"].size(), 0u);
  const std::uint64_t rev0 = first["revision"];

  auto added = leech.call("POST", "/api/v1/torrents", json{{"magnet", magnet}}.dump());
  ASSERT_EQ(added.status, 201) << added.body;
  json last;
  ASSERT_TRUE(leech.wait_torrent(id, complete, 90s, &last));
  EXPECT_EQ(read_file(leech.root() / "data" / "album" / "a.bin"), content);

  // The API stays responsive while the hanging hook waits for its timeout.
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(leech.call("GET", "/api/v1/stats").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);

  // Delta sync: the torrent shows up after rev0; nothing after the current revision.
  std::this_thread::sleep_for(1500ms);
  auto delta = leech.get("/api/v1/sync?since=" + std::to_string(rev0));
  EXPECT_FALSE(delta["full"]);
  ASSERT_GE(delta["torrents"].size(), 1u);
  EXPECT_EQ(delta["torrents"][0]["id"], id);
  const std::uint64_t rev1 = delta["revision"];
  ASSERT_EQ(leech.call("POST", "/api/v1/torrents/" + id + "/pause").status, 200);
  bool seen_pause = false;
  for (int i = 0; i < 30 && !seen_pause; ++i) {
    std::this_thread::sleep_for(200ms);
    auto d2 = leech.get("/api/v1/sync?since=" + std::to_string(rev1));
    for (const auto& t : d2["torrents"]) seen_pause = seen_pause || (t["id"] == id && t["paused"] == true);
  }
  EXPECT_TRUE(seen_pause);
  ASSERT_EQ(leech.call("DELETE", "/api/v1/torrents/" + id).status, 200);
  bool seen_removal = false;
  for (int i = 0; i < 30 && !seen_removal; ++i) {
    std::this_thread::sleep_for(200ms);
    auto d3 = leech.get("/api/v1/sync?since=" + std::to_string(rev1));
    for (const auto& r : d3["removed"]) seen_removal = seen_removal || r == id;
  }
  EXPECT_TRUE(seen_removal);
  EXPECT_TRUE(fs::exists(leech.root() / "data" / "album" / "a.bin"));  // removed without data

  // Every event once, with the torrent's data: added, completed, stopped (pause), removed.
  std::this_thread::sleep_for(2s);
  std::map<std::string, int> counts;
  std::istringstream in(read_file(events));
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string event, hash, name;
    words >> event >> hash >> name;
    EXPECT_EQ(hash, id) << line;
    EXPECT_EQ(name, "album") << line;
    EXPECT_NE(line.find("\"event\""), std::string::npos) << "stdin carries the JSON: " << line;
    ++counts[event];
  }
  EXPECT_EQ(counts["added"], 1) << read_file(events);
  EXPECT_EQ(counts["completed"], 1) << read_file(events);
  EXPECT_EQ(counts["removed"], 1) << read_file(events);
  EXPECT_GE(counts["stopped"], 1) << read_file(events);
  // The hanging hook timed out, and the activity log says so.
  auto activity = leech.get("/api/v1/activity");
  bool timed_out = false;
  for (const auto& h : activity["hooks"]) timed_out = timed_out || (h.value("name", "") == "hang" && h.value("timed_out", false));
  EXPECT_TRUE(timed_out) << activity.dump();
  // The webhook got completed and removed, once each, signed, as JSON with the torrent.
  std::map<std::string, int> delivered;
  for (const auto& r : receiver.requests()) {
    ++delivered[r.header("x-shoal-event")];
    EXPECT_EQ(r.header("x-shoal-signature").rfind("sha256=", 0), 0u);
    EXPECT_EQ(r.header("x-shoal-signature").size(), 7u + 64u);
    const auto body = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_EQ(body["torrent"]["id"], id);
  }
  EXPECT_EQ(delivered, (std::map<std::string, int>{{"completed", 1}, {"removed", 1}}));
}

TEST_F(PeerDaemonTest, Kill9MidDownloadResumesWithoutDownloadingFinishedPiecesAgain) {
  Daemon seeder(m_dir / "seeder", "[limits]\nupload = 400000\n");
  const std::string content = random_content(8 * 1024 * 1024, 2);
  auto [id, magnet] = seed(seeder, "big", {{"big.bin", content}});
  ASSERT_TRUE(seeder.wait_torrent(id, complete, 30s));

  Daemon leech(m_dir / "leech");
  ASSERT_EQ(leech.call("POST", "/api/v1/torrents", json{{"magnet", magnet}}.dump()).status, 201);
  ASSERT_TRUE(leech.wait_torrent(id, [](const json& t) { return t["progress"].get<double>() >= 0.4; }, 90s));
  // The seeder pauses, so the leech stops where it is; after one resume-data save interval its
  // resume data holds all it has, which is what it must not fetch again.
  ASSERT_EQ(seeder.call("POST", "/api/v1/torrents/" + id + "/pause", "{}").status, 200);
  std::this_thread::sleep_for(7s);
  const double before = leech.torrent(id)["progress"];
  leech.kill9();

  ASSERT_EQ(seeder.call("PUT", "/api/v1/limits", R"({"upload":0})").status, 200);
  ASSERT_EQ(seeder.call("POST", "/api/v1/torrents/" + id + "/resume", "{}").status, 200);
  leech.start();
  // Back after the restart, with the pieces it had (checked from the resume data).
  json t;
  ASSERT_TRUE(leech.wait_torrent(id, [](const json& x) { return x["state"] != "checking_resume_data" && x["state"] != "checking_files"; }, 30s));
  t = leech.torrent(id);
  EXPECT_GE(t["done"].get<std::int64_t>(), static_cast<std::int64_t>(0.4 * static_cast<double>(content.size()) * 0.9)) << t.dump();
  ASSERT_TRUE(leech.wait_torrent(id, complete, 90s));
  t = leech.torrent(id);
  // This session downloaded only what was missing (plus at most a few pieces of slack for blocks
  // in flight at the pause).
  const auto missing = static_cast<std::int64_t>((1.0 - before) * static_cast<double>(content.size()));
  EXPECT_LE(t["session_downloaded"].get<std::int64_t>(), missing + 4 * 256 * 1024) << t.dump();
  EXPECT_EQ(read_file(leech.root() / "data" / "big" / "big.bin"), content);
}

TEST_F(PeerDaemonTest, FilePrioritiesSkipFilesAndRateLimitsHold) {
  Daemon seeder(m_dir / "seeder");
  const std::string keep = random_content(1536 * 1024, 3), skip = random_content(1536 * 1024, 4);
  auto [id, magnet] = seed(seeder, "pack", {{"keep.bin", keep}, {"skip.bin", skip}});
  ASSERT_TRUE(seeder.wait_torrent(id, complete, 30s));

  // Add the .torrent file itself (raw upload), paused: pick the files, limit, then start.
  Daemon leech(m_dir / "leech");
  auto added = leech.call("POST", "/api/v1/torrents?paused=true", m_torrent_bytes,
                          {{"Content-Type", "application/x-bittorrent"}});
  ASSERT_EQ(added.status, 201) << added.body;
  json files;
  for (int i = 0; i < 100; ++i) {
    auto r = leech.call("GET", "/api/v1/torrents/" + id + "/files");
    if (r.status == 200) {
      files = r.js();
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(files.size(), 2u) << files.dump();
  int skip_index = -1;
  for (const auto& f : files)
    if (f["path"].get<std::string>().ends_with("skip.bin")) skip_index = f["index"];
  ASSERT_GE(skip_index, 0);
  auto bad = leech.call("PATCH", "/api/v1/torrents/" + id + "/files", R"({"priorities":[{"index":99,"priority":"skip"}]})");
  EXPECT_EQ(bad.error_code(), "bad_file_index") << bad.body;
  ASSERT_EQ(leech.call("PATCH", "/api/v1/torrents/" + id + "/files",
                       json{{"priorities", {{{"index", skip_index}, {"priority", "skip"}}}}}.dump())
                .status,
            200);
  ASSERT_EQ(leech.call("PUT", "/api/v1/limits", R"({"download":524288})").status, 200);
  EXPECT_EQ(leech.get("/api/v1/limits")["effective"]["download"], 524288);
  ASSERT_EQ(leech.call("POST", "/api/v1/torrents/" + id + "/resume").status, 200);

  const auto t0 = std::chrono::steady_clock::now();
  const std::int64_t done0 = leech.torrent(id)["done"];
  ASSERT_TRUE(leech.wait_torrent(id, [](const json& t) { return t["state"] == "finished" || t["state"] == "seeding"; }, 90s));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::int64_t done1 = leech.torrent(id)["done"];
  const double rate = static_cast<double>(done1 - done0) / seconds;
  EXPECT_LE(rate, 524288 * 1.25) << "bytes " << (done1 - done0) << " in " << seconds << " s";
  EXPECT_TRUE(read_file(leech.root() / "data" / "pack" / "keep.bin") == keep);
  EXPECT_TRUE(read_file(leech.root() / "data" / "pack" / "skip.bin") != skip) << "the skipped file was downloaded whole";
  auto after = leech.get("/api/v1/torrents/" + id + "/files");
  for (const auto& f : after) {
    if (f["index"] == skip_index) {
      EXPECT_EQ(f["priority"], "skip");
    }
  }
}

TEST_F(PeerDaemonTest, MoveOnCompleteKeepsSeedingAndRatioRuleStopsTheSeeder) {
  Daemon seeder(m_dir / "seeder", "[rules]\nstop_at_ratio = 0.5\n");
  const std::string content = random_content(2 * 1024 * 1024, 5);
  auto [id, magnet] = seed(seeder, "show", {{"ep.bin", content}});
  ASSERT_TRUE(seeder.wait_torrent(id, complete, 30s));

  const fs::path done_dir = m_dir / "mover" / "complete";
  Daemon mover(m_dir / "mover", "[rules]\nmove_completed_to = " + toml_string(done_dir.string()) + "\n");
  ASSERT_EQ(mover.call("POST", "/api/v1/torrents", json{{"magnet", magnet}}.dump()).status, 201);
  ASSERT_TRUE(mover.wait_torrent(id, [&](const json& t) { return complete(t) && t["save_path"] == done_dir.string(); }, 90s));
  EXPECT_EQ(read_file(done_dir / "show" / "ep.bin"), content);
  EXPECT_FALSE(fs::exists(mover.root() / "data" / "show" / "ep.bin"));

  // The seeder uploaded a whole copy: ratio 1 >= 0.5, so its rule stopped it.
  ASSERT_TRUE(seeder.wait_torrent(id, [](const json& t) { return t["paused"] == true; }, 30s));
  auto activity = seeder.get("/api/v1/activity");
  ASSERT_FALSE(activity["rules"].empty()) << activity.dump();
  EXPECT_EQ(activity["rules"][0]["action"], "stop");
  EXPECT_TRUE(activity["rules"][0]["ok"]);

  // The moved copy still seeds: a third node downloads it while the original seeder is stopped.
  // It adds the torrent by URL (the node fetches the .torrent file over HTTP).
  const std::string torrent_file = m_torrent_bytes;
  shoal::test::FakeHttpServer files([&](const shoal::test::FakeHttpRequest& r) {
    return r.target == "/show.torrent" ? shoal::test::http_response(200, "OK", torrent_file)
                                       : shoal::test::http_response(404, "Not Found", "");
  });
  Daemon third(m_dir / "third");
  auto missing = third.call("POST", "/api/v1/torrents", json{{"url", files.url("/nothing.torrent")}}.dump());
  EXPECT_EQ(missing.status, 502) << missing.body;
  EXPECT_EQ(missing.error_code(), "fetch_failed");
  auto by_url = third.call("POST", "/api/v1/torrents", json{{"url", files.url("/show.torrent")}}.dump());
  ASSERT_EQ(by_url.status, 201) << by_url.body;
  EXPECT_EQ(by_url.js()["added"], json::array({id}));
  ASSERT_TRUE(third.wait_torrent(id, complete, 90s));
  EXPECT_EQ(read_file(third.root() / "data" / "show" / "ep.bin"), content);
  auto mover_activity = mover.get("/api/v1/activity");
  ASSERT_FALSE(mover_activity["rules"].empty());
  EXPECT_EQ(mover_activity["rules"][0]["action"], "move");
}

TEST_F(PeerDaemonTest, QueueLimitsAndPositions) {
  Daemon d(m_dir / "d", "[queue]\nactive_downloads = 1\nactive_seeds = 1\n");
  EXPECT_EQ(d.get("/api/v1/queue")["active_downloads"], 1);
  std::vector<std::string> ids;
  for (char c : std::string("abc")) {
    const std::string id(40, c);
    ASSERT_EQ(d.call("POST", "/api/v1/torrents", json{{"magnet", "magnet:?xt=urn:btih:" + id}}.dump()).status, 201);
    ids.push_back(id);
  }
  auto position = [&](const std::string& id) { return d.torrent(id)["queue_position"].get<int>(); };
  EXPECT_EQ(position(ids[0]), 0);
  EXPECT_EQ(position(ids[1]), 1);
  EXPECT_EQ(position(ids[2]), 2);
  ASSERT_EQ(d.call("POST", "/api/v1/torrents/" + ids[2] + "/queue", R"({"move":"top"})").status, 200);
  EXPECT_EQ(position(ids[2]), 0);
  EXPECT_EQ(position(ids[0]), 1);
  ASSERT_EQ(d.call("POST", "/api/v1/torrents/" + ids[2] + "/queue", R"({"move":"down"})").status, 200);
  EXPECT_EQ(position(ids[2]), 1);
  ASSERT_EQ(d.call("POST", "/api/v1/torrents/" + ids[0] + "/queue", R"({"move":"bottom"})").status, 200);
  EXPECT_EQ(position(ids[0]), 2);
  ASSERT_EQ(d.call("PUT", "/api/v1/queue", R"({"active_downloads":5})").status, 200);
  EXPECT_EQ(d.get("/api/v1/queue")["active_downloads"], 5);
  EXPECT_EQ(d.call("PUT", "/api/v1/queue", R"({"active_downloads":-7})").status, 422);
  EXPECT_EQ(d.get("/api/v1/queue")["active_downloads"], 5);
}

TEST_F(PeerDaemonTest, ShoalPeerCommandDrivesTheNode) {
  Daemon d(m_dir / "d", "[categories.tv]\n");
  const std::string config = (d.root() / "peer.toml").string();
  // The key comes from the config's state dir; the URL is given (the config listens on port 0).
  const std::string url = "http://127.0.0.1:" + std::to_string(d.port());
  auto run = [&](std::vector<std::string> args, int expect_exit, bool with_stderr) {
    std::vector<std::string> all = {"peer", "--config", config, "--url", url};
    all.insert(all.end(), args.begin(), args.end());
    ChildProcess p = ChildProcess::spawn(SHOAL_CLI_BIN, all);
    const auto rc = p.wait_exit(30s);
    EXPECT_EQ(rc, expect_exit) << p.describe();
    return p.output() + (with_stderr ? p.output(shoal::test::OutputStream::err) : std::string());
  };
  auto shoal = [&](std::vector<std::string> args, int expect_exit) { return run(std::move(args), expect_exit, true); };
  const std::string magnet = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=hello.world";
  const std::string id = "0123456789abcdef0123456789abcdef01234567";
  EXPECT_NE(shoal({"add", magnet, "--paused", "--category", "tv", "--tags", "a,b"}, 0).find("added " + id), std::string::npos);
  auto listed = json::parse(run({"list", "--json"}, 0, false));
  ASSERT_EQ(listed["torrents"].size(), 1u);
  EXPECT_EQ(listed["torrents"][0]["category"], "tv");
  EXPECT_EQ(listed["torrents"][0]["tags"], json::array({"a", "b"}));
  EXPECT_NE(shoal({"list"}, 0).find("hello.world"), std::string::npos);
  EXPECT_NE(shoal({"resume", "012345"}, 0).find("resumed " + id), std::string::npos);  // id prefix
  EXPECT_NE(shoal({"pause", "hello.world"}, 0).find("paused " + id), std::string::npos);  // name
  EXPECT_NE(shoal({"pause", "zzz"}, 1).find("no torrent matches"), std::string::npos);
  EXPECT_NE(shoal({"files", id}, 1).find("metadata"), std::string::npos);  // a magnet has no file list yet
  EXPECT_NE(shoal({"limits", "--download", "1048576"}, 0).find("1.00 MiB/s"), std::string::npos);
  EXPECT_EQ(d.get("/api/v1/limits")["download"], 1048576);
  EXPECT_NE(shoal({"limits", "--download", "-5"}, 2).find("--download"), std::string::npos);
  const std::string watched = shoal({"watch", "--count", "2", "--interval", "0.2"}, 0);
  std::size_t shown = 0;
  for (auto at = watched.find("hello.world"); at != std::string::npos; at = watched.find("hello.world", at + 1)) ++shown;
  EXPECT_EQ(shown, 2u) << watched;
  EXPECT_NE(shoal({"remove", id}, 0).find("removed " + id), std::string::npos);
  EXPECT_NE(shoal({"list"}, 0).find("no torrents"), std::string::npos);

  // A real-sized .torrent file (512 pieces, hybrid: ~26 KB, over the API's 16 KiB default body)
  // goes up as JSON.
  fs::create_directories(d.root() / "data" / "big");
  std::ofstream(d.root() / "data" / "big" / "zeros.bin", std::ios::binary) << std::string(8 * 1024 * 1024, '\0');
  auto made = d.call("POST", "/api/v1/torrents/create",
                     json{{"path", (d.root() / "data" / "big").string()}, {"piece_length", 16384}}.dump());
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string big_id = made.js()["id"];
  const std::string bytes = shoal::base64_decode(made.js()["torrent"].get<std::string>()).value_or("");
  ASSERT_GT(bytes.size(), 20'000u);
  ASSERT_EQ(d.call("DELETE", "/api/v1/torrents/" + big_id).status, 200);
  const fs::path file = d.root() / "big.torrent";
  std::ofstream(file, std::ios::binary) << bytes;
  EXPECT_NE(shoal({"add", file.string(), "--paused"}, 0).find("added " + big_id), std::string::npos);
  EXPECT_NE(shoal({"files", big_id.substr(0, 10)}, 0).find("zeros.bin"), std::string::npos);
  // a wrong key is the API's 401, said plainly
  ChildProcess bad = ChildProcess::spawn(SHOAL_CLI_BIN, {"peer", "--url", url, "--key", "sk_" + std::string(64, '1'), "list"});
  EXPECT_EQ(bad.wait_exit(30s), 1);
  EXPECT_NE(bad.output(shoal::test::OutputStream::err).find("401"), std::string::npos) << bad.describe();
}

}  // namespace
