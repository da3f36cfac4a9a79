// Fuzz target: parse_magnet and make_magnet_uri. Parsing must never crash, hang or read out of
// bounds; whatever parses must be in canonical form, rebuild into a URI that parses back to the
// same MagnetLink (when the rebuilt URI fits kMaxMagnetUriSize — escaping can triple its size),
// and rebuilding that must give the same URI again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_set>

#include "shoal/proto/magnet.hpp"

namespace {

bool canonical(const shoal::MagnetLink& m) {
  if (m.info_hash.empty()) return false;
  for (std::size_t i = 0; i < m.select_only.size(); ++i) {
    const auto& r = m.select_only[i];
    if (r.first > r.last || r.last > shoal::kMaxSelectOnlyIndex) return false;
    // Sorted, disjoint and not adjacent (adjacent ranges are merged).
    if (i > 0 && std::uint64_t{m.select_only[i - 1].last} + 1 >= r.first) return false;
    // Merged ranges leave a gap on both sides.
    if (!m.is_selected(r.first) || !m.is_selected(r.last)) return false;
    if ((r.first > 0 && m.is_selected(r.first - 1)) || m.is_selected(r.last + 1)) return false;
  }
  std::unordered_set<std::string> seen;
  for (const auto& t : m.trackers)
    if (t.empty() || !seen.insert(t).second) return false;
  seen.clear();
  for (const auto& w : m.web_seeds)
    if (w.empty() || !seen.insert(w).second) return false;
  seen.clear();
  for (const auto& p : m.peers)
    if (p.host.empty() || p.port == 0 || !seen.insert(p.host + " " + std::to_string(p.port)).second)
      return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto link = shoal::parse_magnet(in);
  if (!link) {
    if (link.error().what.empty() || link.error().context != "magnet") std::abort();
    if (link.error().offset != shoal::Error::npos && link.error().offset > size &&
        size <= shoal::kMaxMagnetUriSize)
      std::abort();
    return 0;
  }
  if (size > shoal::kMaxMagnetUriSize) std::abort();
  if (!canonical(*link)) std::abort();

  const std::string uri = shoal::make_magnet_uri(*link);
  if (uri.size() > shoal::kMaxMagnetUriSize) return 0;
  auto again = shoal::parse_magnet(uri);
  if (!again || !(*again == *link)) std::abort();
  if (shoal::make_magnet_uri(*again) != uri) std::abort();
  return 0;
}
