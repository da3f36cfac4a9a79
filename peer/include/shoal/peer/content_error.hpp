#pragma once
// ContentError — the error of everything in libshoal_peer that reads or writes content on disk:
// walking a directory, hashing pieces, creating a torrent, verifying content, writing a file.
//
//   auto files = shoal::peer::walk_files("/data/album", {});
//   if (!files) {
//     std::cerr << files.error().message << "\n";   // "/data/album: no such file or directory"
//     if (files.error().code == shoal::peer::ContentErrc::not_found) ...
//   }
//
// `message` is a complete sentence for a human, naming the path where there is one; `code` is
// what a program branches on; `path` and `sys_errno` are the details behind it.

#include <filesystem>
#include <string>
#include <string_view>

namespace shoal::peer {

enum class ContentErrc {
  not_found,            ///< a path (the input, a file, a symlink's target) does not exist
  not_readable,         ///< a file or directory cannot be opened or read (permissions, EIO)
  not_a_file,           ///< the input is neither a regular file nor a directory
  empty,                ///< nothing to put in a torrent (no files, or only empty files)
  symlink,              ///< a symbolic link where the policy refuses them
  symlink_loop,         ///< a followed directory link leads back to one of its ancestors
  unsafe_name,          ///< a file name a torrent cannot carry (e.g. contains '\\')
  changed,              ///< a file changed (size or modification time) while it was hashed
  too_large,            ///< the torrent would exceed a limit (piece count, total size)
  invalid_option,       ///< an option value that cannot work (bad piece length, format, ...)
  output_inside_input,  ///< the .torrent would be written inside the content it describes
  output_exists,        ///< the output file exists and overwriting was not allowed
  write_failed,         ///< creating, writing, syncing or renaming the output failed
  cancelled,            ///< a progress callback asked to stop
};

/// Short stable name of a code, e.g. "not_found" (used in JSON output).
std::string_view to_string(ContentErrc code) noexcept;

struct ContentError {
  ContentErrc code = ContentErrc::not_found;
  std::string message;           ///< e.g. "/data/a.bin: permission denied"
  std::filesystem::path path;    ///< the path concerned, or empty
  int sys_errno = 0;             ///< errno behind the error, or 0
};

}  // namespace shoal::peer
