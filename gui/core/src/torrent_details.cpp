#include "shoal/gui/torrent_details.hpp"

#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QUrl>

namespace shoal::gui {

TorrentDetails::TorrentDetails(QObject* parent) : QObject(parent) {}

void TorrentDetails::setClient(ApiClient* client) {
  if (m_client == client) return;
  m_client = client;
  ++m_generation;
  emit clientChanged();
}

void TorrentDetails::setInfoHash(const QString& hash) {
  const QString lower = hash.trimmed().toLower();
  if (lower == m_info_hash) return;
  m_info_hash = lower;
  ++m_generation;
  reset();
  emit infoHashChanged();
}

void TorrentDetails::reset() {
  m_loaded = m_in_catalog = false;
  m_name.clear();
  m_size = -1;
  m_category = 0;
  m_tags.clear();
  m_description.clear();
  m_files.clear();
  m_magnet.clear();
  emit changed();
}

void TorrentDetails::setError(const QString& error) {
  if (error == m_error) return;
  m_error = error;
  emit errorChanged();
}

void TorrentDetails::refresh() {
  static const QRegularExpression hash_re(QStringLiteral("^([0-9a-f]{40}|[0-9a-f]{64})$"));
  if (!m_client) return setError(tr("not connected"));
  if (!hash_re.match(m_info_hash).hasMatch()) return setError(tr("an info-hash is 40 or 64 hex characters"));
  const std::uint64_t generation = ++m_generation;
  QPointer<TorrentDetails> self(this);
  m_client->getJson(QStringLiteral("/api/v1/torrents/%1").arg(m_info_hash), [self, generation](const ApiResult& r) {
    if (!self || generation != self->m_generation) return;
    if (!r.ok() && r.status != 404) return self->setError(r.message);
    self->setError({});
    self->m_loaded = true;
    if (r.status == 404) {
      // Not in the catalog: a magnet from the hash and this server's announce URL.
      const QString scheme_hash = self->m_info_hash.size() == 40 ? QStringLiteral("urn:btih:") : QStringLiteral("urn:btmh:1220");
      const QString announce = self->m_client ? self->m_client->baseUrl().toString(QUrl::StripTrailingSlash) + "/announce" : QString();
      QString magnet = QStringLiteral("magnet:?xt=") + scheme_hash + self->m_info_hash;
      if (!announce.isEmpty()) magnet += QStringLiteral("&tr=") + QString::fromUtf8(QUrl::toPercentEncoding(announce));
      self->m_in_catalog = false;
      self->m_magnet = magnet;
      emit self->changed();
      return;
    }
    const QJsonObject t = r.json.object().value("torrent").toObject();
    self->m_in_catalog = true;
    self->m_name = t.value("name").toString();
    self->m_size = t.value("size").toInteger(-1);
    self->m_category = t.value("category_id").toInt();
    self->m_tags.clear();
    for (const auto& tag : t.value("tags").toArray()) self->m_tags.append(tag.toString());
    self->m_description = t.value("description").toString();
    self->m_files.clear();
    for (const auto& f : t.value("files").toArray()) {
      const QJsonObject o = f.toObject();
      self->m_files.append(QVariantMap{{"path", o.value("path").toString()}, {"size", o.value("size").toInteger(-1)}});
    }
    self->m_magnet = t.value("magnet").toString();
    emit self->changed();
  });
}

}  // namespace shoal::gui
