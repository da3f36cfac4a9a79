#pragma once
// SwarmTableModel: the tracker's swarms (GET /api/v1/swarms) as a table for the Swarms view:
// one row per torrent, columns info-hash, seeders, leechers, completed, trend. refresh() fetches
// a page sorted and filtered on the server (sortColumn/sortOrder/filter), so it scales to
// trackers with millions of torrents; rows are replaced only when an answer arrives.
//
//   SwarmTableModel model;
//   model.setClient(&api);
//   model.setSortColumn(SwarmTableModel::Leechers);
//   model.refresh();                       // rowsChanged / errorChanged follow
//
// QML: `SwarmTableModel { client: api; filter: "ab12" }` with roles infoHash, seeders, leechers,
// completed, peers, trend (null = no history an hour back) and `display` per column.

#include <QAbstractTableModel>
#include <QPointer>
#include <QString>
#include <QVariant>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

#include <cstdint>
#include <vector>

#include "shoal/proto/api_swarms.hpp"
#include "shoal/gui/api_client.hpp"

namespace shoal::gui {

class SwarmTableModel : public QAbstractTableModel {
  Q_OBJECT
  QML_ELEMENT
  Q_PROPERTY(shoal::gui::ApiClient* client READ client WRITE setClient NOTIFY clientChanged)
  Q_PROPERTY(int sortColumn READ sortColumn WRITE setSortColumn NOTIFY sortChanged)
  Q_PROPERTY(Qt::SortOrder sortOrder READ sortOrder WRITE setSortOrder NOTIFY sortChanged)
  Q_PROPERTY(QString filter READ filter WRITE setFilter NOTIFY filterChanged)
  Q_PROPERTY(int total READ total NOTIFY rowsChanged)
  Q_PROPERTY(QString error READ error NOTIFY errorChanged)
  Q_PROPERTY(bool loading READ loading NOTIFY loadingChanged)

public:
  enum Column { InfoHash, Seeders, Leechers, Completed, Trend, ColumnCount };
  Q_ENUM(Column)
  enum Role { InfoHashRole = Qt::UserRole + 1, SeedersRole, LeechersRole, CompletedRole, PeersRole, TrendRole };

  explicit SwarmTableModel(QObject* parent = nullptr);

  ApiClient* client() const { return m_client; }
  void setClient(ApiClient* client);
  int sortColumn() const { return m_sort_column; }
  void setSortColumn(int column);
  Qt::SortOrder sortOrder() const { return m_sort_order; }
  void setSortOrder(Qt::SortOrder order);
  QString filter() const { return m_filter; }
  void setFilter(const QString& filter);
  int total() const { return m_total; }
  QString error() const { return m_error; }
  bool loading() const { return m_loading; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
  QHash<int, QByteArray> roleNames() const override;
  void sort(int column, Qt::SortOrder order) override;

  /// Fetches the first page (up to 500 rows) with the current sort and filter.
  Q_INVOKABLE void refresh();
  /// One row as a map of its roles (infoHash, seeders, ...); empty when `row` is out of range.
  Q_INVOKABLE QVariantMap get(int row) const;

signals:
  void clientChanged();
  void sortChanged();
  void filterChanged();
  void rowsChanged();
  void errorChanged();
  void loadingChanged();

private:
  void setError(const QString& error);

  QPointer<ApiClient> m_client;
  std::vector<api::SwarmSummary> m_rows;
  int m_sort_column = Seeders;
  Qt::SortOrder m_sort_order = Qt::DescendingOrder;
  QString m_filter;
  int m_total = 0;
  QString m_error;
  bool m_loading = false;
  std::uint64_t m_generation = 0;  ///< answers to older requests are dropped
};

}  // namespace shoal::gui
