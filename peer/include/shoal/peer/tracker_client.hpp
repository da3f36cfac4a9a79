#pragma once
// TrackerClient: a synchronous (blocking, bounded by a timeout) client for any BitTorrent tracker —
// announce and scrape over http://, https:// (BEP 3, BEP 23, BEP 48) and udp:// (BEP 15 with the
// BEP 41 URLData option). It is what `shoal announce` / `shoal scrape` use to talk to a tracker, an
// operator's debugging tool, and a building block for tests that need a real client.
//
//   shoal::peer::TrackerClient client;                  // default options: 15 s, verify TLS
//   shoal::AnnounceRequest req;
//   req.info_hash = *shoal::Sha1Digest::from_hex("c0fda1edafdbdbb96443424e0b3899af7159d10e");
//   req.peer_id = shoal::peer::make_peer_id();
//   req.port = 6881;
//   req.left = 0;
//   req.event = shoal::AnnounceEvent::started;
//   auto r = client.announce("udp://tracker.example:6969/announce", req);
//   if (!r) { std::cerr << r.error().message << "\n"; return; }      // DNS, refused, timeout, ...
//   if (r->failure_reason) { std::cerr << *r->failure_reason << "\n"; return; }  // tracker said no
//   for (const auto& p : r->peers) std::cout << p.endpoint.to_string() << "\n";
//
//   auto s = client.scrape("https://tracker.example/announce?passkey=abc", {req.info_hash});
//   if (s && !s->failure_reason) std::cout << s->files[req.info_hash].complete << " seeders\n";
//
// Contract:
// - Results are proto's HTTP response structs whatever the transport, so callers handle one
//   shape. A tracker's refusal (HTTP `failure reason`, a UDP error packet) is a *successful* call
//   whose response has failure_reason set; the error side is for everything that kept the call
//   from getting an answer: a bad URL, DNS, a refused/reset connection, TLS, a non-2xx HTTP status
//   (message: status line + an excerpt of the body), a body that does not decode, the timeout.
//   TrackerError::message says what failed and names the tracker (scheme://host:port/path; the
//   query is left out because private trackers put passkeys there).
// - TrackerClientOptions::timeout bounds the *whole* call: name resolution, connecting, the TLS
//   handshake, every redirect, every UDP retransmission. Name resolution runs on a helper thread
//   that is abandoned (not waited for) when the deadline passes, so a hung resolver cannot hold
//   the caller.
// - HTTP(S): one `GET` per request with `Connection: close`; up to max_redirects redirects
//   (301/302/303/307/308) are followed, to http(s) URLs only, never from https:// to http://
//   (a passkey would travel in clear). The response body is bounded (announce:
//   kMaxAnnounceResponseSize, scrape: kMaxScrapeResponseSize), and so are the headers.
// - HTTPS: the certificate is verified against the system trust store (plus ca_file when given)
//   and the URL's host name or IP address; SNI is sent for host names. `insecure` skips
//   verification (self-signed test trackers) — the traffic is still encrypted.
// - UDP: connect → announce/scrape as BEP 15 says, with its retransmission schedule (wait
//   15·2^n s after attempt n, n = 0..8) cut short by the timeout. Datagrams with a foreign
//   transaction id or that do not decode are ignored. A client keeps one UDP socket per tracker
//   address with its connection id, and reuses both for kUdpConnectionIdLifetime (trackers such
//   as shoal-tracker bind the id to the client's address and port); if a request made with a
//   reused id is answered with an error packet, the client connects afresh and retries once
//   (the tracker may have restarted). A socket error (refused, unreachable) closes the socket.
//   The announce
//   carries the URL's path and query as BEP 41 URLData ("/announce?passkey=..."). Fields of
//   AnnounceRequest map onto the BEP 15 packet: left (nullopt → -1, "unknown", which trackers
//   count as a leecher), numwant (nullopt → -1), key (up to 8 hex digits as written; any other
//   text is hashed to 32 bits), ipv4 → the `ip` field, event (paused → none). HTTP-only fields
//   (compact, no_peer_id, passkey, trackerid, corrupt, redundant, ipv6, crypto flags) are not sent:
//   put a passkey into the URL. A scrape of more than udp_tracker::kMaxScrapeHashes hashes is sent
//   as several requests. Scrape results map seeders/leechers/completed onto
//   complete/incomplete/downloaded.
// - Host names resolve to IPv4 and IPv6 addresses; each address is tried in the resolver's order
//   until one answers (TCP: connects; UDP: a refused or unreachable address moves on to the next,
//   a silent one uses up the time left).
// - Scrape URLs follow the BEP 48 convention: the last path component of the announce URL must
//   start with "announce", which becomes "scrape" (".../announce.php?x" → ".../scrape.php?x"). A
//   URL whose last component already starts with "scrape" is used as is. UDP needs no path.
// - Never throws (allocation failure included: it becomes an error); not thread-safe — use one
//   client per thread. Destroying a client while no call is running is always safe.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/proto/error.hpp"
#include "shoal/proto/expected.hpp"
#include "shoal/proto/hash.hpp"
#include "shoal/proto/http_tracker.hpp"
#include "shoal/proto/peer_endpoint.hpp"

namespace shoal::peer {

// ---- limits and defaults ------------------------------------------------------------------------

/// Default bound on one announce or scrape call, everything included.
inline constexpr std::chrono::milliseconds kDefaultTrackerTimeout{15'000};
/// Redirects an HTTP(S) announce or scrape follows by default (libtorrent follows 5, curl 50;
/// a tracker needs at most one or two, and each costs a connection within the same timeout).
inline constexpr int kDefaultMaxRedirects = 3;
/// BEP 15: after attempt n (from 0) without an answer, wait 15·2^n seconds...
inline constexpr std::chrono::milliseconds kUdpRetransmitBase{15'000};
/// ...for n up to 8 (3840 s), then give up. In practice the caller's timeout ends it earlier.
inline constexpr int kUdpMaxRetransmits = 8;
/// BEP 15: "A client can use a connection ID until one minute after it has received it."
inline constexpr std::chrono::seconds kUdpConnectionIdLifetime{60};
/// Longest tracker URL parse_tracker_url accepts.
inline constexpr std::size_t kMaxTrackerUrlLength = 4096;
/// Longest host name (RFC 1035: 253 characters of text).
inline constexpr std::size_t kMaxHostNameLength = 253;
/// Most bytes of HTTP response headers accepted (Beast's default is 8 KiB; some trackers behind
/// CDNs send long cookie/security headers).
inline constexpr std::size_t kMaxHttpHeaderSize = 16 * 1024;
/// Most characters of an error body quoted in a TrackerError (non-printable bytes escaped).
inline constexpr std::size_t kErrorBodyExcerptLength = 200;
/// The User-Agent sent to HTTP trackers.
inline constexpr std::string_view kDefaultUserAgent = "shoal/0.1.0";
/// The peer id prefix make_peer_id() uses (Azureus style: client "SH", version 0.1.0).
inline constexpr std::string_view kPeerIdPrefix = "-SH0010-";

// ---- errors -------------------------------------------------------------------------------------

/// What kept a call from getting an answer. Callers branch on the code; the message is for humans.
enum class TrackerErrc {
  invalid_url,         ///< the URL does not parse, or its scheme is not http/https/udp
  invalid_request,     ///< e.g. a scrape without hashes, URLData over the BEP 41 limit
  scrape_unsupported,  ///< no scrape URL can be derived (last path component not "announce...")
  resolve_failed,      ///< the host name does not resolve
  connection_refused,  ///< TCP reset on connect, or ICMP port unreachable for UDP
  network_error,       ///< any other socket error (unreachable network, reset mid-response, ...)
  timeout,             ///< the call's timeout passed before an answer arrived
  tls_error,           ///< handshake failure, certificate verification failure
  http_status,         ///< a status other than 2xx (and other than a followed redirect)
  redirect_error,      ///< too many redirects, an unusable Location, an https→http downgrade
  response_too_large,  ///< the body or headers exceed their bound
  bad_response,        ///< malformed HTTP, bencode, or UDP packet; a body that is not a response
  internal_error,      ///< out of memory or a resource limit (threads) while making the call
};

/// "invalid_url", "timeout", ... Never empty.
std::string_view to_string(TrackerErrc code) noexcept;

struct TrackerError {
  TrackerErrc code = TrackerErrc::internal_error;
  /// A complete sentence fragment for humans, e.g.
  /// "udp://127.0.0.1:6969/announce: timed out after 5000 ms (no answer to connect, 3 attempts)".
  std::string message;
};

// ---- tracker URLs -------------------------------------------------------------------------------

enum class TrackerScheme { http, https, udp };

/// A parsed tracker URL. Produced by parse_tracker_url().
struct TrackerUrl {
  TrackerScheme scheme = TrackerScheme::http;
  /// A host name as written (letters kept in their case), an IPv4 literal, or an IPv6 literal
  /// *without* brackets.
  std::string host;
  /// From the URL, else 80 (http) or 443 (https). udp:// URLs must give one.
  std::uint16_t port = 0;
  /// Starts with '/'; "/" when the URL has no path. Kept as written (no percent-decoding).
  std::string path = "/";
  /// The query without '?', as written; empty when there is none.
  std::string query;

  /// True when host is an IPv6 literal (written in brackets in a URL).
  bool host_is_ipv6() const noexcept;
  /// path, then "?" + query when the query is not empty: the HTTP request target and the BEP 41
  /// URLData.
  std::string target() const;
  /// target() with `parameters` appended to the query ('?' or '&' as needed).
  std::string target_with(std::string_view parameters) const;
  /// "scheme://host[:port]" with brackets for IPv6; the port is left out when it is the scheme's
  /// default. What the Host header carries after the scheme.
  std::string origin() const;
  /// origin() + path: how errors name the tracker (the query may hold a passkey).
  std::string redacted() const;
  /// origin() + target(): the whole URL; parse_tracker_url(to_string()) gives this value back.
  std::string to_string() const;

  friend bool operator==(const TrackerUrl&, const TrackerUrl&) = default;
};

/// Parses a tracker URL strictly. Accepted: `scheme://host[:port][/path][?query][#fragment]` with
/// - scheme http, https or udp in any letter case (stored lower-case);
/// - host: a DNS name of letters, digits, '-', '.' and '_' (at most kMaxHostNameLength
///   characters, no empty labels), an IPv4 literal, or an IPv6 literal in brackets;
/// - port: 1-65535, decimal; required for udp://;
/// - path and query: printable ASCII without spaces (percent-escapes kept as written);
/// - a fragment is dropped (it is never sent to a server).
/// Refused (TrackerErrc::invalid_url, with the reason): anything longer than
/// kMaxTrackerUrlLength, user info ("user:pass@"), an empty host, a bad port, control characters,
/// spaces or non-ASCII bytes, and any other scheme.
///
///   auto u = parse_tracker_url("http://[2001:db8::1]:8080/announce?passkey=abc");
///   u->host == "2001:db8::1"; u->port == 8080; u->path == "/announce"; u->query == "passkey=abc";
expected<TrackerUrl, TrackerError> parse_tracker_url(std::string_view url);

/// The scrape URL of an announce URL by the BEP 48 convention (see the header comment); udp://
/// URLs are returned unchanged. TrackerErrc::scrape_unsupported when the convention does not
/// apply.
expected<TrackerUrl, TrackerError> scrape_url_for(const TrackerUrl& announce_url);

/// A fresh random peer id: `prefix` (kPeerIdPrefix by default) completed to 20 bytes with random
/// letters and digits. Precondition: prefix.size() <= 20 (a longer prefix is cut to 20 bytes).
PeerId make_peer_id(std::string_view prefix = kPeerIdPrefix);

// ---- the client ---------------------------------------------------------------------------------

struct TrackerClientOptions {
  /// Bound on each announce/scrape call, everything included (see the header comment).
  std::chrono::milliseconds timeout = kDefaultTrackerTimeout;
  /// HTTPS: do not verify the tracker's certificate or host name.
  bool insecure = false;
  /// HTTPS: a PEM file of extra trusted certificates (a private CA, a self-signed tracker),
  /// trusted in addition to the system store. Empty: the system store only. A file that cannot be
  /// loaded makes every HTTPS call fail with TrackerErrc::tls_error.
  std::string ca_file;
  /// The User-Agent header of HTTP(S) requests.
  std::string user_agent{kDefaultUserAgent};
  /// Redirects followed per HTTP(S) call (0: none; a redirect is then an error).
  int max_redirects = kDefaultMaxRedirects;
  /// BEP 15's 15 s. Tests shorten it to exercise retransmission quickly.
  std::chrono::milliseconds udp_retransmit_base = kUdpRetransmitBase;
};

class TrackerClient {
public:
  explicit TrackerClient(TrackerClientOptions options = {});
  ~TrackerClient();
  TrackerClient(TrackerClient&&) noexcept;
  TrackerClient& operator=(TrackerClient&&) noexcept;
  TrackerClient(const TrackerClient&) = delete;
  TrackerClient& operator=(const TrackerClient&) = delete;

  const TrackerClientOptions& options() const noexcept;

  /// Announces `request` to the tracker at `url` and returns its decoded answer. Over HTTP(S)
  /// the request is encode_announce_query(request) appended to the URL's own query. See the
  /// header comment for UDP, errors and the timeout.
  expected<AnnounceResponse, TrackerError> announce(std::string_view url,
                                                    const AnnounceRequest& request);
  expected<AnnounceResponse, TrackerError> announce(const TrackerUrl& url,
                                                    const AnnounceRequest& request);

  /// Scrapes `info_hashes` (at least one) from the tracker whose announce (or scrape) URL is
  /// `url`. Over HTTP(S) the hashes are appended to the scrape URL's query; `files` holds what
  /// the tracker returned (it may leave out hashes it does not know). Over UDP every requested
  /// hash gets an entry (a tracker answers zeros for unknown ones).
  expected<ScrapeResponse, TrackerError> scrape(std::string_view url,
                                                const std::vector<Sha1Digest>& info_hashes);
  expected<ScrapeResponse, TrackerError> scrape(const TrackerUrl& url,
                                                const std::vector<Sha1Digest>& info_hashes);

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace shoal::peer
