#pragma once
// `shoal tracker ...`: where the tracker's REST API is and which credential to send, the stored
// login (config file), and the small pure helpers of the command (no I/O here, so tests drive
// them directly; cmd_tracker_api.cpp does the files, the terminal and the network).
//
// Credential precedence, for the URL and the key separately:
//   1. flags: --url URL, --key KEY
//   2. environment: SHOAL_TRACKER_URL, SHOAL_API_KEY
//   3. the config file written by `shoal tracker login`:
//        $XDG_CONFIG_HOME/shoal/tracker.json (when XDG_CONFIG_HOME is an absolute path), else
//        $HOME/.config/shoal/tracker.json — {"url": ..., "token": ..., "username": ...},
//        created with mode 0600 in a 0700 directory and replaced atomically.
// The stored token is sent only to the stored URL: when the URL comes from a flag or the
// environment and differs from the file's (after normalization), the file's token is not used,
// so a login to one tracker never leaks to another.
//
//   auto creds = resolve_credentials({.flag_url = url_flag, .env_key = getenv_or_null(...),
//                                     .stored = stored_login});
//   if (!creds) fail(creds.error());             // "no tracker URL: give --url, ..."
//   auto target = api_url(creds->url, "/api/v1/me");
#include <cstdint>
#include <cstddef>
#include <vector>
#include <utility>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "shoal/proto/expected.hpp"

namespace shoal::cli {

/// What `shoal tracker login` keeps between runs.
struct StoredLogin {
  std::string url;       ///< normalized tracker base URL (normalize_tracker_url)
  std::string token;     ///< the session token ("ss_..."); "" after `logout` (the URL stays)
  std::string username;  ///< who logged in (shown by `logout`; informational)
};

/// The config file's path from the environment values (nullopt = unset). Error when neither
/// an absolute XDG_CONFIG_HOME nor a non-empty HOME is set.
shoal::expected<std::filesystem::path, std::string> tracker_config_path(
    std::optional<std::string_view> xdg_config_home, std::optional<std::string_view> home);

/// Parses the config file's text. The error says what is wrong ("not a JSON object", "'url' must
/// be a string"); a missing or invalid URL is an error too, a missing token is not.
shoal::expected<StoredLogin, std::string> parse_stored_login(std::string_view text);

/// The config file's text for `login` (indented JSON, newline-terminated).
std::string stored_login_text(const StoredLogin& login);

/// A tracker base URL as given by the user, checked and normalized: http:// or https://, no
/// query, no fragment, no user info; a trailing '/' removed ("https://t.example/" ->
/// "https://t.example", "http://h:8080/tracker/" -> "http://h:8080/tracker"). The path may be
/// a prefix under which the tracker is served behind a proxy.
shoal::expected<std::string, std::string> normalize_tracker_url(std::string_view url);

/// base + path ("/api/v1/me"); `base` is normalized.
std::string api_url(std::string_view base, std::string_view path);

struct CredentialInputs {
  std::optional<std::string> flag_url;
  std::optional<std::string> flag_key;
  std::optional<std::string> env_url;  ///< SHOAL_TRACKER_URL (an empty value counts as unset)
  std::optional<std::string> env_key;  ///< SHOAL_API_KEY (an empty value counts as unset)
  std::optional<StoredLogin> stored;   ///< the config file, when there is one
};

struct Credentials {
  std::string url;  ///< normalized
  std::string key;  ///< "" when no credential applies (login needs none)
  std::string url_source;  ///< "--url", "SHOAL_TRACKER_URL" or the config file
  std::string key_source;  ///< "--key", "SHOAL_API_KEY", "config file" or ""
};

/// Applies the precedence above. Errors: no URL anywhere ("no tracker URL: give --url, set
/// SHOAL_TRACKER_URL or run `shoal tracker login`"), or an invalid URL (names its source).
/// A missing key is not an error here: commands that need one check Credentials::key.
shoal::expected<Credentials, std::string> resolve_credentials(const CredentialInputs& in);

/// `--expires`: Unix seconds ("1893456000"), an ISO 8601 date ("2030-01-01", midnight UTC) or a
/// UTC date-time ("2030-01-01T12:30:00Z", "2030-01-01 12:30:00", optional "Z"). Nullopt when it
/// is neither (or out of range).
std::optional<std::int64_t> parse_expiry(std::string_view text);

/// Unix seconds as "2030-01-01 12:30:00 UTC" (for tables); "-" for nullopt.
std::string format_time(std::optional<std::int64_t> unix_seconds);

/// Percent-encoding of a query parameter value (RFC 3986 unreserved characters kept).
std::string query_escape(std::string_view value);

/// `shoal tracker ingest`: consecutive batches [first, last) of items whose serialized sizes
/// are `item_bytes`, each at most `max_items` items and — with the JSON wrapper's `overhead` —
/// at most `max_bytes` (the server's per-call limits), in order and covering every item. An
/// item larger than max_bytes on its own is a batch of one (the server answers it with 413).
std::vector<std::pair<std::size_t, std::size_t>> ingest_batches(const std::vector<std::size_t>& item_bytes,
                                                                std::size_t max_items, std::size_t max_bytes,
                                                                std::size_t overhead = 16);

/// The API's error document {"error":{"code","message"}} as "message (HTTP 401, invalid_token)";
/// for a body that is not one (a proxy's HTML page), "HTTP 502 Bad Gateway" plus `reason`.
/// `code` receives the API's code, or "http_<status>".
std::string api_error_text(unsigned status, std::string_view reason, std::string_view body,
                           std::string& code);

}  // namespace shoal::cli
