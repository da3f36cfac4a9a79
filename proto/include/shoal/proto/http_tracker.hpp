#pragma once
// HTTP tracker wire codecs: announce (BEP 3, BEP 7 IPv6, BEP 23 compact peers) and scrape
// (BEP 48), in both directions.
//
//   Tracker side: parse the query string of `GET /announce?...` / `GET /scrape?...` (the part
//   after '?', as Beast hands over the target; no HTTP parsing here), then encode the bencoded
//   response body.
//   Client side (CLI `shoal announce`, shoal-bench): encode the query string from a request
//   struct, then decode whatever bencoded body a tracker returns.
//
//   // tracker
//   auto req = shoal::parse_announce_query(target.substr(target.find('?') + 1));
//   if (!req) return reply_failure(req.error().message());
//   shoal::AnnounceResponse resp;
//   resp.interval = 1800; resp.complete = 3; resp.incomplete = 7;
//   resp.peers.push_back({*shoal::PeerEndpoint::parse("10.0.0.2:6881"), std::nullopt});
//   std::string body = shoal::encode_announce_response(
//       resp, req->compact ? shoal::PeerListFormat::compact : shoal::PeerListFormat::dict);
//
//   // client
//   std::string url = base + "?" + shoal::encode_announce_query(request);
//   auto r = shoal::decode_announce_response(body);
//   if (r && r->failure_reason) std::cerr << *r->failure_reason;
//
// Query string rules (both parsers):
// - Parameters are separated by '&'; each is `name=value` (a parameter without '=' has an empty
//   value; empty parameters such as "&&" are skipped). Names and values are percent-decoded
//   (%XX, either hex case); a malformed escape is Errc::syntax at the offset of its '%'. '+' is a
//   literal '+', not a space: clients escape every non-unreserved byte of the binary info_hash /
//   peer_id, and reading '+' as space would corrupt a raw 0x2B byte sent by a sloppy client.
// - Unknown parameters are ignored (their values are not even validated; a malformed escape in a
//   parameter *name* is still an error), but every parameter counts towards kMaxQueryParameters.
// - A parameter given twice: the first occurrence wins and later ones are ignored — except
//   `info_hash` in an announce, which is an error (Errc::inconsistent), as in opentracker: two
//   hashes make the swarm ambiguous.
// - Every Error has context "http announce query" / "http scrape query" and the byte offset
//   into the query string of the offending parameter's value (or of its '%', or of the parameter
//   itself for limits); Error::npos for a missing parameter.
//
// Response decoding is lenient like real clients (libtorrent, aria2): unsorted and duplicate
// keys are accepted (first wins), non-canonical integers too, and trailing ASCII whitespace after
// the top-level dictionary is ignored. Structure is still checked: a known key with the wrong
// bencode type is Errc::wrong_type, a compact peer string whose length is not a multiple of 6
// (`peers`) or 18 (`peers6`) is Errc::invalid_value. These semantic errors carry offset npos
// (the decoded tree has no positions); bencode syntax errors carry the bencode offset.
// Encoders always produce canonical bencode (keys sorted).

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/proto/announce_event.hpp"
#include "shoal/proto/error.hpp"
#include "shoal/proto/hash.hpp"
#include "shoal/proto/peer_endpoint.hpp"

namespace shoal {

// ---- limits -------------------------------------------------------------------------------------

/// Longest query string either parser accepts (Errc::limit_exceeded at offset kMaxQueryLength).
/// A real announce is ~300 bytes; a scrape of kMaxScrapeInfoHashes fully escaped hashes is
/// ~8.9 KiB. Beast's 16 KiB request buffer bounds the whole request anyway.
inline constexpr std::size_t kMaxQueryLength = 12 * 1024;
/// Most `name=value` parameters either parser accepts (clients send 10-20 in an announce).
inline constexpr std::size_t kMaxQueryParameters = 256;
/// Most `info_hash` parameters in one scrape (opentracker stops at 64; libtorrent sends one).
inline constexpr std::size_t kMaxScrapeInfoHashes = 128;
/// Longest decoded `key` (clients send 8 hex digits, aria2 8 raw bytes).
inline constexpr std::size_t kMaxKeyLength = 64;
/// Longest decoded `trackerid` and `passkey`.
inline constexpr std::size_t kMaxTrackerIdLength = 128;
inline constexpr std::size_t kMaxPasskeyLength = 128;
/// Largest counter (`uploaded`, `downloaded`, `left`, `corrupt`, `redundant`, `numwant`): the
/// range of a signed 64-bit integer, so values fit bencode integers and SQLite columns.
inline constexpr std::int64_t kMaxCounterValue = INT64_MAX;
/// Largest response body the decoders accept. A compact announce reply with 10,000 IPv6 peers is
/// ~180 KB; a full scrape of a big tracker can be tens of MiB.
inline constexpr std::size_t kMaxAnnounceResponseSize = 4u << 20;   // 4 MiB
inline constexpr std::size_t kMaxScrapeResponseSize = 64u << 20;    // 64 MiB
/// `interval` assumed when a tracker's success response omits it (libtorrent does the same).
inline constexpr std::int64_t kDefaultAnnounceInterval = 1800;
/// AnnounceResponse::retry_in value meaning BEP 31's "retry in: never".
inline constexpr std::int64_t kRetryNever = -1;

// ---- announce request ---------------------------------------------------------------------------


/// A parsed announce query. Parameter by parameter (decisions marked *):
/// - `info_hash`, `peer_id`: required; exactly 20 bytes after percent-decoding, else
///   Errc::invalid_value (Errc::missing_field when absent).
/// - `port`: required, decimal 1-65535; 0, larger values, a sign or non-digits are errors.
/// - `uploaded`, `downloaded`, `corrupt`, `redundant`: decimal, 0..kMaxCounterValue.
///   *Absent `uploaded`/`downloaded` read as 0; absent `corrupt`/`redundant` stay nullopt.
///   *A negative value (some clients overflow 32-bit counters) reads as 0 instead of rejecting
///   the announce: dropping a live peer is worse than ignoring one bogus statistic.
/// - `left`: *absent or negative → nullopt ("unknown"; the tracker should treat the peer as a
///   leecher — opentracker would count an unparsable `left` as a seeder, which we avoid).
/// - Out-of-range numbers (more than kMaxCounterValue, or more than 19 digits) and non-numeric
///   text are errors (Errc::invalid_value / Errc::syntax).
/// - `compact`: "1" or "0", default 1 (compact). `no_peer_id`: "1" or "0", default 0. Any other
///   value is Errc::invalid_value.
/// - `event`: started/completed/stopped/paused, or empty/absent → none. *An unknown word is read
///   as none, as opentracker does: the announce is still useful.
/// - `numwant`: decimal; *negative (e.g. "-1") → nullopt (the client wants the default). No
///   clamping: that is the tracker's policy.
/// - `key` (≤ kMaxKeyLength), `trackerid` (≤ kMaxTrackerIdLength), `passkey`
///   (≤ kMaxPasskeyLength, for private trackers whose URLs carry `?passkey=`): raw decoded bytes;
///   longer is Errc::limit_exceeded.
/// - `ip` (BEP 3), `ipv4`, `ipv6` (BEP 7): an address, bracketed IPv6 address, or `addr:port` /
///   `[addr]:port`. `ipv4` must hold an IPv4 address and `ipv6` an IPv6 one, else
///   Errc::invalid_value. *`ip` may be a DNS name per BEP 3, which a tracker cannot use: a value
///   that is not an IP literal is ignored (ip stays nullopt) instead of failing the announce.
///   libtorrent may send several `ipv4=`/`ipv6=`; the first of each wins.
/// - `supportcrypto`, `requirecrypto`: "1" → true; anything else → false, never an error.
struct AnnounceRequest {
  Sha1Digest info_hash;
  PeerId peer_id;
  std::uint16_t port = 0;
  std::int64_t uploaded = 0;
  std::int64_t downloaded = 0;
  std::optional<std::int64_t> left;
  std::optional<std::int64_t> corrupt;
  std::optional<std::int64_t> redundant;
  AnnounceEvent event = AnnounceEvent::none;
  bool compact = true;
  bool no_peer_id = false;
  std::optional<std::int64_t> numwant;
  std::optional<std::string> key;
  std::optional<std::string> tracker_id;  ///< the `trackerid` parameter
  std::optional<std::string> passkey;
  std::optional<AddressWithPort> ip;
  std::optional<AddressWithPort> ipv4;
  std::optional<AddressWithPort> ipv6;
  bool support_crypto = false;
  bool require_crypto = false;

  friend bool operator==(const AnnounceRequest&, const AnnounceRequest&) = default;
};

/// Parses an announce query string (without the leading '?') by the rules above.
///
///   auto r = parse_announce_query("info_hash=%124Vx%9A%BC%DE%F1%23Eg%89%AB%CD%EF%124Vx%9A"
///                                 "&peer_id=-LT2080-abcdefghijkl&port=6881&left=0");
///   r->info_hash.hex() == "123456789abcdef123456789abcdef123456789a"
expected<AnnounceRequest, Error> parse_announce_query(std::string_view query);

/// The query string for `request` (no leading '?'), in libtorrent's parameter order:
/// info_hash, peer_id, port, uploaded, downloaded, left, corrupt, key, event, numwant, compact,
/// no_peer_id, supportcrypto, requirecrypto, redundant, trackerid, passkey, ip, ipv4, ipv6.
/// Optional fields are left out when nullopt (event when none; no_peer_id, supportcrypto and
/// requirecrypto when false); `compact` is always sent. Binary values are percent-encoded per
/// RFC 3986 (shoal::percent_encode). For any request this parser could have produced,
/// parse_announce_query(encode_announce_query(r)) == r.
std::string encode_announce_query(const AnnounceRequest& request);

// ---- scrape request -----------------------------------------------------------------------------

/// A parsed scrape query: every `info_hash` parameter in order (duplicates kept; the response
/// map collapses them), each exactly 20 decoded bytes. Zero hashes is a valid result — a
/// full-scrape request; whether to serve it is the tracker's decision. More than
/// kMaxScrapeInfoHashes is Errc::limit_exceeded. `passkey` as in AnnounceRequest; every other
/// parameter is ignored.
struct ScrapeRequest {
  std::vector<Sha1Digest> info_hashes;
  std::optional<std::string> passkey;

  friend bool operator==(const ScrapeRequest&, const ScrapeRequest&) = default;
};

expected<ScrapeRequest, Error> parse_scrape_query(std::string_view query);

/// "info_hash=...&info_hash=...[&passkey=...]"; parse_scrape_query() gives the request back.
std::string encode_scrape_query(const ScrapeRequest& request);

// ---- announce response --------------------------------------------------------------------------

/// One peer of an announce response. The peer id is only carried by the dictionary form.
struct AnnouncePeer {
  PeerEndpoint endpoint;
  std::optional<PeerId> peer_id;

  friend bool operator==(const AnnouncePeer&, const AnnouncePeer&) = default;
};

/// How encode_announce_response writes the peer list.
enum class PeerListFormat {
  compact,  ///< BEP 23 `peers` (6 bytes per IPv4 peer) + BEP 7 `peers6` (18 bytes per IPv6 peer)
  dict,     ///< BEP 3 list of {"ip", "peer id" (when known), "port"} in `peers`, IPv4 and IPv6
};

/// An announce response body. A failure response is `failure_reason` (+ optional `retry_in`);
/// encode writes only those keys and decode fills only those fields. Otherwise a success
/// response with the remaining fields (nullopt fields are left out).
struct AnnounceResponse {
  std::optional<std::string> failure_reason;
  /// BEP 31 "retry in": minutes, or kRetryNever for "never". Only with failure_reason.
  std::optional<std::int64_t> retry_in;

  std::optional<std::string> warning_message;
  std::int64_t interval = kDefaultAnnounceInterval;  ///< seconds, >= 0
  std::optional<std::int64_t> min_interval;          ///< "min interval"
  std::optional<std::string> tracker_id;             ///< "tracker id"
  std::optional<std::int64_t> complete;              ///< seeders
  std::optional<std::int64_t> incomplete;            ///< leechers
  std::optional<std::int64_t> downloaded;            ///< completed downloads (non-standard)
  std::optional<IpAddress> external_ip;              ///< BEP 24 "external ip": 4 or 16 raw bytes
  /// IPv4 and IPv6 peers together; the encoder splits them by family in compact form.
  std::vector<AnnouncePeer> peers;
  /// Decode only (the encoder ignores it): dictionary-form peers whose "ip" was not an IP
  /// literal (BEP 3 allows DNS names; we do not resolve) and were left out of `peers`.
  std::size_t skipped_peers = 0;

  friend bool operator==(const AnnounceResponse&, const AnnounceResponse&) = default;
};

/// Appends the bencoded body of `response` to `out` (canonical, keys sorted). Success keys:
/// complete, downloaded, external ip, incomplete, interval, min interval, peers, peers6,
/// tracker id, warning message. In compact form `peers` is always present (possibly "0:") and
/// `peers6` only when there are IPv6 peers; in dict form every peer goes into `peers` and the
/// "peer id" key appears only for peers whose id is known (leave it nullopt for no_peer_id=1).
/// The caller keeps numbers non-negative; encode does not validate.
void encode_announce_response(std::string& out, const AnnounceResponse& response,
                              PeerListFormat format = PeerListFormat::compact);
std::string encode_announce_response(const AnnounceResponse& response,
                                     PeerListFormat format = PeerListFormat::compact);

/// The tracker's hot path: the same compact body as encode_announce_response, but with the peers
/// given as ready compact strings (6 bytes per IPv4 peer, 18 per IPv6 peer, as the swarm store
/// produces them); `response.peers` is ignored. `peers6` is written only when compact_v6 is not
/// empty. Allocation-free when `out` has capacity.
void encode_compact_announce_response(std::string& out, const AnnounceResponse& response,
                                      std::string_view compact_v4, std::string_view compact_v6);

/// Decodes an announce response body (at most kMaxAnnounceResponseSize bytes) from any tracker:
/// - not a dictionary → Errc::wrong_type.
/// - "failure reason" (string) → a failure response; a malformed "retry in" is ignored so the
///   reason still reaches the user.
/// - `peers` as a compact string, a list of dicts, or absent (no peers); `peers6` likewise.
///   A compact string of the wrong length → Errc::invalid_value. A dict entry must have "ip"
///   (string) and "port" (integer 0-65535); "peer id" is kept when it is 20 bytes.
/// - interval / min interval / complete / incomplete / downloaded must be non-negative integers;
///   interval defaults to kDefaultAnnounceInterval when absent.
/// - "external ip" must be 4 or 16 bytes.
/// Unknown keys are ignored.
expected<AnnounceResponse, Error> decode_announce_response(std::string_view body);

// ---- scrape response ----------------------------------------------------------------------------

/// Counters for one torrent (BEP 48), plus the optional "name" some trackers add.
struct ScrapeStats {
  std::int64_t complete = 0;    ///< seeders
  std::int64_t incomplete = 0;  ///< leechers
  std::int64_t downloaded = 0;  ///< completed downloads ever
  std::optional<std::string> name;

  friend bool operator==(const ScrapeStats&, const ScrapeStats&) = default;
};

/// A scrape response body: `failure_reason`, or `files` keyed by raw 20-byte info-hash (the
/// std::map order is the raw-byte order bencode needs), plus the optional
/// "flags" → "min_request_interval" (seconds).
struct ScrapeResponse {
  std::optional<std::string> failure_reason;
  std::map<Sha1Digest, ScrapeStats> files;
  std::optional<std::int64_t> min_request_interval;

  friend bool operator==(const ScrapeResponse&, const ScrapeResponse&) = default;
};

/// Appends the canonical bencoded body. A failure writes only "failure reason".
void encode_scrape_response(std::string& out, const ScrapeResponse& response);
std::string encode_scrape_response(const ScrapeResponse& response);

/// Decodes a scrape body (at most kMaxScrapeResponseSize bytes), leniently as above. A success
/// response needs a "files" dictionary (Errc::missing_field); each key must be 20 bytes
/// (Errc::invalid_value) and each value a dictionary whose counters, when present, are
/// non-negative integers (absent counters read 0). Other keys ("downloaders", ...) are ignored.
expected<ScrapeResponse, Error> decode_scrape_response(std::string_view body);

}  // namespace shoal
