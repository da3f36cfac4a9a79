#pragma once
// The subcommands of `shoal`. Each register_* adds one subcommand (with its options and its
// callback) to the app; the callback's exit code is reported through CLI::RuntimeError so that
// main() returns it. Conventions for every command: human output by default, `--json` for
// machines where it makes sense, errors on stderr prefixed "shoal <cmd>: ", exit 0 on success,
// 1 on failure, 2 on bad usage.
#include <CLI/CLI.hpp>

namespace shoal::cli {

// Registration functions are added here as commands are written, e.g.
//   void register_create(CLI::App& app);

}  // namespace shoal::cli
