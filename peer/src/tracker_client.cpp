#include "shoal/peer/tracker_client.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <utility>
#include <variant>

#include "net_detail.hpp"
#include "shoal/peer/http_client.hpp"
#include "shoal/proto/udp_tracker.hpp"

namespace shoal::peer {

namespace net = boost::asio;
namespace udpt = shoal::udp_tracker;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;
using udp = net::ip::udp;

namespace {

/// Largest UDP payload (IPv4: 65535 - 20 - 8). An announce response with 10,000 IPv4 peers is
/// 60 KB; nothing valid is larger.
constexpr std::size_t kMaxUdpDatagramSize = 65'507;

using detail::endpoint_text;
using detail::excerpt;
using detail::failure;
using detail::millis;
using detail::resolve;

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view scheme_name(TrackerScheme s) {
  switch (s) {
    case TrackerScheme::http: return "http";
    case TrackerScheme::https: return "https";
    case TrackerScheme::udp: return "udp";
  }
  return "http";
}

std::uint16_t default_port(TrackerScheme s) {
  return s == TrackerScheme::https ? std::uint16_t{443} : std::uint16_t{80};
}

/// A DNS name: labels of letters, digits, '-' and '_' separated by single dots. All-numeric
/// dotted text that did not parse as IPv4 is not a name either ("999.1.1.1", "1.2.3").
bool is_valid_host_name(std::string_view host) {
  if (host.empty() || host.size() > kMaxHostNameLength) return false;
  bool all_numeric = true;
  std::size_t label = 0;
  for (char c : host) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    if (!ok) return false;
    if (!(c >= '0' && c <= '9')) all_numeric = false;
    ++label;
  }
  return label != 0 && !all_numeric;
}


// ---- UDP conversions ----------------------------------------------------------------------------

std::uint32_t udp_key(const std::optional<std::string>& key, std::uint32_t fallback) {
  if (!key) return fallback;
  const std::string& k = *key;
  const bool hex = !k.empty() && k.size() <= 8 &&
                   std::all_of(k.begin(), k.end(),
                               [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  if (hex) return static_cast<std::uint32_t>(std::stoul(k, nullptr, 16));
  const Sha1Digest d = sha1(k);
  return (std::uint32_t{d.bytes[0]} << 24) | (std::uint32_t{d.bytes[1]} << 16) |
         (std::uint32_t{d.bytes[2]} << 8) | std::uint32_t{d.bytes[3]};
}

std::int32_t udp_num_want(const std::optional<std::int64_t>& numwant) {
  if (!numwant || *numwant < 0) return -1;
  return static_cast<std::int32_t>(std::min<std::int64_t>(*numwant, INT32_MAX));
}

AnnounceResponse from_udp(const udpt::AnnounceResponse& r) {
  AnnounceResponse out;
  out.interval = r.interval;
  out.complete = r.seeders;
  out.incomplete = r.leechers;
  out.peers.reserve(r.peers.size());
  for (const auto& p : r.peers) out.peers.push_back(AnnouncePeer{p, std::nullopt});
  return out;
}

}  // namespace

// ---- public free functions ----------------------------------------------------------------------

std::string_view to_string(TrackerErrc code) noexcept {
  switch (code) {
    case TrackerErrc::invalid_url: return "invalid_url";
    case TrackerErrc::invalid_request: return "invalid_request";
    case TrackerErrc::scrape_unsupported: return "scrape_unsupported";
    case TrackerErrc::resolve_failed: return "resolve_failed";
    case TrackerErrc::connection_refused: return "connection_refused";
    case TrackerErrc::network_error: return "network_error";
    case TrackerErrc::timeout: return "timeout";
    case TrackerErrc::tls_error: return "tls_error";
    case TrackerErrc::http_status: return "http_status";
    case TrackerErrc::redirect_error: return "redirect_error";
    case TrackerErrc::response_too_large: return "response_too_large";
    case TrackerErrc::bad_response: return "bad_response";
    case TrackerErrc::internal_error: return "internal_error";
  }
  return "unknown";
}

bool TrackerUrl::host_is_ipv6() const noexcept { return host.find(':') != std::string::npos; }

std::string TrackerUrl::target() const {
  if (query.empty()) return path;
  return path + "?" + query;
}

std::string TrackerUrl::target_with(std::string_view parameters) const {
  std::string out = target();
  if (parameters.empty()) return out;
  out += query.empty() ? '?' : '&';
  out += parameters;
  return out;
}

std::string TrackerUrl::origin() const {
  std::string out(scheme_name(scheme));
  out += "://";
  if (host_is_ipv6()) out += "[" + host + "]";
  else out += host;
  if (scheme == TrackerScheme::udp || port != default_port(scheme)) out += ":" + std::to_string(port);
  return out;
}

std::string TrackerUrl::redacted() const { return origin() + path; }

std::string TrackerUrl::to_string() const { return origin() + target(); }

expected<TrackerUrl, TrackerError> parse_tracker_url(std::string_view url) {
  auto bad = [&](std::string why) {
    return failure(TrackerErrc::invalid_url, "invalid tracker URL: " + why);
  };
  if (url.empty()) return bad("empty");
  if (url.size() > kMaxTrackerUrlLength)
    return bad("longer than " + std::to_string(kMaxTrackerUrlLength) + " bytes");
  for (std::size_t i = 0; i < url.size(); ++i) {
    const auto c = static_cast<unsigned char>(url[i]);
    if (c <= 0x20 || c >= 0x7f)
      return bad("space, control character or non-ASCII byte at position " + std::to_string(i) +
                 " (percent-encode it)");
  }
  const auto sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0)
    return bad("no scheme (expected http://, https:// or udp://)");
  TrackerUrl out;
  const std::string scheme = ascii_lower(url.substr(0, sep));
  if (scheme == "http") out.scheme = TrackerScheme::http;
  else if (scheme == "https") out.scheme = TrackerScheme::https;
  else if (scheme == "udp") out.scheme = TrackerScheme::udp;
  else return bad("unsupported scheme '" + std::string(url.substr(0, sep)) +
                  "' (expected http, https or udp)");

  std::string_view rest = url.substr(sep + 3);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  const auto authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  const std::string_view tail =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos)
    return bad("user information (user@host) is not supported");
  if (authority.empty()) return bad("no host");

  std::string_view host;
  std::optional<std::string_view> port_text;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("'[' without ']' in the host");
    host = authority.substr(1, close - 1);
    const auto v6 = IpAddress::parse(host);
    if (!v6 || !v6->is_v6()) return bad("'[" + std::string(host) + "]' is not an IPv6 address");
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("unexpected text after ']' in the host");
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text->find(':') != std::string_view::npos)
        return bad("an IPv6 address must be written in brackets, e.g. http://[::1]:6969/");
    }
    if (host.empty()) return bad("no host");
    const auto v4 = IpAddress::parse(host);
    if (!(v4 && v4->is_v4()) && !is_valid_host_name(host))
      return bad("'" + std::string(host) + "' is not a valid host name or IP address");
  }
  out.host = std::string(host);

  if (port_text) {
    if (!is_digits(*port_text) || port_text->size() > 5)
      return bad("bad port '" + std::string(*port_text) + "'");
    const unsigned long port = std::stoul(std::string(*port_text));
    if (port == 0 || port > 65535) return bad("port " + std::to_string(port) + " out of range 1-65535");
    out.port = static_cast<std::uint16_t>(port);
  } else if (out.scheme == TrackerScheme::udp) {
    return bad("a udp:// URL needs a port");
  } else {
    out.port = default_port(out.scheme);
  }

  if (!tail.empty()) {
    const auto q = tail.find('?');
    const std::string_view path = tail.substr(0, q);
    out.path = path.empty() ? "/" : std::string(path);
    if (q != std::string_view::npos) out.query = std::string(tail.substr(q + 1));
  }
  return out;
}

expected<TrackerUrl, TrackerError> scrape_url_for(const TrackerUrl& announce_url) {
  if (announce_url.scheme == TrackerScheme::udp) return announce_url;
  const auto slash = announce_url.path.rfind('/');
  const std::string_view last = std::string_view(announce_url.path).substr(slash + 1);
  if (last.starts_with("scrape")) return announce_url;
  if (!last.starts_with("announce"))
    return failure(TrackerErrc::scrape_unsupported,
                   announce_url.redacted() +
                       ": no scrape URL: the last path component does not start with 'announce' "
                       "(BEP 48 convention)");
  TrackerUrl out = announce_url;
  out.path = announce_url.path.substr(0, slash + 1) + "scrape" +
             std::string(last.substr(std::string_view("announce").size()));
  return out;
}

PeerId make_peer_id(std::string_view prefix) {
  static constexpr std::string_view kAlphabet =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::random_device device;
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string id(prefix.substr(0, PeerId::size));
  while (id.size() < PeerId::size) id += kAlphabet[pick(device)];
  return *PeerId::from_bytes(id);
}

// ---- the client ---------------------------------------------------------------------------------

struct TrackerClient::Impl {
  explicit Impl(TrackerClientOptions o)
      : options(std::move(o)),
        http(HttpClientOptions{options.timeout, options.insecure, options.ca_file,
                               options.user_agent, options.max_redirects}),
        rng(std::random_device{}()) {
    default_key = static_cast<std::uint32_t>(rng());
  }

  TrackerClientOptions options;
  HttpClient http;  // HTTP(S) trackers
  net::io_context io;  // UDP trackers
  std::mt19937 rng;
  std::uint32_t default_key = 0;

  /// A UDP tracker address we talk to: its connected socket and, while valid, the connection id
  /// the tracker gave us. The socket is kept with the id because trackers may bind connection ids
  /// to the client's address *and port* (shoal-tracker does).
  struct UdpSession {
    explicit UdpSession(net::io_context& context) : socket(context) {}
    udp::socket socket;
    std::optional<std::uint64_t> connection_id;
    Clock::time_point expires;
  };
  std::map<udp::endpoint, std::unique_ptr<UdpSession>> udp_sessions;

  // ---- UDP ------------------------------------------------------------------------------------

  /// What waiting for one answer datagram ended with.
  struct UdpWait {
    std::optional<udpt::Response> response;  // a decoded datagram with our transaction id
    error_code ec;                           // a socket error (refused, unreachable)
  };

  /// Waits until `until` for a datagram carrying transaction id `tid`; others are dropped.
  UdpWait udp_receive(udp::socket& socket, std::uint32_t tid, AddressFamily family,
                      Clock::time_point until, std::vector<char>& buffer) {
    while (true) {
      if (Clock::now() >= until) return {};
      net::steady_timer timer(io);
      timer.expires_at(until);
      bool timed_out = false;
      timer.async_wait([&](error_code ec) {
        if (!ec) {
          timed_out = true;
          error_code ignored;
          socket.cancel(ignored);
        }
      });
      struct {
        error_code ec = net::error::operation_aborted;
        std::size_t bytes = 0;
      } got;
      socket.async_receive(net::buffer(buffer), [&](error_code ec, std::size_t n) {
        got.ec = ec;
        got.bytes = n;
        timer.cancel();
      });
      io.restart();
      io.run();
      if (timed_out) return {};
      if (got.ec) return {std::nullopt, got.ec};
      auto decoded = udpt::decode_response(std::string_view(buffer.data(), got.bytes), family);
      if (!decoded) continue;
      const std::uint32_t got_tid = std::visit([](const auto& r) { return r.transaction_id; }, *decoded);
      if (got_tid == tid) return {std::move(*decoded), {}};
    }
  }

  /// Outcome of a BEP 15 exchange with one address.
  struct UdpOutcome {
    std::optional<udpt::Response> response;  // the answer to the request (or an error packet)
    std::optional<TrackerError> error;
  };

  /// connect (unless a connection id is cached) then the request built by `build`, each with
  /// BEP 15 retransmission bounded by `deadline`.
  template <class Build>
  UdpOutcome udp_exchange(const TrackerUrl& url, const udp::endpoint& to, Build&& build,
                          std::string_view what, Clock::time_point deadline) {
    const std::string who = url.redacted() + " (" + endpoint_text(to.address(), to.port()) + "): ";
    // Sessions whose connection id has expired are not worth keeping (nor their sockets).
    const auto now = Clock::now();
    std::erase_if(udp_sessions, [&](const auto& s) {
      return s.first != to && (!s.second->connection_id || s.second->expires <= now);
    });
    auto& slot = udp_sessions[to];
    if (!slot) {
      auto fresh = std::make_unique<UdpSession>(io);
      error_code ec;
      fresh->socket.open(to.protocol(), ec);
      if (!ec) fresh->socket.connect(to, ec);  // only its datagrams, and ICMP errors reach us
      if (ec) {
        udp_sessions.erase(to);
        return {std::nullopt, TrackerError{TrackerErrc::network_error, who + ec.message()}};
      }
      slot = std::move(fresh);
    }
    UdpSession& session = *slot;
    udp::socket& socket = session.socket;
    // A socket error leaves the socket in an unknown state: start afresh next time.
    auto drop_session = [&] { udp_sessions.erase(to); };
    error_code ec;
    const AddressFamily family = to.address().is_v6() ? AddressFamily::v6 : AddressFamily::v4;
    std::vector<char> buffer(kMaxUdpDatagramSize);

    int n = 0;          // BEP 15 retransmission exponent of the current step
    int attempts = 0;   // datagrams sent, for the error message
    // An id cached by an earlier call may have been invalidated (a tracker restart changes its
    // key): an error answer to it earns one retry with a fresh connect.
    bool reused_id = session.connection_id.has_value();
    std::string packet;
    while (true) {
      if (session.connection_id && Clock::now() >= session.expires) session.connection_id.reset();
      const bool connecting = !session.connection_id;
      const std::uint32_t tid = static_cast<std::uint32_t>(rng());
      packet.clear();
      if (connecting) udpt::encode(udpt::ConnectRequest{tid}, packet);
      else packet = build(*session.connection_id, tid);

      if (Clock::now() >= deadline)
        return {std::nullopt,
                TrackerError{TrackerErrc::timeout,
                             who + "timed out after " + millis(options.timeout) + " (no answer to " +
                                 std::string(connecting ? "connect" : what) + ", " +
                                 std::to_string(attempts) + " datagrams sent)"}};
      socket.send(net::buffer(packet), 0, ec);
      ++attempts;
      if (ec) {
        drop_session();
        if (ec == net::error::connection_refused)
          return {std::nullopt, TrackerError{TrackerErrc::connection_refused,
                                             who + "connection refused (nothing listens on that port)"}};
        return {std::nullopt, TrackerError{TrackerErrc::network_error, who + ec.message()}};
      }

      // BEP 15: 15 * 2^n seconds, but never past the caller's deadline.
      const auto wait = options.udp_retransmit_base * (std::int64_t{1} << n);
      const auto until = std::min(deadline, Clock::now() + wait);
      UdpWait got = udp_receive(socket, tid, family, until, buffer);
      if (got.ec) {
        drop_session();
        if (got.ec == net::error::connection_refused)
          return {std::nullopt, TrackerError{TrackerErrc::connection_refused,
                                             who + "connection refused (nothing listens on that port)"}};
        return {std::nullopt, TrackerError{TrackerErrc::network_error, who + got.ec.message()}};
      }
      if (!got.response) {
        // Silence: retransmit (the loop head reports the timeout once the deadline has passed).
        if (Clock::now() < deadline && n >= kUdpMaxRetransmits)
          return {std::nullopt, TrackerError{TrackerErrc::timeout,
                                             who + "no answer after " + std::to_string(attempts) +
                                                 " datagrams (BEP 15 gives up)"}};
        if (n < kUdpMaxRetransmits) ++n;
        continue;
      }
      if (std::holds_alternative<udpt::ErrorResponse>(*got.response)) {
        if (!connecting && reused_id) {
          reused_id = false;
          session.connection_id.reset();
          n = 0;
          continue;
        }
        return {std::move(got.response), {}};
      }
      if (connecting) {
        if (const auto* c = std::get_if<udpt::ConnectResponse>(&*got.response)) {
          session.connection_id = c->connection_id;
          session.expires = Clock::now() + kUdpConnectionIdLifetime;
          n = 0;
          continue;
        }
        return {std::nullopt, TrackerError{TrackerErrc::bad_response,
                                           who + "answered connect with another packet type"}};
      }
      return {std::move(got.response), {}};
    }
  }

  /// Runs the exchange against each address of the host in turn; an address that refuses or is
  /// unreachable moves on to the next, anything else (an answer, the timeout) ends the call.
  template <class Build>
  expected<udpt::Response, TrackerError> udp_call(const TrackerUrl& url, Build&& build,
                                                  std::string_view what,
                                                  Clock::time_point deadline) {
    auto addresses = resolve(url, deadline, options.timeout);
    if (!addresses) return unexpected<TrackerError>(addresses.error());
    std::optional<TrackerError> last;
    for (const auto& a : *addresses) {
      UdpOutcome outcome = udp_exchange(url, udp::endpoint(a, url.port), build, what, deadline);
      if (outcome.response) return std::move(*outcome.response);
      last = std::move(outcome.error);
      if (last->code != TrackerErrc::connection_refused && last->code != TrackerErrc::network_error)
        break;
    }
    return unexpected<TrackerError>(std::move(*last));
  }

  // ---- the two calls --------------------------------------------------------------------------

  expected<AnnounceResponse, TrackerError> announce(const TrackerUrl& url,
                                                    const AnnounceRequest& request) {
    const auto deadline = Clock::now() + options.timeout;
    if (url.scheme != TrackerScheme::udp) {
      auto answer = http.get(url, url.target_with(encode_announce_query(request)),
                             kMaxAnnounceResponseSize, deadline);
      if (!answer) return unexpected<TrackerError>(answer.error());
      const std::string& body = answer->body;
      auto decoded = decode_announce_response(body);
      if (!decoded)
        return failure(TrackerErrc::bad_response,
                       url.redacted() + ": not a tracker response (" + decoded.error().message() +
                           "): " + excerpt(body));
      return std::move(*decoded);
    }

    const std::string url_data = url.target();
    if (url_data.size() > udpt::kMaxUrlDataLength)
      return failure(TrackerErrc::invalid_request,
                     url.redacted() + ": path and query longer than the " +
                         std::to_string(udpt::kMaxUrlDataLength) + " bytes BEP 41 URLData allows");
    udpt::AnnounceRequest packet;
    packet.info_hash = request.info_hash;
    packet.peer_id = request.peer_id;
    packet.downloaded = request.downloaded;
    packet.left = request.left.value_or(-1);
    packet.uploaded = request.uploaded;
    packet.event = request.event == AnnounceEvent::paused ? AnnounceEvent::none : request.event;
    if (request.ipv4 && request.ipv4->address.is_v4()) packet.ip = request.ipv4->address.v4_value();
    packet.key = udp_key(request.key, default_key);
    packet.num_want = udp_num_want(request.numwant);
    packet.port = request.port;
    packet.url_data = url_data;
    auto build = [&packet](std::uint64_t connection_id, std::uint32_t tid) {
      packet.connection_id = connection_id;
      packet.transaction_id = tid;
      std::string out;
      udpt::encode(packet, out);
      return out;
    };
    auto answer = udp_call(url, build, "announce", deadline);
    if (!answer) return unexpected<TrackerError>(answer.error());
    if (const auto* e = std::get_if<udpt::ErrorResponse>(&*answer)) {
      AnnounceResponse out;
      out.failure_reason = e->message;
      return out;
    }
    if (const auto* a = std::get_if<udpt::AnnounceResponse>(&*answer)) return from_udp(*a);
    return failure(TrackerErrc::bad_response,
                   url.redacted() + ": answered announce with another packet type");
  }

  expected<ScrapeResponse, TrackerError> scrape(const TrackerUrl& url,
                                                const std::vector<Sha1Digest>& hashes) {
    if (hashes.empty())
      return failure(TrackerErrc::invalid_request, url.redacted() + ": no info-hash to scrape");
    const auto deadline = Clock::now() + options.timeout;
    if (url.scheme != TrackerScheme::udp) {
      auto scrape_url = scrape_url_for(url);
      if (!scrape_url) return unexpected<TrackerError>(scrape_url.error());
      ScrapeRequest request;
      request.info_hashes = hashes;
      auto answer = http.get(*scrape_url, scrape_url->target_with(encode_scrape_query(request)),
                             kMaxScrapeResponseSize, deadline);
      if (!answer) return unexpected<TrackerError>(answer.error());
      const std::string& body = answer->body;
      auto decoded = decode_scrape_response(body);
      if (!decoded)
        return failure(TrackerErrc::bad_response,
                       scrape_url->redacted() + ": not a scrape response (" +
                           decoded.error().message() + "): " + excerpt(body));
      return std::move(*decoded);
    }

    ScrapeResponse out;
    for (std::size_t first = 0; first < hashes.size(); first += udpt::kMaxScrapeHashes) {
      const std::size_t count = std::min(udpt::kMaxScrapeHashes, hashes.size() - first);
      const std::span<const Sha1Digest> chunk(hashes.data() + first, count);
      auto build = [&chunk](std::uint64_t connection_id, std::uint32_t tid) {
        std::string packet;
        udpt::encode(udpt::ScrapeRequest{connection_id, tid, udpt::InfoHashList(chunk)}, packet);
        return packet;
      };
      auto answer = udp_call(url, build, "scrape", deadline);
      if (!answer) return unexpected<TrackerError>(answer.error());
      if (const auto* e = std::get_if<udpt::ErrorResponse>(&*answer)) {
        ScrapeResponse refused;
        refused.failure_reason = e->message;
        return refused;
      }
      const auto* s = std::get_if<udpt::ScrapeResponse>(&*answer);
      if (s == nullptr)
        return failure(TrackerErrc::bad_response,
                       url.redacted() + ": answered scrape with another packet type");
      if (s->stats.size() != count)
        return failure(TrackerErrc::bad_response,
                       url.redacted() + ": " + std::to_string(s->stats.size()) +
                           " scrape results for " + std::to_string(count) + " info-hashes");
      for (std::size_t i = 0; i < count; ++i) {
        const auto& st = s->stats[i];
        out.files[chunk[i]] = ScrapeStats{st.seeders, st.leechers, st.completed, std::nullopt};
      }
    }
    return out;
  }
};

TrackerClient::TrackerClient(TrackerClientOptions options)
    : m_impl(std::make_unique<Impl>(std::move(options))) {}
TrackerClient::~TrackerClient() = default;
TrackerClient::TrackerClient(TrackerClient&&) noexcept = default;
TrackerClient& TrackerClient::operator=(TrackerClient&&) noexcept = default;

const TrackerClientOptions& TrackerClient::options() const noexcept { return m_impl->options; }

// Every entry point converts exceptions (allocation failure, a thread that cannot start) into an
// error: nothing is thrown across the API.
namespace {
template <class T, class F>
expected<T, TrackerError> guarded(F&& f) {
  try {
    return std::forward<F>(f)();
  } catch (const std::exception& e) {
    return failure(TrackerErrc::internal_error, std::string("internal error: ") + e.what());
  } catch (...) {
    return failure(TrackerErrc::internal_error, "internal error");
  }
}
}  // namespace

expected<AnnounceResponse, TrackerError> TrackerClient::announce(std::string_view url,
                                                                 const AnnounceRequest& request) {
  return guarded<AnnounceResponse>([&]() -> expected<AnnounceResponse, TrackerError> {
    auto parsed = parse_tracker_url(url);
    if (!parsed) return unexpected<TrackerError>(parsed.error());
    return m_impl->announce(*parsed, request);
  });
}

expected<AnnounceResponse, TrackerError> TrackerClient::announce(const TrackerUrl& url,
                                                                 const AnnounceRequest& request) {
  return guarded<AnnounceResponse>([&] { return m_impl->announce(url, request); });
}

expected<ScrapeResponse, TrackerError> TrackerClient::scrape(
    std::string_view url, const std::vector<Sha1Digest>& info_hashes) {
  return guarded<ScrapeResponse>([&]() -> expected<ScrapeResponse, TrackerError> {
    auto parsed = parse_tracker_url(url);
    if (!parsed) return unexpected<TrackerError>(parsed.error());
    return m_impl->scrape(*parsed, info_hashes);
  });
}

expected<ScrapeResponse, TrackerError> TrackerClient::scrape(
    const TrackerUrl& url, const std::vector<Sha1Digest>& info_hashes) {
  return guarded<ScrapeResponse>([&] { return m_impl->scrape(url, info_hashes); });
}

}  // namespace shoal::peer
