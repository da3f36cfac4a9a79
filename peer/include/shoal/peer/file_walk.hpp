#pragma once
// File walking: what goes into a new torrent, in which order. The first step of `shoal create`.
//
//   shoal::peer::WalkOptions opts;
//   opts.exclude = {"*.nfo", "Extras/*"};
//   auto set = shoal::peer::walk_files("/data/Some.Album", opts);
//   if (!set) { std::cerr << set.error().message << "\n"; return 1; }
//   set->name;                          // "Some.Album" (the torrent's name)
//   for (const auto& f : set->files)    // tree order, see below
//     std::cout << f.path_string() << " " << f.length << "\n";   // "CD1/01.flac 31337"
//   for (const auto& s : set->skipped)  // worth a warning
//     std::cerr << "skipped " << s.path << ": " << s.reason << "\n";
//
// Decisions (also in docs/cli.md):
// - The input is a regular file (a single-file torrent named after it) or a directory (a
//   multi-file torrent named after the directory, holding every file below it). Anything else is
//   ContentErrc::not_a_file; a missing input is ContentErrc::not_found. The input itself is
//   always taken, even when it is hidden or a symbolic link: the user named it.
// - Order: files are returned in *tree order*: at every directory level, entries sorted by their
//   raw name bytes, directories walked depth-first where they sort. This is the order of a BEP 52
//   `file tree` (a dictionary, so keys are sorted per level), which v2 and hybrid torrents must
//   follow. mktorrent orders a v1 file list differently — by the whole relative path, compared
//   byte by byte — so "a b" and "a.txt" come before "a/x" there; sort_full_path_order() gives
//   that order, and the creator uses it for v1-only torrents so that they hash like mktorrent's.
//   Both orders are deterministic and independent of the directory's on-disk order.
// - Hidden entries (a name starting with '.') are skipped — files and whole directories — unless
//   WalkOptions::include_hidden: publishing .git, .DS_Store or editor backups by accident is the
//   common mistake. (mktorrent includes them; pass include_hidden to match it.)
// - Symbolic links below the input follow WalkOptions::symlinks: `follow` (the default, as in
//   mktorrent and libtorrent: a link to a file adds the target's content under the link's name, a
//   link to a directory is walked; a dangling link is ContentErrc::not_found, a directory link to
//   one of its own ancestors is ContentErrc::symlink_loop), `skip` (leave links out and list them
//   in FileSet::skipped), or `refuse` (ContentErrc::symlink at the first link, for publishers who
//   want to be sure nothing outside the directory is included).
// - Other file types (FIFOs, sockets, devices) are never read: they are listed in
//   FileSet::skipped.
// - Globs (WalkOptions::include / exclude) use fnmatch(3) syntax: `*`, `?`, `[...]`. A pattern
//   without '/' is matched against the entry's name ("*.nfo"); a pattern with '/' against its
//   path relative to the input directory ("Extras/*", "CD1/cover.jpg"; a leading '/' is ignored),
//   where `*` also matches '/'. An entry matching any exclude pattern is left out (a directory
//   with everything below it). When include patterns are given, a file is taken only if it
//   matches one of them (directories are always entered). Globs do not apply to a single-file
//   input.
// - Empty files are kept (they are part of the content, as in mktorrent and libtorrent). A
//   directory with no file left after the rules is ContentErrc::empty, with the count of hidden
//   and excluded entries in the message.
// - Names are byte strings and are not required to be UTF-8; a name containing '\\' is
//   ContentErrc::unsafe_name, because torrent parsers (ours included) refuse such path components.
// - An unreadable directory is ContentErrc::not_readable. Files are not opened here; the hasher
//   reports unreadable files.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/peer/content_error.hpp"
#include "shoal/proto/expected.hpp"

namespace shoal::peer {

enum class SymlinkPolicy { follow, skip, refuse };

struct WalkOptions {
  bool include_hidden = false;
  SymlinkPolicy symlinks = SymlinkPolicy::follow;
  std::vector<std::string> include;  ///< fnmatch globs; empty = every file
  std::vector<std::string> exclude;  ///< fnmatch globs
};

/// One regular file of the content.
struct WalkedFile {
  /// Path components relative to the input directory ({"CD1", "01.flac"}); empty for a
  /// single-file input.
  std::vector<std::string> path;
  /// Where to read the content (the input path joined with `path`; a followed link's own path).
  std::filesystem::path disk_path;
  std::int64_t length = 0;
  /// Modification time (st_mtim) in nanoseconds, to notice a file changing while it is hashed.
  std::int64_t mtime_ns = 0;
  bool executable = false;  ///< owner-executable bit

  /// `path` joined with '/' (the file name for a single-file input).
  std::string path_string() const;
};

/// An entry left out on purpose but worth telling the user about.
struct SkippedEntry {
  std::string path;    ///< relative to the input directory, '/'-separated
  std::string reason;  ///< e.g. "symbolic link", "not a regular file (FIFO)"
};

struct FileSet {
  std::string name;                  ///< the input's own name: the torrent's name
  bool single_file = false;          ///< the input is a file
  std::filesystem::path input;       ///< the input, absolute and normalised
  std::vector<WalkedFile> files;     ///< tree order (see the header comment); never empty
  std::vector<SkippedEntry> skipped; ///< symlinks (policy `skip`) and special files
  std::size_t hidden_skipped = 0;    ///< hidden entries left out
  std::size_t excluded = 0;          ///< entries left out by the globs

  /// Sum of the file lengths.
  std::int64_t total_size() const noexcept;
};

/// Walks `input` by the rules in the header comment.
expected<FileSet, ContentError> walk_files(const std::filesystem::path& input,
                                           const WalkOptions& options = {});

/// Re-sorts files by their whole '/'-joined relative path, byte by byte (mktorrent's v1 order).
void sort_full_path_order(std::vector<WalkedFile>& files);

/// Whether `pattern` selects an entry named `name` at relative path `relative_path` (the rule in
/// the header comment: name match without '/', path match with it).
bool glob_matches(std::string_view pattern, std::string_view relative_path, std::string_view name);

}  // namespace shoal::peer
