#pragma once
// ApiClient: shoal-monitor's connection to one server's REST API (shoal-tracker's /api/v1, later
// a shoal-peer node's). Every request is asynchronous (QNetworkAccessManager) and bounded by a
// timeout, so the UI never waits on the network; answers and failures arrive as callbacks on
// the client's thread.
//
//   ApiClient api;
//   api.setBaseUrl(QUrl("http://tracker.example:6969"));
//   api.setApiKey("sk_...");
//   api.getJson("/api/v1/swarms?limit=100", [](const ApiResult& r) {
//     if (!r.ok()) { show(r.message); return; }     // unreachable, 401 wrong key, TLS, timeout
//     auto page = shoal::api::SwarmPage::from_json(r.json);   // proto's api_swarms.hpp
//     if (!page) { show(unreadable_answer(page.error())); return; }
//   });
//
// Contract
// - `path` is appended to the base URL's path; the key goes as `Authorization: Bearer` (never
//   in the URL). Redirects are not followed (a key must not travel to another origin).
// - ApiResult::kind tells the failures apart for clear messages: unreachable (connection
//   refused, host not found), timeout, tls (certificate failures), unauthorized (401),
//   forbidden (403), http (other non-2xx, `message` from the API's {"error": {...}} when there
//   is one), bad_response (not JSON).
// - A client whose base URL is empty or not http(s) fails every call at once (kind unreachable,
//   "no server URL").
// - The callback runs once per call, on the client's thread, never before the call returns
//   except for that refusal.

#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QObject>
#include <QString>
#include <QUrl>
#include <QtQml/qqmlregistration.h>

#include <chrono>
#include <functional>

#include "shoal/proto/api_json.hpp"

namespace shoal::gui {

struct ApiResult {
  enum class Kind { ok, unreachable, timeout, tls, unauthorized, forbidden, http, bad_response };
  Kind kind = Kind::ok;
  int status = 0;        ///< HTTP status, 0 without an answer
  QString message;       ///< for humans, empty when ok
  /// The answer's body (ok; null for an empty 2xx), parsed within proto's limits: read it with
  /// the message type of the call (e.g. api::SwarmPage::from_json) — not by field names here.
  shoal::api::Json json;
  bool ok() const noexcept { return kind == Kind::ok; }
};

class ApiClient : public QObject {
  Q_OBJECT
  QML_ELEMENT
  Q_PROPERTY(QUrl baseUrl READ baseUrl WRITE setBaseUrl NOTIFY baseUrlChanged)
  Q_PROPERTY(QString apiKey READ apiKey WRITE setApiKey NOTIFY apiKeyChanged)

public:
  explicit ApiClient(QObject* parent = nullptr);

  QUrl baseUrl() const { return m_base; }
  void setBaseUrl(const QUrl& url);
  QString apiKey() const { return m_key; }
  void setApiKey(const QString& key);
  void setTimeout(std::chrono::milliseconds timeout) { m_timeout = timeout; }

  using Callback = std::function<void(const ApiResult&)>;
  /// GET `path` (with its query), JSON expected.
  void getJson(const QString& path, Callback done);
  /// `method` (POST, PUT, PATCH, DELETE) on `path` with `body` as JSON (none when null); the
  /// answer as for getJson (an empty 2xx body, e.g. 204, is ok with a null document).
  void sendJson(const QByteArray& method, const QString& path, const QJsonDocument& body, Callback done);
  /// `method` on `path` with raw `body` of `contentType` (a .torrent upload).
  void send(const QByteArray& method, const QString& path, const QByteArray& body, const QByteArray& contentType,
            Callback done);

  /// Signs in with a username and password (POST /api/v1/auth/login): on success the session
  /// token becomes the key (apiKeyChanged, then signedIn); on failure signInFailed(message). The
  /// password is sent once and not kept.
  Q_INVOKABLE void signIn(const QString& username, const QString& password);

signals:
  void baseUrlChanged();
  void apiKeyChanged();
  void signedIn();
  void signInFailed(const QString& message);

private:
  QNetworkAccessManager m_network;
  QUrl m_base;
  QString m_key;
  std::chrono::milliseconds m_timeout{10'000};
};

}  // namespace shoal::gui
