// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>

#include "apps/App.h"

namespace qsoketi {

// Where a SQL app store lives (soketi's SOKETI_DB_MYSQL_* / SOKETI_DB_POSTGRES_*). The password is never
// logged or shown.
struct SqlServerConfig
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 0;
    QString username;
    QString password;
    QString database = QStringLiteral("main");
    QString table = QStringLiteral("apps"); // SOKETI_APP_MANAGER_MYSQL_TABLE / _POSTGRES_TABLE
};

// The app manager (soketi's appManager.*, spec §10): which store holds the apps and how lookups are cached.
struct AppStoreConfig
{
    enum class Driver
    {
        Array, // the apps of the config (appManager.array.apps); read-only
        MySql,
        Postgres,
        Sqlite,
    };
    Driver driver = Driver::Array;

    SqlServerConfig mysql{QStringLiteral("127.0.0.1"), 3306, QStringLiteral("root"), QStringLiteral("password"),
        QStringLiteral("main"), QStringLiteral("apps")};
    SqlServerConfig postgres{QStringLiteral("127.0.0.1"), 5432, QStringLiteral("postgres"), QStringLiteral("password"),
        QStringLiteral("main"), QStringLiteral("apps")};
    QString sqlitePath; // SOKETI_DB_SQLITE_PATH; the file and its schema are created on first use

    // soketi's SOKETI_APP_MANAGER_CACHE_ENABLED / _TTL. Enabled: cached apps are answered at once and
    // re-read every TTL seconds (TTL <= 0: kept for good, never re-read). Disabled (soketi's default): every
    // lookup asks the store, the last answer only stands in while the store is unreachable.
    bool cacheEnabled = false;
    int cacheTtlSeconds = -1;
    // With the cache disabled, apps in use are still re-read this often so that a disabled or deleted app
    // reaches open connections (appChanged/appRemoved).
    int watchIntervalMs = 5000;
    // Unknown ids/keys are remembered this long (at most the cache TTL) and this many at most, so random
    // keys cannot hammer the database.
    int negativeCacheTtlMs = 5000;
    int negativeCacheMaxEntries = 10000;
    // An uncached lookup waits at most this long for the store, then answers "no app" (store unavailable).
    int lookupTimeoutMs = 5000;
    // Uncached lookups waiting for the store at once; more are answered "no app" at once.
    int maxPendingLookups = 1000;
    int connectTimeoutSeconds = 3;

    // Server-wide values for columns that are NULL or '' (spec §3: presence/event/channel limits).
    App defaults;
    // The apps of the array driver.
    QList<App> arrayApps{App{}};

    // "array", "mysql", "postgres", "sqlite" (the SOKETI_APP_MANAGER_DRIVER values).
    static QString driverName(Driver driver);
    // false for names qsoketi does not implement (e.g. "dynamodb").
    static bool driverFromName(const QString &name, Driver *driver);
};

} // namespace qsoketi
