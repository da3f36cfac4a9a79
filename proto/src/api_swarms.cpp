#include "shoal/proto/api_swarms.hpp"

namespace shoal::api {

Json SwarmSummary::to_json() const {
  return {{"info_hash", info_hash}, {"seeders", seeders}, {"leechers", leechers},
          {"peers", peers()},       {"completed", completed}, {"trend", or_null(trend)}};
}

expected<SwarmSummary, Error> SwarmSummary::from_json(const Json& j, std::string context) {
  FieldReader r(j, std::move(context));
  SwarmSummary s;
  s.info_hash = r.text("info_hash");
  s.seeders = r.count("seeders");
  s.leechers = r.count("leechers");
  s.completed = r.count("completed");
  s.trend = r.opt_integer("trend");
  if (!r.ok()) return r.take_error();
  return s;
}

Json SwarmPage::to_json() const {
  Json list = Json::array();
  for (const auto& s : swarms) list.push_back(s.to_json());
  return {{"swarms", std::move(list)}, {"total", total}, {"limit", limit},
          {"offset", offset},          {"sort", sort},   {"order", order}};
}

expected<SwarmPage, Error> SwarmPage::from_json(const Json& j) {
  FieldReader r(j, "swarm list");
  SwarmPage p;
  p.swarms = read_list<SwarmSummary>(r, "swarms", SwarmSummary::from_json);
  p.total = r.count("total");
  p.limit = r.count("limit");
  p.offset = r.count("offset");
  p.sort = r.text("sort");
  p.order = r.text("order");
  if (!r.ok()) return r.take_error();
  return p;
}

Json SwarmPeer::to_json() const {
  return {{"address", address},         {"port", port},           {"seeder", seeder},
          {"last_announce", last_announce}, {"client", or_null(client)}, {"peer_id", or_null(peer_id)},
          {"left", or_null(left)},      {"downloaded", or_null(downloaded)}, {"uploaded", or_null(uploaded)},
          {"progress", or_null(progress)}};
}

expected<SwarmPeer, Error> SwarmPeer::from_json(const Json& j, std::string context) {
  FieldReader r(j, std::move(context));
  SwarmPeer p;
  p.address = r.text("address");
  const auto port = r.count("port");
  if (port > 65535) r.adopt(Error{Errc::invalid_value, "port above 65535", Error::npos, r.path("port")});
  p.port = static_cast<std::uint16_t>(port);
  p.seeder = r.boolean("seeder");
  p.last_announce = r.integer("last_announce");
  p.client = r.opt_text("client");
  p.peer_id = r.opt_text("peer_id");
  p.left = r.opt_count("left");
  p.downloaded = r.opt_count("downloaded");
  p.uploaded = r.opt_count("uploaded");
  p.progress = r.opt_number("progress");
  if (!r.ok()) return r.take_error();
  return p;
}

Json SwarmPeerList::to_json() const {
  Json list = Json::array();
  for (const auto& p : peers) list.push_back(p.to_json());
  return {{"info_hash", info_hash}, {"total", total}, {"peers", std::move(list)}};
}

expected<SwarmPeerList, Error> SwarmPeerList::from_json(const Json& j) {
  FieldReader r(j, "swarm peers");
  SwarmPeerList l;
  l.info_hash = r.text("info_hash");
  l.total = r.count("total");
  l.peers = read_list<SwarmPeer>(r, "peers", SwarmPeer::from_json);
  if (!r.ok()) return r.take_error();
  return l;
}

}  // namespace shoal::api
