// Tests of shoal/peer/create_torrent.hpp: what the creator writes (layout, pad files, keys,
// trackers), that it round-trips through shoal::parse_metainfo, its errors, and interop with
// clients nobody here wrote — libtorrent 2.0.8 loads our torrents with the same info-hashes and
// creates identical ones from the same content, mktorrent 1.1 gives identical v1 info-hashes,
// transmission-show reads our v1 torrents.
#include "shoal/peer/create_torrent.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "create_test_support.hpp"
#include "shoal/peer/atomic_file.hpp"
#include "shoal/proto/bencode.hpp"
#include "shoal/proto/magnet.hpp"
#include "shoal/proto/metainfo.hpp"

namespace shoal::peer {
namespace {

using test::lt_inspect;
using test::random_bytes;
using test::run;
using test::TempDir;
using test::write_file;

constexpr std::int64_t kPiece = 32 * 1024;

CreateOptions fixed_options(TorrentFormat format) {
  CreateOptions o;
  o.format = format;
  o.piece_length = kPiece;
  o.include_creation_date = false;
  o.created_by.clear();
  return o;
}

Metainfo parse_strictly(const std::string& bytes) {
  MetainfoOptions mo;
  mo.require_piece_layers = true;
  auto m = parse_metainfo(bytes, mo);
  EXPECT_TRUE(m) << (m ? "" : m.error().message());
  return m ? std::move(*m) : *parse_metainfo("d4:infod6:lengthi1e4:name1:x12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee");
}

std::set<std::string> keys(const bencode::Value& dict) {
  std::set<std::string> out;
  for (const auto& [k, v] : dict.as_dict()) out.insert(k);
  return out;
}

class CreateTorrent : public ::testing::Test {
protected:
  void SetUp() override {
    content = dir / "Album";
    // Sizes leave every file end unaligned to kPiece, names exercise the two file orders.
    write_file(content / "a b", random_bytes(70000, 1));
    write_file(content / "a.txt", random_bytes(33, 2));
    write_file(content / "a/x", random_bytes(100000, 3));
    write_file(content / "cover.jpg", random_bytes(kPiece * 3, 4));  // ends aligned
    write_file(content / "z", random_bytes(5, 5));
    single = dir / "single.bin";
    write_file(single, random_bytes(3 * kPiece + 17, 6));
  }

  CreatedTorrent create(const std::filesystem::path& input, const CreateOptions& options,
                        const WalkOptions& walk = {}) {
    auto set = walk_files(input, walk);
    EXPECT_TRUE(set) << set.error().message;
    auto t = create_torrent(*set, options);
    EXPECT_TRUE(t) << t.error().message;
    return t ? std::move(*t) : CreatedTorrent{};
  }

  std::filesystem::path save(const CreatedTorrent& t, const std::string& file) {
    const auto p = dir / file;
    EXPECT_TRUE(write_file_atomically(p, t.bytes, true));
    return p;
  }

  TempDir dir{"shoal-create-"};
  std::filesystem::path content;
  std::filesystem::path single;
};

// ---- what is written ----

TEST_F(CreateTorrent, HybridLayoutHasPadFilesButNoTailPad) {
  const CreatedTorrent t = create(content, fixed_options(TorrentFormat::hybrid));
  const Metainfo m = parse_strictly(t.bytes);
  EXPECT_EQ(m.version(), MetainfoVersion::hybrid);
  EXPECT_EQ(m.info_hash(), t.info_hash);
  std::vector<std::string> listed;
  for (const FileEntry& f : m.files()) {
    listed.push_back(f.pad ? ".pad/" + std::to_string(f.length) : f.path_string());
    if (!f.pad && f.length > 0) {
      EXPECT_EQ(f.offset % kPiece, 0) << f.path_string();
    }
  }
  // Tree order; a pad after every unaligned file but the last; none after the aligned one.
  EXPECT_EQ(listed, (std::vector<std::string>{
                        "Album/a/x", ".pad/31072", "Album/a b", ".pad/28304", "Album/a.txt",
                        ".pad/32735", "Album/cover.jpg", "Album/z"}));
  EXPECT_EQ(t.num_pad_files, 3u);
  EXPECT_EQ(t.num_files, 5u);
  // a/x: 4 pieces, "a b": 3, a.txt: 1, cover.jpg: 3, z: the start of one more.
  EXPECT_EQ(m.total_size(), (4 + 3 + 1 + 3) * kPiece + 5);
  EXPECT_EQ(t.num_pieces, 12u);
  EXPECT_EQ(t.payload_size, 70000 + 33 + 100000 + 3 * kPiece + 5);
  EXPECT_TRUE(m.has_piece_layers());
}

TEST_F(CreateTorrent, V1InfoHasExactlyMktorrentsKeys) {
  CreateOptions o = fixed_options(TorrentFormat::v1);
  auto top = bencode::decode(create(content, o).bytes);
  ASSERT_TRUE(top);
  EXPECT_EQ(keys(*top), (std::set<std::string>{"info"}));  // no date, no creator, no tracker
  EXPECT_EQ(keys(*top->find("info")),
            (std::set<std::string>{"files", "name", "piece length", "pieces"}));
  // mktorrent's order: whole paths, byte by byte.
  std::vector<std::string> order;
  const bencode::List* files = top->find("info")->find_list("files");
  ASSERT_NE(files, nullptr);
  for (const auto& f : *files) {
    std::string p;
    for (const auto& c : *f.find_list("path")) p += (p.empty() ? "" : "/") + c.as_string();
    order.push_back(p);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"a b", "a.txt", "a/x", "cover.jpg", "z"}));

  o.is_private = true;
  o.source = "SHOAL";
  top = bencode::decode(create(single, o).bytes);
  ASSERT_TRUE(top);
  EXPECT_EQ(keys(*top->find("info")), (std::set<std::string>{"length", "name", "piece length",
                                                             "pieces", "private", "source"}));
  EXPECT_EQ(*top->find("info")->find_int("private"), 1);
}

TEST_F(CreateTorrent, TopLevelFields) {
  CreateOptions o;
  o.format = TorrentFormat::v2;
  o.comment = "a comment";
  o.creation_date = 1700000000;
  o.trackers = {{"http://t1.example/announce", "http://t2.example/announce"},
                {"", "udp://t3.example:6969/announce"},
                {""}};
  o.web_seeds = {"http://ws.example/files/", ""};
  const CreatedTorrent t = create(content, o);
  const Metainfo m = parse_strictly(t.bytes);
  EXPECT_EQ(m.version(), MetainfoVersion::v2);
  EXPECT_EQ(m.comment(), "a comment");
  EXPECT_EQ(m.created_by(), "shoal 0.1.0");
  EXPECT_EQ(m.creation_date(), 1700000000);
  EXPECT_EQ(m.announce(), "http://t1.example/announce");
  EXPECT_EQ(m.trackers(), (std::vector<std::vector<std::string>>{
                              {"http://t1.example/announce", "http://t2.example/announce"},
                              {"udp://t3.example:6969/announce"}}));
  EXPECT_EQ(m.web_seeds(), (std::vector<std::string>{"http://ws.example/files/"}));
  // The automatic piece length for ~400 KB is the minimum.
  EXPECT_EQ(m.piece_length(), 16384);
  // Default creation date: now.
  o.creation_date.reset();
  const auto now = std::time(nullptr);
  const Metainfo m2 = parse_strictly(create(single, o).bytes);
  ASSERT_TRUE(m2.creation_date());
  EXPECT_NEAR(static_cast<double>(*m2.creation_date()), static_cast<double>(now), 5.0);

  auto link = parse_magnet(t.magnet_uri);
  ASSERT_TRUE(link) << t.magnet_uri;
  EXPECT_EQ(link->info_hash, t.info_hash);
  EXPECT_EQ(link->display_name, "Album");
  EXPECT_EQ(link->trackers.size(), 3u);
  EXPECT_EQ(link->web_seeds, (std::vector<std::string>{"http://ws.example/files/"}));
}

TEST_F(CreateTorrent, EveryFormatRoundTripsAndIsDeterministic) {
  for (TorrentFormat f : {TorrentFormat::v1, TorrentFormat::v2, TorrentFormat::hybrid}) {
    for (const auto& input : {content, single}) {
      SCOPED_TRACE(std::string(to_string(f)) + " " + input.string());
      CreateOptions o = fixed_options(f);
      o.name = "renamed";
      const CreatedTorrent a = create(input, o);
      o.threads = 3;
      const CreatedTorrent b = create(input, o);
      EXPECT_EQ(a.bytes, b.bytes);
      const Metainfo m = parse_strictly(a.bytes);
      EXPECT_EQ(m.info_hash(), a.info_hash);
      EXPECT_EQ(m.name(), "renamed");
      EXPECT_EQ(m.is_single_file(), input == single);
      EXPECT_EQ(m.payload_size(), a.payload_size);
      EXPECT_EQ(m.num_pieces(), a.num_pieces);
      EXPECT_EQ(a.info_hash.has_v1(), f != TorrentFormat::v2);
      EXPECT_EQ(a.info_hash.has_v2(), f != TorrentFormat::v1);
    }
  }
}

// ---- errors ----

TEST_F(CreateTorrent, OnlyEmptyFiles) {
  write_file(dir / "empties/a", "");
  write_file(dir / "empties/b", "");
  auto set = walk_files(dir / "empties");
  ASSERT_TRUE(set);
  auto t = create_torrent(*set, {});
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ContentErrc::empty);
}

TEST_F(CreateTorrent, BadOptions) {
  auto set = walk_files(content);
  ASSERT_TRUE(set);
  CreateOptions o;
  o.piece_length = 100000;
  auto t = create_torrent(*set, o);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ContentErrc::invalid_option);
  EXPECT_EQ(t.error().message, "piece length 100000 is not a power of two");
  o.piece_length = 0;
  o.name = "a/b";
  t = create_torrent(*set, o);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ContentErrc::invalid_option);
}

TEST_F(CreateTorrent, TooManyPieces) {
  const auto huge = dir / "huge.img";  // sparse: nothing is read, the check comes first
  write_file(huge, "");
  std::filesystem::resize_file(huge, (std::int64_t{2} << 21) * 16384 + 1);
  auto set = walk_files(huge);
  ASSERT_TRUE(set);
  CreateOptions o;
  o.piece_length = 16384;
  auto t = create_torrent(*set, o);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ContentErrc::too_large);
  EXPECT_NE(t.error().message.find("choose a larger piece length"), std::string::npos);
}

TEST_F(CreateTorrent, FileChangedWhileHashing) {
  const auto sparse = dir / "growing.img";
  write_file(sparse, "");
  std::filesystem::resize_file(sparse, 256 * 1024 * 1024);
  auto set = walk_files(sparse);
  ASSERT_TRUE(set);
  CreateOptions o;
  o.format = TorrentFormat::v1;
  o.progress_interval = std::chrono::milliseconds(1);
  bool touched = false;
  o.progress = [&](const HashProgress&) {
    if (!touched) {
      // Another program appends to the file while it is hashed.
      std::ofstream(sparse, std::ios::app | std::ios::binary) << "more";
      touched = true;
    }
    return true;
  };
  auto t = create_torrent(*set, o);
  ASSERT_TRUE(touched);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ContentErrc::changed);
  EXPECT_NE(t.error().message.find("changed while it was hashed"), std::string::npos);
}

// Truncating a file while it is hashed from a memory mapping raises SIGBUS in the hashing
// thread; the creator turns it into an error instead of dying.
TEST_F(CreateTorrent, FileTruncatedUnderTheMapping) {
  const auto sparse = dir / "shrinking.img";
  write_file(sparse, "");
  std::filesystem::resize_file(sparse, 512 * 1024 * 1024);
  auto set = walk_files(sparse);
  ASSERT_TRUE(set);
  CreateOptions o;
  o.format = TorrentFormat::hybrid;
  o.progress_interval = std::chrono::milliseconds(1);
  bool truncated = false;
  o.progress = [&](const HashProgress& p) {
    if (!truncated && p.pieces_done > 0) {
      std::filesystem::resize_file(sparse, 4096);
      truncated = true;
    }
    return true;
  };
  auto t = create_torrent(*set, o);
  ASSERT_TRUE(truncated);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ContentErrc::changed) << t.error().message;
}

TEST_F(CreateTorrent, FileShrankWhileHashing) {
  auto set = walk_files(single);
  ASSERT_TRUE(set);
  std::filesystem::resize_file(single, 10);  // after the walk, before hashing
  auto t = create_torrent(*set, fixed_options(TorrentFormat::hybrid));
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ContentErrc::changed);
}

TEST(OutputInsideInput, Paths) {
  EXPECT_TRUE(output_inside_input("/data/album", "/data/album/x.torrent"));
  EXPECT_TRUE(output_inside_input("/data/album/", "/data/album/sub/x.torrent"));
  EXPECT_TRUE(output_inside_input("/data/album", "/data/album"));
  EXPECT_TRUE(output_inside_input("/data/album", "/data/x/../album/y.torrent"));
  EXPECT_FALSE(output_inside_input("/data/album", "/data/album.torrent"));
  EXPECT_FALSE(output_inside_input("/data/album", "/data/albums/x.torrent"));
  EXPECT_FALSE(output_inside_input("/data/album/a.bin", "/data/album/a.bin.torrent"));
}

// ---- interop ----

// libtorrent loads every format, single- and multi-file, and computes the same info-hashes.
TEST_F(CreateTorrent, LibtorrentLoadsOursWithTheSameHashes) {
  for (TorrentFormat f : {TorrentFormat::v1, TorrentFormat::v2, TorrentFormat::hybrid}) {
    for (const auto& input : {content, single}) {
      SCOPED_TRACE(std::string(to_string(f)) + " " + input.string());
      CreateOptions o;
      o.format = f;
      o.is_private = true;
      o.trackers = {{"http://tracker.example/announce"}};
      const CreatedTorrent t = create(input, o);
      const auto report = lt_inspect(save(t, "lt.torrent"));
      ASSERT_EQ(report.values.at("loads"), "1") << report.values.at("error");
      EXPECT_EQ(report.values.at("v1"), t.info_hash.v1 ? t.info_hash.v1->hex() : "-");
      EXPECT_EQ(report.values.at("v2"), t.info_hash.v2 ? t.info_hash.v2->hex() : "-");
      EXPECT_EQ(report.values.at("num_pieces"), std::to_string(t.num_pieces));
      EXPECT_EQ(report.values.at("priv"), "1");
      EXPECT_EQ(report.values.at("name"), input.filename().string());
    }
  }
}

// libtorrent's own creator, given the same content and piece length, writes the same info dict:
// the same piece hashes, piece layers, pad files and file order (libtorrent writes a tail pad
// unless told not to; v1-only libtorrent lists files in directory order, so v1 is proven
// against mktorrent below instead).
TEST_F(CreateTorrent, LibtorrentCreatesTheSameV2AndHybridTorrents) {
  struct Case {
    TorrentFormat format;
    const char* lt_flag;
  };
  for (const Case& c : {Case{TorrentFormat::v2, "--v2"}, Case{TorrentFormat::hybrid, "--hybrid"}}) {
    for (const auto& input : {content, single}) {
      SCOPED_TRACE(std::string(to_string(c.format)) + " " + input.string());
      const CreatedTorrent t = create(input, fixed_options(c.format));
      const auto r = run(SHOAL_LT_MAKE_TORRENT,
                         {"create", c.lt_flag, "--no-tail-padding", "--piece-length",
                          std::to_string(kPiece), input.string(), (dir / "by_lt.torrent").string()});
      ASSERT_EQ(r.status, 0) << r.err;
      const auto lt = test::parse_lt_report(r.out);
      EXPECT_EQ(lt.values.at("v1"), t.info_hash.v1 ? t.info_hash.v1->hex() : "-");
      EXPECT_EQ(lt.values.at("v2"), t.info_hash.v2 ? t.info_hash.v2->hex() : "-");
    }
  }
}

// mktorrent 1.1 and shoal give the same v1 info-hash for the same files and piece length.
// mktorrent takes hidden files (so does shoal with include_hidden) and writes `private` and
// `source` inside info; the date and creator are outside info but are left out on both sides.
TEST_F(CreateTorrent, MktorrentGivesTheSameV1InfoHash) {
  write_file(content / ".hidden", "h");
  write_file(content / "empty", "");
  struct Case {
    std::filesystem::path input;
    std::vector<std::string> mk_args;
    bool is_private;
    std::string source;
    int log2_piece;
  };
  const std::vector<Case> cases{
      {content, {}, false, "", 15},
      {content, {"-p", "-s", "SHOAL"}, true, "SHOAL", 16},
      {single, {}, false, "", 15},
      {single, {"-p"}, true, "", 15},  // mktorrent's -l takes 15..28
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input.string() + " -l " + std::to_string(c.log2_piece));
    const auto mk_out = dir / "mk.torrent";
    std::filesystem::remove(mk_out);
    std::vector<std::string> args{"-d", "-t", "2", "-l", std::to_string(c.log2_piece), "-a",
                                  "http://tracker.example/announce", "-o", mk_out.string()};
    args.insert(args.end(), c.mk_args.begin(), c.mk_args.end());
    args.push_back(c.input.string());
    const auto r = run(SHOAL_MKTORRENT, args);
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    auto mk = parse_metainfo(test::read_file(mk_out));
    ASSERT_TRUE(mk);

    CreateOptions o;
    o.format = TorrentFormat::v1;
    o.piece_length = std::int64_t{1} << c.log2_piece;
    o.is_private = c.is_private;
    o.source = c.source;
    o.trackers = {{"http://tracker.example/announce"}};
    WalkOptions w;
    w.include_hidden = true;
    const CreatedTorrent t = create(c.input, o, w);
    ASSERT_TRUE(t.info_hash.v1);
    EXPECT_EQ(t.info_hash.v1->hex(), mk->info_hash().v1->hex());
    const Metainfo ours = parse_strictly(t.bytes);
    EXPECT_EQ(ours.info_section(), mk->info_section());
  }
}

// transmission-show (Transmission 3.00) reads our v1 torrents and prints the same hash. It cannot
// read any v2 or hybrid torrent — libtorrent's neither: its bencode parser refuses the empty
// dictionary key ("") that every BEP 52 file tree uses; Transmission 4 reads them.
TEST_F(CreateTorrent, TransmissionShowReadsOurV1Torrents) {
  for (const auto& input : {content, single}) {
    SCOPED_TRACE(input.string());
    CreateOptions o;
    o.format = TorrentFormat::v1;
    o.trackers = {{"http://tracker.example/announce"}};
    o.comment = "made by shoal";
    const CreatedTorrent t = create(input, o);
    const auto r = run(SHOAL_TRANSMISSION_SHOW, {save(t, "tr.torrent").string()});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("Hash: " + t.info_hash.v1->hex()), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Piece Count: " + std::to_string(t.num_pieces)), std::string::npos);
    EXPECT_NE(r.out.find("http://tracker.example/announce"), std::string::npos);
  }
  const CreatedTorrent hybrid = create(single, fixed_options(TorrentFormat::hybrid));
  const auto ours = run(SHOAL_TRANSMISSION_SHOW, {save(hybrid, "tr_h.torrent").string()});
  const auto lt = run(SHOAL_LT_MAKE_TORRENT,
                      {"create", "--hybrid", single.string(), (dir / "lt_h.torrent").string()});
  ASSERT_EQ(lt.status, 0);
  const auto theirs = run(SHOAL_TRANSMISSION_SHOW, {(dir / "lt_h.torrent").string()});
  EXPECT_NE(ours.status, 0);
  EXPECT_EQ(ours.status, theirs.status);
}

}  // namespace
}  // namespace shoal::peer
