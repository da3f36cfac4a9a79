// Test support: run a real program as a child process and talk to it as a user would.
//
//   auto dir = shoal::test::TempDir();
//   auto tracker = shoal::test::ChildProcess::spawn(SHOAL_TRACKER_BIN,
//                                                   {"--data-dir", dir.path().string(), "--http", "127.0.0.1:0"});
//   auto line = tracker.wait_for_output_line("announce URL:", std::chrono::seconds(20));
//   ...
//   tracker.signal(SIGTERM);
//   EXPECT_EQ(tracker.wait_exit(std::chrono::seconds(20)), 0);
//
// The child's stdout and stderr are always read through pipes by a background thread and kept in
// memory (and copied to files when asked), so a test can wait for a line and show the child's
// output when it fails. stdin is /dev/null unless SpawnOptions::stdin_pipe is set. The child runs
// in its own process group. The destructor kills the group with SIGKILL and reaps the child, so no
// child outlives a failing test; with kill_on_parent_death the kernel also kills it if the test
// process dies (PR_SET_PDEATHSIG: tied to the *thread* that spawned, so spawn from a thread that
// outlives the child — the test's own thread).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace shoal::test {

enum class OutputStream { out, err };

struct SpawnOptions {
  std::map<std::string, std::string> env_set;  // added to (or replacing in) the environment
  std::vector<std::string> env_unset;          // removed from the environment
  bool clear_env = false;                      // start from an empty environment, then env_set
  std::filesystem::path cwd;                   // empty: the test's own working directory
  std::filesystem::path stdout_copy;           // non-empty: stdout is also written to this file
  std::filesystem::path stderr_copy;           // non-empty: stderr is also written to this file
  bool stdin_pipe = false;                     // true: write_stdin()/close_stdin(); false: /dev/null
  bool kill_on_parent_death = true;            // PR_SET_PDEATHSIG(SIGKILL)
};

class ChildProcess {
 public:
  using Duration = std::chrono::milliseconds;

  // Starts `program` (a path; no PATH search unless it has no '/') with argv[1..] = args.
  // Throws std::system_error when the program cannot be started (including exec failure).
  static ChildProcess spawn(const std::filesystem::path& program, const std::vector<std::string>& args = {},
                            const SpawnOptions& options = {});

  ChildProcess(ChildProcess&&) noexcept;
  ChildProcess& operator=(ChildProcess&&) noexcept;  // kills and reaps the process it replaces
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // SIGKILL to the process group (if still running), reap, stop the reader

  pid_t pid() const;

  // Waits until the stream has a complete line starting with `prefix` that no earlier call has
  // returned, and returns it (without the newline). Each returned line is consumed: calling again
  // with the same prefix returns the next such line. nullopt on timeout, or as soon as the stream
  // is closed (the child exited) with no such line.
  std::optional<std::string> wait_for_output_line(std::string_view prefix, Duration timeout,
                                                   OutputStream stream = OutputStream::out);

  // Sends a signal to the child (not its group). False if the child has already been reaped or
  // kill(2) failed.
  bool signal(int signo);

  // Waits for the child to exit: its exit code, or -N if signal N ended it; nullopt on timeout
  // (the child keeps running). Once reaped, returns the same status again at once. After the
  // exit it also waits (up to 2 s) for the output pipes to close, so output() then holds
  // everything the child wrote unless a grandchild keeps the pipes open.
  std::optional<int> wait_exit(Duration timeout);

  // SIGKILL to the process group, then reap: the status (normally -SIGKILL).
  int kill_and_wait();

  // True while the child has not exited (reaps it if it just did).
  bool running();

  // Everything the child wrote so far on a stream (pipes are drained until EOF after exit;
  // wait_exit() waits for that briefly, wait_output_closed() as long as asked).
  std::string output(OutputStream stream = OutputStream::out) const;
  std::vector<std::string> output_lines(OutputStream stream = OutputStream::out) const;
  bool wait_output_closed(Duration timeout);

  // stdin (only with SpawnOptions::stdin_pipe).
  bool write_stdin(std::string_view data);
  void close_stdin();

  // "pid N, exit status S, stdout: ..., stderr: ..." for failure messages.
  std::string describe() const;

 private:
  struct State;
  explicit ChildProcess(std::unique_ptr<State> state);
  void destroy() noexcept;
  std::unique_ptr<State> m_state;
};

// A fresh directory from mkdtemp under $TMPDIR (or /tmp); removed with its contents by the
// destructor. Set SHOAL_KEEP_TEMP=1 in the environment to keep it for a post-mortem.
class TempDir {
 public:
  explicit TempDir(std::string_view name_prefix = "shoal-test-");
  TempDir(TempDir&&) noexcept;
  TempDir& operator=(TempDir&&) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path operator/(const std::filesystem::path& relative) const { return m_path / relative; }
  // Writes `content` to path()/relative (creating parent directories) and returns the full path.
  std::filesystem::path write_file(const std::filesystem::path& relative, std::string_view content) const;

 private:
  void remove() noexcept;
  std::filesystem::path m_path;
};

}  // namespace shoal::test
