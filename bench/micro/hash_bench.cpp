// Micro-benchmarks: SHA-1 of 256 KiB pieces one at a time with OpenSSL (what mktorrent and
// `openssl speed` measure) against two at a time with sha1_pair (proto/sha1_pair.hpp, what
// `shoal create` uses). Bytes/s per core; the ratio is the gain of interleaving the two streams.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "shoal/proto/sha1_pair.hpp"

namespace {

constexpr std::size_t kPiece = 256 * 1024;

const std::string& two_pieces() {
  static const std::string data = [] {
    std::string s(2 * kPiece, '\0');
    std::mt19937_64 rng(42);
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
  }();
  return data;
}

void BM_Sha1OnePieceAtATime(benchmark::State& state) {
  const std::string_view data = two_pieces();
  for (auto _ : state) {
    auto a = shoal::sha1(data.substr(0, kPiece));
    auto b = shoal::sha1(data.substr(kPiece, kPiece));
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * 2 * kPiece));
}
BENCHMARK(BM_Sha1OnePieceAtATime);

void BM_Sha1PiecePair(benchmark::State& state) {
  const std::string_view data = two_pieces();
  for (auto _ : state) {
    shoal::Sha1Digest a, b;
    shoal::sha1_pair(data.substr(0, kPiece), data.substr(kPiece, kPiece), a, b);
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * 2 * kPiece));
  state.SetLabel(shoal::sha1_pair_accelerated() ? "interleaved SHA extensions" : "OpenSSL fallback");
}
BENCHMARK(BM_Sha1PiecePair);

}  // namespace
