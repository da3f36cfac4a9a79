#pragma once
// Writing a file so that it either appears complete or not at all.
//
//   auto ok = shoal::peer::write_file_atomically("out/My.Album.torrent", bytes, /*overwrite=*/false);
//   if (!ok) std::cerr << ok.error().message << "\n";   // e.g. "...: exists (use --force)"
//
// The bytes go to a new temporary file in the target's own directory (".<name>.<random>.tmp",
// created with O_EXCL and mode 0666 & ~umask), which is written, fsync()ed and closed, then
// renamed over the target — with RENAME_NOREPLACE unless `overwrite`, so an existing file is
// never replaced by accident, even one that appeared meanwhile — and the directory is fsync()ed.
// On any failure the temporary file is removed: no partial output is ever left behind.
// Errors: ContentErrc::output_exists, ContentErrc::write_failed (with the errno).

#include <filesystem>
#include <string_view>

#include "shoal/peer/content_error.hpp"
#include "shoal/proto/expected.hpp"

namespace shoal::peer {

expected<void, ContentError> write_file_atomically(const std::filesystem::path& path,
                                                   std::string_view bytes, bool overwrite);

}  // namespace shoal::peer
