#include "shoal/tracker/history_api.hpp"

#include <charconv>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "shoal/proto/api_history.hpp"

namespace shoal::tracker {

using namespace shoal::server;
using nlohmann::json;

namespace {

constexpr std::int64_t kDefaultWindow = 3600;
constexpr std::int64_t kMinWindow = 60;

/// The window of a call, or the error reply.
std::variant<std::int64_t, ApiReply> window_of(const ApiCall& call) {
  const auto text = call.query_param("window");
  if (!text || text->empty()) return kDefaultWindow;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || v < kMinWindow || v > kCoarseSpan)
    return ApiReply::error(400, "invalid_field",
                           "window is seconds back from now, " + std::to_string(kMinWindow) + " to " +
                               std::to_string(kCoarseSpan));
  return v;
}

/// The optional `since` of a call (unix seconds), or the error reply.
std::variant<std::optional<std::int64_t>, ApiReply> since_of(const ApiCall& call) {
  const auto text = call.query_param("since");
  if (!text || text->empty()) return std::optional<std::int64_t>();
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || v < 0)
    return ApiReply::error(400, "invalid_field", "since is unix seconds (the t of the newest point a client has)");
  return std::optional<std::int64_t>(v);
}

/// Keeps the points at or after `since` (all without it).
template <class P>
void keep_since(std::vector<P>& points, std::optional<std::int64_t> since) {
  if (!since) return;
  std::erase_if(points, [&](const P& p) { return p.t < *since; });
}

}  // namespace

void register_history_routes(ApiRouter& router, const SwarmHistory& history, std::function<std::int64_t()> unix_now) {
  const SwarmHistory* h = &history;
  router.add({.method = "GET",
              .pattern = "/api/v1/history",
              .auth = ApiAuth::with_scope(Scope::read),
              .summary = "Tracker totals over time (?window= seconds; minute points up to a day, then 10-minute; "
                         "?since= unix seconds for only the newer points)",
              .tag = "history",
              .handler = [h, unix_now](ApiCall& call) {
                auto w = window_of(call);
                if (auto* e = std::get_if<ApiReply>(&w)) return std::move(*e);
                auto since = since_of(call);
                if (auto* e = std::get_if<ApiReply>(&since)) return std::move(*e);
                const std::int64_t now = unix_now(), from = now - std::get<std::int64_t>(w);
                api::TotalsHistory out{.step = SwarmHistory::step_for(from, now), .from = from, .to = now,
                                       .since = std::get<0>(since), .points = {}};
                out.points = h->totals_range(from, now);
                keep_since(out.points, out.since);
                return ApiReply::json(200, out.to_json());
              }});
  router.add({.method = "GET",
              .pattern = "/api/v1/history/swarms/{info_hash}",
              .auth = ApiAuth::with_scope(Scope::read),
              .summary = "One torrent's seeders, leechers and completed over time (?window= seconds; ?since= for "
                         "only the newer points)",
              .tag = "history",
              .handler = [h, unix_now](ApiCall& call) {
                auto w = window_of(call);
                if (auto* e = std::get_if<ApiReply>(&w)) return std::move(*e);
                auto since = since_of(call);
                if (auto* e = std::get_if<ApiReply>(&since)) return std::move(*e);
                std::string text = call.params["info_hash"];
                for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
                auto hash = Sha1Digest::from_hex(text);
                if (!hash) return ApiReply::error(400, "invalid_info_hash", "an info-hash is 40 hex characters");
                const std::int64_t now = unix_now(), from = now - std::get<std::int64_t>(w);
                api::SwarmHistory out{.info_hash = hash->hex(), .step = SwarmHistory::step_for(from, now),
                                      .from = from, .to = now, .since = std::get<0>(since), .points = {}};
                for (const auto& p : h->swarm_range(*hash, from, now))
                  out.points.push_back({.t = p.t, .seeders = p.seeders, .leechers = p.leechers, .completed = p.completed});
                keep_since(out.points, out.since);
                return ApiReply::json(200, out.to_json());
              }});
}

}  // namespace shoal::tracker
