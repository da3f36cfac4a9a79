#pragma once
// RequestWindow: the requests one UDP socket has in flight, keyed by BEP 15 transaction id. A
// socket may have at most `capacity` requests outstanding (the generator's window); a reply is
// matched by its transaction id, a reply nobody waits for (late, duplicated, forged) is refused,
// and requests older than the timeout are expired and counted as timeouts.
//
// Transaction ids are (generation << 16) | slot: unique among the requests in flight, and a reply
// to an expired request does not match the slot's next occupant (its generation differs).
//
//   RequestWindow w(64);
//   if (!w.full()) { auto tid = w.add(RequestKind::announce, now_ns); send(..., tid); }
//   if (auto r = w.complete(reply_tid)) latency.record(now_ns - r->sent_ns);
//   timeouts += w.expire(now_ns, 1'000'000'000);
//
// Not thread-safe (one per socket, on its generator thread).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "shoal/bench/workload.hpp"

namespace shoal::bench {

class RequestWindow {
public:
  static constexpr std::size_t kMaxCapacity = 65536;

  struct InFlight {
    RequestKind kind = RequestKind::announce;
    std::int64_t sent_ns = 0;
  };

  /// capacity: 1..kMaxCapacity.
  explicit RequestWindow(std::size_t capacity);

  std::size_t size() const noexcept { return m_size; }
  std::size_t capacity() const noexcept { return m_slots.size(); }
  bool full() const noexcept { return m_size == m_slots.size(); }

  /// Records a request about to be sent; returns its transaction id. Precondition: !full().
  std::uint32_t add(RequestKind kind, std::int64_t sent_ns);
  /// The request waiting for transaction id `tid`, removed from the window; nullopt if none.
  std::optional<InFlight> complete(std::uint32_t tid);
  /// Removes requests sent at or before now_ns - timeout_ns; returns how many.
  std::size_t expire(std::int64_t now_ns, std::int64_t timeout_ns);

private:
  struct Slot {
    InFlight request;
    std::uint16_t generation = 0;
    bool used = false;
  };
  std::vector<Slot> m_slots;
  std::vector<std::uint32_t> m_free;
  std::size_t m_size = 0;
};

}  // namespace shoal::bench
