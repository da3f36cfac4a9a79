#pragma once
// AccessList: which info-hashes the tracker serves — the deny list (always refused) and, in
// `listed` mode, the allow list (only these are served). The sets are loaded from the database and
// replaced as a whole on reload (SIGHUP or the admin call); readers never block a reload and a
// reload never blocks readers (copy-on-write behind an atomic shared_ptr).
//
//   AccessList access(TrackerMode::listed);
//   access.replace({allowed...}, {denied...});
//   if (auto reason = access.refuse(info_hash)) return failure(*reason);
//
// Thread-safe.

#include <atomic>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "shoal/proto/hash.hpp"
#include "shoal/tracker/config.hpp"

namespace shoal::tracker {

class AccessList {
public:
  /// Failure reasons sent to clients (BEP 3 `failure reason` / BEP 15 error message).
  static constexpr std::string_view kDeniedReason = "torrent is not allowed on this tracker";
  static constexpr std::string_view kUnlistedReason = "unregistered torrent";

  explicit AccessList(TrackerMode mode);

  TrackerMode mode() const noexcept { return m_mode; }

  /// nullopt when `info_hash` may be tracked, else the reason to give the client.
  std::optional<std::string_view> refuse(const Sha1Digest& info_hash) const;

  /// Atomically replaces both sets.
  void replace(const std::vector<Sha1Digest>& allowed, const std::vector<Sha1Digest>& denied);

  std::size_t allowed_count() const;
  std::size_t denied_count() const;

private:
  struct Sets {
    std::unordered_set<Sha1Digest> allowed;
    std::unordered_set<Sha1Digest> denied;
  };
  TrackerMode m_mode;
  std::atomic<std::shared_ptr<const Sets>> m_sets;
};

}  // namespace shoal::tracker
