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
  shoal::cli::register_create(app);
  shoal::cli::register_verify(app);
  shoal::cli::register_info(app);
  shoal::cli::register_magnet(app);
  shoal::cli::register_announce(app);
  shoal::cli::register_scrape(app);
  shoal::cli::register_seed(app);
  shoal::cli::register_download(app);
  shoal::cli::register_tracker_api(app);
  shoal::cli::register_peer(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a command's own result (see commands.hpp)
  } catch (const CLI::ParseError& e) {
    const int printed = app.exit(e);  // prints help/version (exit 0) or the usage error
    return printed == 0 ? 0 : 2;      // bad usage is exit code 2 for every command
  }
  if (app.get_subcommands().empty()) std::cout << app.help();
  return 0;
}
