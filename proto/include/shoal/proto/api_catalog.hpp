#pragma once
// A catalog entry as shoal-tracker's catalog API shows it (GET /api/v1/torrents/{id or hash},
// search results, upload and edit answers): written by the tracker, read by shoal-monitor's swarm
// detail page.
//
//   {"torrent": {"id": 12, "info_hash_v1": "..", "info_hash_v2": null, "name": "..",
//    "size": 1048576, "category_id": 5000, "tags": ["hd"], "description": "..",
//    "uploader_id": 3, "created_at": 1700000000, "file_count": 2, "has_torrent_file": true,
//    "magnet": "magnet:?xt=...", "seeders": 1, "leechers": 0, "completed": 4,
//    "files": [{"path": "dir/a.mkv", "size": 1000}]}}
//
// Contract: `files` is present only where the answer carries the file list (details, upload,
// edit), not in search results; uploader_id is null for entries ingested without an account.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shoal/proto/api_json.hpp"

namespace shoal::api {

struct CatalogFile {
  std::string path;  ///< '/'-separated, relative to the torrent's root
  std::int64_t size = 0;

  friend bool operator==(const CatalogFile&, const CatalogFile&) = default;
};

struct CatalogEntry {
  std::int64_t id = 0;
  std::optional<std::string> info_hash_v1, info_hash_v2;
  std::string name;
  std::int64_t size = 0;
  std::int64_t category_id = 0;
  std::vector<std::string> tags;
  std::string description;
  std::optional<std::int64_t> uploader_id;
  std::int64_t created_at = 0;
  std::int64_t file_count = 0;
  bool has_torrent_file = false;
  std::string magnet;
  std::uint64_t seeders = 0, leechers = 0, completed = 0;
  std::optional<std::vector<CatalogFile>> files;

  Json to_json() const;
  static expected<CatalogEntry, Error> from_json(const Json& j, std::string context = "torrent");
  /// The {"torrent": {...}} answer of details, upload and edit.
  static expected<CatalogEntry, Error> from_reply(const Json& j);

  friend bool operator==(const CatalogEntry&, const CatalogEntry&) = default;
};

}  // namespace shoal::api
