#include "shoal/gui/key_vault.hpp"

#include <QCoreApplication>
#include <QEventLoop>
#include <QTimer>

#include <memory>

#include <qt6keychain/keychain.h>

namespace shoal::gui {

namespace {

struct Outcome {
  bool done = false;
  QKeychain::Error error = QKeychain::OtherError;
  QString message;
  QString text;
};

/// Starts `job` and waits for it (or the timeout). The job deletes itself when it finishes, so
/// one that outlives a timeout cleans up after itself; the outcome is shared with it.
template <class JobT>
std::shared_ptr<Outcome> run(JobT* job, std::chrono::milliseconds timeout) {
  auto outcome = std::make_shared<Outcome>();
  job->setAutoDelete(true);
  job->setInsecureFallback(false);
  QEventLoop loop;
  QObject::connect(job, &QKeychain::Job::finished, &loop, [outcome, job, &loop](QKeychain::Job*) {
    outcome->done = true;
    outcome->error = job->error();
    outcome->message = job->errorString();
    if constexpr (std::is_same_v<JobT, QKeychain::ReadPasswordJob>) outcome->text = job->textData();
    loop.quit();
  });
  QTimer::singleShot(timeout, &loop, &QEventLoop::quit);
  job->start();
  if (!outcome->done) loop.exec();
  if (!outcome->done) {
    outcome->error = QKeychain::OtherError;
    outcome->message = QCoreApplication::translate("KeyVault", "the keychain did not answer in time");
  }
  return outcome;
}

QString reason(const Outcome& o) {
  switch (o.error) {
    case QKeychain::NoError: return {};
    case QKeychain::EntryNotFound: return QCoreApplication::translate("KeyVault", "not found");
    case QKeychain::NoBackendAvailable:
      return QCoreApplication::translate("KeyVault", "no keychain on this system (%1)").arg(o.message);
    case QKeychain::AccessDeniedByUser: return QCoreApplication::translate("KeyVault", "the keychain was not unlocked");
    default: return o.message.isEmpty() ? QCoreApplication::translate("KeyVault", "the keychain refused") : o.message;
  }
}

}  // namespace

bool KeyVault::write(const QString& account, const QString& secret, QString* why) const {
  auto* job = new QKeychain::WritePasswordJob(m_service);
  job->setKey(account);
  job->setTextData(secret);
  const auto o = run(job, m_timeout);
  if (why) *why = reason(*o);
  return o->error == QKeychain::NoError;
}

std::optional<QString> KeyVault::read(const QString& account, QString* why) const {
  auto* job = new QKeychain::ReadPasswordJob(m_service);
  job->setKey(account);
  const auto o = run(job, m_timeout);
  if (why) *why = reason(*o);
  if (o->error != QKeychain::NoError) return std::nullopt;
  return o->text;
}

bool KeyVault::erase(const QString& account, QString* why) const {
  auto* job = new QKeychain::DeletePasswordJob(m_service);
  job->setKey(account);
  const auto o = run(job, m_timeout);
  if (why) *why = reason(*o);
  return o->error == QKeychain::NoError || o->error == QKeychain::EntryNotFound;
}

}  // namespace shoal::gui
