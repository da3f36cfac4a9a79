#include "shoal/gui/swarm_table_model.hpp"

#include <QUrlQuery>

#include "shoal/gui/api_values.hpp"

namespace shoal::gui {

namespace {
const char* sort_key(int column) {
  switch (column) {
    case SwarmTableModel::InfoHash: return "info_hash";
    case SwarmTableModel::Leechers: return "leechers";
    case SwarmTableModel::Completed: return "completed";
    case SwarmTableModel::Trend: return "peers";  // the server sorts by peers; trend is per page
    default: return "seeders";
  }
}
}  // namespace

SwarmTableModel::SwarmTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void SwarmTableModel::setClient(ApiClient* client) {
  if (m_client == client) return;
  m_client = client;
  emit clientChanged();
}

void SwarmTableModel::setSortColumn(int column) {
  if (column == m_sort_column || column < 0 || column >= ColumnCount) return;
  m_sort_column = column;
  emit sortChanged();
}

void SwarmTableModel::setSortOrder(Qt::SortOrder order) {
  if (order == m_sort_order) return;
  m_sort_order = order;
  emit sortChanged();
}

void SwarmTableModel::setFilter(const QString& filter) {
  if (filter == m_filter) return;
  m_filter = filter;
  emit filterChanged();
}

void SwarmTableModel::sort(int column, Qt::SortOrder order) {
  setSortColumn(column);
  setSortOrder(order);
  refresh();
}

void SwarmTableModel::setError(const QString& error) {
  if (error == m_error) return;
  m_error = error;
  emit errorChanged();
}

int SwarmTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int SwarmTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant SwarmTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() < 0 || static_cast<std::size_t>(index.row()) >= m_rows.size()) return {};
  const api::SwarmSummary& r = m_rows[static_cast<std::size_t>(index.row())];
  switch (role) {
    case InfoHashRole: return qtext(r.info_hash);
    case SeedersRole: return qcount(r.seeders);
    case LeechersRole: return qcount(r.leechers);
    case CompletedRole: return qcount(r.completed);
    case PeersRole: return qcount(r.peers());
    case TrendRole: return maybe(r.trend);
    case Qt::DisplayRole:
      switch (index.column()) {
        case InfoHash: return qtext(r.info_hash);
        case Seeders: return qcount(r.seeders);
        case Leechers: return qcount(r.leechers);
        case Completed: return qcount(r.completed);
        case Trend: return r.trend ? maybe(r.trend) : QVariant(QStringLiteral("-"));
        default: return {};
      }
    default: return {};
  }
}

QVariantMap SwarmTableModel::get(int row) const {
  QVariantMap out;
  if (row < 0 || static_cast<std::size_t>(row) >= m_rows.size()) return out;
  const QModelIndex at = index(row, 0);
  const auto names = roleNames();
  for (auto it = names.begin(); it != names.end(); ++it)
    if (it.key() > Qt::UserRole) out.insert(QString::fromUtf8(it.value()), data(at, it.key()));
  return out;
}

QVariant SwarmTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case InfoHash: return tr("Info-hash");
    case Seeders: return tr("Seeders");
    case Leechers: return tr("Leechers");
    case Completed: return tr("Completed");
    case Trend: return tr("Trend (1 h)");
    default: return {};
  }
}

QHash<int, QByteArray> SwarmTableModel::roleNames() const {
  auto names = QAbstractTableModel::roleNames();
  names.insert(InfoHashRole, "infoHash");
  names.insert(SeedersRole, "seeders");
  names.insert(LeechersRole, "leechers");
  names.insert(CompletedRole, "completed");
  names.insert(PeersRole, "peers");
  names.insert(TrendRole, "trend");
  return names;
}

void SwarmTableModel::refresh() {
  if (!m_client) {
    setError(tr("not connected"));
    return;
  }
  QUrlQuery q;
  q.addQueryItem("sort", sort_key(m_sort_column));
  q.addQueryItem("order", m_sort_order == Qt::AscendingOrder ? "asc" : "desc");
  q.addQueryItem("limit", "500");
  if (!m_filter.isEmpty()) q.addQueryItem("q", m_filter.trimmed().toLower());
  const std::uint64_t generation = ++m_generation;
  m_loading = true;
  emit loadingChanged();
  QPointer<SwarmTableModel> self(this);
  m_client->getJson("/api/v1/swarms?" + q.toString(QUrl::FullyEncoded), [self, generation](const ApiResult& r) {
    if (!self || generation != self->m_generation) return;  // gone, or a newer request is out
    self->m_loading = false;
    emit self->loadingChanged();
    if (!r.ok()) {
      self->setError(r.message);
      return;
    }
    auto page = api::SwarmPage::from_json(r.json);
    if (!page) return self->setError(unreadable_answer(page.error()));
    self->setError({});
    self->beginResetModel();
    self->m_rows = std::move(page->swarms);
    self->m_total = static_cast<int>(std::min<std::uint64_t>(page->total, INT32_MAX));
    self->endResetModel();
    emit self->rowsChanged();
  });
}

}  // namespace shoal::gui
