#include "shoal/proto/bencode.hpp"

#include <charconv>
#include <limits>

namespace shoal::bencode {

namespace {

constexpr std::string_view kContext = "bencode";

// Recursive descent; recursion depth is bounded by Limits::max_depth, so the stack is too.
// When `out` is null the value is only validated (value_end, raw_dict_value).
class Parser {
public:
  Parser(std::string_view in, Mode mode, const Limits& limits)
      : m_in(in), m_mode(mode), m_limits(limits) {}

  expected<void, Error> parse(std::size_t& pos, Value* out, std::size_t depth) {
    if (pos >= m_in.size()) return fail(Errc::truncated, kContext, "unexpected end of input", pos);
    if (++m_tokens > m_limits.max_tokens)
      return fail(Errc::limit_exceeded, kContext,
                  "more than " + std::to_string(m_limits.max_tokens) + " tokens", pos);
    const char c = m_in[pos];
    if (c == 'i') return parse_int(pos, out);
    if (c >= '0' && c <= '9') return parse_string(pos, out);
    if (c == 'l' || c == 'd') {
      if (depth + 1 > m_limits.max_depth)
        return fail(Errc::limit_exceeded, kContext,
                    "nesting deeper than " + std::to_string(m_limits.max_depth), pos);
      return c == 'l' ? parse_list(pos, out, depth + 1) : parse_dict(pos, out, depth + 1);
    }
    if (c == '-') return fail(Errc::syntax, kContext, "negative string length", pos);
    return fail(Errc::syntax, kContext,
                std::string("unexpected character '") + printable(c) + "'", pos);
  }

  // Parses a string token and returns a view of its bytes (no copy).
  expected<std::string_view, Error> parse_string_view(std::size_t& pos) {
    const std::size_t start = pos;
    std::size_t len = 0;
    std::size_t digits = 0;
    while (pos < m_in.size() && m_in[pos] >= '0' && m_in[pos] <= '9') {
      const auto d = static_cast<std::size_t>(m_in[pos] - '0');
      if (len > (std::numeric_limits<std::size_t>::max() - d) / 10) {
        return fail(Errc::limit_exceeded, kContext, "string length overflows", start);
      }
      len = len * 10 + d;
      ++digits;
      ++pos;
    }
    if (pos >= m_in.size()) return fail(Errc::truncated, kContext, "unterminated string length", start);
    if (digits == 0) return fail(Errc::syntax, kContext, "expected string length", start);
    if (m_in[pos] != ':') return fail(Errc::syntax, kContext, "expected ':' after string length", pos);
    if (m_mode == Mode::strict && digits > 1 && m_in[start] == '0')
      return fail(Errc::non_canonical, kContext, "leading zero in string length", start);
    ++pos;  // ':'
    if (len > m_limits.max_string_length)
      return fail(Errc::limit_exceeded, kContext,
                  "string of " + std::to_string(len) + " bytes exceeds limit of " +
                      std::to_string(m_limits.max_string_length),
                  start);
    if (len > m_in.size() - pos)
      return fail(Errc::truncated, kContext,
                  "string of " + std::to_string(len) + " bytes runs past end of input", start);
    std::string_view s = m_in.substr(pos, len);
    pos += len;
    return s;
  }

private:
  static std::string printable(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) return std::string(1, c);
    static constexpr char hex[] = "0123456789abcdef";
    return std::string("\\x") + hex[u >> 4] + hex[u & 15];
  }

  expected<void, Error> parse_int(std::size_t& pos, Value* out) {
    const std::size_t start = pos;
    ++pos;  // 'i'
    const std::size_t end = m_in.find('e', pos);
    if (end == std::string_view::npos) return fail(Errc::truncated, kContext, "unterminated integer", start);
    std::string_view digits = m_in.substr(pos, end - pos);
    const bool negative = !digits.empty() && digits.front() == '-';
    std::string_view magnitude = negative ? digits.substr(1) : digits;
    if (magnitude.empty()) return fail(Errc::syntax, kContext, "empty integer", start);
    for (std::size_t i = 0; i < magnitude.size(); ++i) {
      if (magnitude[i] < '0' || magnitude[i] > '9')
        return fail(Errc::syntax, kContext, "invalid character in integer",
                    pos + (negative ? 1 : 0) + i);
    }
    if (m_mode == Mode::strict) {
      if (magnitude.size() > 1 && magnitude.front() == '0')
        return fail(Errc::non_canonical, kContext, "leading zero in integer", start);
      if (negative && magnitude == "0") return fail(Errc::non_canonical, kContext, "negative zero", start);
    }
    Integer value = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || ptr != digits.data() + digits.size())
      return fail(Errc::limit_exceeded, kContext, "integer out of 64-bit range", start);
    pos = end + 1;
    if (out) *out = Value(value);
    return {};
  }

  expected<void, Error> parse_string(std::size_t& pos, Value* out) {
    auto s = parse_string_view(pos);
    if (!s) return unexpected<Error>(std::move(s.error()));
    if (out) *out = Value(std::string(*s));
    return {};
  }

  expected<void, Error> parse_list(std::size_t& pos, Value* out, std::size_t depth) {
    const std::size_t start = pos;
    ++pos;  // 'l'
    List list;
    while (true) {
      if (pos >= m_in.size()) return fail(Errc::truncated, kContext, "unterminated list", start);
      if (m_in[pos] == 'e') break;
      Value item;
      auto r = parse(pos, out ? &item : nullptr, depth);
      if (!r) return r;
      if (out) list.push_back(std::move(item));
    }
    ++pos;  // 'e'
    if (out) *out = Value(std::move(list));
    return {};
  }

  expected<void, Error> parse_dict(std::size_t& pos, Value* out, std::size_t depth) {
    const std::size_t start = pos;
    ++pos;  // 'd'
    Dict dict;
    std::string_view previous_key;
    bool have_previous = false;
    while (true) {
      if (pos >= m_in.size()) return fail(Errc::truncated, kContext, "unterminated dictionary", start);
      if (m_in[pos] == 'e') break;
      const std::size_t key_pos = pos;
      if (m_in[pos] < '0' || m_in[pos] > '9')
        return fail(Errc::wrong_type, kContext, "dictionary key is not a string", pos);
      if (++m_tokens > m_limits.max_tokens)
        return fail(Errc::limit_exceeded, kContext,
                    "more than " + std::to_string(m_limits.max_tokens) + " tokens", pos);
      auto key = parse_string_view(pos);
      if (!key) return unexpected<Error>(std::move(key.error()));
      if (m_mode == Mode::strict && have_previous) {
        if (*key == previous_key)
          return fail(Errc::non_canonical, kContext, "duplicate dictionary key", key_pos);
        if (*key < previous_key)
          return fail(Errc::non_canonical, kContext, "dictionary keys not sorted", key_pos);
      }
      previous_key = *key;
      have_previous = true;
      if (pos >= m_in.size())
        return fail(Errc::truncated, kContext, "dictionary key without a value", key_pos);
      Value item;
      auto r = parse(pos, out ? &item : nullptr, depth);
      if (!r) return r;
      // Lenient mode: the first of duplicate keys wins (std::map::emplace keeps the existing one).
      if (out) dict.emplace(std::string(*key), std::move(item));
    }
    ++pos;  // 'e'
    if (out) *out = Value(std::move(dict));
    return {};
  }

  std::string_view m_in;
  Mode m_mode;
  const Limits& m_limits;
  std::size_t m_tokens = 0;
};

expected<void, Error> check_size(std::string_view input, const Limits& limits) {
  if (input.size() > limits.max_total_size)
    return fail(Errc::limit_exceeded, kContext,
                "input of " + std::to_string(input.size()) + " bytes exceeds limit of " +
                    std::to_string(limits.max_total_size),
                0);
  return {};
}

void append_decimal(std::string& out, Integer i) {
  char buf[24];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, i);
  (void)ec;
  out.append(buf, ptr);
}

}  // namespace

const Value* Value::find(std::string_view key) const {
  if (!is_dict()) return nullptr;
  const Dict& d = as_dict();
  auto it = d.find(key);
  return it == d.end() ? nullptr : &it->second;
}
const Integer* Value::find_int(std::string_view key) const {
  const Value* v = find(key);
  return v && v->is_int() ? &std::get<Integer>(v->m_v) : nullptr;
}
const std::string* Value::find_string(std::string_view key) const {
  const Value* v = find(key);
  return v && v->is_string() ? &v->as_string() : nullptr;
}
const List* Value::find_list(std::string_view key) const {
  const Value* v = find(key);
  return v && v->is_list() ? &v->as_list() : nullptr;
}
const Dict* Value::find_dict(std::string_view key) const {
  const Value* v = find(key);
  return v && v->is_dict() ? &v->as_dict() : nullptr;
}

expected<Value, Error> decode(std::string_view input, Mode mode, const Limits& limits) {
  if (auto r = check_size(input, limits); !r) return unexpected<Error>(std::move(r.error()));
  if (input.empty()) return fail(Errc::truncated, kContext, "empty input", 0);
  Parser parser(input, mode, limits);
  std::size_t pos = 0;
  Value out;
  if (auto r = parser.parse(pos, &out, 0); !r) return unexpected<Error>(std::move(r.error()));
  if (pos != input.size())
    return fail(Errc::trailing_data, kContext,
                std::to_string(input.size() - pos) + " bytes after the end of the value", pos);
  return out;
}

expected<std::size_t, Error> value_end(std::string_view input, std::size_t pos, Mode mode,
                                       const Limits& limits) {
  if (auto r = check_size(input, limits); !r) return unexpected<Error>(std::move(r.error()));
  Parser parser(input, mode, limits);
  if (auto r = parser.parse(pos, nullptr, 0); !r) return unexpected<Error>(std::move(r.error()));
  return pos;
}

expected<std::string_view, Error> raw_dict_value(std::string_view document, std::string_view key,
                                                 Mode mode, const Limits& limits) {
  if (auto r = check_size(document, limits); !r) return unexpected<Error>(std::move(r.error()));
  if (document.empty()) return fail(Errc::truncated, kContext, "empty input", 0);
  if (document.front() != 'd')
    return fail(Errc::wrong_type, kContext, "top-level value is not a dictionary", 0);
  // Validate the whole document first, so that the caller never hashes bytes of a broken file.
  auto end = value_end(document, 0, mode, limits);
  if (!end) return unexpected<Error>(std::move(end.error()));
  if (*end != document.size())
    return fail(Errc::trailing_data, kContext,
                std::to_string(document.size() - *end) + " bytes after the end of the value", *end);

  Parser parser(document, mode, limits);
  std::size_t pos = 1;
  while (pos < document.size() && document[pos] != 'e') {
    auto k = parser.parse_string_view(pos);
    if (!k) return unexpected<Error>(std::move(k.error()));
    const std::size_t value_start = pos;
    auto value_stop = value_end(document, pos, mode, limits);
    if (!value_stop) return unexpected<Error>(std::move(value_stop.error()));
    pos = *value_stop;
    if (*k == key) return document.substr(value_start, pos - value_start);
  }
  return fail(Errc::missing_field, kContext, "no key '" + std::string(key) + "' in dictionary");
}

void encode_to(std::string& out, const Value& value) {
  Writer w(out);
  switch (value.type()) {
    case Value::Type::integer: w.integer(value.as_int()); break;
    case Value::Type::string: w.string(value.as_string()); break;
    case Value::Type::list:
      w.begin_list();
      for (const Value& item : value.as_list()) encode_to(out, item);
      w.end();
      break;
    case Value::Type::dict:
      w.begin_dict();
      for (const auto& [k, v] : value.as_dict()) {
        w.key(k);
        encode_to(out, v);
      }
      w.end();
      break;
  }
}

std::string encode(const Value& value) {
  std::string out;
  encode_to(out, value);
  return out;
}

Writer& Writer::integer(Integer i) {
  m_out.push_back('i');
  append_decimal(m_out, i);
  m_out.push_back('e');
  return *this;
}

Writer& Writer::string(std::string_view s) {
  append_decimal(m_out, static_cast<Integer>(s.size()));
  m_out.push_back(':');
  m_out.append(s);
  return *this;
}

}  // namespace shoal::bencode
