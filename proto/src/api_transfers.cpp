#include "shoal/proto/api_transfers.hpp"

namespace shoal::api {

Json TransferView::to_json() const {
  return {{"id", id},
          {"info_hash_v1", info_hash_v1},
          {"info_hash_v2", info_hash_v2},
          {"name", name},
          {"state", state},
          {"paused", paused},
          {"has_metadata", has_metadata},
          {"progress", progress},
          {"download_rate", download_rate},
          {"upload_rate", upload_rate},
          {"eta", eta},
          {"ratio", ratio},
          {"peers", peers},
          {"seeds", seeds},
          {"swarm_seeds", swarm_seeds},
          {"swarm_leechers", swarm_leechers},
          {"size", size},
          {"wanted", wanted},
          {"done", done},
          {"uploaded", uploaded},
          {"downloaded", downloaded},
          {"session_downloaded", session_downloaded},
          {"session_uploaded", session_uploaded},
          {"save_path", save_path},
          {"error", error},
          {"added_time", added_time},
          {"completion_time", completion_time},
          {"seeding_time", seeding_time},
          {"active_time", active_time},
          {"queue_position", queue_position},
          {"sequential", sequential},
          {"files", files},
          {"category", category},
          {"tags", tags}};
}

expected<TransferView, Error> TransferView::from_json(const Json& j, std::string context) {
  FieldReader r(j, std::move(context));
  TransferView t;
  t.id = r.text("id");
  t.info_hash_v1 = r.text("info_hash_v1");
  t.info_hash_v2 = r.text("info_hash_v2");
  t.name = r.text("name");
  t.state = r.text("state");
  t.paused = r.boolean("paused");
  t.has_metadata = r.boolean("has_metadata");
  t.progress = r.number("progress");
  t.download_rate = r.integer("download_rate");
  t.upload_rate = r.integer("upload_rate");
  t.eta = r.integer("eta");
  t.ratio = r.number("ratio");
  t.peers = r.integer("peers");
  t.seeds = r.integer("seeds");
  t.swarm_seeds = r.integer("swarm_seeds");
  t.swarm_leechers = r.integer("swarm_leechers");
  t.size = r.integer("size");
  t.wanted = r.integer("wanted");
  t.done = r.integer("done");
  t.uploaded = r.integer("uploaded");
  t.downloaded = r.integer("downloaded");
  t.session_downloaded = r.integer("session_downloaded");
  t.session_uploaded = r.integer("session_uploaded");
  t.save_path = r.text("save_path");
  t.error = r.text("error");
  t.added_time = r.integer("added_time");
  t.completion_time = r.integer("completion_time");
  t.seeding_time = r.integer("seeding_time");
  t.active_time = r.integer("active_time");
  t.queue_position = r.integer("queue_position");
  t.sequential = r.boolean("sequential");
  t.files = r.integer("files");
  t.category = r.text("category");
  t.tags = r.texts("tags");
  if (!r.ok()) return r.take_error();
  return t;
}

Json NodeStats::to_json() const {
  return {{"torrents", torrents},
          {"peers", peers},
          {"download_rate", download_rate},
          {"upload_rate", upload_rate},
          {"download_limit", download_limit},
          {"upload_limit", upload_limit},
          {"alt_limits_active", alt_limits_active},
          {"listen_port", listen_port},
          {"revision", revision}};
}

expected<NodeStats, Error> NodeStats::from_json(const Json& j, std::string context) {
  FieldReader r(j, std::move(context));
  NodeStats s;
  s.torrents = r.integer("torrents");
  s.peers = r.integer("peers");
  s.download_rate = r.integer("download_rate");
  s.upload_rate = r.integer("upload_rate");
  s.download_limit = r.integer("download_limit");
  s.upload_limit = r.integer("upload_limit");
  s.alt_limits_active = r.boolean("alt_limits_active");
  s.listen_port = r.integer("listen_port");
  s.revision = r.count("revision");
  if (!r.ok()) return r.take_error();
  return s;
}

Json TransferSync::to_json(std::uint64_t revision, bool full, const std::vector<Json>& torrents,
                           const std::vector<std::string>& removed, const NodeStats& global) {
  return {{"revision", revision}, {"full", full}, {"torrents", torrents}, {"removed", removed},
          {"global", global.to_json()}};
}

expected<TransferSync, Error> TransferSync::from_json(const Json& j) {
  FieldReader r(j, "sync");
  TransferSync s;
  s.revision = r.count("revision");
  s.full = r.boolean("full");
  s.torrents = read_list<TransferView>(r, "torrents", TransferView::from_json);
  s.removed = r.texts("removed");
  const Json& global = r.value("global");
  if (!r.ok()) return r.take_error();
  auto stats = NodeStats::from_json(global, r.path("global"));
  if (!stats) return unexpected<Error>(stats.error());
  s.global = std::move(*stats);
  return s;
}

}  // namespace shoal::api
