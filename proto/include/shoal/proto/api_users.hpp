#pragma once
// Accounts as the tracker's management API shows them (shoal-tracker /api/v1/auth/*,
// /api/v1/me, /api/v1/admin/users): written by the tracker, read by shoal-monitor's Users page.
//
//   GET /api/v1/admin/users?q=&limit=&offset=  -> UserPage
//     {"users": [{"id": 7, "username": "ann", "email": null, "role": "user", "enabled": true,
//                 "created_at": 1700000000, "last_login_at": null, "deleted": false}],
//      "total": 1, "limit": 50, "offset": 0}
//   PATCH /api/v1/admin/users/{id} {"role": "moderator"}  -> {"user": UserView}
//   POST /api/v1/auth/login {"username", "password"}      -> LoginReply
//     {"token": "...", "token_type": "Bearer", "csrf_token": "...", "expires_at": ..,
//      "user": UserView}
//
// Contract: roles are "user", "uploader", "moderator", "admin"; times are unix seconds; email and
// last_login_at are null when unknown.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shoal/proto/api_json.hpp"

namespace shoal::api {

struct UserView {
  std::int64_t id = 0;
  std::string username;
  std::optional<std::string> email;
  std::string role;
  bool enabled = true;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> last_login_at;
  bool deleted = false;

  Json to_json() const;
  static expected<UserView, Error> from_json(const Json& j, std::string context = "user");
  /// The {"user": {...}} answer of the calls that return one account.
  static expected<UserView, Error> from_reply(const Json& j);

  friend bool operator==(const UserView&, const UserView&) = default;
};

struct UserPage {
  std::vector<UserView> users;
  std::uint64_t total = 0;
  std::uint64_t limit = 0;
  std::uint64_t offset = 0;

  Json to_json() const;
  static expected<UserPage, Error> from_json(const Json& j);

  friend bool operator==(const UserPage&, const UserPage&) = default;
};

struct LoginReply {
  std::string token;       ///< the session token: `Authorization: Bearer <token>`
  std::string token_type;  ///< "Bearer"
  std::string csrf_token;  ///< for cookie sessions
  std::int64_t expires_at = 0;
  UserView user;

  Json to_json() const;
  static expected<LoginReply, Error> from_json(const Json& j);

  friend bool operator==(const LoginReply&, const LoginReply&) = default;
};

}  // namespace shoal::api
