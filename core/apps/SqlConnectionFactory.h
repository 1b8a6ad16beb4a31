// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include "apps/AppStoreConfig.h"

namespace qsoketi {

// Turns an AppStoreConfig into a configured (not yet open) Qt SQL connection: driver plugin, server,
// credentials and the timeouts that keep a dead or frozen database from holding the store's thread.
class SqlConnectionFactory final
{
public:
    // The server of the mysql/postgres drivers; nullptr for sqlite (and array).
    static const SqlServerConfig *server(const AppStoreConfig &config);
    // Registers connectionName (QSqlDatabase::database(connectionName) then returns it). Returns an error
    // for the operator, or an empty string.
    static QString create(const AppStoreConfig &config, const QString &connectionName);
    // "postgres database "main" at 127.0.0.1:5432, table apps" / "sqlite file /path" (never the password).
    static QString describe(const AppStoreConfig &config);
};

} // namespace qsoketi
