#include "shoal/gui/swarm_history_model.hpp"

#include <QRegularExpression>

#include <algorithm>

#include "shoal/gui/api_values.hpp"
#include "shoal/proto/api_history.hpp"

namespace shoal::gui {

namespace {
constexpr const char* kNames[3] = {"seeders", "leechers", "completed"};
}  // namespace

SwarmHistoryModel::SwarmHistoryModel(QObject* parent) : QAbstractListModel(parent) {}

void SwarmHistoryModel::setClient(ApiClient* client) {
  if (m_client == client) return;
  if (m_client) disconnect(m_client, nullptr, this, nullptr);
  m_client = client;
  // Another server: the points held are not its past (and a delta would merge two trackers).
  if (m_client)
    connect(m_client, &ApiClient::baseUrlChanged, this, [this] {
      ++m_generation;
      clear();
    });
  ++m_generation;
  clear();
  emit clientChanged();
}

void SwarmHistoryModel::setInfoHash(const QString& hash) {
  const QString lower = hash.trimmed().toLower();
  if (lower == m_info_hash) return;
  m_info_hash = lower;
  ++m_generation;
  clear();
  emit infoHashChanged();
}

void SwarmHistoryModel::setWindowSeconds(int seconds) {
  seconds = std::clamp(seconds, 60, 30 * 86400);
  if (seconds == m_window) return;
  m_window = seconds;
  ++m_generation;
  emit windowChanged();
}

void SwarmHistoryModel::setError(const QString& error) {
  if (error == m_error) return;
  m_error = error;
  emit errorChanged();
}

void SwarmHistoryModel::clear() {
  if (m_points.empty()) return;
  beginResetModel();
  m_points = HistoryPoints(3);
  endResetModel();
  emit pointsChanged();
}

int SwarmHistoryModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_points.size());
}

QVariant SwarmHistoryModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() < 0 || static_cast<std::size_t>(index.row()) >= m_points.size()) return {};
  const auto row = static_cast<std::size_t>(index.row());
  if (role == TimeRole) return m_points.time(row);
  if (role >= SeedersRole && role <= CompletedRole) return m_points.value(static_cast<std::size_t>(role - SeedersRole), row);
  return {};
}

QHash<int, QByteArray> SwarmHistoryModel::roleNames() const {
  return {{TimeRole, "time"}, {SeedersRole, "seeders"}, {LeechersRole, "leechers"}, {CompletedRole, "completed"}};
}

QVariantList SwarmHistoryModel::series(const QString& name) const {
  const auto* found = std::find_if(std::begin(kNames), std::end(kNames), [&](const char* n) { return name == QLatin1String(n); });
  if (found == std::end(kNames)) return {};
  return m_points.series(static_cast<std::size_t>(found - std::begin(kNames)));
}

void SwarmHistoryModel::refresh() {
  static const QRegularExpression hex40(QStringLiteral("^[0-9a-f]{40}$"));
  if (!m_client) return setError(tr("not connected"));
  if (!hex40.match(m_info_hash).hasMatch()) return setError(tr("an info-hash is 40 hex characters"));
  const std::uint64_t generation = ++m_generation;
  QPointer<SwarmHistoryModel> self(this);
  const int window = m_window;
  m_client->getJson(QStringLiteral("/api/v1/history/swarms/%1?").arg(m_info_hash) + m_points.query(window),
                    [self, generation, window](const ApiResult& r) {
                      if (!self || generation != self->m_generation) return;
                      if (!r.ok()) return self->setError(r.message);
                      auto history = api::SwarmHistory::from_json(r.json);
                      if (!history) return self->setError(unreadable_answer(history.error()));
                      self->setError({});
                      HistoryPoints fresh(std::size(kNames));  // seeders, leechers, completed
                      for (const auto& p : history->points)
                        fresh.append(utc_time(p.t), {qcount(p.seeders), qcount(p.leechers), qcount(p.completed)});
                      self->beginResetModel();
                      self->m_points.merge(window, history->since, history->from, fresh);
                      self->m_step = static_cast<int>(history->step);
                      self->endResetModel();
                      emit self->pointsChanged();
                    });
}

}  // namespace shoal::gui
