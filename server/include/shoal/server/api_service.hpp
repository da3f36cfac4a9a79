#pragma once
// ApiService: the REST API on the tracker's HTTP server — everything between an HttpRequest under
// /api/v1 and a route handler (api_router.hpp). On the I/O thread (cheap, in memory): request size
// limit (413; ApiOptions::max_body_bytes, or an upload route's larger ApiRoute::max_body_bytes
// for one of its raw_body_types from a caller with a credential), per-address and per-credential rate
// limits (429 + Retry-After), queue limit (503); then the response is deferred (HttpResponse::defer) and a worker thread does the rest — Content-Type
// check (415: JSON, or the route's ApiRoute::raw_body_types, which skips JSON parsing), JSON
// parsing (400), authentication (401), authorization (403), the CSRF check for cookie sessions,
// the handler — so SQLite and the password KDF never block announces.
//
//   ApiService api(accounts, options);
//   register_account_routes(api.router(), accounts, deps);        // account_api.hpp
//   http_handler = [&](auto& req, auto& res) {
//     if (req.path().starts_with("/api/")) return api.handle(req, res);
//     ...
//   };
//   api.start();  ...  http.stop(); api.stop();
//
// Credentials, in this order: `Authorization: Bearer <API key or session token>`, else the
// session cookie (`shoal_session`). A cookie-authenticated POST/PUT/PATCH/DELETE must carry
// `X-CSRF-Token: <csrf_token>` (from the login answer or GET /api/v1/me); bearer requests need
// none. Every reply is JSON; errors use ApiReply::error's shape.
//
// Routes are added before start(); the router is not locked afterwards.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "shoal/proto/api_json.hpp"
#include "shoal/server/auth.hpp"
#include "shoal/server/rate_limiter.hpp"
#include "shoal/server/api_router.hpp"
#include "shoal/server/http_server.hpp"

namespace shoal::server {

inline constexpr std::string_view kSessionCookieName = "shoal_session";
/// Deepest JSON nesting a request body may have (bodies are flat objects; this bounds parsing).
inline constexpr std::size_t kMaxApiJsonDepth = 16;

struct ApiOptions {
  std::size_t threads = 2;            ///< worker threads
  std::size_t max_queue = 512;        ///< requests waiting for a worker; beyond: 503
  std::size_t max_body_bytes = 16 * 1024;  ///< beyond: 413
  /// Requests per second and burst, per client address (IPv6: per /64) and per credential.
  /// 0 per_second: no limit.
  double rate_per_second = 10;
  double rate_burst = 60;
};

/// {"error": ...} body text and status, for callers that answer without a route (e.g. 404 for
/// an unknown /api path before the API exists).
void write_api_reply(const ApiReply& reply, HttpResponse& res);

/// proto's scan (api_json.hpp): true when `body` nests deeper than `max_depth`.
using api::json_nesting_exceeds;

/// The value of cookie `name` in a Cookie header, or nullopt.
std::optional<std::string_view> cookie_value(std::string_view cookie_header,
                                             std::string_view name) noexcept;

/// The Set-Cookie value for a session: HttpOnly, SameSite=Lax, Path=/api/, Secure when `tls`;
/// Max-Age only for remember-me sessions (`max_age_seconds` > 0), else a browser-session cookie.
/// An empty `token` with max_age 0 builds the clearing cookie (Max-Age=0).
std::string session_cookie(std::string_view token, bool tls, std::int64_t max_age_seconds,
                           bool clear = false);

class ApiService {
public:
  /// `auth` says who a credential stands for; it must outlive the service.
  ApiService(Authenticator& auth, ApiOptions options);
  ~ApiService();  ///< stop()
  ApiService(const ApiService&) = delete;
  ApiService& operator=(const ApiService&) = delete;

  ApiRouter& router() noexcept { return m_router; }

  /// The largest body any request may carry: max_body_bytes, or a route's own larger limit
  /// (ApiRoute::max_body_bytes). The HTTP server in front must accept at least this much.
  std::size_t largest_body_limit() const noexcept;

  /// The body `request` may carry, decided from its method, path and header fields alone (its
  /// body is not looked at): max_body_bytes, or the route's own larger limit when the body is
  /// one of that route's raw_body_types and the caller presents a credential (bearer token or session
  /// cookie; whether it is valid is checked later). The HTTP server asks this once a header is
  /// read (HttpServerOptions::body_limit), so an anonymous caller can never make it buffer more
  /// than max_body_bytes; handle() applies the same rule again.
  std::size_t body_limit(const HttpRequest& request) const;

  /// Starts the worker threads.
  void start();
  /// Finishes queued work and joins the workers; requests arriving later get 503. Idempotent.
  void stop();

  /// The HTTP handler for paths under /api/ (I/O thread; defers the response).
  void handle(const HttpRequest& request, HttpResponse& response);

  /// Everything handle() does after deferring, synchronously: for tests and for the worker.
  /// `authorization`, `cookie`, `csrf` are the header values ("" when absent); the Content-Type
  /// comes in call.content_type.
  ApiReply process(ApiCall call, std::string_view authorization, std::string_view cookie,
                   std::string_view csrf);

private:
  /// process() after routing: body, credential and scope checks, then the handler (`handled`
  /// set once it was called).
  ApiReply run(const ApiRoute& route, ApiCall call, std::string_view authorization, std::string_view cookie,
               std::string_view csrf, bool& handled);

  struct Pool;
  Authenticator& m_auth;
  ApiOptions m_options;
  ApiRouter m_router;
  RateLimiter m_address_limiter;
  RateLimiter m_credential_limiter;
  std::unique_ptr<Pool> m_pool;
};

}  // namespace shoal::server
