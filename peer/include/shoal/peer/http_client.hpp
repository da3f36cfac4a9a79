#pragma once
// HttpClient: a synchronous (blocking, bounded by a deadline) HTTP/1.1 client over http:// and
// https://: get() fetches a resource (redirects followed, only 2xx is success); request() makes
// one call to an HTTP API (any method, headers, body; every status is an answer). TrackerClient
// uses get() for HTTP(S) trackers; `shoal download URL` uses it to fetch a .torrent file;
// `shoal tracker ...` uses request() for the tracker's REST API.
//
//   shoal::peer::HttpClient client;                      // 30 s, verify TLS, 3 redirects
//   auto r = client.get("https://example.org/files/some.torrent", 16 * 1024 * 1024);
//   if (!r) { std::cerr << r.error().message << "\n"; return; }  // 404, refused, timeout, ...
//   parse(r->body);                                                // the 2xx answer's body
//
// Contract (the same rules as TrackerClient's HTTP side, which is built on this class):
// - URLs are parsed by parse_tracker_url() (tracker_client.hpp) and must be http:// or https://;
//   errors are TrackerError values with the same codes (invalid_url, resolve_failed,
//   connection_refused, network_error, timeout, tls_error, http_status, redirect_error,
//   response_too_large, bad_response, internal_error). A message names the URL without its
//   query (redacted()), since private sites put keys there.
// - The deadline bounds the *whole* call: name resolution, connecting (each address of the host
//   in turn), the TLS handshake, every redirect and the body.
// - One `GET` with `Connection: close` and `Accept-Encoding: identity` per request. Up to
//   max_redirects redirects (301/302/303/307/308) are followed, to http(s) URLs only, never from
//   https:// to http://. A Location may be absolute, absolute-path ("/x") or relative ("x").
// - Only a 2xx answer is a success; any other status is TrackerErrc::http_status with the status
//   line and an excerpt of the body. The body is bounded by `max_body_size` (an announced larger
//   Content-Length is refused before it is read) and the headers by kMaxHttpHeaderSize.
// - HTTPS: the certificate is verified against the system trust store (plus ca_file) and the
//   URL's host name or IP address; SNI is sent for host names. `insecure` skips verification.
// - Never throws; not thread-safe (one client per thread).
//
// request() — one API call, e.g.
//
//   auto r = client.request("POST", "https://tracker.example/api/v1/auth/login",
//                           {{"Content-Type", "application/json"}},
//                           R"({"username":"alice","password":"..."})", 1024 * 1024);
//   if (!r) { ... }                     // no HTTP answer at all: refused, timeout, TLS, ...
//   if (r->status != 200) { ... }       // an answer: r->body holds the server's error document
//
// - Same URL rules, TLS settings, deadline (options().timeout for the whole call), error codes
//   and body bound as get(); the same connection code.
// - `method` is any HTTP token ("GET", "POST", "PATCH", "DELETE", ...); anything else is
//   TrackerErrc::invalid_request, and so is a header name that is not a token or a header value
//   with CR, LF or NUL (no header injection). Host, User-Agent, Accept-Encoding: identity and
//   Connection: close are always sent; `headers` are added after them. A non-empty body is sent
//   with its Content-Length (so is an empty one for POST, PUT and PATCH).
// - Every status is an answer (success of the call): 4xx/5xx come back with their body so the
//   caller can show the server's own error message. Redirects are NOT followed (a 3xx is
//   returned with its Location in `headers`): an API call must not silently change its method,
//   lose its body, or carry its Authorization header to another origin.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shoal/peer/tracker_client.hpp"
#include "shoal/proto/expected.hpp"

namespace shoal::peer {

/// Default bound on one HttpClient::get(std::string_view, ...) call, everything included.
inline constexpr std::chrono::milliseconds kDefaultHttpTimeout{30'000};

struct HttpClientOptions {
  /// Bound on a get(url, ...) call; the other get() takes an explicit deadline instead. Also
  /// quoted in timeout messages.
  std::chrono::milliseconds timeout = kDefaultHttpTimeout;
  /// HTTPS: do not verify the server's certificate or host name.
  bool insecure = false;
  /// HTTPS: a PEM file of extra trusted certificates, added to the system store. A file that
  /// cannot be loaded makes every HTTPS call fail with TrackerErrc::tls_error.
  std::string ca_file;
  std::string user_agent{kDefaultUserAgent};
  /// Redirects followed per call (0: none; a redirect is then an error).
  int max_redirects = kDefaultMaxRedirects;
};

/// Header fields as (name, value) pairs, in order.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

/// An answer: from get() always 2xx; from request() any status.
struct HttpResponse {
  /// Where the body came from, after redirects.
  TrackerUrl url;
  unsigned status = 200;
  /// The status line's reason phrase as sent ("OK"; may be empty).
  std::string reason;
  /// The Content-Type header as sent ("" when absent).
  std::string content_type;
  /// Every response header field as received (names as the server spelled them).
  HttpHeaders headers;
  std::string body;

  /// The first header field called `name` (compared case-insensitively); "" when absent.
  std::string header(std::string_view name) const;
};

class HttpClient {
public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  const HttpClientOptions& options() const noexcept;

  /// GETs `url` (http:// or https://) within options().timeout. A udp:// URL is invalid_url.
  expected<HttpResponse, TrackerError> get(std::string_view url, std::size_t max_body_size);

  /// GETs `target` (path and query) from url's origin, within `deadline`. `url` names the
  /// resource in messages and is the base of relative redirects.
  expected<HttpResponse, TrackerError> get(const TrackerUrl& url, std::string target,
                                           std::size_t max_body_size,
                                           std::chrono::steady_clock::time_point deadline);

  /// One `method` call of `url` (http:// or https://) with extra `headers` and `body`, within
  /// options().timeout; the answer whatever its status (see request() in the contract above).
  expected<HttpResponse, TrackerError> request(std::string_view method, std::string_view url,
                                               const HttpHeaders& headers, std::string body,
                                               std::size_t max_body_size);

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace shoal::peer
