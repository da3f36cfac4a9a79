#pragma once
// The tracker database's schema: one ordered list of numbered migrations shared by every part of
// the tracker that keeps data in the database file (storage, accounts, private tracking, catalog).
// Whoever opens the file first applies what is pending (apply_migrations in sqlite.hpp), so every
// opener must use this one list.
//
// Migration N is entry N-1 and brings `PRAGMA user_version` from N-1 to N. Released entries never
// change; a schema change is a new entry appended at the end (tracker/src/tracker_schema.cpp).
//
//   auto db = SqliteConnection::open(path);
//   if (auto v = apply_migrations(*db, tracker_migrations()); !v) return fail(v.error());

#include <cstdint>
#include <span>
#include <string_view>

namespace shoal::tracker {

/// Every migration, oldest first.
std::span<const std::string_view> tracker_migrations() noexcept;

/// The schema version this program writes: tracker_migrations().size().
std::int64_t tracker_schema_version() noexcept;

}  // namespace shoal::tracker
