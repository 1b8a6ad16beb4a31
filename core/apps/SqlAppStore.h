// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QSqlRecord>
#include <QString>
#include <QStringList>
#include <QVariantList>

#include "apps/AppStoreConfig.h"
#include "apps/AppStoreReply.h"

class QSqlDatabase;
class QSqlQuery;

namespace qsoketi {

// One connection to a MySQL/MariaDB, PostgreSQL or SQLite app table (soketi's schema, spec §10), used
// synchronously on ONE thread (a QSqlDatabase belongs to the thread that opened it): AppDirectory runs it
// on its own worker thread. Every value reaches the database as a bound parameter; identifiers come from
// the configuration and are checked and quoted by the driver. A dropped connection is reopened once per
// operation; a failed (re)connect answers `unavailable`.
class SqlAppStore final
{
public:
    explicit SqlAppStore(const AppStoreConfig &config);
    ~SqlAppStore();
    SqlAppStore(const SqlAppStore &) = delete;
    SqlAppStore &operator=(const SqlAppStore &) = delete;

    // Connects and reads the table's columns; SQLite creates its file and schema first. Cheap when open.
    AppStoreReply open();
    void close();
    bool isOpen() const { return m_open; }
    // "postgres database \"main\" at 127.0.0.1:5432, table apps" (never the password).
    QString description() const;

    AppStoreReply findById(const QString &id);
    AppStoreReply findByKey(const QString &key);
    AppStoreReply findByIds(const QStringList &ids); // the apps still there, any order
    AppStoreReply list();

    // fields: camelCase names (AppColumns) with JSON values; id, key and secret are required. Fields left
    // out get NULL (server-default columns) or the built-in default.
    AppStoreReply insert(const QJsonObject &fields);
    // Only the given fields change; null or "default" resets one.
    AppStoreReply update(const QString &id, const QJsonObject &changes);
    AppStoreReply remove(const QString &id);

    bool hasColumn(const QString &column) const { return m_columns.contains(column); }

private:
    struct Rows
    {
        QList<QSqlRecord> records;
        QString error;
        bool unavailable = false;
    };

    QSqlDatabase database() const;
    AppStoreReply connect();
    AppStoreReply createSqliteSchema();
    AppStoreReply readColumns();
    // Reads retry once on a fresh connection: a server restart drops every pooled connection.
    Rows select(const QString &sql, const QVariantList &values);
    bool execute(QSqlQuery &query, const QString &sql, const QVariantList &values);
    AppStoreReply write(const QString &sql, const QVariantList &values, int *rowsAffected = nullptr);
    AppStoreReply findBy(const char *column, const QString &value);
    // Validated column values for the given fields, or an error naming the field.
    QString columnValues(const QJsonObject &fields, QStringList *columns, QVariantList *values);
    QVariant bindable(const QString &column, const QVariant &value) const;
    QString table() const;
    QString column(const char *name) const;
    QString missingColumnHint(const QString &column) const;
    AppPtr toApp(const QSqlRecord &record) const;
    QString describeError(const QString &what, const QString &driverText) const;

    AppStoreConfig m_config;
    QString m_connectionName;
    bool m_open = false;
    QHash<QString, int> m_columns; // column → QMetaType id as the driver reports it
};

} // namespace qsoketi
