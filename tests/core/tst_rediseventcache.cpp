// SPDX-License-Identifier: GPL-3.0-or-later
// SOKETI_CACHE_DRIVER=redis against a real redis-server: a published cache-channel event lands under
// soketi's key and value shape, a node started later replays it, a value a soketi node wrote is
// replayed, and a Redis that is gone turns into pusher:cache_miss, never a subscriber left waiting.
#include <memory>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "ClusterTestSupport.h"
#include "PusherTestClient.h"
#include "RedisTestServer.h"
#include "ServerCore.h"
#include "cache/RedisEventCache.h"

using namespace qsoketi;
using Client = PusherTestClient;
using qsoketi::test::RedisTestServer;

class TestRedisEventCache final : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<ServerCore> node()
    {
        ServerConfig config = m_redis.nodeConfig();
        config.cacheDriver = QStringLiteral("redis");
        config.cacheTtlSeconds = 600;
        return RedisTestServer::startNode(config);
    }

    std::unique_ptr<Client> subscribed(const ServerCore &core, const QString &channel)
    {
        auto c = std::make_unique<Client>(core.port());
        if (!QTest::qWaitFor([&] { return c->established(); }, 5000))
            qWarning("no connection_established");
        c->subscribe(channel);
        return c;
    }

    RedisTestServer m_redis;

private slots:
    void initTestCase()
    {
        if (RedisTestServer::binary().isEmpty())
            QSKIP("redis-server is not installed");
        QVERIFY2(m_redis.start(), "redis-server did not start");
    }

    void publishedEventIsStoredUnderSoketisKey()
    {
        auto a = node();
        const QByteArray body = "{\"name\":\"state\",\"channel\":\"cache-room\",\"data\":\"{\\\"x\\\":1}\"}";
        // The connection to Redis is made in the background.
        QTRY_VERIFY_WITH_TIMEOUT((rest(a->port(), "POST", QStringLiteral("/apps/app-id/events"), {}, body).first == 200
                                     && !m_redis.get("app:app-id:channel:cache-room:cache_miss").isNull()),
            5000);
        const QJsonObject stored =
            QJsonDocument::fromJson(m_redis.get("app:app-id:channel:cache-room:cache_miss")).object();
        QCOMPARE(stored.value(QStringLiteral("event")).toString(), QStringLiteral("state"));
        QCOMPARE(stored.value(QStringLiteral("data")).toString(), QStringLiteral("{\"x\":1}"));
        QCOMPARE(stored.size(), 2);
        const QByteArray ttl = m_redis.command({"TTL", "app:app-id:channel:cache-room:cache_miss"});
        QVERIFY2(ttl.startsWith(':'), ttl.constData());
        const int seconds = ttl.mid(1).trimmed().toInt();
        QVERIFY2(seconds > 590 && seconds <= 600, ttl.constData());
    }

    void nodeStartedLaterReplaysWhatRedisHas()
    {
        // Stored by the node of the test above, which is gone: this node never saw the event.
        auto b = node();
        auto c = subscribed(*b, QStringLiteral("cache-room"));
        QTRY_COMPARE(c->count(QStringLiteral("state")), 1);
        QCOMPARE(c->count(QStringLiteral("pusher:cache_miss")), 0);
        QCOMPARE(
            c->find(QStringLiteral("state")).value(QStringLiteral("data")).toString(), QStringLiteral("{\"x\":1}"));
        QCOMPARE(
            c->find(QStringLiteral("state")).value(QStringLiteral("channel")).toString(), QStringLiteral("cache-room"));
    }

    void valueWrittenBySoketiIsReplayed()
    {
        QCOMPARE(m_redis.command({"SET", "app:app-id:channel:private-cache-x:cache_miss",
                     "{\"event\":\"from-soketi\",\"data\":{\"n\":2}}"}),
            QByteArray("+OK\r\n"));
        auto b = node();
        auto c = std::make_unique<Client>(b->port());
        QTRY_VERIFY(c->established());
        c->subscribe(QStringLiteral("private-cache-x"));
        QTRY_COMPARE(c->count(QStringLiteral("from-soketi")), 1);
        const QJsonValue data = c->find(QStringLiteral("from-soketi")).value(QStringLiteral("data"));
        QCOMPARE(data.toObject().value(QStringLiteral("n")).toInt(), 2);
        QCOMPARE(c->count(QStringLiteral("pusher:cache_miss")), 0);
    }

    void nothingInRedisIsAMiss()
    {
        auto b = node();
        auto c = subscribed(*b, QStringLiteral("cache-empty"));
        QTRY_COMPARE(c->count(QStringLiteral("pusher:cache_miss")), 1);
    }

    void valueShapes()
    {
        QCOMPARE(RedisEventCache::keyOf(QStringLiteral("7"), QStringLiteral("cache-a")),
            QByteArray("app:7:channel:cache-a:cache_miss"));
        QCOMPARE(RedisEventCache::valueOf(QStringLiteral("e\"v"), "\"d\""),
            QByteArray("{\"event\":\"e\\\"v\",\"data\":\"d\"}"));
        QVERIFY(RedisEventCache::messageOf(QStringLiteral("c"), "not json").isEmpty());
        QVERIFY(RedisEventCache::messageOf(QStringLiteral("c"), "{\"data\":1}").isEmpty());
        const QJsonObject m =
            QJsonDocument::fromJson(RedisEventCache::messageOf(QStringLiteral("c"), "{\"event\":\"e\",\"data\":\"x\"}"))
                .object();
        QCOMPARE(m.value(QStringLiteral("event")).toString(), QStringLiteral("e"));
        QCOMPARE(m.value(QStringLiteral("channel")).toString(), QStringLiteral("c"));
        QCOMPARE(m.value(QStringLiteral("data")).toString(), QStringLiteral("x"));
    }

    // Last: it stops Redis.
    void redisGoneIsAMissNotAHang()
    {
        auto b = node();
        QTest::qWait(200);
        m_redis.stop();
        auto c = subscribed(*b, QStringLiteral("cache-room"));
        QTRY_COMPARE_WITH_TIMEOUT(c->count(QStringLiteral("pusher:cache_miss")), 1, 3000);
        // The node serves on: a public channel still subscribes.
        c->subscribe(QStringLiteral("plain"));
        QTRY_VERIFY(c->has(QStringLiteral("pusher_internal:subscription_succeeded"), QStringLiteral("plain")));
    }
};

QTEST_MAIN(TestRedisEventCache)
#include "tst_rediseventcache.moc"
