#pragma once
// The socket layer of shoal-bench: drive a tracker over UDP (BEP 15) or HTTP (BEP 3) with the
// requests a Workload plans, and count what comes back. The logic it relies on — which request to
// send (Workload), matching replies (RequestWindow), latencies (LatencyHistogram), totals
// (LoadResult) — lives in those classes; this layer only moves bytes, with proto's codecs.
//
// UDP: one socket per source address 127.0.0.(k+1), bound there and connected to the target; each
// socket keeps at most ceil(window / sources) requests in flight, sends and receives in batches
// (sendmmsg/recvmmsg), gets a connection id with a connect request first and refreshes it every
// connection_refresh_seconds (BEP 15 ids live two minutes), and reconnects after an error reply.
// HTTP: `window` connections spread over the source addresses, each with one request in flight;
// keep-alive reuses a connection, otherwise every request opens a new one ("Connection: close").
// Replies are parsed with Beast's response parser and proto's decode_announce_response /
// decode_scrape_response.
//
// Sources are spread over `threads` generator threads (each with its own Workload, seeded
// seed + thread index); their results are merged. The send phase lasts duration_seconds (fill
// mode: until every fill announce was answered or timed out, at most duration_seconds).
//
//   LoadOptions o;
//   o.target = *PeerEndpoint::parse("127.0.0.1:6969");
//   o.duration_seconds = 10;
//   LoadResult r = run_udp_load(o);   // throws std::runtime_error if a socket cannot be set up

#include <cstdint>
#include <string>
#include <vector>

#include "shoal/bench/load_result.hpp"
#include "shoal/bench/workload.hpp"
#include "shoal/proto/peer_endpoint.hpp"

namespace shoal::bench {

struct LoadOptions {
  PeerEndpoint target;                    ///< an IPv4 address (loopback for source addresses)
  double duration_seconds = 10;
  std::uint32_t window = 256;             ///< requests in flight in total (HTTP: connections)
  std::uint32_t threads = 1;              ///< generator threads, at most workload.sources
  double timeout_seconds = 2.0;           ///< a request unanswered this long is a timeout
  double rate = 0;                        ///< requests per second in total; 0 = as fast as possible
  double connection_refresh_seconds = 60; ///< UDP: get a new connection id this often
  bool keep_alive = true;                 ///< HTTP
  std::string announce_path = "/announce";
  std::string scrape_path = "/scrape";
  bool fill = false;                      ///< fill mode (Workload::fill_request) instead of next()
  bool bind_sources = true;               ///< bind to 127.0.0.(k+1); false: let the kernel choose
  /// Private trackers: each simulated peer (source address, port) announces with one of these
  /// passkeys, always the same one (UDP: BEP 41 URLData "/announce/<passkey>"). Empty: none.
  /// UDP only for now (run_http_load refuses them).
  std::vector<std::string> passkeys;
  std::string passkeys_file;  ///< the CLI's --passkeys (read into `passkeys` by main)
  WorkloadOptions workload;
};

/// The passkey simulated peer (`source`, `port`) uses: passkeys[(source * 65536 + port) % n].
const std::string& passkey_of(const std::vector<std::string>& passkeys, std::uint32_t source, std::uint16_t port);

LoadResult run_udp_load(const LoadOptions& options);
LoadResult run_http_load(const LoadOptions& options);

}  // namespace shoal::bench
