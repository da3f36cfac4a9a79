#pragma once
// BEP 52 hash trees: the SHA-256 merkle trees behind v2 `pieces root` and `piece layers`.
//
// A v2 file is hashed in kV2BlockSize blocks (the last one may be short); the block hashes are the
// leaves of a binary SHA-256 tree (parent = SHA-256(left || right)) padded on the right to a
// power of two with all-zero leaves. Its root is the file's pieces root. A piece's hash is the
// root of the subtree over its piece_length / kV2BlockSize leaves; the piece layer is the list
// of those, and hashes up to the pieces root when padded with merkle_pad_root(blocks per piece).
//
//   // verify piece i of a file (blocks = SHA-256 of each 16 KiB block of the piece):
//   auto h = shoal::merkle_root(blocks, m.piece_length() / shoal::kV2BlockSize);
//   // check a whole small file (one piece or less):
//   auto r = shoal::merkle_root(blocks, std::bit_ceil(blocks.size()));
//   // a file's pieces root from its piece layer:
//   auto root = shoal::merkle_root(layer, std::bit_ceil(layer.size()),
//                                  shoal::merkle_pad_root(piece_length / shoal::kV2BlockSize));
//
// Hot loops (one tree per piece) pass their own Sha256Hasher: creating an OpenSSL context per
// tree costs more than hashing a short tree.

#include <cstddef>
#include <cstdint>
#include <span>

#include "shoal/proto/hash.hpp"

namespace shoal {

/// BEP 52 block size: the leaves of a v2 hash tree cover this many bytes, and a v2 piece length
/// must be a power of two at least this large.
inline constexpr std::int64_t kV2BlockSize = 16 * 1024;

/// Root of a complete binary tree with `width` leaves: `leaves` followed by copies of `pad`.
/// Precondition: `width` is a power of two and width >= max(leaves.size(), 1).
Sha256Digest merkle_root(std::span<const Sha256Digest> leaves, std::size_t width,
                         const Sha256Digest& pad = Sha256Digest{});

/// The same, hashing with `hasher` (which is left reset, ready for reuse).
Sha256Digest merkle_root(Sha256Hasher& hasher, std::span<const Sha256Digest> leaves,
                         std::size_t width, const Sha256Digest& pad = Sha256Digest{});

/// Root of a tree of `width` all-zero leaves (the padding hash at that level).
/// Precondition: `width` is a power of two.
Sha256Digest merkle_pad_root(std::size_t width);

}  // namespace shoal
