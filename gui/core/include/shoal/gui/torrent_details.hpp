#pragma once
// TorrentDetails: what the swarm detail page shows about one torrent beyond its counts — the
// catalog entry when the tracker's catalog has it (GET /api/v1/torrents/{info_hash}: name, size,
// files, category, tags, description, magnet with the tracker's announce URL), and a magnet link
// either way.
//
//   TorrentDetails { client: api; infoHash: "ab12…" }   // then refresh()
//
// Contract
// - inCatalog is true only after the catalog answered with the entry; a 404 is not an error
//   (inCatalog false, the magnet built from the info-hash and `<server>/announce`).
// - Any other failure sets `error` and keeps what was shown before.
// - files: a list of {path, size}; size in bytes (qint64), -1 when unknown.

#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <cstdint>

#include "shoal/gui/api_client.hpp"

namespace shoal::gui {

class TorrentDetails : public QObject {
  Q_OBJECT
  QML_ELEMENT
  Q_PROPERTY(shoal::gui::ApiClient* client READ client WRITE setClient NOTIFY clientChanged)
  Q_PROPERTY(QString infoHash READ infoHash WRITE setInfoHash NOTIFY infoHashChanged)
  Q_PROPERTY(bool loaded READ loaded NOTIFY changed)
  Q_PROPERTY(bool inCatalog READ inCatalog NOTIFY changed)
  Q_PROPERTY(QString name READ name NOTIFY changed)
  Q_PROPERTY(qint64 size READ size NOTIFY changed)
  Q_PROPERTY(int categoryId READ categoryId NOTIFY changed)
  Q_PROPERTY(QStringList tags READ tags NOTIFY changed)
  Q_PROPERTY(QString description READ description NOTIFY changed)
  Q_PROPERTY(QVariantList files READ files NOTIFY changed)
  Q_PROPERTY(QString magnet READ magnet NOTIFY changed)
  Q_PROPERTY(QString error READ error NOTIFY errorChanged)

public:
  explicit TorrentDetails(QObject* parent = nullptr);

  ApiClient* client() const { return m_client; }
  void setClient(ApiClient* client);
  QString infoHash() const { return m_info_hash; }
  void setInfoHash(const QString& hash);
  bool loaded() const { return m_loaded; }
  bool inCatalog() const { return m_in_catalog; }
  QString name() const { return m_name; }
  qint64 size() const { return m_size; }
  int categoryId() const { return m_category; }
  QStringList tags() const { return m_tags; }
  QString description() const { return m_description; }
  QVariantList files() const { return m_files; }
  QString magnet() const { return m_magnet; }
  QString error() const { return m_error; }

  Q_INVOKABLE void refresh();

signals:
  void clientChanged();
  void infoHashChanged();
  void changed();
  void errorChanged();

private:
  void reset();
  void setError(const QString& error);

  QPointer<ApiClient> m_client;
  QString m_info_hash;
  bool m_loaded = false;
  bool m_in_catalog = false;
  QString m_name;
  qint64 m_size = -1;
  int m_category = 0;
  QStringList m_tags;
  QString m_description;
  QVariantList m_files;
  QString m_magnet;
  QString m_error;
  std::uint64_t m_generation = 0;
};

}  // namespace shoal::gui
