// shoal seed: seed a torrent's existing content with a libtorrent session (shoal::peer::Node)
// until SIGINT/SIGTERM. Also holds the helpers `shoal download` shares (signals, node settings).
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "commands.hpp"
#include "progress_bar.hpp"
#include "shoal/peer/node.hpp"
#include "shoal/proto/metainfo.hpp"
#include "torrent_maker.hpp"

namespace shoal::cli {

namespace {

namespace fs = std::filesystem;
namespace peer = shoal::peer;

volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_stop_signal(int) { g_stop = 1; }

struct SeedArgs {
  std::string torrent;  // the .torrent, or with --create the content to make it from
  std::string content;
  bool create = false;
  TorrentMakerArgs maker;
  std::string state_dir;
  int port = 6881;
  bool skip_check = false;
  bool loopback = false;
  double interval = 5.0;
};

[[noreturn]] void fail(const std::string& message, int exit_code = 1) {
  command_failed("seed", false, "seed_failed", message, exit_code);
}

// An absolute, normalised path without a trailing separator ("dir/" -> "/cwd/dir").
fs::path normalised(const std::string& path) {
  fs::path p = fs::absolute(path).lexically_normal();
  if (!p.has_filename() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
  return p;
}

// `shoal seed --create PATH`: make the torrent (written next to PATH unless --output), print
// what `shoal create --magnet` prints, and return the .torrent's bytes.
std::string create_for_seeding(const SeedArgs& args) {
  if (!args.content.empty())
    fail("--content is not used with --create: PATH is the content", 2);
  const fs::path input = normalised(args.torrent);
  if (!args.maker.name.empty() && args.maker.name != input.filename().string())
    fail("--name cannot rename what --create seeds (peers are served from PATH under its own "
         "name): rename the file or directory instead",
         2);
  auto made = make_torrent_file("seed", args.torrent, args.maker, input.parent_path(),
                                /*show_progress=*/true, /*quiet_stderr=*/false);
  if (!made)
    command_failed("seed", false, made.error().code, made.error().message, made.error().exit_code);
  print_made_torrent(*made);
  std::cout << made->torrent.magnet_uri << std::endl;
  return std::move(made->torrent.bytes);
}

void run_seed(const SeedArgs& args) {
  std::string bytes;
  if (args.create) {
    bytes = create_for_seeding(args);
  } else {
    if (args.content.empty())
      fail("--content PATH is required (or --create, to make the torrent from PATH and seed it)", 2);
    auto file = read_binary_file(args.torrent);
    if (!file) fail(file.error());
    bytes = std::move(*file);
  }
  auto meta = [&]() -> shoal::expected<shoal::Metainfo, std::string> {
    if (!args.create) return load_torrent_file(args.torrent);
    auto parsed = shoal::parse_metainfo(bytes);
    if (!parsed) return shoal::unexpected<std::string>(parsed.error().message());
    return std::move(*parsed);
  }();
  if (!meta) fail(meta.error());
  // Just hashed by --create: known good, no second check.
  const bool skip_check = args.skip_check || args.create;

  // libtorrent finds the content at save_path/<name>: accept the content itself or its parent.
  const fs::path content = normalised(args.create ? args.torrent : args.content);
  fs::path save_path;
  std::error_code ec;
  if (content.filename() == meta->name() && fs::exists(content, ec)) {
    save_path = content.parent_path();
  } else if (fs::is_directory(content, ec) && fs::exists(content / meta->name(), ec)) {
    save_path = content;
  } else {
    fail(fmt::format("--content {}: expected the torrent's file or directory '{}' (or the "
                     "directory that contains it)",
                     args.content, terminal_safe(meta->name())),
         2);
  }

  peer::NodeSettings settings = node_settings(args.loopback, static_cast<std::uint16_t>(args.port));
  settings.state_dir = args.state_dir.empty() ? save_path / ".shoal-state" : fs::path(args.state_dir);
  auto node = peer::Node::create(settings);
  if (!node) fail(node.error());
  install_stop_signals();

  const bool reloaded = (*node)->status(meta->info_hash()).has_value();
  peer::AddTorrentParams params;
  params.torrent_bytes = std::move(bytes);
  params.save_path = save_path;
  params.seed_mode = skip_check;
  auto id = (*node)->add_torrent(params);
  if (!id) fail(id.error());
  if (reloaded && !skip_check) {
    if (auto r = (*node)->force_recheck(*id); !r) fail(r.error());
  }

  // Wait for the check: the content must be complete to seed.
  if (!skip_check) std::cout << fmt::format("checking {} ...", terminal_safe(meta->name())) << std::endl;
  for (;;) {
    for (const auto& ev : (*node)->poll(std::chrono::milliseconds(200))) {
      if (ev.kind == peer::EventKind::error) fail(ev.message);
    }
    auto st = (*node)->status(*id);
    if (!st) fail(st.error());
    if (!st->error.empty()) fail(st->error);
    if (st->state == peer::TorrentState::seeding) break;
    if (st->state == peer::TorrentState::downloading || st->state == peer::TorrentState::finished) {
      fail(fmt::format("content does not match the torrent: {:.1f}% verified ({} of {})",
                       st->progress * 100.0, format_bytes(static_cast<double>(st->total_done)),
                       format_bytes(static_cast<double>(st->total_wanted))));
    }
    if (stop_requested()) fail("interrupted while checking", 130);
  }
  std::cout << fmt::format("seeding {} ({}) on port {}", terminal_safe(meta->name()),
                           id->tracker_id().hex(), (*node)->listen_port())
            << std::endl;

  auto last = std::chrono::steady_clock::now();
  while (!stop_requested()) {
    for (const auto& ev : (*node)->poll(std::chrono::milliseconds(250))) {
      if (ev.kind == peer::EventKind::tracker_error) {
        std::cerr << fmt::format("shoal seed: tracker {}: {}\n", terminal_safe(ev.tracker_url),
                                 terminal_safe(ev.message));
      } else if (ev.kind == peer::EventKind::error) {
        std::cerr << "shoal seed: " << terminal_safe(ev.message) << "\n";
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last).count() < args.interval) continue;
    last = now;
    auto st = (*node)->status(*id);
    if (!st) continue;
    std::cout << fmt::format("peers {} | up {}/s | uploaded {} | swarm {} seeds, {} leechers",
                             st->peers_connected, format_bytes(static_cast<double>(st->upload_rate)),
                             format_bytes(static_cast<double>(st->total_uploaded)),
                             st->swarm_seeds < 0 ? std::string("?") : std::to_string(st->swarm_seeds),
                             st->swarm_leechers < 0 ? std::string("?")
                                                    : std::to_string(st->swarm_leechers))
              << std::endl;
  }
  if (auto saved = (*node)->save_resume_data(); !saved) {
    std::cerr << "shoal seed: " << saved.error() << "\n";
  }
  std::cout << "stopped" << std::endl;
}

}  // namespace

void install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool stop_requested() { return g_stop != 0; }

shoal::peer::NodeSettings node_settings(bool loopback, std::uint16_t port) {
  if (loopback) return peer::NodeSettings::loopback_test(port);
  peer::NodeSettings s;
  s.listen_interfaces = fmt::format("0.0.0.0:{0},[::]:{0}", port);
  return s;
}

shoal::expected<std::string, std::string> read_binary_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return shoal::unexpected<std::string>(path + ": cannot open");
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return shoal::unexpected<std::string>(path + ": read error");
  return bytes;
}

void register_seed(CLI::App& app) {
  auto args = std::make_shared<SeedArgs>();
  auto* cmd = app.add_subcommand(
      "seed", "Seed a torrent's existing content until interrupted (--create: make the torrent first)");
  cmd->add_option("FILE", args->torrent,
                  "The .torrent file; with --create, the file or directory to make it from")
      ->required();
  cmd->add_option("--content", args->content,
                  "The content: the torrent's file/directory, or the directory containing it "
                  "(required without --create)");
  cmd->add_flag("--create", args->create)
      ->description("FILE is the content: create its torrent (options below; written to "
                    "--output or next to the content), print its magnet link, and seed it");
  cmd->add_option("--port", args->port, "TCP port to listen on")->capture_default_str();
  cmd->add_option("--state-dir", args->state_dir,
                  "Where resume data is kept (default: .shoal-state next to the content)");
  cmd->add_option("--interval", args->interval, "Seconds between status lines")->capture_default_str();
  cmd->add_flag("--skip-check", args->skip_check)
      ->description("The data is known to be good: seed without checking it first");
  cmd->add_flag("--loopback", args->loopback)
      ->description("Test swarms: listen on 127.0.0.1 only, no DHT/LSD/UPnP/NAT-PMP/uTP");
  CLI::App* create_group =
      cmd->add_option_group("Create", "With --create: how the torrent is made (as `shoal create`)");
  add_torrent_maker_options(*create_group, args->maker,
                            "Where the .torrent is written (default: <name>.torrent next to FILE)");
  cmd->callback([args, create_group] {
    if (!args->create && create_group->count_all() > 0)
      fail("torrent-making options (--announce, --piece-length, --output, ...) need --create", 2);
    run_seed(*args);
  });
}

}  // namespace shoal::cli
