#pragma once
// TrackerConfig: every setting of shoal-tracker, with the defaults the README's "run" command uses
// (public mode, UDP and HTTP on port 6969 of all addresses, SQLite under ./shoal-data).
//
// Sources, later ones winning: built-in defaults < the TOML file given by --config < command-line
// flags. load_config_file() reads the file; an unknown table or key, a value of the wrong type or
// out of range is an error that names the source, the position and the full key
// ("tracker.toml:4:11: udp.threads: must be between 1 and 256"). Keys absent from the file keep
// their defaults. The full list of keys with their meaning is docs/tracker.md; this struct is the
// single place they are defined (the TOML key is the field name, the table the member name).
//
// Value rules, checked on load and again by validate() (flags may have changed values since):
//   integers are whole TOML integers in the range given beside each field (a negative number or a
//   float is an error); interval_jitter takes a float or an integer; paths and strings take TOML
//   strings without NUL characters; every *.listen entry is "a.b.c.d:port" or "[v6]:port" with a
//   port 0-65535, 0 meaning any free port (shoal::PeerEndpoint::parse); trusted_proxies entries are AddressRange texts
//   ("10.0.0.0/8", "::1"); mode is "public", "listed" or "private"; client_allow entries are 1-20
//   bytes; log.level one of spdlog's level names.
// validate() adds the rules that involve several keys; see its comment.
//
//   auto cfg = shoal::tracker::load_config_file("tracker.toml");
//   if (!cfg) { std::cerr << cfg.error() << "\n"; return 2; }
//   cfg->udp.threads = 4;   // flags override after loading
//   if (auto err = shoal::tracker::validate(*cfg)) ...
//
// Example file:
//   [tracker]
//   mode = "listed"
//   announce_interval = 1800
//   [udp]
//   listen = ["0.0.0.0:6969", "[::]:6969"]
//   [http]
//   listen = ["127.0.0.1:8080"]
//   trusted_proxies = ["127.0.0.1"]
//   [tls]
//   listen = ["0.0.0.0:443"]
//   certificate = "/etc/shoal/cert.pem"
//   private_key = "/etc/shoal/key.pem"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/proto/expected.hpp"

namespace shoal::tracker {

/// public: any torrent; listed: only the allow list; private: registered torrents, announced with a
/// user's passkey, with per-user accounting (docs/tracker.md, "Private mode").
enum class TrackerMode { public_mode, listed, private_mode };

struct TrackerSettings {
  TrackerMode mode = TrackerMode::public_mode;   ///< "public" | "listed" | "private"
  std::uint32_t announce_interval = 1800;        ///< seconds, before jitter; 1-86400
  std::uint32_t min_interval = 300;              ///< seconds ("min interval"; HTTP only); 1-86400
  double interval_jitter = 0.1;                  ///< fraction: interval is randomised ±jitter; 0-0.5
  std::uint32_t numwant_default = 50;            ///< 0-1000
  std::uint32_t numwant_max = 200;               ///< 1-1000
  std::uint32_t peer_timeout = 2700;             ///< seconds without announce before a peer expires; 1-172800
  std::uint32_t sweep_interval = 60;             ///< seconds between expiry sweeps; 1-3600
  bool full_scrape = false;                      ///< allow scrape without info_hash (all torrents)
  std::uint32_t scrape_max_hashes = 74;          ///< per HTTP scrape request (UDP: what fits a packet); 1-1000
  std::uint32_t shards = 64;                     ///< swarm store shards (power of two); 1-4096
  std::uint32_t peer_details = 65536;            ///< peers described (peer id, counters) for the monitor's peer list; 0-10000000
  /// Client allow list (every mode): peer_id prefixes such as "-qB", "-TR", "-LT"; an announce
  /// whose peer_id starts with none of them is refused. Empty: any client. Entries 1-20 bytes.
  std::vector<std::string> client_allow;
  /// Private mode accounting: the fastest a peer may plausibly move data, in MiB/s. A byte
  /// counter that grew by more than max_rate * seconds since the peer's previous announce is
  /// not counted (and counted as dropped). 1-1048576.
  std::uint32_t max_rate = 1024;

  friend bool operator==(const TrackerSettings&, const TrackerSettings&) = default;
};

struct UdpSettings {
  std::vector<std::string> listen = {"0.0.0.0:6969", "[::]:6969"};  ///< empty: UDP off
  std::uint32_t threads = 2;                     ///< worker threads, one socket each per address; 1-256
  std::uint32_t connection_id_lifetime = 120;    ///< seconds (BEP 15: two minutes); 1-3600
  std::uint32_t connection_id_grace = 60;        ///< extra seconds an old id is still accepted; 0-3600

  friend bool operator==(const UdpSettings&, const UdpSettings&) = default;
};

struct HttpSettings {
  std::vector<std::string> listen = {"0.0.0.0:6969", "[::]:6969"};  ///< empty: plain HTTP off
  std::uint32_t threads = 2;                     ///< 1-256
  std::uint32_t request_timeout = 10;            ///< seconds to receive one request (slowloris); 1-3600
  std::uint32_t keepalive_timeout = 30;          ///< idle seconds between requests on a connection; 1-3600
  std::uint32_t max_connections = 20000;         ///< 1-1000000
  std::uint32_t max_request_bytes = 8192;        ///< request line + headers; 1024-65536
  /// Addresses (or CIDR ranges) whose X-Forwarded-For / X-Real-IP headers are believed: each entry
  /// is an AddressRange text (shoal/server/address_range.hpp), e.g. "127.0.0.1", "10.0.0.0/8".
  std::vector<std::string> trusted_proxies;

  friend bool operator==(const HttpSettings&, const HttpSettings&) = default;
};

struct TlsSettings {
  std::vector<std::string> listen;               ///< HTTPS listeners; empty: HTTPS off
  std::filesystem::path certificate;             ///< PEM chain; reloaded on SIGHUP
  std::filesystem::path private_key;             ///< PEM key; reloaded on SIGHUP

  friend bool operator==(const TlsSettings&, const TlsSettings&) = default;
};

struct StorageSettings {
  std::filesystem::path data_dir = "shoal-data"; ///< created if missing
  std::filesystem::path database = "tracker.db"; ///< relative paths are inside data_dir
  std::uint32_t flush_interval = 3;              ///< seconds between batched writes; 1-3600

  friend bool operator==(const StorageSettings&, const StorageSettings&) = default;
};

struct LogSettings {
  std::string level = "info";                    ///< trace|debug|info|warn|error|critical|off
  bool json = false;                             ///< one JSON object per line instead of text

  friend bool operator==(const LogSettings&, const LogSettings&) = default;
};

struct ProcessSettings {
  std::string user;                              ///< drop privileges to this user after binding
  std::string group;                             ///< and this group (default: the user's)
  std::string admin_token;                       ///< bearer token for /admin/* (empty: disabled;
                                                 ///< else at least 16 characters)

  friend bool operator==(const ProcessSettings&, const ProcessSettings&) = default;
};

/// Accounts of the REST API (docs/api.md).
struct AccountsSettings {
  std::string registration = "closed";           ///< "open" | "closed" | "invite"
  std::uint32_t min_password_length = 10;        ///< characters; 8-128
  std::uint32_t password_cost = 15;              ///< scrypt log2(N) for new hashes (32 MiB at 15); 10-20
  std::uint32_t session_lifetime = 43200;        ///< seconds a session lives unused (sliding); 300-31536000
  std::uint32_t remember_lifetime = 2592000;     ///< the same for "remember me" sessions; 300-31536000
  std::uint32_t login_max_failures = 5;          ///< failed sign-ins per account before a lock; 1-1000
  std::uint32_t login_max_failures_per_address = 20;  ///< per client address; 1-100000
  std::uint32_t login_lockout = 900;             ///< seconds a lock lasts (and the counting window); 1-86400
  /// Username of the admin created (with a random password, printed once) when the database has
  /// no user at start; empty: none is created (use `shoal-tracker admin create-user`).
  std::string initial_admin = "admin";

  friend bool operator==(const AccountsSettings&, const AccountsSettings&) = default;
};

/// The REST API under /api/v1.
struct ApiSettings {
  /// Own listeners for the API (plain HTTP; "127.0.0.1:8080"); empty: the API is served on the
  /// http and tls listeners beside announce/scrape.
  std::vector<std::string> listen;
  std::uint32_t threads = 2;                     ///< worker threads (database, password hashing); 1-64
  std::uint32_t max_body_bytes = 16384;          ///< request body limit; 1024-1048576
  double rate_limit = 10;                        ///< requests/s per address and per credential; 0 = off; 0-100000
  std::uint32_t rate_burst = 60;                 ///< requests allowed in a burst; 1-100000
  /// The address users reach the API at, for absolute links in feeds ("https://tracker.example"
  /// or with a path prefix behind a proxy: "https://example.org/tracker"); http(s), no query,
  /// no trailing slash needed. Empty: links are built from the request's Host header.
  std::string public_url;
  double ingest_rate = 100;                      ///< catalog ingest items/s per user; 0 = off; 0-1000000
  std::uint32_t ingest_burst = 2000;             ///< ingest items allowed in a burst; 100-10000000

  friend bool operator==(const ApiSettings&, const ApiSettings&) = default;
};

struct TrackerConfig {
  TrackerSettings tracker;
  UdpSettings udp;
  HttpSettings http;
  TlsSettings tls;
  StorageSettings storage;
  LogSettings log;
  ProcessSettings process;
  AccountsSettings accounts;
  ApiSettings api;

  /// database resolved against data_dir.
  std::filesystem::path database_path() const {
    return storage.database.is_absolute() ? storage.database : storage.data_dir / storage.database;
  }

  /// Field by field; what the to_toml() round trip preserves.
  friend bool operator==(const TrackerConfig&, const TrackerConfig&) = default;
};

/// Largest config file load_config_file reads (a config is a few KiB; this bounds a mistake such
/// as --config pointing at a database).
inline constexpr std::size_t kMaxConfigFileBytes = 1024 * 1024;

/// Reads a TOML file over the defaults. Errors name the file, the key and the problem:
/// "tracker.toml: cannot open: No such file or directory",
/// "tracker.toml:3:9: Error while parsing ... " (toml++'s description of a syntax error),
/// "tracker.toml:7:1: http.listn: unknown key". The first problem found is reported. Does not
/// call validate(). Never throws for bad input.
expected<TrackerConfig, std::string> load_config_file(const std::filesystem::path& path);
/// Same, from TOML text; `source_name` stands for the file name in messages.
expected<TrackerConfig, std::string> load_config_string(std::string_view toml,
                                                        std::string_view source_name = "config");

/// Checks every single-key rule above (flags may have set any value) and the rules between keys:
/// min_interval <= announce_interval; peer_timeout > the longest interval handed out,
/// announce_interval * (1 + interval_jitter); numwant_default <= numwant_max; shards a power of
/// two; no endpoint twice in udp.listen, nor twice across http.listen and tls.listen (both TCP);
/// tls.certificate and tls.private_key set when tls.listen is non-empty; storage.data_dir and
/// storage.database non-empty; at least one listener overall. nullopt when valid, else the first
/// problem, naming the key ("tracker.min_interval: must not exceed tracker.announce_interval").
std::optional<std::string> validate(const TrackerConfig& config);

/// The TOML text of `config` (every table and key in struct order, current values):
/// `shoal-tracker --print-config`. load_config_string(to_toml(c)) == c for any c whose strings
/// and paths are valid UTF-8 (which every config loaded from TOML is).
std::string to_toml(const TrackerConfig& config);

}  // namespace shoal::tracker
