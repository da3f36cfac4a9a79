#include "shoal/proto/api_json.hpp"

namespace shoal::api {

namespace {

constexpr std::string_view kContext = "api body";

const char* type_name(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::string: return "a string";
    case Json::value_t::array: return "an array";
    case Json::value_t::object: return "an object";
    case Json::value_t::discarded: return "nothing";
    default: return "a number";
  }
}

}  // namespace

bool json_nesting_exceeds(std::string_view body, std::size_t max_depth, std::size_t* at) noexcept {
  std::size_t depth = 0;
  bool in_string = false, escaped = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        if (at) *at = i;
        return true;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

expected<Json, Error> parse_body(std::string_view bytes) {
  if (bytes.size() > kMaxBodyBytes)
    return fail(Errc::limit_exceeded, kContext, "over " + std::to_string(kMaxBodyBytes) + " bytes");
  std::size_t at = 0;
  if (json_nesting_exceeds(bytes, kMaxDepth, &at))
    return fail(Errc::limit_exceeded, kContext, "nested deeper than " + std::to_string(kMaxDepth), at);
  try {
    return Json::parse(bytes.begin(), bytes.end());
  } catch (const Json::parse_error& e) {
    const std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    return fail(bytes.empty() || offset >= bytes.size() ? Errc::truncated : Errc::syntax, kContext,
                "not JSON", offset);
  } catch (const Json::exception&) {
    // out_of_range 406: a number beyond a double ("1E99999"); found by fuzz_api_body.
    return fail(Errc::invalid_value, kContext, "a number out of range");
  }
}

FieldReader::FieldReader(const Json& object, std::string context) : m_object(&object), m_context(std::move(context)) {
  if (!object.is_object())
    m_error = Error{Errc::wrong_type, std::string("expected an object, found ") + type_name(object), Error::npos,
                    m_context};
}

std::string FieldReader::path(std::string_view key) const {
  std::string out = m_context;
  out += m_context.find(": ") == std::string::npos ? ": " : ".";
  out += key;
  return out;
}

std::string FieldReader::path(std::string_view key, std::size_t index) const {
  return path(key) + "[" + std::to_string(index) + "]";
}

void FieldReader::adopt(const Error& e) {
  if (!m_error) m_error = e;
}

void FieldReader::fail(Errc code, std::string_view key, std::string what) {
  if (m_error) return;
  // path() is "context: a.b"; Error::message() puts "context: " in front itself.
  const std::string where = path(key);
  const auto colon = where.find(": ");
  m_error = Error{code, where.substr(colon + 2) + ": " + what, Error::npos, where.substr(0, colon)};
}

const Json* FieldReader::field(std::string_view key, bool required) {
  if (m_error) return nullptr;
  const auto it = m_object->find(key);
  if (it == m_object->end() || (!required && it->is_null())) {
    if (required) fail(Errc::missing_field, key, "missing");
    return nullptr;
  }
  return &*it;
}

std::string FieldReader::text(std::string_view key) {
  const Json* v = field(key, true);
  if (!v) return {};
  if (!v->is_string()) {
    fail(Errc::wrong_type, key, std::string("expected a string, found ") + type_name(*v));
    return {};
  }
  return v->get<std::string>();
}

std::int64_t FieldReader::integer(std::string_view key) {
  const Json* v = field(key, true);
  if (!v) return 0;
  if (v->is_number_unsigned()) {
    if (v->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
      fail(Errc::invalid_value, key, "out of range");
      return 0;
    }
    return static_cast<std::int64_t>(v->get<std::uint64_t>());
  }
  if (!v->is_number_integer()) {
    fail(Errc::wrong_type, key, std::string("expected an integer, found ") + type_name(*v));
    return 0;
  }
  return v->get<std::int64_t>();
}

std::uint64_t FieldReader::count(std::string_view key) {
  const Json* v = field(key, true);
  if (!v) return 0;
  if (v->is_number_unsigned()) return v->get<std::uint64_t>();
  if (v->is_number_integer()) {
    fail(Errc::invalid_value, key, "negative");
    return 0;
  }
  fail(Errc::wrong_type, key, std::string("expected a count, found ") + type_name(*v));
  return 0;
}

double FieldReader::number(std::string_view key) {
  const Json* v = field(key, true);
  if (!v) return 0;
  if (!v->is_number()) {
    fail(Errc::wrong_type, key, std::string("expected a number, found ") + type_name(*v));
    return 0;
  }
  return v->get<double>();
}

bool FieldReader::boolean(std::string_view key) {
  const Json* v = field(key, true);
  if (!v) return false;
  if (!v->is_boolean()) {
    fail(Errc::wrong_type, key, std::string("expected a boolean, found ") + type_name(*v));
    return false;
  }
  return v->get<bool>();
}

bool FieldReader::boolean_or(std::string_view key, bool fallback) {
  if (m_error) return fallback;
  const auto it = m_object->find(key);
  if (it == m_object->end() || it->is_null()) return fallback;
  return boolean(key);
}

std::vector<std::string> FieldReader::texts(std::string_view key) {
  std::vector<std::string> out;
  for (const auto& [i, item] : items(key)) {
    if (!item->is_string()) {
      fail(Errc::wrong_type, std::string(key) + "[" + std::to_string(i) + "]",
           std::string("expected a string, found ") + type_name(*item));
      return {};
    }
    out.push_back(item->get<std::string>());
  }
  return out;
}

std::optional<std::string> FieldReader::opt_text(std::string_view key) {
  if (!field(key, false)) return std::nullopt;
  auto v = text(key);
  return ok() ? std::optional<std::string>(std::move(v)) : std::nullopt;
}

std::optional<std::int64_t> FieldReader::opt_integer(std::string_view key) {
  if (!field(key, false)) return std::nullopt;
  const auto v = integer(key);
  return ok() ? std::optional<std::int64_t>(v) : std::nullopt;
}

std::optional<std::uint64_t> FieldReader::opt_count(std::string_view key) {
  if (!field(key, false)) return std::nullopt;
  const auto v = count(key);
  return ok() ? std::optional<std::uint64_t>(v) : std::nullopt;
}

std::optional<double> FieldReader::opt_number(std::string_view key) {
  if (!field(key, false)) return std::nullopt;
  const auto v = number(key);
  return ok() ? std::optional<double>(v) : std::nullopt;
}

const Json& FieldReader::value(std::string_view key) {
  static const Json kNull;
  const Json* v = field(key, true);
  return v ? *v : kNull;
}

FieldReader FieldReader::object(std::string_view key) {
  static const Json kEmpty = Json::object();
  const Json* v = field(key, true);
  FieldReader nested(v ? *v : kEmpty, path(key));
  if (!v) nested.adopt(*m_error);  // the missing field, seen from inside too
  else if (!nested.ok()) adopt(nested.error());
  return nested;
}

std::vector<std::pair<std::size_t, const Json*>> FieldReader::items(std::string_view key) {
  std::vector<std::pair<std::size_t, const Json*>> out;
  const Json* v = field(key, true);
  if (!v) return out;
  if (!v->is_array()) {
    fail(Errc::wrong_type, key, std::string("expected an array, found ") + type_name(*v));
    return out;
  }
  out.reserve(v->size());
  for (std::size_t i = 0; i < v->size(); ++i) out.emplace_back(i, &(*v)[i]);
  return out;
}

}  // namespace shoal::api
