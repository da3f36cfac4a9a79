#include "shoal/tracker/swarm_api.hpp"

#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "shoal/proto/api_swarms.hpp"
#include "shoal/proto/peer_client.hpp"

namespace shoal::tracker {

using namespace shoal::server;
using nlohmann::json;

namespace {

struct Row {
  Sha1Digest hash;
  SwarmCounts counts;
  std::string hex;
};

std::optional<std::int64_t> int_query(const ApiCall& call, const char* name, std::int64_t fallback, std::int64_t lo,
                                      std::int64_t hi) {
  const auto text = call.query_param(name);
  if (!text || text->empty()) return fallback;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || v < lo || v > hi) return std::nullopt;
  return v;
}

}  // namespace

void register_swarm_routes(ApiRouter& router, const SwarmStore& store, const SwarmHistory& history,
                           const PeerDetails& details, bool private_mode, std::function<std::int64_t()> unix_now) {
  const SwarmStore* s = &store;
  const SwarmHistory* h = &history;
  const PeerDetails* d = &details;
  router.add({.method = "GET",
              .pattern = "/api/v1/swarms/{info_hash}/peers",
              .auth = ApiAuth::with_scope(private_mode ? Scope::admin : Scope::read),
              .summary = "One swarm's peers: address, client, progress estimate, last announce (?limit=)",
              .tag = "history",
              .handler = [s, d](ApiCall& call) {
                const auto hash = Sha1Digest::from_hex(call.params["info_hash"]);
                if (!hash) return ApiReply::error(400, "invalid_info_hash", "an info-hash is 40 hex characters");
                const auto limit = int_query(call, "limit", 200, 1, 1000);
                if (!limit) return ApiReply::error(400, "invalid_field", "limit is 1-1000");
                struct Item {
                  PeerSnapshot peer;
                  std::optional<PeerDetail> detail;
                };
                std::vector<Item> items;
                for (const auto& p : s->peers_of(*hash, 100000)) items.push_back({p, d->find(*hash, p.endpoint)});
                const std::size_t total = items.size();
                std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
                  if (a.peer.seeder != b.peer.seeder) return a.peer.seeder;
                  return a.peer.last_seen > b.peer.last_seen;
                });
                std::uint64_t size = 0;  // the torrent's size as the peers tell it
                for (const auto& i : items)
                  if (i.detail) size = std::max(size, i.detail->left + i.detail->downloaded);
                api::SwarmPeerList list{.info_hash = hash->hex(), .total = total, .peers = {}};
                for (std::size_t k = 0; k < items.size() && k < static_cast<std::size_t>(*limit); ++k) {
                  const Item& i = items[k];
                  api::SwarmPeer p;
                  p.address = i.peer.endpoint.address.to_string();
                  p.port = i.peer.endpoint.port;
                  p.seeder = i.peer.seeder;
                  p.last_announce = i.peer.last_seen;
                  if (i.peer.seeder) p.progress = 1.0;
                  if (i.detail) {
                    const std::string_view id(reinterpret_cast<const char*>(i.detail->peer_id.bytes.data()), 20);
                    p.client = client_name(id);
                    p.peer_id = i.detail->peer_id.hex();
                    p.left = i.detail->left;
                    p.downloaded = i.detail->downloaded;
                    p.uploaded = i.detail->uploaded;
                    if (!i.peer.seeder && size > 0)
                      p.progress = std::clamp(1.0 - static_cast<double>(i.detail->left) / static_cast<double>(size), 0.0, 1.0);
                  }
                  list.peers.push_back(std::move(p));
                }
                return ApiReply::json(200, list.to_json());
              }});
  router.add({.method = "GET",
              .pattern = "/api/v1/swarms",
              .auth = ApiAuth::with_scope(private_mode ? Scope::admin : Scope::read),
              .summary = "Every swarm with live counts and trend (sort, order, q, limit, offset)",
              .tag = "history",
              .handler = [s, h, unix_now](ApiCall& call) {
                const std::string sort = call.query_param("sort").value_or("peers");
                const std::string order = call.query_param("order").value_or("desc");
                static const std::vector<std::string> kSorts = {"peers", "seeders", "leechers", "completed", "info_hash"};
                if (std::find(kSorts.begin(), kSorts.end(), sort) == kSorts.end())
                  return ApiReply::error(400, "invalid_field", "sort is peers, seeders, leechers, completed or info_hash");
                if (order != "asc" && order != "desc") return ApiReply::error(400, "invalid_field", "order is asc or desc");
                const auto limit = int_query(call, "limit", 100, 1, static_cast<std::int64_t>(kMaxSwarmPage));
                const auto offset = int_query(call, "offset", 0, 0, INT32_MAX);
                if (!limit || !offset)
                  return ApiReply::error(400, "invalid_field", "limit is 1-500 and offset 0 or more");
                std::string q = call.query_param("q").value_or("");
                for (char& c : q) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
                if (q.size() > 40 || q.find_first_not_of("0123456789abcdef") != std::string::npos)
                  return ApiReply::error(400, "invalid_field", "q is a hex prefix of an info-hash");

                std::vector<Row> rows;
                s->for_each_swarm([&](const Sha1Digest& hash, const SwarmCounts& c) {
                  std::string hex = hash.hex();
                  if (!q.empty() && !hex.starts_with(q)) return;
                  rows.push_back({hash, c, std::move(hex)});
                });
                auto key = [&](const Row& r) -> std::uint64_t {
                  if (sort == "seeders") return r.counts.seeders;
                  if (sort == "leechers") return r.counts.leechers;
                  if (sort == "completed") return r.counts.completed;
                  return std::uint64_t{r.counts.seeders} + r.counts.leechers;
                };
                const bool desc = order == "desc";
                auto less = [&](const Row& a, const Row& b) {
                  if (sort != "info_hash") {
                    const auto ka = key(a), kb = key(b);
                    if (ka != kb) return desc ? ka > kb : ka < kb;
                    return a.hex < b.hex;
                  }
                  return desc ? a.hex > b.hex : a.hex < b.hex;
                };
                const auto total = rows.size();
                const auto first = std::min<std::size_t>(static_cast<std::size_t>(*offset), total);
                const auto last = std::min<std::size_t>(first + static_cast<std::size_t>(*limit), total);
                std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(last), rows.end(), less);
                const std::int64_t now = unix_now();
                api::SwarmPage page{.swarms = {}, .total = total, .limit = static_cast<std::uint64_t>(*limit),
                                    .offset = static_cast<std::uint64_t>(*offset), .sort = sort, .order = order};
                for (std::size_t i = first; i < last; ++i) {
                  const Row& r = rows[i];
                  api::SwarmSummary summary{.info_hash = r.hex, .seeders = r.counts.seeders, .leechers = r.counts.leechers,
                                      .completed = r.counts.completed, .trend = std::nullopt};
                  const auto past = h->swarm_range(r.hash, now - 3600, now - 3600);
                  if (!past.empty())
                    summary.trend = static_cast<std::int64_t>(summary.peers()) -
                              static_cast<std::int64_t>(std::uint64_t{past.front().seeders} + past.front().leechers);
                  page.swarms.push_back(std::move(summary));
                }
                return ApiReply::json(200, page.to_json());
              }});
}

}  // namespace shoal::tracker
