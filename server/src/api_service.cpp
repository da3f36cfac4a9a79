#include "shoal/server/api_service.hpp"
#include "shoal/proto/encoding.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <variant>

#include "shoal/server/secret_token.hpp"

namespace shoal::server {

namespace {

bool state_changing(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

/// The rate-limit key of a client: its address, or its /64 for IPv6 (one host usually has a
/// whole /64 to rotate through).
std::string address_key(const IpAddress& a) {
  if (a.is_v4()) return a.to_string();
  std::string key = "v6:";
  key.append(a.bytes().substr(0, 8));
  return key;
}

/// The bearer token of an Authorization header; "" when absent; nullopt when not "Bearer".
std::optional<std::string_view> bearer_token(std::string_view authorization) {
  if (authorization.empty()) return std::string_view();
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !ascii_iequals(authorization.substr(0, kScheme.size()), kScheme))
    return std::nullopt;
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}


}  // namespace

ApiReply api_error_from(const AuthError& e) {
  unsigned status = 500;
  switch (e.kind) {
    case AuthError::Kind::invalid: status = 422; break;
    case AuthError::Kind::unauthorized: status = 401; break;
    case AuthError::Kind::forbidden: status = 403; break;
    case AuthError::Kind::not_found: status = 404; break;
    case AuthError::Kind::conflict: status = 409; break;
    case AuthError::Kind::throttled: status = 429; break;
    case AuthError::Kind::internal: status = 500; break;
  }
  ApiReply reply = ApiReply::error(status, e.code, e.message);
  if (status == 429) reply.headers.emplace_back("Retry-After", std::to_string(std::max(e.retry_after, 1u)));
  if (status == 401) reply.headers.emplace_back("WWW-Authenticate", "Bearer");
  return reply;
}

void write_api_reply(const ApiReply& reply, HttpResponse& res) {
  res.status = reply.status;
  if (!reply.content_type.empty()) {
    res.content_type = reply.content_type;
    res.body = reply.raw;
  } else {
    res.content_type = reply.body.is_null() ? "" : "application/json";
    res.body = reply.body.is_null()
                   ? std::string()
                   : reply.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  res.headers = reply.headers;
  res.add_header("Cache-Control", "no-store");
  res.add_header("X-Content-Type-Options", "nosniff");
}


std::optional<std::string_view> cookie_value(std::string_view header, std::string_view name) noexcept {
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      std::string_view v = pair.substr(eq + 1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return v;
    }
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

std::string session_cookie(std::string_view token, bool tls, std::int64_t max_age_seconds,
                           bool clear) {
  std::string c(kSessionCookieName);
  c += "=";
  c += token;
  c += "; Path=/api/; HttpOnly; SameSite=Lax";
  if (tls) c += "; Secure";
  if (clear)
    c += "; Max-Age=0";
  else if (max_age_seconds > 0)
    c += "; Max-Age=" + std::to_string(max_age_seconds);
  return c;
}

// ---------------------------------------------------------------------------------------------

struct ApiService::Pool {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::function<void()>> queue;
  std::vector<std::thread> threads;
  bool stopping = false;
  bool started = false;

  void loop() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;  // stopping and drained
        task = std::move(queue.front());
        queue.pop_front();
      }
      try {
        task();
      } catch (const std::exception& e) {
        spdlog::error("api: worker task threw: {}", e.what());
      } catch (...) {
        spdlog::error("api: worker task threw a non-standard exception");
      }
    }
  }
};

ApiService::ApiService(Authenticator& auth, ApiOptions options)
    : m_auth(auth),
      m_options(options),
      m_address_limiter(options.rate_per_second, options.rate_burst),
      m_credential_limiter(options.rate_per_second, options.rate_burst),
      m_pool(std::make_unique<Pool>()) {}

ApiService::~ApiService() { stop(); }

void ApiService::start() {
  std::lock_guard lock(m_pool->mutex);
  if (m_pool->started || m_pool->stopping) return;
  m_pool->started = true;
  for (std::size_t i = 0; i < std::max<std::size_t>(m_options.threads, 1); ++i)
    m_pool->threads.emplace_back([pool = m_pool.get()] { pool->loop(); });
}

void ApiService::stop() {
  {
    std::lock_guard lock(m_pool->mutex);
    if (m_pool->stopping) return;
    m_pool->stopping = true;
  }
  m_pool->wake.notify_all();
  for (auto& t : m_pool->threads) t.join();
  m_pool->threads.clear();
}

std::size_t ApiService::largest_body_limit() const noexcept {
  std::size_t largest = m_options.max_body_bytes;
  for (const auto& r : m_router.routes()) largest = std::max(largest, r.max_body_bytes);
  return largest;
}

namespace {

/// The caller's credential as sent (bearer token, else session cookie); empty when none.
std::string_view request_credential(const HttpRequest& request) {
  const std::string_view authorization = request.header("Authorization").value_or("");
  if (auto bearer = bearer_token(authorization); bearer && !bearer->empty()) return *bearer;
  const std::string_view cookie = request.header("Cookie").value_or("");
  if (auto c = cookie_value(cookie, kSessionCookieName)) return *c;
  return {};
}

}  // namespace

std::size_t ApiService::body_limit(const HttpRequest& request) const {
  // Only an upload route's raw type may be larger (JSON never is, so no large body is parsed
  // before authentication), and only from a caller with a credential.
  std::size_t limit = m_options.max_body_bytes;
  if (request_credential(request).empty()) return limit;
  auto matched = m_router.match(request.method(), request.path());
  if (auto* m = std::get_if<ApiRouter::Match>(&matched);
      m && m->route->takes_large(request.header("Content-Type").value_or("")))
    limit = std::max(limit, m->route->max_body_bytes);
  return limit;
}

void ApiService::handle(const HttpRequest& request, HttpResponse& response) {
  const std::string_view credential = request_credential(request);
  if (request.body().size() > m_options.max_body_bytes) {
    const std::size_t limit = body_limit(request);
    if (request.body().size() > limit) {
      write_api_reply(ApiReply::error(413, "payload_too_large",
                                      "request bodies are limited to " + std::to_string(limit) +
                                          " bytes here"),
                      response);
      return;
    }
  }
  const auto now = RateClock::now();
  std::uint32_t wait = m_address_limiter.acquire(address_key(request.client_address()), now);
  if (wait == 0 && !credential.empty())
    wait = m_credential_limiter.acquire(token_hash(credential), now);
  if (wait > 0) {
    ApiReply reply = ApiReply::error(429, "rate_limited", "too many requests; slow down");
    reply.headers.emplace_back("Retry-After", std::to_string(wait));
    write_api_reply(reply, response);
    return;
  }

  ApiCall call;
  call.method = std::string(request.method());
  call.path = std::string(request.path());
  call.query = std::string(request.query());
  call.body = std::string(request.body());
  call.content_type = std::string(request.header("Content-Type").value_or(""));
  call.host = std::string(request.header("Host").value_or(""));
  call.accept = std::string(request.header("Accept").value_or(""));
  call.client_address = request.client_address();
  call.tls = request.is_tls();
  HttpCompletion done = response.defer();
  auto task = [this, call = std::move(call),
               authorization = std::string(request.header("Authorization").value_or("")),
               cookie = std::string(request.header("Cookie").value_or("")),
               csrf = std::string(request.header("X-CSRF-Token").value_or("")),
               done]() mutable {
    HttpResponse out;
    write_api_reply(process(std::move(call), authorization, cookie, csrf), out);
    done.complete(std::move(out));
  };
  std::unique_lock lock(m_pool->mutex);
  if (m_pool->stopping || !m_pool->started || m_pool->queue.size() >= m_options.max_queue) {
    lock.unlock();
    HttpResponse busy;
    ApiReply reply = ApiReply::error(503, "busy", "the API is busy or shutting down; retry later");
    reply.headers.emplace_back("Retry-After", "1");
    write_api_reply(reply, busy);
    done.complete(std::move(busy));  // the first complete() wins; the dropped task's copy is moot
    return;
  }
  m_pool->queue.push_back(std::move(task));
  lock.unlock();
  m_pool->wake.notify_one();
}

ApiReply ApiService::process(ApiCall call, std::string_view authorization, std::string_view cookie,
                             std::string_view csrf) {
  auto matched = m_router.match(call.method, call.path);
  if (auto* reply = std::get_if<ApiReply>(&matched)) return std::move(*reply);
  auto& match = std::get<ApiRouter::Match>(matched);
  const ApiRoute& route = *match.route;
  call.params = std::move(match.params);
  bool handled = false;
  ApiReply reply = run(route, std::move(call), authorization, cookie, csrf, handled);
  if (!handled && route.reshape_error && reply.status >= 400 && reply.content_type.empty())
    return route.reshape_error(std::move(reply));
  return reply;
}

namespace {

/// The feed key of a URL-key route (`?apikey=`), as the principal it stands for; an error reply
/// when it is not an enabled user's unexpired API key with the feed scope.
std::variant<std::shared_ptr<Caller>, ApiReply> url_key_principal(Authenticator& auth, std::string_view key) {
  auto who = auth.authenticate(key);
  if (!who) return api_error_from(who.error());
  if ((*who)->credential != CredentialKind::api_key || !has_scope((*who)->scopes, Scope::feed)) {
    ApiReply r = ApiReply::error(401, "unauthorized", "a URL takes only an API key with the 'feed' scope");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  (*who)->scopes = scope_bit(Scope::read) | scope_bit(Scope::feed);
  return std::move(*who);
}

}  // namespace

ApiReply ApiService::run(const ApiRoute& route, ApiCall call, std::string_view authorization,
                         std::string_view cookie, std::string_view csrf, bool& handled) {
  if (!call.body.empty() && !route.takes_raw(call.content_type)) {
    if (!media_type_is(call.content_type, "application/json")) {
      std::string types = "application/json";
      for (const auto& t : route.raw_body_types) types += " or " + t;
      return ApiReply::error(415, "unsupported_media_type", "send the body as " + types);
    }
    if (json_nesting_exceeds(call.body, kMaxApiJsonDepth))
      return ApiReply::error(400, "malformed_json", "the body nests too deeply");
    call.json = nlohmann::json::parse(call.body, nullptr, false);
    if (call.json.is_discarded()) return ApiReply::error(400, "malformed_json", "the body is not valid JSON");
    if (!call.json.is_object()) return ApiReply::error(400, "malformed_json", "the body must be a JSON object");
  }

  if (route.auth.required && route.auth.url_key && authorization.empty() &&
      !cookie_value(cookie, kSessionCookieName)) {
    if (auto key = call.query_param("apikey"); key && !key->empty()) {
      auto who = url_key_principal(m_auth, *key);
      if (auto* error = std::get_if<ApiReply>(&who)) return std::move(*error);
      call.principal = std::move(std::get<std::shared_ptr<Caller>>(who));
      if (!has_scope(call.principal->scopes, route.auth.scope))
        return ApiReply::error(403, "insufficient_scope",
                               "a feed key only reads; this endpoint needs the '" +
                                   std::string(scope_name(route.auth.scope)) + "' scope");
    }
  }

  if (route.auth.required && !call.principal) {
    auto bearer = bearer_token(authorization);
    if (!bearer) {
      ApiReply r = ApiReply::error(401, "unauthorized", "use Authorization: Bearer <key>");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
    std::string token(*bearer);
    if (token.empty()) {
      if (auto c = cookie_value(cookie, kSessionCookieName); c && !c->empty()) {
        token = std::string(*c);
        call.cookie_auth = true;
      }
    }
    if (token.empty()) {
      ApiReply r = ApiReply::error(401, "unauthorized", "this endpoint needs a credential");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
    auto who = m_auth.authenticate(token);
    if (!who) {
      ApiReply r = api_error_from(who.error());
      if (call.cookie_auth && r.status == 401)
        r.headers.emplace_back("Set-Cookie", session_cookie("", call.tls, 0, true));
      return r;
    }
    if (call.cookie_auth && (*who)->credential != CredentialKind::session)
      return ApiReply::error(401, "unauthorized", "the cookie does not hold a session");
    if (!has_scope((*who)->scopes, route.auth.scope))
      return ApiReply::error(403, "insufficient_scope",
                             "this endpoint needs the '" + std::string(scope_name(route.auth.scope)) +
                                 "' scope" +
                                 (route.auth.scope == Scope::admin ? " (admins only)" : ""));
    if (call.cookie_auth && state_changing(call.method) &&
        !constant_time_equal(csrf, csrf_token_for(token)))
      return ApiReply::error(403, "csrf_failed",
                             "cookie-authenticated changes need the X-CSRF-Token header");
    if ((*who)->credential == CredentialKind::session) call.session_token = token;
    call.principal = std::move(*who);
  }

  handled = true;
  try {
    return route.handler(call);
  } catch (const std::exception& e) {
    spdlog::error("api: {} {}: handler threw: {}", call.method, call.path, e.what());
    return ApiReply::error(500, "internal_error", "internal error");
  }
}

}  // namespace shoal::server
