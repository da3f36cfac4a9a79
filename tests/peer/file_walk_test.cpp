// Tests of shoal/peer/file_walk.hpp: order, hidden files, globs, symbolic links, special files,
// and the errors of a bad input.
#include "shoal/peer/file_walk.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "create_test_support.hpp"

namespace shoal::peer {
namespace {

using test::TempDir;
using test::write_file;

WalkOptions with_hidden() {
  WalkOptions o;
  o.include_hidden = true;
  return o;
}
WalkOptions excluding(std::vector<std::string> patterns) {
  WalkOptions o;
  o.exclude = std::move(patterns);
  return o;
}
WalkOptions including(std::vector<std::string> patterns, std::vector<std::string> ex = {}) {
  WalkOptions o;
  o.include = std::move(patterns);
  o.exclude = std::move(ex);
  return o;
}
WalkOptions links(SymlinkPolicy policy) {
  WalkOptions o;
  o.symlinks = policy;
  return o;
}

std::vector<std::string> paths(const FileSet& set) {
  std::vector<std::string> out;
  for (const auto& f : set.files) out.push_back(f.path_string());
  return out;
}

class FileWalk : public ::testing::Test {
protected:
  void SetUp() override {
    root = dir / "content";
    write_file(root / "a/x", "1");
    write_file(root / "a b", "22");
    write_file(root / "a.txt", "333");
    write_file(root / "B/c", "4444");
    write_file(root / ".hidden", "h");
    write_file(root / ".git/config", "g");
    write_file(root / "empty", "");
    write_file(root / "Extras/notes.nfo", "n");
    write_file(root / "Extras/cover.jpg", "jpg");
  }
  TempDir dir{"shoal-walk-"};
  std::filesystem::path root;
};

TEST_F(FileWalk, TreeOrderSkipsHiddenByDefault) {
  auto set = walk_files(root);
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->name, "content");
  EXPECT_FALSE(set->single_file);
  // Per-level byte order: "B" < "Extras" < "a" < "a b" < "a.txt" < "empty".
  EXPECT_EQ(paths(*set), (std::vector<std::string>{"B/c", "Extras/cover.jpg", "Extras/notes.nfo",
                                                   "a/x", "a b", "a.txt", "empty"}));
  EXPECT_EQ(set->hidden_skipped, 2u);
  EXPECT_EQ(set->total_size(), 1 + 2 + 3 + 4 + 1 + 3);
  EXPECT_EQ(set->files[0].path, (std::vector<std::string>{"B", "c"}));
  EXPECT_EQ(set->files[0].disk_path, root / "B/c");
  EXPECT_EQ(set->files[0].length, 4);
}

TEST_F(FileWalk, FullPathOrderIsMktorrents) {
  auto set = walk_files(root, with_hidden());
  ASSERT_TRUE(set);
  sort_full_path_order(set->files);
  // Whole-path byte order: ' ' and '.' sort before '/', so "a b" and "a.txt" precede "a/x".
  EXPECT_EQ(paths(*set), (std::vector<std::string>{".git/config", ".hidden", "B/c",
                                                   "Extras/cover.jpg", "Extras/notes.nfo", "a b",
                                                   "a.txt", "a/x", "empty"}));
}

TEST_F(FileWalk, IncludeHidden) {
  auto set = walk_files(root, with_hidden());
  ASSERT_TRUE(set);
  EXPECT_EQ(set->files.front().path_string(), ".git/config");
  EXPECT_EQ(set->files[1].path_string(), ".hidden");
  EXPECT_EQ(set->hidden_skipped, 0u);
}

TEST_F(FileWalk, ExcludeByNameAndByPath) {
  auto set = walk_files(root, excluding({"*.nfo", "a/*"}));
  ASSERT_TRUE(set);
  EXPECT_EQ(paths(*set), (std::vector<std::string>{"B/c", "Extras/cover.jpg", "a b", "a.txt",
                                                   "empty"}));
  // A directory that matches is pruned whole.
  set = walk_files(root, excluding({"Extras"}));
  ASSERT_TRUE(set);
  EXPECT_EQ(paths(*set), (std::vector<std::string>{"B/c", "a/x", "a b", "a.txt", "empty"}));
  // A leading '/' anchors nothing more: paths are relative to the input.
  set = walk_files(root, excluding({"/B/c"}));
  ASSERT_TRUE(set);
  EXPECT_EQ(set->files.front().path_string(), "Extras/cover.jpg");
}

TEST_F(FileWalk, IncludeSelectsFilesOnly) {
  auto set = walk_files(root, including({"*.jpg", "*.nfo"}));
  ASSERT_TRUE(set);
  EXPECT_EQ(paths(*set), (std::vector<std::string>{"Extras/cover.jpg", "Extras/notes.nfo"}));
  set = walk_files(root, including({"Extras/*"}, {"*.nfo"}));
  ASSERT_TRUE(set);
  EXPECT_EQ(paths(*set), (std::vector<std::string>{"Extras/cover.jpg"}));
}

TEST_F(FileWalk, GlobMatching) {
  EXPECT_TRUE(glob_matches("*.nfo", "x/y/a.nfo", "a.nfo"));
  EXPECT_FALSE(glob_matches("*.nfo", "x/y/a.nfo.txt", "a.nfo.txt"));
  EXPECT_TRUE(glob_matches("x/*", "x/y/a.nfo", "a.nfo"));  // '*' crosses '/' in path patterns
  EXPECT_FALSE(glob_matches("y/*", "x/y/a.nfo", "a.nfo"));
  EXPECT_TRUE(glob_matches("sample?.mkv", "sample1.mkv", "sample1.mkv"));
  EXPECT_TRUE(glob_matches("[Ss]ample*", "d/Sample.mkv", "Sample.mkv"));
}

TEST_F(FileWalk, NothingLeftIsAnError) {
  auto set = walk_files(root, including({"*.flac"}));
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().code, ContentErrc::empty);
  EXPECT_NE(set.error().message.find("excluded by globs"), std::string::npos) << set.error().message;

  std::filesystem::create_directories(dir / "void");
  set = walk_files(dir / "void");
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().code, ContentErrc::empty);
  EXPECT_NE(set.error().message.find("the directory is empty"), std::string::npos);

  write_file(dir / "only-hidden/.x", "x");
  set = walk_files(dir / "only-hidden");
  ASSERT_FALSE(set);
  EXPECT_NE(set.error().message.find("1 hidden"), std::string::npos) << set.error().message;
}

TEST_F(FileWalk, MissingInput) {
  auto set = walk_files(dir / "nope");
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().code, ContentErrc::not_found);
  EXPECT_NE(set.error().message.find("no such file or directory"), std::string::npos)
      << set.error().message;
}

TEST_F(FileWalk, SingleFile) {
  auto set = walk_files(root / "a.txt");
  ASSERT_TRUE(set);
  EXPECT_TRUE(set->single_file);
  EXPECT_EQ(set->name, "a.txt");
  ASSERT_EQ(set->files.size(), 1u);
  EXPECT_TRUE(set->files[0].path.empty());
  EXPECT_EQ(set->files[0].length, 3);
  // A hidden file named explicitly is taken, globs do not apply to it.
  set = walk_files(root / ".hidden", excluding({"*"}));
  ASSERT_TRUE(set);
  EXPECT_EQ(set->name, ".hidden");
}

TEST_F(FileWalk, TrailingSlashAndDotNameTheDirectory) {
  auto set = walk_files(root.string() + "/");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->name, "content");
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(root);
  set = walk_files(".");
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(set);
  EXPECT_EQ(set->name, "content");
}

TEST_F(FileWalk, SymlinksFollowedByDefault) {
  std::filesystem::create_symlink("a.txt", root / "link.txt");
  std::filesystem::create_directory_symlink("B", root / "linkdir");
  auto set = walk_files(root);
  ASSERT_TRUE(set);
  const auto p = paths(*set);
  EXPECT_NE(std::find(p.begin(), p.end(), "link.txt"), p.end());
  EXPECT_NE(std::find(p.begin(), p.end(), "linkdir/c"), p.end());
  for (const auto& f : set->files)
    if (f.path_string() == "link.txt") {
      EXPECT_EQ(f.length, 3);
    }
}

TEST_F(FileWalk, SymlinksSkipped) {
  std::filesystem::create_symlink("a.txt", root / "link.txt");
  auto set = walk_files(root, links(SymlinkPolicy::skip));
  ASSERT_TRUE(set);
  const auto p = paths(*set);
  EXPECT_EQ(std::find(p.begin(), p.end(), "link.txt"), p.end());
  ASSERT_EQ(set->skipped.size(), 1u);
  EXPECT_EQ(set->skipped[0].path, "link.txt");
  EXPECT_EQ(set->skipped[0].reason, "symbolic link");
}

TEST_F(FileWalk, SymlinksRefused) {
  std::filesystem::create_symlink("a.txt", root / "link.txt");
  auto set = walk_files(root, links(SymlinkPolicy::refuse));
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().code, ContentErrc::symlink);
  EXPECT_EQ(set.error().path, root / "link.txt");
}

TEST_F(FileWalk, SymlinkLoopAndDanglingLink) {
  std::filesystem::create_directory_symlink("..", root / "a/up");
  auto set = walk_files(root);
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().code, ContentErrc::symlink_loop);
  std::filesystem::remove(root / "a/up");

  std::filesystem::create_symlink("does-not-exist", root / "dangling");
  set = walk_files(root);
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().code, ContentErrc::not_found);
  EXPECT_NE(set.error().message.find("missing target"), std::string::npos);
}

TEST_F(FileWalk, SpecialFilesAreSkippedAndReported) {
  ASSERT_EQ(::mkfifo((root / "pipe").c_str(), 0600), 0);
  auto set = walk_files(root);
  ASSERT_TRUE(set);
  ASSERT_EQ(set->skipped.size(), 1u);
  EXPECT_EQ(set->skipped[0].path, "pipe");
  EXPECT_EQ(set->skipped[0].reason, "not a regular file (FIFO)");
  // As the input itself, a FIFO is an error.
  set = walk_files(root / "pipe");
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().code, ContentErrc::not_a_file);
}

TEST_F(FileWalk, BackslashInANameIsRefused) {
  write_file(root / "bad\\name", "x");
  auto set = walk_files(root);
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().code, ContentErrc::unsafe_name);
  // Excluding it is the way out.
  set = walk_files(root, excluding({"bad*"}));
  EXPECT_TRUE(set);
}

TEST_F(FileWalk, UnreadableDirectory) {
  std::filesystem::create_directories(root / "locked");
  write_file(root / "locked" / "secret", "x");
  ::chmod((root / "locked").c_str(), 0);
  // Root reads every directory, so as root the walk runs in a child that has dropped to an
  // unprivileged user; the directories above `root` are opened up for it for the duration.
  int code = 0;
  if (::geteuid() != 0) {
    auto set = walk_files(root);
    code = set ? 1 : (set.error().code == ContentErrc::not_readable ? 0 : 2);
  } else {
    std::vector<std::filesystem::path> opened;
    for (auto p = root; p != p.root_path(); p = p.parent_path()) {
      ::chmod(p.c_str(), 0755);
      if (p == std::filesystem::temp_directory_path()) break;
      opened.push_back(p);
    }
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
      auto set = walk_files(root);
      ::_exit(set ? 1 : (set.error().code == ContentErrc::not_readable ? 0 : 2));
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    code = WIFEXITED(status) ? WEXITSTATUS(status) : 4;
  }
  ::chmod((root / "locked").c_str(), 0755);
  EXPECT_EQ(code, 0) << "1: walk succeeded, 2: wrong error, 3: cannot drop privileges";
}

}  // namespace
}  // namespace shoal::peer
