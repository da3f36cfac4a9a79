#include "shoal/proto/hash.hpp"

#include <openssl/evp.h>

#include <cstring>
#include <new>

#include "shoal/proto/encoding.hpp"

namespace shoal {

template <std::size_t N>
std::string Digest<N>::hex() const {
  return hex_encode(view());
}

template <std::size_t N>
std::optional<Digest<N>> Digest<N>::from_bytes(std::string_view raw) {
  if (raw.size() != N) return std::nullopt;
  Digest d;
  std::memcpy(d.bytes.data(), raw.data(), N);
  return d;
}

template <std::size_t N>
std::optional<Digest<N>> Digest<N>::from_hex(std::string_view text) {
  if (text.size() != 2 * N) return std::nullopt;
  auto raw = hex_decode(text);
  if (!raw) return std::nullopt;
  return from_bytes(*raw);
}

template <std::size_t N>
bool Digest<N>::is_zero() const noexcept {
  for (auto b : bytes)
    if (b != 0) return false;
  return true;
}

template struct Digest<20>;
template struct Digest<32>;

namespace detail {
// EvpContext is an opaque tag: the pointer really is an EVP_MD_CTX*.
void EvpContextDeleter::operator()(EvpContext* ctx) const noexcept {
  EVP_MD_CTX_free(reinterpret_cast<EVP_MD_CTX*>(ctx));
}
}  // namespace detail

namespace {

EVP_MD_CTX* raw(const std::unique_ptr<detail::EvpContext, detail::EvpContextDeleter>& p) {
  return reinterpret_cast<EVP_MD_CTX*>(p.get());
}

std::unique_ptr<detail::EvpContext, detail::EvpContextDeleter> make_context(const EVP_MD* md) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) throw std::bad_alloc();
  EVP_DigestInit_ex(ctx, md, nullptr);
  return std::unique_ptr<detail::EvpContext, detail::EvpContextDeleter>(
      reinterpret_cast<detail::EvpContext*>(ctx));
}

template <class D>
D finish_and_reset(EVP_MD_CTX* ctx) {
  D d;
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, d.bytes.data(), &len);
  // A null type re-initialises with the context's current digest: no algorithm lookup (which in
  // OpenSSL 3 takes a lock) per finish — v2 hashing finishes once per 16 KiB block.
  EVP_DigestInit_ex2(ctx, nullptr, nullptr);
  return d;
}

}  // namespace

Sha1Hasher::Sha1Hasher() : m_ctx(make_context(EVP_sha1())) {}
void Sha1Hasher::update(std::string_view data) { EVP_DigestUpdate(raw(m_ctx), data.data(), data.size()); }
Sha1Digest Sha1Hasher::finish() { return finish_and_reset<Sha1Digest>(raw(m_ctx)); }

Sha256Hasher::Sha256Hasher() : m_ctx(make_context(EVP_sha256())) {}
void Sha256Hasher::update(std::string_view data) { EVP_DigestUpdate(raw(m_ctx), data.data(), data.size()); }
Sha256Digest Sha256Hasher::finish() { return finish_and_reset<Sha256Digest>(raw(m_ctx)); }

Sha1Digest sha1(std::string_view data) {
  Sha1Digest d;
  EVP_Digest(data.data(), data.size(), d.bytes.data(), nullptr, EVP_sha1(), nullptr);
  return d;
}

Sha256Digest sha256(std::string_view data) {
  Sha256Digest d;
  EVP_Digest(data.data(), data.size(), d.bytes.data(), nullptr, EVP_sha256(), nullptr);
  return d;
}

}  // namespace shoal
