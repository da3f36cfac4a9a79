#pragma once
// Internal to the catalog's REST endpoints (catalog_api.cpp registers them, catalog_feed_api.cpp
// adds the RSS and Torznab feeds): the shared state of the routes and the helpers both files use.
// Not a public header: the contract for users of the API is catalog_api.hpp.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shoal/tracker/api_router.hpp"
#include "shoal/tracker/catalog_api.hpp"
#include "shoal/tracker/catalog_store.hpp"
#include "shoal/tracker/rate_limiter.hpp"

namespace shoal::tracker::catalog_detail {

/// What every catalog route shares.
struct Catalog {
  explicit Catalog(CatalogApiDeps d)
      : deps(std::move(d)), ingest_limiter(deps.ingest_rate, std::max(deps.ingest_burst, double{kMaxIngestItems})) {}

  std::mutex mutex;  ///< one thread at a time on the store (catalog_store.hpp)
  std::unique_ptr<CatalogStore> store;
  CatalogApiDeps deps;
  AccountService* accounts = nullptr;
  RateLimiter ingest_limiter;  ///< ingest items per user
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
