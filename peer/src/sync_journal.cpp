#include "shoal/peer/sync_journal.hpp"

namespace shoal::peer {

std::uint64_t SyncJournal::update(const std::map<std::string, nlohmann::json>& current) {
  const std::uint64_t next = m_revision + 1;
  bool changed = false;
  for (auto it = m_entries.begin(); it != m_entries.end();) {
    if (current.count(it->first)) {
      ++it;
      continue;
    }
    m_removed.emplace_back(next, it->first);
    it = m_entries.erase(it);
    changed = true;
  }
  while (m_removed.size() > kMaxRemovals) {
    m_removed_floor = m_removed.front().first;
    m_removed.pop_front();
  }
  for (const auto& [id, value] : current) {
    auto [it, inserted] = m_entries.try_emplace(id);
    if (!inserted && it->second.value == value) continue;
    it->second.value = value;
    it->second.revision = next;
    changed = true;
  }
  if (changed) m_revision = next;
  return m_revision;
}

SyncJournal::Delta SyncJournal::since(std::uint64_t revision) const {
  Delta d;
  d.revision = m_revision;
  d.full = revision == 0 || revision > m_revision || revision < m_removed_floor;
  for (const auto& [id, e] : m_entries)
    if (d.full || e.revision > revision) d.changed.push_back(e.value);
  if (!d.full)
    for (const auto& [rev, id] : m_removed)
      if (rev > revision) d.removed.push_back(id);
  return d;
}

}  // namespace shoal::peer
