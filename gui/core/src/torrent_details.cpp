#include "shoal/gui/torrent_details.hpp"

#include "shoal/gui/api_values.hpp"
#include "shoal/proto/api_catalog.hpp"
#include "shoal/proto/magnet.hpp"
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
      MagnetLink link;
      const std::string hex = self->m_info_hash.toStdString();
      if (hex.size() == 40) link.info_hash.v1 = Sha1Digest::from_hex(hex);
      else link.info_hash.v2 = Sha256Digest::from_hex(hex);
      if (self->m_client)
        link.trackers.push_back(self->m_client->baseUrl().toString(QUrl::StripTrailingSlash).toStdString() + "/announce");
      self->m_in_catalog = false;
      self->m_magnet = link.info_hash.empty() ? QString() : qtext(make_magnet_uri(link));
      emit self->changed();
      return;
    }
    auto entry = api::CatalogEntry::from_reply(r.json);
    if (!entry) return self->setError(unreadable_answer(entry.error()));
    self->m_in_catalog = true;
    self->m_name = qtext(entry->name);
    self->m_size = entry->size;
    self->m_category = static_cast<int>(entry->category_id);
    self->m_tags.clear();
    for (const auto& tag : entry->tags) self->m_tags.append(qtext(tag));
    self->m_description = qtext(entry->description);
    self->m_files.clear();
    for (const auto& f : entry->files.value_or(std::vector<api::CatalogFile>{}))
      self->m_files.append(QVariantMap{{"path", qtext(f.path)}, {"size", static_cast<qint64>(f.size)}});
    self->m_magnet = qtext(entry->magnet);
    emit self->changed();
  });
}

}  // namespace shoal::gui
