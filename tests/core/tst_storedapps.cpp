// SPDX-License-Identifier: GPL-3.0-or-later
// The server with apps in a database (SQLite, PostgreSQL 15, MariaDB 10.11): WebSocket clients and signed
// REST calls use stored keys and secrets; changes made in the store reach open connections without a restart.
#include <optional>

#include <QCryptographicHash>
#include <QDateTime>
#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>
#include <QUrlQuery>

#include "AppStoreTestBackends.h"
#include "LoopbackConfig.h"
#include "PusherTestClient.h"
#include "ServerCore.h"
#include "ServerWorker.h"
#include "apps/AppDirectory.h"
#include "auth/HmacSigner.h"
#include "auth/RestRequestVerifier.h"

using namespace qsoketi;

namespace {

struct Answer
{
    int status = 0;
    QByteArray body;
};

// A WebSocket client of one app; closeCode() once the server has closed it.
struct Client
{
    Client(quint16 port, const QString &key)
        : pusher(port, key)
    {}
    bool waitEstablished()
    {
        return QTest::qWaitFor([this] { return pusher.established() || pusher.closed; }, 5000) && pusher.established();
    }
    int waitClosed(int timeoutMs = 5000)
    {
        if (!QTest::qWaitFor([this] { return pusher.closed; }, timeoutMs))
            return -1;
        return int(pusher.socket.closeCode());
    }
    // Subscribes to a private channel signed with this key and secret.
    void subscribePrivate(const QString &channel, const QString &key, const QByteArray &secret)
    {
        const QString auth =
            key + u':' + QString::fromLatin1(HmacSigner::sign(secret, (pusher.socketId() + u':' + channel).toUtf8()));
        pusher.subscribeWithAuth(channel, auth);
    }
    PusherTestClient pusher;
};

} // namespace

class TestStoredApps final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void servesStoredApps_data() { AppStoreTestBackends::addRows(); }
    void servesStoredApps();
    void writesThroughTheDirectoryTakeEffectAtOnce();
    void cacheChannelsReachWorkersThatNeverMetTheApp();
    void deadStoreKeepsCachedApps();

private:
    bool prepare(const QString &backend, AppStoreConfig *config);
    static ServerConfig serverConfig(const AppStoreConfig &store);
    Answer rest(quint16 port, const QByteArray &method, const QString &path, const QString &key,
        const QByteArray &secret, const QByteArray &body = {});

    AppStoreTestBackends m_backends;
    QNetworkAccessManager m_network;
};

void TestStoredApps::initTestCase()
{
    QVERIFY2(m_backends.start(), qPrintable(m_backends.lastError()));
}

bool TestStoredApps::prepare(const QString &backend, AppStoreConfig *config)
{
    *config = m_backends.config(backend);
    config->cacheEnabled = true;
    config->cacheTtlSeconds = 1;
    // soketi's table, rows by plain SQL: app-1 with client events and
    // 20-character event names, app-2 with NULL limits, app-3 disabled.
    return m_backends.createSoketiTable(*config)
        && m_backends.insertRow(*config, QStringLiteral("app-1"), QStringLiteral("key-1"), QStringLiteral("secret-1"),
            QStringLiteral("0, 1, 1, -1, -1, -1, NULL, 100, 2, 100, 20, 20, 50, 5, 0"))
        && m_backends.insertRow(*config, QStringLiteral("app-2"), QStringLiteral("key-2"), QStringLiteral("secret-2"),
            QStringLiteral("0, 0, 1, -1, -1, -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0"))
        && m_backends.insertRow(*config, QStringLiteral("app-3"), QStringLiteral("key-3"), QStringLiteral("secret-3"),
            QStringLiteral("-1, 0, 0, -1, -1, -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0"));
}

ServerConfig TestStoredApps::serverConfig(const AppStoreConfig &store)
{
    ServerConfig config = test::loopbackConfig();
    config.apps.clear(); // as the config loader leaves it for a database driver: never the default app
    config.appStore = store;
    return config;
}

Answer TestStoredApps::rest(quint16 port, const QByteArray &method, const QString &path, const QString &key,
    const QByteArray &secret, const QByteArray &body)
{
    QList<QPair<QString, QString>> query{{QStringLiteral("auth_key"), key},
        {QStringLiteral("auth_timestamp"), QString::number(QDateTime::currentSecsSinceEpoch())},
        {QStringLiteral("auth_version"), QStringLiteral("1.0")}};
    if (!body.isEmpty())
        query.append({QStringLiteral("body_md5"),
            QString::fromLatin1(QCryptographicHash::hash(body, QCryptographicHash::Md5).toHex())});
    query.append({QStringLiteral("auth_signature"),
        QString::fromLatin1(HmacSigner::sign(secret, RestRequestVerifier::stringToSign(method, path, query)))});
    QUrlQuery urlQuery;
    urlQuery.setQueryItems(query);
    QUrl url(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path));
    url.setQuery(urlQuery);
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    std::unique_ptr<QNetworkReply> reply(method == "POST" ? m_network.post(request, body) : m_network.get(request));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(10000))
        return {};
    return {reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll()};
}

void TestStoredApps::servesStoredApps()
{
    QFETCH(QString, backend);
    if (const QString why = m_backends.missing(backend); !why.isEmpty())
        QSKIP(qPrintable(why));
    AppStoreConfig store;
    QVERIFY2(prepare(backend, &store), qPrintable(m_backends.lastError()));
    ServerCore server(serverConfig(store));
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));
    const quint16 port = server.port();

    // A stored key connects and signs private channels with its stored secret.
    Client one(port, QStringLiteral("key-1"));
    QVERIFY(one.waitEstablished());
    one.subscribePrivate(QStringLiteral("private-room"), QStringLiteral("key-1"), "secret-1");
    QTRY_VERIFY(one.pusher.has(QStringLiteral("pusher_internal:subscription_succeeded")));
    // The default app of the config is not there; unknown and disabled keys are refused.
    QCOMPARE(Client(port, QStringLiteral("app-key")).waitClosed(), 4001);
    QCOMPARE(Client(port, QStringLiteral("key-3")).waitClosed(), 4003);

    // The HTTP API: stored secrets sign; another secret, a disabled app and an unknown one are refused.
    const QByteArray event = "{\"name\":\"greet\",\"channel\":\"private-room\",\"data\":\"{\\\"hi\\\":1}\"}";
    QCOMPARE(
        rest(port, "POST", QStringLiteral("/apps/app-1/events"), QStringLiteral("key-1"), "secret-1", event).status,
        200);
    QTRY_VERIFY(one.pusher.has(QStringLiteral("greet"), QStringLiteral("private-room")));
    QCOMPARE(
        rest(port, "GET", QStringLiteral("/apps/app-1/channels"), QStringLiteral("key-1"), "secret-2").status, 401);
    QCOMPARE(
        rest(port, "GET", QStringLiteral("/apps/app-3/channels"), QStringLiteral("key-3"), "secret-3").status, 403);
    QCOMPARE(
        rest(port, "GET", QStringLiteral("/apps/app-9/channels"), QStringLiteral("key-9"), "secret-9").status, 404);
    const Answer channels =
        rest(port, "GET", QStringLiteral("/apps/app-1/channels"), QStringLiteral("key-1"), "secret-1");
    QCOMPARE(channels.status, 200);
    QVERIFY2(channels.body.contains("private-room"), channels.body.constData());
    // NULL limits are the server's defaults; a limit set in the row is the app's (max_event_name_length 20).
    const QByteArray longName = "{\"name\":\"an-event-name-of-30-characters\",\"channel\":\"c\",\"data\":\"x\"}";
    QCOMPARE(
        rest(port, "POST", QStringLiteral("/apps/app-1/events"), QStringLiteral("key-1"), "secret-1", longName).status,
        400);
    QCOMPARE(
        rest(port, "POST", QStringLiteral("/apps/app-2/events"), QStringLiteral("key-2"), "secret-2", longName).status,
        200);

    // Changes made by plain SQL reach open connections within the cache TTL (1 s), without a restart.
    const QString table = AppStoreTestBackends::table(store);
    const QString off =
        store.driver == AppStoreConfig::Driver::Postgres ? QStringLiteral("0::smallint") : QStringLiteral("0");
    QVERIFY(m_backends.sql(store, QStringLiteral("UPDATE %1 SET secret = 'secret-1b' WHERE id = 'app-1'").arg(table)));
    QTRY_COMPARE_WITH_TIMEOUT(
        rest(port, "GET", QStringLiteral("/apps/app-1/channels"), QStringLiteral("key-1"), "secret-1").status, 401,
        4000);
    QCOMPARE(
        rest(port, "GET", QStringLiteral("/apps/app-1/channels"), QStringLiteral("key-1"), "secret-1b").status, 200);
    QElapsedTimer disabling;
    disabling.start();
    QVERIFY(m_backends.sql(store, QStringLiteral("UPDATE %1 SET enabled = %2 WHERE id = 'app-1'").arg(table, off)));
    QCOMPARE(one.waitClosed(4000), 4003);
    qInfo("%s: an app disabled in the store closed its connection after %lld ms", qPrintable(backend),
        disabling.elapsed());
    QCOMPARE(Client(port, QStringLiteral("key-1")).waitClosed(), 4003);
    QCOMPARE(
        rest(port, "GET", QStringLiteral("/apps/app-1/channels"), QStringLiteral("key-1"), "secret-1b").status, 403);

    Client two(port, QStringLiteral("key-2"));
    QVERIFY(two.waitEstablished());
    QVERIFY(m_backends.sql(store, QStringLiteral("DELETE FROM %1 WHERE id = 'app-2'").arg(table)));
    QCOMPARE(two.waitClosed(4000), 4001);
}

void TestStoredApps::writesThroughTheDirectoryTakeEffectAtOnce()
{
    // What `qsoketi apps` and the dashboard do, on the embedded store qsoketi creates itself.
    AppStoreConfig store = m_backends.config(QStringLiteral("sqlite"));
    ServerCore server(serverConfig(store));
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));
    const quint16 port = server.port();
    AppDirectory &apps = server.appDirectory();

    const auto wait = [](auto operation) {
        std::optional<AppStoreReply> reply;
        operation([&reply](const AppStoreReply &r) { reply = r; });
        [[maybe_unused]] const bool answered = QTest::qWaitFor([&reply] { return reply.has_value(); }, 10000);
        return reply.value_or(AppStoreReply::failure(QStringLiteral("no reply")));
    };
    const AppStoreReply added = wait([&](auto done) { apps.add(QJsonObject{}, done); });
    QVERIFY2(added.ok() && added.apps.size() == 1, qPrintable(added.error));
    const AppPtr app = added.apps.first();

    Client client(port, app->key);
    QVERIFY(client.waitEstablished());
    client.subscribePrivate(QStringLiteral("private-a"), app->key, app->secret.toUtf8());
    QTRY_VERIFY(client.pusher.has(QStringLiteral("pusher_internal:subscription_succeeded")));

    // A rotation with a grace period: both secrets sign until it ends.
    const AppStoreReply rotated = wait([&](auto done) { apps.rotateSecret(app->id, 60, done); });
    QVERIFY2(rotated.ok() && rotated.apps.size() == 1, qPrintable(rotated.error));
    const QByteArray newSecret = rotated.apps.first()->secret.toUtf8();
    QVERIFY(newSecret != app->secret.toUtf8());
    const QString channelsPath = QStringLiteral("/apps/%1/channels").arg(app->id);
    QCOMPARE(rest(port, "GET", channelsPath, app->key, app->secret.toUtf8()).status, 200);
    QCOMPARE(rest(port, "GET", channelsPath, app->key, newSecret).status, 200);
    client.subscribePrivate(QStringLiteral("private-b"), app->key, app->secret.toUtf8());
    QTRY_VERIFY(
        client.pusher.has(QStringLiteral("pusher_internal:subscription_succeeded"), QStringLiteral("private-b")));
    // Without a grace period the replaced secret stops at once.
    const AppStoreReply again = wait([&](auto done) { apps.rotateSecret(app->id, 0, done); });
    QVERIFY2(again.ok(), qPrintable(again.error));
    QCOMPARE(rest(port, "GET", channelsPath, app->key, newSecret).status, 401);
    QCOMPARE(rest(port, "GET", channelsPath, app->key, again.apps.first()->secret.toUtf8()).status, 200);

    QVERIFY(wait([&](auto done) { apps.setEnabled(app->id, false, done); }).ok());
    QCOMPARE(client.waitClosed(2000), 4003);
    QVERIFY(wait([&](auto done) { apps.setEnabled(app->id, true, done); }).ok());
    Client back(port, app->key);
    QVERIFY(back.waitEstablished());
    QVERIFY(wait([&](auto done) { apps.remove(app->id, done); }).ok());
    QCOMPARE(back.waitClosed(2000), 4001);
    QCOMPARE(Client(port, app->key).waitClosed(), 4001);
}

void TestStoredApps::deadStoreKeepsCachedApps()
{
    const QString backend = QStringLiteral("postgres");
    if (const QString why = m_backends.missing(backend); !why.isEmpty())
        QSKIP(qPrintable(why));
    AppStoreConfig store;
    QVERIFY2(prepare(backend, &store), qPrintable(m_backends.lastError()));
    store.lookupTimeoutMs = 2000;
    ServerCore server(serverConfig(store));
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));
    const quint16 port = server.port();
    Client first(port, QStringLiteral("key-1"));
    QVERIFY(first.waitEstablished());

    TestDatabaseServer *db = m_backends.server(backend);
    QVERIFY2(db->stop(), qPrintable(db->lastError()));
    QTRY_VERIFY_WITH_TIMEOUT(!server.appDirectory().storeReachable(), 5000);
    // The cached app keeps working: open connections stay, new ones are admitted, REST answers.
    Client second(port, QStringLiteral("key-1"));
    QVERIFY(second.waitEstablished());
    QVERIFY(!first.pusher.closed);
    QCOMPARE(
        rest(port, "GET", QStringLiteral("/apps/app-1/channels"), QStringLiteral("key-1"), "secret-1").status, 200);
    // An app never looked up cannot be found: clients are told to retry later (4100), REST says 503.
    Client uncached(port, QStringLiteral("key-2"));
    QCOMPARE(uncached.waitClosed(8000), 4100);
    QCOMPARE(
        rest(port, "GET", QStringLiteral("/apps/app-2/channels"), QStringLiteral("key-2"), "secret-2").status, 503);

    QVERIFY2(db->start(), qPrintable(db->lastError()));
    QTRY_VERIFY_WITH_TIMEOUT(Client(port, QStringLiteral("key-2")).waitEstablished(), 30000);
}

void TestStoredApps::cacheChannelsReachWorkersThatNeverMetTheApp()
{
    // Two workers: an app from the store is met by each on first use. A cache channel's event published
    // before any client of the app came to the other worker must still be there for that client.
    AppStoreConfig store = m_backends.config(QStringLiteral("sqlite"));
    ServerConfig config = serverConfig(store);
    config.workers = 2;
    ServerCore server(config);
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));
    std::optional<AppStoreReply> added;
    server.appDirectory().add(QJsonObject{}, [&added](const AppStoreReply &r) { added = r; });
    QVERIFY(QTest::qWaitFor([&added] { return added.has_value(); }, 10000));
    QVERIFY2(added->ok() && added->apps.size() == 1, qPrintable(added->error));
    const AppPtr app = added->apps.first();

    const QByteArray body = "{\"name\":\"price\",\"channel\":\"cache-eur\",\"data\":\"{\\\"v\\\":7}\"}";
    QCOMPARE(rest(server.port(), "POST", QStringLiteral("/apps/%1/events").arg(app->id), app->key, app->secret.toUtf8(),
                 body)
                 .status,
        200);
    // Two connections in a row are dealt to the two workers.
    Client first(server.port(), app->key), second(server.port(), app->key);
    QVERIFY(first.waitEstablished() && second.waitEstablished());
    QTRY_COMPARE(server.worker(0).connectionCount() + server.worker(1).connectionCount(), 2);
    QCOMPARE(server.worker(0).connectionCount(), 1);
    for (Client *c : {&first, &second}) {
        c->pusher.subscribe(QStringLiteral("cache-eur"));
        QTRY_VERIFY(c->pusher.has(QStringLiteral("price"), QStringLiteral("cache-eur")));
        QVERIFY(!c->pusher.has(QStringLiteral("pusher:cache_miss")));
    }
}

QTEST_MAIN(TestStoredApps)
#include "tst_storedapps.moc"
