#include "shoal/server/api_router.hpp"

#include <charconv>
#include <stdexcept>
#include <variant>

#include "shoal/proto/api_error.hpp"
#include "shoal/proto/encoding.hpp"

namespace shoal::server {

namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.starts_with('/')) path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool is_param(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

std::optional<std::map<std::string, std::string, std::less<>>> match_pattern(
    std::string_view pattern, std::string_view path) {
  const auto ps = segments(pattern);
  const auto xs = segments(path);
  if (ps.size() != xs.size()) return std::nullopt;
  std::map<std::string, std::string, std::less<>> params;
  for (std::size_t i = 0; i < ps.size(); ++i) {
    if (is_param(ps[i])) {
      if (xs[i].empty()) return std::nullopt;
      auto decoded = percent_decode(xs[i]);
      if (!decoded || decoded->find('/') != std::string::npos) return std::nullopt;
      params.emplace(std::string(ps[i].substr(1, ps[i].size() - 2)), std::move(*decoded));
    } else if (ps[i] != xs[i]) {
      return std::nullopt;
    }
  }
  return params;
}

nlohmann::json error_response(std::string_view description) {
  return {{"description", description},
          {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

}  // namespace

bool media_type_is(std::string_view content_type, std::string_view type) noexcept {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  return ascii_iequals(media, type);
}

bool ApiRoute::takes_large(std::string_view content_type) const noexcept {
  return max_body_bytes > 0 &&
         (takes_raw(content_type) || (large_json_body && media_type_is(content_type, "application/json")));
}

bool ApiRoute::takes_raw(std::string_view content_type) const noexcept {
  for (const auto& type : raw_body_types)
    if (media_type_is(content_type, type)) return true;
  return false;
}

std::optional<std::int64_t> ApiCall::int_param(std::string_view name) const {
  auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  std::int64_t v = 0;
  const auto& s = it->second;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc{} || r.ptr != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

std::optional<std::string> ApiCall::query_param(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    if (key && *key == name) {
      if (eq == std::string_view::npos) return std::string();
      auto value = percent_decode(pair.substr(eq + 1), true);
      if (value) return value;
      return std::nullopt;
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

ApiReply ApiReply::error(unsigned status, std::string_view code, std::string_view message) {
  return {status, api::ApiErrorBody{std::string(code), std::string(message)}.to_json(), {}};
}

void ApiRouter::add(ApiRoute route) {
  if (!route.handler) throw std::invalid_argument("ApiRouter::add: empty handler");
  if (!route.pattern.starts_with('/')) throw std::invalid_argument("ApiRouter::add: bad pattern");
  for (const auto& r : m_routes)
    if (r.method == route.method && r.pattern == route.pattern)
      throw std::invalid_argument("ApiRouter::add: " + route.method + " " + route.pattern +
                                  " added twice");
  m_routes.push_back(std::move(route));
}

std::variant<ApiRouter::Match, ApiReply> ApiRouter::match(std::string_view method,
                                                         std::string_view path) const {
  const std::string_view wanted = method == "HEAD" ? std::string_view("GET") : method;
  std::string allow;
  for (const auto& r : m_routes) {
    auto params = match_pattern(r.pattern, path);
    if (!params) continue;
    if (r.method == wanted) return Match{&r, std::move(*params)};
    if (allow.find(r.method) == std::string::npos) allow += (allow.empty() ? "" : ", ") + r.method;
  }
  if (allow.empty()) return ApiReply::error(404, "not_found", "no such endpoint");
  ApiReply reply = ApiReply::error(405, "method_not_allowed", "allowed: " + allow);
  reply.headers.emplace_back("Allow", allow);
  return reply;
}

nlohmann::json ApiRouter::openapi(std::string_view title, std::string_view version) const {
  using nlohmann::json;
  json paths = json::object();
  for (const auto& r : m_routes) {
    json op;
    op["summary"] = r.summary;
    if (!r.tag.empty()) op["tags"] = json::array({r.tag});
    op["operationId"] = r.method + " " + r.pattern;
    json params = json::array();
    for (auto seg : segments(r.pattern))
      if (is_param(seg))
        params.push_back({{"name", std::string(seg.substr(1, seg.size() - 2))},
                          {"in", "path"},
                          {"required", true},
                          {"schema", {{"type", "string"}}}});
    if (r.auth.url_key)
      params.push_back({{"name", "apikey"},
                        {"in", "query"},
                        {"required", false},
                        {"description", "an API key with the feed scope, for clients that cannot send headers"},
                        {"schema", {{"type", "string"}}}});
    if (!params.empty()) op["parameters"] = params;
    json responses;
    responses[std::to_string(r.success_status)] = {{"description", r.success_description}};
    if (!r.request_schema.is_null() || !r.raw_body_types.empty()) {
      json content = json::object();
      if (!r.request_schema.is_null()) content["application/json"] = {{"schema", r.request_schema}};
      std::string raw_types;
      for (const auto& type : r.raw_body_types) {
        content[type] = {{"schema", {{"type", "string"}, {"format", "binary"}}}};
        raw_types += (raw_types.empty() ? "" : " or ") + type;
      }
      op["requestBody"] = {{"required", true}, {"content", content}};
      if (r.max_body_bytes > 0) op["x-max-body-bytes"] = r.max_body_bytes;
      responses["400"] = error_response("malformed JSON or wrong field types");
      responses["413"] = error_response("body too large");
      responses["415"] = error_response(raw_types.empty() ? "body is not application/json"
                                                          : "body is neither application/json nor " + raw_types);
      responses["422"] = error_response("invalid values");
    }
    if (r.auth.required) {
      op["security"] = json::array({{{"bearer", json::array()}}, {{"cookie", json::array()}}});
      op["x-required-scope"] = std::string(scope_name(r.auth.scope));
      responses["401"] = error_response("no valid credential");
      responses["403"] = error_response(
          "credential lacks the scope or role, account disabled, or (cookie) CSRF token missing");
    } else {
      op["security"] = json::array();
    }
    responses["429"] = error_response("rate limited; see Retry-After");
    op["responses"] = responses;
    std::string lower_method;
    for (char c : r.method) lower_method += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    paths[r.pattern][lower_method] = op;
  }
  json doc;
  doc["openapi"] = "3.0.3";
  doc["info"] = {{"title", title}, {"version", version}};
  doc["paths"] = paths;
  doc["components"]["securitySchemes"] = {
      {"bearer", {{"type", "http"}, {"scheme", "bearer"},
                  {"description", "an API key (sk_...) or a session token (ss_...)"}}},
      {"cookie", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "shoal_session"},
                  {"description", "browser session; state-changing requests need X-CSRF-Token"}}}};
  doc["components"]["schemas"]["Error"] = {
      {"type", "object"},
      {"required", {"error"}},
      {"properties",
       {{"error",
         {{"type", "object"},
          {"required", {"code", "message"}},
          {"properties", {{"code", {{"type", "string"}}}, {"message", {{"type", "string"}}}}}}}}}};
  return doc;
}

}  // namespace shoal::server
