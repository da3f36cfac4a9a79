#include "shoal/peer/piece_hasher.hpp"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <string_view>
#include <thread>
#include <utility>

#include "shoal/proto/merkle.hpp"
#include "shoal/proto/sha1_pair.hpp"
#include "sys_error.hpp"

namespace shoal::peer {

namespace {

using detail::content_error;
using detail::errc_for_errno;
using detail::errno_text;

constexpr std::size_t kNoFile = static_cast<std::size_t>(-1);
constexpr std::size_t kBufferAlignment = 4096;
// Zeros are fed from a static buffer (pad files can be large: up to a piece each).
constexpr std::size_t kZeroChunk = 64 * 1024;
alignas(64) const char kZeros[kZeroChunk] = {};
// Bytes hashed by one digest before the other takes its turn (hybrid); a multiple of 16 KiB.
constexpr std::size_t kDualDigestStride = 64 * 1024;

// ---- SIGBUS guard for mapped reads ----
// Touching a mapped page past the end of a file that shrank raises SIGBUS. While a worker hashes
// mapped memory, t_sigbus_jump points at its recovery point and the handler jumps there: the
// fault can only happen inside the SHA code reading the mapping, which holds no locks and owns
// no resources, so leaving it by siglongjmp is safe. SIGBUS anywhere else goes to whatever
// handler was installed before ours (or the default action).
thread_local sigjmp_buf* t_sigbus_jump = nullptr;
struct sigaction g_previous_sigbus{};
std::once_flag g_sigbus_once;

void on_sigbus(int sig, siginfo_t* info, void* context) {
  if (sigjmp_buf* jump = t_sigbus_jump) {
    t_sigbus_jump = nullptr;
    siglongjmp(*jump, 1);
  }
  if ((g_previous_sigbus.sa_flags & SA_SIGINFO) && g_previous_sigbus.sa_sigaction) {
    g_previous_sigbus.sa_sigaction(sig, info, context);
    return;
  }
  if (g_previous_sigbus.sa_handler != SIG_DFL && g_previous_sigbus.sa_handler != SIG_IGN) {
    g_previous_sigbus.sa_handler(sig);
    return;
  }
  // Default action: returning re-executes the faulting access, which now kills the process.
  ::signal(SIGBUS, SIG_DFL);
}

void install_sigbus_guard() {
  std::call_once(g_sigbus_once, [] {
    struct sigaction sa{};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGBUS, &sa, &g_previous_sigbus);
  });
}

struct AlignedDeleter {
  void operator()(char* p) const noexcept {
    ::operator delete[](p, std::align_val_t{kBufferAlignment});
  }
};

// State shared by the workers of one hash_pieces() call.
struct Shared {
  const PieceStream& stream;
  const HashOptions& options;
  PieceHashes& out;
  std::size_t num_pieces = 0;
  std::size_t pieces_per_batch = 1;
  std::size_t num_batches = 0;
  std::vector<std::atomic<std::uint8_t>> file_status;
  std::atomic<std::size_t> next_batch{0};
  std::atomic<std::size_t> pieces_done{0};
  std::atomic<std::int64_t> bytes_read{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;  // guards error, file_errors, finished_workers
  std::condition_variable cv;
  std::optional<ContentError> error;
  unsigned finished_workers = 0;

  Shared(const PieceStream& s, const HashOptions& o, PieceHashes& r)
      : stream(s), options(o), out(r), file_status(s.files.size()) {}

  void set_error(ContentError e) {
    std::lock_guard lock(mutex);
    if (!error) error = std::move(e);
    stop.store(true, std::memory_order_relaxed);
  }

  // The first problem found with a file is kept: it is the one that explains any later ones.
  void set_file_status(std::size_t file, FileReadStatus status, std::string why) {
    std::uint8_t expected_ok = static_cast<std::uint8_t>(FileReadStatus::ok);
    if (file_status[file].compare_exchange_strong(expected_ok, static_cast<std::uint8_t>(status))) {
      std::lock_guard lock(mutex);
      out.file_errors[file] = std::move(why);
    }
  }
};

class Worker {
public:
  explicit Worker(Shared& shared)
      : m_shared(shared),
        m_stream(shared.stream),
        m_pl(shared.stream.piece_length),
        m_v1(shared.options.v1),
        m_v2(shared.options.v2),
        m_blocks_per_piece(static_cast<std::size_t>(std::max<std::int64_t>(m_pl / kV2BlockSize, 1))),
        m_buffer(static_cast<char*>(
            ::operator new[](kHashReadSize, std::align_val_t{kBufferAlignment}))) {
    if (m_v2) m_leaves.reserve(m_blocks_per_piece);
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker() { close_file(); }

  void run() {
    while (!m_shared.stop.load(std::memory_order_relaxed)) {
      const std::size_t batch = m_shared.next_batch.fetch_add(1, std::memory_order_relaxed);
      if (batch >= m_shared.num_batches) break;
      const std::size_t first = batch * m_shared.pieces_per_batch;
      const std::size_t last = std::min(first + m_shared.pieces_per_batch, m_shared.num_pieces);
      run_batch(first, last);
    }
    close_file();
  }

private:
  void run_batch(std::size_t first_piece, std::size_t last_piece) {
    const std::int64_t begin = static_cast<std::int64_t>(first_piece) * m_pl;
    const std::int64_t end =
        std::min(static_cast<std::int64_t>(last_piece) * m_pl, m_stream.total_size);
    start_piece(first_piece);
    const auto& files = m_stream.files;
    // First file that ends after `begin`.
    std::size_t idx = static_cast<std::size_t>(
        std::partition_point(files.begin(), files.end(),
                             [&](const StreamFile& f) { return f.offset + f.length <= begin; }) -
        files.begin());
    std::int64_t pos = begin;
    while (pos < end && !m_shared.stop.load(std::memory_order_relaxed)) {
      while (idx < files.size() && files[idx].offset + files[idx].length <= pos) ++idx;
      if (idx < files.size() && files[idx].offset <= pos) {
        const StreamFile& f = files[idx];
        const std::int64_t seg_end = std::min(end, f.offset + f.length);
        const std::int64_t len = seg_end - pos;
        switch (f.kind) {
          case StreamFileKind::data: read_and_feed(idx, pos - f.offset, len); break;
          case StreamFileKind::zeros: feed_zeros(len); break;
          case StreamFileKind::absent:
            m_shared.set_file_status(idx, FileReadStatus::missing, "missing");
            skip(idx, len);
            break;
        }
        pos = seg_end;
      } else {
        const std::int64_t seg_end =
            std::min(end, idx < files.size() ? files[idx].offset : m_stream.total_size);
        feed_zeros(seg_end - pos);
        pos = seg_end;
      }
    }
  }

  // ---- reading ----

  bool open_file(std::size_t idx) {
    if (m_fd_file == idx) return true;
    close_file();
    const StreamFile& f = m_stream.files[idx];
    int fd = ::open(f.disk_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == EPERM) fd = ::open(f.disk_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      const ContentErrc code = errc_for_errno(err);
      if (m_shared.options.tolerate_read_errors) {
        m_shared.set_file_status(idx,
                                 code == ContentErrc::not_found ? FileReadStatus::missing
                                                                : FileReadStatus::unreadable,
                                 errno_text(err));
      } else {
        m_shared.set_error(content_error(code, f.disk_path, "cannot open: " + errno_text(err), err));
      }
      return false;
    }
    // Tells the kernel to read ahead aggressively; a hint, so its result does not matter.
    (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    m_fd = fd;
    m_fd_file = idx;
    return true;
  }

  void close_file() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
    m_fd_file = kNoFile;
  }

  // pread until `size` bytes, EOF or an error: bytes read, or -errno.
  std::int64_t read_full(std::int64_t offset, std::size_t size) {
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::pread(m_fd, m_buffer.get() + done, size - done,
                                static_cast<off_t>(offset) + static_cast<off_t>(done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return -errno;
      }
      if (n == 0) break;
      done += static_cast<std::size_t>(n);
    }
    return static_cast<std::int64_t>(done);
  }

  void read_and_feed(std::size_t idx, std::int64_t file_offset, std::int64_t len) {
    if (!open_file(idx)) {
      skip(idx, len);
      return;
    }
    if (!m_shared.options.tolerate_read_errors && len >= kHashMapMinBytes &&
        map_and_feed(idx, file_offset, len))
      return;
    const StreamFile& f = m_stream.files[idx];
    while (len > 0) {
      if (m_shared.stop.load(std::memory_order_relaxed)) return;
      const auto want = static_cast<std::size_t>(std::min<std::int64_t>(len, kHashReadSize));
      const std::int64_t got = read_full(file_offset, want);
      if (got < 0) {
        const int err = static_cast<int>(-got);
        if (!m_shared.options.tolerate_read_errors) {
          m_shared.set_error(content_error(ContentErrc::not_readable, f.disk_path,
                                           "read error: " + errno_text(err), err));
          return;
        }
        m_shared.set_file_status(idx, FileReadStatus::unreadable, "read error: " + errno_text(err));
        skip(idx, len);
        return;
      }
      m_shared.bytes_read.fetch_add(got, std::memory_order_relaxed);
      feed(std::string_view(m_buffer.get(), static_cast<std::size_t>(got)), idx);
      if (static_cast<std::size_t>(got) < want) {
        const std::int64_t at = file_offset + got;
        if (!m_shared.options.tolerate_read_errors) {
          m_shared.set_error(content_error(
              ContentErrc::changed, f.disk_path,
              "the file ended at byte " + std::to_string(at) + " while " +
                  std::to_string(f.length) + " were expected (it changed while it was hashed)"));
          return;
        }
        m_shared.set_file_status(idx, FileReadStatus::short_read,
                                 "ends at byte " + std::to_string(at));
        skip(idx, len - got);
        return;
      }
      file_offset += got;
      len -= got;
    }
  }

  // Hashes a segment straight from the page cache: no copy into a buffer, which is a fifth of the
  // CPU time of reading page-cached data. Only when reading errors stop everything (creation): a
  // file that shrinks under the mapping ends as ContentErrc::changed, and there is no partial
  // state to recover. False when mapping is not possible (the caller falls back to pread).
  bool map_and_feed(std::size_t idx, std::int64_t file_offset, std::int64_t len) {
    const StreamFile& f = m_stream.files[idx];
    struct stat st{};
    if (::fstat(m_fd, &st) != 0) return false;
    if (st.st_size < file_offset + len) {
      m_shared.set_error(content_error(
          ContentErrc::changed, f.disk_path,
          "the file is now " + std::to_string(st.st_size) + " bytes while " +
              std::to_string(f.length) + " were expected (it changed while it was hashed)"));
      return true;
    }
    static const std::int64_t page = ::sysconf(_SC_PAGESIZE);
    const std::int64_t map_offset = file_offset / page * page;
    const auto map_length = static_cast<std::size_t>(file_offset - map_offset + len);
    void* map = ::mmap(nullptr, map_length, PROT_READ, MAP_SHARED | MAP_POPULATE, m_fd,
                       static_cast<off_t>(map_offset));
    if (map == MAP_FAILED) return false;
    (void)::madvise(map, map_length, MADV_SEQUENTIAL);
    const char* data = static_cast<const char*>(map) + (file_offset - map_offset);
    install_sigbus_guard();
    sigjmp_buf jump;
    bool faulted = false;
    if (sigsetjmp(jump, 1) == 0) {
      t_sigbus_jump = &jump;
      feed(std::string_view(data, static_cast<std::size_t>(len)), idx);
      t_sigbus_jump = nullptr;
    } else {
      faulted = true;
    }
    ::munmap(map, map_length);
    if (faulted) {
      m_shared.set_error(content_error(ContentErrc::changed, f.disk_path,
                                       "the file shrank while it was hashed"));
      return true;
    }
    m_shared.bytes_read.fetch_add(len, std::memory_order_relaxed);
    return true;
  }

  // ---- hashing ----

  void start_piece(std::size_t piece) {
    m_piece = piece;
    m_piece_pos = 0;
    m_piece_size = std::min(m_pl, m_stream.total_size - static_cast<std::int64_t>(piece) * m_pl);
    m_piece_complete = true;
    m_piece_file = kNoFile;
    m_block_fill = 0;
    m_leaves.clear();
  }

  // File data of file `file`: SHA-1 of everything, SHA-256 per 16 KiB block.
  void feed(std::string_view data, std::size_t file) {
    // Two whole pieces side by side: their SHA-1s at once (sha1_pair.hpp), then the v2 blocks
    // of each (the pair, at most twice the piece length, is still in the cache).
    const auto pl = static_cast<std::size_t>(m_pl);
    while (m_pair_sha1 && m_piece_pos == 0 && data.size() >= 2 * pl) {
      Sha1Digest first, second;
      sha1_pair(data.substr(0, pl), data.substr(pl, pl), first, second);
      for (const Sha1Digest& digest : {first, second}) {
        if (m_v2) {
          m_piece_file = file;
          feed_blocks(data.substr(0, pl));
        }
        m_piece_sha1 = digest;
        data.remove_prefix(pl);
        advance(m_pl);
      }
    }
    // Both digests: alternate over strides that stay in the L1/L2 cache, so the second digest
    // reads what the first one just pulled in (a mapped segment can be megabytes long).
    const std::size_t stride = m_v1 && m_v2 ? kDualDigestStride : data.size();
    while (!data.empty()) {
      const auto n = static_cast<std::size_t>(std::min<std::int64_t>(
          static_cast<std::int64_t>(std::min(data.size(), stride)), m_piece_size - m_piece_pos));
      const std::string_view part = data.substr(0, n);
      if (m_v1) m_sha1.update(part);
      if (m_v2) {
        m_piece_file = file;
        feed_blocks(part);
      }
      data.remove_prefix(n);
      advance(static_cast<std::int64_t>(n));
    }
  }

  void feed_blocks(std::string_view data) {
    while (!data.empty()) {
      const auto room = static_cast<std::size_t>(kV2BlockSize) - m_block_fill;
      const std::size_t n = std::min(room, data.size());
      m_block.update(data.substr(0, n));
      m_block_fill += n;
      data.remove_prefix(n);
      if (m_block_fill == static_cast<std::size_t>(kV2BlockSize)) {
        m_leaves.push_back(m_block.finish());
        m_block_fill = 0;
      }
    }
  }

  void feed_zeros(std::int64_t len) {
    while (len > 0) {
      const std::int64_t n =
          std::min({len, m_piece_size - m_piece_pos, static_cast<std::int64_t>(kZeroChunk)});
      if (m_v1) m_sha1.update(std::string_view(kZeros, static_cast<std::size_t>(n)));
      len -= n;
      advance(n);
    }
  }

  // Bytes that cannot be read: the pieces they belong to are incomplete.
  void skip(std::size_t file, std::int64_t len) {
    while (len > 0) {
      const std::int64_t n = std::min(len, m_piece_size - m_piece_pos);
      m_piece_complete = false;
      m_piece_file = file;
      len -= n;
      advance(n);
    }
  }

  void advance(std::int64_t n) {
    m_piece_pos += n;
    if (m_piece_pos == m_piece_size) finish_piece();
  }

  void finish_piece() {
    PieceHashes& out = m_shared.out;
    if (m_v1) out.v1[m_piece] = m_piece_sha1 ? *std::exchange(m_piece_sha1, std::nullopt) : m_sha1.finish();
    if (m_v2) {
      if (m_block_fill > 0) {
        m_leaves.push_back(m_block.finish());
        m_block_fill = 0;
      }
      if (!m_leaves.empty()) {
        const StreamFile& f = m_stream.files[m_piece_file];
        // A file of at most one piece is its own tree, padded to a power of two of its blocks;
        // a larger file's pieces are subtrees of piece_length / 16 KiB leaves (BEP 52).
        const std::size_t width =
            f.length <= m_pl ? std::bit_ceil(m_leaves.size()) : m_blocks_per_piece;
        out.v2[m_piece] = merkle_root(m_tree, m_leaves, width);
      }
    }
    out.complete[m_piece] = m_piece_complete ? 1 : 0;
    m_shared.pieces_done.fetch_add(1, std::memory_order_relaxed);
    if (m_piece + 1 < m_shared.num_pieces) start_piece(m_piece + 1);
  }

  Shared& m_shared;
  const PieceStream& m_stream;
  const std::int64_t m_pl;
  const bool m_v1;
  const bool m_v2;
  const std::size_t m_blocks_per_piece;
  std::unique_ptr<char[], AlignedDeleter> m_buffer;
  Sha1Hasher m_sha1;
  /// Whether whole-piece pairs are hashed with sha1_pair (v1, on a CPU where that is faster).
  const bool m_pair_sha1 = m_v1 && sha1_pair_accelerated();
  /// The current piece's SHA-1 when sha1_pair computed it (m_sha1 then saw none of its bytes).
  std::optional<Sha1Digest> m_piece_sha1;
  Sha256Hasher m_block;
  Sha256Hasher m_tree;
  std::vector<Sha256Digest> m_leaves;
  int m_fd = -1;
  std::size_t m_fd_file = kNoFile;
  std::size_t m_piece = 0;
  std::int64_t m_piece_pos = 0;
  std::int64_t m_piece_size = 0;
  bool m_piece_complete = true;
  std::size_t m_piece_file = kNoFile;
  std::size_t m_block_fill = 0;
};

expected<void, ContentError> check_stream(const PieceStream& s, const HashOptions& o) {
  auto invalid = [](std::string what) {
    return unexpected<ContentError>(ContentError{ContentErrc::invalid_option, std::move(what), {}, 0});
  };
  if (s.piece_length <= 0) return invalid("piece length must be positive");
  if (s.total_size <= 0) return invalid("the piece stream is empty");
  if (!o.v1 && !o.v2) return invalid("nothing to hash: neither v1 nor v2 requested");
  if (o.v2 && (s.piece_length % kV2BlockSize != 0))
    return invalid("v2 hashing needs a piece length that is a multiple of 16 KiB");
  std::int64_t end = 0;
  for (const StreamFile& f : s.files) {
    if (f.offset < end || f.length < 0 || f.offset + f.length > s.total_size)
      return invalid("stream files overlap, are out of order or exceed the stream");
    if (o.v2 && f.kind != StreamFileKind::zeros && f.length > 0 && f.offset % s.piece_length != 0)
      return invalid("v2 hashing needs every file to start on a piece boundary");
    end = f.offset + f.length;
  }
  return {};
}

}  // namespace

std::size_t PieceStream::num_pieces() const noexcept {
  if (piece_length <= 0 || total_size <= 0) return 0;
  return static_cast<std::size_t>((total_size + piece_length - 1) / piece_length);
}

unsigned effective_threads(unsigned requested) noexcept {
  if (requested > 0) return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

expected<PieceHashes, ContentError> hash_pieces(const PieceStream& stream,
                                                const HashOptions& options) {
  if (auto ok = check_stream(stream, options); !ok) return unexpected<ContentError>(ok.error());
  PieceHashes out;
  Shared shared(stream, options, out);
  shared.num_pieces = stream.num_pieces();
  // At least two pieces per batch where SHA-1 goes in pairs, so that large pieces pair too.
  shared.pieces_per_batch = static_cast<std::size_t>(std::max<std::int64_t>(
      options.v1 && sha1_pair_accelerated() ? 2 : 1, kHashBatchBytes / stream.piece_length));
  shared.num_batches = (shared.num_pieces + shared.pieces_per_batch - 1) / shared.pieces_per_batch;
  if (options.v1) out.v1.resize(shared.num_pieces);
  if (options.v2) out.v2.resize(shared.num_pieces);
  out.complete.assign(shared.num_pieces, 0);
  out.file_errors.resize(stream.files.size());

  HashProgress progress;
  progress.num_pieces = shared.num_pieces;
  for (const StreamFile& f : stream.files)
    if (f.kind == StreamFileKind::data) progress.bytes_total += f.length;

  const unsigned threads = static_cast<unsigned>(
      std::min<std::size_t>(effective_threads(options.threads), shared.num_batches));
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) {
    pool.emplace_back([&shared] {
      {
        Worker worker(shared);
        worker.run();
      }
      std::lock_guard lock(shared.mutex);
      ++shared.finished_workers;
      shared.cv.notify_all();
    });
  }

  auto snapshot = [&] {
    progress.pieces_done = shared.pieces_done.load(std::memory_order_relaxed);
    progress.bytes_read = shared.bytes_read.load(std::memory_order_relaxed);
    return progress;
  };
  bool cancelled = false;
  {
    std::unique_lock lock(shared.mutex);
    while (shared.finished_workers < threads) {
      shared.cv.wait_for(lock, options.progress_interval);
      if (options.progress && shared.finished_workers < threads && !cancelled) {
        const HashProgress p = snapshot();
        lock.unlock();
        if (!options.progress(p)) {
          cancelled = true;
          shared.stop.store(true, std::memory_order_relaxed);
        }
        lock.lock();
      }
    }
  }
  for (std::thread& t : pool) t.join();

  if (shared.error) return unexpected<ContentError>(std::move(*shared.error));
  if (cancelled)
    return unexpected<ContentError>(
        ContentError{ContentErrc::cancelled, "hashing was cancelled", {}, 0});
  if (options.progress) options.progress(snapshot());
  out.bytes_read = shared.bytes_read.load();
  out.file_status.resize(stream.files.size());
  for (std::size_t i = 0; i < stream.files.size(); ++i)
    out.file_status[i] = static_cast<FileReadStatus>(shared.file_status[i].load());
  return out;
}

}  // namespace shoal::peer
