#include "shoal/peer/peer_daemon.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include "shoal/peer/atomic_file.hpp"
#include "shoal/peer/torrent_json.hpp"
#include "shoal/peer/create_torrent.hpp"
#include "shoal/peer/file_walk.hpp"
#include "shoal/peer/http_client.hpp"
#include "shoal/proto/magnet.hpp"
#include "shoal/proto/metainfo.hpp"

namespace shoal::peer {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kMaxTorrentFileBytes = 16 * 1024 * 1024;
constexpr std::size_t kMaxTags = 32;
constexpr std::size_t kMaxTagBytes = 64;
constexpr auto kTick = 1s;                 // views, rules, schedule
constexpr auto kResumeSaveInterval = 5s;   // resume data while anything changes
constexpr std::size_t kMaxActivity = 500;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

DaemonError err(DaemonError::Kind kind, std::string code, std::string message) {
  return DaemonError{kind, std::move(code), std::move(message)};
}
DaemonError invalid(std::string code, std::string message) {
  return err(DaemonError::Kind::invalid, std::move(code), std::move(message));
}

std::optional<DaemonError> check_tags(const std::vector<std::string>& tags);

/// A category the config knows (or none) and valid tags.
std::optional<DaemonError> check_labels(const DaemonConfig& config, const std::string& category,
                                        const std::vector<std::string>& tags) {
  if (!category.empty() && !config.categories.count(category))
    return invalid("unknown_category", "no category '" + category + "' (categories are set in the config)");
  return check_tags(tags);
}

std::optional<DaemonError> check_tags(const std::vector<std::string>& tags) {
  if (tags.size() > kMaxTags) return invalid("bad_tags", "at most 32 tags");
  for (const auto& t : tags) {
    if (t.empty() || t.size() > kMaxTagBytes) return invalid("bad_tags", "a tag is 1-64 bytes");
    for (unsigned char c : t)
      if (c < 0x20 || c == 0x7f || c == ',') return invalid("bad_tags", "a tag has no control characters or commas");
  }
  return std::nullopt;
}

bool complete(const TorrentStatus& s) {
  return s.has_metadata && s.total_wanted > 0 && s.total_done >= s.total_wanted &&
         (s.state == TorrentState::seeding || s.state == TorrentState::finished);
}

}  // namespace

struct PeerDaemon::Impl {
  PeerDaemon& self;
  std::unique_ptr<Node> node;
  std::unique_ptr<HookDispatcher> hooks;
  mutable std::mutex mutex;  // node, metas, journal, limits, activity
  std::map<std::string, TorrentMeta> metas;  // by id
  SyncJournal journal;
  DaemonLimits limits;
  bool alt_active = false;
  MaintenanceLog maintenance_log;
  std::set<std::string> known;  // ids seen at the last tick (for hooks on re-added torrents)
  std::map<std::string, std::string> moves_in_flight;  // id -> reason ("rule" or "api")

  std::thread loop;
  std::mutex stop_mutex;
  std::condition_variable stop_cv;
  bool stopping = false;
  bool started = false;
  bool stopped = false;
  bool resume_dirty = true;
  std::chrono::steady_clock::time_point last_resume_save{};

  explicit Impl(PeerDaemon& d)
      : self(d),
        journal(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count())) {}

  fs::path meta_file() const { return self.m_config.state_dir / "torrents.json"; }

  // ---- metadata file -------------------------------------------------------------------------
  void load_metas() {
    std::ifstream in(meta_file(), std::ios::binary);
    if (!in) return;
    std::ostringstream text;
    text << in.rdbuf();
    const json doc = json::parse(text.str(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("torrents") || !doc["torrents"].is_object()) {
      spdlog::error("peer: {} is not readable JSON; torrent categories and tags start empty", meta_file().string());
      return;
    }
    for (const auto& [id, m] : doc["torrents"].items()) {
      if (!m.is_object()) continue;
      TorrentMeta meta;
      meta.category = m.value("category", "");
      if (m.contains("tags") && m["tags"].is_array())
        for (const auto& t : m["tags"])
          if (t.is_string()) meta.tags.push_back(t.get<std::string>());
      meta.added_at = m.value("added_at", std::int64_t{0});
      meta.completed_fired = m.value("completed_fired", false);
      meta.download_limit = m.value("download_limit", 0);
      meta.upload_limit = m.value("upload_limit", 0);
      meta.memo.moved = m.value("moved", false);
      meta.memo.stopped_by_rule = m.value("stopped_by_rule", false);
      metas.emplace(id, std::move(meta));
    }
  }

  void save_metas_locked() {
    json torrents = json::object();
    for (const auto& [id, m] : metas)
      torrents[id] = {{"category", m.category},
                      {"tags", m.tags},
                      {"added_at", m.added_at},
                      {"completed_fired", m.completed_fired},
                      {"download_limit", m.download_limit},
                      {"upload_limit", m.upload_limit},
                      {"moved", m.memo.moved},
                      {"stopped_by_rule", m.memo.stopped_by_rule}};
    const json doc = {{"format", "shoal-peer torrents 1"}, {"torrents", torrents}};
    if (auto ok = write_file_atomically(meta_file(), doc.dump(1) + "\n", true); !ok)
      spdlog::error("peer: cannot save {}: {}", meta_file().string(), ok.error().message);
  }

  // ---- hooks ---------------------------------------------------------------------------------
  void fire_locked(HookEventKind kind, const TorrentStatus& s, std::string message = {}) {
    if (!hooks) return;
    HookEvent ev;
    ev.kind = kind;
    ev.time = unix_now();
    ev.message = std::move(message);
    ev.torrent = s;
    const auto m = metas.find(torrent_id(s.info_hash));
    if (m != metas.end()) {
      ev.category = m->second.category;
      ev.tags = m->second.tags;
    }
    spdlog::info("peer: event {} for {} ({})", to_string(kind), torrent_id(s.info_hash), s.name);
    hooks->dispatch(ev);
  }

  void fire_locked(HookEventKind kind, const InfoHash& id, std::string message = {}) {
    auto s = node->status(id);
    if (!s) return;
    fire_locked(kind, *s, std::move(message));
  }

  // ---- lookups -------------------------------------------------------------------------------
  DaemonResult<InfoHash> find_locked(std::string_view id) const {
    auto h = parse_torrent_id(id);
    if (!h) return unexpected(invalid("bad_id", "a torrent id is 40 or 64 hex characters"));
    auto s = node->status(*h);
    if (!s) return unexpected(err(DaemonError::Kind::not_found, "unknown_torrent", "no torrent " + std::string(id)));
    return s->info_hash;
  }

  TorrentMeta& meta_locked(const TorrentStatus& s) { return metas[torrent_id(s.info_hash)]; }

  /// Under the lock: adds a torrent the node does not have yet, with its metadata; the `added`
  /// event follows. `id` names it in messages.
  DaemonResult<InfoHash> add_locked(const std::string& id, const InfoHash& hash, const AddTorrentParams& p,
                                    TorrentMeta meta) {
    if (node->status(hash))
      return unexpected(err(DaemonError::Kind::conflict, "duplicate", "the node already has torrent " + id));
    auto added = node->add_torrent(p);
    if (!added) return unexpected(invalid("add_failed", added.error()));
    meta.added_at = unix_now();
    metas[id] = std::move(meta);
    save_metas_locked();
    resume_dirty = true;
    fire_locked(HookEventKind::added, *added);
    return *added;
  }

  /// Under the lock: `f(hash)` for the torrent `id` names, or the lookup's error.
  template <class F>
  auto with_torrent(std::string_view id, F&& f) -> decltype(f(InfoHash{})) {
    std::lock_guard lock(mutex);
    auto h = find_locked(id);
    if (!h) return unexpected(h.error());
    return f(*h);
  }

  // ---- the loop ------------------------------------------------------------------------------
  void handle_event(const Event& ev) {
    std::lock_guard lock(mutex);
    if (ev.info_hash.empty()) {
      if (ev.kind == EventKind::error) spdlog::error("peer: session error: {}", ev.message);
      return;
    }
    const std::string id = torrent_id(ev.info_hash);
    switch (ev.kind) {
      case EventKind::paused: fire_locked(HookEventKind::stopped, ev.info_hash); resume_dirty = true; break;
      case EventKind::resumed: fire_locked(HookEventKind::started, ev.info_hash); resume_dirty = true; break;
      case EventKind::error:
        spdlog::error("peer: torrent {}: {}", id, ev.message);
        fire_locked(HookEventKind::error, ev.info_hash, ev.message);
        break;
      case EventKind::storage_moved: {
        auto reason = moves_in_flight.find(id);
        auto& meta = metas[id];
        if (reason != moves_in_flight.end() && reason->second == "rule") meta.memo.moved = true;
        meta.memo.move_in_flight = false;
        if (reason != moves_in_flight.end()) moves_in_flight.erase(reason);
        save_metas_locked();
        fire_locked(HookEventKind::moved, ev.info_hash, ev.message);
        resume_dirty = true;
        break;
      }
      case EventKind::storage_move_failed: {
        spdlog::error("peer: moving {} failed: {}", id, ev.message);
        metas[id].memo.move_in_flight = false;
        moves_in_flight.erase(id);
        fire_locked(HookEventKind::error, ev.info_hash, "move failed: " + ev.message);
        break;
      }
      case EventKind::finished:
      case EventKind::checked:
      case EventKind::state_changed:
      case EventKind::metadata_received:
      case EventKind::added:
        resume_dirty = true;
        break;
      default: break;
    }
  }

  void apply_limits_locked() {
    const std::time_t t = std::time(nullptr);
    std::tm local{};
    localtime_r(&t, &local);
    const int weekday = (local.tm_wday + 6) % 7;  // Monday = 0
    const bool alt = limits.alt_enabled || limits.schedule.active_at(weekday, local.tm_hour * 60 + local.tm_min);
    const int down = alt ? limits.alt_download : limits.download;
    const int up = alt ? limits.alt_upload : limits.upload;
    if (alt != alt_active) spdlog::info("peer: {} rate limits now apply", alt ? "alternative" : "normal");
    alt_active = alt;
    const RateLimits now = node->global_rate_limits();
    if (now.download != down || now.upload != up) node->set_global_rate_limits(down, up);
  }

  void run_rules_locked(const std::vector<TorrentStatus>& statuses) {
    const std::int64_t now = unix_now();
    for (const auto& s : statuses) {
      const std::string id = torrent_id(s.info_hash);
      TorrentMeta& meta = metas[id];
      for (const auto& action : plan(s, meta.category, meta.memo, now, self.m_config.rules)) {
        MaintenanceLogEntry entry;
        entry.time = now;
        entry.info_hash = id;
        entry.name = s.name;
        entry.action = action;
        entry.ok = true;
        switch (action.kind) {
          case MaintenanceAction::Kind::move: {
            auto r = node->move_storage(s.info_hash, action.destination);
            if (!r) {
              entry.ok = false;
              entry.error = r.error();
              meta.memo.moved = true;  // do not retry every second; the log says why
            } else {
              meta.memo.move_in_flight = true;
              moves_in_flight[id] = "rule";
            }
            break;
          }
          case MaintenanceAction::Kind::stop: {
            auto r = node->pause(s.info_hash);
            if (!r) {
              entry.ok = false;
              entry.error = r.error();
            }
            meta.memo.stopped_by_rule = true;
            break;
          }
          case MaintenanceAction::Kind::remove: {
            TorrentStatus copy = s;
            auto r = node->remove_torrent(s.info_hash, action.with_data ? RemoveData::remove : RemoveData::keep);
            if (!r) {
              entry.ok = false;
              entry.error = r.error();
            } else {
              fire_locked(HookEventKind::removed, copy, action.reason);
              metas.erase(id);
            }
            break;
          }
        }
        if (entry.ok) spdlog::info("peer: rule: {} {} ({}): {}", to_string(action.kind), id, s.name, action.reason);
        else spdlog::error("peer: rule: {} {} ({}) failed: {}", to_string(action.kind), id, s.name, entry.error);
        maintenance_log.add(entry);
        save_metas_locked();
        if (action.kind == MaintenanceAction::Kind::remove) break;  // nothing more for this one
      }
    }
  }

  /// The API view of every torrent, by id.
  std::map<std::string, json> views_locked(const std::vector<TorrentStatus>& statuses) {
    std::map<std::string, json> views;
    for (const auto& s : statuses) {
      const TorrentMeta& meta = meta_locked(s);
      views.emplace(torrent_id(s.info_hash), torrent_json(s, meta.category, meta.tags));
    }
    return views;
  }

  /// Node totals for the API (GET /stats and the sync's `global`).
  json stats_locked(const std::vector<TorrentStatus>& statuses) const { return node_stats_locked(statuses).to_json(); }

  api::NodeStats node_stats_locked(const std::vector<TorrentStatus>& statuses) const {
    SessionTotals t;
    for (const auto& st : statuses) {
      t.download_rate += st.download_rate;
      t.upload_rate += st.upload_rate;
      t.num_peers += st.peers_connected;
      ++t.num_torrents;
    }
    const RateLimits effective = node->global_rate_limits();
    return {.torrents = t.num_torrents,
            .peers = t.num_peers,
            .download_rate = t.download_rate,
            .upload_rate = t.upload_rate,
            .download_limit = effective.download,
            .upload_limit = effective.upload,
            .alt_limits_active = alt_active,
            .listen_port = node->listen_port(),
            .revision = journal.revision()};
  }

  void tick() {
    std::lock_guard lock(mutex);
    apply_limits_locked();
    const auto statuses = node->statuses();
    bool metas_changed = false;
    for (const auto& s : statuses) {
      const std::string id = torrent_id(s.info_hash);
      TorrentMeta& meta = metas[id];
      // completed: once per time the wanted data becomes complete
      if (complete(s)) {
        if (!meta.completed_fired) {
          meta.completed_fired = true;
          metas_changed = true;
          fire_locked(HookEventKind::completed, s);
          resume_dirty = true;
        }
      } else if (meta.completed_fired && s.has_metadata && s.total_done < s.total_wanted &&
                 s.state != TorrentState::checking_files && s.state != TorrentState::checking_resume_data) {
        meta.completed_fired = false;  // more was wanted, or a recheck found missing data
        metas_changed = true;
      }
    }
    const auto views = views_locked(statuses);
    // metadata of torrents no longer held (removed by a rule or outside the API)
    for (auto it = metas.begin(); it != metas.end();) {
      if (views.count(it->first)) ++it;
      else { it = metas.erase(it); metas_changed = true; }
    }
    // Anything that changed (progress included) is worth a resume-data save: a kill -9 then
    // loses at most kResumeSaveInterval of downloaded pieces.
    const auto before = journal.revision();
    if (journal.update(views) != before) resume_dirty = true;
    run_rules_locked(statuses);
    if (metas_changed) save_metas_locked();
    const auto now = std::chrono::steady_clock::now();
    if (resume_dirty || now - last_resume_save >= 30s) {
      if (now - last_resume_save >= kResumeSaveInterval) {
        if (auto r = node->save_resume_data(5s, /*only_if_modified=*/true); !r)
          spdlog::warn("peer: saving resume data: {}", r.error());
        last_resume_save = now;
        resume_dirty = false;
      }
    }
  }

  void run() {
    auto next_tick = std::chrono::steady_clock::now();
    for (;;) {
      {
        std::unique_lock lock(stop_mutex);
        if (stopping) break;
      }
      std::vector<Event> events;
      {
        std::lock_guard lock(mutex);
        events = node->poll(0ms);
      }
      for (const auto& ev : events) handle_event(ev);
      if (std::chrono::steady_clock::now() >= next_tick) {
        tick();
        next_tick = std::chrono::steady_clock::now() + kTick;
      }
      std::unique_lock lock(stop_mutex);
      stop_cv.wait_for(lock, 100ms, [&] { return stopping; });
    }
  }
};

PeerDaemon::PeerDaemon(DaemonConfig config) : m_config(std::move(config)) {}

PeerDaemon::~PeerDaemon() { stop(); }

DaemonResult<std::unique_ptr<PeerDaemon>> PeerDaemon::create(DaemonConfig config) {
  std::error_code ec;
  fs::create_directories(config.state_dir, ec);
  if (ec) return unexpected(err(DaemonError::Kind::internal, "state_dir", "cannot create " + config.state_dir.string() + ": " + ec.message()));
  fs::create_directories(config.download_dir, ec);
  if (ec) return unexpected(err(DaemonError::Kind::internal, "download_dir", "cannot create " + config.download_dir.string() + ": " + ec.message()));
  std::unique_ptr<PeerDaemon> d(new PeerDaemon(std::move(config)));
  auto keys = ApiKeyStore::open(d->m_config.state_dir);
  if (!keys) return unexpected(err(DaemonError::Kind::internal, "api_keys", keys.error()));
  d->m_keys = std::move(*keys);
  d->m_impl = std::make_unique<Impl>(*d);
  d->m_impl->load_metas();
  d->m_impl->limits = d->m_config.limits;
  auto node = Node::create(d->m_config.node_settings());
  if (!node) return unexpected(err(DaemonError::Kind::internal, "node", node.error()));
  d->m_impl->node = std::move(*node);
  d->m_impl->hooks = std::make_unique<HookDispatcher>(d->m_config.hooks, d->m_config.webhooks);
  {
    std::lock_guard lock(d->m_impl->mutex);
    d->m_impl->apply_limits_locked();
    // Torrents re-added from resume data are known: their `added` event went out long ago.
    for (const auto& s : d->m_impl->node->statuses()) {
      TorrentMeta& meta = d->m_impl->metas[torrent_id(s.info_hash)];
      if (meta.added_at == 0) meta.added_at = s.added_time;
    }
  }
  return d;
}

void PeerDaemon::start() {
  std::lock_guard lock(m_impl->stop_mutex);
  if (m_impl->started) return;
  m_impl->started = true;
  m_impl->loop = std::thread([this] { m_impl->run(); });
}

void PeerDaemon::stop() {
  if (!m_impl) return;
  {
    std::lock_guard lock(m_impl->stop_mutex);
    if (m_impl->stopped) return;
    m_impl->stopped = true;
    m_impl->stopping = true;
  }
  m_impl->stop_cv.notify_all();
  if (m_impl->loop.joinable()) m_impl->loop.join();
  if (m_impl->hooks) m_impl->hooks->stop();
  std::lock_guard lock(m_impl->mutex);
  if (!m_impl->node) return;  // create() failed before the session existed: nothing to save
  if (auto r = m_impl->node->save_resume_data(10s); !r) spdlog::warn("peer: saving resume data: {}", r.error());
  m_impl->save_metas_locked();
}

std::uint16_t PeerDaemon::listen_port() const {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->node->listen_port();
}

DaemonResult<std::string> PeerDaemon::add(AddRequest r) {
  const int sources = !r.magnet.empty() + !r.torrent_bytes.empty() + !r.url.empty();
  if (sources != 1) return unexpected(invalid("bad_request", "give exactly one of magnet, torrent or url"));
  if (auto e = check_labels(m_config, r.category, r.tags)) return unexpected(*e);
  if (r.download_limit < 0 || r.upload_limit < 0) return unexpected(invalid("bad_limit", "rate limits are >= 0 bytes/s"));
  auto save = resolve_save_path(m_config, r.save_path, r.category);
  if (!save) return unexpected(invalid("bad_save_path", save.error()));

  if (!r.url.empty()) {
    if (r.url.starts_with("magnet:")) {
      r.magnet = std::move(r.url);
    } else {
      if (!r.url.starts_with("http://") && !r.url.starts_with("https://"))
        return unexpected(invalid("bad_url", "a URL is http(s):// (a .torrent file) or a magnet link"));
      HttpClientOptions o;
      o.timeout = 30s;
      HttpClient client(o);
      auto fetched = client.get(r.url, kMaxTorrentFileBytes);  // outside the lock: may be slow
      if (!fetched) return unexpected(err(DaemonError::Kind::unavailable, "fetch_failed", fetched.error().message));
      r.torrent_bytes = std::move(fetched->body);
    }
    r.url.clear();
  }

  InfoHash hash;
  if (!r.magnet.empty()) {
    auto m = parse_magnet(r.magnet);
    if (!m) return unexpected(invalid("bad_magnet", "not a valid magnet link: " + m.error().message()));
    hash = m->info_hash;
  } else {
    auto meta = parse_metainfo(r.torrent_bytes);
    if (!meta) return unexpected(invalid("bad_torrent", "not a valid .torrent file: " + meta.error().message()));
    hash = meta->info_hash();
  }
  const std::string id = torrent_id(hash);

  AddTorrentParams p;
  p.magnet_uri = r.magnet;
  p.torrent_bytes = r.torrent_bytes;
  p.save_path = *save;
  p.paused = r.paused;
  p.sequential = r.sequential;
  p.download_rate_limit = r.download_limit;
  p.upload_rate_limit = r.upload_limit;
  p.file_priorities = r.file_priorities;
  TorrentMeta meta;
  meta.category = r.category;
  meta.tags = r.tags;
  meta.download_limit = r.download_limit;
  meta.upload_limit = r.upload_limit;
  std::lock_guard lock(m_impl->mutex);
  if (auto added = m_impl->add_locked(id, hash, p, std::move(meta)); !added) return unexpected(added.error());
  spdlog::info("peer: added {} to {}", id, save->string());
  return id;
}

DaemonResult<CreatedSeed> PeerDaemon::create_and_seed(const CreateSeedRequest& r) {
  if (r.path.empty()) return unexpected(invalid("bad_path", "give the path to seed"));
  if (auto e = check_labels(m_config, r.category, r.tags)) return unexpected(*e);
  auto path = resolve_save_path(m_config, r.path);
  if (!path) return unexpected(invalid("bad_path", path.error()));
  auto format = parse_torrent_format(r.format);
  if (!format) return unexpected(invalid("bad_format", "format is v1, v2 or hybrid"));
  auto files = walk_files(*path);
  if (!files) return unexpected(invalid("bad_path", files.error().message));
  CreateOptions o;
  o.format = *format;
  o.is_private = r.is_private;
  o.comment = r.comment;
  o.piece_length = r.piece_length;
  o.threads = 2;
  for (const auto& t : r.trackers) o.trackers.push_back({t});
  auto made = create_torrent(*files, o);  // hashing: on the API worker, outside the lock
  if (!made) return unexpected(invalid("create_failed", made.error().message));
  const std::string id = torrent_id(made->info_hash);
  {
    AddTorrentParams p;
    p.torrent_bytes = made->bytes;
    p.save_path = path->parent_path();
    p.seed_mode = true;
    TorrentMeta meta;
    meta.category = r.category;
    meta.tags = r.tags;
    meta.completed_fired = true;  // our own data: nothing was downloaded
    std::lock_guard lock(m_impl->mutex);
    if (auto added = m_impl->add_locked(id, made->info_hash, p, std::move(meta)); !added)
      return unexpected(added.error());
  }
  spdlog::info("peer: created and seeding {} from {}", id, path->string());
  return CreatedSeed{id, made->magnet_uri, made->bytes};
}

std::vector<json> PeerDaemon::list(std::string_view category, std::string_view state) {
  std::lock_guard lock(m_impl->mutex);
  std::vector<json> out;
  for (const auto& s : m_impl->node->statuses()) {
    json j = torrent_json(s, m_impl->meta_locked(s).category, m_impl->meta_locked(s).tags);
    if (!category.empty() && j["category"] != category) continue;
    if (!state.empty() && j["state"] != state) continue;
    out.push_back(std::move(j));
  }
  std::sort(out.begin(), out.end(), [](const json& a, const json& b) { return a["id"] < b["id"]; });
  return out;
}

json PeerDaemon::sync(std::uint64_t revision) {
  std::lock_guard lock(m_impl->mutex);
  // Current, not as of the last tick: an add or a pause just made shows in the next sync.
  const auto statuses = m_impl->node->statuses();
  m_impl->journal.update(m_impl->views_locked(statuses));
  const auto d = m_impl->journal.since(revision);
  return api::TransferSync::to_json(d.revision, d.full, d.changed, d.removed, m_impl->node_stats_locked(statuses));
}

DaemonResult<json> PeerDaemon::torrent(std::string_view id) {
  std::lock_guard lock(m_impl->mutex);
  auto h = m_impl->find_locked(id);
  if (!h) return unexpected(h.error());
  auto s = m_impl->node->status(*h);
  if (!s) return unexpected(err(DaemonError::Kind::not_found, "unknown_torrent", s.error()));
  const TorrentMeta& meta = m_impl->meta_locked(*s);
  json j = torrent_json(*s, meta.category, meta.tags);
  j["download_limit"] = meta.download_limit;
  j["upload_limit"] = meta.upload_limit;
  return j;
}

namespace {
DaemonError node_error(const std::string& message) {
  return err(DaemonError::Kind::invalid, "refused", message);
}
/// A Node call's result as the daemon's.
DaemonResult<void> node_done(const expected<void, std::string>& r) {
  if (!r) return unexpected(node_error(r.error()));
  return {};
}
}  // namespace

DaemonResult<void> PeerDaemon::pause(std::string_view id) {
  return m_impl->with_torrent(id, [&](const InfoHash& h) {
    m_impl->resume_dirty = true;
    return node_done(m_impl->node->pause(h));
  });
}

DaemonResult<void> PeerDaemon::resume(std::string_view id) {
  return m_impl->with_torrent(id, [&](const InfoHash& h) -> DaemonResult<void> {
    if (auto r = node_done(m_impl->node->resume(h)); !r) return r;
    m_impl->metas[torrent_id(h)].memo.stopped_by_rule = false;  // rules may act again
    m_impl->save_metas_locked();
    m_impl->resume_dirty = true;
    return {};
  });
}

DaemonResult<void> PeerDaemon::recheck(std::string_view id) {
  return m_impl->with_torrent(id, [&](const InfoHash& h) { return node_done(m_impl->node->force_recheck(h)); });
}

DaemonResult<void> PeerDaemon::reannounce(std::string_view id) {
  return m_impl->with_torrent(id, [&](const InfoHash& h) { return node_done(m_impl->node->reannounce(h)); });
}

DaemonResult<void> PeerDaemon::remove(std::string_view id, bool with_data) {
  std::lock_guard lock(m_impl->mutex);
  auto h = m_impl->find_locked(id);
  if (!h) return unexpected(h.error());
  auto s = m_impl->node->status(*h);
  if (auto r = m_impl->node->remove_torrent(*h, with_data ? RemoveData::remove : RemoveData::keep); !r)
    return unexpected(node_error(r.error()));
  if (s) m_impl->fire_locked(HookEventKind::removed, *s, with_data ? "removed with data" : "removed");
  m_impl->metas.erase(torrent_id(*h));
  m_impl->save_metas_locked();
  spdlog::info("peer: removed {}{}", torrent_id(*h), with_data ? " with its data" : "");
  return {};
}

DaemonResult<void> PeerDaemon::queue_move(std::string_view id, QueueMove move) {
  return m_impl->with_torrent(id, [&](const InfoHash& h) {
    m_impl->resume_dirty = true;
    return node_done(m_impl->node->queue_move(h, move));
  });
}

DaemonResult<void> PeerDaemon::change(std::string_view id, const TorrentChanges& c) {
  if (c.category && !c.category->empty() && !m_config.categories.count(*c.category))
    return unexpected(invalid("unknown_category", "no category '" + *c.category + "'"));
  if (c.tags)
    if (auto e = check_tags(*c.tags)) return unexpected(*e);
  if ((c.download_limit && *c.download_limit < 0) || (c.upload_limit && *c.upload_limit < 0))
    return unexpected(invalid("bad_limit", "rate limits are >= 0 bytes/s"));
  std::optional<fs::path> destination;
  if (c.save_path) {
    auto p = resolve_save_path(m_config, *c.save_path);
    if (!p) return unexpected(invalid("bad_save_path", p.error()));
    destination = *p;
  }
  std::lock_guard lock(m_impl->mutex);
  auto h = m_impl->find_locked(id);
  if (!h) return unexpected(h.error());
  auto s = m_impl->node->status(*h);
  if (!s) return unexpected(err(DaemonError::Kind::not_found, "unknown_torrent", s.error()));
  TorrentMeta& meta = m_impl->meta_locked(*s);
  if (c.download_limit || c.upload_limit) {
    const int down = c.download_limit.value_or(meta.download_limit);
    const int up = c.upload_limit.value_or(meta.upload_limit);
    if (auto r = m_impl->node->set_rate_limits(*h, down, up); !r) return unexpected(node_error(r.error()));
    meta.download_limit = down;
    meta.upload_limit = up;
  }
  if (c.sequential)
    if (auto r = m_impl->node->set_sequential(*h, *c.sequential); !r) return unexpected(node_error(r.error()));
  if (destination) {
    if (auto r = m_impl->node->move_storage(*h, *destination); !r) return unexpected(node_error(r.error()));
    m_impl->moves_in_flight[torrent_id(*h)] = "api";
  }
  if (c.category) meta.category = *c.category;
  if (c.tags) meta.tags = *c.tags;
  m_impl->save_metas_locked();
  m_impl->resume_dirty = true;
  return {};
}

DaemonResult<json> PeerDaemon::files(std::string_view id) {
  std::lock_guard lock(m_impl->mutex);
  auto h = m_impl->find_locked(id);
  if (!h) return unexpected(h.error());
  auto f = m_impl->node->files(*h);
  if (!f) return unexpected(err(DaemonError::Kind::conflict, "no_metadata", f.error()));
  json out = json::array();
  for (std::size_t i = 0; i < f->size(); ++i) {
    const auto& file = (*f)[i];
    if (file.pad) continue;
    const char* priority = file.priority == 0 ? "skip" : file.priority >= 6 ? "high" : file.priority <= 2 ? "low" : "normal";
    out.push_back({{"index", i},
                   {"path", file.path},
                   {"size", file.size},
                   {"done", file.done},
                   {"progress", file.size > 0 ? static_cast<double>(file.done) / static_cast<double>(file.size) : 1.0},
                   {"priority", priority},
                   {"priority_value", file.priority}});
  }
  return out;
}

DaemonResult<void> PeerDaemon::set_file_priorities(std::string_view id, const std::map<int, int>& priorities) {
  std::lock_guard lock(m_impl->mutex);
  auto h = m_impl->find_locked(id);
  if (!h) return unexpected(h.error());
  auto f = m_impl->node->files(*h);
  if (!f) return unexpected(err(DaemonError::Kind::conflict, "no_metadata", f.error()));
  std::vector<std::uint8_t> all;
  for (const auto& file : *f) all.push_back(static_cast<std::uint8_t>(file.pad ? 0 : file.priority));
  for (const auto& [index, priority] : priorities) {
    if (index < 0 || static_cast<std::size_t>(index) >= all.size() || (*f)[static_cast<std::size_t>(index)].pad)
      return unexpected(invalid("bad_file_index", "no file " + std::to_string(index) + " (see the file list)"));
    if (priority < 0 || priority > 7) return unexpected(invalid("bad_priority", "a priority is skip, low, normal, high or 0-7"));
    all[static_cast<std::size_t>(index)] = static_cast<std::uint8_t>(priority);
  }
  if (auto r = m_impl->node->set_file_priorities(*h, all); !r) return unexpected(node_error(r.error()));
  // more may be wanted now: the completed event may come again when that is done
  m_impl->resume_dirty = true;
  return {};
}

DaemonResult<json> PeerDaemon::peers(std::string_view id) {
  return m_impl->with_torrent(id, [&](const InfoHash& h) -> DaemonResult<json> {
    auto p = m_impl->node->peers(h);
    if (!p) return unexpected(node_error(p.error()));
    json out = json::array();
    for (const auto& peer : *p)
      out.push_back({{"address", peer.address}, {"port", peer.port}, {"client", peer.client},
                     {"progress", peer.progress}, {"download_rate", peer.download_rate},
                     {"upload_rate", peer.upload_rate}, {"seed", peer.seed}, {"encrypted", peer.encrypted},
                     {"incoming", peer.incoming}, {"utp", peer.utp}});
    return out;
  });
}

DaemonResult<json> PeerDaemon::trackers(std::string_view id) {
  return m_impl->with_torrent(id, [&](const InfoHash& h) -> DaemonResult<json> {
    auto t = m_impl->node->trackers(h);
    if (!t) return unexpected(node_error(t.error()));
    json out = json::array();
    for (const auto& tr : *t)
      out.push_back({{"url", tr.url}, {"tier", tr.tier}, {"status", tr.status}, {"message", tr.message},
                     {"next_announce", tr.next_announce_seconds}, {"seeds", tr.scrape_seeds},
                     {"leechers", tr.scrape_leechers}, {"fails", tr.fails}});
    return out;
  });
}

LimitsView PeerDaemon::limits() {
  std::lock_guard lock(m_impl->mutex);
  return LimitsView{m_impl->limits, m_impl->alt_active, m_impl->node->global_rate_limits()};
}

DaemonResult<LimitsView> PeerDaemon::set_limits(const DaemonLimits& l) {
  for (int v : {l.download, l.upload, l.alt_download, l.alt_upload})
    if (v < 0) return unexpected(invalid("bad_limit", "rate limits are >= 0 bytes/s"));
  if (l.schedule.from_minute < 0 || l.schedule.from_minute >= 1440 || l.schedule.to_minute < 0 || l.schedule.to_minute >= 1440)
    return unexpected(invalid("bad_schedule", "schedule times are HH:MM"));
  std::lock_guard lock(m_impl->mutex);
  m_impl->limits = l;
  m_impl->apply_limits_locked();
  return LimitsView{m_impl->limits, m_impl->alt_active, m_impl->node->global_rate_limits()};
}

QueueLimits PeerDaemon::queue_limits() {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->node->queue_limits();
}

DaemonResult<void> PeerDaemon::set_queue_limits(const QueueLimits& q) {
  std::lock_guard lock(m_impl->mutex);
  if (auto r = m_impl->node->set_queue_limits(q); !r) return unexpected(invalid("bad_queue", r.error()));
  return {};
}

json PeerDaemon::stats() {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->stats_locked(m_impl->node->statuses());
}

json PeerDaemon::activity() {
  json rules = json::array();
  {
    std::lock_guard lock(m_impl->mutex);
    for (const auto& e : m_impl->maintenance_log.entries())
      rules.push_back({{"time", e.time},
                       {"id", e.info_hash},
                       {"name", e.name},
                       {"action", to_string(e.action.kind)},
                       {"destination", e.action.destination.string()},
                       {"with_data", e.action.with_data},
                       {"reason", e.action.reason},
                       {"ok", e.ok},
                       {"error", e.error}});
  }
  json hooks = json::array();
  if (m_impl->hooks)
    for (const auto& h : m_impl->hooks->recent()) hooks.push_back(hook_outcome_json(h));
  return {{"rules", rules}, {"hooks", hooks}};
}

std::vector<std::string> PeerDaemon::categories() const {
  std::vector<std::string> out;
  for (const auto& [name, c] : m_config.categories) out.push_back(name);
  return out;
}

}  // namespace shoal::peer
