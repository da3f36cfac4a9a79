#pragma once
// The UDP tracker protocol (BEP 15) with the BEP 41 announce options: decoders and encoders for
// every packet, in both directions. The tracker decodes requests and encodes responses; clients
// (the CLI, the load generator) encode requests and decode responses. No sockets, no state.
//
// Tracker side — one scratch string per worker thread, reused for every datagram:
//
//   std::string scratch;
//   auto req = udp_tracker::decode_request(datagram, scratch);
//   if (!req) {
//     if (auto tid = udp_tracker::request_transaction_id(datagram))
//       udp_tracker::encode(udp_tracker::ErrorResponse{*tid, req.error().what}, out);
//   } else if (auto* a = std::get_if<udp_tracker::AnnounceRequest>(&*req)) {
//     // a->info_hash, a->port, a->url_data ("/announce/<passkey>") ...
//     response.transaction_id = a->transaction_id;          // a reused AnnounceResponse
//     response.family = AddressFamily::v6;                   // the family the request came over
//     udp_tracker::encode(response, out);                    // appends to `out`
//   }
//
// Client side:
//
//   std::string packet;
//   udp_tracker::encode(udp_tracker::ConnectRequest{tid}, packet);
//   ... send, receive `reply` ...
//   auto res = udp_tracker::decode_response(reply, AddressFamily::v4);
//   if (res) if (auto* c = std::get_if<udp_tracker::ConnectResponse>(&*res)) use(c->connection_id);
//
// Wire rules applied here (all integers big-endian):
// - A request is at least 16 bytes; its action is at bytes 8-11 (a connect request carries the
//   protocol id 0x41727101980 in bytes 0-7 instead of a connection id). A response is at least
//   8 bytes with its action at bytes 0-3.
// - Packets are never assumed to have an exact size: bytes after a complete connect request,
//   connect response or announce request (after its BEP 41 options) are ignored. Scrape packets,
//   announce responses and error responses have no fixed end — their tail is the list of hashes,
//   stats, peers or the message — so a tail that is not a whole number of entries is an error.
// - BEP 41 options start at byte 98 of an announce request and run to the end of the datagram or
//   to an EndOfOptions (0x0) option; bytes after EndOfOptions are ignored. NOP (0x1) has no length
//   byte; every other type has one. URLData (0x2) options are concatenated into one path+query
//   string. Unknown types (>= 0x3) are skipped by their length byte.
// - An option whose length byte or data runs past the end of the datagram is an error
//   (Errc::truncated, offset = the option's type byte), not the end of the options: BEP 41 does
//   not cover this case, and silently keeping a cut-off URLData would change its meaning (a
//   truncated "/announce?passkey=..." is a different, possibly public, URL).
//
// Errors: every decoder returns shoal::expected<T, Error> with context "udp request" or
// "udp response". Error::offset is the byte where the problem lies; for a datagram that ends too
// early it is the datagram's length (where the missing bytes should have started).

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "shoal/proto/announce_event.hpp"
#include "shoal/proto/error.hpp"
#include "shoal/proto/expected.hpp"
#include "shoal/proto/hash.hpp"
#include "shoal/proto/peer_endpoint.hpp"

namespace shoal::udp_tracker {

/// The magic number a connect request carries where other requests carry a connection id.
inline constexpr std::uint64_t kProtocolId = 0x41727101980ull;

enum class Action : std::uint32_t { connect = 0, announce = 1, scrape = 2, error = 3 };


/// BEP 41 option types defined so far.
enum class OptionType : std::uint8_t { end_of_options = 0x0, nop = 0x1, url_data = 0x2 };

// Fixed sizes (bytes) of the BEP 15 packet layouts.
inline constexpr std::size_t kMinRequestSize = 16;         ///< connection id, action, transaction id
inline constexpr std::size_t kMinResponseSize = 8;         ///< action, transaction id
inline constexpr std::size_t kConnectRequestSize = 16;
inline constexpr std::size_t kConnectResponseSize = 16;
inline constexpr std::size_t kAnnounceRequestSize = 98;    ///< before BEP 41 options
inline constexpr std::size_t kAnnounceResponseHeaderSize = 20;  ///< before the peers
inline constexpr std::size_t kScrapeRequestHeaderSize = 16;     ///< before the info-hashes
inline constexpr std::size_t kScrapeResponseHeaderSize = 8;     ///< before the stats
inline constexpr std::size_t kScrapeStatsSize = 12;             ///< seeders, completed, leechers
inline constexpr std::size_t kErrorResponseHeaderSize = 8;      ///< before the message
inline constexpr std::size_t kInfoHashSize = 20;

// Named limits.
/// Most info-hashes in one scrape request. BEP 15: "up to about 74 torrents can be scraped at
/// once" — 16 + 74 * 20 = 1496 bytes, what fits one 1500-byte Ethernet frame's worth of payload.
inline constexpr std::size_t kMaxScrapeHashes = 74;
/// Longest concatenated URLData accepted by decode_request. Real path+query strings (a passkey,
/// an auth token) are well under 200 bytes; 2 KiB leaves room for long query strings while a
/// datagram stuffed with 64 KiB of URLData is refused.
inline constexpr std::size_t kMaxUrlDataLength = 2048;
/// Most data bytes in one BEP 41 option (its length is one byte). Longer URLData is encoded as
/// several consecutive URLData options of this size, the last one shorter.
inline constexpr std::size_t kMaxOptionDataLength = 255;

/// A read-only view of N consecutive 20-byte info-hashes — the tail of a scrape request exactly as
/// it is on the wire. Non-owning: the bytes must outlive the view. Decoding points it into the
/// datagram; a client encoding a request points it at its own hashes:
///
///   std::vector<Sha1Digest> hashes = ...;
///   ScrapeRequest req{connection_id, tid, InfoHashList(hashes)};
///   for (Sha1Digest h : req.info_hashes) ...
class InfoHashList {
public:
  class iterator {
  public:
    // Yields hashes by value: a C++20 forward iterator, a legacy input iterator.
    using iterator_concept = std::forward_iterator_tag;
    using iterator_category = std::input_iterator_tag;
    using value_type = Sha1Digest;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Sha1Digest;

    iterator() = default;
    Sha1Digest operator*() const { return (*m_list)[m_index]; }
    iterator& operator++() {
      ++m_index;
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      ++m_index;
      return old;
    }
    friend bool operator==(const iterator& a, const iterator& b) {
      return a.m_index == b.m_index;
    }

  private:
    friend class InfoHashList;
    iterator(const InfoHashList* list, std::size_t index) : m_list(list), m_index(index) {}
    const InfoHashList* m_list = nullptr;
    std::size_t m_index = 0;
  };

  /// Empty list.
  InfoHashList() = default;
  /// Views the bytes of `hashes` (Sha1Digest is exactly 20 bytes with no padding).
  explicit InfoHashList(std::span<const Sha1Digest> hashes) noexcept;
  /// Views `raw`; nullopt unless raw.size() is a multiple of 20.
  static std::optional<InfoHashList> from_bytes(std::string_view raw) noexcept;

  std::size_t size() const noexcept { return m_bytes.size() / kInfoHashSize; }
  bool empty() const noexcept { return m_bytes.empty(); }
  /// The i-th hash. Precondition: i < size().
  Sha1Digest operator[](std::size_t i) const noexcept;
  /// The hashes' bytes, 20 * size() of them.
  std::string_view bytes() const noexcept { return m_bytes; }
  iterator begin() const noexcept { return {this, 0}; }
  iterator end() const noexcept { return {this, size()}; }

  /// Same hashes in the same order.
  friend bool operator==(const InfoHashList& a, const InfoHashList& b) noexcept {
    return a.m_bytes == b.m_bytes;
  }

private:
  std::string_view m_bytes;
};

// ---------------------------------------------------------------------------------------------
// Requests (client -> tracker). They may hold views into the datagram they were decoded from (or
// into the caller's scratch string): decode on the hot path without allocating, copy out what
// must outlive the datagram.

/// connect request: protocol id, action 0, transaction id (16 bytes).
struct ConnectRequest {
  std::uint32_t transaction_id = 0;

  friend bool operator==(const ConnectRequest&, const ConnectRequest&) = default;
};

/// announce request (98 bytes, then BEP 41 options). The same layout is used over IPv6; there the
/// `ip` field is meaningless and the tracker must ignore it.
struct AnnounceRequest {
  std::uint64_t connection_id = 0;
  std::uint32_t transaction_id = 0;
  Sha1Digest info_hash;
  Digest<20> peer_id;
  /// Byte counters as sent (BEP 15 "64-bit integer"). Passed through unchanged, negative values
  /// included: whether to accept them is the tracker's policy, not the codec's.
  std::int64_t downloaded = 0;
  std::int64_t left = 0;
  std::int64_t uploaded = 0;
  /// none, completed, started or stopped: any other wire value is rejected by decode_request
  /// (Errc::invalid_value); `paused` encodes as none.
  AnnounceEvent event = AnnounceEvent::none;
  /// IPv4 address the client asks to be announced as, host order; 0 = the packet's source address.
  std::uint32_t ip = 0;
  std::uint32_t key = 0;
  /// Peers wanted; -1 (any negative value) = the tracker's default.
  std::int32_t num_want = -1;
  std::uint16_t port = 0;
  /// BEP 41 URLData: the tracker URL's path and query ("/announce/<passkey>", "/?auth=..."), all
  /// URLData options concatenated. nullopt when the request had no URLData option; "" when it had
  /// only empty ones (the client supports BEP 41 but its URL has no path).
  ///
  /// Lifetime (decoded requests): views the datagram when the data arrived in one option (the
  /// usual case), otherwise the `url_scratch` string given to decode_request, which then holds
  /// the concatenation. Valid while both are alive and unmodified. Encoding splits it into
  /// options of at most kMaxOptionDataLength bytes.
  std::optional<std::string_view> url_data;

  friend bool operator==(const AnnounceRequest&, const AnnounceRequest&) = default;
};

/// scrape request: connection id, action 2, transaction id, then 1..kMaxScrapeHashes info-hashes.
struct ScrapeRequest {
  std::uint64_t connection_id = 0;
  std::uint32_t transaction_id = 0;
  InfoHashList info_hashes;  ///< views the datagram when decoded

  friend bool operator==(const ScrapeRequest&, const ScrapeRequest&) = default;
};

using Request = std::variant<ConnectRequest, AnnounceRequest, ScrapeRequest>;

/// Decodes one request datagram. On success the result may view `datagram` and `url_scratch`
/// (see AnnounceRequest::url_data); `url_scratch` is overwritten only when an announce splits its
/// URLData over several options, so a per-thread string reused across calls makes decoding
/// allocation-free in the steady state.
///
/// Errors (context "udp request"):
/// - Errc::truncated: fewer than 16 bytes, or an announce shorter than 98 bytes (offset = size);
///   a BEP 41 option whose length byte or data runs past the end (offset = its type byte).
/// - Errc::invalid_value: a connect request (action 0) without the protocol id (offset 0); an
///   unknown announce event (offset 80); a scrape tail that is not a multiple of 20 bytes
///   (offset = start of the incomplete hash).
/// - Errc::missing_field: a scrape request with no info-hash (offset 16).
/// - Errc::limit_exceeded: more than kMaxScrapeHashes hashes (offset = the first one too many);
///   URLData longer than kMaxUrlDataLength in total (offset = the option that crosses it).
/// - Errc::unsupported: an action other than connect, announce, scrape (offset 8).
expected<Request, Error> decode_request(std::string_view datagram, std::string& url_scratch);

/// The transaction id of a request datagram (bytes 12-15) if it has at least 16 bytes, whether or
/// not it decodes — so that a tracker can answer a malformed request with an ErrorResponse the
/// client will match. nullopt for shorter datagrams.
std::optional<std::uint32_t> request_transaction_id(std::string_view datagram) noexcept;

// ---------------------------------------------------------------------------------------------
// Responses (tracker -> client). They own their contents: clients keep them, and a tracker that
// reuses one response object per worker thread (clear the vector, refill, encode) allocates
// nothing in the steady state.

/// connect response: action 0, transaction id, connection id (16 bytes).
struct ConnectResponse {
  std::uint32_t transaction_id = 0;
  std::uint64_t connection_id = 0;

  friend bool operator==(const ConnectResponse&, const ConnectResponse&) = default;
};

/// announce response: action 1, transaction id, interval, leechers, seeders, then compact peers —
/// 6 bytes each (IPv4) or 18 bytes each when the request came over IPv6.
struct AnnounceResponse {
  std::uint32_t transaction_id = 0;
  std::uint32_t interval = 0;  ///< seconds until the next regular announce
  std::uint32_t leechers = 0;
  std::uint32_t seeders = 0;
  /// The peer entry format: the family of the socket the request came over. Encoding writes
  /// only the peers of this family (others are skipped; they cannot be expressed in it).
  AddressFamily family = AddressFamily::v4;
  std::vector<PeerEndpoint> peers;

  friend bool operator==(const AnnounceResponse&, const AnnounceResponse&) = default;
};

/// One torrent's figures in a scrape response.
struct ScrapeStats {
  std::uint32_t seeders = 0;
  std::uint32_t completed = 0;  ///< times downloaded
  std::uint32_t leechers = 0;

  friend bool operator==(const ScrapeStats&, const ScrapeStats&) = default;
};

/// scrape response: action 2, transaction id, then one ScrapeStats per requested hash, in the
/// request's order.
struct ScrapeResponse {
  std::uint32_t transaction_id = 0;
  std::vector<ScrapeStats> stats;

  friend bool operator==(const ScrapeResponse&, const ScrapeResponse&) = default;
};

/// error response: action 3, transaction id, then the message text (not NUL-terminated, to the
/// end of the datagram).
struct ErrorResponse {
  std::uint32_t transaction_id = 0;
  std::string message;

  friend bool operator==(const ErrorResponse&, const ErrorResponse&) = default;
};

using Response = std::variant<ConnectResponse, AnnounceResponse, ScrapeResponse, ErrorResponse>;

/// Decodes one response datagram. `family` is the family of the socket the request was sent over:
/// it selects 6- or 18-byte announce peers (the packet does not say which). The result owns its
/// data. The caller still checks the transaction id against the one it sent.
///
/// Errors (context "udp response"):
/// - Errc::truncated: fewer than 8 bytes, a connect response under 16, an announce response
///   under 20 (offset = size).
/// - Errc::invalid_value: an announce peer block that is not a multiple of 6 (IPv4) / 18 (IPv6)
///   bytes, a scrape tail that is not a multiple of 12 (offset = start of the incomplete entry).
/// - Errc::unsupported: an unknown action (offset 0).
expected<Response, Error> decode_response(std::string_view datagram, AddressFamily family);

// ---------------------------------------------------------------------------------------------
// Encoding. For every packet type (and the Request/Response variants):
//
//   encoded_size(msg)        exact number of bytes encode() will produce
//   encode(msg, out)         appends the packet to the std::string `out` (one resize, no
//                            reallocation if out has the capacity)
//   encode_into(msg, buffer) writes the packet at the start of `buffer` (e.g. one slot of a
//                            sendmmsg batch) and returns its size; returns 0 and writes nothing
//                            if buffer.size() < encoded_size(msg)
//
// Encoders never fail. They write what they are given: a request's connection id, event and
// counters as they are; a connect request always with kProtocolId. An announce request with
// url_data gets URLData options (kMaxOptionDataLength-byte chunks, an empty url_data gives one
// empty option) and no EndOfOptions. decode(encode(msg)) == msg for every message whose fields
// decode_request/decode_response accept.

std::size_t encoded_size(const ConnectRequest& msg) noexcept;
std::size_t encoded_size(const AnnounceRequest& msg) noexcept;
std::size_t encoded_size(const ScrapeRequest& msg) noexcept;
std::size_t encoded_size(const ConnectResponse& msg) noexcept;
std::size_t encoded_size(const AnnounceResponse& msg) noexcept;
std::size_t encoded_size(const ScrapeResponse& msg) noexcept;
std::size_t encoded_size(const ErrorResponse& msg) noexcept;
std::size_t encoded_size(const Request& msg) noexcept;
std::size_t encoded_size(const Response& msg) noexcept;

void encode(const ConnectRequest& msg, std::string& out);
void encode(const AnnounceRequest& msg, std::string& out);
void encode(const ScrapeRequest& msg, std::string& out);
void encode(const ConnectResponse& msg, std::string& out);
void encode(const AnnounceResponse& msg, std::string& out);
void encode(const ScrapeResponse& msg, std::string& out);
void encode(const ErrorResponse& msg, std::string& out);

/// The tracker's hot path: an announce response whose peers are given as one ready compact string
/// (6 bytes per entry for AddressFamily::v4, 18 for v6, as the swarm store writes them), appended
/// to `out`. `header.peers` and `header.family` are ignored; the caller passes peers of the
/// request's family only.
void encode_compact_announce_response(const AnnounceResponse& header,
                                      std::string_view compact_peers, std::string& out);
void encode(const Request& msg, std::string& out);
void encode(const Response& msg, std::string& out);

std::size_t encode_into(const ConnectRequest& msg, std::span<char> buffer) noexcept;
std::size_t encode_into(const AnnounceRequest& msg, std::span<char> buffer) noexcept;
std::size_t encode_into(const ScrapeRequest& msg, std::span<char> buffer) noexcept;
std::size_t encode_into(const ConnectResponse& msg, std::span<char> buffer) noexcept;
std::size_t encode_into(const AnnounceResponse& msg, std::span<char> buffer) noexcept;
std::size_t encode_into(const ScrapeResponse& msg, std::span<char> buffer) noexcept;
std::size_t encode_into(const ErrorResponse& msg, std::span<char> buffer) noexcept;
std::size_t encode_into(const Request& msg, std::span<char> buffer) noexcept;
std::size_t encode_into(const Response& msg, std::span<char> buffer) noexcept;

}  // namespace shoal::udp_tracker
