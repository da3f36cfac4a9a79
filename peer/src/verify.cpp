#include "shoal/peer/verify.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "shoal/proto/merkle.hpp"
#include "sys_error.hpp"

namespace shoal::peer {

namespace {

using detail::errno_text;

unexpected<ContentError> invalid(std::string what) {
  return unexpected<ContentError>(
      ContentError{ContentErrc::invalid_option, std::move(what), {}, 0});
}

Sha256Digest digest_at(std::string_view hashes, std::size_t i) {
  Sha256Digest d;
  std::memcpy(d.bytes.data(), hashes.data() + i * Sha256Digest::size, Sha256Digest::size);
  return d;
}

std::filesystem::path disk_path_of(const Metainfo& m, const FileEntry& f,
                                   const std::filesystem::path& content, bool content_is_dir) {
  if (m.is_single_file()) return content_is_dir ? content / f.path_string() : content;
  // Multi-file: path is {name, dirs..., file}; the content directory plays the part of `name`.
  std::filesystem::path p = content;
  for (std::size_t i = 1; i < f.path.size(); ++i) p /= f.path[i];
  return p;
}

}  // namespace

std::string_view to_string(FileState state) noexcept {
  switch (state) {
    case FileState::ok: return "ok";
    case FileState::missing: return "missing";
    case FileState::not_a_file: return "not_a_file";
    case FileState::unreadable: return "unreadable";
    case FileState::too_short: return "too_short";
    case FileState::too_long: return "too_long";
    case FileState::bad_pieces: return "bad_pieces";
  }
  return "ok";
}

bool VerifyReport::ok() const noexcept {
  return bad_pieces.empty() && std::all_of(files.begin(), files.end(), [](const FileReport& f) {
           return f.state == FileState::ok;
         });
}

expected<VerifyReport, ContentError> verify_content(const Metainfo& m,
                                                    const std::filesystem::path& content,
                                                    const VerifyOptions& options) {
  VerifyReport report;
  switch (options.hashes) {
    case VerifyHashes::automatic:
      report.checked_v1 = m.has_v1();
      report.checked_v2 = m.has_v2();
      break;
    case VerifyHashes::v1:
      if (!m.has_v1()) return invalid("this is a v2-only torrent: it has no v1 piece hashes");
      report.checked_v1 = true;
      break;
    case VerifyHashes::v2:
      if (!m.has_v2()) return invalid("this is a v1 torrent: it has no v2 piece layers");
      report.checked_v2 = true;
      break;
  }
  report.num_pieces = m.num_pieces();

  struct stat content_st{};
  const bool content_is_dir =
      ::stat(content.c_str(), &content_st) == 0 && S_ISDIR(content_st.st_mode);

  // ---- stat every file and lay out the piece stream ----
  PieceStream stream;
  stream.piece_length = m.piece_length();
  stream.total_size = m.total_size();
  std::vector<std::size_t> report_of_stream;  // stream file -> report index (npos for pads)
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  const auto& files = m.files();
  for (std::size_t i = 0; i < files.size(); ++i) {
    const FileEntry& f = files[i];
    if (f.symlink) continue;
    if (f.pad) {
      if (f.length > 0) {
        stream.files.push_back({{}, f.offset, f.length, StreamFileKind::zeros});
        report_of_stream.push_back(kNone);
      }
      continue;
    }
    FileReport r;
    r.index = i;
    r.path = f.path_string();
    r.disk_path = disk_path_of(m, f, content, content_is_dir);
    r.length = f.length;
    const PieceRange pieces = m.file_pieces(i);
    r.num_pieces = pieces.end - pieces.begin;
    StreamFileKind kind = StreamFileKind::data;
    struct stat st{};
    if (::stat(r.disk_path.c_str(), &st) != 0) {
      const int err = errno;
      r.state = detail::errc_for_errno(err) == ContentErrc::not_found ? FileState::missing
                                                                      : FileState::unreadable;
      r.detail = errno_text(err);
      kind = StreamFileKind::absent;
    } else if (!S_ISREG(st.st_mode)) {
      r.state = FileState::not_a_file;
      r.detail = S_ISDIR(st.st_mode) ? "is a directory" : "is not a regular file";
      kind = StreamFileKind::absent;
    } else {
      r.disk_length = static_cast<std::int64_t>(st.st_size);
      if (*r.disk_length < f.length) r.state = FileState::too_short;
      if (*r.disk_length > f.length) r.state = FileState::too_long;
    }
    if (f.length > 0) {
      stream.files.push_back({r.disk_path, f.offset, f.length, kind});
      report_of_stream.push_back(report.files.size());
    }
    report.files.push_back(std::move(r));
  }

  // ---- hash ----
  HashOptions hash_options;
  hash_options.v1 = report.checked_v1;
  hash_options.v2 = report.checked_v2;
  hash_options.threads = options.threads;
  hash_options.tolerate_read_errors = true;
  hash_options.progress = options.progress;
  hash_options.progress_interval = options.progress_interval;
  auto hashes = hash_pieces(stream, hash_options);
  if (!hashes) return unexpected<ContentError>(std::move(hashes.error()));
  report.bytes_read = hashes->bytes_read;

  // Read errors the stat could not foresee (permissions, I/O errors).
  for (std::size_t s = 0; s < stream.files.size(); ++s) {
    const std::size_t ri = report_of_stream[s];
    if (ri == kNone || hashes->file_status[s] == FileReadStatus::ok) continue;
    FileReport& r = report.files[ri];
    if (r.state != FileState::ok && r.state != FileState::too_long) continue;
    if (hashes->file_status[s] == FileReadStatus::short_read)
      r.state = FileState::too_short;
    else if (hashes->file_status[s] == FileReadStatus::missing)
      r.state = FileState::missing;
    else
      r.state = FileState::unreadable;
    r.detail = hashes->file_errors[s];
  }

  // ---- compare ----
  std::vector<std::uint8_t> bad(report.num_pieces, 0);
  for (std::size_t p = 0; p < report.num_pieces; ++p) {
    if (!hashes->complete[p]) bad[p] = 1;
    if (report.checked_v1 && hashes->v1[p] != m.piece_hash(p)) bad[p] = 1;
  }
  if (report.checked_v2) {
    const auto blocks_per_piece = static_cast<std::size_t>(m.piece_length() / kV2BlockSize);
    const Sha256Digest layer_pad = merkle_pad_root(blocks_per_piece);
    for (std::size_t i = 0; i < files.size(); ++i) {
      const FileEntry& f = files[i];
      if (!f.pieces_root) continue;
      const PieceRange pr = m.file_pieces(i);
      const std::size_t count = pr.end - pr.begin;
      const std::string_view layer = m.piece_layer(i);
      if (layer.size() == count * Sha256Digest::size) {
        for (std::size_t k = 0; k < count; ++k)
          if (hashes->v2[pr.begin + k] != digest_at(layer, k)) bad[pr.begin + k] = 1;
        continue;
      }
      // No piece layer in the torrent: only the whole file can be checked.
      const std::span<const Sha256Digest> computed(hashes->v2.data() + pr.begin, count);
      if (merkle_root(computed, std::bit_ceil(count), layer_pad) != *f.pieces_root)
        std::fill(bad.begin() + static_cast<std::ptrdiff_t>(pr.begin),
                  bad.begin() + static_cast<std::ptrdiff_t>(pr.end), 1);
    }
  }
  for (std::size_t p = 0; p < report.num_pieces; ++p)
    if (bad[p]) report.bad_pieces.push_back(p);

  for (FileReport& r : report.files) {
    const PieceRange pr = m.file_pieces(r.index);
    for (std::size_t p = pr.begin; p < pr.end; ++p) r.bad_pieces += bad[p];
    if (r.state == FileState::ok && r.bad_pieces > 0) r.state = FileState::bad_pieces;
  }
  return report;
}

}  // namespace shoal::peer
