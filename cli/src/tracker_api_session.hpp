#pragma once
// `shoal tracker ...`: what every subcommand of the group shares — the group's own options
// (ApiArgs), one authenticated session with the REST API (Api: credentials resolved flags >
// environment > config file, see tracker_api_config.hpp; errors printed the one way), and the
// table/field printers. cmd_tracker_api.cpp (accounts, keys, users) and cmd_tracker_catalog.cpp
// (the torrent catalog) build on it.
//
//   Api api(args, Api::Key::required);
//   json j = api.call("GET", "/api/v1/me");              // non-2xx: prints and exits 1
//   auto r = api.send("POST", "/api/v1/torrents", "application/x-bittorrent", bytes);  // raw
//
// Error conventions: "shoal tracker: <message> (HTTP <status>, <code>)" on stderr, exit 1 (with
// --json the API's error document on stdout); bad usage exits 2 (usage_failed).
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "shoal/peer/http_client.hpp"
#include "tracker_api_config.hpp"

namespace shoal::cli {

inline constexpr std::string_view kTrackerCommand = "tracker";
/// Longest --timeout accepted (as for announce/scrape).
inline constexpr double kMaxTrackerTimeoutSeconds = 3600.0;
/// Bound on an API answer: the largest (a user list of 500) is far below this.
inline constexpr std::size_t kMaxApiBodySize = 8 * 1024 * 1024;

/// Options of `shoal tracker` itself; every subcommand falls through to them.
struct ApiArgs {
  std::string url;
  std::string key;
  bool json = false;
  bool insecure = false;
  std::string ca_file;
  double timeout_seconds = static_cast<double>(shoal::peer::kDefaultHttpTimeout.count()) / 1000.0;
};

/// Bad usage: "shoal tracker: <message>", exit 2.
[[noreturn]] void usage_failed(const ApiArgs& a, const std::string& message);

/// An environment variable; nullopt when unset.
std::optional<std::string> env(const char* name);

/// The config file's path (tracker_config_path); fails (exit 1) when there is none.
std::filesystem::path config_path(const ApiArgs& a);

/// The stored login, nullopt when there is no file; a file that cannot be read or parsed fails.
std::optional<StoredLogin> load_stored_login(const ApiArgs& a, const std::filesystem::path& path);

class Api {
public:
  /// What a command does with a credential.
  enum class Key {
    none,      ///< send none (login)
    required,  ///< fail (exit 2) without one
    optional,  ///< send one when there is one (browsing a public catalog needs none)
  };

  /// Resolves the URL and credential (flags > environment > config file).
  Api(const ApiArgs& a, Key key_use);
  /// A session with credentials resolved by the caller (`shoal peer`); errors are printed as
  /// "shoal <command>: ...".
  Api(const ApiArgs& a, Credentials creds, std::string_view command);

  const Credentials& credentials() const { return m_creds; }

  /// One call; the answer's JSON (null for an empty body) when 2xx, otherwise the command
  /// fails: "shoal tracker: <message> (HTTP <status>, <code>)", exit 1 (with --json the API's
  /// error document on stdout). `ok_status` lists extra statuses returned instead of failing.
  nlohmann::json call(std::string_view method, std::string_view path,
                      const std::optional<nlohmann::json>& body = std::nullopt, unsigned* status_out = nullptr,
                      std::initializer_list<unsigned> ok_status = {});

  /// One call with a raw body of `content_type` (none when empty) and `accept`; the 2xx answer
  /// as it came (any other status fails as call() does).
  shoal::peer::HttpResponse send(std::string_view method, std::string_view path, std::string_view content_type,
                                 std::string body, std::string_view accept = "application/json",
                                 std::size_t max_body_size = kMaxApiBodySize);

  /// A 2xx answer's body as JSON; fails (bad_response, exit 1) when it is not JSON.
  nlohmann::json parse_answer(const shoal::peer::HttpResponse& r, std::string_view path) const;

private:
  [[noreturn]] void fail(const shoal::peer::HttpResponse& r);

  void make_client();

  const ApiArgs& m_args;
  Credentials m_creds;
  std::string_view m_command = kTrackerCommand;
  std::unique_ptr<shoal::peer::HttpClient> m_client;
};

// ---- output ----------------------------------------------------------------------------------

void print_json(const nlohmann::json& j);
/// A JSON value as table text: strings without quotes (terminal-safe), null as "-".
std::string cell(const nlohmann::json& v);
/// Unix seconds as a UTC time (format_time); anything else as cell().
std::string time_cell(const nlohmann::json& v);
/// A byte count as "1.5 MiB" (format_bytes); anything else as cell().
std::string bytes_cell(const nlohmann::json& v);
void print_table(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows);
void print_fields(const std::vector<std::pair<std::string, std::string>>& fields);
/// j[name], or null when j is not an object or lacks it.
const nlohmann::json& member(const nlohmann::json& j, const char* name);
/// `target` with limit= and offset= query parameters when given.
std::string paging(std::string target, std::optional<int> limit, std::optional<int> offset);

/// A subcommand whose parent's options (--url, --key, --json, ...) may follow it.
CLI::App* sub(CLI::App* parent, const std::string& name, const std::string& description);

/// Adds the catalog subcommands (search, torrents, upload, ingest) to the `shoal tracker` group
/// `cmd` whose options fill `args` (cmd_tracker_catalog.cpp).
void register_tracker_catalog(CLI::App& cmd, std::shared_ptr<ApiArgs> args);

}  // namespace shoal::cli
