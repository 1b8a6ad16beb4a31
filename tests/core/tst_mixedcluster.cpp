// SPDX-License-Identifier: GPL-3.0-or-later
// A cluster mixing soketi 1.6 and qsoketi nodes on one Redis: a private redis-server, two qsoketi nodes
// (ServerCore) and a soketi node played over raw RESP (FakeSoketiNode), which answers only soketi's
// request types in soketi's shapes. qsoketi must merge the soketi node's members and counts, count its
// own nodes once, and not wait for the requests timeout for answers soketi never sends.
#include <memory>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QTest>

#include "ClusterTestSupport.h"
#include "FakeSoketiNode.h"
#include "LoopbackConfig.h"
#include "PusherTestClient.h"
#include "RedisTestServer.h"
#include "ServerCore.h"
#include "adapter/ClusterView.h"
#include "server/PusherServer.h"

using namespace qsoketi;
using Client = PusherTestClient;
using qsoketi::test::RedisTestServer;

namespace {

constexpr int requestsTimeoutMs = 3000;

QStringList userIds(const QJsonObject &usersAnswer)
{
    QStringList ids;
    for (const QJsonValue &u : usersAnswer.value(QStringLiteral("users")).toArray())
        ids.append(u.toObject().value(QStringLiteral("id")).toString());
    ids.sort();
    return ids;
}

} // namespace

class TestMixedCluster final : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<ServerCore> node()
    {
        ServerConfig config = test::loopbackConfig();
        config.apps[0].enableUserAuthentication = false;
        config.adapter.driver = QStringLiteral("redis");
        config.adapter.redisHost = QStringLiteral("127.0.0.1");
        config.adapter.redisPort = m_redis.port;
        config.adapter.redisPrefix = m_prefix;
        config.adapter.requestsTimeoutMs = requestsTimeoutMs;
        auto core = std::make_unique<ServerCore>(config);
        QString error;
        if (!core->start(&error))
            qWarning() << error;
        return core;
    }
    // Two qsoketi nodes that know each other (heartbeats), and the soketi node.
    bool startCluster(bool withSoketi)
    {
        m_prefix = QStringLiteral("mixed%1").arg(++m_serial);
        m_a = node();
        m_b = node();
        if (!QTest::qWaitFor([this] { return m_a->cluster().isReady() && m_b->cluster().isReady(); }, 5000))
            return false;
        if (!withSoketi)
            return true;
        m_soketi = std::make_unique<test::FakeSoketiNode>();
        m_soketi->members.insert(QStringLiteral("sam"), QJsonObject{{QStringLiteral("name"), QStringLiteral("Sam")}});
        m_soketi->sockets.insert(QStringLiteral("presence-room"), 2); // sam with two tabs
        m_soketi->sockets.insert(QStringLiteral("news"), 1);
        return m_soketi->start(m_redis.port, m_prefix.toUtf8());
    }
    // Ada on node A, Bob on node B, in presence-room.
    void joinBoth(Client &onA, Client &onB)
    {
        QTRY_VERIFY(onA.established() && onB.established());
        onA.subscribe(QStringLiteral("presence-room"), QStringLiteral("{\"user_id\":\"ada\",\"user_info\":{}}"));
        QTRY_VERIFY(onA.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        onB.subscribe(QStringLiteral("presence-room"), QStringLiteral("{\"user_id\":\"bob\",\"user_info\":{}}"));
        QTRY_VERIFY(onB.has(QStringLiteral("pusher_internal:subscription_succeeded")));
    }

private slots:
    void initTestCase()
    {
        if (RedisTestServer::binary().isEmpty())
            QSKIP("redis-server is not installed");
        QVERIFY2(m_redis.start(), "redis-server did not start");
    }
    void cleanup()
    {
        m_soketi.reset();
        m_a.reset();
        m_b.reset();
    }

    void presenceSubscriberSeesSoketiMembers()
    {
        QVERIFY(startCluster(true));
        Client onA(m_a->port()), onB(m_b->port());
        joinBoth(onA, onB);
        // Bob's subscription on node B was answered with every node's members, soketi's Sam among them.
        const QJsonObject presence = onB.dataOf(QStringLiteral("pusher_internal:subscription_succeeded"))
                                         .value(QStringLiteral("presence"))
                                         .toObject();
        QCOMPARE(presence.value(QStringLiteral("count")).toInt(), 3);
        QCOMPARE(presence.value(QStringLiteral("hash"))
                     .toObject()
                     .value(QStringLiteral("sam"))
                     .toObject()
                     .value(QStringLiteral("name"))
                     .toString(),
            QStringLiteral("Sam"));
    }

    void restMergesSoketiPartWithoutTimeout()
    {
        QVERIFY(startCluster(true));
        Client onA(m_a->port()), onB(m_b->port());
        joinBoth(onA, onB);
        for (ServerCore *n : {m_a.get(), m_b.get()}) {
            QElapsedTimer clock;
            clock.start();
            const auto [status, users] =
                rest(n->port(), "GET", QStringLiteral("/apps/app-id/channels/presence-room/users"));
            const qint64 usersMs = clock.elapsed();
            QCOMPARE(status, 200);
            QCOMPARE(
                userIds(users), QStringList({QStringLiteral("ada"), QStringLiteral("bob"), QStringLiteral("sam")}));
            QVERIFY2(usersMs < requestsTimeoutMs / 2, qPrintable(QStringLiteral("took %1 ms").arg(usersMs)));

            // Counted once each: the qsoketi nodes answer soketi's request types too, those answers are dropped.
            const auto [infoStatus, info] =
                rest(n->port(), "GET", QStringLiteral("/apps/app-id/channels/presence-room"),
                    {{QStringLiteral("info"), QStringLiteral("user_count,subscription_count")}});
            QCOMPARE(infoStatus, 200);
            QCOMPARE(info.value(QStringLiteral("user_count")).toInt(), 3);
            QCOMPARE(info.value(QStringLiteral("subscription_count")).toInt(), 4);

            clock.restart();
            const auto [listStatus, list] = rest(n->port(), "GET", QStringLiteral("/apps/app-id/channels"),
                {{QStringLiteral("info"), QStringLiteral("user_count")}});
            const qint64 listMs = clock.elapsed();
            QCOMPARE(listStatus, 200);
            const QJsonObject channels = list.value(QStringLiteral("channels")).toObject();
            QCOMPARE(
                channels.value(QStringLiteral("news")).toObject().value(QStringLiteral("subscription_count")).toInt(),
                1);
            const QJsonObject room = channels.value(QStringLiteral("presence-room")).toObject();
            QCOMPARE(room.value(QStringLiteral("subscription_count")).toInt(), 4);
            QCOMPARE(room.value(QStringLiteral("user_count")).toInt(), 3);
            QVERIFY2(listMs < requestsTimeoutMs / 2, qPrintable(QStringLiteral("took %1 ms").arg(listMs)));
            qInfo("node %u: users %lld ms, channel list %lld ms", n->port(), usersMs, listMs);
        }
        // Sockets count is soketi's own question: everyone answers it.
        qint64 total = -1;
        m_a->pusher().cluster().socketsCount(
            *m_a->pusher().appState(QStringLiteral("app-id")), [&total](qint64 n) { total = n; });
        QTRY_COMPARE_WITH_TIMEOUT(total, qint64(5), requestsTimeoutMs / 2);
    }

    void noSoketiNodeNoExtraRequests()
    {
        // Only qsoketi nodes: the questions go out alone, as before (nothing added to the cost).
        QVERIFY(startCluster(false));
        test::FakeSoketiNode observer;
        QVERIFY(observer.start(m_redis.port, m_prefix.toUtf8(), true));
        Client onA(m_a->port()), onB(m_b->port());
        joinBoth(onA, onB);
        const auto [status, users] =
            rest(m_a->port(), "GET", QStringLiteral("/apps/app-id/channels/presence-room/users"));
        QCOMPARE(status, 200);
        QCOMPARE(userIds(users), QStringList({QStringLiteral("ada"), QStringLiteral("bob")}));
        QTRY_VERIFY(!observer.requests.isEmpty());
        for (const QJsonObject &r : std::as_const(observer.requests))
            QVERIFY2(r.value(QStringLiteral("type")).toInt() >= 100, qPrintable(QJsonDocument(r).toJson()));
    }

    void soketiEquivalentsOnlyWithSoketiNodes()
    {
        QVERIFY(startCluster(true));
        test::FakeSoketiNode observer;
        QVERIFY(observer.start(m_redis.port, m_prefix.toUtf8(), true));
        const auto [status, users] =
            rest(m_a->port(), "GET", QStringLiteral("/apps/app-id/channels/presence-room/users"));
        QCOMPARE(status, 200);
        QCOMPARE(userIds(users), QStringList({QStringLiteral("sam")}));
        // The question, then its soketi equivalents: sockets count and members of the channel.
        QTRY_COMPARE(observer.requests.size(), 3);
        QCOMPARE(observer.requests.at(0).value(QStringLiteral("type")).toInt(), 100);
        const QString id = observer.requests.at(0).value(QStringLiteral("requestId")).toString();
        QCOMPARE(observer.requests.at(1).value(QStringLiteral("requestId")).toString(), id + QStringLiteral("#1"));
        QCOMPARE(observer.requests.at(1).value(QStringLiteral("type")).toInt(), 6);
        QCOMPARE(observer.requests.at(2).value(QStringLiteral("type")).toInt(), 3);
    }

private:
    RedisTestServer m_redis;
    QString m_prefix;
    int m_serial = 0;
    std::unique_ptr<ServerCore> m_a;
    std::unique_ptr<ServerCore> m_b;
    std::unique_ptr<test::FakeSoketiNode> m_soketi;
};

QTEST_MAIN(TestMixedCluster)
#include "tst_mixedcluster.moc"
