// shoal verify: re-hash content on disk against a .torrent and report what is wrong (docs/cli.md).
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "progress_bar.hpp"
#include "shoal/peer/verify.hpp"
#include "shoal/proto/metainfo.hpp"

namespace shoal::cli {

namespace {

namespace peer = shoal::peer;

// Bad piece indices listed in human output before "...".
constexpr std::size_t kMaxListedPieces = 20;

struct VerifyArgs {
  std::string torrent;
  std::string content;
  unsigned threads = 0;
  std::string hashes = "auto";
  bool json = false;
  bool quiet = false;
};

[[noreturn]] void fail(const VerifyArgs& args, std::string_view code, const std::string& message,
                       int exit_code = 1) {
  command_failed("verify", args.json, code, message, exit_code);
}

std::string piece_list(const std::vector<std::size_t>& pieces) {
  std::string out;
  for (std::size_t i = 0; i < pieces.size() && i < kMaxListedPieces; ++i) {
    if (i) out += ", ";
    out += std::to_string(pieces[i]);
  }
  if (pieces.size() > kMaxListedPieces) out += ", ...";
  return out;
}

void run_verify(const VerifyArgs& args) {
  auto m = load_torrent_file(args.torrent);
  if (!m) fail(args, "invalid_torrent", m.error());

  peer::VerifyOptions options;
  options.threads = args.threads;
  if (args.hashes == "v1") options.hashes = peer::VerifyHashes::v1;
  else if (args.hashes == "v2") options.hashes = peer::VerifyHashes::v2;
  ProgressBar bar(!args.json && !args.quiet && ProgressBar::stderr_is_terminal());
  options.progress = [&bar](const peer::HashProgress& p) {
    bar.update(p.pieces_done, p.num_pieces, p.bytes_read, p.bytes_total, "pieces");
    return true;
  };
  const auto start = std::chrono::steady_clock::now();
  auto report = peer::verify_content(*m, args.content, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  bar.finish();
  if (!report)
    fail(args, peer::to_string(report.error().code), report.error().message,
         report.error().code == peer::ContentErrc::invalid_option ? 2 : 1);

  const bool ok = report->ok();
  if (args.json) {
    nlohmann::json j;
    j["ok"] = ok;
    j["name"] = m->name();
    j["num_pieces"] = report->num_pieces;
    j["bad_pieces"] = report->bad_pieces;
    j["checked"] = {{"v1", report->checked_v1}, {"v2", report->checked_v2}};
    j["bytes_read"] = report->bytes_read;
    j["seconds"] = seconds;
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : report->files) {
      nlohmann::json e{{"path", f.path},
                       {"disk_path", f.disk_path.string()},
                       {"state", peer::to_string(f.state)},
                       {"length", f.length},
                       {"disk_length", f.disk_length ? nlohmann::json(*f.disk_length)
                                                     : nlohmann::json(nullptr)},
                       {"num_pieces", f.num_pieces},
                       {"bad_pieces", f.bad_pieces}};
      if (!f.detail.empty()) e["detail"] = f.detail;
      files.push_back(std::move(e));
    }
    j["files"] = std::move(files);
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::size_t bad_files = 0;
    for (const auto& f : report->files) {
      if (f.state == peer::FileState::ok) continue;
      ++bad_files;
      std::string line = fmt::format("{}: {}", terminal_safe(f.path), peer::to_string(f.state));
      if (f.state == peer::FileState::too_short || f.state == peer::FileState::too_long)
        line += fmt::format(" ({} bytes, expected {})", f.disk_length.value_or(0), f.length);
      if (!f.detail.empty()) line += " (" + f.detail + ")";
      if (f.bad_pieces > 0) line += fmt::format(", {} of {} pieces bad", f.bad_pieces, f.num_pieces);
      std::cout << line << "\n";
    }
    const char* kinds = report->checked_v1 && report->checked_v2 ? "v1+v2"
                        : report->checked_v1                     ? "v1"
                                                                 : "v2";
    if (ok) {
      std::cout << fmt::format("ok: {} files, {} pieces verified ({} hashes), {} in {:.2f} s\n",
                               report->files.size(), report->num_pieces, kinds,
                               format_bytes(static_cast<double>(report->bytes_read)), seconds);
    } else {
      std::cout << fmt::format("FAILED: {} of {} files and {} of {} pieces are bad ({} hashes)\n",
                               bad_files, report->files.size(), report->bad_pieces.size(),
                               report->num_pieces, kinds);
      if (!report->bad_pieces.empty())
        std::cout << "bad pieces: " << piece_list(report->bad_pieces) << "\n";
    }
  }
  if (!ok) throw CLI::RuntimeError(1);
}

}  // namespace

void register_verify(CLI::App& app) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = app.add_subcommand(
      "verify", "Re-hash content on disk against a .torrent; exit 1 if anything is wrong");
  cmd->add_option("FILE", args->torrent, "The .torrent file")->required();
  cmd->add_option("--content", args->content,
                  "The content: the file (single-file torrent) or the torrent's top directory")
      ->required();
  cmd->add_option("-t,--threads", args->threads, "Hashing threads (0 = all cores)")
      ->capture_default_str();
  cmd->add_option("--hashes", args->hashes,
                  "Which hashes to check: auto (all the torrent has), v1 or v2")
      ->check(CLI::IsMember({"auto", "v1", "v2"}))
      ->capture_default_str();
  cmd->add_flag("--json", args->json)->description("Print the report as JSON");
  cmd->add_flag("-q,--quiet", args->quiet)->description("No progress bar");
  cmd->callback([args] { run_verify(*args); });
}

}  // namespace shoal::cli
