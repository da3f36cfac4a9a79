#include "shoal/peer/atomic_file.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <random>
#include <string>

#include "sys_error.hpp"

namespace shoal::peer {

namespace {

using detail::errno_text;
using detail::fail;

// How many random temporary names to try before giving up (a collision is already unlikely).
constexpr int kTempNameAttempts = 16;

class TempFile {
public:
  ~TempFile() {
    if (m_fd >= 0) ::close(m_fd);
    if (!m_path.empty()) ::unlink(m_path.c_str());
  }
  int fd() const { return m_fd; }
  const std::filesystem::path& path() const { return m_path; }

  int open_in(const std::filesystem::path& dir, const std::string& base) {
    std::random_device rd;
    for (int attempt = 0; attempt < kTempNameAttempts; ++attempt) {
      const std::filesystem::path p =
          dir / ("." + base + "." + std::to_string(rd()) + std::to_string(rd() % 10000) + ".tmp");
      const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd >= 0) {
        m_fd = fd;
        m_path = p;
        return 0;
      }
      if (errno != EEXIST) return errno;
    }
    return EEXIST;
  }
  int close() {
    const int r = ::close(m_fd);
    m_fd = -1;
    return r == 0 ? 0 : errno;
  }
  // After a successful rename the name belongs to the target: nothing to remove.
  void release() { m_path.clear(); }

private:
  int m_fd = -1;
  std::filesystem::path m_path;
};

}  // namespace

expected<void, ContentError> write_file_atomically(const std::filesystem::path& path,
                                                   std::string_view bytes, bool overwrite) {
  std::error_code ec;
  const std::filesystem::path target = std::filesystem::absolute(path, ec);
  if (ec) return fail(ContentErrc::write_failed, path, ec.message(), ec.value());
  if (target.filename().empty())
    return fail(ContentErrc::write_failed, path, "is a directory name, not a file name");
  const std::filesystem::path dir = target.parent_path();
  if (!overwrite && std::filesystem::exists(std::filesystem::symlink_status(target, ec)))
    return fail(ContentErrc::output_exists, path, "exists (use --force to overwrite it)", EEXIST);

  TempFile tmp;
  if (const int err = tmp.open_in(dir, target.filename().string()); err != 0)
    return fail(ContentErrc::write_failed, path,
                "cannot create a temporary file in " + dir.string() + ": " + errno_text(err), err);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(tmp.fd(), bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      return fail(ContentErrc::write_failed, path, "write failed: " + errno_text(err), err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(tmp.fd()) != 0) {
    const int err = errno;
    return fail(ContentErrc::write_failed, path, "fsync failed: " + errno_text(err), err);
  }
  if (const int err = tmp.close(); err != 0)
    return fail(ContentErrc::write_failed, path, "close failed: " + errno_text(err), err);

  int r = overwrite ? ::rename(tmp.path().c_str(), target.c_str())
                    : ::renameat2(AT_FDCWD, tmp.path().c_str(), AT_FDCWD, target.c_str(),
                                  RENAME_NOREPLACE);
  bool linked = false;
  if (r != 0 && !overwrite && (errno == EINVAL || errno == ENOSYS)) {
    // File systems without RENAME_NOREPLACE: link() also refuses to replace, and is atomic;
    // the temporary name is then removed by TempFile.
    r = ::link(tmp.path().c_str(), target.c_str());
    linked = r == 0;
  }
  if (r != 0) {
    const int err = errno;
    if (err == EEXIST)
      return fail(ContentErrc::output_exists, path, "exists (use --force to overwrite it)", err);
    return fail(ContentErrc::write_failed, path, "rename failed: " + errno_text(err), err);
  }
  if (!linked) tmp.release();
  // The rename is durable only once the directory entry is on disk.
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

}  // namespace shoal::peer
