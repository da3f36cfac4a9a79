#include "shoal/peer/http_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <exception>
#include <type_traits>
#include <utility>
#include <vector>

#include "net_detail.hpp"

namespace shoal::peer {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using error_code = boost::system::error_code;
using detail::Clock;
using detail::excerpt;
using detail::failure;
using detail::millis;
using detail::resolve;
using tcp = net::ip::tcp;

namespace {

/// Beast's read buffer must hold a complete header (kMaxHttpHeaderSize) plus what one read brings
/// in; the body itself goes to the parser's string, bounded separately.
constexpr std::size_t kHttpReadBufferSize = kMaxHttpHeaderSize + 48 * 1024;

}  // namespace

struct HttpClient::Impl {
  explicit Impl(HttpClientOptions o) : options(std::move(o)) {}

  HttpClientOptions options;
  net::io_context io;
  std::unique_ptr<ssl::context> tls;

  // ---- running one asynchronous operation to completion --------------------------------------

  struct OpResult {
    error_code ec = net::error::operation_aborted;
    std::size_t bytes = 0;
  };

  /// Starts one asynchronous operation with `initiate(handler)` and runs the io_context until
  /// it has completed. Every operation started here is bounded (a tcp_stream expiry or a timer),
  /// so this returns by the deadline.
  template <class Initiate>
  OpResult run(Initiate&& initiate) {
    OpResult result;
    std::forward<Initiate>(initiate)([&result](error_code ec, auto... rest) {
      result.ec = ec;
      if constexpr (sizeof...(rest) == 1 && (std::is_integral_v<decltype(rest)> && ...))
        result.bytes = static_cast<std::size_t>((rest, ...));
    });
    io.restart();
    io.run();
    return result;
  }

  // ---- HTTP(S) --------------------------------------------------------------------------------

  struct HttpAnswer {
    unsigned status = 0;
    std::string reason;
    std::string location;
    std::string content_type;
    HttpHeaders headers;
    std::string body;
  };

  /// What goes on the wire besides the fixed headers: get() sends GET, no extra headers, no body.
  struct Call {
    std::string_view method = "GET";
    std::string target;
    const HttpHeaders* headers = nullptr;
    const std::string* body = nullptr;
  };

  expected<ssl::context*, TrackerError> tls_context() {
    if (tls) return tls.get();
    auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
    error_code ec;
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                             ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                             ssl::context::no_tlsv1_1,
                         ec);
    if (!ec) context->set_default_verify_paths(ec);
    if (ec)
      return failure(TrackerErrc::tls_error, "cannot set up TLS: " + ec.message());
    if (!options.ca_file.empty()) {
      context->load_verify_file(options.ca_file, ec);
      if (ec)
        return failure(TrackerErrc::tls_error,
                       "cannot load CA file '" + options.ca_file + "': " + ec.message());
    }
    tls = std::move(context);
    return tls.get();
  }

  TrackerError io_error(const TrackerUrl& url, error_code ec, std::string_view phase,
                        SSL* ssl_handle = nullptr) {
    const std::string who = url.redacted() + ": ";
    if (ec == beast::error::timeout || ec == net::error::timed_out)
      return {TrackerErrc::timeout,
              who + "timed out after " + millis(options.timeout) + " (" + std::string(phase) + ")"};
    if (ec == net::error::connection_refused)
      return {TrackerErrc::connection_refused, who + "connection refused (" + std::string(phase) + ")"};
    if (ec == http::error::body_limit || ec == http::error::header_limit ||
        ec == http::error::buffer_overflow)
      return {TrackerErrc::response_too_large, who + "response too large: " + ec.message()};
    if (ec.category() == http::make_error_code(http::error::end_of_stream).category())
      return {TrackerErrc::bad_response, who + "malformed HTTP response: " + ec.message()};
    if (ec.category() == net::error::get_ssl_category() || ec == ssl::error::stream_truncated) {
      std::string message = who + "TLS error (" + std::string(phase) + "): " + ec.message();
      if (ssl_handle != nullptr) {
        const long verify = SSL_get_verify_result(ssl_handle);
        if (verify != X509_V_OK)
          message += ": certificate verification failed: " +
                     std::string(X509_verify_cert_error_string(verify)) +
                     " (use --insecure / TrackerClientOptions::insecure to skip, or a CA file)";
      }
      return {TrackerErrc::tls_error, message};
    }
    if (ec == net::error::eof || ec == net::error::connection_reset)
      return {TrackerErrc::network_error,
              who + "connection closed by the server (" + std::string(phase) + ")"};
    return {TrackerErrc::network_error, who + std::string(phase) + ": " + ec.message()};
  }

  /// Sends the request on a connected stream and reads the response.
  template <class Stream>
  expected<HttpAnswer, TrackerError> exchange(Stream& stream, const TrackerUrl& url,
                                              const Call& call, std::size_t body_limit,
                                              SSL* ssl_handle) {
    http::request<http::string_body> request;
    request.version(11);
    request.method_string(beast::string_view(call.method.data(), call.method.size()));
    request.target(call.target);
    const std::string origin = url.origin();
    request.set(http::field::host, origin.substr(origin.find("://") + 3));
    request.set(http::field::user_agent, options.user_agent);
    request.set(http::field::accept_encoding, "identity");
    request.set(http::field::connection, "close");
    if (call.headers != nullptr)
      for (const auto& [name, value] : *call.headers) request.insert(name, value);
    if (call.body != nullptr) {
      request.body() = *call.body;
      if (!call.body->empty() || call.method == "POST" || call.method == "PUT" ||
          call.method == "PATCH")
        request.content_length(call.body->size());
    }
    auto sent = run([&](auto handler) { http::async_write(stream, request, std::move(handler)); });
    if (sent.ec) return unexpected<TrackerError>(io_error(url, sent.ec, "sending the request", ssl_handle));

    beast::flat_buffer buffer(kHttpReadBufferSize);
    http::response_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(kMaxHttpHeaderSize));
    parser.body_limit(body_limit);
    auto got = run([&](auto handler) {
      http::async_read_header(stream, buffer, parser, std::move(handler));
    });
    if (!got.ec) {
      // Beast 1.74 checks a response's body_limit only as body bytes arrive: refuse an announced
      // oversized body before downloading it.
      if (const auto length = parser.content_length(); length && *length > body_limit)
        return failure(TrackerErrc::response_too_large,
                       url.redacted() + ": response body of " + std::to_string(*length) +
                           " bytes is larger than the " + std::to_string(body_limit) +
                           " bytes accepted");
      if (!parser.is_done())
        got = run([&](auto handler) { http::async_read(stream, buffer, parser, std::move(handler)); });
    }
    if (got.ec == ssl::error::stream_truncated && parser.is_header_done() && !parser.is_done()) {
      // A server that ends a body without Content-Length by closing without TLS close_notify:
      // what arrived is the whole body, as for plain HTTP.
      error_code eof_ec;
      parser.put_eof(eof_ec);
      if (!eof_ec) got.ec = {};
    }
    if (got.ec) {
      if (!parser.is_header_done() &&
          (got.ec == http::error::end_of_stream || got.ec == net::error::eof))
        return failure(TrackerErrc::network_error,
                       url.redacted() + ": connection closed before a response arrived");
      return unexpected<TrackerError>(io_error(url, got.ec, "reading the response", ssl_handle));
    }
    auto& response = parser.get();
    HttpAnswer answer;
    answer.status = response.result_int();
    answer.reason = std::string(response.reason());
    if (auto it = response.find(http::field::location); it != response.end())
      answer.location = std::string(it->value());
    if (auto it = response.find(http::field::content_type); it != response.end())
      answer.content_type = std::string(it->value());
    for (const auto& field : response)
      answer.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    answer.body = std::move(response.body());
    return answer;
  }

  /// One call on url's origin: resolve, connect (each address in turn), TLS, exchange.
  expected<HttpAnswer, TrackerError> call_once(const TrackerUrl& url, const Call& call,
                                               std::size_t body_limit, Clock::time_point deadline) {
    auto addresses = resolve(url, deadline, options.timeout);
    if (!addresses) return unexpected<TrackerError>(addresses.error());
    std::vector<tcp::endpoint> endpoints;
    for (const auto& a : *addresses) endpoints.emplace_back(a, url.port);

    if (url.scheme == TrackerScheme::http) {
      beast::tcp_stream stream(io);
      stream.expires_at(deadline);
      auto connected = run([&](auto handler) { stream.async_connect(endpoints, std::move(handler)); });
      if (connected.ec) return unexpected<TrackerError>(io_error(url, connected.ec, "connecting"));
      return exchange(stream, url, call, body_limit, nullptr);
    }

    auto context = tls_context();
    if (!context) {
      TrackerError e = context.error();
      e.message = url.redacted() + ": " + e.message;
      return unexpected<TrackerError>(std::move(e));
    }
    beast::ssl_stream<beast::tcp_stream> stream(io, **context);
    SSL* handle = stream.native_handle();
    const bool ip_literal = IpAddress::parse(url.host).has_value();
    // SNI is for host names only (RFC 6066 forbids IP literals there).
    // (SSL_set_tlsext_host_name is a macro with a C-style cast; this is what it expands to.)
    if (!ip_literal && SSL_ctrl(handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                                const_cast<char*>(url.host.c_str())) != 1)
      return failure(TrackerErrc::tls_error, url.redacted() + ": cannot set the TLS server name");
    if (options.insecure) {
      stream.set_verify_mode(ssl::verify_none);
    } else {
      stream.set_verify_mode(ssl::verify_peer);
      const int ok = ip_literal ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), url.host.c_str())
                                : SSL_set1_host(handle, url.host.c_str());
      if (ok != 1)
        return failure(TrackerErrc::tls_error, url.redacted() + ": cannot set the name to verify");
    }
    beast::get_lowest_layer(stream).expires_at(deadline);
    auto connected = run([&](auto handler) {
      beast::get_lowest_layer(stream).async_connect(endpoints, std::move(handler));
    });
    if (connected.ec) return unexpected<TrackerError>(io_error(url, connected.ec, "connecting"));
    auto shaken = run([&](auto handler) {
      stream.async_handshake(ssl::stream_base::client, std::move(handler));
    });
    if (shaken.ec)
      return unexpected<TrackerError>(io_error(url, shaken.ec, "TLS handshake", handle));
    return exchange(stream, url, call, body_limit, handle);
  }

  /// GET with redirects; the final 2xx answer.
  expected<HttpResponse, TrackerError> get(const TrackerUrl& start, std::string target,
                                           std::size_t body_limit, Clock::time_point deadline) {
    TrackerUrl url = start;
    for (int redirects = 0;; ++redirects) {
      auto answer = call_once(url, Call{"GET", target, nullptr, nullptr}, body_limit, deadline);
      if (!answer) return unexpected<TrackerError>(answer.error());
      const unsigned status = answer->status;
      const std::string status_text = "HTTP " + std::to_string(status) +
                                      (answer->reason.empty() ? "" : " " + answer->reason);
      const bool redirect =
          status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
      if (redirect) {
        if (redirects >= options.max_redirects)
          return failure(TrackerErrc::redirect_error,
                         start.redacted() + ": too many redirects (more than " +
                             std::to_string(options.max_redirects) + ")");
        const std::string& location = answer->location;
        if (location.empty())
          return failure(TrackerErrc::redirect_error,
                         url.redacted() + ": " + status_text + " without a Location header");
        if (location.find("://") == std::string::npos && !location.starts_with("//")) {
          // Same origin: an absolute path, or relative to the current path's directory.
          target = location.starts_with("/")
                       ? location
                       : url.path.substr(0, url.path.rfind('/') + 1) + location;
          const auto q = target.find('?');
          url.path = target.substr(0, q);
          url.query = q == std::string::npos ? std::string() : target.substr(q + 1);
        } else {
          auto next = parse_tracker_url(location);
          if (!next)
            return failure(TrackerErrc::redirect_error,
                           url.redacted() + ": unusable redirect: " + next.error().message);
          if (next->scheme == TrackerScheme::udp)
            return failure(TrackerErrc::redirect_error,
                           url.redacted() + ": redirect to a udp:// URL is not followed");
          if (url.scheme == TrackerScheme::https && next->scheme == TrackerScheme::http)
            return failure(TrackerErrc::redirect_error,
                           url.redacted() + ": refusing a redirect from https:// to http:// (" +
                               next->redacted() + ")");
          url = std::move(*next);
          target = url.target();
        }
        for (char c : target)
          if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            return failure(TrackerErrc::redirect_error,
                           url.redacted() + ": redirect Location with unescaped characters");
        continue;
      }
      if (status < 200 || status > 299)
        return failure(TrackerErrc::http_status,
                       url.redacted() + ": " + status_text +
                           (answer->body.empty() ? "" : ": " + excerpt(answer->body)));
      return response(std::move(url), std::move(*answer));
    }
  }

  static HttpResponse response(TrackerUrl url, HttpAnswer answer) {
    HttpResponse out;
    out.url = std::move(url);
    out.status = answer.status;
    out.reason = std::move(answer.reason);
    out.content_type = std::move(answer.content_type);
    out.headers = std::move(answer.headers);
    out.body = std::move(answer.body);
    return out;
  }
};

namespace {

/// RFC 9110 token characters (methods and header names).
bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(ch) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (beast::iequals(n, beast::string_view(name.data(), name.size()))) return v;
  return {};
}

HttpClient::HttpClient(HttpClientOptions options)
    : m_impl(std::make_unique<Impl>(std::move(options))) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

const HttpClientOptions& HttpClient::options() const noexcept { return m_impl->options; }

// Exceptions (allocation failure, a thread that cannot start) become errors: nothing is thrown
// across the API.
expected<HttpResponse, TrackerError> HttpClient::get(const TrackerUrl& url, std::string target,
                                                     std::size_t max_body_size,
                                                     Clock::time_point deadline) {
  try {
    if (url.scheme == TrackerScheme::udp)
      return failure(TrackerErrc::invalid_url, url.redacted() + ": not an http:// or https:// URL");
    return m_impl->get(url, std::move(target), max_body_size, deadline);
  } catch (const std::exception& e) {
    return failure(TrackerErrc::internal_error, std::string("internal error: ") + e.what());
  } catch (...) {
    return failure(TrackerErrc::internal_error, "internal error");
  }
}

namespace {

/// parse_tracker_url() for a resource URL: its errors say "invalid URL", not "invalid tracker URL".
expected<TrackerUrl, TrackerError> parse_resource_url(std::string_view url) {
  auto parsed = parse_tracker_url(url);
  if (!parsed) {
    TrackerError e = parsed.error();
    if (e.message.starts_with("invalid tracker URL"))
      e.message.replace(0, std::string_view("invalid tracker URL").size(), "invalid URL");
    return unexpected<TrackerError>(std::move(e));
  }
  return parsed;
}

}  // namespace

expected<HttpResponse, TrackerError> HttpClient::get(std::string_view url,
                                                     std::size_t max_body_size) {
  const auto deadline = Clock::now() + m_impl->options.timeout;
  auto parsed = parse_resource_url(url);
  if (!parsed) return unexpected<TrackerError>(parsed.error());
  std::string target = parsed->target();
  return get(*parsed, std::move(target), max_body_size, deadline);
}

expected<HttpResponse, TrackerError> HttpClient::request(std::string_view method,
                                                         std::string_view url,
                                                         const HttpHeaders& headers,
                                                         std::string body,
                                                         std::size_t max_body_size) {
  try {
    const auto deadline = Clock::now() + m_impl->options.timeout;
    auto parsed = parse_resource_url(url);
    if (!parsed) return unexpected<TrackerError>(parsed.error());
    if (parsed->scheme == TrackerScheme::udp)
      return failure(TrackerErrc::invalid_url,
                     parsed->redacted() + ": not an http:// or https:// URL");
    if (!is_token(method))
      return failure(TrackerErrc::invalid_request,
                     "invalid HTTP method '" + detail::excerpt(method) + "'");
    for (const auto& [name, value] : headers) {
      if (!is_token(name))
        return failure(TrackerErrc::invalid_request,
                       "invalid HTTP header name '" + detail::excerpt(name) + "'");
      if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
        return failure(TrackerErrc::invalid_request,
                       "HTTP header '" + name + "' has a line break or NUL in its value");
    }
    Impl::Call call{method, parsed->target(), &headers, &body};
    auto answer = m_impl->call_once(*parsed, call, max_body_size, deadline);
    if (!answer) return unexpected<TrackerError>(answer.error());
    return Impl::response(std::move(*parsed), std::move(*answer));
  } catch (const std::exception& e) {
    return failure(TrackerErrc::internal_error, std::string("internal error: ") + e.what());
  } catch (...) {
    return failure(TrackerErrc::internal_error, "internal error");
  }
}

}  // namespace shoal::peer
