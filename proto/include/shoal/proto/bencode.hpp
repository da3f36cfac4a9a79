#pragma once
// Bencode (BEP 3): the value type, a bounded strict/lenient decoder, and encoders.
//
// Decoding is bounded by named limits (nesting depth, token count, string length, total input
// size) so that hostile input ends in an Error, never a crash, a hang or unbounded memory. Every
// Error carries the byte offset where the problem was found.
//
// Strict mode (the default) accepts only canonical bencode: integers without leading zeros or
// "-0", dictionary keys sorted by raw bytes and unique, nothing after the top-level value. This
// is what the tracker wire formats and the metainfo `info` dict must be, because info-hashes are
// computed over the exact bytes. Lenient mode exists for real-world .torrent files written by
// sloppy tools: it accepts unsorted keys (the first of duplicate keys wins, as in libtorrent) and
// non-canonical integers. Bounds and syntax are enforced in both modes.
//
//   using namespace shoal::bencode;
//   auto v = decode("d3:cow3:moo4:spam4:eggse");
//   if (v && v->find_string("cow")) assert(*v->find_string("cow") == "moo");
//   std::string bytes = encode(Value(Dict{{"n", Value(42)}}));   // "d1:ni42ee"
//
// Encoding a Value always produces canonical bencode (std::map keeps keys sorted). For hot paths
// that should not build a Value tree, Writer appends tokens directly (the caller keeps keys sorted).

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "shoal/proto/error.hpp"

namespace shoal::bencode {

class Value;
using Integer = std::int64_t;
using List = std::vector<Value>;
/// Keys are raw byte strings, ordered by unsigned byte comparison (std::string's ordering is by
/// char_traits<char>::lt, which compares as unsigned char — the order BEP 3 requires).
using Dict = std::map<std::string, Value, std::less<>>;

/// Named decoder limits. The defaults fit any real .torrent file (libtorrent uses depth 100 and
/// one million tokens) while keeping a hostile input's cost bounded.
inline constexpr std::size_t kDefaultMaxDepth = 100;
inline constexpr std::size_t kDefaultMaxTokens = 4'000'000;
inline constexpr std::size_t kDefaultMaxStringLength = 64u << 20;  // 64 MiB
inline constexpr std::size_t kDefaultMaxTotalSize = 128u << 20;    // 128 MiB

struct Limits {
  std::size_t max_depth = kDefaultMaxDepth;           ///< nested lists/dicts
  std::size_t max_tokens = kDefaultMaxTokens;         ///< integers + strings + lists + dicts
  std::size_t max_string_length = kDefaultMaxStringLength;
  std::size_t max_total_size = kDefaultMaxTotalSize;  ///< input bytes
};

enum class Mode { strict, lenient };

/// A decoded bencode value: integer, byte string, list or dictionary.
class Value {
public:
  enum class Type { integer, string, list, dict };

  Value() : m_v(Integer{0}) {}
  Value(Integer i) : m_v(i) {}                                   // NOLINT(implicit)
  Value(int i) : m_v(Integer{i}) {}                              // NOLINT(implicit)
  Value(std::string s) : m_v(std::move(s)) {}                    // NOLINT(implicit)
  Value(std::string_view s) : m_v(std::string(s)) {}             // NOLINT(implicit)
  Value(const char* s) : m_v(std::string(s)) {}                  // NOLINT(implicit)
  Value(List l) : m_v(std::move(l)) {}                           // NOLINT(implicit)
  Value(Dict d) : m_v(std::move(d)) {}                           // NOLINT(implicit)

  Type type() const noexcept { return static_cast<Type>(m_v.index()); }
  bool is_int() const noexcept { return type() == Type::integer; }
  bool is_string() const noexcept { return type() == Type::string; }
  bool is_list() const noexcept { return type() == Type::list; }
  bool is_dict() const noexcept { return type() == Type::dict; }

  /// Accessors; calling the wrong one is a programming error (throws std::bad_variant_access).
  Integer as_int() const { return std::get<Integer>(m_v); }
  const std::string& as_string() const { return std::get<std::string>(m_v); }
  std::string& as_string() { return std::get<std::string>(m_v); }
  const List& as_list() const { return std::get<List>(m_v); }
  List& as_list() { return std::get<List>(m_v); }
  const Dict& as_dict() const { return std::get<Dict>(m_v); }
  Dict& as_dict() { return std::get<Dict>(m_v); }

  /// Dictionary lookups: nullptr when this is not a dict, the key is absent, or (for the typed
  /// forms) the value has another type.
  const Value* find(std::string_view key) const;
  const Integer* find_int(std::string_view key) const;
  const std::string* find_string(std::string_view key) const;
  const List* find_list(std::string_view key) const;
  const Dict* find_dict(std::string_view key) const;

  friend bool operator==(const Value&, const Value&) = default;

private:
  std::variant<Integer, std::string, List, Dict> m_v;
};

/// Decodes exactly one value spanning all of `input`.
expected<Value, Error> decode(std::string_view input, Mode mode = Mode::strict,
                              const Limits& limits = {});

/// Validates the value starting at `pos` without building it and returns the offset one past
/// its end. Same rules and limits as decode(); trailing bytes after the value are allowed.
expected<std::size_t, Error> value_end(std::string_view input, std::size_t pos = 0,
                                       Mode mode = Mode::lenient, const Limits& limits = {});

/// The exact bytes of `key`'s value inside the top-level dictionary `document` — e.g. the `info`
/// dict of a .torrent, whose SHA-1/SHA-256 is the info-hash. The document is validated with
/// `mode`. Returns Errc::missing_field when the key is absent; the first occurrence wins.
expected<std::string_view, Error> raw_dict_value(std::string_view document, std::string_view key,
                                                 Mode mode = Mode::lenient,
                                                 const Limits& limits = {});

/// Canonical encoding of `value`.
std::string encode(const Value& value);
void encode_to(std::string& out, const Value& value);

/// Appends bencode tokens to a string without building a Value tree. The caller is responsible
/// for emitting dictionary keys in sorted order (as BEP 3 requires).
///
///   std::string out; Writer w(out);
///   w.begin_dict(); w.key("interval"); w.integer(1800); w.key("peers"); w.string(compact); w.end();
class Writer {
public:
  explicit Writer(std::string& out) : m_out(out) {}
  Writer& integer(Integer i);
  Writer& string(std::string_view s);
  Writer& key(std::string_view k) { return string(k); }
  Writer& begin_list() { m_out.push_back('l'); return *this; }
  Writer& begin_dict() { m_out.push_back('d'); return *this; }
  Writer& end() { m_out.push_back('e'); return *this; }
  Writer& value(const Value& v) { encode_to(m_out, v); return *this; }

private:
  std::string& m_out;
};

}  // namespace shoal::bencode
