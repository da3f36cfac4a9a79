#include "shoal/bench/load_result.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace shoal::bench {

namespace {
double us(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }
}  // namespace

double LoadResult::responses_per_second() const noexcept {
  return seconds > 0 ? static_cast<double>(responses) / seconds : 0.0;
}

double LoadResult::peers_per_announce() const noexcept {
  return announce_responses
             ? static_cast<double>(announce_peers) / static_cast<double>(announce_responses)
             : 0.0;
}

void LoadResult::merge(const LoadResult& o) {
  sent += o.sent;
  responses += o.responses;
  errors += o.errors;
  timeouts += o.timeouts;
  in_flight_at_end += o.in_flight_at_end;
  connect_responses += o.connect_responses;
  announce_responses += o.announce_responses;
  scrape_responses += o.scrape_responses;
  announce_peers += o.announce_peers;
  connections_opened += o.connections_opened;
  if (first_error.empty()) first_error = o.first_error;
  latency.merge(o.latency);
}

std::string to_text(const LoadResult& r) {
  std::string out = fmt::format(
      "{} load against {} for {:.2f} s\n"
      "  requests sent      {}\n"
      "  responses          {} ({} connect, {} announce, {} scrape)\n"
      "  errors             {}\n"
      "  timeouts           {}\n"
      "  in flight at end   {}\n"
      "  responses/s        {:.0f}\n"
      "  latency p50/p99/p999  {:.1f} / {:.1f} / {:.1f} us (mean {:.1f}, max {:.1f})\n"
      "  peers per announce {:.2f}\n",
      r.protocol, r.target, r.seconds, r.sent, r.responses, r.connect_responses,
      r.announce_responses, r.scrape_responses, r.errors, r.timeouts, r.in_flight_at_end,
      r.responses_per_second(), us(r.latency.percentile(0.50)), us(r.latency.percentile(0.99)),
      us(r.latency.percentile(0.999)), r.latency.mean() / 1000.0, us(r.latency.max()),
      r.peers_per_announce());
  if (r.protocol == "http") out += fmt::format("  connections opened {}\n", r.connections_opened);
  if (!r.first_error.empty()) out += fmt::format("  first error        {}\n", r.first_error);
  return out;
}

std::string to_json(const LoadResult& r) {
  nlohmann::json j;
  j["protocol"] = r.protocol;
  j["target"] = r.target;
  j["seconds"] = r.seconds;
  j["sent"] = r.sent;
  j["responses"] = r.responses;
  j["errors"] = r.errors;
  j["timeouts"] = r.timeouts;
  j["in_flight_at_end"] = r.in_flight_at_end;
  j["responses_per_second"] = r.responses_per_second();
  j["connect_responses"] = r.connect_responses;
  j["announce_responses"] = r.announce_responses;
  j["scrape_responses"] = r.scrape_responses;
  j["connections_opened"] = r.connections_opened;
  j["peers_per_announce"] = r.peers_per_announce();
  j["latency_us"] = {{"p50", us(r.latency.percentile(0.50))},
                     {"p99", us(r.latency.percentile(0.99))},
                     {"p999", us(r.latency.percentile(0.999))},
                     {"mean", r.latency.mean() / 1000.0},
                     {"max", us(r.latency.max())}};
  j["first_error"] = r.first_error;
  return j.dump();
}

}  // namespace shoal::bench
