#include "shoal/proto/error.hpp"

namespace shoal {

std::string_view to_string(Errc code) noexcept {
  switch (code) {
    case Errc::truncated: return "truncated";
    case Errc::syntax: return "syntax";
    case Errc::non_canonical: return "non_canonical";
    case Errc::limit_exceeded: return "limit_exceeded";
    case Errc::trailing_data: return "trailing_data";
    case Errc::wrong_type: return "wrong_type";
    case Errc::missing_field: return "missing_field";
    case Errc::invalid_value: return "invalid_value";
    case Errc::inconsistent: return "inconsistent";
    case Errc::unsafe_path: return "unsafe_path";
    case Errc::unsupported: return "unsupported";
  }
  return "unknown";
}

std::string Error::message() const {
  std::string out;
  if (!context.empty()) {
    out += context;
    out += ": ";
  }
  out += what;
  if (offset != npos) {
    out += " at byte ";
    out += std::to_string(offset);
  }
  return out;
}

}  // namespace shoal
