// The catalog endpoints of the REST API (catalog_api.hpp) against a real shoal-tracker process:
// upload from the shared corpus, search, details with files, pagination bounds and junk query
// parameters (400, never 500), magnet entries, ingest idempotency and per-item errors, download
// keeping the info-hash, who may edit and delete, and private mode (private flag required,
// members only, the caller's passkey in the downloaded .torrent, registration for tracking).
// The pure helpers (announce_with_passkey, rewrite_torrent_announce) are tested
// here too.
#include <cctype>
#include <signal.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "api_client.hpp"
#include "xml_dom.hpp"
#include "process.hpp"
#include "shoal/proto/bencode.hpp"
#include "shoal/proto/encoding.hpp"
#include "shoal/proto/metainfo.hpp"
#include "shoal/tracker/catalog_api.hpp"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using shoal::test::bearer;
using shoal::test::ChildProcess;
using shoal::test::Reply;
using shoal::test::TempDir;
using namespace shoal::tracker;

const std::filesystem::path kTrackerBin = SHOAL_TRACKER_BIN;
const std::filesystem::path kShoalBin = SHOAL_CLI_BIN;
constexpr const char* kPassword = "velvet-otter-cactus";

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string corpus(const std::string& name) {
  std::ifstream in(std::string(SHOAL_TESTDATA_DIR) + "/torrents/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}


/// A single-file .torrent, private when asked, announcing to `announce`.
std::string make_torrent(const std::string& name, bool private_flag, const std::string& announce) {
  using namespace shoal::bencode;
  Dict info{{"length", Value(Integer{1000})},
            {"name", Value(name)},
            {"piece length", Value(Integer{16384})},
            {"pieces", Value(std::string(20, 'x'))}};
  if (private_flag) info["private"] = Value(Integer{1});
  return encode(Value(Dict{{"announce", Value(announce)}, {"info", Value(std::move(info))}}));
}

/// A shoal-tracker child with the API on its HTTP listener.
class Tracker {
public:
  /// `extra_toml` goes before the [api] table, `api_toml` into it.
  explicit Tracker(const TempDir& dir, const std::string& extra_toml = "", const std::string& api_toml = "") {
    const auto config = dir.write_file(
        "tracker.toml", "[accounts]\nregistration = \"open\"\npassword_cost = 10\n" + extra_toml +
                            "[api]\nrate_limit = 1000\nrate_burst = 1000\n" + api_toml);
    m_process = ChildProcess::spawn(kTrackerBin, {"--config", config.string(), "--data-dir",
                                                  (dir / "data").string(), "--udp", "off", "--http",
                                                  "127.0.0.1:0", "--log-level", "warn"});
    auto line = m_process->wait_for_output_line("announce URL: http://", 30s);
    if (!line) {
      ADD_FAILURE() << "tracker did not start: " << m_process->describe();
      return;
    }
    m_port = static_cast<std::uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
    const std::string marker = " password: ";
    for (const auto& l : m_process->output_lines())
      if (l.starts_with("initial admin: ")) m_admin_password = l.substr(l.find(marker) + marker.size());
  }
  ~Tracker() {
    if (m_process && m_process->running()) {
      m_process->signal(SIGTERM);
      EXPECT_EQ(m_process->wait_exit(30s), 0) << m_process->describe();
    }
  }
  std::uint16_t port() const { return m_port; }
  Reply call(const std::string& method, const std::string& target, const std::string& body = "",
             std::map<std::string, std::string> headers = {}) {
    return shoal::test::api_request(m_port, method, target, body, headers);
  }
  /// Registers `user` (unless "admin") and returns a session token.
  std::string user(const std::string& name) {
    std::string password = kPassword;
    if (name == "admin") {
      password = m_admin_password;
    } else {
      auto r = call("POST", "/api/v1/auth/register", json{{"username", name}, {"password", kPassword}}.dump());
      EXPECT_EQ(r.status, 201) << r.body;
    }
    auto r = call("POST", "/api/v1/auth/login", json{{"username", name}, {"password", password}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.js().value("token", "");
  }
  Reply upload(const std::string& token, const std::string& bytes, const std::string& query = "") {
    auto h = bearer(token);
    h["Content-Type"] = "application/x-bittorrent";
    return call("POST", "/api/v1/torrents" + query, bytes, h);
  }

private:
  std::optional<ChildProcess> m_process;
  std::uint16_t m_port = 0;
  std::string m_admin_password;
};

/// 33 category ids: one more than a filter may name.
std::string many_categories() {
  std::string q = "category=1000";
  for (int i = 0; i < 32; ++i) q += ",1000";
  return q;
}

// ---- pure helpers ---------------------------------------------------------------------------

TEST(CatalogApiHelpers, AnnounceWithPasskeyReplacesOrAddsThePathSegment) {
  EXPECT_EQ(announce_with_passkey("http://t.example:6969/announce", "pk"), "http://t.example:6969/announce/pk");
  EXPECT_EQ(announce_with_passkey("https://t.example/announce/oldkey", "pk"), "https://t.example/announce/pk");
  EXPECT_EQ(announce_with_passkey("http://t/x/announce?passkey=old&a=1", "pk"), "http://t/x/announce/pk?a=1");
  EXPECT_EQ(announce_with_passkey("http://t/announce?passkey=old", "pk"), "http://t/announce/pk");
  EXPECT_EQ(announce_with_passkey("http://t/scrape", "pk"), std::nullopt);
  EXPECT_EQ(announce_with_passkey("http://t/announcer", "pk"), std::nullopt);
  EXPECT_EQ(announce_with_passkey("http://t/announce/a/b", "pk"), std::nullopt);
  EXPECT_EQ(announce_with_passkey("not a url", "pk"), std::nullopt);
  EXPECT_EQ(announce_with_passkey("http://host-only", "pk"), std::nullopt);
}

TEST(CatalogApiHelpers, RewriteKeepsTheInfoHashOfEveryLoadableCorpusFile) {
  int checked = 0;
  for (const char* file : {"sample.torrent", "v2.torrent", "v2_only.torrent", "pad_file.torrent",
                           "overlapping_symlinks.torrent"}) {
    const std::string original = corpus(file);
    auto before = shoal::parse_metainfo(original);
    if (!before) continue;
    auto rewritten = rewrite_torrent_announce(original, "http://127.0.0.1:1/announce/abc");
    ASSERT_TRUE(rewritten) << file << ": " << rewritten.error();
    auto after = shoal::parse_metainfo(*rewritten);
    ASSERT_TRUE(after) << file << ": " << after.error().message();
    EXPECT_EQ(after->info_hash(), before->info_hash()) << file;
    EXPECT_EQ(after->announce(), "http://127.0.0.1:1/announce/abc") << file;
    for (const auto& tier : after->announce_list())
      EXPECT_EQ(tier, std::vector<std::string>{"http://127.0.0.1:1/announce/abc"}) << file;
    ++checked;
  }
  EXPECT_GE(checked, 4);
  EXPECT_FALSE(rewrite_torrent_announce("", "http://t/announce"));
  EXPECT_FALSE(rewrite_torrent_announce("i1e", "http://t/announce"));
  EXPECT_FALSE(rewrite_torrent_announce("d3:fooi1ee", "http://t/announce"));  // no info
  EXPECT_FALSE(rewrite_torrent_announce("d4:info", "http://t/announce"));      // truncated
}

// ---- public mode ----------------------------------------------------------------------------

TEST(CatalogApiProcess, UploadSearchDetailsDownloadEditDelete) {
  TempDir dir;
  Tracker t(dir);
  const std::string alice = t.user("alice"), bob = t.user("bob"), admin = t.user("admin");
  const std::string sample = corpus("sample.torrent");

  // Anonymous and wrong-type uploads are refused; a valid one is created once.
  EXPECT_EQ(t.call("POST", "/api/v1/torrents", sample, {{"Content-Type", "application/x-bittorrent"}}).status, 401);
  EXPECT_EQ(t.upload(alice, "not a torrent").status, 400);
  auto up = t.upload(alice, sample, "?category=4000&tags=Linux,iso&description=hello");
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_TRUE(up.js()["created"]);
  const json tor = up.js()["torrent"];
  const std::int64_t id = tor["id"];
  EXPECT_EQ(tor["info_hash_v1"], "58d8d15a4eb3bd9afabc9cee2564f78192777edb");
  EXPECT_EQ(tor["category_id"], 4000);
  EXPECT_EQ(tor["tags"], json({"iso", "linux"}));
  EXPECT_EQ(tor["description"], "hello");
  auto again = t.upload(bob, sample);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_FALSE(again.js()["created"]);
  EXPECT_EQ(again.js()["torrent"]["id"], id);
  auto hybrid = t.upload(alice, corpus("v2.torrent"));
  ASSERT_EQ(hybrid.status, 201) << hybrid.body;
  EXPECT_EQ(t.upload(alice, "", "").status, 400);
  EXPECT_EQ(t.upload(alice, sample, "?category=abc").status, 400);
  EXPECT_EQ(t.upload(alice, make_torrent("x", false, "http://a/announce"), "?category=123456").status, 400);

  // Search (anonymous in public mode), details with files and live numbers, latest.
  auto found = t.call("GET", "/api/v1/torrents/search?q=sample&total=1");
  ASSERT_EQ(found.status, 200) << found.body;
  ASSERT_EQ(found.js()["torrents"].size(), 1u);
  EXPECT_EQ(found.js()["torrents"][0]["id"], id);
  EXPECT_EQ(found.js()["total"], 1);
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/search?q=sample&category=2000").js()["torrents"].size(), 0u);
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/search?q=sample&category=4000").js()["torrents"].size(), 1u);
  auto details = t.call("GET", "/api/v1/torrents/" + std::to_string(id));
  ASSERT_EQ(details.status, 200);
  const json d = details.js()["torrent"];
  EXPECT_EQ(d["files"].size(), 2u);
  EXPECT_EQ(d["file_count"], 2);
  EXPECT_EQ(d["seeders"], 0);
  EXPECT_TRUE(d["magnet"].get<std::string>().starts_with("magnet:?xt=urn:btih:58d8d15a")) << d["magnet"];
  auto latest = t.call("GET", "/api/v1/torrents/latest?limit=1");
  ASSERT_EQ(latest.status, 200);
  EXPECT_EQ(latest.js()["torrents"].size(), 1u);
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/latest?limit=2&offset=1").js()["torrents"].size(), 1u);
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/99999").status, 404);
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/abc").status, 404);
  // The details by info-hash (how a swarm view knows a torrent), upper or lower case.
  const std::string v1 = d["info_hash_v1"].get<std::string>();
  auto by_hash = t.call("GET", "/api/v1/torrents/" + v1);
  ASSERT_EQ(by_hash.status, 200) << by_hash.body;
  EXPECT_EQ(by_hash.js()["torrent"]["id"], id);
  EXPECT_EQ(by_hash.js()["torrent"]["files"].size(), 2u);
  std::string upper = v1;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/" + upper).js()["torrent"]["id"], id);
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/" + std::string(40, 'f')).status, 404);
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/" + std::string(64, 'e')).status, 404);
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/" + v1.substr(0, 39)).status, 404);
  EXPECT_GE(t.call("GET", "/api/v1/categories").js()["categories"].size(), 10u);

  // Junk parameters: 400, never 500; operator text is only words.
  for (const std::string& q : std::vector<std::string>{"limit=0", "limit=101", "limit=abc", "limit=", "offset=-1", "offset=10001", "offset=1e3",
        "sort=bogus", "category=abc", "category=1,,2", "category=-5", "total=2",
        many_categories(),
        "q=" + std::string(600, 'a')}) {
    auto r = t.call("GET", "/api/v1/torrents/search?" + q);
    EXPECT_EQ(r.status, 400) << q << ": " << r.body;
    EXPECT_EQ(r.error_code(), "invalid_query") << q;
  }
  for (const char* q : {"q=%22NEAR(", "q=name:x", "q=*", "q=a%20OR%20b", "q=%ff%fe", "q=sam*"}) {
    auto r = t.call("GET", std::string("/api/v1/torrents/search?") + q);
    EXPECT_EQ(r.status, 200) << q << ": " << r.body;
  }
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/search?q=sam*").js()["torrents"].size(), 1u);

  // Download: the uploaded file itself, as an attachment named after the torrent.
  auto dl = t.call("GET", "/api/v1/torrents/" + std::to_string(id) + "/download");
  ASSERT_EQ(dl.status, 200) << dl.body;
  EXPECT_EQ(dl.header("content-type"), "application/x-bittorrent");
  EXPECT_EQ(dl.header("content-disposition"),
            "attachment; filename=\"sample.torrent\"; filename*=UTF-8''sample.torrent");
  EXPECT_EQ(dl.body, sample);
  // The JSON form for callers that ask for it (and only for them).
  auto dl_json = t.call("GET", "/api/v1/torrents/" + std::to_string(id) + "/download", "",
                        {{"Accept", "application/json"}});
  ASSERT_EQ(dl_json.status, 200) << dl_json.body;
  EXPECT_EQ(dl_json.js()["filename"], "sample.torrent");
  EXPECT_EQ(shoal::base64_decode(dl_json.js()["torrent"].get<std::string>()).value_or(""), sample);
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/" + std::to_string(id) + "/download", "",
                   {{"Accept", "application/json, application/x-bittorrent"}})
                .body,
            sample);

  // Edit and delete: the uploader or an admin; nobody else.
  const std::string path = "/api/v1/torrents/" + std::to_string(id);
  EXPECT_EQ(t.call("PATCH", path, R"({"name":"x"})").status, 401);
  auto denied = t.call("PATCH", path, R"({"name":"Bob was here"})", bearer(bob));
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.error_code(), "forbidden");
  EXPECT_EQ(t.call("PATCH", path, R"({})", bearer(alice)).status, 400);
  EXPECT_EQ(t.call("PATCH", path, R"({"category": "x"})", bearer(alice)).status, 400);
  EXPECT_EQ(t.call("PATCH", path, R"({"category": 123456})", bearer(alice)).status, 400);
  EXPECT_EQ(t.call("PATCH", path, R"({"tags": ["no spaces allowed"]})", bearer(alice)).status, 400);
  auto edited = t.call("PATCH", path, R"({"name":"Renamed Sample","tags":["a"]})", bearer(alice));
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(edited.js()["torrent"]["name"], "Renamed Sample");
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/search?q=renamed").js()["torrents"].size(), 1u);
  EXPECT_EQ(t.call("PATCH", path, R"({"description":"by admin"})", bearer(admin)).status, 200);
  EXPECT_EQ(t.call("DELETE", path, "", bearer(bob)).status, 403);
  EXPECT_EQ(t.call("DELETE", path, "", bearer(alice)).status, 204);
  EXPECT_EQ(t.call("GET", path).status, 404);
  EXPECT_EQ(t.call("DELETE", path, "", bearer(alice)).status, 404);
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/search?q=renamed").js()["torrents"].size(), 0u);

  // The audit log has the changes.
  auto audit = t.call("GET", "/api/v1/admin/audit", "", bearer(admin));
  ASSERT_EQ(audit.status, 200);
  int catalog_entries = 0;
  const json entries = audit.js()["entries"];
  for (const auto& e : entries)
    if (e["action"].get<std::string>().starts_with("catalog.")) ++catalog_entries;
  EXPECT_GE(catalog_entries, 5) << audit.body;  // 2 uploads, 2 edits, 1 delete
}

TEST(CatalogApiProcess, FormUploadIsMultipart) {
  TempDir dir;
  Tracker t(dir);
  const std::string alice = t.user("alice");
  const std::string b = "----shoalTestBoundary42";
  const auto part = [&](const std::string& name, const std::string& value, bool file = false) {
    return "--" + b + "\r\nContent-Disposition: form-data; name=\"" + name + "\"" +
           (file ? "; filename=\"x.torrent\"\r\nContent-Type: application/x-bittorrent" : "") +
           "\r\n\r\n" + value + "\r\n";
  };
  auto headers = bearer(alice);
  headers["Content-Type"] = "multipart/form-data; boundary=" + b;
  const std::string file = corpus("pad_file.torrent");
  auto r = t.call("POST", "/api/v1/torrents",
                  part("torrent", file, true) + part("category", "2000") + part("tags", "Pad,file") +
                      part("description", "from a form") + "--" + b + "--\r\n",
                  headers);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.js()["torrent"]["info_hash_v1"], "fa2d263afecd65b98640ae50d5b11d9d250d9e2a");
  EXPECT_EQ(r.js()["torrent"]["category_id"], 2000);
  EXPECT_EQ(r.js()["torrent"]["tags"], json({"file", "pad"}));
  EXPECT_EQ(r.js()["torrent"]["description"], "from a form");
  // Bad forms: 400 with a reason, nothing added.
  for (const std::string& bad :
       {part("category", "2000") + "--" + b + "--\r\n",                // no torrent part
        part("torrent", file, true),                                   // truncated: no close
        part("torrent", file, true) + part("category", "x") + "--" + b + "--\r\n",
        part("torrent", "garbage", true) + "--" + b + "--\r\n",
        std::string("not multipart at all")}) {
    auto e = t.call("POST", "/api/v1/torrents", bad, headers);
    EXPECT_EQ(e.status, 400) << e.body;
  }
  // A form whose Content-Type lacks the boundary is refused, however good the body.
  auto no_boundary = bearer(alice);
  no_boundary["Content-Type"] = "multipart/form-data";
  EXPECT_EQ(t.call("POST", "/api/v1/torrents", part("torrent", file, true) + "--" + b + "--\r\n", no_boundary)
                .error_code(),
            "invalid_multipart");
  EXPECT_EQ(t.call("POST", "/api/v1/torrents", part("torrent", file, true) + "--" + b + "--\r\n",
                   {{"Content-Type", "multipart/form-data; boundary=" + b}})
                .status,
            401);
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/latest").js()["torrents"].size(), 1u);
}

TEST(CatalogApiProcess, MagnetsIngestAndScopes) {
  TempDir dir;
  Tracker t(dir);
  const std::string alice = t.user("alice");
  const std::string v1 = "0123456789abcdef0123456789abcdef01234567";

  // A read-only API key may search but not add.
  auto key = t.call("POST", "/api/v1/me/keys", R"({"name":"ro","scopes":["read"]})", bearer(alice));
  ASSERT_EQ(key.status, 201);
  const std::string ro = key.js()["key"];
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/search?q=x", "", bearer(ro)).status, 200);
  // Browsing is public in this mode: a credential is not needed, and not looked at.
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/search?q=x", "", bearer("sk_" + std::string(64, 'f'))).status, 200);
  auto refused = t.call("POST", "/api/v1/torrents", R"({"magnet":"magnet:?xt=urn:btih:)" + v1 + "\"}", bearer(ro));
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.error_code(), "insufficient_scope");
  EXPECT_EQ(t.call("POST", "/api/v1/ingest", R"({"items":[]})", bearer(ro)).status, 403);
  EXPECT_EQ(t.call("POST", "/api/v1/ingest", R"({"items":[]})").status, 401);

  // Magnets.
  auto m = t.call("POST", "/api/v1/torrents",
                  json{{"magnet", "magnet:?xt=urn:btih:" + v1 + "&dn=Big.Show.S01E02&xl=12345"},
                       {"category", 5000}}.dump(),
                  bearer(alice));
  ASSERT_EQ(m.status, 201) << m.body;
  EXPECT_EQ(m.js()["torrent"]["name"], "Big.Show.S01E02");
  EXPECT_EQ(m.js()["torrent"]["size"], 12345);
  EXPECT_FALSE(m.js()["torrent"]["has_torrent_file"]);
  const std::int64_t mid = m.js()["torrent"]["id"];
  auto nofile = t.call("GET", "/api/v1/torrents/" + std::to_string(mid) + "/download");
  EXPECT_EQ(nofile.status, 404);
  EXPECT_EQ(nofile.error_code(), "no_torrent_file");
  EXPECT_EQ(t.call("POST", "/api/v1/torrents", R"({"magnet":"magnet:?xt=urn:btih:zz"})", bearer(alice)).status, 400);
  EXPECT_EQ(t.call("POST", "/api/v1/torrents", R"({"magnet":5})", bearer(alice)).status, 400);
  EXPECT_EQ(t.call("POST", "/api/v1/torrents", R"({"category":5000})", bearer(alice)).status, 400);
  EXPECT_EQ(t.call("POST", "/api/v1/torrents", "x", {{"Content-Type", "text/plain"}, {"Authorization", "Bearer " + alice}}).status, 415);
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/search?q=big%20show%20s01e02").js()["torrents"].size(), 1u);

  // Ingest: per-item results; known hashes change nothing; a bad item does not stop the others.
  const std::string v1b = "89abcdef0123456789abcdef0123456789abcdef";
  const json batch = {{"items",
                       {{{"info_hash_v1", v1b}, {"name", "Ingested One"}, {"files", {{{"path", "a/b.mkv"}, {"size", 10}}}}},
                        {{"info_hash_v1", "nothex"}, {"name", "Bad Hash"}},
                        {{"name", "No Hash"}},
                        {{"info_hash_v1", v1}, {"name", "Same As Magnet"}},
                        {{"info_hash_v1", "ffffffffffffffffffffffffffffffffffffffff"}, {"name", "Neg"}, {"size", -1}},
                        "not an object",
                        {{"info_hash_v1", "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"}, {"name", "Bad cat"}, {"category", 424242}}}}};
  auto first = t.call("POST", "/api/v1/ingest", batch.dump(), bearer(alice));
  ASSERT_EQ(first.status, 200) << first.body;
  const json r1 = first.js();
  EXPECT_EQ(r1["created"], 1);
  EXPECT_EQ(r1["existing"], 1);
  EXPECT_EQ(r1["failed"], 5);
  ASSERT_EQ(r1["results"].size(), 7u);
  EXPECT_EQ(r1["results"][0]["status"], "created");
  for (int i : {1, 2, 4, 5, 6}) EXPECT_EQ(r1["results"][i]["status"], "error") << i;
  EXPECT_EQ(r1["results"][3]["status"], "exists");
  EXPECT_EQ(r1["results"][3]["id"], mid);
  auto second = t.call("POST", "/api/v1/ingest", batch.dump(), bearer(alice));
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.js()["created"], 0);
  EXPECT_EQ(second.js()["existing"], 2);
  EXPECT_EQ(second.js()["results"][0]["id"], r1["results"][0]["id"]);
  auto one = t.call("GET", "/api/v1/torrents/" + std::to_string(r1["results"][0]["id"].get<std::int64_t>()));
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.js()["torrent"]["files"][0]["path"], "a/b.mkv");
  EXPECT_EQ(one.js()["torrent"]["size"], 10);

  // Batch bounds and shape.
  json many = {{"items", json::array()}};
  for (int i = 0; i <= static_cast<int>(kMaxIngestItems); ++i) many["items"].push_back(json::object());
  EXPECT_EQ(t.call("POST", "/api/v1/ingest", many.dump(), bearer(alice)).status, 400);
  EXPECT_EQ(t.call("POST", "/api/v1/ingest", R"({"items":[]})", bearer(alice)).status, 400);
  EXPECT_EQ(t.call("POST", "/api/v1/ingest", R"({"items":{}})", bearer(alice)).status, 400);
  EXPECT_EQ(t.call("POST", "/api/v1/ingest", R"([{"name":"x"}])", bearer(alice)).status, 400);
}

// Ingest takes batches larger than the JSON body limit from a credentialed caller only, and
// charges every item to the user's ingest bucket: a batch that does not fit is refused whole.
TEST(CatalogApiProcess, IngestTakesLargeBatchesAndIsRateLimitedPerItem) {
  TempDir dir;
  Tracker t(dir, "", "ingest_rate = 0.01\ningest_burst = 150\n");
  const std::string alice = t.user("alice");
  auto batch = [](int first, int count) {
    json items = json::array();
    for (int i = first; i < first + count; ++i) {
      char hash[41];
      std::snprintf(hash, sizeof hash, "%040x", i + 1);
      json files = json::array();
      for (int f = 0; f < 8; ++f)
        files.push_back({{"path", "Season 01/Some.Show.S01E0" + std::to_string(f) + ".1080p.WEB-DL.x264.mkv"},
                         {"size", 1000 + f}});
      items.push_back({{"info_hash_v1", hash}, {"name", "Some Show " + std::to_string(i)}, {"files", files}});
    }
    return json{{"items", items}}.dump();
  };
  const std::string big = batch(0, 100);
  ASSERT_GT(big.size(), 64u * 1024u);  // far above api.max_body_bytes (16 KiB)
  // Without a credential the body is refused by size before anything is read or parsed.
  EXPECT_EQ(t.call("POST", "/api/v1/ingest", big).status, 413);
  auto first = t.call("POST", "/api/v1/ingest", big, bearer(alice));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.js()["created"], 100);
  // 50 tokens are left: a batch of 100 is refused whole, a batch of 40 fits.
  auto refused = t.call("POST", "/api/v1/ingest", batch(100, 100), bearer(alice));
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(refused.error_code(), "rate_limited");
  EXPECT_FALSE(refused.header("retry-after").empty());
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/search?total=1").js()["total"], 100);
  auto fits = t.call("POST", "/api/v1/ingest", batch(100, 40), bearer(alice));
  ASSERT_EQ(fits.status, 200) << fits.body;
  EXPECT_EQ(fits.js()["created"], 40);
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/search?total=1").js()["total"], 140);
}

// Every torrent of the shared corpus: what libtorrent loads (the manifest) and proto loads too is
// filed with the manifest's hashes, its real files (pad files are not listed) and their size, and
// downloads byte for byte; the rest is
// refused (400) and adds nothing — libtorrent's rejections, and the unsafe paths it sanitises
// where proto refuses (tests/proto/metainfo_test.cpp lists those deliberate differences).
TEST(CatalogApiProcess, EveryCorpusTorrentIsFiledWithItsHashesOrRefused) {
  TempDir dir;
  Tracker t(dir);
  const std::string alice = t.user("alice");
  std::ifstream in(std::string(SHOAL_TESTDATA_DIR) + "/torrents/manifest.json");
  const json manifest = json::parse(in, nullptr, false);
  ASSERT_TRUE(manifest.is_array());
  std::set<std::string> filed;  // hashes seen: a second file with the same hash is "known"
  std::size_t loadable = 0, refused = 0;
  for (const auto& m : manifest) {
    const std::string name = m["file"];
    const std::string bytes = corpus(name);
    auto r = t.upload(alice, bytes);
    const bool proto_loads = shoal::parse_metainfo(bytes).has_value();
    if (!m["loads"].get<bool>()) {
      EXPECT_FALSE(proto_loads) << name;
    }
    if (!m["loads"].get<bool>() || !proto_loads) {
      EXPECT_EQ(r.status, 400) << name << ": " << r.body;
      ++refused;
      continue;
    }
    ++loadable;
    const std::string key = m["v1"].is_string() ? m["v1"].get<std::string>() : m["v2"].get<std::string>();
    const bool first = filed.insert(key).second;
    ASSERT_EQ(r.status, first ? 201 : 200) << name << ": " << r.body;
    const json answer = r.js();
    const json& got = answer["torrent"];
    EXPECT_EQ(got["info_hash_v1"], m["v1"]) << name;
    if (first) {
      EXPECT_EQ(got["info_hash_v2"], m["v2"]) << name;
      // The catalog lists what a download writes: files without BEP 47 padding, their total size.
      const auto meta = shoal::parse_metainfo(bytes);
      const auto real_files = std::count_if(meta->files().begin(), meta->files().end(),
                                            [](const shoal::FileEntry& f) { return !f.pad; });
      EXPECT_EQ(got["file_count"], real_files) << name;
      EXPECT_EQ(got["size"], meta->payload_size()) << name;
      EXPECT_LE(got["size"].get<std::int64_t>(), m["total_size"].get<std::int64_t>()) << name;
      auto dl = t.call("GET", "/api/v1/torrents/" + std::to_string(got["id"].get<std::int64_t>()) + "/download");
      EXPECT_EQ(dl.status, 200) << name;
      EXPECT_TRUE(dl.body == bytes) << name << ": the download differs from the upload";
    }
  }
  EXPECT_GT(loadable, 20u);
  EXPECT_GT(refused, 10u);
  auto all = t.call("GET", "/api/v1/torrents/search?total=1&limit=100");
  EXPECT_EQ(all.js()["total"], filed.size());
}

// Torrents made by `shoal create` (v1, v2, hybrid) upload, are found by a word of their name and
// come back byte for byte.
TEST(CatalogApiProcess, ShoalCreateTorrentsUploadSearchAndDownload) {
  TempDir dir;
  Tracker t(dir);
  const std::string alice = t.user("alice");
  std::filesystem::create_directories(dir / "Some.Album.2024.FLAC");
  for (int i = 0; i < 3; ++i)
    dir.write_file("Some.Album.2024.FLAC/0" + std::to_string(i) + " Track.flac", std::string(70000 + i * 1000, static_cast<char>('a' + i)));
  int uploaded = 0;
  for (const std::string mode : {"--v1", "--v2", "--hybrid"}) {
    const auto out = dir / ("album" + mode + ".torrent");
    auto child = ChildProcess::spawn(kShoalBin, {"create", (dir / "Some.Album.2024.FLAC").string(), mode, "--announce",
                                                 "http://127.0.0.1:1/announce", "-o", out.string()});
    ASSERT_EQ(child.wait_exit(30s), 0) << child.describe();
    const std::string bytes = read_all(out);
    auto meta = shoal::parse_metainfo(bytes);
    ASSERT_TRUE(meta) << mode;
    auto r = t.upload(alice, bytes, "?category=3040&tags=flac");
    ASSERT_EQ(r.status, 201) << mode << ": " << r.body;
    ++uploaded;
    const json answer = r.js();
    const json& got = answer["torrent"];
    const auto& ih = meta->info_hash();
    EXPECT_EQ(got["info_hash_v1"], ih.v1 ? json(ih.v1->hex()) : json(nullptr)) << mode;
    EXPECT_EQ(got["info_hash_v2"], ih.v2 ? json(ih.v2->hex()) : json(nullptr)) << mode;
    EXPECT_EQ(got["file_count"], 3) << mode;
    auto dl = t.call("GET", "/api/v1/torrents/" + std::to_string(got["id"].get<std::int64_t>()) + "/download");
    EXPECT_TRUE(dl.body == bytes) << mode;
  }
  auto found = t.call("GET", "/api/v1/torrents/search?q=album&category=3000");
  ASSERT_EQ(found.status, 200);
  EXPECT_EQ(found.js()["torrents"].size(), static_cast<std::size_t>(uploaded));
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/search?q=track").js()["torrents"].size(), 3u);  // file names
}

// Who may call each catalog endpoint, public and private mode: no credential, a key with only
// the read scope, a key with only ingest, another member, the uploader, an admin.
TEST(CatalogApiProcess, AuthorizationOfEveryCatalogEndpoint) {
  for (const bool private_mode : {false, true}) {
    SCOPED_TRACE(private_mode ? "private mode" : "public mode");
    TempDir dir;
    Tracker t(dir, private_mode ? "[tracker]\nmode = \"private\"\n" : "");
    const std::string admin = t.user("admin");
    const std::string alice = t.user("alice"), bob = t.user("bob");  // registration is open here
    auto key = [&](const char* scope) {
      auto r = t.call("POST", "/api/v1/me/keys", json{{"name", scope}, {"scopes", {scope}}}.dump(), bearer(alice));
      EXPECT_EQ(r.status, 201) << r.body;
      return r.js().value("key", "");
    };
    const std::string read_key = key("read"), ingest_key = key("ingest");
    const std::string file =
        make_torrent("Authz Test", private_mode, "http://127.0.0.1:" + std::to_string(t.port()) + "/announce");
    auto up = t.upload(alice, file);
    ASSERT_EQ(up.status, 201) << up.body;
    const std::string id = std::to_string(up.js()["torrent"]["id"].get<std::int64_t>());

    struct Case {
      std::string method, path, body;
      int anonymous, reader, ingester, other, owner_or_admin;
    };
    const int browse_anon = private_mode ? 401 : 200;
    const int ingest_ok = private_mode ? 400 : 200;  // private mode refuses ingest entries (400)
    const std::vector<Case> cases = {
        {"GET", "/api/v1/torrents/search?q=authz", "", browse_anon, 200, 403, 200, 200},
        {"GET", "/api/v1/torrents/latest", "", browse_anon, 200, 403, 200, 200},
        {"GET", "/api/v1/categories", "", browse_anon, 200, 403, 200, 200},
        {"GET", "/api/v1/torrents/" + id, "", browse_anon, 200, 403, 200, 200},
        {"GET", "/api/v1/torrents/" + id + "/download", "", browse_anon, 200, 403, 200, 200},
        {"PATCH", "/api/v1/torrents/" + id, R"({"description":"x"})", 401, 403, 403, 403, 200},
        {"POST", "/api/v1/ingest", R"({"items":[{"info_hash_v1":"1111111111111111111111111111111111111111","name":"i"}]})",
         401, 403, ingest_ok, ingest_ok, ingest_ok},
        {"POST", "/api/v1/admin/categories", R"({"id":7999,"name":"Other/Test"})", 401, 403, 403, 403, -1},
        {"DELETE", "/api/v1/torrents/" + id, "", 401, 403, 403, 403, 204},
    };
    // In public mode a reader key is not looked at for browsing; ingest scope alone does not
    // browse in private mode only.
    for (const auto& c : cases) {
      SCOPED_TRACE(c.method + " " + c.path);
      const int ingester = !private_mode && c.method == "GET" ? 200 : c.ingester;
      EXPECT_EQ(t.call(c.method, c.path, c.body).status, c.anonymous);
      EXPECT_EQ(t.call(c.method, c.path, c.body, bearer(read_key)).status, c.reader);
      EXPECT_EQ(t.call(c.method, c.path, c.body, bearer(ingest_key)).status, ingester);
      EXPECT_EQ(t.call(c.method, c.path, c.body, bearer(bob)).status, c.other);
      if (c.owner_or_admin == -1) {  // admins only: the uploader is refused, an admin is not
        EXPECT_EQ(t.call(c.method, c.path, c.body, bearer(alice)).status, 403);
        EXPECT_EQ(t.call(c.method, c.path, c.body, bearer(admin)).status, 201);
      } else {
        EXPECT_EQ(t.call(c.method, c.path, c.body, bearer(c.method == "DELETE" ? admin : alice)).status,
                  c.owner_or_admin);
      }
    }
  }
}

// ---- feeds ----------------------------------------------------------------------------------

/// The path and query of an absolute link to this tracker ("http://127.0.0.1/x?y" -> "/x?y"). The
/// test client sends "Host: 127.0.0.1", so that is the authority the tracker builds links with.
std::string local_target(const std::string& url) {
  const std::string base = "http://127.0.0.1/";
  EXPECT_TRUE(url.starts_with(base)) << url;
  return url.starts_with(base) ? url.substr(base.size() - 1) : url;
}

// Public mode: RSS of the newest entries and of a search, Torznab caps and search with the
// fields indexers read, enclosures that download the .torrent without any header.
TEST(CatalogApiProcess, RssAndTorznabInPublicMode) {
  TempDir dir;
  Tracker t(dir);
  const std::string alice = t.user("alice");
  const std::string sample = corpus("sample.torrent");
  ASSERT_EQ(t.upload(alice, sample, "?category=2000").status, 201);
  const std::string show = make_torrent("Big.Show.S01E02.1080p.WEB", false, "http://127.0.0.1:1/announce");
  ASSERT_EQ(t.upload(alice, show, "?category=5040&tags=hd").status, 201);
  ASSERT_EQ(t.call("POST", "/api/v1/ingest",
                   R"({"items":[{"info_hash_v1":"2222222222222222222222222222222222222222","name":"Only.A.Magnet"}]})",
                   bearer(alice))
                .status,
            200);

  auto rss = t.call("GET", "/api/v1/feed/rss");
  ASSERT_EQ(rss.status, 200) << rss.body;
  EXPECT_EQ(rss.header("content-type"), "application/rss+xml; charset=utf-8");
  auto doc = shoal::test::parse_xml(rss.body);
  ASSERT_TRUE(doc.error.empty()) << doc.error << "\n" << rss.body;
  ASSERT_EQ(doc.root->name, "rss");
  const auto& channel = doc.root->one("channel");
  const auto items = channel.all("item");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0]->one("title").text, "Only.A.Magnet");  // newest first
  EXPECT_TRUE(items[0]->all("enclosure").empty() || !items[0]->one("enclosure").attrs.at("url").empty());
  EXPECT_EQ(items[1]->one("title").text, "Big.Show.S01E02.1080p.WEB");
  const auto& enclosure = items[1]->one("enclosure");
  EXPECT_EQ(enclosure.attrs.at("type"), "application/x-bittorrent");
  auto file = t.call("GET", local_target(enclosure.attrs.at("url")));
  EXPECT_EQ(file.status, 200);
  EXPECT_TRUE(file.body == show);

  // A saved search is the feed URL with q / category.
  auto searched = shoal::test::parse_xml(t.call("GET", "/api/v1/feed/rss?q=big+show&category=5000").body);
  ASSERT_TRUE(searched.error.empty()) << searched.error;
  ASSERT_EQ(searched.root->one("channel").all("item").size(), 1u);
  EXPECT_EQ(t.call("GET", "/api/v1/feed/rss?limit=0").status, 400);

  // Torznab caps: the server, limits, search modes and categories with subcategories.
  auto caps = t.call("GET", "/api/v1/torznab/api?t=caps");
  ASSERT_EQ(caps.status, 200) << caps.body;
  auto caps_doc = shoal::test::parse_xml(caps.body);
  ASSERT_TRUE(caps_doc.error.empty()) << caps_doc.error;
  ASSERT_EQ(caps_doc.root->name, "caps");
  EXPECT_EQ(caps_doc.root->one("searching").one("search").attrs.at("available"), "yes");
  bool tv_hd = false;
  for (const auto* cat : caps_doc.root->one("categories").all("category"))
    if (cat->attrs.at("id") == "5000")
      for (const auto* sub : cat->all("subcat")) tv_hd = tv_hd || sub->attrs.at("id") == "5040";
  EXPECT_TRUE(tv_hd);

  // Torznab search: what Sonarr reads from each item.
  auto found = t.call("GET", "/api/v1/torznab/api?t=tvsearch&q=big+show&season=1&ep=2&cat=5000");
  ASSERT_EQ(found.status, 200) << found.body;
  auto found_doc = shoal::test::parse_xml(found.body);
  ASSERT_TRUE(found_doc.error.empty()) << found_doc.error;
  const auto& fch = found_doc.root->one("channel");
  EXPECT_EQ(fch.one("torznab:response").attrs.at("total"), "1");
  const auto fitems = fch.all("item");
  ASSERT_EQ(fitems.size(), 1u);
  const auto& item = *fitems[0];
  EXPECT_EQ(item.one("title").text, "Big.Show.S01E02.1080p.WEB");
  EXPECT_EQ(item.attr_values("seeders"), std::vector<std::string>{"0"});
  EXPECT_EQ(item.attr_values("peers"), std::vector<std::string>{"0"});
  EXPECT_EQ(item.attr_values("size"), std::vector<std::string>{"1000"});
  const auto meta = shoal::parse_metainfo(show);
  EXPECT_EQ(item.attr_values("infohash"), std::vector<std::string>{meta->info_hash().v1->hex()});
  const auto cats = item.attr_values("category");
  EXPECT_NE(std::find(cats.begin(), cats.end(), "5040"), cats.end());
  EXPECT_EQ(item.attr_values("magneturl").size(), 1u);
  auto grabbed = t.call("GET", local_target(item.one("enclosure").attrs.at("url")));
  EXPECT_TRUE(grabbed.body == show);
  // A season alone matches every episode of it; another season nothing.
  auto season = shoal::test::parse_xml(t.call("GET", "/api/v1/torznab/api?t=tvsearch&q=big+show&season=1").body);
  EXPECT_EQ(season.root->one("channel").all("item").size(), 1u);
  auto other = shoal::test::parse_xml(t.call("GET", "/api/v1/torznab/api?t=tvsearch&q=big+show&season=2").body);
  EXPECT_EQ(other.root->one("channel").all("item").size(), 0u);

  // Errors are Torznab error documents (HTTP 200, as indexer managers expect).
  for (const auto& [query, code] : std::vector<std::pair<std::string, std::string>>{
           {"", "200"}, {"t=bogus", "202"}, {"t=search&cat=abc", "201"}, {"t=search&limit=1000", "201"},
           {"t=tvsearch&season=x", "201"}}) {
    auto e = t.call("GET", "/api/v1/torznab/api?" + query);
    EXPECT_EQ(e.status, 200) << query;  // the Newznab way: the error is in the document
    auto edoc = shoal::test::parse_xml(e.body);
    ASSERT_TRUE(edoc.error.empty()) << query << ": " << e.body;
    EXPECT_EQ(edoc.root->name, "error") << query;
    EXPECT_EQ(edoc.root->attrs["code"], code) << query;
  }
}

// Private mode: the feeds are members-only; a reader passes an API key with the feed scope in
// the URL, which then only reads (and no other key is taken from a URL).
TEST(CatalogApiProcess, PrivateFeedsTakeAFeedKeyInTheUrlAndNothingElse) {
  TempDir dir;
  Tracker t(dir, "[tracker]\nmode = \"private\"\n");
  const std::string alice = t.user("alice");
  const std::string admin = t.user("admin");
  const std::string announce = "http://127.0.0.1:" + std::to_string(t.port()) + "/announce";
  const std::string file = make_torrent("Members.Only.2024", true, announce);
  ASSERT_EQ(t.upload(alice, file).status, 201);
  auto key = [&](const std::string& scopes) {
    auto r = t.call("POST", "/api/v1/me/keys", R"({"name":"k","scopes":)" + scopes + "}", bearer(alice));
    EXPECT_EQ(r.status, 201) << r.body;
    const json body = r.js();
    return std::make_pair(body.value("key", ""), body.value("id", std::int64_t{0}));
  };
  const auto [feed_key, feed_key_id] = key(R"(["feed"])");
  const auto [read_key, read_key_id] = key(R"(["read","write"])");
  const std::string passkey = t.call("GET", "/api/v1/me/passkey", "", bearer(alice)).js().value("passkey", "");
  ASSERT_FALSE(passkey.empty());

  EXPECT_EQ(t.call("GET", "/api/v1/feed/rss").status, 401);
  EXPECT_EQ(t.call("GET", "/api/v1/feed/rss?apikey=" + read_key).status, 401);  // not a feed key
  EXPECT_EQ(t.call("GET", "/api/v1/feed/rss?apikey=sk_nonsense").status, 401);
  auto rss = t.call("GET", "/api/v1/feed/rss?apikey=" + feed_key);
  ASSERT_EQ(rss.status, 200) << rss.body;
  auto doc = shoal::test::parse_xml(rss.body);
  ASSERT_TRUE(doc.error.empty()) << doc.error;
  const auto items = doc.root->one("channel").all("item");
  ASSERT_EQ(items.size(), 1u);
  const std::string url = items[0]->one("enclosure").attrs.at("url");
  EXPECT_NE(url.find("apikey="), std::string::npos);
  // The link works without any header and carries the member's passkey in its announce URL.
  auto dl = t.call("GET", local_target(url));
  ASSERT_EQ(dl.status, 200) << dl.body;
  auto meta = shoal::parse_metainfo(dl.body);
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->announce(), announce + "/" + passkey);

  // Torznab: credential errors are Torznab's code 100.
  auto denied = t.call("GET", "/api/v1/torznab/api?t=caps");
  EXPECT_EQ(denied.status, 200);
  auto denied_doc = shoal::test::parse_xml(denied.body);
  ASSERT_TRUE(denied_doc.error.empty()) << denied.body;
  EXPECT_EQ(denied_doc.root->attrs["code"], "100");
  auto not_feed = shoal::test::parse_xml(t.call("GET", "/api/v1/torznab/api?t=caps&apikey=" + read_key).body);
  ASSERT_TRUE(not_feed.error.empty());
  EXPECT_EQ(not_feed.root->attrs["code"], "100");
  EXPECT_EQ(t.call("GET", "/api/v1/torznab/api?t=search&q=members&apikey=" + feed_key).status, 200);

  // The feed key opens nothing else: not in a URL elsewhere, not as a header on other endpoints.
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/search?q=members&apikey=" + feed_key).status, 401);
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/search?q=members", "", bearer(feed_key)).status, 403);
  EXPECT_EQ(t.call("GET", "/api/v1/me/keys", "", bearer(feed_key)).status, 403);
  EXPECT_EQ(t.call("POST", "/api/v1/torrents", file, {{"Content-Type", "application/x-bittorrent"},
                                                      {"Authorization", "Bearer " + feed_key}})
                .status,
            403);

  // A disabled member's key stops working; so does a revoked one.
  const std::int64_t alice_id = t.call("GET", "/api/v1/me", "", bearer(alice)).js()["user"].value("id", std::int64_t{0});
  ASSERT_EQ(t.call("PATCH", "/api/v1/admin/users/" + std::to_string(alice_id), R"({"enabled":false})", bearer(admin)).status, 200);
  EXPECT_EQ(t.call("GET", "/api/v1/feed/rss?apikey=" + feed_key).status, 403);
  ASSERT_EQ(t.call("PATCH", "/api/v1/admin/users/" + std::to_string(alice_id), R"({"enabled":true})", bearer(admin)).status, 200);
  EXPECT_EQ(t.call("GET", "/api/v1/feed/rss?apikey=" + feed_key).status, 200);
  const std::string alice2 = t.call("POST", "/api/v1/auth/login",
                                    json{{"username", "alice"}, {"password", kPassword}}.dump())
                                 .js()
                                 .value("token", "");
  ASSERT_EQ(t.call("DELETE", "/api/v1/me/keys/" + std::to_string(feed_key_id), "", bearer(alice2)).status, 204);
  EXPECT_EQ(t.call("GET", "/api/v1/feed/rss?apikey=" + feed_key).status, 401);
}

TEST(CatalogApiProcess, AdminsManageCategories) {
  TempDir dir;
  Tracker t(dir);
  const std::string alice = t.user("alice"), admin = t.user("admin");
  EXPECT_EQ(t.call("POST", "/api/v1/admin/categories", R"({"id":5999,"name":"TV/Shorts"})", bearer(alice)).status, 403);
  auto added = t.call("POST", "/api/v1/admin/categories", R"({"id":5999,"name":"TV/Shorts"})", bearer(admin));
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.js()["category"]["parent_id"], 5000);
  EXPECT_EQ(t.call("POST", "/api/v1/admin/categories", R"({"id":5999,"name":"again"})", bearer(admin)).status, 409);
  EXPECT_EQ(t.call("POST", "/api/v1/admin/categories", R"({"id":12,"name":"x"})", bearer(admin)).status, 400);
  EXPECT_EQ(t.call("POST", "/api/v1/admin/categories", R"({"id":"5998","name":"x"})", bearer(admin)).status, 400);
  EXPECT_EQ(t.call("POST", "/api/v1/admin/categories", R"({"name":"x"})", bearer(admin)).status, 400);
  EXPECT_EQ(t.call("POST", "/api/v1/admin/categories", R"({"id":5998})", bearer(admin)).status, 400);
  EXPECT_EQ(t.call("POST", "/api/v1/admin/categories", R"({"id":123456,"name":"no parent"})", bearer(admin)).status, 400);
  auto renamed = t.call("PATCH", "/api/v1/admin/categories/5999", R"({"name":"TV/Clips"})", bearer(admin));
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(renamed.js()["category"]["name"], "TV/Clips");
  EXPECT_EQ(t.call("PATCH", "/api/v1/admin/categories/424242", R"({"name":"x"})", bearer(admin)).status, 404);
  // In use: 409, then free again after the torrent moves.
  auto up = t.upload(alice, corpus("sample.torrent"), "?category=5999");
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_EQ(t.call("DELETE", "/api/v1/admin/categories/5999", "", bearer(admin)).status, 409);
  EXPECT_EQ(t.call("DELETE", "/api/v1/admin/categories/5000", "", bearer(admin)).status, 409);
  const std::string path = "/api/v1/torrents/" + std::to_string(up.js()["torrent"]["id"].get<std::int64_t>());
  EXPECT_EQ(t.call("PATCH", path, R"({"category":5000})", bearer(alice)).status, 200);
  EXPECT_EQ(t.call("DELETE", "/api/v1/admin/categories/5999", "", bearer(admin)).status, 204);
  EXPECT_EQ(t.call("DELETE", "/api/v1/admin/categories/5999", "", bearer(admin)).status, 404);
  bool listed = false;
  const nlohmann::json categories = t.call("GET", "/api/v1/categories").js();
  for (const auto& k : categories["categories"])
    if (k["id"] == 5999) listed = true;
  EXPECT_FALSE(listed);
}

// ---- private mode ---------------------------------------------------------------------------

TEST(CatalogApiProcess, PrivateModeNeedsThePrivateFlagMembersAndPasskeys) {
  TempDir dir;
  Tracker t(dir, "[tracker]\nmode = \"private\"\n");
  const std::string alice = t.user("alice"), bob = t.user("bob"), admin = t.user("admin");
  const std::string announce = "http://127.0.0.1:" + std::to_string(t.port()) + "/announce";

  // Members only; public torrents, magnets and ingest refused.
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/search?q=x").status, 401);
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/latest").status, 401);
  auto pub = t.upload(alice, corpus("sample.torrent"));
  EXPECT_EQ(pub.status, 400) << pub.body;
  EXPECT_EQ(t.call("POST", "/api/v1/torrents",
                   R"({"magnet":"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"})", bearer(alice))
                .status,
            400);
  EXPECT_EQ(t.call("POST", "/api/v1/ingest", R"({"items":[{"name":"x"}]})", bearer(alice)).status, 400);

  // A private torrent (announcing with alice's own passkey): added and registered for tracking.
  const std::string alice_pk = t.call("GET", "/api/v1/me/passkey", "", bearer(alice)).js()["passkey"];
  const std::string bob_pk = t.call("GET", "/api/v1/me/passkey", "", bearer(bob)).js()["passkey"];
  ASSERT_FALSE(alice_pk.empty());
  const std::string file = make_torrent("Members Only", true, announce + "/" + alice_pk);
  const auto hash = shoal::parse_metainfo(file)->info_hash();
  auto up = t.upload(alice, file);
  ASSERT_EQ(up.status, 201) << up.body;
  const std::int64_t id = up.js()["torrent"]["id"];
  auto registered = t.call("GET", "/api/v1/admin/torrents", "", bearer(admin));
  ASSERT_EQ(registered.status, 200) << registered.body;
  ASSERT_EQ(registered.js()["torrents"].size(), 1u);
  EXPECT_EQ(registered.js()["torrents"][0]["info_hash_v1"], hash.v1->hex());

  // Bob downloads it with his passkey in place of alice's; the info-hash is unchanged.
  auto dl = t.call("GET", "/api/v1/torrents/" + std::to_string(id) + "/download", "", bearer(bob));
  ASSERT_EQ(dl.status, 200) << dl.body;
  EXPECT_EQ(dl.header("content-type"), "application/x-bittorrent");
  auto m = shoal::parse_metainfo(dl.body);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->info_hash(), hash);
  EXPECT_EQ(m->announce(), announce + "/" + bob_pk);
  auto bob_json = bearer(bob);
  bob_json["Accept"] = "application/json";
  auto dl_json = t.call("GET", "/api/v1/torrents/" + std::to_string(id) + "/download", "", bob_json);
  ASSERT_EQ(dl_json.status, 200) << dl_json.body;
  EXPECT_EQ(shoal::base64_decode(dl_json.js()["torrent"].get<std::string>()).value_or(""), dl.body);
  EXPECT_NE(dl_json.js()["magnet"].get<std::string>().find(bob_pk), std::string::npos);
  EXPECT_EQ(dl_json.js()["magnet"].get<std::string>().find(alice_pk), std::string::npos);
  EXPECT_EQ(t.call("GET", "/api/v1/torrents/" + std::to_string(id) + "/download").status, 401);

  // Bob's announce with that passkey is accepted (registered torrent, known passkey).
  std::string info_hash_q;
  for (unsigned char c : hash.v1->bytes) {
    static constexpr char hex[] = "0123456789ABCDEF";
    info_hash_q += '%';
    info_hash_q += hex[c >> 4];
    info_hash_q += hex[c & 15];
  }
  auto ann = t.call("GET", "/announce/" + bob_pk + "?info_hash=" + info_hash_q +
                               "&peer_id=-qB0000-000000000000&port=6881&uploaded=0&downloaded=0&left=0&compact=1");
  EXPECT_EQ(ann.status, 200);
  EXPECT_EQ(ann.body.find("failure"), std::string::npos) << ann.body;

  // A torrent whose announce URL cannot carry a passkey is listed but not handed out.
  auto odd = t.upload(alice, make_torrent("No Announce Path", true, "http://127.0.0.1:1/"));
  ASSERT_EQ(odd.status, 201) << odd.body;
  auto odd_dl = t.call("GET", "/api/v1/torrents/" + std::to_string(odd.js()["torrent"]["id"].get<std::int64_t>()) +
                                  "/download", "", bearer(bob));
  EXPECT_EQ(odd_dl.status, 422);
  EXPECT_EQ(odd_dl.error_code(), "no_announce_url");
  EXPECT_EQ(t.call("DELETE", "/api/v1/torrents/" + std::to_string(odd.js()["torrent"]["id"].get<std::int64_t>()), "",
                   bearer(admin)).status, 204);

  // Deleting it unregisters it.
  EXPECT_EQ(t.call("DELETE", "/api/v1/torrents/" + std::to_string(id), "", bearer(bob)).status, 403);
  EXPECT_EQ(t.call("DELETE", "/api/v1/torrents/" + std::to_string(id), "", bearer(alice)).status, 204);
  EXPECT_EQ(t.call("GET", "/api/v1/admin/torrents", "", bearer(admin)).js()["torrents"].size(), 0u);
}

}  // namespace
