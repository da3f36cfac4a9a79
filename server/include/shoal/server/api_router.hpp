#pragma once
// ApiRouter: the REST API's routing table, and the one source of its OpenAPI description. An
// endpoint is one add() call — method, path pattern, required authorization, documentation and
// handler — and GET /api/v1/openapi.json is generated from the same list, so the description
// cannot drift from what is served.
//
//   router.add({.method = "GET", .pattern = "/api/v1/admin/users/{id}",
//               .auth = ApiAuth::with_scope(Scope::admin), .summary = "One user",
//               .handler = [&](ApiCall& call) {
//                 auto id = call.int_param("id");                // 404 when not an integer
//                 if (!id) return ApiReply::error(404, "not_found", "no such user");
//                 return ApiReply::json(200, user_json(*id));
//               }});
//   auto match = router.match("GET", "/api/v1/admin/users/7");   // route + {"id": "7"}
//
// Patterns are literal segments and `{name}` segments (one non-empty path segment, percent-
// decoded into ApiCall::params). match() tells "no such path" (404) from "path exists, other
// methods" (405, with the Allow list). Handlers run on the API's worker threads (api_service.hpp)
// with the caller already authenticated and authorized as the route demands (auth.hpp);
// ApiCall::user_id() gives the caller's account id, caller_as<T>() the application's principal.
//
// Errors have one JSON shape everywhere: {"error": {"code": "...", "message": "..."}}.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "shoal/proto/peer_endpoint.hpp"
#include "shoal/server/auth.hpp"

namespace shoal::server {

/// What a route requires of its caller.
struct ApiAuth {
  bool required = false;
  Scope scope = Scope::read;  ///< when required; Scope::admin also means "an admin's credential"
  /// When required: the credential may also come as `?apikey=` in the URL (feeds, and the
  /// downloads they link to), for clients that cannot send headers. Only an API key with the
  /// feed scope is taken there (any other credential is 401), and it then holds only the read
  /// and feed scopes. A header credential, when sent, is used instead.
  bool url_key = false;

  static ApiAuth none() { return {}; }
  static ApiAuth with_scope(Scope s) { return {true, s}; }
  /// This, also taking a feed key from the URL (no change when nothing is required).
  ApiAuth or_url_key() const {
    ApiAuth a = *this;
    a.url_key = required;
    return a;
  }
};

/// One request as a handler sees it: owned copies (it runs on a worker thread, after the HTTP
/// handler returned), the path parameters, the parsed JSON body and the authenticated caller.
struct ApiCall {
  std::string method;
  std::string path;
  std::string query;  ///< raw, percent-encoded
  std::string body;
  /// Request headers a handler may need, as sent (empty when absent): the full Content-Type
  /// (with parameters, e.g. a multipart boundary), Host (for absolute links when no public URL
  /// is configured — the caller's own value, so only ever reflected to that caller) and Accept.
  std::string content_type;
  std::string host;
  std::string accept;
  nlohmann::json json;  ///< the parsed body: an object, or null when there was no body
  std::map<std::string, std::string, std::less<>> params;
  IpAddress client_address;
  bool tls = false;
  /// Set for routes that require authorization: what the application's Authenticator made of
  /// the credential (its own type derived from Caller; see caller_as()).
  std::shared_ptr<Caller> principal;
  /// The session token when the caller authenticated with a session (cookie or bearer).
  std::string session_token;
  /// True when the session came from the cookie (CSRF rules apply; logout clears the cookie).
  bool cookie_auth = false;

  /// The authenticated caller's user id (0 when anonymous). Read-only access for later
  /// endpoints.
  std::int64_t user_id() const noexcept { return principal ? principal->user_id : 0; }
  /// A path parameter as a positive integer, or nullopt.
  std::optional<std::int64_t> int_param(std::string_view name) const;
  /// A query parameter (percent-decoded, '+' as space), or nullopt.
  std::optional<std::string> query_param(std::string_view name) const;
  /// The client address as text (for logs and the audit log).
  std::string client_text() const { return client_address.to_string(); }
};

/// A handler's answer: JSON `body` (null: no body, use with 204), or — when `content_type` is
/// set — the bytes in `raw` sent as they are with that Content-Type (a .torrent file, an XML feed).
struct ApiReply {
  unsigned status = 200;
  nlohmann::json body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = {};
  std::string raw = {};

  static ApiReply json(unsigned status, nlohmann::json body) { return {status, std::move(body), {}}; }
  static ApiReply no_content() { return {204, nullptr, {}}; }
  /// `body` as it is, with Content-Type `content_type` (must not be empty).
  static ApiReply raw_body(unsigned status, std::string content_type, std::string body) {
    return {status, nullptr, {}, std::move(content_type), std::move(body)};
  }
  /// {"error": {"code": code, "message": message}}
  static ApiReply error(unsigned status, std::string_view code, std::string_view message);
};

/// Whether a Content-Type header value names media type `type` ("application/json" matches
/// "Application/JSON; charset=utf-8"): parameters ignored, ASCII case-insensitive.
bool media_type_is(std::string_view content_type, std::string_view type) noexcept;

/// The application's principal of an authenticated call: `T` must be the type its Authenticator
/// creates (only that Authenticator fills ApiCall::principal). Only for routes that require
/// authorization (the principal is then set).
template <class T>
const T& caller_as(const ApiCall& call) noexcept {
  return static_cast<const T&>(*call.principal);
}

/// The reply for an AuthError: invalid 422, unauthorized 401 (with WWW-Authenticate),
/// forbidden 403, not_found 404, conflict 409, throttled 429 (with Retry-After), internal 500.
ApiReply api_error_from(const AuthError& error);

using ApiHandler = std::function<ApiReply(ApiCall&)>;

struct ApiRoute {
  std::string method;   ///< "GET", "POST", "PUT", "PATCH", "DELETE"
  std::string pattern;  ///< "/api/v1/me/keys/{id}"
  ApiAuth auth;
  std::string summary;      ///< one line, for OpenAPI
  std::string tag;          ///< OpenAPI group ("account", "admin", ...)
  /// OpenAPI schema of the JSON request body; null: no body.
  nlohmann::json request_schema = nullptr;
  /// Success status and its description for OpenAPI.
  unsigned success_status = 200;
  std::string success_description = "OK";
  ApiHandler handler;
  /// Largest raw body (one of raw_body_types; JSON too with large_json_body) this route takes
  /// from a caller that presents a credential; 0: the service's limit (ApiOptions::
  /// max_body_bytes), which also stays the limit for other bodies and anonymous callers. Only
  /// ever raises that limit (a file upload, a bulk import), never lowers it.
  std::size_t max_body_bytes = 0;
  /// Media types (e.g. "application/x-bittorrent", "multipart/form-data") this route also takes
  /// besides JSON: such a body reaches the handler as raw bytes in ApiCall::body, with
  /// ApiCall::json null and the full header in ApiCall::content_type. Empty: JSON only (anything
  /// else is 415).
  std::vector<std::string> raw_body_types = {};
  /// Whether max_body_bytes also applies to a JSON body (bulk import): parsed only after the
  /// size check, from a caller with a credential, and still bounded in nesting.
  bool large_json_body = false;

  /// Whether `content_type` (a Content-Type header value, parameters ignored, case-insensitive)
  /// is one of raw_body_types.
  bool takes_raw(std::string_view content_type) const noexcept;
  /// Rewrites the JSON error replies the API produces for this route before its handler runs
  /// (415, 400, 401, 403) into the route's own format (Torznab's XML errors); null: unchanged.
  std::function<ApiReply(ApiReply)> reshape_error = nullptr;
  /// Whether a body of `content_type` may be up to max_body_bytes (a raw type, or JSON with
  /// large_json_body).
  bool takes_large(std::string_view content_type) const noexcept;
};

class ApiRouter {
public:
  /// Registers a route. Throws std::invalid_argument for an empty handler, a pattern not
  /// starting with '/', or a (method, pattern) pair added twice.
  void add(ApiRoute route);

  struct Match {
    const ApiRoute* route = nullptr;
    std::map<std::string, std::string, std::less<>> params;
  };
  /// The route for (method, path): a Match, or an error reply — 404 not_found when no pattern
  /// matches the path, 405 method_not_allowed (with an Allow header) when only other methods do.
  /// HEAD matches GET routes.
  std::variant<Match, ApiReply> match(std::string_view method, std::string_view path) const;

  const std::vector<ApiRoute>& routes() const noexcept { return m_routes; }

  /// The OpenAPI 3.0 description of every route: security requirement (bearer or cookie) and
  /// required scope (`x-required-scope`) per operation, request body schemas, the error shape.
  nlohmann::json openapi(std::string_view title, std::string_view version) const;

private:
  std::vector<ApiRoute> m_routes;
};

}  // namespace shoal::server
