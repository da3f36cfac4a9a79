// lt_swarm: a libtorrent-rasterbar 2.0.8 peer (which nobody here wrote) for the tracker interop
// tests: it creates a torrent, seeds it, or downloads it, finding its peers only through the
// tracker URLs in the torrent. Every session uses the loopback test-swarm settings of
// design.md ("Peer node"): allow_multiple_connections_per_ip, no DHT/LSD/UPnP/NAT-PMP, no uTP,
// listen_interfaces=127.0.0.1:<port>, POSIX disk I/O.
//
//   lt_swarm make --tracker URL [--tracker URL]... --content PATH --out T [--piece-length N]
//       Creates a v1-only torrent of PATH (a file or a directory) — no pad files, so every client
//       loads it — with each URL in its own tier, and prints "info_hash <hex>".
//
//   lt_swarm seed --torrent T --content DIR [--port P] [--interface ADDR]
//       Seeds T from DIR (the directory that holds the torrent's file or folder) after
//       libtorrent has checked every piece. Prints "listening <port>" once bound, then "seeding"
//       once the torrent is complete AND the tracker has answered an announce (so a leecher
//       started afterwards gets this seed from its first announce), then serves until SIGTERM or
//       SIGINT, then announces "stopped", waits for the tracker's answer (at most 15 s; the
//       line "stopped announce answered" or "... not answered") and exits 0.
//
//   lt_swarm leech --torrent T --save DIR [--port P] [--interface ADDR] [--timeout S]
//       Downloads T into DIR. Exits 0 when every piece has passed libtorrent's hash check, the
//       tracker has answered the "completed" announce, "stopped" has been announced as for
//       seed, and every piece re-read from disk matches its hash again. Prints
//       "progress <percent> peers <n> pieces <have>/<total>" lines, then
//       "peers_from_tracker <n>" (the most peers one tracker reply carried), "hash_failures <n>",
//       "verified <valid>/<total>" and "complete". Exits 1 on timeout or error ("error ..." line).
//
// --port 0 (the default) lets the kernel choose; the chosen port is printed. --interface is the
// IPv4 address to listen on, 127.0.0.1 by default (libtorrent also binds its tracker connections
// to it, so the tracker sees this address). Every alert of interest is printed as
// "alert <type>: <message>". Exit status 2 on bad usage.
#include <libtorrent/alert_types.hpp>
#include <libtorrent/bencode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/hasher.hpp>
#include <libtorrent/hex.hpp>
#include <libtorrent/posix_disk_io.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/torrent_status.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) { g_stop.store(true); }

// One line per call, flushed: the tests read this output through a pipe while we run.
void say(const std::string& line) { std::cout << line << std::endl; }

int usage() {
  std::cerr << "usage: lt_swarm make --tracker URL [--tracker URL]... --content PATH --out T "
               "[--piece-length N]\n"
               "       lt_swarm seed --torrent T --content DIR [--port P] [--interface ADDR]\n"
               "       lt_swarm leech --torrent T --save DIR [--port P] [--interface ADDR] "
               "[--timeout S]\n";
  return 2;
}

struct Options {
  std::vector<std::string> trackers;
  std::string content, out, torrent, save;
  std::string interface = "127.0.0.1";
  int piece_length = 0;
  int port = 0;
  int timeout_s = 120;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--tracker")
      o.trackers.push_back(value());
    else if (a == "--content")
      o.content = value();
    else if (a == "--out")
      o.out = value();
    else if (a == "--torrent")
      o.torrent = value();
    else if (a == "--save")
      o.save = value();
    else if (a == "--piece-length")
      o.piece_length = std::stoi(value());
    else if (a == "--port")
      o.port = std::stoi(value());
    else if (a == "--interface")
      o.interface = value();
    else if (a == "--timeout")
      o.timeout_s = std::stoi(value());
    else
      throw std::invalid_argument("unknown argument " + a);
  }
  return o;
}

int make(const Options& o) {
  if (o.trackers.empty() || o.content.empty() || o.out.empty())
    throw std::invalid_argument("make needs --tracker, --content and --out");
  const std::filesystem::path source = std::filesystem::absolute(o.content);
  lt::file_storage fs;
  lt::add_files(fs, source.string());
  if (fs.num_files() == 0) throw std::runtime_error("no files under " + source.string());
  lt::create_torrent ct(fs, o.piece_length, lt::create_torrent::v1_only);
  int tier = 0;
  for (const auto& url : o.trackers) ct.add_tracker(url, tier++);
  ct.set_creator("lt_swarm (libtorrent " LIBTORRENT_VERSION ")");
  lt::set_piece_hashes(ct, source.parent_path().string());
  std::vector<char> bytes;
  lt::bencode(std::back_inserter(bytes), ct.generate());
  std::ofstream out(o.out, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) throw std::runtime_error("cannot write " + o.out);
  const lt::torrent_info ti(
      lt::span<char const>(bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())), lt::from_span);
  say("info_hash " + lt::aux::to_hex(ti.info_hashes().v1));
  return 0;
}

// The design.md settings for loopback test swarms.
lt::session_params session_params(const Options& o) {
  lt::settings_pack pack;
  pack.set_str(lt::settings_pack::listen_interfaces, o.interface + ":" + std::to_string(o.port));
  pack.set_bool(lt::settings_pack::allow_multiple_connections_per_ip, true);
  pack.set_bool(lt::settings_pack::enable_dht, false);
  pack.set_bool(lt::settings_pack::enable_lsd, false);
  pack.set_bool(lt::settings_pack::enable_upnp, false);
  pack.set_bool(lt::settings_pack::enable_natpmp, false);
  pack.set_bool(lt::settings_pack::enable_outgoing_utp, false);
  pack.set_bool(lt::settings_pack::enable_incoming_utp, false);
  pack.set_bool(lt::settings_pack::announce_to_all_tiers, true);
  pack.set_bool(lt::settings_pack::announce_to_all_trackers, true);
  // "stopped" announces: answered in milliseconds on loopback, but give a loaded machine (or
  // an ASan tracker) time: the tests check that the tracker heard them.
  pack.set_int(lt::settings_pack::stop_tracker_timeout, 10);
  pack.set_int(
      lt::settings_pack::alert_mask,
      static_cast<int>(static_cast<std::uint32_t>(
          lt::alert_category::error | lt::alert_category::status | lt::alert_category::tracker |
          lt::alert_category::storage | lt::alert_category::connect | lt::alert_category::peer)));
  lt::session_params params(std::move(pack));
  params.disk_io_constructor = lt::posix_disk_io_constructor;
  return params;
}

lt::add_torrent_params torrent_params(const std::string& torrent, const std::string& save_path) {
  lt::add_torrent_params atp;
  atp.ti = std::make_shared<lt::torrent_info>(torrent);
  atp.save_path = std::filesystem::absolute(save_path).string();
  return atp;
}

// What the alert loop has seen so far.
struct Observed {
  int listen_port = -1;
  int tracker_replies = 0;
  int max_tracker_peers = 0;
  bool finished = false;
  bool completed_announce_sent = false;
  bool completed_announce_acked = false;  // the tracker answered it
  bool stopped_announce_sent = false;
  bool stopped_announce_answered = false;  // a reply or an error
  int hash_failures = 0;
  std::string fatal;  // a torrent or listen error: give up
};

void handle_alerts(lt::session& ses, Observed& seen) {
  std::vector<lt::alert*> alerts;
  ses.pop_alerts(&alerts);
  for (lt::alert* a : alerts) {
    if (auto* l = lt::alert_cast<lt::listen_succeeded_alert>(a)) {
      if (l->socket_type == lt::socket_type_t::tcp) {
        seen.listen_port = l->port;
        say("listening " + std::to_string(l->port));
      }
      continue;
    }
    if (lt::alert_cast<lt::peer_log_alert>(a) || lt::alert_cast<lt::block_finished_alert>(a) ||
        lt::alert_cast<lt::piece_finished_alert>(a) ||
        lt::alert_cast<lt::block_downloading_alert>(a) ||
        lt::alert_cast<lt::block_timeout_alert>(a) || lt::alert_cast<lt::unwanted_block_alert>(a) ||
        lt::alert_cast<lt::request_dropped_alert>(a))
      continue;
    say(std::string("alert ") + a->what() + ": " + a->message());
    if (auto* l = lt::alert_cast<lt::listen_failed_alert>(a)) {
      if (l->socket_type == lt::socket_type_t::tcp) seen.fatal = "listen failed: " + l->message();
    } else if (auto* r = lt::alert_cast<lt::tracker_reply_alert>(a)) {
      ++seen.tracker_replies;
      if (r->num_peers > seen.max_tracker_peers) seen.max_tracker_peers = r->num_peers;
      if (seen.completed_announce_sent) seen.completed_announce_acked = true;
      if (seen.stopped_announce_sent) seen.stopped_announce_answered = true;
    } else if (lt::alert_cast<lt::tracker_error_alert>(a)) {
      if (seen.stopped_announce_sent) seen.stopped_announce_answered = true;
    } else if (auto* t = lt::alert_cast<lt::tracker_announce_alert>(a)) {
      if (t->event == lt::event_t::completed) seen.completed_announce_sent = true;
      if (t->event == lt::event_t::stopped) seen.stopped_announce_sent = true;
    } else if (lt::alert_cast<lt::torrent_finished_alert>(a)) {
      seen.finished = true;
    } else if (lt::alert_cast<lt::hash_failed_alert>(a)) {
      ++seen.hash_failures;
    } else if (auto* e = lt::alert_cast<lt::torrent_error_alert>(a)) {
      seen.fatal = "torrent error: " + e->message();
    } else if (auto* f = lt::alert_cast<lt::file_error_alert>(a)) {
      seen.fatal = "file error: " + f->message();
    }
  }
}

// Pauses the torrent so that it announces "stopped" while the session is fully up, and waits
// (at most 15 s) for the tracker's answer. Left to ~session, libtorrent 2.0.8 sends "stopped" to
// http:// trackers but nothing to udp:// ones (observed with strace: no datagram leaves once the
// session shuts down; the listen sockets, whose UDP socket carries udp:// tracker traffic, seem
// to close before the torrents stop).
void stop_announcing(lt::session& ses, const lt::torrent_handle& h, Observed& seen) {
  h.unset_flags(lt::torrent_flags::auto_managed);
  h.pause();
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  while (!seen.stopped_announce_answered && Clock::now() < deadline) {
    ses.wait_for_alert(std::chrono::milliseconds(200));
    handle_alerts(ses, seen);
  }
  say(seen.stopped_announce_answered ? "stopped announce answered"
                                     : "stopped announce not answered");
}

int seed(const Options& o) {
  if (o.torrent.empty() || o.content.empty())
    throw std::invalid_argument("seed needs --torrent and --content");
  lt::session ses(session_params(o));
  const lt::torrent_handle h = ses.add_torrent(torrent_params(o.torrent, o.content));
  Observed seen;
  bool announced_seeding = false;
  auto last_report = Clock::now();
  while (!g_stop.load()) {
    ses.wait_for_alert(std::chrono::milliseconds(200));
    handle_alerts(ses, seen);
    if (!seen.fatal.empty()) {
      say("error " + seen.fatal);
      return 1;
    }
    const lt::torrent_status st = h.status();
    if (!announced_seeding && st.is_seeding && seen.tracker_replies > 0) {
      say("seeding");
      announced_seeding = true;
    }
    if (Clock::now() - last_report > std::chrono::seconds(2)) {
      last_report = Clock::now();
      say("status state " + std::to_string(static_cast<int>(st.state)) + " peers " +
          std::to_string(st.num_peers) + " uploaded " + std::to_string(st.total_payload_upload));
    }
  }
  say("stopping");
  stop_announcing(ses, h, seen);
  return 0;
}

// Re-reads every piece of `ti` from under `save_path` and hashes it with libtorrent's SHA-1,
// mapping pieces to files with libtorrent's file_storage. Returns the number of valid pieces.
int count_valid_pieces(const lt::torrent_info& ti, const std::string& save_path) {
  const lt::file_storage& fs = ti.files();
  int valid = 0;
  std::vector<char> piece;
  for (const lt::piece_index_t p : fs.piece_range()) {
    const int size = fs.piece_size(p);
    piece.assign(static_cast<std::size_t>(size), '\0');
    bool readable = true;
    std::int64_t at = 0;
    for (const lt::file_slice& slice : fs.map_block(p, 0, size)) {
      if (!fs.pad_file_at(slice.file_index)) {
        std::ifstream in(fs.file_path(slice.file_index, save_path), std::ios::binary);
        in.seekg(slice.offset);
        in.read(piece.data() + at, static_cast<std::streamsize>(slice.size));
        readable = readable && static_cast<bool>(in);
      }
      at += slice.size;
    }
    if (readable && lt::hasher(piece.data(), size).final() == ti.hash_for_piece(p)) ++valid;
  }
  return valid;
}

int leech(const Options& o) {
  if (o.torrent.empty() || o.save.empty())
    throw std::invalid_argument("leech needs --torrent and --save");
  const lt::add_torrent_params atp = torrent_params(o.torrent, o.save);
  const std::shared_ptr<const lt::torrent_info> ti = atp.ti;
  const auto deadline = Clock::now() + std::chrono::seconds(o.timeout_s);
  Observed seen;
  std::string failure;
  {
    lt::session ses(session_params(o));
    const lt::torrent_handle h = ses.add_torrent(atp);
    auto last_report = Clock::now();
    // Done when every piece has arrived and passed libtorrent's hash check (torrent_finished)
    // and the tracker has answered the "completed" announce; then no announce is in flight
    // and "stopped" follows cleanly.
    while (!(seen.finished && seen.completed_announce_acked)) {
      if (g_stop.load()) {
        failure = "interrupted";
        break;
      }
      if (Clock::now() > deadline) {
        failure = "timeout";
        break;
      }
      ses.wait_for_alert(std::chrono::milliseconds(200));
      handle_alerts(ses, seen);
      if (!seen.fatal.empty()) {
        failure = seen.fatal;
        break;
      }
      if (Clock::now() - last_report > std::chrono::seconds(1)) {
        last_report = Clock::now();
        const lt::torrent_status st = h.status();
        say("progress " + std::to_string(st.progress_ppm / 10000) + " peers " +
            std::to_string(st.num_peers) + " pieces " + std::to_string(st.num_pieces) + "/" +
            std::to_string(ti->num_pieces()));
      }
    }
    say("peers_from_tracker " + std::to_string(seen.max_tracker_peers));
    say("hash_failures " + std::to_string(seen.hash_failures));
    say("stopping");
    stop_announcing(ses, h, seen);
  }  // ~session: files closed
  if (!failure.empty()) {
    say("error " + failure +
        (seen.finished && !seen.completed_announce_acked
             ? " (finished, but the tracker did not answer the completed announce)"
             : ""));
    return 1;
  }
  // Check what is on disk, not only what passed through memory.
  const int valid = count_valid_pieces(*ti, atp.save_path);
  say("verified " + std::to_string(valid) + "/" + std::to_string(ti->num_pieces()));
  if (valid != ti->num_pieces()) {
    say("error the data on disk does not match the piece hashes");
    return 1;
  }
  say("complete");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  const std::string command = argv[1];
  try {
    const Options o = parse(argc, argv);
    if (command == "make") return make(o);
    if (command == "seed") return seed(o);
    if (command == "leech") return leech(o);
  } catch (const std::invalid_argument& e) {
    std::cerr << "lt_swarm: " << e.what() << "\n";
    return usage();
  } catch (const std::exception& e) {
    std::cerr << "lt_swarm: " << e.what() << "\n";
    say("error " + std::string(e.what()));
    return 1;
  }
  return usage();
}
