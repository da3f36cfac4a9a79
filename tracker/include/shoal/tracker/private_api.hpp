#pragma once
// The private-tracking endpoints of the REST API, registered on an ApiRouter over PrivateTracking
// (private_tracking.hpp). The table below is also what GET /api/v1/openapi.json describes;
// docs/api.md has curl examples.
//
//   admin  GET    /api/v1/admin/torrents?limit=&offset=                                  200
//          POST   /api/v1/admin/torrents      a .torrent (Content-Type:
//                                             application/x-bittorrent, up to
//                                             kMaxTorrentFileBytes) or JSON
//                                             {info_hash_v1?, info_hash_v2?, name}          201
//          GET    /api/v1/admin/torrents/{torrent}                                          200
//          PATCH  /api/v1/admin/torrents/{torrent}   {freeleech?, neutral?}                 200
//          DELETE /api/v1/admin/torrents/{torrent}                                          204
//          GET    /api/v1/admin/users/{id}/stats?limit=&offset=                             200
//   read   GET    /api/v1/me/stats?limit=&offset=                                           200
//
// Only private mode registers these routes (TrackerApp): in the other modes they do not exist and
// the router answers 404 not_found, as for any unknown path.
//
// {torrent} is the torrent's id, or one of its info-hashes: 40 hex characters (v1, or the first
// 20 bytes of the v2 hash) or 64 (the full v2 hash).
//
// Shapes (times are unix seconds, hashes lower-case hex, as in account_api.hpp):
//   torrent  {id, info_hash_v1|null, info_hash_v2|null, name, freeleech, neutral,
//             added_by|null, added_at}
//   list     {torrents: [torrent], total, limit, offset}            (by id; limit <= 500)
//            total counts every registered torrent; a page reads only its own rows.
//   one      {torrent: torrent}                                     (GET, POST, PATCH)
//   stats    {user_id, totals: {uploaded, downloaded, completed, ratio|null},
//             torrents: [{torrent_id, name, uploaded, downloaded, completed_at|null,
//                         first_announce, last_announce}], torrent_count, limit, offset}
//            torrent_count is the user's per-torrent rows in all; torrents is one page of them.
// ratio is uploaded / downloaded, null while downloaded is 0. Accounting figures are what the
// writer last flushed (at most storage.flush_interval old); per-torrent rows are most recent
// announce first.
//
// Errors (the one shape {"error": {"code", "message"}}): a body field missing or of the wrong
// type 400 missing_field / invalid_field; a hash that is not 40 (v1) or 64 (v2) hex characters
// 400 invalid_info_hash; a .torrent that does not parse 400 invalid_torrent; an unknown torrent or
// user 404 not_found; a hash already registered 409 already_registered; the database 500.
// Registering, changing flags and unregistering are written to the audit log
// (admin.torrent.register / .update / .unregister, with the torrent's id and hashes).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "shoal/proto/expected.hpp"
#include "shoal/proto/hash.hpp"
#include "shoal/tracker/account_service.hpp"
#include "shoal/server/api_router.hpp"
#include "shoal/tracker/private_store.hpp"
#include "shoal/tracker/private_tracking.hpp"

namespace shoal::tracker {

using namespace shoal::server;  // the HTTP/API layer the tracker is built on

/// The Content-Type of a raw .torrent upload.
inline constexpr std::string_view kTorrentContentType = "application/x-bittorrent";
/// Most torrents (list) and per-torrent stats rows (stats) one page returns.
inline constexpr std::size_t kMaxPrivateApiPage = 500;

/// A registration by hashes, validated.
struct HashRegistration {
  std::optional<Sha1Digest> info_hash_v1;
  std::optional<Sha256Digest> info_hash_v2;
  std::string name;
};

/// Validates the JSON body of POST /api/v1/admin/torrents: `name` (1..kMaxTorrentNameBytes bytes)
/// and at least one of `info_hash_v1` (40 hex) and `info_hash_v2` (64 hex, any case). The error
/// is the 400 reply.
expected<HashRegistration, ApiReply> parse_hash_registration(const nlohmann::json& body);

/// A flags change, validated: at least one of them set.
struct FlagsChange {
  std::optional<bool> freeleech;
  std::optional<bool> neutral;
};

/// Validates the JSON body of PATCH /api/v1/admin/torrents/{torrent}. The error is the 400 reply.
expected<FlagsChange, ApiReply> parse_flags_change(const nlohmann::json& body);

/// The reply for a PrivateStoreError: invalid 400 invalid_torrent, not_found 404, conflict 409
/// already_registered, database 500 internal_error (the details go to the log, not the client).
ApiReply api_error_from(const PrivateStoreError& error);

/// The torrent shape above.
nlohmann::json torrent_json(const TorrentRecord& torrent);

/// The stats shape above for one page of rows (already cut to [offset, offset + limit) by the
/// store); torrent_count is page.total, the user's rows in all.
nlohmann::json user_stats_json(const UserTotals& totals, const UserTorrentStatsPage& page,
                               std::size_t limit, std::size_t offset);

/// Registers every endpoint above on `router`. `accounts` (user lookup, audit log) and `tracking`
/// must outlive the router.
void register_private_routes(ApiRouter& router, AccountService& accounts, PrivateTracking& tracking);

}  // namespace shoal::tracker
