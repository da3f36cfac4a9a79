#pragma once
// LoadResult: what one shoal-bench run observed, summed over its generator threads, and its two
// renderings — the human text block and the `--json` object (field names below are stable; the
// compare script reads them).
//
//   LoadResult total;
//   for (auto& r : per_thread) total.merge(r);
//   total.seconds = measured_seconds;
//   std::cout << to_text(total);          // or to_json(total)
//
// Counting rules: `sent` counts requests handed to the kernel; every one of them ends as exactly
// one of `responses` (a reply matched to it, error replies included), `timeouts` (no reply within
// the timeout; a late reply is then ignored) or `in_flight_at_end` (still waiting when the run
// ended). `errors` counts replies that were error/failure responses or could not be decoded, plus
// transport failures (refused connections, resets); it overlaps `responses` for replies.

#include <cstdint>
#include <string>

#include "shoal/bench/latency_histogram.hpp"
#include "shoal/bench/workload.hpp"

namespace shoal::bench {

struct LoadResult {
  std::string protocol;             ///< "udp" or "http"
  std::string target;               ///< host:port
  double seconds = 0;               ///< measured duration of the send phase
  std::uint64_t sent = 0;
  std::uint64_t responses = 0;
  std::uint64_t errors = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t in_flight_at_end = 0;
  std::uint64_t connect_responses = 0;
  std::uint64_t announce_responses = 0;  ///< successful announce replies
  std::uint64_t scrape_responses = 0;
  std::uint64_t announce_peers = 0;      ///< peers in those replies, summed
  std::uint64_t connections_opened = 0;  ///< HTTP: TCP connections made
  std::string first_error;               ///< the first error message seen, for the report
  LatencyHistogram latency;

  double responses_per_second() const noexcept;
  double peers_per_announce() const noexcept;
  /// Adds the counts and latencies of `other` (not seconds, protocol or target).
  void merge(const LoadResult& other);
};

/// Multi-line text: the figures with units, latencies in microseconds.
std::string to_text(const LoadResult& result);
/// One JSON object: protocol, target, seconds, sent, responses, errors, timeouts,
/// in_flight_at_end, responses_per_second, connect/announce/scrape_responses, connections_opened,
/// peers_per_announce, latency_us {p50, p99, p999, mean, max}, first_error.
std::string to_json(const LoadResult& result);

}  // namespace shoal::bench
