// shoal — the command line for the Shoal toolkit.
#include <CLI/CLI.hpp>

#include <iostream>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"shoal — BitTorrent swarm toolkit: create, inspect, verify, seed, download, and "
               "talk to a tracker or a peer node"};
  app.set_version_flag("--version", std::string("shoal 0.1.0"));
  app.require_subcommand(0, 1);
  // Commands register themselves here (see commands.hpp).
  CLI11_PARSE(app, argc, argv);
  if (app.get_subcommands().empty()) std::cout << app.help();
  return 0;
}
