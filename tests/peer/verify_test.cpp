// Tests of shoal/peer/verify.hpp: good content passes; a flipped byte, a truncated, a missing
// and a grown file are reported per file and per piece, for v1, v2 and hybrid torrents; torrents
// made by libtorrent and mktorrent verify too.
#include "shoal/peer/verify.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "create_test_support.hpp"
#include "shoal/peer/create_torrent.hpp"
#include "shoal/proto/bencode.hpp"

namespace shoal::peer {
namespace {

using test::random_bytes;
using test::read_file;
using test::run;
using test::TempDir;
using test::write_file;

constexpr std::int64_t kPiece = 16 * 1024;

void flip_byte(const std::filesystem::path& p, std::int64_t offset) {
  std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(offset);
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x01);
  f.seekp(offset);
  f.write(&c, 1);
}

const FileReport& file_named(const VerifyReport& r, const std::string& path) {
  for (const auto& f : r.files)
    if (f.path == path) return f;
  ADD_FAILURE() << "no file " << path;
  return r.files.front();
}

class Verify : public ::testing::TestWithParam<TorrentFormat> {
protected:
  void SetUp() override {
    content = dir / "Album";
    write_file(content / "01.flac", random_bytes(5 * kPiece + 100, 1));
    write_file(content / "02.flac", random_bytes(3 * kPiece, 2));
    write_file(content / "cover.jpg", random_bytes(20000, 3));
    write_file(content / "empty.txt", "");
    auto set = walk_files(content);
    ASSERT_TRUE(set);
    CreateOptions o;
    o.format = GetParam();
    o.piece_length = kPiece;
    auto t = create_torrent(*set, o);
    ASSERT_TRUE(t) << t.error().message;
    bytes = t->bytes;
    auto m = parse_metainfo(bytes);
    ASSERT_TRUE(m);
    torrent = std::move(*m);
  }

  VerifyReport verify(unsigned threads = 2) {
    VerifyOptions o;
    o.threads = threads;
    auto r = verify_content(*torrent, content, o);
    EXPECT_TRUE(r) << r.error().message;
    return r ? std::move(*r) : VerifyReport{};
  }

  // Pieces of the torrent that hold bytes of `path`.
  std::vector<std::size_t> pieces_of(const std::string& path) {
    for (std::size_t i = 0; i < torrent->files().size(); ++i) {
      if (torrent->files()[i].path_string() != path) continue;
      const PieceRange r = torrent->file_pieces(i);
      std::vector<std::size_t> out;
      for (std::size_t p = r.begin; p < r.end; ++p) out.push_back(p);
      return out;
    }
    return {};
  }
  std::size_t piece_at(const std::string& path, std::int64_t offset) {
    for (const auto& f : torrent->files())
      if (f.path_string() == path) return static_cast<std::size_t>((f.offset + offset) / kPiece);
    return 0;
  }

  TempDir dir{"shoal-verify-"};
  std::filesystem::path content;
  std::string bytes;
  std::optional<Metainfo> torrent;
};

TEST_P(Verify, GoodContentPasses) {
  for (unsigned threads : {1u, 4u}) {
    const VerifyReport r = verify(threads);
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r.bad_pieces.empty());
    ASSERT_EQ(r.files.size(), 4u);  // pad files are not reported
    for (const auto& f : r.files) EXPECT_EQ(f.state, FileState::ok) << f.path;
    EXPECT_EQ(r.bytes_read, torrent->payload_size());
    EXPECT_EQ(r.checked_v1, GetParam() != TorrentFormat::v2);
    EXPECT_EQ(r.checked_v2, GetParam() != TorrentFormat::v1);
  }
}

TEST_P(Verify, FlippedByte) {
  flip_byte(content / "02.flac", kPiece + 7);
  const VerifyReport r = verify();
  EXPECT_FALSE(r.ok());
  const std::size_t bad = piece_at("Album/02.flac", kPiece + 7);
  EXPECT_EQ(r.bad_pieces, std::vector<std::size_t>{bad});
  const FileReport& f = file_named(r, "Album/02.flac");
  EXPECT_EQ(f.state, FileState::bad_pieces);
  EXPECT_EQ(f.bad_pieces, 1u);
  // 3 pieces of its own in v2 and hybrid; in v1 it starts inside 01.flac's last piece.
  EXPECT_EQ(f.num_pieces, GetParam() == TorrentFormat::v1 ? 4u : 3u);
  EXPECT_EQ(f.num_pieces, pieces_of("Album/02.flac").size());
  EXPECT_EQ(file_named(r, "Album/01.flac").state, FileState::ok);
  EXPECT_EQ(file_named(r, "Album/cover.jpg").state, FileState::ok);
}

TEST_P(Verify, TruncatedFile) {
  std::filesystem::resize_file(content / "01.flac", 2 * kPiece + 10);
  const VerifyReport r = verify();
  EXPECT_FALSE(r.ok());
  const FileReport& f = file_named(r, "Album/01.flac");
  EXPECT_EQ(f.state, FileState::too_short);
  EXPECT_EQ(f.disk_length, 2 * kPiece + 10);
  EXPECT_EQ(f.length, 5 * kPiece + 100);
  EXPECT_EQ(f.bad_pieces, 4u);  // pieces 2..5 of the file lack bytes; pieces 0 and 1 are whole
  const auto all = pieces_of("Album/01.flac");
  EXPECT_EQ(r.bad_pieces, std::vector<std::size_t>(all.begin() + 2, all.end()));
}

TEST_P(Verify, MissingFile) {
  std::filesystem::remove(content / "cover.jpg");
  std::filesystem::remove(content / "empty.txt");
  const VerifyReport r = verify();
  EXPECT_FALSE(r.ok());
  const FileReport& f = file_named(r, "Album/cover.jpg");
  EXPECT_EQ(f.state, FileState::missing);
  EXPECT_FALSE(f.disk_length);
  EXPECT_EQ(f.detail, "no such file or directory");
  EXPECT_EQ(f.bad_pieces, 2u);
  EXPECT_EQ(file_named(r, "Album/empty.txt").state, FileState::missing);
  // In a v1 torrent the piece 02.flac shares with cover.jpg is bad too: v1 pieces span files.
  EXPECT_EQ(file_named(r, "Album/02.flac").state,
            GetParam() == TorrentFormat::v1 ? FileState::bad_pieces : FileState::ok);
  EXPECT_EQ(file_named(r, "Album/01.flac").state, FileState::ok);
}

TEST_P(Verify, GrownFile) {
  std::ofstream(content / "02.flac", std::ios::app | std::ios::binary) << "extra";
  const VerifyReport r = verify();
  EXPECT_FALSE(r.ok());
  const FileReport& grown = file_named(r, "Album/02.flac");
  EXPECT_EQ(grown.state, FileState::too_long);
  EXPECT_EQ(grown.disk_length, 3 * kPiece + 5);
  EXPECT_EQ(grown.bad_pieces, 0u);  // the torrent's bytes are all there
  EXPECT_TRUE(r.bad_pieces.empty());
}

TEST_P(Verify, DirectoryInPlaceOfAFile) {
  std::filesystem::remove(content / "cover.jpg");
  std::filesystem::create_directory(content / "cover.jpg");
  const VerifyReport r = verify();
  EXPECT_FALSE(r.ok());
  const FileReport& f = file_named(r, "Album/cover.jpg");
  EXPECT_EQ(f.state, FileState::not_a_file);
  EXPECT_EQ(f.detail, "is a directory");
  EXPECT_EQ(f.bad_pieces, f.num_pieces);
}

TEST_P(Verify, NothingThere) {
  std::filesystem::remove_all(content);
  const VerifyReport r = verify();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.bad_pieces.size(), torrent->num_pieces());
  for (const auto& f : r.files) EXPECT_EQ(f.state, FileState::missing);
}

INSTANTIATE_TEST_SUITE_P(Formats, Verify,
                         ::testing::Values(TorrentFormat::v1, TorrentFormat::v2,
                                           TorrentFormat::hybrid),
                         [](const auto& p) { return std::string(to_string(p.param)); });

TEST(VerifyOptions, HashKindsMustExist) {
  TempDir dir{"shoal-verify-"};
  write_file(dir / "f", random_bytes(100, 1));
  auto set = walk_files(dir / "f");
  ASSERT_TRUE(set);
  CreateOptions o;
  o.format = TorrentFormat::v2;
  auto t = create_torrent(*set, o);
  ASSERT_TRUE(t);
  auto m = parse_metainfo(t->bytes);
  ASSERT_TRUE(m);
  VerifyOptions vo;
  vo.hashes = VerifyHashes::v1;
  auto r = verify_content(*m, dir / "f", vo);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ContentErrc::invalid_option);
  vo.hashes = VerifyHashes::v2;
  r = verify_content(*m, dir / "f", vo);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok());
}

TEST(VerifySingleFile, ContentIsTheFileOrItsDirectory) {
  TempDir dir{"shoal-verify-"};
  write_file(dir / "data/movie.mkv", random_bytes(100000, 9));
  auto set = walk_files(dir / "data/movie.mkv");
  ASSERT_TRUE(set);
  auto t = create_torrent(*set, {});
  ASSERT_TRUE(t);
  auto m = parse_metainfo(t->bytes);
  ASSERT_TRUE(m);
  auto r = verify_content(*m, dir / "data/movie.mkv");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok());
  r = verify_content(*m, dir / "data");  // a download directory
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(r->files[0].disk_path, dir / "data/movie.mkv");
}

// Without `piece layers` only a whole file can be checked against its pieces root.
TEST(VerifyWithoutPieceLayers, WholeFileCheck) {
  TempDir dir{"shoal-verify-"};
  write_file(dir / "c/big", random_bytes(10 * kPiece, 5));
  write_file(dir / "c/small", random_bytes(100, 6));
  auto set = walk_files(dir / "c");
  ASSERT_TRUE(set);
  CreateOptions o;
  o.format = TorrentFormat::v2;
  o.piece_length = kPiece;
  auto t = create_torrent(*set, o);
  ASSERT_TRUE(t);
  auto doc = bencode::decode(t->bytes);
  ASSERT_TRUE(doc);
  ASSERT_EQ(doc->as_dict().erase("piece layers"), 1u);
  auto m = parse_metainfo(bencode::encode(*doc));
  ASSERT_TRUE(m);
  ASSERT_FALSE(m->has_piece_layers());
  auto r = verify_content(*m, dir / "c");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok());
  flip_byte(dir / "c/big", 3 * kPiece);
  r = verify_content(*m, dir / "c");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok());
  EXPECT_EQ(r->files[0].bad_pieces, 10u);  // which piece is not known
  EXPECT_EQ(r->files[1].state, FileState::ok);
}

// Torrents made by other creators verify against their content.
TEST(VerifyInterop, LibtorrentAndMktorrentTorrents) {
  TempDir dir{"shoal-verify-"};
  write_file(dir / "c/a", random_bytes(70000, 1));
  write_file(dir / "c/sub/b", random_bytes(123457, 2));
  write_file(dir / "c/z", random_bytes(3, 3));
  for (const char* flag : {"--v1", "--v2", "--hybrid"}) {
    SCOPED_TRACE(flag);
    const auto out = dir / "lt.torrent";
    const auto r = run(SHOAL_LT_MAKE_TORRENT, {"create", flag, "--piece-length", "32768",
                                               (dir / "c").string(), out.string()});
    ASSERT_EQ(r.status, 0) << r.err;
    auto m = parse_metainfo(read_file(out));
    ASSERT_TRUE(m) << m.error().message();
    auto v = verify_content(*m, dir / "c");
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->ok());
    flip_byte(dir / "c/sub/b", 40000);
    v = verify_content(*m, dir / "c");
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->ok());
    EXPECT_EQ(v->bad_pieces.size(), 1u);
    flip_byte(dir / "c/sub/b", 40000);
  }
  const auto mk = dir / "mk.torrent";
  const auto r = run(SHOAL_MKTORRENT, {"-d", "-l", "15", "-a", "http://t.example/announce", "-o",
                                       mk.string(), (dir / "c").string()});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto m = parse_metainfo(read_file(mk));
  ASSERT_TRUE(m);
  auto v = verify_content(*m, dir / "c");
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->ok());
}

}  // namespace
}  // namespace shoal::peer
