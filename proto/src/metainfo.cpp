#include "shoal/proto/metainfo.hpp"

#include <bit>
#include <cassert>
#include <cstring>
#include <map>
#include <set>
#include <unordered_set>
#include <utility>

namespace shoal {

namespace {

using bencode::Dict;
using bencode::Integer;
using bencode::List;
using bencode::Mode;
using bencode::Value;

constexpr std::string_view kContext = "metainfo";
constexpr std::size_t kSha1Size = Sha1Digest::size;
constexpr std::size_t kSha256Size = Sha256Digest::size;
constexpr std::string_view kBitCometPadMarker = "_____padding_file_";
constexpr std::size_t kMaxQuotedLength = 64;

// One step of the route from the document root to a value: a dictionary key or a list index.
// Errors carry a route; it is turned into a byte offset only when an error is reported, so the
// Value tree (which has no offsets) is enough for parsing and the bencode layer stays the only
// tokenizer.
struct Step {
  std::string_view key;
  std::size_t index = 0;
  bool is_index = false;
};
Step key(std::string_view k) { return Step{k, 0, false}; }
Step item(std::size_t i) { return Step{{}, i, true}; }
using Route = std::vector<Step>;

Route operator+(Route route, Step step) {
  route.push_back(step);
  return route;
}

// Offset of the value at `route` in `doc` (the first occurrence of a repeated key, as in lenient
// decoding), or Error::npos. Each level scans only the entries before the target, so the cost is
// bounded by the document size.
std::size_t locate(std::string_view doc, const Route& route, const bencode::Limits& limits) {
  std::size_t pos = 0;
  for (const Step& step : route) {
    if (pos >= doc.size()) return Error::npos;
    if (step.is_index) {
      if (doc[pos] != 'l') return Error::npos;
      std::size_t p = pos + 1;
      for (std::size_t i = 0; i < step.index; ++i) {
        if (p >= doc.size() || doc[p] == 'e') return Error::npos;
        auto end = bencode::value_end(doc, p, Mode::lenient, limits);
        if (!end) return Error::npos;
        p = *end;
      }
      if (p >= doc.size() || doc[p] == 'e') return Error::npos;
      pos = p;
      continue;
    }
    if (doc[pos] != 'd') return Error::npos;
    std::size_t p = pos + 1;
    bool found = false;
    while (p < doc.size() && doc[p] != 'e') {
      auto key_end = bencode::value_end(doc, p, Mode::lenient, limits);
      if (!key_end) return Error::npos;
      const std::size_t colon = doc.find(':', p);
      if (colon == std::string_view::npos || colon >= *key_end) return Error::npos;
      if (doc.substr(colon + 1, *key_end - colon - 1) == step.key) {
        pos = *key_end;
        found = true;
        break;
      }
      auto value_stop = bencode::value_end(doc, *key_end, Mode::lenient, limits);
      if (!value_stop) return Error::npos;
      p = *value_stop;
    }
    if (!found) return Error::npos;
  }
  return pos;
}

// A byte string for an error message: quoted, non-printable bytes escaped, long ones shortened.
std::string quoted(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (std::size_t i = 0; i < s.size() && i < kMaxQuotedLength; ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 && u < 0x7f && u != '\'' && u != '\\') {
      out.push_back(s[i]);
    } else {
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  if (s.size() > kMaxQuotedLength) out += "...";
  out.push_back('\'');
  return out;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out.push_back('/');
    out += p;
  }
  return out;
}

// Why `c` may not be a path component, or nullptr when it is safe to create on disk.
const char* unsafe_component(std::string_view c) {
  if (c.empty()) return "is empty";
  if (c == "." || c == "..") return "is '.' or '..'";
  if (c.find('/') != std::string_view::npos) return "contains '/'";
  if (c.find('\\') != std::string_view::npos) return "contains '\\'";
  if (c.find('\0') != std::string_view::npos) return "contains a NUL byte";
  return nullptr;
}

std::string unsafe_message(std::string_view owner, std::string_view c, const char* why) {
  return std::string(owner) + ": unsafe path component " + quoted(c) + " (" + why + ")";
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kSpace);
  return s.substr(first, last - first + 1);
}

std::int64_t round_up(std::int64_t n, std::int64_t multiple) {
  return (n + multiple - 1) / multiple * multiple;
}

struct Attributes {
  bool pad = false;
  bool executable = false;
  bool hidden = false;
  bool symlink = false;
};

std::string describe_file(std::size_t index, const std::vector<std::string>& path) {
  std::string out = "file " + std::to_string(index);
  if (!path.empty()) out += " (" + quoted(join(path)) + ")";
  return out;
}

// Names a file in error messages; the text is built only when an error is reported.
struct FileRef {
  std::size_t index = 0;
  const std::vector<std::string>* path = nullptr;  // may still be empty while it is parsed
  bool single = false;

  std::string str() const {
    if (single) return "single file";
    return describe_file(index, path ? *path : std::vector<std::string>{});
  }
};

}  // namespace

std::string FileEntry::path_string() const { return join(path); }

std::int64_t Metainfo::piece_size(std::size_t piece) const noexcept {
  if (piece + 1 < m_num_pieces) return m_piece_length;
  return m_total_size - static_cast<std::int64_t>(m_num_pieces - 1) * m_piece_length;
}

PieceRange Metainfo::file_pieces(std::size_t file) const noexcept {
  const FileEntry& f = m_files[file];
  const auto begin = static_cast<std::size_t>(f.offset / m_piece_length);
  if (f.length == 0) return {begin, begin};
  return {begin,
          static_cast<std::size_t>((f.offset + f.length + m_piece_length - 1) / m_piece_length)};
}

Sha1Digest Metainfo::piece_hash(std::size_t piece) const noexcept {
  Sha1Digest d;
  std::memcpy(d.bytes.data(), m_piece_hashes.data() + piece * kSha1Size, kSha1Size);
  return d;
}

std::string_view Metainfo::piece_layer(std::size_t file) const noexcept {
  if (file >= m_piece_layers.size()) return {};
  return m_piece_layers[file];
}

std::vector<std::vector<std::string>> Metainfo::trackers() const {
  if (!m_announce_list.empty()) return m_announce_list;
  if (!m_announce.empty()) return {{m_announce}};
  return {};
}

namespace detail {

class MetainfoParser {
public:
  MetainfoParser(std::string_view bytes, const MetainfoOptions& options)
      : m_bytes(bytes), m_options(options) {}

  expected<Metainfo, Error> parse() {
    if (auto r = decode_document(); !r) return unexpected<Error>(std::move(r.error()));
    if (auto r = parse_info(); !r) return unexpected<Error>(std::move(r.error()));
    if (m_out.has_v2()) {
      if (auto r = parse_piece_layers(); !r) return unexpected<Error>(std::move(r.error()));
    }
    parse_extras();
    return std::move(m_out);
  }

private:
  using Status = expected<void, Error>;

  unexpected<Error> error(Errc code, std::string what, const Route& route) const {
    return fail(code, kContext, std::move(what), locate(m_doc, route, m_options.limits));
  }

  // A bencode-layer error, reported as ours: same code, offset moved into the input.
  static unexpected<Error> wrap_bencode_error(Error e, std::string_view prefix,
                                              std::size_t base_offset = 0) {
    e.what = std::string(prefix) + e.what;
    e.context = std::string(kContext);
    if (e.offset != Error::npos) e.offset += base_offset;
    return unexpected<Error>(std::move(e));
  }

  // ---- document ----

  Status decode_document() {
    const auto& limits = m_options.limits;
    m_doc = m_bytes;
    auto root = bencode::decode(m_doc, Mode::lenient, limits);
    if (!root && root.error().code == Errc::trailing_data) {
      // Bytes after the top-level dictionary are ignored, as libtorrent ignores them.
      m_doc = m_bytes.substr(0, root.error().offset);
      root = bencode::decode(m_doc, Mode::lenient, limits);
    }
    if (!root) return wrap_bencode_error(std::move(root.error()), "invalid bencode: ");
    m_root = std::move(*root);
    if (!m_root.is_dict()) return error(Errc::wrong_type, "torrent file is not a dictionary", {});

    const Value* info = m_root.find("info");
    if (!info) return error(Errc::missing_field, "no 'info' dictionary", {});
    if (!info->is_dict())
      return error(Errc::wrong_type, "'info' is not a dictionary", {key("info")});
    m_info = info;
    auto raw = bencode::raw_dict_value(m_doc, "info", Mode::lenient, limits);
    if (!raw) return wrap_bencode_error(std::move(raw.error()), "invalid bencode: ");
    m_info_raw = *raw;
    m_info_offset = static_cast<std::size_t>(m_info_raw.data() - m_doc.data());
    return {};
  }

  // ---- info dictionary ----

  Status parse_info() {
    const Value& info = *m_info;
    const Route at_info{key("info")};

    // Version.
    Integer meta_version = 1;
    if (const Value* v = info.find("meta version")) {
      if (!v->is_int())
        return error(Errc::wrong_type, "'meta version' is not an integer",
                     at_info + key("meta version"));
      meta_version = v->as_int();
      if (meta_version > 2)
        return error(Errc::unsupported, "unknown 'meta version' " + std::to_string(meta_version),
                     at_info + key("meta version"));
    }
    const bool v2 = meta_version == 2;
    const Value* file_tree = info.find("file tree");
    if (!v2 && file_tree)
      return error(Errc::missing_field, "'file tree' without 'meta version' 2",
                   at_info + key("file tree"));
    if (v2) {
      if (!file_tree) return error(Errc::missing_field, "v2 torrent without 'file tree'", at_info);
      if (!file_tree->is_dict())
        return error(Errc::wrong_type, "'file tree' is not a dictionary",
                     at_info + key("file tree"));
      // BEP 52 info dicts are canonical; libtorrent refuses others.
      if (auto strict = bencode::value_end(m_info_raw, 0, Mode::strict, m_options.limits);
          !strict) {
        return wrap_bencode_error(std::move(strict.error()),
                                  "v2 'info' dictionary is not canonical bencode: ", m_info_offset);
      }
    }
    const bool v1 = !v2 || info.find("files") || info.find("length");
    m_out.m_version = v1 && v2 ? MetainfoVersion::hybrid
                      : v2     ? MetainfoVersion::v2
                               : MetainfoVersion::v1;

    // Piece length.
    const Value* pl = info.find("piece length");
    if (!pl) return error(Errc::missing_field, "no 'piece length'", at_info);
    if (!pl->is_int())
      return error(Errc::wrong_type, "'piece length' is not an integer",
                   at_info + key("piece length"));
    const Integer piece_length = pl->as_int();
    if (piece_length <= 0 || piece_length > kMaxPieceLength)
      return error(Errc::invalid_value,
                   "'piece length' " + std::to_string(piece_length) + " out of range",
                   at_info + key("piece length"));
    if (v2 && (piece_length < kV2BlockSize ||
               !std::has_single_bit(static_cast<std::uint64_t>(piece_length))))
      return error(Errc::invalid_value,
                   "v2 'piece length' " + std::to_string(piece_length) +
                       " is not a power of two of at least 16 KiB",
                   at_info + key("piece length"));
    m_out.m_piece_length = piece_length;

    // Name.
    const char* name_key = "name";
    if (const Value* n = info.find("name.utf-8"); n && n->is_string()) name_key = "name.utf-8";
    const Value* name = info.find(name_key);
    if (!name) return error(Errc::missing_field, "no 'name'", at_info);
    if (!name->is_string())
      return error(Errc::wrong_type, "'name' is not a string", at_info + key(name_key));
    if (name->as_string().empty())
      return error(Errc::invalid_value, "empty 'name'", at_info + key(name_key));
    if (const char* why = unsafe_component(name->as_string()))
      return error(Errc::unsafe_path, unsafe_message("'name'", name->as_string(), why),
                   at_info + key(name_key));
    m_out.m_name = name->as_string();

    std::vector<FileEntry> v1_files;
    std::int64_t v1_total = 0;
    if (v1) {
      if (auto r = parse_v1_files(v1_files, v1_total); !r) return r;
    }
    std::vector<FileEntry> v2_files;
    std::int64_t v2_total = 0;
    if (v2) {
      if (auto r = parse_file_tree(file_tree->as_dict(), v2_files, v2_total); !r) return r;
    }

    if (v1 && v2) {
      if (auto r = match_hybrid(v1_files, v2_files); !r) return r;
      m_out.m_files = std::move(v1_files);
    } else {
      m_out.m_files = v1 ? std::move(v1_files) : std::move(v2_files);
    }
    if (m_out.m_files.empty()) return error(Errc::invalid_value, "torrent has no files", at_info);
    m_out.m_total_size = v1 ? v1_total : v2_total;
    for (const FileEntry& f : m_out.m_files)
      if (!f.pad) m_out.m_payload_size += f.length;
    if (m_out.m_total_size == 0)
      return error(Errc::invalid_value, "torrent contains no data (all files are empty)", at_info);

    const std::int64_t pieces = (m_out.m_total_size + piece_length - 1) / piece_length;
    if (static_cast<std::uint64_t>(pieces) > m_options.max_pieces)
      return error(Errc::limit_exceeded,
                   std::to_string(pieces) + " pieces exceed the limit of " +
                       std::to_string(m_options.max_pieces),
                   at_info);
    m_out.m_num_pieces = static_cast<std::size_t>(pieces);

    const Value* hashes = info.find("pieces");
    if (v1) {
      if (!hashes) return error(Errc::missing_field, "no 'pieces'", at_info);
      if (!hashes->is_string())
        return error(Errc::wrong_type, "'pieces' is not a string", at_info + key("pieces"));
      const std::size_t size = hashes->as_string().size();
      if (size % kSha1Size != 0)
        return error(Errc::inconsistent,
                     "'pieces' length " + std::to_string(size) + " is not a multiple of 20",
                     at_info + key("pieces"));
      if (size / kSha1Size != m_out.m_num_pieces)
        return error(Errc::inconsistent,
                     "'pieces' holds " + std::to_string(size / kSha1Size) +
                         " hashes but the files need " + std::to_string(m_out.m_num_pieces),
                     at_info + key("pieces"));
      m_out.m_piece_hashes = hashes->as_string();
    } else if (hashes && hashes->is_string() &&
               hashes->as_string().size() != m_out.m_num_pieces * kSha1Size) {
      // A stray `pieces` in a v2-only torrent is ignored, but not a wrong one (as in libtorrent).
      return error(Errc::inconsistent, "'pieces' does not match the number of pieces",
                   at_info + key("pieces"));
    }

    if (const Value* p = info.find("private")) {
      if (!p->is_int())
        return error(Errc::wrong_type, "'private' is not an integer", at_info + key("private"));
      m_out.m_private = p->as_int() != 0;
    }
    if (const std::string* s = info.find_string("source")) m_out.m_source = *s;

    m_out.m_info_section = std::string(m_info_raw);
    m_out.m_info_hash = InfoHash::from_info_dict(m_info_raw, m_out.has_v1(), m_out.has_v2());
    return {};
  }

  expected<Attributes, Error> parse_attributes(const Value& dict, const Route& route) const {
    Attributes a;
    const Value* attr = dict.find("attr");
    if (!attr) return a;
    if (!attr->is_string())
      return error(Errc::wrong_type, "'attr' is not a string", route + key("attr"));
    for (char c : attr->as_string()) {
      switch (c) {
        case 'p':
          a.pad = true;
          break;
        case 'x':
          a.executable = true;
          break;
        case 'h':
          a.hidden = true;
          break;
        case 'l':
          a.symlink = true;
          break;
        default:
          break;  // unknown attributes are for future BEPs
      }
    }
    return a;
  }

  // A list of path components, validated. `what` names the owner for messages.
  expected<std::vector<std::string>, Error> parse_components(const Value& list, const Route& route,
                                                             const FileRef& what) const {
    if (!list.is_list()) return error(Errc::wrong_type, what.str() + ": path is not a list", route);
    std::vector<std::string> out;
    out.reserve(list.as_list().size());
    std::size_t j = 0;
    for (const Value& c : list.as_list()) {
      if (!c.is_string())
        return error(Errc::wrong_type, what.str() + ": path component is not a string",
                     route + item(j));
      if (const char* why = unsafe_component(c.as_string()))
        return error(Errc::unsafe_path, unsafe_message(what.str(), c.as_string(), why),
                     route + item(j));
      out.push_back(c.as_string());
      ++j;
    }
    return out;
  }

  // `length` of a file dict: required (except for symlinks), non-negative, bounded.
  expected<std::int64_t, Error> parse_length(const Value& dict, bool symlink, const Route& route,
                                             const FileRef& what) const {
    const Value* len = dict.find("length");
    if (!len) {
      if (symlink) return std::int64_t{0};
      return error(Errc::missing_field, what.str() + ": no 'length'", route);
    }
    if (!len->is_int())
      return error(Errc::wrong_type, what.str() + ": 'length' is not an integer",
                   route + key("length"));
    const Integer n = len->as_int();
    if (n < 0)
      return error(Errc::invalid_value, what.str() + ": negative 'length' " + std::to_string(n),
                   route + key("length"));
    if (n > kMaxTotalSize)
      return error(Errc::limit_exceeded,
                   what.str() + ": 'length' " + std::to_string(n) + " exceeds 2^48-1",
                   route + key("length"));
    if (symlink && n != 0)
      return error(Errc::inconsistent, what.str() + ": a symlink with non-zero 'length'",
                   route + key("length"));
    return n;
  }

  // BEP 47 defines `symlink path` relative to the torrent's root, but libtorrent writes the
  // link's own readlink() text (e.g. {"..", "real", "file"}) and, when loading, drops "." and ".."
  // components. Doing the same keeps libtorrent-made torrents loadable while the target can never
  // leave the torrent; the other unsafe components are refused as in paths.
  Status parse_symlink(const Value& dict, FileEntry& f, bool prefix_name, const Route& route,
                       const FileRef& what) const {
    const Route at = route + key("symlink path");
    const Value* target = dict.find("symlink path");
    if (!target)
      return error(Errc::missing_field, what.str() + ": symlink without 'symlink path'", route);
    if (!target->is_list())
      return error(Errc::wrong_type, what.str() + ": 'symlink path' is not a list", at);
    if (prefix_name) f.symlink_target.push_back(m_out.m_name);
    const std::size_t prefix = f.symlink_target.size();
    std::size_t j = 0;
    for (const Value& c : target->as_list()) {
      if (!c.is_string())
        return error(Errc::wrong_type, what.str() + ": symlink target component is not a string",
                     at + item(j));
      const std::string& s = c.as_string();
      if (s != "." && s != "..") {
        if (const char* why = unsafe_component(s))
          return error(Errc::unsafe_path, unsafe_message(what.str() + " symlink target", s, why),
                       at + item(j));
        f.symlink_target.push_back(s);
      }
      ++j;
    }
    if (f.symlink_target.size() == prefix)
      return error(Errc::invalid_value, what.str() + ": empty 'symlink path'", at);
    return {};
  }

  Status add_to_total(std::int64_t& total, std::int64_t n, const Route& route) const {
    if (n > kMaxTotalSize - total)
      return error(Errc::limit_exceeded, "total size exceeds 2^48-1 bytes", route);
    total += n;
    return {};
  }

  // ---- v1 file list ----

  Status parse_v1_files(std::vector<FileEntry>& files, std::int64_t& total) {
    const Value& info = *m_info;
    const Route at_info{key("info")};
    const Value* list = info.find("files");
    if (!list) {
      // Single-file torrent: the info dict describes the file.
      if (!info.find("length"))
        return error(Errc::missing_field, "neither 'files' nor 'length'", at_info);
      const FileRef what{0, nullptr, true};
      auto attr = parse_attributes(info, at_info);
      if (!attr) return unexpected<Error>(std::move(attr.error()));
      auto length = parse_length(info, attr->symlink, at_info, what);
      if (!length) return unexpected<Error>(std::move(length.error()));
      FileEntry f;
      f.path = {m_out.m_name};
      f.length = *length;
      f.pad = attr->pad;
      f.executable = attr->executable;
      f.hidden = attr->hidden;
      f.symlink = attr->symlink;
      if (f.symlink) {
        if (auto r = parse_symlink(info, f, false, at_info, what); !r) return r;
      }
      total = f.length;
      files.push_back(std::move(f));
      m_out.m_single_file = true;
      return {};
    }

    // Multi-file torrent (`files` wins over `length` when both are present, as in libtorrent).
    const Route at_files = at_info + key("files");
    if (!list->is_list()) return error(Errc::wrong_type, "'files' is not a list", at_files);
    files.reserve(list->as_list().size());
    std::size_t i = 0;
    for (const Value& entry : list->as_list()) {
      const Route at = at_files + item(i);
      FileRef what{i, nullptr, false};
      if (!entry.is_dict()) return error(Errc::wrong_type, what.str() + " is not a dictionary", at);
      auto attr = parse_attributes(entry, at);
      if (!attr) return unexpected<Error>(std::move(attr.error()));
      auto length = parse_length(entry, attr->symlink, at, what);
      if (!length) return unexpected<Error>(std::move(length.error()));

      FileEntry f;
      f.length = *length;
      f.offset = total;
      f.pad = attr->pad;
      f.executable = attr->executable;
      f.hidden = attr->hidden;
      f.symlink = attr->symlink;

      const char* path_key = "path";
      if (const Value* p = entry.find("path.utf-8"); p && p->is_list()) path_key = "path.utf-8";
      const Value* path = entry.find(path_key);
      if (!path || (path->is_list() && path->as_list().empty())) {
        if (!f.pad) {
          if (!path) return error(Errc::missing_field, what.str() + ": no 'path'", at);
          return error(Errc::invalid_value, what.str() + ": empty 'path'", at + key(path_key));
        }
        // Pad files need no name (libtorrent stores them as .pad/<size>).
        f.path = {m_out.m_name, ".pad", std::to_string(f.length)};
      } else {
        auto comps = parse_components(*path, at + key(path_key), what);
        if (!comps) return unexpected<Error>(std::move(comps.error()));
        f.path.reserve(comps->size() + 1);
        f.path.push_back(m_out.m_name);
        for (auto& c : *comps) {
          if (c.find(kBitCometPadMarker) != std::string::npos) f.pad = true;
          f.path.push_back(std::move(c));
        }
      }
      what.path = &f.path;
      if (f.symlink) {
        if (auto r = parse_symlink(entry, f, true, at, what); !r) return r;
      }
      if (auto r = add_to_total(total, f.length, at); !r) return r;
      files.push_back(std::move(f));
      ++i;
    }
    return check_unique_paths(files);
  }

  // Two files at one path, or a file used as a directory, cannot both be written.
  Status check_unique_paths(const std::vector<FileEntry>& files) const {
    std::unordered_set<std::string> file_paths;
    std::unordered_set<std::string> dir_paths;
    for (std::size_t i = 0; i < files.size(); ++i) {
      const FileEntry& f = files[i];
      if (f.pad) continue;
      const Route at{key("info"), key("files"), item(i)};
      std::string p;
      for (std::size_t c = 0; c + 1 < f.path.size(); ++c) {
        p += f.path[c];
        if (file_paths.contains(p))
          return error(Errc::inconsistent,
                       describe_file(i, f.path) + " lies inside a file of the same name", at);
        dir_paths.insert(p);
        p.push_back('/');
      }
      p += f.path.back();
      if (file_paths.contains(p))
        return error(Errc::inconsistent,
                     describe_file(i, f.path) + ": two files with the same path", at);
      if (dir_paths.contains(p))
        return error(Errc::inconsistent, describe_file(i, f.path) + " is also a directory", at);
      file_paths.insert(std::move(p));
    }
    return {};
  }

  // ---- v2 file tree ----

  Status parse_file_tree(const Dict& tree, std::vector<FileEntry>& files, std::int64_t& total) {
    const Route at_tree{key("info"), key("file tree")};
    // Single-file: one file at top level and no v1 `files` list (libtorrent's rule).
    const bool single = tree.size() == 1 && tree.begin()->second.is_dict() &&
                        tree.begin()->second.find("") != nullptr && !m_info->find("files");
    m_out.m_single_file = single;

    struct Frame {
      const Dict* dict;
      Dict::const_iterator next;
    };
    std::vector<Frame> stack{{&tree, tree.begin()}};
    std::vector<std::string_view> dirs;  // keys of the directories on the stack below the root
    auto route_to = [&](std::string_view leaf_key) {
      Route r = at_tree;
      for (auto d : dirs) r.push_back(key(d));
      r.push_back(key(leaf_key));
      return r;
    };
    auto path_to = [&](std::string_view leaf_key) {
      std::vector<std::string> p;
      p.reserve(dirs.size() + 2);
      if (!single) p.push_back(m_out.m_name);
      for (auto d : dirs) p.emplace_back(d);
      p.emplace_back(leaf_key);
      return p;
    };

    // Iterative, so a deep tree costs heap, not stack (the decoder's depth limit bounds it too).
    while (!stack.empty()) {
      Frame& top = stack.back();
      if (top.next == top.dict->end()) {
        stack.pop_back();
        if (!dirs.empty()) dirs.pop_back();
        continue;
      }
      const auto& [name, node] = *top.next;
      ++top.next;
      if (const char* why = unsafe_component(name))
        return error(Errc::unsafe_path, unsafe_message("file tree", name, why), route_to(name));
      if (!node.is_dict())
        return error(Errc::wrong_type,
                     "file tree entry " + quoted(join(path_to(name))) + " is not a dictionary",
                     route_to(name));
      const Dict& children = node.as_dict();
      const auto leaf = children.find(std::string_view{});
      if (leaf == children.end()) {
        dirs.push_back(name);
        stack.push_back({&children, children.begin()});  // `top` is not used after this
        continue;
      }
      if (children.size() != 1)
        return error(
            Errc::inconsistent,
            "file tree entry " + quoted(join(path_to(name))) + " is both a file and a directory",
            route_to(name));
      FileEntry f;
      f.path = path_to(name);
      if (auto r = parse_v2_file(leaf->second, f, files.size(), route_to(name) + key("")); !r)
        return r;
      f.offset = total;
      if (!f.symlink && f.length > 0) {
        // Every file starts on a piece boundary: the implied padding belongs to the piece stream.
        if (f.length > kMaxTotalSize - total)
          return error(Errc::limit_exceeded, "total size exceeds 2^48-1 bytes", route_to(name));
        total = round_up(total + f.length, m_out.m_piece_length);
        if (total > kMaxTotalSize)
          return error(Errc::limit_exceeded, "total size exceeds 2^48-1 bytes", route_to(name));
      }
      files.push_back(std::move(f));
    }
    return {};
  }

  Status parse_v2_file(const Value& leaf, FileEntry& f, std::size_t index, const Route& at) const {
    const FileRef what{index, &f.path, false};
    if (!leaf.is_dict())
      return error(Errc::wrong_type, what.str() + ": file entry is not a dictionary", at);
    auto attr = parse_attributes(leaf, at);
    if (!attr) return unexpected<Error>(std::move(attr.error()));
    if (attr->pad)
      return error(Errc::invalid_value, what.str() + ": pad file in a v2 file tree",
                   at + key("attr"));
    f.executable = attr->executable;
    f.hidden = attr->hidden;
    f.symlink = attr->symlink;
    if (!f.symlink && !leaf.find("length"))
      return error(Errc::missing_field, what.str() + ": no 'length'", at);
    auto length = parse_length(leaf, f.symlink, at, what);
    if (!length) return unexpected<Error>(std::move(length.error()));
    f.length = *length;
    if (f.symlink) return parse_symlink(leaf, f, !m_out.m_single_file, at, what);
    if (f.length == 0) return {};  // empty files have no hash tree
    const Value* root = leaf.find("pieces root");
    if (!root) return error(Errc::missing_field, what.str() + ": no 'pieces root'", at);
    if (!root->is_string())
      return error(Errc::wrong_type, what.str() + ": 'pieces root' is not a string",
                   at + key("pieces root"));
    auto digest = Sha256Digest::from_bytes(root->as_string());
    if (!digest)
      return error(Errc::invalid_value, what.str() + ": 'pieces root' is not 32 bytes",
                   at + key("pieces root"));
    if (digest->is_zero())
      return error(Errc::invalid_value, what.str() + ": 'pieces root' is all zeros",
                   at + key("pieces root"));
    f.pieces_root = *digest;
    return {};
  }

  // ---- hybrid: the v1 list and the file tree must describe the same piece stream ----

  Status match_hybrid(std::vector<FileEntry>& v1, const std::vector<FileEntry>& v2) const {
    const std::int64_t pl = m_out.m_piece_length;
    std::size_t j = 0;
    for (std::size_t i = 0; i < v1.size(); ++i) {
      FileEntry& a = v1[i];
      const Route at{key("info"), key("files"), item(i)};
      if (a.pad) {
        const std::int64_t gap = a.offset % pl == 0 ? 0 : pl - a.offset % pl;
        if (a.length == 0 || a.length != gap)
          return error(Errc::inconsistent,
                       "hybrid: pad " + describe_file(i, a.path) + " of " +
                           std::to_string(a.length) + " bytes does not end on a piece boundary",
                       at);
        continue;
      }
      if (j == v2.size())
        return error(Errc::inconsistent,
                     "hybrid: " + describe_file(i, a.path) + " is not in the v2 file tree", at);
      const FileEntry& b = v2[j++];
      std::string why;
      if (a.path != b.path)
        why = "has path " + quoted(join(b.path)) + " in the v2 file tree";
      else if (a.length != b.length)
        why = "has length " + std::to_string(b.length) + " in the v2 file tree";
      else if (a.symlink != b.symlink || a.symlink_target != b.symlink_target)
        why = "is a different symlink in the v2 file tree";
      else if (a.length > 0 && !a.symlink && a.offset != b.offset)
        why = "does not start on a piece boundary (missing pad file)";
      if (!why.empty())
        return error(Errc::inconsistent, "hybrid: v1 " + describe_file(i, a.path) + " " + why, at);
      a.executable = b.executable;
      a.hidden = b.hidden;
      a.pieces_root = b.pieces_root;
    }
    if (j != v2.size())
      return error(
          Errc::inconsistent,
          "hybrid: v2 file " + quoted(join(v2[j].path)) + " is missing from the v1 file list",
          {key("info"), key("files")});
    return {};
  }

  // ---- piece layers (outside `info`) ----

  Status parse_piece_layers() {
    const std::int64_t pl = m_out.m_piece_length;
    const Value* layers = m_root.find("piece layers");
    std::map<std::string_view, std::string_view> by_root;
    if (layers && layers->is_dict()) {
      for (const auto& [root, layer] : layers->as_dict()) {
        const Route at{key("piece layers"), key(root)};
        if (root.size() != kSha256Size)
          return error(Errc::invalid_value,
                       "'piece layers' key of " + std::to_string(root.size()) + " bytes", at);
        if (!layer.is_string()) return error(Errc::wrong_type, "a piece layer is not a string", at);
        if (layer.as_string().size() % kSha256Size != 0)
          return error(Errc::inconsistent,
                       "a piece layer of " + std::to_string(layer.as_string().size()) +
                           " bytes is not a multiple of 32",
                       at);
        by_root.emplace(root, layer.as_string());
      }
    }

    const std::size_t blocks_per_piece = static_cast<std::size_t>(pl / kV2BlockSize);
    const Sha256Digest pad = merkle_pad_root(blocks_per_piece);
    Sha256Hasher hasher;
    m_out.m_piece_layers.assign(m_out.m_files.size(), {});
    for (std::size_t i = 0; i < m_out.m_files.size(); ++i) {
      const FileEntry& f = m_out.m_files[i];
      if (!f.pieces_root) continue;
      const std::string_view root = f.pieces_root->view();
      if (f.length <= pl) {
        m_out.m_piece_layers[i] = std::string(root);
        continue;
      }
      const Route at{key("piece layers"), key(root)};
      const auto it = by_root.find(root);
      if (it == by_root.end()) {
        if (m_options.require_piece_layers)
          return error(Errc::missing_field, "no piece layer for " + describe_file(i, f.path),
                       {key("piece layers")});
        m_out.m_has_piece_layers = false;
        continue;
      }
      const auto pieces = static_cast<std::size_t>((f.length + pl - 1) / pl);
      const std::string_view layer = it->second;
      if (layer.size() != pieces * kSha256Size)
        return error(Errc::inconsistent,
                     "the piece layer of " + describe_file(i, f.path) + " holds " +
                         std::to_string(layer.size() / kSha256Size) + " hashes for " +
                         std::to_string(pieces) + " pieces",
                     at);
      std::vector<Sha256Digest> leaves(pieces);
      for (std::size_t k = 0; k < pieces; ++k)
        std::memcpy(leaves[k].bytes.data(), layer.data() + k * kSha256Size, kSha256Size);
      if (merkle_root(hasher, leaves, std::bit_ceil(pieces), pad) != *f.pieces_root)
        return error(Errc::inconsistent,
                     "the piece layer of " + describe_file(i, f.path) +
                         " does not hash to its 'pieces root'",
                     at);
      m_out.m_piece_layers[i] = std::string(layer);
    }
    return {};
  }

  // ---- advisory fields outside `info` ----

  void parse_extras() {
    const Value& root = m_root;
    if (const std::string* a = root.find_string("announce"))
      m_out.m_announce = std::string(trim(*a));

    std::set<std::string, std::less<>> seen;
    if (const List* tiers = root.find_list("announce-list")) {
      for (const Value& tier : *tiers) {
        std::vector<std::string> urls;
        auto add = [&](const Value& v) {
          if (!v.is_string()) return;
          const std::string_view url = trim(v.as_string());
          if (url.empty() || seen.contains(url)) return;
          seen.emplace(url);
          urls.emplace_back(url);
        };
        if (tier.is_list()) {
          for (const Value& v : tier.as_list()) add(v);
        } else {
          add(tier);
        }
        if (!urls.empty()) m_out.m_announce_list.push_back(std::move(urls));
      }
    }

    m_out.m_web_seeds = url_list(root.find("url-list"));
    m_out.m_http_seeds = url_list(root.find("httpseeds"));

    if (const std::string* c = root.find_string("comment.utf-8"))
      m_out.m_comment = *c;
    else if (const std::string* c8 = root.find_string("comment"))
      m_out.m_comment = *c8;
    if (const std::string* c = root.find_string("created by")) m_out.m_created_by = *c;
    if (const Integer* d = root.find_int("creation date"); d && *d >= 0) m_out.m_creation_date = *d;
  }

  static std::vector<std::string> url_list(const Value* v) {
    std::vector<std::string> out;
    if (!v) return out;
    std::set<std::string, std::less<>> seen;
    auto add = [&](const Value& u) {
      if (!u.is_string()) return;
      const std::string_view url = trim(u.as_string());
      if (url.empty() || seen.contains(url)) return;
      seen.emplace(url);
      out.emplace_back(url);
    };
    if (v->is_list()) {
      for (const Value& u : v->as_list()) add(u);
    } else {
      add(*v);
    }
    return out;
  }

  std::string_view m_bytes;
  const MetainfoOptions& m_options;
  std::string_view m_doc;  // m_bytes without trailing data
  Value m_root;
  const Value* m_info = nullptr;
  std::string_view m_info_raw;
  std::size_t m_info_offset = 0;
  Metainfo m_out;
};

}  // namespace detail

expected<Metainfo, Error> parse_metainfo(std::string_view bytes, const MetainfoOptions& options) {
  return detail::MetainfoParser(bytes, options).parse();
}

}  // namespace shoal
