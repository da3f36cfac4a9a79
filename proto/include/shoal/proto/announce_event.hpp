#pragma once
// AnnounceEvent: the `event` of an announce, shared by the HTTP (BEP 3) and UDP (BEP 15) codecs and
// the tracker. The numbering of none..stopped is BEP 15's wire value; `paused` (BEP 21, sent by
// Transmission for partial seeds) exists only over HTTP — the UDP decoder never produces it and the
// UDP encoder writes it as none (0).

#include <cstdint>
#include <string_view>

namespace shoal {

enum class AnnounceEvent : std::uint8_t { none = 0, completed = 1, started = 2, stopped = 3, paused = 4 };

/// "none", "completed", "started", "stopped", "paused".
constexpr std::string_view to_string(AnnounceEvent event) noexcept {
  switch (event) {
    case AnnounceEvent::none: return "none";
    case AnnounceEvent::completed: return "completed";
    case AnnounceEvent::started: return "started";
    case AnnounceEvent::stopped: return "stopped";
    case AnnounceEvent::paused: return "paused";
  }
  return "unknown";
}

}  // namespace shoal
