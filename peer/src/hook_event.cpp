#include "shoal/peer/hook_event.hpp"

#include <array>
#include <cstdio>

#include "shoal/peer/torrent_json.hpp"

namespace shoal::peer {

namespace {
constexpr std::array<std::pair<HookEventKind, const char*>, 7> kNames = {{
    {HookEventKind::added, "added"},
    {HookEventKind::started, "started"},
    {HookEventKind::stopped, "stopped"},
    {HookEventKind::completed, "completed"},
    {HookEventKind::removed, "removed"},
    {HookEventKind::error, "error"},
    {HookEventKind::moved, "moved"},
}};

std::string content_path(const TorrentStatus& t) {
  if (t.name.empty()) return t.save_path.string();
  return (t.save_path / t.name).string();
}
}  // namespace

const char* to_string(HookEventKind kind) noexcept {
  for (const auto& [k, n] : kNames)
    if (k == kind) return n;
  return "?";
}

std::optional<HookEventKind> parse_hook_event_kind(std::string_view text) noexcept {
  for (const auto& [k, n] : kNames)
    if (text == n) return k;
  return std::nullopt;
}

nlohmann::json hook_event_json(const HookEvent& ev) {
  nlohmann::json torrent = torrent_json(ev.torrent, ev.category, ev.tags);
  torrent["content_path"] = content_path(ev.torrent);
  return {{"event", to_string(ev.kind)}, {"time", ev.time}, {"message", ev.message}, {"torrent", torrent}};
}

std::vector<std::pair<std::string, std::string>> hook_event_env(const HookEvent& ev) {
  std::string tags;
  for (const auto& t : ev.tags) tags += (tags.empty() ? "" : ",") + t;
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "%.3f", ev.torrent.ratio);
  return {{"SHOAL_EVENT", to_string(ev.kind)},
          {"SHOAL_INFO_HASH", torrent_id(ev.torrent.info_hash)},
          {"SHOAL_NAME", ev.torrent.name},
          {"SHOAL_SAVE_PATH", ev.torrent.save_path.string()},
          {"SHOAL_CONTENT_PATH", content_path(ev.torrent)},
          {"SHOAL_CATEGORY", ev.category},
          {"SHOAL_TAGS", tags},
          {"SHOAL_SIZE", std::to_string(ev.torrent.total_size)},
          {"SHOAL_RATIO", ratio},
          {"SHOAL_MESSAGE", ev.message},
          {"SHOAL_TIME", std::to_string(ev.time)}};
}

}  // namespace shoal::peer
