// Helpers shared by the create/verify tests of libshoal_peer: content files, running the oracle
// programs (libtorrent's lt_make_torrent, mktorrent, transmission-show, the shoal CLI) and
// reading their answers. Programs are run with shoal::test::ChildProcess (tests/support).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "process.hpp"

namespace shoal::peer::test {

using shoal::test::ChildProcess;
using shoal::test::TempDir;

inline constexpr std::chrono::seconds kProgramTimeout{120};

/// Deterministic pseudo-random bytes (the same seed gives the same content).
inline std::string random_bytes(std::size_t size, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(gen() & 0xff);
  return out;
}

inline void write_file(const std::filesystem::path& p, std::string_view data) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  ASSERT_TRUE(out.good()) << p;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};

/// Runs a program to completion (killed after kProgramTimeout).
inline RunResult run(const std::filesystem::path& program, const std::vector<std::string>& args,
                     const shoal::test::SpawnOptions& options = {}) {
  ChildProcess child = ChildProcess::spawn(program, args, options);
  RunResult r;
  const auto status = child.wait_exit(kProgramTimeout);
  if (!status) {
    child.kill_and_wait();
    ADD_FAILURE() << "timed out: " << program << " " << child.describe();
  }
  child.wait_output_closed(std::chrono::seconds(10));
  r.status = status.value_or(-1);
  r.out = child.output(shoal::test::OutputStream::out);
  r.err = child.output(shoal::test::OutputStream::err);
  return r;
}

/// "key value" lines of lt_make_torrent's output; "file" lines are kept in order.
struct LtReport {
  std::map<std::string, std::string> values;
  std::vector<std::string> files;
};

inline LtReport parse_lt_report(const std::string& output) {
  LtReport r;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    const auto sp = line.find(' ');
    const std::string k = line.substr(0, sp);
    const std::string v = sp == std::string::npos ? "" : line.substr(sp + 1);
    if (k == "file")
      r.files.push_back(v);
    else
      r.values[k] = v;
  }
  return r;
}

/// What libtorrent 2.0.8 makes of a .torrent file.
inline LtReport lt_inspect(const std::filesystem::path& torrent) {
  const RunResult r = run(SHOAL_LT_MAKE_TORRENT, {"inspect", torrent.string()});
  EXPECT_EQ(r.status, 0) << r.err;
  return parse_lt_report(r.out);
}

}  // namespace shoal::peer::test
