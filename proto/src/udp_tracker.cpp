#include "shoal/proto/udp_tracker.hpp"

#include <cstring>
#include <type_traits>

namespace shoal::udp_tracker {

namespace {

constexpr std::string_view kRequestContext = "udp request";
constexpr std::string_view kResponseContext = "udp response";

// Callers check the length first; these only assemble bytes.
std::uint16_t load_u16(std::string_view in, std::size_t pos) noexcept {
  return static_cast<std::uint16_t>((std::uint32_t{static_cast<std::uint8_t>(in[pos])} << 8) |
                                    std::uint32_t{static_cast<std::uint8_t>(in[pos + 1])});
}

std::uint32_t load_u32(std::string_view in, std::size_t pos) noexcept {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[pos + i]);
  return v;
}

std::uint64_t load_u64(std::string_view in, std::size_t pos) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[pos + i]);
  return v;
}

Digest<20> load_digest(std::string_view in, std::size_t pos) noexcept {
  Digest<20> d;
  std::memcpy(d.bytes.data(), in.data() + pos, d.bytes.size());
  return d;
}

// Writes into memory the caller has already sized with encoded_size(), so no bounds checks here.
class Writer {
public:
  explicit Writer(char* out) noexcept : m_out(out) {}

  void u8(std::uint8_t v) noexcept { *m_out++ = static_cast<char>(v); }
  void u16(std::uint16_t v) noexcept {
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) noexcept {
    for (int shift = 24; shift >= 0; shift -= 8) u8(static_cast<std::uint8_t>(v >> shift));
  }
  void u64(std::uint64_t v) noexcept {
    for (int shift = 56; shift >= 0; shift -= 8) u8(static_cast<std::uint8_t>(v >> shift));
  }
  void bytes(std::string_view b) noexcept {
    if (b.empty()) return;  // memcpy with a null source is undefined even for 0 bytes
    std::memcpy(m_out, b.data(), b.size());
    m_out += b.size();
  }

private:
  char* m_out;
};

constexpr std::uint32_t action_value(Action a) noexcept { return static_cast<std::uint32_t>(a); }

std::size_t peer_entry_size(AddressFamily family) noexcept {
  return family == AddressFamily::v4 ? kCompactPeerSizeV4 : kCompactPeerSizeV6;
}

bool in_family(const PeerEndpoint& peer, AddressFamily family) noexcept {
  return peer.address.family() == family;
}

// Number of URLData options an announce request's url_data is split into.
std::size_t url_data_option_count(const std::optional<std::string_view>& url) noexcept {
  if (!url) return 0;
  if (url->empty()) return 1;  // one empty option still tells the tracker we speak BEP 41
  return (url->size() + kMaxOptionDataLength - 1) / kMaxOptionDataLength;
}

// --- per-message size and body writers -------------------------------------------------------

std::size_t size_of(const ConnectRequest&) noexcept { return kConnectRequestSize; }
std::size_t size_of(const AnnounceRequest& m) noexcept {
  const std::size_t url = m.url_data ? m.url_data->size() : 0;
  return kAnnounceRequestSize + 2 * url_data_option_count(m.url_data) + url;
}
std::size_t size_of(const ScrapeRequest& m) noexcept {
  return kScrapeRequestHeaderSize + m.info_hashes.bytes().size();
}
std::size_t size_of(const ConnectResponse&) noexcept { return kConnectResponseSize; }
std::size_t size_of(const AnnounceResponse& m) noexcept {
  std::size_t n = 0;
  for (const auto& p : m.peers) n += in_family(p, m.family) ? 1 : 0;
  return kAnnounceResponseHeaderSize + n * peer_entry_size(m.family);
}
std::size_t size_of(const ScrapeResponse& m) noexcept {
  return kScrapeResponseHeaderSize + m.stats.size() * kScrapeStatsSize;
}
std::size_t size_of(const ErrorResponse& m) noexcept {
  return kErrorResponseHeaderSize + m.message.size();
}

void write(const ConnectRequest& m, Writer& w) noexcept {
  w.u64(kProtocolId);
  w.u32(action_value(Action::connect));
  w.u32(m.transaction_id);
}

void write(const AnnounceRequest& m, Writer& w) noexcept {
  w.u64(m.connection_id);
  w.u32(action_value(Action::announce));
  w.u32(m.transaction_id);
  w.bytes(m.info_hash.view());
  w.bytes(m.peer_id.view());
  w.u64(static_cast<std::uint64_t>(m.downloaded));
  w.u64(static_cast<std::uint64_t>(m.left));
  w.u64(static_cast<std::uint64_t>(m.uploaded));
  w.u32(m.event == AnnounceEvent::paused ? 0u : static_cast<std::uint32_t>(m.event));
  w.u32(m.ip);
  w.u32(m.key);
  w.u32(static_cast<std::uint32_t>(m.num_want));
  w.u16(m.port);
  if (!m.url_data) return;
  std::string_view rest = *m.url_data;
  do {
    const std::string_view chunk = rest.substr(0, kMaxOptionDataLength);
    rest.remove_prefix(chunk.size());
    w.u8(static_cast<std::uint8_t>(OptionType::url_data));
    w.u8(static_cast<std::uint8_t>(chunk.size()));
    w.bytes(chunk);
  } while (!rest.empty());
}

void write(const ScrapeRequest& m, Writer& w) noexcept {
  w.u64(m.connection_id);
  w.u32(action_value(Action::scrape));
  w.u32(m.transaction_id);
  w.bytes(m.info_hashes.bytes());
}

void write(const ConnectResponse& m, Writer& w) noexcept {
  w.u32(action_value(Action::connect));
  w.u32(m.transaction_id);
  w.u64(m.connection_id);
}

void write_announce_header(const AnnounceResponse& m, Writer& w) noexcept {
  w.u32(action_value(Action::announce));
  w.u32(m.transaction_id);
  w.u32(m.interval);
  w.u32(m.leechers);
  w.u32(m.seeders);
}

// An announce response whose peers are already in compact form (the tracker's hot path).
struct CompactAnnounce {
  const AnnounceResponse& header;
  std::string_view peers;
};
std::size_t size_of(const CompactAnnounce& m) noexcept {
  return kAnnounceResponseHeaderSize + m.peers.size();
}
void write(const CompactAnnounce& m, Writer& w) noexcept {
  write_announce_header(m.header, w);
  w.bytes(m.peers);
}

void write(const AnnounceResponse& m, Writer& w) noexcept {
  write_announce_header(m, w);
  for (const auto& p : m.peers) {
    if (!in_family(p, m.family)) continue;
    w.bytes(p.address.bytes());
    w.u16(p.port);
  }
}

void write(const ScrapeResponse& m, Writer& w) noexcept {
  w.u32(action_value(Action::scrape));
  w.u32(m.transaction_id);
  for (const auto& s : m.stats) {
    w.u32(s.seeders);
    w.u32(s.completed);
    w.u32(s.leechers);
  }
}

void write(const ErrorResponse& m, Writer& w) noexcept {
  w.u32(action_value(Action::error));
  w.u32(m.transaction_id);
  w.bytes(m.message);
}

template <class Message>
void append_message(const Message& m, std::string& out) {
  const std::size_t start = out.size();
  out.resize(start + size_of(m));
  Writer w(out.data() + start);
  write(m, w);
}

template <class Message>
std::size_t write_message(const Message& m, std::span<char> buffer) noexcept {
  const std::size_t n = size_of(m);
  if (buffer.size() < n) return 0;
  Writer w(buffer.data());
  write(m, w);
  return n;
}

// --- request decoding ------------------------------------------------------------------------

unexpected<Error> request_error(Errc code, std::string what, std::size_t offset) {
  return fail(code, kRequestContext, std::move(what), offset);
}

unexpected<Error> too_short(std::string_view context, std::string_view what, std::size_t need,
                            std::size_t got) {
  return fail(Errc::truncated, context,
              std::string(what) + " needs " + std::to_string(need) + " bytes, got " +
                  std::to_string(got),
              got);
}

// Parses the BEP 41 options that follow the fixed announce fields.
expected<std::optional<std::string_view>, Error> parse_options(std::string_view in,
                                                               std::string& scratch) {
  std::optional<std::string_view> url;
  // The common case — one URLData option — stays a view into the datagram; only a second
  // non-empty chunk forces a copy into the caller's scratch string.
  bool in_scratch = false;
  std::size_t url_size = 0;
  std::size_t pos = kAnnounceRequestSize;
  while (pos < in.size()) {
    const std::size_t option_start = pos;
    const auto type = static_cast<std::uint8_t>(in[pos++]);
    if (type == static_cast<std::uint8_t>(OptionType::end_of_options)) break;
    if (type == static_cast<std::uint8_t>(OptionType::nop)) continue;
    if (pos >= in.size())
      return request_error(Errc::truncated,
                           "BEP 41 option " + std::to_string(type) + " has no length byte",
                           option_start);
    const std::size_t length = static_cast<std::uint8_t>(in[pos++]);
    if (length > in.size() - pos)
      return request_error(Errc::truncated,
                           "BEP 41 option " + std::to_string(type) + " of " +
                               std::to_string(length) + " bytes runs past the end of the packet",
                           option_start);
    const std::string_view data = in.substr(pos, length);
    pos += length;
    if (type != static_cast<std::uint8_t>(OptionType::url_data)) continue;  // unknown: skip

    url_size += data.size();
    if (url_size > kMaxUrlDataLength)
      return request_error(Errc::limit_exceeded,
                           "URLData longer than " + std::to_string(kMaxUrlDataLength) + " bytes",
                           option_start);
    if (!url || (url->empty() && !in_scratch)) {
      url = data;
    } else if (!data.empty()) {
      if (!in_scratch) {
        scratch.assign(*url);
        in_scratch = true;
      }
      scratch.append(data);
    }
  }
  if (in_scratch) url = std::string_view(scratch);  // taken last: appends may reallocate
  return url;
}

expected<Request, Error> decode_announce(std::string_view in, std::string& scratch) {
  if (in.size() < kAnnounceRequestSize)
    return too_short(kRequestContext, "announce request", kAnnounceRequestSize, in.size());
  AnnounceRequest r;
  r.connection_id = load_u64(in, 0);
  r.transaction_id = load_u32(in, 12);
  r.info_hash = load_digest(in, 16);
  r.peer_id = load_digest(in, 36);
  r.downloaded = static_cast<std::int64_t>(load_u64(in, 56));
  r.left = static_cast<std::int64_t>(load_u64(in, 64));
  r.uploaded = static_cast<std::int64_t>(load_u64(in, 72));
  const std::uint32_t event = load_u32(in, 80);
  if (event > static_cast<std::uint32_t>(AnnounceEvent::stopped))
    return request_error(Errc::invalid_value, "unknown announce event " + std::to_string(event),
                         80);
  r.event = static_cast<AnnounceEvent>(event);
  r.ip = load_u32(in, 84);
  r.key = load_u32(in, 88);
  r.num_want = static_cast<std::int32_t>(load_u32(in, 92));
  r.port = load_u16(in, 96);
  auto url = parse_options(in, scratch);
  if (!url) return unexpected<Error>(std::move(url).error());
  r.url_data = *url;
  return Request(std::move(r));
}

expected<Request, Error> decode_scrape(std::string_view in) {
  const std::string_view tail = in.substr(kScrapeRequestHeaderSize);
  const std::size_t partial = tail.size() % kInfoHashSize;
  if (partial != 0)
    return request_error(Errc::invalid_value,
                         "scrape request has " + std::to_string(partial) +
                             " bytes after its last whole info-hash",
                         in.size() - partial);
  const std::size_t count = tail.size() / kInfoHashSize;
  if (count == 0)
    return request_error(Errc::missing_field, "scrape request lists no info-hash",
                         kScrapeRequestHeaderSize);
  if (count > kMaxScrapeHashes)
    return request_error(Errc::limit_exceeded,
                         "scrape request lists " + std::to_string(count) +
                             " info-hashes, more than " + std::to_string(kMaxScrapeHashes),
                         kScrapeRequestHeaderSize + kMaxScrapeHashes * kInfoHashSize);
  ScrapeRequest r;
  r.connection_id = load_u64(in, 0);
  r.transaction_id = load_u32(in, 12);
  r.info_hashes = *InfoHashList::from_bytes(tail);
  return Request(r);
}

}  // namespace


// --- InfoHashList ------------------------------------------------------------------------------

static_assert(sizeof(Sha1Digest) == kInfoHashSize && std::is_trivially_copyable_v<Sha1Digest>,
              "InfoHashList views an array of Sha1Digest as packed 20-byte hashes");

InfoHashList::InfoHashList(std::span<const Sha1Digest> hashes) noexcept
    : m_bytes(reinterpret_cast<const char*>(hashes.data()), hashes.size() * kInfoHashSize) {}

std::optional<InfoHashList> InfoHashList::from_bytes(std::string_view raw) noexcept {
  if (raw.size() % kInfoHashSize != 0) return std::nullopt;
  InfoHashList list;
  list.m_bytes = raw;
  return list;
}

Sha1Digest InfoHashList::operator[](std::size_t i) const noexcept {
  return load_digest(m_bytes, i * kInfoHashSize);
}

// --- decoding ---------------------------------------------------------------------------------

expected<Request, Error> decode_request(std::string_view datagram, std::string& url_scratch) {
  if (datagram.size() < kMinRequestSize)
    return too_short(kRequestContext, "request", kMinRequestSize, datagram.size());
  const std::uint32_t action = load_u32(datagram, 8);
  switch (action) {
    case action_value(Action::connect):
      if (load_u64(datagram, 0) != kProtocolId)
        return request_error(Errc::invalid_value, "connect request without the protocol id", 0);
      return Request(ConnectRequest{load_u32(datagram, 12)});
    case action_value(Action::announce):
      return decode_announce(datagram, url_scratch);
    case action_value(Action::scrape):
      return decode_scrape(datagram);
    default:
      return request_error(Errc::unsupported, "unknown request action " + std::to_string(action),
                           8);
  }
}

std::optional<std::uint32_t> request_transaction_id(std::string_view datagram) noexcept {
  if (datagram.size() < kMinRequestSize) return std::nullopt;
  return load_u32(datagram, 12);
}

expected<Response, Error> decode_response(std::string_view in, AddressFamily family) {
  if (in.size() < kMinResponseSize)
    return too_short(kResponseContext, "response", kMinResponseSize, in.size());
  const std::uint32_t action = load_u32(in, 0);
  const std::uint32_t transaction_id = load_u32(in, 4);
  switch (action) {
    case action_value(Action::connect): {
      if (in.size() < kConnectResponseSize)
        return too_short(kResponseContext, "connect response", kConnectResponseSize, in.size());
      return Response(ConnectResponse{transaction_id, load_u64(in, 8)});
    }
    case action_value(Action::announce): {
      if (in.size() < kAnnounceResponseHeaderSize)
        return too_short(kResponseContext, "announce response", kAnnounceResponseHeaderSize,
                         in.size());
      const std::size_t step = peer_entry_size(family);
      const std::size_t partial = (in.size() - kAnnounceResponseHeaderSize) % step;
      if (partial != 0)
        return fail(Errc::invalid_value, kResponseContext,
                    "announce response peer list is not a multiple of " + std::to_string(step) +
                        " bytes",
                    in.size() - partial);
      AnnounceResponse r;
      r.transaction_id = transaction_id;
      r.interval = load_u32(in, 8);
      r.leechers = load_u32(in, 12);
      r.seeders = load_u32(in, 16);
      r.family = family;
      r.peers.reserve((in.size() - kAnnounceResponseHeaderSize) / step);
      for (std::size_t pos = kAnnounceResponseHeaderSize; pos < in.size(); pos += step)
        r.peers.push_back(*parse_compact_peer(in.substr(pos, step)));
      return Response(std::move(r));
    }
    case action_value(Action::scrape): {
      const std::size_t partial = (in.size() - kScrapeResponseHeaderSize) % kScrapeStatsSize;
      if (partial != 0)
        return fail(Errc::invalid_value, kResponseContext,
                    "scrape response has " + std::to_string(partial) +
                        " bytes after its last whole entry",
                    in.size() - partial);
      ScrapeResponse r;
      r.transaction_id = transaction_id;
      r.stats.reserve((in.size() - kScrapeResponseHeaderSize) / kScrapeStatsSize);
      for (std::size_t pos = kScrapeResponseHeaderSize; pos < in.size(); pos += kScrapeStatsSize)
        r.stats.push_back(
            ScrapeStats{load_u32(in, pos), load_u32(in, pos + 4), load_u32(in, pos + 8)});
      return Response(std::move(r));
    }
    case action_value(Action::error):
      return Response(
          ErrorResponse{transaction_id, std::string(in.substr(kErrorResponseHeaderSize))});
    default:
      return fail(Errc::unsupported, kResponseContext,
                  "unknown response action " + std::to_string(action), 0);
  }
}

// --- encoding ---------------------------------------------------------------------------------

#define SHOAL_UDP_ENCODERS(Type)                                                        \
  std::size_t encoded_size(const Type& msg) noexcept { return size_of(msg); }           \
  void encode(const Type& msg, std::string& out) { append_message(msg, out); }          \
  std::size_t encode_into(const Type& msg, std::span<char> buffer) noexcept {           \
    return write_message(msg, buffer);                                                  \
  }

SHOAL_UDP_ENCODERS(ConnectRequest)
SHOAL_UDP_ENCODERS(AnnounceRequest)
SHOAL_UDP_ENCODERS(ScrapeRequest)
SHOAL_UDP_ENCODERS(ConnectResponse)
SHOAL_UDP_ENCODERS(AnnounceResponse)
SHOAL_UDP_ENCODERS(ScrapeResponse)
SHOAL_UDP_ENCODERS(ErrorResponse)

#undef SHOAL_UDP_ENCODERS

void encode_compact_announce_response(const AnnounceResponse& header,
                                      std::string_view compact_peers, std::string& out) {
  append_message(CompactAnnounce{header, compact_peers}, out);
}

std::size_t encoded_size(const Request& msg) noexcept {
  return std::visit([](const auto& m) { return size_of(m); }, msg);
}
std::size_t encoded_size(const Response& msg) noexcept {
  return std::visit([](const auto& m) { return size_of(m); }, msg);
}
void encode(const Request& msg, std::string& out) {
  std::visit([&out](const auto& m) { append_message(m, out); }, msg);
}
void encode(const Response& msg, std::string& out) {
  std::visit([&out](const auto& m) { append_message(m, out); }, msg);
}
std::size_t encode_into(const Request& msg, std::span<char> buffer) noexcept {
  return std::visit([buffer](const auto& m) { return write_message(m, buffer); }, msg);
}
std::size_t encode_into(const Response& msg, std::span<char> buffer) noexcept {
  return std::visit([buffer](const auto& m) { return write_message(m, buffer); }, msg);
}

}  // namespace shoal::udp_tracker
