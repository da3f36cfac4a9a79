#include "shoal/server/secret_token.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "shoal/proto/encoding.hpp"
#include "shoal/proto/hash.hpp"

namespace shoal::server {

namespace {

bool is_lower_hex(std::string_view s) noexcept {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool has_shape(std::string_view token, std::string_view prefix) noexcept {
  return token.size() == prefix.size() + 2 * kSecretBytes && token.starts_with(prefix) &&
         is_lower_hex(token.substr(prefix.size()));
}

}  // namespace

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (n != 0 &&
      RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return out;
}

std::string new_session_token() {
  return std::string(kSessionTokenPrefix) + hex_encode(random_bytes(kSecretBytes));
}
std::string new_api_key() {
  return std::string(kApiKeyPrefix) + hex_encode(random_bytes(kSecretBytes));
}
std::string new_invite_code() {
  return std::string(kInviteCodePrefix) + hex_encode(random_bytes(kSecretBytes));
}
std::string new_passkey() { return hex_encode(random_bytes(kPasskeyBytes)); }

std::string new_random_password() {
  // 32 symbols (no 0/o, 1/l/i): each byte's low five bits pick one without bias.
  static constexpr std::string_view kAlphabet = "abcdefghjkmnpqrstuvwxyz23456789X";
  const std::string bytes = random_bytes(24);
  std::string out;
  for (char b : bytes) out += kAlphabet[static_cast<unsigned char>(b) & 31];
  return out;
}

std::string token_hash(std::string_view secret) { return sha256(secret).hex(); }

std::string api_key_prefix(std::string_view key) {
  return std::string(key.substr(0, kApiKeyPrefix.size() + 8));
}

bool looks_like_session_token(std::string_view token) noexcept {
  return has_shape(token, kSessionTokenPrefix);
}
bool looks_like_api_key(std::string_view token) noexcept { return has_shape(token, kApiKeyPrefix); }

std::string csrf_token_for(std::string_view session_token) {
  std::string input("shoal-csrf-v1:");
  input += session_token;
  return sha256(input).hex();
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace shoal::server
