#include "shoal/peer/file_walk.hpp"

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "sys_error.hpp"

namespace shoal::peer {

namespace {

using detail::errc_for_errno;
using detail::errno_text;
using detail::fail;

std::int64_t mtime_ns(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

const char* special_type(mode_t mode) {
  if (S_ISFIFO(mode)) return "FIFO";
  if (S_ISSOCK(mode)) return "socket";
  if (S_ISCHR(mode)) return "character device";
  if (S_ISBLK(mode)) return "block device";
  return "unknown type";
}

struct DirCloser {
  void operator()(DIR* d) const noexcept { ::closedir(d); }
};

struct DirId {
  dev_t dev;
  ino_t ino;
  friend bool operator==(const DirId&, const DirId&) = default;
};

class Walker {
public:
  Walker(const WalkOptions& options, FileSet& out) : m_options(options), m_out(out) {}

  expected<void, ContentError> walk(const std::filesystem::path& dir,
                                    std::vector<std::string>& rel, const struct stat& dir_st) {
    m_ancestors.push_back(DirId{dir_st.st_dev, dir_st.st_ino});
    auto r = walk_entries(dir, rel);
    m_ancestors.pop_back();
    return r;
  }

private:
  expected<void, ContentError> walk_entries(const std::filesystem::path& dir,
                                            std::vector<std::string>& rel) {
    std::vector<std::string> names;
    {
      std::unique_ptr<DIR, DirCloser> d(::opendir(dir.c_str()));
      if (!d) return fail(errc_for_errno(errno), dir, "cannot open directory: " + errno_text(errno), errno);
      while (true) {
        errno = 0;
        const dirent* e = ::readdir(d.get());
        if (!e) {
          if (errno != 0)
            return fail(ContentErrc::not_readable, dir,
                        "cannot read directory: " + errno_text(errno), errno);
          break;
        }
        const std::string_view n = e->d_name;
        if (n == "." || n == "..") continue;
        names.emplace_back(n);
      }
    }
    // Sorting per level gives the BEP 52 file-tree order whatever order the file system returns.
    std::sort(names.begin(), names.end());

    for (const std::string& name : names) {
      if (!m_options.include_hidden && name.front() == '.') {
        ++m_out.hidden_skipped;
        continue;
      }
      const std::filesystem::path full = dir / name;
      rel.push_back(name);
      auto r = visit(full, rel, name);
      rel.pop_back();
      if (!r) return r;
    }
    return {};
  }

  expected<void, ContentError> visit(const std::filesystem::path& full,
                                     std::vector<std::string>& rel, const std::string& name) {
    const std::string rel_path = join(rel);
    if (matches(m_options.exclude, rel_path, name)) {
      ++m_out.excluded;
      return {};
    }
    if (name.find('\\') != std::string::npos)
      return fail(ContentErrc::unsafe_name, full,
                  "the name contains '\\', which a torrent cannot carry (rename it or exclude it)");

    struct stat st{};
    if (::lstat(full.c_str(), &st) != 0)
      return fail(errc_for_errno(errno), full, errno_text(errno), errno);
    if (S_ISLNK(st.st_mode)) {
      switch (m_options.symlinks) {
        case SymlinkPolicy::skip:
          m_out.skipped.push_back({rel_path, "symbolic link"});
          return {};
        case SymlinkPolicy::refuse:
          return fail(ContentErrc::symlink, full,
                      "is a symbolic link (use --symlinks follow or --symlinks skip)");
        case SymlinkPolicy::follow:
          if (::stat(full.c_str(), &st) != 0)
            return fail(errc_for_errno(errno), full,
                        "symbolic link to a missing target (" + errno_text(errno) + ")", errno);
          break;
      }
    }
    if (S_ISDIR(st.st_mode)) {
      const DirId id{st.st_dev, st.st_ino};
      if (std::find(m_ancestors.begin(), m_ancestors.end(), id) != m_ancestors.end())
        return fail(ContentErrc::symlink_loop, full,
                    "symbolic link to one of its own parent directories (a loop)");
      return walk(full, rel, st);
    }
    if (!S_ISREG(st.st_mode)) {
      m_out.skipped.push_back({rel_path, std::string("not a regular file (") +
                                             special_type(st.st_mode) + ")"});
      return {};
    }
    if (!m_options.include.empty() && !matches(m_options.include, rel_path, name)) {
      ++m_out.excluded;
      return {};
    }
    WalkedFile f;
    f.path = rel;
    f.disk_path = full;
    f.length = static_cast<std::int64_t>(st.st_size);
    f.mtime_ns = mtime_ns(st);
    f.executable = (st.st_mode & S_IXUSR) != 0;
    m_out.files.push_back(std::move(f));
    return {};
  }

  static std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) {
      if (!out.empty()) out.push_back('/');
      out += p;
    }
    return out;
  }

  static bool matches(const std::vector<std::string>& patterns, std::string_view rel_path,
                      std::string_view name) {
    return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
      return glob_matches(p, rel_path, name);
    });
  }

  const WalkOptions& m_options;
  FileSet& m_out;
  std::vector<DirId> m_ancestors;
};

}  // namespace

std::string WalkedFile::path_string() const {
  std::string out;
  for (const auto& p : path) {
    if (!out.empty()) out.push_back('/');
    out += p;
  }
  if (out.empty()) out = disk_path.filename().string();
  return out;
}

std::int64_t FileSet::total_size() const noexcept {
  std::int64_t total = 0;
  for (const auto& f : files) total += f.length;
  return total;
}

bool glob_matches(std::string_view pattern, std::string_view relative_path,
                  std::string_view name) {
  // fnmatch needs NUL-terminated strings.
  std::string pat(pattern);
  if (pat.find('/') == std::string::npos)
    return ::fnmatch(pat.c_str(), std::string(name).c_str(), 0) == 0;
  while (!pat.empty() && pat.front() == '/') pat.erase(0, 1);
  return ::fnmatch(pat.c_str(), std::string(relative_path).c_str(), 0) == 0;
}

void sort_full_path_order(std::vector<WalkedFile>& files) {
  std::stable_sort(files.begin(), files.end(), [](const WalkedFile& a, const WalkedFile& b) {
    return a.path_string() < b.path_string();
  });
}

expected<FileSet, ContentError> walk_files(const std::filesystem::path& input,
                                           const WalkOptions& options) {
  FileSet out;
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(input, ec);
  if (ec) return fail(ContentErrc::not_found, input, ec.message());
  abs = abs.lexically_normal();
  // "dir/" normalises to "dir/" with an empty filename; the name is the directory's.
  if (abs.filename().empty() && abs.has_parent_path() && abs != abs.root_path())
    abs = abs.parent_path();
  out.input = abs;
  out.name = abs.filename().string();
  if (out.name.empty() || out.name == "." || out.name == "..")
    return fail(ContentErrc::unsafe_name, input,
                "cannot name a torrent after this path (give a file or a named directory)");
  if (out.name.find('\\') != std::string::npos)
    return fail(ContentErrc::unsafe_name, input,
                "the name contains '\\', which a torrent cannot carry");

  struct stat st{};
  if (::stat(abs.c_str(), &st) != 0) return fail(errc_for_errno(errno), input, errno_text(errno), errno);
  if (S_ISREG(st.st_mode)) {
    out.single_file = true;
    WalkedFile f;
    f.disk_path = abs;
    f.length = static_cast<std::int64_t>(st.st_size);
    f.mtime_ns = mtime_ns(st);
    f.executable = (st.st_mode & S_IXUSR) != 0;
    out.files.push_back(std::move(f));
    return out;
  }
  if (!S_ISDIR(st.st_mode))
    return fail(ContentErrc::not_a_file, input,
                std::string("is neither a file nor a directory (") + special_type(st.st_mode) +
                    ")");

  Walker walker(options, out);
  std::vector<std::string> rel;
  if (auto r = walker.walk(abs, rel, st); !r) return unexpected<ContentError>(std::move(r.error()));
  if (out.files.empty()) {
    std::string why = "no files to put in a torrent";
    if (out.hidden_skipped || out.excluded || !out.skipped.empty()) {
      why += " (left out: " + std::to_string(out.hidden_skipped) + " hidden, " +
             std::to_string(out.excluded) + " excluded by globs, " +
             std::to_string(out.skipped.size()) + " links or special files)";
    } else {
      why += " (the directory is empty)";
    }
    return fail(ContentErrc::empty, input, why);
  }
  return out;
}

}  // namespace shoal::peer
