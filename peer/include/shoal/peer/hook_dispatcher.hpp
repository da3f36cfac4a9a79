#pragma once
// HookDispatcher: sends shoal-peer's lifecycle events (hook_event.hpp) to the configured hook
// commands (hook_runner.hpp) and webhooks (webhook.hpp), off the caller's thread.
//
//   HookDispatcher hooks(config.hooks, config.webhooks);
//   hooks.dispatch(event);        // returns at once
//   hooks.recent();               // the last runs and deliveries, for GET /api/v1/activity
//   hooks.stop();
//
// Contract
// - dispatch() never blocks: it matches the event against every hook and webhook (events and
//   categories filters; empty = all) and queues one job per match. A full queue (kMaxQueued)
//   drops the job with an error in the log and in recent().
// - Hook commands run on `hook_threads` worker threads (a hanging hook holds one worker until its
//   timeout, no more); webhooks on their own thread, so slow endpoints never delay hooks.
//   Webhook retries wait (backoff, doubled each time, capped at 5 min) without holding up other
//   deliveries; a delivery gives up after `attempts` tries or at a 4xx other than 429.
// - Each hook's output is logged line by line with the hook's name; every outcome goes to the
//   log and into recent() (the last kRecentOutcomes).
// - stop() lets running hooks finish (each bounded by its timeout), drops what is still queued
//   (logged) and joins. Idempotent; the destructor calls it.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "shoal/peer/hook_event.hpp"

namespace shoal::peer {

inline constexpr std::size_t kMaxQueued = 1000;
inline constexpr std::size_t kRecentOutcomes = 200;

struct HookConfig {
  std::string name;
  std::vector<HookEventKind> events;      ///< empty: every event
  std::vector<std::string> categories;    ///< empty: every category
  std::vector<std::string> command;       ///< argv
  std::chrono::milliseconds timeout{60'000};
};

struct WebhookConfig {
  std::string name;
  std::string url;     ///< http:// or https://
  std::string secret;  ///< empty: no signature header
  std::vector<HookEventKind> events;
  std::vector<std::string> categories;
  int attempts = 5;
  std::chrono::milliseconds backoff{2'000};   ///< before the 2nd attempt; doubled each time
  std::chrono::milliseconds timeout{10'000};  ///< per attempt
};

struct HookOutcome {
  std::int64_t time = 0;  ///< unix seconds when it ended
  std::string kind;       ///< "hook" or "webhook"
  std::string name;
  std::string event;
  std::string torrent;    ///< id
  bool ok = false;
  bool timed_out = false;
  int attempts = 0;       ///< webhooks
  std::string result;     ///< "exit 0", "timed out after 500 ms", "HTTP 200", "dropped: queue full"
  std::int64_t duration_ms = 0;
};
nlohmann::json hook_outcome_json(const HookOutcome& outcome);

struct HookDispatcherOptions {
  std::size_t hook_threads = 2;
};

class HookDispatcher {
public:
  HookDispatcher(std::vector<HookConfig> hooks, std::vector<WebhookConfig> webhooks,
                 HookDispatcherOptions options = {});
  ~HookDispatcher();
  HookDispatcher(const HookDispatcher&) = delete;
  HookDispatcher& operator=(const HookDispatcher&) = delete;

  void dispatch(const HookEvent& event);
  std::vector<HookOutcome> recent() const;
  void stop();

private:
  struct State;
  std::shared_ptr<State> m_state;
  std::vector<std::thread> m_threads;
};

}  // namespace shoal::peer
