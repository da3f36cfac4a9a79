// shoal info: what a .torrent file or a magnet link holds (docs/cli.md), and the helpers the
// commands share (commands.hpp).
#include <cctype>
#include <cerrno>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "progress_bar.hpp"
#include "shoal/proto/bencode.hpp"
#include "shoal/proto/magnet.hpp"
#include "shoal/proto/metainfo.hpp"

namespace shoal::cli {

// ---- shared helpers -----------------------------------------------------------------------------

shoal::expected<shoal::Metainfo, std::string> load_torrent_file(const std::string& path) {
  namespace fs = std::filesystem;
  using Result = shoal::expected<shoal::Metainfo, std::string>;
  auto failed = [&](const std::string& why) -> Result {
    return shoal::unexpected<std::string>(path + ": " + why);
  };
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec) return failed("cannot open: " + ec.message());
  if (fs::is_directory(status)) return failed("is a directory, not a .torrent file");
  const auto size = fs::file_size(path, ec);
  if (!ec && size > bencode::kDefaultMaxTotalSize)
    return failed("too large to be a torrent file (" + std::to_string(size) + " bytes)");
  std::ifstream in(path, std::ios::binary);
  if (!in) return failed("cannot open: " + std::generic_category().message(errno));
  std::string bytes;
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return failed("read error");
  auto m = parse_metainfo(bytes);
  if (!m) return failed(m.error().message());
  return std::move(*m);
}

void command_failed(std::string_view command, bool json, std::string_view code,
                    const std::string& message, int exit_code) {
  std::cerr << "shoal " << command << ": " << terminal_safe(message) << "\n";
  if (json) {
    nlohmann::json j;
    j["error"] = {{"code", code}, {"message", message}};
    std::cout << json_text(j) << "\n";
  }
  throw CLI::RuntimeError(exit_code);
}

std::string json_text(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += ch;
  }
  return out;
}

namespace {

constexpr std::string_view kCommand = "info";

struct InfoArgs {
  std::string input;
  bool json = false;
  bool show_pad = false;
};

nlohmann::json hex_or_null(const auto& digest) {
  return digest ? nlohmann::json(digest->hex()) : nlohmann::json(nullptr);
}

/// "2024-05-01 12:00:00 UTC".
std::string format_date(std::int64_t epoch_seconds) {
  const auto t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  if (::gmtime_r(&t, &tm) == nullptr) return std::to_string(epoch_seconds);
  char buf[64];
  if (std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
    return std::to_string(epoch_seconds);
  return buf;
}

/// "1.18 MiB (1234567 bytes)", or "425 bytes" below 1 KiB.
std::string size_text(std::int64_t bytes) {
  if (bytes < 1024) return fmt::format("{} bytes", bytes);
  return fmt::format("{} ({} bytes)", format_bytes(static_cast<double>(bytes)), bytes);
}

std::string_view version_text(MetainfoVersion v) {
  switch (v) {
    case MetainfoVersion::v1: return "v1";
    case MetainfoVersion::v2: return "v2";
    case MetainfoVersion::hybrid: return "hybrid";
  }
  return "v1";
}

void print_field(std::string_view label, const std::string& value) {
  fmt::print("{:<15}{}\n", fmt::format("{}:", label), value);
}

// ---- the file tree ------------------------------------------------------------------------

struct TreeNode {
  std::string name;
  const FileEntry* file = nullptr;           // set for leaves
  std::size_t number = 0;                    // leaves: 1-based among real files (0 for pad files)
  std::vector<std::unique_ptr<TreeNode>> children;
  std::map<std::string, TreeNode*> by_name;  // children lookup; `children` keeps torrent order
  std::int64_t size = 0;                     // bytes under this node

  TreeNode& child(const std::string& child_name) {
    auto it = by_name.find(child_name);
    if (it != by_name.end()) return *it->second;
    children.push_back(std::make_unique<TreeNode>());
    children.back()->name = child_name;
    by_name[child_name] = children.back().get();
    return *children.back();
  }
};

std::string leaf_text(const TreeNode& node) {
  const FileEntry& f = *node.file;
  // The number is what `shoal download --files` takes.
  std::string out = (node.number > 0 ? "[" + std::to_string(node.number) + "] " : std::string()) +
                    terminal_safe(node.name);
  if (f.symlink) {
    std::string target;
    for (const auto& part : f.symlink_target) target += (target.empty() ? "" : "/") + part;
    return out + " -> " + terminal_safe(target);
  }
  out += " (" + format_bytes(static_cast<double>(f.length)) + ")";
  if (f.executable) out += " [executable]";
  if (f.hidden) out += " [hidden]";
  if (f.pad) out += " [padding]";
  return out;
}

void print_tree(const TreeNode& node, const std::string& prefix) {
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    const TreeNode& c = *node.children[i];
    const bool last = i + 1 == node.children.size();
    const std::string text =
        c.file != nullptr ? leaf_text(c)
                          : terminal_safe(c.name) + "/ (" + format_bytes(static_cast<double>(c.size)) + ")";
    fmt::print("{}{}{}\n", prefix, last ? "└── " : "├── ", text);
    if (c.file == nullptr) print_tree(c, prefix + (last ? "    " : "│   "));
  }
}

void print_files(const Metainfo& m, bool show_pad) {
  TreeNode root;
  std::size_t hidden_pads = 0;
  std::size_t number = 0;
  for (const FileEntry& f : m.files()) {
    if (!f.pad) ++number;
    if (f.pad && !show_pad) {
      ++hidden_pads;
      continue;
    }
    TreeNode* node = &root;
    for (const std::string& part : f.path) {
      node->size += f.length;
      node = &node->child(part);
    }
    node->size = f.length;
    node->file = &f;
    node->number = f.pad ? 0 : number;
  }
  std::size_t real_files = 0;
  for (const FileEntry& f : m.files())
    if (!f.pad) ++real_files;
  fmt::print("files ({}{}):\n", real_files,
             hidden_pads == 0   ? ""
             : hidden_pads == 1 ? ", 1 pad file not shown (--pad)"
                                : fmt::format(", {} pad files not shown (--pad)", hidden_pads));
  print_tree(root, "  ");
}

// ---- torrent ------------------------------------------------------------------------------

nlohmann::json torrent_json(const Metainfo& m) {
  const InfoHash& ih = m.info_hash();
  nlohmann::json j;
  j["type"] = "torrent";
  j["name"] = m.name();
  j["info_hash"] = {{"v1", hex_or_null(ih.v1)}, {"v2", hex_or_null(ih.v2)}};
  j["tracker_hash"] = ih.tracker_id().hex();
  j["version"] = version_text(m.version());
  j["total_size"] = m.total_size();
  j["payload_size"] = m.payload_size();
  j["piece_length"] = m.piece_length();
  j["num_pieces"] = m.num_pieces();
  j["private"] = m.is_private();
  j["source"] = m.source().empty() ? nlohmann::json(nullptr) : nlohmann::json(m.source());
  j["comment"] = m.comment().empty() ? nlohmann::json(nullptr) : nlohmann::json(m.comment());
  j["created_by"] = m.created_by().empty() ? nlohmann::json(nullptr) : nlohmann::json(m.created_by());
  if (auto d = m.creation_date()) {
    j["creation_date"] = *d;
    j["creation_date_utc"] = format_date(*d);
  } else {
    j["creation_date"] = nullptr;
    j["creation_date_utc"] = nullptr;
  }
  j["trackers"] = m.trackers();  // tiers
  j["web_seeds"] = m.web_seeds();
  j["http_seeds"] = m.http_seeds();
  nlohmann::json files = nlohmann::json::array();
  for (const FileEntry& f : m.files()) {
    nlohmann::json e{{"path", f.path_string()},
                     {"length", f.length},
                     {"offset", f.offset},
                     {"pad", f.pad},
                     {"executable", f.executable},
                     {"hidden", f.hidden},
                     {"symlink", f.symlink}};
    if (f.symlink) {
      std::string target;
      for (const auto& part : f.symlink_target) target += (target.empty() ? "" : "/") + part;
      e["symlink_target"] = target;
    }
    e["pieces_root"] = hex_or_null(f.pieces_root);
    files.push_back(std::move(e));
  }
  j["files"] = std::move(files);
  return j;
}

void print_torrent(const Metainfo& m, bool show_pad) {
  const InfoHash& ih = m.info_hash();
  print_field("name", terminal_safe(m.name()));
  if (ih.v1) print_field("info-hash v1", ih.v1->hex());
  if (ih.v2) print_field("info-hash v2", ih.v2->hex());
  if (!ih.v1) print_field("tracker hash", ih.tracker_id().hex() + " (v2 hash truncated, BEP 52)");
  print_field("version", std::string(version_text(m.version())));
  print_field("size", size_text(m.payload_size()));
  if (m.total_size() != m.payload_size())
    print_field("piece stream", size_text(m.total_size()) + " with padding");
  print_field("piece length", size_text(m.piece_length()));
  print_field("pieces", std::to_string(m.num_pieces()));
  print_field("private", m.is_private() ? "yes" : "no");
  if (!m.source().empty()) print_field("source", terminal_safe(m.source()));
  if (!m.comment().empty()) print_field("comment", terminal_safe(m.comment()));
  if (!m.created_by().empty()) print_field("created by", terminal_safe(m.created_by()));
  if (auto d = m.creation_date()) print_field("creation date", format_date(*d));

  const auto tiers = m.trackers();
  if (tiers.empty()) {
    print_field("trackers", "none (DHT or peer exchange only)");
  } else {
    fmt::print("trackers:\n");
    for (std::size_t t = 0; t < tiers.size(); ++t)
      for (std::size_t u = 0; u < tiers[t].size(); ++u)
        fmt::print("  {:<9}{}\n", u == 0 ? fmt::format("tier {}:", t + 1) : "",
                   terminal_safe(tiers[t][u]));
  }
  if (!m.web_seeds().empty()) {
    fmt::print("web seeds:\n");
    for (const auto& w : m.web_seeds()) fmt::print("  {}\n", terminal_safe(w));
  }
  if (!m.http_seeds().empty()) {
    fmt::print("http seeds:\n");
    for (const auto& w : m.http_seeds()) fmt::print("  {}\n", terminal_safe(w));
  }
  print_files(m, show_pad);
}

// ---- magnet -------------------------------------------------------------------------------

std::string peer_text(const MagnetPeer& p) {
  const bool v6 = p.host.find(':') != std::string::npos;
  return (v6 ? "[" + p.host + "]" : p.host) + ":" + std::to_string(p.port);
}

std::string select_only_text(const std::vector<FileIndexRange>& ranges) {
  std::string out;
  for (const auto& r : ranges) {
    if (!out.empty()) out += ',';
    out += r.first == r.last ? std::to_string(r.first)
                             : std::to_string(r.first) + "-" + std::to_string(r.last);
  }
  return out;
}

nlohmann::json magnet_json(const MagnetLink& link) {
  nlohmann::json j;
  j["type"] = "magnet";
  j["name"] = link.display_name.empty() ? nlohmann::json(nullptr) : nlohmann::json(link.display_name);
  j["info_hash"] = {{"v1", hex_or_null(link.info_hash.v1)}, {"v2", hex_or_null(link.info_hash.v2)}};
  j["tracker_hash"] = link.info_hash.tracker_id().hex();
  j["trackers"] = link.trackers;
  j["web_seeds"] = link.web_seeds;
  nlohmann::json peers = nlohmann::json::array();
  for (const auto& p : link.peers) peers.push_back(peer_text(p));
  j["peers"] = std::move(peers);
  j["exact_length"] = link.exact_length ? nlohmann::json(*link.exact_length) : nlohmann::json(nullptr);
  nlohmann::json so = nlohmann::json::array();
  for (const auto& r : link.select_only) so.push_back({r.first, r.last});
  j["select_only"] = std::move(so);
  nlohmann::json extra = nlohmann::json::array();
  for (const auto& p : link.extra) extra.push_back({{"name", p.name}, {"value", p.value}});
  j["extra"] = std::move(extra);
  return j;
}

void print_magnet(const MagnetLink& link) {
  print_field("name", link.display_name.empty() ? "(none)" : terminal_safe(link.display_name));
  if (link.info_hash.v1) print_field("info-hash v1", link.info_hash.v1->hex());
  if (link.info_hash.v2) print_field("info-hash v2", link.info_hash.v2->hex());
  if (!link.info_hash.v1)
    print_field("tracker hash", link.info_hash.tracker_id().hex() + " (v2 hash truncated, BEP 52)");
  print_field("version", link.info_hash.is_hybrid() ? "hybrid" : link.info_hash.v1 ? "v1" : "v2");
  if (link.exact_length) print_field("size", size_text(static_cast<std::int64_t>(*link.exact_length)));
  print_field("metadata", "not in a magnet link (size, pieces and files come from peers)");
  if (link.trackers.empty()) {
    print_field("trackers", "none");
  } else {
    fmt::print("trackers:\n");
    for (const auto& t : link.trackers) fmt::print("  {}\n", terminal_safe(t));
  }
  if (!link.web_seeds.empty()) {
    fmt::print("web seeds:\n");
    for (const auto& w : link.web_seeds) fmt::print("  {}\n", terminal_safe(w));
  }
  if (!link.peers.empty()) {
    fmt::print("peers:\n");
    for (const auto& p : link.peers) fmt::print("  {}\n", terminal_safe(peer_text(p)));
  }
  if (!link.select_only.empty()) print_field("select only", select_only_text(link.select_only));
  for (const auto& p : link.extra)
    print_field(terminal_safe(p.name), terminal_safe(p.value));
}

bool is_magnet(std::string_view text) {
  constexpr std::string_view kScheme = "magnet:";
  if (text.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != kScheme[i]) return false;
  return true;
}

void run_info(const InfoArgs& args) {
  if (is_magnet(args.input)) {
    auto link = parse_magnet(args.input);
    if (!link) command_failed(kCommand, args.json, "invalid_magnet", link.error().message());
    if (args.json) std::cout << json_text(magnet_json(*link)) << "\n";
    else print_magnet(*link);
    return;
  }
  auto m = load_torrent_file(args.input);
  if (!m) command_failed(kCommand, args.json, "invalid_torrent", m.error());
  if (args.json) std::cout << json_text(torrent_json(*m)) << "\n";
  else print_torrent(*m, args.show_pad);
}

}  // namespace

void register_info(CLI::App& app) {
  auto args = std::make_shared<InfoArgs>();
  auto* cmd = app.add_subcommand("info", "Show what a .torrent file or a magnet link holds");
  cmd->add_option("input", args->input, "A .torrent file or a magnet: link")->required();
  cmd->add_flag("--json", args->json)->description("Print everything as JSON (files include pad files)");
  cmd->add_flag("--pad", args->show_pad)->description("Show BEP 47 pad files in the file tree");
  cmd->callback([args] { run_info(*args); });
}

}  // namespace shoal::cli
