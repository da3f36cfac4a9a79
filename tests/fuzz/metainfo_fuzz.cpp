// Fuzz target: parse_metainfo. Parsing must never crash, hang or exceed its limits, and whatever
// parses must be self-consistent: the info-hashes are the hashes of info_section(), which is a
// slice of the input; every file lies inside the piece stream; the piece counts, piece hashes and
// piece layers agree with the file list; and re-parsing the same bytes gives the same result.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "shoal/proto/metainfo.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace shoal;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto m = parse_metainfo(in);
  if (!m) {
    check(!m.error().what.empty());
    check(m.error().offset == Error::npos || m.error().offset <= size);
    return 0;
  }

  const std::string& info = m->info_section();
  check(in.find(info) != std::string_view::npos);
  check(m->has_v1() == m->info_hash().has_v1() && m->has_v2() == m->info_hash().has_v2());
  if (m->has_v1()) check(*m->info_hash().v1 == sha1(info));
  if (m->has_v2()) check(*m->info_hash().v2 == sha256(info));

  const std::int64_t pl = m->piece_length();
  check(pl > 0 && pl <= kMaxPieceLength);
  check(!m->name().empty());
  check(m->total_size() > 0 && m->total_size() <= kMaxTotalSize);
  check(m->payload_size() <= m->total_size());
  check(m->num_pieces() == static_cast<std::size_t>((m->total_size() + pl - 1) / pl));
  check(m->num_pieces() <= kDefaultMaxPieces);
  check(m->has_v1() ? m->piece_hashes().size() == m->num_pieces() * 20 : m->piece_hashes().empty());
  check(!m->files().empty());

  std::int64_t sum = 0;
  for (std::size_t i = 0; i < m->files().size(); ++i) {
    const FileEntry& f = m->files()[i];
    check(!f.path.empty());
    for (const auto& c : f.path)
      check(!c.empty() && c != "." && c != ".." && c.find('/') == std::string::npos);
    check(f.length >= 0 && f.offset >= 0 && f.offset + f.length <= m->total_size());
    check(!f.symlink || (f.length == 0 && !f.symlink_target.empty()));
    if (m->has_v1()) check(f.offset == sum);
    sum += f.length;
    const PieceRange r = m->file_pieces(i);
    check(r.begin <= r.end && r.end <= m->num_pieces());
    const std::string_view layer = m->piece_layer(i);
    if (!m->has_v2() || !f.pieces_root) {
      check(layer.empty());
    } else {
      check(f.offset % pl == 0);
      if (f.length <= pl)
        check(layer == f.pieces_root->view());
      else
        check(layer.empty() || layer.size() == (r.end - r.begin) * 32);
    }
  }
  if (m->has_v1()) check(sum == m->total_size());
  for (std::size_t p = 0; p < m->num_pieces(); p += 1 + m->num_pieces() / 8) {
    check(m->piece_size(p) > 0 && m->piece_size(p) <= pl);
    if (m->has_v1()) check(m->piece_hash(p).view() == m->piece_hashes().substr(p * 20, 20));
  }

  auto again = parse_metainfo(in);
  check(again && again->info_hash() == m->info_hash() && again->files() == m->files());
  return 0;
}
