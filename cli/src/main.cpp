// shoal — the command line for the Shoal toolkit.
#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"shoal — BitTorrent swarm toolkit: create, inspect, verify, seed, download, and "
               "talk to a tracker or a peer node"};
  app.set_version_flag("--version", std::string("shoal 0.1.0"));
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);
  if (argc == 1) std::cout << app.help();
  return 0;
}
