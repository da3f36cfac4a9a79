#pragma once
// Reading the JSON bodies of Shoal's HTTP APIs (shoal-tracker's /api/v1, shoal-peer's control API)
// into the typed messages of the api_*.hpp headers — the one definition of those shapes that the
// servers write and the clients (shoal-monitor, the CLI) read.
//
//   auto doc = shoal::api::parse_body(bytes);                // bounded: size and nesting depth
//   if (!doc) show(doc.error().message());
//   shoal::api::FieldReader r(*doc, "swarm list");
//   const auto total = r.count("total");
//   for (const auto& [i, item] : r.items("swarms")) ...    // item context "swarm list: swarms[3]"
//   if (!r.ok()) show(r.error().message());                // "swarm list: swarms[3].seeders: ..."
//
// Contract
// - parse_body refuses bodies over kMaxBodyBytes or nested deeper than kMaxDepth (limit_exceeded)
//   and anything that is not JSON (syntax, with the byte offset). It never throws.
// - FieldReader reads fields of one object. A required field that is absent is missing_field; a
//   field of the wrong JSON type (or a negative count, a fraction where an integer belongs) is
//   wrong_type / invalid_value. The first error is kept (later reads return defaults and keep it);
//   the message names the whole path. opt_* accept an absent field or null as "no value".
// - Unknown fields are ignored: a newer server may add fields without breaking an older client.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "shoal/proto/error.hpp"
#include "shoal/proto/expected.hpp"

namespace shoal::api {

using Json = nlohmann::json;

inline constexpr std::size_t kMaxBodyBytes = 64u << 20;  ///< 64 MiB
inline constexpr std::size_t kMaxDepth = 64;             ///< arrays/objects inside each other

/// `bytes` as JSON, within the limits above.
expected<Json, Error> parse_body(std::string_view bytes);

/// True when `body` nests arrays/objects deeper than `max_depth`: a cheap scan that skips
/// strings, run before a recursive parser sees the text (the servers check request bodies with
/// it too). `at`, when given, receives the offset where the limit was passed.
bool json_nesting_exceeds(std::string_view body, std::size_t max_depth, std::size_t* at = nullptr) noexcept;

/// An optional field's JSON: the value, or null.
template <class T>
Json or_null(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}

class FieldReader {
public:
  /// Reads `object` (kept by reference: it must outlive the reader); not an object is an error
  /// (wrong_type) at once.
  FieldReader(const Json& object, std::string context);
  FieldReader(Json&&, std::string) = delete;  ///< a temporary would be gone before the reads

  bool ok() const noexcept { return !m_error.has_value(); }
  const Error& error() const { return *m_error; }
  /// The error, for `return unexpected(r.take_error())`.
  unexpected<Error> take_error() const { return unexpected<Error>(*m_error); }

  std::string text(std::string_view key);
  std::int64_t integer(std::string_view key);
  std::uint64_t count(std::string_view key);  ///< an integer >= 0
  double number(std::string_view key);        ///< any JSON number
  bool boolean(std::string_view key);
  std::vector<std::string> texts(std::string_view key);  ///< an array of strings

  std::optional<std::string> opt_text(std::string_view key);
  std::optional<std::int64_t> opt_integer(std::string_view key);
  std::optional<std::uint64_t> opt_count(std::string_view key);
  std::optional<double> opt_number(std::string_view key);
  /// An absent or null field gives `fallback` (for fields older servers did not send).
  bool boolean_or(std::string_view key, bool fallback);

  /// A required field as it is (null JSON, with the error kept, when absent), for a nested
  /// message's own from_json with context path(key).
  const Json& value(std::string_view key);
  /// A nested object, read by a FieldReader of its own whose context is this path + key; an
  /// error there is copied back with adopt().
  FieldReader object(std::string_view key);
  /// The elements of an array field, each with its index, for the caller to read.
  std::vector<std::pair<std::size_t, const Json*>> items(std::string_view key);
  /// "context: key" / "context: key[i]" — the context for a nested message.
  std::string path(std::string_view key) const;
  std::string path(std::string_view key, std::size_t index) const;
  /// Keeps `e` as this reader's error (if it has none yet).
  void adopt(const Error& e);

private:
  const Json* field(std::string_view key, bool required);
  void fail(Errc code, std::string_view key, std::string what);

  const Json* m_object = nullptr;
  std::string m_context;
  std::optional<Error> m_error;
};

/// Reads the elements of array `key` with `parse(item, context)` (each returning
/// expected<T, Error>) into a vector; the first failure becomes the reader's error.
template <class T, class Parse>
std::vector<T> read_list(FieldReader& r, std::string_view key, Parse parse) {
  std::vector<T> out;
  for (const auto& [i, item] : r.items(key)) {
    auto v = parse(*item, r.path(key, i));
    if (!v) {
      r.adopt(v.error());
      return {};
    }
    out.push_back(std::move(*v));
  }
  return out;
}

}  // namespace shoal::api
