#pragma once
// HttpServer: the one HTTP/1.1 server of shoal-tracker. Announce, scrape, the REST management API
// and the metrics endpoint are all handlers behind it (design.md: "one HTTP server"). It owns the
// sockets, TLS, timeouts, limits and keep-alive; a handler only turns an HttpRequest into an
// HttpResponse.
//
//   HttpServerOptions options;
//   options.request_timeout = std::chrono::seconds(10);
//   options.trusted_proxies.push_back(*AddressRange::parse("127.0.0.1"));
//   HttpServer server(options, [&](const HttpRequest& req, HttpResponse& res) {
//     if (req.path() != "/announce") { res.status = 404; res.body = "not found"; return; }
//     res.body = service.http_announce(req.query(), req.client_address());  // quick, no blocking
//   });
//   for (auto ep : {"0.0.0.0:6969", "[::]:6969"})
//     if (auto bound = server.listen(ep); !bound) { spdlog::error("{}", bound.error()); return 1; }
//   auto tls = server.listen_tls("[::]:443", "cert.pem", "key.pem");   // same error handling
//   server.run(2);                        // two I/O threads; returns at once
//   ...                                   // on SIGHUP: server.reload_tls() (logs its own errors)
//   server.stop();                        // or let the destructor do it
//
// Protocol. HTTP/1.0 and HTTP/1.1 (Boost.Beast's parser). A connection is kept alive by the
// HTTP/1.1 rules: HTTP/1.1 stays open unless either side says `Connection: close`; HTTP/1.0
// closes unless the client sent `Connection: keep-alive`. Pipelined requests are answered in
// order. `Expect: 100-continue` is answered with `100 Continue` before the body is read. The server
// writes Content-Length, Connection, Date and Server itself; a response to HEAD carries the
// Content-Length of the body the handler produced but not the body; 1xx/204/304 carry no body.
// Every method reaches the handler: the handler decides on 405.
//
// What goes wrong, and the answer (each counted in stats(); all but the 500 close the connection):
//   malformed request (bad request line, header syntax, chunk encoding, ...)   400
//   request line + headers longer than max_header_bytes                        431
//   body longer than max_body_bytes (Content-Length or chunked)                413
//   request not complete within request_timeout (slowloris)                    closed, no answer
//   no new request within keepalive_timeout                                    closed, no answer
//   connection beyond max_connections                                          closed at once
//   handler threw, or produced an invalid response (see HttpResponse)         500 (kept alive)
// Each connection reads through one bounded buffer, so no input makes the server buffer more than
// max_header_bytes plus a fixed slack (plus max_body_bytes for the body).
//
// Client address. A request's client_address() is the TCP peer, unless that peer lies in one of
// options.trusted_proxies: then it is taken from the proxy's headers (resolve_client_address).
// The proxy must set or overwrite those headers itself; a header a client sent through a proxy
// that passes it on unchanged would otherwise be believed.
//
// Threads. run(n) starts n I/O threads, each with its own event loop; accepted connections are
// spread over them round robin and each stays on its thread, so one connection's handler calls
// never overlap, but calls for different connections run in parallel:
// the handler must be thread-safe. It runs on an I/O thread and must be quick (no disk, database or
// network waits: hand slow work to another thread and answer from memory, or defer the response
// with HttpResponse::defer() and complete it from that thread) — while it runs, that thread serves
// no other connection. An exception thrown by the handler never escapes: the client
// gets 500 and the error is logged.
//
// Logging goes to spdlog's default logger: listeners and TLS reloads at info, problems that need
// the operator (accept failures, handler exceptions, bad certificates) at warn/error, per-request
// and per-connection events at debug only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shoal/proto/expected.hpp"
#include "shoal/proto/peer_endpoint.hpp"
#include "shoal/server/address_range.hpp"

namespace shoal::server {

/// Defaults of HttpServerOptions (config.hpp's [http] defaults are the same numbers).
inline constexpr std::chrono::milliseconds kDefaultHttpRequestTimeout{10'000};
inline constexpr std::chrono::milliseconds kDefaultHttpKeepaliveTimeout{30'000};
inline constexpr std::chrono::milliseconds kDefaultHttpWriteTimeout{10'000};
inline constexpr std::chrono::milliseconds kDefaultHttpShutdownGrace{2'000};
inline constexpr std::size_t kDefaultHttpMaxConnections = 20'000;
inline constexpr std::size_t kDefaultHttpMaxHeaderBytes = 8 * 1024;
inline constexpr std::size_t kDefaultHttpMaxBodyBytes = 1024 * 1024;
/// max_header_bytes is clamped to [kMinHttpHeaderBytes, kMaxHttpHeaderBytes].
inline constexpr std::size_t kMinHttpHeaderBytes = 256;
inline constexpr std::size_t kMaxHttpHeaderBytes = 1024 * 1024;
/// max_body_bytes is clamped to at most this.
inline constexpr std::size_t kMaxHttpBodyBytes = 64 * 1024 * 1024;
/// Most X-Forwarded-For entries resolve_client_address looks at (from the right).
inline constexpr std::size_t kMaxForwardedEntries = 32;

class HttpRequest;

struct HttpServerOptions {
  /// Longest time to receive one whole request (headers and body), counted from its first byte
  /// (from the connection's start for the first request, after the TLS handshake, which has the
  /// same limit). A client that trickles bytes (slowloris) is closed when it runs out.
  std::chrono::milliseconds request_timeout = kDefaultHttpRequestTimeout;
  /// Longest idle time between requests on a kept-alive connection.
  std::chrono::milliseconds keepalive_timeout = kDefaultHttpKeepaliveTimeout;
  /// Longest time to send one response (a client that does not read is closed).
  std::chrono::milliseconds write_timeout = kDefaultHttpWriteTimeout;
  /// How long stop() lets responses in progress finish before closing every connection.
  std::chrono::milliseconds shutdown_grace = kDefaultHttpShutdownGrace;
  /// Open connections at most (all listeners together); a connection beyond it is closed as
  /// soon as it is accepted. 0 refuses every connection.
  std::size_t max_connections = kDefaultHttpMaxConnections;
  /// Request line plus header fields, in bytes; beyond it: 431. Clamped to
  /// [kMinHttpHeaderBytes, kMaxHttpHeaderBytes].
  std::size_t max_header_bytes = kDefaultHttpMaxHeaderBytes;
  /// Request body, in bytes; beyond it: 413. 0 refuses every body (announce/scrape-only use).
  /// Clamped to kMaxHttpBodyBytes.
  std::size_t max_body_bytes = kDefaultHttpMaxBodyBytes;
  /// Optional: the body limit of one request, decided once its header has been read (the
  /// HttpRequest passed has every header field and an empty body). The smaller of this and
  /// max_body_bytes applies; a Content-Length above it is answered 413 before any of the body is
  /// read or buffered, a chunked body is cut off at it. Called on the I/O thread, only for requests
  /// that have a body: it must be quick and must not throw. Lets a listener take large uploads on
  /// some routes without letting every client make it buffer that much.
  std::function<std::size_t(const HttpRequest&)> body_limit;
  /// Reverse proxies whose X-Real-IP / X-Forwarded-For headers are believed (see
  /// resolve_client_address). Empty: the headers are ignored.
  std::vector<AddressRange> trusted_proxies;
  /// Value of the Server header of every response; empty: no Server header.
  std::string server_name = "shoal";
};

/// One header field of a request, viewing the request's storage.
struct HttpHeader {
  std::string_view name;
  std::string_view value;
};

/// A request as the handler sees it. Everything is a view into the server's buffers, valid only
/// during the handler call: copy what must outlive it. Built by the server; the public constructor
/// is for tests of handlers.
class HttpRequest {
public:
  /// `target` as sent on the request line; path()/query() are split from it. `headers` in
  /// arrival order. `peer` is the TCP peer, `client_address` what resolve_client_address made of
  /// it. `version` is 10 or 11.
  HttpRequest(std::string_view method, std::string_view target, std::span<const HttpHeader> headers,
              std::string_view body, const PeerEndpoint& peer, const IpAddress& client_address,
              bool tls, unsigned version = 11) noexcept;

  /// The method as sent, case-sensitive ("GET", "POST", "HEAD", ...).
  std::string_view method() const noexcept { return m_method; }
  /// The request target as sent ("/announce?info_hash=...").
  std::string_view target() const noexcept { return m_target; }
  /// The target up to the first '?', still percent-encoded ("/announce"). For an absolute-form
  /// target ("http://host/x?y") the part after the authority ("/x"; "/" when there is none).
  std::string_view path() const noexcept { return m_path; }
  /// The target after the first '?', without it and still percent-encoded; "" when none.
  std::string_view query() const noexcept { return m_query; }
  /// The value of the first field named `name` (ASCII case-insensitive), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const noexcept;
  /// Every header field in arrival order.
  std::span<const HttpHeader> headers() const noexcept { return m_headers; }
  /// The body (de-chunked); empty when there is none.
  std::string_view body() const noexcept { return m_body; }
  /// The client: the TCP peer's address, or the address a trusted proxy forwarded. IPv4 clients
  /// are always reported as IPv4 (never as ::ffff:a.b.c.d).
  const IpAddress& client_address() const noexcept { return m_client_address; }
  /// The TCP peer (a trusted proxy, if one forwarded the request).
  const PeerEndpoint& peer() const noexcept { return m_peer; }
  /// True when the request came over HTTPS.
  bool is_tls() const noexcept { return m_tls; }
  /// 10 for HTTP/1.0, 11 for HTTP/1.1.
  unsigned version() const noexcept { return m_version; }

private:
  std::string_view m_method;
  std::string_view m_target;
  std::string_view m_path;
  std::string_view m_query;
  std::span<const HttpHeader> m_headers;
  std::string_view m_body;
  PeerEndpoint m_peer;
  IpAddress m_client_address;
  bool m_tls = false;
  unsigned m_version = 11;
};

struct HttpResponse;

/// The other end of a deferred response (HttpResponse::defer): whoever holds it answers the
/// request later, from any thread, with complete(). Copyable; the copies share one answer, and
/// the first complete() wins (later calls do nothing). When the last copy is destroyed without a
/// complete(), the client gets a 500 — a lost handle never leaves a connection hanging.
/// Completing after HttpServer::stop() (or after the server is gone) does nothing.
///
///   handler = [&pool](const HttpRequest& req, HttpResponse& res) {
///     HttpCompletion done = res.defer();             // answer later
///     pool.post([done, body = std::string(req.body())] {   // copy what the worker needs
///       HttpResponse r;
///       r.body = slow_database_work(body);
///       done.complete(std::move(r));
///     });
///   };
class HttpCompletion {
public:
  /// Empty: complete() does nothing.
  HttpCompletion() = default;
  /// A handle that hands the answer to `deliver` (called at most once, on the completing
  /// thread; with a 500 response when no copy called complete()). HttpServer builds these; tests
  /// of handlers may build their own.
  explicit HttpCompletion(std::function<void(HttpResponse)> deliver);

  /// Sends `response` (validated like a handler's; an invalid one becomes a 500). Thread-safe.
  void complete(HttpResponse response) const;
  /// True when this handle belongs to a response (not default-constructed).
  explicit operator bool() const noexcept { return m_state != nullptr; }

private:
  struct State;
  std::shared_ptr<State> m_state;
};

/// What the handler fills in. Starts as 200, text/plain, empty body.
///
/// The server owns Content-Length, Transfer-Encoding and Connection: a handler that adds one of
/// them, a header name that is not an RFC 9110 token, a value with CR, LF or NUL (header
/// injection), or a status outside 200-599 makes the response a 500 (and a logged error).
struct HttpResponse {
  unsigned status = 200;
  /// Content-Type; empty: none sent.
  std::string content_type = "text/plain";
  std::string body;
  /// Further header fields, sent in this order.
  std::vector<std::pair<std::string, std::string>> headers;
  /// Close the connection after this response.
  bool close = false;

  void add_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }

  /// Defers the answer: the handler returns at once (freeing the I/O thread) and the request is
  /// answered when the returned handle's complete() is called — typically from a worker thread
  /// doing database or KDF work. The fields of this object are then ignored. The HttpRequest the
  /// handler got is invalid after it returns: copy what the worker needs. The connection reads
  /// nothing more (pipelined requests wait) until the answer is sent; stop() gives a deferred
  /// answer the same shutdown_grace as a response being written. Call at most once per request.
  /// Throws std::logic_error when nothing can defer this response (set_deferrer not called —
  /// HttpServer always calls it).
  HttpCompletion defer();
  /// True once defer() was called.
  bool deferred() const noexcept { return m_deferred; }
  /// What defer() calls to get the handle: set by HttpServer before the handler runs (or by a
  /// test of a handler).
  void set_deferrer(std::function<HttpCompletion()> deferrer) { m_deferrer = std::move(deferrer); }

private:
  std::function<HttpCompletion()> m_deferrer;
  bool m_deferred = false;
};

/// Called for every complete request, on an I/O thread (see the file comment: thread-safe, quick,
/// exceptions become 500). Slow work: HttpResponse::defer().
using HttpHandler = std::function<void(const HttpRequest&, HttpResponse&)>;

/// Counters since construction. Cheap to read (relaxed atomics), for /metrics.
struct HttpServerStats {
  std::uint64_t open_connections = 0;      ///< now, all listeners
  std::uint64_t accepted_connections = 0;  ///< ever accepted and served (not counting refused)
  std::uint64_t refused_connections = 0;   ///< closed at once: max_connections reached
  std::uint64_t requests = 0;              ///< complete requests given to the handler
  std::uint64_t bad_requests = 0;          ///< answered 400/413/431 (malformed, oversized)
  std::uint64_t request_timeouts = 0;      ///< request (or TLS handshake) not complete in time
  std::uint64_t handler_errors = 0;        ///< 500s: handler threw or gave an invalid response
  std::uint64_t tls_handshake_failures = 0;
};

/// The address a request is from. When `peer` lies in none of `trusted_proxies`, `peer` itself
/// (headers are ignored). Otherwise, in order:
///   1. X-Real-IP, when present and a valid address (IpAddress::parse; brackets allowed);
///   2. X-Forwarded-For (all such fields joined with ',' in arrival order), read from the right,
///      at most kMaxForwardedEntries entries: each entry that is trusted is skipped; the first
///      untrusted one is the client. Entries may be "addr", "[v6]", "a.b.c.d:port" or
///      "[v6]:port" with spaces around them. An entry that is not an address ("unknown", "")
///      stops the walk: the last address read (a trusted hop), or `peer`, is the client. When
///      every entry is trusted, the leftmost one is;
///   3. `peer`.
/// A v4-mapped result is returned as IPv4. Header names match ASCII case-insensitively.
IpAddress resolve_client_address(const IpAddress& peer, std::span<const HttpHeader> headers,
                                 std::span<const AddressRange> trusted_proxies);

class HttpServer {
public:
  /// Does not open sockets yet. `handler` must not be empty.
  HttpServer(HttpServerOptions options, HttpHandler handler);
  /// stop(), then frees everything.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Opens a plain-HTTP listener on `endpoint` ("0.0.0.0:6969", "[::]:6969", "127.0.0.1:0"; the
  /// PeerEndpoint::parse forms, no host names). Port 0 picks a free port. IPv6 listeners are
  /// IPv6-only (IPV6_V6ONLY), so "[::]:p" and "0.0.0.0:p" can both be open; SO_REUSEADDR is set.
  /// Returns the bound endpoint (with the real port), or a message naming the endpoint and the
  /// reason ("127.0.0.1:80: bind: Permission denied"). May be called before or after run(), not
  /// after stop().
  expected<PeerEndpoint, std::string> listen(std::string_view endpoint);

  /// Same for HTTPS: TLS 1.2 or later with the PEM certificate chain `certificate` (leaf first)
  /// and PEM private key `private_key`. Fails — opening nothing — when the files cannot be read,
  /// do not parse, or the key does not match the certificate.
  expected<PeerEndpoint, std::string> listen_tls(std::string_view endpoint,
                                                 const std::filesystem::path& certificate,
                                                 const std::filesystem::path& private_key);

  /// Re-reads the certificate and key files of every HTTPS listener (call it on SIGHUP).
  /// Connections accepted afterwards use the new ones; open connections keep theirs. A listener
  /// whose files fail to load keeps its old certificate; the first such failure is returned (the
  /// other listeners are still reloaded). Succeeds trivially when there is no HTTPS listener.
  /// Thread-safe; may be called while running. Note: the files must still be readable after a
  /// privilege drop.
  expected<void, std::string> reload_tls();

  /// Every listening endpoint, with its real port, in the order the listeners were opened.
  std::vector<PeerEndpoint> local_endpoints() const;

  /// Starts `n_threads` I/O threads (0 counts as 1) and returns at once. Call once.
  void run(std::size_t n_threads);

  /// Stops accepting, closes idle connections at once, gives responses in progress up to
  /// options.shutdown_grace to finish, then closes every connection and joins the I/O threads.
  /// Idempotent; called by the destructor. Must not be called from a handler (it joins the
  /// thread the handler runs on).
  void stop();

  /// Open connections now (a gauge for /metrics).
  std::size_t open_connections() const noexcept;
  HttpServerStats stats() const noexcept;

  /// The options in effect (after clamping).
  const HttpServerOptions& options() const noexcept;

private:
  class Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace shoal::server
