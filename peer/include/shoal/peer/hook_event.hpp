#pragma once
// A lifecycle event of a torrent in shoal-peer, as hooks and webhooks receive it
// (hook_dispatcher.hpp; docs/hooks.md shows an example of each form).
//
//   hook_event_json(ev)  {"event": "completed", "time": 1764930000, "message": "",
//                         "torrent": { torrent_json(): id, name, save_path, content_path, ... }}
//   hook_event_env(ev)   SHOAL_EVENT=completed SHOAL_INFO_HASH=<40 hex> SHOAL_NAME=...
//                        SHOAL_SAVE_PATH SHOAL_CONTENT_PATH SHOAL_CATEGORY SHOAL_TAGS (comma-
//                        separated) SHOAL_SIZE SHOAL_RATIO SHOAL_MESSAGE SHOAL_TIME
//
// content_path is save_path/name: the file of a single-file torrent or the directory of a
// multi-file one (what a media server should rescan). Values are passed as they are: a hook
// must quote them ("$SHOAL_NAME"), never eval them — names come from torrent files.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "shoal/peer/node.hpp"

namespace shoal::peer {

enum class HookEventKind { added, started, stopped, completed, removed, error, moved };
const char* to_string(HookEventKind kind) noexcept;
std::optional<HookEventKind> parse_hook_event_kind(std::string_view text) noexcept;

struct HookEvent {
  HookEventKind kind = HookEventKind::added;
  std::int64_t time = 0;  ///< unix seconds
  std::string message;    ///< error text, new save path, removal note; may be empty
  TorrentStatus torrent;
  std::string category;
  std::vector<std::string> tags;
};

nlohmann::json hook_event_json(const HookEvent& event);
/// The environment variables a hook command gets (added to the daemon's environment).
std::vector<std::pair<std::string, std::string>> hook_event_env(const HookEvent& event);

}  // namespace shoal::peer
