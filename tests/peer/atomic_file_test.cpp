// Tests of shoal/peer/atomic_file.hpp: complete files or none, no leftovers, no accidental
// overwrite.
#include "shoal/peer/atomic_file.hpp"

#include <gtest/gtest.h>

#include "create_test_support.hpp"

namespace shoal::peer {
namespace {

using test::read_file;
using test::TempDir;

std::size_t entries(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(AtomicFile, WritesAndRefusesToOverwrite) {
  TempDir dir{"shoal-atomic-"};
  const auto p = dir / "out.torrent";
  ASSERT_TRUE(write_file_atomically(p, "first", false));
  EXPECT_EQ(read_file(p), "first");
  auto r = write_file_atomically(p, "second", false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ContentErrc::output_exists);
  EXPECT_EQ(read_file(p), "first");
  EXPECT_EQ(entries(dir.path()), 1u);  // no temporary file left
  ASSERT_TRUE(write_file_atomically(p, "second", true));
  EXPECT_EQ(read_file(p), "second");
  EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(AtomicFile, FailureLeavesNothing) {
  TempDir dir{"shoal-atomic-"};
  auto r = write_file_atomically(dir / "no/such/dir/out.torrent", "x", false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ContentErrc::write_failed);
  // Renaming over a directory fails after the temporary file was written: it is removed.
  std::filesystem::create_directories(dir / "taken/sub");
  r = write_file_atomically(dir / "taken", "x", true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ContentErrc::write_failed);
  EXPECT_EQ(entries(dir.path()), 1u);
}

}  // namespace
}  // namespace shoal::peer
