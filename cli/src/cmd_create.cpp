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
#include "shoal/peer/create_torrent.hpp"
#include "torrent_maker.hpp"

namespace shoal::cli {

namespace {

namespace peer = shoal::peer;

struct CreateArgs {
  std::string input;
  TorrentMakerArgs torrent;
  bool magnet = false;
  bool json = false;
  bool quiet = false;
};

void run_create(const CreateArgs& args) {
  auto made = make_torrent_file("create", args.input, args.torrent, {},
                                /*show_progress=*/!args.json && !args.quiet,
                                /*quiet_stderr=*/args.json);
  if (!made) {
    command_failed("create", args.json, made.error().code, made.error().message,
                   made.error().exit_code);
  }
  const peer::CreatedTorrent& t = made->torrent;
  if (args.json) {
    const double rate = made->seconds > 0 ? static_cast<double>(t.payload_size) / made->seconds : 0.0;
    const InfoHash& ih = t.info_hash;
    nlohmann::json j;
    j["output"] = made->output.string();
    j["name"] = t.name;
    j["format"] = peer::to_string(t.format);
    j["info_hash"] = {{"v1", ih.v1 ? nlohmann::json(ih.v1->hex()) : nlohmann::json(nullptr)},
                      {"v2", ih.v2 ? nlohmann::json(ih.v2->hex()) : nlohmann::json(nullptr)}};
    j["piece_length"] = t.piece_length;
    j["num_pieces"] = t.num_pieces;
    j["total_size"] = t.payload_size;
    j["num_files"] = t.num_files;
    j["num_pad_files"] = t.num_pad_files;
    j["private"] = args.torrent.is_private;
    j["threads"] = made->threads;
    j["seconds"] = made->seconds;
    j["bytes_per_second"] = rate;
    j["magnet"] = t.magnet_uri;
    nlohmann::json skipped = nlohmann::json::array();
    for (const auto& s : made->skipped) skipped.push_back({{"path", s.path}, {"reason", s.reason}});
    j["skipped"] = skipped;
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  print_made_torrent(*made);
  if (args.magnet) std::cout << t.magnet_uri << "\n";
}

}  // namespace

void register_create(CLI::App& app) {
  auto args = std::make_shared<CreateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "create",
      "Create a .torrent (v1, v2 or hybrid) from a file or a directory, hashing with all cores");
  cmd->add_option("PATH", args->input, "File or directory to share")->required();
  add_torrent_maker_options(*cmd, args->torrent,
                            "Output file (default: <name>.torrent in the current directory)");
  cmd->add_flag("--magnet", args->magnet)->description("Also print the magnet link");
  cmd->add_flag("--json", args->json)->description("Print the result as JSON");
  cmd->add_flag("-q,--quiet", args->quiet)->description("No progress bar");
  cmd->callback([args] { run_create(*args); });
}

}  // namespace shoal::cli
