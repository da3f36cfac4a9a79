#pragma once
// Content verification: re-hash the files of a torrent on disk and report, per file and per
// piece, what is missing, short, unreadable or different. The engine of `shoal verify`.
//
//   auto m = shoal::parse_metainfo(torrent_bytes);
//   auto r = shoal::peer::verify_content(*m, "/data/Some.Album", {});
//   if (!r) { std::cerr << r.error().message << "\n"; return 2; }
//   for (const auto& f : r->files)
//     if (f.state != shoal::peer::FileState::ok)
//       std::cout << f.path << ": " << to_string(f.state) << ", " << f.bad_pieces << " bad pieces\n";
//   return r->ok() ? 0 : 1;
//
// Where the content is: `content` is what `shoal create` was given — the file of a single-file
// torrent, the top directory of a multi-file torrent (the one named like the torrent). For a
// single-file torrent a directory is also accepted: the file is then looked up inside it under
// its torrent path (a download directory). Files outside the torrent are ignored.
//
// What is checked (multi-threaded, each byte read once, by hash_pieces()):
// - Every real file (not pad files; symbolic links are not content and are skipped) is stat()ed:
//   missing, not a regular file, shorter or longer than the torrent says. A longer file's first
//   `length` bytes are still hashed, a shorter file's bytes up to its end.
// - v1 (VerifyHashes::v1, or automatic on a v1 or hybrid torrent): the SHA-1 of every piece.
//   In a v1 torrent a piece can span files, so one bad file can make a neighbour's piece bad.
// - v2 (VerifyHashes::v2, or automatic on a v2 or hybrid torrent): every piece's hash against
//   the file's piece layer (or, for a file of one piece or less, its pieces root). When the
//   torrent lacks a file's piece layer, the file's pieces root is recomputed from all of its
//   pieces: a mismatch marks every piece of the file bad (the layer would say which).
// - A piece is bad when any of its bytes could not be read or a checked hash differs.
// Asking for v1 on a v2-only torrent (or v2 on a v1 torrent) is ContentErrc::invalid_option;
// a progress callback returning false is ContentErrc::cancelled. Missing or bad content is not an
// error: it is the report.

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
#include "shoal/peer/piece_hasher.hpp"
#include "shoal/proto/expected.hpp"
#include "shoal/proto/metainfo.hpp"

namespace shoal::peer {

enum class VerifyHashes {
  automatic,  ///< every kind the torrent has (both for a hybrid)
  v1,         ///< SHA-1 pieces only
  v2,         ///< SHA-256 piece layers only
};

struct VerifyOptions {
  unsigned threads = 0;  ///< 0 = all cores
  VerifyHashes hashes = VerifyHashes::automatic;
  std::function<bool(const HashProgress&)> progress;  ///< see HashOptions::progress
  std::chrono::milliseconds progress_interval{100};
};

enum class FileState {
  ok,
  missing,     ///< does not exist
  not_a_file,  ///< exists but is not a regular file (a directory, a FIFO, ...)
  unreadable,  ///< cannot be opened or read
  too_short,   ///< smaller than the torrent says (its pieces past the end are bad)
  too_long,    ///< larger than the torrent says (the extra bytes are not checked)
  bad_pieces,  ///< the right size, but some of its pieces do not match
};

/// "ok", "missing", "not_a_file", "unreadable", "too_short", "too_long", "bad_pieces".
std::string_view to_string(FileState state) noexcept;

struct FileReport {
  std::size_t index = 0;       ///< in Metainfo::files()
  std::string path;            ///< the torrent's path of the file ('/'-joined)
  std::filesystem::path disk_path;
  std::int64_t length = 0;     ///< what the torrent says
  std::optional<std::int64_t> disk_length;  ///< what is on disk (nullopt when missing)
  FileState state = FileState::ok;
  std::size_t num_pieces = 0;  ///< pieces holding bytes of this file
  std::size_t bad_pieces = 0;  ///< of those, how many are bad
  std::string detail;          ///< e.g. "permission denied", or ""
};

struct VerifyReport {
  std::vector<FileReport> files;       ///< real files, in torrent order (no pad files)
  std::vector<std::size_t> bad_pieces; ///< indices of bad pieces, ascending
  std::size_t num_pieces = 0;
  bool checked_v1 = false;
  bool checked_v2 = false;
  std::int64_t bytes_read = 0;

  /// Every file is ok and no piece is bad.
  bool ok() const noexcept;
};

/// Verifies the content at `content` against `torrent` (see the header comment).
expected<VerifyReport, ContentError> verify_content(const Metainfo& torrent,
                                                    const std::filesystem::path& content,
                                                    const VerifyOptions& options = {});

}  // namespace shoal::peer
