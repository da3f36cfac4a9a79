#pragma once
// The catalog load of `shoal-bench catalog`: fills a tracker's catalog with a synthetic one
// (catalog_workload.hpp) through POST /api/v1/ingest, then runs `clients` keep-alive HTTP
// connections, each on its own thread, issuing the workload's searches and details requests
// for `duration_seconds`, and reports per request kind: requests, errors (non-200 or broken
// connections), requests/s and latency percentiles.
//
// Closed loop by default (each client sends its next request when the answer arrives: the
// latency then includes waiting behind the other clients); with `rate` > 0 the clients send on
// a fixed schedule (rate / clients each) and a latency is measured from the scheduled time, so a
// slow answer is not hidden by the sender waiting for it (no coordinated omission).
//
//   CatalogLoadOptions o;
//   o.target = *shoal::PeerEndpoint::parse("127.0.0.1:8080");
//   o.fill = 100000; o.api_key = "sk_…";        // an API key with the ingest scope
//   auto r = run_catalog_load(o);                // throws std::runtime_error on a setup failure
//   std::cout << to_text(r);

#include <cstdint>
#include <string>
#include <vector>

#include "shoal/bench/catalog_workload.hpp"
#include "shoal/bench/latency_histogram.hpp"
#include "shoal/proto/peer_endpoint.hpp"

namespace shoal::bench {

struct CatalogLoadOptions {
  PeerEndpoint target;
  std::string api_key;          ///< sent as a bearer token (needed to fill; optional to read)
  std::uint64_t fill = 0;       ///< entries to ingest first (0: the catalog is filled already)
  std::uint64_t entries = 0;    ///< catalog size the requests assume; 0: `fill`
  unsigned clients = 32;
  double duration_seconds = 10;
  double rate = 0;              ///< requests/s over all clients; 0: closed loop
  std::uint64_t seed = 42;
  CatalogMix mix;
};

struct CatalogKindResult {
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  LatencyHistogram latency;
};

struct CatalogLoadResult {
  std::uint64_t filled = 0;
  double fill_seconds = 0;
  double seconds = 0;  ///< of the load phase
  unsigned clients = 0;
  double rate = 0;
  std::vector<CatalogKindResult> kinds;  ///< indexed by CatalogRequestKind
  CatalogKindResult searches;            ///< every kind but details, merged
};

CatalogLoadResult run_catalog_load(const CatalogLoadOptions& options);
std::string to_text(const CatalogLoadResult& r);
std::string to_json(const CatalogLoadResult& r);

}  // namespace shoal::bench
