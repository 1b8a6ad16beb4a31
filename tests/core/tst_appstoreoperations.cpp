// SPDX-License-Identifier: GPL-3.0-or-later
// The writes of `qsoketi apps` and the dashboard (AppStoreOperations) through AppDirectory, against an
// SQLite file, PostgreSQL 15 and MariaDB 10.11: generated credentials, secret rotation with and without a
// grace period, disable/enable/remove and the signals a server acts on, and another directory (another
// process's view) seeing each change.
#include <memory>
#include <optional>

#include <QDateTime>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include "AppStoreTestBackends.h"
#include "apps/AppDirectory.h"

using namespace qsoketi;

namespace {

// Runs one directory operation and waits for its reply.
AppStoreReply await(const std::function<void(AppDirectory::ReplyCallback)> &operation)
{
    auto reply = std::make_shared<std::optional<AppStoreReply>>();
    operation([reply](const AppStoreReply &r) { *reply = r; });
    if (!QTest::qWaitFor([&reply] { return reply->has_value(); }, 20000)) {
        return AppStoreReply::failure(QStringLiteral("no reply within 20 s"));
    }
    return **reply;
}

AppPtr findKey(AppDirectory &directory, const QString &key)
{
    auto state = std::make_shared<std::pair<bool, AppPtr>>();
    directory.findByKey(key, [state](AppPtr app) { *state = {true, std::move(app)}; });
    return QTest::qWaitFor([&state] { return state->first; }, 20000) ? state->second : nullptr;
}

} // namespace

class TestAppStoreOperations final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        qRegisterMetaType<AppPtr>();
        QVERIFY2(m_backends.start(), qPrintable(m_backends.lastError()));
    }
    void addGeneratesCredentials_data() { AppStoreTestBackends::addRows(); }
    void addGeneratesCredentials();
    void rotateSecret_data() { AppStoreTestBackends::addRows(); }
    void rotateSecret();
    void disableEnableRemove_data() { AppStoreTestBackends::addRows(); }
    void disableEnableRemove();

private:
    // A soketi table made by plain SQL, except for SQLite, whose store makes its own.
    AppStoreConfig prepare(const QString &backend)
    {
        AppStoreConfig config = m_backends.config(backend);
        if (backend != QLatin1String("sqlite") && !m_backends.createSoketiTable(config)) {
            qWarning("%s", qPrintable(m_backends.lastError()));
        }
        return config;
    }

    AppStoreTestBackends m_backends;
};

void TestAppStoreOperations::addGeneratesCredentials()
{
    QFETCH(QString, backend);
    if (const QString why = m_backends.missing(backend); !why.isEmpty()) {
        QSKIP(qPrintable(why));
    }
    AppStoreConfig config = prepare(backend);
    config.cacheEnabled = true;
    config.cacheTtlSeconds = 60;
    AppDirectory admin(config);
    AppStoreConfig serverConfig = config;
    serverConfig.cacheEnabled = false;
    AppDirectory server(serverConfig); // another process's view of the same store

    const AppStoreReply added = await([&](auto done) { admin.add({}, done); });
    QVERIFY2(added.ok(), qPrintable(added.error));
    const AppPtr app = added.first();
    QVERIFY(QRegularExpression(QStringLiteral("^[1-9][0-9]{8}$")).match(app->id).hasMatch());
    QVERIFY(QRegularExpression(QStringLiteral("^[0-9a-f]{20}$")).match(app->key).hasMatch());
    QVERIFY(QRegularExpression(QStringLiteral("^[0-9a-f]{32}$")).match(app->secret).hasMatch());
    QVERIFY(app->enabled);
    QCOMPARE(app->maxPresenceMembersPerChannel, 77);

    // Usable at once: here from memory, elsewhere from the store.
    bool synchronous = false;
    admin.findByKey(app->key, [&synchronous](const AppPtr &found) { synchronous = found != nullptr; });
    QVERIFY(synchronous);
    const AppPtr seen = findKey(server, app->key);
    QVERIFY(seen);
    QCOMPARE(seen->secret, app->secret);

    const QJsonObject given{{QStringLiteral("id"), QStringLiteral("my-app")},
        {QStringLiteral("key"), QStringLiteral("my-key")}, {QStringLiteral("enableClientMessages"), true},
        {QStringLiteral("maxConnections"), 10}};
    const AppStoreReply mine = await([&](auto done) { admin.add(given, done); });
    QVERIFY2(mine.ok(), qPrintable(mine.error));
    QCOMPARE(mine.first()->id, QStringLiteral("my-app"));
    QCOMPARE(mine.first()->key, QStringLiteral("my-key"));
    QVERIFY(mine.first()->enableClientMessages);
    QCOMPARE(mine.first()->maxConnections, 10);
    QVERIFY(await([&](auto done) { admin.add(given, done); }).error.contains(QLatin1String("already exists")));

    const AppStoreReply listed = await([&](auto done) { server.list(done); });
    QCOMPARE(listed.apps.size(), 2);
    const AppStoreReply got = await([&](auto done) { server.get(QStringLiteral("my-app"), done); });
    QCOMPARE(got.first()->key, QStringLiteral("my-key"));
}

void TestAppStoreOperations::rotateSecret()
{
    QFETCH(QString, backend);
    if (const QString why = m_backends.missing(backend); !why.isEmpty()) {
        QSKIP(qPrintable(why));
    }
    AppStoreConfig config = prepare(backend);
    AppDirectory directory(config);
    QSignalSpy changed(&directory, &AppDirectory::appChanged);
    const AppStoreReply added = await([&](auto done) { directory.add({}, done); });
    QVERIFY2(added.ok(), qPrintable(added.error));
    const QString id = added.first()->id;
    const QString first = added.first()->secret;

    AppStoreReply rotated = await([&](auto done) { directory.rotateSecret(id, 0, done); });
    QVERIFY2(rotated.ok(), qPrintable(rotated.error));
    QVERIFY(rotated.first()->secret != first);
    QVERIFY(rotated.first()->previousSecret.isEmpty());
    QCOMPARE(changed.last().at(0).value<AppPtr>()->secret, rotated.first()->secret);
    QString second = rotated.first()->secret;

    // A grace period needs qsoketi's two columns, which a table made for soketi lacks: the refusal says
    // how to add them.
    rotated = await([&](auto done) { directory.rotateSecret(id, 60, done); });
    if (backend != QLatin1String("sqlite")) {
        QVERIFY(!rotated.ok());
        QVERIFY2(rotated.error.contains(QLatin1String("ALTER TABLE")), qPrintable(rotated.error));
        QCOMPARE(findKey(directory, added.first()->key)->secret, second); // nothing changed
        const QString table = AppStoreTestBackends::table(config);
        const bool mysql = config.driver == AppStoreConfig::Driver::MySql;
        QVERIFY(m_backends.sql(config,
            QStringLiteral("ALTER TABLE %1 ADD COLUMN previous_secret varchar(255) NULL; "
                           "ALTER TABLE %1 ADD COLUMN previous_secret_valid_until bigint NULL")
                .arg(mysql ? u'`' + table + u'`' : table)));
    } else {
        QVERIFY2(rotated.ok(), qPrintable(rotated.error)); // qsoketi's own SQLite table has them
        QCOMPARE(rotated.first()->previousSecret, second);
        second = rotated.first()->secret;
    }
    rotated = await([&](auto done) { directory.rotateSecret(id, 60, done, nullptr, QStringLiteral("chosen-secret")); });
    QVERIFY2(rotated.ok(), qPrintable(rotated.error));
    QCOMPARE(rotated.first()->secret, QStringLiteral("chosen-secret"));
    QCOMPARE(rotated.first()->previousSecret, second);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(rotated.first()->previousSecretValidUntilMs > now + 50000);
    QVERIFY(rotated.first()->previousSecretValidUntilMs <= now + 60000);

    // Rotating again without grace ends the old secret's grace at once.
    rotated = await([&](auto done) { directory.rotateSecret(id, 0, done); });
    QVERIFY2(rotated.ok(), qPrintable(rotated.error));
    QVERIFY(rotated.first()->previousSecret.isEmpty());
    QCOMPARE(rotated.first()->previousSecretValidUntilMs, 0);
    QVERIFY(await([&](auto done) {
        directory.rotateSecret(QStringLiteral("nope"), 0, done);
    }).error.contains(QLatin1String("no app")));
}

void TestAppStoreOperations::disableEnableRemove()
{
    QFETCH(QString, backend);
    if (const QString why = m_backends.missing(backend); !why.isEmpty()) {
        QSKIP(qPrintable(why));
    }
    AppStoreConfig config = prepare(backend);
    AppDirectory admin(config);
    AppStoreConfig serverConfig = config;
    serverConfig.cacheEnabled = true;
    serverConfig.cacheTtlSeconds = 1;
    AppDirectory server(serverConfig);
    QSignalSpy serverChanged(&server, &AppDirectory::appChanged);
    QSignalSpy serverRemoved(&server, &AppDirectory::appRemoved);
    QSignalSpy adminChanged(&admin, &AppDirectory::appChanged);

    const AppStoreReply added = await([&](auto done) { admin.add({}, done); });
    QVERIFY2(added.ok(), qPrintable(added.error));
    const QString id = added.first()->id;
    const QString key = added.first()->key;
    QVERIFY(findKey(server, key)->enabled);

    const AppStoreReply disabled = await([&](auto done) { admin.setEnabled(id, false, done); });
    QVERIFY2(disabled.ok(), qPrintable(disabled.error));
    QVERIFY(!disabled.first()->enabled);
    QVERIFY(!adminChanged.last().at(0).value<AppPtr>()->enabled);
    // The server process learns it from its next refresh (TTL 1 s).
    QTRY_VERIFY_WITH_TIMEOUT(!serverChanged.isEmpty(), 3000);
    QVERIFY(!serverChanged.last().at(0).value<AppPtr>()->enabled);
    QVERIFY(!findKey(server, key)->enabled);

    QVERIFY(await([&](auto done) { admin.setEnabled(id, true, done); }).first()->enabled);
    const AppStoreReply limited = await([&](auto done) {
        admin.update(id, QJsonObject{{QStringLiteral("maxClientEventsPerSecond"), 5}}, done);
    });
    QCOMPARE(limited.first()->maxClientEventsPerSecond, 5);
    QTRY_VERIFY_WITH_TIMEOUT(
        findKey(server, key)->maxClientEventsPerSecond == 5 && findKey(server, key)->enabled, 3000);

    QVERIFY(await([&](auto done) { admin.remove(id, done); }).ok());
    QTRY_VERIFY_WITH_TIMEOUT(serverRemoved.contains(QVariantList{id}), 3000);
    QVERIFY(!findKey(server, key));
    QVERIFY(!findKey(admin, key));
    QVERIFY(await([&](auto done) { admin.remove(id, done); }).error.contains(QLatin1String("no app")));
}

QTEST_GUILESS_MAIN(TestAppStoreOperations)
#include "tst_appstoreoperations.moc"
