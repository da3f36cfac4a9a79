#pragma once
// PrivateRegistry: what private mode checks on every announce — which passkeys belong to which
// user (and whether the user is enabled), and which torrents are registered (with their
// freeleech/neutral flags and the swarm they announce into). It is an in-memory copy of the
// database tables `users` and `torrents`, replaced as a whole by replace() (at start, on SIGHUP /
// POST /admin/reload, and whenever PrivateTracking changes users or torrents). Readers never block
// a replacement and a replacement never blocks readers (copy-on-write behind an atomic
// shared_ptr, like AccessList): an announce takes one snapshot and answers from it.
//
// Hybrid torrents: a tracker sees a torrent by 20 bytes — the v1 info-hash, or the v2 (SHA-256)
// info-hash truncated to 20 bytes (BEP 52). A registered torrent is found by every hash it has,
// and all of them map to ONE swarm key (the v1 hash when there is one, else the truncated v2
// hash), so a hybrid torrent's v1 and v2 announces land in one swarm.
//
//   PrivateRegistry registry;
//   registry.replace(data);                          // RegistryData from PrivateStore
//   auto snap = registry.snapshot();
//   const RegisteredUser* user = snap->user(passkey);   // nullptr: unknown or revoked
//   const RegisteredTorrent* t = snap->torrent(info_hash);
//   store.announce({.info_hash = t->swarm_key, ...});
//
// Thread-safe.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "shoal/proto/hash.hpp"

namespace shoal::tracker {

/// Failure reasons sent to clients in private mode (HTTP `failure reason`, UDP error message).
inline constexpr std::string_view kPasskeyRequiredReason =
    "private tracker: announce with your passkey (/announce/<passkey>)";
inline constexpr std::string_view kUnknownPasskeyReason = "unknown or revoked passkey";
inline constexpr std::string_view kUserDisabledReason = "account disabled";
inline constexpr std::string_view kUnregisteredTorrentReason =
    "torrent is not registered on this tracker";
inline constexpr std::string_view kClientNotAllowedReason = "client not allowed on this tracker";

/// The rows the registry is built from (PrivateStore::load_registry()).
struct RegistryData {
  struct User {
    std::int64_t id = 0;
    std::string passkey;  ///< 32 lowercase hex characters
    bool enabled = true;
  };
  struct Torrent {
    std::int64_t id = 0;
    std::optional<Sha1Digest> info_hash_v1;
    std::optional<Sha256Digest> info_hash_v2;  ///< the full SHA-256
    bool freeleech = false;
    bool neutral = false;
  };
  std::vector<User> users;        ///< deleted users are left out by the store
  std::vector<Torrent> torrents;
};

struct RegisteredUser {
  std::int64_t id = 0;
  bool enabled = true;
};

struct RegisteredTorrent {
  std::int64_t id = 0;
  Sha1Digest swarm_key;    ///< the SwarmStore key of this torrent
  bool freeleech = false;  ///< downloads are not counted
  bool neutral = false;    ///< neither uploads nor downloads are counted
};

/// The 20 bytes a tracker sees for a v2 info-hash (BEP 52: the first 20 bytes of the SHA-256).
Sha1Digest truncated_v2(const Sha256Digest& v2) noexcept;

/// The passkey in a tracker URL's path (and query): "/announce/<passkey>" or "/scrape/<passkey>"
/// (the segment after the verb, up to '?' or the end), else a `passkey=` query parameter, else
/// empty. No validation of the passkey's form: an invalid one is simply unknown.
///   passkey_from_url("/announce/0123abcd...") == "0123abcd..."
///   passkey_from_url("/announce?passkey=0123abcd...") == "0123abcd..."
///   passkey_from_url("/announce") == ""
std::string_view passkey_from_url(std::string_view path_and_query) noexcept;

class PrivateRegistry {
public:
  /// One immutable state of the registry.
  class Snapshot {
  public:
    /// The enabled-or-not user owning `passkey`; nullptr when no (non-deleted) user has it.
    const RegisteredUser* user(std::string_view passkey) const;
    /// The registered torrent that `info_hash` (v1, or truncated v2) belongs to; nullptr if none.
    const RegisteredTorrent* torrent(const Sha1Digest& info_hash) const;
    std::size_t user_count() const noexcept { return m_users.size(); }
    std::size_t torrent_count() const noexcept { return m_torrent_count; }
    /// fn(swarm_key) once per registered torrent (full scrape).
    void for_each_swarm_key(const std::function<void(const Sha1Digest&)>& fn) const;

  private:
    friend class PrivateRegistry;
    struct StringHash {
      using is_transparent = void;
      std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
      }
    };
    std::unordered_map<std::string, RegisteredUser, StringHash, std::equal_to<>> m_users;
    std::unordered_map<Sha1Digest, RegisteredTorrent> m_torrents;  ///< by every 20-byte id
    std::size_t m_torrent_count = 0;
  };

  PrivateRegistry();

  /// Atomically replaces users and torrents. Torrents without any hash are skipped; when two
  /// torrents claim the same 20-byte id (only possible if the database was edited by hand), the
  /// first one keeps it.
  void replace(const RegistryData& data);

  /// The current state; hold it for the duration of one request.
  std::shared_ptr<const Snapshot> snapshot() const {
    return m_snapshot.load(std::memory_order_acquire);
  }

private:
  std::atomic<std::shared_ptr<const Snapshot>> m_snapshot;
};

}  // namespace shoal::tracker
