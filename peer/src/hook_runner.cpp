#include "shoal/peer/hook_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

extern char** environ;

namespace shoal::peer {

namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  bool open() { return ::pipe2(fd, O_CLOEXEC) == 0; }
  void close_end(int i) {
    if (fd[i] >= 0) ::close(fd[i]);
    fd[i] = -1;
  }
};

/// Blocks SIGPIPE in this thread for its lifetime and discards one raised meanwhile.
class SigpipeBlock {
public:
  SigpipeBlock() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &m_old);
  }
  ~SigpipeBlock() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    const timespec zero{0, 0};
    while (sigtimedwait(&set, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
  }

private:
  sigset_t m_old;
};

}  // namespace

std::string HookRun::describe() const {
  if (!started) return "not started: " + error;
  if (timed_out) return "timed out after " + std::to_string(duration.count()) + " ms";
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  return "exit " + std::to_string(exit_code);
}

HookRun run_hook(const std::vector<std::string>& argv, std::string_view input,
                 const std::vector<std::pair<std::string, std::string>>& env, std::chrono::milliseconds timeout) {
  HookRun run;
  const auto start = Clock::now();
  if (argv.empty() || argv[0].empty()) {
    run.error = "empty command";
    return run;
  }
  SigpipeBlock block_sigpipe;

  // environment: ours, with `env` replacing or adding
  std::map<std::string, std::string> vars;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string_view::npos) vars[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  for (const auto& [k, v] : env) vars[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : vars) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (auto& s : args) argp.push_back(s.data());
  argp.push_back(nullptr);

  Pipe in, out;
  if (!in.open() || !out.open()) {
    run.error = std::string("pipe: ") + std::strerror(errno);
    return run;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.fd[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGHUP);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int rc = argv[0].find('/') == std::string::npos
                     ? posix_spawnp(&pid, argp[0], &actions, &attr, argp.data(), envp.data())
                     : posix_spawn(&pid, argp[0], &actions, &attr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    run.error = argv[0] + ": " + std::strerror(rc);
    return run;
  }
  run.started = true;
  in.close_end(0);
  out.close_end(1);
  ::fcntl(in.fd[1], F_SETFL, O_NONBLOCK);
  ::fcntl(out.fd[0], F_SETFL, O_NONBLOCK);
  if (input.empty()) in.close_end(1);

  const auto deadline = start + timeout;
  auto kill_at = Clock::time_point::max();
  bool exited = false;
  int status = 0;
  char buf[8192];
  while (!exited) {
    const auto now = Clock::now();
    if (!run.timed_out && now >= deadline) {
      run.timed_out = true;
      ::kill(-pid, SIGTERM);
      kill_at = now + kGraceAfterTerm;
      in.close_end(1);
    }
    if (run.timed_out && now >= kill_at) {
      ::kill(-pid, SIGKILL);
      kill_at = Clock::time_point::max();
    }
    pollfd fds[2];
    nfds_t n = 0;
    if (out.fd[0] >= 0) fds[n++] = {out.fd[0], POLLIN, 0};
    if (in.fd[1] >= 0) fds[n++] = {in.fd[1], POLLOUT, 0};
    ::poll(fds, n, 50);
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].fd == out.fd[0] && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        for (;;) {
          const ssize_t got = ::read(out.fd[0], buf, sizeof buf);
          if (got > 0) {
            const auto take = std::min<std::size_t>(static_cast<std::size_t>(got), kMaxHookOutput - run.output.size());
            run.output.append(buf, take);
            run.output_dropped += static_cast<std::size_t>(got) - take;
            continue;
          }
          if (got == 0) out.close_end(0);
          break;
        }
      } else if (fds[i].fd == in.fd[1] && (fds[i].revents & (POLLOUT | POLLHUP | POLLERR))) {
        const ssize_t put = ::write(in.fd[1], input.data(), input.size());
        if (put > 0) input.remove_prefix(static_cast<std::size_t>(put));
        if ((put < 0 && errno != EAGAIN && errno != EINTR) || input.empty()) in.close_end(1);
      }
    }
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) exited = true;
  }
  // Whatever the child wrote last; a grandchild holding the pipe is not waited for.
  if (out.fd[0] >= 0) {
    for (;;) {
      const ssize_t got = ::read(out.fd[0], buf, sizeof buf);
      if (got <= 0) break;
      const auto take = std::min<std::size_t>(static_cast<std::size_t>(got), kMaxHookOutput - run.output.size());
      run.output.append(buf, take);
      run.output_dropped += static_cast<std::size_t>(got) - take;
    }
  }
  if (run.timed_out) ::kill(-pid, SIGKILL);  // stragglers of the group
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) run.signal = WTERMSIG(status);
  run.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return run;
}

}  // namespace shoal::peer
