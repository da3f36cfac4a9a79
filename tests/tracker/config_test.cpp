#include "shoal/tracker/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <unistd.h>

using namespace shoal::tracker;

namespace {

// The error of loading `toml`; fails the test when it loads.
std::string load_error(std::string_view toml, std::string_view source = "config") {
  auto cfg = load_config_string(toml, source);
  EXPECT_FALSE(cfg.has_value()) << "loaded without error:\n" << toml;
  return cfg ? std::string() : cfg.error();
}

TrackerConfig load_ok(std::string_view toml) {
  auto cfg = load_config_string(toml);
  EXPECT_TRUE(cfg.has_value()) << (cfg ? "" : cfg.error());
  return cfg ? *cfg : TrackerConfig{};
}

std::string validate_error(const TrackerConfig& cfg) {
  auto err = validate(cfg);
  EXPECT_TRUE(err.has_value()) << "valid:\n" << to_toml(cfg);
  return err.value_or("");
}

class TempFile {
public:
  explicit TempFile(std::string_view name, std::string_view content = {})
      : m_path(std::filesystem::path(::testing::TempDir()) /
               ("shoal_config_" + std::to_string(::getpid()) + "_" + std::string(name))) {
    std::ofstream out(m_path, std::ios::binary);
    out << content;
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(m_path, ec);
  }
  const std::filesystem::path& path() const { return m_path; }

private:
  std::filesystem::path m_path;
};

// Every key set, none to its default.
constexpr std::string_view kFullExample = R"(# a complete tracker.toml
[tracker]
mode = "listed"
announce_interval = 900
min_interval = 120
interval_jitter = 0.25
numwant_default = 30
numwant_max = 150
peer_timeout = 1500
sweep_interval = 30
peer_details = 1000
full_scrape = true
scrape_max_hashes = 100
shards = 256
client_allow = ["-qB", "-LT"]
max_rate = 100

[udp]
listen = ["0.0.0.0:6881", "[::]:6881"]
threads = 4
connection_id_lifetime = 90
connection_id_grace = 0

[http]
listen = ["127.0.0.1:8080"]
threads = 8
request_timeout = 5
keepalive_timeout = 15
max_connections = 5000
max_request_bytes = 4096
trusted_proxies = ["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"]

[tls]
listen = ["0.0.0.0:443", "[::]:443"]
certificate = "/etc/shoal/cert.pem"
private_key = "/etc/shoal/key.pem"

[storage]
data_dir = "/var/lib/shoal"
database = "state.db"
flush_interval = 10

[log]
level = "debug"
json = true

[process]
user = "shoal"
group = "nogroup"
admin_token = "0123456789abcdef0123456789abcdef"

[accounts]
registration = "invite"
min_password_length = 12
password_cost = 16
session_lifetime = 3600
remember_lifetime = 86400
login_max_failures = 7
login_max_failures_per_address = 50
login_lockout = 600
initial_admin = "root"

[api]
listen = ["127.0.0.1:8443"]
threads = 3
max_body_bytes = 32768
rate_limit = 2.5
rate_burst = 20
public_url = "https://tracker.example/t"
ingest_rate = 5.5
ingest_burst = 500
)";

TEST(Config, DefaultsAreValid) {
  const TrackerConfig defaults;
  EXPECT_EQ(validate(defaults), std::nullopt);
  EXPECT_EQ(defaults.tracker.mode, TrackerMode::public_mode);
  EXPECT_EQ(defaults.udp.listen, (std::vector<std::string>{"0.0.0.0:6969", "[::]:6969"}));
  EXPECT_EQ(defaults.database_path(), std::filesystem::path("shoal-data/tracker.db"));
}

TEST(Config, EmptyDocumentGivesDefaults) {
  EXPECT_EQ(load_ok(""), TrackerConfig{});
  EXPECT_EQ(load_ok("# only a comment\n\n[udp]\n[log]\n"), TrackerConfig{});
}

TEST(Config, FullExampleSetsEveryField) {
  const auto cfg = load_ok(kFullExample);
  EXPECT_EQ(validate(cfg), std::nullopt);

  EXPECT_EQ(cfg.tracker.mode, TrackerMode::listed);
  EXPECT_EQ(cfg.tracker.announce_interval, 900u);
  EXPECT_EQ(cfg.tracker.min_interval, 120u);
  EXPECT_EQ(cfg.tracker.interval_jitter, 0.25);
  EXPECT_EQ(cfg.tracker.numwant_default, 30u);
  EXPECT_EQ(cfg.tracker.numwant_max, 150u);
  EXPECT_EQ(cfg.tracker.peer_timeout, 1500u);
  EXPECT_EQ(cfg.tracker.sweep_interval, 30u);
  EXPECT_EQ(cfg.tracker.peer_details, 1000u);
  EXPECT_TRUE(cfg.tracker.full_scrape);
  EXPECT_EQ(cfg.tracker.scrape_max_hashes, 100u);
  EXPECT_EQ(cfg.tracker.shards, 256u);

  EXPECT_EQ(cfg.udp.listen, (std::vector<std::string>{"0.0.0.0:6881", "[::]:6881"}));
  EXPECT_EQ(cfg.udp.threads, 4u);
  EXPECT_EQ(cfg.udp.connection_id_lifetime, 90u);
  EXPECT_EQ(cfg.udp.connection_id_grace, 0u);

  EXPECT_EQ(cfg.http.listen, (std::vector<std::string>{"127.0.0.1:8080"}));
  EXPECT_EQ(cfg.http.threads, 8u);
  EXPECT_EQ(cfg.http.request_timeout, 5u);
  EXPECT_EQ(cfg.http.keepalive_timeout, 15u);
  EXPECT_EQ(cfg.http.max_connections, 5000u);
  EXPECT_EQ(cfg.http.max_request_bytes, 4096u);
  EXPECT_EQ(cfg.http.trusted_proxies,
            (std::vector<std::string>{"127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"}));

  EXPECT_EQ(cfg.tls.listen, (std::vector<std::string>{"0.0.0.0:443", "[::]:443"}));
  EXPECT_EQ(cfg.tls.certificate, std::filesystem::path("/etc/shoal/cert.pem"));
  EXPECT_EQ(cfg.tls.private_key, std::filesystem::path("/etc/shoal/key.pem"));

  EXPECT_EQ(cfg.storage.data_dir, std::filesystem::path("/var/lib/shoal"));
  EXPECT_EQ(cfg.storage.database, std::filesystem::path("state.db"));
  EXPECT_EQ(cfg.storage.flush_interval, 10u);
  EXPECT_EQ(cfg.database_path(), std::filesystem::path("/var/lib/shoal/state.db"));

  EXPECT_EQ(cfg.log.level, "debug");
  EXPECT_TRUE(cfg.log.json);

  EXPECT_EQ(cfg.process.user, "shoal");
  EXPECT_EQ(cfg.process.group, "nogroup");
  EXPECT_EQ(cfg.process.admin_token, "0123456789abcdef0123456789abcdef");

  EXPECT_EQ(cfg.accounts.registration, "invite");
  EXPECT_EQ(cfg.accounts.min_password_length, 12u);
  EXPECT_EQ(cfg.accounts.password_cost, 16u);
  EXPECT_EQ(cfg.accounts.initial_admin, "root");
  EXPECT_EQ(cfg.api.listen, (std::vector<std::string>{"127.0.0.1:8443"}));
  EXPECT_EQ(cfg.api.rate_limit, 2.5);
  EXPECT_EQ(cfg.api.ingest_rate, 5.5);
  EXPECT_EQ(cfg.api.public_url, "https://tracker.example/t");
  EXPECT_EQ(cfg.api.ingest_burst, 500u);

  // Nothing is left at its default: the example really covers every key.
  const std::string defaults_text = to_toml(TrackerConfig{});
  const std::string example_text = to_toml(cfg);
  std::istringstream defaults_lines(defaults_text), example_lines(example_text);
  std::string a, b;
  int compared = 0;
  while (std::getline(defaults_lines, a) && std::getline(example_lines, b)) {
    if (a.find(" = ") == std::string::npos) continue;
    EXPECT_NE(a, b) << "left at default";
    ++compared;
  }
  EXPECT_EQ(compared, 36 + 17);  // every key (+ [accounts] and [api])
}

TEST(Config, FullExampleFromFile) {
  const TempFile file("full.toml", kFullExample);
  auto cfg = load_config_file(file.path());
  ASSERT_TRUE(cfg.has_value()) << cfg.error();
  EXPECT_EQ(*cfg, load_ok(kFullExample));
}

TEST(Config, HeaderExampleLoadsAndValidates) {
  const auto cfg = load_ok(R"(
[tracker]
mode = "listed"
announce_interval = 1800
[udp]
listen = ["0.0.0.0:6969", "[::]:6969"]
[http]
listen = ["127.0.0.1:8080"]
trusted_proxies = ["127.0.0.1"]
[tls]
listen = ["0.0.0.0:443"]
certificate = "/etc/shoal/cert.pem"
private_key = "/etc/shoal/key.pem"
)");
  EXPECT_EQ(validate(cfg), std::nullopt);
}

TEST(Config, AbsentKeysKeepDefaults) {
  const auto cfg = load_ok("[udp]\nthreads = 4\n");
  TrackerConfig expected;
  expected.udp.threads = 4;
  EXPECT_EQ(cfg, expected);
}

TEST(Config, EmptyListTurnsAListenerOff) {
  const auto cfg = load_ok("[udp]\nlisten = []\n");
  EXPECT_TRUE(cfg.udp.listen.empty());
  EXPECT_EQ(validate(cfg), std::nullopt);  // HTTP still listens
}

TEST(Config, IntegerJitterIsAccepted) {
  EXPECT_EQ(load_ok("[tracker]\ninterval_jitter = 0\n").tracker.interval_jitter, 0.0);
}

// --- errors name the key ---

TEST(Config, UnknownKeysAndTables) {
  EXPECT_EQ(load_error("[http]\nthreads = 2\nlistn = []\n"), "config:3:1: http.listn: unknown key");
  EXPECT_EQ(load_error("[htp]\nlisten = []\n"), "config:1:2: htp: unknown table");
  EXPECT_EQ(load_error("mode = \"listed\"\n"), "config:1:1: mode: unknown key");
  EXPECT_EQ(load_error("[http.extra]\nx = 1\n"), "config:1:7: http.extra: unknown key");
  EXPECT_EQ(load_error("[udp]\nthreads.count = 1\n"), "config:2:1: udp.threads: expected an integer, got a table");
  EXPECT_EQ(load_error("udp = 5\n"), "config:1:7: udp: expected a table, got an integer");
  EXPECT_NE(load_error("[tracker]\nMode = \"public\"\n").find("tracker.Mode: unknown key"),
            std::string::npos);  // keys are case-sensitive
}

TEST(Config, WrongTypes) {
  struct Case {
    std::string_view toml;
    std::string_view message;
  };
  for (const auto& c : {
           Case{"[udp]\nthreads = \"2\"", "udp.threads: expected an integer, got a string"},
           Case{"[udp]\nthreads = 2.0", "udp.threads: expected an integer, got a float"},
           Case{"[tracker]\nfull_scrape = 1", "tracker.full_scrape: expected a boolean"},
           Case{"[tracker]\nmode = 1", "tracker.mode: expected a string, got an integer"},
           Case{"[tracker]\ninterval_jitter = \"0.1\"",
                "tracker.interval_jitter: expected a number, got a string"},
           Case{"[udp]\nlisten = \"0.0.0.0:6969\"",
                "udp.listen: expected an array of strings, got a string"},
           Case{"[udp]\nlisten = [\"0.0.0.0:6969\", 6969]",
                "udp.listen[1]: expected a string, got an integer"},
           Case{"[storage]\ndata_dir = 5", "storage.data_dir: expected a string, got an integer"},
           Case{"[log]\nlevel = 2023-01-01", "log.level: expected a string, got a date"},
           Case{"[process]\nuser = [\"a\"]", "process.user: expected a string, got an array"},
       }) {
    const auto err = load_error(c.toml);
    EXPECT_NE(err.find(c.message), std::string::npos) << err;
    EXPECT_TRUE(err.starts_with("config:2:")) << err;
  }
}

TEST(Config, OutOfRange) {
  struct Case {
    std::string_view toml;
    std::string_view message;
  };
  for (const auto& c : {
           Case{"[udp]\nthreads = 0", "udp.threads: must be between 1 and 256"},
           Case{"[udp]\nthreads = 257", "udp.threads: must be between 1 and 256"},
           Case{"[udp]\nthreads = -1", "udp.threads: must be between 1 and 256"},
           // 2^32 + 1 would read as 1 if narrowed before the check.
           Case{"[udp]\nthreads = 4294967297", "udp.threads: must be between 1 and 256"},
           Case{"[udp]\nthreads = 9223372036854775807", "udp.threads: must be between 1 and 256"},
           Case{"[udp]\nconnection_id_grace = -1",
                "udp.connection_id_grace: must be between 0 and 3600"},
           Case{"[tracker]\nshards = 48", "tracker.shards: must be a power of two between 1 and 4096"},
           Case{"[tracker]\nshards = 8192", "tracker.shards: must be between 1 and 4096"},
           Case{"[tracker]\ninterval_jitter = 0.6",
                "tracker.interval_jitter: must be between 0.0 and 0.5"},
           Case{"[tracker]\ninterval_jitter = -0.1",
                "tracker.interval_jitter: must be between 0.0 and 0.5"},
           Case{"[tracker]\ninterval_jitter = nan",
                "tracker.interval_jitter: must be between 0.0 and 0.5"},
           Case{"[tracker]\nmode = \"secret\"",
                "tracker.mode: must be \"public\", \"listed\" or \"private\""},
           Case{"[tracker]\nclient_allow = [\"\"]", "tracker.client_allow[0]: \"\" is not a peer_id prefix"},
           Case{"[tracker]\nmax_rate = 0", "tracker.max_rate: must be between 1 and 1048576"},
           Case{"[log]\nlevel = \"verbose\"", "log.level: must be one of \"trace\", \"debug\""},
           Case{"[http]\nmax_request_bytes = 100",
                "http.max_request_bytes: must be between 1024 and 65536"},
           Case{"[process]\nadmin_token = \"abc\\u0000def\"",
                "process.admin_token: must not contain a NUL character"},
       }) {
    const auto err = load_error(c.toml);
    EXPECT_NE(err.find(c.message), std::string::npos) << err;
    EXPECT_TRUE(err.starts_with("config:2:")) << err;
  }
}

TEST(Config, BadListEntriesNameTheIndex) {
  EXPECT_NE(load_error("[udp]\nlisten = [\"0.0.0.0:6969\", \"1.2.3.4\"]")
                .find("udp.listen[1]: \"1.2.3.4\" is not an address:port"),
            std::string::npos);
  EXPECT_NE(load_error("[http]\nlisten = [\"::1:8080\"]").find("http.listen[0]: "),
            std::string::npos);  // IPv6 must be bracketed
  EXPECT_NE(load_error("[tls]\nlisten = [\"[::]:65536\"]").find("tls.listen[0]: "),
            std::string::npos);
  // Port 0 means "any free port" (the tracker prints the bound ports).
  EXPECT_TRUE(load_config_string("[udp]\nlisten = [\"127.0.0.1:0\"]"));
  EXPECT_NE(load_error("[http]\ntrusted_proxies = [\"::1\", \"10.0.0.1/8\"]")
                .find("http.trusted_proxies[1]: \"10.0.0.1/8\" is not an IP address or CIDR range"),
            std::string::npos);
  // The position is the entry's, on its own line.
  EXPECT_TRUE(load_error("[udp]\nlisten = [\n  \"0.0.0.0:6969\",\n  \"nonsense\",\n]")
                  .starts_with("config:4:3: udp.listen[1]:"));
}

TEST(Config, ParseErrorsNameFileLineAndColumn) {
  const auto err = load_error("[udp]\nthreads = \n", "tracker.toml");
  EXPECT_TRUE(std::regex_search(err, std::regex("^tracker\\.toml:2:\\d+: \\S"))) << err;

  const auto dup = load_error("[udp]\nthreads = 1\nthreads = 2\n", "dup.toml");
  EXPECT_TRUE(dup.starts_with("dup.toml:3:")) << dup;

  const auto unterminated = load_error("[log]\nlevel = \"info\n", "s.toml");
  EXPECT_TRUE(unterminated.starts_with("s.toml:2:")) << unterminated;

  const auto bad_utf8 = load_error("[process]\nuser = \"\xff\"\n", "u.toml");
  EXPECT_TRUE(bad_utf8.starts_with("u.toml:2:")) << bad_utf8;
}

TEST(Config, FileErrorsNameThePath) {
  const std::filesystem::path missing =
      std::filesystem::path(::testing::TempDir()) / "shoal_no_such_dir" / "tracker.toml";
  auto r = load_config_file(missing);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find(missing.string()), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("No such file or directory"), std::string::npos) << r.error();

  auto dir = load_config_file(::testing::TempDir());
  ASSERT_FALSE(dir.has_value());
  EXPECT_NE(dir.error().find("is a directory"), std::string::npos) << dir.error();

  const TempFile big("big.toml", std::string(kMaxConfigFileBytes + 1, '#'));
  auto too_big = load_config_file(big.path());
  ASSERT_FALSE(too_big.has_value());
  EXPECT_TRUE(too_big.error().starts_with(big.path().string() + ": larger than"))
      << too_big.error();

  const TempFile broken("broken.toml", "[udp]\nthreads = 0\n");
  auto bad = load_config_file(broken.path());
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error(),
            broken.path().string() + ":2:11: udp.threads: must be between 1 and 256");
}

// --- validate ---

TEST(Validate, SingleKeyRulesApplyToValuesSetAfterLoading) {
  TrackerConfig c;
  c.udp.threads = 0;
  EXPECT_EQ(validate_error(c), "udp.threads: must be between 1 and 256");

  c = {};
  c.tracker.shards = 3;
  EXPECT_EQ(validate_error(c), "tracker.shards: must be a power of two between 1 and 4096");
  for (std::uint32_t ok : {1u, 2u, 1024u, 4096u}) {
    c.tracker.shards = ok;
    EXPECT_EQ(validate(c), std::nullopt) << ok;
  }
  c.tracker.shards = 0;
  EXPECT_NE(validate_error(c).find("tracker.shards"), std::string::npos);

  c = {};
  c.log.level = "warning";
  EXPECT_NE(validate_error(c).find("log.level: must be one of"), std::string::npos);

  c = {};
  c.tracker.interval_jitter = 0.51;
  EXPECT_EQ(validate_error(c), "tracker.interval_jitter: must be between 0.0 and 0.5");

  c = {};
  c.udp.listen = {"0.0.0.0:6969", "localhost:6969"};
  EXPECT_TRUE(validate_error(c).starts_with("udp.listen[1]: \"localhost:6969\""));

  c = {};
  c.http.trusted_proxies = {"10.0.0.0/8", "10.0.0.0/33"};
  EXPECT_TRUE(validate_error(c).starts_with("http.trusted_proxies[1]: "));

  c = {};
  c.tls.certificate = std::string("a\0b", 3);
  EXPECT_EQ(validate_error(c), "tls.certificate: must not contain a NUL character");
}

TEST(Validate, Intervals) {
  TrackerConfig c;
  c.tracker.min_interval = c.tracker.announce_interval + 1;
  EXPECT_EQ(validate_error(c),
            "tracker.min_interval: must not exceed tracker.announce_interval (1801 > 1800)");
  c.tracker.min_interval = c.tracker.announce_interval;
  EXPECT_EQ(validate(c), std::nullopt);

  c = {};
  c.tracker.peer_timeout = c.tracker.announce_interval;
  EXPECT_TRUE(validate_error(c).starts_with("tracker.peer_timeout: must be greater than"));
  // With ±10% jitter clients may be told 1980 s; a 1900 s timeout would drop them.
  c.tracker.peer_timeout = 1900;
  EXPECT_NE(validate_error(c).find("= 1980"), std::string::npos);
  c.tracker.peer_timeout = 1981;
  EXPECT_EQ(validate(c), std::nullopt);
  c.tracker.interval_jitter = 0;
  c.tracker.peer_timeout = 1801;
  EXPECT_EQ(validate(c), std::nullopt);
  c.tracker.interval_jitter = 0.5;
  c.tracker.peer_timeout = 2700;
  EXPECT_TRUE(validate_error(c).starts_with("tracker.peer_timeout"));
  c.tracker.peer_timeout = 2701;
  EXPECT_EQ(validate(c), std::nullopt);
}

TEST(Validate, Numwant) {
  TrackerConfig c;
  c.tracker.numwant_default = c.tracker.numwant_max + 1;
  EXPECT_EQ(validate_error(c),
            "tracker.numwant_default: must not exceed tracker.numwant_max (201 > 200)");
  c.tracker.numwant_default = c.tracker.numwant_max;
  EXPECT_EQ(validate(c), std::nullopt);
}

TEST(Validate, Listeners) {
  TrackerConfig c;
  c.udp.listen = {"[::]:6969", "[0::0]:6969"};
  EXPECT_EQ(validate_error(c),
            "udp.listen[1]: \"[0::0]:6969\" is the same endpoint as udp.listen[0]");

  c = {};
  c.tls.listen = {"0.0.0.0:6969"};
  c.tls.certificate = "c.pem";
  c.tls.private_key = "k.pem";
  EXPECT_EQ(validate_error(c),
            "tls.listen[0]: \"0.0.0.0:6969\" is the same endpoint as http.listen[0]");
  c.tls.listen = {"0.0.0.0:443"};
  EXPECT_EQ(validate(c), std::nullopt);  // UDP and HTTP sharing 6969 is fine: other protocol

  c.tls.certificate.clear();
  EXPECT_EQ(validate_error(c), "tls.certificate: required when tls.listen is set");
  c.tls.certificate = "c.pem";
  c.tls.private_key.clear();
  EXPECT_EQ(validate_error(c), "tls.private_key: required when tls.listen is set");

  c = {};
  c.udp.listen.clear();
  c.http.listen.clear();
  EXPECT_NE(validate_error(c).find("no listener"), std::string::npos);
  c.tls.listen = {"127.0.0.1:8443"};
  c.tls.certificate = "c.pem";
  c.tls.private_key = "k.pem";
  EXPECT_EQ(validate(c), std::nullopt);
}

TEST(Validate, StorageAndProcess) {
  TrackerConfig c;
  c.storage.data_dir.clear();
  EXPECT_EQ(validate_error(c), "storage.data_dir: must not be empty");
  c = {};
  c.storage.database.clear();
  EXPECT_EQ(validate_error(c), "storage.database: must not be empty");

  c = {};
  c.process.admin_token = "short";
  EXPECT_TRUE(validate_error(c).starts_with("process.admin_token: must be at least 16"));
  c.process.admin_token = std::string(16, 'x');
  EXPECT_EQ(validate(c), std::nullopt);
}

// --- to_toml ---

TEST(ToToml, PrintsEveryKey) {
  const std::string text = to_toml(TrackerConfig{});
  for (std::string_view line :
       {"[tracker]", "mode = \"public\"", "announce_interval = 1800", "min_interval = 300",
        "interval_jitter = 0.1", "numwant_default = 50", "numwant_max = 200",
        "peer_timeout = 2700", "sweep_interval = 60", "full_scrape = false",
        "scrape_max_hashes = 74", "shards = 64", "peer_details = 65536", "[udp]", "threads = 2",
        "connection_id_lifetime = 120", "connection_id_grace = 60", "[http]",
        "request_timeout = 10", "keepalive_timeout = 30", "max_connections = 20000",
        "max_request_bytes = 8192", "trusted_proxies = []", "[tls]", "listen = []",
        "certificate = \"\"", "private_key = \"\"", "[storage]", "data_dir = \"shoal-data\"",
        "database = \"tracker.db\"", "flush_interval = 3", "[log]", "level = \"info\"",
        "json = false", "[process]", "user = \"\"", "group = \"\"", "admin_token = \"\""}) {
    EXPECT_NE(text.find(std::string("\n") + std::string(line) + "\n"), std::string::npos)
        << line << "\n" << text;
  }
}

TEST(ToToml, RoundTripsDefaults) {
  const auto back = load_config_string(to_toml(TrackerConfig{}));
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(*back, TrackerConfig{});
}

TEST(ToToml, RoundTripsTheFullExample) {
  const auto cfg = load_ok(kFullExample);
  const auto back = load_config_string(to_toml(cfg));
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(*back, cfg);
}

TEST(ToToml, RoundTripsAwkwardValues) {
  TrackerConfig c;
  c.tracker.interval_jitter = 0.1 + 0.2;  // 0.30000000000000004: needs every digit
  c.tracker.numwant_default = 0;
  c.udp.listen.clear();
  c.http.trusted_proxies = {"::ffff:10.0.0.0/104"};
  c.storage.data_dir = "/srv/d\xc3\xa9p\xc3\xb4t with spaces/'single' \"double\"";
  c.storage.database = "C:\\back\\slash.db";
  c.process.admin_token = "line1\nline2\ttab \x01 \x7f \"quoted\" \\ 'x' \xe2\x9c\x93";
  c.process.user = "#not-a-comment";
  c.process.group = "[not-a-table]";
  c.log.level = "off";
  c.tracker.mode = TrackerMode::listed;
  const std::string text = to_toml(c);
  const auto back = load_config_string(text);
  ASSERT_TRUE(back.has_value()) << back.error() << "\n" << text;
  EXPECT_EQ(*back, c) << text;
  EXPECT_EQ(back->tracker.interval_jitter, 0.1 + 0.2);
}

TEST(ToToml, WholeNumberJitterStaysAFloat) {
  TrackerConfig c;
  c.tracker.interval_jitter = 0;
  const std::string text = to_toml(c);
  EXPECT_NE(text.find("\ninterval_jitter = 0.0\n"), std::string::npos) << text;
}

TEST(Config, PrivateModeAndItsKeys) {
  const auto cfg = load_ok("[tracker]\nmode = \"private\"\nclient_allow = [\"-TR\"]\nmax_rate = 10\n");
  EXPECT_EQ(cfg.tracker.mode, TrackerMode::private_mode);
  EXPECT_EQ(cfg.tracker.client_allow, std::vector<std::string>{"-TR"});
  EXPECT_EQ(cfg.tracker.max_rate, 10u);
  EXPECT_EQ(validate(cfg), std::nullopt);
  const auto back = load_config_string(to_toml(cfg));
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(*back, cfg);
  EXPECT_NE(to_toml(cfg).find("mode = \"private\""), std::string::npos);
}

// --- accounts ---
TEST(Config, AccountsAndApiRules) {
  EXPECT_FALSE(load_config_string("[accounts]\nregistration = \"maybe\"\n"));
  EXPECT_FALSE(load_config_string("[accounts]\npassword_cost = 9\n"));
  EXPECT_FALSE(load_config_string("[accounts]\nmin_password_length = 4\n"));
  EXPECT_FALSE(load_config_string("[api]\nrate_limit = -1\n"));
  TrackerConfig c;
  c.accounts.initial_admin = "no spaces allowed";
  auto problem = validate(c);
  ASSERT_TRUE(problem);
  EXPECT_TRUE(problem->starts_with("accounts.initial_admin:")) << *problem;
  c.accounts.initial_admin = "";
  EXPECT_EQ(validate(c), std::nullopt);
  c.api.listen = {"127.0.0.1:7000"};
  c.http.listen = {"127.0.0.1:7000"};
  problem = validate(c);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("api.listen"), std::string::npos) << *problem;
}

TEST(Validate, PublicUrl) {
  TrackerConfig c;
  for (const char* good : {"https://tracker.example", "http://127.0.0.1:8080", "https://[2001:db8::1]:8443/t/",
                           "https://example.org/tracker"}) {
    c.api.public_url = good;
    EXPECT_EQ(validate(c), std::nullopt) << good;
  }
  for (const char* bad : {"tracker.example", "ftp://x", "https://", "https://user@host", "https://h/x?y=1",
                          "https://h/#f", "https://h:port", "https://h:123456", "https://h o", "https://[::1"}) {
    c.api.public_url = bad;
    auto problem = validate(c);
    ASSERT_TRUE(problem) << bad;
    EXPECT_TRUE(problem->starts_with("api.public_url:")) << *problem;
  }
}

}  // namespace
