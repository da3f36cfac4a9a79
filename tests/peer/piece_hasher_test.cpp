// Tests of shoal/peer/piece_hasher.hpp: piece hashes against known digests and against digests
// computed independently in memory, for every thread count; read errors in both modes;
// cancellation.
#include "shoal/peer/piece_hasher.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <string>
#include <vector>

#include "create_test_support.hpp"
#include "shoal/proto/merkle.hpp"

namespace shoal::peer {
namespace {

using test::random_bytes;
using test::TempDir;
using test::write_file;

constexpr std::int64_t kBlock = kV2BlockSize;

HashOptions opts(bool v1, bool v2, unsigned threads = 1) {
  HashOptions o;
  o.v1 = v1;
  o.v2 = v2;
  o.threads = threads;
  return o;
}

// The BEP 52 hash of one piece of file data: leaves are the SHA-256 of each 16 KiB block.
Sha256Digest expected_v2_piece(std::string_view data, std::size_t width) {
  std::vector<Sha256Digest> leaves;
  for (std::size_t i = 0; i < data.size(); i += static_cast<std::size_t>(kBlock))
    leaves.push_back(sha256(data.substr(i, static_cast<std::size_t>(kBlock))));
  return merkle_root(leaves, width);
}

TEST(PieceHasher, KnownDigestsOfAbc) {
  TempDir dir{"shoal-hash-"};
  write_file(dir / "abc", "abc");
  PieceStream s;
  s.piece_length = 16384;
  s.total_size = 3;
  s.files = {{dir / "abc", 0, 3}};
  auto h = hash_pieces(s, opts(true, true));
  ASSERT_TRUE(h) << h.error().message;
  ASSERT_EQ(h->v1.size(), 1u);
  // FIPS 180 test vectors: a one-block file's pieces root is the SHA-256 of its only block.
  EXPECT_EQ(h->v1[0].hex(), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(h->v2[0].hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(h->complete[0], 1);
  EXPECT_EQ(h->bytes_read, 3);
  EXPECT_EQ(h->file_status[0], FileReadStatus::ok);
}

TEST(PieceHasher, V1PiecesSpanFilesAndPadding) {
  TempDir dir{"shoal-hash-"};
  const std::string a = random_bytes(100000, 1);
  const std::string b = random_bytes(70001, 2);
  const std::string c = random_bytes(5, 3);
  write_file(dir / "a", a);
  write_file(dir / "b", b);
  write_file(dir / "c", c);
  // a, 3000 bytes of named zeros, b, an unnamed gap of 10 bytes, c.
  PieceStream s;
  s.piece_length = 16384;
  s.files = {{dir / "a", 0, 100000},
             {{}, 100000, 3000, StreamFileKind::zeros},
             {dir / "b", 103000, 70001},
             {dir / "c", 173011, 5}};
  s.total_size = 173016;
  const std::string stream = a + std::string(3000, '\0') + b + std::string(10, '\0') + c;
  ASSERT_EQ(stream.size(), 173016u);
  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    SCOPED_TRACE(threads);
    auto h = hash_pieces(s, opts(true, false, threads));
    ASSERT_TRUE(h) << h.error().message;
    ASSERT_EQ(h->v1.size(), 11u);
    EXPECT_TRUE(h->v2.empty());
    for (std::size_t p = 0; p < 11; ++p)
      EXPECT_EQ(h->v1[p], sha1(std::string_view(stream).substr(p * 16384, 16384))) << p;
    EXPECT_EQ(h->bytes_read, 100000 + 70001 + 5);
  }
}

TEST(PieceHasher, ManyBatchesGiveTheSameResultForEveryThreadCount) {
  TempDir dir{"shoal-hash-"};
  // 20 MiB in 16 KiB pieces: several kHashBatchBytes batches, several kHashReadSize chunks each.
  const std::string data = random_bytes(20 * 1024 * 1024 + 123, 7);
  write_file(dir / "big", data);
  PieceStream s;
  s.piece_length = 16384;
  s.total_size = static_cast<std::int64_t>(data.size());
  s.files = {{dir / "big", 0, s.total_size}};
  auto one = hash_pieces(s, opts(true, true, 1));
  ASSERT_TRUE(one);
  for (std::size_t p = 0; p < one->v1.size(); p += 97)
    EXPECT_EQ(one->v1[p], sha1(std::string_view(data).substr(p * 16384, 16384))) << p;
  auto four = hash_pieces(s, opts(true, true, 4));
  ASSERT_TRUE(four);
  EXPECT_EQ(one->v1, four->v1);
  EXPECT_EQ(one->v2, four->v2);
}

// Where SHA-1 runs on pairs of whole pieces (sha1_pair.hpp), every piece still gets its own
// digest: mapped and read segments, pieces spanning files, an odd piece count, a short last
// piece, v1 alone and hybrid, piece lengths from 16 KiB to 4 MiB (batches of at least two).
// Run again with SHOAL_SHA1_PAIR=off by ctest (peer_piece_hasher_test_unpaired).
TEST(PieceHasher, EveryPieceDigestWithPairedSha1) {
  TempDir dir{"shoal-hash-"};
  const std::string a = random_bytes(9 * 1024 * 1024 + 5000, 31);  // mapped (>= kHashMapMinBytes)
  const std::string b = random_bytes(300 * 1000, 32);              // small segments: pread
  const std::string c = random_bytes(3 * 1024 * 1024 + 17, 33);
  write_file(dir / "a", a);
  write_file(dir / "b", b);
  write_file(dir / "c", c);
  const std::string stream = a + b + c;
  for (std::int64_t pl : {std::int64_t{16384}, std::int64_t{256} * 1024, std::int64_t{4} * 1024 * 1024}) {
    PieceStream s;
    s.piece_length = pl;
    s.files = {{dir / "a", 0, static_cast<std::int64_t>(a.size())},
               {dir / "b", static_cast<std::int64_t>(a.size()), static_cast<std::int64_t>(b.size())},
               {dir / "c", static_cast<std::int64_t>(a.size() + b.size()), static_cast<std::int64_t>(c.size())}};
    s.total_size = static_cast<std::int64_t>(stream.size());
    for (unsigned threads : {1u, 2u}) {
      auto h = hash_pieces(s, opts(true, false, threads));
      ASSERT_TRUE(h) << h.error().message;
      ASSERT_EQ(h->v1.size(), s.num_pieces());
      for (std::size_t p = 0; p < h->v1.size(); ++p)
        ASSERT_EQ(h->v1[p], sha1(std::string_view(stream).substr(p * static_cast<std::size_t>(pl),
                                                                 static_cast<std::size_t>(pl))))
            << "piece " << p << " of " << pl << " bytes, " << threads << " threads";
    }
  }
  // Hybrid over one file whose pieces all pair up (v2 needs files on piece boundaries).
  PieceStream s;
  s.piece_length = 256 * 1024;
  s.files = {{dir / "a", 0, static_cast<std::int64_t>(a.size())}};
  s.total_size = static_cast<std::int64_t>(a.size());
  auto h = hash_pieces(s, opts(true, true, 2));
  ASSERT_TRUE(h) << h.error().message;
  for (std::size_t p = 0; p < h->v1.size(); ++p) {
    const std::string_view piece = std::string_view(a).substr(p * 262144, 262144);
    ASSERT_EQ(h->v1[p], sha1(piece)) << p;
    ASSERT_EQ(h->v2[p], expected_v2_piece(piece, 16)) << p;
  }
}

TEST(PieceHasher, V2PieceLayerAndSmallFileRoot) {
  TempDir dir{"shoal-hash-"};
  // Piece length 32 KiB = 2 blocks. "big": 5.5 blocks = 3 pieces (the last has one short block);
  // "small": 1.5 blocks, at most one piece: its own tree of bit_ceil(2) = 2 leaves.
  const std::string big = random_bytes(5 * kBlock + kBlock / 2, 11);
  const std::string small = random_bytes(kBlock + kBlock / 2, 12);
  write_file(dir / "big", big);
  write_file(dir / "small", small);
  PieceStream s;
  s.piece_length = 2 * kBlock;
  s.files = {{dir / "big", 0, static_cast<std::int64_t>(big.size())},
             {dir / "small", 3 * s.piece_length, static_cast<std::int64_t>(small.size())}};
  s.total_size = 4 * s.piece_length;
  for (unsigned threads : {1u, 2u}) {
    auto h = hash_pieces(s, opts(false, true, threads));
    ASSERT_TRUE(h) << h.error().message;
    ASSERT_EQ(h->v2.size(), 4u);
    EXPECT_TRUE(h->v1.empty());
    const std::string_view bv(big);
    EXPECT_EQ(h->v2[0], expected_v2_piece(bv.substr(0, 2 * kBlock), 2));
    EXPECT_EQ(h->v2[1], expected_v2_piece(bv.substr(2 * kBlock, 2 * kBlock), 2));
    // Last piece of a multi-piece file: one short block and a zero leaf.
    EXPECT_EQ(h->v2[2], expected_v2_piece(bv.substr(4 * kBlock), 2));
    EXPECT_EQ(h->v2[3], expected_v2_piece(small, 2));
    // The layer hashes up to the file's root like the full block tree does.
    std::vector<Sha256Digest> blocks;
    for (std::size_t i = 0; i < big.size(); i += kBlock) blocks.push_back(sha256(bv.substr(i, kBlock)));
    EXPECT_EQ(merkle_root(std::span(h->v2).subspan(0, 3), 4, merkle_pad_root(2)),
              merkle_root(blocks, 8));
  }
}

TEST(PieceHasher, HybridHashesBothFromOneRead) {
  TempDir dir{"shoal-hash-"};
  const std::string a = random_bytes(20000, 21);
  write_file(dir / "a", a);
  write_file(dir / "b", "tail");
  PieceStream s;
  s.piece_length = 16384;
  s.files = {{dir / "a", 0, 20000},
             {{}, 20000, 32768 - 20000, StreamFileKind::zeros},
             {dir / "b", 32768, 4}};
  s.total_size = 32772;
  auto h = hash_pieces(s, opts(true, true, 2));
  ASSERT_TRUE(h);
  const std::string stream = a + std::string(32768 - 20000, '\0') + "tail";
  EXPECT_EQ(h->v1[1], sha1(std::string_view(stream).substr(16384, 16384)));
  EXPECT_EQ(h->v1[2], sha1("tail"));
  // v2 never hashes padding: piece 1 of "a" is its 3616 data bytes only.
  EXPECT_EQ(h->v2[1], expected_v2_piece(std::string_view(a).substr(16384), 1));
  EXPECT_EQ(h->v2[2], sha256("tail"));
  EXPECT_EQ(h->bytes_read, 20004);  // every byte read once
}

TEST(PieceHasher, StrictModeStopsAtTheFirstProblem) {
  TempDir dir{"shoal-hash-"};
  write_file(dir / "short", "12345");
  PieceStream s;
  s.piece_length = 16384;
  s.total_size = 10;
  s.files = {{dir / "short", 0, 10}};  // the file is shorter than announced: it changed
  auto h = hash_pieces(s, opts(true, false));
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, ContentErrc::changed);
  EXPECT_EQ(h.error().path, dir / "short");

  s.files = {{dir / "missing", 0, 10}};
  h = hash_pieces(s, opts(true, false));
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, ContentErrc::not_found);

  // A directory opens but cannot be read (EISDIR): the path of an unreadable file, even for root.
  std::filesystem::create_directories(dir / "dir");
  s.files = {{dir / "dir", 0, 10}};
  h = hash_pieces(s, opts(true, false));
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, ContentErrc::not_readable);
  EXPECT_NE(h.error().message.find("read error"), std::string::npos) << h.error().message;
}

TEST(PieceHasher, TolerantModeReportsAndGoesOn) {
  TempDir dir{"shoal-hash-"};
  const std::string good = random_bytes(40000, 31);
  write_file(dir / "good", good);
  write_file(dir / "short", random_bytes(20000, 32));
  std::filesystem::create_directories(dir / "dir");
  PieceStream s;
  s.piece_length = 16384;
  s.files = {{dir / "good", 0, 40000},                          // pieces 0-2
             {dir / "short", 49152, 40000},                     // pieces 3-5: only 20000 bytes
             {dir / "missing", 98304, 10000},                   // piece 6
             {dir / "dir", 114688, 100},                        // piece 7: unreadable
             {dir / "absent", 131072, 100, StreamFileKind::absent}};  // piece 8
  s.total_size = 131172;
  HashOptions o = opts(true, true, 2);
  o.tolerate_read_errors = true;
  auto h = hash_pieces(s, o);
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->complete, (std::vector<std::uint8_t>{1, 1, 1, 1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(h->v1[0], sha1(std::string_view(good).substr(0, 16384)));
  EXPECT_EQ(h->file_status[0], FileReadStatus::ok);
  EXPECT_EQ(h->file_status[1], FileReadStatus::short_read);
  EXPECT_EQ(h->file_errors[1], "ends at byte 20000");
  EXPECT_EQ(h->file_status[2], FileReadStatus::missing);
  EXPECT_EQ(h->file_status[3], FileReadStatus::unreadable);
  EXPECT_EQ(h->file_status[4], FileReadStatus::missing);
}

TEST(PieceHasher, BadRequests) {
  PieceStream s;
  s.piece_length = 16384;
  s.total_size = 100;
  s.files = {{"/x", 10, 90}};
  auto h = hash_pieces(s, opts(false, true));  // v2 needs piece-aligned files
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, ContentErrc::invalid_option);
  h = hash_pieces(s, opts(false, false));
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, ContentErrc::invalid_option);
  s.files = {{"/x", 0, 200}};  // beyond the stream
  h = hash_pieces(s, opts(true, false));
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, ContentErrc::invalid_option);
}

TEST(PieceHasher, ProgressAndCancellation) {
  TempDir dir{"shoal-hash-"};
  // A sparse 256 MiB file: reading holes is cheap, hashing takes long enough to cancel.
  const auto path = dir / "sparse";
  write_file(path, "");
  std::filesystem::resize_file(path, 256 * 1024 * 1024);
  PieceStream s;
  s.piece_length = 1 << 20;
  s.total_size = 256 * 1024 * 1024;
  s.files = {{path, 0, s.total_size}};
  HashOptions o = opts(true, false, 2);
  o.progress_interval = std::chrono::milliseconds(1);
  int calls = 0;
  o.progress = [&](const HashProgress& p) {
    EXPECT_EQ(p.num_pieces, 256u);
    EXPECT_EQ(p.bytes_total, s.total_size);
    return ++calls < 2;
  };
  auto h = hash_pieces(s, o);
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, ContentErrc::cancelled);
  EXPECT_EQ(calls, 2);

  // Without cancelling, the last report is complete.
  HashProgress last;
  o.progress = [&](const HashProgress& p) {
    last = p;
    return true;
  };
  s.total_size = 8 * 1024 * 1024;
  s.files = {{path, 0, s.total_size}};
  h = hash_pieces(s, o);
  ASSERT_TRUE(h);
  EXPECT_EQ(last.pieces_done, 8u);
  EXPECT_EQ(last.bytes_read, s.total_size);
}

}  // namespace
}  // namespace shoal::peer
