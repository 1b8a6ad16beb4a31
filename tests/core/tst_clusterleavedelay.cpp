// SPDX-License-Identifier: GPL-3.0-or-later
// The leave delay across two real nodes joined through a private redis-server (issue 14): a page that
// leaves node A and comes back on node B within the delay sends no webhook at all, a real leave sends
// exactly one channel_vacated / member_removed, decided by one node.
#include <memory>

#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

#include "LoopbackConfig.h"
#include "PusherTestClient.h"
#include "RedisTestServer.h"
#include "ServerCore.h"
#include "WebhookReceiver.h"
#include "adapter/ClusterView.h"

using namespace qsoketi;
using Client = PusherTestClient;
using Receiver = qsoketi::test::WebhookReceiver;
using qsoketi::test::RedisTestServer;

namespace {

constexpr int delayMs = 500;

} // namespace

class TestClusterLeaveDelay final : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<ServerCore> node()
    {
        ServerConfig config = test::loopbackConfig();
        config.webhooksLeaveDelayMs = delayMs;
        QJsonArray types;
        for (const char *type : {"channel_occupied", "channel_vacated", "member_added", "member_removed"})
            types.append(QLatin1String(type));
        config.apps[0].webhooks = {QJsonObject{
            {QStringLiteral("url"), m_receiver->url(QStringLiteral("/hook"))}, {QStringLiteral("event_types"), types}}};
        config.adapter.driver = QStringLiteral("redis");
        config.adapter.redisHost = QStringLiteral("127.0.0.1");
        config.adapter.redisPort = m_redis.port;
        config.adapter.redisPrefix = QStringLiteral("leave%1").arg(m_serial);
        config.adapter.requestsTimeoutMs = 2000;
        auto core = std::make_unique<ServerCore>(config);
        QString error;
        if (!core->start(&error))
            qWarning() << error;
        return core;
    }
    QStringList names() const { return m_receiver->names(); }
    // Past the delay, the cluster check and the delivery.
    static void settleDown() { QTest::qWait(delayMs + 700); }

private slots:
    void initTestCase()
    {
        if (RedisTestServer::binary().isEmpty())
            QSKIP("redis-server is not installed");
        QVERIFY2(m_redis.start(), "redis-server did not start");
    }
    void init()
    {
        ++m_serial;
        m_receiver = std::make_unique<Receiver>();
        m_a = node();
        m_b = node();
        QVERIFY(QTest::qWaitFor([this] { return m_a->cluster().isReady() && m_b->cluster().isReady(); }, 5000));
    }
    void cleanup()
    {
        m_a.reset();
        m_b.reset();
    }

    void reloadOntoAnotherNodeSendsNothing()
    {
        auto first = std::make_unique<Client>(m_a->port());
        QTRY_VERIFY(first->established());
        first->subscribe(QStringLiteral("hall"));
        QTRY_COMPARE(names(), (QStringList{"channel_occupied:hall"}));
        first.reset(); // the page reloads; the new page lands on node B
        QTest::qWait(100);
        Client second(m_b->port());
        QTRY_VERIFY(second.established());
        second.subscribe(QStringLiteral("hall"));
        QTRY_VERIFY(second.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        settleDown();
        QCOMPARE(names(), (QStringList{"channel_occupied:hall"}));

        // A real leave: exactly one vacated, after the delay.
        second.socket.close();
        QTRY_COMPARE_WITH_TIMEOUT(names(), (QStringList{"channel_occupied:hall", "channel_vacated:hall"}), 5000);
        settleDown();
        QCOMPARE(names().size(), 2);
    }

    void presenceReloadOntoAnotherNodeSendsNothing()
    {
        const QString ua = QStringLiteral("{\"user_id\":\"ua\",\"user_info\":{}}");
        auto first = std::make_unique<Client>(m_a->port());
        QTRY_VERIFY(first->established());
        first->subscribe(QStringLiteral("presence-room"), ua);
        QTRY_COMPARE(names().size(), 2); // member_added and channel_occupied
        first.reset();
        QTest::qWait(100);
        Client second(m_b->port());
        QTRY_VERIFY(second.established());
        second.subscribe(QStringLiteral("presence-room"), ua);
        QTRY_VERIFY(second.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        settleDown();
        QCOMPARE(names().size(), 2);

        second.socket.close();
        QTRY_COMPARE_WITH_TIMEOUT(names().size(), 4, 5000);
        QCOMPARE(names().mid(2), (QStringList{"member_removed:presence-room", "channel_vacated:presence-room"}));
        settleDown();
        QCOMPARE(names().size(), 4);
    }

    void bothNodesEmptyTheChannelOneVacated()
    {
        Client onA(m_a->port()), onB(m_b->port());
        QTRY_VERIFY(onA.established() && onB.established());
        onA.subscribe(QStringLiteral("pair"));
        QTRY_COMPARE(names(), (QStringList{"channel_occupied:pair"}));
        onB.subscribe(QStringLiteral("pair"));
        QTRY_VERIFY(onB.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        // B's "first subscriber anywhere?" question is answered after its subscriber is told it joined:
        // closing A before A answers would make B the first (one cluster round trip, docs/webhooks.md).
        QTest::qWait(300);
        onA.socket.close();
        QTest::qWait(100);
        onB.socket.close();
        QTRY_COMPARE_WITH_TIMEOUT(names(), (QStringList{"channel_occupied:pair", "channel_vacated:pair"}), 5000);
        settleDown();
        QCOMPARE(names().size(), 2);
    }

private:
    RedisTestServer m_redis;
    int m_serial = 0;
    std::unique_ptr<Receiver> m_receiver;
    std::unique_ptr<ServerCore> m_a;
    std::unique_ptr<ServerCore> m_b;
};

QTEST_GUILESS_MAIN(TestClusterLeaveDelay)
#include "tst_clusterleavedelay.moc"
