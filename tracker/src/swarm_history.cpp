#include "shoal/tracker/swarm_history.hpp"

#include <algorithm>

namespace shoal::tracker {

namespace {

std::int64_t floor_to(std::int64_t t, std::int64_t step) { return t - ((t % step) + step) % step; }

TotalsPoint average(const TotalsPoint& sum, std::uint64_t n, std::int64_t t) {
  TotalsPoint p = sum;
  p.t = t;
  if (n > 1) {
    p.torrents = (sum.torrents + n / 2) / n;
    p.peers = (sum.peers + n / 2) / n;
    p.seeders = (sum.seeders + n / 2) / n;
    p.leechers = (sum.leechers + n / 2) / n;
    p.completed = (sum.completed + n / 2) / n;
  }
  return p;  // the request counts stay sums
}

void accumulate(TotalsPoint& sum, const TotalsPoint& p) {
  sum.torrents += p.torrents;
  sum.peers += p.peers;
  sum.seeders += p.seeders;
  sum.leechers += p.leechers;
  sum.completed += p.completed;
  sum.announces_udp += p.announces_udp;
  sum.announces_http += p.announces_http;
  sum.scrapes_udp += p.scrapes_udp;
  sum.scrapes_http += p.scrapes_http;
}

bool same_counts(const SwarmPoint& a, const SwarmPoint& b) {
  return a.seeders == b.seeders && a.leechers == b.leechers && a.completed == b.completed;
}

}  // namespace

std::int64_t SwarmHistory::step_for(std::int64_t from, std::int64_t now) noexcept {
  return now - from <= kFineSpan ? kFineStep : kCoarseStep;
}

void SwarmHistory::add_swarm_point(std::deque<SwarmPoint>& series, const SwarmPoint& p, std::int64_t step,
                                   const Sha1Digest& hash, bool pending) {
  if (!series.empty() && (series.back().t >= p.t || same_counts(series.back(), p))) return;
  series.push_back(p);
  if (pending) m_pending.swarms.push_back({step, hash, p});
}

void SwarmHistory::record(std::int64_t now, TotalsPoint totals,
                          const std::vector<std::pair<Sha1Digest, SwarmCounts>>& swarms) {
  std::lock_guard lock(m_mutex);
  const std::int64_t minute = floor_to(now, kFineStep);
  if (minute <= m_last_minute) return;
  m_last_minute = minute;
  m_now = now;

  // the 10 minutes just finished become a coarse point
  const std::int64_t bucket = floor_to(minute, kCoarseStep);
  if (m_acc.bucket >= 0 && m_acc.bucket != bucket && m_acc.samples > 0) {
    const TotalsPoint coarse = average(m_acc.sum, m_acc.samples, m_acc.bucket);
    m_coarse_totals.push_back(coarse);
    m_pending.totals.emplace_back(kCoarseStep, coarse);
    m_acc = {};
  }
  if (m_acc.bucket != bucket) m_acc = {bucket, 0, {}};
  totals.t = minute;
  accumulate(m_acc.sum, totals);
  ++m_acc.samples;
  m_fine_totals.push_back(totals);
  m_pending.totals.emplace_back(kFineStep, totals);

  // per swarm: changes only; swarms no longer present get one zero point
  std::unordered_map<Sha1Digest, bool> seen;
  seen.reserve(swarms.size());
  for (const auto& [hash, counts] : swarms) {
    auto it = m_swarms.find(hash);
    if (it == m_swarms.end()) {
      if (m_swarms.size() >= m_max_swarms) {
        ++m_untracked;
        continue;
      }
      it = m_swarms.emplace(hash, SwarmSeries{}).first;
    }
    seen.emplace(hash, true);
    const SwarmPoint p{minute, counts.seeders, counts.leechers, counts.completed};
    add_swarm_point(it->second.fine, p, kFineStep, hash, true);
    // coarse: the last value of each 10 minutes (a change inside the bucket moves it)
    auto& coarse = it->second.coarse;
    SwarmPoint cp = p;
    cp.t = bucket;
    if (!coarse.empty() && coarse.back().t == bucket) {
      if (!same_counts(coarse.back(), cp)) {
        coarse.back() = cp;
        m_pending.swarms.push_back({kCoarseStep, hash, cp});
      }
    } else {
      add_swarm_point(coarse, cp, kCoarseStep, hash, true);
    }
  }
  for (auto& [hash, series] : m_swarms) {
    if (seen.count(hash)) continue;
    const SwarmPoint zero{minute, 0, 0, series.fine.empty() ? 0 : series.fine.back().completed};
    add_swarm_point(series.fine, zero, kFineStep, hash, true);
    SwarmPoint cz = zero;
    cz.t = bucket;
    if (!series.coarse.empty() && series.coarse.back().t == bucket) {
      if (!same_counts(series.coarse.back(), cz)) {
        series.coarse.back() = cz;
        m_pending.swarms.push_back({kCoarseStep, hash, cz});
      }
    } else {
      add_swarm_point(series.coarse, cz, kCoarseStep, hash, true);
    }
  }
  trim(now);
}

void SwarmHistory::trim(std::int64_t now) {
  while (!m_fine_totals.empty() && m_fine_totals.front().t < now - kFineSpan) m_fine_totals.pop_front();
  while (!m_coarse_totals.empty() && m_coarse_totals.front().t < now - kCoarseSpan) m_coarse_totals.pop_front();
  for (auto it = m_swarms.begin(); it != m_swarms.end();) {
    auto& s = it->second;
    // keep the last point before the window: it is the value at the window's start
    while (s.fine.size() > 1 && s.fine[1].t <= now - kFineSpan) s.fine.pop_front();
    while (s.coarse.size() > 1 && s.coarse[1].t <= now - kCoarseSpan) s.coarse.pop_front();
    const bool idle = !s.coarse.empty() && s.coarse.back().seeders == 0 && s.coarse.back().leechers == 0 &&
                      s.coarse.back().t <= now - kCoarseSpan;
    if (idle || (s.fine.empty() && s.coarse.empty())) it = m_swarms.erase(it);
    else ++it;
  }
}

std::vector<SwarmPoint> SwarmHistory::expand(const std::deque<SwarmPoint>& series, std::int64_t step,
                                             std::int64_t from, std::int64_t to) {
  std::vector<SwarmPoint> out;
  if (series.empty() || to < from) return out;
  std::int64_t t = floor_to(std::max(from, series.front().t), step);
  if (t < series.front().t) t += step;
  std::size_t i = 0;
  for (; t <= to; t += step) {
    while (i + 1 < series.size() && series[i + 1].t <= t) ++i;
    if (series[i].t > t) continue;
    SwarmPoint p = series[i];
    p.t = t;
    out.push_back(p);
  }
  return out;
}

std::vector<TotalsPoint> SwarmHistory::totals_range(std::int64_t from, std::int64_t to) const {
  std::lock_guard lock(m_mutex);
  const bool fine = step_for(from, m_now) == kFineStep;
  const auto& series = fine ? m_fine_totals : m_coarse_totals;
  std::vector<TotalsPoint> out;
  for (const auto& p : series)
    if (p.t >= floor_to(from, fine ? kFineStep : kCoarseStep) && p.t <= to) out.push_back(p);
  return out;
}

std::vector<SwarmPoint> SwarmHistory::swarm_range(const Sha1Digest& info_hash, std::int64_t from,
                                                  std::int64_t to) const {
  std::lock_guard lock(m_mutex);
  auto it = m_swarms.find(info_hash);
  if (it == m_swarms.end()) return {};
  const std::int64_t step = step_for(from, m_now);
  // after its last change a swarm keeps its value up to the newest sample
  return expand(step == kFineStep ? it->second.fine : it->second.coarse, step, from, std::min(to, m_now));
}

HistoryRows SwarmHistory::drain_rows() {
  std::lock_guard lock(m_mutex);
  HistoryRows out;
  std::swap(out, m_pending);
  return out;
}

void SwarmHistory::restore(const HistoryRows& rows, std::int64_t now) {
  std::lock_guard lock(m_mutex);
  m_now = std::max(m_now, now);
  std::vector<std::pair<std::int64_t, TotalsPoint>> totals = rows.totals;
  std::sort(totals.begin(), totals.end(), [](const auto& a, const auto& b) { return a.second.t < b.second.t; });
  for (const auto& [step, p] : totals) {
    auto& series = step == kFineStep ? m_fine_totals : m_coarse_totals;
    if (step != kFineStep && step != kCoarseStep) continue;
    if (!series.empty() && series.back().t >= p.t) continue;
    series.push_back(p);
    if (step == kFineStep) m_last_minute = std::max(m_last_minute, p.t);
  }
  std::vector<HistoryRows::Swarm> swarms = rows.swarms;
  std::stable_sort(swarms.begin(), swarms.end(), [](const auto& a, const auto& b) { return a.point.t < b.point.t; });
  for (const auto& r : swarms) {
    if (r.step != kFineStep && r.step != kCoarseStep) continue;
    auto it = m_swarms.find(r.info_hash);
    if (it == m_swarms.end()) {
      if (m_swarms.size() >= m_max_swarms) continue;
      it = m_swarms.emplace(r.info_hash, SwarmSeries{}).first;
    }
    auto& series = r.step == kFineStep ? it->second.fine : it->second.coarse;
    if (!series.empty() && series.back().t == r.point.t) series.back() = r.point;  // a coarse point rewritten
    else if (series.empty() || series.back().t < r.point.t) series.push_back(r.point);
  }
  trim(m_now);
}

std::size_t SwarmHistory::tracked_swarms() const {
  std::lock_guard lock(m_mutex);
  return m_swarms.size();
}

std::uint64_t SwarmHistory::untracked_swarms() const {
  std::lock_guard lock(m_mutex);
  return m_untracked;
}

}  // namespace shoal::tracker
