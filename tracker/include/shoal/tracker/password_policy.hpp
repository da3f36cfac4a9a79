#pragma once
// What a new password must satisfy before it is hashed (registration, password change, admin
// reset): a minimum length (`[accounts] min_password_length`, counted in UTF-8 code points), at
// most kMaxPasswordBytes bytes, not equal to the username, and not on a small list of the most
// common passwords shipped in the binary (a few hundred entries from public breach-frequency
// lists; compared case-insensitively, so "PassWord123" is refused like "password123").
//
//   if (auto problem = check_new_password(pw, "alice", 10)) return validation_error(*problem);

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace shoal::tracker {

/// nullopt when acceptable, else a message for the user ("password must have at least 10
/// characters", "password is too common", ...).
std::optional<std::string> check_new_password(std::string_view password, std::string_view username,
                                              std::size_t min_length);

/// True when `password` (case-insensitive) is on the shipped list.
bool is_common_password(std::string_view password);

/// Number of entries on the shipped list.
std::size_t common_password_count() noexcept;

}  // namespace shoal::tracker
