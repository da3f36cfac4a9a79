#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <system_error>
#include <thread>

extern char** environ;

namespace shoal::test {

namespace {

[[noreturn]] void throw_errno(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

void close_fd(int& fd) noexcept {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

// A pipe whose two ends are close-on-exec in this process (dup2 in the child clears the flag on
// the copies it makes), so that children spawned concurrently do not inherit each other's pipes.
std::array<int, 2> make_pipe() {
  std::array<int, 2> fds{-1, -1};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) throw_errno(errno, "pipe2");
  return fds;
}

std::filesystem::path resolve_program(const std::filesystem::path& program) {
  const std::string name = program.string();
  if (name.find('/') != std::string::npos) return program;
  const char* path_env = std::getenv("PATH");
  std::string_view path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    auto colon = path.find(':');
    std::string dir(path.substr(0, colon));
    if (dir.empty()) dir = ".";
    auto candidate = std::filesystem::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) break;
    path.remove_prefix(colon + 1);
  }
  throw_errno(ENOENT, "cannot find '" + name + "' in PATH");
}

std::vector<std::string> build_environment(const SpawnOptions& options) {
  std::map<std::string, std::string> env;
  if (!options.clear_env) {
    for (char** e = environ; e && *e; ++e) {
      std::string_view kv(*e);
      auto eq = kv.find('=');
      if (eq == std::string_view::npos) continue;
      env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
  }
  for (const auto& key : options.env_unset) env.erase(key);
  for (const auto& [key, value] : options.env_set) env[key] = value;
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [key, value] : env) out.push_back(key + "=" + value);
  return out;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1000;  // not reached for waitpid without WUNTRACED
}

std::string tail(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  return "[...]" + s.substr(s.size() - n);
}

}  // namespace

struct ChildProcess::State {
  struct Stream {
    int fd = -1;
    int copy_fd = -1;
    std::string data;
    std::string partial;
    std::vector<std::string> lines;
    std::vector<bool> consumed;
    bool closed = false;
  };

  pid_t pid = -1;
  std::string program;
  int stdin_fd = -1;
  std::array<int, 2> wake{-1, -1};

  mutable std::mutex mu;  // guards streams
  std::condition_variable cv;
  std::array<Stream, 2> streams;

  std::mutex reap_mu;  // guards status and waitpid
  std::optional<int> status;

  std::thread reader;

  Stream& stream(OutputStream s) { return streams[s == OutputStream::out ? 0 : 1]; }
  const Stream& stream(OutputStream s) const { return streams[s == OutputStream::out ? 0 : 1]; }

  // Background thread: drains both pipes until EOF on both, or until woken for destruction.
  void read_loop() {
    std::array<char, 65536> buf{};
    while (true) {
      std::array<pollfd, 3> pfds{};
      nfds_t n = 0;
      std::array<int, 3> which{};
      for (int i = 0; i < 2; ++i) {
        if (streams[static_cast<std::size_t>(i)].fd >= 0) {
          pfds[n] = pollfd{streams[static_cast<std::size_t>(i)].fd, POLLIN, 0};
          which[n++] = i;
        }
      }
      if (n == 0) return;
      pfds[n] = pollfd{wake[0], POLLIN, 0};
      which[n++] = 2;
      int r = ::poll(pfds.data(), n, -1);
      if (r < 0) {
        if (errno == EINTR) continue;
        return;
      }
      for (nfds_t i = 0; i < n; ++i) {
        if (pfds[i].revents == 0) continue;
        if (which[i] == 2) return;  // destruction
        auto& s = streams[static_cast<std::size_t>(which[i])];
        ssize_t got = ::read(s.fd, buf.data(), buf.size());
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        std::lock_guard lock(mu);
        if (got <= 0) {
          if (!s.partial.empty()) {
            s.lines.push_back(std::move(s.partial));
            s.consumed.push_back(false);
            s.partial.clear();
          }
          ::close(s.fd);
          s.fd = -1;
          s.closed = true;
        } else {
          std::string_view chunk(buf.data(), static_cast<std::size_t>(got));
          if (s.copy_fd >= 0) {
            std::size_t off = 0;
            while (off < chunk.size()) {
              ssize_t w = ::write(s.copy_fd, chunk.data() + off, chunk.size() - off);
              if (w <= 0) break;
              off += static_cast<std::size_t>(w);
            }
          }
          s.data.append(chunk);
          while (!chunk.empty()) {
            auto nl = chunk.find('\n');
            if (nl == std::string_view::npos) {
              s.partial.append(chunk);
              break;
            }
            s.partial.append(chunk.substr(0, nl));
            if (!s.partial.empty() && s.partial.back() == '\r') s.partial.pop_back();
            s.lines.push_back(std::move(s.partial));
            s.consumed.push_back(false);
            s.partial.clear();
            chunk.remove_prefix(nl + 1);
          }
        }
        cv.notify_all();
      }
    }
  }

  // Non-blocking reap; true if the child has been reaped (now or before).
  bool try_reap() {
    std::lock_guard lock(reap_mu);
    if (status) return true;
    int st = 0;
    pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid) {
      status = decode_status(st);
      return true;
    }
    if (r < 0 && errno == ECHILD) {  // someone else reaped it: treat as gone
      status = -1000;
      return true;
    }
    return false;
  }
};

ChildProcess::ChildProcess(std::unique_ptr<State> state) : m_state(std::move(state)) {}
ChildProcess::ChildProcess(ChildProcess&&) noexcept = default;
ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    destroy();
    m_state = std::move(other.m_state);
  }
  return *this;
}
ChildProcess::~ChildProcess() { destroy(); }

ChildProcess ChildProcess::spawn(const std::filesystem::path& program, const std::vector<std::string>& args,
                                 const SpawnOptions& options) {
  auto state = std::make_unique<State>();
  const auto resolved = resolve_program(program);
  state->program = resolved.string();

  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<std::string> argv_s;
  argv_s.push_back(resolved.string());
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto env_s = build_environment(options);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string cwd = options.cwd.string();

  auto out = make_pipe();
  auto err = make_pipe();
  auto exec_err = make_pipe();
  std::array<int, 2> in{-1, -1};
  if (options.stdin_pipe) {
    in = make_pipe();
  } else {
    in[0] = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in[0] < 0) throw_errno(errno, "open /dev/null");
  }
  state->wake = make_pipe();
  auto open_copy = [](const std::filesystem::path& p) {
    if (p.empty()) return -1;
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw_errno(errno, "open " + p.string());
    return fd;
  };
  state->streams[0].copy_fd = open_copy(options.stdout_copy);
  state->streams[1].copy_fd = open_copy(options.stderr_copy);

  const pid_t parent = ::getpid();
  const bool pdeath = options.kill_on_parent_death;
  pid_t pid = ::fork();
  if (pid < 0) throw_errno(errno, "fork");
  if (pid == 0) {
    auto fail = [&](int e) {
      ssize_t ignored = ::write(exec_err[1], &e, sizeof e);
      (void)ignored;
      ::_exit(127);
    };
    ::setpgid(0, 0);
    if (pdeath) {
      if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(errno);
      if (::getppid() != parent) ::_exit(127);
    }
    // Signal dispositions that are "ignore" and the signal mask survive exec: give the program a
    // clean slate.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; ++s) ::sigaction(s, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (::dup2(in[0], 0) < 0 || ::dup2(out[1], 1) < 0 || ::dup2(err[1], 2) < 0) fail(errno);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) fail(errno);
    ::execve(argv[0], argv.data(), envp.data());
    fail(errno);
  }

  state->pid = pid;
  ::close(out[1]);
  ::close(err[1]);
  ::close(exec_err[1]);
  ::close(in[0]);
  state->stdin_fd = in[1];
  state->streams[0].fd = out[0];
  state->streams[1].fd = err[0];

  // The exec-error pipe closes on a successful exec (CLOEXEC) or carries errno.
  int child_errno = 0;
  ssize_t got;
  do {
    got = ::read(exec_err[0], &child_errno, sizeof child_errno);
  } while (got < 0 && errno == EINTR);
  ::close(exec_err[0]);
  ChildProcess child(std::move(state));
  child.m_state->reader = std::thread([s = child.m_state.get()] { s->read_loop(); });
  if (got > 0) {
    child.wait_exit(std::chrono::seconds(10));
    throw_errno(child_errno, "cannot start " + resolved.string());
  }
  return child;
}

void ChildProcess::destroy() noexcept {
  if (!m_state) return;
  auto& s = *m_state;
  {
    std::lock_guard lock(s.reap_mu);
    if (!s.status && s.pid > 0) {
      ::kill(-s.pid, SIGKILL);
      ::kill(s.pid, SIGKILL);
      int st = 0;
      pid_t r;
      do {
        r = ::waitpid(s.pid, &st, 0);
      } while (r < 0 && errno == EINTR);
      s.status = r == s.pid ? decode_status(st) : -1000;
    }
  }
  if (s.reader.joinable()) {
    char c = 'x';
    ssize_t ignored = ::write(s.wake[1], &c, 1);
    (void)ignored;
    s.reader.join();
  }
  for (auto& st : s.streams) {
    close_fd(st.fd);
    close_fd(st.copy_fd);
  }
  close_fd(s.stdin_fd);
  close_fd(s.wake[0]);
  close_fd(s.wake[1]);
  m_state.reset();
}

pid_t ChildProcess::pid() const { return m_state ? m_state->pid : -1; }

std::optional<std::string> ChildProcess::wait_for_output_line(std::string_view prefix, Duration timeout,
                                                              OutputStream stream) {
  auto& s = *m_state;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(s.mu);
  auto& st = s.stream(stream);
  while (true) {
    for (std::size_t i = 0; i < st.lines.size(); ++i) {
      if (!st.consumed[i] && st.lines[i].starts_with(prefix)) {
        st.consumed[i] = true;
        return st.lines[i];
      }
    }
    if (st.closed) return std::nullopt;
    if (s.cv.wait_until(lock, deadline) == std::cv_status::timeout) {
      // One more look: the line may have come with the last notification.
      for (std::size_t i = 0; i < st.lines.size(); ++i) {
        if (!st.consumed[i] && st.lines[i].starts_with(prefix)) {
          st.consumed[i] = true;
          return st.lines[i];
        }
      }
      return std::nullopt;
    }
  }
}

bool ChildProcess::signal(int signo) {
  if (!m_state) return false;
  std::lock_guard lock(m_state->reap_mu);
  if (m_state->status) return false;  // reaped: the pid may belong to someone else now
  return ::kill(m_state->pid, signo) == 0;
}

std::optional<int> ChildProcess::wait_exit(Duration timeout) {
  auto& s = *m_state;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto step = std::chrono::milliseconds(1);
  while (true) {
    if (s.try_reap()) {
      // Exited is not drained: give the reader what is still in the pipes (bounded, as a
      // grandchild may hold them open).
      wait_output_closed(std::chrono::seconds(2));
      std::lock_guard lock(s.reap_mu);
      return s.status;
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(step, deadline - now));
    step = std::min(step * 2, std::chrono::milliseconds(25));
  }
}

int ChildProcess::kill_and_wait() {
  auto& s = *m_state;
  std::lock_guard lock(s.reap_mu);
  if (!s.status) {
    ::kill(-s.pid, SIGKILL);
    ::kill(s.pid, SIGKILL);
    int st = 0;
    pid_t r;
    do {
      r = ::waitpid(s.pid, &st, 0);
    } while (r < 0 && errno == EINTR);
    s.status = r == s.pid ? decode_status(st) : -1000;
  }
  return *s.status;
}

bool ChildProcess::running() { return m_state && !m_state->try_reap(); }

std::string ChildProcess::output(OutputStream stream) const {
  std::lock_guard lock(m_state->mu);
  return m_state->stream(stream).data;
}

std::vector<std::string> ChildProcess::output_lines(OutputStream stream) const {
  std::lock_guard lock(m_state->mu);
  auto lines = m_state->stream(stream).lines;
  if (!m_state->stream(stream).partial.empty()) lines.push_back(m_state->stream(stream).partial);
  return lines;
}

bool ChildProcess::wait_output_closed(Duration timeout) {
  auto& s = *m_state;
  std::unique_lock lock(s.mu);
  return s.cv.wait_for(lock, timeout, [&] { return s.streams[0].closed && s.streams[1].closed; });
}

bool ChildProcess::write_stdin(std::string_view data) {
  auto& s = *m_state;
  if (s.stdin_fd < 0) return false;
  while (!data.empty()) {
    ssize_t w = ::write(s.stdin_fd, data.data(), data.size());
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(w));
  }
  return true;
}

void ChildProcess::close_stdin() { close_fd(m_state->stdin_fd); }

std::string ChildProcess::describe() const {
  if (!m_state) return "(no process)";
  std::string status;
  {
    std::lock_guard lock(m_state->reap_mu);
    status = m_state->status ? std::to_string(*m_state->status) : "running";
  }
  return m_state->program + " (pid " + std::to_string(m_state->pid) + ", status " + status +
         ")\n--- stdout ---\n" + tail(output(OutputStream::out), 4000) + "\n--- stderr ---\n" +
         tail(output(OutputStream::err), 8000) + "\n---";
}

// --- TempDir ---

TempDir::TempDir(std::string_view name_prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::filesystem::path base = tmp && *tmp ? tmp : "/tmp";
  std::string templ = (base / (std::string(name_prefix) + "XXXXXX")).string();
  if (::mkdtemp(templ.data()) == nullptr) throw_errno(errno, "mkdtemp " + templ);
  m_path = templ;
}

TempDir::TempDir(TempDir&& other) noexcept : m_path(std::move(other.m_path)) { other.m_path.clear(); }

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    remove();
    m_path = std::move(other.m_path);
    other.m_path.clear();
  }
  return *this;
}

TempDir::~TempDir() { remove(); }

void TempDir::remove() noexcept {
  if (m_path.empty()) return;
  const char* keep = std::getenv("SHOAL_KEEP_TEMP");
  if (!(keep && *keep && std::string_view(keep) != "0")) {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  m_path.clear();
}

std::filesystem::path TempDir::write_file(const std::filesystem::path& relative, std::string_view content) const {
  auto full = m_path / relative;
  std::filesystem::create_directories(full.parent_path());
  std::ofstream f(full, std::ios::binary | std::ios::trunc);
  if (!f) throw_errno(errno, "cannot create " + full.string());
  f.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!f) throw_errno(errno, "cannot write " + full.string());
  return full;
}

}  // namespace shoal::test
