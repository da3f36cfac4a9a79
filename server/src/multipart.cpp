#include "shoal/server/multipart.hpp"
#include "shoal/proto/encoding.hpp"

#include <utility>

namespace shoal::server {

namespace {

constexpr std::string_view kCrlf = "\r\n";

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool boundary_char(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

/// A header value "type; a=b; c=\"d\"": the type (lower-cased, trimmed) and the parameters
/// (names lower-cased). nullopt for an unterminated quoted string or a parameter without '='.
struct HeaderValue {
  std::string type;
  std::vector<std::pair<std::string, std::string>> params;
  const std::string* param(std::string_view name) const {
    for (const auto& [n, v] : params)
      if (n == name) return &v;
    return nullptr;
  }
};

std::optional<HeaderValue> parse_header_value(std::string_view text) {
  HeaderValue out;
  std::size_t i = text.find(';');
  for (char c : trim(text.substr(0, i))) out.type += lower(c);
  while (i != std::string_view::npos && i < text.size()) {
    ++i;  // past ';'
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i >= text.size()) break;
    if (text[i] == ';') continue;
    const std::size_t eq = text.find('=', i);
    if (eq == std::string_view::npos) return std::nullopt;
    std::string name;
    for (char c : trim(text.substr(i, eq - i))) name += lower(c);
    if (name.empty()) return std::nullopt;
    std::size_t j = eq + 1;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
    std::string value;
    if (j < text.size() && text[j] == '"') {
      ++j;
      bool closed = false;
      while (j < text.size()) {
        const char c = text[j++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && j < text.size()) {
          value += text[j++];
        } else {
          value += c;
        }
      }
      if (!closed) return std::nullopt;
      while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
      if (j < text.size() && text[j] != ';') return std::nullopt;  // junk after the quoted string
      i = j;
    } else {
      const std::size_t end = text.find(';', j);
      value = std::string(trim(text.substr(j, end == std::string_view::npos ? text.npos : end - j)));
      i = end;
    }
    out.params.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

bool valid_boundary(std::string_view b) {
  if (b.empty() || b.size() > kMaxMultipartBoundaryBytes || b.back() == ' ') return false;
  for (char c : b)
    if (!boundary_char(c)) return false;
  return true;
}

std::string at(std::size_t offset) { return " at byte " + std::to_string(offset); }

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  auto v = parse_header_value(content_type);
  if (!v || v->type != "multipart/form-data") return std::nullopt;
  const std::string* b = v->param("boundary");
  if (!b || !valid_boundary(*b)) return std::nullopt;
  return *b;
}

expected<std::vector<MultipartPart>, std::string> parse_multipart_form_data(std::string_view body,
                                                                           std::string_view boundary) {
  using Error = unexpected<std::string>;
  if (!valid_boundary(boundary)) return Error("multipart: invalid boundary");
  const std::string delim = "--" + std::string(boundary);
  const std::string next_delim = std::string(kCrlf) + delim;

  std::size_t pos = 0;
  if (!body.starts_with(delim)) {
    const auto first = body.find(next_delim);
    if (first == std::string_view::npos) return Error("multipart: no boundary delimiter in the body");
    pos = first + kCrlf.size();
  }
  std::vector<MultipartPart> parts;
  for (;;) {
    // `pos` is at a delimiter.
    std::size_t p = pos + delim.size();
    if (body.substr(p, 2) == "--") return parts;  // the close delimiter; the epilogue is ignored
    while (p < body.size() && (body[p] == ' ' || body[p] == '\t')) ++p;
    if (body.substr(p, 2) != kCrlf) return Error("multipart: a delimiter must end its line" + at(p));
    p += 2;
    if (parts.size() == kMaxMultipartParts)
      return Error("multipart: more than " + std::to_string(kMaxMultipartParts) + " parts");

    // Headers, up to an empty line.
    std::string_view headers;
    std::size_t content = 0;
    if (body.substr(p, 2) == kCrlf) {
      content = p + 2;
    } else {
      const std::string_view window = body.substr(p, kMaxMultipartHeaderBytes + 4);
      const auto end = window.find("\r\n\r\n");
      if (end == std::string_view::npos)
        return Error(window.size() > kMaxMultipartHeaderBytes
                         ? "multipart: part headers over " + std::to_string(kMaxMultipartHeaderBytes) + " bytes" + at(p)
                         : "multipart: part headers not terminated (truncated body?)" + at(p));
      headers = window.substr(0, end);
      content = p + end + 4;
    }
    MultipartPart part;
    bool disposition = false;
    while (!headers.empty()) {
      const auto eol = headers.find(kCrlf);
      const std::string_view line = headers.substr(0, eol);
      headers = eol == std::string_view::npos ? std::string_view{} : headers.substr(eol + 2);
      if (line.empty()) continue;
      if (line.front() == ' ' || line.front() == '\t')
        return Error("multipart: folded header lines are not accepted");
      const auto colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0)
        return Error("multipart: a header line without a name");
      const std::string_view name = trim(line.substr(0, colon));
      const std::string_view value = trim(line.substr(colon + 1));
      if (ascii_iequals(name, "Content-Disposition")) {
        if (disposition) return Error("multipart: two Content-Disposition headers in one part");
        disposition = true;
        auto v = parse_header_value(value);
        if (!v || v->type != "form-data")
          return Error("multipart: Content-Disposition must be form-data with quoted parameters");
        const std::string* n = v->param("name");
        if (!n || n->empty()) return Error("multipart: a part without a name");
        part.name = *n;
        if (const std::string* f = v->param("filename")) part.filename = *f;
      } else if (ascii_iequals(name, "Content-Type")) {
        part.content_type = std::string(value);
      }
    }
    if (!disposition) return Error("multipart: a part without Content-Disposition");
    if (find_part(parts, part.name)) return Error("multipart: field '" + part.name + "' given twice");

    const auto end = body.find(next_delim, content);
    if (end == std::string_view::npos)
      return Error("multipart: part '" + part.name + "' is not closed (truncated body?)");
    part.body = body.substr(content, end - content);
    parts.push_back(std::move(part));
    pos = end + kCrlf.size();
  }
}

const MultipartPart* find_part(const std::vector<MultipartPart>& parts, std::string_view name) {
  for (const auto& p : parts)
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace shoal::server
