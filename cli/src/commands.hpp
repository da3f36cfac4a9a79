#pragma once
// The subcommands of `shoal`. Each register_* adds one subcommand (with its options and its
// callback) to the app; the callback's exit code is reported through CLI::RuntimeError so that
// main() returns it. Conventions for every command: human output by default, `--json` for
// machines where it makes sense, errors on stderr prefixed "shoal <cmd>: ", exit 0 on success,
// 1 on failure, 2 on bad usage.
#include <CLI/CLI.hpp>

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "shoal/peer/node.hpp"
#include "shoal/proto/expected.hpp"
#include "shoal/proto/metainfo.hpp"

namespace shoal::cli {

// Registration functions are added here as commands are written, e.g.
//   void register_create(CLI::App& app);

void register_create(CLI::App& app);  // cmd_create.cpp
void register_verify(CLI::App& app);  // cmd_verify.cpp
void register_info(CLI::App& app);      // cmd_info.cpp
void register_magnet(CLI::App& app);    // cmd_magnet.cpp
void register_announce(CLI::App& app);  // cmd_tracker_client.cpp
void register_scrape(CLI::App& app);    // cmd_tracker_client.cpp
void register_seed(CLI::App& app);      // cmd_seed.cpp
void register_download(CLI::App& app);  // cmd_download.cpp
void register_tracker_api(CLI::App& app);  // cmd_tracker_api.cpp: `shoal tracker ...`
void register_peer(CLI::App& app);         // cmd_peer.cpp: `shoal peer ...`

// ---- helpers shared by the commands (defined in cmd_info.cpp) ----------------------------------

/// Reads and parses a .torrent file (at most bencode::kDefaultMaxTotalSize bytes). The error
/// names the file: "x.torrent: cannot open: No such file or directory",
/// "x.torrent: metainfo: missing 'info' at byte 0".
shoal::expected<shoal::Metainfo, std::string> load_torrent_file(const std::string& path);

/// Ends a command: "shoal <command>: <message>" on stderr and, with --json, the error as
/// {"error": {"code": code, "message": message}} on stdout; then throws CLI::RuntimeError(exit_code).
[[noreturn]] void command_failed(std::string_view command, bool json, std::string_view code,
                                 const std::string& message, int exit_code = 1);

/// `j` as indented JSON text. Strings from torrents and trackers need not be UTF-8: invalid
/// sequences become U+FFFD instead of throwing.
std::string json_text(const nlohmann::json& j);

/// Text from a torrent or a tracker made safe for a terminal: control characters (including
/// ESC, so no terminal escape sequences) become \xHH; other bytes, UTF-8 included, are kept.
std::string terminal_safe(std::string_view text);

// ---- helpers of seed and download (defined in cmd_seed.cpp) -------------------------------------

/// SIGINT and SIGTERM set a flag (read by stop_requested()) instead of ending the process, so the
/// commands can save resume data before they exit.
void install_stop_signals();
bool stop_requested();

/// Node settings for the CLI: real use listens on 0.0.0.0:port and [::]:port; `loopback` applies
/// NodeSettings::loopback_test(port) (test swarms on 127.0.0.1).
shoal::peer::NodeSettings node_settings(bool loopback, std::uint16_t port);

/// The whole content of a file; the error names the file.
shoal::expected<std::string, std::string> read_binary_file(const std::string& path);

}  // namespace shoal::cli
