#pragma once
// UdpServer: the UDP transport of shoal-tracker (BEP 15). It owns the sockets and the worker
// threads and hands every datagram to a handler that writes the reply; it knows nothing of the
// tracker protocol (that is TrackerService::udp_datagram).
//
// Layout: for each listen address and each of N worker threads, one socket bound with
// SO_REUSEPORT, so the kernel spreads clients (by a hash of the source address and port) over the
// workers and no lock is shared between them. IPv6 sockets are IPV6_V6ONLY, so "0.0.0.0:6969" and
// "[::]:6969" bind side by side. Each worker waits on its sockets with poll(), reads up to
// kUdpBatchSize datagrams per recvmmsg() and sends the replies of a batch with one sendmmsg().
// After warm-up the loop allocates nothing: receive buffers, addresses and reply strings are
// preallocated per worker and reused (a reply string keeps the largest capacity it needed).
//
// Before binding the workers' sockets, start() binds a plain socket (without SO_REUSEPORT) to each
// address and closes it again. That proves nobody else holds the port — SO_REUSEPORT would
// otherwise let a second tracker of the same user silently take half the traffic — and for port 0
// it picks the one free ephemeral port that all workers then share.
//
// The handler gets each datagram (at most kMaxUdpRequestBytes; longer ones arrive truncated and
// are dropped and counted, never handed over), the sender, and an empty `reply` string; it writes
// the reply datagram into `reply`, or leaves it empty to send nothing. A handler runs only on its
// own worker's thread: the factory is called once per worker, so each worker owns the state its
// handler captures (TrackerService::Scratch, for the tracker). A handler that throws loses that
// one datagram (counted in handler_errors); the worker goes on.
//
//   TrackerService service(...);
//   UdpServerOptions options;
//   options.listen = {*PeerEndpoint::parse("0.0.0.0:6969"), *PeerEndpoint::parse("[::]:6969")};
//   options.threads = 2;
//   UdpServer udp(options, [&service](std::size_t /*worker*/) -> DatagramHandler {
//     return [&service, scratch = TrackerService::Scratch{}](
//                std::string_view datagram, const PeerEndpoint& from, std::string& reply) mutable {
//       service.udp_datagram(datagram, from, unix_now(), scratch, reply);
//     };
//   });
//   if (auto started = udp.start(); !started) { spdlog::error("{}", started.error()); return 1; }
//   ...
//   udp.stop();                                   // returns promptly; also done by ~UdpServer
//   UdpServerCounters c = udp.counters();         // for /metrics, at any time
//
// Errors (EAGAIN, EINTR, ICMP errors surfacing on a socket, a refused send) never stop a worker: a
// reply that cannot be sent is counted in send_failures. Logging: spdlog's default logger, debug
// level only (start/stop, and each dropped datagram).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/proto/expected.hpp"
#include "shoal/proto/peer_endpoint.hpp"

namespace shoal::tracker {

/// Largest datagram handed to a handler. A BEP 15 request is far smaller (a scrape of 74 hashes
/// is 16 + 74 * 20 = 1496 bytes; an announce with BEP 41 options is bounded by the client's path
/// length); anything longer is dropped as truncated.
inline constexpr std::size_t kMaxUdpRequestBytes = 2048;
/// Datagrams read per recvmmsg() and replies sent per sendmmsg().
inline constexpr std::size_t kUdpBatchSize = 32;
/// Largest reply sent: the largest UDP payload over IPv4. A longer reply counts as a send failure.
inline constexpr std::size_t kMaxUdpReplyBytes = 65507;
/// Upper bound on worker threads (as udp.threads in the config).
inline constexpr std::size_t kMaxUdpWorkerThreads = 256;

/// Handles one datagram: `reply` arrives empty; leave it empty to send nothing.
using DatagramHandler =
    std::function<void(std::string_view datagram, const PeerEndpoint& from, std::string& reply)>;
/// Makes the handler of one worker; called once per worker (index 0..threads-1) by start(), on
/// the thread that calls start(). Must return a non-empty handler.
using DatagramHandlerFactory = std::function<DatagramHandler(std::size_t worker_index)>;

struct UdpServerOptions {
  /// Addresses to serve, e.g. 0.0.0.0:6969 and [::]:6969. Port 0 picks a free port (one for all
  /// workers of that address; see local_endpoints()). Link-local IPv6 addresses needing a scope id
  /// are not supported.
  std::vector<PeerEndpoint> listen;
  /// Worker threads, 1..kMaxUdpWorkerThreads; each has one socket per listen address.
  std::size_t threads = 2;
};

/// Totals since start(), summed over the workers. `received` counts every datagram read, including
/// truncated ones; each received datagram ends as exactly one of: a reply sent, no reply wanted by
/// the handler, truncated, handler error, or send failure.
struct UdpServerCounters {
  std::uint64_t received = 0;        ///< datagrams read from the sockets
  std::uint64_t replies_sent = 0;    ///< replies the kernel accepted
  std::uint64_t truncated = 0;       ///< longer than kMaxUdpRequestBytes: dropped, not handled
  std::uint64_t handler_errors = 0;  ///< the handler threw: dropped
  std::uint64_t send_failures = 0;   ///< reply refused by the kernel, longer than
                                     ///< kMaxUdpReplyBytes, or socket buffer full for too long
  std::uint64_t batches = 0;         ///< recvmmsg() calls that returned datagrams
                                     ///< (received / batches = the mean batch size)

  /// Datagrams dropped for any reason.
  std::uint64_t dropped() const noexcept { return truncated + handler_errors + send_failures; }
};

class UdpServer {
public:
  /// Stores the options; opens nothing (see start()).
  UdpServer(UdpServerOptions options, DatagramHandlerFactory factory);
  /// Calls stop().
  ~UdpServer();

  UdpServer(const UdpServer&) = delete;
  UdpServer& operator=(const UdpServer&) = delete;

  /// Creates the handlers, binds every socket and starts the workers. Once per object. On error
  /// nothing is left open or running and the message says what failed: "udp: no listen address",
  /// "udp: threads must be between 1 and 256", "udp: 0.0.0.0:6969 is listed twice",
  /// "udp: cannot bind 0.0.0.0:6969: Address already in use", "udp: already started".
  expected<void, std::string> start();

  /// Stops the workers (they are woken at once, not polled) and joins them, then closes the
  /// sockets. Returns within a batch's handling time. Idempotent; counters() stays readable. Not
  /// from a handler (a worker cannot join itself).
  void stop() noexcept;

  /// True between a successful start() and stop().
  bool running() const noexcept;

  /// The bound endpoints, one per listen address in the order given, with the actual port (for
  /// port 0). Empty before start(); unchanged after stop().
  std::vector<PeerEndpoint> local_endpoints() const;

  /// Totals over all workers; safe from any thread at any time. Updated once per batch, after the
  /// batch's replies are sent, with `received` written last and read first: once `received`
  /// includes a datagram, the snapshot includes its outcome (the other counters may run ahead).
  UdpServerCounters counters() const noexcept;

  /// The number of worker threads (options.threads).
  std::size_t worker_count() const noexcept;

private:
  struct Worker;
  struct Batch;

  void run_worker(Worker& worker);
  void serve_socket(Worker& worker, int fd, Batch& batch);
  void close_all() noexcept;

  UdpServerOptions m_options;
  DatagramHandlerFactory m_factory;

  std::mutex m_control;  // serialises start() and stop()
  // Set by a successful start() and never changed afterwards (stop() closes the workers' sockets
  // but keeps the workers and their counters); readable without the lock once m_published is set.
  std::vector<PeerEndpoint> m_local;
  std::vector<std::unique_ptr<Worker>> m_workers;
  std::atomic<bool> m_published{false};
  int m_wake_fd = -1;  // eventfd: written once by stop(), never read, so it stays readable
  bool m_started = false;
  std::atomic<bool> m_running{false};
  std::atomic<bool> m_stopping{false};
};

}  // namespace shoal::tracker
