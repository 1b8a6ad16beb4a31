// SPDX-License-Identifier: GPL-3.0-or-later
// A node that stops announcing itself (killed, cut off), over Redis: one ServerCore node and a "node" made
// of raw Redis connections that says hello, announces a presence member, then falls silent. After two
// heartbeats the real node stops waiting for its answers and removes the member it announced from its
// clients' lists. (tests/e2e/cluster-crash.test.mjs kills real processes with SIGKILL.)
#include <memory>

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTest>

#include "ClusterTestSupport.h"
#include "PusherTestClient.h"
#include "RedisTestServer.h"
#include "ServerCore.h"
#include "adapter/ClusterView.h"
#include "adapter/RedisAdapter.h"
#include "channels/ClusterChannel.h"
#include "server/PusherServer.h"

using namespace qsoketi;
using qsoketi::test::RedisTestServer;

namespace {

constexpr int kHeartbeatMs = 200;
constexpr int kRequestsTimeoutMs = 3000;

} // namespace

class TestLostNode final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (RedisTestServer::binary().isEmpty())
            QSKIP("redis-server is not installed");
        QVERIFY2(m_redis.start(), "redis-server did not start");
    }

    void silentNodeIsForgottenAndItsMembersRemoved()
    {
        ServerConfig config;
        config.host = QStringLiteral("127.0.0.1");
        config.port = 0;
        config.metrics.host = QStringLiteral("127.0.0.1");
        config.metrics.port = 0;
        config.metrics.enabled = true;
        config.apps[0].enableUserAuthentication = false;
        config.adapter.driver = QStringLiteral("redis");
        config.adapter.redisHost = QStringLiteral("127.0.0.1");
        config.adapter.redisPort = m_redis.port;
        config.adapter.redisPrefix = QStringLiteral("lost");
        config.adapter.requestsTimeoutMs = kRequestsTimeoutMs;
        config.adapter.heartbeatMs = kHeartbeatMs;
        ServerCore node(config);
        QString error;
        QVERIFY2(node.start(&error), qPrintable(error));
        QTRY_VERIFY(node.cluster().isReady());
        const auto *adapter = node.cluster().findChild<RedisAdapter *>();
        QVERIFY(adapter);
        AppState &app = *node.pusher().appState(QStringLiteral("app-id"));

        PusherTestClient client(node.port());
        QTRY_VERIFY(client.established());
        const QString channel = QStringLiteral("presence-ghost");
        client.subscribe(channel, QStringLiteral("{\"user_id\":\"ua\",\"user_info\":{}}"));
        QTRY_VERIFY(client.has(QStringLiteral("pusher_internal:subscription_succeeded"), channel));

        // The other node: subscribed to the requests (so Redis counts it) and never answering.
        const QByteArray base = "lost#redis-adapter";
        QTcpSocket subscriber;
        subscriber.connectToHost(QHostAddress::LocalHost, m_redis.port);
        QVERIFY(subscriber.waitForConnected(2000));
        subscriber.write(RedisTestServer::resp({"SUBSCRIBE", base + "#comms#req"}));
        QVERIFY(subscriber.waitForReadyRead(2000));
        QTcpSocket publisher;
        publisher.connectToHost(QHostAddress::LocalHost, m_redis.port);
        QVERIFY(publisher.waitForConnected(2000));
        const QJsonObject hello{
            {QStringLiteral("uuid"), QStringLiteral("ghost-node")}, {QStringLiteral("kind"), QStringLiteral("hello")}};
        publisher.write(RedisTestServer::resp(
            {"PUBLISH", base + "#comms#nodes", QJsonDocument(hello).toJson(QJsonDocument::Compact)}));
        QTRY_COMPARE(adapter->knownPeers(), 1);
        const QJsonObject added{{QStringLiteral("event"), QStringLiteral("pusher_internal:member_added")},
            {QStringLiteral("channel"), channel},
            {QStringLiteral("data"), QStringLiteral("{\"user_id\":\"ghost\",\"user_info\":{}}")}};
        const QJsonObject envelope{{QStringLiteral("uuid"), QStringLiteral("ghost-node")},
            {QStringLiteral("appId"), QStringLiteral("app-id")}, {QStringLiteral("channel"), channel},
            {QStringLiteral("data"), QString::fromUtf8(QJsonDocument(added).toJson(QJsonDocument::Compact))},
            {QStringLiteral("exceptingId"), QJsonValue()}};
        publisher.write(
            RedisTestServer::resp({"PUBLISH", base, QJsonDocument(envelope).toJson(QJsonDocument::Compact)}));
        QTRY_VERIFY(client.has(QStringLiteral("pusher_internal:member_added"), channel));

        // A question now waits for the silent node (Redis counted it). Then the node dies: Redis drops its
        // subscription, and two heartbeats after its hello the question stops waiting for it.
        QElapsedTimer clock;
        clock.start();
        qint64 answeredAfter = -1;
        node.pusher().clusterChannel(app, channel, [&](const ClusterChannel &) { answeredAfter = clock.elapsed(); });
        QTest::qWait(20);
        subscriber.abort();
        QTRY_VERIFY_WITH_TIMEOUT(answeredAfter >= 0, kRequestsTimeoutMs + 1000);
        QCOMPARE(adapter->knownPeers(), 0);
        QVERIFY2(answeredAfter < 3 * kHeartbeatMs, qPrintable(QString::number(answeredAfter)));
        QCOMPARE(familySum(node.metrics(), "soketi_horizontal_adapter_uncomplete_promises"), 0.0);

        // The member it announced is gone from the cluster: this node's subscriber is told, once.
        QTRY_VERIFY_WITH_TIMEOUT(client.has(QStringLiteral("pusher_internal:member_removed"), channel), 2000);
        QVERIFY(clock.elapsed() < kRequestsTimeoutMs); // not after a timed-out question
        QCOMPARE(client.dataOf(QStringLiteral("pusher_internal:member_removed"), channel)
                     .value(QStringLiteral("user_id"))
                     .toString(),
            QStringLiteral("ghost"));
        QTest::qWait(3 * kHeartbeatMs);
        QCOMPARE(client.count(QStringLiteral("pusher_internal:member_removed")), 1);
    }

private:
    RedisTestServer m_redis;
};

QTEST_MAIN(TestLostNode)
#include "tst_lostnode.moc"
