#include "shoal/proto/magnet.hpp"

#include <algorithm>
#include <charconv>
#include <unordered_set>
#include <utility>

#include "shoal/proto/encoding.hpp"
#include "shoal/proto/peer_endpoint.hpp"

namespace shoal {

namespace {

constexpr std::string_view kContext = "magnet";
constexpr std::string_view kScheme = "magnet:?";
constexpr std::string_view kBtihPrefix = "urn:btih:";
constexpr std::string_view kBtmhPrefix = "urn:btmh:";
constexpr std::uint8_t kMultihashSha256 = 0x12;
constexpr std::uint8_t kSha256Length = 0x20;
constexpr std::size_t kMaxHostnameLength = 253;  // RFC 1035's limit on a full DNS name

char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// `lower_prefix` must be lower case; the text may be in any case.
bool starts_with_icase(std::string_view text, std::string_view lower_prefix) noexcept {
  if (text.size() < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i)
    if (ascii_lower(text[i]) != lower_prefix[i]) return false;
  return true;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

bool is_hex_digit(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

bool is_hostname_char(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
         c == '-' || c == '_';
}


/// Digits only, no sign, no overflow.
std::optional<std::uint64_t> parse_decimal(std::string_view s) noexcept {
  if (!all_digits(s)) return std::nullopt;
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

/// `tr.1` -> `tr`; a name whose last '.' is not followed by digits only is returned unchanged
/// (so `x.pe` stays `x.pe` while `x.pe.2` becomes `x.pe`).
std::string_view strip_index(std::string_view name) noexcept {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || !all_digits(name.substr(dot + 1))) return name;
  return name.substr(0, dot);
}

// percent_decode only says *that* an escape is malformed; the error should say where.
std::size_t bad_escape_offset(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '%' &&
        (i + 2 >= text.size() || !is_hex_digit(text[i + 1]) || !is_hex_digit(text[i + 2])))
      return i;
  return 0;
}

void normalize_ranges(std::vector<FileIndexRange>& ranges) {
  std::sort(ranges.begin(), ranges.end(), [](const FileIndexRange& a, const FileIndexRange& b) {
    return a.first != b.first ? a.first < b.first : a.last < b.last;
  });
  std::vector<FileIndexRange> merged;
  merged.reserve(ranges.size());
  for (const FileIndexRange& r : ranges) {
    if (!merged.empty() &&
        std::uint64_t{r.first} <= std::uint64_t{merged.back().last} + 1) {
      merged.back().last = std::max(merged.back().last, r.last);
    } else {
      merged.push_back(r);
    }
  }
  ranges = std::move(merged);
}

class MagnetParser {
public:
  explicit MagnetParser(std::string_view uri) : m_uri(uri) {}

  expected<MagnetLink, Error> run() {
    if (m_uri.size() > kMaxMagnetUriSize)
      return fail(Errc::limit_exceeded, kContext,
                  "URI is " + std::to_string(m_uri.size()) + " bytes, over the limit of " +
                      std::to_string(kMaxMagnetUriSize),
                  kMaxMagnetUriSize);
    if (!starts_with_icase(m_uri, kScheme))
      return fail(Errc::syntax, kContext, "not a magnet URI (expected \"magnet:?\")", 0);

    std::size_t pos = kScheme.size();
    while (pos <= m_uri.size()) {
      std::size_t end = m_uri.find('&', pos);
      if (end == std::string_view::npos) end = m_uri.size();
      const std::string_view segment = m_uri.substr(pos, end - pos);
      if (!segment.empty()) {
        const std::size_t eq = segment.find('=');
        const std::string_view raw_name = segment.substr(0, eq);
        const std::string_view raw_value =
            eq == std::string_view::npos ? std::string_view{} : segment.substr(eq + 1);
        const std::size_t value_offset = eq == std::string_view::npos ? end : pos + eq + 1;
        auto ok = parameter(raw_name, pos, raw_value, value_offset);
        if (!ok) return unexpected<Error>(std::move(ok.error()));
      }
      if (end == m_uri.size()) break;
      pos = end + 1;
    }

    if (m_link.info_hash.empty())
      return fail(Errc::missing_field, kContext,
                  "no info-hash (an xt=urn:btih: or xt=urn:btmh: parameter)");
    normalize_ranges(m_link.select_only);
    return std::move(m_link);
  }

private:
  expected<std::string, Error> decode(std::string_view raw, std::size_t offset,
                                      bool plus_as_space = false) const {
    auto decoded = percent_decode(raw, plus_as_space);
    if (!decoded)
      return fail(Errc::syntax, kContext, "malformed percent-escape",
                  offset + bad_escape_offset(raw));
    return std::move(*decoded);
  }

  expected<void, Error> parameter(std::string_view raw_name, std::size_t name_offset,
                                  std::string_view raw_value, std::size_t value_offset) {
    auto name = decode(raw_name, name_offset);
    if (!name) return unexpected<Error>(std::move(name.error()));
    const bool plus_as_space = strip_index(*name) == "dn";
    auto value = decode(raw_value, value_offset, plus_as_space);
    if (!value) return unexpected<Error>(std::move(value.error()));

    const std::string_view key = strip_index(*name);
    if (key == "xt") return exact_topic(*name, std::move(*value), value_offset);
    if (key == "dn") {
      if (m_link.display_name.empty()) m_link.display_name = std::move(*value);
      return {};
    }
    if (key == "tr") {
      add_unique(m_link.trackers, m_seen_trackers, std::move(*value));
      return {};
    }
    if (key == "ws") {
      add_unique(m_link.web_seeds, m_seen_web_seeds, std::move(*value));
      return {};
    }
    if (key == "x.pe") return peer(*value, value_offset);
    if (key == "so") return select_only(*value, value_offset);
    if (key == "xl") return exact_length(*value, value_offset);
    m_link.extra.push_back(MagnetParameter{std::move(*name), std::move(*value)});
    return {};
  }

  static void add_unique(std::vector<std::string>& list, std::unordered_set<std::string>& seen,
                         std::string value) {
    if (value.empty() || !seen.insert(value).second) return;
    list.push_back(std::move(value));
  }

  expected<void, Error> exact_topic(const std::string& name, std::string value,
                                    std::size_t offset) {
    const std::string_view v = value;
    if (starts_with_icase(v, kBtihPrefix)) {
      const std::string_view text = v.substr(kBtihPrefix.size());
      std::optional<Sha1Digest> digest;
      if (text.size() == 2 * Sha1Digest::size) {
        digest = Sha1Digest::from_hex(text);
      } else if (text.size() == 32) {
        if (auto raw = base32_decode(text)) digest = Sha1Digest::from_bytes(*raw);
      }
      if (!digest)
        return fail(Errc::invalid_value, kContext,
                    "btih info-hash must be 40 hex or 32 base32 characters", offset);
      if (m_link.info_hash.v1 && *m_link.info_hash.v1 != *digest)
        return fail(Errc::inconsistent, kContext,
                    "two different btih info-hashes (multi-torrent magnet links are not "
                    "supported)",
                    offset);
      m_link.info_hash.v1 = *digest;
      return {};
    }
    if (starts_with_icase(v, kBtmhPrefix)) {
      const auto raw = hex_decode(v.substr(kBtmhPrefix.size()));
      if (!raw || raw->size() < 2)
        return fail(Errc::invalid_value, kContext, "btmh multihash is not hex (\"1220\" + 64 hex)",
                    offset);
      const auto code = static_cast<std::uint8_t>((*raw)[0]);
      const auto length = static_cast<std::uint8_t>((*raw)[1]);
      if (code != kMultihashSha256)
        return fail(Errc::invalid_value, kContext,
                    "btmh multihash function 0x" + hex_encode(raw->substr(0, 1)) +
                        " is not sha2-256 (0x12)",
                    offset);
      if (length != kSha256Length)
        return fail(Errc::invalid_value, kContext,
                    "btmh multihash digest length " + std::to_string(length) +
                        " is not 32 (0x20)",
                    offset);
      if (raw->size() != 2 + Sha256Digest::size)
        return fail(Errc::invalid_value, kContext,
                    "btmh multihash has " + std::to_string(raw->size() - 2) +
                        " digest bytes, expected 32",
                    offset);
      const auto digest = Sha256Digest::from_bytes(std::string_view(*raw).substr(2));
      if (m_link.info_hash.v2 && *m_link.info_hash.v2 != *digest)
        return fail(Errc::inconsistent, kContext,
                    "two different btmh info-hashes (multi-torrent magnet links are not "
                    "supported)",
                    offset);
      m_link.info_hash.v2 = *digest;
      return {};
    }
    // Another URN namespace (sha1, ed2k, ...): meaningless to BitTorrent but not wrong.
    m_link.extra.push_back(MagnetParameter{name, std::move(value)});
    return {};
  }

  expected<void, Error> peer(std::string_view text, std::size_t offset) {
    std::string_view host;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
      const auto close = text.find(']');
      if (close == std::string_view::npos)
        return fail(Errc::invalid_value, kContext, "x.pe IPv6 address has no closing ']'",
                    offset);
      host = text.substr(1, close - 1);
      const std::string_view rest = text.substr(close + 1);
      if (rest.empty() || rest.front() != ':')
        return fail(Errc::invalid_value, kContext, "x.pe peer has no port ([addr]:port)",
                    offset);
      port_text = rest.substr(1);
      const auto address = IpAddress::parse(host);
      if (!address || !address->is_v6())
        return fail(Errc::invalid_value, kContext, "x.pe has an invalid IPv6 address", offset);
    } else {
      const auto colon = text.rfind(':');
      if (colon == std::string_view::npos)
        return fail(Errc::invalid_value, kContext, "x.pe peer has no port (host:port)", offset);
      host = text.substr(0, colon);
      port_text = text.substr(colon + 1);
      if (host.find(':') != std::string_view::npos)
        return fail(Errc::invalid_value, kContext,
                    "x.pe IPv6 address must be in brackets ([addr]:port)", offset);
      if (host.empty() || host.size() > kMaxHostnameLength ||
          !std::all_of(host.begin(), host.end(), is_hostname_char))
        return fail(Errc::invalid_value, kContext,
                    "x.pe host is not an IP address or a DNS name", offset);
    }
    const auto port = port_text.size() <= 5 ? parse_decimal(port_text) : std::nullopt;
    if (!port || *port == 0 || *port > 65535)
      return fail(Errc::invalid_value, kContext, "x.pe port must be a number from 1 to 65535",
                  offset);

    std::string key(host);
    key += ' ';  // cannot occur in a valid host
    key += std::to_string(*port);
    if (m_seen_peers.insert(std::move(key)).second)
      m_link.peers.push_back(MagnetPeer{std::string(host), static_cast<std::uint16_t>(*port)});
    return {};
  }

  expected<std::uint32_t, Error> file_index(std::string_view text, std::size_t offset) const {
    if (!all_digits(text))
      return fail(Errc::syntax, kContext,
                  "so entry is not a file index or a range of them (e.g. 0,2,4-6)", offset);
    const auto index = parse_decimal(text);  // nullopt here only on overflow
    if (!index || *index > kMaxSelectOnlyIndex)
      return fail(Errc::limit_exceeded, kContext,
                  "so file index over the limit of " + std::to_string(kMaxSelectOnlyIndex),
                  offset);
    return static_cast<std::uint32_t>(*index);
  }

  expected<void, Error> select_only(std::string_view text, std::size_t offset) {
    if (text.empty())
      return fail(Errc::syntax, kContext, "so has an empty list", offset);
    std::size_t pos = 0;
    while (true) {
      std::size_t comma = text.find(',', pos);
      if (comma == std::string_view::npos) comma = text.size();
      const std::string_view token = text.substr(pos, comma - pos);
      if (token.empty())
        return fail(Errc::syntax, kContext, "so has an empty entry", offset);
      const auto dash = token.find('-');
      auto first = file_index(token.substr(0, dash), offset);
      if (!first) return unexpected<Error>(std::move(first.error()));
      auto last = dash == std::string_view::npos ? first
                                                 : file_index(token.substr(dash + 1), offset);
      if (!last) return unexpected<Error>(std::move(last.error()));
      if (*first > *last)
        return fail(Errc::invalid_value, kContext,
                    "so range " + std::to_string(*first) + "-" + std::to_string(*last) +
                        " is reversed",
                    offset);
      m_link.select_only.push_back(FileIndexRange{*first, *last});
      if (comma == text.size()) return {};
      pos = comma + 1;
    }
  }

  expected<void, Error> exact_length(std::string_view text, std::size_t offset) {
    const auto length = parse_decimal(text);
    if (!length)
      return fail(Errc::invalid_value, kContext, "xl must be a decimal number of bytes", offset);
    if (m_link.exact_length && *m_link.exact_length != *length)
      return fail(Errc::inconsistent, kContext, "two different xl lengths", offset);
    m_link.exact_length = *length;
    return {};
  }

  std::string_view m_uri;
  MagnetLink m_link;
  std::unordered_set<std::string> m_seen_trackers;
  std::unordered_set<std::string> m_seen_web_seeds;
  std::unordered_set<std::string> m_seen_peers;
};

bool is_unreserved(char c) noexcept {
  return is_hostname_char(c) || c == '~';
}

// x.pe is written without escaping ':' '[' ']' because libtorrent reads it without decoding;
// anything else unusual in a hand-built host is still escaped so it cannot break the URI.
void append_peer(std::string& out, const MagnetPeer& peer) {
  const bool ipv6 = peer.host.find(':') != std::string::npos;
  if (ipv6) out += '[';
  for (char c : peer.host) {
    if (is_unreserved(c) || c == ':') out += c;
    else out += percent_encode(std::string_view(&c, 1));
  }
  if (ipv6) out += ']';
  out += ':';
  out += std::to_string(peer.port);
}

}  // namespace

bool MagnetLink::is_selected(std::uint32_t index) const noexcept {
  if (select_only.empty()) return true;
  auto it = std::upper_bound(select_only.begin(), select_only.end(), index,
                             [](std::uint32_t i, const FileIndexRange& r) { return i < r.first; });
  if (it == select_only.begin()) return false;
  --it;
  return index <= it->last;
}

expected<MagnetLink, Error> parse_magnet(std::string_view uri) { return MagnetParser(uri).run(); }

std::string make_magnet_uri(const MagnetLink& link) {
  std::string out(kScheme);
  bool first = true;
  auto begin_parameter = [&](std::string_view name) {
    if (!first) out += '&';
    first = false;
    out += name;
    out += '=';
  };

  if (link.info_hash.v1) {
    begin_parameter("xt");
    out += kBtihPrefix;
    out += link.info_hash.v1->hex();
  }
  if (link.info_hash.v2) {
    begin_parameter("xt");
    out += kBtmhPrefix;
    out += "1220";
    out += link.info_hash.v2->hex();
  }
  if (!link.display_name.empty()) {
    begin_parameter("dn");
    out += percent_encode(link.display_name);
  }
  if (link.exact_length) {
    begin_parameter("xl");
    out += std::to_string(*link.exact_length);
  }
  for (const std::string& tracker : link.trackers) {
    if (tracker.empty()) continue;
    begin_parameter("tr");
    out += percent_encode(tracker);
  }
  for (const std::string& seed : link.web_seeds) {
    if (seed.empty()) continue;
    begin_parameter("ws");
    out += percent_encode(seed);
  }
  for (const MagnetPeer& peer : link.peers) {
    begin_parameter("x.pe");
    append_peer(out, peer);
  }
  if (!link.select_only.empty()) {
    std::vector<FileIndexRange> ranges = link.select_only;
    normalize_ranges(ranges);
    begin_parameter("so");
    for (std::size_t i = 0; i < ranges.size(); ++i) {
      if (i != 0) out += ',';
      out += std::to_string(ranges[i].first);
      if (ranges[i].last != ranges[i].first) {
        out += '-';
        out += std::to_string(ranges[i].last);
      }
    }
  }
  for (const MagnetParameter& parameter : link.extra) {
    begin_parameter(percent_encode(parameter.name));
    out += percent_encode(parameter.value);
  }
  return out;
}

}  // namespace shoal
