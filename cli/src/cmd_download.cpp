// shoal download: fetch a torrent (magnet or .torrent file) with a libtorrent session
// (shoal::peer::Node), resumable through a state directory inside --output.
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "progress_bar.hpp"
#include "shoal/peer/http_client.hpp"
#include "shoal/peer/node.hpp"
#include "shoal/proto/bencode.hpp"
#include "shoal/proto/metainfo.hpp"

namespace shoal::cli {

namespace {

namespace fs = std::filesystem;
namespace peer = shoal::peer;
using Clock = std::chrono::steady_clock;

struct DownloadArgs {
  std::string source;
  std::string output = ".";
  std::string files;  // "1,3": 1-based, pad files not counted
  double max_down_kib = 0;
  double max_up_kib = 0;
  double timeout = 0;
  int port = 6881;
  bool loopback = false;
  std::vector<std::string> peers;  // IP:PORT, connected directly
  double interval = 5.0;
  bool insecure = false;   // https:// SOURCE: skip certificate verification
  std::string ca_file;     // https:// SOURCE: extra trusted certificates
};

[[noreturn]] void fail(const std::string& message, int exit_code = 1) {
  command_failed("download", false, "download_failed", message, exit_code);
}

std::set<std::size_t> parse_file_list(const std::string& text) {
  std::set<std::size_t> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    std::size_t pos = 0;
    unsigned long n = 0;
    try {
      n = std::stoul(item, &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (pos == 0 || pos != item.size() || n == 0) fail("--files: expected 1-based numbers like 1,3", 2);
    out.insert(n);
  }
  return out;
}

// Priorities for the chosen files (1-based over the real files; pad files are skipped).
expected<std::vector<std::uint8_t>, std::string> priorities_for(
    const std::vector<peer::TorrentFile>& files, const std::set<std::size_t>& chosen) {
  std::vector<std::uint8_t> prios(files.size(), 0);
  std::size_t number = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (files[i].pad) continue;
    ++number;
    if (chosen.count(number)) prios[i] = 4;
  }
  if (!chosen.empty() && *chosen.rbegin() > number) {
    return shoal::unexpected<std::string>(
        fmt::format("--files: the torrent has {} file(s), got {}", number, *chosen.rbegin()));
  }
  return prios;
}

std::pair<std::string, std::uint16_t> parse_peer(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) fail("--peer: expected IP:PORT", 2);
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned long port = 0;
  try {
    port = std::stoul(text.substr(colon + 1));
  } catch (const std::exception&) {
  }
  if (port == 0 || port > 65535) fail("--peer: bad port in " + text, 2);
  return {host, static_cast<std::uint16_t>(port)};
}

std::string progress_text(const peer::TorrentStatus& st) {
  std::string eta = "--";
  const double left = static_cast<double>(st.total_wanted - st.total_done);
  if (st.download_rate > 0) eta = format_duration(left / static_cast<double>(st.download_rate));
  if (!st.has_metadata) {
    return fmt::format("metadata... peers {}", st.peers_connected);
  }
  return fmt::format("{:5.1f}%  {} of {}  down {}/s  up {}/s  peers {} ({} seeds)  ETA {}",
                     st.progress * 100.0, format_bytes(static_cast<double>(st.total_done)),
                     format_bytes(static_cast<double>(st.total_wanted)),
                     format_bytes(static_cast<double>(st.download_rate)),
                     format_bytes(static_cast<double>(st.upload_rate)), st.peers_connected,
                     st.seeds_connected, eta);
}

bool is_http_url(const std::string& text) {
  auto starts = [&](std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
    return true;
  };
  return starts("http://") || starts("https://");
}

// GETs the .torrent at args.source (bounded in size and time, redirects followed) and checks that
// it is one: a clear error for a 404, an HTML page, or anything else that does not parse.
std::string fetch_torrent(const DownloadArgs& args) {
  peer::HttpClientOptions options;
  if (args.timeout > 0 && args.timeout * 1000.0 < static_cast<double>(options.timeout.count()))
    options.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(args.timeout * 1000.0));
  options.insecure = args.insecure;
  options.ca_file = args.ca_file;
  peer::HttpClient client(options);
  auto got = client.get(args.source, bencode::kDefaultMaxTotalSize);
  if (!got) fail(got.error().message);
  const std::string where = got->url.redacted();
  auto meta = shoal::parse_metainfo(got->body);
  if (!meta) {
    std::size_t first = got->body.find_first_not_of(" \t\r\n");
    const bool html = got->content_type.find("html") != std::string::npos ||
                      (first != std::string::npos && got->body[first] == '<');
    if (got->body.empty()) fail(where + ": not a .torrent file: the server sent an empty body");
    if (html) {
      fail(fmt::format("{}: not a .torrent file: the server sent an HTML page{} (a download page, "
                       "a login or an error page?)",
                       where, got->content_type.empty() ? "" : " (" + terminal_safe(got->content_type) + ")"));
    }
    fail(fmt::format("{}: not a .torrent file ({} bytes{}): {}", where, got->body.size(),
                     got->content_type.empty() ? "" : ", " + terminal_safe(got->content_type),
                     meta.error().message()));
  }
  std::cout << fmt::format("fetched {}: {} ({} bytes)", where, terminal_safe(meta->name()),
                           got->body.size())
            << std::endl;
  return std::move(got->body);
}

void run_download(const DownloadArgs& args) {
  peer::AddTorrentParams params;
  const std::string& src = args.source;
  if (src.rfind("magnet:", 0) == 0) {
    params.magnet_uri = src;
  } else if (is_http_url(src)) {
    params.torrent_bytes = fetch_torrent(args);
  } else {
    auto meta = load_torrent_file(src);  // a clear parse error, naming the file
    if (!meta) fail(meta.error());
    auto bytes = read_binary_file(src);
    if (!bytes) fail(bytes.error());
    params.torrent_bytes = std::move(*bytes);
  }
  const std::set<std::size_t> chosen = args.files.empty() ? std::set<std::size_t>{}
                                                          : parse_file_list(args.files);
  std::vector<std::pair<std::string, std::uint16_t>> peers;
  for (const auto& p : args.peers) peers.push_back(parse_peer(p));

  const fs::path output = fs::absolute(args.output).lexically_normal();
  std::error_code ec;
  fs::create_directories(output, ec);
  if (ec) fail(fmt::format("--output {}: {}", args.output, ec.message()));
  peer::NodeSettings settings = node_settings(args.loopback, static_cast<std::uint16_t>(args.port));
  settings.state_dir = output / ".shoal-state";
  settings.download_rate_limit = static_cast<int>(args.max_down_kib * 1024.0);
  settings.upload_rate_limit = static_cast<int>(args.max_up_kib * 1024.0);
  auto created = peer::Node::create(settings);
  if (!created) fail(created.error());
  peer::Node& node = **created;
  install_stop_signals();

  params.save_path = output;
  // libtorrent exempts local-network peers from the session-wide limits; the torrent's own limit
  // applies to every peer, so set both.
  params.download_rate_limit = settings.download_rate_limit;
  params.upload_rate_limit = settings.upload_rate_limit;
  auto id = node.add_torrent(params);
  if (!id) fail(id.error());
  for (const auto& [host, port] : peers) {
    if (auto r = node.add_peer(*id, host, port); !r) fail(r.error());
  }

  const bool terminal = ::isatty(STDERR_FILENO) == 1;
  const auto start = Clock::now();
  auto last_line = start;
  bool files_applied = chosen.empty();
  bool resumed_reported = false;
  std::set<std::string> tracker_errors_seen;
  auto save = [&node] {
    if (auto saved = node.save_resume_data(); !saved) std::cerr << "shoal download: " << saved.error() << "\n";
  };
  for (;;) {
    for (const auto& ev : node.poll(std::chrono::milliseconds(250))) {
      if (ev.kind == peer::EventKind::error && !ev.info_hash.empty()) {
        save();
        fail(ev.message);
      } else if (ev.kind == peer::EventKind::error) {
        std::cerr << "shoal download: " << terminal_safe(ev.message) << "\n";
      } else if (ev.kind == peer::EventKind::tracker_error) {
        const std::string text = fmt::format("tracker {}: {}", terminal_safe(ev.tracker_url),
                                             terminal_safe(ev.message));
        if (tracker_errors_seen.insert(text).second) std::cerr << "shoal download: " << text << "\n";
      }
    }
    auto st = node.status(*id);
    if (!st) fail(st.error());
    if (!st->error.empty()) {
      save();
      fail(st->error);
    }
    if (st->has_metadata && !files_applied) {
      auto files = node.files(*id);
      if (!files) fail(files.error());
      auto prios = priorities_for(*files, chosen);
      if (!prios) fail(prios.error(), 2);
      if (auto r = node.set_file_priorities(*id, *prios); !r) fail(r.error());
      files_applied = true;
      continue;  // let the new priorities reach the status
    }
    if (!resumed_reported && st->has_metadata && st->state == peer::TorrentState::downloading) {
      resumed_reported = true;
      if (st->total_done > 0) {
        std::cout << fmt::format("resuming {}: {} already verified", terminal_safe(st->name),
                                 format_bytes(static_cast<double>(st->total_done)))
                  << std::endl;
      }
    }
    const bool complete = st->has_metadata && files_applied &&
                          (st->state == peer::TorrentState::finished ||
                           st->state == peer::TorrentState::seeding) &&
                          st->total_done == st->total_wanted;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (complete) {
      if (terminal) std::fprintf(stderr, "\r\033[K");
      save();
      std::cout << fmt::format("done: {} ({}) in {}, every piece hash-checked; {} downloaded "
                               "in this run",
                               terminal_safe(st->name),
                               format_bytes(static_cast<double>(st->total_wanted)),
                               format_duration(elapsed),
                               format_bytes(static_cast<double>(st->total_downloaded)))
                << std::endl;
      return;
    }
    if (terminal) {
      std::fprintf(stderr, "\r\033[K%s", progress_text(*st).c_str());
      std::fflush(stderr);
    } else if (std::chrono::duration<double>(Clock::now() - last_line).count() >= args.interval) {
      last_line = Clock::now();
      std::cout << progress_text(*st) << std::endl;
    }
    if (stop_requested() || (args.timeout > 0 && elapsed >= args.timeout)) {
      if (terminal) std::fprintf(stderr, "\r\033[K");
      save();
      const std::string where =
          st->has_metadata ? fmt::format("{:.1f}%", st->progress * 100.0) : "no metadata yet";
      if (stop_requested()) fail(fmt::format("interrupted at {}; run again to resume", where), 130);
      fail(fmt::format("timed out after {:.0f} s at {} ({} peers); run again to resume", args.timeout,
                       where, st->peers_connected));
    }
  }
}

}  // namespace

void register_download(CLI::App& app) {
  auto args = std::make_shared<DownloadArgs>();
  auto* cmd = app.add_subcommand(
      "download", "Download a torrent (magnet link, .torrent file, or http(s) URL of a .torrent)");
  cmd->add_option("SOURCE", args->source,
                  "A magnet URI, a .torrent file, or an http:// or https:// URL of a .torrent")
      ->required();
  cmd->add_option("-o,--output", args->output,
                  "Directory to download into (resume state is kept in DIR/.shoal-state)")
      ->capture_default_str();
  cmd->add_option("--files", args->files,
                  "Only these files, 1-based in the torrent's order as `shoal info` lists them, e.g. 1,3");
  cmd->add_option("--max-down", args->max_down_kib, "Download limit in KiB/s (0 = none)")
      ->capture_default_str();
  cmd->add_option("--max-up", args->max_up_kib, "Upload limit in KiB/s (0 = none)")
      ->capture_default_str();
  cmd->add_option("--timeout", args->timeout, "Give up after this many seconds (0 = never)")
      ->capture_default_str();
  cmd->add_option("--port", args->port, "TCP port to listen on")->capture_default_str();
  cmd->add_option("--peer", args->peers, "Connect to this peer directly (IP:PORT; repeatable)");
  cmd->add_option("--interval", args->interval,
                  "Seconds between progress lines when stderr is not a terminal")
      ->capture_default_str();
  cmd->add_flag("--loopback", args->loopback)
      ->description("Test swarms: listen on 127.0.0.1 only, no DHT/LSD/UPnP/NAT-PMP/uTP");
  cmd->add_flag("--insecure", args->insecure)
      ->description("https:// SOURCE: do not verify the server's certificate");
  cmd->add_option("--ca-file", args->ca_file,
                  "https:// SOURCE: PEM file of extra trusted certificates");
  cmd->callback([args] { run_download(*args); });
}

}  // namespace shoal::cli
