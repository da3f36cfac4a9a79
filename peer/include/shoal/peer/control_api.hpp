#pragma once
// The control API of shoal-peer: JSON over HTTP under /api/v1, on the server module's HTTP server
// and API service (shoal/server/api_service.hpp) with API-key auth (api_key_store.hpp). Shaped
// for people who know qBittorrent's Web API or Transmission RPC; docs/peer.md is the reference
// and GET /api/v1/openapi.json describes every route.
//
//   server::ApiService api(daemon->keys(), options);
//   register_control_routes(api.router(), *daemon);
//
// Routes (scope in brackets; every route needs a key):
//   GET    /api/v1/torrents[?category=&state=]          [read]  list
//   GET    /api/v1/sync?since=<revision>                [read]  delta sync (sync_journal.hpp)
//   POST   /api/v1/torrents                             [write] add: JSON {magnet|url|torrent
//          (base64), save_path, category, tags, paused, sequential, download_limit, upload_limit},
//          a raw .torrent (application/x-bittorrent; options in the query), or a form
//          (multipart/form-data: `torrents` file parts and/or `urls`, one per line — qBittorrent's
//          names — with savepath, category, tags, paused, sequentialDownload, dlLimit, upLimit)
//   POST   /api/v1/torrents/create                      [write] create a torrent from a local
//          path (inside a save root) and seed it
//   GET    /api/v1/torrents/{id}                        [read]
//   PATCH  /api/v1/torrents/{id}                        [write] category, tags, sequential,
//          download_limit + upload_limit, save_path (moves the data)
//   DELETE /api/v1/torrents/{id}[?delete_data=true]     [write]
//   POST   /api/v1/torrents/{id}/{pause|resume|recheck|reannounce}      [write]
//   POST   /api/v1/torrents/{id}/queue {"move": "up|down|top|bottom"}   [write]
//   GET    /api/v1/torrents/{id}/{files|peers|trackers} [read]
//   PATCH  /api/v1/torrents/{id}/files {"priorities": [{"index": 0, "priority": "skip"}]} [write]
//   GET    /api/v1/limits, PUT /api/v1/limits           [read] / [write]
//   GET    /api/v1/queue,  PUT /api/v1/queue            [read] / [write]
//   GET    /api/v1/stats, /api/v1/activity, /api/v1/categories          [read]
// Errors: the server module's shape {"error": {"code", "message"}}; DaemonError kinds map to
// 422 invalid, 404 not_found, 409 conflict, 502 unavailable (a URL could not be fetched), 500.

#include "shoal/peer/peer_daemon.hpp"
#include "shoal/server/api_router.hpp"

namespace shoal::peer {

void register_control_routes(server::ApiRouter& router, PeerDaemon& daemon);

/// The reply for a DaemonError.
server::ApiReply daemon_error_reply(const DaemonError& error);

}  // namespace shoal::peer
