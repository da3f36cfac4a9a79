// libFuzzer target for the HTTP tracker codecs: the same bytes are fed to the announce and scrape
// query parsers, the announce and scrape response decoders, and the peer address parsers. Every
// accepted input must survive an encode/parse round trip unchanged; anything else aborts.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "shoal/proto/http_tracker.hpp"
#include "shoal/proto/peer_endpoint.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void fuzz_queries(std::string_view in) {
  if (auto a = shoal::parse_announce_query(in)) {
    check(a->port != 0);
    auto again = shoal::parse_announce_query(shoal::encode_announce_query(*a));
    check(again.has_value() && *again == *a);
  } else {
    const auto& e = a.error();
    check(e.offset == shoal::Error::npos || e.offset <= in.size());
  }
  if (auto s = shoal::parse_scrape_query(in)) {
    check(s->info_hashes.size() <= shoal::kMaxScrapeInfoHashes);
    auto again = shoal::parse_scrape_query(shoal::encode_scrape_query(*s));
    check(again.has_value() && *again == *s);
  } else {
    const auto& e = s.error();
    check(e.offset == shoal::Error::npos || e.offset <= in.size());
  }
}

void fuzz_responses(std::string_view in) {
  if (auto r = shoal::decode_announce_response(in)) {
    shoal::AnnounceResponse expected = *r;
    expected.skipped_peers = 0;
    // Dictionary form keeps everything, in order.
    auto dict = shoal::decode_announce_response(
        shoal::encode_announce_response(*r, shoal::PeerListFormat::dict));
    check(dict.has_value() && *dict == expected);
    // Compact form drops peer ids and lists IPv4 peers before IPv6 ones.
    for (auto& p : expected.peers) p.peer_id.reset();
    std::stable_partition(expected.peers.begin(), expected.peers.end(),
                          [](const shoal::AnnouncePeer& p) { return p.endpoint.is_v4(); });
    auto compact = shoal::decode_announce_response(shoal::encode_announce_response(*r));
    check(compact.has_value() && *compact == expected);
  }
  if (auto s = shoal::decode_scrape_response(in)) {
    auto again = shoal::decode_scrape_response(shoal::encode_scrape_response(*s));
    check(again.has_value() && *again == *s);
  }
}

void fuzz_addresses(std::string_view in) {
  if (in.size() > 64) return;
  if (auto e = shoal::PeerEndpoint::parse(in)) {
    auto again = shoal::PeerEndpoint::parse(e->to_string());
    check(again.has_value() && *again == *e);
    std::string c;
    shoal::append_compact(c, *e);
    check(shoal::parse_compact_peer(c) == *e);
  }
  if (auto a = shoal::AddressWithPort::parse(in)) {
    auto again = shoal::AddressWithPort::parse(a->to_string());
    check(again.has_value() && *again == *a);
  }
  for (auto family : {shoal::AddressFamily::v4, shoal::AddressFamily::v6}) {
    auto peers = shoal::parse_compact_peers(in, family);
    const std::size_t step = family == shoal::AddressFamily::v4 ? 6 : 18;
    check(peers.has_value() == (in.size() % step == 0));
    if (peers) {
      std::string back;
      for (const auto& p : *peers) shoal::append_compact(back, p);
      check(back == in);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  fuzz_queries(in);
  fuzz_responses(in);
  fuzz_addresses(in);
  return 0;
}
