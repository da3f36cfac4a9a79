// The catalog's search query parser (see catalog_query.hpp).

#include "shoal/tracker/catalog_query.hpp"

#include <cstdint>

#include "shoal/tracker/catalog_text.hpp"

namespace shoal::tracker {

namespace {

bool is_token_code_point(std::int32_t cp) {
  if (cp < 0) return false;
  if (cp < 0x80)
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  if (cp <= 0xbf || cp == 0xd7 || cp == 0xf7) return false;
  if (cp >= 0x2000 && cp <= 0x2bff) return false;
  if (cp >= 0x3000 && cp <= 0x303f) return false;
  if (cp >= 0xfe30 && cp <= 0xfe4f) return false;
  if (cp >= 0xff00 && cp <= 0xff0f) return false;
  if (cp == 0xfffe || cp == 0xffff) return false;
  return true;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Calls on_term(term, followed_by_star) for each run of token characters of `text`.
template <class OnTerm>
void for_each_term(std::string_view text, OnTerm&& on_term) {
  std::string term;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t length = 1;
    const std::int32_t cp = decode_utf8(text, pos, length);
    if (is_token_code_point(cp)) {
      for (std::size_t i = 0; i < length; ++i) term += ascii_lower(text[pos + i]);
    } else if (!term.empty()) {
      if (!on_term(term, cp == '*')) return;
      term.clear();
    }
    pos += length;
  }
  if (!term.empty()) on_term(term, false);
}

// Cuts `term` to at most `max` bytes without splitting a UTF-8 sequence (the term is valid UTF-8).
void truncate_utf8(std::string& term, std::size_t max) {
  if (term.size() <= max) return;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<std::uint8_t>(term[cut]) & 0xc0) == 0x80) --cut;
  term.resize(cut);
}

}  // namespace

CatalogQuery parse_catalog_query(std::string_view text) {
  CatalogQuery q;
  if (text.size() > kMaxCatalogQueryBytes) text = text.substr(0, kMaxCatalogQueryBytes);
  for_each_term(text, [&](std::string& term, bool star) {
    truncate_utf8(term, kMaxCatalogTermBytes);
    if (term.empty()) return true;
    CatalogQueryTerm t;
    t.prefix = star && term.size() >= kMinCatalogPrefixBytes;
    t.text = term;
    if (!q.match.empty()) {
      q.match += ' ';
      q.key += ' ';
    }
    // Token characters never include '"', so quoting needs no escaping.
    q.match += '"';
    q.match += t.text;
    q.match += '"';
    if (t.prefix) q.match += '*';
    q.key += t.text;
    q.terms.push_back(std::move(t));
    return q.terms.size() < kMaxCatalogQueryTerms;
  });
  return q;
}

std::string catalog_search_key(std::string_view text) {
  std::string key;
  for_each_term(text, [&](const std::string& term, bool) {
    if (!key.empty()) key += ' ';
    key += term;
    return true;
  });
  return key;
}

}  // namespace shoal::tracker
