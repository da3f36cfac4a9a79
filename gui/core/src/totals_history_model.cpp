#include "shoal/gui/totals_history_model.hpp"

#include <QJsonArray>
#include <QJsonObject>

#include <algorithm>

#include "shoal/gui/chart_series.hpp"

namespace shoal::gui {

namespace {
constexpr const char* kNames[9] = {"torrents",     "peers",         "seeders",    "leechers",    "completed",
                                   "announcesUdp", "announcesHttp", "scrapesUdp", "scrapesHttp"};
}  // namespace

TotalsHistoryModel::TotalsHistoryModel(QObject* parent) : QAbstractListModel(parent) {}

void TotalsHistoryModel::setClient(ApiClient* client) {
  if (m_client == client) return;
  m_client = client;
  emit clientChanged();
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
  const Point& p = m_points.back();
  out.insert("time", p.time);
  for (int i = 0; i < 9; ++i) out.insert(kNames[i], p.values[i]);
  return out;
}

QVariantList TotalsHistoryModel::series(const QString& name, bool perMinute) const {
  const auto* found = std::find_if(std::begin(kNames), std::end(kNames), [&](const char* n) { return name == QLatin1String(n); });
  if (found == std::end(kNames)) return {};
  const auto field = static_cast<std::size_t>(found - std::begin(kNames));
  std::vector<QDateTime> times;
  std::vector<qint64> values;
  times.reserve(m_points.size());
  values.reserve(m_points.size());
  for (const Point& p : m_points) {
    times.push_back(p.time);
    values.push_back(p.values[field]);
  }
  return xy_series(times, values, perMinute ? m_step : 0);
}

int TotalsHistoryModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_points.size());
}

QVariant TotalsHistoryModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() < 0 || static_cast<std::size_t>(index.row()) >= m_points.size()) return {};
  const Point& p = m_points[static_cast<std::size_t>(index.row())];
  if (role == TimeRole) return p.time;
  if (role > TimeRole && role <= ScrapesHttpRole) return p.values[role - TorrentsRole];
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
  m_client->getJson(QStringLiteral("/api/v1/history?window=%1").arg(m_window), [self, generation](const ApiResult& r) {
    if (!self || generation != self->m_generation) return;
    const QString error = r.ok() ? QString() : r.message;
    if (error != self->m_error) {
      self->m_error = error;
      emit self->errorChanged();
    }
    if (!r.ok()) return;
    std::vector<Point> points;
    const QJsonObject doc = r.json.object();
    for (const auto& v : doc.value("points").toArray()) {
      const QJsonObject o = v.toObject();
      Point p;
      p.time = QDateTime::fromSecsSinceEpoch(o.value("t").toInteger(), Qt::UTC);
      const qint64 fields[9] = {o.value("torrents").toInteger(), o.value("peers").toInteger(),
                                o.value("seeders").toInteger(), o.value("leechers").toInteger(),
                                o.value("completed").toInteger(),
                                o.value("announces").toObject().value("udp").toInteger(),
                                o.value("announces").toObject().value("http").toInteger(),
                                o.value("scrapes").toObject().value("udp").toInteger(),
                                o.value("scrapes").toObject().value("http").toInteger()};
      std::copy(std::begin(fields), std::end(fields), std::begin(p.values));
      points.push_back(p);
    }
    self->beginResetModel();
    self->m_points = std::move(points);
    self->m_step = doc.value("step").toInt(60);
    self->endResetModel();
    emit self->pointsChanged();
  });
}

}  // namespace shoal::gui
