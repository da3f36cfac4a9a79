#pragma once
// The random secrets of accounts and how they are stored: session tokens, API keys, invite codes,
// passkeys and generated passwords. Every secret a client presents later (session token, API key,
// invite code) is 256 random bits from OpenSSL's CSPRNG and is stored only as its SHA-256
// (token_hash), so a copy of the database lets nobody sign in. Lookups go by that hash; comparing
// secrets directly uses constant_time_equal.
//
//   session token   "ss_" + 64 lowercase hex       (cookie `shoal_session`, or Bearer)
//   API key         "sk_" + 64 lowercase hex       (Bearer); api_key_prefix(): "sk_" + first 8 hex
//   invite code     "inv_" + 64 lowercase hex
//   passkey         32 lowercase hex (128 bits; it sits in announce URLs, the users table keeps it)
//
//   std::string key = new_api_key();          // shown to the user once
//   store.save(token_hash(key), api_key_prefix(key));

#include <cstddef>
#include <string>
#include <string_view>

namespace shoal::server {

inline constexpr std::string_view kSessionTokenPrefix = "ss_";
inline constexpr std::string_view kApiKeyPrefix = "sk_";
inline constexpr std::string_view kInviteCodePrefix = "inv_";
inline constexpr std::size_t kSecretBytes = 32;    ///< 256 bits
inline constexpr std::size_t kPasskeyBytes = 16;   ///< 128 bits, 32 hex characters

/// `n` bytes from the CSPRNG. Throws std::runtime_error if OpenSSL cannot provide them (a broken
/// system: nothing sensible can continue).
std::string random_bytes(std::size_t n);

std::string new_session_token();
std::string new_api_key();
std::string new_invite_code();
/// 32 lowercase hex characters.
std::string new_passkey();
/// A password for a generated account (first admin, admin reset): 24 characters of
/// [a-z2-9] minus look-alikes, about 120 bits.
std::string new_random_password();

/// Lowercase hex SHA-256 of `secret`: what is stored and looked up.
std::string token_hash(std::string_view secret);

/// What an API key list shows: "sk_" and the first 8 hex characters (api keys only; other
/// input gives its first 11 characters).
std::string api_key_prefix(std::string_view key);

/// True when `token` has the shape of a session token / API key (prefix, 64 lowercase hex).
bool looks_like_session_token(std::string_view token) noexcept;
bool looks_like_api_key(std::string_view token) noexcept;

/// The CSRF token that goes with a session token: a domain-separated SHA-256 of it, so it is
/// stateless and changes with the session. Cookie-authenticated state-changing requests must echo
/// it in `X-CSRF-Token`.
std::string csrf_token_for(std::string_view session_token);

/// Equality that takes the same time for every pair of equal-length inputs (CRYPTO_memcmp).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace shoal::server
