#include "shoal/gui/totals_history_model.hpp"

#include <algorithm>

#include "shoal/gui/api_values.hpp"
#include "shoal/proto/api_history.hpp"

namespace shoal::gui {

namespace {
constexpr const char* kNames[9] = {"torrents",     "peers",         "seeders",    "leechers",    "completed",
                                   "announcesUdp", "announcesHttp", "scrapesUdp", "scrapesHttp"};

/// A point's values in kNames' order.
std::vector<qint64> columns_of(const api::TotalsPoint& p) {
  return {qcount(p.torrents),      qcount(p.peers),          qcount(p.seeders),
          qcount(p.leechers),      qcount(p.completed),      qcount(p.announces_udp),
          qcount(p.announces_http), qcount(p.scrapes_udp),    qcount(p.scrapes_http)};
}
}  // namespace

TotalsHistoryModel::TotalsHistoryModel(QObject* parent) : QAbstractListModel(parent) {}

void TotalsHistoryModel::setClient(ApiClient* client) {
  if (m_client == client) return;
  if (m_client) disconnect(m_client, nullptr, this, nullptr);
  m_client = client;
  if (m_client) connect(m_client, &ApiClient::baseUrlChanged, this, &TotalsHistoryModel::forget);
  forget();
  emit clientChanged();
}

void TotalsHistoryModel::forget() {
  ++m_generation;
  beginResetModel();
  m_points = HistoryPoints(std::size(kNames));
  endResetModel();
  emit pointsChanged();
}

void TotalsHistoryModel::setWindowSeconds(int seconds) {
  seconds = std::clamp(seconds, 60, 30 * 86400);
  if (seconds == m_window) return;
  m_window = seconds;
  emit windowChanged();
}

QVariantMap TotalsHistoryModel::latest() const {
  QVariantMap out;
  if (m_points.empty()) return out;
  const std::size_t last = m_points.size() - 1;
  out.insert("time", m_points.time(last));
  for (std::size_t i = 0; i < 9; ++i) out.insert(kNames[i], m_points.value(i, last));
  return out;
}

QVariantList TotalsHistoryModel::series(const QString& name, bool perMinute) const {
  const auto* found = std::find_if(std::begin(kNames), std::end(kNames), [&](const char* n) { return name == QLatin1String(n); });
  if (found == std::end(kNames)) return {};
  return m_points.series(static_cast<std::size_t>(found - std::begin(kNames)), perMinute ? m_step : 0);
}

int TotalsHistoryModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_points.size());
}

QVariant TotalsHistoryModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() < 0 || static_cast<std::size_t>(index.row()) >= m_points.size()) return {};
  const auto row = static_cast<std::size_t>(index.row());
  if (role == TimeRole) return m_points.time(row);
  if (role > TimeRole && role <= ScrapesHttpRole) return m_points.value(static_cast<std::size_t>(role - TorrentsRole), row);
  return {};
}

QHash<int, QByteArray> TotalsHistoryModel::roleNames() const {
  QHash<int, QByteArray> names;
  names.insert(TimeRole, "time");
  for (int i = 0; i < 9; ++i) names.insert(TorrentsRole + i, kNames[i]);
  return names;
}

void TotalsHistoryModel::refresh() {
  if (!m_client) {
    m_error = tr("not connected");
    emit errorChanged();
    return;
  }
  const std::uint64_t generation = ++m_generation;
  QPointer<TotalsHistoryModel> self(this);
  const int window = m_window;
  m_client->getJson(QStringLiteral("/api/v1/history?") + m_points.query(window), [self, generation, window](const ApiResult& r) {
    if (!self || generation != self->m_generation) return;
    const expected<api::TotalsHistory, Error> history =
        r.ok() ? api::TotalsHistory::from_json(r.json) : expected<api::TotalsHistory, Error>(api::TotalsHistory{});
    const QString error = !r.ok() ? r.message : !history ? unreadable_answer(history.error()) : QString();
    if (error != self->m_error) {
      self->m_error = error;
      emit self->errorChanged();
    }
    if (!error.isEmpty()) return;
    HistoryPoints fresh(std::size(kNames));
    for (const auto& p : history->points) fresh.append(utc_time(p.t), columns_of(p));
    self->beginResetModel();
    self->m_points.merge(window, history->since, history->from, fresh);
    self->m_step = static_cast<int>(history->step);
    self->endResetModel();
    emit self->pointsChanged();
  });
}

}  // namespace shoal::gui
