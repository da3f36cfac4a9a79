#pragma once
// A one-line progress bar for long commands (create, verify; download can reuse it), and the
// human size/rate formats the commands print.
//
//   ProgressBar bar(ProgressBar::stderr_is_terminal() && !json);   // quiet when not a terminal
//   bar.update(done_pieces, total_pieces, bytes_done, bytes_total, "pieces");
//   ...
//   bar.finish();                                                  // clears the line
//
// The bar is redrawn in place on stderr ("\r...") with the count, the rate in MiB/s and the ETA
// estimated from the average rate since the first update; it draws nothing when disabled, so
// output stays clean in pipes and logs.
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include <fmt/format.h>

namespace shoal::cli {

/// "512 B", "16.0 KiB", "1.00 GiB": three significant digits, binary units.
inline std::string format_bytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int unit = 0;
  while (bytes >= 1024.0 && unit < 5) {
    bytes /= 1024.0;
    ++unit;
  }
  if (unit == 0) return fmt::format("{:.0f} B", bytes);
  if (bytes >= 100.0) return fmt::format("{:.0f} {}", bytes, kUnits[unit]);
  if (bytes >= 10.0) return fmt::format("{:.1f} {}", bytes, kUnits[unit]);
  return fmt::format("{:.2f} {}", bytes, kUnits[unit]);
}

/// "h:mm:ss" or "m:ss".
inline std::string format_duration(double seconds) {
  if (seconds < 0) seconds = 0;
  const auto s = static_cast<long long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

class ProgressBar {
public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kWidth = 24;

  explicit ProgressBar(bool enabled) : m_enabled(enabled), m_start(Clock::now()) {}
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  ~ProgressBar() { finish(); }

  static bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

  void update(std::uint64_t done, std::uint64_t total, std::int64_t bytes_done,
              std::int64_t bytes_total, const char* unit) {
    if (!m_enabled) return;
    const double elapsed = std::chrono::duration<double>(Clock::now() - m_start).count();
    const double fraction = total ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
    const int filled = static_cast<int>(fraction * kWidth);
    const double rate = elapsed > 0 ? static_cast<double>(bytes_done) / elapsed : 0.0;
    const double eta = rate > 0 ? static_cast<double>(bytes_total - bytes_done) / rate : 0.0;
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '-');
    const std::string line =
        fmt::format("\r[{}] {:>3.0f}%  {}/{} {}  {:.1f} MiB/s  ETA {}", bar, fraction * 100.0,
                    done, total, unit, rate / (1024.0 * 1024.0),
                    rate > 0 ? format_duration(eta) : std::string("--:--"));
    std::fputs(line.c_str(), stderr);
    // Erase what a longer previous line left behind.
    if (line.size() < m_last_length)
      std::fputs(std::string(m_last_length - line.size(), ' ').c_str(), stderr);
    m_last_length = line.size();
    std::fflush(stderr);
    m_drawn = true;
  }

  void finish() {
    if (!m_drawn) return;
    std::fputs(("\r" + std::string(m_last_length, ' ') + "\r").c_str(), stderr);
    std::fflush(stderr);
    m_drawn = false;
  }

private:
  bool m_enabled;
  bool m_drawn = false;
  std::size_t m_last_length = 0;
  Clock::time_point m_start;
};

}  // namespace shoal::cli
