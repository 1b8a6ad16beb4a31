// SPDX-License-Identifier: GPL-3.0-or-later
// Horizontal scaling through NATS: a private nats-server (free loopback port) and two ServerCore nodes in
// this process, with real QWebSocket clients. The same behaviour as over Redis (tst_redisadapter).
#include <algorithm>
#include <memory>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include "ClusterTestSupport.h"
#include "CrossNodeLatency.h"
#include "PusherTestClient.h"
#include "ServerCore.h"
#include "adapter/ClusterView.h"
#include "adapter/NatsAdapter.h"
#include "channels/ClusterChannel.h"
#include "server/PusherServer.h"

using namespace qsoketi;

namespace {

using Client = PusherTestClient;

bool natsAnswers(quint16 port)
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    return s.waitForConnected(200) && s.waitForReadyRead(500) && s.readAll().startsWith("INFO");
}

QStringList userIds(const QJsonObject &users)
{
    QStringList ids;
    for (const QJsonValue &u : users.value(QStringLiteral("users")).toArray())
        ids.append(u.toObject().value(QStringLiteral("id")).toString());
    ids.sort();
    return ids;
}

} // namespace

class TestNatsAdapter final : public QObject
{
    Q_OBJECT

private:
    bool startNats()
    {
        m_nats = std::make_unique<QProcess>();
        m_nats->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_nats->start(m_natsBinary,
            {QStringLiteral("--addr"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
                QString::number(m_natsPort)});
        if (!m_nats->waitForStarted(5000))
            return false;
        for (int i = 0; i < 100; ++i) {
            if (natsAnswers(m_natsPort))
                return true;
            QTest::qWait(50);
        }
        return false;
    }
    void stopNats()
    {
        if (!m_nats)
            return;
        m_nats->terminate();
        if (!m_nats->waitForFinished(5000))
            m_nats->kill();
        m_nats->waitForFinished(1000);
        m_nats.reset();
    }
    std::unique_ptr<ServerCore> node(int maxConnections = -1)
    {
        ServerConfig config;
        config.host = QStringLiteral("127.0.0.1");
        config.port = 0;
        config.metrics.host = QStringLiteral("127.0.0.1");
        config.metrics.port = 0;
        config.metrics.enabled = true;
        config.shutdownGracePeriodMs = 100;
        config.apps[0].enableClientMessages = true;
        config.apps[0].enableUserAuthentication = false;
        config.apps[0].maxConnections = maxConnections;
        config.adapter.driver = QStringLiteral("nats");
        config.adapter.natsServers = {QStringLiteral("127.0.0.1:%1").arg(m_natsPort)};
        config.adapter.natsPrefix = QStringLiteral("tst%1").arg(m_prefixSerial);
        config.adapter.natsRequestsTimeoutMs = 2000;
        auto core = std::make_unique<ServerCore>(config);
        QString error;
        if (!core->start(&error))
            qWarning() << error;
        return core;
    }
    static int peersOf(ServerCore &n)
    {
        const auto *adapter = n.cluster().findChild<NatsAdapter *>();
        return adapter ? adapter->knownPeers() : -1;
    }
    // Two nodes on a fresh prefix, connected and known to each other.
    bool startNodes(int maxConnections = -1)
    {
        ++m_prefixSerial;
        m_a = node(maxConnections);
        m_b = node(maxConnections);
        return QTest::qWaitFor(
            [this] {
                return m_a->cluster().isReady() && m_b->cluster().isReady() && peersOf(*m_a) == 1 && peersOf(*m_b) == 1;
            },
            5000);
    }
    AppState &appOf(ServerCore &n) { return *n.pusher().appState(QStringLiteral("app-id")); }

private slots:
    void initTestCase()
    {
        m_natsBinary = QStandardPaths::findExecutable(QStringLiteral("nats-server"), {QStringLiteral("/usr/sbin")});
        if (m_natsBinary.isEmpty())
            m_natsBinary = QStandardPaths::findExecutable(QStringLiteral("nats-server"));
        if (m_natsBinary.isEmpty())
            QSKIP("nats-server is not installed");
        m_natsPort = freePort();
        QVERIFY2(startNats(), "nats-server did not start");
    }
    void cleanupTestCase() { stopNats(); }
    void cleanup()
    {
        m_a.reset();
        m_b.reset();
    }

    void broadcastAcrossNodesWithExclusion()
    {
        QVERIFY(startNodes());
        QCOMPARE(m_a->cluster().driver(), QStringLiteral("nats"));
        Client onA(m_a->port()), otherOnA(m_a->port()), onB(m_b->port());
        QTRY_VERIFY(onA.established() && otherOnA.established() && onB.established());
        for (Client *c : {&onA, &otherOnA, &onB})
            c->subscribe(QStringLiteral("news"));
        QTRY_VERIFY(onA.has(QStringLiteral("pusher_internal:subscription_succeeded"))
            && otherOnA.has(QStringLiteral("pusher_internal:subscription_succeeded"))
            && onB.has(QStringLiteral("pusher_internal:subscription_succeeded")));

        // Published on B, excepting a socket that lives on A.
        QCOMPARE(m_b->pusher().publish(
                     appOf(*m_b), QStringLiteral("news"), QStringLiteral("flash"), "{\"n\":1}", onA.socketId()),
            1);
        QTRY_VERIFY(otherOnA.has(QStringLiteral("flash")));
        QVERIFY(onB.has(QStringLiteral("flash")));
        QCOMPARE(otherOnA.find(QStringLiteral("flash")).value(QStringLiteral("data")).toObject(),
            QJsonObject({{QStringLiteral("n"), 1}}));
        QTest::qWait(200);
        QVERIFY(!onA.has(QStringLiteral("flash")));
        QCOMPARE(otherOnA.count(QStringLiteral("flash")), 1); // delivered once, not echoed back
        QCOMPARE(onB.count(QStringLiteral("flash")), 1);

        // Client events cross too, never back to their sender.
        onB.subscribe(QStringLiteral("private-chat"));
        onA.subscribe(QStringLiteral("private-chat"));
        QTRY_COMPARE(onA.count(QStringLiteral("pusher_internal:subscription_succeeded")), 2);
        QTRY_COMPARE(onB.count(QStringLiteral("pusher_internal:subscription_succeeded")), 2);
        onA.send({{QStringLiteral("event"), QStringLiteral("client-hop")},
            {QStringLiteral("channel"), QStringLiteral("private-chat")},
            {QStringLiteral("data"), QJsonObject{{QStringLiteral("hop"), 1}}}});
        QTRY_VERIFY(onB.has(QStringLiteral("client-hop"), QStringLiteral("private-chat")));
        QTest::qWait(200);
        QVERIFY(!onA.has(QStringLiteral("client-hop"), QStringLiteral("private-chat")));
    }

    void crossNodeLatency()
    {
        QVERIFY(startNodes());
        constexpr int kSamples = 300;
        const QList<double> micros = test::crossNodeLatencyMicros(*m_b, *m_a, kSamples);
        QCOMPARE(micros.size(), kSamples); // nothing lost
        const double p50 = micros.at(kSamples / 2), p99 = micros.at(kSamples * 99 / 100);
        qInfo("cross-node publish latency over NATS: p50 %.0f us, p99 %.0f us (%d samples)", p50, p99, kSamples);
        QVERIFY2(p50 < 20000, qPrintable(QStringLiteral("p50 %1 us").arg(p50)));
    }

    void presenceAndCountsIdenticalFromBothNodes()
    {
        QVERIFY(startNodes());
        const QString channel = QStringLiteral("presence-room");
        const QString ua = QStringLiteral("{\"user_id\":\"ua\",\"user_info\":{\"node\":\"a\"}}");
        const QString ub = QStringLiteral("{\"user_id\":\"ub\",\"user_info\":{\"node\":\"b\"}}");
        Client s1(m_a->port()), s2(m_b->port()), s3(m_b->port());
        QTRY_VERIFY(s1.established() && s2.established() && s3.established());

        s1.subscribe(channel, ua);
        QTRY_VERIFY(s1.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        s2.subscribe(channel, ub);
        QTRY_VERIFY(s2.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        const QJsonObject presence2 = s2.dataOf(QStringLiteral("pusher_internal:subscription_succeeded"))
                                          .value(QStringLiteral("presence"))
                                          .toObject();
        QCOMPARE(presence2.value(QStringLiteral("count")).toInt(), 2);
        QCOMPARE(presence2.value(QStringLiteral("hash")).toObject().value(QStringLiteral("ua")).toObject(),
            QJsonObject({{QStringLiteral("node"), QStringLiteral("a")}}));
        QTRY_COMPARE(s1.count(QStringLiteral("pusher_internal:member_added")), 1);

        // ua again, on node B: one user, no member_added anywhere.
        s3.subscribe(channel, ua);
        s3.subscribe(QStringLiteral("only-on-b"));
        QTRY_COMPARE(s3.count(QStringLiteral("pusher_internal:subscription_succeeded")), 2);
        for (ServerCore *n : {m_a.get(), m_b.get()}) {
            const auto [status, info] = rest(n->port(), "GET", QStringLiteral("/apps/app-id/channels/") + channel,
                {{QStringLiteral("info"), QStringLiteral("user_count,subscription_count")}});
            QCOMPARE(status, 200);
            QCOMPARE(info.value(QStringLiteral("user_count")).toInt(), 2);
            QCOMPARE(info.value(QStringLiteral("subscription_count")).toInt(), 3);
            const auto [usersStatus, users] =
                rest(n->port(), "GET", QStringLiteral("/apps/app-id/channels/%1/users").arg(channel));
            QCOMPARE(usersStatus, 200);
            QCOMPARE(userIds(users), QStringList({QStringLiteral("ua"), QStringLiteral("ub")}));
            const auto [listStatus, list] = rest(n->port(), "GET", QStringLiteral("/apps/app-id/channels"));
            QCOMPARE(listStatus, 200);
            QVERIFY(list.value(QStringLiteral("channels")).toObject().contains(QStringLiteral("only-on-b")));
            qint64 sockets = -1;
            n->cluster().socketsCount(appOf(*n), [&sockets](qint64 total) { sockets = total; });
            QTRY_COMPARE(sockets, qint64(3));
        }
        QTest::qWait(200);
        QCOMPARE(s2.count(QStringLiteral("pusher_internal:member_added")), 0);

        // ua leaves node A but stays on B: no member_removed; then leaves B too: one member_removed.
        s1.socket.close();
        QTest::qWait(500);
        QCOMPARE(s2.count(QStringLiteral("pusher_internal:member_removed")), 0);
        s3.socket.close();
        QTRY_COMPARE(s2.count(QStringLiteral("pusher_internal:member_removed")), 1);

        QVERIFY(familySum(m_b->metrics(), "soketi_horizontal_adapter_sent_requests") >= 2);
        QVERIFY(familySum(m_a->metrics(), "soketi_horizontal_adapter_received_requests") >= 2);
        QCOMPARE(familySum(m_a->metrics(), "soketi_horizontal_adapter_uncomplete_promises"), 0.0);
        QCOMPARE(familySum(m_b->metrics(), "soketi_horizontal_adapter_uncomplete_promises"), 0.0);
    }

    void sendToUserAndTerminateAcrossNodes()
    {
        QVERIFY(startNodes());
        Client onA(m_a->port());
        QTRY_VERIFY(onA.established());
        onA.signin(QStringLiteral("u1"));
        QTRY_VERIFY(onA.has(QStringLiteral("pusher:signin_success")));
        m_b->pusher().publish(appOf(*m_b), QStringLiteral("#server-to-user-u1"), QStringLiteral("dm"), "{}", {});
        QTRY_VERIFY(onA.has(QStringLiteral("dm")));
        const auto [status, answer] =
            rest(m_b->port(), "POST", QStringLiteral("/apps/app-id/users/u1/terminate_connections"), {}, "{}");
        QCOMPARE(status, 200);
        QTRY_VERIFY(onA.closed);
        QCOMPARE(int(onA.socket.closeCode()), 4009);
    }

    void connectionQuotaIsClusterWide()
    {
        QVERIFY(startNodes(2));
        Client first(m_a->port()), second(m_b->port());
        QTRY_VERIFY(first.established());
        QTRY_VERIFY(second.established());
        Client third(m_a->port());
        QTRY_VERIFY(third.closed);
        QCOMPARE(int(third.socket.closeCode()), 4100);
    }

    void departedNodeIsNotWaitedFor()
    {
        QVERIFY(startNodes());
        m_b.reset(); // says goodbye on the way out
        QTRY_COMPARE(peersOf(*m_a), 0);
        QElapsedTimer clock;
        clock.start();
        bool answered = false;
        m_a->pusher().clusterChannel(
            appOf(*m_a), QStringLiteral("any"), [&answered](const ClusterChannel &) { answered = true; });
        QTRY_VERIFY(answered);
        QVERIFY(clock.elapsed() < 1000); // not the 2 s request timeout
        QCOMPARE(familySum(m_a->metrics(), "soketi_horizontal_adapter_uncomplete_promises"), 0.0);
    }

    void survivesNatsRestart()
    {
        QVERIFY(startNodes());
        stopNats();
        QTRY_VERIFY(!m_a->cluster().isReady() && !m_b->cluster().isReady());
        // Alone, each node still serves its own clients.
        Client onA(m_a->port());
        QTRY_VERIFY(onA.established());
        onA.subscribe(QStringLiteral("after"));
        QTRY_VERIFY(onA.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        QVERIFY(startNats());
        QTRY_VERIFY_WITH_TIMEOUT(m_a->cluster().isReady() && m_b->cluster().isReady(), 10000);
        QTRY_VERIFY(peersOf(*m_a) == 1 && peersOf(*m_b) == 1);
        m_b->pusher().publish(appOf(*m_b), QStringLiteral("after"), QStringLiteral("back"), "{}", {});
        QTRY_VERIFY(onA.has(QStringLiteral("back")));
    }

private:
    QString m_natsBinary;
    std::unique_ptr<QProcess> m_nats;
    quint16 m_natsPort = 0;
    int m_prefixSerial = 0;
    std::unique_ptr<ServerCore> m_a;
    std::unique_ptr<ServerCore> m_b;
};

QTEST_MAIN(TestNatsAdapter)
#include "tst_natsadapter.moc"
