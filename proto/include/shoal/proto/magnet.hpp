#pragma once
// Magnet links (BEP 9, with BEP 52's `btmh` v2 info-hash and BEP 53's `so` select-only): a parser
// that turns a `magnet:?` URI into a MagnetLink, and a builder that writes one back.
//
//   auto m = shoal::parse_magnet(
//       "magnet:?xt=urn:btih:c0fda1edafdbdbb96443424e0b3899af7159d10e&dn=temp"
//       "&tr=udp%3A%2F%2Ftracker.example%3A6969%2Fannounce");
//   if (!m) { std::cerr << m.error().message() << "\n"; return; }  // "magnet: ... at byte N"
//   m->info_hash.v1->hex();   // "c0fda1edafdbdbb96443424e0b3899af7159d10e"
//   m->display_name;          // "temp"
//   m->trackers[0];           // "udp://tracker.example:6969/announce"
//
//   shoal::MagnetLink link;
//   link.info_hash = shoal::InfoHash::from_info_dict(info_bytes, true, true);   // hybrid
//   link.display_name = "My files";
//   link.trackers = {"http://tracker.example/announce"};
//   std::string uri = shoal::make_magnet_uri(link);
//   // "magnet:?xt=urn:btih:<40 hex>&xt=urn:btmh:1220<64 hex>&dn=My%20files"
//   //  "&tr=http%3A%2F%2Ftracker.example%2Fannounce"
//
// What the parser accepts (and the decisions taken where BEP 9 is silent):
// - The scheme `magnet:?` in any letter case. The input is at most kMaxMagnetUriSize bytes.
// - Parameters are separated by '&' only. ';' is not a separator: libtorrent, qBittorrent and
//   Transmission split on '&' alone, and ';' occurs unescaped inside real tracker URLs. Empty
//   parameters ("&&") are skipped; a parameter without '=' has an empty value.
// - Parameter names are case-sensitive (as in libtorrent) and may carry a numeric index suffix
//   (`tr.1`, `xt.2`, `x.pe.3`), which is stripped: the index has no meaning. Names and values are
//   percent-decoded (a malformed escape such as "%4" or "%zz" is an Errc::syntax error at the
//   offset of its '%'). Only in `dn` does '+' stand for a space; in tracker and web-seed URLs a
//   '+' is kept, because there it is a literal character of the URL.
// - `xt=urn:btih:` (the "urn:btih:" prefix in any case) takes 40 hex or 32 base32 characters
//   (any case) for the v1 info-hash; `xt=urn:btmh:` takes a hex multihash that must be
//   sha2-256 (function code 0x12) with a 32-byte digest (length 0x20), i.e. "1220" + 64 hex, for
//   the v2 info-hash. A hybrid link carries both. The same hash may repeat (for example hex and
//   base32 spellings of one btih); two different v1 (or two different v2) hashes are an
//   Errc::inconsistent error: multi-torrent magnets are not supported. An `xt` with another URN
//   namespace (urn:sha1:, urn:ed2k:, ...) is not an error and is kept in `extra`. A link without
//   any btih/btmh is Errc::missing_field.
// - `dn`: the first non-empty one wins. `tr`, `ws`, `x.pe`: repeatable, order of first
//   appearance kept, exact duplicates (after decoding) dropped, empty `tr`/`ws` values skipped.
// - `x.pe`: "host:port" where host is an IPv4 literal or a DNS name ([A-Za-z0-9._-], at most
//   253 characters), or "[IPv6-literal]:port"; port 1..65535. Anything else is an error.
// - `so` (BEP 53): a comma-separated list of file indices and inclusive ranges ("0,2,4-6"),
//   stored as sorted, merged ranges; several `so` parameters are united. Empty entries, reversed
//   ranges and non-digits are errors; an index above kMaxSelectOnlyIndex is Errc::limit_exceeded.
// - `xl`: decimal exact length in bytes; two different `xl` values are Errc::inconsistent.
// - Any other parameter (`kt`, `as`, `xs`, `mt`, `dht`, `x.foo`, ...) is not interpreted but is
//   kept, decoded, in `extra` in its original order, so that a link passed through Shoal loses
//   nothing.
// Every error is an Error with context "magnet" and, where it applies, the byte offset in the
// URI of the offending value (or '%').
//
// What the builder writes (the shape libtorrent 2.0.8's make_magnet_uri writes, so libtorrent
// reads it back): "magnet:?" then `xt=urn:btih:<lower-case hex>`, `xt=urn:btmh:1220<lower-case
// hex>`, `dn`, `xl`, each `tr`, each `ws`, each `x.pe`, `so`, then the `extra` parameters, joined
// by '&'. `dn`, `tr`, `ws` and `extra` names and values are percent-encoded with percent_encode()
// (everything but RFC 3986 unreserved characters, so ':' and '/' in tracker URLs become %3A and
// %2F; libtorrent writes the same escapes in lower case, which decodes identically). `x.pe` and
// `so` are written unescaped ("[::1]:6881", "0,2,4-6") because libtorrent does not percent-decode
// those two values.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/proto/error.hpp"
#include "shoal/proto/info_hash.hpp"

namespace shoal {

/// Longest magnet URI parse_magnet accepts, in bytes. Real links are a few hundred bytes (a
/// long tracker list reaches a few KiB); the cap bounds the work a hostile link can cause.
inline constexpr std::size_t kMaxMagnetUriSize = 64 * 1024;

/// Largest file index a `so` entry may name. No real torrent has a million files; the cap keeps
/// a consumer that expands the ranges into a per-file table from allocating without bound.
inline constexpr std::uint32_t kMaxSelectOnlyIndex = 1'000'000;

/// A peer from an `x.pe` parameter. `host` is an IPv4 literal, a DNS name, or an IPv6 literal
/// *without* its brackets (the builder adds them back whenever host contains ':').
struct MagnetPeer {
  std::string host;
  std::uint16_t port = 0;

  friend bool operator==(const MagnetPeer&, const MagnetPeer&) = default;
};

/// Inclusive range of file indices selected by `so`; a single index i is {i, i}.
struct FileIndexRange {
  std::uint32_t first = 0;
  std::uint32_t last = 0;

  friend bool operator==(const FileIndexRange&, const FileIndexRange&) = default;
};

/// A parameter parse_magnet did not interpret, percent-decoded, with its name as written
/// (index suffix included, e.g. "kt", "x.foo.1", or "xt" for an `xt=urn:sha1:...`).
struct MagnetParameter {
  std::string name;
  std::string value;

  friend bool operator==(const MagnetParameter&, const MagnetParameter&) = default;
};

/// The content of a magnet link. parse_magnet produces it in canonical form: non-empty
/// info_hash, no duplicate trackers/web seeds/peers, `select_only` sorted with overlapping and
/// adjacent ranges merged. For any MagnetLink `m` in that form whose built URI fits
/// kMaxMagnetUriSize, parse_magnet(make_magnet_uri(m)) == m.
struct MagnetLink {
  InfoHash info_hash;                        ///< v1 (btih), v2 (btmh) or both
  std::string display_name;                  ///< `dn`; empty when absent
  std::vector<std::string> trackers;         ///< `tr`, in order
  std::vector<std::string> web_seeds;        ///< `ws` (BEP 19 URLs), in order
  std::vector<MagnetPeer> peers;             ///< `x.pe`, in order
  std::vector<FileIndexRange> select_only;   ///< `so`; empty means every file
  std::optional<std::uint64_t> exact_length; ///< `xl`
  std::vector<MagnetParameter> extra;        ///< parameters not interpreted, in order

  /// Whether file `index` is to be downloaded: true when `select_only` is empty, else whether
  /// one of its ranges contains the index. Requires `select_only` in canonical (sorted) form.
  bool is_selected(std::uint32_t index) const noexcept;

  friend bool operator==(const MagnetLink&, const MagnetLink&) = default;
};

/// Parses a magnet URI by the rules in this header's preamble. Never throws for bad input; the
/// Error says why (Errc::syntax for the scheme or an escape, Errc::invalid_value for a malformed
/// hash, multihash, peer, length or `so` entry, Errc::inconsistent for conflicting hashes or
/// lengths, Errc::missing_field when no btih/btmh is present, Errc::limit_exceeded for a URI over
/// kMaxMagnetUriSize or an `so` index over kMaxSelectOnlyIndex) and where.
expected<MagnetLink, Error> parse_magnet(std::string_view uri);

/// Builds the magnet URI of `link` in the order and encoding described in the preamble.
/// `select_only` is written in canonical form whatever order it is in. Precondition:
/// !link.info_hash.empty() (otherwise the URI has no `xt` and parse_magnet rejects it). The
/// result is not truncated: huge fields can make it longer than kMaxMagnetUriSize.
std::string make_magnet_uri(const MagnetLink& link);

/// The same as make_magnet_uri(link).
inline std::string to_string(const MagnetLink& link) { return make_magnet_uri(link); }

}  // namespace shoal
