#include "shoal/peer/maintenance_rules.hpp"

#include <cmath>
#include <cstdio>

namespace shoal::peer {

namespace fs = std::filesystem;

namespace {

template <class T>
void override_with(std::optional<T>& base, const std::optional<T>& over) {
  if (over) base = over;
}

std::string fixed2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string category_note(std::string_view category) {
  return category.empty() ? std::string() : " (category " + std::string(category) + ")";
}

bool is_complete(const TorrentStatus& t) {
  return t.completion_time > 0 && (t.state == TorrentState::seeding || t.state == TorrentState::finished) &&
         t.total_done >= t.total_wanted;
}

bool same_dir(const fs::path& a, const fs::path& b) {
  return a.lexically_normal() == b.lexically_normal() ||
         (a.lexically_normal() / "") == (b.lexically_normal() / "");
}

std::optional<std::string> check_rule(const MaintenanceRule& r, const std::string& where) {
  if (r.stop_at_ratio && (!std::isfinite(*r.stop_at_ratio) || *r.stop_at_ratio <= 0))
    return where + "stop_at_ratio must be a number > 0";
  if (r.stop_after_seed_seconds && *r.stop_after_seed_seconds < 0) return where + "the seeding time must be >= 0";
  if (r.remove_after_finished_seconds && *r.remove_after_finished_seconds < 0)
    return where + "the time before removal must be >= 0";
  if (r.move_completed_to) {
    const fs::path& p = *r.move_completed_to;
    if (!p.is_absolute()) return where + "move_completed_to must be an absolute path";
    for (const auto& part : p)
      if (part == "..") return where + "move_completed_to must not contain '..'";
  }
  return std::nullopt;
}

}  // namespace

MaintenanceRule MaintenancePolicy::effective_rule(std::string_view category) const {
  MaintenanceRule r = defaults;
  if (auto it = per_category.find(category); it != per_category.end()) {
    override_with(r.move_completed_to, it->second.move_completed_to);
    override_with(r.stop_at_ratio, it->second.stop_at_ratio);
    override_with(r.stop_after_seed_seconds, it->second.stop_after_seed_seconds);
    override_with(r.remove_after_finished_seconds, it->second.remove_after_finished_seconds);
    override_with(r.remove_with_data, it->second.remove_with_data);
  }
  return r;
}

std::optional<std::string> validate(const MaintenancePolicy& policy) {
  if (auto e = check_rule(policy.defaults, "rules.")) return e;
  for (const auto& [name, rule] : policy.per_category)
    if (auto e = check_rule(rule, "rules.category." + name + ".")) return e;
  return std::nullopt;
}

const char* to_string(MaintenanceAction::Kind kind) noexcept {
  switch (kind) {
    case MaintenanceAction::Kind::move: return "move";
    case MaintenanceAction::Kind::stop: return "stop";
    case MaintenanceAction::Kind::remove: return "remove";
  }
  return "?";
}

std::vector<MaintenanceAction> plan(const TorrentStatus& t, std::string_view category, const MaintenanceMemo& memo,
                                    std::int64_t now, const MaintenancePolicy& policy) {
  std::vector<MaintenanceAction> out;
  if (!t.has_metadata || !t.error.empty() || t.state == TorrentState::checking_files ||
      t.state == TorrentState::checking_resume_data || t.state == TorrentState::unknown)
    return out;
  const MaintenanceRule rule = policy.effective_rule(category);
  const std::string note = category_note(category);

  if (rule.remove_after_finished_seconds && t.completion_time > 0 &&
      now - t.completion_time >= *rule.remove_after_finished_seconds) {
    MaintenanceAction a;
    a.kind = MaintenanceAction::Kind::remove;
    a.with_data = rule.remove_with_data.value_or(false);
    a.reason = "finished " + std::to_string((now - t.completion_time) / 3600) + " h ago, limit " +
               std::to_string(*rule.remove_after_finished_seconds / 3600) + " h" + note;
    out.push_back(std::move(a));
    return out;
  }
  if (rule.move_completed_to && is_complete(t) && !memo.moved && !memo.move_in_flight &&
      !same_dir(t.save_path, *rule.move_completed_to)) {
    MaintenanceAction a;
    a.kind = MaintenanceAction::Kind::move;
    a.destination = *rule.move_completed_to;
    a.reason = "complete: move to " + rule.move_completed_to->string() + note;
    out.push_back(std::move(a));
  }
  const bool seeding = t.state == TorrentState::seeding || t.state == TorrentState::finished;
  if (seeding && !t.paused && !memo.stopped_by_rule) {
    std::string why;
    if (rule.stop_at_ratio && t.ratio >= 0 && t.ratio >= *rule.stop_at_ratio)
      why = "ratio " + fixed2(t.ratio) + " reached " + fixed2(*rule.stop_at_ratio);
    else if (rule.stop_after_seed_seconds && t.seeding_time >= *rule.stop_after_seed_seconds)
      why = "seeded " + std::to_string(t.seeding_time / 60) + " min, limit " +
            std::to_string(*rule.stop_after_seed_seconds / 60) + " min";
    if (!why.empty()) {
      MaintenanceAction a;
      a.kind = MaintenanceAction::Kind::stop;
      a.reason = why + note;
      out.push_back(std::move(a));
    }
  }
  return out;
}

void MaintenanceLog::add(MaintenanceLogEntry entry) {
  std::lock_guard lock(m_mutex);
  m_entries.push_back(std::move(entry));
  while (m_entries.size() > m_capacity) m_entries.pop_front();
}

std::vector<MaintenanceLogEntry> MaintenanceLog::entries() const {
  std::lock_guard lock(m_mutex);
  return {m_entries.begin(), m_entries.end()};
}

}  // namespace shoal::peer
