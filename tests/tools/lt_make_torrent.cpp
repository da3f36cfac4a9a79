// lt_make_torrent: an oracle for the metainfo tests, built on libtorrent-rasterbar 2.0.8 (which
// nobody here wrote). It creates v1, v2 or hybrid torrents with libtorrent's own creator and
// reports what libtorrent makes of a .torrent file, so tests can hold Shoal's parser against it.
//
//   lt_make_torrent create [--v1|--v2|--hybrid] [--piece-length N] [--private] [--symlinks]
//                          [--no-tail-padding] [--tracker URL [--tier N]]... [--web-seed URL]...
//                          [--comment TEXT] <path> <out.torrent>
//       Hashes <path> (a file or a directory) with lt::set_piece_hashes, writes the torrent and
//       prints, one per line, "v1 <hex>" and "v2 <hex>" ("-" when the torrent has no such hash).
//       Default: hybrid, piece length chosen by libtorrent. --tier applies to the next --tracker.
//
//   lt_make_torrent inspect <file.torrent>
//       Loads the file with lt::torrent_info and prints "loads 0" and "error <message>", or
//       "loads 1" followed by "v1", "v2", "num_files", "total_size", "piece_length", "num_pieces",
//       "priv", "name" lines and one "file <offset> <size> <flags> <path>" line per file
//       (flags: p = pad, x = executable, h = hidden, l = symlink), each symlink's followed by a
//       "target <path>" line.
//
// Exit status 0 on success (including "loads 0"), 2 on bad usage, 1 when creating fails.
#include <libtorrent/bencode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/file_storage.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/version.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace {

int usage() {
  std::cerr
      << "usage: lt_make_torrent create [--v1|--v2|--hybrid] [--piece-length N] [--private]\n"
         "                              [--symlinks] [--no-tail-padding] [--tracker URL [--tier "
         "N]]...\n"
         "                              [--web-seed URL]... [--comment TEXT] <path> <out.torrent>\n"
         "       lt_make_torrent inspect <file.torrent>\n";
  return 2;
}

std::string hex(const char* data, std::size_t size) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    const auto u = static_cast<unsigned char>(data[i]);
    out.push_back(digits[u >> 4]);
    out.push_back(digits[u & 15]);
  }
  return out;
}

void print_hashes(const lt::info_hash_t& ih) {
  std::cout << "v1 " << (ih.has_v1() ? hex(ih.v1.data(), ih.v1.size()) : "-") << "\n";
  std::cout << "v2 " << (ih.has_v2() ? hex(ih.v2.data(), ih.v2.size()) : "-") << "\n";
}

std::vector<char> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int inspect(const std::string& path) {
  const std::vector<char> buf = read_file(path);
  lt::error_code ec;
  lt::torrent_info ti(lt::span<char const>(buf.data(), static_cast<std::ptrdiff_t>(buf.size())), ec,
                      lt::from_span);
  if (ec) {
    std::cout << "loads 0\nerror " << ec.message() << "\n";
    return 0;
  }
  std::cout << "loads 1\n";
  print_hashes(ti.info_hashes());
  const lt::file_storage& fs = ti.files();
  std::cout << "num_files " << ti.num_files() << "\n"
            << "total_size " << ti.total_size() << "\n"
            << "piece_length " << ti.piece_length() << "\n"
            << "num_pieces " << ti.num_pieces() << "\n"
            << "priv " << (ti.priv() ? 1 : 0) << "\n"
            << "name " << ti.name() << "\n";
  for (lt::file_index_t i : fs.file_range()) {
    const auto flags = fs.file_flags(i);
    std::string f;
    if (flags & lt::file_storage::flag_pad_file) f += 'p';
    if (flags & lt::file_storage::flag_executable) f += 'x';
    if (flags & lt::file_storage::flag_hidden) f += 'h';
    if (flags & lt::file_storage::flag_symlink) f += 'l';
    if (f.empty()) f = "-";
    std::cout << "file " << fs.file_offset(i) << " " << fs.file_size(i) << " " << f << " "
              << fs.file_path(i) << "\n";
    if (flags & lt::file_storage::flag_symlink) std::cout << "target " << fs.symlink(i) << "\n";
  }
  return 0;
}

int create(int argc, char** argv) {
  lt::create_flags_t flags{};
  int piece_length = 0;
  bool priv = false;
  std::vector<std::pair<std::string, int>> trackers;
  std::vector<std::string> web_seeds;
  std::string comment;
  int next_tier = 0;
  std::vector<std::string> positional;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--v1")
      flags |= lt::create_torrent::v1_only;
    else if (a == "--v2")
      flags |= lt::create_torrent::v2_only;
    else if (a == "--hybrid") {
    } else if (a == "--piece-length")
      piece_length = std::stoi(value());
    else if (a == "--private")
      priv = true;
    else if (a == "--symlinks")
      flags |= lt::create_torrent::symlinks;
    else if (a == "--no-tail-padding")
      flags |= lt::create_torrent::canonical_files_no_tail_padding;
    else if (a == "--tier")
      next_tier = std::stoi(value());
    else if (a == "--tracker")
      trackers.emplace_back(value(), next_tier);
    else if (a == "--web-seed")
      web_seeds.push_back(value());
    else if (a == "--comment")
      comment = value();
    else if (!a.empty() && a[0] == '-')
      throw std::invalid_argument("unknown option " + a);
    else
      positional.push_back(a);
  }
  if (positional.size() != 2) throw std::invalid_argument("need <path> and <out.torrent>");
  const std::filesystem::path source = std::filesystem::absolute(positional[0]);

  lt::file_storage fs;
  lt::add_files(fs, source.string(), flags);
  if (fs.num_files() == 0) throw std::runtime_error("no files under " + source.string());
  lt::create_torrent ct(fs, piece_length, flags);
  for (const auto& [url, tier] : trackers) ct.add_tracker(url, tier);
  for (const auto& url : web_seeds) ct.add_url_seed(url);
  if (!comment.empty()) ct.set_comment(comment.c_str());
  ct.set_creator("lt_make_torrent (libtorrent " LIBTORRENT_VERSION ")");
  ct.set_priv(priv);
  lt::set_piece_hashes(ct, source.parent_path().string());

  std::vector<char> bytes;
  lt::bencode(std::back_inserter(bytes), ct.generate());
  std::ofstream out(positional[1], std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) throw std::runtime_error("cannot write " + positional[1]);

  lt::torrent_info ti(lt::span<char const>(bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())),
                      lt::from_span);
  print_hashes(ti.info_hashes());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string command = argv[1];
  try {
    if (command == "create") return create(argc, argv);
    if (command == "inspect" && argc == 3) return inspect(argv[2]);
  } catch (const std::invalid_argument& e) {
    std::cerr << "lt_make_torrent: " << e.what() << "\n";
    return usage();
  } catch (const std::exception& e) {
    std::cerr << "lt_make_torrent: " << e.what() << "\n";
    return 1;
  }
  return usage();
}
