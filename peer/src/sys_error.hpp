#pragma once
// Internal helpers of libshoal_peer for turning errno into ContentError (not installed).

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>

#include "shoal/peer/content_error.hpp"
#include "shoal/proto/expected.hpp"

namespace shoal::peer::detail {

/// strerror(err) starting with a lower-case letter: our messages continue a sentence
/// ("/a/b: permission denied").
inline std::string errno_text(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

inline ContentError content_error(ContentErrc code, const std::filesystem::path& path,
                                  std::string what, int err = 0) {
  return ContentError{code, path.string() + ": " + std::move(what), path, err};
}

inline unexpected<ContentError> fail(ContentErrc code, const std::filesystem::path& path,
                                     std::string what, int err = 0) {
  return unexpected<ContentError>(content_error(code, path, std::move(what), err));
}

/// not_found for a path that does not exist (or has a non-directory in its prefix),
/// not_readable for every other errno.
inline ContentErrc errc_for_errno(int err) {
  return err == ENOENT || err == ENOTDIR ? ContentErrc::not_found : ContentErrc::not_readable;
}

}  // namespace shoal::peer::detail
