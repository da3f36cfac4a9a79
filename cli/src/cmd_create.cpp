// shoal create: make a v1, v2 or hybrid .torrent from a file or a directory (docs/cli.md).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "progress_bar.hpp"
#include "shoal/peer/atomic_file.hpp"
#include "shoal/peer/create_torrent.hpp"
#include "shoal/peer/file_walk.hpp"
#include "shoal/peer/piece_size.hpp"

namespace shoal::cli {

namespace {

namespace peer = shoal::peer;

struct CreateArgs {
  std::string input;
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
  std::string output;
  bool force = false;
  bool magnet = false;
  bool json = false;
  bool quiet = false;
};

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

[[noreturn]] void fail(const CreateArgs& args, std::string_view code, const std::string& message,
                       int exit_code = 1) {
  command_failed("create", args.json, code, message, exit_code);
}

void run_create(const CreateArgs& args) {
  // ---- options ----
  peer::CreateOptions options;
  const int format_flags = int{args.v1} + int{args.v2} + int{args.hybrid};
  if (format_flags > 1) fail(args, "invalid_option", "give only one of --v1, --v2, --hybrid", 2);
  if (args.v1) options.format = peer::TorrentFormat::v1;
  else if (args.v2) options.format = peer::TorrentFormat::v2;
  else if (args.hybrid) options.format = peer::TorrentFormat::hybrid;
  else if (auto f = peer::parse_torrent_format(args.format)) options.format = *f;
  else fail(args, "invalid_option", "--format must be v1, v2 or hybrid", 2);
  if (!args.piece_length.empty()) {
    const auto pl = parse_size(args.piece_length);
    if (!pl) fail(args, "invalid_option", "--piece-length: not a size: " + args.piece_length, 2);
    if (auto ok = peer::check_piece_length(*pl); !ok) fail(args, "invalid_option", ok.error(), 2);
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
  else fail(args, "invalid_option", "--symlinks must be follow, skip or refuse", 2);

  // ---- content and output path, checked before any hashing ----
  auto files = peer::walk_files(args.input, walk);
  if (!files) fail(args, peer::to_string(files.error().code), files.error().message);
  const std::string name = options.name.empty() ? files->name : options.name;
  const std::filesystem::path output = args.output.empty() ? name + ".torrent" : args.output;
  if (peer::output_inside_input(files->input, output))
    fail(args, "output_inside_input",
         output.string() + ": the torrent would be written inside the content it describes "
                           "(choose another --output)");
  std::error_code ec;
  if (!args.force && std::filesystem::exists(std::filesystem::symlink_status(output, ec)))
    fail(args, "output_exists", output.string() + ": exists (use --force to overwrite it)");
  if (!args.json)
    for (const auto& s : files->skipped)
      std::cerr << "shoal create: skipped " << terminal_safe(s.path) << " (" << s.reason << ")\n";

  // ---- hashing ----
  ProgressBar bar(!args.json && !args.quiet && ProgressBar::stderr_is_terminal());
  options.progress = [&bar](const peer::HashProgress& p) {
    bar.update(p.pieces_done, p.num_pieces, p.bytes_read, p.bytes_total, "pieces");
    return true;
  };
  const auto start = std::chrono::steady_clock::now();
  auto created = peer::create_torrent(*files, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  bar.finish();
  if (!created) fail(args, peer::to_string(created.error().code), created.error().message);
  if (auto ok = peer::write_file_atomically(output, created->bytes, args.force); !ok)
    fail(args, peer::to_string(ok.error().code), ok.error().message);

  // ---- report ----
  const unsigned threads = peer::effective_threads(args.threads);
  const double rate = seconds > 0 ? static_cast<double>(created->payload_size) / seconds : 0.0;
  const InfoHash& ih = created->info_hash;
  if (args.json) {
    nlohmann::json j;
    j["output"] = output.string();
    j["name"] = created->name;
    j["format"] = peer::to_string(created->format);
    j["info_hash"] = {{"v1", ih.v1 ? nlohmann::json(ih.v1->hex()) : nlohmann::json(nullptr)},
                      {"v2", ih.v2 ? nlohmann::json(ih.v2->hex()) : nlohmann::json(nullptr)}};
    j["piece_length"] = created->piece_length;
    j["num_pieces"] = created->num_pieces;
    j["total_size"] = created->payload_size;
    j["num_files"] = created->num_files;
    j["num_pad_files"] = created->num_pad_files;
    j["private"] = args.is_private;
    j["threads"] = threads;
    j["seconds"] = seconds;
    j["bytes_per_second"] = rate;
    j["magnet"] = created->magnet_uri;
    nlohmann::json skipped = nlohmann::json::array();
    for (const auto& s : files->skipped) skipped.push_back({{"path", s.path}, {"reason", s.reason}});
    j["skipped"] = skipped;
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  std::cout << fmt::format("wrote {} ({}, {} file{}, {}, {} pieces of {})\n",
                           terminal_safe(output.string()),
                           peer::to_string(created->format), created->num_files,
                           created->num_files == 1 ? "" : "s",
                           format_bytes(static_cast<double>(created->payload_size)),
                           created->num_pieces,
                           format_bytes(static_cast<double>(created->piece_length)));
  std::cout << fmt::format("hashed in {:.2f} s ({}/s, {} thread{})\n", seconds, format_bytes(rate),
                           threads, threads == 1 ? "" : "s");
  if (ih.v1) std::cout << "info-hash v1: " << ih.v1->hex() << "\n";
  if (ih.v2) std::cout << "info-hash v2: " << ih.v2->hex() << "\n";
  if (args.magnet) std::cout << created->magnet_uri << "\n";
}

}  // namespace

void register_create(CLI::App& app) {
  auto args = std::make_shared<CreateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "create",
      "Create a .torrent (v1, v2 or hybrid) from a file or a directory, hashing with all cores");
  cmd->add_option("PATH", args->input, "File or directory to share")->required();
  cmd->add_option("--format", args->format, "Torrent format: v1, v2 or hybrid")
      ->check(CLI::IsMember({"v1", "v2", "hybrid"}))
      ->capture_default_str();
  cmd->add_flag("--v1", args->v1)->description("Same as --format v1 (BitTorrent v1 only)");
  cmd->add_flag("--v2", args->v2)->description("Same as --format v2 (BEP 52 only)");
  cmd->add_flag("--hybrid", args->hybrid)
      ->description("Same as --format hybrid (v1 and v2 in one torrent; the default)");
  cmd->add_option("-l,--piece-length", args->piece_length,
                  "Piece length: a power of two from 16K to 512M (bytes, or with a K/M suffix); "
                  "default: automatic (smallest that keeps <= 2048 pieces, 16K..16M)");
  cmd->add_option("-t,--threads", args->threads, "Hashing threads (0 = all cores)")
      ->capture_default_str();
  cmd->add_flag("-p,--private", args->is_private)->description("Set the private flag (BEP 27)");
  cmd->add_option("-s,--source", args->source,
                  "Source tag inside the info dict (private trackers use it)");
  cmd->add_option("-c,--comment", args->comment, "Comment");
  cmd->add_option("-n,--name", args->name, "Torrent name (default: the file or directory name)");
  cmd->add_option("-a,--announce", args->announce,
                  "Tracker URL; repeat for backup tiers; comma-separated URLs form one tier")
      ->allow_extra_args(false);
  cmd->add_option("-w,--web-seed", args->web_seeds, "Web seed URL (BEP 19); repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--include", args->include,
                  "Only files matching this glob (name, or path if it has '/'); repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--exclude", args->exclude,
                  "Leave out files and directories matching this glob; repeatable")
      ->allow_extra_args(false);
  cmd->add_flag("--include-hidden", args->include_hidden)
      ->description("Include hidden files and directories (names starting with '.')");
  cmd->add_option("--symlinks", args->symlinks,
                  "Symbolic links inside the directory: follow, skip or refuse")
      ->check(CLI::IsMember({"follow", "skip", "refuse"}))
      ->capture_default_str();
  cmd->add_flag("--no-date", args->no_date)->description("Omit the creation date");
  cmd->add_flag("--no-created-by", args->no_created_by)->description("Omit 'created by'");
  cmd->add_option("-o,--output", args->output, "Output file (default: <name>.torrent)");
  cmd->add_flag("-f,--force", args->force)->description("Overwrite the output file if it exists");
  cmd->add_flag("--magnet", args->magnet)->description("Also print the magnet link");
  cmd->add_flag("--json", args->json)->description("Print the result as JSON");
  cmd->add_flag("-q,--quiet", args->quiet)->description("No progress bar");
  cmd->callback([args] { run_create(*args); });
}

}  // namespace shoal::cli
