#include "shoal/bench/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace shoal::bench {

std::size_t LatencyHistogram::bucket_of(std::uint64_t v) noexcept {
  if (v < kExactBelow) return static_cast<std::size_t>(v);
  const unsigned msb = static_cast<unsigned>(std::bit_width(v)) - 1;  // >= kSubBits + 1
  const unsigned shift = msb - kSubBits;
  const std::uint64_t sub = (v >> shift) - (std::uint64_t{1} << kSubBits);  // 0..31
  return static_cast<std::size_t>(kExactBelow + (msb - kSubBits - 1) * (1u << kSubBits) + sub);
}

std::uint64_t LatencyHistogram::bucket_upper(std::size_t bucket) noexcept {
  if (bucket < kExactBelow) return bucket;
  const std::size_t rel = bucket - kExactBelow;
  const unsigned msb = static_cast<unsigned>(rel >> kSubBits) + kSubBits + 1;
  const std::uint64_t sub = rel & ((1u << kSubBits) - 1);
  const unsigned shift = msb - kSubBits;
  const std::uint64_t lower = ((std::uint64_t{1} << kSubBits) + sub) << shift;
  return lower + ((std::uint64_t{1} << shift) - 1);
}

void LatencyHistogram::record(std::uint64_t v) noexcept {
  ++m_buckets[bucket_of(v)];
  ++m_count;
  m_min = std::min(m_min, v);
  m_max = std::max(m_max, v);
  m_sum += static_cast<long double>(v);
}

void LatencyHistogram::merge(const LatencyHistogram& other) noexcept {
  for (std::size_t i = 0; i < kBuckets; ++i) m_buckets[i] += other.m_buckets[i];
  m_count += other.m_count;
  m_min = std::min(m_min, other.m_min);
  m_max = std::max(m_max, other.m_max);
  m_sum += other.m_sum;
}

double LatencyHistogram::mean() const noexcept {
  return m_count ? static_cast<double>(m_sum / static_cast<long double>(m_count)) : 0.0;
}

std::uint64_t LatencyHistogram::percentile(double q) const noexcept {
  if (m_count == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const auto target = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(m_count))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += m_buckets[i];
    if (seen >= target) return std::min(bucket_upper(i), m_max);
  }
  return m_max;
}

}  // namespace shoal::bench
