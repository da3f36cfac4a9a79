#include "shoal/peer/hook_dispatcher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <queue>
#include <sstream>

#include "shoal/peer/hook_runner.hpp"
#include "shoal/peer/torrent_json.hpp"
#include "shoal/peer/webhook.hpp"
#include "shoal/server/secret_token.hpp"

namespace shoal::peer {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kMaxBackoff = std::chrono::minutes(5);

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

template <class Config>
bool matches(const Config& c, const HookEvent& ev) {
  if (!c.events.empty() && std::find(c.events.begin(), c.events.end(), ev.kind) == c.events.end()) return false;
  if (!c.categories.empty() && std::find(c.categories.begin(), c.categories.end(), ev.category) == c.categories.end())
    return false;
  return true;
}

std::string hex_id() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : server::random_bytes(16)) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace

nlohmann::json hook_outcome_json(const HookOutcome& o) {
  return {{"time", o.time},         {"kind", o.kind},     {"name", o.name},         {"event", o.event},
          {"torrent", o.torrent},   {"ok", o.ok},         {"timed_out", o.timed_out}, {"attempts", o.attempts},
          {"result", o.result},     {"duration_ms", o.duration_ms}};
}

struct HookDispatcher::State {
  std::vector<HookConfig> hooks;
  std::vector<WebhookConfig> webhooks;

  struct HookJob {
    std::size_t hook = 0;
    std::string event;
    std::string torrent;
    std::string input;
    std::vector<std::pair<std::string, std::string>> env;
  };
  struct Delivery {
    std::size_t webhook = 0;
    std::string event;
    std::string torrent;
    std::string id;
    std::string body;
    int attempts = 0;
    Clock::time_point due;
    Clock::time_point started;
  };
  struct Later {
    bool operator()(const Delivery& a, const Delivery& b) const { return a.due > b.due; }
  };

  mutable std::mutex mutex;
  std::condition_variable hook_cv, webhook_cv;
  std::deque<HookJob> hook_jobs;
  std::priority_queue<Delivery, std::vector<Delivery>, Later> deliveries;
  std::deque<HookOutcome> recent;
  bool stopping = false;

  void record(HookOutcome o) {
    std::lock_guard lock(mutex);
    recent.push_back(std::move(o));
    while (recent.size() > kRecentOutcomes) recent.pop_front();
  }

  void run_hooks() {
    for (;;) {
      HookJob job;
      {
        std::unique_lock lock(mutex);
        hook_cv.wait(lock, [&] { return stopping || !hook_jobs.empty(); });
        if (stopping) return;
        job = std::move(hook_jobs.front());
        hook_jobs.pop_front();
      }
      const HookConfig& h = hooks[job.hook];
      HookRun r = run_hook(h.command, job.input, job.env, h.timeout);
      std::istringstream lines(r.output);
      for (std::string line; std::getline(lines, line);) spdlog::info("hook {}: {}", h.name, line);
      if (r.output_dropped) spdlog::warn("hook {}: {} more bytes of output dropped", h.name, r.output_dropped);
      if (r.ok()) spdlog::info("hook {} ({} {}): {} in {} ms", h.name, job.event, job.torrent, r.describe(), r.duration.count());
      else spdlog::error("hook {} ({} {}): {}", h.name, job.event, job.torrent, r.describe());
      HookOutcome o;
      o.time = unix_now();
      o.kind = "hook";
      o.name = h.name;
      o.event = job.event;
      o.torrent = job.torrent;
      o.ok = r.ok();
      o.timed_out = r.timed_out;
      o.attempts = 1;
      o.result = r.describe();
      o.duration_ms = r.duration.count();
      record(std::move(o));
    }
  }

  void run_webhooks() {
    for (;;) {
      Delivery d;
      {
        std::unique_lock lock(mutex);
        for (;;) {
          if (stopping) {
            if (!deliveries.empty())
              spdlog::warn("webhooks: {} deliveries still pending at shutdown are dropped", deliveries.size());
            return;
          }
          if (!deliveries.empty() && deliveries.top().due <= Clock::now()) break;
          if (deliveries.empty()) webhook_cv.wait(lock);
          else webhook_cv.wait_until(lock, deliveries.top().due);
        }
        d = deliveries.top();
        deliveries.pop();
      }
      const WebhookConfig& w = webhooks[d.webhook];
      ++d.attempts;
      const WebhookAttempt a = deliver_webhook(w.url, w.secret, d.event, d.id, d.body, w.timeout);
      const bool last = a.outcome != WebhookAttempt::Outcome::retry || d.attempts >= w.attempts;
      if (!last) {
        auto wait = w.backoff;
        for (int i = 1; i < d.attempts && wait < kMaxBackoff; ++i) wait *= 2;
        wait = std::min<std::chrono::milliseconds>(wait, kMaxBackoff);
        spdlog::warn("webhook {} ({} {}): attempt {} failed ({}); again in {} ms", w.name, d.event, d.torrent,
                     d.attempts, a.message, wait.count());
        d.due = Clock::now() + wait;
        std::lock_guard lock(mutex);
        deliveries.push(std::move(d));
        continue;
      }
      const bool ok = a.outcome == WebhookAttempt::Outcome::delivered;
      if (ok) spdlog::info("webhook {} ({} {}): delivered ({}, attempt {})", w.name, d.event, d.torrent, a.message, d.attempts);
      else spdlog::error("webhook {} ({} {}): gave up after {} attempts: {}", w.name, d.event, d.torrent, d.attempts, a.message);
      HookOutcome o;
      o.time = unix_now();
      o.kind = "webhook";
      o.name = w.name;
      o.event = d.event;
      o.torrent = d.torrent;
      o.ok = ok;
      o.attempts = d.attempts;
      o.result = a.message;
      o.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - d.started).count();
      record(std::move(o));
    }
  }
};

HookDispatcher::HookDispatcher(std::vector<HookConfig> hooks, std::vector<WebhookConfig> webhooks,
                               HookDispatcherOptions options)
    : m_state(std::make_shared<State>()) {
  m_state->hooks = std::move(hooks);
  m_state->webhooks = std::move(webhooks);
  if (!m_state->hooks.empty())
    for (std::size_t i = 0; i < std::max<std::size_t>(options.hook_threads, 1); ++i)
      m_threads.emplace_back([s = m_state] { s->run_hooks(); });
  if (!m_state->webhooks.empty()) m_threads.emplace_back([s = m_state] { s->run_webhooks(); });
}

HookDispatcher::~HookDispatcher() { stop(); }

void HookDispatcher::dispatch(const HookEvent& ev) {
  if (m_state->hooks.empty() && m_state->webhooks.empty()) return;
  const std::string body = hook_event_json(ev).dump();
  const std::string event = to_string(ev.kind);
  const std::string torrent = ev.torrent.info_hash.empty() ? std::string() : torrent_id(ev.torrent.info_hash);
  std::vector<HookOutcome> dropped;
  {
    std::lock_guard lock(m_state->mutex);
    if (m_state->stopping) return;
    for (std::size_t i = 0; i < m_state->hooks.size(); ++i) {
      if (!matches(m_state->hooks[i], ev)) continue;
      if (m_state->hook_jobs.size() >= kMaxQueued) {
        dropped.push_back({unix_now(), "hook", m_state->hooks[i].name, event, torrent, false, false, 0, "dropped: queue full", 0});
        continue;
      }
      m_state->hook_jobs.push_back({i, event, torrent, body, hook_event_env(ev)});
    }
    for (std::size_t i = 0; i < m_state->webhooks.size(); ++i) {
      if (!matches(m_state->webhooks[i], ev)) continue;
      if (m_state->deliveries.size() >= kMaxQueued) {
        dropped.push_back({unix_now(), "webhook", m_state->webhooks[i].name, event, torrent, false, false, 0, "dropped: queue full", 0});
        continue;
      }
      const auto now = Clock::now();
      m_state->deliveries.push({i, event, torrent, hex_id(), body, 0, now, now});
    }
  }
  m_state->hook_cv.notify_all();
  m_state->webhook_cv.notify_all();
  for (auto& o : dropped) {
    spdlog::error("{} {} ({} {}): dropped, {} jobs already queued", o.kind, o.name, event, torrent, kMaxQueued);
    m_state->record(std::move(o));
  }
}

std::vector<HookOutcome> HookDispatcher::recent() const {
  std::lock_guard lock(m_state->mutex);
  return {m_state->recent.begin(), m_state->recent.end()};
}

void HookDispatcher::stop() {
  {
    std::lock_guard lock(m_state->mutex);
    if (m_state->stopping && m_threads.empty()) return;
    m_state->stopping = true;
    if (!m_state->hook_jobs.empty())
      spdlog::warn("hooks: {} runs still queued at shutdown are dropped", m_state->hook_jobs.size());
    m_state->hook_jobs.clear();
  }
  m_state->hook_cv.notify_all();
  m_state->webhook_cv.notify_all();
  for (auto& t : m_threads)
    if (t.joinable()) t.join();
  m_threads.clear();
}

}  // namespace shoal::peer
