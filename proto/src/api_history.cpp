#include "shoal/proto/api_history.hpp"

namespace shoal::api {

Json TotalsPoint::to_json() const {
  return {{"t", t},
          {"torrents", torrents},
          {"peers", peers},
          {"seeders", seeders},
          {"leechers", leechers},
          {"completed", completed},
          {"announces", {{"udp", announces_udp}, {"http", announces_http}}},
          {"scrapes", {{"udp", scrapes_udp}, {"http", scrapes_http}}}};
}

expected<TotalsPoint, Error> TotalsPoint::from_json(const Json& j, std::string context) {
  FieldReader r(j, std::move(context));
  TotalsPoint p;
  p.t = r.integer("t");
  p.torrents = r.count("torrents");
  p.peers = r.count("peers");
  p.seeders = r.count("seeders");
  p.leechers = r.count("leechers");
  p.completed = r.count("completed");
  FieldReader announces = r.object("announces");
  p.announces_udp = announces.count("udp");
  p.announces_http = announces.count("http");
  if (!announces.ok()) r.adopt(announces.error());
  FieldReader scrapes = r.object("scrapes");
  p.scrapes_udp = scrapes.count("udp");
  p.scrapes_http = scrapes.count("http");
  if (!scrapes.ok()) r.adopt(scrapes.error());
  if (!r.ok()) return r.take_error();
  return p;
}

Json SwarmPoint::to_json() const {
  return {{"t", t}, {"seeders", seeders}, {"leechers", leechers}, {"completed", completed}};
}

expected<SwarmPoint, Error> SwarmPoint::from_json(const Json& j, std::string context) {
  FieldReader r(j, std::move(context));
  SwarmPoint p;
  p.t = r.integer("t");
  p.seeders = r.count("seeders");
  p.leechers = r.count("leechers");
  p.completed = r.count("completed");
  if (!r.ok()) return r.take_error();
  return p;
}

namespace {
template <class P>
Json points_json(const std::vector<P>& points) {
  Json out = Json::array();
  for (const auto& p : points) out.push_back(p.to_json());
  return out;
}
}  // namespace

Json TotalsHistory::to_json() const {
  return {{"step", step}, {"from", from}, {"to", to}, {"since", or_null(since)}, {"points", points_json(points)}};
}

expected<TotalsHistory, Error> TotalsHistory::from_json(const Json& j) {
  FieldReader r(j, "history");
  TotalsHistory h;
  h.step = r.integer("step");
  h.from = r.integer("from");
  h.to = r.integer("to");
  h.since = r.opt_integer("since");
  h.points = read_list<TotalsPoint>(r, "points", TotalsPoint::from_json);
  if (!r.ok()) return r.take_error();
  return h;
}

Json SwarmHistory::to_json() const {
  return {{"info_hash", info_hash}, {"step", step},       {"from", from},
          {"to", to},               {"since", or_null(since)}, {"points", points_json(points)}};
}

expected<SwarmHistory, Error> SwarmHistory::from_json(const Json& j) {
  FieldReader r(j, "swarm history");
  SwarmHistory h;
  h.info_hash = r.text("info_hash");
  h.step = r.integer("step");
  h.from = r.integer("from");
  h.to = r.integer("to");
  h.since = r.opt_integer("since");
  h.points = read_list<SwarmPoint>(r, "points", SwarmPoint::from_json);
  if (!r.ok()) return r.take_error();
  return h;
}

}  // namespace shoal::api
