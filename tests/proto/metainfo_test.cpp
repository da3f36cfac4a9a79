#include "shoal/proto/metainfo.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "shoal/proto/bencode.hpp"
#include "shoal/proto/hash.hpp"

using namespace shoal;
using bencode::Dict;
using bencode::List;
using bencode::Value;

namespace {

const std::string kTorrents = std::string(SHOAL_TESTDATA_DIR) + "/torrents";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Deterministic pseudo-random bytes (xorshift), different for each seed.
std::string content(std::size_t size, std::uint32_t seed) {
  std::string out(size, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xff);
  }
  return out;
}

Error parse_error(const std::string& bytes, const MetainfoOptions& options = {}) {
  auto r = parse_metainfo(bytes, options);
  EXPECT_FALSE(r.has_value()) << "parsed unexpectedly";
  return r ? Error{} : r.error();
}

// ---------------------------------------------------------------------------------------------
// A tiny torrent creator for the tests: real SHA-1 pieces, v2 roots and piece layers, so every
// torrent it builds is valid; tests then break one thing at a time. It shares merkle_root() with
// the parser; the interop tests check that function against libtorrent's torrents.

enum class Kind { v1, v2, hybrid };

struct SourceFile {
  std::vector<std::string> path;  // below the torrent's root directory
  std::string data;
  std::string attr;  // extra BEP 47 attributes, e.g. "x"
};

Sha256Digest v2_root(std::string_view data, std::int64_t piece_length, std::string* layer) {
  std::vector<Sha256Digest> blocks;
  for (std::size_t off = 0; off < data.size(); off += kV2BlockSize)
    blocks.push_back(sha256(data.substr(off, kV2BlockSize)));
  const auto per_piece = static_cast<std::size_t>(piece_length / kV2BlockSize);
  if (blocks.size() <= per_piece) return merkle_root(blocks, std::bit_ceil(blocks.size()));
  std::vector<Sha256Digest> pieces;
  for (std::size_t b = 0; b < blocks.size(); b += per_piece) {
    const std::size_t n = std::min(per_piece, blocks.size() - b);
    pieces.push_back(merkle_root(std::span(blocks).subspan(b, n), per_piece));
  }
  for (const auto& p : pieces) layer->append(p.view());
  return merkle_root(pieces, std::bit_ceil(pieces.size()), merkle_pad_root(per_piece));
}

Value build(Kind kind, const std::string& name, const std::vector<SourceFile>& files,
            std::int64_t piece_length, bool single_file = false, bool tail_pad = true) {
  Dict info{{"name", Value(name)}, {"piece length", Value(piece_length)}};
  Dict layers;
  if (kind != Kind::v1) {
    Dict tree;
    for (const auto& f : files) {
      Dict leaf{{"length", Value(static_cast<std::int64_t>(f.data.size()))}};
      if (!f.attr.empty()) leaf["attr"] = Value(f.attr);
      if (!f.data.empty()) {
        std::string layer;
        const Sha256Digest root = v2_root(f.data, piece_length, &layer);
        leaf["pieces root"] = Value(std::string(root.view()));
        if (!layer.empty()) layers[std::string(root.view())] = Value(layer);
      }
      Dict* node = &tree;
      const auto& path = single_file ? std::vector<std::string>{name} : f.path;
      for (std::size_t i = 0; i + 1 < path.size(); ++i) {
        auto [it, inserted] = node->try_emplace(path[i], Value(Dict{}));
        node = &it->second.as_dict();
      }
      (*node)[path.back()] = Value(Dict{{"", Value(leaf)}});
    }
    info["file tree"] = Value(tree);
    info["meta version"] = Value(2);
  }
  if (kind != Kind::v2) {
    std::string stream;
    List list;
    for (std::size_t i = 0; i < files.size(); ++i) {
      const auto& f = files[i];
      stream += f.data;
      Dict entry{{"length", Value(static_cast<std::int64_t>(f.data.size()))}};
      List path;
      for (const auto& c : f.path) path.emplace_back(c);
      entry["path"] = Value(path);
      if (!f.attr.empty()) entry["attr"] = Value(f.attr);
      list.emplace_back(entry);
      const auto rem = static_cast<std::int64_t>(stream.size()) % piece_length;
      const bool last = i + 1 == files.size();
      if (kind == Kind::hybrid && !single_file && !f.data.empty() && rem != 0 &&
          (tail_pad || !last)) {
        const std::int64_t pad = piece_length - rem;
        stream.append(static_cast<std::size_t>(pad), '\0');
        list.emplace_back(Dict{{"attr", Value("p")},
                               {"length", Value(pad)},
                               {"path", Value(List{Value(".pad"), Value(std::to_string(pad))})}});
      }
    }
    if (single_file) {
      info["length"] = Value(static_cast<std::int64_t>(files.at(0).data.size()));
      if (!files[0].attr.empty()) info["attr"] = Value(files[0].attr);
    } else {
      info["files"] = Value(list);
    }
    std::string pieces;
    for (std::size_t off = 0; off < stream.size(); off += static_cast<std::size_t>(piece_length))
      pieces +=
          sha1(std::string_view(stream).substr(off, static_cast<std::size_t>(piece_length))).view();
    info["pieces"] = Value(pieces);
  }
  Dict root{{"announce", Value("http://tracker.example/announce")}, {"info", Value(info)}};
  if (kind != Kind::v1) root["piece layers"] = Value(layers);
  return Value(root);
}

Dict& info_of(Value& torrent) { return torrent.as_dict().at("info").as_dict(); }
Dict& tree_of(Value& torrent) { return info_of(torrent).at("file tree").as_dict(); }
List& files_of(Value& torrent) { return info_of(torrent).at("files").as_list(); }

const std::vector<SourceFile>& sample_files() {
  static const std::vector<SourceFile> files{
      {{"a.bin"}, content(40000, 1), ""},
      {{"empty"}, "", ""},
      {{"sub", "b.txt"}, content(100, 2), "x"},
      {{"sub", "deep", "c.dat"}, content(70000, 3), ""},
  };
  return files;
}

// ---------------------------------------------------------------------------------------------
// A minimal reader for manifest.json: an array of flat objects whose values are strings, integers,
// booleans or null.

using JsonScalar = std::variant<std::nullptr_t, bool, std::int64_t, std::string>;
using JsonObject = std::map<std::string, JsonScalar>;

class MiniJson {
public:
  explicit MiniJson(std::string_view text) : m_s(text) {}

  std::vector<JsonObject> array_of_objects() {
    std::vector<JsonObject> out;
    expect('[');
    if (peek() == ']') return ++m_p, out;
    while (m_ok) {
      out.push_back(object());
      if (peek() == ',') {
        ++m_p;
        continue;
      }
      expect(']');
      break;
    }
    if (!m_ok) out.clear();
    return out;
  }

private:
  char peek() {
    while (m_p < m_s.size() && std::isspace(static_cast<unsigned char>(m_s[m_p]))) ++m_p;
    return m_p < m_s.size() ? m_s[m_p] : '\0';
  }
  void expect(char c) {
    if (peek() != c) {
      ADD_FAILURE() << "manifest.json: expected '" << c << "' at byte " << m_p;
      m_ok = false;
      return;
    }
    ++m_p;
  }
  JsonObject object() {
    JsonObject o;
    expect('{');
    if (peek() == '}') return ++m_p, o;
    while (m_ok) {
      std::string k = string();
      expect(':');
      o[k] = scalar();
      if (peek() == ',') {
        ++m_p;
        continue;
      }
      expect('}');
      break;
    }
    return o;
  }
  JsonScalar scalar() {
    const char c = peek();
    if (c == '"') return string();
    for (auto [word, value] : {std::pair<std::string_view, JsonScalar>{"true", true},
                               {"false", false},
                               {"null", nullptr}}) {
      if (m_s.substr(m_p, word.size()) == word) {
        m_p += word.size();
        return value;
      }
    }
    std::size_t end = m_p;
    while (end < m_s.size() &&
           (m_s[end] == '-' || std::isdigit(static_cast<unsigned char>(m_s[end]))))
      ++end;
    if (end == m_p) {
      ADD_FAILURE() << "manifest.json: unexpected value at byte " << m_p;
      m_ok = false;
      return nullptr;
    }
    const std::int64_t n = std::stoll(std::string(m_s.substr(m_p, end - m_p)));
    m_p = end;
    return n;
  }
  std::string string() {
    expect('"');
    std::string out;
    while (m_ok && m_p < m_s.size() && m_s[m_p] != '"') {
      char c = m_s[m_p++];
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (m_p >= m_s.size()) break;
      c = m_s[m_p++];
      switch (c) {
        case 'n':
          out.push_back('\n');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'u': {
          std::uint32_t cp =
              static_cast<std::uint32_t>(std::stoul(std::string(m_s.substr(m_p, 4)), nullptr, 16));
          m_p += 4;
          if (cp >= 0xd800 && cp < 0xdc00 && m_s.substr(m_p, 2) == "\\u") {
            const auto lo = static_cast<std::uint32_t>(
                std::stoul(std::string(m_s.substr(m_p + 2, 4)), nullptr, 16));
            m_p += 6;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          }
          if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
          } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
          } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
          } else {
            out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
          }
          break;
        }
        default:
          out.push_back(c);
          break;  // \" \\ \/
      }
    }
    expect('"');
    return out;
  }

  std::string_view m_s;
  std::size_t m_p = 0;
  bool m_ok = true;
};

template <class T>
T get(const JsonObject& o, const std::string& k) {
  auto it = o.find(k);
  if (it == o.end() || !std::holds_alternative<T>(it->second)) return T{};
  return std::get<T>(it->second);
}

// Number of files libtorrent 2.0.8 reports: it inserts a pad file after every v2 file that does
// not end on a piece boundary, which a v2-only torrent does not list.
std::int64_t libtorrent_file_count(const Metainfo& m) {
  auto n = static_cast<std::int64_t>(m.files().size());
  if (m.version() == MetainfoVersion::v2)
    for (const auto& f : m.files())
      if (!f.symlink && f.length % m.piece_length() != 0) ++n;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Running the third-party creators.

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/shoal_metainfo_XXXXXX";
    const char* p = mkdtemp(tmpl);
    EXPECT_NE(p, nullptr);
    path = p ? p : "/tmp";
  }
  ~TempDir() {
    std::error_code ec;
    if (path != "/tmp") std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path path;
};

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out.push_back(c);
  }
  return out + "'";
}

struct RunResult {
  int status = -1;
  std::string output;
};

RunResult run(const std::string& command) {
  RunResult r;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// "key value" lines of lt_make_torrent's output; "file" lines are kept in order.
struct ToolReport {
  std::map<std::string, std::string> values;
  std::vector<std::string> files;
  std::vector<std::string> targets;  // symlink targets, in file order
};

ToolReport parse_report(const std::string& output) {
  ToolReport r;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    const auto sp = line.find(' ');
    const std::string k = line.substr(0, sp);
    const std::string v = sp == std::string::npos ? "" : line.substr(sp + 1);
    if (k == "file")
      r.files.push_back(v);
    else if (k == "target")
      r.targets.push_back(v);
    else
      r.values[k] = v;
  }
  return r;
}

ToolReport lt_inspect(const std::string& torrent_path) {
  const RunResult r =
      run(shell_quote(SHOAL_LT_MAKE_TORRENT) + " inspect " + shell_quote(torrent_path));
  EXPECT_EQ(r.status, 0) << r.output;
  return parse_report(r.output);
}

void write_file(const std::filesystem::path& p, const std::string& data) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

std::filesystem::path disk_path(const std::filesystem::path& base, const FileEntry& f) {
  std::filesystem::path p = base;
  for (const auto& c : f.path) p /= c;
  return p;
}

// Checks every hash in `m` against the files under `base` (the directory holding the torrent's
// root): v1 pieces over the piece stream built from the file list and offsets, and v2 roots and
// piece layers from each file's blocks.
void verify_against_disk(const Metainfo& m, const std::filesystem::path& base) {
  std::string stream;
  std::int64_t payload = 0;
  for (std::size_t i = 0; i < m.files().size(); ++i) {
    const FileEntry& f = m.files()[i];
    SCOPED_TRACE(f.path_string());
    std::string data;
    if (f.pad) {
      data.assign(static_cast<std::size_t>(f.length), '\0');
    } else if (!f.symlink) {
      data = read_file(disk_path(base, f).string());
      ASSERT_EQ(static_cast<std::int64_t>(data.size()), f.length);
      payload += f.length;
    }
    if (m.has_v1()) {
      EXPECT_EQ(f.offset, static_cast<std::int64_t>(stream.size()));
      stream += data;
    }
    if (m.has_v2() && !f.pad && !f.symlink && f.length > 0) {
      ASSERT_TRUE(f.pieces_root);
      EXPECT_EQ(f.offset % m.piece_length(), 0);
      std::string layer;
      EXPECT_EQ(v2_root(data, m.piece_length(), &layer), *f.pieces_root);
      if (f.length > m.piece_length()) {
        EXPECT_EQ(m.piece_layer(i), layer);
      } else {
        EXPECT_EQ(m.piece_layer(i), f.pieces_root->view());
      }
      EXPECT_EQ(m.file_pieces(i).end - m.file_pieces(i).begin,
                static_cast<std::size_t>((f.length + m.piece_length() - 1) / m.piece_length()));
    }
  }
  EXPECT_EQ(m.payload_size(), payload);
  if (m.has_v1()) {
    ASSERT_EQ(static_cast<std::int64_t>(stream.size()), m.total_size());
    ASSERT_EQ(m.piece_hashes().size(), m.num_pieces() * 20);
    std::int64_t off = 0;
    for (std::size_t p = 0; p < m.num_pieces(); ++p) {
      const auto size = m.piece_size(p);
      EXPECT_EQ(sha1(std::string_view(stream).substr(static_cast<std::size_t>(off),
                                                     static_cast<std::size_t>(size))),
                m.piece_hash(p))
          << "piece " << p;
      off += size;
    }
    EXPECT_EQ(off, m.total_size());
  }
}

}  // namespace

// =============================================================================================
// BEP 52 hash tree helpers

TEST(MetainfoMerkle, KnownVectors) {
  const Sha256Digest zero{};
  const Sha256Digest a = sha256("a");
  const Sha256Digest b = sha256("b");
  auto pair = [](const Sha256Digest& l, const Sha256Digest& r) {
    return sha256(std::string(l.view()) + std::string(r.view()));
  };
  EXPECT_EQ(merkle_pad_root(1), zero);
  EXPECT_EQ(merkle_pad_root(2), pair(zero, zero));
  EXPECT_EQ(merkle_pad_root(4), pair(pair(zero, zero), pair(zero, zero)));
  EXPECT_EQ(pair(zero, zero), sha256(std::string(64, '\0')));
  const std::vector<Sha256Digest> one{a};
  EXPECT_EQ(merkle_root(one, 1), a);
  EXPECT_EQ(merkle_root(one, 2), pair(a, zero));
  const std::vector<Sha256Digest> two{a, b};
  EXPECT_EQ(merkle_root(two, 2), pair(a, b));
  EXPECT_EQ(merkle_root(two, 4), pair(pair(a, b), pair(zero, zero)));
  const std::vector<Sha256Digest> three{a, b, a};
  EXPECT_EQ(merkle_root(three, 4, b), pair(pair(a, b), pair(a, b)));
  EXPECT_EQ(merkle_root({}, 4, b), pair(pair(b, b), pair(b, b)));
  // The pieces root of a one-block file is the SHA-256 of its content (BEP 52).
  EXPECT_EQ(v2_root("hello", 16384, nullptr), sha256("hello"));
}

// =============================================================================================
// v1

TEST(MetainfoV1, SingleFileKnownVector) {
  // base.torrent from libtorrent's test suite; manifest.json records its v1 info-hash.
  const std::string bytes = read_file(kTorrents + "/base.torrent");
  auto m = parse_metainfo(bytes);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->info_hash().v1->hex(), "c0fda1edafdbdbb96443424e0b3899af7159d10e");
  EXPECT_FALSE(m->info_hash().v2);
  EXPECT_EQ(m->version(), MetainfoVersion::v1);
  EXPECT_TRUE(m->has_v1());
  EXPECT_FALSE(m->has_v2());
  EXPECT_EQ(m->name(), "temp");
  EXPECT_TRUE(m->is_single_file());
  EXPECT_EQ(m->piece_length(), 16384);
  EXPECT_EQ(m->num_pieces(), 1u);
  EXPECT_EQ(m->total_size(), 425);
  EXPECT_EQ(m->payload_size(), 425);
  EXPECT_EQ(m->piece_size(0), 425);
  ASSERT_EQ(m->files().size(), 1u);
  EXPECT_EQ(m->files()[0].path, std::vector<std::string>{"temp"});
  EXPECT_EQ(m->files()[0].path_string(), "temp");
  EXPECT_EQ(m->files()[0].length, 425);
  EXPECT_EQ(m->files()[0].offset, 0);
  EXPECT_EQ(m->file_pieces(0), (PieceRange{0, 1}));
  EXPECT_EQ(m->piece_hash(0).hex(), "829ebc8c26bec74a579b7ddc4134752cb7bc9187");
  EXPECT_EQ(m->piece_hashes().size(), 20u);
  EXPECT_TRUE(m->has_piece_layers());
  EXPECT_EQ(m->piece_layer(0), "");
  EXPECT_EQ(m->created_by(), "libtorrent");
  EXPECT_EQ(m->creation_date(), 1359599503);
  EXPECT_FALSE(m->is_private());
  // The info section is the exact slice of the input.
  const auto at = bytes.find("4:infod");
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(bytes.substr(at + 6, m->info_section().size()), m->info_section());
  EXPECT_EQ(sha1(m->info_section()), *m->info_hash().v1);
}

TEST(MetainfoV1, MultiFileOffsetsAndHashes) {
  Value t = build(Kind::v1, "album", sample_files(), 16384);
  auto m = parse_metainfo(bencode::encode(t));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_FALSE(m->is_single_file());
  ASSERT_EQ(m->files().size(), 4u);
  EXPECT_EQ(m->files()[0].path, (std::vector<std::string>{"album", "a.bin"}));
  EXPECT_EQ(m->files()[2].path_string(), "album/sub/b.txt");
  EXPECT_TRUE(m->files()[2].executable);
  EXPECT_FALSE(m->files()[0].executable);
  EXPECT_EQ(m->files()[1].offset, 40000);
  EXPECT_EQ(m->files()[2].offset, 40000);
  EXPECT_EQ(m->files()[3].offset, 40100);
  EXPECT_EQ(m->total_size(), 110100);
  EXPECT_EQ(m->payload_size(), 110100);
  EXPECT_EQ(m->num_pieces(), 7u);  // ceil(110100 / 16384)
  EXPECT_EQ(m->piece_size(6), 110100 - 6 * 16384);
  EXPECT_EQ(m->file_pieces(1), (PieceRange{2, 2}));  // empty file
  EXPECT_EQ(m->file_pieces(3), (PieceRange{2, 7}));
  EXPECT_EQ(m->info_hash().v1, sha1(bencode::encode(Value(info_of(t)))));
  EXPECT_FALSE(m->files()[0].pieces_root);

  // Piece hashes cover the concatenated files.
  std::string stream;
  for (const auto& f : sample_files()) stream += f.data;
  for (std::size_t p = 0; p < m->num_pieces(); ++p)
    EXPECT_EQ(m->piece_hash(p), sha1(std::string_view(stream).substr(p * 16384, 16384)));
}

TEST(MetainfoV1, AttributesPadFilesAndSymlinks) {
  Value t =
      build(Kind::v1, "x", {{{"a"}, content(10, 1), "hx"}, {{"b"}, content(5, 2), ""}}, 16384);
  List& files = files_of(t);
  files.insert(files.begin() + 1,
               Value(Dict{{"attr", Value("p")},
                          {"length", Value(16374)},
                          {"path", Value(List{Value(".pad"), Value("16374")})}}));
  files.push_back(Value(
      Dict{{"attr", Value("l")},
           {"path", Value(List{Value("link")})},
           {"symlink path", Value(List{Value(".."), Value("sub"), Value("."), Value("b")})}}));
  files.push_back(
      Value(Dict{{"length", Value(3)}, {"path", Value(List{Value("_____padding_file_0")})}}));
  files.push_back(Value(Dict{{"attr", Value("pq")}, {"length", Value(0)}}));  // pad without a path
  info_of(t)["pieces"] = Value(std::string(40, 'h'));
  auto m = parse_metainfo(bencode::encode(t));
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_EQ(m->files().size(), 6u);
  const auto& f = m->files();
  EXPECT_TRUE(f[0].hidden);
  EXPECT_TRUE(f[0].executable);
  EXPECT_TRUE(f[1].pad);
  EXPECT_EQ(f[2].offset, 16384);
  EXPECT_TRUE(f[3].symlink);
  EXPECT_EQ(f[3].length, 0);
  EXPECT_EQ(f[3].symlink_target, (std::vector<std::string>{"x", "sub", "b"}));
  EXPECT_TRUE(f[4].pad) << "BitComet padding name";
  EXPECT_TRUE(f[5].pad);
  EXPECT_EQ(f[5].path, (std::vector<std::string>{"x", ".pad", "0"}));
  EXPECT_EQ(m->total_size(), 16384 + 5 + 3);
  EXPECT_EQ(m->payload_size(), 15);
  EXPECT_EQ(m->num_pieces(), 2u);
}

TEST(MetainfoV1, PrefersUtf8NameAndPath) {
  Value t = build(Kind::v1, "raw", {{{"a"}, content(10, 1), ""}}, 16384);
  info_of(t)["name.utf-8"] = Value("Ünïcode");
  files_of(t)[0].as_dict()["path.utf-8"] = Value(List{Value("ä")});
  auto m = parse_metainfo(bencode::encode(t));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->name(), "Ünïcode");
  EXPECT_EQ(m->files()[0].path, (std::vector<std::string>{"Ünïcode", "ä"}));
}

TEST(MetainfoV1, TrackersWebSeedsAndMetadata) {
  Value t = build(Kind::v1, "x", {{{"a"}, content(10, 1), ""}}, 16384);
  Dict& root = t.as_dict();
  root["announce"] = Value("  http://main.example/announce \t");
  root["announce-list"] = Value(List{
      Value(
          List{Value("http://a.example/announce"), Value(" "), Value("http://b.example/announce")}),
      Value(List{}),                                    // empty tier: dropped
      Value(List{Value("http://a.example/announce")}),  // duplicate only: tier dropped
      Value(List{Value(5), Value("udp://c.example:6969")}),
      Value("udp://d.example:6969/announce"),  // a bare string counts as a tier
  });
  root["url-list"] = Value(List{Value("http://seed/x"), Value(""), Value("http://seed/x"), Value(7),
                                Value("http://seed/y")});
  root["httpseeds"] = Value("http://hs.example/");
  root["comment"] = Value("plain");
  root["comment.utf-8"] = Value("utf8 comment");
  root["created by"] = Value("tests");
  root["creation date"] = Value(1700000000);
  info_of(t)["private"] = Value(1);
  info_of(t)["source"] = Value("SRC");
  auto m = parse_metainfo(bencode::encode(t));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->announce(), "http://main.example/announce");
  const std::vector<std::vector<std::string>> tiers{
      {"http://a.example/announce", "http://b.example/announce"},
      {"udp://c.example:6969"},
      {"udp://d.example:6969/announce"}};
  EXPECT_EQ(m->announce_list(), tiers);
  EXPECT_EQ(m->trackers(), tiers);
  EXPECT_EQ(m->web_seeds(), (std::vector<std::string>{"http://seed/x", "http://seed/y"}));
  EXPECT_EQ(m->http_seeds(), (std::vector<std::string>{"http://hs.example/"}));
  EXPECT_EQ(m->comment(), "utf8 comment");
  EXPECT_EQ(m->created_by(), "tests");
  EXPECT_EQ(m->creation_date(), 1700000000);
  EXPECT_TRUE(m->is_private());
  EXPECT_EQ(m->source(), "SRC");

  // Without announce-list the announce URL is the only tier; wrongly typed advisory fields are
  // ignored, as libtorrent ignores them.
  root.erase("announce-list");
  root["url-list"] = Value("http://single/");
  root["creation date"] = Value("yesterday");
  root["comment.utf-8"] = Value(3);
  info_of(t)["private"] = Value(0);
  m = parse_metainfo(bencode::encode(t));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->trackers(),
            (std::vector<std::vector<std::string>>{{"http://main.example/announce"}}));
  EXPECT_EQ(m->web_seeds(), std::vector<std::string>{"http://single/"});
  EXPECT_FALSE(m->creation_date());
  EXPECT_EQ(m->comment(), "plain");
  EXPECT_FALSE(m->is_private());
  root.erase("announce");
  m = parse_metainfo(bencode::encode(t));
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->trackers().empty());
}

TEST(MetainfoV1, LenientDocumentAndTrailingBytes) {
  // Unsorted keys and a non-canonical integer: real torrents have both; the info-hash covers the
  // bytes as written.
  const std::string info =
      "d6:lengthi0425e4:name4:temp6:pieces20:" + std::string(20, 'p') + "12:piece lengthi16384ee";
  const std::string doc = "d4:info" + info + "8:announce3:urle";
  auto m = parse_metainfo(doc + std::string("\n\0junk", 6));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->total_size(), 425);
  EXPECT_EQ(m->info_section(), info);
  EXPECT_EQ(*m->info_hash().v1, sha1(info));
  EXPECT_EQ(m->announce(), "url");
  // The first of duplicate keys wins, for the values and for the hashed bytes alike.
  const std::string twice = "d4:info" + info + "4:infoi5ee";
  m = parse_metainfo(twice);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->info_section(), info);
}

// =============================================================================================
// v2 and hybrid

TEST(MetainfoV2, MultiFile) {
  Value t = build(Kind::v2, "v2dir", sample_files(), 16384);
  const std::string bytes = bencode::encode(t);
  auto m = parse_metainfo(bytes);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->version(), MetainfoVersion::v2);
  EXPECT_FALSE(m->info_hash().v1);
  EXPECT_EQ(*m->info_hash().v2, sha256(bencode::encode(Value(info_of(t)))));
  EXPECT_EQ(m->info_hash().tracker_id().view(), m->info_hash().v2->view().substr(0, 20));
  ASSERT_EQ(m->files().size(), 4u);  // no pad entries in a v2-only torrent
  const auto& f = m->files();
  EXPECT_EQ(f[0].path_string(), "v2dir/a.bin");
  EXPECT_EQ(f[1].path_string(), "v2dir/empty");
  EXPECT_EQ(f[2].path_string(), "v2dir/sub/b.txt");
  EXPECT_EQ(f[3].path_string(), "v2dir/sub/deep/c.dat");
  // Every file starts on a piece boundary.
  EXPECT_EQ(f[0].offset, 0);
  EXPECT_EQ(f[1].offset, 49152);
  EXPECT_EQ(f[2].offset, 49152);
  EXPECT_EQ(f[3].offset, 65536);
  EXPECT_EQ(m->total_size(), 65536 + 81920);
  EXPECT_EQ(m->payload_size(), 110100);
  EXPECT_EQ(m->num_pieces(), 9u);
  EXPECT_EQ(m->file_pieces(3), (PieceRange{4, 9}));
  EXPECT_TRUE(f[2].executable);
  EXPECT_FALSE(f[1].pieces_root);
  EXPECT_TRUE(m->piece_hashes().empty());
  EXPECT_TRUE(m->has_piece_layers());
  EXPECT_EQ(m->piece_layer(0).size(), 3u * 32);
  EXPECT_EQ(m->piece_layer(1), "");
  EXPECT_EQ(m->piece_layer(2), f[2].pieces_root->view());
  EXPECT_EQ(m->piece_layer(3).size(), 5u * 32);
  // Layers are checked against the data the builder hashed.
  std::string layer;
  EXPECT_EQ(v2_root(sample_files()[3].data, 16384, &layer), *f[3].pieces_root);
  EXPECT_EQ(m->piece_layer(3), layer);
  EXPECT_EQ(libtorrent_file_count(*m), 7);
}

TEST(MetainfoV2, SingleFileAndLargePieces) {
  Value t = build(Kind::v2, "one.bin", {{{"one.bin"}, content(300000, 9), ""}}, 65536, true);
  auto m = parse_metainfo(bencode::encode(t));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_TRUE(m->is_single_file());
  ASSERT_EQ(m->files().size(), 1u);
  EXPECT_EQ(m->files()[0].path, std::vector<std::string>{"one.bin"});
  EXPECT_EQ(m->num_pieces(), 5u);
  EXPECT_EQ(m->total_size(), 5 * 65536);
  EXPECT_EQ(m->payload_size(), 300000);
  EXPECT_EQ(m->piece_layer(0).size(), 5u * 32);

  // A single directory with one file is a multi-file torrent (libtorrent's rule).
  Value d = build(Kind::v2, "top", {{{"dir", "f"}, content(10, 1), ""}}, 16384);
  m = parse_metainfo(bencode::encode(d));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_FALSE(m->is_single_file());
  EXPECT_EQ(m->files()[0].path_string(), "top/dir/f");
}

TEST(MetainfoV2, MissingPieceLayersAreAllowedUnlessRequired) {
  Value t = build(Kind::v2, "d", sample_files(), 16384);
  t.as_dict().erase("piece layers");
  const std::string bytes = bencode::encode(t);
  auto m = parse_metainfo(bytes);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_FALSE(m->has_piece_layers());
  EXPECT_EQ(m->piece_layer(0), "");
  EXPECT_EQ(m->piece_layer(2).size(), 32u) << "a small file's layer is its root";
  MetainfoOptions strict;
  strict.require_piece_layers = true;
  EXPECT_EQ(parse_error(bytes, strict).code, Errc::missing_field);

  // `piece layers` of the wrong type counts as absent (libtorrent loads such files).
  t.as_dict()["piece layers"] = Value(List{});
  m = parse_metainfo(bencode::encode(t));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_FALSE(m->has_piece_layers());

  // An entry that belongs to no file is ignored.
  Value u = build(Kind::v2, "d", sample_files(), 16384);
  t.as_dict()["piece layers"] = u.as_dict()["piece layers"];
  t.as_dict()["piece layers"].as_dict()[std::string(32, 'z')] = Value(std::string(64, 'y'));
  m = parse_metainfo(bencode::encode(t));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_TRUE(m->has_piece_layers());
}

TEST(MetainfoV2, SymlinksAndDeepTrees) {
  Value t = build(Kind::v2, "d", {{{"a"}, content(10, 1), ""}}, 16384);
  tree_of(t)["link"] = Value(Dict{{"", Value(Dict{{"attr", Value("l")},
                                                  {"length", Value(0)},
                                                  {"symlink path", Value(List{Value("a")})}})}});
  auto m = parse_metainfo(bencode::encode(t));
  ASSERT_TRUE(m) << m.error().message();
  ASSERT_EQ(m->files().size(), 2u);
  EXPECT_TRUE(m->files()[1].symlink);
  EXPECT_EQ(m->files()[1].symlink_target, (std::vector<std::string>{"d", "a"}));
  EXPECT_FALSE(m->files()[1].pieces_root);

  // 90 nested directories fit the default decoder depth; 900 need a larger limit, and the
  // file-tree walk is iterative, so they cost no stack.
  for (std::size_t depth : {90u, 900u}) {
    std::vector<std::string> path;
    for (std::size_t i = 0; i < depth; ++i) path.push_back("d" + std::to_string(i));
    path.push_back("leaf");
    Value deep = build(Kind::v2, "deep", {{path, content(20, 4), ""}}, 16384);
    MetainfoOptions options;
    options.limits.max_depth = 1000;
    m = parse_metainfo(bencode::encode(deep), depth < 95 ? MetainfoOptions{} : options);
    ASSERT_TRUE(m) << m.error().message();
    EXPECT_EQ(m->files()[0].path.size(), depth + 2);
  }
}

TEST(MetainfoHybrid, MatchesBothFileLists) {
  Value t = build(Kind::hybrid, "hy", sample_files(), 16384);
  const std::string bytes = bencode::encode(t);
  auto m = parse_metainfo(bytes);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->version(), MetainfoVersion::hybrid);
  const std::string info = bencode::encode(Value(info_of(t)));
  EXPECT_EQ(*m->info_hash().v1, sha1(info));
  EXPECT_EQ(*m->info_hash().v2, sha256(info));
  EXPECT_EQ(m->info_hash().tracker_id(), *m->info_hash().v1);
  // a.bin, pad, empty, b.txt, pad, c.dat, tail pad
  ASSERT_EQ(m->files().size(), 7u);
  const auto& f = m->files();
  EXPECT_TRUE(f[1].pad);
  EXPECT_TRUE(f[4].pad);
  EXPECT_TRUE(f[6].pad);
  EXPECT_EQ(f[3].offset, 49152);
  EXPECT_EQ(f[5].offset, 65536);
  EXPECT_TRUE(f[0].pieces_root);
  EXPECT_TRUE(f[3].pieces_root);
  EXPECT_FALSE(f[1].pieces_root);
  EXPECT_TRUE(f[3].executable);
  EXPECT_EQ(m->total_size(), 65536 + 81920);
  EXPECT_EQ(m->num_pieces(), 9u);
  EXPECT_EQ(m->payload_size(), 110100);
  EXPECT_EQ(m->piece_layer(5).size(), 5u * 32);
  EXPECT_EQ(m->piece_layer(1), "");

  // Without the tail pad (libtorrent up to 2.0.7 wrote those) the piece stream is shorter.
  Value n = build(Kind::hybrid, "hy", sample_files(), 16384, false, false);
  m = parse_metainfo(bencode::encode(n));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->files().size(), 6u);
  EXPECT_EQ(m->total_size(), 65536 + 70000);
  EXPECT_EQ(m->num_pieces(), 9u);

  // Single-file hybrid.
  Value s = build(Kind::hybrid, "s.bin", {{{"s.bin"}, content(50000, 5), ""}}, 16384, true);
  m = parse_metainfo(bencode::encode(s));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_TRUE(m->is_single_file());
  EXPECT_EQ(m->files().size(), 1u);
  EXPECT_EQ(m->total_size(), 50000);
  EXPECT_TRUE(m->files()[0].pieces_root);
}

TEST(MetainfoHybrid, RejectsMismatchedFileLists) {
  auto expect_inconsistent = [](Value t, const char* why) {
    SCOPED_TRACE(why);
    const Error e = parse_error(bencode::encode(t));
    EXPECT_EQ(e.code, Errc::inconsistent) << e.message();
    EXPECT_NE(e.message().find("hybrid"), std::string::npos) << e.message();
  };
  const Value base = build(Kind::hybrid, "hy", sample_files(), 16384);
  {
    Value t = base;
    files_of(t)[0].as_dict()["path"] = Value(List{Value("other.bin")});
    expect_inconsistent(t, "different name");
  }
  {
    Value t = base;
    files_of(t)[3].as_dict()["length"] = Value(101);
    files_of(t)[4].as_dict()["length"] = Value(16283);
    expect_inconsistent(t, "different length");
  }
  {
    Value t = base;
    files_of(t).erase(files_of(t).begin() + 1);  // the pad after a.bin
    expect_inconsistent(t, "missing pad");
  }
  {
    Value t = base;
    List& l = files_of(t);
    l[1].as_dict()["length"] = Value(9000);
    l.insert(l.begin() + 2, Value(Dict{{"attr", Value("p")},
                                       {"length", Value(152)},
                                       {"path", Value(List{Value(".pad"), Value("152")})}}));
    expect_inconsistent(t, "split pad (libtorrent refuses it too)");
  }
  {
    Value t = base;
    files_of(t).push_back(Value(Dict{{"length", Value(0)}, {"path", Value(List{Value("extra")})}}));
    expect_inconsistent(t, "extra v1 file");
  }
  {
    Value t = base;
    tree_of(t)["zzz"] = Value(Dict{{"", Value(Dict{{"length", Value(0)}})}});
    expect_inconsistent(t, "extra v2 file");
  }
  {
    Value t = base;
    List& l = files_of(t);
    std::swap(l[0], l[3]);
    expect_inconsistent(t, "different order");
  }
  // The 'x' and 'h' attributes may differ; the file tree's win (libtorrent accepts this too).
  Value t = base;
  files_of(t)[0].as_dict()["attr"] = Value("h");
  auto m = parse_metainfo(bencode::encode(t));
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_FALSE(m->files()[0].hidden);
  EXPECT_TRUE(m->files()[3].executable);
}

// =============================================================================================
// Rejections: each names the problem with a code and the offset of the offending value.

struct RejectCase {
  const char* name;
  Kind kind;
  void (*mutate)(Value&);
  Errc code;
  const char* at;  // the encoded value the error offset must point at ("" = not checked)
};

void PrintTo(const RejectCase& c, std::ostream* os) { *os << c.name; }

class MetainfoReject : public ::testing::TestWithParam<RejectCase> {};

TEST_P(MetainfoReject, NamesTheProblem) {
  const RejectCase& c = GetParam();
  Value t = build(c.kind, "name", sample_files(), 16384);
  c.mutate(t);
  const std::string bytes = bencode::encode(t);
  const Error e = parse_error(bytes);
  EXPECT_EQ(e.code, c.code) << e.message();
  EXPECT_EQ(e.context, "metainfo");
  EXPECT_FALSE(e.what.empty());
  if (*c.at) {
    ASSERT_NE(e.offset, Error::npos) << e.message();
    EXPECT_EQ(bytes.substr(e.offset, std::string_view(c.at).size()), c.at) << e.message();
  }
}

Value& file0(Value& t) { return files_of(t)[0]; }
Dict& leaf_a(Value& t) { return tree_of(t).at("a.bin").as_dict().at("").as_dict(); }

const RejectCase kRejectCases[] = {
    {"info_not_dict", Kind::v1, [](Value& t) { t.as_dict()["info"] = Value("files"); },
     Errc::wrong_type, "5:files"},
    {"no_info", Kind::v1, [](Value& t) { t.as_dict().erase("info"); }, Errc::missing_field, ""},
    {"no_piece_length", Kind::v1, [](Value& t) { info_of(t).erase("piece length"); },
     Errc::missing_field, ""},
    {"piece_length_string", Kind::v1, [](Value& t) { info_of(t)["piece length"] = Value("16384"); },
     Errc::wrong_type, "5:16384"},
    {"piece_length_zero", Kind::v1, [](Value& t) { info_of(t)["piece length"] = Value(0); },
     Errc::invalid_value, "i0e"},
    {"piece_length_negative", Kind::v1,
     [](Value& t) { info_of(t)["piece length"] = Value(-16384); }, Errc::invalid_value, "i-16384e"},
    {"piece_length_huge", Kind::v1,
     [](Value& t) { info_of(t)["piece length"] = Value(std::int64_t{1} << 40); },
     Errc::invalid_value, "i1099511627776e"},
    {"v2_piece_length_not_power_of_two", Kind::v2,
     [](Value& t) { info_of(t)["piece length"] = Value(49152); }, Errc::invalid_value, "i49152e"},
    {"v2_piece_length_below_16k", Kind::v2,
     [](Value& t) { info_of(t)["piece length"] = Value(8192); }, Errc::invalid_value, "i8192e"},
    {"no_name", Kind::v1, [](Value& t) { info_of(t).erase("name"); }, Errc::missing_field, ""},
    {"name_int", Kind::v1, [](Value& t) { info_of(t)["name"] = Value(1348); }, Errc::wrong_type,
     "i1348e"},
    {"name_empty", Kind::v1, [](Value& t) { info_of(t)["name"] = Value(""); }, Errc::invalid_value,
     "0:"},
    {"name_dotdot", Kind::v1, [](Value& t) { info_of(t)["name"] = Value(".."); }, Errc::unsafe_path,
     "2:.."},
    {"name_with_slash", Kind::v1, [](Value& t) { info_of(t)["name"] = Value("temp/../../abc"); },
     Errc::unsafe_path, "14:temp/../../abc"},
    {"path_dotdot", Kind::v1,
     [](Value& t) {
       file0(t).as_dict()["path"] = Value(List{Value(".."), Value("x")});
     },
     Errc::unsafe_path, "2:.."},
    {"path_dot", Kind::v1,
     [](Value& t) {
       file0(t).as_dict()["path"] = Value(List{Value("a"), Value(".")});
     },
     Errc::unsafe_path, "1:."},
    {"path_empty_component", Kind::v1,
     [](Value& t) {
       file0(t).as_dict()["path"] = Value(List{Value("a"), Value("")});
     },
     Errc::unsafe_path, "0:"},
    {"path_absolute", Kind::v1,
     [](Value& t) {
       file0(t).as_dict()["path"] = Value(List{Value("/etc"), Value("passwd")});
     },
     Errc::unsafe_path, "4:/etc"},
    {"path_backslash", Kind::v1,
     [](Value& t) { file0(t).as_dict()["path"] = Value(List{Value("..\\..\\x")}); },
     Errc::unsafe_path, "7:..\\..\\x"},
    {"path_nul", Kind::v1,
     [](Value& t) { file0(t).as_dict()["path"] = Value(List{Value(std::string("a\0b", 3))}); },
     Errc::unsafe_path, "3:a"},
    {"path_not_list", Kind::v1, [](Value& t) { file0(t).as_dict()["path"] = Value("a.bin"); },
     Errc::wrong_type, "5:a.bin"},
    {"path_component_int", Kind::v1,
     [](Value& t) {
       file0(t).as_dict()["path"] = Value(List{Value(1242), Value("x")});
     },
     Errc::wrong_type, "i1242e"},
    {"path_missing", Kind::v1, [](Value& t) { file0(t).as_dict().erase("path"); },
     Errc::missing_field, "d6:length"},
    {"path_empty_list", Kind::v1, [](Value& t) { file0(t).as_dict()["path"] = Value(List{}); },
     Errc::invalid_value, "le"},
    {"duplicate_paths", Kind::v1,
     [](Value& t) { files_of(t)[1].as_dict()["path"] = Value(List{Value("a.bin")}); },
     Errc::inconsistent, "d6:lengthi0e"},
    {"file_is_also_directory", Kind::v1,
     [](Value& t) { file0(t).as_dict()["path"] = Value(List{Value("sub")}); }, Errc::inconsistent,
     ""},
    {"file_inside_file", Kind::v1,
     [](Value& t) {
       files_of(t)[1].as_dict()["path"] = Value(List{Value("a.bin"), Value("inside")});
     },
     Errc::inconsistent, "d6:lengthi0e"},
    {"length_negative", Kind::v1, [](Value& t) { file0(t).as_dict()["length"] = Value(-45); },
     Errc::invalid_value, "i-45e"},
    {"length_string", Kind::v1, [](Value& t) { file0(t).as_dict()["length"] = Value("40000"); },
     Errc::wrong_type, "5:40000"},
    {"length_missing", Kind::v1, [](Value& t) { file0(t).as_dict().erase("length"); },
     Errc::missing_field, "d4:path"},
    {"length_too_large", Kind::v1,
     [](Value& t) { file0(t).as_dict()["length"] = Value(std::int64_t{1} << 50); },
     Errc::limit_exceeded, "i1125899906842624e"},
    {"total_size_overflow", Kind::v1,
     [](Value& t) {
       file0(t).as_dict()["length"] = Value(std::int64_t{1} << 47);
       files_of(t)[3].as_dict()["length"] = Value(std::int64_t{1} << 47);
     },
     Errc::limit_exceeded, ""},
    {"too_many_pieces", Kind::v1,
     [](Value& t) { file0(t).as_dict()["length"] = Value(std::int64_t{1} << 40); },
     Errc::limit_exceeded, ""},
    {"files_not_list", Kind::v1, [](Value& t) { info_of(t)["files"] = Value(Dict{}); },
     Errc::wrong_type, "de"},
    {"files_empty", Kind::v1, [](Value& t) { info_of(t)["files"] = Value(List{}); },
     Errc::invalid_value, ""},
    {"file_entry_not_dict", Kind::v1, [](Value& t) { file0(t) = Value("x"); }, Errc::wrong_type,
     "1:x"},
    {"no_files_no_length", Kind::v1, [](Value& t) { info_of(t).erase("files"); },
     Errc::missing_field, ""},
    {"all_files_empty", Kind::v1,
     [](Value& t) {
       for (Value& f : files_of(t)) f.as_dict()["length"] = Value(0);
       info_of(t)["pieces"] = Value("");
     },
     Errc::invalid_value, ""},
    {"attr_not_string", Kind::v1, [](Value& t) { file0(t).as_dict()["attr"] = Value(5); },
     Errc::wrong_type, "i5e"},
    {"symlink_without_target", Kind::v1,
     [](Value& t) {
       file0(t).as_dict()["attr"] = Value("l");
       file0(t).as_dict().erase("length");
     },
     Errc::missing_field, ""},
    {"symlink_with_length", Kind::v1,
     [](Value& t) {
       file0(t).as_dict()["attr"] = Value("l");
       file0(t).as_dict()["symlink path"] = Value(List{Value("empty")});
     },
     Errc::inconsistent, "i40000e"},
    {"symlink_absolute", Kind::v1,
     [](Value& t) {
       Dict& f = files_of(t)[1].as_dict();
       f["attr"] = Value("l");
       f["symlink path"] = Value(List{Value("/etc/passwd")});
     },
     Errc::unsafe_path, "11:/etc/passwd"},
    {"symlink_only_dots", Kind::v1,
     [](Value& t) {
       Dict& f = files_of(t)[1].as_dict();
       f["attr"] = Value("l");
       f["symlink path"] = Value(List{Value(".."), Value(".")});
     },
     Errc::invalid_value, "l2:..1:.e"},
    {"pieces_missing", Kind::v1, [](Value& t) { info_of(t).erase("pieces"); }, Errc::missing_field,
     ""},
    {"pieces_int", Kind::v1, [](Value& t) { info_of(t)["pieces"] = Value(-23); }, Errc::wrong_type,
     "i-23e"},
    {"pieces_not_multiple_of_20", Kind::v1,
     [](Value& t) { info_of(t)["pieces"] = Value(std::string(139, 'x')); }, Errc::inconsistent,
     "139:"},
    {"pieces_count_wrong", Kind::v1,
     [](Value& t) { info_of(t)["pieces"] = Value(std::string(120, 'x')); }, Errc::inconsistent,
     "120:"},
    {"private_string", Kind::v1, [](Value& t) { info_of(t)["private"] = Value("1"); },
     Errc::wrong_type, "1:1"},
    {"file_tree_without_meta_version", Kind::v1,
     [](Value& t) { info_of(t)["file tree"] = Value(Dict{}); }, Errc::missing_field, "de"},
    {"meta_version_3", Kind::v2, [](Value& t) { info_of(t)["meta version"] = Value(3); },
     Errc::unsupported, "i3e"},
    {"meta_version_string", Kind::v2, [](Value& t) { info_of(t)["meta version"] = Value("2"); },
     Errc::wrong_type, "1:2"},
    {"v2_without_file_tree", Kind::v2, [](Value& t) { info_of(t).erase("file tree"); },
     Errc::missing_field, ""},
    {"file_tree_not_dict", Kind::v2, [](Value& t) { info_of(t)["file tree"] = Value(List{}); },
     Errc::wrong_type, "le"},
    {"tree_node_not_dict", Kind::v2, [](Value& t) { tree_of(t)["a.bin"] = Value(7); },
     Errc::wrong_type, "i7e"},
    {"tree_leaf_not_dict", Kind::v2,
     [](Value& t) {
       tree_of(t)["a.bin"] = Value(Dict{{"", Value("x")}});
     },
     Errc::wrong_type, "1:x"},
    {"tree_file_and_directory", Kind::v2,
     [](Value& t) {
       tree_of(t).at("a.bin").as_dict()["child"] =
           Value(Dict{{"", Value(Dict{{"length", Value(0)}})}});
     },
     Errc::inconsistent, "d0:d6:length"},
    {"tree_empty_name", Kind::v2,
     [](Value& t) {
       tree_of(t)[""] = Value(Dict{{"", Value(Dict{{"length", Value(0)}})}});
     },
     Errc::unsafe_path, "d0:d6:lengthi0eee"},
    {"tree_dotdot", Kind::v2, [](Value& t) { tree_of(t)[".."] = tree_of(t).at("sub"); },
     Errc::unsafe_path, ""},
    {"tree_slash", Kind::v2, [](Value& t) { tree_of(t)["x/y"] = tree_of(t).at("a.bin"); },
     Errc::unsafe_path, ""},
    {"v2_length_missing", Kind::v2, [](Value& t) { leaf_a(t).erase("length"); },
     Errc::missing_field, ""},
    {"v2_length_negative", Kind::v2, [](Value& t) { leaf_a(t)["length"] = Value(-1); },
     Errc::invalid_value, "i-1e"},
    {"v2_pad_attribute", Kind::v2, [](Value& t) { leaf_a(t)["attr"] = Value("p"); },
     Errc::invalid_value, "1:p"},
    {"pieces_root_missing", Kind::v2, [](Value& t) { leaf_a(t).erase("pieces root"); },
     Errc::missing_field, ""},
    {"pieces_root_short", Kind::v2,
     [](Value& t) { leaf_a(t)["pieces root"] = Value(std::string(31, 'r')); }, Errc::invalid_value,
     "31:"},
    {"pieces_root_zero", Kind::v2,
     [](Value& t) { leaf_a(t)["pieces root"] = Value(std::string(32, '\0')); }, Errc::invalid_value,
     "32:"},
    {"pieces_root_int", Kind::v2, [](Value& t) { leaf_a(t)["pieces root"] = Value(1); },
     Errc::wrong_type, "i1e"},
    {"v2_total_too_large", Kind::v2,
     [](Value& t) { leaf_a(t)["length"] = Value((std::int64_t{1} << 48) - 1); },
     Errc::limit_exceeded, ""},
    {"v2_too_many_pieces", Kind::v2,
     [](Value& t) { leaf_a(t)["length"] = Value(std::int64_t{1} << 40); }, Errc::limit_exceeded,
     ""},
    {"layer_key_length", Kind::v2,
     [](Value& t) { t.as_dict()["piece layers"].as_dict()["short"] = Value(std::string(32, 'x')); },
     Errc::invalid_value, "32:"},
    {"layer_not_string", Kind::v2,
     [](Value& t) {
       Dict& l = t.as_dict()["piece layers"].as_dict();
       l.begin()->second = Value(512);
     },
     Errc::wrong_type, "i512e"},
    {"layer_not_multiple_of_32", Kind::v2,
     [](Value& t) {
       Dict& l = t.as_dict()["piece layers"].as_dict();
       l.begin()->second.as_string().push_back('x');
     },
     Errc::inconsistent, ""},
    {"layer_wrong_count", Kind::v2,
     [](Value& t) {
       Dict& l = t.as_dict()["piece layers"].as_dict();
       l.begin()->second.as_string() += std::string(32, 'x');
     },
     Errc::inconsistent, ""},
    {"layer_wrong_hashes", Kind::v2,
     [](Value& t) {
       Dict& l = t.as_dict()["piece layers"].as_dict();
       l.begin()->second.as_string()[5] ^= 1;
     },
     Errc::inconsistent, ""},
    {"layer_root_wrong", Kind::v2,
     [](Value& t) {
       // A layer that is valid for another root than the file claims.
       std::string& root = leaf_a(t)["pieces root"].as_string();
       Dict& l = t.as_dict()["piece layers"].as_dict();
       Value layer = l.at(root);
       l.erase(root);
       root[0] ^= 1;
       l[root] = layer;
     },
     Errc::inconsistent, ""},
};

INSTANTIATE_TEST_SUITE_P(All, MetainfoReject, ::testing::ValuesIn(kRejectCases),
                         [](const ::testing::TestParamInfo<RejectCase>& p) {
                           return std::string(p.param.name);
                         });

TEST(MetainfoReject, NonCanonicalV2InfoDict) {
  Value t = build(Kind::v2, "d", {{{"a"}, content(10, 1), ""}}, 16384);
  std::string bytes = bencode::encode(t);
  // Swap "name" and "piece length" inside the info dict: still valid bencode, no longer sorted.
  const std::string sorted = "4:name1:d12:piece lengthi16384e";
  const auto at = bytes.find(sorted);
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, sorted.size(), "12:piece lengthi16384e4:name1:d");
  const Error e = parse_error(bytes);
  EXPECT_EQ(e.code, Errc::non_canonical) << e.message();
  EXPECT_EQ(e.offset, at + 22) << e.message();  // the out-of-order key
  // The same reordering in a v1 info dict is accepted, and hashed as written.
  Value v1 = build(Kind::v1, "d", {{{"a"}, content(10, 1), ""}}, 16384);
  bytes = bencode::encode(v1);
  const auto at1 = bytes.find(sorted);
  ASSERT_NE(at1, std::string::npos);
  bytes.replace(at1, sorted.size(), "12:piece lengthi16384e4:name1:d");
  auto m = parse_metainfo(bytes);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_NE(*m->info_hash().v1, sha1(bencode::encode(Value(info_of(v1)))));
}

// =============================================================================================
// Hostile input: always an error, never a crash.

TEST(MetainfoHostile, NotATorrent) {
  EXPECT_EQ(parse_error("").code, Errc::truncated);
  EXPECT_EQ(parse_error("10:libtorrent").code, Errc::wrong_type);
  EXPECT_EQ(parse_error("li1ee").code, Errc::wrong_type);
  EXPECT_EQ(parse_error("d4:info").code, Errc::truncated);
  EXPECT_EQ(parse_error("d4:infoi1ee").code, Errc::wrong_type);
  EXPECT_EQ(parse_error("d4:infodee").code, Errc::missing_field);
  const Error e = parse_error("d4:info99999999999:xe");
  EXPECT_TRUE(e.code == Errc::limit_exceeded || e.code == Errc::truncated) << e.message();
  EXPECT_EQ(e.offset, 7u);
  EXPECT_EQ(e.context, "metainfo");
}

TEST(MetainfoHostile, EveryTruncationIsAnError) {
  for (Kind kind : {Kind::v1, Kind::v2, Kind::hybrid}) {
    const std::string bytes = bencode::encode(build(kind, "t", sample_files(), 16384));
    ASSERT_TRUE(parse_metainfo(bytes));
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      auto r = parse_metainfo(std::string_view(bytes).substr(0, n));
      ASSERT_FALSE(r) << "prefix of " << n << " bytes parsed";
      EXPECT_NE(r.error().message(), "");
    }
  }
}

TEST(MetainfoHostile, MutatedBytesNeverCrash) {
  // Every byte of a small hybrid torrent replaced by a few values: whatever parses must still be
  // self-consistent.
  const std::string bytes = bencode::encode(build(
      Kind::hybrid, "t", {{{"a"}, content(20000, 1), ""}, {{"b"}, content(30, 2), ""}}, 16384));
  std::size_t parsed = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (char c : {'0', '9', 'e', 'd', 'l', 'i', ':', '\xff'}) {
      std::string b = bytes;
      b[i] = c;
      auto m = parse_metainfo(b);
      if (!m) {
        EXPECT_FALSE(m.error().what.empty());
        continue;
      }
      ++parsed;
      std::int64_t end = 0;
      for (const auto& f : m->files()) end = std::max(end, f.offset + f.length);
      EXPECT_LE(end, m->total_size());
      EXPECT_EQ(
          m->num_pieces(),
          static_cast<std::size_t>((m->total_size() + m->piece_length() - 1) / m->piece_length()));
    }
  }
  EXPECT_GT(parsed, 0u);  // mutations of names and hashes still parse
}

TEST(MetainfoHostile, LimitsApply) {
  const std::string bytes = bencode::encode(build(Kind::v1, "t", sample_files(), 16384));
  MetainfoOptions o;
  o.max_pieces = 6;
  EXPECT_EQ(parse_error(bytes, o).code, Errc::limit_exceeded);
  o = {};
  o.limits.max_total_size = 100;
  EXPECT_EQ(parse_error(bytes, o).code, Errc::limit_exceeded);
  o = {};
  o.limits.max_tokens = 10;
  EXPECT_EQ(parse_error(bytes, o).code, Errc::limit_exceeded);
  o = {};
  o.limits.max_string_length = 50;
  EXPECT_EQ(parse_error(bytes, o).code, Errc::limit_exceeded);
}

TEST(MetainfoHostile, DeepRecursionInFileTree) {
  const Error e = parse_error(read_file(kTorrents + "/v2_deep_recursion.torrent"));
  EXPECT_EQ(e.code, Errc::limit_exceeded) << e.message();
  EXPECT_NE(e.offset, Error::npos);
}

// =============================================================================================
// Oracle: libtorrent 2.0.8's verdict on its own edge-case corpus (manifest.json).

namespace {

// Files libtorrent loads and we refuse, and why.
const std::map<std::string, std::pair<Errc, const char*>>& deliberate_rejections() {
  static const std::map<std::string, std::pair<Errc, const char*>> m{
      {"absolute_filename.torrent",
       {Errc::unsafe_path, "component '/foobar'; libtorrent drops the '/'"}},
      {"backslash_path.torrent",
       {Errc::unsafe_path, "components '\\' (a separator on Windows); libtorrent drops them"}},
      {"duplicate_files.torrent",
       {Errc::inconsistent, "two files at one path; libtorrent renames the second"}},
      {"duplicate_files2.torrent",
       {Errc::inconsistent, "118 files at one path; libtorrent renames them"}},
      {"empty_path_multi.torrent", {Errc::unsafe_path, "empty components; libtorrent writes '_'"}},
      {"hidden_parent_path.torrent",
       {Errc::unsafe_path, "component 'foo/../../../bar'; libtorrent strips the '/'"}},
      {"invalid_directory_name.torrent",
       {Errc::unsafe_path, "components '/' and '\\'; libtorrent drops them"}},
      {"invalid_filename.torrent",
       {Errc::unsafe_path, "name '\\est2' and component '.'; libtorrent rewrites them"}},
      {"invalid_filename2.torrent", {Errc::unsafe_path, "name '\\est2', components '.' and '/'"}},
      {"parent_path.torrent", {Errc::unsafe_path, "components '..'; libtorrent drops them"}},
      {"slash_path.torrent", {Errc::unsafe_path, "components '/'; libtorrent drops them"}},
      {"slash_path2.torrent",
       {Errc::unsafe_path, "component 'abc/../../def'; libtorrent strips the '/'"}},
      {"slash_path3.torrent",
       {Errc::unsafe_path, "name 'temp/../../abc'; libtorrent strips the '/'"}},
      {"symlink_filtered_path.torrent",
       {Errc::unsafe_path, "component '/' in a path and a symlink target"}},
      {"v2_invalid_filename.torrent", {Errc::unsafe_path, "name and file-tree key contain '/'"}},
      {"v2_invalid_filename2.torrent", {Errc::unsafe_path, "file-tree keys '//' and '\\'"}},
      {"v2_invalid_piece_layer_root.torrent",
       {Errc::inconsistent,
        "the piece layer does not hash to the pieces root; libtorrent notices only when a "
        "session adds the torrent"}},
      {"v2_invalid_root_hash.torrent",
       {Errc::inconsistent,
        "the piece layer does not hash to the pieces root (libtorrent's own test expects "
        "torrent_invalid_piece_layer from add_torrent)"}},
  };
  return m;
}

// Files both load, where our figures differ on purpose.
const std::map<std::string, const char*>& deliberate_name_differences() {
  static const std::map<std::string, const char*> m{
      {"long_name.torrent",
       "libtorrent shortens path components beyond 240 bytes; we report the name as written"},
  };
  return m;
}

}  // namespace

TEST(MetainfoOracle, LibtorrentCorpusVerdicts) {
  const std::string manifest = read_file(kTorrents + "/manifest.json");
  const std::vector<JsonObject> entries = MiniJson(manifest).array_of_objects();
  std::size_t torrent_files = 0;
  for (const auto& e : std::filesystem::directory_iterator(kTorrents))
    if (e.path().extension() == ".torrent") ++torrent_files;
  ASSERT_EQ(entries.size(), torrent_files) << "manifest.json should describe every .torrent file";

  std::size_t loaded = 0;
  std::size_t rejected = 0;
  std::set<std::string> differences_seen;
  for (const JsonObject& entry : entries) {
    const std::string file = get<std::string>(entry, "file");
    SCOPED_TRACE(file);
    const std::string bytes = read_file(kTorrents + "/" + file);
    ASSERT_EQ(static_cast<std::int64_t>(bytes.size()), get<std::int64_t>(entry, "bytes"));
    auto m = parse_metainfo(bytes);

    if (!get<bool>(entry, "loads")) {
      EXPECT_FALSE(m) << "libtorrent rejects it: " << get<std::string>(entry, "error");
      if (!m) {
        ++rejected;
        EXPECT_FALSE(m.error().what.empty());
      }
      continue;
    }
    if (auto d = deliberate_rejections().find(file); d != deliberate_rejections().end()) {
      differences_seen.insert(file);
      ASSERT_FALSE(m) << "expected to refuse: " << d->second.second;
      EXPECT_EQ(m.error().code, d->second.first) << m.error().message();
      continue;
    }
    ASSERT_TRUE(m) << m.error().message();
    ++loaded;
    const auto v1 = entry.at("v1");
    const auto v2 = entry.at("v2");
    if (std::holds_alternative<std::string>(v1)) {
      ASSERT_TRUE(m->info_hash().v1);
      EXPECT_EQ(m->info_hash().v1->hex(), std::get<std::string>(v1));
    } else {
      EXPECT_FALSE(m->info_hash().v1);
    }
    if (std::holds_alternative<std::string>(v2)) {
      ASSERT_TRUE(m->info_hash().v2);
      EXPECT_EQ(m->info_hash().v2->hex(), std::get<std::string>(v2));
    } else {
      EXPECT_FALSE(m->info_hash().v2);
    }
    EXPECT_EQ(libtorrent_file_count(*m), get<std::int64_t>(entry, "num_files"));
    EXPECT_EQ(m->total_size(), get<std::int64_t>(entry, "total_size"));
    EXPECT_EQ(m->piece_length(), get<std::int64_t>(entry, "piece_length"));
    EXPECT_EQ(static_cast<std::int64_t>(m->num_pieces()), get<std::int64_t>(entry, "num_pieces"));
    EXPECT_EQ(m->is_private(), get<bool>(entry, "priv"));
    if (deliberate_name_differences().contains(file)) {
      differences_seen.insert(file);
      EXPECT_NE(m->name(), get<std::string>(entry, "name"));
    } else {
      EXPECT_EQ(m->name(), get<std::string>(entry, "name"));
    }
  }
  // Every listed difference is still real (the corpus has not changed under us).
  EXPECT_EQ(differences_seen.size(),
            deliberate_rejections().size() + deliberate_name_differences().size());
  EXPECT_GT(loaded, 30u);
  EXPECT_GT(rejected, 20u);
}

// =============================================================================================
// Interop: torrents made during the test by tools nobody here wrote.

class MetainfoInterop : public ::testing::Test {
protected:
  void SetUp() override {
    // payload/ (no symlinks): what mktorrent and libtorrent both hash.
    const std::filesystem::path p = m_dir.path / "payload";
    write_file(p / "a.bin", content(40000, 11));
    write_file(p / "empty", "");
    write_file(p / "sub" / "b.txt", content(100, 12));
    write_file(p / "sub" / "deep" / "c.dat", content(70000, 13));
    write_file(p / "big.dat", content(300000, 14));
    write_file(p / "tool.sh", content(5000, 15));
    chmod((p / "tool.sh").c_str(), 0755);
    write_file(m_dir.path / "single.bin", content(100000, 16));
    m_files_on_disk = {{"payload/a.bin", 40000},    {"payload/empty", 0},
                       {"payload/sub/b.txt", 100},  {"payload/sub/deep/c.dat", 70000},
                       {"payload/big.dat", 300000}, {"payload/tool.sh", 5000}};
  }

  std::string path(const std::string& rel) const { return (m_dir.path / rel).string(); }

  // Runs lt_make_torrent create and returns its "v1"/"v2" report.
  ToolReport lt_create(const std::string& args, const std::string& source,
                       const std::string& out) const {
    const RunResult r = run(shell_quote(SHOAL_LT_MAKE_TORRENT) + " create " + args + " " +
                            shell_quote(path(source)) + " " + shell_quote(path(out)));
    EXPECT_EQ(r.status, 0) << r.output;
    return parse_report(r.output);
  }

  Metainfo load(const std::string& rel) const {
    auto m = parse_metainfo(read_file(path(rel)));
    EXPECT_TRUE(m) << rel << ": " << m.error().message();
    if (!m) throw std::runtime_error(rel + " did not parse");
    return std::move(*m);
  }

  void expect_files(const Metainfo& m, const std::map<std::string, std::int64_t>& expected) const {
    std::map<std::string, std::int64_t> got;
    for (const auto& f : m.files())
      if (!f.pad) got[f.path_string()] = f.length;
    EXPECT_EQ(got, expected);
  }

  // Our file list against libtorrent's (from `inspect`): entries with data in order, with the
  // same offsets, sizes, attributes and paths (pad files' names aside); zero-length entries as a
  // set, because where an empty file sits in the piece stream means nothing (libtorrent itself
  // may list it on either side of a pad file). libtorrent's extra pad entries of v2-only torrents
  // are skipped. Symlink targets are compared on request: libtorrent points a target that names
  // nothing in the torrent back at the link itself, and Shoal keeps it as written.
  void expect_same_files_as_libtorrent(const Metainfo& m, const ToolReport& lt,
                                       bool compare_targets = false) const {
    std::vector<std::string> ours, theirs;
    std::multiset<std::string> ours_empty, theirs_empty;
    std::vector<std::string> our_targets;
    auto add = [](std::vector<std::string>& ordered, std::multiset<std::string>& empty,
                  const std::string& offset, const std::string& size, const std::string& flags,
                  const std::string& path) {
      if (size == "0")
        empty.insert(flags + " " + path);
      else
        ordered.push_back(offset + " " + size + " " + flags + " " + path);
    };
    for (const auto& f : m.files()) {
      std::string flags;
      if (f.pad) flags += 'p';
      if (f.executable) flags += 'x';
      if (f.hidden) flags += 'h';
      if (f.symlink) flags += 'l';
      if (flags.empty()) flags = "-";
      add(ours, ours_empty, std::to_string(f.offset), std::to_string(f.length), flags,
          f.pad ? "" : f.path_string());
      if (f.symlink) {
        std::string target;
        for (const auto& c : f.symlink_target) target += (target.empty() ? "" : "/") + c;
        our_targets.push_back(target);
      }
    }
    for (const auto& line : lt.files) {
      std::istringstream in(line);
      std::string offset, size, flags, p;
      in >> offset >> size >> flags;
      std::getline(in, p);
      const bool pad = flags.find('p') != std::string::npos;
      if (pad && m.version() == MetainfoVersion::v2) continue;
      add(theirs, theirs_empty, offset, size, flags, pad ? "" : p.substr(1));
    }
    EXPECT_EQ(ours, theirs);
    EXPECT_EQ(ours_empty, theirs_empty);
    if (compare_targets) {
      EXPECT_EQ(our_targets, lt.targets);
    }
  }

  TempDir m_dir;
  std::map<std::string, std::int64_t> m_files_on_disk;
};

TEST_F(MetainfoInterop, Mktorrent) {
  struct Case {
    std::string args, source, out;
  };
  const std::vector<Case> cases{
      {"-l 15", "payload", "mk_multi.torrent"},
      {"-l 16 -p -s SHOAL -c 'a comment' -w http://seed.example/files/", "payload",
       "mk_multi_private.torrent"},
      {"-l 15", "single.bin", "mk_single.torrent"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.out);
    const RunResult r =
        run("cd " + shell_quote(m_dir.path.string()) + " && " + shell_quote(SHOAL_MKTORRENT) +
            " -d -a http://tracker.example/announce -a udp://backup.example:6969/announce " +
            c.args + " -o " + shell_quote(c.out) + " " + shell_quote(c.source));
    ASSERT_EQ(r.status, 0) << r.output;
    const Metainfo m = load(c.out);
    EXPECT_EQ(m.version(), MetainfoVersion::v1);
    EXPECT_EQ(m.name(), c.source);
    const ToolReport lt = lt_inspect(path(c.out));
    ASSERT_EQ(lt.values.at("loads"), "1");
    EXPECT_EQ(m.info_hash().v1->hex(), lt.values.at("v1"));
    EXPECT_EQ(std::to_string(m.num_pieces()), lt.values.at("num_pieces"));
    EXPECT_EQ(std::to_string(m.total_size()), lt.values.at("total_size"));
    expect_same_files_as_libtorrent(m, lt);
    verify_against_disk(m, m_dir.path);
    EXPECT_EQ(m.trackers(),
              (std::vector<std::vector<std::string>>{{"http://tracker.example/announce"},
                                                     {"udp://backup.example:6969/announce"}}));
    EXPECT_EQ(m.created_by().rfind("mktorrent", 0), 0u) << m.created_by();
    EXPECT_FALSE(m.creation_date());
    if (c.source == "payload") {
      EXPECT_FALSE(m.is_single_file());
      expect_files(m, m_files_on_disk);
    } else {
      EXPECT_TRUE(m.is_single_file());
      expect_files(m, {{"single.bin", 100000}});
    }
    if (c.out == "mk_multi_private.torrent") {
      EXPECT_EQ(m.piece_length(), 65536);
      EXPECT_TRUE(m.is_private());
      EXPECT_EQ(m.source(), "SHOAL");
      EXPECT_EQ(m.comment(), "a comment");
      EXPECT_EQ(m.web_seeds(), std::vector<std::string>{"http://seed.example/files/"});
    } else {
      EXPECT_EQ(m.piece_length(), 32768);
      EXPECT_FALSE(m.is_private());
    }
  }
}

TEST_F(MetainfoInterop, LibtorrentCreator) {
  struct Case {
    std::string args, source, out;
    MetainfoVersion version;
  };
  const std::vector<Case> cases{
      {"--v1 --piece-length 16384", "payload", "lt_v1.torrent", MetainfoVersion::v1},
      {"--v2 --piece-length 16384", "payload", "lt_v2.torrent", MetainfoVersion::v2},
      {"--hybrid --piece-length 16384", "payload", "lt_hybrid.torrent", MetainfoVersion::hybrid},
      {"--hybrid --piece-length 65536 --no-tail-padding", "payload", "lt_hybrid_notail.torrent",
       MetainfoVersion::hybrid},
      {"--v2 --piece-length 32768", "single.bin", "lt_v2_single.torrent", MetainfoVersion::v2},
      {"--hybrid --piece-length 16384", "single.bin", "lt_hybrid_single.torrent",
       MetainfoVersion::hybrid},
      {"--v1 --piece-length 16384", "single.bin", "lt_v1_single.torrent", MetainfoVersion::v1},
      {"--hybrid --private --tracker http://t1.example/announce --tier 1 --tracker "
       "udp://t2.example:6969 "
       "--web-seed http://seed.example/ --comment hello",
       "payload", "lt_hybrid_meta.torrent", MetainfoVersion::hybrid},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.out);
    const ToolReport made = lt_create(c.args, c.source, c.out);
    const Metainfo m = load(c.out);
    EXPECT_EQ(m.version(), c.version);
    EXPECT_EQ(m.has_v1() ? m.info_hash().v1->hex() : "-", made.values.at("v1"));
    EXPECT_EQ(m.has_v2() ? m.info_hash().v2->hex() : "-", made.values.at("v2"));
    EXPECT_TRUE(m.has_piece_layers());
    const ToolReport lt = lt_inspect(path(c.out));
    EXPECT_EQ(std::to_string(m.num_pieces()), lt.values.at("num_pieces"));
    EXPECT_EQ(std::to_string(m.total_size()), lt.values.at("total_size"));
    EXPECT_EQ(libtorrent_file_count(m), std::stoll(lt.values.at("num_files")));
    EXPECT_EQ(m.name(), lt.values.at("name"));
    expect_same_files_as_libtorrent(m, lt);
    verify_against_disk(m, m_dir.path);
    if (c.source == "payload") {
      expect_files(m, m_files_on_disk);
      for (const auto& f : m.files()) {
        if (f.path_string() == "payload/tool.sh") {
          EXPECT_TRUE(f.executable);
        }
      }
    } else {
      EXPECT_TRUE(m.is_single_file());
      expect_files(m, {{"single.bin", 100000}});
    }
    if (c.out == "lt_hybrid_meta.torrent") {
      EXPECT_TRUE(m.is_private());
      EXPECT_EQ(m.trackers(), (std::vector<std::vector<std::string>>{{"http://t1.example/announce"},
                                                                     {"udp://t2.example:6969"}}));
      EXPECT_EQ(m.web_seeds(), std::vector<std::string>{"http://seed.example/"});
      EXPECT_EQ(m.comment(), "hello");
      EXPECT_NE(m.created_by().find("libtorrent"), std::string::npos);
    }
  }
}

TEST_F(MetainfoInterop, LibtorrentSymlinks) {
  const std::filesystem::path p = m_dir.path / "linked";
  write_file(p / "real" / "data.bin", content(20000, 21));
  std::filesystem::create_directories(p / "links");
  std::filesystem::create_symlink("../real/data.bin", p / "links" / "to_data");
  for (const char* version : {"--v1", "--v2", "--hybrid"}) {
    SCOPED_TRACE(version);
    const std::string out = std::string("links") + version + ".torrent";
    const ToolReport made =
        lt_create(std::string(version) + " --symlinks --piece-length 16384", "linked", out);
    const Metainfo m = load(out);
    const FileEntry* link = nullptr;
    for (const auto& f : m.files())
      if (f.symlink) link = &f;
    ASSERT_NE(link, nullptr);
    EXPECT_EQ(link->path_string(), "linked/links/to_data");
    EXPECT_EQ(link->symlink_target, (std::vector<std::string>{"linked", "real", "data.bin"}));
    EXPECT_EQ(link->length, 0);
    const ToolReport lt = lt_inspect(path(out));
    expect_same_files_as_libtorrent(m, lt, true);
    EXPECT_EQ(m.has_v1() ? m.info_hash().v1->hex() : "-", made.values.at("v1"));
    EXPECT_EQ(m.has_v2() ? m.info_hash().v2->hex() : "-", made.values.at("v2"));
  }
}

// The corpus again, file by file: for every torrent both accept, our file list (offsets, sizes,
// attributes, paths) is libtorrent's.
TEST_F(MetainfoInterop, CorpusFileListsMatchLibtorrent) {
  std::size_t compared = 0;
  for (const auto& e : std::filesystem::directory_iterator(kTorrents)) {
    if (e.path().extension() != ".torrent") continue;
    const std::string file = e.path().filename().string();
    SCOPED_TRACE(file);
    auto m = parse_metainfo(read_file(e.path().string()));
    const ToolReport lt = lt_inspect(e.path().string());
    if (!m || lt.values.at("loads") != "1") continue;
    if (deliberate_name_differences().contains(file)) continue;
    expect_same_files_as_libtorrent(*m, lt);
    ++compared;
  }
  EXPECT_GT(compared, 30u);
}
