// Micro-benchmarks: bencode decode and encode of a torrent-shaped document.
#include <benchmark/benchmark.h>

#include "shoal/proto/bencode.hpp"

namespace {

std::string make_document(std::size_t files) {
  using namespace shoal::bencode;
  List file_list;
  for (std::size_t i = 0; i < files; ++i) {
    file_list.push_back(Value(Dict{{"length", Value(static_cast<Integer>(i * 1000 + 1))},
                                   {"path", Value(List{Value("dir"), Value("file" + std::to_string(i) + ".bin")})}}));
  }
  Dict info{{"files", Value(file_list)},
            {"name", Value("benchmark")},
            {"piece length", Value(262144)},
            {"pieces", Value(std::string(20 * files, 'x'))}};
  return encode(Value(Dict{{"announce", Value("http://tracker.example/announce")}, {"info", Value(info)}}));
}

void BM_BencodeDecode(benchmark::State& state) {
  const std::string doc = make_document(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto v = shoal::bencode::decode(doc);
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * doc.size()));
}
BENCHMARK(BM_BencodeDecode)->Arg(10)->Arg(1000);

void BM_BencodeValidateOnly(benchmark::State& state) {
  const std::string doc = make_document(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto v = shoal::bencode::value_end(doc);
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * doc.size()));
}
BENCHMARK(BM_BencodeValidateOnly)->Arg(10)->Arg(1000);

void BM_BencodeEncode(benchmark::State& state) {
  const auto value = *shoal::bencode::decode(make_document(static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) {
    auto s = shoal::bencode::encode(value);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_BencodeEncode)->Arg(10)->Arg(1000);

}  // namespace
