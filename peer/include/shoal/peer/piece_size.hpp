#pragma once
// Piece length of a new torrent: the automatic choice and the check of an explicit one.
//
//   std::int64_t pl = shoal::peer::choose_piece_length(total_bytes);    // e.g. 1 GiB -> 512 KiB
//   if (auto ok = shoal::peer::check_piece_length(requested); !ok) std::cerr << ok.error() << "\n";
//
// The rule (documented in docs/cli.md too): the smallest power of two, at least
// kMinAutoPieceLength (16 KiB, the BEP 52 block size), that keeps the torrent at or below
// kTargetPieceCount (2048) pieces; capped at kMaxAutoPieceLength (16 MiB), so content above
// 32 GiB gets more than 2048 pieces of 16 MiB. Examples:
//
//   content size      piece length   pieces
//   <= 32 MiB         16 KiB         <= 2048
//   100 MiB           64 KiB         1600
//   1 GiB             512 KiB        2048
//   4.4 GiB (DVD)     4 MiB          1127
//   >= 32 GiB         16 MiB         >= 2048
//
// Why 2048: a v1 torrent then carries at most 40 KiB of SHA-1 piece hashes (a v2 piece layer at
// most 64 KiB), which keeps the .torrent small enough to fetch over BEP 9 quickly, while pieces
// stay small enough for a peer to verify and share early. Every choice is a power of two, so the
// same rule serves v1, v2 and hybrid torrents (BEP 52 requires a power of two >= 16 KiB).

#include <cstdint>
#include <string>

#include "shoal/proto/expected.hpp"

namespace shoal::peer {

/// Smallest piece length the automatic rule picks (and the smallest a v2 torrent allows).
inline constexpr std::int64_t kMinAutoPieceLength = std::int64_t{16} * 1024;
/// Largest piece length the automatic rule picks.
inline constexpr std::int64_t kMaxAutoPieceLength = std::int64_t{16} * 1024 * 1024;
/// The automatic rule keeps the piece count at or below this while the cap allows.
inline constexpr std::int64_t kTargetPieceCount = 2048;
/// Smallest explicit piece length accepted by check_piece_length().
inline constexpr std::int64_t kMinPieceLength = kMinAutoPieceLength;
/// Largest explicit piece length accepted by check_piece_length(): 512 MiB, the largest power of
/// two libtorrent (and shoal::parse_metainfo) accept.
inline constexpr std::int64_t kMaxPieceLength = std::int64_t{512} * 1024 * 1024;

/// The automatic piece length for `content_size` bytes of payload (see the rule above).
/// A size of 0 or less gives kMinAutoPieceLength.
std::int64_t choose_piece_length(std::int64_t content_size) noexcept;

/// Accepts an explicit piece length that is a power of two in [kMinPieceLength, kMaxPieceLength]
/// (the same for v1, v2 and hybrid: mktorrent's `-l` also takes only powers of two); otherwise
/// returns a sentence saying why not, e.g. "piece length 1000 is not a power of two".
expected<void, std::string> check_piece_length(std::int64_t piece_length);

}  // namespace shoal::peer
