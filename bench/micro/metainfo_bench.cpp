// Micro-benchmarks: parse_metainfo on torrents built in-process with bencode::Writer — a small
// single-file v1 torrent, and large multi-file v1 and hybrid torrents (10 000 files, valid piece
// layers) — next to a bare bencode decode of the same bytes, the floor the parser builds on.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "shoal/proto/bencode.hpp"
#include "shoal/proto/metainfo.hpp"

namespace {

using shoal::bencode::Writer;

constexpr std::int64_t kPieceLength = 64 * 1024;

// Stand-in hash bytes: the parser checks lengths and (for piece layers) the hash tree, never the
// file contents.
std::string fake_hashes(std::size_t count, std::size_t size, std::uint32_t seed) {
  std::string out(count * size, '\0');
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<char>((i * 131 + seed * 7) & 0xff);
  return out;
}

std::string small_v1() {
  std::string out;
  Writer w(out);
  w.begin_dict();
  w.key("announce").string("http://tracker.example/announce");
  w.key("created by").string("shoal bench");
  w.key("creation date").integer(1700000000);
  w.key("info").begin_dict();
  w.key("length").integer(3 * kPieceLength - 1000);
  w.key("name").string("single.iso");
  w.key("piece length").integer(kPieceLength);
  w.key("pieces").string(fake_hashes(3, 20, 1));
  w.end();
  w.end();
  return out;
}

// `files` files of 1..~200 KiB in 100 directories. Hybrid adds the file tree (keys sorted: the
// names are zero-padded), BEP 47 pad files and piece layers whose roots are computed for real.
std::string large(std::size_t files, bool hybrid) {
  struct File {
    std::string dir, name;
    std::int64_t length;
    std::string root, layer;
  };
  std::vector<File> list;
  for (std::size_t i = 0; i < files; ++i) {
    char dir[16], name[32];
    std::snprintf(dir, sizeof dir, "dir%03zu", i % 100);
    std::snprintf(name, sizeof name, "file%06zu.bin", i);
    list.push_back({dir, name, static_cast<std::int64_t>(1 + (i * 7919) % 200000), {}, {}});
  }
  std::sort(list.begin(), list.end(), [](const File& a, const File& b) {
    return a.dir != b.dir ? a.dir < b.dir : a.name < b.name;
  });

  const auto blocks_per_piece = static_cast<std::size_t>(kPieceLength / shoal::kV2BlockSize);
  const shoal::Sha256Digest pad = shoal::merkle_pad_root(blocks_per_piece);
  std::int64_t stream = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    File& f = list[i];
    const auto pieces = static_cast<std::size_t>((f.length + kPieceLength - 1) / kPieceLength);
    std::vector<shoal::Sha256Digest> layer(pieces);
    for (std::size_t k = 0; k < pieces; ++k) layer[k] = shoal::sha256(f.name + std::to_string(k));
    const shoal::Sha256Digest root =
        pieces == 1 ? layer[0] : shoal::merkle_root(layer, std::bit_ceil(pieces), pad);
    f.root = std::string(root.view());
    if (pieces > 1)
      for (const auto& h : layer) f.layer += h.view();
    stream += f.length;
    if (hybrid && i + 1 < list.size() && stream % kPieceLength != 0)
      stream += kPieceLength - stream % kPieceLength;
  }

  std::string out;
  Writer w(out);
  w.begin_dict();
  w.key("announce").string("http://tracker.example/announce");
  w.key("info").begin_dict();
  if (hybrid) {
    w.key("file tree").begin_dict();
    std::string current;
    for (const File& f : list) {
      if (f.dir != current) {
        if (!current.empty()) w.end();
        w.key(f.dir).begin_dict();
        current = f.dir;
      }
      w.key(f.name).begin_dict().key("").begin_dict();
      w.key("length").integer(f.length).key("pieces root").string(f.root);
      w.end().end();
    }
    w.end().end();
  }
  w.key("files").begin_list();
  std::int64_t offset = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const File& f = list[i];
    w.begin_dict()
        .key("length")
        .integer(f.length)
        .key("path")
        .begin_list()
        .string(f.dir)
        .string(f.name)
        .end()
        .end();
    offset += f.length;
    if (hybrid && i + 1 < list.size() && offset % kPieceLength != 0) {
      const std::int64_t gap = kPieceLength - offset % kPieceLength;
      w.begin_dict().key("attr").string("p").key("length").integer(gap);
      w.key("path").begin_list().string(".pad").string(std::to_string(gap)).end().end();
      offset += gap;
    }
  }
  w.end();
  if (hybrid) w.key("meta version").integer(2);
  w.key("name").string("large");
  w.key("piece length").integer(kPieceLength);
  const auto pieces = static_cast<std::size_t>((offset + kPieceLength - 1) / kPieceLength);
  w.key("pieces").string(fake_hashes(pieces, 20, 2));
  w.end();
  if (hybrid) {
    std::vector<const File*> by_root;
    for (const File& f : list)
      if (!f.layer.empty()) by_root.push_back(&f);
    std::sort(by_root.begin(), by_root.end(),
              [](const File* a, const File* b) { return a->root < b->root; });
    w.key("piece layers").begin_dict();
    for (const File* f : by_root) w.key(f->root).string(f->layer);
    w.end();
  }
  w.end();
  return out;
}

void run_parse(benchmark::State& state, const std::string& doc) {
  if (!shoal::parse_metainfo(doc)) {
    state.SkipWithError("benchmark torrent does not parse");
    return;
  }
  for (auto _ : state) {
    auto m = shoal::parse_metainfo(doc);
    benchmark::DoNotOptimize(m);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * doc.size()));
}

void BM_MetainfoParseSmallV1(benchmark::State& state) { run_parse(state, small_v1()); }
BENCHMARK(BM_MetainfoParseSmallV1);

void BM_MetainfoParseLargeV1(benchmark::State& state) {
  run_parse(state, large(static_cast<std::size_t>(state.range(0)), false));
}
BENCHMARK(BM_MetainfoParseLargeV1)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_MetainfoParseLargeHybrid(benchmark::State& state) {
  run_parse(state, large(static_cast<std::size_t>(state.range(0)), true));
}
BENCHMARK(BM_MetainfoParseLargeHybrid)->Arg(10000)->Unit(benchmark::kMillisecond);

// The floor: a lenient bencode decode of the same large hybrid document.
void BM_MetainfoDecodeOnlyLargeHybrid(benchmark::State& state) {
  const std::string doc = large(static_cast<std::size_t>(state.range(0)), true);
  for (auto _ : state) {
    auto v = shoal::bencode::decode(doc, shoal::bencode::Mode::lenient);
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * doc.size()));
}
BENCHMARK(BM_MetainfoDecodeOnlyLargeHybrid)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
