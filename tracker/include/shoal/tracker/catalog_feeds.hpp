#pragma once
// The catalog as feeds: an RSS 2.0 feed (latest torrents, a saved search) and Torznab responses
// (t=caps, t=search and errors) that indexer tools — Jackett, Prowlarr, Sonarr, Radarr — read.
// Pure functions: the caller (the HTTP layer) looks the rows up (catalog_store.hpp), adds the live
// swarm numbers and the links for the reader (its passkey goes into the .torrent and magnet links,
// so the links are the caller's), and sends the text with Content-Type
// "application/rss+xml; charset=utf-8" (RSS, t=search) or "application/xml; charset=utf-8".
//
//   std::vector<CatalogFeedItem> items;
//   for (auto& t : page->items) {
//     CatalogFeedItem item{.torrent = t, .swarm = swarm_counts(t.swarm_key())};
//     item.download_url = base + "/api/v1/torrents/" + std::to_string(t.id) + "/download?passkey=" + pk;
//     item.magnet_url = catalog_magnet_uri(t, {announce_url_with_passkey});
//     items.push_back(std::move(item));
//   }
//   std::string xml = render_torznab_results(channel, items, *store->categories(), offset, total);
//
// XML: UTF-8, XML 1.0. Every text and attribute value goes through xml_escape(), which writes
// & < > " ' as entities and drops what XML 1.0 cannot hold (control characters other than tab,
// LF, CR; U+FFFE/U+FFFF) and turns invalid UTF-8 into U+FFFD, so hostile names never break a
// reader's parser.
//
// Torznab (spec 1.3 as Jackett and Prowlarr implement it): t=caps lists the server, the page
// limits, the search modes (search, tv-search, movie-search, music-search, audio-search,
// book-search; supportedParams="q", and "q,season,ep" for tv-search: the endpoint turns a season
// and episode into a word of the query, "S01E02", which is how release names carry them) and the
// categories with their subcategories.
// t=search is an RSS 2.0 document in which every item carries <torznab:attr> elements: category
// (the torrent's and, for a subcategory, its parent's), size, files, grabs (completed), seeders,
// peers (seeders + leechers, as the spec defines it), infohash (v1 hex, or for a v2-only torrent
// the 64-hex v2 hash), magneturl, downloadvolumefactor and uploadvolumefactor; the channel has
// <torznab:response offset total> when the total is known.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "shoal/tracker/catalog_store.hpp"
#include "shoal/tracker/swarm_store.hpp"  // SwarmCounts: the live numbers of a swarm

namespace shoal::tracker {

inline constexpr std::string_view kTorznabNamespace = "http://torznab.com/schemas/2015/feed";
inline constexpr std::string_view kAtomNamespace = "http://www.w3.org/2005/Atom";

/// One item of a feed: a catalog row with what only the caller knows.
struct CatalogFeedItem {
  CatalogTorrent torrent;
  SwarmCounts swarm;
  std::string download_url;  ///< the .torrent for this reader; empty: the magnet is the link
  std::string details_url;   ///< a page or API URL of the torrent; may be empty
  std::string magnet_url;    ///< may be empty
  double download_factor = 1.0;  ///< 0 for freeleech
  double upload_factor = 1.0;
};

/// The feed's own description.
struct CatalogFeedChannel {
  std::string title = "Shoal";
  std::string link;         ///< the site
  std::string description;
  std::string self_url;     ///< this feed's URL (atom:link rel="self"); may be empty
};

/// Torznab t=caps figures.
struct TorznabCaps {
  std::string server_title = "Shoal";
  std::string server_version = "1.0";
  std::int64_t default_limit = kDefaultCatalogLimit;
  std::int64_t max_limit = kMaxCatalogLimit;
};

/// Torznab error codes (spec 1.3).
enum class TorznabError {
  incorrect_credentials = 100,
  missing_parameter = 200,
  incorrect_parameter = 201,
  no_such_function = 202,
  function_not_available = 203,
  no_such_item = 300,
  unknown = 900,
};

/// `text` escaped for XML text and attribute values (see the header).
std::string xml_escape(std::string_view text);

/// The base of a feed's absolute links: `public_url` (api.public_url) without a trailing '/' when
/// set, else "http(s)://" + `host` (the request's Host header, https when `tls`) — nullopt when
/// that host is not a host name, IPv4 or [IPv6] address with an optional port (so a hostile Host
/// never reaches the XML or the links).
std::optional<std::string> feed_base_url(std::string_view public_url, bool tls, std::string_view host);

/// RFC 822 date as RSS wants it, in UTC: "Sat, 05 Dec 2026 01:02:03 +0000".
std::string rfc822_date(std::int64_t unix_time);

/// The magnet link of a catalog torrent: both hashes, its name, its exact length, `trackers`.
std::string catalog_magnet_uri(const CatalogTorrent& torrent,
                               std::span<const std::string> trackers = {});

/// An RSS 2.0 document of `items` in the order given. `categories` names the categories.
std::string render_catalog_rss(const CatalogFeedChannel& channel,
                               std::span<const CatalogFeedItem> items,
                               std::span<const CatalogCategory> categories);

/// The Torznab t=caps document.
std::string render_torznab_caps(const TorznabCaps& caps,
                                std::span<const CatalogCategory> categories);

/// The Torznab t=search document (RSS 2.0 with torznab:attr elements).
std::string render_torznab_results(const CatalogFeedChannel& channel,
                                   std::span<const CatalogFeedItem> items,
                                   std::span<const CatalogCategory> categories,
                                   std::int64_t offset, std::optional<std::int64_t> total);

/// The Torznab error document: <error code="201" description="..."/>.
std::string render_torznab_error(TorznabError code, std::string_view description);

}  // namespace shoal::tracker
