#pragma once
// run_hook(): runs one hook command to completion or timeout — the I/O part of lifecycle hooks.
//
//   HookRun r = run_hook({"/usr/local/bin/notify", "--done"}, event_json_text,
//                        {{"SHOAL_EVENT", "completed"}}, std::chrono::seconds(30));
//   if (r.timed_out) ...; else if (r.exit_code != 0) ...; r.output holds stdout+stderr
//
// Contract
// - `argv` is executed directly (PATH is searched when argv[0] has no '/'): no shell, unless
//   the user's command is ["/bin/sh", "-c", "..."]. The environment is the caller's plus `env`
//   (same names replaced). `input` is written to the child's stdin, which is then closed; a
//   child that does not read it cannot block the runner (non-blocking writes; EPIPE ignored).
// - The child runs in its own process group. At the deadline the whole group gets SIGTERM and,
//   kGraceAfterTerm later, SIGKILL; run_hook() returns once the child is reaped (a grandchild
//   that keeps the output pipes open is not waited for after that).
// - stdout and stderr are captured together, at most kMaxHookOutput bytes (the rest is counted
//   and dropped).
// - Blocks the calling thread for up to timeout + kGraceAfterTerm (the dispatcher's workers call
//   it); SIGPIPE is blocked in the calling thread while it runs and the child starts with
//   default signal dispositions and an empty mask. Never throws.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shoal::peer {

inline constexpr std::size_t kMaxHookOutput = 64 * 1024;
inline constexpr std::chrono::milliseconds kGraceAfterTerm{2000};

struct HookRun {
  bool started = false;   ///< false: the command could not be started (`error` says why)
  int exit_code = -1;     ///< when it exited normally
  int signal = 0;         ///< when a signal ended it
  bool timed_out = false;
  std::string output;     ///< stdout and stderr, interleaved, bounded
  std::size_t output_dropped = 0;
  std::chrono::milliseconds duration{0};
  std::string error;

  bool ok() const noexcept { return started && !timed_out && signal == 0 && exit_code == 0; }
  /// "exit 0", "exit 3", "killed by signal 9", "timed out after 500 ms", "not started: ..."
  std::string describe() const;
};

HookRun run_hook(const std::vector<std::string>& argv, std::string_view input,
                 const std::vector<std::pair<std::string, std::string>>& env,
                 std::chrono::milliseconds timeout);

}  // namespace shoal::peer
