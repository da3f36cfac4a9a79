#pragma once
// Qt values of the API message fields (proto's api_*.hpp, the one definition of the shapes the
// servers write), for the models' data(): text as QString, unix seconds as a UTC QDateTime,
// counts as qint64 (what QML numbers hold), an absent optional as a null QVariant; and the
// message shown when a server's answer does not read as the message it should be.
//
//   auto page = api::SwarmPage::from_json(result.json);
//   if (!page) return setError(unreadable_answer(page.error()));
//   data(): return qtext(row.info_hash);  return maybe(row.trend);

#include <QCoreApplication>
#include <QDateTime>
#include <QString>
#include <QVariant>

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#include "shoal/proto/error.hpp"

namespace shoal::gui {

inline QString qtext(const std::string& s) { return QString::fromStdString(s); }
inline QDateTime utc_time(std::int64_t unix_seconds) { return QDateTime::fromSecsSinceEpoch(unix_seconds, Qt::UTC); }
inline qint64 qcount(std::uint64_t n) { return n > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<qint64>(n); }

template <class T>
QVariant maybe(const std::optional<T>& v) {
  if (!v) return {};
  if constexpr (std::is_same_v<T, std::string>) return qtext(*v);
  else if constexpr (std::is_same_v<T, std::uint64_t>) return qcount(*v);
  else if constexpr (std::is_integral_v<T>) return static_cast<qint64>(*v);
  else return QVariant::fromValue(*v);
}

/// "the server's answer does not read: <where and why>" — a server of another version, or a
/// proxy's page where the API should be.
inline QString unreadable_answer(const Error& e) {
  return QCoreApplication::translate("ApiClient", "the server's answer does not read: %1").arg(qtext(e.message()));
}

}  // namespace shoal::gui
