#include "shoal/tracker/account_api.hpp"
#include "shoal/tracker/api_principal.hpp"

#include <memory>

#include "shoal/proto/api_users.hpp"
#include "shoal/tracker/api_fields.hpp"
#include "shoal/server/api_service.hpp"
#include "shoal/server/secret_token.hpp"

namespace shoal::tracker {

using namespace shoal::server;  // the HTTP/API layer the tracker is built on

namespace {

using nlohmann::json;

json opt_json(const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); }

json key_json(const ApiKeyRecord& k) {
  return {{"id", k.id},
          {"name", k.name},
          {"prefix", k.prefix},
          {"scopes", scope_names(k.scopes)},
          {"created_at", k.created_at},
          {"expires_at", opt_json(k.expires_at)},
          {"last_used_at", opt_json(k.last_used_at)},
          {"revoked_at", opt_json(k.revoked_at)}};
}

json audit_json(const AuditRecord& a) {
  return {{"id", a.id},
          {"at", a.at},
          {"actor_id", opt_json(a.actor_id)},
          {"actor", a.actor_name},
          {"action", a.action},
          {"target_id", opt_json(a.target_id)},
          {"target", a.target_name},
          {"address", a.address},
          {"detail", a.detail}};
}

json schema_object(std::initializer_list<std::pair<const char*, const char*>> props,
                   std::vector<std::string> required) {
  json p = json::object();
  for (auto [name, type] : props) {
    if (std::string_view(type) == "array")
      p[name] = {{"type", "array"}, {"items", {{"type", "string"}}}};
    else
      p[name] = {{"type", type}};
  }
  json s = {{"type", "object"}, {"properties", p}};
  if (!required.empty()) s["required"] = required;
  return s;
}

std::optional<AccessListKind> list_kind(const ApiCall& call) {
  auto it = call.params.find("list");
  if (it == call.params.end()) return std::nullopt;
  if (it->second == "allow") return AccessListKind::allow;
  if (it->second == "deny") return AccessListKind::deny;
  return std::nullopt;
}

ApiReply unavailable() { return ApiReply::error(503, "unavailable", "not available on this tracker"); }

}  // namespace

api::UserView user_view(const UserRecord& u) {
  return {.id = u.id,
          .username = u.username,
          .email = u.email,
          .role = std::string(role_name(u.role)),
          .enabled = u.enabled,
          .created_at = u.created_at,
          .last_login_at = u.last_login_at,
          .deleted = u.deleted_at.has_value()};
}

json user_json(const UserRecord& u) { return user_view(u).to_json(); }

void register_account_routes(ApiRouter& router, AccountService& accounts, AccountApiDeps deps_in) {
  auto deps = std::make_shared<AccountApiDeps>(std::move(deps_in));
  AccountService* a = &accounts;
  ApiRouter* r = &router;
  const ApiAuth anyone = ApiAuth::none();
  const ApiAuth read = ApiAuth::with_scope(Scope::read);
  const ApiAuth write = ApiAuth::with_scope(Scope::write);
  const ApiAuth admin = ApiAuth::with_scope(Scope::admin);

  // ---- auth -----------------------------------------------------------------------------------
  router.add({"POST", "/api/v1/auth/register", anyone, "Create an account (registration open or invite)",
              "auth",
              schema_object({{"username", "string"}, {"password", "string"}, {"email", "string"},
                             {"invite", "string"}},
                            {"username", "password"}),
              201, "the new user", [a](ApiCall& call) {
                JsonFields b(call.json);
                auto username = b.text("username", true, 64);
                auto password = b.text("password", true, 4096);
                auto email = b.text("email", false, 512);
                auto invite = b.text("invite", false, 128);
                if (!b.ok()) return b.error();
                auto u = a->register_user(*username, *password, email, invite, call.client_text());
                if (!u) return api_error_from(u.error());
                return ApiReply::json(201, {{"user", user_json(*u)}});
              }});

  router.add({"POST", "/api/v1/auth/login", anyone,
              "Sign in: a session token (bearer) and the session cookie", "auth",
              schema_object({{"username", "string"}, {"password", "string"}, {"remember", "boolean"}},
                            {"username", "password"}),
              200, "token, csrf_token, expires_at, user", [a](ApiCall& call) {
                JsonFields b(call.json);
                auto username = b.text("username", true, 64);
                auto password = b.text("password", true, 4096);
                auto remember = b.boolean("remember");
                if (!b.ok()) return b.error();
                auto login = a->login(*username, *password, remember.value_or(false), call.client_text());
                if (!login) return api_error_from(login.error());
                ApiReply reply = ApiReply::json(200, api::LoginReply{.token = login->token,
                                                                     .token_type = "Bearer",
                                                                     .csrf_token = csrf_token_for(login->token),
                                                                     .expires_at = login->session.expires_at,
                                                                     .user = user_view(login->user)}
                                                         .to_json());
                const std::int64_t max_age =
                    login->session.remember ? a->policy().remember_lifetime.count() : 0;
                reply.headers.emplace_back("Set-Cookie", session_cookie(login->token, call.tls, max_age));
                return reply;
              }});

  router.add({"POST", "/api/v1/auth/logout", read, "End the current session (clears the cookie)",
              "auth", nullptr, 204, "signed out", [a](ApiCall& call) {
                auto r2 = a->logout(principal_of(call));
                if (!r2) return api_error_from(r2.error());
                ApiReply reply = ApiReply::no_content();
                reply.headers.emplace_back("Set-Cookie", session_cookie("", call.tls, 0, true));
                return reply;
              }});

  router.add({"GET", "/api/v1/openapi.json", anyone, "This description", "meta", nullptr, 200,
              "OpenAPI 3.0 document", [r, deps](ApiCall&) {
                return ApiReply::json(200, r->openapi("shoal-tracker API", deps->version));
              }});

  // ---- me ---------------------------------------------------------------------------------------
  router.add({"GET", "/api/v1/me", read, "The caller's account", "account", nullptr, 200,
              "user (+ csrf_token and session expiry for sessions)", [](ApiCall& call) {
                json out = {{"user", user_json(principal_of(call).user)},
                            {"scopes", scope_names(principal_of(call).scopes)},
                            {"credential", principal_of(call).credential == CredentialKind::session
                                               ? "session" : "api_key"}};
                if (!call.session_token.empty()) {
                  out["csrf_token"] = csrf_token_for(call.session_token);
                  out["session_expires_at"] = principal_of(call).expires_at;
                }
                return ApiReply::json(200, out);
              }});

  router.add({"PATCH", "/api/v1/me", write, "Update the caller's account (email)", "account",
              schema_object({{"email", "string"}}, {"email"}), 200, "the updated user",
              [a](ApiCall& call) {
                JsonFields b(call.json);
                auto email = b.text("email", true, 512);
                if (!b.ok()) return b.error();
                auto u = a->update_email(principal_of(call), *email);
                if (!u) return api_error_from(u.error());
                return ApiReply::json(200, {{"user", user_json(*u)}});
              }});

  router.add({"POST", "/api/v1/me/password", write,
              "Change the caller's password (other sessions end)", "account",
              schema_object({{"current_password", "string"}, {"new_password", "string"}},
                            {"current_password", "new_password"}),
              204, "changed", [a](ApiCall& call) {
                JsonFields b(call.json);
                auto current = b.text("current_password", true, 4096);
                auto replacement = b.text("new_password", true, 4096);
                if (!b.ok()) return b.error();
                auto r2 = a->change_password(principal_of(call), *current, *replacement);
                if (!r2) return api_error_from(r2.error());
                return ApiReply::no_content();
              }});

  router.add({"DELETE", "/api/v1/me", write,
              "Delete the caller's account (personal data removed; accounting totals kept)",
              "account", schema_object({{"password", "string"}}, {"password"}), 204, "deleted",
              [a](ApiCall& call) {
                JsonFields b(call.json);
                auto password = b.text("password", true, 4096);
                if (!b.ok()) return b.error();
                auto r2 = a->delete_own_account(principal_of(call), *password, call.client_text());
                if (!r2) return api_error_from(r2.error());
                ApiReply reply = ApiReply::no_content();
                if (call.cookie_auth)
                  reply.headers.emplace_back("Set-Cookie", session_cookie("", call.tls, 0, true));
                return reply;
              }});

  router.add({"GET", "/api/v1/me/keys", read, "The caller's API keys (prefix only)", "keys",
              nullptr, 200, "keys", [a](ApiCall& call) {
                auto keys = a->list_api_keys(principal_of(call));
                if (!keys) return api_error_from(keys.error());
                json list = json::array();
                for (const auto& k : *keys) list.push_back(key_json(k));
                return ApiReply::json(200, {{"keys", list}});
              }});

  router.add({"POST", "/api/v1/me/keys", write,
              "Create an API key (the key is in the answer, once)", "keys",
              schema_object({{"name", "string"}, {"scopes", "array"}, {"expires_at", "integer"}},
                            {"name", "scopes"}),
              201, "key and its record", [a](ApiCall& call) {
                JsonFields b(call.json);
                auto name = b.text("name", true, 256);
                auto scopes = b.strings("scopes", true);
                auto expires_at = b.integer("expires_at");
                if (!b.ok()) return b.error();
                ScopeSet set = 0;
                for (const auto& s : *scopes) {
                  auto scope = parse_scope(s);
                  if (!scope)
                    return ApiReply::error(422, "invalid_scopes", "unknown scope '" + s +
                                                                      "' (read, write, admin, ingest)");
                  set |= scope_bit(*scope);
                }
                auto key = a->create_api_key(principal_of(call), *name, set, expires_at);
                if (!key) return api_error_from(key.error());
                json out = key_json(key->record);
                out["key"] = key->key;
                return ApiReply::json(201, out);
              }});

  router.add({"DELETE", "/api/v1/me/keys/{id}", write, "Revoke one of the caller's API keys",
              "keys", nullptr, 204, "revoked", [a](ApiCall& call) {
                auto id = call.int_param("id");
                if (!id) return ApiReply::error(404, "not_found", "no such API key");
                auto r2 = a->revoke_api_key(principal_of(call), *id);
                if (!r2) return api_error_from(r2.error());
                return ApiReply::no_content();
              }});

  router.add({"GET", "/api/v1/me/passkey", read, "The caller's passkey (for announce URLs)",
              "account", nullptr, 200, "passkey", [](ApiCall& call) {
                return ApiReply::json(200, {{"passkey", principal_of(call).user.passkey}});
              }});

  router.add({"POST", "/api/v1/me/passkey", write,
              "Rotate the caller's passkey (the old one stops working)", "account", nullptr, 200,
              "the new passkey", [a](ApiCall& call) {
                auto pk = a->rotate_passkey(principal_of(call));
                if (!pk) return api_error_from(pk.error());
                return ApiReply::json(200, {{"passkey", *pk}});
              }});

  // ---- admin ------------------------------------------------------------------------------------
  router.add({"GET", "/api/v1/admin/users", admin,
              "List or search users (?q=, limit<=500, offset, include_deleted=1)", "admin",
              nullptr, 200, "users and total", [a](ApiCall& call) {
                bool bad = false;
                UserQuery q;
                q.search = call.query_param("q").value_or("");
                q.limit = bounded_query_int(call, "limit", 50, 500, bad);
                q.offset = bounded_query_int(call, "offset", 0, 1'000'000'000, bad);
                q.include_deleted = call.query_param("include_deleted").value_or("0") == "1";
                if (bad || q.search.size() > 64)
                  return ApiReply::error(400, "invalid_query", "limit is 0-500, offset a whole number, q at most 64 bytes");
                auto page = a->list_users(q);
                if (!page) return api_error_from(page.error());
                api::UserPage out{.users = {}, .total = static_cast<std::uint64_t>(page->total),
                                  .limit = static_cast<std::uint64_t>(q.limit), .offset = static_cast<std::uint64_t>(q.offset)};
                for (const auto& u : page->users) out.users.push_back(user_view(u));
                return ApiReply::json(200, out.to_json());
              }});

  router.add({"GET", "/api/v1/admin/users/{id}", admin, "One user", "admin", nullptr, 200, "user",
              [a](ApiCall& call) {
                auto id = call.int_param("id");
                if (!id) return ApiReply::error(404, "not_found", "no such user");
                auto u = a->get_user(*id);
                if (!u) return api_error_from(u.error());
                return ApiReply::json(200, {{"user", user_json(*u)}});
              }});

  router.add({"PATCH", "/api/v1/admin/users/{id}", admin, "Change a user's role or disable/enable it",
              "admin", schema_object({{"role", "string"}, {"enabled", "boolean"}}, {}), 200,
              "the updated user", [a](ApiCall& call) {
                auto id = call.int_param("id");
                if (!id) return ApiReply::error(404, "not_found", "no such user");
                JsonFields b(call.json);
                auto role_text = b.text("role", false, 16);
                auto enabled = b.boolean("enabled");
                if (!b.ok()) return b.error();
                std::optional<Role> role;
                if (role_text) {
                  role = parse_role(*role_text);
                  if (!role) return ApiReply::error(422, "invalid_role", "role is 'admin' or 'user'");
                }
                if (!role && !enabled)
                  return ApiReply::error(400, "missing_field", "give 'role' and/or 'enabled'");
                auto u = a->admin_update_user(principal_of(call), *id, role, enabled, call.client_text());
                if (!u) return api_error_from(u.error());
                return ApiReply::json(200, {{"user", user_json(*u)}});
              }});

  router.add({"POST", "/api/v1/admin/users/{id}/password", admin,
              "Reset a user's password (given, or generated and returned); their sessions end",
              "admin", schema_object({{"new_password", "string"}}, {}), 200, "the password",
              [a](ApiCall& call) {
                auto id = call.int_param("id");
                if (!id) return ApiReply::error(404, "not_found", "no such user");
                JsonFields b(call.json);
                auto password = b.text("new_password", false, 4096);
                if (!b.ok()) return b.error();
                auto pw = a->admin_reset_password(principal_of(call), *id, password, call.client_text());
                if (!pw) return api_error_from(pw.error());
                return ApiReply::json(200, {{"password", *pw}});
              }});

  router.add({"DELETE", "/api/v1/admin/users/{id}", admin,
              "Delete a user (anonymous tombstone; accounting totals kept)", "admin", nullptr, 204,
              "deleted", [a](ApiCall& call) {
                auto id = call.int_param("id");
                if (!id) return ApiReply::error(404, "not_found", "no such user");
                auto r2 = a->admin_delete_user(principal_of(call), *id, call.client_text());
                if (!r2) return api_error_from(r2.error());
                return ApiReply::no_content();
              }});

  router.add({"POST", "/api/v1/admin/invites", admin, "Create a single-use invite code", "admin",
              nullptr, 201, "the code (shown once)", [a](ApiCall& call) {
                auto code = a->create_invite(principal_of(call), call.client_text());
                if (!code) return api_error_from(code.error());
                return ApiReply::json(201, {{"invite", *code},
                                            {"expires_in", a->policy().invite_lifetime.count()}});
              }});

  router.add({"GET", "/api/v1/admin/audit", admin,
              "Audit log, newest first (?limit<=500, before=<id> for the next page)", "admin",
              nullptr, 200, "entries and next_before", [a](ApiCall& call) {
                bool bad = false;
                const std::size_t limit = bounded_query_int(call, "limit", 100, 500, bad);
                const std::size_t before = bounded_query_int(call, "before", 0, std::size_t{1} << 62, bad);
                if (bad) return ApiReply::error(400, "invalid_query", "limit is 0-500, before an entry id");
                auto rows = a->audit_log(static_cast<std::int64_t>(before), limit);
                if (!rows) return api_error_from(rows.error());
                json list = json::array();
                for (const auto& e : *rows) list.push_back(audit_json(e));
                json out = {{"entries", list}};
                out["next_before"] = rows->size() == limit && !rows->empty() ? json(rows->back().id) : json(nullptr);
                return ApiReply::json(200, out);
              }});

  router.add({"GET", "/api/v1/admin/access/{list}", admin, "The allow or deny list", "admin",
              nullptr, 200, "entries", [deps](ApiCall& call) {
                auto kind = list_kind(call);
                if (!kind) return ApiReply::error(404, "not_found", "the lists are 'allow' and 'deny'");
                if (!deps->load_list) return unavailable();
                auto entries = deps->load_list(*kind);
                if (!entries) return ApiReply::error(500, "internal_error", "database error");
                json list = json::array();
                for (const auto& e : *entries)
                  list.push_back({{"info_hash", e.info_hash.hex()}, {"note", e.note}, {"added_at", e.added_at}});
                return ApiReply::json(200, {{"entries", list}});
              }});

  router.add({"PUT", "/api/v1/admin/access/{list}/{info_hash}", admin,
              "Add an info-hash (40 hex) to a list and apply it", "admin",
              schema_object({{"note", "string"}}, {}), 201, "added (200: already there)",
              [a, deps](ApiCall& call) {
                auto kind = list_kind(call);
                if (!kind) return ApiReply::error(404, "not_found", "the lists are 'allow' and 'deny'");
                auto hash = Sha1Digest::from_hex(call.params["info_hash"]);
                if (!hash) return ApiReply::error(422, "invalid_info_hash", "give 40 hex characters");
                JsonFields b(call.json);
                auto note = b.text("note", false, 256);
                if (!b.ok()) return b.error();
                if (!deps->add_to_list || !deps->reload_lists) return unavailable();
                auto added = deps->add_to_list(*kind, *hash, note.value_or(""));
                if (!added) return ApiReply::error(500, "internal_error", "database error");
                if (auto rl = deps->reload_lists(); !rl)
                  return ApiReply::error(500, "internal_error", "stored, but applying failed");
                a->audit(&principal_of(call), "admin.access.add", std::nullopt, call.client_text(),
                         call.params["list"] + " " + hash->hex());
                return ApiReply::json(*added ? 201 : 200,
                                      {{"info_hash", hash->hex()}, {"added", *added}});
              }});

  router.add({"DELETE", "/api/v1/admin/access/{list}/{info_hash}", admin,
              "Remove an info-hash from a list and apply it", "admin", nullptr, 204, "removed",
              [a, deps](ApiCall& call) {
                auto kind = list_kind(call);
                if (!kind) return ApiReply::error(404, "not_found", "the lists are 'allow' and 'deny'");
                auto hash = Sha1Digest::from_hex(call.params["info_hash"]);
                if (!hash) return ApiReply::error(422, "invalid_info_hash", "give 40 hex characters");
                if (!deps->remove_from_list || !deps->reload_lists) return unavailable();
                auto removed = deps->remove_from_list(*kind, *hash);
                if (!removed) return ApiReply::error(500, "internal_error", "database error");
                if (!*removed) return ApiReply::error(404, "not_found", "not on that list");
                if (auto rl = deps->reload_lists(); !rl)
                  return ApiReply::error(500, "internal_error", "stored, but applying failed");
                a->audit(&principal_of(call), "admin.access.remove", std::nullopt, call.client_text(),
                         call.params["list"] + " " + hash->hex());
                return ApiReply::no_content();
              }});

  router.add({"GET", "/api/v1/admin/settings", admin, "The tracker's settings (read-only)", "admin",
              nullptr, 200, "settings", [deps](ApiCall&) {
                if (!deps->settings) return unavailable();
                return ApiReply::json(200, deps->settings());
              }});
}

}  // namespace shoal::tracker
