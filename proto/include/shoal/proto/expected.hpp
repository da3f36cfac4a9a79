#pragma once
// shoal::expected / shoal::unexpected — the result type of every parser and I/O call.
//
// With a standard library that has <expected> (g++ 12 in C++23 mode, the normal build) these are
// exactly std::expected and std::unexpected. clang 14, which builds the libFuzzer targets, cannot
// compile libstdc++'s <expected>, so for that compiler only a small stand-in with the subset of the
// interface Shoal uses is provided: has_value, operator bool, value, error, operator*, operator->,
// value_or. Code must stay within that subset (no monadic and_then/transform).
//
//   shoal::expected<int, shoal::Error> r = parse(...);
//   if (!r) log(r.error().message());
//   use(*r);

#if __has_include(<expected>)
#include <expected>
#endif

#if defined(__cpp_lib_expected) && __cpp_lib_expected >= 202202L

namespace shoal {
template <class T, class E>
using expected = std::expected<T, E>;
template <class E>
using unexpected = std::unexpected<E>;
}  // namespace shoal

#else

#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

namespace shoal {

template <class E>
class unexpected {
public:
  explicit unexpected(E e) : m_error(std::move(e)) {}
  const E& error() const& { return m_error; }
  E& error() & { return m_error; }
  E&& error() && { return std::move(m_error); }

private:
  E m_error;
};
template <class E>
unexpected(E) -> unexpected<E>;

struct bad_expected_access : std::logic_error {
  bad_expected_access() : std::logic_error("bad expected access") {}
};

template <class T, class E>
class expected {
  struct Value { T v; };
  struct Error { E e; };

public:
  using value_type = T;
  using error_type = E;

  expected() requires std::is_default_constructible_v<T> : m_state(Value{T{}}) {}
  template <class U = T>
    requires std::is_constructible_v<T, U&&> &&
             (!std::is_same_v<std::remove_cvref_t<U>, expected>) &&
             (!std::is_same_v<std::remove_cvref_t<U>, unexpected<E>>)
  expected(U&& v) : m_state(Value{T(std::forward<U>(v))}) {}
  template <class G>
  expected(const unexpected<G>& u) : m_state(Error{E(u.error())}) {}
  template <class G>
  expected(unexpected<G>&& u) : m_state(Error{E(std::move(u).error())}) {}

  bool has_value() const noexcept { return m_state.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { check(); return std::get<0>(m_state).v; }
  const T& value() const& { check(); return std::get<0>(m_state).v; }
  T&& value() && { check(); return std::move(std::get<0>(m_state).v); }
  T& operator*() & { return std::get<0>(m_state).v; }
  const T& operator*() const& { return std::get<0>(m_state).v; }
  T&& operator*() && { return std::move(std::get<0>(m_state).v); }
  T* operator->() { return &std::get<0>(m_state).v; }
  const T* operator->() const { return &std::get<0>(m_state).v; }
  E& error() & { return std::get<1>(m_state).e; }
  const E& error() const& { return std::get<1>(m_state).e; }
  E&& error() && { return std::move(std::get<1>(m_state).e); }
  template <class U>
  T value_or(U&& d) const& { return has_value() ? **this : T(std::forward<U>(d)); }

private:
  void check() const { if (!has_value()) throw bad_expected_access(); }
  std::variant<Value, Error> m_state;
};

template <class E>
class expected<void, E> {
public:
  expected() = default;
  template <class G>
  expected(const unexpected<G>& u) : m_error(E(u.error())), m_ok(false) {}
  template <class G>
  expected(unexpected<G>&& u) : m_error(E(std::move(u).error())), m_ok(false) {}
  bool has_value() const noexcept { return m_ok; }
  explicit operator bool() const noexcept { return m_ok; }
  void value() const { if (!m_ok) throw bad_expected_access(); }
  const E& error() const& { return m_error; }
  E& error() & { return m_error; }

private:
  E m_error{};
  bool m_ok = true;
};

}  // namespace shoal

#endif
