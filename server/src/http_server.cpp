#include "shoal/server/http_server.hpp"
#include "shoal/proto/encoding.hpp"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <system_error>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <exception>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <unordered_map>

namespace shoal::server {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using namespace std::chrono_literals;

/// Room in a connection's buffer beyond max_header_bytes: the parser needs the whole header in the
/// buffer plus a byte to notice it is too long, and a read may bring the start of the body or of
/// a pipelined request along with it.
constexpr std::size_t kBufferSlack = 8 * 1024;
/// Size of the read that waits for the next request on a kept-alive connection.
constexpr std::size_t kIdleReadBytes = 4 * 1024;
/// After the last response of a connection the server stops sending and reads (discarding) what
/// the client still sends, so that unread input does not turn the close into a reset that
/// destroys the response before the client has read it. Bounded in time and bytes.
constexpr auto kLingerTimeout = 1s;
constexpr std::size_t kLingerMaxBytes = 64 * 1024;
/// stop(): how long to wait for force-closed connections to unwind before stopping the loop.
constexpr auto kForceCloseWait = 500ms;
/// stop(): longest wait for a listener's I/O thread to close its acceptor.
constexpr auto kListenerCloseWait = 1s;
/// Longest header name or value (Content-Type included) a handler may put in a response; Beast
/// throws beyond 64 KiB, and no legitimate response header comes near this.
constexpr std::size_t kMaxResponseHeaderBytes = 16 * 1024;
/// Most connections taken from the listen queue per accept wake-up.
constexpr std::size_t kAcceptBurst = 64;
/// Pause before accepting again after the process ran out of descriptors or memory.
constexpr auto kAcceptRetryDelay = 100ms;
/// At most one warning per this interval about failing accepts.
constexpr auto kAcceptWarningInterval = 10s;

constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

std::string_view to_std(beast::string_view s) noexcept { return {s.data(), s.size()}; }

/// A request target for the log: the path only, the query replaced by "?…" — queries carry
/// passkeys and feed keys, which must not end up in log files.
std::string loggable_target(std::string_view target) {
  const auto q = target.find('?');
  return q == std::string_view::npos ? std::string(target) : std::string(target.substr(0, q)) + "?…";
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_trusted(const IpAddress& address, std::span<const AddressRange> ranges) noexcept {
  return std::any_of(ranges.begin(), ranges.end(),
                     [&](const AddressRange& r) { return r.contains(address); });
}

/// One X-Real-IP value or X-Forwarded-For entry: an address, optionally bracketed or with a port.
std::optional<IpAddress> parse_forwarded_address(std::string_view text) {
  text = trim(text);
  if (auto a = IpAddress::parse(text)) return a->unmapped();
  if (auto e = PeerEndpoint::parse(text)) return e->address.unmapped();
  return std::nullopt;
}

// RFC 9110 tchar.
bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos)
      return false;
  }
  return true;
}

bool is_safe_value(std::string_view s) noexcept {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

/// Why `response` cannot be sent, or nullopt when it can.
std::optional<std::string> response_problem(const HttpResponse& response) {
  if (response.status < 200 || response.status > 599)
    return "status " + std::to_string(response.status) + " outside 200-599";
  if (!is_safe_value(response.content_type)) return "content type contains CR, LF or NUL";
  if (response.content_type.size() > kMaxResponseHeaderBytes) return "content type too long";
  for (const auto& [name, value] : response.headers) {
    if (name.size() > kMaxResponseHeaderBytes || value.size() > kMaxResponseHeaderBytes)
      return "header too long";
    if (!is_token(name)) return "header name \"" + name + "\" is not a token";
    if (ascii_iequals(name, "Content-Length") || ascii_iequals(name, "Transfer-Encoding") ||
        ascii_iequals(name, "Connection"))
      return "header " + name + " is set by the server";
    if (!is_safe_value(value)) return "header " + name + " contains CR, LF or NUL";
  }
  return std::nullopt;
}

/// The Date header value for now (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"),
/// formatted at most once per second per thread. Written by hand: strftime follows the locale.
std::string_view http_date() {
  thread_local std::time_t cached_second = -1;
  thread_local char text[32] = {};
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                  tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    cached_second = now;
  }
  return text;
}

net::ip::address to_asio(const IpAddress& a) {
  if (a.is_v4()) {
    net::ip::address_v4::bytes_type b;
    std::copy_n(a.bytes().begin(), 4, b.begin());
    return net::ip::address_v4(b);
  }
  net::ip::address_v6::bytes_type b;
  std::copy_n(a.bytes().begin(), 16, b.begin());
  return net::ip::address_v6(b);
}

PeerEndpoint from_asio(const tcp::endpoint& e) {
  const auto address = e.address();
  IpAddress a = address.is_v4() ? IpAddress::v4(address.to_v4().to_bytes())
                                : IpAddress::v6(address.to_v6().to_bytes()).unmapped();
  return PeerEndpoint{a, e.port()};
}

/// Why `path` cannot be opened for reading, or nullopt. OpenSSL's own report of a missing file
/// is a bare "system lib"/"asio.ssl error", which tells an operator nothing.
std::optional<std::string> unreadable(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return std::error_code(errno, std::generic_category()).message();
  std::fclose(f);
  return std::nullopt;
}

/// A TLS server context for `certificate` and `private_key`, TLS 1.2 or later.
expected<std::shared_ptr<ssl::context>, std::string> make_tls_context(
    const std::filesystem::path& certificate, const std::filesystem::path& private_key) {
  if (auto why = unreadable(certificate))
    return unexpected<std::string>("certificate " + certificate.string() + ": cannot open: " + *why);
  if (auto why = unreadable(private_key))
    return unexpected<std::string>("private key " + private_key.string() + ": cannot open: " + *why);
  std::shared_ptr<ssl::context> context;
  try {
    context = std::make_shared<ssl::context>(ssl::context::tls_server);
  } catch (const std::exception& e) {
    return unexpected<std::string>(std::string("cannot create a TLS context: ") + e.what());
  }
  error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                       ec);
  SSL_CTX* native = context->native_handle();
  if (ec || SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
    return unexpected<std::string>("cannot restrict the TLS context to TLS 1.2+");
  // Client-initiated renegotiation costs the server a handshake per request: refuse it.
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  context->use_certificate_chain_file(certificate.string(), ec);
  if (ec)
    return unexpected<std::string>("certificate " + certificate.string() +
                                   ": cannot load: " + ec.message());
  context->use_private_key_file(private_key.string(), ssl::context::pem, ec);
  if (ec)
    return unexpected<std::string>("private key " + private_key.string() +
                                   ": cannot load: " + ec.message());
  if (SSL_CTX_check_private_key(native) != 1)
    return unexpected<std::string>("private key " + private_key.string() +
                                   " does not match certificate " + certificate.string());
  return context;
}

/// The certificate files of one HTTPS listener and the context currently made from them.
class TlsCredentials {
public:
  TlsCredentials(std::filesystem::path certificate, std::filesystem::path private_key,
                 std::shared_ptr<ssl::context> context)
      : m_certificate(std::move(certificate)),
        m_private_key(std::move(private_key)),
        m_context(std::move(context)) {}

  std::shared_ptr<ssl::context> current() const {
    std::lock_guard lock(m_mutex);
    return m_context;
  }

  expected<void, std::string> reload() {
    auto fresh = make_tls_context(m_certificate, m_private_key);
    if (!fresh) return unexpected<std::string>(fresh.error());
    std::lock_guard lock(m_mutex);
    m_context = std::move(*fresh);
    return {};
  }

private:
  const std::filesystem::path m_certificate;
  const std::filesystem::path m_private_key;
  mutable std::mutex m_mutex;
  std::shared_ptr<ssl::context> m_context;
};

/// The server's event loops: one io_context per I/O thread, each run by that thread alone, so a
/// connection (which lives on one of them) needs no strand and its I/O completions never wake
/// another thread (only the hand-over of a new connection does). Context 0 exists from
/// construction (listeners are opened on it before run()); run() adds the others before any
/// thread starts, so the set is fixed while accepts happen. Listeners accept on context 0.
class IoPool {
public:
  IoPool() { add(); }

  net::io_context& first() { return *m_contexts.front(); }
  std::size_t size() const noexcept { return m_contexts.size(); }
  net::io_context& at(std::size_t i) { return *m_contexts[i]; }

  /// Grows to `n` contexts. Only before the threads start.
  void resize(std::size_t n) {
    m_contexts.reserve(n);
    while (m_contexts.size() < n) add();
  }

  /// The context for the next accepted connection (round robin).
  net::io_context& next() noexcept {
    return *m_contexts[m_next.fetch_add(1, std::memory_order_relaxed) % m_contexts.size()];
  }

  void release_work() {
    for (auto& w : m_work) w.reset();
  }
  void stop_all() {
    for (auto& c : m_contexts) c->stop();
  }

private:
  void add() {
    m_contexts.push_back(std::make_unique<net::io_context>(1));
    m_work.emplace_back(net::make_work_guard(*m_contexts.back()));
  }

  std::vector<std::unique_ptr<net::io_context>> m_contexts;
  std::vector<std::optional<net::executor_work_guard<net::io_context::executor_type>>> m_work;
  std::atomic<std::size_t> m_next{0};
};

class ConnectionBase;

/// What every connection shares: options, handler, counters and the registry stop() walks.
struct ServerCore {
  HttpServerOptions options;
  HttpHandler handler;

  std::atomic<std::uint64_t> open{0};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> bad_requests{0};
  std::atomic<std::uint64_t> request_timeouts{0};
  std::atomic<std::uint64_t> handler_errors{0};
  std::atomic<std::uint64_t> tls_failures{0};
  std::atomic<bool> stopping{false};

  /// Deferred responses deliver through this gate; stop() closes it, after which a completion
  /// (possibly arriving after the server is gone: completions share the gate, not the server)
  /// does nothing.
  struct Gate {
    std::mutex mutex;
    bool open = true;
  };
  std::shared_ptr<Gate> gate = std::make_shared<Gate>();
  /// Connections waiting for a deferred response, kept alive here (no I/O operation holds them
  /// meanwhile); a completion only holds a weak reference.
  std::mutex deferred_mutex;
  std::unordered_map<std::uint64_t, std::shared_ptr<ConnectionBase>> deferred;

  void hold_deferred(std::uint64_t id, std::shared_ptr<ConnectionBase> connection) {
    std::lock_guard lock(deferred_mutex);
    deferred[id] = std::move(connection);
  }
  /// The returned reference is dropped by the caller, outside the lock.
  std::shared_ptr<ConnectionBase> release_deferred(std::uint64_t id) {
    std::lock_guard lock(deferred_mutex);
    auto it = deferred.find(id);
    if (it == deferred.end()) return nullptr;
    auto held = std::move(it->second);
    deferred.erase(it);
    return held;
  }
  /// stop(): no completion is delivered any more; connections still waiting are let go.
  void close_gate() {
    {
      std::lock_guard lock(gate->mutex);
      gate->open = false;
    }
    std::unordered_map<std::uint64_t, std::shared_ptr<ConnectionBase>> waiting;
    {
      std::lock_guard lock(deferred_mutex);
      waiting.swap(deferred);
    }
    waiting.clear();  // outside the lock: a connection's destructor takes `mutex`
  }

  std::mutex mutex;  // guards connections, next_id; `open` drops under it (idle_cv)
  std::condition_variable idle_cv;
  std::unordered_map<std::uint64_t, std::weak_ptr<ConnectionBase>> connections;
  std::uint64_t next_id = 0;

  /// Registers a started connection; false when the server is stopping (then it must close).
  bool add(std::uint64_t& id, std::weak_ptr<ConnectionBase> connection) {
    std::lock_guard lock(mutex);
    if (stopping.load()) return false;
    id = ++next_id;
    connections.emplace(id, std::move(connection));
    return true;
  }

  /// A connection (registered with `id`, or 0 if never) is gone; its slot in `open` is freed.
  void remove(std::uint64_t id) noexcept {
    std::lock_guard lock(mutex);
    if (id != 0) connections.erase(id);
    if (open.fetch_sub(1) == 1) idle_cv.notify_all();
  }

  std::vector<std::shared_ptr<ConnectionBase>> snapshot() {
    std::vector<std::shared_ptr<ConnectionBase>> out;
    std::lock_guard lock(mutex);
    out.reserve(connections.size());
    for (auto& [id, weak] : connections)
      if (auto c = weak.lock()) out.push_back(std::move(c));
    return out;
  }

  /// Waits until no connection is open or `timeout` passes; true when none is open.
  bool wait_idle(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex);
    return idle_cv.wait_for(lock, timeout, [&] { return open.load() == 0; });
  }
};

/// A connection as the server's registry sees it. Owns one slot of ServerCore::open.
class ConnectionBase {
public:
  explicit ConnectionBase(ServerCore& core) noexcept : m_core(core) {}
  virtual ~ConnectionBase() { m_core.remove(m_id); }
  ConnectionBase(const ConnectionBase&) = delete;
  ConnectionBase& operator=(const ConnectionBase&) = delete;

  /// From any thread: asks the connection to close — at once when `force` or when it is not in
  /// the middle of sending a response, else after that response.
  virtual void request_shutdown(bool force) = 0;

protected:
  ServerCore& m_core;
  std::uint64_t m_id = 0;
};

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

template <class Stream>
class Connection final : public ConnectionBase,
                         public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

public:
  Connection(ServerCore& core, tcp::socket&& socket, const PeerEndpoint& peer,
             std::shared_ptr<ssl::context> tls_context)
      : ConnectionBase(core),
        m_tls_context(std::move(tls_context)),
        m_stream(make_stream(std::move(socket), m_tls_context.get())),
        m_buffer(core.options.max_header_bytes + kBufferSlack),
        m_peer(peer) {}

  void start() {
    if (!m_core.add(m_id, this->weak_from_this())) {
      beast::get_lowest_layer(m_stream).close();
      return;
    }
    net::dispatch(m_stream.get_executor(), [self = this->shared_from_this()] { self->begin(); });
  }

  void request_shutdown(bool force) override {
    net::post(m_stream.get_executor(),
              [self = this->shared_from_this(), force] { self->on_shutdown_request(force); });
  }

private:
  enum class State { handshake, idle, reading, handling, writing, closing };

  static Stream make_stream(tcp::socket&& socket, ssl::context* context) {
    if constexpr (kTls)
      return Stream(std::move(socket), *context);
    else
      return Stream(std::move(socket));
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(m_stream); }
  const HttpServerOptions& options() const { return m_core.options; }

  void begin() {
    if constexpr (kTls) {
      m_state = State::handshake;
      lowest().expires_after(options().request_timeout);
      m_stream.async_handshake(ssl::stream_base::server,
                               [self = this->shared_from_this()](error_code ec) {
                                 self->on_handshake(ec);
                               });
    } else {
      read_request();
    }
  }

  void on_handshake(error_code ec) {
    if (m_closed) return;
    if (ec) {
      if (ec == beast::error::timeout)
        m_core.request_timeouts.fetch_add(1, std::memory_order_relaxed);
      else
        m_core.tls_failures.fetch_add(1, std::memory_order_relaxed);
      spdlog::debug("http: {}: TLS handshake failed: {}", m_peer.to_string(), ec.message());
      close();
      return;
    }
    read_request();
  }

  /// Reads the next request. A new connection, or one with pipelined bytes already buffered, is
  /// inside a request: the request deadline runs. An idle kept-alive connection first waits
  /// (keepalive_timeout) for the first byte; the request deadline starts from there.
  void read_request() {
    if (m_closed) return;
    if (m_shutdown_requested) {
      close();
      return;
    }
    m_parser.emplace();
    m_parser->header_limit(static_cast<std::uint32_t>(options().max_header_bytes));
    m_parser->body_limit(options().max_body_bytes);
    if (m_first_request || m_buffer.size() > 0) {
      read_header();
      return;
    }
    m_state = State::idle;
    lowest().expires_after(options().keepalive_timeout);
    const std::size_t room = std::min(kIdleReadBytes, m_buffer.max_size() - m_buffer.size());
    m_stream.async_read_some(m_buffer.prepare(room),
                             [self = this->shared_from_this()](error_code ec, std::size_t n) {
                               self->on_idle_read(ec, n);
                             });
  }

  void on_idle_read(error_code ec, std::size_t n) {
    if (m_closed) return;
    if (ec) {  // idle timeout, or the client closed: the normal end of a kept-alive connection
      close();
      return;
    }
    m_buffer.commit(n);
    read_header();
  }

  void read_header() {
    m_state = State::reading;
    lowest().expires_after(options().request_timeout);
    http::async_read_header(m_stream, m_buffer, *m_parser,
                            [self = this->shared_from_this()](error_code ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(error_code ec) {
    if (m_closed) return;
    if (ec) {
      on_read_error(ec);
      return;
    }
    if (m_parser->is_done()) {
      handle_request();
      return;
    }
    if (options().body_limit) {
      // The listener's own rule for this request (e.g. larger uploads only on some routes):
      // refused before a byte of the body is read. Beast checks a Content-Length against the
      // parser's limit only while parsing the header, so that case is checked here; the new
      // limit still bounds a chunked body.
      std::size_t limit = options().max_body_bytes;
      try {
        limit = std::min(limit, options().body_limit(request_view({})));
      } catch (...) {
        // A callback must not throw; if it does, the listener's limit stands.
      }
      if (const auto length = m_parser->content_length(); length && *length > limit) {
        on_read_error(http::error::body_limit);
        return;
      }
      m_parser->body_limit(limit);
    }
    const auto& request = m_parser->get();
    if (request.version() >= 11 && ascii_iequals(to_std(request[http::field::expect]), "100-continue")) {
      net::async_write(m_stream, net::buffer(kContinueResponse.data(), kContinueResponse.size()),
                       [self = this->shared_from_this()](error_code write_ec, std::size_t) {
                         if (self->m_closed) return;
                         if (write_ec) {
                           self->close();
                           return;
                         }
                         self->read_body();
                       });
      return;
    }
    read_body();
  }

  // The request deadline set in read_header() still runs: header and body share it.
  void read_body() {
    http::async_read(m_stream, m_buffer, *m_parser,
                     [self = this->shared_from_this()](error_code ec, std::size_t) {
                       if (self->m_closed) return;
                       if (ec) {
                         self->on_read_error(ec);
                         return;
                       }
                       self->handle_request();
                     });
  }

  void on_read_error(error_code ec) {
    if (ec == beast::error::timeout) {
      m_core.request_timeouts.fetch_add(1, std::memory_order_relaxed);
      spdlog::debug("http: {}: request timed out", m_peer.to_string());
      close();
      return;
    }
    if (ec.category() != http::make_error_code(http::error::end_of_stream).category() ||
        ec == http::error::end_of_stream || ec == http::error::partial_message) {
      // The client went away (before or in the middle of a request), or a socket/TLS error.
      close();
      return;
    }
    unsigned status = 400;
    std::string_view reason = "bad request\n";
    if (ec == http::error::header_limit ||
        (ec == http::error::buffer_overflow && !m_parser->is_header_done())) {
      status = 431;
      reason = "request header fields too large\n";
    } else if (ec == http::error::body_limit) {
      status = 413;
      reason = "content too large\n";
    }
    m_core.bad_requests.fetch_add(1, std::memory_order_relaxed);
    spdlog::debug("http: {}: refused request: {} ({})", m_peer.to_string(), ec.message(), status);
    const unsigned version = m_parser->is_header_done() ? m_parser->get().version() : 11;
    start_response(status, "text/plain", std::string(reason), version, false, false);
  }

  /// The parsed request as the handler sees it, with `body` as its body (m_header_views holds the
  /// header views; valid until the next call).
  HttpRequest request_view(std::string_view body) {
    auto& request = m_parser->get();
    m_header_views.clear();
    for (const auto& field : request)
      m_header_views.push_back(HttpHeader{to_std(field.name_string()), to_std(field.value())});
    const IpAddress client =
        resolve_client_address(m_peer.address, m_header_views, options().trusted_proxies);
    return HttpRequest(to_std(request.method_string()), to_std(request.target()), m_header_views,
                       body, m_peer, client, kTls, request.version());
  }

  void handle_request() {
    m_core.requests.fetch_add(1, std::memory_order_relaxed);
    auto& request = m_parser->get();
    const HttpRequest view = request_view(request.body());
    HttpResponse response;
    response.set_deferrer([this] { return make_completion(); });
    std::optional<std::string> problem;
    try {
      m_core.handler(view, response);
      if (response.deferred()) {
        m_state = State::handling;  // answered by on_deferred()
        return;
      }
      problem = response_problem(response);
    } catch (const std::exception& e) {
      problem = std::string("handler threw: ") + e.what();
    } catch (...) {
      problem = "handler threw a non-standard exception";
    }
    if (response.deferred()) {
      // It threw after deferring: the completion still owns the answer.
      spdlog::error("http: {} {} from {}: {} after deferring", to_std(request.method_string()),
                    loggable_target(to_std(request.target())), m_peer.to_string(), problem.value_or("?"));
      m_state = State::handling;
      return;
    }
    send_handler_response(std::move(response), std::move(problem));
  }

  /// The handle HttpResponse::defer() returns for the request being handled.
  HttpCompletion make_completion() {
    m_core.hold_deferred(m_id, this->shared_from_this());
    std::weak_ptr<Connection> weak = this->shared_from_this();
    return HttpCompletion([gate = m_core.gate, weak](HttpResponse r) {
      std::lock_guard lock(gate->mutex);
      if (!gate->open) return;
      auto self = weak.lock();
      if (!self) return;
      auto executor = self->m_stream.get_executor();
      net::post(executor, [self = std::move(self), r = std::move(r)]() mutable {
        self->on_deferred(std::move(r));
      });
    });
  }

  void on_deferred(HttpResponse response) {
    const auto held = m_core.release_deferred(m_id);  // `self` in the caller keeps us alive
    if (m_closed || m_state != State::handling || !m_parser) return;
    std::optional<std::string> problem = response_problem(response);
    send_handler_response(std::move(response), std::move(problem));
  }

  void send_handler_response(HttpResponse response, std::optional<std::string> problem) {
    auto& request = m_parser->get();
    if (problem) {
      m_core.handler_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("http: {} {} from {}: {}; answered 500", to_std(request.method_string()),
                    loggable_target(to_std(request.target())), m_peer.to_string(), *problem);
      response = HttpResponse{};
      response.status = 500;
      response.body = "internal server error\n";
    }
    const bool keep_alive =
        request.keep_alive() && !response.close && !m_core.stopping.load(std::memory_order_relaxed);
    // The client itself said this is its last request (Connection: close, or HTTP/1.0 without
    // keep-alive): it sends nothing more, so no lingering read is needed after the response.
    m_client_closes = !request.keep_alive();
    start_response(response.status, std::move(response.content_type), std::move(response.body),
                   request.version(), keep_alive, request.method() == http::verb::head,
                   &response.headers);
  }

  void start_response(unsigned status, std::string content_type, std::string body,
                      unsigned version, bool keep_alive, bool head,
                      const std::vector<std::pair<std::string, std::string>>* extra = nullptr) {
    m_response = {};
    m_response.version(version);
    m_response.result(status);
    const std::string_view date = http_date();
    m_response.set(http::field::date, beast::string_view(date.data(), date.size()));
    if (!options().server_name.empty()) m_response.set(http::field::server, options().server_name);
    if (!content_type.empty()) m_response.set(http::field::content_type, content_type);
    if (extra != nullptr)
      for (const auto& [name, value] : *extra) m_response.insert(name, value);
    const bool no_body = status < 200 || status == 204 || status == 304;
    if (!no_body) {
      m_response.content_length(body.size());
      if (!head) m_response.body() = std::move(body);
    }
    m_response.keep_alive(keep_alive);
    // The request's storage is no longer needed; the bytes after it (pipelining) stay in m_buffer.
    m_parser.reset();
    m_state = State::writing;
    lowest().expires_after(options().write_timeout);
    http::async_write(m_stream, m_response,
                      [self = this->shared_from_this(), keep_alive](error_code ec, std::size_t) {
                        self->on_write(ec, keep_alive);
                      });
  }

  void on_write(error_code ec, bool keep_alive) {
    if (m_closed) return;
    m_response = {};  // release the body while the connection idles
    if (ec) {
      spdlog::debug("http: {}: write failed: {}", m_peer.to_string(), ec.message());
      close();
      return;
    }
    if (!keep_alive || m_shutdown_requested) {
      close_gracefully();
      return;
    }
    m_first_request = false;
    read_request();
  }

  void close_gracefully() {
    if (m_closed) return;
    m_state = State::closing;
    if constexpr (!kTls) {
      // Nothing unread (neither buffered nor in the kernel) and the client announced its last
      // request: a plain close sends FIN, not a reset, so the response is safe without lingering.
      error_code ec;
      if (m_client_closes && m_buffer.size() == 0 && lowest().socket().available(ec) == 0 && !ec) {
        close();
        return;
      }
    }
    lowest().expires_after(kLingerTimeout);
    if constexpr (kTls) {
      m_stream.async_shutdown([self = this->shared_from_this()](error_code) { self->close(); });
    } else {
      error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) {
        close();
        return;
      }
      m_buffer.clear();
      linger();
    }
  }

  void linger() {
    m_stream.async_read_some(m_buffer.prepare(kIdleReadBytes),
                             [self = this->shared_from_this()](error_code ec, std::size_t n) {
                               if (self->m_closed) return;
                               self->m_lingered += n;
                               if (ec || self->m_lingered > kLingerMaxBytes) {
                                 self->close();
                                 return;
                               }
                               self->linger();
                             });
  }

  void on_shutdown_request(bool force) {
    if (m_closed) return;
    m_shutdown_requested = true;
    // A response being written or worked on (deferred) finishes (on_write then closes); anything
    // else ends now.
    if (force || (m_state != State::writing && m_state != State::handling)) close();
  }

  void close() {
    if (m_closed) return;
    m_closed = true;
    lowest().close();
  }

  std::shared_ptr<ssl::context> m_tls_context;  // before m_stream: outlives it
  Stream m_stream;
  beast::flat_buffer m_buffer;  // bounded: oversized input ends as an error, not a throw
  std::optional<http::request_parser<http::string_body>> m_parser;
  http::response<http::string_body> m_response;
  std::vector<HttpHeader> m_header_views;
  PeerEndpoint m_peer;
  State m_state = State::handshake;
  std::size_t m_lingered = 0;
  bool m_first_request = true;
  bool m_shutdown_requested = false;
  bool m_client_closes = false;  // the request being answered asked to close the connection
  bool m_closed = false;
};

/// One listening socket and its accept loop (on the first I/O thread).
class Listener : public std::enable_shared_from_this<Listener> {
public:
  Listener(ServerCore& core, IoPool& io, tcp::acceptor&& acceptor, const PeerEndpoint& local,
           std::shared_ptr<TlsCredentials> tls)
      : m_core(core),
        m_io(io),
        m_acceptor(std::move(acceptor)),
        m_retry_timer(m_acceptor.get_executor()),
        m_local(local),
        m_tls(std::move(tls)) {}

  void start() {
    error_code ec;
    m_acceptor.non_blocking(true, ec);  // the accept burst in on_accept must never block
    m_burst = !ec;
    net::dispatch(m_acceptor.get_executor(), [self = shared_from_this()] { self->accept(); });
  }

  /// Stops accepting and returns once the acceptor is closed. With `threads_running` the close
  /// runs on the acceptor's thread (the accept loop touches the acceptor there); without, nothing
  /// else can touch it.
  void close(bool threads_running) {
    if (!threads_running) {
      close_now();
      return;
    }
    auto done = std::make_shared<std::promise<void>>();
    auto closed = done->get_future();
    net::post(m_acceptor.get_executor(), [self = shared_from_this(), done] {
      self->close_now();
      done->set_value();
    });
    // Only an I/O thread stuck in a handler delays this; stop() would then wait in join anyway.
    closed.wait_for(kListenerCloseWait);
  }

  const PeerEndpoint& local_endpoint() const noexcept { return m_local; }
  TlsCredentials* tls() const noexcept { return m_tls.get(); }

private:
  void close_now() {
    error_code ec;
    m_acceptor.close(ec);
    m_retry_timer.cancel(ec);
  }

  void accept() {
    if (!m_acceptor.is_open()) return;
    // The accept fills m_remote (no getpeername per connection); one accept runs at a time.
    m_acceptor.async_accept(m_io.next(), m_remote,
                            [self = shared_from_this()](error_code ec, tcp::socket socket) {
                              self->on_accept(ec, std::move(socket));
                            });
  }

  void on_accept(error_code ec, tcp::socket socket) {
    if (!m_acceptor.is_open() || m_core.stopping.load() || ec == net::error::operation_aborted)
      return;
    if (ec) {
      const auto now = std::chrono::steady_clock::now();
      if (now - m_last_warning >= kAcceptWarningInterval) {
        m_last_warning = now;
        spdlog::warn("http: accept on {} failed: {}", m_local.to_string(), ec.message());
      }
      const bool exhausted = ec == net::error::no_descriptors || ec == net::error::no_memory ||
                             ec == net::error::no_buffer_space ||
                             ec.value() == ENFILE;
      if (exhausted) {
        // Accepting again at once would spin: the pending connection stays in the backlog.
        m_retry_timer.expires_after(kAcceptRetryDelay);
        m_retry_timer.async_wait([self = shared_from_this()](error_code wait_ec) {
          if (!wait_ec) self->accept();
        });
        return;
      }
      accept();
      return;
    }
    serve(std::move(socket), m_remote);
    // Take every connection already queued without another trip through the reactor.
    for (std::size_t i = 1; m_burst && i < kAcceptBurst && m_acceptor.is_open(); ++i) {
      error_code again_ec;
      tcp::socket next = m_acceptor.accept(m_io.next(), m_remote, again_ec);
      if (again_ec) break;  // would_block (the queue is empty) or an error async_accept reports
      serve(std::move(next), m_remote);
    }
    accept();
  }

  void serve(tcp::socket socket, const tcp::endpoint& remote) {
    error_code ec;
    const auto before = m_core.open.fetch_add(1);
    if (before >= m_core.options.max_connections) {
      m_core.open.fetch_sub(1);
      m_core.refused.fetch_add(1, std::memory_order_relaxed);
      spdlog::debug("http: refused {}: {} connections open", from_asio(remote).to_string(),
                    before);
      socket.close(ec);
      return;
    }
    m_core.accepted.fetch_add(1, std::memory_order_relaxed);
    socket.set_option(tcp::no_delay(true), ec);
    const PeerEndpoint peer = from_asio(remote);
    // The connection owns the slot in `open` from here (its destructor frees it).
    if (m_tls) {
      std::make_shared<Connection<TlsStream>>(m_core, std::move(socket), peer, m_tls->current())
          ->start();
    } else {
      std::make_shared<Connection<PlainStream>>(m_core, std::move(socket), peer, nullptr)->start();
    }
  }

  ServerCore& m_core;
  IoPool& m_io;
  tcp::acceptor m_acceptor;
  tcp::endpoint m_remote;  // the peer of the connection being accepted
  bool m_burst = false;    // the acceptor is non-blocking: on_accept may take queued connections
  net::steady_timer m_retry_timer;
  const PeerEndpoint m_local;
  const std::shared_ptr<TlsCredentials> m_tls;
  std::chrono::steady_clock::time_point m_last_warning{};
};

HttpServerOptions clamped(HttpServerOptions o) {
  o.max_header_bytes = std::clamp(o.max_header_bytes, kMinHttpHeaderBytes, kMaxHttpHeaderBytes);
  o.max_body_bytes = std::min(o.max_body_bytes, kMaxHttpBodyBytes);
  if (!is_safe_value(o.server_name) || o.server_name.size() > kMaxResponseHeaderBytes) {
    spdlog::warn("http: server_name is not a valid header value; no Server header is sent");
    o.server_name.clear();
  }
  return o;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

HttpRequest::HttpRequest(std::string_view method, std::string_view target,
                         std::span<const HttpHeader> headers, std::string_view body,
                         const PeerEndpoint& peer, const IpAddress& client_address, bool tls,
                         unsigned version) noexcept
    : m_method(method),
      m_target(target),
      m_headers(headers),
      m_body(body),
      m_peer(peer),
      m_client_address(client_address),
      m_tls(tls),
      m_version(version) {
  std::string_view path_and_query = target;
  bool absolute_form = false;
  if (!target.empty() && target.front() != '/') {
    if (const auto scheme_end = target.find("://"); scheme_end != std::string_view::npos) {
      absolute_form = true;
      const std::string_view rest = target.substr(scheme_end + 3);
      const auto start = rest.find_first_of("/?");
      path_and_query = start == std::string_view::npos ? std::string_view{} : rest.substr(start);
    }
  }
  const auto question = path_and_query.find('?');
  m_path = path_and_query.substr(0, question);
  if (question != std::string_view::npos) m_query = path_and_query.substr(question + 1);
  if (absolute_form && m_path.empty()) m_path = "/";
}

struct HttpCompletion::State {
  explicit State(std::function<void(HttpResponse)> d) : deliver(std::move(d)) {}
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    if (done.exchange(true) || !deliver) return;
    HttpResponse lost;
    lost.status = 500;
    lost.body = "internal server error\n";
    spdlog::error("http: a deferred response was never completed; answered 500");
    try {
      deliver(std::move(lost));
    } catch (...) {  // a destructor must not throw
    }
  }
  std::function<void(HttpResponse)> deliver;
  std::atomic<bool> done{false};
};

HttpCompletion::HttpCompletion(std::function<void(HttpResponse)> deliver)
    : m_state(std::make_shared<State>(std::move(deliver))) {}

void HttpCompletion::complete(HttpResponse response) const {
  if (!m_state || m_state->done.exchange(true) || !m_state->deliver) return;
  m_state->deliver(std::move(response));
}

HttpCompletion HttpResponse::defer() {
  if (!m_deferrer) throw std::logic_error("HttpResponse::defer: nothing can defer this response");
  if (m_deferred) throw std::logic_error("HttpResponse::defer: called twice");
  HttpCompletion completion = m_deferrer();
  m_deferred = true;
  return completion;
}

std::optional<std::string_view> HttpRequest::header(std::string_view name) const noexcept {
  for (const auto& h : m_headers)
    if (ascii_iequals(h.name, name)) return h.value;
  return std::nullopt;
}

IpAddress resolve_client_address(const IpAddress& peer, std::span<const HttpHeader> headers,
                                 std::span<const AddressRange> trusted_proxies) {
  IpAddress client = peer.unmapped();
  if (!is_trusted(client, trusted_proxies)) return client;

  for (const auto& h : headers) {
    if (!ascii_iequals(h.name, "X-Real-IP")) continue;
    if (auto a = parse_forwarded_address(h.value)) return *a;
    break;  // only the first X-Real-IP counts; an invalid one falls through to X-Forwarded-For
  }

  // X-Forwarded-For: every proxy appends the address it received the request from, so the
  // rightmost entries are the ones our trusted proxies wrote; the first untrusted one from the
  // right is the client. Entries further left are the client's own claims.
  std::size_t entries = 0;
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (!ascii_iequals(it->name, "X-Forwarded-For")) continue;
    std::string_view rest = it->value;
    for (;;) {
      const auto comma = rest.rfind(',');
      const std::string_view entry =
          comma == std::string_view::npos ? rest : rest.substr(comma + 1);
      if (++entries > kMaxForwardedEntries) return client;
      const auto address = parse_forwarded_address(entry);
      if (!address) return client;
      client = *address;
      if (!is_trusted(client, trusted_proxies)) return client;
      if (comma == std::string_view::npos) break;
      rest = rest.substr(0, comma);
    }
  }
  return client;
}

// ---------------------------------------------------------------------------------------------

class HttpServer::Impl {
public:
  Impl(HttpServerOptions options, HttpHandler handler) {
    m_core.options = clamped(std::move(options));
    m_core.handler = std::move(handler);
  }

  ~Impl() { stop(); }

  expected<PeerEndpoint, std::string> listen(std::string_view text,
                                             std::shared_ptr<TlsCredentials> tls) {
    const std::string name(text);
    const auto parsed = PeerEndpoint::parse(text);
    if (!parsed)
      return unexpected<std::string>(name +
                                     ": not an endpoint (\"0.0.0.0:6969\" or \"[::]:6969\")");
    std::lock_guard lifecycle(m_lifecycle_mutex);
    if (m_stopped) return unexpected<std::string>(name + ": the server is stopped");

    const tcp::endpoint endpoint(to_asio(parsed->address), parsed->port);
    tcp::acceptor acceptor(m_io.first());
    error_code ec;
    auto failed = [&](std::string_view step) {
      return unexpected<std::string>(name + ": " + std::string(step) + ": " + ec.message());
    };
    if (acceptor.open(endpoint.protocol(), ec); ec) return failed("socket");
    if (parsed->address.is_v6()) {
      // Without this, "[::]:p" would also take IPv4 and collide with "0.0.0.0:p".
      if (acceptor.set_option(net::ip::v6_only(true), ec); ec) return failed("IPV6_V6ONLY");
    }
    if (acceptor.set_option(tcp::acceptor::reuse_address(true), ec); ec)
      return failed("SO_REUSEADDR");
    if (acceptor.bind(endpoint, ec); ec) return failed("bind");
    if (acceptor.listen(net::socket_base::max_listen_connections, ec); ec) return failed("listen");
    const auto bound = acceptor.local_endpoint(ec);
    if (ec) return failed("getsockname");
    const PeerEndpoint local = from_asio(bound);

    auto listener =
        std::make_shared<Listener>(m_core, m_io, std::move(acceptor), local, std::move(tls));
    {
      std::lock_guard lock(m_listeners_mutex);
      m_listeners.push_back(listener);
    }
    listener->start();
    spdlog::info("http: listening on {}://{}", listener->tls() ? "https" : "http",
                 local.to_string());
    return local;
  }

  expected<void, std::string> reload_tls() {
    std::vector<std::shared_ptr<Listener>> listeners;
    {
      std::lock_guard lock(m_listeners_mutex);
      listeners = m_listeners;
    }
    std::optional<std::string> first_error;
    for (const auto& listener : listeners) {
      TlsCredentials* tls = listener->tls();
      if (tls == nullptr) continue;
      if (auto r = tls->reload(); !r) {
        spdlog::error("http: TLS reload for {} failed, keeping the old certificate: {}",
                      listener->local_endpoint().to_string(), r.error());
        if (!first_error) first_error = listener->local_endpoint().to_string() + ": " + r.error();
      } else {
        spdlog::info("http: TLS certificate reloaded for {}",
                     listener->local_endpoint().to_string());
      }
    }
    if (first_error) return unexpected<std::string>(*first_error);
    return {};
  }

  std::vector<PeerEndpoint> local_endpoints() const {
    std::lock_guard lock(m_listeners_mutex);
    std::vector<PeerEndpoint> out;
    out.reserve(m_listeners.size());
    for (const auto& l : m_listeners) out.push_back(l->local_endpoint());
    return out;
  }

  void run(std::size_t n_threads) {
    std::lock_guard lifecycle(m_lifecycle_mutex);
    if (m_stopped || !m_threads.empty()) return;
    n_threads = std::max<std::size_t>(n_threads, 1);
    m_io.resize(n_threads);
    for (std::size_t i = 0; i < n_threads; ++i)
      m_threads.emplace_back([this, i] { run_loop(m_io.at(i)); });
  }

  void stop() {
    std::lock_guard lifecycle(m_lifecycle_mutex);
    if (m_stopped) return;
    m_stopped = true;
    m_core.stopping.store(true);
    const bool running = !m_threads.empty();
    {
      std::lock_guard lock(m_listeners_mutex);
      for (const auto& l : m_listeners) l->close(running);
    }
    if (running) {
      // Idle connections close now; a response being written gets the grace period.
      for (const auto& c : m_core.snapshot()) c->request_shutdown(false);
      if (!m_core.wait_idle(m_core.options.shutdown_grace)) {
        for (const auto& c : m_core.snapshot()) c->request_shutdown(true);
        m_core.close_gate();  // connections still waiting for a deferred answer go now
        m_core.wait_idle(kForceCloseWait);
      }
    }
    m_core.close_gate();
    m_io.release_work();
    m_io.stop_all();
    for (auto& t : m_threads) t.join();
    m_threads.clear();
    spdlog::debug("http: stopped");
  }

  HttpServerStats stats() const noexcept {
    HttpServerStats s;
    s.open_connections = m_core.open.load(std::memory_order_relaxed);
    s.accepted_connections = m_core.accepted.load(std::memory_order_relaxed);
    s.refused_connections = m_core.refused.load(std::memory_order_relaxed);
    s.requests = m_core.requests.load(std::memory_order_relaxed);
    s.bad_requests = m_core.bad_requests.load(std::memory_order_relaxed);
    s.request_timeouts = m_core.request_timeouts.load(std::memory_order_relaxed);
    s.handler_errors = m_core.handler_errors.load(std::memory_order_relaxed);
    s.tls_handshake_failures = m_core.tls_failures.load(std::memory_order_relaxed);
    return s;
  }

  std::size_t open_connections() const noexcept {
    return static_cast<std::size_t>(m_core.open.load(std::memory_order_relaxed));
  }
  const HttpServerOptions& options() const noexcept { return m_core.options; }

private:
  void run_loop(net::io_context& io) {
    for (;;) {
      // Completion handlers catch what they expect; this is the last line, so that nothing
      // unexpected (e.g. bad_alloc) ends the thread and with it std::terminate the process.
      try {
        io.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("http: I/O thread caught an exception: {}", e.what());
      } catch (...) {
        spdlog::error("http: I/O thread caught a non-standard exception");
      }
    }
  }

  // Destroyed in reverse order: the threads are joined by then, listeners go before the
  // io_context, and the io_context (whose pending handlers may own the last connections) before
  // m_core, which those connections' destructors update.
  ServerCore m_core;
  IoPool m_io;
  mutable std::mutex m_listeners_mutex;
  std::vector<std::shared_ptr<Listener>> m_listeners;
  std::mutex m_lifecycle_mutex;  // listen/run/stop
  std::vector<std::thread> m_threads;
  bool m_stopped = false;
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler) {
  if (!handler) throw std::invalid_argument("HttpServer: empty handler");
  m_impl = std::make_unique<Impl>(std::move(options), std::move(handler));
}

HttpServer::~HttpServer() = default;

expected<PeerEndpoint, std::string> HttpServer::listen(std::string_view endpoint) {
  return m_impl->listen(endpoint, nullptr);
}

expected<PeerEndpoint, std::string> HttpServer::listen_tls(
    std::string_view endpoint, const std::filesystem::path& certificate,
    const std::filesystem::path& private_key) {
  auto context = make_tls_context(certificate, private_key);
  if (!context) return unexpected<std::string>(std::string(endpoint) + ": " + context.error());
  return m_impl->listen(endpoint, std::make_shared<TlsCredentials>(certificate, private_key,
                                                                   std::move(*context)));
}

expected<void, std::string> HttpServer::reload_tls() { return m_impl->reload_tls(); }

std::vector<PeerEndpoint> HttpServer::local_endpoints() const { return m_impl->local_endpoints(); }

void HttpServer::run(std::size_t n_threads) { m_impl->run(n_threads); }

void HttpServer::stop() { m_impl->stop(); }

std::size_t HttpServer::open_connections() const noexcept { return m_impl->open_connections(); }

HttpServerStats HttpServer::stats() const noexcept { return m_impl->stats(); }

const HttpServerOptions& HttpServer::options() const noexcept { return m_impl->options(); }

}  // namespace shoal::server
