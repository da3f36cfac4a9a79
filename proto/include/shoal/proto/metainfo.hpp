#pragma once
// Metainfo: a parsed, validated .torrent file — BitTorrent v1 (BEP 3, single- and multi-file),
// v2 (BEP 52: `meta version` 2, `file tree`, `piece layers`) and hybrid (both in one `info` dict).
//
//   auto m = shoal::parse_metainfo(file_bytes);
//   if (!m) { std::cerr << m.error().message() << "\n"; return; }
//       // e.g. "metainfo: file 2: unsafe path component '..' (is '.' or '..') at byte 181"
//   m->info_hash().v1->hex();          // SHA-1 of the exact `info` bytes (v1 and hybrid)
//   m->info_hash().v2->hex();          // SHA-256 of the same bytes (v2 and hybrid)
//   m->name();                         // "Some.Album"
//   for (const shoal::FileEntry& f : m->files()) {
//     if (f.pad) continue;             // BEP 47 padding, never written to disk
//     f.path_string();                 // "Some.Album/CD1/01.flac" (relative to the download dir)
//     f.length; f.offset;              // size, and first byte in the piece stream
//   }
//   m->piece_hash(0);                  // v1: SHA-1 of piece 0
//   m->piece_layer(3);                 // v2: SHA-256 piece hashes of file 3
//   m->trackers();                     // announce tiers (BEP 12), or {{announce}}
//
// The whole file is decoded in bencode lenient mode (real torrents have unsorted keys and
// non-canonical integers) under MetainfoOptions::limits; bytes after the top-level dictionary are
// ignored, as libtorrent does. The info-hashes are computed over the exact bytes of the first
// `info` value (bencode::raw_dict_value), never over a re-encoding. A v2 or hybrid `info` dict must
// itself be canonical bencode (BEP 52, and libtorrent refuses it otherwise).
//
// The model, and the decisions taken where the BEPs are silent:
// - Version: `meta version` 2 with a `file tree` is v2; if the same `info` also has a v1 file list
//   (`files` or `length`), it is hybrid and needs `pieces` too. Without `meta version` (or with 1)
//   it is v1; a `file tree` without `meta version` 2 is an error, a `meta version` above 2 is
//   unsupported.
// - FileEntry::path is relative to the download directory: {name} for a single-file torrent,
//   {name, dir..., file} for a multi-file torrent (libtorrent's file_path()). A v2 torrent is
//   single-file when its file tree holds exactly one file at top level and the info dict has no
//   v1 `files` list; that file's path is its file-tree key.
// - files() of a v1 or hybrid torrent is the v1 `files` list in order, pad files included (a
//   hybrid's pad files come from its v1 list; its v2 tree supplies each real file's attributes and
//   pieces root). A v2-only torrent lists its real files only, in file-tree order; each non-empty
//   file still starts on a piece boundary, as BEP 52 requires, so FileEntry::offset skips the
//   implied padding.
// - total_size() is the size of the piece stream: every file including pad files, and for a
//   v2-only torrent including the implied padding after every file up to the next piece boundary
//   (libtorrent's total_size()). payload_size() is what is written to disk: real files only.
//   num_pieces() = ceil(total_size() / piece_length()).
// - Piece length: positive and at most kMaxPieceLength (libtorrent's bound) for v1; for v2 and
//   hybrid also a power of two and at least kV2BlockSize (BEP 52).
// - Paths are validated, never rewritten. A path component (and the name) that is empty, "." or
//   "..", or contains '/', '\\' (a separator on Windows) or a NUL byte is Errc::unsafe_path.
//   Where libtorrent silently sanitises such paths, Shoal refuses the torrent: a catalog or a
//   download must not depend on a rewritten path. Two files with the same path, or a file whose
//   path is another file's directory, are Errc::inconsistent (libtorrent renames them). Pad files
//   are exempt from the duplicate check and may omit `path` (they get {name, ".pad", "<length>"});
//   a file whose path contains "_____padding_file_" is a pad file (BitComet's convention), as in
//   libtorrent. Names and paths are byte strings: they are not required to be UTF-8 (`name.utf-8`
//   and `path.utf-8` are preferred when present).
// - Attributes (BEP 47 `attr`): 'p' pad, 'x' executable, 'h' hidden, 'l' symlink; other letters
//   are ignored. A symlink needs `symlink path`, occupies no bytes of the piece stream and its
//   `length`, if given, must be 0. A pad file in a v2 file tree is an error.
// - Symlink targets: BEP 47 says `symlink path` is relative to the torrent's root directory, but
//   libtorrent writes the link's readlink() text (relative to the link's directory, e.g.
//   {"..", "A", "lib"}) and drops "." and ".." components when it loads one. Shoal does the same
//   (the one place where a path is rewritten), so a target never leaves the torrent and
//   libtorrent-made torrents load; other unsafe components are refused as in paths.
// - v2 files: `length` is required; a non-empty file needs a 32-byte, non-zero `pieces root`.
//   A file-tree node that is both a file (has the "" key) and a directory is Errc::inconsistent.
// - Hybrid: the v1 list, without its pad files, must name the same files as the file tree, in
//   the same order, with the same lengths and symlink targets; every non-empty file must start at
//   the same (piece-aligned) offset, and every v1 pad file must fill exactly the gap up to the next
//   piece boundary. A tail pad after the last file is optional. Differences in the 'x' and 'h'
//   attributes are tolerated (as in libtorrent); the file tree's win.
// - `pieces` (v1, hybrid) must hold exactly num_pieces() SHA-1 hashes (a stray `pieces` string in
//   a v2-only torrent is ignored unless its length is wrong, as in libtorrent). A torrent with no
//   files, or whose files are all empty, is Errc::invalid_value; num_pieces() above
//   MetainfoOptions::max_pieces and a total size above kMaxTotalSize are Errc::limit_exceeded.
// - `piece layers` (outside `info`, so not covered by the info-hash) are checked against the file
//   tree: every key must be 32 bytes, every value a string of whole 32-byte hashes; a layer that
//   belongs to a file must have one hash per piece of that file and must hash up (BEP 52 merkle
//   tree) to the file's pieces root — libtorrent 2.0.8 only finds that out when the torrent is
//   added to a session. Layers that belong to no file are ignored. A missing layer is allowed (a
//   client fetches it from peers, as for a magnet link) unless MetainfoOptions::
//   require_piece_layers is set; a `piece layers` value that is not a dictionary counts as absent.
// - Optional fields outside `info` (announce, announce-list, url-list, httpseeds, comment,
//   created by, creation date) are advisory: a value of the wrong type is ignored, as libtorrent
//   does. Inside `info`, `private` must be an integer (non-zero means private); `source` is read
//   when it is a string.
// - announce-list (BEP 12): tiers in order; URLs are trimmed of surrounding whitespace; empty
//   URLs, non-string entries and URLs already seen in an earlier position are dropped, and tiers
//   left empty are removed. A tier given as a bare string counts as a one-URL tier.
// - url-list (BEP 19) may be a string or a list; httpseeds (BEP 17) likewise. Empty and duplicate
//   URLs are dropped; URLs are otherwise kept as written.
// Every Error has context "metainfo" and, where it applies, the byte offset (in the input) of the
// offending value; errors of the bencode layer keep their code and offset.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/proto/bencode.hpp"
#include "shoal/proto/error.hpp"
#include "shoal/proto/hash.hpp"
#include "shoal/proto/info_hash.hpp"
#include "shoal/proto/merkle.hpp"

namespace shoal {

/// Largest piece length accepted (libtorrent's bound, INT_MAX / 2). The largest power of two
/// below it, 512 MiB, is the largest v2 piece length.
inline constexpr std::int64_t kMaxPieceLength = 0x3fff'ffff;

/// Largest total size (piece stream bytes) of a torrent: 2^48 - 1 bytes, libtorrent's limit.
inline constexpr std::int64_t kMaxTotalSize = (std::int64_t{1} << 48) - 1;

/// Default cap on the number of pieces (libtorrent's load_torrent_limits::max_pieces). With 16 KiB
/// pieces that is 32 GiB; with 4 MiB pieces, 8 TiB.
inline constexpr std::size_t kDefaultMaxPieces = 0x20'0000;

struct MetainfoOptions {
  /// Bounds for decoding the whole .torrent file (depth, tokens, string length, input size).
  bencode::Limits limits{};
  /// More pieces than this is Errc::limit_exceeded.
  std::size_t max_pieces = kDefaultMaxPieces;
  /// Reject (Errc::missing_field) a v2 or hybrid torrent that lacks the piece layer of a file
  /// larger than one piece. Off by default: libtorrent accepts such torrents.
  bool require_piece_layers = false;
};

enum class MetainfoVersion { v1, v2, hybrid };

/// One entry of the file list.
struct FileEntry {
  /// Path relative to the download directory; see the header comment. Never empty.
  std::vector<std::string> path;
  /// Size in bytes (0 for symlinks).
  std::int64_t length = 0;
  /// Offset of the file's first byte in the piece stream (see Metainfo::total_size()).
  std::int64_t offset = 0;
  bool pad = false;         ///< BEP 47 padding ('p' or BitComet name); not written to disk
  bool executable = false;  ///< 'x'
  bool hidden = false;      ///< 'h'
  bool symlink = false;     ///< 'l'
  /// For a symlink: the target, relative to the download directory like `path`, with "." and
  /// ".." components dropped (see the header comment).
  std::vector<std::string> symlink_target;
  /// v2 and hybrid: root of the file's SHA-256 hash tree; absent for empty files, pad files and
  /// symlinks, and in v1-only torrents.
  std::optional<Sha256Digest> pieces_root;

  /// The path components joined with '/'.
  std::string path_string() const;

  friend bool operator==(const FileEntry&, const FileEntry&) = default;
};

/// First piece and one-past-last piece of a range of the piece stream.
struct PieceRange {
  std::size_t begin = 0;
  std::size_t end = 0;
  friend bool operator==(const PieceRange&, const PieceRange&) = default;
};

namespace detail {
class MetainfoParser;
}

/// A validated torrent. Created by parse_metainfo(); all accessors are cheap.
class Metainfo {
public:
  // ---- identity ----
  const InfoHash& info_hash() const noexcept { return m_info_hash; }
  MetainfoVersion version() const noexcept { return m_version; }
  bool has_v1() const noexcept { return m_version != MetainfoVersion::v2; }
  bool has_v2() const noexcept { return m_version != MetainfoVersion::v1; }
  /// The exact bytes of the `info` dictionary (what the info-hashes are computed over, and what
  /// BEP 9 metadata exchange sends).
  const std::string& info_section() const noexcept { return m_info_section; }

  // ---- content ----
  /// `name.utf-8` if present, else `name`. Never empty.
  const std::string& name() const noexcept { return m_name; }
  std::int64_t piece_length() const noexcept { return m_piece_length; }
  std::size_t num_pieces() const noexcept { return m_num_pieces; }
  /// Bytes of the piece stream, pad files and implied v2 padding included (> 0).
  std::int64_t total_size() const noexcept { return m_total_size; }
  /// Bytes of the real files (pad files and symlinks excluded).
  std::int64_t payload_size() const noexcept { return m_payload_size; }
  bool is_single_file() const noexcept { return m_single_file; }
  const std::vector<FileEntry>& files() const noexcept { return m_files; }
  /// Bytes of piece `piece` of the piece stream: piece_length(), except possibly the last (in a
  /// v2-only torrent every piece counts as whole, the implied padding included; the data of a
  /// file's last piece ends at the file's end). Precondition: piece < num_pieces().
  std::int64_t piece_size(std::size_t piece) const noexcept;
  /// Pieces that hold any byte of file `file`; empty (begin == end) for zero-length files.
  /// Precondition: file < files().size().
  PieceRange file_pieces(std::size_t file) const noexcept;

  // ---- v1 piece hashes ----
  /// The concatenated 20-byte SHA-1 piece hashes (v1 and hybrid; empty for v2-only).
  std::string_view piece_hashes() const noexcept { return m_piece_hashes; }
  /// SHA-1 of piece `piece`. Precondition: has_v1() && piece < num_pieces().
  Sha1Digest piece_hash(std::size_t piece) const noexcept;

  // ---- v2 piece layers ----
  /// The concatenated 32-byte SHA-256 hashes of file `file`'s pieces, validated against its
  /// pieces root: for a file larger than one piece, its entry of `piece layers` (empty if the
  /// torrent does not carry it); for a non-empty file of at most one piece, its pieces root (the
  /// hash of its only piece — but computed over the file's blocks padded to a power of two, not
  /// to a whole piece). Empty for pad files, empty files, symlinks and v1-only torrents.
  /// Precondition: file < files().size().
  std::string_view piece_layer(std::size_t file) const noexcept;
  /// True when piece_layer() is available for every file that has a pieces root (always true
  /// for v1-only torrents).
  bool has_piece_layers() const noexcept { return m_has_piece_layers; }

  // ---- everything else ----
  bool is_private() const noexcept { return m_private; }
  /// `source` inside `info` (private trackers use it to make info-hashes unique), or "".
  const std::string& source() const noexcept { return m_source; }
  const std::string& comment() const noexcept { return m_comment; }
  const std::string& created_by() const noexcept { return m_created_by; }
  /// Seconds since the Unix epoch, when present and not negative.
  std::optional<std::int64_t> creation_date() const noexcept { return m_creation_date; }
  /// The `announce` URL (trimmed), or "".
  const std::string& announce() const noexcept { return m_announce; }
  /// The cleaned `announce-list` tiers (see the header comment).
  const std::vector<std::vector<std::string>>& announce_list() const noexcept {
    return m_announce_list;
  }
  /// The trackers a client uses (BEP 12): announce_list() if not empty, else {{announce()}} if
  /// that is not empty, else {}.
  std::vector<std::vector<std::string>> trackers() const;
  /// BEP 19 `url-list` web seeds.
  const std::vector<std::string>& web_seeds() const noexcept { return m_web_seeds; }
  /// BEP 17 `httpseeds`.
  const std::vector<std::string>& http_seeds() const noexcept { return m_http_seeds; }

private:
  friend class detail::MetainfoParser;
  Metainfo() = default;

  InfoHash m_info_hash;
  MetainfoVersion m_version = MetainfoVersion::v1;
  std::string m_info_section;
  std::string m_name;
  std::int64_t m_piece_length = 0;
  std::size_t m_num_pieces = 0;
  std::int64_t m_total_size = 0;
  std::int64_t m_payload_size = 0;
  bool m_single_file = false;
  std::vector<FileEntry> m_files;
  std::string m_piece_hashes;
  std::vector<std::string> m_piece_layers;  // per file, see piece_layer()
  bool m_has_piece_layers = true;
  bool m_private = false;
  std::string m_source;
  std::string m_comment;
  std::string m_created_by;
  std::optional<std::int64_t> m_creation_date;
  std::string m_announce;
  std::vector<std::vector<std::string>> m_announce_list;
  std::vector<std::string> m_web_seeds;
  std::vector<std::string> m_http_seeds;
};

/// Parses and validates the bytes of a .torrent file (see the header comment for every rule).
expected<Metainfo, Error> parse_metainfo(std::string_view bytes,
                                         const MetainfoOptions& options = {});

// The BEP 52 hash-tree helpers (kV2BlockSize, merkle_root, merkle_pad_root) are in
// shoal/proto/merkle.hpp, included above.

}  // namespace shoal
