// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The app store test matrix: the same test runs against an SQLite file, PostgreSQL 15 and MariaDB 10.11
// (TestDatabaseServer). Tables are made and filled by plain SQL through each database's own client, the
// way a soketi user's table was made, never through the code under test.
#include <memory>

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "TestDatabaseServer.h"
#include "apps/AppStoreConfig.h"

class AppStoreTestBackends
{
public:
    // Starts PostgreSQL and MariaDB when installed; false (with lastError) when one is installed but fails.
    // QSOKETI_TEST_DB_SERVERS=0 starts neither (their rows are skipped): the ThreadSanitizer job runs the
    // SQLite-only tests, as TSan cannot start a process from Qt (tests/sanitize/tsan.sh).
    bool start()
    {
        if (!serversWanted())
            return true;
        for (auto *server : {&m_postgres, &m_mariadb}) {
            if ((*server)->missing().isEmpty() && !(*server)->setUp()) {
                m_error = (*server)->lastError();
                return false;
            }
        }
        return true;
    }
    QString lastError() const { return m_error; }

    // The rows of a data-driven test: column "backend".
    static void addRows()
    {
        QTest::addColumn<QString>("backend");
        QTest::newRow("sqlite") << QStringLiteral("sqlite");
        QTest::newRow("postgres") << QStringLiteral("postgres");
        QTest::newRow("mariadb") << QStringLiteral("mariadb");
    }

    // Why a backend cannot run here; empty when it can.
    QString missing(const QString &backend) const
    {
        if (backend == QLatin1String("sqlite")) {
            return QStandardPaths::findExecutable(QStringLiteral("sqlite3")).isEmpty()
                ? QStringLiteral("sqlite3 is not installed")
                : QString();
        }
        if (!serversWanted())
            return QStringLiteral("QSOKETI_TEST_DB_SERVERS=0");
        return server(backend)->missing();
    }
    static bool serversWanted() { return qEnvironmentVariable("QSOKETI_TEST_DB_SERVERS") != QLatin1String("0"); }

    TestDatabaseServer *server(const QString &backend) const
    {
        return backend == QLatin1String("postgres") ? m_postgres.get()
            : backend == QLatin1String("mariadb")   ? m_mariadb.get()
                                                    : nullptr;
    }

    // A config for a table (or SQLite file) of its own, so tests never see each other's rows.
    qsoketi::AppStoreConfig config(const QString &backend)
    {
        using Driver = qsoketi::AppStoreConfig::Driver;
        qsoketi::AppStoreConfig config;
        const QString table = QStringLiteral("apps_%1").arg(++m_tables);
        if (backend == QLatin1String("sqlite")) {
            config.driver = Driver::Sqlite;
            config.sqlitePath = m_sqliteDir.path() + QStringLiteral("/%1/apps.sqlite").arg(table);
        } else if (backend == QLatin1String("postgres")) {
            config.driver = Driver::Postgres;
            config.postgres = m_postgres->config(table);
        } else {
            config.driver = Driver::MySql;
            config.mysql = m_mariadb->config(table);
        }
        // Server-wide defaults that differ from soketi's, to see NULL columns take them.
        config.defaults.maxPresenceMembersPerChannel = 77;
        config.defaults.maxEventBatchSize = 7;
        config.defaults.maxChannelNameLength = 150;
        return config;
    }

    static QString table(const qsoketi::AppStoreConfig &config)
    {
        using Driver = qsoketi::AppStoreConfig::Driver;
        return config.driver == Driver::Postgres ? config.postgres.table
            : config.driver == Driver::MySql     ? config.mysql.table
                                                 : QStringLiteral("apps");
    }

    bool sql(const qsoketi::AppStoreConfig &config, const QString &statements, QString *output = nullptr)
    {
        if (config.driver != qsoketi::AppStoreConfig::Driver::Sqlite) {
            TestDatabaseServer *db =
                config.driver == qsoketi::AppStoreConfig::Driver::Postgres ? m_postgres.get() : m_mariadb.get();
            const bool ok = db->sql(statements, output);
            m_error = db->lastError();
            return ok;
        }
        QDir().mkpath(QFileInfo(config.sqlitePath).absolutePath());
        QProcess client;
        client.start(QStringLiteral("sqlite3"),
            {QStringLiteral("-bail"), QStringLiteral("-cmd"), QStringLiteral(".timeout 5000"), config.sqlitePath,
                statements});
        if (!client.waitForFinished(30000) || client.exitCode() != 0) {
            m_error = QString::fromUtf8(client.readAllStandardError());
            return false;
        }
        if (output) {
            *output = QString::fromUtf8(client.readAllStandardOutput()).trimmed().replace(u'|', u'\t');
        }
        return true;
    }

    // soketi's published table (MySQL: limit columns tinyint(1); PostgreSQL: smallint flags, or boolean
    // ones as some guides write it). SQLite takes the MySQL text as it is.
    bool createSoketiTable(const qsoketi::AppStoreConfig &config, bool booleanFlags = false)
    {
        const bool postgres = config.driver == qsoketi::AppStoreConfig::Driver::Postgres;
        const QString flag = postgres ? (booleanFlags ? QStringLiteral("boolean") : QStringLiteral("smallint"))
                                      : QStringLiteral("tinyint(1)");
        const QString limit = postgres ? QStringLiteral("integer") : QStringLiteral("tinyint(1)");
        const QString integer = postgres ? QStringLiteral("integer") : QStringLiteral("integer(10)");
        const QString q = postgres ? QStringLiteral("\"") : QStringLiteral("`");
        QString ddl = QStringLiteral(
            "CREATE TABLE %1%2%1 (id varchar(255) NOT NULL, %1key%1 varchar(255) NOT NULL, secret varchar(255) NOT "
            "NULL, "
            "max_connections INT NOT NULL, enable_client_messages FLAG NOT NULL, enabled FLAG NOT NULL, "
            "max_backend_events_per_sec INT NOT NULL, max_client_events_per_sec INT NOT NULL, "
            "max_read_req_per_sec INT NOT NULL, webhooks json, max_presence_members_per_channel LIMIT NULL, "
            "max_presence_member_size_in_kb LIMIT NULL, max_channel_name_length LIMIT NULL, "
            "max_event_channels_at_once LIMIT NULL, max_event_name_length LIMIT NULL, "
            "max_event_payload_in_kb LIMIT NULL, max_event_batch_size LIMIT NULL, "
            "enable_user_authentication FLAG NOT NULL, PRIMARY KEY (id))")
                          .arg(q, table(config));
        ddl.replace(QLatin1String("FLAG"), flag)
            .replace(QLatin1String("LIMIT"), limit)
            .replace(QLatin1String(" INT "), u' ' + integer + u' ');
        return sql(config, ddl);
    }

    // One soketi row; values are SQL literals in column order after id/key/secret (flags as 0/1).
    bool insertRow(const qsoketi::AppStoreConfig &config, const QString &id, const QString &key, const QString &secret,
        const QString &rest, bool booleanFlags = false)
    {
        const bool postgres = config.driver == qsoketi::AppStoreConfig::Driver::Postgres;
        const QString q = postgres ? QStringLiteral("\"") : QStringLiteral("`");
        QStringList values = rest.split(QStringLiteral(", "));
        if (booleanFlags) {
            for (int i : {1, 2, 14}) { // enable_client_messages, enabled, enable_user_authentication
                values[i] = values[i] == QLatin1String("1") ? QStringLiteral("true") : QStringLiteral("false");
            }
        }
        return sql(config,
            QStringLiteral("INSERT INTO %1%2%1 (id, %1key%1, secret, max_connections, enable_client_messages, enabled, "
                           "max_backend_events_per_sec, max_client_events_per_sec, max_read_req_per_sec, webhooks, "
                           "max_presence_members_per_channel, max_presence_member_size_in_kb, "
                           "max_channel_name_length, max_event_channels_at_once, max_event_name_length, "
                           "max_event_payload_in_kb, max_event_batch_size, enable_user_authentication) "
                           "VALUES ('%3', '%4', '%5', %6)")
                .arg(q, table(config), id, key, secret, values.join(QStringLiteral(", "))));
    }

private:
    std::unique_ptr<TestDatabaseServer> m_postgres =
        std::make_unique<TestDatabaseServer>(TestDatabaseServer::Kind::Postgres);
    std::unique_ptr<TestDatabaseServer> m_mariadb =
        std::make_unique<TestDatabaseServer>(TestDatabaseServer::Kind::MariaDb);
    QTemporaryDir m_sqliteDir;
    int m_tables = 0;
    QString m_error;
};
