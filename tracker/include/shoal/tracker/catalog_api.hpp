#pragma once
// The torrent catalog's endpoints of the REST API (issue 6), registered on an ApiRouter over a
// CatalogStore (catalog_store.hpp). The table below is also what GET /api/v1/openapi.json
// describes; docs/api.md has curl examples.
//
//   browse  GET    /api/v1/torrents/search?q=&category=&sort=&limit=&offset=&total=       200
//           GET    /api/v1/torrents/latest?category=&limit=&offset=                       200
//           GET    /api/v1/torrents/{id}                 (with files and swarm numbers)   200
//                  {id}: the catalog id, or an info-hash (v1: 40 hex, v2: 64 hex)
//           GET    /api/v1/torrents/{id}/download        the .torrent file                200
//           GET    /api/v1/categories                                                     200
//   write   POST   /api/v1/torrents      a .torrent (Content-Type application/x-bittorrent,
//                                        up to kMaxCatalogTorrentFileBytes; ?category=&tags=a,b
//                                        &description=), a form (multipart/form-data,
//                                        multipart.hpp: a `torrent` file part; category, tags
//                                        (a,b), description fields) or JSON {magnet, category?,
//                                        tags?, description?}                   201 (200: known)
//           PATCH  /api/v1/torrents/{id}  {name?, category?, tags?, description?}  (owner/admin)
//           DELETE /api/v1/torrents/{id}                                         (owner/admin) 204
//   ingest  POST   /api/v1/ingest        {items: [{info_hash_v1?, info_hash_v2?, name, size?,
//                                        files?: [{path, size}], category?, tags?,
//                                        description?}]}  at most kMaxIngestItems and
//                                        kMaxIngestBodyBytes; each item costs one token of the
//                                        user's ingest bucket (429 + Retry-After when the
//                                        batch does not fit: nothing of it is added)     200
//   admin   POST   /api/v1/admin/categories            {id, name}                           201
//           PATCH  /api/v1/admin/categories/{id}       {name}                               200
//           DELETE /api/v1/admin/categories/{id}       (409 while in use)                   204
//
// "browse" is anyone in the public and listed modes (no credential needed; one that is sent is
// not looked at) and the read scope in private mode, where the catalog is members-only.
//
// Shapes (times unix seconds, hashes lower-case hex):
//   torrent  {id, info_hash_v1|null, info_hash_v2|null, name, size, category_id, tags[],
//             description, uploader_id|null, created_at, file_count, has_torrent_file, magnet,
//             seeders, leechers, completed}          (+ files: [{path, size}] in details)
//   list     {torrents: [torrent], limit, offset, total?}   (total with ?total=1 on search)
//   upload   {torrent, created}         201 when added, 200 when the info-hash was known already
//   ingest   {results: [{index, status: "created"|"exists"|"error", id?, error?}], created,
//             existing, failed}   per item; an item's error never affects the others; known
//             hashes change nothing (idempotent: sending the same batch twice creates nothing)
// seeders/leechers/completed are live: SwarmStore::scrape of the torrent's swarm key. The magnet
// carries no tracker in lists; in private mode the details' magnet carries the caller's passkey
// announce URL (as the download does).
//
// Query parameters: q at most kMaxCatalogQueryBytes (catalog_query.hpp has the syntax: words,
// trailing-'*' prefixes, no operators); category a comma-separated list of Torznab ids (at most
// kMaxCatalogFilterCategories; a top-level id includes its subcategories); sort relevance |
// newest | size | name; limit 1..kMaxCatalogLimit; offset 0..kMaxCatalogOffset; total 0 | 1.
// Anything else in those parameters — a non-number, out of range, an unknown sort — is 400
// invalid_query, never a 500.
//
// Private mode: an uploaded .torrent without the private flag is refused (400 invalid); an
// accepted one is also registered for private tracking (PrivateTracking), so announces with a
// member's passkey work at once — a registration that already exists is kept; a failed one undoes
// the catalog entry (500). Magnet and ingest entries are refused in private mode (400 invalid:
// without the info dict the private flag cannot be checked). Deleting a catalog torrent in
// private mode also unregisters it.
//
// Download: the .torrent itself (application/x-bittorrent, Content-Disposition attachment with
// the torrent's name), in private mode with the caller's passkey written into its announce URL
// by rewrite_torrent_announce() (the info dict's bytes are copied, so the info-hash is unchanged). A caller whose Accept names
// application/json and not application/x-bittorrent gets {filename, content_type, torrent
// (base64), magnet} instead. An entry added by magnet or ingest has no file: 404 no_torrent_file.
//
// Who may change what: PATCH and DELETE need the write scope and the caller must be the uploader
// or an admin (else 403 forbidden). Uploads, edits and deletions are written to the audit log
// (catalog.upload / catalog.edit / catalog.delete / catalog.ingest / catalog.category.*).
//
// Errors (the one shape): bad input 400 (invalid_query, missing_field, invalid_field, invalid,
// invalid_magnet), unknown id 404 not_found, a hash conflict 409 conflict, the database 500.
//
// Threading: the routes share one CatalogStore connection behind a mutex (API worker threads
// take turns; a search over 100k rows costs a few ms to ~50 ms for the commonest words).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "shoal/proto/expected.hpp"
#include "shoal/proto/hash.hpp"
#include "shoal/tracker/account_service.hpp"
#include "shoal/server/api_router.hpp"
#include "shoal/tracker/swarm_store.hpp"

namespace shoal::tracker {

using namespace shoal::server;  // the HTTP/API layer the tracker is built on

class PrivateTracking;

/// Items one POST /api/v1/ingest takes.
inline constexpr std::size_t kMaxIngestItems = 100;
/// Largest ingest body (from a caller with a credential; 100 items with their file lists).
inline constexpr std::size_t kMaxIngestBodyBytes = 4 * 1024 * 1024;

struct CatalogApiDeps {
  std::filesystem::path database;  ///< the tracker database (the store opens its own connection)
  bool private_mode = false;
  /// Private mode's facade; null outside private mode (then nothing is registered).
  PrivateTracking* private_tracking = nullptr;
  /// Live swarm numbers by swarm key; may be empty (then zeros).
  std::function<SwarmCounts(const Sha1Digest&)> swarm;
  /// Read connections of the catalog (searches, details, feeds run on them in parallel; the API
  /// has api.threads workers): at least 1.
  unsigned read_connections = 2;
  /// api.public_url: the base of absolute links in feeds; empty: from the request's Host.
  std::string public_url;
  /// Ingest items per second and burst per user (api.ingest_rate / ingest_burst); rate 0: no limit.
  double ingest_rate = 0;
  double ingest_burst = 2000;
};

/// Opens the catalog store and registers the endpoints above. `accounts` and `deps.private_tracking`
/// must outlive the router. An error: the store could not be opened.
expected<void, std::string> register_catalog_routes(ApiRouter& router, AccountService& accounts,
                                                    CatalogApiDeps deps);

/// `url` (an announce URL of this tracker) with `passkey` as its private-mode path segment:
/// "http://h:1/announce" and "http://h:1/announce/<old passkey>" both become
/// "http://h:1/announce/<passkey>"; a `passkey=` query parameter is dropped. nullopt when `url`
/// has no "/announce" path segment (not a tracker URL this function understands).
std::optional<std::string> announce_with_passkey(std::string_view url, std::string_view passkey);

/// The .torrent `torrent_file` with `announce` as its only tracker: "announce" set, an
/// "announce-list" replaced by [[announce]], every other top-level key kept, and the `info`
/// value's bytes copied unchanged (the info-hash stays the same). An error for bytes that are not
/// a bencoded dictionary with an `info` key.
expected<std::string, std::string> rewrite_torrent_announce(std::string_view torrent_file,
                                                            std::string_view announce);

}  // namespace shoal::tracker
