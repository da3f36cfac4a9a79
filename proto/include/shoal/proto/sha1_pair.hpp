#pragma once
// SHA-1 of two messages of the same length at once: the two streams' rounds are interleaved so
// the CPU's SHA unit works on one while the other waits for its previous round (a single SHA-1
// stream is bound by the latency of the SHA round instruction, not by its throughput). On a CPU
// with the x86 SHA extensions this hashes about 1.7 times as many bytes per second per core as
// OpenSSL's one-stream SHA-1 (docs/benchmarks.md, "shoal create vs mktorrent"); elsewhere it
// is two OpenSSL digests, so the result is the same everywhere.
//
//   Sha1Digest a, b;
//   sha1_pair(piece_0, piece_1, a, b);   // == sha1(piece_0), sha1(piece_1)
//
// The piece hasher (peer/piece_hasher.hpp) uses it for pairs of whole pieces that lie in memory
// side by side. Thread-safe: no state but the CPU check, made once.

#include <string_view>

#include "shoal/proto/hash.hpp"

namespace shoal {

/// Whether sha1_pair uses the interleaved SHA-extension code on this CPU (x86-64 with SHA,
/// SSSE3 and SSE4.1) rather than two OpenSSL digests. The environment variable
/// SHOAL_SHA1_PAIR=off forces the OpenSSL path (for comparisons and for testing it).
bool sha1_pair_accelerated() noexcept;

/// out_a = SHA-1(a), out_b = SHA-1(b). `a` and `b` must have the same size (otherwise the two
/// are hashed one after the other with OpenSSL, still correctly).
void sha1_pair(std::string_view a, std::string_view b, Sha1Digest& out_a, Sha1Digest& out_b);

}  // namespace shoal
