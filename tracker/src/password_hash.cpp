#include "shoal/tracker/password_hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <cstdio>

#include "shoal/proto/encoding.hpp"

namespace shoal::tracker {

namespace {

constexpr std::string_view kPrefix = "$scrypt$";

std::optional<std::string> params_problem(const ScryptParams& p) {
  if (p.log2_n < kMinScryptLog2N || p.log2_n > kMaxScryptLog2N)
    return "scrypt: ln out of range";
  if (p.r < 1 || p.r > kMaxScryptR) return "scrypt: r out of range";
  if (p.p < 1 || p.p > kMaxScryptP) return "scrypt: p out of range";
  return std::nullopt;
}

expected<std::string, std::string> derive(std::string_view password, std::string_view salt,
                                          const ScryptParams& p) {
  const std::uint64_t n = std::uint64_t{1} << p.log2_n;
  // OpenSSL refuses to allocate more than maxmem; give it what these parameters need plus slack.
  const std::uint64_t maxmem = 130 * n * p.r * p.p + (std::uint64_t{1} << 20);
  std::string key(kPasswordKeyBytes, '\0');
  if (EVP_PBE_scrypt(password.data(), password.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), n, p.r, p.p,
                     maxmem, reinterpret_cast<unsigned char*>(key.data()), key.size()) != 1)
    return unexpected<std::string>("scrypt: key derivation failed");
  return key;
}

bool parse_u32(std::string_view text, std::uint32_t& out) {
  if (text.empty() || text.size() > 9) return false;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  return r.ec == std::errc{} && r.ptr == text.data() + text.size();
}

struct Parsed {
  ScryptParams params;
  std::string salt;
  std::string key;
};

expected<Parsed, std::string> parse(std::string_view encoded) {
  auto bad = [] { return unexpected<std::string>("not an scrypt password hash"); };
  if (!encoded.starts_with(kPrefix)) return bad();
  std::string_view rest = encoded.substr(kPrefix.size());
  const auto d1 = rest.find('$');
  if (d1 == std::string_view::npos) return bad();
  const std::string_view params = rest.substr(0, d1);
  rest = rest.substr(d1 + 1);
  const auto d2 = rest.find('$');
  if (d2 == std::string_view::npos) return bad();
  const std::string_view salt_hex = rest.substr(0, d2);
  const std::string_view key_hex = rest.substr(d2 + 1);

  Parsed out;
  // Exactly "ln=A,r=B,p=C".
  std::string_view fields = params;
  const char* names[] = {"ln=", "r=", "p="};
  std::uint32_t* targets[] = {&out.params.log2_n, &out.params.r, &out.params.p};
  for (int i = 0; i < 3; ++i) {
    if (!fields.starts_with(names[i])) return bad();
    fields.remove_prefix(std::string_view(names[i]).size());
    const auto comma = fields.find(',');
    const std::string_view value = fields.substr(0, comma);
    if (!parse_u32(value, *targets[i])) return bad();
    if (i < 2) {
      if (comma == std::string_view::npos) return bad();
      fields.remove_prefix(comma + 1);
    } else if (comma != std::string_view::npos) {
      return bad();
    }
  }
  if (auto problem = params_problem(out.params)) return unexpected<std::string>(*problem);
  auto salt = hex_decode(salt_hex);
  auto key = hex_decode(key_hex);
  if (!salt || !key || salt->size() != kPasswordSaltBytes || key->size() != kPasswordKeyBytes)
    return bad();
  out.salt = std::move(*salt);
  out.key = std::move(*key);
  return out;
}

}  // namespace

expected<std::string, std::string> hash_password(std::string_view password,
                                                 const ScryptParams& params) {
  if (auto problem = params_problem(params)) return unexpected<std::string>(*problem);
  if (password.size() > kMaxPasswordBytes)
    return unexpected<std::string>("password longer than " + std::to_string(kMaxPasswordBytes) +
                                   " bytes");
  std::string salt(kPasswordSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1)
    return unexpected<std::string>("scrypt: no random bytes for the salt");
  auto key = derive(password, salt, params);
  if (!key) return unexpected<std::string>(key.error());
  char head[64];
  std::snprintf(head, sizeof head, "ln=%u,r=%u,p=%u$", params.log2_n, params.r, params.p);
  return std::string(kPrefix) + head + hex_encode(salt) + "$" + hex_encode(*key);
}

expected<bool, std::string> verify_password(std::string_view password, std::string_view encoded) {
  auto parsed = parse(encoded);
  if (!parsed) return unexpected<std::string>(parsed.error());
  if (password.size() > kMaxPasswordBytes) return false;
  auto key = derive(password, parsed->salt, parsed->params);
  if (!key) return unexpected<std::string>(key.error());
  return CRYPTO_memcmp(key->data(), parsed->key.data(), kPasswordKeyBytes) == 0;
}

expected<ScryptParams, std::string> parse_password_hash_params(std::string_view encoded) {
  auto parsed = parse(encoded);
  if (!parsed) return unexpected<std::string>(parsed.error());
  return parsed->params;
}

bool needs_rehash(std::string_view encoded, const ScryptParams& current) {
  auto params = parse_password_hash_params(encoded);
  return !params || !(*params == current);
}

}  // namespace shoal::tracker
