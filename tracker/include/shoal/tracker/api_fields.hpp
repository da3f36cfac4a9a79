#pragma once
// Typed reads of a REST request's input, shared by the endpoint files (account_api.cpp,
// private_api.cpp): JsonFields for the fields of a JSON body, bounded_query_int for numeric
// query parameters. Both report the first problem as the API's one error shape (400), so every
// endpoint words "missing field" and "wrong type" the same way.
//
//   JsonFields b(call.json);
//   auto name = b.text("name", /*required=*/true, 256);
//   auto enabled = b.boolean("enabled");
//   if (!b.ok()) return b.error();   // 400 missing_field / invalid_field
//
// Unknown fields are ignored; a field given as JSON null counts as absent.

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "shoal/server/api_router.hpp"

namespace shoal::tracker {

using namespace shoal::server;  // the HTTP/API layer the tracker is built on

/// Reads typed fields of a JSON body; the first problem becomes error() (400: missing field or
/// wrong type). `json` must outlive the reader.
class JsonFields {
public:
  explicit JsonFields(const nlohmann::json& j) : m_json(j) {}
  JsonFields(nlohmann::json&&) = delete;  ///< it keeps a reference: no temporaries

  std::optional<std::string> text(const char* name, bool required, std::size_t max_bytes = 1024) {
    const nlohmann::json* v = find(name, required);
    if (!v) return std::nullopt;
    if (!v->is_string()) return wrong<std::string>(name, "a string");
    std::string s = v->get<std::string>();
    if (s.size() > max_bytes)
      return wrong<std::string>(name, "at most " + std::to_string(max_bytes) + " bytes");
    return s;
  }
  std::optional<bool> boolean(const char* name) {
    const nlohmann::json* v = find(name, false);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) return wrong<bool>(name, "true or false");
    return v->get<bool>();
  }
  std::optional<std::int64_t> integer(const char* name) {
    const nlohmann::json* v = find(name, false);
    if (!v) return std::nullopt;
    if (!v->is_number_integer()) return wrong<std::int64_t>(name, "an integer");
    return v->get<std::int64_t>();
  }
  /// An array of at most 16 strings.
  std::optional<std::vector<std::string>> strings(const char* name, bool required) {
    const nlohmann::json* v = find(name, required);
    if (!v) return std::nullopt;
    if (!v->is_array() || v->size() > 16) return wrong<std::vector<std::string>>(name, "an array of strings");
    std::vector<std::string> out;
    for (const auto& e : *v) {
      if (!e.is_string()) return wrong<std::vector<std::string>>(name, "an array of strings");
      out.push_back(e.get<std::string>());
    }
    return out;
  }
  /// Records a problem found by the caller (e.g. a value of the right type but the wrong form),
  /// unless one was recorded already: 400 `code` `message`.
  void fail(std::string_view code, std::string_view message) {
    if (!m_error) m_error = ApiReply::error(400, code, message);
  }
  bool ok() const { return !m_error; }
  ApiReply error() const { return *m_error; }

private:
  const nlohmann::json* find(const char* name, bool required) {
    if (m_error) return nullptr;
    if (m_json.is_object()) {
      auto it = m_json.find(name);
      if (it != m_json.end() && !it->is_null()) return &*it;
    }
    if (required) fail("missing_field", std::string("'") + name + "' is required");
    return nullptr;
  }
  template <class T>
  std::optional<T> wrong(const char* name, const std::string& what) {
    fail("invalid_field", std::string("'") + name + "' must be " + what);
    return std::nullopt;
  }

  const nlohmann::json& m_json;
  std::optional<ApiReply> m_error;
};

/// Query parameter `name` as a whole number in [0, max]; `fallback` when absent. Sets `bad` (and
/// returns `fallback`) when present but not such a number.
inline std::size_t bounded_query_int(const ApiCall& call, std::string_view name,
                                     std::size_t fallback, std::size_t max, bool& bad) {
  auto v = call.query_param(name);
  if (!v) return fallback;
  std::size_t out = 0;
  auto r = std::from_chars(v->data(), v->data() + v->size(), out);
  if (r.ec != std::errc{} || r.ptr != v->data() + v->size() || out > max) {
    bad = true;
    return fallback;
  }
  return out;
}

}  // namespace shoal::tracker
