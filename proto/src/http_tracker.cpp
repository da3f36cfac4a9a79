#include "shoal/proto/http_tracker.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "shoal/proto/bencode.hpp"
#include "shoal/proto/encoding.hpp"

namespace shoal {

namespace {

constexpr std::string_view kAnnounceQuery = "http announce query";
constexpr std::string_view kScrapeQuery = "http scrape query";
constexpr std::string_view kAnnounceResponse = "http announce response";
constexpr std::string_view kScrapeResponse = "http scrape response";

// Longest hostname a BEP 3 `ip=` may carry; longer values are ignored like other non-literals.
constexpr std::size_t kMaxIpParamLength = 255;

// ---- query strings ----

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One `name=value` parameter and where its parts start in the query string.
struct Param {
  std::string_view name;   // raw (still percent-encoded)
  std::string_view value;  // raw
  std::size_t offset = 0;        // of the parameter
  std::size_t value_offset = 0;  // of the value (one past '=' or the end of the name)
};

// Percent-decodes `raw` into out[0, capacity) and returns the full decoded length, which may
// exceed `capacity` (only the first `capacity` bytes are written) so callers can report it.
// Hand-written rather than shoal::percent_decode because the parser must name the offset of a
// bad escape, and decoding into stack buffers keeps the tracker's announce path free of
// per-parameter allocations.
expected<std::size_t, Error> percent_decode_into(std::string_view raw, std::size_t offset,
                                                 char* out, std::size_t capacity,
                                                 std::string_view context) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%') {
      const int hi = raw.size() - i >= 3 ? hex_digit(raw[i + 1]) : -1;
      const int lo = raw.size() - i >= 3 ? hex_digit(raw[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        return fail(Errc::syntax, context, "malformed percent-escape", offset + i);
      c = static_cast<char>((hi << 4) | lo);
      i += 2;
    }
    if (n < capacity) out[n] = c;
    ++n;
  }
  return n;
}

// A decoded value held in a fixed buffer; `length` may exceed N (then only N bytes are kept).
template <std::size_t N>
struct Decoded {
  std::array<char, N> buf{};
  std::size_t length = 0;
  bool overflow() const noexcept { return length > N; }
  std::string_view view() const noexcept { return {buf.data(), std::min(length, N)}; }
};

template <std::size_t N>
expected<Decoded<N>, Error> decode_value(const Param& p, std::string_view context) {
  Decoded<N> d;
  auto n = percent_decode_into(p.value, p.value_offset, d.buf.data(), N, context);
  if (!n) return unexpected<Error>(std::move(n).error());
  d.length = *n;
  return d;
}

// Splits the query into parameters and calls on_param(const Param&, std::string_view name) with
// the decoded name, stopping at the first error.
template <class OnParam>
expected<void, Error> for_each_param(std::string_view query, std::string_view context,
                                     OnParam&& on_param) {
  if (query.size() > kMaxQueryLength)
    return fail(Errc::limit_exceeded, context,
                "query string longer than " + std::to_string(kMaxQueryLength) + " bytes",
                kMaxQueryLength);
  std::size_t count = 0;
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t end = query.find('&', pos);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view text = query.substr(pos, end - pos);
    if (!text.empty()) {
      if (++count > kMaxQueryParameters)
        return fail(Errc::limit_exceeded, context,
                    "more than " + std::to_string(kMaxQueryParameters) + " parameters", pos);
      Param p;
      p.offset = pos;
      const std::size_t eq = text.find('=');
      p.name = text.substr(0, eq);
      p.value = eq == std::string_view::npos ? std::string_view{} : text.substr(eq + 1);
      p.value_offset = pos + (eq == std::string_view::npos ? text.size() : eq + 1);
      // Known names are short; an escaped name (nobody sends one) is decoded only to match it.
      std::string_view name = p.name;
      std::array<char, 32> name_buf;
      if (name.find('%') != std::string_view::npos) {
        auto n = percent_decode_into(p.name, pos, name_buf.data(), name_buf.size(), context);
        if (!n) return unexpected<Error>(std::move(n).error());
        name = *n <= name_buf.size() ? std::string_view(name_buf.data(), *n) : std::string_view{};
      }
      auto r = on_param(p, name);
      if (!r) return r;
    }
    pos = end + 1;
  }
  return {};
}

expected<Sha1Digest, Error> decode_20_bytes(const Param& p, std::string_view name,
                                            std::string_view context) {
  auto d = decode_value<20>(p, context);
  if (!d) return unexpected<Error>(std::move(d).error());
  if (d->length != 20)
    return fail(Errc::invalid_value, context,
                std::string(name) + " must be 20 bytes after percent-decoding, got " +
                    std::to_string(d->length),
                p.value_offset);
  return *Sha1Digest::from_bytes(d->view());
}

expected<std::string, Error> decode_text(const Param& p, std::string_view name,
                                         std::size_t max_length, std::string_view context) {
  auto d = decode_value<kMaxTrackerIdLength>(p, context);  // the largest of the text limits
  if (!d) return unexpected<Error>(std::move(d).error());
  if (d->length > max_length)
    return fail(Errc::limit_exceeded, context,
                std::string(name) + " longer than " + std::to_string(max_length) + " bytes",
                p.value_offset);
  return std::string(d->view());
}

struct Counter {
  std::int64_t value = 0;
  bool negative = false;  // value is then the magnitude
};

expected<Counter, Error> parse_counter(const Param& p, std::string_view name,
                                       std::string_view context) {
  auto error = [&](Errc code, std::string_view what) {
    return fail(code, context, std::string(name) + ": " + std::string(what), p.value_offset);
  };
  auto d = decode_value<24>(p, context);
  if (!d) return unexpected<Error>(std::move(d).error());
  if (d->overflow()) return error(Errc::invalid_value, "number out of range");
  std::string_view text = d->view();
  Counter c;
  if (!text.empty() && text.front() == '-') {
    c.negative = true;
    text.remove_prefix(1);
  }
  if (text.empty()) return error(Errc::syntax, "expected a decimal number");
  std::uint64_t v = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return error(Errc::syntax, "expected a decimal number");
    const auto digit = static_cast<std::uint64_t>(ch - '0');
    constexpr auto max = static_cast<std::uint64_t>(kMaxCounterValue);
    if (v > (max - digit) / 10)  // checked before multiplying, so nothing can wrap
      return error(Errc::invalid_value, "number out of range");
    v = v * 10 + digit;
  }
  c.value = static_cast<std::int64_t>(v);
  return c;
}

// "0" or "1"; anything else is an error.
expected<bool, Error> parse_flag(const Param& p, std::string_view name, std::string_view context) {
  auto d = decode_value<2>(p, context);
  if (!d) return unexpected<Error>(std::move(d).error());
  if (d->view() == "1" && d->length == 1) return true;
  if (d->view() == "0" && d->length == 1) return false;
  return fail(Errc::invalid_value, context, std::string(name) + " must be 0 or 1",
              p.value_offset);
}

enum Field : std::uint32_t {
  f_info_hash, f_peer_id, f_port, f_uploaded, f_downloaded, f_left, f_corrupt, f_redundant,
  f_event, f_compact, f_no_peer_id, f_numwant, f_key, f_trackerid, f_passkey, f_ip, f_ipv4,
  f_ipv6, f_supportcrypto, f_requirecrypto, f_unknown
};

struct FieldName {
  std::string_view name;
  Field field;
};

constexpr FieldName kAnnounceFields[] = {
    {"info_hash", f_info_hash},   {"peer_id", f_peer_id},     {"port", f_port},
    {"uploaded", f_uploaded},     {"downloaded", f_downloaded}, {"left", f_left},
    {"corrupt", f_corrupt},       {"redundant", f_redundant}, {"event", f_event},
    {"compact", f_compact},       {"no_peer_id", f_no_peer_id}, {"numwant", f_numwant},
    {"key", f_key},               {"trackerid", f_trackerid}, {"passkey", f_passkey},
    {"ip", f_ip},                 {"ipv4", f_ipv4},           {"ipv6", f_ipv6},
    {"supportcrypto", f_supportcrypto}, {"requirecrypto", f_requirecrypto},
};

Field announce_field(std::string_view name) noexcept {
  for (const auto& f : kAnnounceFields)
    if (f.name == name) return f.field;
  return f_unknown;
}

expected<void, Error> apply_announce_param(AnnounceRequest& r, Field field, const Param& p,
                                           std::string_view name) {
  constexpr std::string_view ctx = kAnnounceQuery;
  switch (field) {
    case f_info_hash:
    case f_peer_id: {
      auto d = decode_20_bytes(p, name, ctx);
      if (!d) return unexpected<Error>(std::move(d).error());
      (field == f_info_hash ? r.info_hash : r.peer_id) = *d;
      return {};
    }
    case f_port: {
      auto c = parse_counter(p, name, ctx);
      if (!c) return unexpected<Error>(std::move(c).error());
      if (c->negative || c->value < 1 || c->value > 65535)
        return fail(Errc::invalid_value, ctx, "port must be 1-65535", p.value_offset);
      r.port = static_cast<std::uint16_t>(c->value);
      return {};
    }
    case f_uploaded:
    case f_downloaded:
    case f_left:
    case f_corrupt:
    case f_redundant:
    case f_numwant: {
      auto c = parse_counter(p, name, ctx);
      if (!c) return unexpected<Error>(std::move(c).error());
      const std::int64_t clamped = c->negative ? 0 : c->value;
      switch (field) {
        case f_uploaded: r.uploaded = clamped; break;
        case f_downloaded: r.downloaded = clamped; break;
        case f_corrupt: r.corrupt = clamped; break;
        case f_redundant: r.redundant = clamped; break;
        case f_left:  // negative `left` is meaningless: "unknown", not "seeding"
          if (c->negative) r.left.reset(); else r.left = c->value;
          break;
        default:  // numwant: negative asks for the tracker's default
          if (c->negative) r.numwant.reset(); else r.numwant = c->value;
          break;
      }
      return {};
    }
    case f_event: {
      auto d = decode_value<16>(p, ctx);
      if (!d) return unexpected<Error>(std::move(d).error());
      const std::string_view v = d->overflow() ? std::string_view{} : d->view();
      if (v == "started") r.event = AnnounceEvent::started;
      else if (v == "completed") r.event = AnnounceEvent::completed;
      else if (v == "stopped") r.event = AnnounceEvent::stopped;
      else if (v == "paused") r.event = AnnounceEvent::paused;
      else r.event = AnnounceEvent::none;  // empty or unknown, as opentracker
      return {};
    }
    case f_compact:
    case f_no_peer_id: {
      auto b = parse_flag(p, name, ctx);
      if (!b) return unexpected<Error>(std::move(b).error());
      (field == f_compact ? r.compact : r.no_peer_id) = *b;
      return {};
    }
    case f_key:
    case f_trackerid:
    case f_passkey: {
      const std::size_t max = field == f_key         ? kMaxKeyLength
                              : field == f_trackerid ? kMaxTrackerIdLength
                                                     : kMaxPasskeyLength;
      auto t = decode_text(p, name, max, ctx);
      if (!t) return unexpected<Error>(std::move(t).error());
      (field == f_key ? r.key : field == f_trackerid ? r.tracker_id : r.passkey) = std::move(*t);
      return {};
    }
    case f_ip: {
      auto d = decode_value<kMaxIpParamLength>(p, ctx);
      if (!d) return unexpected<Error>(std::move(d).error());
      if (!d->overflow()) r.ip = AddressWithPort::parse(d->view());  // DNS names → nullopt
      return {};
    }
    case f_ipv4:
    case f_ipv6: {
      auto d = decode_value<kMaxEndpointTextLength>(p, ctx);
      if (!d) return unexpected<Error>(std::move(d).error());
      std::optional<AddressWithPort> a;
      if (!d->overflow()) a = AddressWithPort::parse(d->view());
      const bool want_v6 = field == f_ipv6;
      if (!a || a->address.is_v6() != want_v6)
        return fail(Errc::invalid_value, ctx,
                    std::string(name) + " is not an " + (want_v6 ? "IPv6" : "IPv4") +
                        " address or address:port",
                    p.value_offset);
      (want_v6 ? r.ipv6 : r.ipv4) = *a;
      return {};
    }
    case f_supportcrypto:
    case f_requirecrypto: {
      auto d = decode_value<2>(p, ctx);
      if (!d) return unexpected<Error>(std::move(d).error());
      (field == f_supportcrypto ? r.support_crypto : r.require_crypto) =
          d->length == 1 && d->view() == "1";
      return {};
    }
    case f_unknown: return {};
  }
  return {};
}

void append_param(std::string& out, std::string_view name, std::string_view raw_value) {
  if (!out.empty()) out.push_back('&');
  out += name;
  out.push_back('=');
  out += percent_encode(raw_value);
}

void append_number(std::string& out, std::string_view name, std::int64_t value) {
  if (!out.empty()) out.push_back('&');
  out += name;
  out.push_back('=');
  out += std::to_string(value);
}

// ---- bencoded bodies ----

expected<bencode::Value, Error> decode_body(std::string_view body, std::size_t max_size,
                                            std::string_view context) {
  if (body.size() > max_size)
    return fail(Errc::limit_exceeded, context,
                "body longer than " + std::to_string(max_size) + " bytes", max_size);
  // Some trackers end the body with a newline; whitespace can never end a valid dictionary.
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r' || body.back() == ' ' ||
                           body.back() == '\t'))
    body.remove_suffix(1);
  bencode::Limits limits;
  limits.max_total_size = max_size;
  auto v = bencode::decode(body, bencode::Mode::lenient, limits);
  if (!v) {
    Error e = std::move(v).error();
    e.what = "bencode: " + e.what;
    e.context = std::string(context);
    return unexpected<Error>(std::move(e));
  }
  if (!v->is_dict()) return fail(Errc::wrong_type, context, "body is not a dictionary", 0);
  return v;
}

// A non-negative integer under `key`, nullopt when absent.
expected<std::optional<std::int64_t>, Error> find_count(const bencode::Value& dict,
                                                         std::string_view key,
                                                         std::string_view context) {
  const bencode::Value* v = dict.find(key);
  if (v == nullptr) return std::optional<std::int64_t>{};
  if (!v->is_int())
    return fail(Errc::wrong_type, context, "\"" + std::string(key) + "\" is not an integer");
  if (v->as_int() < 0)
    return fail(Errc::invalid_value, context, "\"" + std::string(key) + "\" is negative");
  return std::optional<std::int64_t>(v->as_int());
}

expected<std::optional<std::string>, Error> find_text(const bencode::Value& dict,
                                                       std::string_view key,
                                                       std::string_view context) {
  const bencode::Value* v = dict.find(key);
  if (v == nullptr) return std::optional<std::string>{};
  if (!v->is_string())
    return fail(Errc::wrong_type, context, "\"" + std::string(key) + "\" is not a string");
  return std::optional<std::string>(v->as_string());
}

expected<void, Error> decode_peer_dict(const bencode::Value& entry, std::string_view key,
                                       AnnounceResponse& out) {
  constexpr std::string_view ctx = kAnnounceResponse;
  const std::string where = "\"" + std::string(key) + "\" entry";
  if (!entry.is_dict()) return fail(Errc::wrong_type, ctx, where + " is not a dictionary");
  const bencode::Value* ip = entry.find("ip");
  const bencode::Value* port = entry.find("port");
  if (ip == nullptr) return fail(Errc::missing_field, ctx, where + " has no \"ip\"");
  if (port == nullptr) return fail(Errc::missing_field, ctx, where + " has no \"port\"");
  if (!ip->is_string()) return fail(Errc::wrong_type, ctx, where + " \"ip\" is not a string");
  if (!port->is_int()) return fail(Errc::wrong_type, ctx, where + " \"port\" is not an integer");
  if (port->as_int() < 0 || port->as_int() > 65535)
    return fail(Errc::invalid_value, ctx, where + " \"port\" is not 0-65535");
  auto address = IpAddress::parse(ip->as_string());
  if (!address) {  // a DNS name (BEP 3 allows it) or garbage: not usable without resolving
    ++out.skipped_peers;
    return {};
  }
  AnnouncePeer peer{PeerEndpoint{*address, static_cast<std::uint16_t>(port->as_int())},
                    std::nullopt};
  if (const std::string* id = entry.find_string("peer id")) peer.peer_id = PeerId::from_bytes(*id);
  out.peers.push_back(std::move(peer));
  return {};
}

expected<void, Error> decode_peers(const bencode::Value& dict, std::string_view key,
                                   AddressFamily family, AnnounceResponse& out) {
  constexpr std::string_view ctx = kAnnounceResponse;
  const bencode::Value* v = dict.find(key);
  if (v == nullptr) return {};
  if (v->is_string()) {
    std::vector<PeerEndpoint> endpoints;
    auto r = parse_compact_peers(v->as_string(), family, endpoints);
    if (!r)
      return fail(Errc::invalid_value, ctx,
                  "compact \"" + std::string(key) + "\": " + r.error().what);
    out.peers.reserve(out.peers.size() + endpoints.size());
    for (const auto& e : endpoints) out.peers.push_back(AnnouncePeer{e, std::nullopt});
    return {};
  }
  if (v->is_list()) {
    for (const auto& entry : v->as_list()) {
      auto r = decode_peer_dict(entry, key, out);
      if (!r) return r;
    }
    return {};
  }
  return fail(Errc::wrong_type, ctx,
              "\"" + std::string(key) + "\" is neither a compact string nor a list");
}

// Writes a bencoded string of `count` compact entries of `family` without building it first:
// this is the tracker's hot path, and bencode's "<length>:" prefix is trivial.
void write_compact_peers(std::string& out, const std::vector<AnnouncePeer>& peers,
                         AddressFamily family, std::size_t count) {
  const std::size_t step = family == AddressFamily::v4 ? kCompactPeerSizeV4 : kCompactPeerSizeV6;
  out += std::to_string(count * step);
  out.push_back(':');
  for (const auto& p : peers)
    if (p.endpoint.address.family() == family) append_compact(out, p.endpoint);
}

}  // namespace

// ---- announce request ---------------------------------------------------------------------------

expected<AnnounceRequest, Error> parse_announce_query(std::string_view query) {
  AnnounceRequest r;
  std::uint32_t seen = 0;
  auto status = for_each_param(
      query, kAnnounceQuery, [&](const Param& p, std::string_view name) -> expected<void, Error> {
        const Field field = announce_field(name);
        if (field == f_unknown) return {};
        const std::uint32_t bit = 1u << field;
        if (seen & bit) {
          if (field == f_info_hash)
            return fail(Errc::inconsistent, kAnnounceQuery, "info_hash given more than once",
                        p.offset);
          return {};  // first occurrence wins
        }
        seen |= bit;
        return apply_announce_param(r, field, p, name);
      });
  if (!status) return unexpected<Error>(std::move(status).error());
  if (!(seen & (1u << f_info_hash)))
    return fail(Errc::missing_field, kAnnounceQuery, "no info_hash parameter");
  if (!(seen & (1u << f_peer_id)))
    return fail(Errc::missing_field, kAnnounceQuery, "no peer_id parameter");
  if (!(seen & (1u << f_port)))
    return fail(Errc::missing_field, kAnnounceQuery, "no port parameter");
  return r;
}

std::string encode_announce_query(const AnnounceRequest& r) {
  std::string out;
  out.reserve(320);
  append_param(out, "info_hash", r.info_hash.view());
  append_param(out, "peer_id", r.peer_id.view());
  append_number(out, "port", r.port);
  append_number(out, "uploaded", r.uploaded);
  append_number(out, "downloaded", r.downloaded);
  if (r.left) append_number(out, "left", *r.left);
  if (r.corrupt) append_number(out, "corrupt", *r.corrupt);
  if (r.key) append_param(out, "key", *r.key);
  if (r.event != AnnounceEvent::none) append_param(out, "event", to_string(r.event));
  if (r.numwant) append_number(out, "numwant", *r.numwant);
  append_number(out, "compact", r.compact ? 1 : 0);
  if (r.no_peer_id) append_number(out, "no_peer_id", 1);
  if (r.support_crypto) append_number(out, "supportcrypto", 1);
  if (r.require_crypto) append_number(out, "requirecrypto", 1);
  if (r.redundant) append_number(out, "redundant", *r.redundant);
  if (r.tracker_id) append_param(out, "trackerid", *r.tracker_id);
  if (r.passkey) append_param(out, "passkey", *r.passkey);
  if (r.ip) append_param(out, "ip", r.ip->to_string());
  if (r.ipv4) append_param(out, "ipv4", r.ipv4->to_string());
  if (r.ipv6) append_param(out, "ipv6", r.ipv6->to_string());
  return out;
}

// ---- scrape request -----------------------------------------------------------------------------

expected<ScrapeRequest, Error> parse_scrape_query(std::string_view query) {
  ScrapeRequest r;
  auto status = for_each_param(
      query, kScrapeQuery, [&](const Param& p, std::string_view name) -> expected<void, Error> {
        if (name == "info_hash") {
          if (r.info_hashes.size() == kMaxScrapeInfoHashes)
            return fail(Errc::limit_exceeded, kScrapeQuery,
                        "more than " + std::to_string(kMaxScrapeInfoHashes) + " info_hash values",
                        p.offset);
          auto h = decode_20_bytes(p, name, kScrapeQuery);
          if (!h) return unexpected<Error>(std::move(h).error());
          r.info_hashes.push_back(*h);
        } else if (name == "passkey" && !r.passkey) {
          auto t = decode_text(p, name, kMaxPasskeyLength, kScrapeQuery);
          if (!t) return unexpected<Error>(std::move(t).error());
          r.passkey = std::move(*t);
        }
        return {};
      });
  if (!status) return unexpected<Error>(std::move(status).error());
  return r;
}

std::string encode_scrape_query(const ScrapeRequest& r) {
  std::string out;
  out.reserve(r.info_hashes.size() * 71 + 16);
  for (const auto& h : r.info_hashes) append_param(out, "info_hash", h.view());
  if (r.passkey) append_param(out, "passkey", *r.passkey);
  return out;
}

// ---- announce response --------------------------------------------------------------------------

namespace {

void encode_failure(std::string& out, const AnnounceResponse& r) {
  bencode::Writer w(out);
  w.begin_dict();
  w.key("failure reason").string(*r.failure_reason);
  if (r.retry_in) {
    w.key("retry in");
    if (*r.retry_in == kRetryNever) w.string("never");
    else w.integer(*r.retry_in);
  }
  w.end();
}

// A success body; `write_peers(w)` writes the "peers" (and "peers6") entries, which sort between
// "min interval" and "tracker id".
template <class WritePeers>
void encode_success(std::string& out, const AnnounceResponse& r, WritePeers write_peers) {
  bencode::Writer w(out);
  w.begin_dict();
  // Keys in raw byte order (BEP 3).
  if (r.complete) w.key("complete").integer(*r.complete);
  if (r.downloaded) w.key("downloaded").integer(*r.downloaded);
  if (r.external_ip) w.key("external ip").string(r.external_ip->bytes());
  if (r.incomplete) w.key("incomplete").integer(*r.incomplete);
  w.key("interval").integer(r.interval);
  if (r.min_interval) w.key("min interval").integer(*r.min_interval);
  write_peers(w);
  if (r.tracker_id) w.key("tracker id").string(*r.tracker_id);
  if (r.warning_message) w.key("warning message").string(*r.warning_message);
  w.end();
}

}  // namespace

void encode_announce_response(std::string& out, const AnnounceResponse& r, PeerListFormat format) {
  if (r.failure_reason) return encode_failure(out, r);
  encode_success(out, r, [&](bencode::Writer& w) {
    if (format == PeerListFormat::compact) {
      const auto v6_count = static_cast<std::size_t>(std::count_if(
          r.peers.begin(), r.peers.end(), [](const AnnouncePeer& p) { return p.endpoint.is_v6(); }));
      w.key("peers");
      write_compact_peers(out, r.peers, AddressFamily::v4, r.peers.size() - v6_count);
      if (v6_count > 0) {
        w.key("peers6");
        write_compact_peers(out, r.peers, AddressFamily::v6, v6_count);
      }
      return;
    }
    w.key("peers").begin_list();
    for (const auto& p : r.peers) {
      w.begin_dict();
      w.key("ip").string(p.endpoint.address.to_string());
      if (p.peer_id) w.key("peer id").string(p.peer_id->view());
      w.key("port").integer(p.endpoint.port);
      w.end();
    }
    w.end();
  });
}

void encode_compact_announce_response(std::string& out, const AnnounceResponse& r,
                                      std::string_view compact_v4, std::string_view compact_v6) {
  if (r.failure_reason) return encode_failure(out, r);
  encode_success(out, r, [&](bencode::Writer& w) {
    w.key("peers").string(compact_v4);
    if (!compact_v6.empty()) w.key("peers6").string(compact_v6);
  });
}

std::string encode_announce_response(const AnnounceResponse& r, PeerListFormat format) {
  std::string out;
  out.reserve(96 + r.peers.size() * (format == PeerListFormat::compact ? 18 : 64));
  encode_announce_response(out, r, format);
  return out;
}

expected<AnnounceResponse, Error> decode_announce_response(std::string_view body) {
  constexpr std::string_view ctx = kAnnounceResponse;
  auto doc = decode_body(body, kMaxAnnounceResponseSize, ctx);
  if (!doc) return unexpected<Error>(std::move(doc).error());
  const bencode::Value& d = *doc;
  AnnounceResponse r;

  if (const bencode::Value* failure = d.find("failure reason")) {
    if (!failure->is_string())
      return fail(Errc::wrong_type, ctx, "\"failure reason\" is not a string");
    r.failure_reason = failure->as_string();
    if (const bencode::Value* retry = d.find("retry in")) {
      if (retry->is_int() && retry->as_int() >= 0) r.retry_in = retry->as_int();
      else if (retry->is_string() && retry->as_string() == "never") r.retry_in = kRetryNever;
    }
    return r;
  }

  auto warning = find_text(d, "warning message", ctx);
  if (!warning) return unexpected<Error>(std::move(warning).error());
  r.warning_message = std::move(*warning);
  auto tracker_id = find_text(d, "tracker id", ctx);
  if (!tracker_id) return unexpected<Error>(std::move(tracker_id).error());
  r.tracker_id = std::move(*tracker_id);

  auto interval = find_count(d, "interval", ctx);
  if (!interval) return unexpected<Error>(std::move(interval).error());
  r.interval = interval->value_or(kDefaultAnnounceInterval);
  struct Optional {
    std::string_view key;
    std::optional<std::int64_t>* field;
  };
  for (const Optional& o : {Optional{"min interval", &r.min_interval},
                            Optional{"complete", &r.complete},
                            Optional{"incomplete", &r.incomplete},
                            Optional{"downloaded", &r.downloaded}}) {
    auto v = find_count(d, o.key, ctx);
    if (!v) return unexpected<Error>(std::move(v).error());
    *o.field = *v;
  }

  auto external = find_text(d, "external ip", ctx);
  if (!external) return unexpected<Error>(std::move(external).error());
  if (*external) {
    r.external_ip = IpAddress::from_bytes(**external);
    if (!r.external_ip)
      return fail(Errc::invalid_value, ctx, "\"external ip\" is not 4 or 16 bytes");
  }

  auto v4 = decode_peers(d, "peers", AddressFamily::v4, r);
  if (!v4) return unexpected<Error>(std::move(v4).error());
  auto v6 = decode_peers(d, "peers6", AddressFamily::v6, r);
  if (!v6) return unexpected<Error>(std::move(v6).error());
  return r;
}

// ---- scrape response ----------------------------------------------------------------------------

void encode_scrape_response(std::string& out, const ScrapeResponse& r) {
  bencode::Writer w(out);
  w.begin_dict();
  if (r.failure_reason) {
    w.key("failure reason").string(*r.failure_reason);
    w.end();
    return;
  }
  w.key("files").begin_dict();
  for (const auto& [hash, stats] : r.files) {  // std::map: raw byte order
    w.key(hash.view()).begin_dict();
    w.key("complete").integer(stats.complete);
    w.key("downloaded").integer(stats.downloaded);
    w.key("incomplete").integer(stats.incomplete);
    if (stats.name) w.key("name").string(*stats.name);
    w.end();
  }
  w.end();
  if (r.min_request_interval) {
    w.key("flags").begin_dict();
    w.key("min_request_interval").integer(*r.min_request_interval);
    w.end();
  }
  w.end();
}

std::string encode_scrape_response(const ScrapeResponse& r) {
  std::string out;
  out.reserve(32 + r.files.size() * 80);
  encode_scrape_response(out, r);
  return out;
}

expected<ScrapeResponse, Error> decode_scrape_response(std::string_view body) {
  constexpr std::string_view ctx = kScrapeResponse;
  auto doc = decode_body(body, kMaxScrapeResponseSize, ctx);
  if (!doc) return unexpected<Error>(std::move(doc).error());
  const bencode::Value& d = *doc;
  ScrapeResponse r;

  auto failure = find_text(d, "failure reason", ctx);
  if (!failure) return unexpected<Error>(std::move(failure).error());
  if (*failure) {
    r.failure_reason = std::move(*failure);
    return r;
  }

  const bencode::Value* files = d.find("files");
  if (files == nullptr) return fail(Errc::missing_field, ctx, "no \"files\" dictionary");
  if (!files->is_dict()) return fail(Errc::wrong_type, ctx, "\"files\" is not a dictionary");
  for (const auto& [key, value] : files->as_dict()) {
    auto hash = Sha1Digest::from_bytes(key);
    if (!hash)
      return fail(Errc::invalid_value, ctx,
                  "\"files\" key of " + std::to_string(key.size()) + " bytes, expected 20");
    if (!value.is_dict())
      return fail(Errc::wrong_type, ctx, "\"files\" entry " + hash->hex() + " is not a dictionary");
    ScrapeStats s;
    struct CountField {
      std::string_view key;
      std::int64_t* field;
    };
    for (const CountField& c : {CountField{"complete", &s.complete},
                                CountField{"incomplete", &s.incomplete},
                                CountField{"downloaded", &s.downloaded}}) {
      auto v = find_count(value, c.key, ctx);
      if (!v) return unexpected<Error>(std::move(v).error());
      *c.field = v->value_or(0);
    }
    auto name = find_text(value, "name", ctx);
    if (!name) return unexpected<Error>(std::move(name).error());
    s.name = std::move(*name);
    r.files.emplace(*hash, std::move(s));
  }

  if (const bencode::Value* flags = d.find("flags")) {
    if (!flags->is_dict()) return fail(Errc::wrong_type, ctx, "\"flags\" is not a dictionary");
    auto v = find_count(*flags, "min_request_interval", ctx);
    if (!v) return unexpected<Error>(std::move(v).error());
    r.min_request_interval = *v;
  }
  return r;
}

}  // namespace shoal
