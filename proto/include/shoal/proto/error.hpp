#pragma once
// shoal::Error — the one error type of libshoal_proto's parsers.
//
// Every decoder returns shoal::expected<T, Error>. An Error says what went wrong (a stable
// machine-readable code plus a human sentence) and where: the byte offset into the input at which
// the problem was found (or npos when the error is not tied to one position, e.g. "piece count
// does not match total size").
//
//   auto v = shoal::bencode::decode(bytes);
//   if (!v) std::cerr << v.error().message() << "\n";   // "bencode: leading zero in integer at byte 7"

#include <cstddef>
#include <string>
#include <string_view>

#include "shoal/proto/expected.hpp"

namespace shoal {

/// Stable error categories. Tests and callers branch on these; the text is for humans.
enum class Errc {
  truncated,          ///< input ended before the value/packet was complete
  syntax,             ///< malformed token (bad integer, missing ':' in a string length, ...)
  non_canonical,      ///< valid but not canonical bencode (leading zero, -0, unsorted/duplicate key)
  limit_exceeded,     ///< a named parser limit (depth, tokens, string length, total size) was hit
  trailing_data,      ///< bytes after a complete top-level value
  wrong_type,         ///< a field has the wrong bencode type
  missing_field,      ///< a required field is absent
  invalid_value,      ///< a field has a value outside its allowed range or set
  inconsistent,       ///< fields contradict each other (piece count vs size, v1 vs v2 files)
  unsafe_path,        ///< a file path that could escape the download directory
  unsupported,        ///< well-formed but not something we handle (unknown action, bad version)
};

/// Short name of a code, e.g. "truncated". Never empty.
std::string_view to_string(Errc code) noexcept;

struct Error {
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  Errc code = Errc::syntax;
  std::string what;            ///< e.g. "leading zero in integer"
  std::size_t offset = npos;   ///< byte offset into the input, or npos
  std::string context;         ///< e.g. "bencode", "metainfo", "udp announce"; prefixed in message()

  /// "context: what at byte N" (the offset part only when offset != npos).
  std::string message() const;
};

/// Convenience for `return fail(Errc::syntax, "bencode", "bad integer", pos);`.
inline unexpected<Error> fail(Errc code, std::string_view context, std::string what,
                              std::size_t offset = Error::npos) {
  return unexpected<Error>(Error{code, std::move(what), offset, std::string(context)});
}

}  // namespace shoal
