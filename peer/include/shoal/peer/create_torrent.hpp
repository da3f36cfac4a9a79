#pragma once
// The torrent creator: v1, v2 (BEP 52) and hybrid .torrent files from walked content, hashed by
// hash_pieces() (multi-threaded, each byte read once, SHA-1 and SHA-256 from the same read).
//
//   namespace peer = shoal::peer;
//   auto files = peer::walk_files("/data/Some.Album", {});
//   if (!files) return fail(files.error().message);
//   peer::CreateOptions opts;                       // hybrid, automatic piece length, all cores
//   opts.trackers = {{"https://tracker.example/announce"}, {"udp://backup.example:6969/announce"}};
//   opts.is_private = true;
//   auto t = peer::create_torrent(*files, opts);
//   if (!t) return fail(t.error().message);
//   auto w = peer::write_file_atomically("Some.Album.torrent", t->bytes, /*overwrite=*/false);
//   t->info_hash.v1->hex(); t->info_hash.v2->hex(); t->magnet_uri;
//
// What is written (keys sorted, canonical bencode; shoal::parse_metainfo and libtorrent load it):
// - Top level: `announce` (the first tracker), `announce-list` (the tiers, when there is more
//   than one URL), `comment`, `created by` (CreateOptions::created_by, "shoal 0.1.0" by default;
//   omitted when empty), `creation date` (now, or CreateOptions::creation_date; omitted when
//   include_creation_date is false), `info`, `piece layers` (v2, hybrid), `url-list` (BEP 19 web
//   seeds, always a list). Empty tracker and web-seed URLs are dropped, as are empty tiers.
// - `info`, v1: `length` (single file) or `files` (each {`length`, `path`}), `name`,
//   `piece length`, `pieces`, `private` (only when private: 1), `source` (only when set). This is
//   exactly mktorrent 1.1's key set, and v1 multi-file lists are in mktorrent's order (whole
//   relative path, byte by byte; see file_walk.hpp), so for the same files, piece length,
//   private flag and source, the v1 info-hash equals mktorrent's (tests/peer prove it).
// - `info`, v2: `file tree`, `meta version` 2, `name`, `piece length`, `private`, `source`; files
//   in tree order, each non-empty one starting on a piece boundary (implied padding).
//   BEP 52 has no separate single-file form: a v2-only torrent of a directory that holds exactly
//   one file at its top level reads back (in libtorrent and shoal::parse_metainfo alike) as a
//   single-file torrent of that file, without the directory. v1 and hybrid keep the directory.
// - `info`, hybrid: both of the above in one dict. The v1 `files` list follows the file tree's
//   order and carries a BEP 47 pad file ({`attr` "p", `length` N, `path` [".pad", "N"]}) after
//   every non-empty file that does not end on a piece boundary, except when no non-empty file
//   follows (no tail padding — as libtorrent's canonical_files_no_tail_padding). A single-file
//   hybrid uses `length`.
// - No BEP 47 `attr` on real files ('x', 'h'): a file's mode is not part of the published
//   content, and mktorrent writes none.
// Piece length: CreateOptions::piece_length when non-zero (must pass check_piece_length()),
// otherwise choose_piece_length(payload size). More than kDefaultMaxPieces pieces is
// ContentErrc::too_large (libtorrent refuses such torrents): choose a larger piece length.
//
// Content checks: a FileSet whose files are all empty is ContentErrc::empty. Every file is
// opened before hashing starts (so an unreadable file fails fast), and after hashing each file's
// size and modification time are compared with the walk's: a difference is ContentErrc::changed
// ("file changed while it was hashed"). Nothing is written by create_torrent(): the caller writes
// CreatedTorrent::bytes (write_file_atomically() leaves no partial file behind).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/peer/content_error.hpp"
#include "shoal/peer/file_walk.hpp"
#include "shoal/peer/piece_hasher.hpp"
#include "shoal/proto/expected.hpp"
#include "shoal/proto/info_hash.hpp"

namespace shoal::peer {

enum class TorrentFormat { v1, v2, hybrid };

/// "v1", "v2", "hybrid".
std::string_view to_string(TorrentFormat format) noexcept;
/// Parses "v1", "v2" or "hybrid"; nullopt otherwise.
std::optional<TorrentFormat> parse_torrent_format(std::string_view text) noexcept;

/// The default `created by` value.
inline constexpr std::string_view kDefaultCreatedBy = "shoal 0.1.0";

struct CreateOptions {
  TorrentFormat format = TorrentFormat::hybrid;
  /// Bytes; 0 = automatic (choose_piece_length).
  std::int64_t piece_length = 0;
  /// Hashing threads; 0 = all cores.
  unsigned threads = 0;
  bool is_private = false;
  std::string source;   ///< `source` inside info (private trackers); empty = none
  std::string comment;  ///< empty = none
  /// The torrent's name; empty = FileSet::name (the input's name).
  std::string name;
  /// Announce tiers (BEP 12): tiers in order, URLs within a tier in order.
  std::vector<std::vector<std::string>> trackers;
  std::vector<std::string> web_seeds;  ///< BEP 19 `url-list`
  bool include_creation_date = true;
  /// Seconds since the epoch; nullopt = the current time.
  std::optional<std::int64_t> creation_date;
  /// `created by`; empty = omitted.
  std::string created_by = std::string(kDefaultCreatedBy);
  /// Hashing progress (see HashOptions::progress); return false to cancel.
  std::function<bool(const HashProgress&)> progress;
  std::chrono::milliseconds progress_interval{100};
};

struct CreatedTorrent {
  std::string bytes;  ///< the .torrent file
  InfoHash info_hash;
  TorrentFormat format = TorrentFormat::hybrid;
  std::string name;
  std::int64_t piece_length = 0;
  std::size_t num_pieces = 0;
  std::int64_t payload_size = 0;   ///< bytes of real files
  std::size_t num_files = 0;       ///< real files (pad files not counted)
  std::size_t num_pad_files = 0;
  std::string magnet_uri;          ///< btih and/or btmh, dn, tr (every tracker), ws
};

/// Hashes `files` and builds the torrent (see the header comment).
expected<CreatedTorrent, ContentError> create_torrent(const FileSet& files,
                                                      const CreateOptions& options);

/// Whether `output` would be inside `input` (or be `input` itself): the check `shoal create`
/// makes before hashing, so that the torrent never lands in the content it describes. Both
/// paths are made absolute and normalised (symbolic links in existing parent directories are
/// resolved); `output` need not exist.
bool output_inside_input(const std::filesystem::path& input, const std::filesystem::path& output);

}  // namespace shoal::peer
