// shoal announce / shoal scrape: ask any HTTP(S) or UDP tracker and print what it answered — an
// operator's debugging tool (docs/cli.md). The protocol work is shoal::peer::TrackerClient's.
#include <chrono>
#include <cmath>
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
#include "shoal/peer/tracker_client.hpp"
#include "shoal/proto/encoding.hpp"
#include "shoal/proto/magnet.hpp"

namespace shoal::cli {

namespace {

namespace peer = shoal::peer;

/// Longest --timeout accepted: an hour is already far beyond any tracker's patience.
constexpr double kMaxTimeoutSeconds = 3600.0;
/// The port announced when --port is not given (the classic BitTorrent port).
constexpr std::uint16_t kDefaultAnnouncePort = 6881;
/// The `left` announced when --left is not given: one byte, so the tracker counts us as a
/// leecher and returns seeders as well as leechers.
constexpr std::int64_t kDefaultLeft = 1;

/// Options both commands share.
struct TrackerArgs {
  std::string url;
  double timeout_seconds = static_cast<double>(peer::kDefaultTrackerTimeout.count()) / 1000.0;
  bool insecure = false;
  std::string ca_file;
  bool json = false;
};

struct AnnounceArgs : TrackerArgs {
  std::string hash;
  std::uint16_t port = kDefaultAnnouncePort;
  std::int64_t left = kDefaultLeft;
  std::int64_t uploaded = 0;
  std::int64_t downloaded = 0;
  std::string event = "started";
  std::optional<std::int64_t> numwant;
  std::string peer_id;
  std::string key;
};

struct ScrapeArgs : TrackerArgs {
  std::vector<std::string> hashes;
};

/// HASH: 40 hex characters, 32 base32 characters, a magnet link, or a .torrent file (its
/// tracker hash: v1, or the truncated v2 hash of a v2-only torrent).
Sha1Digest parse_hash_argument(std::string_view command, bool json, const std::string& text) {
  if (auto d = Sha1Digest::from_hex(text)) return *d;
  if (text.size() == 32)
    if (auto raw = base32_decode(text); raw && raw->size() == Sha1Digest::size)
      return *Sha1Digest::from_bytes(*raw);
  if (text.starts_with("magnet:")) {
    auto link = parse_magnet(text);
    if (!link) command_failed(command, json, "invalid_hash", link.error().message(), 2);
    return link->info_hash.tracker_id();
  }
  std::error_code ec;
  if (std::filesystem::exists(text, ec)) {
    auto m = load_torrent_file(text);
    if (!m) command_failed(command, json, "invalid_torrent", m.error(), 2);
    return m->info_hash().tracker_id();
  }
  command_failed(command, json, "invalid_hash",
                 "'" + text + "' is not an info-hash (40 hex characters), a magnet link or a .torrent file",
                 2);
}

peer::TrackerUrl parse_url_argument(std::string_view command, const TrackerArgs& args) {
  auto url = peer::parse_tracker_url(args.url);
  if (!url) command_failed(command, args.json, "invalid_url", url.error().message, 2);
  return *url;
}

peer::TrackerClientOptions client_options(std::string_view command, const TrackerArgs& args) {
  if (!(args.timeout_seconds > 0) || args.timeout_seconds > kMaxTimeoutSeconds)
    command_failed(command, args.json, "invalid_option",
                   fmt::format("--timeout must be more than 0 and at most {} seconds", kMaxTimeoutSeconds), 2);
  peer::TrackerClientOptions o;
  o.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(args.timeout_seconds * 1000.0)));
  o.insecure = args.insecure;
  o.ca_file = args.ca_file;
  return o;
}

[[noreturn]] void tracker_failed(std::string_view command, bool json, const peer::TrackerError& e) {
  command_failed(command, json, peer::to_string(e.code), e.message, 1);
}

/// --peer-id: 40 hex characters (the raw 20 bytes), or up to 20 characters used as a prefix and
/// completed with random letters and digits. Empty: make_peer_id().
PeerId make_peer_id_argument(std::string_view command, bool json, const std::string& text) {
  if (text.empty()) return peer::make_peer_id();
  if (auto d = PeerId::from_hex(text)) return *d;
  if (text.size() > PeerId::size)
    command_failed(command, json, "invalid_option",
                   "--peer-id must be 40 hex characters or at most 20 characters", 2);
  return peer::make_peer_id(text);
}

std::optional<AnnounceEvent> parse_event(const std::string& text) {
  for (auto e : {AnnounceEvent::none, AnnounceEvent::started, AnnounceEvent::completed,
                 AnnounceEvent::stopped, AnnounceEvent::paused})
    if (text == to_string(e)) return e;
  return std::nullopt;
}

template <class T>
nlohmann::json optional_json(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// ---- announce -----------------------------------------------------------------------------

void print_announce(const peer::TrackerUrl& url, const Sha1Digest& hash,
                    const AnnounceResponse& r) {
  auto field = [](std::string_view label, const std::string& value) {
    fmt::print("{:<14}{}\n", fmt::format("{}:", label), value);
  };
  field("tracker", url.redacted());
  field("info-hash", hash.hex());
  if (r.failure_reason) {
    field("failure", terminal_safe(*r.failure_reason));
    if (r.retry_in)
      field("retry in", *r.retry_in == kRetryNever ? "never" : fmt::format("{} min", *r.retry_in));
    return;
  }
  if (r.warning_message) field("warning", terminal_safe(*r.warning_message));
  field("interval", fmt::format("{} s", r.interval));
  if (r.min_interval) field("min interval", fmt::format("{} s", *r.min_interval));
  field("seeders", r.complete ? std::to_string(*r.complete) : "(not reported)");
  field("leechers", r.incomplete ? std::to_string(*r.incomplete) : "(not reported)");
  if (r.downloaded) field("downloaded", std::to_string(*r.downloaded));
  if (r.tracker_id) field("tracker id", terminal_safe(*r.tracker_id));
  if (r.external_ip) field("external ip", r.external_ip->to_string());
  fmt::print("peers ({}):\n", r.peers.size());
  for (const auto& p : r.peers) fmt::print("  {}\n", p.endpoint.to_string());
  if (r.skipped_peers != 0)
    fmt::print("  ({} peers given by host name were left out)\n", r.skipped_peers);
}

nlohmann::json announce_json(const peer::TrackerUrl& url, const Sha1Digest& hash,
                             const AnnounceResponse& r) {
  nlohmann::json j;
  j["tracker"] = url.redacted();
  j["info_hash"] = hash.hex();
  j["failure_reason"] = optional_json(r.failure_reason);
  j["retry_in"] = optional_json(r.retry_in);
  j["warning_message"] = optional_json(r.warning_message);
  if (r.failure_reason) return j;
  j["interval"] = r.interval;
  j["min_interval"] = optional_json(r.min_interval);
  j["seeders"] = optional_json(r.complete);
  j["leechers"] = optional_json(r.incomplete);
  j["downloaded"] = optional_json(r.downloaded);
  j["tracker_id"] = optional_json(r.tracker_id);
  j["external_ip"] = r.external_ip ? nlohmann::json(r.external_ip->to_string()) : nlohmann::json(nullptr);
  nlohmann::json peers = nlohmann::json::array();
  for (const auto& p : r.peers)
    peers.push_back({{"address", p.endpoint.to_string()},
                     {"peer_id", p.peer_id ? nlohmann::json(p.peer_id->hex()) : nlohmann::json(nullptr)}});
  j["peers"] = std::move(peers);
  j["skipped_peers"] = r.skipped_peers;
  return j;
}

void run_announce(const AnnounceArgs& args) {
  constexpr std::string_view kCommand = "announce";
  const auto url = parse_url_argument(kCommand, args);
  const auto options = client_options(kCommand, args);
  AnnounceRequest request;
  request.info_hash = parse_hash_argument(kCommand, args.json, args.hash);
  request.peer_id = make_peer_id_argument(kCommand, args.json, args.peer_id);
  request.port = args.port;
  request.left = args.left;
  request.uploaded = args.uploaded;
  request.downloaded = args.downloaded;
  const auto event = parse_event(args.event);
  if (!event) command_failed(kCommand, args.json, "invalid_option", "unknown --event '" + args.event + "'", 2);
  request.event = *event;
  request.numwant = args.numwant;
  if (!args.key.empty()) request.key = args.key;

  peer::TrackerClient client(options);
  auto r = client.announce(url, request);
  if (!r) tracker_failed(kCommand, args.json, r.error());
  if (args.json) std::cout << json_text(announce_json(url, request.info_hash, *r)) << "\n";
  else print_announce(url, request.info_hash, *r);
  // The tracker refused: the answer is printed, and scripts see a failure.
  if (r->failure_reason) throw CLI::RuntimeError(1);
}

// ---- scrape -------------------------------------------------------------------------------

void run_scrape(const ScrapeArgs& args) {
  constexpr std::string_view kCommand = "scrape";
  const auto url = parse_url_argument(kCommand, args);
  const auto options = client_options(kCommand, args);
  std::vector<Sha1Digest> hashes;
  for (const auto& h : args.hashes) hashes.push_back(parse_hash_argument(kCommand, args.json, h));
  // Where the scrape goes (BEP 48), for the output; the client derives the same URL.
  auto scrape_url = peer::scrape_url_for(url);
  if (!scrape_url) tracker_failed(kCommand, args.json, scrape_url.error());

  peer::TrackerClient client(options);
  auto r = client.scrape(url, hashes);
  if (!r) tracker_failed(kCommand, args.json, r.error());

  if (args.json) {
    nlohmann::json j;
    j["tracker"] = scrape_url->redacted();
    j["failure_reason"] = optional_json(r->failure_reason);
    j["min_request_interval"] = optional_json(r->min_request_interval);
    nlohmann::json files = nlohmann::json::array();
    for (const auto& h : hashes) {
      auto it = r->files.find(h);
      nlohmann::json e{{"info_hash", h.hex()}, {"reported", it != r->files.end()}};
      if (it != r->files.end()) {
        e["seeders"] = it->second.complete;
        e["leechers"] = it->second.incomplete;
        e["downloaded"] = it->second.downloaded;
        e["name"] = optional_json(it->second.name);
      }
      files.push_back(std::move(e));
    }
    j["files"] = std::move(files);
    std::cout << json_text(j) << "\n";
  } else {
    fmt::print("tracker: {}\n", scrape_url->redacted());
    if (r->failure_reason) {
      fmt::print("failure: {}\n", terminal_safe(*r->failure_reason));
    } else {
      fmt::print("{:<40}  {:>8}  {:>8}  {:>10}\n", "info-hash", "seeders", "leechers", "downloaded");
      for (const auto& h : hashes) {
        auto it = r->files.find(h);
        if (it == r->files.end()) {
          fmt::print("{:<40}  (not reported by the tracker)\n", h.hex());
          continue;
        }
        const auto& s = it->second;
        fmt::print("{:<40}  {:>8}  {:>8}  {:>10}{}\n", h.hex(), s.complete, s.incomplete, s.downloaded,
                   s.name ? "  " + terminal_safe(*s.name) : "");
      }
      if (r->min_request_interval)
        fmt::print("min request interval: {} s\n", *r->min_request_interval);
    }
  }
  if (r->failure_reason) throw CLI::RuntimeError(1);
}

void add_tracker_options(CLI::App* cmd, const std::shared_ptr<TrackerArgs>& args) {
  cmd->add_option("--timeout", args->timeout_seconds,
                  "Give up after this many seconds (DNS, connect, TLS, redirects, UDP retries)")
      ->capture_default_str();
  cmd->add_flag("--insecure", args->insecure)
      ->description("HTTPS: do not verify the tracker's certificate");
  cmd->add_option("--ca-file", args->ca_file,
                  "HTTPS: also trust the certificates in this PEM file")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", args->json)->description("Print the answer as JSON");
}

}  // namespace

void register_announce(CLI::App& app) {
  auto args = std::make_shared<AnnounceArgs>();
  auto* cmd = app.add_subcommand("announce", "Announce to a tracker (http, https, udp) and print its answer");
  cmd->add_option("url", args->url, "Tracker announce URL")->required();
  cmd->add_option("hash", args->hash,
                  "Info-hash (40 hex), magnet link, or .torrent file")->required();
  cmd->add_option("--port", args->port, "Port announced for this peer")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  cmd->add_option("--left", args->left, "Bytes left to download (0 announces a seeder)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--uploaded", args->uploaded, "Bytes uploaded")->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--downloaded", args->downloaded, "Bytes downloaded")->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--event", args->event, "started, completed, stopped, paused or none")
      ->check(CLI::IsMember({"started", "completed", "stopped", "paused", "none"}))
      ->capture_default_str();
  cmd->add_option("--numwant", args->numwant, "Peers wanted (default: the tracker's)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--peer-id", args->peer_id,
                  "Peer id: 40 hex, or a prefix completed at random (default -SH0010-...)");
  cmd->add_option("--key", args->key, "The announce key (default: random per run)");
  add_tracker_options(cmd, args);
  cmd->callback([args] { run_announce(*args); });
}

void register_scrape(CLI::App& app) {
  auto args = std::make_shared<ScrapeArgs>();
  auto* cmd = app.add_subcommand("scrape", "Ask a tracker (http, https, udp) for swarm counts");
  cmd->add_option("url", args->url, "Tracker announce (or scrape) URL")->required();
  cmd->add_option("hashes", args->hashes,
                  "Info-hashes (40 hex), magnet links or .torrent files")->required();
  add_tracker_options(cmd, args);
  cmd->callback([args] { run_scrape(*args); });
}

}  // namespace shoal::cli
