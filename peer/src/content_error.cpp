#include "shoal/peer/content_error.hpp"

namespace shoal::peer {

std::string_view to_string(ContentErrc code) noexcept {
  switch (code) {
    case ContentErrc::not_found: return "not_found";
    case ContentErrc::not_readable: return "not_readable";
    case ContentErrc::not_a_file: return "not_a_file";
    case ContentErrc::empty: return "empty";
    case ContentErrc::symlink: return "symlink";
    case ContentErrc::symlink_loop: return "symlink_loop";
    case ContentErrc::unsafe_name: return "unsafe_name";
    case ContentErrc::changed: return "changed";
    case ContentErrc::too_large: return "too_large";
    case ContentErrc::invalid_option: return "invalid_option";
    case ContentErrc::output_inside_input: return "output_inside_input";
    case ContentErrc::output_exists: return "output_exists";
    case ContentErrc::write_failed: return "write_failed";
    case ContentErrc::cancelled: return "cancelled";
  }
  return "unknown";
}

}  // namespace shoal::peer
