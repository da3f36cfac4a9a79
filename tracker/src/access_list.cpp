#include "shoal/tracker/access_list.hpp"

namespace shoal::tracker {

AccessList::AccessList(TrackerMode mode) : m_mode(mode), m_sets(std::make_shared<const Sets>()) {}

std::optional<std::string_view> AccessList::refuse(const Sha1Digest& info_hash) const {
  const std::shared_ptr<const Sets> sets = m_sets.load(std::memory_order_acquire);
  if (sets->denied.contains(info_hash)) return kDeniedReason;
  if (m_mode == TrackerMode::listed && !sets->allowed.contains(info_hash)) return kUnlistedReason;
  return std::nullopt;
}

void AccessList::replace(const std::vector<Sha1Digest>& allowed,
                         const std::vector<Sha1Digest>& denied) {
  auto sets = std::make_shared<Sets>();
  sets->allowed.insert(allowed.begin(), allowed.end());
  sets->denied.insert(denied.begin(), denied.end());
  m_sets.store(std::move(sets), std::memory_order_release);
}

std::size_t AccessList::allowed_count() const { return m_sets.load()->allowed.size(); }
std::size_t AccessList::denied_count() const { return m_sets.load()->denied.size(); }

}  // namespace shoal::tracker
