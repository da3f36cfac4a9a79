#include "shoal/peer/api_key_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "shoal/peer/atomic_file.hpp"
#include "shoal/server/secret_token.hpp"

namespace shoal::peer {

namespace fs = std::filesystem;
using server::AuthError;

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool valid_key_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

}  // namespace

expected<std::unique_ptr<ApiKeyStore>, std::string> ApiKeyStore::open(const fs::path& state_dir) {
  std::error_code ec;
  fs::create_directories(state_dir, ec);
  if (ec) return unexpected("cannot create " + state_dir.string() + ": " + ec.message());
  std::unique_ptr<ApiKeyStore> store(new ApiKeyStore(state_dir / "api_keys.json"));
  std::lock_guard lock(store->m_mutex);
  if (auto loaded = store->load_locked(); !loaded) return unexpected(loaded.error());
  return store;
}

std::pair<std::int64_t, std::int64_t> ApiKeyStore::file_stamp() const {
  struct stat st{};
  if (::stat(m_file.c_str(), &st) != 0) return {-1, 0};
  return {static_cast<std::int64_t>(st.st_size),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

expected<void, std::string> ApiKeyStore::load_locked() {
  const auto stamp = file_stamp();
  std::ifstream in(m_file, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (fs::exists(m_file, ec)) return unexpected("cannot read " + m_file.string());
    m_records.clear();
    m_stamp = stamp;
    return {};
  }
  std::ostringstream text;
  text << in.rdbuf();
  const auto doc = nlohmann::json::parse(text.str(), nullptr, false);
  const auto bad = [&] { return unexpected(m_file.string() + " is not a shoal-peer key file"); };
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array()) return bad();
  std::vector<Record> records;
  std::int64_t next_id = 1;
  for (const auto& k : doc["keys"]) {
    if (!k.is_object() || !k.contains("id") || !k["id"].is_number_integer() || !k.contains("hash") ||
        !k["hash"].is_string() || !k.contains("scopes") || !k["scopes"].is_number_unsigned())
      return bad();
    Record r;
    r.info.id = k["id"].get<std::int64_t>();
    r.info.name = k.value("name", "");
    r.info.prefix = k.value("prefix", "");
    r.info.scopes = k["scopes"].get<server::ScopeSet>() & server::kAllScopes;
    r.info.created_at = k.value("created_at", std::int64_t{0});
    r.hash = k["hash"].get<std::string>();
    next_id = std::max(next_id, r.info.id + 1);
    records.push_back(std::move(r));
  }
  m_records = std::move(records);
  m_next_id = std::max(m_next_id, next_id);
  m_stamp = stamp;
  return {};
}

expected<void, std::string> ApiKeyStore::save_locked() {
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& r : m_records)
    keys.push_back({{"id", r.info.id},
                    {"name", r.info.name},
                    {"prefix", r.info.prefix},
                    {"scopes", r.info.scopes},
                    {"created_at", r.info.created_at},
                    {"hash", r.hash}});
  const nlohmann::json doc = {{"format", "shoal-peer api keys 1"}, {"keys", keys}};
  auto ok = write_file_atomically(m_file, doc.dump(2) + "\n", /*overwrite=*/true);
  if (!ok) return unexpected(ok.error().message);
  m_stamp = file_stamp();
  return {};
}

expected<NewPeerApiKey, std::string> ApiKeyStore::create(std::string_view name, server::ScopeSet scopes) {
  if (!valid_key_name(name)) return unexpected(std::string("a key name is 1-64 printable characters"));
  scopes &= server::kAllScopes;
  if (scopes == 0) return unexpected(std::string("a key needs at least one scope"));
  std::lock_guard lock(m_mutex);
  if (auto loaded = load_locked(); !loaded) return unexpected(loaded.error());
  NewPeerApiKey out;
  out.key = server::new_api_key();
  out.info.id = m_next_id;
  out.info.name = std::string(name);
  out.info.prefix = server::api_key_prefix(out.key);
  out.info.scopes = scopes;
  out.info.created_at = unix_now();
  m_records.push_back({out.info, server::token_hash(out.key)});
  if (auto saved = save_locked(); !saved) {
    m_records.pop_back();
    return unexpected(saved.error());
  }
  ++m_next_id;
  return out;
}

expected<bool, std::string> ApiKeyStore::revoke(std::string_view id_or_name) {
  std::lock_guard lock(m_mutex);
  if (auto loaded = load_locked(); !loaded) return unexpected(loaded.error());
  for (auto it = m_records.begin(); it != m_records.end(); ++it) {
    if (std::to_string(it->info.id) != id_or_name && it->info.name != id_or_name) continue;
    Record removed = *it;
    const auto at = m_records.erase(it);
    if (auto saved = save_locked(); !saved) {
      m_records.insert(at, std::move(removed));
      return unexpected(saved.error());
    }
    return true;
  }
  return false;
}

std::vector<ApiKeyInfo> ApiKeyStore::list() const {
  std::lock_guard lock(m_mutex);
  std::vector<ApiKeyInfo> out;
  for (const auto& r : m_records) out.push_back(r.info);
  return out;
}

expected<std::optional<fs::path>, std::string> ApiKeyStore::ensure_initial_key() {
  {
    std::lock_guard lock(m_mutex);
    if (!m_records.empty()) return std::optional<fs::path>();
  }
  using server::Scope;
  auto key = create("default", server::scope_bit(Scope::read) | server::scope_bit(Scope::write) |
                                   server::scope_bit(Scope::admin));
  if (!key) return unexpected(key.error());
  const fs::path path = key_file(m_file.parent_path());
  std::error_code ec;
  fs::remove(path, ec);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return unexpected("cannot write " + path.string() + ": " + std::strerror(errno));
  const std::string text = key->key + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return unexpected("cannot write " + path.string());
  return std::optional<fs::path>(path);
}

server::AuthResult<std::shared_ptr<server::Caller>> ApiKeyStore::authenticate(std::string_view token) {
  const auto refuse = [] {
    return unexpected(AuthError{AuthError::Kind::unauthorized, "invalid_token", "unknown or revoked API key", 0});
  };
  if (!server::looks_like_api_key(token)) return refuse();
  const std::string hash = server::token_hash(token);
  std::lock_guard lock(m_mutex);
  const auto now = std::chrono::steady_clock::now();
  if (now - m_checked >= std::chrono::seconds(1)) {
    m_checked = now;
    if (file_stamp() != m_stamp) (void)load_locked();  // unreadable now: keep the keys last read
  }
  for (const auto& r : m_records) {
    if (!server::constant_time_equal(r.hash, hash)) continue;
    auto who = std::make_shared<server::Caller>();
    who->credential = server::CredentialKind::api_key;
    who->scopes = r.info.scopes;
    if (server::has_scope(r.info.scopes, server::Scope::admin)) who->scopes = server::kAllScopes;
    who->user_id = r.info.id;
    return who;
  }
  return refuse();
}

}  // namespace shoal::peer
