#pragma once
// A bounded multipart/form-data parser (RFC 7578 over RFC 2046 §5.1): what a browser form sends
// for a file upload (POST /api/v1/torrents with a `torrent` file part and category / tags /
// description fields). Pure functions without I/O; parts point into the caller's body
// (string_view), so the body must outlive them. Safe to fuzz: every input ends in parts or an
// error, in time proportional to the body's size (times the boundary length at worst).
//
//   auto boundary = multipart_boundary(content_type_header);      // from "...; boundary=xyz"
//   if (!boundary) return 400;
//   auto form = parse_multipart_form_data(body, *boundary);
//   if (!form) return ApiReply::error(400, "invalid_multipart", form.error());
//   if (const MultipartPart* file = find_part(*form, "torrent")) use(file->body);
//
// What is accepted (and refused, with a message saying where):
// - The boundary: 1..70 characters of RFC 2046's bchars, not ending in a space; given as a token
//   or a quoted string in the Content-Type's `boundary` parameter (any letter case).
// - A preamble before the first delimiter and an epilogue after the close delimiter are ignored.
//   A delimiter is "--boundary" at the start of the body or after CRLF, followed by optional
//   spaces/tabs and CRLF; the close delimiter is "--boundary--". A missing close delimiter
//   (a truncated body) is an error, as is a part without a CRLF CRLF end of its headers.
// - Part headers: "Name: value" lines (names case-insensitive), at most kMaxMultipartHeaderBytes
//   per part; continuation lines (obsolete folding) are refused. Content-Disposition is required
//   and must be `form-data` with a non-empty `name`; `filename` is optional (filename* of RFC 5987
//   is ignored). Parameter values are tokens or quoted strings with backslash escapes.
// - At most kMaxMultipartParts parts, and no two with the same name (a form field is given once).
// - The part's body is every byte up to the CRLF before the next delimiter, binary included.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/proto/expected.hpp"

namespace shoal::server {

inline constexpr std::size_t kMaxMultipartParts = 16;
inline constexpr std::size_t kMaxMultipartHeaderBytes = 4096;
inline constexpr std::size_t kMaxMultipartBoundaryBytes = 70;

struct MultipartPart {
  std::string name;                     ///< Content-Disposition's `name`
  std::optional<std::string> filename;  ///< Content-Disposition's `filename`, when given
  std::string content_type;             ///< the part's Content-Type, "" when absent
  std::string_view body;                ///< into the parsed body
};

/// The `boundary` parameter of a multipart/form-data Content-Type, or nullopt when the type is
/// not multipart/form-data or the boundary is missing or invalid.
std::optional<std::string> multipart_boundary(std::string_view content_type);

/// Parses `body` by the rules in the header comment. The error says what is wrong and where.
expected<std::vector<MultipartPart>, std::string> parse_multipart_form_data(std::string_view body,
                                                                           std::string_view boundary);

/// The part named `name`, or nullptr.
const MultipartPart* find_part(const std::vector<MultipartPart>& parts, std::string_view name);

}  // namespace shoal::server
