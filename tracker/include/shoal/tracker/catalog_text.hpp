#pragma once
// Text hygiene for the torrent catalog: what goes into the catalog (names, file paths,
// descriptions from .torrent files and scraped metadata) and what comes out of it (JSON, RSS,
// Torznab XML) must be valid UTF-8 without control characters. Torrent names are byte strings
// (metainfo.hpp) and scraped data is anything, so the catalog cleans text once, when it is stored,
// and the XML writers clean it again (catalog_feeds.hpp), so that no path can emit invalid XML.
//
//   clean_catalog_text("Big\x01Show\xff", CatalogTextMode::single_line)  // "Big Show\uFFFD"
//
// Pure functions, no allocation beyond the result.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace shoal::tracker {

enum class CatalogTextMode {
  single_line,  ///< names, paths, tags: every control character becomes a space, then trimmed
  multi_line,   ///< descriptions: '\t' and '\n' kept, "\r\n" and '\r' become '\n'
};

/// Decodes one UTF-8 sequence at `pos`: returns the code point and sets `length` (1..4), or
/// returns -1 with `length` = 1 for an invalid, overlong, surrogate or truncated sequence.
std::int32_t decode_utf8(std::string_view text, std::size_t pos, std::size_t& length) noexcept;

/// Appends code point `cp` (a Unicode scalar value) as UTF-8.
void append_utf8(std::string& out, std::int32_t cp);

/// Valid UTF-8 of `text`: each invalid byte becomes U+FFFD; C0 controls, DEL and C1 controls
/// (U+0080..U+009F) are handled per `mode`; the noncharacters U+FFFE and U+FFFF (not allowed in
/// XML 1.0) are dropped. The result holds only characters that XML 1.0 allows.
std::string clean_catalog_text(std::string_view text, CatalogTextMode mode);

}  // namespace shoal::tracker
