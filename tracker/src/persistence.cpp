#include "shoal/tracker/persistence.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <unordered_set>

namespace shoal::tracker {

Persistence::Persistence(Storage& storage, SwarmStore& store, AccessList& access,
                         std::uint32_t flush_interval_seconds)
    : m_storage(storage), m_store(store), m_access(access),
      m_flush_interval(flush_interval_seconds == 0 ? 1 : flush_interval_seconds) {}

namespace {

std::uint32_t unix_now() {
  return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace

void Persistence::attach_accounting(Accounting& accounting, std::unique_ptr<PrivateStore> store,
                                    std::uint32_t baseline_timeout_seconds) {
  std::lock_guard lock(m_storage_mutex);
  m_accounting = &accounting;
  m_private_store = std::move(store);
  m_baseline_timeout = baseline_timeout_seconds;
}

expected<std::size_t, std::string> Persistence::flush_accounting() {
  if (!m_accounting) return std::size_t{0};
  AccountingBatch batch = m_accounting->take_batch();
  if (batch.empty()) return std::size_t{0};
  const std::uint32_t now = unix_now();
  const std::uint32_t cutoff = now > m_baseline_timeout ? now - m_baseline_timeout : 0;
  std::lock_guard lock(m_storage_mutex);
  if (auto r = m_private_store->save_accounting(batch, cutoff); !r) {
    const std::string message = r.error().message;
    m_accounting->restore_batch(std::move(batch));  // retried with the next flush
    return unexpected<std::string>(message);
  }
  return batch.deltas.size();
}

Persistence::~Persistence() {
  if (m_writer.joinable()) (void)stop(false);
}

expected<LoadSummary, std::string> Persistence::load() {
  auto summary = reload_lists();
  if (!summary) return summary;
  std::lock_guard lock(m_storage_mutex);
  auto completed = m_storage.load_completed();
  if (!completed) return unexpected<std::string>(completed.error());
  for (const auto& [hash, count] : *completed) {
    if (!m_access.refuse(hash)) m_store.set_completed(hash, count);
  }
  summary->completed_counts = completed->size();
  auto snapshot = m_storage.load_snapshot();
  if (!snapshot) return unexpected<std::string>(snapshot.error());
  for (const auto& p : *snapshot) {
    if (!m_access.refuse(p.info_hash)) m_store.import_peer(p.info_hash, p.peer);
  }
  summary->snapshot_peers = snapshot->size();
  if (m_accounting) {
    const std::uint32_t now = unix_now();
    auto baselines = m_private_store->load_baselines(now > m_baseline_timeout ? now - m_baseline_timeout : 0);
    if (!baselines) return unexpected<std::string>(baselines.error().message);
    m_accounting->restore(*baselines);
    summary->accounting_baselines = baselines->size();
  }
  if (!snapshot->empty()) {
    if (auto cleared = m_storage.clear_snapshot(); !cleared) return unexpected<std::string>(cleared.error());
  }
  if (m_history) {
    const std::int64_t now = unix_now();
    auto rows = m_storage.load_history(now);
    if (!rows) return unexpected<std::string>(rows.error());
    m_history->restore(*rows, now);
    summary->history_rows = rows->totals.size() + rows->swarms.size();
  }
  return summary;
}

expected<std::size_t, std::string> Persistence::flush_history() {
  if (!m_history) return std::size_t{0};
  HistoryRows rows = m_history->drain_rows();
  std::lock_guard lock(m_storage_mutex);
  if (!m_history_retry.empty()) {
    // the failed rows first: upserts, so newer rows for the same key still win
    m_history_retry.totals.insert(m_history_retry.totals.end(), rows.totals.begin(), rows.totals.end());
    m_history_retry.swarms.insert(m_history_retry.swarms.end(), rows.swarms.begin(), rows.swarms.end());
    rows = std::move(m_history_retry);
    m_history_retry = {};
  }
  if (rows.empty()) return std::size_t{0};
  auto r = m_storage.save_history(rows, unix_now());
  if (!r) {
    // Bounded: a database that stays away for hours costs the history, not the memory.
    constexpr std::size_t kMaxRetryRows = 1'000'000;
    if (rows.totals.size() + rows.swarms.size() <= kMaxRetryRows) m_history_retry = std::move(rows);
    else spdlog::warn("history: {} unsaved rows dropped", rows.totals.size() + rows.swarms.size());
    return unexpected<std::string>(r.error());
  }
  return rows.totals.size() + rows.swarms.size();
}

expected<LoadSummary, std::string> Persistence::reload_lists() {
  std::lock_guard lock(m_storage_mutex);
  auto allow = m_storage.load_list(AccessListKind::allow);
  if (!allow) return unexpected<std::string>(allow.error());
  auto deny = m_storage.load_list(AccessListKind::deny);
  if (!deny) return unexpected<std::string>(deny.error());
  std::vector<Sha1Digest> allowed, denied;
  allowed.reserve(allow->size());
  denied.reserve(deny->size());
  for (const auto& e : *allow) allowed.push_back(e.info_hash);
  for (const auto& e : *deny) denied.push_back(e.info_hash);
  m_access.replace(allowed, denied);
  // Drop swarms that may no longer be served, so their peers are not handed out again.
  for (const auto& h : denied) m_store.remove_swarm(h);
  if (m_access.mode() == TrackerMode::listed) {
    std::vector<Sha1Digest> unlisted;
    m_store.for_each_swarm([&](const Sha1Digest& h, const SwarmCounts&) {
      if (m_access.refuse(h)) unlisted.push_back(h);
    });
    for (const auto& h : unlisted) m_store.remove_swarm(h);
  }
  LoadSummary s;
  s.allowed = allowed.size();
  s.denied = denied.size();
  return s;
}

expected<std::size_t, std::string> Persistence::flush() {
  auto changes = m_store.take_completed_changes();
  std::lock_guard lock(m_storage_mutex);
  if (!m_retry.empty()) {
    // Counts are absolute: a newer change for the same torrent supersedes the failed one.
    std::unordered_set<Sha1Digest> fresh;
    for (const auto& c : changes) fresh.insert(c.first);
    for (const auto& c : m_retry)
      if (!fresh.contains(c.first)) changes.push_back(c);
    m_retry.clear();
  }
  if (changes.empty()) return std::size_t{0};
  auto r = m_storage.save_completed(changes);
  if (!r) {
    m_retry = std::move(changes);  // retried by the next flush
    return unexpected<std::string>(r.error());
  }
  return changes.size();
}

void Persistence::start() {
  m_stopping = false;
  m_writer = std::thread([this] { writer_loop(); });
}

void Persistence::writer_loop() {
  std::unique_lock lock(m_wake_mutex);
  while (!m_stopping) {
    m_wake.wait_for(lock, std::chrono::seconds(m_flush_interval), [this] { return m_stopping; });
    lock.unlock();
    if (auto r = flush(); !r) spdlog::error("persisting completed counts failed: {}", r.error());
    if (auto r = flush_accounting(); !r) spdlog::error("persisting accounting failed: {}", r.error());
    if (auto r = flush_history(); !r) spdlog::error("persisting history failed: {}", r.error());
    lock.lock();
  }
}

expected<void, std::string> Persistence::stop(bool save_snapshot) {
  {
    std::lock_guard lock(m_wake_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  if (m_writer.joinable()) m_writer.join();
  if (auto r = flush(); !r) return unexpected<std::string>(r.error());
  if (auto r = flush_accounting(); !r) return unexpected<std::string>(r.error());
  if (auto r = flush_history(); !r) return unexpected<std::string>(r.error());
  if (!save_snapshot) return {};
  std::vector<SnapshotPeer> peers;
  m_store.export_peers([&](const Sha1Digest& h, const PeerSnapshot& p) { peers.push_back({h, p}); });
  std::lock_guard lock(m_storage_mutex);
  auto r = m_storage.save_snapshot(peers);
  if (!r) return unexpected<std::string>(r.error());
  spdlog::info("saved swarm snapshot: {} peers", peers.size());
  return {};
}

bool Persistence::healthy() {
  std::lock_guard lock(m_storage_mutex);
  return m_storage.healthy();
}

}  // namespace shoal::tracker
