// shoal-bench: a load generator for any BitTorrent tracker (UDP BEP 15, HTTP BEP 3).
//
//   shoal-bench udp  --target 127.0.0.1:6969 --duration 10 [--json]
//   shoal-bench http --target 127.0.0.1:6969 --duration 10 [--no-keep-alive] [--json]
//   shoal-bench udp  --target 127.0.0.1:6969 --fill --torrents 100000 --peers-per-torrent 10
//   shoal-bench hashes --torrents 10000 > whitelist.txt     # the info-hashes under load, hex
//   shoal-bench catalog --target 127.0.0.1:8080 --key sk_… --fill 100000 --clients 32 --duration 10
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "shoal/bench/catalog_load.hpp"
#include "shoal/bench/load.hpp"

namespace {

using shoal::bench::LoadOptions;

void add_load_options(CLI::App& cmd, LoadOptions& o, std::string& target, std::string& mix,
                      bool& json) {
  auto& w = o.workload;
  cmd.add_option("--target", target, "tracker address, IPv4 host:port")->required();
  cmd.add_option("--duration", o.duration_seconds, "seconds of load (fill: the longest it may take)")
      ->capture_default_str();
  cmd.add_option("--window", o.window, "requests in flight in total (HTTP: connections)")
      ->capture_default_str();
  cmd.add_option("--threads", o.threads, "generator threads")->capture_default_str();
  cmd.add_option("--timeout", o.timeout_seconds, "seconds before a request counts as a timeout")
      ->capture_default_str();
  cmd.add_option("--rate", o.rate, "requests per second in total; 0 = as fast as possible")
      ->capture_default_str();
  cmd.add_option("--torrents", w.torrents, "torrents (swarms)")->capture_default_str();
  cmd.add_option("--zipf", w.zipf_exponent, "Zipf exponent of torrent popularity; 0 = uniform")
      ->capture_default_str();
  cmd.add_option("--peers", w.peers, "simulated peers over all source addresses")
      ->capture_default_str();
  cmd.add_option("--sources", w.sources, "source addresses 127.0.0.1 .. 127.0.0.N")
      ->capture_default_str();
  cmd.add_option("--seeders", w.seeder_fraction, "fraction of (peer, torrent) pairs that seed")
      ->capture_default_str();
  cmd.add_option("--mix", mix, "weights connect:announce:scrape (connect is UDP only)")
      ->capture_default_str();
  cmd.add_option("--numwant", w.numwant, "peers asked for per announce")->capture_default_str();
  cmd.add_option("--scrape-hashes", w.scrape_hashes, "info-hashes per scrape")->capture_default_str();
  cmd.add_option("--seed", w.seed, "random seed")->capture_default_str();
  cmd.add_flag("--no-bind")->description("do not bind to 127.0.0.x source addresses (remote targets)");
  cmd.add_flag("--json", json)->description("print one JSON object instead of text");
  cmd.add_option("--passkeys", o.passkeys_file,
                 "file of passkeys, one per line: each simulated peer announces with one (UDP URLData)");
}

bool parse_mix(const std::string& text, shoal::bench::WorkloadOptions& w) {
  double c = 0, a = 0, s = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%lf:%lf:%lf%c", &c, &a, &s, &tail) != 3) return false;
  w.connect_weight = c;
  w.announce_weight = a;
  w.scrape_weight = s;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"shoal-bench — load generator for BitTorrent trackers (UDP and HTTP)"};
  app.require_subcommand(1);

  LoadOptions udp_opts;
  std::string udp_target, udp_mix = "0:90:10";
  bool udp_json = false;
  auto* udp = app.add_subcommand("udp", "UDP (BEP 15) load");
  add_load_options(*udp, udp_opts, udp_target, udp_mix, udp_json);
  udp->add_option("--connection-refresh", udp_opts.connection_refresh_seconds,
                  "seconds between connection-id refreshes per socket")
      ->capture_default_str();
  udp->add_flag("--fill", udp_opts.fill)
      ->description("memory run: one started announce per (torrent, slot), then stop");
  udp->add_option("--peers-per-torrent", udp_opts.workload.peers_per_torrent, "fill: peers per swarm")
      ->capture_default_str();

  LoadOptions http_opts;
  std::string http_target, http_mix = "0:90:10";
  bool http_json = false;
  bool no_keep_alive = false;
  auto* http = app.add_subcommand("http", "HTTP (BEP 3) load");
  add_load_options(*http, http_opts, http_target, http_mix, http_json);
  http->add_flag("--no-keep-alive", no_keep_alive)
      ->description("a new connection per request (Connection: close)");
  http->add_option("--announce-path", http_opts.announce_path)->capture_default_str();
  http->add_option("--scrape-path", http_opts.scrape_path)->capture_default_str();

  std::uint32_t hash_count = 10000;
  auto* hashes = app.add_subcommand("hashes", "print the info-hashes of torrents 0..N-1 (a whitelist)");
  hashes->add_option("--torrents", hash_count)->capture_default_str();

  shoal::bench::CatalogLoadOptions catalog_opts;
  std::string catalog_target;
  bool catalog_json = false;
  auto* catalog = app.add_subcommand("catalog", "the torrent catalog's search and details endpoints (REST API)");
  catalog->add_option("--target", catalog_target, "the API's address, IPv4 host:port")->required();
  catalog->add_option("--key", catalog_opts.api_key, "API key (the ingest scope to --fill)");
  catalog->add_option("--fill", catalog_opts.fill, "ingest this many synthetic entries first")->capture_default_str();
  catalog->add_option("--entries", catalog_opts.entries, "entries the catalog holds (default: --fill)");
  catalog->add_option("--clients", catalog_opts.clients, "concurrent keep-alive clients")->capture_default_str();
  catalog->add_option("--duration", catalog_opts.duration_seconds, "seconds of load")->capture_default_str();
  catalog->add_option("--rate", catalog_opts.rate, "requests/s over all clients; 0 = closed loop")->capture_default_str();
  catalog->add_option("--seed", catalog_opts.seed, "random seed")->capture_default_str();
  catalog->add_flag("--json", catalog_json)->description("print one JSON object instead of text");

  CLI11_PARSE(app, argc, argv);

  if (catalog->parsed()) {
    auto endpoint = shoal::PeerEndpoint::parse(catalog_target);
    if (!endpoint || !endpoint->is_v4() || endpoint->port == 0) {
      std::cerr << "--target: expected an IPv4 host:port, e.g. 127.0.0.1:8080\n";
      return 2;
    }
    catalog_opts.target = *endpoint;
    try {
      const auto r = shoal::bench::run_catalog_load(catalog_opts);
      std::cout << (catalog_json ? shoal::bench::to_json(r) + "\n" : shoal::bench::to_text(r));
      return r.searches.requests > 0 && r.searches.errors == 0 ? 0 : 1;
    } catch (const std::exception& e) {
      std::cerr << e.what() << "\n";
      return 2;
    }
  }

  if (hashes->parsed()) {
    std::string out;
    for (std::uint32_t i = 0; i < hash_count; ++i) {
      out += shoal::bench::Workload::info_hash(i).hex();
      out += '\n';
    }
    std::cout << out;
    return 0;
  }

  const bool is_udp = udp->parsed();
  LoadOptions& o = is_udp ? udp_opts : http_opts;
  CLI::App& cmd = is_udp ? *udp : *http;
  const std::string& target = is_udp ? udp_target : http_target;
  const bool json = is_udp ? udp_json : http_json;
  if (!parse_mix(is_udp ? udp_mix : http_mix, o.workload)) {
    std::cerr << "--mix: expected connect:announce:scrape weights, e.g. 0:90:10\n";
    return 2;
  }
  auto endpoint = shoal::PeerEndpoint::parse(target);
  if (!endpoint || !endpoint->is_v4() || endpoint->port == 0) {
    std::cerr << "--target: expected an IPv4 host:port, e.g. 127.0.0.1:6969\n";
    return 2;
  }
  o.target = *endpoint;
  if (!o.passkeys_file.empty()) {
    std::ifstream in(o.passkeys_file);
    if (!in) {
      std::cerr << "--passkeys: cannot read " << o.passkeys_file << "\n";
      return 2;
    }
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) o.passkeys.push_back(line);
    if (o.passkeys.empty()) {
      std::cerr << "--passkeys: " << o.passkeys_file << " holds no passkey\n";
      return 2;
    }
  }
  o.keep_alive = !no_keep_alive;
  o.bind_sources = cmd.count("--no-bind") == 0;
  try {
    const auto result = is_udp ? shoal::bench::run_udp_load(o) : shoal::bench::run_http_load(o);
    std::cout << (json ? shoal::bench::to_json(result) + "\n" : shoal::bench::to_text(result));
    return result.responses > 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
}
