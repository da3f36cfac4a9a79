// Fuzz target: bencode decode in both modes, value_end and raw_dict_value. Decoding must never
// crash, hang or exceed the limits; whatever decodes strictly must re-encode to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "shoal/proto/bencode.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace shoal::bencode;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto strict = decode(in, Mode::strict);
  if (strict && encode(*strict) != in) std::abort();  // canonical input round-trips byte-exactly
  auto lenient = decode(in, Mode::lenient);
  if (strict && !lenient) std::abort();               // lenient accepts a superset
  if (lenient) {
    auto again = decode(encode(*lenient), Mode::strict);
    if (!again || !(*again == *lenient)) std::abort();
  }
  (void)value_end(in, 0);
  (void)raw_dict_value(in, "info");
  return 0;
}
