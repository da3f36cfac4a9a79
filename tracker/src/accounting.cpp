#include "shoal/tracker/accounting.hpp"

#include <algorithm>
#include <bit>
#include <limits>

namespace shoal::tracker {

namespace {

struct UserTorrent {
  std::int64_t user_id;
  std::int64_t torrent_id;
  friend bool operator==(const UserTorrent&, const UserTorrent&) = default;
};

struct UserTorrentHash {
  std::size_t operator()(const UserTorrent& k) const noexcept {
    return std::hash<std::int64_t>{}(k.user_id) * 0x9e3779b97f4a7c15ull ^
           std::hash<std::int64_t>{}(k.torrent_id);
  }
};

std::uint64_t non_negative(std::int64_t v) noexcept {
  return v < 0 ? 0 : static_cast<std::uint64_t>(v);
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) noexcept {
  return a > std::numeric_limits<std::uint64_t>::max() - b ? std::numeric_limits<std::uint64_t>::max()
                                                          : a + b;
}

void add_delta(UserTorrentDelta& into, const UserTorrentDelta& d) {
  into.uploaded = saturating_add(into.uploaded, d.uploaded);
  into.downloaded = saturating_add(into.downloaded, d.downloaded);
  if (d.completed && !into.completed) {
    into.completed = true;
    into.completed_at = d.completed_at;
  } else if (d.completed && into.completed) {
    into.completed_at = std::min(into.completed_at, d.completed_at);
  }
  into.first_announce = std::min(into.first_announce, d.first_announce);
  into.last_announce = std::max(into.last_announce, d.last_announce);
}

}  // namespace

std::size_t PeerKeyHash::operator()(const PeerKey& k) const noexcept {
  std::size_t h = std::hash<Digest<20>>{}(k.peer_id);
  h ^= std::hash<std::int64_t>{}(k.user_id) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h ^= std::hash<std::int64_t>{}(k.torrent_id) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h;
}

void AccountingBatch::merge(AccountingBatch&& newer) {
  if (empty()) {
    *this = std::move(newer);
    return;
  }
  std::unordered_map<UserTorrent, std::size_t, UserTorrentHash> index;
  for (std::size_t i = 0; i < deltas.size(); ++i)
    index.emplace(UserTorrent{deltas[i].user_id, deltas[i].torrent_id}, i);
  for (const auto& d : newer.deltas) {
    const auto [it, fresh] = index.emplace(UserTorrent{d.user_id, d.torrent_id}, deltas.size());
    if (fresh)
      deltas.push_back(d);
    else
      add_delta(deltas[it->second], d);
  }
  std::unordered_map<PeerKey, std::size_t, PeerKeyHash> peers;
  for (std::size_t i = 0; i < baselines.size(); ++i) peers.emplace(baselines[i].first, i);
  for (auto& b : newer.baselines) {
    const auto [it, fresh] = peers.emplace(b.first, baselines.size());
    if (fresh)
      baselines.push_back(std::move(b));
    else
      baselines[it->second].second = b.second;  // the newer state wins
  }
}

struct Accounting::Shard {
  mutable std::mutex mutex;
  std::unordered_map<PeerKey, PeerBaseline, PeerKeyHash> peers;
  std::unordered_map<UserTorrent, UserTorrentDelta, UserTorrentHash> pending;
  std::unordered_map<PeerKey, std::optional<PeerBaseline>, PeerKeyHash> changed;
};

Accounting::Accounting(Options options)
    : m_options(options),
      m_shard_mask(std::bit_ceil(std::max<std::size_t>(options.shard_count, 1)) - 1),
      m_shards(std::make_unique<Shard[]>(m_shard_mask + 1)) {}

Accounting::~Accounting() = default;

Accounting::Shard& Accounting::shard_for(const PeerKey& key) const {
  return m_shards[PeerKeyHash{}(key) & m_shard_mask];
}

Credit Accounting::record(const PeerKey& key, const AnnounceCounters& c) {
  m_announces.fetch_add(1, std::memory_order_relaxed);
  const std::uint64_t up = non_negative(c.uploaded);
  const std::uint64_t down = non_negative(c.downloaded);
  Credit credit;
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  const auto it = shard.peers.find(key);
  if (it != shard.peers.end()) {
    PeerBaseline& base = it->second;
    const std::uint32_t elapsed = c.now > base.last_announce ? c.now - base.last_announce : 0;
    const std::uint64_t seconds = std::max<std::uint32_t>(elapsed, 1);
    const std::uint64_t rate = m_options.max_rate_bytes_per_second;
    const std::uint64_t allowance = rate > std::numeric_limits<std::uint64_t>::max() / seconds
                                        ? std::numeric_limits<std::uint64_t>::max()
                                        : rate * seconds;
    const auto delta = [&](std::uint64_t now_value, std::uint64_t base_value) -> std::uint64_t {
      if (now_value < base_value) {
        m_resets.fetch_add(1, std::memory_order_relaxed);
        return 0;
      }
      const std::uint64_t d = now_value - base_value;
      if (d > allowance) {
        m_dropped.fetch_add(1, std::memory_order_relaxed);
        return 0;
      }
      return d;
    };
    credit.uploaded = delta(up, base.uploaded);
    credit.downloaded = delta(down, base.downloaded);
    base = PeerBaseline{up, down, std::max(c.now, base.last_announce)};
  } else if (c.event != AnnounceEvent::stopped) {
    shard.peers.emplace(key, PeerBaseline{up, down, c.now});
  }
  if (c.event == AnnounceEvent::stopped) {
    shard.peers.erase(key);
    shard.changed[key] = std::nullopt;
  } else {
    shard.changed[key] = shard.peers.at(key);
  }
  if (c.neutral) credit = Credit{};
  if (c.freeleech) credit.downloaded = 0;

  UserTorrentDelta d;
  d.user_id = key.user_id;
  d.torrent_id = key.torrent_id;
  d.uploaded = credit.uploaded;
  d.downloaded = credit.downloaded;
  d.completed = c.event == AnnounceEvent::completed;
  d.completed_at = d.completed ? c.now : 0;
  d.first_announce = c.now;
  d.last_announce = c.now;
  const auto [slot, fresh] = shard.pending.emplace(UserTorrent{key.user_id, key.torrent_id}, d);
  if (!fresh) add_delta(slot->second, d);
  return credit;
}

AccountingBatch Accounting::take_batch() {
  AccountingBatch batch;
  {
    std::lock_guard lock(m_retry_mutex);
    batch = std::move(m_retry);
    m_retry = AccountingBatch{};
  }
  AccountingBatch fresh;
  std::unordered_map<UserTorrent, std::size_t, UserTorrentHash> index;
  for (std::size_t s = 0; s <= m_shard_mask; ++s) {
    Shard& shard = m_shards[s];
    std::unordered_map<UserTorrent, UserTorrentDelta, UserTorrentHash> pending;
    std::unordered_map<PeerKey, std::optional<PeerBaseline>, PeerKeyHash> changed;
    {
      // Deltas and baselines of a shard are taken together, so the batch never holds a delta
      // without the baseline it was measured to (or the reverse).
      std::lock_guard lock(shard.mutex);
      pending.swap(shard.pending);
      changed.swap(shard.changed);
    }
    for (auto& [k, d] : pending) {
      const auto [it, added] = index.emplace(k, fresh.deltas.size());
      if (added)
        fresh.deltas.push_back(d);
      else
        add_delta(fresh.deltas[it->second], d);
    }
    for (auto& [k, b] : changed) fresh.baselines.emplace_back(k, b);
  }
  batch.merge(std::move(fresh));
  return batch;
}

void Accounting::restore_batch(AccountingBatch&& batch) {
  std::lock_guard lock(m_retry_mutex);
  batch.merge(std::move(m_retry));
  m_retry = std::move(batch);
}

void Accounting::restore(const std::vector<std::pair<PeerKey, PeerBaseline>>& baselines) {
  for (const auto& [key, base] : baselines) {
    Shard& shard = shard_for(key);
    std::lock_guard lock(shard.mutex);
    shard.peers[key] = base;
  }
}

std::size_t Accounting::sweep(std::uint32_t now) {
  const std::uint32_t timeout = m_options.baseline_timeout_seconds;
  if (now < timeout) return 0;
  const std::uint32_t cutoff = now - timeout;
  std::size_t removed = 0;
  for (std::size_t s = 0; s <= m_shard_mask; ++s) {
    Shard& shard = m_shards[s];
    std::lock_guard lock(shard.mutex);
    for (auto it = shard.peers.begin(); it != shard.peers.end();) {
      if (it->second.last_announce < cutoff) {
        shard.changed[it->first] = std::nullopt;
        it = shard.peers.erase(it);
        ++removed;
      } else {
        ++it;
      }
    }
  }
  return removed;
}

std::size_t Accounting::peer_count() const {
  std::size_t n = 0;
  for (std::size_t s = 0; s <= m_shard_mask; ++s) {
    std::lock_guard lock(m_shards[s].mutex);
    n += m_shards[s].peers.size();
  }
  return n;
}

Accounting::Counters Accounting::counters() const noexcept {
  return Counters{m_announces.load(std::memory_order_relaxed),
                  m_resets.load(std::memory_order_relaxed),
                  m_dropped.load(std::memory_order_relaxed)};
}

}  // namespace shoal::tracker
