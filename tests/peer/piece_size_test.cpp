// Tests of shoal/peer/piece_size.hpp: the automatic piece-length rule and explicit lengths.
#include "shoal/peer/piece_size.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>

namespace shoal::peer {
namespace {

constexpr std::int64_t KiB = 1024;
constexpr std::int64_t MiB = 1024 * KiB;
constexpr std::int64_t GiB = 1024 * MiB;

TEST(PieceSize, DocumentedExamples) {
  EXPECT_EQ(choose_piece_length(0), 16 * KiB);
  EXPECT_EQ(choose_piece_length(1), 16 * KiB);
  EXPECT_EQ(choose_piece_length(32 * MiB), 16 * KiB);       // exactly 2048 pieces
  EXPECT_EQ(choose_piece_length(32 * MiB + 1), 32 * KiB);   // one byte more: next power of two
  EXPECT_EQ(choose_piece_length(100 * MiB), 64 * KiB);      // 1600 pieces
  EXPECT_EQ(choose_piece_length(1 * GiB), 512 * KiB);       // 2048 pieces
  EXPECT_EQ(choose_piece_length(4700 * MiB), 4 * MiB);      // a DVD image
  EXPECT_EQ(choose_piece_length(32 * GiB), 16 * MiB);
  EXPECT_EQ(choose_piece_length(1024 * GiB), 16 * MiB);     // capped: more than 2048 pieces
}

TEST(PieceSize, RuleHoldsEverywhere) {
  for (std::int64_t size = 1; size < 64 * GiB; size = size * 3 + 7) {
    const std::int64_t pl = choose_piece_length(size);
    SCOPED_TRACE(size);
    EXPECT_TRUE(std::has_single_bit(static_cast<std::uint64_t>(pl)));
    EXPECT_GE(pl, kMinAutoPieceLength);
    EXPECT_LE(pl, kMaxAutoPieceLength);
    const std::int64_t pieces = (size + pl - 1) / pl;
    if (pl < kMaxAutoPieceLength) {
      EXPECT_LE(pieces, kTargetPieceCount);
    }
    // Smallest: half the length would exceed the target (unless at the minimum).
    if (pl > kMinAutoPieceLength) {
      EXPECT_GT((size + pl / 2 - 1) / (pl / 2), kTargetPieceCount);
    }
    EXPECT_TRUE(check_piece_length(pl));
  }
}

TEST(PieceSize, ExplicitLengths) {
  EXPECT_TRUE(check_piece_length(16 * KiB));
  EXPECT_TRUE(check_piece_length(256 * KiB));
  EXPECT_TRUE(check_piece_length(512 * MiB));
  EXPECT_EQ(check_piece_length(1000).error(), "piece length 1000 is below the minimum of 16 KiB (16384)");
  EXPECT_EQ(check_piece_length(8 * KiB).error(), "piece length 8192 is below the minimum of 16 KiB (16384)");
  EXPECT_EQ(check_piece_length(100000).error(), "piece length 100000 is not a power of two");
  EXPECT_FALSE(check_piece_length(1 * GiB));
  EXPECT_FALSE(check_piece_length(0));
  EXPECT_FALSE(check_piece_length(-16384));
}

}  // namespace
}  // namespace shoal::peer
