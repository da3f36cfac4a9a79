// Text hygiene for the catalog (see catalog_text.hpp).

#include "shoal/tracker/catalog_text.hpp"

namespace shoal::tracker {

std::int32_t decode_utf8(std::string_view text, std::size_t pos, std::size_t& length) noexcept {
  length = 1;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
  const std::uint8_t b0 = byte(pos);
  if (b0 < 0x80) return b0;
  std::size_t n = 0;
  std::int32_t cp = 0;
  std::int32_t min = 0;
  if ((b0 & 0xe0) == 0xc0) {
    n = 2, cp = b0 & 0x1f, min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    n = 3, cp = b0 & 0x0f, min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    n = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (text.size() - pos < n) return -1;
  for (std::size_t i = 1; i < n; ++i) {
    const std::uint8_t b = byte(pos + i);
    if ((b & 0xc0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
  length = n;
  return cp;
}

void append_utf8(std::string& out, std::int32_t cp) {
  const auto u = static_cast<std::uint32_t>(cp);
  if (u < 0x80) {
    out += static_cast<char>(u);
  } else if (u < 0x800) {
    out += static_cast<char>(0xc0 | (u >> 6));
    out += static_cast<char>(0x80 | (u & 0x3f));
  } else if (u < 0x10000) {
    out += static_cast<char>(0xe0 | (u >> 12));
    out += static_cast<char>(0x80 | ((u >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (u & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (u >> 18));
    out += static_cast<char>(0x80 | ((u >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((u >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (u & 0x3f));
  }
}

std::string clean_catalog_text(std::string_view text, CatalogTextMode mode) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t length = 1;
    const std::int32_t cp = decode_utf8(text, pos, length);
    const bool single = mode == CatalogTextMode::single_line;
    if (cp < 0) {
      append_utf8(out, 0xfffd);
    } else if (cp == '\r' && !single) {
      out += '\n';
      if (pos + 1 < text.size() && text[pos + 1] == '\n') ++length;
    } else if ((cp == '\n' || cp == '\t') && !single) {
      out += static_cast<char>(cp);
    } else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
      if (single) out += ' ';  // a control character in a name separates words
    } else if (cp == 0xfffe || cp == 0xffff) {
      // not a character (XML 1.0 refuses it): dropped
    } else {
      out.append(text.substr(pos, length));
    }
    pos += length;
  }
  if (mode == CatalogTextMode::single_line) {
    const auto first = out.find_first_not_of(' ');
    if (first == std::string::npos) return {};
    out.erase(out.find_last_not_of(' ') + 1);
    out.erase(0, first);
  }
  return out;
}

}  // namespace shoal::tracker
