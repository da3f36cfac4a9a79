#include "shoal/peer/node.hpp"

#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/announce_entry.hpp>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/bencode.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/ip_filter.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/peer_info.hpp>
#include <libtorrent/posix_disk_io.hpp>
#include <libtorrent/read_resume_data.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/session_stats.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/torrent_status.hpp>
#include <libtorrent/write_resume_data.hpp>

#include <algorithm>
#include <deque>
#include <exception>
#include <fstream>
#include <iterator>
#include <set>
#include <system_error>
#include <tuple>
#include <utility>

#include "shoal/proto/magnet.hpp"
#include "shoal/proto/metainfo.hpp"

namespace shoal::peer {

namespace lt = libtorrent;
namespace fs = std::filesystem;

namespace {

constexpr auto kListenWait = std::chrono::seconds(5);
// Our key in the resume file: libtorrent's resume data has no queue position.
constexpr const char* kQueuePositionKey = "shoal-queue-position";

/// The key of a torrent in Node's own sets; "" for an empty hash (the handle of a torrent
/// removed meanwhile reports none).
std::string key_of(const InfoHash& id) { return id.empty() ? std::string() : id.tracker_id().hex(); }

InfoHash to_info_hash(const lt::info_hash_t& ih) {
  InfoHash out;
  if (ih.has_v1()) out.v1 = Sha1Digest::from_bytes(std::string_view(ih.v1.data(), ih.v1.size()));
  if (ih.has_v2()) out.v2 = Sha256Digest::from_bytes(std::string_view(ih.v2.data(), ih.v2.size()));
  return out;
}

// True when the libtorrent torrent is the one `id` names: same v1 hash, same v2 hash, or `id`'s
// tracker id equal to either (so a bare v1 or truncated v2 hash also finds a hybrid torrent).
bool same_torrent(const lt::info_hash_t& ih, const InfoHash& id) {
  if (id.empty()) return false;
  const InfoHash mine = to_info_hash(ih);
  if (id.v1 && mine.v1 && *id.v1 == *mine.v1) return true;
  if (id.v2 && mine.v2 && *id.v2 == *mine.v2) return true;
  if (mine.empty()) return false;
  return id.tracker_id() == mine.tracker_id() ||
         (mine.v1 && id.tracker_id() == *mine.v1) ||
         (mine.v2 && mine.tracker_id() == id.tracker_id());
}

TorrentState to_state(lt::torrent_status::state_t s) {
  switch (s) {
    case lt::torrent_status::checking_files: return TorrentState::checking_files;
    case lt::torrent_status::downloading_metadata: return TorrentState::downloading_metadata;
    case lt::torrent_status::downloading: return TorrentState::downloading;
    case lt::torrent_status::finished: return TorrentState::finished;
    case lt::torrent_status::seeding: return TorrentState::seeding;
    case lt::torrent_status::checking_resume_data: return TorrentState::checking_resume_data;
    default: return TorrentState::unknown;
  }
}

std::string exception_message(const std::exception& e) { return std::string("libtorrent: ") + e.what(); }

// Writes atomically (temporary file + rename) so a crash never leaves a truncated resume file.
bool write_file_atomic(const fs::path& path, const std::vector<char>& bytes) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) fs::remove(tmp, ec);
  return !ec;
}

}  // namespace

const char* to_string(TorrentState state) noexcept {
  switch (state) {
    case TorrentState::checking_resume_data: return "checking resume data";
    case TorrentState::checking_files: return "checking";
    case TorrentState::downloading_metadata: return "downloading metadata";
    case TorrentState::downloading: return "downloading";
    case TorrentState::finished: return "finished";
    case TorrentState::seeding: return "seeding";
    case TorrentState::queued: return "queued";
    case TorrentState::unknown: break;
  }
  return "unknown";
}

const char* to_string(EventKind kind) noexcept {
  switch (kind) {
    case EventKind::added: return "added";
    case EventKind::finished: return "finished";
    case EventKind::error: return "error";
    case EventKind::tracker_reply: return "tracker reply";
    case EventKind::tracker_error: return "tracker error";
    case EventKind::metadata_received: return "metadata received";
    case EventKind::removed: return "removed";
    case EventKind::paused: return "paused";
    case EventKind::resumed: return "resumed";
    case EventKind::state_changed: return "state changed";
    case EventKind::storage_moved: return "storage moved";
    case EventKind::storage_move_failed: return "storage move failed";
    case EventKind::checked: return "checked";
  }
  return "unknown";
}

NodeSettings NodeSettings::loopback_test(std::uint16_t port) {
  NodeSettings s;
  s.listen_interfaces = "127.0.0.1:" + std::to_string(port);
  s.enable_dht = false;
  s.enable_lsd = false;
  s.enable_upnp = false;
  s.enable_natpmp = false;
  s.enable_utp = false;  // uTP is ~12x slower than TCP on loopback
  s.allow_multiple_connections_per_ip = true;
  s.posix_disk_io = true;
  return s;
}

struct Node::Impl {
  NodeSettings settings;
  std::unique_ptr<lt::session> session;
  std::deque<Event> pending;
  // Torrents the user wants outside the queue (AddTorrentParams::auto_managed = false), by
  // key_of(); resume() keeps them unmanaged.
  std::set<std::string> forced;
  // Of those, the ones still in their initial check (auto-managed until torrent_checked_alert).
  std::set<std::string> unmanage_after_check;

  lt::torrent_handle find(const InfoHash& id) const {
    for (const lt::torrent_handle& h : session->get_torrents()) {
      if (h.is_valid() && same_torrent(h.info_hashes(), id)) return h;
    }
    return {};
  }

  expected<lt::torrent_handle, std::string> need(const InfoHash& id) const {
    lt::torrent_handle h = find(id);
    if (!h.is_valid()) return shoal::unexpected<std::string>("no such torrent in this node");
    return h;
  }

  fs::path resume_path(const InfoHash& id) const {
    return settings.state_dir / (id.tracker_id().hex() + ".resume");
  }

  // Converts one alert; the resume-data alerts are handled by save_resume_data() itself.
  std::optional<Event> convert(const lt::alert* a) const {
    Event ev;
    if (const auto* added = lt::alert_cast<lt::add_torrent_alert>(a)) {
      if (added->error) {
        ev.kind = EventKind::error;
        ev.info_hash = to_info_hash(added->params.info_hashes);
        ev.message = "add torrent: " + added->error.message();
      } else {
        ev.kind = EventKind::added;
        ev.info_hash = to_info_hash(added->handle.info_hashes());
      }
      return ev;
    }
    if (const auto* fin = lt::alert_cast<lt::torrent_finished_alert>(a)) {
      ev.kind = EventKind::finished;
      ev.info_hash = to_info_hash(fin->handle.info_hashes());
      return ev;
    }
    if (const auto* err = lt::alert_cast<lt::torrent_error_alert>(a)) {
      ev.kind = EventKind::error;
      ev.info_hash = to_info_hash(err->handle.info_hashes());
      ev.message = err->error.message();
      if (err->filename() && *err->filename()) ev.message += std::string(" (") + err->filename() + ")";
      return ev;
    }
    if (const auto* ferr = lt::alert_cast<lt::file_error_alert>(a)) {
      ev.kind = EventKind::error;
      ev.info_hash = to_info_hash(ferr->handle.info_hashes());
      ev.message = std::string("file ") + lt::operation_name(ferr->op) + ": " + ferr->error.message() +
                   " (" + ferr->filename() + ")";
      return ev;
    }
    if (const auto* rep = lt::alert_cast<lt::tracker_reply_alert>(a)) {
      ev.kind = EventKind::tracker_reply;
      ev.info_hash = to_info_hash(rep->handle.info_hashes());
      ev.tracker_url = rep->tracker_url();
      ev.num_peers = rep->num_peers;
      return ev;
    }
    if (const auto* terr = lt::alert_cast<lt::tracker_error_alert>(a)) {
      ev.kind = EventKind::tracker_error;
      ev.info_hash = to_info_hash(terr->handle.info_hashes());
      ev.tracker_url = terr->tracker_url();
      ev.message = terr->failure_reason();
      if (ev.message.empty()) ev.message = terr->error.message();
      return ev;
    }
    if (const auto* md = lt::alert_cast<lt::metadata_received_alert>(a)) {
      ev.kind = EventKind::metadata_received;
      ev.info_hash = to_info_hash(md->handle.info_hashes());
      return ev;
    }
    if (const auto* rm = lt::alert_cast<lt::torrent_removed_alert>(a)) {
      ev.kind = EventKind::removed;
      ev.info_hash = to_info_hash(rm->info_hashes);
      return ev;
    }
    if (const auto* p = lt::alert_cast<lt::torrent_paused_alert>(a)) {
      ev.kind = EventKind::paused;
      ev.info_hash = to_info_hash(p->handle.info_hashes());
      return ev;
    }
    if (const auto* r = lt::alert_cast<lt::torrent_resumed_alert>(a)) {
      ev.kind = EventKind::resumed;
      ev.info_hash = to_info_hash(r->handle.info_hashes());
      return ev;
    }
    if (const auto* sc = lt::alert_cast<lt::state_changed_alert>(a)) {
      ev.kind = EventKind::state_changed;
      ev.info_hash = to_info_hash(sc->handle.info_hashes());
      ev.state = to_state(sc->state);
      return ev;
    }
    if (const auto* mv = lt::alert_cast<lt::storage_moved_alert>(a)) {
      ev.kind = EventKind::storage_moved;
      ev.info_hash = to_info_hash(mv->handle.info_hashes());
      ev.message = mv->storage_path();
      return ev;
    }
    if (const auto* mf = lt::alert_cast<lt::storage_moved_failed_alert>(a)) {
      ev.kind = EventKind::storage_move_failed;
      ev.info_hash = to_info_hash(mf->handle.info_hashes());
      ev.message = std::string(lt::operation_name(mf->op)) + ": " + mf->error.message();
      if (mf->file_path() && *mf->file_path()) ev.message += std::string(" (") + mf->file_path() + ")";
      return ev;
    }
    if (const auto* ck = lt::alert_cast<lt::torrent_checked_alert>(a)) {
      ev.kind = EventKind::checked;
      ev.info_hash = to_info_hash(ck->handle.info_hashes());
      return ev;
    }
    if (const auto* lf = lt::alert_cast<lt::listen_failed_alert>(a)) {
      ev.kind = EventKind::error;
      ev.message = "listen on " + lf->address.to_string() + ":" + std::to_string(lf->port) + ": " +
                   lf->error.message();
      return ev;
    }
    return std::nullopt;
  }

  // Every popped alert goes through here (poll, save_resume_data, session_totals): side effects
  // first, then the event is queued for poll().
  void handle(const lt::alert* a) {
    if (const auto* ck = lt::alert_cast<lt::torrent_checked_alert>(a)) {
      const InfoHash id = to_info_hash(ck->handle.info_hashes());
      if (!id.empty() && unmanage_after_check.erase(key_of(id)) > 0 && ck->handle.is_valid()) {
        ck->handle.unset_flags(lt::torrent_flags::auto_managed);
        ck->handle.resume();
      }
    }
    if (auto ev = convert(a)) pending.push_back(std::move(*ev));
  }

  void drain_into_pending() {
    std::vector<lt::alert*> alerts;
    session->pop_alerts(&alerts);
    for (const lt::alert* a : alerts) handle(a);
  }

  void load_resume_files() {
    struct Loaded {
      std::int64_t queue_position;
      lt::add_torrent_params atp;
      fs::path file;
    };
    std::vector<Loaded> loaded;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(settings.state_dir, ec)) {
      if (entry.path().extension() != ".resume") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      lt::error_code lec;
      lt::add_torrent_params atp = lt::read_resume_data(bytes, lec);
      if (lec) {
        pending.push_back(Event{EventKind::error, {},
                                "resume file " + entry.path().string() + ": " + lec.message(), {}, 0,
                                TorrentState::unknown});
        continue;
      }
      std::int64_t pos = -1;
      lt::error_code bec;
      const lt::bdecode_node root = lt::bdecode(bytes, bec);
      if (!bec && root.type() == lt::bdecode_node::dict_t) pos = root.dict_find_int_value(kQueuePositionKey, -1);
      loaded.push_back(Loaded{pos, std::move(atp), entry.path()});
    }
    // Re-add in the saved queue order (torrents outside the queue last, by added time), so the
    // queue positions come back.
    std::stable_sort(loaded.begin(), loaded.end(), [](const Loaded& x, const Loaded& y) {
      return std::make_tuple(x.queue_position < 0, x.queue_position, x.atp.added_time) <
             std::make_tuple(y.queue_position < 0, y.queue_position, y.atp.added_time);
    });
    for (Loaded& l : loaded) {
      const bool unmanaged_running = !(l.atp.flags & lt::torrent_flags::auto_managed) &&
                                     !(l.atp.flags & lt::torrent_flags::paused);
      const InfoHash id = to_info_hash(l.atp.info_hashes);
      if (unmanaged_running) {
        // See add_torrent(): the check only runs auto-managed.
        l.atp.flags |= lt::torrent_flags::auto_managed;
        forced.insert(key_of(id));
        unmanage_after_check.insert(key_of(id));
      }
      lt::error_code lec;
      session->add_torrent(std::move(l.atp), lec);
      if (lec) {
        pending.push_back(Event{EventKind::error, id,
                                "resume file " + l.file.string() + ": " + lec.message(), {}, 0,
                                TorrentState::unknown});
      }
    }
  }
};

Node::Node(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Node::~Node() = default;

expected<std::unique_ptr<Node>, std::string> Node::create(NodeSettings settings) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->settings = std::move(settings);
    const NodeSettings& s = impl->settings;
    if (!s.state_dir.empty()) {
      std::error_code ec;
      fs::create_directories(s.state_dir, ec);
      if (ec) {
        return shoal::unexpected<std::string>("state directory " + s.state_dir.string() + ": " +
                                              ec.message());
      }
    }
    lt::settings_pack sp;
    sp.set_str(lt::settings_pack::listen_interfaces, s.listen_interfaces);
    sp.set_str(lt::settings_pack::user_agent, s.user_agent);
    sp.set_bool(lt::settings_pack::enable_dht, s.enable_dht);
    sp.set_bool(lt::settings_pack::enable_lsd, s.enable_lsd);
    sp.set_bool(lt::settings_pack::enable_upnp, s.enable_upnp);
    sp.set_bool(lt::settings_pack::enable_natpmp, s.enable_natpmp);
    sp.set_bool(lt::settings_pack::enable_outgoing_utp, s.enable_utp);
    sp.set_bool(lt::settings_pack::enable_incoming_utp, s.enable_utp);
    sp.set_bool(lt::settings_pack::allow_multiple_connections_per_ip,
                s.allow_multiple_connections_per_ip);
    sp.set_int(lt::settings_pack::download_rate_limit, s.download_rate_limit);
    sp.set_int(lt::settings_pack::upload_rate_limit, s.upload_rate_limit);
    if (s.active_downloads < -1 || s.active_seeds < -1 || s.active_limit < -1) {
      return shoal::unexpected<std::string>("queue limits must be -1 (unlimited) or more");
    }
    sp.set_int(lt::settings_pack::active_downloads, s.active_downloads);
    sp.set_int(lt::settings_pack::active_seeds, s.active_seeds);
    sp.set_int(lt::settings_pack::active_limit, s.active_limit);
    sp.set_int(lt::settings_pack::alert_mask,
               static_cast<int>(static_cast<std::uint32_t>(
                   lt::alert_category::error | lt::alert_category::status |
                   lt::alert_category::tracker | lt::alert_category::storage)));
    lt::session_params params(std::move(sp));
    if (s.posix_disk_io) params.disk_io_constructor = lt::posix_disk_io_constructor;
    impl->session = std::make_unique<lt::session>(std::move(params));
    if (s.rate_limit_local_peers) {
      // libtorrent puts peers on local networks in its "local" peer class, which the session
      // limits skip; with this filter every address is in the global class only.
      lt::ip_filter every_address;
      every_address.add_rule(lt::make_address("0.0.0.0"), lt::make_address("255.255.255.255"),
                             1u << static_cast<std::uint32_t>(lt::session::global_peer_class_id));
      every_address.add_rule(lt::make_address("::"), lt::make_address("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
                             1u << static_cast<std::uint32_t>(lt::session::global_peer_class_id));
      impl->session->set_peer_class_filter(every_address);
    }

    // Wait until at least one TCP socket listens; failures on other interfaces (e.g. IPv6 in a
    // container) are only events.
    std::vector<std::string> failures;
    bool listening = false;
    const auto deadline = std::chrono::steady_clock::now() + kListenWait;
    while (!listening && std::chrono::steady_clock::now() < deadline) {
      if (!impl->session->wait_for_alert(std::chrono::milliseconds(100))) continue;
      std::vector<lt::alert*> alerts;
      impl->session->pop_alerts(&alerts);
      for (const lt::alert* a : alerts) {
        if (const auto* ok = lt::alert_cast<lt::listen_succeeded_alert>(a)) {
          if (ok->socket_type == lt::socket_type_t::tcp) listening = true;
        } else if (auto ev = impl->convert(a)) {
          if (lt::alert_cast<lt::listen_failed_alert>(a)) failures.push_back(ev->message);
          impl->pending.push_back(std::move(*ev));
        }
      }
    }
    if (!listening) {
      std::string msg = "cannot listen on " + s.listen_interfaces;
      for (const auto& f : failures) msg += "; " + f;
      return shoal::unexpected<std::string>(msg);
    }
    if (!s.state_dir.empty()) impl->load_resume_files();
    return std::unique_ptr<Node>(new Node(std::move(impl)));
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

std::uint16_t Node::listen_port() const { return m_impl->session->listen_port(); }

expected<InfoHash, std::string> Node::add_torrent(const AddTorrentParams& params) {
  try {
    if (params.torrent_bytes.empty() == params.magnet_uri.empty()) {
      return shoal::unexpected<std::string>("give exactly one of torrent bytes or a magnet URI");
    }
    lt::add_torrent_params atp;
    InfoHash id;
    if (!params.magnet_uri.empty()) {
      auto link = parse_magnet(params.magnet_uri);
      if (!link) return shoal::unexpected<std::string>(link.error().message());
      id = link->info_hash;
      lt::error_code ec;
      lt::parse_magnet_uri(params.magnet_uri, atp, ec);
      if (ec) return shoal::unexpected<std::string>("magnet: " + ec.message());
    } else {
      auto meta = parse_metainfo(params.torrent_bytes);
      if (!meta) return shoal::unexpected<std::string>(meta.error().message());
      id = meta->info_hash();
      lt::error_code ec;
      auto ti = std::make_shared<lt::torrent_info>(
          lt::span<const char>(params.torrent_bytes.data(),
                               static_cast<std::ptrdiff_t>(params.torrent_bytes.size())),
          ec, lt::from_span);
      if (ec) return shoal::unexpected<std::string>("libtorrent: torrent: " + ec.message());
      atp.ti = std::move(ti);
    }

    if (lt::torrent_handle existing = m_impl->find(id); existing.is_valid()) {
      if (!params.file_priorities.empty() && existing.torrent_file()) {
        if (auto r = set_file_priorities(id, params.file_priorities); !r) {
          return shoal::unexpected<std::string>(r.error());
        }
      }
      existing.set_download_limit(params.download_rate_limit);
      existing.set_upload_limit(params.upload_rate_limit);
      // Resume data brings back the trackers of the last run; the torrent may since have been
      // re-made with others (the info-hash does not cover trackers): announce to those too.
      std::vector<lt::announce_entry> wanted;
      if (atp.ti) {
        wanted = atp.ti->trackers();
      } else {
        for (std::size_t i = 0; i < atp.trackers.size(); ++i) {
          lt::announce_entry e(atp.trackers[i]);
          if (i < atp.tracker_tiers.size()) e.tier = static_cast<std::uint8_t>(atp.tracker_tiers[i]);
          wanted.push_back(std::move(e));
        }
      }
      const std::vector<lt::announce_entry> held = existing.trackers();
      bool added_tracker = false;
      for (const lt::announce_entry& w : wanted) {
        const bool known = std::any_of(held.begin(), held.end(),
                                       [&](const lt::announce_entry& h) { return h.url == w.url; });
        if (!known) {
          existing.add_tracker(w);
          added_tracker = true;
        }
      }
      if (added_tracker && !params.paused) existing.force_reannounce();
      if (params.paused) {
        existing.unset_flags(lt::torrent_flags::auto_managed);
        existing.pause();
      }
      return to_info_hash(existing.info_hashes());
    }

    atp.save_path = params.save_path.string();
    // A paused torrent must not be auto-managed, or the queue would resume it. Others stay
    // auto-managed: libtorrent 2.0.8 leaves a non-auto-managed torrent's initial check pending,
    // so one that should run outside the queue is taken out of it when its check ends.
    if (params.paused) {
      atp.flags &= ~lt::torrent_flags::auto_managed;
      atp.flags |= lt::torrent_flags::paused;
    }
    if (params.seed_mode) atp.flags |= lt::torrent_flags::seed_mode;
    if (params.sequential) atp.flags |= lt::torrent_flags::sequential_download;
    for (std::uint8_t p : params.file_priorities) atp.file_priorities.push_back(lt::download_priority_t{p});
    atp.download_limit = params.download_rate_limit;
    atp.upload_limit = params.upload_rate_limit;
    lt::error_code ec;
    lt::torrent_handle h = m_impl->session->add_torrent(std::move(atp), ec);
    if (ec) return shoal::unexpected<std::string>("add torrent: " + ec.message());
    const InfoHash added = to_info_hash(h.info_hashes());
    if (!params.auto_managed) {
      m_impl->forced.insert(key_of(added));
      if (!params.paused) m_impl->unmanage_after_check.insert(key_of(added));
    }
    return added;
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

expected<void, std::string> Node::remove_torrent(const InfoHash& id, RemoveData data) {
  try {
    auto h = m_impl->need(id);
    if (!h) return shoal::unexpected<std::string>(h.error());
    const InfoHash full = to_info_hash(h->info_hashes());
    m_impl->session->remove_torrent(*h, data == RemoveData::remove ? lt::session::delete_files
                                                                    : lt::remove_flags_t{});
    m_impl->forced.erase(key_of(full));
    m_impl->unmanage_after_check.erase(key_of(full));
    if (!m_impl->settings.state_dir.empty()) {
      std::error_code ec;
      fs::remove(m_impl->resume_path(full), ec);
    }
    return {};
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

expected<void, std::string> Node::pause(const InfoHash& id) {
  try {
    auto h = m_impl->need(id);
    if (!h) return shoal::unexpected<std::string>(h.error());
    h->unset_flags(lt::torrent_flags::auto_managed);
    h->pause();
    return {};
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

expected<void, std::string> Node::resume(const InfoHash& id) {
  try {
    auto h = m_impl->need(id);
    if (!h) return shoal::unexpected<std::string>(h.error());
    if (m_impl->forced.count(key_of(to_info_hash(h->info_hashes()))) == 0) {
      h->set_flags(lt::torrent_flags::auto_managed);
    }
    h->resume();
    return {};
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

expected<void, std::string> Node::set_file_priorities(const InfoHash& id,
                                                      const std::vector<std::uint8_t>& priorities) {
  try {
    auto h = m_impl->need(id);
    if (!h) return shoal::unexpected<std::string>(h.error());
    auto ti = h->torrent_file();
    if (!ti) return shoal::unexpected<std::string>("file priorities need the torrent's metadata");
    if (static_cast<std::size_t>(ti->num_files()) != priorities.size()) {
      return shoal::unexpected<std::string>("torrent has " + std::to_string(ti->num_files()) +
                                            " files, got " + std::to_string(priorities.size()) +
                                            " priorities");
    }
    std::vector<lt::download_priority_t> prios;
    for (std::uint8_t p : priorities) {
      if (p > 7) return shoal::unexpected<std::string>("file priority must be 0..7");
      prios.push_back(lt::download_priority_t{p});
    }
    h->prioritize_files(prios);
    return {};
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

expected<void, std::string> Node::set_rate_limits(const InfoHash& id, int download, int upload) {
  try {
    auto h = m_impl->need(id);
    if (!h) return shoal::unexpected<std::string>(h.error());
    h->set_download_limit(download);
    h->set_upload_limit(upload);
    return {};
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

void Node::set_global_rate_limits(int download, int upload) {
  lt::settings_pack sp;
  sp.set_int(lt::settings_pack::download_rate_limit, download);
  sp.set_int(lt::settings_pack::upload_rate_limit, upload);
  m_impl->session->apply_settings(std::move(sp));
}

expected<void, std::string> Node::force_recheck(const InfoHash& id) {
  try {
    auto h = m_impl->need(id);
    if (!h) return shoal::unexpected<std::string>(h.error());
    h->force_recheck();
    return {};
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

expected<void, std::string> Node::add_peer(const InfoHash& id, const std::string& address,
                                           std::uint16_t port) {
  try {
    auto h = m_impl->need(id);
    if (!h) return shoal::unexpected<std::string>(h.error());
    lt::error_code ec;
    auto addr = boost::asio::ip::make_address(address, ec);
    if (ec) return shoal::unexpected<std::string>("bad peer address '" + address + "'");
    h->connect_peer(lt::tcp::endpoint(addr, port));
    return {};
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

RateLimits Node::global_rate_limits() const {
  const lt::settings_pack sp = m_impl->session->get_settings();
  return RateLimits{sp.get_int(lt::settings_pack::download_rate_limit),
                    sp.get_int(lt::settings_pack::upload_rate_limit)};
}

expected<void, std::string> Node::set_queue_limits(const QueueLimits& limits) {
  if (limits.active_downloads < -1 || limits.active_seeds < -1 || limits.active_limit < -1) {
    return shoal::unexpected<std::string>("queue limits must be -1 (unlimited) or more");
  }
  try {
    lt::settings_pack sp;
    sp.set_int(lt::settings_pack::active_downloads, limits.active_downloads);
    sp.set_int(lt::settings_pack::active_seeds, limits.active_seeds);
    sp.set_int(lt::settings_pack::active_limit, limits.active_limit);
    m_impl->session->apply_settings(std::move(sp));
    return {};
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

QueueLimits Node::queue_limits() const {
  const lt::settings_pack sp = m_impl->session->get_settings();
  return QueueLimits{sp.get_int(lt::settings_pack::active_downloads),
                     sp.get_int(lt::settings_pack::active_seeds),
                     sp.get_int(lt::settings_pack::active_limit)};
}

expected<int, std::string> Node::queue_position(const InfoHash& id) const {
  try {
    auto h = m_impl->need(id);
    if (!h) return shoal::unexpected<std::string>(h.error());
    const int pos = static_cast<int>(h->queue_position());
    return pos < 0 ? -1 : pos;
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

expected<void, std::string> Node::queue_move(const InfoHash& id, QueueMove move) {
  try {
    auto h = m_impl->need(id);
    if (!h) return shoal::unexpected<std::string>(h.error());
    switch (move) {
      case QueueMove::up: h->queue_position_up(); break;
      case QueueMove::down: h->queue_position_down(); break;
      case QueueMove::top: h->queue_position_top(); break;
      case QueueMove::bottom: h->queue_position_bottom(); break;
    }
    return {};
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

expected<void, std::string> Node::reannounce(const InfoHash& id) {
  try {
    auto h = m_impl->need(id);
    if (!h) return shoal::unexpected<std::string>(h.error());
    h->force_reannounce();
    if (m_impl->settings.enable_dht) h->force_dht_announce();
    return {};
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

expected<void, std::string> Node::set_sequential(const InfoHash& id, bool sequential) {
  try {
    auto h = m_impl->need(id);
    if (!h) return shoal::unexpected<std::string>(h.error());
    if (sequential) {
      h->set_flags(lt::torrent_flags::sequential_download);
    } else {
      h->unset_flags(lt::torrent_flags::sequential_download);
    }
    return {};
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

expected<void, std::string> Node::move_storage(const InfoHash& id, const fs::path& new_save_path) {
  try {
    auto h = m_impl->need(id);
    if (!h) return shoal::unexpected<std::string>(h.error());
    if (new_save_path.empty()) return shoal::unexpected<std::string>("empty save path");
    std::error_code ec;
    const fs::path target = fs::absolute(new_save_path, ec);
    if (ec) return shoal::unexpected<std::string>("save path " + new_save_path.string() + ": " + ec.message());
    h->move_storage(target.string(), lt::move_flags_t::always_replace_files);
    return {};
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

expected<std::vector<TrackerInfo>, std::string> Node::trackers(const InfoHash& id) const {
  try {
    auto h = m_impl->need(id);
    if (!h) return shoal::unexpected<std::string>(h.error());
    const auto now = lt::clock_type::now();
    std::vector<TrackerInfo> out;
    for (const lt::announce_entry& ae : h->trackers()) {
      TrackerInfo t;
      t.url = ae.url;
      t.tier = ae.tier;
      bool updating = false, working = false;
      std::string error, message;
      for (const lt::announce_endpoint& ep : ae.endpoints) {
        for (const lt::announce_infohash& aih : ep.info_hashes) {
          if (aih.updating) updating = true;
          if (aih.last_error) {
            error = aih.message.empty() ? aih.last_error.message() : aih.message;
          } else if (aih.start_sent) {
            working = true;
            if (!aih.message.empty()) message = aih.message;
          }
          t.fails = std::max(t.fails, static_cast<int>(aih.fails));
          if (aih.next_announce > now) {
            const auto secs = std::chrono::duration_cast<std::chrono::seconds>(aih.next_announce - now).count();
            if (t.next_announce_seconds < 0 || secs < t.next_announce_seconds) t.next_announce_seconds = secs;
          }
          t.scrape_seeds = std::max(t.scrape_seeds, aih.scrape_complete);
          t.scrape_leechers = std::max(t.scrape_leechers, aih.scrape_incomplete);
        }
      }
      if (updating) {
        t.status = "updating";
      } else if (working) {
        t.status = "working";
      } else if (!error.empty()) {
        t.status = "error";
      } else {
        t.status = "not contacted";
      }
      t.message = !error.empty() ? error : message;
      out.push_back(std::move(t));
    }
    return out;
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

expected<std::vector<PeerInfo>, std::string> Node::peers(const InfoHash& id) const {
  try {
    auto h = m_impl->need(id);
    if (!h) return shoal::unexpected<std::string>(h.error());
    std::vector<lt::peer_info> infos;
    h->get_peer_info(infos);
    std::vector<PeerInfo> out;
    for (const lt::peer_info& pi : infos) {
      PeerInfo p;
      p.address = pi.ip.address().to_string();
      p.port = pi.ip.port();
      p.client = pi.client;
      p.progress = static_cast<double>(pi.progress);
      p.download_rate = pi.payload_down_speed;
      p.upload_rate = pi.payload_up_speed;
      p.seed = static_cast<bool>(pi.flags & lt::peer_info::seed);
      p.encrypted = static_cast<bool>(pi.flags & (lt::peer_info::rc4_encrypted | lt::peer_info::plaintext_encrypted));
      p.incoming = !(pi.flags & lt::peer_info::outgoing_connection);
      p.utp = static_cast<bool>(pi.flags & lt::peer_info::utp_socket);
      out.push_back(std::move(p));
    }
    return out;
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

expected<SessionTotals, std::string> Node::session_totals(std::chrono::milliseconds timeout) {
  try {
    static const int recv_idx = lt::find_metric_idx("net.recv_payload_bytes");
    static const int sent_idx = lt::find_metric_idx("net.sent_payload_bytes");
    static const int dht_idx = lt::find_metric_idx("dht.dht_nodes");
    static const int peers_idx = lt::find_metric_idx("peer.num_peers_connected");
    SessionTotals out;
    for (const lt::torrent_handle& h : m_impl->session->get_torrents()) {
      const lt::torrent_status st = h.status(lt::status_flags_t{});
      out.download_rate += st.download_payload_rate;
      out.upload_rate += st.upload_payload_rate;
      ++out.num_torrents;
    }
    m_impl->session->post_session_stats();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return shoal::unexpected<std::string>("session stats: timed out");
      m_impl->session->wait_for_alert(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
      std::vector<lt::alert*> alerts;
      m_impl->session->pop_alerts(&alerts);
      bool got = false;
      for (const lt::alert* a : alerts) {
        if (const auto* stats = lt::alert_cast<lt::session_stats_alert>(a)) {
          const lt::span<const std::int64_t> c = stats->counters();
          auto at = [&](int idx) -> std::int64_t { return idx >= 0 && idx < c.size() ? c[idx] : 0; };
          out.total_downloaded = at(recv_idx);
          out.total_uploaded = at(sent_idx);
          out.dht_nodes = static_cast<int>(at(dht_idx));
          out.num_peers = static_cast<int>(at(peers_idx));
          got = true;
        } else {
          m_impl->handle(a);
        }
      }
      if (got) return out;
    }
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

namespace {
TorrentStatus to_status(const lt::torrent_status& st) {
  TorrentStatus out;
  out.info_hash = to_info_hash(st.info_hashes);
  out.name = st.name;
  out.state = to_state(st.state);
  const bool paused = static_cast<bool>(st.flags & lt::torrent_flags::paused);
  out.auto_managed = static_cast<bool>(st.flags & lt::torrent_flags::auto_managed);
  // libtorrent's queue pauses auto-managed torrents; a user's pause also clears auto-managed.
  out.paused = paused && !out.auto_managed;
  if (paused && out.auto_managed) out.state = TorrentState::queued;
  out.sequential = static_cast<bool>(st.flags & lt::torrent_flags::sequential_download);
  out.has_metadata = st.has_metadata;
  out.progress = static_cast<double>(st.progress);
  out.download_rate = st.download_payload_rate;
  out.upload_rate = st.upload_payload_rate;
  out.peers_connected = st.num_peers;
  out.seeds_connected = st.num_seeds;
  out.swarm_seeds = st.num_complete;
  out.swarm_leechers = st.num_incomplete;
  out.total_done = st.total_wanted_done;
  out.total_wanted = st.total_wanted;
  out.total_uploaded = st.total_payload_upload;
  out.total_downloaded = st.total_payload_download;
  out.save_path = st.save_path;
  if (st.errc) out.error = st.errc.message();
  const std::int64_t left = st.total_wanted - st.total_wanted_done;
  if (st.has_metadata && left <= 0) {
    out.eta_seconds = 0;
  } else if (st.has_metadata && st.download_payload_rate > 0) {
    out.eta_seconds = (left + st.download_payload_rate - 1) / st.download_payload_rate;
  }
  out.all_time_upload = st.all_time_upload;
  out.all_time_download = st.all_time_download;
  if (st.total_wanted_done > 0) {
    out.ratio = static_cast<double>(st.all_time_upload) / static_cast<double>(st.total_wanted_done);
  }
  out.added_time = static_cast<std::int64_t>(st.added_time);
  out.completion_time = static_cast<std::int64_t>(st.completed_time);
  out.active_time = st.active_duration.count();
  out.seeding_time = st.seeding_duration.count();
  out.queue_position = static_cast<int>(st.queue_position);
  if (out.queue_position < 0) out.queue_position = -1;
  if (auto ti = st.torrent_file.lock()) {
    const lt::file_storage& files = ti->files();
    for (lt::file_index_t i : files.file_range()) {
      if (files.pad_file_at(i)) continue;
      ++out.num_files;
      out.total_size += files.file_size(i);
    }
  }
  return out;
}
}  // namespace

expected<TorrentStatus, std::string> Node::status(const InfoHash& id) const {
  try {
    auto h = m_impl->need(id);
    if (!h) return shoal::unexpected<std::string>(h.error());
    TorrentStatus st = to_status(h->status(lt::torrent_handle::query_torrent_file | lt::torrent_handle::query_name |
                                           lt::torrent_handle::query_save_path));
    if (st.info_hash.empty()) return shoal::unexpected<std::string>("the torrent is being removed");
    return st;
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

expected<std::vector<TorrentFile>, std::string> Node::files(const InfoHash& id) const {
  try {
    auto h = m_impl->need(id);
    if (!h) return shoal::unexpected<std::string>(h.error());
    auto ti = h->torrent_file();
    if (!ti) return shoal::unexpected<std::string>("the torrent's metadata has not arrived yet");
    const lt::file_storage& fs = ti->files();
    const auto priorities = h->get_file_priorities();
    const auto progress = h->file_progress(lt::torrent_handle::piece_granularity);
    std::vector<TorrentFile> out;
    for (lt::file_index_t i : fs.file_range()) {
      const auto k = static_cast<std::size_t>(static_cast<int>(i));
      TorrentFile f{fs.file_path(i), fs.file_size(i), fs.pad_file_at(i)};
      f.priority = k < priorities.size() ? static_cast<int>(static_cast<std::uint8_t>(priorities[k])) : 4;
      f.done = k < progress.size() ? progress[k] : 0;
      out.push_back(std::move(f));
    }
    return out;
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

std::vector<TorrentStatus> Node::statuses() const {
  std::vector<TorrentStatus> out;
  for (const lt::torrent_handle& h : m_impl->session->get_torrents()) {
    try {
      TorrentStatus st = to_status(h.status(lt::torrent_handle::query_torrent_file |
                                            lt::torrent_handle::query_name |
                                            lt::torrent_handle::query_save_path));
      // A torrent removed meanwhile answers with an empty status: skip it like a throw.
      if (!st.info_hash.empty()) out.push_back(std::move(st));
    } catch (const std::exception&) {
      // removed concurrently: skip
    }
  }
  return out;
}

std::vector<Event> Node::poll(std::chrono::milliseconds timeout) {
  if (m_impl->pending.empty()) m_impl->session->wait_for_alert(timeout);
  m_impl->drain_into_pending();
  std::vector<Event> out(std::make_move_iterator(m_impl->pending.begin()),
                         std::make_move_iterator(m_impl->pending.end()));
  m_impl->pending.clear();
  return out;
}

expected<int, std::string> Node::save_resume_data(std::chrono::milliseconds timeout, bool only_if_modified) {
  if (m_impl->settings.state_dir.empty()) {
    return shoal::unexpected<std::string>("no state directory configured");
  }
  try {
    int outstanding = 0;
    for (const lt::torrent_handle& h : m_impl->session->get_torrents()) {
      lt::resume_data_flags_t flags = lt::torrent_handle::save_info_dict | lt::torrent_handle::flush_disk_cache;
      if (only_if_modified) flags |= lt::torrent_handle::only_if_modified;
      h.save_resume_data(flags);
      ++outstanding;
    }
    int written = 0;
    std::string errors;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (outstanding > 0) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) break;
      m_impl->session->wait_for_alert(
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
      std::vector<lt::alert*> alerts;
      m_impl->session->pop_alerts(&alerts);
      for (const lt::alert* a : alerts) {
        if (const auto* saved = lt::alert_cast<lt::save_resume_data_alert>(a)) {
          --outstanding;
          const InfoHash id = to_info_hash(saved->params.info_hashes);
          if (id.empty()) continue;
          lt::entry resume = lt::write_resume_data(saved->params);
          if (saved->handle.is_valid()) {
            resume[kQueuePositionKey] = static_cast<std::int64_t>(saved->handle.queue_position());
          }
          std::vector<char> buf;
          lt::bencode(std::back_inserter(buf), resume);
          if (write_file_atomic(m_impl->resume_path(id), buf)) {
            ++written;
          } else {
            errors += "; cannot write " + m_impl->resume_path(id).string();
          }
        } else if (const auto* failed = lt::alert_cast<lt::save_resume_data_failed_alert>(a)) {
          --outstanding;
          if (failed->error != lt::errors::resume_data_not_modified) errors += "; " + failed->error.message();
        } else {
          m_impl->handle(a);
        }
      }
    }
    if (outstanding > 0) errors += "; timed out waiting for " + std::to_string(outstanding) + " torrent(s)";
    if (!errors.empty()) return shoal::unexpected<std::string>("save resume data" + errors);
    return written;
  } catch (const std::exception& e) {
    return shoal::unexpected<std::string>(exception_message(e));
  }
}

}  // namespace shoal::peer
