// Fuzz target: the UDP tracker codecs (BEP 15 + BEP 41). Every datagram goes through
// decode_request and through decode_response for both address families. Decoding must never
// crash; an error's offset lies within the datagram; whatever decodes must re-encode (through
// both encode and encode_into, to exactly encoded_size bytes) into a packet that decodes to the
// same value — and to the very same bytes where the format has no optional tail.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "shoal/proto/udp_tracker.hpp"

namespace {

using namespace shoal;
using namespace shoal::udp_tracker;

void check(bool ok) {
  if (!ok) std::abort();
}

void check_error(const Error& e, std::string_view in) {
  check(e.offset == Error::npos || e.offset <= in.size());
  check(!e.what.empty());
}

// encode and encode_into agree with each other and with encoded_size.
template <class Message>
std::string encode_both_ways(const Message& m) {
  std::string out = "x";  // encode appends: the prefix must survive
  encode(m, out);
  check(out.size() == 1 + encoded_size(m) && out[0] == 'x');
  out.erase(0, 1);
  std::string buf(out.size(), '\0');
  check(encode_into(m, buf) == out.size() && buf == out);
  if (!out.empty()) check(encode_into(m, std::span<char>(buf.data(), buf.size() - 1)) == 0);
  return out;
}

void fuzz_request(std::string_view in) {
  std::string scratch;
  auto req = decode_request(in, scratch);
  if (!req) {
    check_error(req.error(), in);
    return;
  }
  const std::string out = encode_both_ways(*req);
  std::string scratch2;
  auto again = decode_request(out, scratch2);
  check(again.has_value() && *again == *req);

  const auto tid = request_transaction_id(in);
  check(tid.has_value());
  if (const auto* c = std::get_if<ConnectRequest>(&*req)) {
    check(*tid == c->transaction_id);
    if (in.size() == kConnectRequestSize) check(out == in);
  } else if (const auto* a = std::get_if<AnnounceRequest>(&*req)) {
    check(*tid == a->transaction_id);
    check(!a->url_data || a->url_data->size() <= kMaxUrlDataLength);
    if (in.size() == kAnnounceRequestSize) check(out == in);
  } else {
    const auto& s = std::get<ScrapeRequest>(*req);
    check(*tid == s.transaction_id);
    check(!s.info_hashes.empty() && s.info_hashes.size() <= kMaxScrapeHashes);
    check(out == in);  // a scrape request has no optional tail
  }
}

void fuzz_response(std::string_view in, AddressFamily family) {
  auto res = decode_response(in, family);
  if (!res) {
    check_error(res.error(), in);
    return;
  }
  const std::string out = encode_both_ways(*res);
  auto again = decode_response(out, family);
  check(again.has_value() && *again == *res);
  // Only a connect response can carry ignored trailing bytes.
  if (!std::holds_alternative<ConnectResponse>(*res) || in.size() == kConnectResponseSize)
    check(out == in);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  fuzz_request(in);
  fuzz_response(in, AddressFamily::v4);
  fuzz_response(in, AddressFamily::v6);
  return 0;
}
