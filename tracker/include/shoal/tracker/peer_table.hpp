#pragma once
// PeerTable<Record>: the compact per-swarm peer set of the tracker — an open-addressing hash table
// (linear probing, backward-shift deletion, no tombstones) of fixed-size records keyed by
// (address, port).
//
// Memory is the point: a record is 12 bytes for IPv4 and 24 for IPv6, the table keeps its load
// between 3/16 and 3/4, and an empty table owns no heap memory. A slot is free when its port is 0
// (the tracker never stores a peer with port 0).
//
// Record must provide: `port` (uint16_t, 0 = empty slot), `same_key(const Record&)`, and
// `key_hash(std::uint64_t seed)` — a hash of (address, port) mixed with a per-store secret so that
// an attacker cannot choose addresses that collide on purpose.
//
//   PeerTable<PeerV4> t;
//   t.insert(PeerV4{...});
//   if (auto* p = t.find(key)) p->last_seen = now;
//   t.erase_if([&](const PeerV4& p) { return p.last_seen < cutoff; });
//
// Not thread-safe: the swarm store guards each table with its shard's lock.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace shoal::tracker {

/// Finalizer of MurmurHash3 (public domain): a cheap bijective 64-bit mixer.
inline std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

template <class Record>
class PeerTable {
public:
  static constexpr std::uint32_t kMinCapacity = 4;

  PeerTable() = default;
  PeerTable(PeerTable&&) noexcept = default;
  PeerTable& operator=(PeerTable&&) noexcept = default;

  std::uint32_t size() const noexcept { return m_size; }
  bool empty() const noexcept { return m_size == 0; }
  std::uint32_t capacity() const noexcept { return m_slots ? (1u << m_log2_capacity) : 0; }
  /// Heap bytes owned by this table.
  std::size_t memory_bytes() const noexcept { return capacity() * sizeof(Record); }

  /// The stored record with the same (address, port) as `key`, or nullptr.
  Record* find(const Record& key, std::uint64_t seed) noexcept {
    if (!m_slots) return nullptr;
    const std::uint32_t mask = capacity() - 1;
    for (std::uint32_t i = home(key, seed); ; i = (i + 1) & mask) {
      Record& slot = m_slots[i];
      if (slot.port == 0) return nullptr;
      if (slot.same_key(key)) return &slot;
    }
  }

  /// Inserts `record`, which must not be present (check with find first). Returns the stored
  /// record (valid until the next insert or erase).
  Record* insert(const Record& record, std::uint64_t seed) {
    if (!m_slots || (m_size + 1) * 4 > capacity() * 3)
      rehash(m_slots ? m_log2_capacity + 1 : log2(kMinCapacity), seed);
    ++m_size;
    return place(record, seed);
  }

  /// Removes the record with `key`'s (address, port). Returns true if one was removed.
  bool erase(const Record& key, std::uint64_t seed) {
    Record* r = find(key, seed);
    if (!r) return false;
    erase_slot(static_cast<std::uint32_t>(r - m_slots.get()), seed);
    maybe_shrink(seed);
    return true;
  }

  /// Removes every record for which `pred(record)` is true; returns how many.
  template <class Pred>
  std::uint32_t erase_if(Pred pred, std::uint64_t seed) {
    if (!m_slots) return 0;
    std::uint32_t removed = 0;
    // Backward-shift deletion only moves records to earlier slots of their cluster, i.e. to the
    // slot just emptied or later in scan order (or, across the wrap-around, into slots already
    // judged), so re-examining slot i after an erase visits every record exactly as needed.
    for (std::uint32_t i = 0; i < capacity() && m_size > 0;) {
      Record& slot = m_slots[i];
      if (slot.port != 0 && pred(slot)) {
        erase_slot(i, seed);
        ++removed;
        continue;
      }
      ++i;
    }
    maybe_shrink(seed);
    return removed;
  }

  /// Calls `fn(const Record&)` for every record in slot order.
  template <class Fn>
  void for_each(Fn fn) const {
    for (std::uint32_t i = 0; i < capacity(); ++i)
      if (m_slots[i].port != 0) fn(m_slots[i]);
  }

  /// Visits records starting at slot `start % capacity` and wrapping around, calling
  /// `fn(const Record&)` until it returns false or every record was visited. Starting from a
  /// random slot gives a cheap random sample: slots are ordered by a keyed hash.
  template <class Fn>
  void visit_from(std::uint64_t start, Fn fn) const {
    if (!m_slots) return;
    const std::uint32_t first = static_cast<std::uint32_t>(start) & (capacity() - 1);
    if (visit_range(first, capacity(), fn)) visit_range(0, first, fn);
  }

private:
  // Visits the records of slots [begin, end) in order; false once fn returned false. Occupancy
  // is random, so a branch per slot mispredicts about every other slot (the first item of a UDP
  // announce load's profile, in peer selection): instead, gather 32 slots' occupancy into a mask
  // without branching and walk its set bits.
  template <class Fn>
  bool visit_range(std::uint32_t begin, std::uint32_t end, Fn& fn) const {
    for (std::uint32_t base = begin; base < end; base += 32) {
      const std::uint32_t n = end - base < 32 ? end - base : 32;
      std::uint32_t occupied = 0;
      for (std::uint32_t j = 0; j < n; ++j)
        occupied |= static_cast<std::uint32_t>(m_slots[base + j].port != 0) << j;
      while (occupied != 0) {
        const auto j = static_cast<std::uint32_t>(std::countr_zero(occupied));
        occupied &= occupied - 1;
        if (!fn(m_slots[base + j])) return false;
      }
    }
    return true;
  }

  static std::uint8_t log2(std::uint32_t v) noexcept {
    std::uint8_t l = 0;
    while ((1u << l) < v) ++l;
    return l;
  }

  std::uint32_t home(const Record& r, std::uint64_t seed) const noexcept {
    return static_cast<std::uint32_t>(r.key_hash(seed)) & (capacity() - 1);
  }

  Record* place(const Record& record, std::uint64_t seed) noexcept {
    const std::uint32_t mask = capacity() - 1;
    std::uint32_t i = home(record, seed);
    while (m_slots[i].port != 0) i = (i + 1) & mask;
    m_slots[i] = record;
    return &m_slots[i];
  }

  void erase_slot(std::uint32_t i, std::uint64_t seed) noexcept {
    const std::uint32_t mask = capacity() - 1;
    // Backward-shift: pull later records of the cluster into the hole when their home slot
    // allows it, so lookups never need tombstones.
    std::uint32_t hole = i;
    for (std::uint32_t j = (i + 1) & mask; m_slots[j].port != 0; j = (j + 1) & mask) {
      const std::uint32_t h = home(m_slots[j], seed);
      // Move j into hole if h is not cyclically in (hole, j].
      const bool in_range = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
      if (!in_range) {
        m_slots[hole] = m_slots[j];
        hole = j;
      }
    }
    m_slots[hole] = Record{};
    --m_size;
  }

  void maybe_shrink(std::uint64_t seed) {
    if (m_size == 0) {
      m_slots.reset();
      m_log2_capacity = 0;
      return;
    }
    // Shrink below 3/16 load to the smallest capacity at or under 3/8 load (grow happens above
    // 3/4): the gap keeps a peer that comes and goes from rehashing every time.
    if (capacity() > kMinCapacity && m_size * 16 < capacity() * 3) {
      std::uint8_t target = log2(kMinCapacity);
      while (m_size * 8 > (1u << target) * 3) ++target;
      if (target < m_log2_capacity) rehash(target, seed);
    }
  }

  void rehash(std::uint8_t log2_capacity, std::uint64_t seed) {
    std::unique_ptr<Record[]> old = std::move(m_slots);
    const std::uint32_t old_capacity = old ? (1u << m_log2_capacity) : 0;
    m_log2_capacity = log2_capacity;
    m_slots = std::make_unique<Record[]>(1u << log2_capacity);  // value-initialised: all empty
    for (std::uint32_t i = 0; i < old_capacity; ++i)
      if (old[i].port != 0) place(old[i], seed);
  }

  std::unique_ptr<Record[]> m_slots;
  std::uint32_t m_size = 0;
  std::uint8_t m_log2_capacity = 0;
};

}  // namespace shoal::tracker
