#pragma once
// Persistence: the tracker's one database writer, between the in-memory SwarmStore/AccessList and
// the durable Storage.
//
// - load(): at start, completed counts into the store, the allow/deny lists into the access list,
//   and the swarm snapshot of the last graceful shutdown (then deleted, so a later crash cannot
//   bring back peers from long ago). Peers keep their saved last-announce time and age out
//   normally.
// - start(): a writer thread that every flush_interval seconds drains the store's completed-count
//   changes and writes them in one transaction: at most that much is lost on `kill -9`.
// - stop(): final flush, then (with save_snapshot=true) the swarm snapshot.
// - reload_lists(): re-reads the allow/deny lists (SIGHUP, admin call); swarms of newly denied
//   torrents are dropped.
// - attach_accounting() (private mode): the same writer thread also takes the Accounting batch
//   every flush_interval and writes it with PrivateStore::save_accounting (totals and per-peer
//   baselines in one transaction); load() restores the baselines; a failed write is retried with
//   the next batch.
//
// - attach_history(): the writer also stores the history rows recorded since its last run
//   (SwarmHistory::drain_rows; a failed write is retried with the next), and load() restores the
//   stored history.
//
//   Persistence p(storage, store, access, 3);
//   if (auto r = p.load(); !r) die(r.error());
//   p.start();  ...  p.stop(true);
//
// Thread-safe: storage access is serialised by an internal mutex.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "shoal/proto/expected.hpp"
#include "shoal/tracker/access_list.hpp"
#include "shoal/tracker/accounting.hpp"
#include "shoal/tracker/private_store.hpp"
#include "shoal/tracker/storage.hpp"
#include "shoal/tracker/swarm_history.hpp"
#include "shoal/tracker/swarm_store.hpp"

namespace shoal::tracker {

struct LoadSummary {
  std::size_t completed_counts = 0;
  std::size_t allowed = 0;
  std::size_t denied = 0;
  std::size_t snapshot_peers = 0;
  std::size_t accounting_baselines = 0;  ///< private mode: peer baselines restored
  std::size_t history_rows = 0;          ///< history rows restored
};

class Persistence {
public:
  Persistence(Storage& storage, SwarmStore& store, AccessList& access,
              std::uint32_t flush_interval_seconds);
  ~Persistence();
  Persistence(const Persistence&) = delete;
  Persistence& operator=(const Persistence&) = delete;

  /// Private mode: flush `accounting` into `store` (a connection of its own) as well. Baselines
  /// older than `baseline_timeout_seconds` are neither loaded nor kept. Call before load().
  void attach_accounting(Accounting& accounting, std::unique_ptr<PrivateStore> store,
                         std::uint32_t baseline_timeout_seconds);

  /// Keep `history` in the database as well. Call before load().
  void attach_history(SwarmHistory& history) { m_history = &history; }

  expected<LoadSummary, std::string> load();
  void start();
  /// Stops the writer (after a final flush) and, if asked, saves the swarm snapshot.
  expected<void, std::string> stop(bool save_snapshot);
  /// Writes pending completed counts now. Returns how many torrents were written.
  expected<std::size_t, std::string> flush();
  /// Writes the pending accounting batch now (nothing without attach_accounting). Returns how
  /// many (user, torrent) rows it updated.
  expected<std::size_t, std::string> flush_accounting();
  /// Writes the history rows recorded since the last call (nothing without attach_history).
  expected<std::size_t, std::string> flush_history();
  expected<LoadSummary, std::string> reload_lists();
  bool healthy();

private:
  void writer_loop();

  Storage& m_storage;
  SwarmStore& m_store;
  AccessList& m_access;
  std::uint32_t m_flush_interval;
  std::mutex m_storage_mutex;  // guards m_storage and m_retry
  std::vector<std::pair<Sha1Digest, std::uint32_t>> m_retry;  // counts a failed write still owes
  Accounting* m_accounting = nullptr;
  std::unique_ptr<PrivateStore> m_private_store;  // guarded by m_storage_mutex
  std::uint32_t m_baseline_timeout = 0;
  SwarmHistory* m_history = nullptr;
  HistoryRows m_history_retry;  // guarded by m_storage_mutex
  std::mutex m_wake_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
  std::thread m_writer;
};

}  // namespace shoal::tracker
