#pragma once
// The API's authorization model, shared by every Shoal server with a REST API (shoal-tracker's
// management API, shoal-peer's control API): credentials carry scopes; a route names the scope
// it needs (api_router.hpp, ApiAuth); ApiService (api_service.hpp) asks the application's
// Authenticator who a bearer token stands for and checks the scope before a handler runs.
//
//   class Keys final : public shoal::server::Authenticator {
//     AuthResult<std::shared_ptr<Caller>> authenticate(std::string_view token) override {
//       if (!known(token)) return std::unexpected(AuthError{AuthError::Kind::unauthorized,
//                                                 "invalid_token", "unknown API key"});
//       auto who = std::make_shared<Caller>();
//       who->credential = CredentialKind::api_key;
//       who->scopes = scope_bit(Scope::read) | scope_bit(Scope::write);
//       return who;
//     }
//   };
//
// An application that knows more about its callers (the tracker's user records) derives its
// principal type from Caller and creates that; its handlers get it back with caller_as<T>()
// (api_router.hpp) — only its own Authenticator ever fills ApiCall::principal.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/proto/expected.hpp"

namespace shoal::server {

/// What a credential may do, as bits (the tracker stores them in its `scopes` column).
/// `feed`: an API key that may be given in a URL (`?apikey=`) to read feeds — RSS readers and
/// Torznab clients cannot send headers — and there it reads, nothing more (ApiAuth::url_key).
enum class Scope : std::uint32_t { read = 1, write = 2, admin = 4, ingest = 8, feed = 16 };
using ScopeSet = std::uint32_t;
inline constexpr ScopeSet kAllScopes = 31;
inline constexpr ScopeSet scope_bit(Scope s) noexcept { return static_cast<ScopeSet>(s); }
inline constexpr bool has_scope(ScopeSet set, Scope s) noexcept { return (set & scope_bit(s)) != 0; }
std::string_view scope_name(Scope s) noexcept;
std::optional<Scope> parse_scope(std::string_view text) noexcept;
/// Names of the scopes in `set`, in the order read, write, admin, ingest, feed.
std::vector<std::string> scope_names(ScopeSet set);

enum class CredentialKind { session, api_key };

/// Why a call was refused; api_error_from() (api_router.hpp) maps it to an HTTP reply.
struct AuthError {
  enum class Kind {
    invalid,       ///< malformed or unacceptable input (HTTP 422)
    unauthorized,  ///< no valid credential, or wrong password (401)
    forbidden,     ///< valid credential, not allowed (403)
    not_found,     ///< (404)
    conflict,      ///< name taken, last admin, ... (409)
    throttled,     ///< too many attempts (429 + retry_after)
    internal,      ///< storage failure (500); message is for the log only
  };
  Kind kind = Kind::internal;
  std::string code;     ///< machine-readable: "invalid_token", "username_taken", ...
  std::string message;  ///< for humans
  std::uint32_t retry_after = 0;  ///< seconds, for throttled
};

template <class T>
using AuthResult = expected<T, AuthError>;

/// Who is calling, as far as ApiService needs to know: the kind of credential and its scopes.
/// Applications derive their own principal from it.
struct Caller {
  CredentialKind credential = CredentialKind::api_key;
  ScopeSet scopes = 0;
  /// The application's id for the account behind the credential (0: none) — rate limiting and
  /// logs; the tracker's user id.
  std::int64_t user_id = 0;
};

/// The application's side of authentication.
class Authenticator {
public:
  virtual ~Authenticator() = default;
  /// The caller `token` (a bearer token or session-cookie value, as sent) stands for, or why
  /// not (unauthorized for unknown/expired/revoked credentials, throttled, internal). Called on
  /// API worker threads, concurrently: must be thread-safe.
  virtual AuthResult<std::shared_ptr<Caller>> authenticate(std::string_view token) = 0;
};

}  // namespace shoal::server
