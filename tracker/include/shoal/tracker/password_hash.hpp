#pragma once
// Password hashing with scrypt (OpenSSL's EVP_PBE_scrypt), a memory-hard KDF (design.md), and a
// per-password random salt. The result is one self-describing text that carries the parameters,
// so they can be raised later without invalidating stored hashes:
//
//   $scrypt$ln=15,r=8,p=1$<salt: 16 bytes, lowercase hex>$<key: 32 bytes, lowercase hex>
//
//   ln  log2 of scrypt's N (CPU/memory cost)   default 15 (N = 32768)
//   r   block size                              default 8
//   p   parallelism                             default 1
// Memory per hash is 128 * N * r * p bytes: 32 MiB with the defaults, about 60-100 ms of one core.
// `[accounts] password_cost` sets ln (10-20) for new hashes; verify() reads the parameters from
// the stored text. needs_rehash() tells when a stored hash uses other parameters than the current
// ones (the account service then re-hashes at the next successful login).
//
//   ScryptParams params{.log2_n = 15};
//   auto stored = hash_password("correct horse battery staple", params);   // store *stored
//   auto ok = verify_password("correct horse battery staple", *stored);   // expected<bool>
//
// Hashing is slow on purpose: call it from a worker thread, never an I/O thread.
// Verification compares in constant time (CRYPTO_memcmp).

#include <cstdint>
#include <string>
#include <string_view>

#include "shoal/proto/expected.hpp"

namespace shoal::tracker {

struct ScryptParams {
  std::uint32_t log2_n = 15;  ///< kMinScryptLog2N..kMaxScryptLog2N
  std::uint32_t r = 8;        ///< 1..kMaxScryptR
  std::uint32_t p = 1;        ///< 1..kMaxScryptP

  friend bool operator==(const ScryptParams&, const ScryptParams&) = default;
};

inline constexpr std::uint32_t kMinScryptLog2N = 10;
inline constexpr std::uint32_t kMaxScryptLog2N = 20;
inline constexpr std::uint32_t kMaxScryptR = 32;
inline constexpr std::uint32_t kMaxScryptP = 16;
inline constexpr std::size_t kPasswordSaltBytes = 16;
inline constexpr std::size_t kPasswordKeyBytes = 32;
/// Longest password accepted (bytes): scrypt takes any length, but a megabyte "password" is an
/// attack on the request path, not a password.
inline constexpr std::size_t kMaxPasswordBytes = 1024;

/// The encoded hash of `password` with a fresh random salt. Fails (with a message) when the
/// parameters are out of range, the password is longer than kMaxPasswordBytes, or OpenSSL fails.
expected<std::string, std::string> hash_password(std::string_view password,
                                                 const ScryptParams& params);

/// True when `password` matches `encoded`, false when it does not. An error when `encoded` is not
/// a hash this code writes (wrong prefix, parameters out of range, bad hex, wrong lengths) — a
/// deliberately invalid stored hash such as "!" (a deleted account) is such an error, so callers
/// treat errors as "no match".
expected<bool, std::string> verify_password(std::string_view password, std::string_view encoded);

/// The parameters of an encoded hash; an error as for verify_password.
expected<ScryptParams, std::string> parse_password_hash_params(std::string_view encoded);

/// True when `encoded` was made with other parameters than `current` (or cannot be parsed).
bool needs_rehash(std::string_view encoded, const ScryptParams& current);

}  // namespace shoal::tracker
