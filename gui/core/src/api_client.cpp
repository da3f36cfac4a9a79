#include "shoal/gui/api_client.hpp"

#include <QJsonObject>
#include <QPointer>
#include <QNetworkReply>
#include <QNetworkRequest>

#include "shoal/gui/api_values.hpp"
#include "shoal/proto/api_error.hpp"
#include "shoal/proto/api_users.hpp"

namespace shoal::gui {

ApiClient::ApiClient(QObject* parent) : QObject(parent) {
  m_network.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

void ApiClient::setBaseUrl(const QUrl& url) {
  if (url == m_base) return;
  m_base = url;
  emit baseUrlChanged();
}

void ApiClient::setApiKey(const QString& key) {
  if (key == m_key) return;
  m_key = key;
  emit apiKeyChanged();
}

void ApiClient::signIn(const QString& username, const QString& password) {
  QPointer<ApiClient> self(this);
  sendJson("POST", QStringLiteral("/api/v1/auth/login"),
           QJsonDocument(QJsonObject{{"username", username}, {"password", password}}), [self](const ApiResult& r) {
             if (!self) return;
             if (!r.ok()) {
               emit self->signInFailed(r.message);
               return;
             }
             const auto login = api::LoginReply::from_json(r.json);
             if (!login) {
               emit self->signInFailed(unreadable_answer(login.error()));
               return;
             }
             self->setApiKey(qtext(login->token));
             emit self->signedIn();
           });
}

void ApiClient::getJson(const QString& path, Callback done) { sendJson("GET", path, {}, std::move(done)); }

void ApiClient::sendJson(const QByteArray& method, const QString& path, const QJsonDocument& body, Callback done) {
  if (method == "GET" || body.isNull()) {
    send(method, path, {}, {}, std::move(done));
    return;
  }
  send(method, path, body.toJson(QJsonDocument::Compact), QByteArrayLiteral("application/json"), std::move(done));
}

void ApiClient::send(const QByteArray& method, const QString& path, const QByteArray& body,
                     const QByteArray& contentType, Callback done) {
  const QString scheme = m_base.scheme();
  if (!m_base.isValid() || (scheme != "http" && scheme != "https")) {
    ApiResult r;
    r.kind = ApiResult::Kind::unreachable;
    r.message = tr("no server URL (http:// or https://)");
    done(r);
    return;
  }
  QString base = m_base.toString(QUrl::StripTrailingSlash);
  QUrl url(base + path);
  QNetworkRequest request(url);
  request.setRawHeader("Accept", "application/json");
  if (!m_key.isEmpty()) request.setRawHeader("Authorization", "Bearer " + m_key.toUtf8());
  request.setTransferTimeout(static_cast<int>(m_timeout.count()));
  QNetworkReply* reply = nullptr;
  if (method == "GET") {
    reply = m_network.get(request);
  } else {
    if (!contentType.isEmpty()) request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    reply = m_network.sendCustomRequest(request, method, body);
  }
  connect(reply, &QNetworkReply::finished, this, [reply, done = std::move(done)] {
    reply->deleteLater();
    ApiResult r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray bytes = reply->readAll();
    const auto error = reply->error();
    if (r.status == 0) {
      switch (error) {
        case QNetworkReply::OperationCanceledError:
        case QNetworkReply::TimeoutError: r.kind = ApiResult::Kind::timeout; break;
        case QNetworkReply::SslHandshakeFailedError: r.kind = ApiResult::Kind::tls; break;
        default: r.kind = ApiResult::Kind::unreachable; break;
      }
      r.message = r.kind == ApiResult::Kind::timeout ? tr("the server did not answer in time")
                                                     : reply->errorString();
      done(r);
      return;
    }
    if (r.status < 200 || r.status > 299) {
      r.kind = r.status == 401   ? ApiResult::Kind::unauthorized
               : r.status == 403 ? ApiResult::Kind::forbidden
                                 : ApiResult::Kind::http;
      QString api_message;
      if (const auto doc = api::parse_body(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())))) {
        if (const auto e = api::ApiErrorBody::from_json(*doc)) api_message = qtext(e->message);
      }
      r.message = QStringLiteral("HTTP %1: %2")
                      .arg(r.status)
                      .arg(!api_message.isEmpty()               ? api_message
                           : r.kind == ApiResult::Kind::unauthorized ? tr("the key or login is not valid")
                                                                     : reply->errorString());
      done(r);
      return;
    }
    if (bytes.trimmed().isEmpty()) {  // 204 and the like
      done(r);
      return;
    }
    auto doc = api::parse_body(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())));
    if (doc) {
      r.json = std::move(*doc);
    } else {
      r.kind = ApiResult::Kind::bad_response;
      r.message = tr("the answer is not JSON: %1").arg(qtext(doc.error().message()));
    }
    done(r);
  });
}

}  // namespace shoal::gui
