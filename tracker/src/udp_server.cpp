#include "shoal/tracker/udp_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

namespace shoal::tracker {

namespace {

/// Batches read from one socket per wake-up before the worker looks at its other sockets (and at
/// the stop flag) again: keeps a flooded IPv4 socket from starving the IPv6 one.
constexpr int kMaxBatchesPerWake = 8;
/// How long a worker waits for room in a full send buffer before dropping the rest of a batch, and
/// how many such waits one batch may take.
constexpr int kSendWaitMilliseconds = 10;
constexpr int kMaxSendWaitsPerBatch = 4;

std::string errno_text(int error) { return std::system_category().message(error); }

/// Owns one file descriptor.
class FileDescriptor {
public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) noexcept : m_fd(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) {
      reset();
      m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }

  int get() const noexcept { return m_fd; }
  int release() noexcept { return std::exchange(m_fd, -1); }
  void reset() noexcept {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
  }

private:
  int m_fd = -1;
};

socklen_t to_sockaddr(const PeerEndpoint& endpoint, sockaddr_storage& storage) noexcept {
  std::memset(&storage, 0, sizeof storage);
  const auto raw = endpoint.address.bytes();
  if (endpoint.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(endpoint.port);
    std::memcpy(&sin->sin_addr, raw.data(), raw.size());
    return sizeof(sockaddr_in);
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(endpoint.port);
  std::memcpy(&sin6->sin6_addr, raw.data(), raw.size());
  return sizeof(sockaddr_in6);
}

std::optional<PeerEndpoint> from_sockaddr(const sockaddr_storage& storage,
                                          socklen_t length) noexcept {
  if (storage.ss_family == AF_INET && length >= sizeof(sockaddr_in)) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&storage);
    return PeerEndpoint::from_bytes(
        {reinterpret_cast<const char*>(&sin->sin_addr), sizeof sin->sin_addr}, ntohs(sin->sin_port));
  }
  if (storage.ss_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    return PeerEndpoint::from_bytes(
        {reinterpret_cast<const char*>(&sin6->sin6_addr), sizeof sin6->sin6_addr},
        ntohs(sin6->sin6_port));
  }
  return std::nullopt;
}

bool set_flag(int fd, int level, int option) noexcept {
  const int one = 1;
  return ::setsockopt(fd, level, option, &one, sizeof one) == 0;
}

/// A non-blocking UDP socket bound to `endpoint`; with `reuse_port`, one of a SO_REUSEPORT group.
expected<FileDescriptor, std::string> bind_socket(const PeerEndpoint& endpoint, bool reuse_port) {
  const auto fail = [&](const char* what) {
    return unexpected<std::string>("udp: cannot " + std::string(what) + " " +
                                   endpoint.to_string() + ": " + errno_text(errno));
  };
  FileDescriptor fd(::socket(endpoint.is_v4() ? AF_INET : AF_INET6,
                             SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP));
  if (fd.get() < 0) return fail("create a socket for");
  if (endpoint.is_v6() && !set_flag(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY))
    return fail("set IPV6_V6ONLY on");
  if (reuse_port && !set_flag(fd.get(), SOL_SOCKET, SO_REUSEPORT)) return fail("set SO_REUSEPORT on");
  sockaddr_storage storage;
  const socklen_t length = to_sockaddr(endpoint, storage);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&storage), length) != 0)
    return fail("bind");
  return fd;
}

expected<PeerEndpoint, std::string> bound_endpoint(int fd, const PeerEndpoint& requested) {
  sockaddr_storage storage;
  socklen_t length = sizeof storage;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0)
    return unexpected<std::string>("udp: cannot read the address bound for " +
                                   requested.to_string() + ": " + errno_text(errno));
  auto endpoint = from_sockaddr(storage, length);
  if (!endpoint)
    return unexpected<std::string>("udp: unexpected address family bound for " +
                                   requested.to_string());
  return *endpoint;
}

/// Waits until `fd` may take another datagram; false on timeout.
bool wait_writable(int fd) noexcept {
  pollfd p{fd, POLLOUT, 0};
  for (;;) {
    const int r = ::poll(&p, 1, kSendWaitMilliseconds);
    if (r < 0 && errno == EINTR) continue;
    return r > 0 && (p.revents & POLLOUT) != 0;
  }
}

}  // namespace

// Counters live with their worker, on their own cache line, and are added to once per batch.
struct UdpServer::Worker {
  std::size_t index = 0;
  DatagramHandler handler;
  std::vector<FileDescriptor> sockets;  // one per listen address, in listen order
  std::thread thread;

  alignas(64) std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> replies_sent{0};
  std::atomic<std::uint64_t> truncated{0};
  std::atomic<std::uint64_t> handler_errors{0};
  std::atomic<std::uint64_t> send_failures{0};
  std::atomic<std::uint64_t> batches{0};
};

// The buffers of one worker, allocated once when it starts. recv[i] reads into buffers[i] and
// peers[i]; a reply to datagram i goes from replies[i] to peers[i] through send[j], send_iov[j].
struct UdpServer::Batch {
  std::array<std::array<char, kMaxUdpRequestBytes>, kUdpBatchSize> buffers;
  std::array<sockaddr_storage, kUdpBatchSize> peers;
  std::array<iovec, kUdpBatchSize> recv_iov;
  std::array<mmsghdr, kUdpBatchSize> recv;
  std::array<std::string, kUdpBatchSize> replies;
  std::array<iovec, kUdpBatchSize> send_iov;
  std::array<mmsghdr, kUdpBatchSize> send;

  Batch() {
    for (std::size_t i = 0; i < kUdpBatchSize; ++i) {
      recv_iov[i] = iovec{buffers[i].data(), buffers[i].size()};
      recv[i] = mmsghdr{};
      recv[i].msg_hdr.msg_iov = &recv_iov[i];
      recv[i].msg_hdr.msg_iovlen = 1;
      recv[i].msg_hdr.msg_name = &peers[i];
      // A typical reply (an announce with a few dozen peers) fits without growing.
      replies[i].reserve(kMaxUdpRequestBytes);
    }
  }
};

UdpServer::UdpServer(UdpServerOptions options, DatagramHandlerFactory factory)
    : m_options(std::move(options)), m_factory(std::move(factory)) {}

UdpServer::~UdpServer() { stop(); }

expected<void, std::string> UdpServer::start() {
  std::lock_guard lock(m_control);
  if (m_started) return unexpected<std::string>("udp: already started");
  if (m_options.listen.empty()) return unexpected<std::string>("udp: no listen address");
  if (m_options.threads < 1 || m_options.threads > kMaxUdpWorkerThreads)
    return unexpected<std::string>("udp: threads must be between 1 and " +
                                   std::to_string(kMaxUdpWorkerThreads));
  for (std::size_t i = 0; i < m_options.listen.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (m_options.listen[i].port != 0 && m_options.listen[i] == m_options.listen[j])
        return unexpected<std::string>("udp: " + m_options.listen[i].to_string() +
                                       " is listed twice");
  if (!m_factory) return unexpected<std::string>("udp: no handler factory");

  std::vector<std::unique_ptr<Worker>> workers;
  for (std::size_t w = 0; w < m_options.threads; ++w) {
    auto worker = std::make_unique<Worker>();
    worker->index = w;
    worker->handler = m_factory(w);
    if (!worker->handler)
      return unexpected<std::string>("udp: the handler factory returned no handler");
    workers.push_back(std::move(worker));
  }

  std::vector<PeerEndpoint> local;
  for (const auto& requested : m_options.listen) {
    PeerEndpoint endpoint;
    {
      // The probe: see the header. Closed before the group binds.
      auto probe = bind_socket(requested, /*reuse_port=*/false);
      if (!probe) return unexpected<std::string>(probe.error());
      auto bound = bound_endpoint(probe->get(), requested);
      if (!bound) return unexpected<std::string>(bound.error());
      endpoint = *bound;
    }
    for (auto& worker : workers) {
      auto socket = bind_socket(endpoint, /*reuse_port=*/true);
      if (!socket) return unexpected<std::string>(socket.error());
      worker->sockets.push_back(std::move(*socket));
    }
    local.push_back(endpoint);
  }

  FileDescriptor wake(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (wake.get() < 0)
    return unexpected<std::string>("udp: cannot create an eventfd: " + errno_text(errno));

  m_workers = std::move(workers);
  m_local = std::move(local);
  m_wake_fd = wake.get();
  m_stopping.store(false);
  for (auto& worker : m_workers) {
    try {
      worker->thread = std::thread([this, w = worker.get()] { run_worker(*w); });
    } catch (const std::system_error& e) {
      // Undo: wake and join the workers already running, close everything.
      m_stopping.store(true);
      const std::uint64_t one = 1;
      [[maybe_unused]] const auto written = ::write(m_wake_fd, &one, sizeof one);
      for (auto& started : m_workers)
        if (started->thread.joinable()) started->thread.join();
      m_workers.clear();
      m_local.clear();
      m_wake_fd = -1;
      return unexpected<std::string>(std::string("udp: cannot start a worker thread: ") +
                                     e.what());
    }
  }
  // The workers read m_wake_fd, set above; from here on close_all() closes it instead of `wake`.
  static_cast<void>(wake.release());
  m_started = true;
  m_published.store(true, std::memory_order_release);
  m_running.store(true);
  if (spdlog::should_log(spdlog::level::debug))
    for (const auto& endpoint : m_local)
      spdlog::debug("udp: listening on {} with {} worker(s)", endpoint.to_string(),
                    m_workers.size());
  return {};
}

void UdpServer::stop() noexcept {
  std::lock_guard lock(m_control);
  if (!m_running.load()) return;
  m_stopping.store(true);
  const std::uint64_t one = 1;
  // An eventfd write of 1 can only fail on counter overflow, which one write cannot cause.
  [[maybe_unused]] const auto written = ::write(m_wake_fd, &one, sizeof one);
  for (auto& worker : m_workers)
    if (worker->thread.joinable()) worker->thread.join();
  close_all();
  m_running.store(false);
  spdlog::debug("udp: stopped");
}

void UdpServer::close_all() noexcept {
  for (auto& worker : m_workers) worker->sockets.clear();
  if (m_wake_fd >= 0) ::close(m_wake_fd);
  m_wake_fd = -1;
}

bool UdpServer::running() const noexcept { return m_running.load(); }

std::vector<PeerEndpoint> UdpServer::local_endpoints() const {
  if (!m_published.load(std::memory_order_acquire)) return {};
  return m_local;
}

UdpServerCounters UdpServer::counters() const noexcept {
  // No lock: a handler or a metrics thread may call this while stop() holds m_control.
  UdpServerCounters c;
  if (!m_published.load(std::memory_order_acquire)) return c;
  for (const auto& w : m_workers) {
    c.received += w->received.load(std::memory_order_acquire);
    c.replies_sent += w->replies_sent.load(std::memory_order_relaxed);
    c.truncated += w->truncated.load(std::memory_order_relaxed);
    c.handler_errors += w->handler_errors.load(std::memory_order_relaxed);
    c.send_failures += w->send_failures.load(std::memory_order_relaxed);
    c.batches += w->batches.load(std::memory_order_relaxed);
  }
  return c;
}

std::size_t UdpServer::worker_count() const noexcept { return m_options.threads; }

void UdpServer::run_worker(Worker& worker) {
  const std::string name = "shoal-udp-" + std::to_string(worker.index);
  ::pthread_setname_np(::pthread_self(), name.c_str());

  auto batch = std::make_unique<Batch>();
  std::vector<pollfd> fds;
  for (const auto& socket : worker.sockets) fds.push_back(pollfd{socket.get(), POLLIN, 0});
  fds.push_back(pollfd{m_wake_fd, POLLIN, 0});

  while (!m_stopping.load(std::memory_order_acquire)) {
    const int ready = ::poll(fds.data(), fds.size(), -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      // Only ENOMEM is possible with valid arguments; back off instead of spinning.
      spdlog::debug("udp: worker {} poll failed: {}", worker.index, errno_text(errno));
      std::this_thread::sleep_for(std::chrono::milliseconds(kSendWaitMilliseconds));
      continue;
    }
    if (fds.back().revents != 0) break;
    for (std::size_t i = 0; i + 1 < fds.size(); ++i)
      if ((fds[i].revents & (POLLIN | POLLERR)) != 0) serve_socket(worker, fds[i].fd, *batch);
  }
}

void UdpServer::serve_socket(Worker& worker, int fd, Batch& batch) {
  for (int round = 0; round < kMaxBatchesPerWake; ++round) {
    if (m_stopping.load(std::memory_order_relaxed)) return;
    for (auto& message : batch.recv) {
      message.msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      message.msg_hdr.msg_flags = 0;
      message.msg_len = 0;
    }
    const int count = ::recvmmsg(fd, batch.recv.data(), kUdpBatchSize, MSG_DONTWAIT, nullptr);
    if (count < 0) {
      if (errno == EINTR) continue;
      // EAGAIN: drained. Anything else (an ICMP error reported on the socket) is consumed by this
      // call; the next poll() tells whether more datagrams wait.
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        spdlog::debug("udp: worker {} receive error: {}", worker.index, errno_text(errno));
      return;
    }
    const auto received = static_cast<std::size_t>(count);

    std::uint64_t truncated = 0;
    std::uint64_t handler_errors = 0;
    std::uint64_t send_failures = 0;
    std::uint64_t sent = 0;
    std::size_t replies = 0;
    for (std::size_t i = 0; i < received; ++i) {
      const msghdr& header = batch.recv[i].msg_hdr;
      const auto from = from_sockaddr(batch.peers[i], header.msg_namelen);
      if ((header.msg_flags & MSG_TRUNC) != 0) {
        ++truncated;
        if (spdlog::should_log(spdlog::level::debug))
          spdlog::debug("udp: dropped a datagram longer than {} bytes from {}", kMaxUdpRequestBytes,
                        from ? from->to_string() : std::string("?"));
        continue;
      }
      // AF_INET/AF_INET6 sockets only report addresses of their family.
      if (!from) continue;

      std::string& reply = batch.replies[i];
      reply.clear();
      try {
        worker.handler(std::string_view(batch.buffers[i].data(), batch.recv[i].msg_len), *from,
                       reply);
      } catch (const std::exception& e) {
        ++handler_errors;
        spdlog::debug("udp: handler failed on a datagram from {}: {}", from->to_string(), e.what());
        continue;
      } catch (...) {
        ++handler_errors;
        spdlog::debug("udp: handler failed on a datagram from {}", from->to_string());
        continue;
      }
      if (reply.empty()) continue;
      if (reply.size() > kMaxUdpReplyBytes) {
        ++send_failures;
        spdlog::debug("udp: reply of {} bytes to {} is too long", reply.size(), from->to_string());
        continue;
      }
      batch.send_iov[replies] = iovec{reply.data(), reply.size()};
      msghdr& out = batch.send[replies].msg_hdr;
      out = msghdr{};
      out.msg_name = &batch.peers[i];
      out.msg_namelen = header.msg_namelen;
      out.msg_iov = &batch.send_iov[replies];
      out.msg_iovlen = 1;
      ++replies;
    }

    // sendmmsg stops at the first message that fails: it returns how many went before, and the
    // next call (starting at the failed one) returns -1 with its error.
    std::size_t next = 0;
    int waits = 0;
    while (next < replies) {
      const int r = ::sendmmsg(fd, batch.send.data() + next,
                               static_cast<unsigned int>(replies - next), MSG_DONTWAIT);
      if (r > 0) {
        next += static_cast<std::size_t>(r);
        sent += static_cast<std::uint64_t>(r);
        continue;
      }
      const int error = r < 0 ? errno : EIO;
      if (error == EINTR) continue;
      if (error == EAGAIN || error == EWOULDBLOCK) {
        if (waits++ < kMaxSendWaitsPerBatch && wait_writable(fd)) continue;
        send_failures += replies - next;
        spdlog::debug("udp: worker {} send buffer full: dropped {} replies", worker.index,
                      replies - next);
        break;
      }
      // ECONNREFUSED and other ICMP-reported errors, EINVAL for port 0, EPERM from a firewall:
      // this one reply is lost, the rest of the batch still goes.
      ++send_failures;
      if (spdlog::should_log(spdlog::level::debug)) {
        const auto to = from_sockaddr(*static_cast<const sockaddr_storage*>(
                                          batch.send[next].msg_hdr.msg_name),
                                      batch.send[next].msg_hdr.msg_namelen);
        spdlog::debug("udp: send to {} failed: {}", to ? to->to_string() : std::string("?"),
                      errno_text(error));
      }
      ++next;
    }

    // `received` last, with release: a reader that sees it (acquire) sees the outcomes too.
    if (sent != 0) worker.replies_sent.fetch_add(sent, std::memory_order_relaxed);
    if (truncated != 0) worker.truncated.fetch_add(truncated, std::memory_order_relaxed);
    if (handler_errors != 0)
      worker.handler_errors.fetch_add(handler_errors, std::memory_order_relaxed);
    if (send_failures != 0) worker.send_failures.fetch_add(send_failures, std::memory_order_relaxed);
    worker.batches.fetch_add(1, std::memory_order_relaxed);
    worker.received.fetch_add(received, std::memory_order_release);

    if (received < kUdpBatchSize) return;  // drained
  }
}

}  // namespace shoal::tracker
