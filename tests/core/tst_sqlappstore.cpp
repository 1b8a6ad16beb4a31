// SPDX-License-Identifier: GPL-3.0-or-later
// SqlAppStore, used directly (synchronously, on the test thread): SQLite schema creation, writes and
// their validation against soketi's table in SQLite, PostgreSQL 15 and MariaDB 10.11, the ALTER TABLE it
// suggests for qsoketi's own columns, and reconnecting after the database server restarted.
#include <QFileInfo>
#include <QJsonArray>
#include <QTest>

#include "AppStoreTestBackends.h"
#include "apps/SqlAppStore.h"

using namespace qsoketi;

class TestSqlAppStore final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.lastError())); }
    void sqliteCreatesItsSchemaOnFirstUse();
    void sqliteUpgradesATableMadeForSoketi();
    void writes_data() { AppStoreTestBackends::addRows(); }
    void writes();
    void booleanColumns();
    void suggestsTheAlterTableItNeeds_data();
    void suggestsTheAlterTableItNeeds();
    void reconnectsAfterRestart_data();
    void reconnectsAfterRestart();
    void refusesTableNamesThatAreNotPlain();

private:
    AppStoreTestBackends m_backends;
};

void TestSqlAppStore::sqliteCreatesItsSchemaOnFirstUse()
{
    AppStoreConfig config = m_backends.config(QStringLiteral("sqlite"));
    QVERIFY(!QFileInfo::exists(config.sqlitePath));
    {
        SqlAppStore store(config);
        const AppStoreReply opened = store.open();
        QVERIFY2(opened.ok(), qPrintable(opened.error));
        QVERIFY(QFileInfo::exists(config.sqlitePath));
        QVERIFY(store.hasColumn(QStringLiteral("previous_secret")));
        QVERIFY(store.hasColumn(QStringLiteral("enable_subscription_count")));
        const AppStoreReply added = store.insert(QJsonObject{{QStringLiteral("id"), QStringLiteral("1")},
            {QStringLiteral("key"), QStringLiteral("k1")}, {QStringLiteral("secret"), QStringLiteral("s1")}});
        QVERIFY2(added.ok(), qPrintable(added.error));
        QCOMPARE(added.first()->maxPresenceMembersPerChannel, 77); // NULL: the server default
    }
    // What the sqlite3 shell sees: soketi's columns, and the key unique.
    QString columns;
    QVERIFY(m_backends.sql(
        config, QStringLiteral("SELECT group_concat(name, ',') FROM pragma_table_info('apps')"), &columns));
    QVERIFY2(columns.startsWith(QLatin1String("id,key,secret,max_connections,enable_client_messages,enabled,")),
        qPrintable(columns));
    QVERIFY(!m_backends.sql(config, QStringLiteral("INSERT INTO apps (id, key, secret) VALUES ('2', 'k1', 's2')")));
    // A second store on the same file (the server while `qsoketi apps` writes) reads the row.
    SqlAppStore again(config);
    QCOMPARE(again.findByKey(QStringLiteral("k1")).first()->id, QStringLiteral("1"));
}

void TestSqlAppStore::sqliteUpgradesATableMadeForSoketi()
{
    AppStoreConfig config = m_backends.config(QStringLiteral("sqlite"));
    QVERIFY(m_backends.createSoketiTable(config));
    SqlAppStore store(config);
    const AppStoreReply opened = store.open();
    QVERIFY2(opened.ok(), qPrintable(opened.error));
    QVERIFY(store.hasColumn(QStringLiteral("previous_secret_valid_until")));
}

void TestSqlAppStore::writes()
{
    QFETCH(QString, backend);
    if (const QString why = m_backends.missing(backend); !why.isEmpty()) {
        QSKIP(qPrintable(why));
    }
    AppStoreConfig config = m_backends.config(backend);
    QVERIFY2(m_backends.createSoketiTable(config), qPrintable(m_backends.lastError()));
    const QString table = AppStoreTestBackends::table(config);
    SqlAppStore store(config);

    const QJsonObject minimal{{QStringLiteral("id"), QStringLiteral("a1")},
        {QStringLiteral("key"), QStringLiteral("k1")}, {QStringLiteral("secret"), QStringLiteral("s1")}};
    AppStoreReply reply = store.insert(minimal);
    QVERIFY2(reply.ok(), qPrintable(reply.error));
    QCOMPARE(reply.first()->maxConnections, -1);
    QVERIFY(reply.first()->enabled);
    QCOMPARE(reply.first()->maxEventBatchSize, 7);
    // soketi's NOT NULL columns got values, the limits stayed NULL (server default).
    QString row;
    QVERIFY(m_backends.sql(config,
        QStringLiteral("SELECT max_connections, enabled, max_event_batch_size IS NULL FROM %1 WHERE id = 'a1'")
            .arg(table),
        &row));
    QVERIFY2(row == QLatin1String("-1\t1\t1") || row == QLatin1String("-1\t1\tt"), qPrintable(row));

    QVERIFY(store.insert(minimal).error.contains(QLatin1String("already exists")));
    QJsonObject sameKey = minimal;
    sameKey.insert(QStringLiteral("id"), QStringLiteral("a2"));
    QVERIFY(store.insert(sameKey).error.contains(QLatin1String("key \"k1\" already exists")));
    QJsonObject badKey = sameKey;
    badKey.insert(QStringLiteral("key"), QStringLiteral("k 2'"));
    QVERIFY(!store.insert(badKey).ok());

    reply = store.update(QStringLiteral("a1"),
        QJsonObject{{QStringLiteral("maxEventBatchSize"), 20}, {QStringLiteral("enableClientMessages"), true},
            {QStringLiteral("maxConnections"), QStringLiteral("100")},
            {QStringLiteral("webhooks"),
                QJsonArray{QJsonObject{{QStringLiteral("url"), QStringLiteral("https://example.com/hook")},
                    {QStringLiteral("event_types"), QJsonArray{QStringLiteral("channel_vacated")}}}}}});
    QVERIFY2(reply.ok(), qPrintable(reply.error));
    QCOMPARE(reply.first()->maxEventBatchSize, 20);
    QCOMPARE(reply.first()->maxConnections, 100);
    QVERIFY(reply.first()->enableClientMessages);
    QCOMPARE(reply.first()->webhooks.size(), 1);
    reply = store.update(
        QStringLiteral("a1"), QJsonObject{{QStringLiteral("maxEventBatchSize"), QStringLiteral("default")}});
    QVERIFY2(reply.ok(), qPrintable(reply.error));
    QCOMPARE(reply.first()->maxEventBatchSize, 7);
    QVERIFY(m_backends.sql(
        config, QStringLiteral("SELECT max_event_batch_size IS NULL FROM %1 WHERE id = 'a1'").arg(table), &row));
    QVERIFY(row == QLatin1String("1") || row == QLatin1String("t"));

    QVERIFY(store.update(QStringLiteral("a1"), QJsonObject{{QStringLiteral("maxConnections"), QStringLiteral("lots")}})
                .error.contains(QLatin1String("maxConnections")));
    QVERIFY(store.update(QStringLiteral("a1"), QJsonObject{{QStringLiteral("maxEventBatchSize"), 0}})
                .error.contains(QLatin1String("greater than 0")));
    QVERIFY(store.update(QStringLiteral("a1"), QJsonObject{{QStringLiteral("colour"), 1}})
                .error.contains(QLatin1String("unknown app field")));
    QVERIFY(store.update(QStringLiteral("a1"), QJsonObject{{QStringLiteral("id"), QStringLiteral("x")}})
                .error.contains(QLatin1String("cannot change")));
    QVERIFY(store.update(QStringLiteral("nope"), QJsonObject{{QStringLiteral("enabled"), false}})
                .error.contains(QLatin1String("no app")));
    if (config.driver == AppStoreConfig::Driver::MySql) {
        // soketi's MySQL schema declares the limits tinyint(1): the database's refusal reaches the operator.
        const AppStoreReply refused =
            store.update(QStringLiteral("a1"), QJsonObject{{QStringLiteral("maxPresenceMembersPerChannel"), 500}});
        QVERIFY2(refused.error.contains(QLatin1String("refused")), qPrintable(refused.error));
        QVERIFY(!refused.unavailable);
    }

    QVERIFY2(store.remove(QStringLiteral("a1")).ok(), qPrintable(store.remove(QStringLiteral("a1")).error));
    QVERIFY(!store.findById(QStringLiteral("a1")).first());
    QVERIFY(store.remove(QStringLiteral("a1")).error.contains(QLatin1String("no app")));
}

void TestSqlAppStore::booleanColumns()
{
    if (const QString why = m_backends.missing(QStringLiteral("postgres")); !why.isEmpty()) {
        QSKIP(qPrintable(why));
    }
    // Some soketi guides make the PostgreSQL flags boolean instead of smallint.
    AppStoreConfig config = m_backends.config(QStringLiteral("postgres"));
    QVERIFY2(m_backends.createSoketiTable(config, true), qPrintable(m_backends.lastError()));
    QVERIFY(m_backends.insertRow(config, QStringLiteral("b1"), QStringLiteral("kb1"), QStringLiteral("s"),
        QStringLiteral("-1, 1, 0, -1, -1, -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1"), true));
    SqlAppStore store(config);
    AppStoreReply reply = store.findByKey(QStringLiteral("kb1"));
    QVERIFY2(reply.first(), qPrintable(reply.error));
    QVERIFY(reply.first()->enableClientMessages);
    QVERIFY(!reply.first()->enabled);
    QVERIFY(reply.first()->enableUserAuthentication);
    reply = store.update(QStringLiteral("b1"), QJsonObject{{QStringLiteral("enabled"), true}});
    QVERIFY2(reply.ok(), qPrintable(reply.error));
    QVERIFY(reply.first()->enabled);
    QString flag;
    QVERIFY(m_backends.sql(
        config, QStringLiteral("SELECT enabled FROM %1").arg(AppStoreTestBackends::table(config)), &flag));
    QCOMPARE(flag, QStringLiteral("t"));
}

void TestSqlAppStore::suggestsTheAlterTableItNeeds_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("postgres") << QStringLiteral("postgres"); // SQLite tables get the columns themselves
    QTest::newRow("mariadb") << QStringLiteral("mariadb");
}

void TestSqlAppStore::suggestsTheAlterTableItNeeds()
{
    QFETCH(QString, backend);
    if (const QString why = m_backends.missing(backend); !why.isEmpty()) {
        QSKIP(qPrintable(why));
    }
    AppStoreConfig config = m_backends.config(backend);
    QVERIFY(m_backends.createSoketiTable(config));
    QVERIFY(m_backends.insertRow(config, QStringLiteral("g1"), QStringLiteral("kg1"), QStringLiteral("s"),
        QStringLiteral("-1, 0, 1, -1, -1, -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0")));
    SqlAppStore store(config);
    const QJsonObject grace{
        {QStringLiteral("previousSecret"), QStringLiteral("old")}, {QStringLiteral("previousSecretValidUntil"), 1e12}};
    // The message names the statement; running it (as an operator would) makes the write work.
    for (int column = 0; column < 2; ++column) {
        const AppStoreReply refused = store.update(QStringLiteral("g1"), grace);
        QVERIFY(!refused.ok());
        const qsizetype at = refused.error.indexOf(QLatin1String("ALTER TABLE"));
        QVERIFY2(at >= 0, qPrintable(refused.error));
        QVERIFY2(m_backends.sql(config, refused.error.mid(at)), qPrintable(m_backends.lastError()));
    }
    const AppStoreReply reply = store.update(QStringLiteral("g1"), grace);
    QVERIFY2(reply.ok(), qPrintable(reply.error));
    QCOMPARE(reply.first()->previousSecret, QStringLiteral("old"));
    QCOMPARE(reply.first()->previousSecretValidUntilMs, qint64(1e12));
}

void TestSqlAppStore::reconnectsAfterRestart_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("postgres") << QStringLiteral("postgres");
    QTest::newRow("mariadb") << QStringLiteral("mariadb");
}

void TestSqlAppStore::reconnectsAfterRestart()
{
    QFETCH(QString, backend);
    if (const QString why = m_backends.missing(backend); !why.isEmpty()) {
        QSKIP(qPrintable(why));
    }
    AppStoreConfig config = m_backends.config(backend);
    QVERIFY(m_backends.createSoketiTable(config));
    QVERIFY(m_backends.insertRow(config, QStringLiteral("r1"), QStringLiteral("kr1"), QStringLiteral("s"),
        QStringLiteral("-1, 0, 1, -1, -1, -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0")));
    SqlAppStore store(config);
    QVERIFY(store.findById(QStringLiteral("r1")).first());
    TestDatabaseServer *server = m_backends.server(backend);
    QVERIFY(server->stop());
    const AppStoreReply down = store.findById(QStringLiteral("r1"));
    QVERIFY(!down.ok());
    QVERIFY(down.unavailable);
    QVERIFY2(!down.error.contains(server->config().password), qPrintable(down.error));
    QVERIFY(server->start());
    // The connection the store held died with the server: the first query reconnects by itself.
    const AppStoreReply back = store.findById(QStringLiteral("r1"));
    QVERIFY2(back.ok(), qPrintable(back.error));
    QVERIFY(back.first());
    // And once more with a restart the store did not see (its connection looks open).
    QVERIFY(server->stop());
    QVERIFY(server->start());
    const AppStoreReply again = store.findByKey(QStringLiteral("kr1"));
    QVERIFY2(again.ok() && again.first(), qPrintable(again.error));
}

void TestSqlAppStore::refusesTableNamesThatAreNotPlain()
{
    AppStoreConfig config;
    config.driver = AppStoreConfig::Driver::Postgres;
    config.postgres.table = QStringLiteral("apps; DROP TABLE apps");
    SqlAppStore store(config);
    const AppStoreReply reply = store.open();
    QVERIFY(!reply.ok());
    QVERIFY2(reply.error.contains(QLatin1String("not a plain name")), qPrintable(reply.error));
}

QTEST_GUILESS_MAIN(TestSqlAppStore)
#include "tst_sqlappstore.moc"
