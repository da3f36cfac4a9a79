#include "shoal/proto/api_catalog.hpp"

namespace shoal::api {

Json CatalogEntry::to_json() const {
  Json j = {{"id", id},
            {"info_hash_v1", or_null(info_hash_v1)},
            {"info_hash_v2", or_null(info_hash_v2)},
            {"name", name},
            {"size", size},
            {"category_id", category_id},
            {"tags", tags},
            {"description", description},
            {"uploader_id", or_null(uploader_id)},
            {"created_at", created_at},
            {"file_count", file_count},
            {"has_torrent_file", has_torrent_file},
            {"magnet", magnet},
            {"seeders", seeders},
            {"leechers", leechers},
            {"completed", completed}};
  if (files) {
    Json list = Json::array();
    for (const auto& f : *files) list.push_back({{"path", f.path}, {"size", f.size}});
    j["files"] = std::move(list);
  }
  return j;
}

expected<CatalogEntry, Error> CatalogEntry::from_json(const Json& j, std::string context) {
  FieldReader r(j, std::move(context));
  CatalogEntry t;
  t.id = r.integer("id");
  t.info_hash_v1 = r.opt_text("info_hash_v1");
  t.info_hash_v2 = r.opt_text("info_hash_v2");
  t.name = r.text("name");
  t.size = r.integer("size");
  t.category_id = r.integer("category_id");
  t.tags = r.texts("tags");
  t.description = r.text("description");
  t.uploader_id = r.opt_integer("uploader_id");
  t.created_at = r.integer("created_at");
  t.file_count = r.integer("file_count");
  t.has_torrent_file = r.boolean("has_torrent_file");
  t.magnet = r.text("magnet");
  t.seeders = r.count("seeders");
  t.leechers = r.count("leechers");
  t.completed = r.count("completed");
  if (r.ok() && j.contains("files") && !j["files"].is_null()) {
    t.files = read_list<CatalogFile>(r, "files", [](const Json& f, std::string ctx) -> expected<CatalogFile, Error> {
      FieldReader fr(f, std::move(ctx));
      CatalogFile out{fr.text("path"), fr.integer("size")};
      if (!fr.ok()) return fr.take_error();
      return out;
    });
  }
  if (!r.ok()) return r.take_error();
  return t;
}

expected<CatalogEntry, Error> CatalogEntry::from_reply(const Json& j) {
  FieldReader r(j, "answer");
  const Json& torrent = r.value("torrent");
  if (!r.ok()) return r.take_error();
  return from_json(torrent, r.path("torrent"));
}

}  // namespace shoal::api
