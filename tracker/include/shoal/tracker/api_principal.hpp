#pragma once
// principal_of(): the tracker's Principal (account_service.hpp) behind an authenticated API call.
// The tracker's ApiService authenticates with AccountService, which creates only Principals, so
// every ApiCall::principal there is one. Only for routes that require authorization.

#include "shoal/server/api_router.hpp"
#include "shoal/tracker/account_service.hpp"

namespace shoal::tracker {

inline const Principal& principal_of(const server::ApiCall& call) noexcept {
  return server::caller_as<Principal>(call);
}

}  // namespace shoal::tracker
