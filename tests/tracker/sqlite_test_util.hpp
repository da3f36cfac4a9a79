#pragma once
// Helpers shared by sqlite_test.cpp and sqlite_storage_test.cpp.

#include <gtest/gtest.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>

namespace shoal::tracker::testutil {

/// A fresh directory under the system temp directory, removed (with its contents) at destruction.
class TempDir {
public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "shoal-sqlite-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    m_path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    // A test may have made a subdirectory read-only.
    for (auto it = std::filesystem::recursive_directory_iterator(m_path, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
      std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path operator/(const std::filesystem::path& p) const { return m_path / p; }

private:
  std::filesystem::path m_path;
};

inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Bytes that are no SQLite database: no "SQLite format 3\0" header, and long enough to hold a page.
inline std::string garbage_bytes(std::size_t size = 8192) {
  std::string out(size, '\0');
  std::uint32_t x = 2463534242u;  // xorshift32: deterministic noise
  for (auto& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xff);
  }
  return out;
}

/// Runs `fn` without the power to ignore file permissions and returns what it returns. As root
/// (CI, containers), that means in a forked child switched to the `nobody` ids (65534), so a
/// read-only directory is read-only for it too; otherwise simply here. Fork only while this process
/// has no SQLite connection open: a child must not inherit one.
inline std::string run_unprivileged(const std::function<std::string()>& fn) {
  if (::geteuid() != 0) return fn();
  constexpr ::uid_t kNobody = 65534;
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  const ::pid_t child = ::fork();
  if (child < 0) return "fork failed";
  if (child == 0) {
    ::close(fds[0]);
    if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0)
      ::_exit(2);
    const std::string out = fn();
    const bool ok = ::write(fds[1], out.data(), out.size()) == static_cast<::ssize_t>(out.size());
    ::_exit(ok ? 0 : 3);
  }
  ::close(fds[1]);
  std::string out;
  char buf[512];
  for (::ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return "unprivileged child failed, status " + std::to_string(status);
  return out;
}

/// A directory `name` in `dir` that only its owner may enter and nobody may write to; `dir` is
/// opened to others so that an unprivileged child (run_unprivileged) can reach it.
inline std::filesystem::path make_read_only_dir(const std::filesystem::path& dir, const std::string& name) {
  namespace fs = std::filesystem;
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec);
  const auto ro = dir / name;
  fs::create_directory(ro);
  fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                          fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  return ro;
}

}  // namespace shoal::tracker::testutil
