#pragma once
// Internal to the catalog's REST endpoints (catalog_api.cpp registers them, catalog_feed_api.cpp
// adds the RSS and Torznab feeds): the shared state of the routes and the helpers both files use.
// Not a public header: the contract for users of the API is catalog_api.hpp.

#include <cstdint>
#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/server/api_router.hpp"
#include "shoal/tracker/catalog_api.hpp"
#include "shoal/tracker/catalog_store.hpp"
#include "shoal/server/rate_limiter.hpp"

namespace shoal::tracker::catalog_detail {

/// What every catalog route shares. Changes go through `store` under `mutex` (one writer); reads
/// lease one of `readers`, connections of their own (SQLite WAL: readers never wait for each other
/// or for the writer), so a slow search holds up neither details nor other searches.
struct Catalog {
  explicit Catalog(CatalogApiDeps d)
      : deps(std::move(d)), ingest_limiter(deps.ingest_rate, std::max(deps.ingest_burst, double{kMaxIngestItems})) {}

  std::mutex mutex;  ///< one thread at a time on the store (catalog_store.hpp)
  std::unique_ptr<CatalogStore> store;
  CatalogApiDeps deps;
  AccountService* accounts = nullptr;
  RateLimiter ingest_limiter;  ///< ingest items per user

  std::vector<std::unique_ptr<CatalogStore>> readers;
  std::mutex readers_mutex;
  std::condition_variable reader_freed;
  std::vector<CatalogStore*> free_readers;

  /// A reader connection for the lease's lifetime (waits while all are leased).
  class ReadLease {
  public:
    explicit ReadLease(Catalog& c) : m_c(c) {
      std::unique_lock lock(c.readers_mutex);
      c.reader_freed.wait(lock, [&] { return !c.free_readers.empty(); });
      m_store = c.free_readers.back();
      c.free_readers.pop_back();
    }
    ~ReadLease() {
      {
        std::lock_guard lock(m_c.readers_mutex);
        m_c.free_readers.push_back(m_store);
      }
      m_c.reader_freed.notify_one();
    }
    ReadLease(const ReadLease&) = delete;
    ReadLease& operator=(const ReadLease&) = delete;
    CatalogStore* operator->() const noexcept { return m_store; }

  private:
    Catalog& m_c;
    CatalogStore* m_store = nullptr;
  };
  ReadLease read() { return ReadLease(*this); }
};

/// A store error as a reply (400/404/409; a database error is logged and is a 500).
ApiReply catalog_error(const CatalogError& e);
/// 400 invalid_query.
ApiReply bad_query(std::string_view message);
/// ?category=5000,2040 into ids (`name`: the parameter); false (and a 400 in `error`) for junk.
bool read_categories(const ApiCall& call, std::vector<std::int64_t>& out, std::optional<ApiReply>& error,
                     std::string_view name = "category");
/// ?limit= and ?offset= checked against the catalog's bounds; false (and a 400) for junk.
bool read_page(const ApiCall& call, std::int64_t& limit, std::int64_t& offset, std::optional<ApiReply>& error);

/// Adds GET /api/v1/feed/rss and GET /api/v1/torznab/api (catalog_feed_api.cpp).
void register_feed_routes(ApiRouter& router, const std::shared_ptr<Catalog>& c);

}  // namespace shoal::tracker::catalog_detail
