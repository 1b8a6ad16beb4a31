// SPDX-License-Identifier: GPL-3.0-or-later
// SOKETI_RATE_LIMITER_DRIVER=redis against a real redis-server: two nodes on one Redis spend one
// budget per app (backend events, read requests) under soketi's keys, refuse with soketi's 429 headers
// once it is spent within the second, allow again in the next window, and allow at once (fail open)
// when Redis is gone or does not answer within the requests timeout.
#include <memory>

#include <QElapsedTimer>
#include <QTest>

#include "ClusterTestSupport.h"
#include "RedisTestServer.h"
#include "ServerCore.h"
#include "channels/RedisRateLimiter.h"

using namespace qsoketi;
using qsoketi::test::RedisTestServer;

namespace {

const QByteArray kEventsKey = "app:app-id:app-id:backend:events";
const QByteArray kReadsKey = "app:app-id:app-id:backend:request_read";

QByteArray eventTo(int channels)
{
    QByteArray list;
    for (int i = 0; i < channels; ++i)
        list += (i ? ",\"c" : "\"c") + QByteArray::number(i) + '"';
    return "{\"name\":\"e\",\"channels\":[" + list + "],\"data\":\"{}\"}";
}

} // namespace

class TestRedisRateLimiter final : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<ServerCore> node()
    {
        ServerConfig config = m_redis.nodeConfig();
        config.rateLimiterDriver = QStringLiteral("redis");
        config.apps[0].maxBackendEventsPerSecond = 4;
        config.apps[0].maxReadRequestsPerSecond = 3;
        return RedisTestServer::startNode(config);
    }

    int publish(const ServerCore &n, int channels)
    {
        return restAnswer(n.port(), "POST", QStringLiteral("/apps/app-id/events"), {}, eventTo(channels)).status;
    }

    // Both nodes count in Redis (their connections are made in the background), then a fresh window.
    void warmUp(const ServerCore &a, const ServerCore &b, const QByteArray &key, bool events)
    {
        for (const ServerCore *n : {&a, &b}) {
            m_redis.command({"DEL", key});
            QTRY_VERIFY_WITH_TIMEOUT(
                ((events ? publish(*n, 1)
                         : restAnswer(n->port(), "GET", QStringLiteral("/apps/app-id/channels")).status)
                    && !m_redis.get(key).isNull()),
                5000);
        }
        m_redis.command({"DEL", key});
    }

    RedisTestServer m_redis;

private slots:
    void initTestCase()
    {
        if (RedisTestServer::binary().isEmpty())
            QSKIP("redis-server is not installed");
        QVERIFY2(m_redis.start(), "redis-server did not start");
    }

    void keysAndHeaders()
    {
        QCOMPARE(RedisRateLimiter::backendEventsKey(QStringLiteral("7")), QByteArray("app:7:7:backend:events"));
        QCOMPARE(RedisRateLimiter::readRequestsKey(QStringLiteral("7")), QByteArray("app:7:7:backend:request_read"));
        RedisRateLimiter::Verdict v;
        QVERIFY(RedisRateLimiter::headersOf(v).isEmpty()); // failed open: nothing counted, nothing to say
        v.counted = true;
        v.allowed = false;
        v.limit = 4;
        v.remaining = 0;
        v.msBeforeNext = 250;
        const QList<QPair<QByteArray, QByteArray>> expected{
            {"Retry-After", "0.25"}, {"X-RateLimit-Limit", "4"}, {"X-RateLimit-Remaining", "0"}};
        QCOMPARE(RedisRateLimiter::headersOf(v), expected);
    }

    void backendEventsShareOneBudget()
    {
        auto a = node();
        auto b = node();
        warmUp(*a, *b, kEventsKey, true);
        // Three publishes must land in one 1-second window; on a loaded machine, try again.
        bool inOneWindow = false;
        for (int attempt = 0; attempt < 5 && !inOneWindow; ++attempt) {
            QTRY_VERIFY(m_redis.get(kEventsKey).isNull());
            QElapsedTimer window;
            window.start();
            QCOMPARE(publish(*a, 2), 200); // 2 of 4
            QCOMPARE(publish(*b, 2), 200); // 4 of 4, spent on another node
            const RestAnswer refused =
                restAnswer(a->port(), "POST", QStringLiteral("/apps/app-id/events"), {}, eventTo(1));
            if (window.elapsed() >= 900)
                continue;
            inOneWindow = true;
            QCOMPARE(refused.status, 429);
            QCOMPARE(refused.headers.value("x-ratelimit-limit"), QByteArray("4"));
            QCOMPARE(refused.headers.value("x-ratelimit-remaining"), QByteArray("0"));
            const double retryAfter = refused.headers.value("retry-after").toDouble();
            QVERIFY2(retryAfter > 0 && retryAfter <= 1, refused.headers.value("retry-after").constData());
            // soketi's value: the points consumed in this window (the refused one too), expiring with it.
            QCOMPARE(m_redis.get(kEventsKey), QByteArray("5"));
            const QByteArray ttl = m_redis.command({"PTTL", kEventsKey});
            QVERIFY2(ttl.startsWith(':') && ttl.mid(1).trimmed().toInt() > 0 && ttl.mid(1).trimmed().toInt() <= 1000,
                ttl.constData());
            QCOMPARE(publish(*b, 1), 429);
        }
        QVERIFY2(inOneWindow, "never managed three requests within one second");
        // The next window allows again, on either node.
        QTRY_VERIFY_WITH_TIMEOUT(m_redis.get(kEventsKey).isNull(), 2000);
        QCOMPARE(publish(*b, 4), 200);
        QCOMPARE(m_redis.get(kEventsKey), QByteArray("4"));
    }

    void readRequestsShareOneBudget()
    {
        auto a = node();
        auto b = node();
        warmUp(*a, *b, kReadsKey, false);
        const auto read = [](const ServerCore &n) {
            return restAnswer(n.port(), "GET", QStringLiteral("/apps/app-id/channels")).status;
        };
        bool inOneWindow = false;
        for (int attempt = 0; attempt < 5 && !inOneWindow; ++attempt) {
            QTRY_VERIFY(m_redis.get(kReadsKey).isNull());
            QElapsedTimer window;
            window.start();
            QCOMPARE(read(*a), 200);
            QCOMPARE(read(*b), 200);
            QCOMPARE(read(*a), 200);
            const RestAnswer refused = restAnswer(b->port(), "GET", QStringLiteral("/apps/app-id/channels"));
            if (window.elapsed() >= 900)
                continue;
            inOneWindow = true;
            QCOMPARE(refused.status, 429);
            QCOMPARE(refused.headers.value("x-ratelimit-limit"), QByteArray("3"));
            QCOMPARE(m_redis.get(kReadsKey), QByteArray("4"));
        }
        QVERIFY2(inOneWindow, "never managed four requests within one second");
        QTRY_VERIFY_WITH_TIMEOUT(m_redis.get(kReadsKey).isNull(), 2000);
        QCOMPARE(read(*b), 200);
    }

    void slowRedisFailsOpenAfterTheTimeout()
    {
        auto a = node();
        auto b = node();
        warmUp(*a, *b, kEventsKey, true);
        QCOMPARE(m_redis.command({"CLIENT", "PAUSE", "3000", "ALL"}), QByteArray("+OK\r\n"));
        QElapsedTimer took;
        took.start();
        QCOMPARE(publish(*a, 4), 200);
        QCOMPARE(publish(*a, 4), 200); // over the budget, but Redis said nothing within 500 ms
        QVERIFY2(took.elapsed() < 2500, QByteArray::number(took.elapsed()).constData());
        QVERIFY(took.elapsed() >= 900); // each waited for the timeout
        qInfo("two publishes with Redis paused: %lld ms", qint64(took.elapsed()));
        QTRY_VERIFY_WITH_TIMEOUT(m_redis.command({"PING"}) == "+PONG\r\n", 5000);
    }

    // Last: it stops Redis.
    void redisGoneFailsOpenPromptly()
    {
        auto a = node();
        auto b = node();
        warmUp(*a, *b, kEventsKey, true);
        m_redis.stop();
        QTest::qWait(200); // the nodes see the connection go
        QElapsedTimer took;
        took.start();
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(publish(*a, 4), 200);
            QCOMPARE(publish(*b, 4), 200);
        }
        QCOMPARE(restAnswer(a->port(), "GET", QStringLiteral("/apps/app-id/channels")).status, 200);
        QVERIFY2(took.elapsed() < 3000, QByteArray::number(took.elapsed()).constData());
        qInfo("eleven requests with Redis stopped: %lld ms", qint64(took.elapsed()));
    }
};

QTEST_MAIN(TestRedisRateLimiter)
#include "tst_redisratelimiter.moc"
