// shoal magnet: the magnet link of a .torrent file (docs/cli.md).
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "shoal/proto/magnet.hpp"

namespace shoal::cli {

namespace {

struct MagnetArgs {
  std::string torrent;
  bool no_trackers = false;
  bool no_web_seeds = false;
};

void run_magnet(const MagnetArgs& args) {
  auto m = load_torrent_file(args.torrent);
  if (!m) command_failed("magnet", false, "invalid_torrent", m.error());
  MagnetLink link;
  link.info_hash = m->info_hash();  // btih for v1/hybrid, btmh for v2/hybrid
  link.display_name = m->name();
  // Every tracker of every tier, in order: a magnet link has no tiers (BEP 9).
  if (!args.no_trackers)
    for (const auto& tier : m->trackers()) link.trackers.insert(link.trackers.end(), tier.begin(), tier.end());
  if (!args.no_web_seeds) link.web_seeds = m->web_seeds();
  std::cout << make_magnet_uri(link) << "\n";
}

}  // namespace

void register_magnet(CLI::App& app) {
  auto args = std::make_shared<MagnetArgs>();
  auto* cmd = app.add_subcommand("magnet", "Print the magnet link of a .torrent file");
  cmd->add_option("torrent", args->torrent, "The .torrent file")->required();
  cmd->add_flag("--no-trackers", args->no_trackers)->description("Leave the trackers (tr=) out");
  cmd->add_flag("--no-web-seeds", args->no_web_seeds)->description("Leave the web seeds (ws=) out");
  cmd->callback([args] { run_magnet(*args); });
}

}  // namespace shoal::cli
