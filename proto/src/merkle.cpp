#include "shoal/proto/merkle.hpp"

#include <bit>
#include <cassert>
#include <vector>

namespace shoal {

namespace {

Sha256Digest hash_pair(Sha256Hasher& hasher, const Sha256Digest& left, const Sha256Digest& right) {
  hasher.update(left.view());
  hasher.update(right.view());
  return hasher.finish();
}

}  // namespace

Sha256Digest merkle_root(Sha256Hasher& hasher, std::span<const Sha256Digest> leaves,
                         std::size_t width, const Sha256Digest& pad) {
  assert(std::has_single_bit(width) && width >= leaves.size());
  std::vector<Sha256Digest> level(leaves.begin(), leaves.end());
  Sha256Digest level_pad = pad;
  for (; width > 1; width /= 2) {
    const std::size_t n = level.size();
    const std::size_t parents = (n + 1) / 2;
    // In place: parent i is written after children 2i and 2i+1 (both >= i) have been read.
    for (std::size_t i = 0; i < parents; ++i)
      level[i] = hash_pair(hasher, level[2 * i], 2 * i + 1 < n ? level[2 * i + 1] : level_pad);
    level.resize(parents);
    level_pad = hash_pair(hasher, level_pad, level_pad);
  }
  return level.empty() ? level_pad : level.front();
}

Sha256Digest merkle_root(std::span<const Sha256Digest> leaves, std::size_t width,
                         const Sha256Digest& pad) {
  Sha256Hasher hasher;
  return merkle_root(hasher, leaves, width, pad);
}

Sha256Digest merkle_pad_root(std::size_t width) {
  Sha256Digest h{};
  Sha256Hasher hasher;
  for (; width > 1; width /= 2) h = hash_pair(hasher, h, h);
  return h;
}

}  // namespace shoal
