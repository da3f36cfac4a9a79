#pragma once
// The account endpoints of the REST API, registered on an ApiRouter (the table below is also
// what GET /api/v1/openapi.json describes; docs/api.md has curl examples).
//
//   anyone     POST   /api/v1/auth/register        {username, password, email?, invite?}  201
//              POST   /api/v1/auth/login           {username, password, remember?}        200
//              GET    /api/v1/openapi.json
//   read       POST   /api/v1/auth/logout          (session credentials only)             204
//              GET    /api/v1/me                   (+ csrf_token for sessions)
//   write      PATCH  /api/v1/me                   {email}
//              POST   /api/v1/me/password          {current_password, new_password}       204
//              DELETE /api/v1/me                   {password}                             204
//   read       GET    /api/v1/me/keys
//   write      POST   /api/v1/me/keys              {name, scopes[], expires_at?}          201
//              DELETE /api/v1/me/keys/{id}                                               204
//   read       GET    /api/v1/me/passkey
//   write      POST   /api/v1/me/passkey                                                  200
//   admin      GET    /api/v1/admin/users?q=&limit=&offset=&include_deleted=
//              GET    /api/v1/admin/users/{id}
//              PATCH  /api/v1/admin/users/{id}     {role?, enabled?}
//              POST   /api/v1/admin/users/{id}/password   {new_password?}                 200
//              DELETE /api/v1/admin/users/{id}                                            204
//              POST   /api/v1/admin/invites                                               201
//              GET    /api/v1/admin/audit?limit=&before=
//              GET    /api/v1/admin/access/{list}                  list = allow | deny
//              PUT    /api/v1/admin/access/{list}/{info_hash}      {note?}           201 / 200
//              DELETE /api/v1/admin/access/{list}/{info_hash}                             204
//              GET    /api/v1/admin/settings
//
// Login answers {token, token_type: "Bearer", csrf_token, expires_at, user} and sets the session
// cookie (session_cookie in api_service.hpp); mobile clients use the token as a bearer token.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "shoal/proto/api_users.hpp"
#include "shoal/proto/expected.hpp"
#include "shoal/proto/hash.hpp"
#include "shoal/tracker/account_service.hpp"
#include "shoal/server/api_router.hpp"
#include "shoal/tracker/storage.hpp"

namespace shoal::tracker {

using namespace shoal::server;  // the HTTP/API layer the tracker is built on

/// What the admin endpoints need from the rest of the tracker (TrackerApp provides them; each
/// may be empty, and the endpoint then answers 503 "unavailable").
struct AccountApiDeps {
  std::function<expected<std::vector<AccessListEntry>, std::string>(AccessListKind)> load_list;
  std::function<expected<bool, std::string>(AccessListKind, const Sha1Digest&, std::string_view)>
      add_to_list;
  std::function<expected<bool, std::string>(AccessListKind, const Sha1Digest&)> remove_from_list;
  /// Applies the lists to the running tracker (Persistence::reload_lists).
  std::function<expected<void, std::string>()> reload_lists;
  /// The tracker settings shown by GET /api/v1/admin/settings (no secrets).
  std::function<nlohmann::json()> settings;
  /// For the OpenAPI document's info.version.
  std::string version = "0.1.0";
};

/// The public view of a user (no password hash, no passkey).
/// An account as the API shows it (api_users.hpp), and that as JSON.
api::UserView user_view(const UserRecord& user);
nlohmann::json user_json(const UserRecord& user);

/// Registers every endpoint above on `router`. `accounts` and whatever `deps` refers to must
/// outlive the router.
void register_account_routes(ApiRouter& router, AccountService& accounts, AccountApiDeps deps);

}  // namespace shoal::tracker
