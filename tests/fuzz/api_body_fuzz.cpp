// Fuzz target: parse_body and every API message reader (api_*.hpp). Reading a server's answer
// must never crash, hang or recurse without bound, whatever the bytes; an error names a context;
// whatever reads as a message writes back to JSON that reads as the same message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "shoal/proto/api_catalog.hpp"
#include "shoal/proto/api_error.hpp"
#include "shoal/proto/api_history.hpp"
#include "shoal/proto/api_swarms.hpp"
#include "shoal/proto/api_transfers.hpp"
#include "shoal/proto/api_users.hpp"

namespace {

using shoal::api::Json;

template <class T, class Read>
void round_trip(const Json& doc, Read read) {
  auto v = read(doc);
  if (!v) {
    if (v.error().context.empty() || v.error().what.empty()) std::abort();
    return;
  }
  auto again = read(Json::parse(v->to_json().dump()));
  if (!again || !(*again == *v)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto doc = shoal::api::parse_body(in);
  if (!doc) {
    if (doc.error().context != "api body" || (doc.error().offset != shoal::Error::npos && doc.error().offset > size))
      std::abort();
    return 0;
  }
  using namespace shoal::api;
  round_trip<ApiErrorBody>(*doc, [](const Json& j) { return ApiErrorBody::from_json(j); });
  round_trip<SwarmPage>(*doc, [](const Json& j) { return SwarmPage::from_json(j); });
  round_trip<SwarmPeerList>(*doc, [](const Json& j) { return SwarmPeerList::from_json(j); });
  round_trip<TotalsHistory>(*doc, [](const Json& j) { return TotalsHistory::from_json(j); });
  round_trip<SwarmHistory>(*doc, [](const Json& j) { return SwarmHistory::from_json(j); });
  round_trip<UserPage>(*doc, [](const Json& j) { return UserPage::from_json(j); });
  round_trip<LoginReply>(*doc, [](const Json& j) { return LoginReply::from_json(j); });
  round_trip<CatalogEntry>(*doc, [](const Json& j) { return CatalogEntry::from_json(j); });
  if (auto entry = CatalogEntry::from_reply(*doc)) {
    auto again = CatalogEntry::from_json(Json::parse(entry->to_json().dump()));
    if (!again || !(*again == *entry)) std::abort();
  }
  round_trip<TransferView>(*doc, [](const Json& j) { return TransferView::from_json(j); });
  auto sync = TransferSync::from_json(*doc);
  if (sync) {
    std::vector<Json> views;
    for (const auto& t : sync->torrents) views.push_back(t.to_json());
    auto again = TransferSync::from_json(
        Json::parse(TransferSync::to_json(sync->revision, sync->full, views, sync->removed, sync->global).dump()));
    if (!again || !(*again == *sync)) std::abort();
  }
  return 0;
}
