#include "shoal/bench/request_window.hpp"

#include <stdexcept>

namespace shoal::bench {

RequestWindow::RequestWindow(std::size_t capacity) {
  if (capacity == 0 || capacity > kMaxCapacity)
    throw std::invalid_argument("RequestWindow: capacity must be 1..65536");
  m_slots.resize(capacity);
  m_free.reserve(capacity);
  for (std::size_t i = capacity; i-- > 0;) m_free.push_back(static_cast<std::uint32_t>(i));
}

std::uint32_t RequestWindow::add(RequestKind kind, std::int64_t sent_ns) {
  const std::uint32_t slot = m_free.back();
  m_free.pop_back();
  Slot& s = m_slots[slot];
  ++s.generation;
  s.used = true;
  s.request = {kind, sent_ns};
  ++m_size;
  return (std::uint32_t{s.generation} << 16) | slot;
}

std::optional<RequestWindow::InFlight> RequestWindow::complete(std::uint32_t tid) {
  const std::uint32_t slot = tid & 0xffffu;
  if (slot >= m_slots.size()) return std::nullopt;
  Slot& s = m_slots[slot];
  if (!s.used || s.generation != (tid >> 16)) return std::nullopt;
  s.used = false;
  m_free.push_back(slot);
  --m_size;
  return s.request;
}

std::size_t RequestWindow::expire(std::int64_t now_ns, std::int64_t timeout_ns) {
  std::size_t n = 0;
  for (std::uint32_t i = 0; i < m_slots.size(); ++i) {
    Slot& s = m_slots[i];
    if (s.used && s.request.sent_ns <= now_ns - timeout_ns) {
      s.used = false;
      m_free.push_back(i);
      --m_size;
      ++n;
    }
  }
  return n;
}

}  // namespace shoal::bench
