// make_torrent_file(): the body of `shoal create`, shared with `shoal seed --create`.
#include "torrent_maker.hpp"

#include <cctype>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "commands.hpp"
#include "progress_bar.hpp"
#include "shoal/peer/atomic_file.hpp"
#include "shoal/peer/piece_size.hpp"

namespace shoal::cli {

namespace {

namespace fs = std::filesystem;
namespace peer = shoal::peer;

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t comma = s.find(',', start);
    const std::size_t end = comma == std::string::npos ? s.size() : comma;
    if (end > start) out.push_back(s.substr(start, end - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// "262144", "256K", "256KiB", "4M", "4MiB" (binary units, case-insensitive).
std::optional<std::int64_t> parse_size(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 12) return std::nullopt;
  std::int64_t value = std::stoll(text.substr(0, digits));
  std::string unit = text.substr(digits);
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit.empty() || unit == "b") return value;
  if (unit == "k" || unit == "kib" || unit == "kb") return value * 1024;
  if (unit == "m" || unit == "mib" || unit == "mb") return value * 1024 * 1024;
  return std::nullopt;
}

unexpected<MakeTorrentError> error(std::string code, std::string message, int exit_code = 1) {
  return unexpected<MakeTorrentError>(
      MakeTorrentError{std::move(code), std::move(message), exit_code});
}

}  // namespace

void add_torrent_maker_options(CLI::App& cmd, TorrentMakerArgs& args,
                               const std::string& output_help) {
  cmd.add_option("--format", args.format, "Torrent format: v1, v2 or hybrid")
      ->check(CLI::IsMember({"v1", "v2", "hybrid"}))
      ->capture_default_str();
  cmd.add_flag("--v1", args.v1)->description("Same as --format v1 (BitTorrent v1 only)");
  cmd.add_flag("--v2", args.v2)->description("Same as --format v2 (BEP 52 only)");
  cmd.add_flag("--hybrid", args.hybrid)
      ->description("Same as --format hybrid (v1 and v2 in one torrent; the default)");
  cmd.add_option("-l,--piece-length", args.piece_length,
                 "Piece length: a power of two from 16K to 512M (bytes, or with a K/M suffix); "
                 "default: automatic (smallest that keeps <= 2048 pieces, 16K..16M)");
  cmd.add_option("-t,--threads", args.threads, "Hashing threads (0 = all cores)")
      ->capture_default_str();
  cmd.add_flag("-p,--private", args.is_private)->description("Set the private flag (BEP 27)");
  cmd.add_option("-s,--source", args.source,
                 "Source tag inside the info dict (private trackers use it)");
  cmd.add_option("-c,--comment", args.comment, "Comment");
  cmd.add_option("-n,--name", args.name, "Torrent name (default: the file or directory name)");
  cmd.add_option("-a,--announce", args.announce,
                 "Tracker URL; repeat for backup tiers; comma-separated URLs form one tier")
      ->allow_extra_args(false);
  cmd.add_option("-w,--web-seed", args.web_seeds, "Web seed URL (BEP 19); repeatable")
      ->allow_extra_args(false);
  cmd.add_option("--include", args.include,
                 "Only files matching this glob (name, or path if it has '/'); repeatable")
      ->allow_extra_args(false);
  cmd.add_option("--exclude", args.exclude,
                 "Leave out files and directories matching this glob; repeatable")
      ->allow_extra_args(false);
  cmd.add_flag("--include-hidden", args.include_hidden)
      ->description("Include hidden files and directories (names starting with '.')");
  cmd.add_option("--symlinks", args.symlinks,
                 "Symbolic links inside the directory: follow, skip or refuse")
      ->check(CLI::IsMember({"follow", "skip", "refuse"}))
      ->capture_default_str();
  cmd.add_flag("--no-date", args.no_date)->description("Omit the creation date");
  cmd.add_flag("--no-created-by", args.no_created_by)->description("Omit 'created by'");
  cmd.add_option("-o,--output", args.output, output_help);
  cmd.add_flag("-f,--force", args.force)->description("Overwrite the output file if it exists");
}

expected<MadeTorrent, MakeTorrentError> make_torrent_file(std::string_view command,
                                                          const std::string& input,
                                                          const TorrentMakerArgs& args,
                                                          const fs::path& default_dir,
                                                          bool show_progress, bool quiet_stderr) {
  // ---- options ----
  peer::CreateOptions options;
  const int format_flags = int{args.v1} + int{args.v2} + int{args.hybrid};
  if (format_flags > 1) return error("invalid_option", "give only one of --v1, --v2, --hybrid", 2);
  if (args.v1) options.format = peer::TorrentFormat::v1;
  else if (args.v2) options.format = peer::TorrentFormat::v2;
  else if (args.hybrid) options.format = peer::TorrentFormat::hybrid;
  else if (auto f = peer::parse_torrent_format(args.format)) options.format = *f;
  else return error("invalid_option", "--format must be v1, v2 or hybrid", 2);
  if (!args.piece_length.empty()) {
    const auto pl = parse_size(args.piece_length);
    if (!pl) return error("invalid_option", "--piece-length: not a size: " + args.piece_length, 2);
    if (auto ok = peer::check_piece_length(*pl); !ok) return error("invalid_option", ok.error(), 2);
    options.piece_length = *pl;
  }
  options.threads = args.threads;
  options.is_private = args.is_private;
  options.source = args.source;
  options.comment = args.comment;
  options.name = args.name;
  for (const std::string& tier : args.announce) options.trackers.push_back(split_commas(tier));
  for (const std::string& w : args.web_seeds)
    for (std::string& url : split_commas(w)) options.web_seeds.push_back(std::move(url));
  options.include_creation_date = !args.no_date;
  if (args.no_created_by) options.created_by.clear();

  peer::WalkOptions walk;
  walk.include_hidden = args.include_hidden;
  walk.include = args.include;
  walk.exclude = args.exclude;
  if (args.symlinks == "follow") walk.symlinks = peer::SymlinkPolicy::follow;
  else if (args.symlinks == "skip") walk.symlinks = peer::SymlinkPolicy::skip;
  else if (args.symlinks == "refuse") walk.symlinks = peer::SymlinkPolicy::refuse;
  else return error("invalid_option", "--symlinks must be follow, skip or refuse", 2);

  // ---- content and output path, checked before any hashing ----
  auto files = peer::walk_files(input, walk);
  if (!files) return error(std::string(peer::to_string(files.error().code)), files.error().message);
  const std::string name = options.name.empty() ? files->name : options.name;
  const fs::path output = args.output.empty() ? default_dir / (name + ".torrent") : fs::path(args.output);
  if (peer::output_inside_input(files->input, output))
    return error("output_inside_input",
                 output.string() + ": the torrent would be written inside the content it "
                                   "describes (choose another --output)");
  std::error_code ec;
  if (!args.force && fs::exists(fs::symlink_status(output, ec)))
    return error("output_exists", output.string() + ": exists (use --force to overwrite it)");
  if (!quiet_stderr)
    for (const auto& s : files->skipped)
      std::cerr << "shoal " << command << ": skipped " << terminal_safe(s.path) << " (" << s.reason
                << ")\n";

  // ---- hashing and writing ----
  ProgressBar bar(show_progress && ProgressBar::stderr_is_terminal());
  options.progress = [&bar](const peer::HashProgress& p) {
    bar.update(p.pieces_done, p.num_pieces, p.bytes_read, p.bytes_total, "pieces");
    return true;
  };
  const auto start = std::chrono::steady_clock::now();
  auto created = peer::create_torrent(*files, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  bar.finish();
  if (!created)
    return error(std::string(peer::to_string(created.error().code)), created.error().message);
  if (auto ok = peer::write_file_atomically(output, created->bytes, args.force); !ok)
    return error(std::string(peer::to_string(ok.error().code)), ok.error().message);

  MadeTorrent made;
  made.torrent = std::move(*created);
  made.output = output;
  made.skipped = std::move(files->skipped);
  made.seconds = seconds;
  made.threads = peer::effective_threads(args.threads);
  return made;
}

void print_made_torrent(const MadeTorrent& made) {
  const peer::CreatedTorrent& t = made.torrent;
  const double rate = made.seconds > 0 ? static_cast<double>(t.payload_size) / made.seconds : 0.0;
  std::cout << fmt::format("wrote {} ({}, {} file{}, {}, {} pieces of {})\n",
                           terminal_safe(made.output.string()), peer::to_string(t.format),
                           t.num_files, t.num_files == 1 ? "" : "s",
                           format_bytes(static_cast<double>(t.payload_size)), t.num_pieces,
                           format_bytes(static_cast<double>(t.piece_length)));
  std::cout << fmt::format("hashed in {:.2f} s ({}/s, {} thread{})\n", made.seconds,
                           format_bytes(rate), made.threads, made.threads == 1 ? "" : "s");
  if (t.info_hash.v1) std::cout << "info-hash v1: " << t.info_hash.v1->hex() << "\n";
  if (t.info_hash.v2) std::cout << "info-hash v2: " << t.info_hash.v2->hex() << "\n";
}

}  // namespace shoal::cli
