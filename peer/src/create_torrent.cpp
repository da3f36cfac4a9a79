#include "shoal/peer/create_torrent.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <ctime>
#include <utility>

#include "shoal/peer/piece_size.hpp"
#include "shoal/proto/bencode.hpp"
#include "shoal/proto/magnet.hpp"
#include "shoal/proto/merkle.hpp"
#include "shoal/proto/metainfo.hpp"
#include "sys_error.hpp"

namespace shoal::peer {

namespace {

using bencode::Dict;
using bencode::List;
using bencode::Value;
using detail::errc_for_errno;
using detail::errno_text;
using detail::fail;

unexpected<ContentError> invalid(std::string what) {
  return unexpected<ContentError>(
      ContentError{ContentErrc::invalid_option, std::move(what), {}, 0});
}

// One entry of the torrent's file list, in the torrent's order, with its place in the piece
// stream. `source` is the index in FileSet::files, or npos for a pad file.
struct LayoutEntry {
  std::size_t source = static_cast<std::size_t>(-1);
  std::int64_t offset = 0;
  std::int64_t length = 0;
  bool pad() const { return source == static_cast<std::size_t>(-1); }
};

struct Layout {
  std::vector<LayoutEntry> entries;
  std::int64_t total_size = 0;  // piece stream bytes
};

std::int64_t round_up(std::int64_t n, std::int64_t multiple) {
  return (n + multiple - 1) / multiple * multiple;
}

// `order` lists FileSet indices in the torrent's order.
Layout make_layout(const FileSet& set, const std::vector<std::size_t>& order, TorrentFormat format,
                   std::int64_t piece_length) {
  Layout layout;
  std::int64_t pos = 0;
  // Index in `order` of the last non-empty file: no padding after it.
  std::size_t last_data = 0;
  for (std::size_t i = 0; i < order.size(); ++i)
    if (set.files[order[i]].length > 0) last_data = i;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::int64_t len = set.files[order[i]].length;
    layout.entries.push_back({order[i], pos, len});
    pos += len;
    if (format == TorrentFormat::v1 || len == 0 || i >= last_data) continue;
    const std::int64_t aligned = round_up(pos, piece_length);
    if (aligned == pos) continue;
    // Hybrid: an explicit BEP 47 pad file; v2: the same gap, implied.
    if (format == TorrentFormat::hybrid) layout.entries.push_back({LayoutEntry{}.source, pos, aligned - pos});
    pos = aligned;
  }
  layout.total_size = pos;
  return layout;
}

PieceStream make_stream(const FileSet& set, const Layout& layout, std::int64_t piece_length) {
  PieceStream s;
  s.piece_length = piece_length;
  s.total_size = layout.total_size;
  for (const LayoutEntry& e : layout.entries) {
    if (e.length == 0) continue;
    if (e.pad())
      s.files.push_back({{}, e.offset, e.length, StreamFileKind::zeros});
    else
      s.files.push_back({set.files[e.source].disk_path, e.offset, e.length, StreamFileKind::data});
  }
  return s;
}

// Opens and closes every file, so that an unreadable one fails before minutes of hashing.
expected<void, ContentError> check_readable(const FileSet& set) {
  for (const WalkedFile& f : set.files) {
    const int fd = ::open(f.disk_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      return fail(errc_for_errno(err), f.disk_path, "cannot open: " + errno_text(err), err);
    }
    ::close(fd);
  }
  return {};
}

expected<void, ContentError> check_unchanged(const FileSet& set) {
  for (const WalkedFile& f : set.files) {
    struct stat st{};
    if (::stat(f.disk_path.c_str(), &st) != 0) {
      const int err = errno;
      return fail(ContentErrc::changed, f.disk_path,
                  "disappeared while it was hashed (" + errno_text(err) + ")", err);
    }
    const std::int64_t mtime =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    if (static_cast<std::int64_t>(st.st_size) != f.length || mtime != f.mtime_ns)
      return fail(ContentErrc::changed, f.disk_path,
                  "changed while it was hashed (size or modification time differs); the torrent "
                  "was not written");
  }
  return {};
}

// The v2 `file tree` node for a path: nested dictionaries, one per component.
Dict& tree_node(Dict& root, const std::vector<std::string>& path) {
  Dict* node = &root;
  for (const std::string& c : path) {
    Value& child = (*node)[c];
    if (!child.is_dict()) child = Value(Dict{});
    node = &child.as_dict();
  }
  return *node;
}

List path_list(const std::vector<std::string>& path) {
  List l;
  for (const std::string& c : path) l.emplace_back(c);
  return l;
}

std::string_view digest_view(const Sha1Digest& d) { return d.view(); }

const char* unsafe_name_reason(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name == "." || name == "..") return "is '.' or '..'";
  if (name.find('/') != std::string_view::npos) return "contains '/'";
  if (name.find('\\') != std::string_view::npos) return "contains '\\'";
  if (name.find('\0') != std::string_view::npos) return "contains a NUL byte";
  return nullptr;
}

}  // namespace

std::string_view to_string(TorrentFormat format) noexcept {
  switch (format) {
    case TorrentFormat::v1: return "v1";
    case TorrentFormat::v2: return "v2";
    case TorrentFormat::hybrid: return "hybrid";
  }
  return "hybrid";
}

std::optional<TorrentFormat> parse_torrent_format(std::string_view text) noexcept {
  if (text == "v1") return TorrentFormat::v1;
  if (text == "v2") return TorrentFormat::v2;
  if (text == "hybrid") return TorrentFormat::hybrid;
  return std::nullopt;
}

bool output_inside_input(const std::filesystem::path& input, const std::filesystem::path& output) {
  std::error_code ec;
  // weakly_canonical resolves symbolic links in the part of the path that exists.
  const auto in = std::filesystem::weakly_canonical(std::filesystem::absolute(input, ec), ec);
  const auto out = std::filesystem::weakly_canonical(std::filesystem::absolute(output, ec), ec);
  auto i = in.begin();
  auto o = out.begin();
  for (; i != in.end(); ++i, ++o) {
    if (i->empty() && std::next(i) == in.end()) break;  // trailing separator
    if (o == out.end() || *i != *o) return false;
  }
  return true;
}

expected<CreatedTorrent, ContentError> create_torrent(const FileSet& set,
                                                      const CreateOptions& options) {
  const TorrentFormat format = options.format;
  const bool v1 = format != TorrentFormat::v2;
  const bool v2 = format != TorrentFormat::v1;

  // ---- options and content ----
  const std::string name = options.name.empty() ? set.name : options.name;
  if (const char* why = unsafe_name_reason(name))
    return invalid("torrent name '" + name + "' " + why);
  if (set.files.empty())
    return unexpected<ContentError>(ContentError{ContentErrc::empty, "no files to hash", set.input, 0});
  const std::int64_t payload = set.total_size();
  if (payload == 0)
    return fail(ContentErrc::empty, set.input,
                "every file is empty: a torrent needs at least one byte of content");
  std::int64_t piece_length = options.piece_length;
  if (piece_length == 0) {
    piece_length = choose_piece_length(payload);
  } else if (auto ok = check_piece_length(piece_length); !ok) {
    return invalid(ok.error());
  }

  // ---- layout ----
  std::vector<std::size_t> order(set.files.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (format == TorrentFormat::v1 && !set.single_file) {
    // mktorrent's order (see file_walk.hpp); v2 and hybrid keep the file tree's order.
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return set.files[a].path_string() < set.files[b].path_string();
    });
  }
  const Layout layout = make_layout(set, order, format, piece_length);
  if (layout.total_size > kMaxTotalSize)
    return fail(ContentErrc::too_large, set.input, "content is larger than 2^48 - 1 bytes");
  const PieceStream stream = make_stream(set, layout, piece_length);
  const std::size_t num_pieces = stream.num_pieces();
  if (num_pieces > kDefaultMaxPieces)
    return fail(ContentErrc::too_large, set.input,
                std::to_string(num_pieces) + " pieces of " + std::to_string(piece_length) +
                    " bytes is more than clients accept (" + std::to_string(kDefaultMaxPieces) +
                    "): choose a larger piece length");

  // ---- hashing ----
  if (auto ok = check_readable(set); !ok) return unexpected<ContentError>(ok.error());
  HashOptions hash_options;
  hash_options.v1 = v1;
  hash_options.v2 = v2;
  hash_options.threads = options.threads;
  hash_options.progress = options.progress;
  hash_options.progress_interval = options.progress_interval;
  auto hashes = hash_pieces(stream, hash_options);
  if (!hashes) return unexpected<ContentError>(std::move(hashes.error()));
  if (auto ok = check_unchanged(set); !ok) return unexpected<ContentError>(ok.error());

  // ---- info dictionary ----
  Dict info;
  info["name"] = Value(name);
  info["piece length"] = Value(piece_length);
  if (options.is_private) info["private"] = Value(1);
  if (!options.source.empty()) info["source"] = Value(options.source);

  std::size_t num_pads = 0;
  if (v1) {
    std::string pieces;
    pieces.reserve(num_pieces * Sha1Digest::size);
    for (const Sha1Digest& d : hashes->v1) pieces += digest_view(d);
    info["pieces"] = Value(std::move(pieces));
    if (set.single_file) {
      info["length"] = Value(payload);
    } else {
      List files;
      for (const LayoutEntry& e : layout.entries) {
        Dict f;
        f["length"] = Value(e.length);
        if (e.pad()) {
          ++num_pads;
          f["attr"] = Value("p");
          f["path"] = Value(path_list({".pad", std::to_string(e.length)}));
        } else {
          f["path"] = Value(path_list(set.files[e.source].path));
        }
        files.emplace_back(std::move(f));
      }
      info["files"] = Value(std::move(files));
    }
  }

  Dict piece_layers;
  if (v2) {
    const auto blocks_per_piece = static_cast<std::size_t>(piece_length / kV2BlockSize);
    const Sha256Digest layer_pad = merkle_pad_root(blocks_per_piece);
    Sha256Hasher hasher;
    Dict tree;
    for (const LayoutEntry& e : layout.entries) {
      if (e.pad()) continue;
      const WalkedFile& wf = set.files[e.source];
      Dict leaf;
      leaf["length"] = Value(e.length);
      if (e.length > 0) {
        const auto first = static_cast<std::size_t>(e.offset / piece_length);
        const auto count = static_cast<std::size_t>((e.length + piece_length - 1) / piece_length);
        const std::span<const Sha256Digest> layer(hashes->v2.data() + first, count);
        Sha256Digest root;
        if (e.length <= piece_length) {
          root = layer[0];  // hashed as its own tree (piece_hasher.hpp)
        } else {
          root = merkle_root(hasher, layer, std::bit_ceil(count), layer_pad);
          std::string bytes;
          bytes.reserve(count * Sha256Digest::size);
          for (const Sha256Digest& d : layer) bytes += d.view();
          piece_layers[std::string(root.view())] = Value(std::move(bytes));
        }
        leaf["pieces root"] = Value(std::string(root.view()));
      }
      const std::vector<std::string> path =
          set.single_file ? std::vector<std::string>{name} : wf.path;
      tree_node(tree, path)[""] = Value(std::move(leaf));
    }
    info["file tree"] = Value(std::move(tree));
    info["meta version"] = Value(2);
  }
  const std::string info_bytes = bencode::encode(Value(info));

  // ---- the file ----
  Dict top;
  std::vector<std::vector<std::string>> tiers;
  std::vector<std::string> all_trackers;
  for (const auto& tier : options.trackers) {
    std::vector<std::string> t;
    for (const std::string& url : tier) {
      if (url.empty()) continue;
      t.push_back(url);
      all_trackers.push_back(url);
    }
    if (!t.empty()) tiers.push_back(std::move(t));
  }
  if (!all_trackers.empty()) top["announce"] = Value(all_trackers.front());
  if (all_trackers.size() > 1) {
    List announce_list;
    for (const auto& t : tiers) announce_list.emplace_back(path_list(t));
    top["announce-list"] = Value(std::move(announce_list));
  }
  if (!options.comment.empty()) top["comment"] = Value(options.comment);
  if (!options.created_by.empty()) top["created by"] = Value(options.created_by);
  if (options.include_creation_date)
    top["creation date"] =
        Value(options.creation_date.value_or(static_cast<std::int64_t>(std::time(nullptr))));
  top["info"] = Value(std::move(info));
  if (!piece_layers.empty()) top["piece layers"] = Value(std::move(piece_layers));
  std::vector<std::string> web_seeds;
  for (const std::string& url : options.web_seeds)
    if (!url.empty()) web_seeds.push_back(url);
  if (!web_seeds.empty()) top["url-list"] = Value(path_list(web_seeds));

  CreatedTorrent out;
  out.bytes = bencode::encode(Value(std::move(top)));
  out.info_hash = InfoHash::from_info_dict(info_bytes, v1, v2);
  out.format = format;
  out.name = name;
  out.piece_length = piece_length;
  out.num_pieces = num_pieces;
  out.payload_size = payload;
  out.num_files = set.files.size();
  out.num_pad_files = num_pads;
  MagnetLink link;
  link.info_hash = out.info_hash;
  link.display_name = name;
  link.trackers = all_trackers;
  link.web_seeds = web_seeds;
  out.magnet_uri = make_magnet_uri(link);
  return out;
}

}  // namespace shoal::peer
