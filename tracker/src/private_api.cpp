#include "shoal/tracker/private_api.hpp"
#include "shoal/tracker/api_principal.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

#include "shoal/tracker/api_fields.hpp"
#include "shoal/tracker/private_registry.hpp"

namespace shoal::tracker {

namespace {

using nlohmann::json;

json opt_json(const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); }

std::string hashes_text(const TorrentRecord& t) {
  std::string s = "id=" + std::to_string(t.id);
  if (t.info_hash_v1) s += " v1=" + t.info_hash_v1->hex();
  if (t.info_hash_v2) s += " v2=" + t.info_hash_v2->hex();
  return s;
}

ApiReply no_such_torrent() { return ApiReply::error(404, "not_found", "no such torrent"); }

/// The torrent named by the {torrent} path parameter: an id, 40 hex (v1 or truncated v2) or 64 hex
/// (full v2).
expected<TorrentRecord, ApiReply> resolve_torrent(PrivateTracking& tracking, const ApiCall& call) {
  auto it = call.params.find("torrent");
  if (it == call.params.end()) return unexpected<ApiReply>(no_such_torrent());
  const std::string& text = it->second;
  std::optional<Sha1Digest> key;
  std::optional<Sha256Digest> full_v2;
  if (text.size() == 40) {
    key = Sha1Digest::from_hex(text);
  } else if (text.size() == 64) {
    full_v2 = Sha256Digest::from_hex(text);
    if (full_v2) key = truncated_v2(*full_v2);
  }
  if (key) {
    auto found = tracking.find(*key);
    if (!found) return unexpected<ApiReply>(api_error_from(found.error()));
    if (!*found || (full_v2 && (*found)->info_hash_v2 != full_v2))
      return unexpected<ApiReply>(no_such_torrent());
    return **found;
  }
  std::int64_t id = 0;
  const auto parsed = std::from_chars(text.data(), text.data() + text.size(), id);
  if (parsed.ec != std::errc{} || parsed.ptr != text.data() + text.size() || id <= 0)
    return unexpected<ApiReply>(no_such_torrent());
  auto found = tracking.get(id);
  if (!found) {
    if (found.error().code == PrivateStoreErrc::not_found) return unexpected<ApiReply>(no_such_torrent());
    return unexpected<ApiReply>(api_error_from(found.error()));
  }
  return std::move(*found);
}

/// limit/offset of a paged answer, or the 400 reply.
expected<std::pair<std::size_t, std::size_t>, ApiReply> page_of(const ApiCall& call) {
  bool bad = false;
  const std::size_t limit = bounded_query_int(call, "limit", 100, kMaxPrivateApiPage, bad);
  const std::size_t offset = bounded_query_int(call, "offset", 0, 1'000'000'000, bad);
  if (bad)
    return unexpected<ApiReply>(ApiReply::error(
        400, "invalid_query", "limit is 0-" + std::to_string(kMaxPrivateApiPage) + ", offset a whole number"));
  return std::pair{limit, offset};
}

ApiReply stats_reply(PrivateTracking& tracking, const ApiCall& call, std::int64_t user_id) {
  auto page = page_of(call);
  if (!page) return page.error();
  auto totals = tracking.user_totals(user_id);
  if (!totals) return api_error_from(totals.error());
  const auto [limit, offset] = *page;
  auto rows = tracking.user_torrent_stats(user_id, limit, offset);
  if (!rows) return api_error_from(rows.error());
  return ApiReply::json(200, user_stats_json(*totals, *rows, limit, offset));
}

json schema(json properties, std::vector<std::string> required = {}) {
  json s = {{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) s["required"] = required;
  return s;
}

}  // namespace

expected<HashRegistration, ApiReply> parse_hash_registration(const json& body) {
  JsonFields b(body);
  auto v1 = b.text("info_hash_v1", false, 64);
  auto v2 = b.text("info_hash_v2", false, 128);
  auto name = b.text("name", true, kMaxTorrentNameBytes);
  if (b.ok() && name->empty()) b.fail("invalid_field", "'name' must not be empty");
  if (b.ok() && !v1 && !v2) b.fail("missing_field", "give 'info_hash_v1' and/or 'info_hash_v2'");
  if (!b.ok()) return unexpected<ApiReply>(b.error());
  HashRegistration out;
  if (v1) {
    out.info_hash_v1 = Sha1Digest::from_hex(*v1);
    if (!out.info_hash_v1)
      return unexpected<ApiReply>(ApiReply::error(400, "invalid_info_hash",
                                                  "'info_hash_v1' must be 40 hex characters"));
  }
  if (v2) {
    out.info_hash_v2 = Sha256Digest::from_hex(*v2);
    if (!out.info_hash_v2)
      return unexpected<ApiReply>(ApiReply::error(400, "invalid_info_hash",
                                                  "'info_hash_v2' must be 64 hex characters"));
  }
  out.name = std::move(*name);
  return out;
}

expected<FlagsChange, ApiReply> parse_flags_change(const json& body) {
  JsonFields b(body);
  FlagsChange out;
  out.freeleech = b.boolean("freeleech");
  out.neutral = b.boolean("neutral");
  if (b.ok() && !out.freeleech && !out.neutral)
    b.fail("missing_field", "give 'freeleech' and/or 'neutral'");
  if (!b.ok()) return unexpected<ApiReply>(b.error());
  return out;
}

ApiReply api_error_from(const PrivateStoreError& e) {
  switch (e.code) {
    case PrivateStoreErrc::invalid: return ApiReply::error(400, "invalid_torrent", e.message);
    case PrivateStoreErrc::not_found: return ApiReply::error(404, "not_found", e.message);
    case PrivateStoreErrc::conflict: return ApiReply::error(409, "already_registered", e.message);
    case PrivateStoreErrc::database: break;
  }
  spdlog::error("api: private tracking: {}", e.message);
  return ApiReply::error(500, "internal_error", "database error");
}

json torrent_json(const TorrentRecord& t) {
  return {{"id", t.id},
          {"info_hash_v1", t.info_hash_v1 ? json(t.info_hash_v1->hex()) : json(nullptr)},
          {"info_hash_v2", t.info_hash_v2 ? json(t.info_hash_v2->hex()) : json(nullptr)},
          {"name", t.name},
          {"freeleech", t.freeleech},
          {"neutral", t.neutral},
          {"added_by", opt_json(t.added_by)},
          {"added_at", t.added_at}};
}

json user_stats_json(const UserTotals& totals, const UserTorrentStatsPage& page, std::size_t limit,
                     std::size_t offset) {
  const json ratio = totals.downloaded == 0
                         ? json(nullptr)
                         : json(static_cast<double>(totals.uploaded) / static_cast<double>(totals.downloaded));
  json list = json::array();
  for (const auto& r : page.rows)
    list.push_back({{"torrent_id", r.torrent_id},
                    {"name", r.name},
                    {"uploaded", r.uploaded},
                    {"downloaded", r.downloaded},
                    {"completed_at", opt_json(r.completed_at)},
                    {"first_announce", r.first_announce},
                    {"last_announce", r.last_announce}});
  return {{"user_id", totals.user_id},
          {"totals", {{"uploaded", totals.uploaded},
                      {"downloaded", totals.downloaded},
                      {"completed", totals.completed},
                      {"ratio", ratio}}},
          {"torrents", list},
          {"torrent_count", page.total},
          {"limit", limit},
          {"offset", offset}};
}

void register_private_routes(ApiRouter& router, AccountService& accounts, PrivateTracking& tracking) {
  AccountService* a = &accounts;
  PrivateTracking* t = &tracking;
  const ApiAuth read = ApiAuth::with_scope(Scope::read);
  const ApiAuth admin = ApiAuth::with_scope(Scope::admin);

  router.add({.method = "GET", .pattern = "/api/v1/admin/torrents", .auth = admin,
              .summary = "Registered torrents by id (?limit<=500, offset)", .tag = "torrents",
              .success_description = "torrents and total", .handler = [t](ApiCall& call) {
                auto page = page_of(call);
                if (!page) return page.error();
                const auto [limit, offset] = *page;
                auto listed = t->list(limit, offset);
                if (!listed) return api_error_from(listed.error());
                json list = json::array();
                for (const auto& torrent : listed->torrents) list.push_back(torrent_json(torrent));
                return ApiReply::json(200, {{"torrents", list}, {"total", listed->total},
                                            {"limit", limit}, {"offset", offset}});
              }});

  router.add({.method = "POST", .pattern = "/api/v1/admin/torrents", .auth = admin,
              .summary = "Register a torrent: a .torrent body (application/x-bittorrent) or its "
                         "info-hashes and name",
              .tag = "torrents",
              .request_schema = schema({{"info_hash_v1", {{"type", "string"}}},
                                        {"info_hash_v2", {{"type", "string"}}},
                                        {"name", {{"type", "string"}}}},
                                       {"name"}),
              .success_status = 201, .success_description = "the registered torrent",
              .handler = [a, t](ApiCall& call) {
                // ApiService leaves json null for a raw body of a raw_body_types type; a JSON body is an object.
                const bool raw = call.json.is_null() && !call.body.empty();
                std::optional<HashRegistration> reg;
                if (!raw) {
                  auto parsed = parse_hash_registration(call.json);
                  if (!parsed) return parsed.error();
                  reg = std::move(*parsed);
                }
                auto added = raw ? t->register_torrent_file(call.body, call.user_id())
                                 : t->register_info_hashes(reg->info_hash_v1, reg->info_hash_v2,
                                                           reg->name, call.user_id());
                if (!added) return api_error_from(added.error());
                a->audit(&principal_of(call), "admin.torrent.register", std::nullopt, call.client_text(),
                         hashes_text(*added) + (raw ? " from .torrent" : "") + " name=" + added->name);
                ApiReply reply = ApiReply::json(201, {{"torrent", torrent_json(*added)}});
                reply.headers.emplace_back("Location", "/api/v1/admin/torrents/" + std::to_string(added->id));
                return reply;
              },
              .max_body_bytes = kMaxTorrentFileBytes,
              .raw_body_types = {std::string(kTorrentContentType)}});

  router.add({.method = "GET", .pattern = "/api/v1/admin/torrents/{torrent}", .auth = admin,
              .summary = "One registered torrent (by id, or a 40/64-hex info-hash)", .tag = "torrents",
              .success_description = "torrent", .handler = [t](ApiCall& call) {
                auto found = resolve_torrent(*t, call);
                if (!found) return found.error();
                return ApiReply::json(200, {{"torrent", torrent_json(*found)}});
              }});

  router.add({.method = "PATCH", .pattern = "/api/v1/admin/torrents/{torrent}", .auth = admin,
              .summary = "Set a torrent's freeleech (downloads not counted) and neutral (nothing "
                         "counted) flags",
              .tag = "torrents",
              .request_schema = schema({{"freeleech", {{"type", "boolean"}}},
                                        {"neutral", {{"type", "boolean"}}}}),
              .success_description = "the updated torrent", .handler = [a, t](ApiCall& call) {
                auto found = resolve_torrent(*t, call);
                if (!found) return found.error();
                auto change = parse_flags_change(call.json);
                if (!change) return change.error();
                auto updated = t->set_flags(found->id, change->freeleech, change->neutral);
                if (!updated) return api_error_from(updated.error());
                std::string detail = hashes_text(*updated);
                if (change->freeleech) detail += *change->freeleech ? " freeleech=true" : " freeleech=false";
                if (change->neutral) detail += *change->neutral ? " neutral=true" : " neutral=false";
                a->audit(&principal_of(call), "admin.torrent.update", std::nullopt, call.client_text(), detail);
                return ApiReply::json(200, {{"torrent", torrent_json(*updated)}});
              }});

  router.add({.method = "DELETE", .pattern = "/api/v1/admin/torrents/{torrent}", .auth = admin,
              .summary = "Unregister a torrent (its swarm and per-user rows go; user totals stay)",
              .tag = "torrents", .success_status = 204, .success_description = "unregistered",
              .handler = [a, t](ApiCall& call) {
                auto found = resolve_torrent(*t, call);
                if (!found) return found.error();
                if (auto r = t->unregister(found->id); !r) return api_error_from(r.error());
                a->audit(&principal_of(call), "admin.torrent.unregister", std::nullopt, call.client_text(),
                         hashes_text(*found) + " name=" + found->name);
                return ApiReply::no_content();
              }});

  router.add({.method = "GET", .pattern = "/api/v1/admin/users/{id}/stats", .auth = admin,
              .summary = "A user's accounting: totals, ratio, per-torrent rows (?limit<=500, offset)",
              .tag = "torrents", .success_description = "stats", .handler = [a, t](ApiCall& call) {
                auto id = call.int_param("id");
                if (!id) return ApiReply::error(404, "not_found", "no such user");
                if (auto u = a->get_user(*id); !u) return api_error_from(u.error());
                return stats_reply(*t, call, *id);
              }});

  router.add({.method = "GET", .pattern = "/api/v1/me/stats", .auth = read,
              .summary = "The caller's accounting: totals, ratio, per-torrent rows (?limit<=500, offset)",
              .tag = "account", .success_description = "stats", .handler = [t](ApiCall& call) {
                return stats_reply(*t, call, call.user_id());
              }});
}

}  // namespace shoal::tracker
