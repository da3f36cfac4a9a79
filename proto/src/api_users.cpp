#include "shoal/proto/api_users.hpp"

namespace shoal::api {

Json UserView::to_json() const {
  return {{"id", id},
          {"username", username},
          {"email", email ? Json(*email) : Json(nullptr)},
          {"role", role},
          {"enabled", enabled},
          {"created_at", created_at},
          {"last_login_at", last_login_at ? Json(*last_login_at) : Json(nullptr)},
          {"deleted", deleted}};
}

expected<UserView, Error> UserView::from_json(const Json& j, std::string context) {
  FieldReader r(j, std::move(context));
  UserView u;
  u.id = r.integer("id");
  u.username = r.text("username");
  u.email = r.opt_text("email");
  u.role = r.text("role");
  u.enabled = r.boolean("enabled");
  u.created_at = r.integer("created_at");
  u.last_login_at = r.opt_integer("last_login_at");
  u.deleted = r.boolean_or("deleted", false);
  if (!r.ok()) return r.take_error();
  return u;
}

expected<UserView, Error> UserView::from_reply(const Json& j) {
  FieldReader r(j, "answer");
  const Json& user = r.value("user");
  if (!r.ok()) return r.take_error();
  return from_json(user, r.path("user"));
}

Json UserPage::to_json() const {
  Json list = Json::array();
  for (const auto& u : users) list.push_back(u.to_json());
  return {{"users", std::move(list)}, {"total", total}, {"limit", limit}, {"offset", offset}};
}

expected<UserPage, Error> UserPage::from_json(const Json& j) {
  FieldReader r(j, "user list");
  UserPage p;
  p.users = read_list<UserView>(r, "users", UserView::from_json);
  p.total = r.count("total");
  p.limit = r.count("limit");
  p.offset = r.count("offset");
  if (!r.ok()) return r.take_error();
  return p;
}

Json LoginReply::to_json() const {
  return {{"token", token},
          {"token_type", token_type},
          {"csrf_token", csrf_token},
          {"expires_at", expires_at},
          {"user", user.to_json()}};
}

expected<LoginReply, Error> LoginReply::from_json(const Json& j) {
  FieldReader r(j, "login");
  LoginReply l;
  l.token = r.text("token");
  l.token_type = r.text("token_type");
  l.csrf_token = r.text("csrf_token");
  l.expires_at = r.integer("expires_at");
  const Json& user_json = r.value("user");
  if (!r.ok()) return r.take_error();
  if (l.token.empty()) return fail(Errc::invalid_value, "login", "token: empty");
  auto user = UserView::from_json(user_json, r.path("user"));
  if (!user) return unexpected<Error>(user.error());
  l.user = std::move(*user);
  return l;
}

}  // namespace shoal::api
