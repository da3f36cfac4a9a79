#include "shoal/proto/info_hash.hpp"

#include <cassert>
#include <cstring>

namespace shoal {

Sha1Digest InfoHash::tracker_id() const {
  assert(!empty());
  if (v1) return *v1;
  Sha1Digest truncated;
  std::memcpy(truncated.bytes.data(), v2->bytes.data(), truncated.bytes.size());
  return truncated;
}

InfoHash InfoHash::from_info_dict(std::string_view info_bytes, bool v1, bool v2) {
  InfoHash ih;
  if (v1) ih.v1 = sha1(info_bytes);
  if (v2) ih.v2 = sha256(info_bytes);
  return ih;
}

}  // namespace shoal
