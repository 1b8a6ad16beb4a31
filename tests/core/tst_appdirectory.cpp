// SPDX-License-Identifier: GPL-3.0-or-later
// AppDirectory lookups against real databases: soketi's table filled by plain SQL in an SQLite file, a
// private PostgreSQL 15 and a private MariaDB 10.11 (AppStoreTestBackends); changes made behind the
// server's back, the database stopped and started again, injection attempts, and lookup latency.
#include <algorithm>
#include <memory>

#include <QElapsedTimer>
#include <QEventLoop>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

#include "AppStoreTestBackends.h"
#include "apps/AppDirectory.h"
#include "metrics/MetricsRegistry.h"
#include "metrics/PrometheusTextSerializer.h"

using namespace qsoketi;

namespace {

struct Lookup
{
    bool answered = false;
    bool synchronous = false; // answered before findBy*() returned
    AppPtr app;
    qint64 elapsedMs = 0;
};

Lookup find(AppDirectory &directory, const QString &value, bool byId = false)
{
    auto state = std::make_shared<Lookup>();
    QElapsedTimer timer;
    timer.start();
    const auto done = [state](AppPtr app) {
        state->app = std::move(app);
        state->answered = true;
    };
    if (byId) {
        directory.findById(value, done);
    } else {
        directory.findByKey(value, done);
    }
    state->synchronous = state->answered;
    state->answered = state->answered || QTest::qWaitFor([&state] { return state->answered; }, 20000);
    state->elapsedMs = timer.elapsed();
    return *state;
}

const QString kWebhooks =
    QStringLiteral("'[{\"url\":\"http://127.0.0.1:9/hook\",\"event_types\":[\"channel_occupied\"]}]'");

} // namespace

class TestAppDirectory final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void arrayDriverAnswersAtOnceAndRefusesWrites();
    void servesSoketiRows_data() { AppStoreTestBackends::addRows(); }
    void servesSoketiRows();
    void injectionFindsNothing_data() { AppStoreTestBackends::addRows(); }
    void injectionFindsNothing();
    void changesSeenWithinTtl_data() { AppStoreTestBackends::addRows(); }
    void changesSeenWithinTtl();
    void databaseStoppedMidRun_data();
    void databaseStoppedMidRun();
    void frozenDatabaseDelaysOnlyUncachedLookups();
    void lookupLatency_data() { AppStoreTestBackends::addRows(); }
    void lookupLatency();
    void metrics();

private:
    // A soketi table with three rows: all columns set, NULL limits, a disabled app.
    bool prepare(const QString &backend, AppStoreConfig *config);

    AppStoreTestBackends m_backends;
};

void TestAppDirectory::initTestCase()
{
    qRegisterMetaType<AppPtr>(); // QSignalSpy keeps arguments in QVariants
    QVERIFY2(m_backends.start(), qPrintable(m_backends.lastError()));
}

bool TestAppDirectory::prepare(const QString &backend, AppStoreConfig *config)
{
    *config = m_backends.config(backend);
    return m_backends.createSoketiTable(*config)
        && m_backends.insertRow(*config, QStringLiteral("app-1"), QStringLiteral("key-1"), QStringLiteral("secret-1"),
            QStringLiteral("200, 1, 1, 10, 20, 30, %1, 50, 5, 100, 20, 120, 50, 5, 1").arg(kWebhooks))
        && m_backends.insertRow(*config, QStringLiteral("app-2"), QStringLiteral("key-2"), QStringLiteral("secret-2"),
            QStringLiteral("0, 0, 1, -1, -1, -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0"))
        && m_backends.insertRow(*config, QStringLiteral("app-3"), QStringLiteral("key-3"), QStringLiteral("secret-3"),
            QStringLiteral("-1, 0, 0, -1, -1, -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0"));
}

void TestAppDirectory::arrayDriverAnswersAtOnceAndRefusesWrites()
{
    AppStoreConfig config;
    App second;
    second.id = QStringLiteral("2");
    second.key = QStringLiteral("second-key");
    config.arrayApps.append(second);
    AppDirectory directory(config);
    QVERIFY(!directory.isWritable());

    const Lookup byKey = find(directory, QStringLiteral("second-key"));
    QVERIFY(byKey.synchronous);
    QVERIFY(byKey.app);
    QCOMPARE(byKey.app->id, QStringLiteral("2"));
    QVERIFY(find(directory, QStringLiteral("app-id"), true).app);
    QVERIFY(!find(directory, QStringLiteral("nope")).app);

    bool inCall = true;
    std::optional<AppStoreReply> reply;
    directory.add({}, [&](const AppStoreReply &r) {
        QVERIFY(!inCall); // answered later, never inside the call
        reply = r;
    });
    inCall = false;
    QTRY_VERIFY(reply.has_value());
    QVERIFY(!reply->ok());
    QVERIFY2(reply->error.contains(QLatin1String("read-only")), qPrintable(reply->error));

    std::optional<AppStoreReply> listed;
    directory.list([&](const AppStoreReply &r) { listed = r; });
    QTRY_VERIFY(listed.has_value());
    QCOMPARE(listed->apps.size(), 2);
}

void TestAppDirectory::servesSoketiRows()
{
    QFETCH(QString, backend);
    if (const QString why = m_backends.missing(backend); !why.isEmpty()) {
        QSKIP(qPrintable(why));
    }
    AppStoreConfig config;
    QVERIFY2(prepare(backend, &config), qPrintable(m_backends.lastError()));
    AppDirectory directory(config);

    const Lookup full = find(directory, QStringLiteral("key-1"));
    QVERIFY(full.answered);
    QVERIFY(!full.synchronous); // the store was asked, off this thread
    QVERIFY2(full.app, qPrintable(QStringLiteral("no app; store reachable: %1").arg(directory.storeReachable())));
    const App &a = *full.app;
    QCOMPARE(a.id, QStringLiteral("app-1"));
    QCOMPARE(a.secret, QStringLiteral("secret-1"));
    QCOMPARE(a.maxConnections, 200);
    QVERIFY(a.enableClientMessages);
    QVERIFY(a.enabled);
    QCOMPARE(a.maxBackendEventsPerSecond, 10);
    QCOMPARE(a.maxClientEventsPerSecond, 20);
    QCOMPARE(a.maxReadRequestsPerSecond, 30);
    QCOMPARE(a.webhooks.size(), 1);
    QCOMPARE(
        a.webhooks.at(0).toObject().value(QLatin1String("url")).toString(), QStringLiteral("http://127.0.0.1:9/hook"));
    QCOMPARE(a.maxPresenceMembersPerChannel, 50);
    QCOMPARE(a.maxPresenceMemberSizeInKb, 5.0);
    QCOMPARE(a.maxChannelNameLength, 100);
    QCOMPARE(a.maxEventChannelsAtOnce, 20);
    QCOMPARE(a.maxEventNameLength, 120);
    QCOMPARE(a.maxEventPayloadInKb, 50.0);
    QCOMPARE(a.maxEventBatchSize, 5);
    QVERIFY(a.enableUserAuthentication);

    // NULL columns take the server-wide defaults; max_connections 0 means unlimited (spec §3).
    const Lookup nulls = find(directory, QStringLiteral("app-2"), true);
    QVERIFY(nulls.app);
    QCOMPARE(nulls.app->key, QStringLiteral("key-2"));
    QCOMPARE(nulls.app->maxConnections, -1);
    QCOMPARE(nulls.app->maxBackendEventsPerSecond, -1);
    QVERIFY(nulls.app->webhooks.isEmpty());
    QCOMPARE(nulls.app->maxPresenceMembersPerChannel, 77);
    QCOMPARE(nulls.app->maxEventBatchSize, 7);
    QCOMPARE(nulls.app->maxChannelNameLength, 150);
    QCOMPARE(nulls.app->maxPresenceMemberSizeInKb, App{}.maxPresenceMemberSizeInKb);
    QVERIFY(!nulls.app->enableUserAuthentication);

    const Lookup disabled = find(directory, QStringLiteral("key-3"));
    QVERIFY(disabled.app); // found, and refused by the server (4003)
    QVERIFY(!disabled.app->enabled);

    QVERIFY(!find(directory, QStringLiteral("key-4")).app);
    QVERIFY(directory.storeReachable());

    std::optional<AppStoreReply> listed;
    directory.list([&](const AppStoreReply &r) { listed = r; });
    QTRY_VERIFY(listed.has_value());
    QVERIFY2(listed->ok(), qPrintable(listed->error));
    QCOMPARE(listed->apps.size(), 3);
}

void TestAppDirectory::injectionFindsNothing()
{
    QFETCH(QString, backend);
    if (const QString why = m_backends.missing(backend); !why.isEmpty()) {
        QSKIP(qPrintable(why));
    }
    AppStoreConfig config;
    QVERIFY2(prepare(backend, &config), qPrintable(m_backends.lastError()));
    const QString table = AppStoreTestBackends::table(config);
    AppDirectory directory(config);
    const QStringList attempts{
        QStringLiteral("' OR '1'='1"),
        QStringLiteral("key-1' OR '1'='1"),
        QStringLiteral("key-1' --"),
        QStringLiteral("key-1'; DELETE FROM %1; --").arg(table),
        QStringLiteral("\"; DROP TABLE %1; --").arg(table),
        QStringLiteral("key-1`; DROP TABLE `%1`; --").arg(table),
        QStringLiteral("key-1\\' OR 1=1 #"),
        QStringLiteral("%"),
        QStringLiteral("key-%"),
        QStringLiteral("key-_"),
        QStringLiteral("KEY-1"), // MySQL's default collation is case-insensitive
        QStringLiteral("key-1 "), // ... and ignores trailing spaces
        QStringLiteral("key-1\t"),
        QStringLiteral("1 UNION SELECT * FROM %1").arg(table),
        QString(300, u'k'),
    };
    for (const QString &attempt : attempts) {
        const Lookup byKey = find(directory, attempt);
        QVERIFY2(byKey.answered && !byKey.app, qPrintable(attempt));
        const Lookup byId = find(directory, attempt, true);
        QVERIFY2(byId.answered && !byId.app, qPrintable(attempt));
    }
    QString count;
    QVERIFY2(m_backends.sql(config, QStringLiteral("SELECT COUNT(*) FROM %1").arg(table), &count),
        qPrintable(m_backends.lastError()));
    QCOMPARE(count, QStringLiteral("3"));
    QVERIFY(find(directory, QStringLiteral("key-1")).app);
}

void TestAppDirectory::changesSeenWithinTtl()
{
    QFETCH(QString, backend);
    if (const QString why = m_backends.missing(backend); !why.isEmpty()) {
        QSKIP(qPrintable(why));
    }
    AppStoreConfig config;
    QVERIFY2(prepare(backend, &config), qPrintable(m_backends.lastError()));
    config.cacheEnabled = true;
    config.cacheTtlSeconds = 1;
    const QString table = AppStoreTestBackends::table(config);
    const QString keyColumn =
        config.driver == AppStoreConfig::Driver::MySql ? QStringLiteral("`key`") : QStringLiteral("\"key\"");
    AppDirectory directory(config);
    QSignalSpy changed(&directory, &AppDirectory::appChanged);
    QSignalSpy removed(&directory, &AppDirectory::appRemoved);

    QVERIFY(find(directory, QStringLiteral("key-1")).app);
    const Lookup cached = find(directory, QStringLiteral("key-1"));
    QVERIFY(cached.synchronous);
    QVERIFY(cached.app->enabled);

    // Each change, made by plain SQL behind the directory's back, must show within the TTL (1 s) plus
    // one refresh query; 3 s leaves room for a loaded machine.
    const auto expectChange = [&](const QString &sql, const std::function<bool(const App &)> &check) {
        QVERIFY2(m_backends.sql(config, sql), qPrintable(m_backends.lastError()));
        QElapsedTimer timer;
        timer.start();
        QTRY_VERIFY_WITH_TIMEOUT(check(*find(directory, QStringLiteral("key-1")).app), 3000);
        QVERIFY(find(directory, QStringLiteral("key-1")).synchronous); // still answered from memory
        QVERIFY(!changed.isEmpty());
        QVERIFY(check(*changed.takeLast().at(0).value<AppPtr>()));
        qInfo("%s: change seen after %lld ms", qPrintable(sql.left(40)), timer.elapsed());
    };
    const auto failed = [] { return QTest::currentTestFailed(); };
    expectChange(QStringLiteral("UPDATE %1 SET enabled = %2 WHERE id = 'app-1'")
                     .arg(table,
                         config.driver == AppStoreConfig::Driver::Postgres ? QStringLiteral("0::smallint")
                                                                           : QStringLiteral("0")),
        [](const App &app) { return !app.enabled; });
    if (failed()) {
        return;
    }
    expectChange(QStringLiteral("UPDATE %1 SET secret = 'rotated' WHERE id = 'app-1'").arg(table),
        [](const App &app) { return app.secret == QLatin1String("rotated"); });
    if (failed()) {
        return;
    }
    expectChange(QStringLiteral("UPDATE %1 SET max_connections = 5, max_presence_members_per_channel = NULL "
                                "WHERE id = 'app-1'")
                     .arg(table),
        [](const App &app) { return app.maxConnections == 5 && app.maxPresenceMembersPerChannel == 77; });
    if (failed()) {
        return;
    }

    // An unknown key is remembered only briefly (at most the TTL): a row added later is found.
    QVERIFY(!find(directory, QStringLiteral("key-new")).app);
    QVERIFY(find(directory, QStringLiteral("key-new")).synchronous); // negative-cached
    QVERIFY(m_backends.insertRow(config, QStringLiteral("app-new"), QStringLiteral("key-new"), QStringLiteral("s"),
        QStringLiteral("-1, 0, 1, -1, -1, -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0")));
    QTRY_VERIFY_WITH_TIMEOUT(find(directory, QStringLiteral("key-new")).app, 3000);

    QVERIFY(m_backends.sql(
        config, QStringLiteral("UPDATE %1 SET %2 = 'key-moved' WHERE id = 'app-new'").arg(table, keyColumn)));
    QTRY_VERIFY_WITH_TIMEOUT(!find(directory, QStringLiteral("key-new")).app, 3000);
    QTRY_VERIFY_WITH_TIMEOUT(find(directory, QStringLiteral("key-moved")).app, 3000);

    QVERIFY(m_backends.sql(config, QStringLiteral("DELETE FROM %1 WHERE id = 'app-1'").arg(table)));
    QTRY_VERIFY_WITH_TIMEOUT(removed.contains(QVariantList{QStringLiteral("app-1")}), 3000);
    QVERIFY(!find(directory, QStringLiteral("key-1")).app);
}

void TestAppDirectory::databaseStoppedMidRun_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("postgres") << QStringLiteral("postgres"); // SQLite has no server to stop
    QTest::newRow("mariadb") << QStringLiteral("mariadb");
}

void TestAppDirectory::databaseStoppedMidRun()
{
    QFETCH(QString, backend);
    if (const QString why = m_backends.missing(backend); !why.isEmpty()) {
        QSKIP(qPrintable(why));
    }
    AppStoreConfig config;
    QVERIFY2(prepare(backend, &config), qPrintable(m_backends.lastError()));
    config.cacheEnabled = true;
    config.cacheTtlSeconds = 1;
    config.lookupTimeoutMs = 3000;
    AppDirectory cached(config);
    AppStoreConfig uncachedConfig = config;
    uncachedConfig.cacheEnabled = false; // soketi's default: every lookup asks the store
    AppDirectory uncached(uncachedConfig);
    QVERIFY(find(cached, QStringLiteral("key-1")).app);
    QVERIFY(find(uncached, QStringLiteral("key-1")).app);

    TestDatabaseServer *server = m_backends.server(backend);
    QVERIFY2(server->stop(), qPrintable(server->lastError()));
    // The refresh (every TTL) notices; the cached app keeps being answered at once.
    QTRY_VERIFY_WITH_TIMEOUT(!cached.storeReachable(), 5000);
    for (int i = 0; i < 3; ++i) {
        const Lookup during = find(cached, QStringLiteral("key-1"));
        QVERIFY(during.synchronous);
        QVERIFY(during.app);
        QTest::qWait(400); // across several failed refreshes
    }
    // Without the cache the last copy stands in once the query fails.
    const Lookup stale = find(uncached, QStringLiteral("key-1"));
    QVERIFY(stale.app);
    QVERIFY(!uncached.storeReachable());
    // An app never looked up cannot be found; the answer comes within the lookup timeout.
    const Lookup missing = find(cached, QStringLiteral("key-2"));
    QVERIFY(missing.answered);
    QVERIFY(!missing.app);
    QVERIFY2(missing.elapsedMs < config.lookupTimeoutMs + 1500, qPrintable(QString::number(missing.elapsedMs)));
    qInfo("uncached lookup with the database down answered \"no app\" after %lld ms", missing.elapsedMs);

    QVERIFY2(server->start(), qPrintable(server->lastError()));
    QElapsedTimer back;
    back.start();
    QTRY_VERIFY_WITH_TIMEOUT(find(cached, QStringLiteral("key-2")).app, 20000);
    qInfo("uncached apps found again %lld ms after the database restarted", back.elapsed());
    QTRY_VERIFY_WITH_TIMEOUT(find(uncached, QStringLiteral("key-3")).app, 20000);
    QVERIFY(cached.storeReachable());
}

void TestAppDirectory::frozenDatabaseDelaysOnlyUncachedLookups()
{
    if (const QString why = m_backends.missing(QStringLiteral("mariadb")); !why.isEmpty()) {
        QSKIP(qPrintable(why));
    }
    AppStoreConfig config;
    QVERIFY2(prepare(QStringLiteral("mariadb"), &config), qPrintable(m_backends.lastError()));
    config.cacheEnabled = true;
    config.cacheTtlSeconds = 1;
    config.lookupTimeoutMs = 1000;
    auto directory = std::make_unique<AppDirectory>(config);
    QVERIFY(find(*directory, QStringLiteral("key-1")).app);
    TestDatabaseServer *server = m_backends.server(QStringLiteral("mariadb"));
    QVERIFY2(server->freeze(true), qPrintable(server->lastError()));
    // Connections are accepted by the kernel, queries never answered: the lookup gives up after its
    // timeout, the cached app is answered at once all along.
    const Lookup uncached = find(*directory, QStringLiteral("key-2"));
    QVERIFY(!uncached.app);
    QVERIFY2(uncached.elapsedMs >= 900 && uncached.elapsedMs < 2500, qPrintable(QString::number(uncached.elapsedMs)));
    QVERIFY(!directory->storeReachable());
    const Lookup cached = find(*directory, QStringLiteral("key-1"));
    QVERIFY(cached.synchronous && cached.app);
    qInfo("with the database frozen: uncached lookup answered after %lld ms, cached at once", uncached.elapsedMs);
    QVERIFY(server->freeze(false));
    QTRY_VERIFY_WITH_TIMEOUT(find(*directory, QStringLiteral("key-2")).app, 20000);
    QVERIFY(directory->storeReachable());
}

void TestAppDirectory::lookupLatency()
{
    QFETCH(QString, backend);
    if (const QString why = m_backends.missing(backend); !why.isEmpty()) {
        QSKIP(qPrintable(why));
    }
    AppStoreConfig config;
    QVERIFY2(prepare(backend, &config), qPrintable(m_backends.lastError()));
    AppDirectory uncached(config);
    QVERIFY(find(uncached, QStringLiteral("key-1")).app); // connects
    // Timed inside the callback and driven by an event loop (qWaitFor would add its 10 ms polling step).
    constexpr int queries = 500;
    QList<qint64> micros;
    for (int i = 0; i < queries; ++i) {
        QEventLoop loop;
        QTimer::singleShot(10000, &loop, &QEventLoop::quit);
        QElapsedTimer timer;
        timer.start();
        qint64 ns = -1;
        bool found = false;
        uncached.findByKey(QStringLiteral("key-1"), [&](const AppPtr &app) {
            ns = timer.nsecsElapsed();
            found = app != nullptr;
            loop.quit();
        });
        QVERIFY(ns < 0); // not answered inside the call: the store was asked
        loop.exec();
        QVERIFY(found);
        micros.append(ns / 1000);
    }
    std::sort(micros.begin(), micros.end());

    config.cacheEnabled = true;
    config.cacheTtlSeconds = 60;
    AppDirectory cachedDirectory(config);
    QVERIFY(find(cachedDirectory, QStringLiteral("key-1")).app);
    constexpr int hits = 200000;
    int found = 0;
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < hits; ++i) {
        cachedDirectory.findByKey(QStringLiteral("key-1"), [&found](const AppPtr &app) { found += app ? 1 : 0; });
    }
    const double cachedNs = double(timer.nsecsElapsed()) / hits;
    QCOMPARE(found, hits);
    qInfo("%s lookup latency: uncached median %lld us, p99 %lld us; cached %.0f ns", qPrintable(backend),
        micros.at(queries / 2), micros.at(queries * 99 / 100), cachedNs);
    QVERIFY(cachedNs < micros.at(queries / 2) * 1000.0);
}

void TestAppDirectory::metrics()
{
    MetricsRegistry registry(MetricsConfig{}, 6001);
    AppStoreConfig config;
    QVERIFY2(prepare(QStringLiteral("sqlite"), &config), qPrintable(m_backends.lastError()));
    config.cacheEnabled = true;
    AppDirectory directory(config, registry.appStore());
    QVERIFY(find(directory, QStringLiteral("key-1")).app); // store
    QVERIFY(find(directory, QStringLiteral("key-1")).app); // cache
    QVERIFY(!find(directory, QStringLiteral("key-9")).app); // store, then remembered
    QVERIFY(!find(directory, QStringLiteral("key-9")).app); // cache
    QVERIFY(find(directory, QStringLiteral("app-1"), true).app); // cache (by id)

    const QString text = QString::fromUtf8(PrometheusTextSerializer::serialize(registry.collect()));
    QVERIFY2(
        text.contains(QLatin1String("soketi_app_store_lookups_total{by=\"key\",port=\"6001\"} 4")), qPrintable(text));
    QVERIFY(text.contains(QLatin1String("soketi_app_store_lookups_total{by=\"id\",port=\"6001\"} 1")));
    QVERIFY(text.contains(QLatin1String("soketi_app_store_cache_hits_total{by=\"key\",port=\"6001\"} 2")));
    QVERIFY(text.contains(QLatin1String("soketi_app_store_cache_hits_total{by=\"id\",port=\"6001\"} 1")));
    QVERIFY(text.contains(QLatin1String("soketi_app_store_errors_total{port=\"6001\"} 0")));
    QVERIFY(text.contains(QLatin1String("soketi_app_store_lookup_duration_seconds_count{port=\"6001\"} 2")));
    QVERIFY(!text.contains(QLatin1String("secret-1")));
    QVERIFY(!text.contains(QLatin1String("key-1")));
}

QTEST_GUILESS_MAIN(TestAppDirectory)
#include "tst_appdirectory.moc"
