// RSS 2.0 and Torznab documents of the catalog (see catalog_feeds.hpp).

#include "shoal/tracker/catalog_feeds.hpp"

#include <fmt/format.h>

#include <ctime>

#include "shoal/proto/magnet.hpp"
#include "shoal/tracker/catalog_text.hpp"

namespace shoal::tracker {

std::string xml_escape(std::string_view text) {
  // Cleaning first leaves only characters XML 1.0 allows; multi-line keeps tab and newline.
  const std::string clean = clean_catalog_text(text, CatalogTextMode::multi_line);
  std::string out;
  out.reserve(clean.size() + clean.size() / 8);
  for (char c : clean) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\n': out += "&#10;"; break;  // kept through attribute-value normalisation too
      case '\t': out += "&#9;"; break;
      default: out += c;
    }
  }
  return out;
}

std::optional<std::string> feed_base_url(std::string_view public_url, bool tls, std::string_view host) {
  if (!public_url.empty()) {
    while (public_url.ends_with('/')) public_url.remove_suffix(1);
    return std::string(public_url);
  }
  if (host.empty() || host.size() > 255) return std::nullopt;
  std::string_view name = host, port;
  if (host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos || close < 3) return std::nullopt;
    const std::string_view inside = host.substr(1, close - 1);
    if (inside.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) return std::nullopt;
    const std::string_view after = host.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
      if (port.empty()) return std::nullopt;
    }
  } else {
    const auto colon = host.find(':');
    if (colon != std::string_view::npos) {
      name = host.substr(0, colon);
      port = host.substr(colon + 1);
      if (port.empty()) return std::nullopt;
    }
    if (name.empty() ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
            std::string_view::npos)
      return std::nullopt;
  }
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  return std::string(tls ? "https://" : "http://") + std::string(host);
}

std::string rfc822_date(std::int64_t unix_time) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  if (::gmtime_r(&t, &tm) == nullptr) return "Thu, 01 Jan 1970 00:00:00 +0000";
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000", kDays[tm.tm_wday % 7],
                     tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                     tm.tm_sec);
}

std::string catalog_magnet_uri(const CatalogTorrent& torrent, std::span<const std::string> trackers) {
  MagnetLink link;
  link.info_hash = torrent.info_hash();
  link.display_name = torrent.name;
  link.trackers.assign(trackers.begin(), trackers.end());
  if (torrent.size > 0) link.exact_length = static_cast<std::uint64_t>(torrent.size);
  return make_magnet_uri(link);
}

namespace {

const CatalogCategory* category_of(std::span<const CatalogCategory> categories, std::int64_t id) {
  for (const auto& c : categories)
    if (c.id == id) return &c;
  return nullptr;
}

std::string hash_hex(const CatalogTorrent& t) {
  return t.info_hash_v1 ? t.info_hash_v1->hex() : t.info_hash_v2 ? t.info_hash_v2->hex() : "";
}

// `<name>escaped</name>`, or nothing for empty text when optional.
void element(std::string& out, std::string_view name, std::string_view text, bool optional = false) {
  if (optional && text.empty()) return;
  out += fmt::format("<{0}>{1}</{0}>", name, xml_escape(text));
}

void torznab_attr(std::string& out, std::string_view name, std::string_view value) {
  out += fmt::format("<torznab:attr name=\"{}\" value=\"{}\"/>", xml_escape(name), xml_escape(value));
}

void channel_head(std::string& out, const CatalogFeedChannel& channel) {
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<rss version=\"2.0\" xmlns:atom=\"{}\" xmlns:torznab=\"{}\">\n<channel>\n",
                     kAtomNamespace, kTorznabNamespace);
  if (!channel.self_url.empty())
    out += fmt::format("<atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n",
                       xml_escape(channel.self_url));
  element(out, "title", channel.title);
  element(out, "link", channel.link);  // required by RSS 2.0, even when empty
  element(out, "description", channel.description);
  out += '\n';
}

// The elements RSS readers and Torznab clients share.
void item_common(std::string& out, const CatalogFeedItem& item, std::string_view category_text) {
  const CatalogTorrent& t = item.torrent;
  const std::string& link = !item.download_url.empty() ? item.download_url : item.magnet_url;
  element(out, "title", t.name);
  out += fmt::format("<guid isPermaLink=\"false\">{}</guid>", xml_escape(hash_hex(t)));
  element(out, "link", link, true);
  element(out, "comments", item.details_url, true);
  element(out, "pubDate", rfc822_date(t.created_at));
  out += fmt::format("<size>{}</size>", t.size);
  element(out, "description", t.description, true);
  element(out, "category", category_text);
  if (!link.empty())
    out += fmt::format("<enclosure url=\"{}\" length=\"{}\" type=\"application/x-bittorrent\"/>",
                       xml_escape(link), t.size);
}

}  // namespace

std::string render_catalog_rss(const CatalogFeedChannel& channel,
                               std::span<const CatalogFeedItem> items,
                               std::span<const CatalogCategory> categories) {
  std::string out;
  channel_head(out, channel);
  for (const auto& item : items) {
    const CatalogCategory* c = category_of(categories, item.torrent.category_id);
    out += "<item>";
    item_common(out, item, c ? c->name : std::to_string(item.torrent.category_id));
    out += "</item>\n";
  }
  out += "</channel>\n</rss>\n";
  return out;
}

std::string render_torznab_caps(const TorznabCaps& caps,
                                std::span<const CatalogCategory> categories) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<caps>\n";
  out += fmt::format("<server version=\"{}\" title=\"{}\"/>\n", xml_escape(caps.server_version),
                     xml_escape(caps.server_title));
  out += fmt::format("<limits max=\"{}\" default=\"{}\"/>\n", caps.max_limit, caps.default_limit);
  out += "<searching>\n";
  for (std::string_view mode :
       {"search", "tv-search", "movie-search", "music-search", "audio-search", "book-search"})
    out += fmt::format("<{} available=\"yes\" supportedParams=\"{}\"/>\n", mode,
                       mode == "tv-search" ? "q,season,ep" : "q");
  out += "</searching>\n<categories>\n";
  for (const auto& top : categories) {
    if (top.parent_id) continue;
    out += fmt::format("<category id=\"{}\" name=\"{}\">", top.id, xml_escape(top.name));
    for (const auto& sub : categories) {
      if (sub.parent_id != top.id) continue;
      // "TV/HD" is shown as "HD" under "TV", as in the Torznab category list.
      std::string_view name = sub.name;
      if (name.size() > top.name.size() + 1 && name.starts_with(top.name) &&
          name[top.name.size()] == '/')
        name.remove_prefix(top.name.size() + 1);
      out += fmt::format("<subcat id=\"{}\" name=\"{}\"/>", sub.id, xml_escape(name));
    }
    out += "</category>\n";
  }
  out += "</categories>\n</caps>\n";
  return out;
}

std::string render_torznab_results(const CatalogFeedChannel& channel,
                                   std::span<const CatalogFeedItem> items,
                                   std::span<const CatalogCategory> categories,
                                   std::int64_t offset, std::optional<std::int64_t> total) {
  std::string out;
  channel_head(out, channel);
  if (total) out += fmt::format("<torznab:response offset=\"{}\" total=\"{}\"/>\n", offset, *total);
  for (const auto& item : items) {
    const CatalogTorrent& t = item.torrent;
    out += "<item>";
    item_common(out, item, std::to_string(t.category_id));
    torznab_attr(out, "category", std::to_string(t.category_id));
    if (const CatalogCategory* c = category_of(categories, t.category_id); c && c->parent_id)
      torznab_attr(out, "category", std::to_string(*c->parent_id));
    torznab_attr(out, "size", std::to_string(t.size));
    torznab_attr(out, "files", std::to_string(t.file_count));
    torznab_attr(out, "grabs", std::to_string(item.swarm.completed));
    torznab_attr(out, "seeders", std::to_string(item.swarm.seeders));
    torznab_attr(out, "peers", std::to_string(item.swarm.seeders + item.swarm.leechers));
    torznab_attr(out, "infohash", hash_hex(t));
    if (!item.magnet_url.empty()) torznab_attr(out, "magneturl", item.magnet_url);
    torznab_attr(out, "downloadvolumefactor", fmt::format("{}", item.download_factor));
    torznab_attr(out, "uploadvolumefactor", fmt::format("{}", item.upload_factor));
    out += "</item>\n";
  }
  out += "</channel>\n</rss>\n";
  return out;
}

std::string render_torznab_error(TorznabError code, std::string_view description) {
  return fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<error code=\"{}\" description=\"{}\"/>\n",
                     static_cast<int>(code), xml_escape(description));
}

}  // namespace shoal::tracker
