#include "shoal/peer/piece_size.hpp"

#include <bit>
#include <cstdint>

namespace shoal::peer {

std::int64_t choose_piece_length(std::int64_t content_size) noexcept {
  std::int64_t piece = kMinAutoPieceLength;
  // Doubling from the minimum is at most 10 steps and cannot overflow (the cap stops it).
  while (piece < kMaxAutoPieceLength && content_size > piece * kTargetPieceCount) piece *= 2;
  return piece;
}

expected<void, std::string> check_piece_length(std::int64_t piece_length) {
  if (piece_length < kMinPieceLength)
    return unexpected<std::string>("piece length " + std::to_string(piece_length) +
                                   " is below the minimum of 16 KiB (16384)");
  if (piece_length > kMaxPieceLength)
    return unexpected<std::string>("piece length " + std::to_string(piece_length) +
                                   " is above the maximum of 512 MiB (536870912)");
  if (!std::has_single_bit(static_cast<std::uint64_t>(piece_length)))
    return unexpected<std::string>("piece length " + std::to_string(piece_length) +
                                   " is not a power of two");
  return {};
}

}  // namespace shoal::peer
