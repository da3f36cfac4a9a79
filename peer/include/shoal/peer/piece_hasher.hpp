#pragma once
// Multi-threaded piece hashing: SHA-1 piece hashes (v1) and SHA-256 piece-layer hashes (v2,
// BEP 52) of a piece stream laid out on files, reading every byte once. The engine under the
// torrent creator and content verification.
//
//   shoal::peer::PieceStream stream;
//   stream.piece_length = 256 * 1024;
//   stream.files = {{"/data/a.bin", 0, 1000000}, {"/data/b.bin", 1000000, 5}};
//   stream.total_size = 1000005;
//   shoal::peer::HashOptions opts;             // v1 only, all cores
//   opts.progress = [](const shoal::peer::HashProgress& p) {
//     std::cerr << p.pieces_done << "/" << p.num_pieces << "\r";
//     return true;                             // false cancels
//   };
//   auto h = shoal::peer::hash_pieces(stream, opts);
//   if (!h) { std::cerr << h.error().message << "\n"; return; }
//   h->v1[0].hex();                            // SHA-1 of the first 256 KiB
//
// The piece stream is the concatenation of StreamFile ranges ordered by offset; bytes no file
// covers are zeros (BEP 47 pad files, or the implied padding of a v2 torrent). A `zeros` file is
// such padding, named (a pad file of the v1 list); an `absent` file is data that cannot be read
// (verification of missing content): its pieces are reported incomplete without opening anything.
//
// What is computed:
// - v1: the SHA-1 of each piece of the stream, zeros included; pieces may span files.
// - v2: for each piece, the root of the SHA-256 tree over the 16 KiB blocks of file data in it
//   (a file's last block may be short; zeros are not file data and are not hashed): with
//   piece_length / 16 KiB leaves for a file larger than one piece (its piece-layer entry), with
//   bit_ceil(blocks) leaves for a file of at most one piece (then it is the file's pieces root).
//   Missing leaves are zero hashes (BEP 52). v2 needs every non-empty data file to start on a
//   piece boundary, so that a piece holds one file's data (ContentErrc::invalid_option if not).
// Both come from the same read when both are asked for (hybrid torrents).
//
// How: the pieces are cut into batches of about kHashBatchBytes (whole pieces); each of
// HashOptions::threads workers takes the next batch and hashes it with its own OpenSSL
// contexts. Results go to per-piece slots, so no ordering or locking is needed. Where
// sha1_pair() is accelerated (proto/sha1_pair.hpp: x86 SHA extensions), two whole pieces that lie
// side by side in memory get their SHA-1s at once, and batches hold at least two pieces. The calling
// thread only reports progress (every HashOptions::progress_interval, from the calling thread,
// never concurrently). Reading:
// - With tolerate_read_errors false (creation), a segment of a file of at least
//   kHashMapMinBytes is hashed straight from an mmap() of the file (MAP_POPULATE, MADV_SEQUENTIAL):
//   copying page-cached data into a buffer costs a fifth of the CPU time of SHA-1. A file that
//   shrinks under the mapping raises SIGBUS; a process-wide SIGBUS handler, installed on first
//   use and chaining to any previous handler, turns that into ContentErrc::changed.
// - Otherwise (small segments, verification, or when mmap fails), pread() in kHashReadSize
//   chunks into the worker's buffer (posix_fadvise SEQUENTIAL), each chunk hashed while it is
//   still in the CPU cache.
//
// Errors: with tolerate_read_errors false (creation), the first file that cannot be opened or
// read, or that ends early (it shrank), stops every worker and is returned (not_found,
// not_readable, changed). With tolerate_read_errors true (verification) such a file gets a
// FileReadStatus, the pieces that lack its bytes are marked incomplete, and hashing goes on.
// A progress callback returning false ends with ContentErrc::cancelled.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "shoal/peer/content_error.hpp"
#include "shoal/proto/expected.hpp"
#include "shoal/proto/hash.hpp"

namespace shoal::peer {

/// Bytes read per pread(): small enough that a chunk is still in the L2 cache when it is hashed
/// (once for SHA-1, once for SHA-256), large enough that system calls cost nothing.
inline constexpr std::size_t kHashReadSize = 256 * 1024;
/// Segments of at least this many bytes are hashed from a memory mapping instead of pread()
/// when read errors are fatal (see the header comment).
inline constexpr std::int64_t kHashMapMinBytes = std::int64_t{1} << 20;
/// Work unit handed to a thread: whole pieces, about this many bytes (at least one piece).
inline constexpr std::int64_t kHashBatchBytes = std::int64_t{8} * 1024 * 1024;

enum class StreamFileKind {
  data,    ///< read from disk_path
  zeros,   ///< padding: hashed as zeros, never read
  absent,  ///< data that is known to be missing: its pieces are incomplete
};

struct StreamFile {
  std::filesystem::path disk_path;
  std::int64_t offset = 0;  ///< first byte in the piece stream
  std::int64_t length = 0;
  StreamFileKind kind = StreamFileKind::data;
};

/// Precondition: files sorted by offset, not overlapping, inside [0, total_size); piece_length
/// > 0 (a multiple of 16 KiB for v2).
struct PieceStream {
  std::int64_t piece_length = 0;
  std::int64_t total_size = 0;  ///< bytes of the stream; pieces = ceil(total_size / piece_length)
  std::vector<StreamFile> files;

  std::size_t num_pieces() const noexcept;
};

struct HashProgress {
  std::size_t pieces_done = 0;
  std::size_t num_pieces = 0;
  std::int64_t bytes_read = 0;   ///< file bytes read so far
  std::int64_t bytes_total = 0;  ///< file bytes to read (data files)
};

struct HashOptions {
  bool v1 = true;
  bool v2 = false;
  /// Worker threads; 0 means std::thread::hardware_concurrency().
  unsigned threads = 0;
  bool tolerate_read_errors = false;
  /// Called on the calling thread every progress_interval and once at the end; return false
  /// to cancel.
  std::function<bool(const HashProgress&)> progress;
  std::chrono::milliseconds progress_interval{100};
};

enum class FileReadStatus : std::uint8_t {
  ok,
  missing,     ///< could not be opened: does not exist (or StreamFileKind::absent)
  unreadable,  ///< could not be opened or read for another reason
  short_read,  ///< ended before its length
};

struct PieceHashes {
  std::vector<Sha1Digest> v1;           ///< per piece, when HashOptions::v1
  std::vector<Sha256Digest> v2;         ///< per piece, when HashOptions::v2 (zero if no data)
  std::vector<std::uint8_t> complete;   ///< per piece: 1 when all of its bytes were read
  std::vector<FileReadStatus> file_status;  ///< per PieceStream::files entry
  std::vector<std::string> file_errors;     ///< per file: what went wrong, or ""
  std::int64_t bytes_read = 0;
};

/// Hashes `stream` (see the header comment).
expected<PieceHashes, ContentError> hash_pieces(const PieceStream& stream,
                                                const HashOptions& options);

/// Threads to use for a request of `requested` (0 = all cores), at least 1.
unsigned effective_threads(unsigned requested) noexcept;

}  // namespace shoal::peer
