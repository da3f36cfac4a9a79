#pragma once
// What `shoal create` and `shoal seed --create` share: the options that describe a torrent, their
// registration on a (sub)command, and making + writing the .torrent from them. One copy, so the
// two commands accept exactly the same options with the same meaning (docs/cli.md).
//
//   auto args = std::make_shared<TorrentMakerArgs>();
//   add_torrent_maker_options(*cmd, *args);           // --v1, -l, -a, --include, -o, -f, ...
//   ...
//   auto made = make_torrent_file("create", input, *args, ".", /*show_progress=*/true, json);
//   if (!made) command_failed("create", json, made.error().code, made.error().message,
//                             made.error().exit_code);
//   print_made_torrent(*made);                         // "wrote ...", "hashed in ...", hashes
#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/peer/create_torrent.hpp"
#include "shoal/peer/file_walk.hpp"
#include "shoal/proto/expected.hpp"

namespace shoal::cli {

/// The options of a torrent to make (the PATH itself is not part of them).
struct TorrentMakerArgs {
  std::string format = "hybrid";
  bool v1 = false;
  bool v2 = false;
  bool hybrid = false;
  std::string piece_length;  // "" = automatic
  unsigned threads = 0;
  bool is_private = false;
  std::string source;
  std::string comment;
  std::string name;
  std::vector<std::string> announce;  // one tier per occurrence, URLs comma-separated
  std::vector<std::string> web_seeds;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  bool include_hidden = false;
  std::string symlinks = "follow";
  bool no_date = false;
  bool no_created_by = false;
  std::string output;  // "" = <name>.torrent in the default directory
  bool force = false;
};

/// Registers every TorrentMakerArgs option on `cmd` (an App or an option group):
/// --format/--v1/--v2/--hybrid, -l, -t, -p, -s, -c, -n, -a, -w, --include, --exclude,
/// --include-hidden, --symlinks, --no-date, --no-created-by, -o/--output, -f/--force.
/// `output_help` describes --output (where the torrent goes by default).
void add_torrent_maker_options(CLI::App& cmd, TorrentMakerArgs& args,
                               const std::string& output_help);

/// Why making the torrent failed: `code` for --json, `exit_code` 2 for a bad option value.
struct MakeTorrentError {
  std::string code;
  std::string message;
  int exit_code = 1;
};

struct MadeTorrent {
  shoal::peer::CreatedTorrent torrent;
  std::filesystem::path output;  // where the .torrent was written
  std::vector<shoal::peer::SkippedEntry> skipped;
  double seconds = 0;  // hashing time
  unsigned threads = 0;
};

/// Walks `input`, checks the options and the output path (before any hashing), hashes, and
/// writes the torrent atomically to args.output or, when that is empty, to
/// `default_dir/<name>.torrent`. Skipped entries are reported on stderr as
/// "shoal <command>: skipped PATH (reason)" unless `quiet_stderr`. A progress bar is drawn on a
/// terminal when `show_progress`. Nothing is left behind on failure.
expected<MadeTorrent, MakeTorrentError> make_torrent_file(std::string_view command,
                                                          const std::string& input,
                                                          const TorrentMakerArgs& args,
                                                          const std::filesystem::path& default_dir,
                                                          bool show_progress, bool quiet_stderr);

/// The human summary on stdout: "wrote X.torrent (hybrid, 3 files, ...)", "hashed in ...",
/// "info-hash v1: ...", "info-hash v2: ...".
void print_made_torrent(const MadeTorrent& made);

}  // namespace shoal::cli
