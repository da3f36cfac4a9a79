// GET /api/v1/feed/rss and GET /api/v1/torznab/api: the catalog as an RSS 2.0 feed and as a
// Torznab indexer (catalog_api.hpp has the contract; catalog_feeds.hpp renders the XML).
#include <fmt/format.h>

#include <string>
#include <utility>
#include <vector>

#include "catalog_api_detail.hpp"
#include "shoal/proto/encoding.hpp"
#include "shoal/tracker/catalog_feeds.hpp"
#include "shoal/tracker/catalog_query.hpp"

namespace shoal::tracker::catalog_detail {

namespace {

constexpr std::string_view kRssType = "application/rss+xml; charset=utf-8";
constexpr std::string_view kXmlType = "application/xml; charset=utf-8";

/// The feed items of `page` as `call`'s caller sees them: absolute .torrent links (carrying the
/// caller's feed key in private mode, where the links need a credential), live swarm numbers,
/// a magnet in public and listed modes (a private magnet would need the member's passkey, which
/// only the .torrent carries).
std::vector<CatalogFeedItem> feed_items(const Catalog& c, const ApiCall& call, const std::string& base,
                                        std::vector<CatalogTorrent> torrents) {
  const auto key = call.query_param("apikey");
  const std::string key_suffix =
      c.deps.private_mode && key && !key->empty() ? "?apikey=" + percent_encode(*key) : "";
  std::vector<CatalogFeedItem> items;
  items.reserve(torrents.size());
  for (auto& t : torrents) {
    CatalogFeedItem item;
    item.swarm = c.deps.swarm ? c.deps.swarm(t.swarm_key()) : SwarmCounts{};
    const std::string id = std::to_string(t.id);
    item.details_url = base + "/api/v1/torrents/" + id;
    if (t.has_torrent_file) item.download_url = base + "/api/v1/torrents/" + id + "/download" + key_suffix;
    if (!c.deps.private_mode) item.magnet_url = catalog_magnet_uri(t);
    item.torrent = std::move(t);
    items.push_back(std::move(item));
  }
  return items;
}

/// The base of absolute links, or a 400 when neither a public URL is configured nor the Host
/// header is usable.
std::variant<std::string, ApiReply> base_url(const Catalog& c, const ApiCall& call) {
  auto base = feed_base_url(c.deps.public_url, call.tls, call.host);
  if (!base) return ApiReply::error(400, "invalid_host", "the Host header is not a host name or address");
  return std::move(*base);
}

/// A season or episode number (0-9999), or -1.
int number_param(std::string_view text) {
  if (text.empty() || text.size() > 4 || text.find_first_not_of("0123456789") != std::string_view::npos) return -1;
  return std::stoi(std::string(text));
}

ApiReply xml(unsigned status, std::string_view type, std::string body) {
  return ApiReply::raw_body(status, std::string(type), std::move(body));
}

/// A Torznab error document. HTTP 200 as the Newznab spec has it: indexer managers (Prowlarr,
/// Sonarr) read the <error> of a caps request only from a 2xx answer. Server faults stay 500.
ApiReply torznab_error(TorznabError code, std::string_view description) {
  return xml(200, kXmlType, render_torznab_error(code, description));
}

/// An API error (JSON) as a Torznab error document (credential errors: code 100).
ApiReply torznab_from_api_error(ApiReply reply) {
  const std::string message =
      reply.body.is_object() && reply.body.contains("error") ? reply.body["error"].value("message", "") : "";
  TorznabError code = TorznabError::unknown;
  if (reply.status == 401 || reply.status == 403) code = TorznabError::incorrect_credentials;
  else if (reply.status == 400 || reply.status == 415 || reply.status == 422) code = TorznabError::incorrect_parameter;
  if (reply.status >= 500) return xml(reply.status, kXmlType, render_torznab_error(code, message));
  ApiReply out = torznab_error(code, message);
  for (auto& h : reply.headers)
    if (h.first == "Retry-After") out.headers.push_back(std::move(h));
  return out;
}

}  // namespace

void register_feed_routes(ApiRouter& router, const std::shared_ptr<Catalog>& c) {
  // In private mode the feeds are members-only like the catalog; a reader passes a feed key.
  const ApiAuth feed_auth =
      c->deps.private_mode ? ApiAuth::with_scope(Scope::read).or_url_key() : ApiAuth::none();
  const nlohmann::json no_body = nullptr;

  router.add({"GET", "/api/v1/feed/rss", feed_auth,
              "RSS 2.0 of the newest entries, or of a saved search (?q=, category=, limit<=100; "
              "private mode: ?apikey= a feed key)",
              "feeds", no_body, 200, "application/rss+xml", [c](ApiCall& call) {
                std::optional<ApiReply> error;
                CatalogSearch s;
                s.query = call.query_param("q").value_or("");
                if (s.query.size() > kMaxCatalogQueryBytes)
                  return bad_query("q is at most " + std::to_string(kMaxCatalogQueryBytes) + " bytes");
                s.sort = CatalogSort::newest;  // a feed lists what is new
                if (!read_categories(call, s.categories, error) || !read_page(call, s.limit, s.offset, error))
                  return *error;
                auto base = base_url(*c, call);
                if (auto* e = std::get_if<ApiReply>(&base)) return std::move(*e);
                const std::string& root = std::get<std::string>(base);
                std::vector<CatalogTorrent> rows;
                std::vector<CatalogCategory> categories;
                {
                  auto reader = c->read();
                  auto page = s.query.empty() ? reader->latest(s.categories, s.limit, s.offset) : reader->search(s);
                  if (!page) return catalog_error(page.error());
                  auto cats = reader->categories();
                  if (!cats) return catalog_error(cats.error());
                  rows = std::move(page->items);
                  categories = std::move(*cats);
                }
                CatalogFeedChannel channel;
                channel.title = s.query.empty() ? "Shoal: newest torrents" : "Shoal: " + s.query;
                channel.link = root;
                channel.description = s.query.empty() ? "The newest torrents in the catalog"
                                                      : "Torrents matching \"" + s.query + "\", newest first";
                std::string self = root + "/api/v1/feed/rss";
                std::string sep = "?";
                for (const char* name : {"q", "category", "limit"})
                  if (auto v = call.query_param(name)) {
                    self += sep + name + "=" + percent_encode(*v);
                    sep = "&";
                  }
                channel.self_url = self;
                const auto items = feed_items(*c, call, root, std::move(rows));
                return xml(200, kRssType, render_catalog_rss(channel, items, categories));
              }});

  ApiRoute torznab{"GET", "/api/v1/torznab/api", feed_auth,
                   "Torznab (t=caps | search | tvsearch | movie | music | book; q, cat, limit, offset; "
                   "apikey): the catalog for Jackett, Prowlarr, Sonarr, Radarr",
                   "feeds", no_body, 200, "application/xml (Torznab)", [c](ApiCall& call) {
                     const std::string t = call.query_param("t").value_or("");
                     if (t.empty())
                       return torznab_error(TorznabError::missing_parameter, "missing parameter t");
                     std::vector<CatalogCategory> categories;
                     {
                       auto reader = c->read();
                       auto cats = reader->categories();
                       if (!cats) return xml(500, kXmlType, render_torznab_error(TorznabError::unknown, "database error"));
                       categories = std::move(*cats);
                     }
                     if (t == "caps") return xml(200, kXmlType, render_torznab_caps(TorznabCaps{}, categories));
                     if (t != "search" && t != "tvsearch" && t != "movie" && t != "music" && t != "book")
                       return torznab_error(TorznabError::no_such_function, "no such function: t=" + t);
                     std::optional<ApiReply> error;
                     CatalogSearch s;
                     s.count_total = true;
                     s.query = call.query_param("q").value_or("");
                     // Season and episode as a word of the query, as release names carry them:
                     // season=1&ep=2 -> "S01E02", season=1 alone -> "S01*" (every episode).
                     const auto season = call.query_param("season"), ep = call.query_param("ep");
                     if (season && !season->empty()) {
                       const auto n = number_param(*season), e = ep && !ep->empty() ? number_param(*ep) : 0;
                       if (n < 0 || e < 0)
                         return torznab_error(TorznabError::incorrect_parameter, "season and ep are numbers");
                       s.query += fmt::format(" S{:02}", n) + (e > 0 ? fmt::format("E{:02}", e) : "*");
                     }
                     if (s.query.size() > kMaxCatalogQueryBytes)
                       return torznab_error(TorznabError::incorrect_parameter, "q is too long");
                     s.sort = s.query.empty() ? CatalogSort::newest : CatalogSort::relevance;
                     if (!read_categories(call, s.categories, error, "cat") ||
                         !read_page(call, s.limit, s.offset, error))
                       return torznab_from_api_error(std::move(*error));
                     auto base = base_url(*c, call);
                     if (auto* e = std::get_if<ApiReply>(&base)) return torznab_from_api_error(std::move(*e));
                     const std::string& root = std::get<std::string>(base);
                     CatalogPage page;
                     {
                       auto reader = c->read();
                       auto found = reader->search(s);
                       if (!found) return xml(500, kXmlType, render_torznab_error(TorznabError::unknown, "database error"));
                       page = std::move(*found);
                     }
                     CatalogFeedChannel channel;
                     channel.title = "Shoal";
                     channel.link = root;
                     channel.description = "Shoal torrent catalog";
                     const auto items = feed_items(*c, call, root, std::move(page.items));
                     return xml(200, kRssType, render_torznab_results(channel, items, categories, s.offset, page.total));
                   }};
  torznab.reshape_error = torznab_from_api_error;
  router.add(std::move(torznab));
}

}  // namespace shoal::tracker::catalog_detail
