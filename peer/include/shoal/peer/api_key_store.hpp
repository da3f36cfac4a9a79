#pragma once
// ApiKeyStore: shoal-peer's API keys — the tracker's key model (shoal/server/auth.hpp,
// secret_token.hpp) without user accounts: random 256-bit "sk_..." keys, stored only as their
// SHA-256 (in `<state_dir>/api_keys.json`, written atomically), each with a name and scopes
// (`read`: look; `write`: change torrents, limits and the queue; `admin`: everything). It is the
// control API's Authenticator: a request's bearer token is looked up by hash (constant-time
// compare); unknown or revoked keys are refused.
//
//   auto keys = ApiKeyStore::open(state_dir);                  // creates an empty store
//   if (!keys) ...
//   auto fresh = (*keys)->create("cli", scope_bit(Scope::read) | scope_bit(Scope::write));
//   std::cout << fresh->key;                                   // shown once, never stored
//
// First start: ensure_initial_key() creates an admin key when the store is empty and writes it
// to `<state_dir>/api_key` (mode 0600) for local tools (`shoal peer` reads it). Thread-safe.
// Keys created or revoked by another process (`shoal-peer keys ...` while the node runs) apply
// within a second: authenticate() re-reads the file when its size or mtime changed (a file that
// has become unreadable keeps the keys last read).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shoal/proto/expected.hpp"
#include "shoal/server/auth.hpp"

namespace shoal::peer {

struct ApiKeyInfo {
  std::int64_t id = 0;
  std::string name;
  std::string prefix;  ///< "sk_" + 8 hex characters, to recognise a key in lists
  server::ScopeSet scopes = 0;
  std::int64_t created_at = 0;  ///< unix seconds
};

struct NewPeerApiKey {
  ApiKeyInfo info;
  std::string key;  ///< the full key; shown once
};

class ApiKeyStore final : public server::Authenticator {
public:
  /// Opens (or creates, empty) the store in `state_dir`. Fails on an unreadable or malformed file.
  static expected<std::unique_ptr<ApiKeyStore>, std::string> open(const std::filesystem::path& state_dir);

  /// A new key; `name` 1-64 printable characters, `scopes` non-empty.
  expected<NewPeerApiKey, std::string> create(std::string_view name, server::ScopeSet scopes);
  /// Removes a key by id or name; false when there is none.
  expected<bool, std::string> revoke(std::string_view id_or_name);
  std::vector<ApiKeyInfo> list() const;

  /// When no key exists: creates "default" (read, write, admin) and writes it to
  /// `<state_dir>/api_key` (0600); returns that path. nullopt when keys exist.
  expected<std::optional<std::filesystem::path>, std::string> ensure_initial_key();

  /// Authenticator: the caller a bearer key stands for (Caller::user_id = the key's id).
  server::AuthResult<std::shared_ptr<server::Caller>> authenticate(std::string_view token) override;

  /// Where ensure_initial_key() writes the key.
  static std::filesystem::path key_file(const std::filesystem::path& state_dir) { return state_dir / "api_key"; }

private:
  struct Record {
    ApiKeyInfo info;
    std::string hash;
  };
  explicit ApiKeyStore(std::filesystem::path file) : m_file(std::move(file)) {}
  expected<void, std::string> save_locked();
  /// Reads the file into m_records (an absent file is an empty store).
  expected<void, std::string> load_locked();
  /// The file's (size, mtime in ns), or (-1, 0) when it does not exist.
  std::pair<std::int64_t, std::int64_t> file_stamp() const;

  std::filesystem::path m_file;
  mutable std::mutex m_mutex;
  std::vector<Record> m_records;
  std::int64_t m_next_id = 1;
  std::pair<std::int64_t, std::int64_t> m_stamp{-1, 0};
  std::chrono::steady_clock::time_point m_checked{};
};

}  // namespace shoal::peer
