#pragma once
// KeyVault: the OS keychain, where the monitor keeps the API keys a user asked it to remember —
// the Secret Service on Linux (GNOME Keyring, KWallet), Keychain on macOS, Credential Manager
// on Windows — through QtKeychain.
//
//   KeyVault vault(QStringLiteral("shoal-monitor"));
//   QString why;
//   if (!vault.write("home", key, &why)) show(why);    // no keychain, locked and refused, ...
//   std::optional<QString> key = vault.read("home", &why);
//   vault.erase("home");
//
// Contract
// - Entries are (service, account) -> secret text. write() replaces, erase() of a missing
//   entry succeeds, read() of a missing entry is nullopt with `why` "not found".
// - Each call waits for the keychain's answer in a local event loop (the window keeps painting
//   and requests keep flowing), at most `timeout`; a keychain that is missing (no session bus, no
//   Secret Service), locked and not unlocked, or that refuses, ends the call with false/nullopt
//   and the reason — never a crash or a hang.
// - QtKeychain's insecure fallback (a plain QSettings file) is off: where there is no keychain the
//   caller decides (ConnectionStore falls back to its owner-only file and says so).

#include <QString>

#include <chrono>
#include <optional>

namespace shoal::gui {

class KeyVault {
public:
  explicit KeyVault(QString service, std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : m_service(std::move(service)), m_timeout(timeout) {}

  const QString& service() const noexcept { return m_service; }

  bool write(const QString& account, const QString& secret, QString* why = nullptr) const;
  std::optional<QString> read(const QString& account, QString* why = nullptr) const;
  bool erase(const QString& account, QString* why = nullptr) const;

private:
  QString m_service;
  std::chrono::milliseconds m_timeout;
};

}  // namespace shoal::gui
