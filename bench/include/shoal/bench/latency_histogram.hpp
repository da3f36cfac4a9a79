#pragma once
// LatencyHistogram: request latencies in nanoseconds, log-linear buckets (HdrHistogram's idea):
// exact below 64 ns, then 32 buckets per power of two, so a reported percentile is within
// 1/32 (3.1%) of the true value. Fixed size (about 15 KiB), no allocation after construction;
// record() is a few instructions. Histograms of several generator threads merge().
//
//   LatencyHistogram h;
//   h.record(elapsed_ns);
//   std::uint64_t p99 = h.percentile(0.99);   // ns, the bucket's upper bound
//
// Not thread-safe: one per thread, merged at the end.

#include <array>
#include <cstddef>
#include <cstdint>

namespace shoal::bench {

class LatencyHistogram {
public:
  static constexpr unsigned kSubBits = 5;                          ///< 32 buckets per octave
  static constexpr std::uint64_t kExactBelow = 2u << kSubBits;     ///< 64: one bucket per ns
  static constexpr std::size_t kBuckets = kExactBelow + (64 - kSubBits - 1) * (1u << kSubBits);

  /// Adds one sample (negative clocks are the caller's bug; pass 0).
  void record(std::uint64_t nanoseconds) noexcept;
  /// Adds every sample of `other`.
  void merge(const LatencyHistogram& other) noexcept;

  std::uint64_t count() const noexcept { return m_count; }
  std::uint64_t min() const noexcept { return m_count ? m_min : 0; }
  std::uint64_t max() const noexcept { return m_max; }
  double mean() const noexcept;
  /// The smallest bucket upper bound at or below which a fraction q (0..1) of the samples lie
  /// (clamped to max()); 0 with no samples.
  std::uint64_t percentile(double q) const noexcept;

  /// Bucket of a value, and the largest value that bucket holds (exposed for tests).
  static std::size_t bucket_of(std::uint64_t v) noexcept;
  static std::uint64_t bucket_upper(std::size_t bucket) noexcept;

private:
  std::array<std::uint64_t, kBuckets> m_buckets{};
  std::uint64_t m_count = 0;
  std::uint64_t m_min = ~std::uint64_t{0};
  std::uint64_t m_max = 0;
  long double m_sum = 0;
};

}  // namespace shoal::bench
