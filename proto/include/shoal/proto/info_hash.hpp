#pragma once
// InfoHash: the identity of a torrent — its v1 info-hash (SHA-1 of the bencoded `info` dict), its
// v2 info-hash (SHA-256 of the same bytes, BEP 52), or both for a hybrid torrent.
//
// Trackers and the peer wire protocol carry 20 bytes. For v1 and hybrid torrents that is the v1
// hash; for a v2-only torrent it is the v2 hash truncated to 20 bytes (BEP 52). tracker_id()
// gives exactly those 20 bytes.
//
//   InfoHash ih = InfoHash::from_info_dict(raw_info_bytes, /*v1=*/true, /*v2=*/true);
//   ih.tracker_id().hex();   // what a tracker's swarm is keyed by

#include <optional>
#include <string>
#include <string_view>

#include "shoal/proto/hash.hpp"

namespace shoal {

struct InfoHash {
  std::optional<Sha1Digest> v1;
  std::optional<Sha256Digest> v2;

  bool has_v1() const noexcept { return v1.has_value(); }
  bool has_v2() const noexcept { return v2.has_value(); }
  bool is_hybrid() const noexcept { return has_v1() && has_v2(); }
  bool empty() const noexcept { return !has_v1() && !has_v2(); }

  /// The 20-byte swarm id used by trackers and the peer protocol: v1 if present, else the first
  /// 20 bytes of v2. Precondition: !empty().
  Sha1Digest tracker_id() const;

  /// Hashes the exact bytes of an `info` dictionary with SHA-1 and/or SHA-256.
  static InfoHash from_info_dict(std::string_view info_bytes, bool v1, bool v2);

  friend bool operator==(const InfoHash&, const InfoHash&) = default;
};

}  // namespace shoal
