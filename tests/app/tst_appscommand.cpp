// SPDX-License-Identifier: GPL-3.0-or-later
// `qsoketi apps` as an operator runs it: the real binary, configured only through SOKETI_* variables,
// against an SQLite file, PostgreSQL 15 and MariaDB 10.11 (the rows it writes checked by plain SQL), and
// refusing the read-only array driver and unknown drivers.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

#include "AppStoreTestBackends.h"

using namespace qsoketi;

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
    QJsonValue json() const
    {
        const QJsonDocument doc = QJsonDocument::fromJson(out.toUtf8());
        return doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
    }
};

QStringList storeEnvironment(const AppStoreConfig &config)
{
    switch (config.driver) {
    case AppStoreConfig::Driver::Sqlite:
        return {"SOKETI_APP_MANAGER_DRIVER=sqlite", "SOKETI_DB_SQLITE_PATH=" + config.sqlitePath};
    case AppStoreConfig::Driver::Postgres:
        return {"SOKETI_APP_MANAGER_DRIVER=postgres",
            "SOKETI_DB_POSTGRES_PORT=" + QString::number(config.postgres.port),
            "SOKETI_DB_POSTGRES_USERNAME=" + config.postgres.username,
            "SOKETI_DB_POSTGRES_PASSWORD=" + config.postgres.password,
            "SOKETI_APP_MANAGER_POSTGRES_TABLE=" + config.postgres.table};
    default:
        return {"SOKETI_APP_MANAGER_DRIVER=mysql", "SOKETI_DB_MYSQL_PORT=" + QString::number(config.mysql.port),
            "SOKETI_DB_MYSQL_USERNAME=" + config.mysql.username, "SOKETI_DB_MYSQL_PASSWORD=" + config.mysql.password,
            "SOKETI_APP_MANAGER_MYSQL_TABLE=" + config.mysql.table};
    }
}

Run runApps(const QStringList &args, const QStringList &env = {})
{
    QProcess process;
    QProcessEnvironment environment; // nothing inherited: no stray SOKETI_* of the machine
    environment.insert(QStringLiteral("PATH"), qEnvironmentVariable("PATH"));
    for (const QString &assignment : env) {
        environment.insert(assignment.section(u'=', 0, 0), assignment.section(u'=', 1));
    }
    process.setProcessEnvironment(environment);
    process.setWorkingDirectory(QDir::tempPath()); // no .env of the source tree
    process.start(QStringLiteral(QSOKETI_BINARY), QStringList{QStringLiteral("apps")} + args);
    Run run;
    if (!process.waitForFinished(90000)) {
        process.kill();
        process.waitForFinished();
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput()).trimmed();
    run.err = QString::fromUtf8(process.readAllStandardError()).trimmed();
    return run;
}

} // namespace

class TestAppsCommand final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.lastError())); }
    void lifecycle_data() { AppStoreTestBackends::addRows(); }
    void lifecycle();
    void usageErrors_data();
    void usageErrors();
    void arrayDriverIsReadOnly();
    void unknownDriverStopsWithOneLine();

private:
    AppStoreTestBackends m_backends;
};

void TestAppsCommand::lifecycle()
{
    QFETCH(QString, backend);
    if (const QString why = m_backends.missing(backend); !why.isEmpty()) {
        QSKIP(qPrintable(why));
    }
    const AppStoreConfig config = m_backends.config(backend);
    if (backend != QLatin1String("sqlite")) {
        QVERIFY2(m_backends.createSoketiTable(config), qPrintable(m_backends.lastError())); // soketi's table
    }
    const QStringList env = storeEnvironment(config);

    Run run = runApps({"add", "--json", "--enable-client-messages", "true"}, env);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const QJsonObject added = run.json().toObject();
    const QString id = added.value(QLatin1String("id")).toString();
    const QString key = added.value(QLatin1String("key")).toString();
    const QString secret = added.value(QLatin1String("secret")).toString(); // shown once, on add
    QCOMPARE(key.size(), 20);
    QCOMPARE(secret.size(), 32);
    QVERIFY(added.value(QLatin1String("enableClientMessages")).toBool());

    // The row is in the database, as a soketi server would read it.
    QString row;
    QVERIFY(m_backends.sql(config,
        QStringLiteral("SELECT secret, enable_client_messages FROM %1 WHERE id = '%2'")
            .arg(AppStoreTestBackends::table(config), id),
        &row));
    QVERIFY2(row == secret + QStringLiteral("\t1") || row == secret + QStringLiteral("\tt"), qPrintable(row));

    run = runApps({"list", "--json"}, env);
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.json().toArray().size(), 1);
    QVERIFY(!run.out.contains(secret)); // hidden unless asked
    run = runApps({"list", "--show-secrets"}, env);
    QVERIFY(run.out.startsWith(QLatin1String("ID")));
    QVERIFY(run.out.contains(key));
    run = runApps({"show", id, "--show-secrets"}, env);
    QVERIFY2(run.out.contains(QStringLiteral("secret: ") + secret), qPrintable(run.out));

    run = runApps({"update", id, "--json", "--max-connections", "5", "--max-presence-members-per-channel", "50",
                      "--webhooks", "[{\"url\":\"https://hooks.example/q\",\"event_types\":[\"channel_occupied\"]}]"},
        env);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QCOMPARE(run.json()[QLatin1String("maxConnections")].toInt(), 5);
    QCOMPARE(run.json()[QLatin1String("maxPresenceMembersPerChannel")].toInt(), 50);
    QCOMPARE(run.json()[QLatin1String("webhooks")].toArray().size(), 1);
    run = runApps({"update", id, "--json", "--max-presence-members-per-channel", "default"}, env);
    QCOMPARE(run.json()[QLatin1String("maxPresenceMembersPerChannel")].toInt(), 100);

    run = runApps({"disable", id, "--json"}, env);
    QVERIFY(!run.json()[QLatin1String("enabled")].toBool());
    run = runApps({"enable", id, "--json"}, env);
    QVERIFY(run.json()[QLatin1String("enabled")].toBool());

    run = runApps({"rotate-secret", id, "--json"}, env);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const QString rotated = run.json()[QLatin1String("secret")].toString();
    QVERIFY(rotated.size() == 32 && rotated != secret);
    run = runApps({"rotate-secret", id, "--grace", "300", "--secret", "operator-chosen"}, env);
    if (backend == QLatin1String("sqlite")) {
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY(run.out.contains(QStringLiteral("previousSecret: ") + rotated));
    } else {
        // soketi's table has no column for the old secret: refused with the statement that adds it.
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QLatin1String("ALTER TABLE")), qPrintable(run.err));
    }

    run = runApps({"remove", id}, env);
    QCOMPARE(run.exitCode, 0);
    run = runApps({"show", id}, env);
    QCOMPARE(run.exitCode, 1);
    QVERIFY(run.err.contains(QLatin1String("no app")));
    QVERIFY(!run.err.contains(config.postgres.password));
}

void TestAppsCommand::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    QTest::newRow("no command") << QStringList{} << 2 << "a command is needed";
    QTest::newRow("unknown command") << QStringList{"frobnicate"} << 2 << "unknown command \"frobnicate\"";
    QTest::newRow("show without id") << QStringList{"show"} << 2 << "show takes one app id";
    QTest::newRow("list with id") << QStringList{"list", "x"} << 2 << "list takes no app id";
    QTest::newRow("update without fields") << QStringList{"update", "x"} << 2 << "needs at least one field";
    QTest::newRow("bad key") << QStringList{"add", "--key", "bad key"} << 2 << "--key: key must be";
    QTest::newRow("bad number") << QStringList{"update", "x", "--max-connections", "lots"} << 2 << "--max-connections";
    QTest::newRow("fields on disable") << QStringList{"disable", "x", "--enabled", "true"} << 2 << "takes no field";
    QTest::newRow("negative grace") << QStringList{"rotate-secret", "x", "--grace", "-1"} << 2 << "--grace";
    QTest::newRow("missing config file") << QStringList{"list", "--config", "/nonexistent.json"} << 1 << "nonexistent";
}

void TestAppsCommand::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    const Run run = runApps(args, {"SOKETI_APP_MANAGER_DRIVER=sqlite", "SOKETI_DB_SQLITE_PATH=/nonexistent/dir/a.db"});
    QCOMPARE(run.exitCode, exitCode);
    QVERIFY2(run.err.contains(message), qPrintable(run.err));
    QCOMPARE(run.err.count(u'\n'), 0); // one line
    QVERIFY(run.out.isEmpty());
}

void TestAppsCommand::arrayDriverIsReadOnly()
{
    Run run = runApps({"add", "--key", "k1"}, {"SOKETI_DEFAULT_APP_SECRET=config-secret"});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(QLatin1String("array app manager is read-only")), qPrintable(run.err));
    QVERIFY(run.err.contains(QLatin1String("SOKETI_APP_MANAGER_DRIVER=sqlite")));
    run = runApps({"list", "--json"}, {"SOKETI_DEFAULT_APP_SECRET=config-secret"});
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.json().toArray().first()[QLatin1String("key")].toString(), QStringLiteral("app-key"));
    QVERIFY(!run.out.contains(QLatin1String("config-secret")));
}

void TestAppsCommand::unknownDriverStopsWithOneLine()
{
    // The server itself: a driver qsoketi does not implement stops it, never the default app instead.
    QProcess server;
    QProcessEnvironment environment;
    environment.insert(QStringLiteral("SOKETI_APP_MANAGER_DRIVER"), QStringLiteral("dynamodb"));
    server.setProcessEnvironment(environment);
    server.setWorkingDirectory(QDir::tempPath());
    server.start(QStringLiteral(QSOKETI_BINARY), {QStringLiteral("start"), QStringLiteral("--no-gui")});
    QVERIFY(server.waitForFinished(30000));
    QCOMPARE(server.exitCode(), 1);
    const QStringList lines =
        QString::fromUtf8(server.readAllStandardError()).trimmed().split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines.first().contains(QLatin1String(
                 "SOKETI_APP_MANAGER_DRIVER: \"dynamodb\" is not supported: qsoketi's app managers are array, mysql")),
        qPrintable(lines.first()));

    const Run run = runApps({"list"}, {"SOKETI_APP_MANAGER_DRIVER=dynamodb"});
    QCOMPARE(run.exitCode, 1);
    QCOMPARE(run.err.count(u'\n'), 0);
    QVERIFY(run.err.contains(QLatin1String("dynamodb")));
}

QTEST_GUILESS_MAIN(TestAppsCommand)
#include "tst_appscommand.moc"
