// SPDX-License-Identifier: GPL-3.0-or-later
#include "apps/SqlConnectionFactory.h"

#include <QDir>
#include <QFileInfo>
#include <QSqlDatabase>

#include "apps/SqlAppSchema.h"

namespace qsoketi {

namespace {

using Driver = AppStoreConfig::Driver;

QString qtDriverName(Driver driver)
{
    switch (driver) {
    case Driver::MySql:
        return QStringLiteral("QMYSQL");
    case Driver::Postgres:
        return QStringLiteral("QPSQL");
    default:
        return QStringLiteral("QSQLITE");
    }
}

QString debianPackage(Driver driver)
{
    switch (driver) {
    case Driver::MySql:
        return QStringLiteral("libqt6sql6-mysql");
    case Driver::Postgres:
        return QStringLiteral("libqt6sql6-psql");
    default:
        return QStringLiteral("libqt6sql6-sqlite");
    }
}

} // namespace

const SqlServerConfig *SqlConnectionFactory::server(const AppStoreConfig &config)
{
    switch (config.driver) {
    case Driver::MySql:
        return &config.mysql;
    case Driver::Postgres:
        return &config.postgres;
    default:
        return nullptr;
    }
}

QString SqlConnectionFactory::describe(const AppStoreConfig &config)
{
    if (const SqlServerConfig *db = server(config)) {
        return QStringLiteral("%1 database \"%2\" at %3:%4, table %5")
            .arg(AppStoreConfig::driverName(config.driver), db->database, db->host)
            .arg(db->port)
            .arg(db->table);
    }
    return QStringLiteral("sqlite file %1").arg(config.sqlitePath);
}

QString SqlConnectionFactory::create(const AppStoreConfig &config, const QString &connectionName)
{
    const SqlServerConfig *db = server(config);
    if (db && !SqlAppSchema::isValidTableName(db->table)) {
        return QStringLiteral(
            "the app table name \"%1\" is not a plain name (letters, digits, _ and $, optionally schema.table)")
            .arg(db->table);
    }
    if (config.driver == Driver::Sqlite) {
        if (config.sqlitePath.isEmpty()) {
            return QStringLiteral("SOKETI_DB_SQLITE_PATH is not set");
        }
        const QString directory = QFileInfo(config.sqlitePath).absolutePath();
        if (!QDir().mkpath(directory)) {
            return QStringLiteral("cannot create the directory %1 for the app database").arg(directory);
        }
    }
    const QString driverName = qtDriverName(config.driver);
    if (!QSqlDatabase::isDriverAvailable(driverName)) {
        return QStringLiteral("the Qt SQL driver %1 is not installed (Debian package %2)")
            .arg(driverName, debianPackage(config.driver));
    }
    QSqlDatabase connection = QSqlDatabase::addDatabase(driverName, connectionName);
    const QString connectTimeout = QString::number(qMax(1, config.connectTimeoutSeconds));
    if (db) {
        connection.setHostName(db->host);
        connection.setPort(db->port);
        connection.setUserName(db->username);
        connection.setPassword(db->password);
        connection.setDatabaseName(db->database);
    }
    if (config.driver == Driver::MySql) {
        // Without read/write timeouts a frozen server would hold the store's thread forever.
        const QString ioTimeout = QString::number(qMax(1, config.lookupTimeoutMs / 1000) * 2);
        connection.setConnectOptions(
            QStringLiteral("MYSQL_OPT_CONNECT_TIMEOUT=%1;MYSQL_OPT_READ_TIMEOUT=%2;MYSQL_OPT_WRITE_TIMEOUT=%2")
                .arg(connectTimeout, ioTimeout));
    } else if (config.driver == Driver::Postgres) {
        connection.setConnectOptions(QStringLiteral("connect_timeout=%1;application_name=qsoketi").arg(connectTimeout));
    } else {
        connection.setDatabaseName(config.sqlitePath);
        // The server and `qsoketi apps` may write at once: wait for the other's lock instead of failing.
        connection.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    }
    return {};
}

} // namespace qsoketi
