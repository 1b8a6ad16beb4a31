// SPDX-License-Identifier: GPL-3.0-or-later
// The broker restarts mid-traffic (issue 13): node B publishes a numbered event every 10 ms to a client
// on node A while Redis (then NATS) is stopped and started again on the same port. Broker pub/sub keeps
// nothing for a subscriber that is away, so what is published during the outage is lost; everything
// published while both nodes are connected must arrive, before the outage and after the reconnection.
// The figures (lost during the outage, time to reconnect) are printed for docs/benchmarks.md.
#include <memory>
#include <vector>

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QSet>
#include <QTest>
#include <QTimer>

#include "ClusterTestSupport.h"
#include "CrossNodeLatency.h"
#include "LoopbackConfig.h"
#include "NatsTestServer.h"
#include "PusherTestClient.h"
#include "RedisTestServer.h"
#include "ServerCore.h"
#include "adapter/ClusterView.h"
#include "server/PusherServer.h"

using namespace qsoketi;
using qsoketi::test::NatsTestServer;
using qsoketi::test::RedisTestServer;

namespace {

constexpr int kTickMs = 10;
constexpr int kSettleMs = 300; // in-flight messages around a state change are not judged

struct Tick
{
    int n;
    qint64 atMs;
    bool connected; // both nodes saw their broker connection up when it was sent
};

} // namespace

class TestBrokerRestart final : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<ServerCore> node(const QString &driver, quint16 brokerPort)
    {
        ServerConfig config = test::loopbackConfig();
        config.adapter.driver = driver;
        config.adapter.redisHost = QStringLiteral("127.0.0.1");
        config.adapter.redisPort = brokerPort;
        config.adapter.natsServers = {QStringLiteral("127.0.0.1:%1").arg(brokerPort)};
        config.adapter.requestsTimeoutMs = 1000;
        config.adapter.natsRequestsTimeoutMs = 1000;
        auto core = std::make_unique<ServerCore>(config);
        QString error;
        if (!core->start(&error))
            qWarning() << error;
        return core;
    }

    // Publishes from B to a client on A before, during and after one stop/start of the broker.
    void trafficAcrossRestart(const QString &driver, const std::function<void()> &stopBroker,
        const std::function<bool()> &startBroker, quint16 brokerPort)
    {
        auto a = node(driver, brokerPort);
        auto b = node(driver, brokerPort);
        auto connected = [&] { return a->cluster().isReady() && b->cluster().isReady(); };
        QTRY_VERIFY_WITH_TIMEOUT(connected(), 10000);
        PusherTestClient client(a->port());
        QTRY_VERIFY(client.established());
        client.subscribe(QStringLiteral("stream"));
        QTRY_VERIFY(client.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        QTest::qWait(200); // B learns of A (heartbeat hello) before it is judged

        QElapsedTimer clock;
        clock.start();
        std::vector<Tick> sent;
        std::vector<qint64> stateChanges; // ms at which `connected` flipped
        bool wasConnected = true;
        QTimer ticker;
        ticker.setInterval(kTickMs);
        connect(&ticker, &QTimer::timeout, this, [&] {
            const bool now = connected();
            if (now != wasConnected)
                stateChanges.push_back(clock.elapsed());
            wasConnected = now;
            const int n = int(sent.size());
            sent.push_back({n, clock.elapsed(), now});
            AppState &app = *b->pusher().appState(QStringLiteral("app-id"));
            b->pusher().publish(app, QStringLiteral("stream"), QStringLiteral("tick"), QByteArray::number(n), {});
        });
        ticker.start();
        QTest::qWait(1000);
        const qint64 stoppedAt = clock.elapsed();
        stopBroker();
        QTest::qWait(500);
        QVERIFY2(startBroker(), "the broker did not start again");
        const qint64 restartedAt = clock.elapsed();
        QTRY_VERIFY_WITH_TIMEOUT(connected(), 10000);
        const qint64 reconnectedAt = clock.elapsed();
        QTest::qWait(1000 + kSettleMs);
        ticker.stop();
        QTest::qWait(kSettleMs); // the last ticks arrive

        QSet<int> received;
        for (const QJsonObject &m : client.messages)
            if (m.value(QStringLiteral("event")).toString() == QLatin1String("tick"))
                received.insert(m.value(QStringLiteral("data")).toInt(-1));
        int before = 0, lostBefore = 0, after = 0, lostAfter = 0, outage = 0, lostOutage = 0;
        for (const Tick &t : sent) {
            const bool got = received.contains(t.n);
            if (t.atMs < stoppedAt - kSettleMs) {
                ++before;
                lostBefore += got ? 0 : 1;
            } else if (t.atMs > reconnectedAt + kSettleMs) {
                ++after;
                lostAfter += got ? 0 : 1;
            } else if (t.atMs >= stoppedAt && t.atMs <= reconnectedAt) {
                ++outage;
                lostOutage += got ? 0 : 1;
            }
        }
        qInfo("%s: %d ticks sent; lost %d of %d before the stop, %d of %d during the %lld ms outage (broker down "
              "%lld ms, nodes back %lld ms after its start), %d of %d after",
            qPrintable(driver), int(sent.size()), lostBefore, before, lostOutage, outage, reconnectedAt - stoppedAt,
            restartedAt - stoppedAt, reconnectedAt - restartedAt, lostAfter, after);
        QVERIFY(before > 20 && after > 20); // enough traffic on each side to judge, even on a loaded machine
        QCOMPARE(lostBefore, 0);
        QCOMPARE(lostAfter, 0);
        // Nothing is delivered twice.
        int ticks = 0;
        for (const QJsonObject &m : client.messages)
            ticks += m.value(QStringLiteral("event")).toString() == QLatin1String("tick") ? 1 : 0;
        QCOMPARE(ticks, int(received.size()));
    }

private slots:
    void redisRestart()
    {
        RedisTestServer redis;
        if (RedisTestServer::binary().isEmpty())
            QSKIP("redis-server is not installed");
        QVERIFY(redis.start());
        trafficAcrossRestart(
            QStringLiteral("redis"), [&] { redis.stop(); }, [&] { return redis.start(); }, redis.port);
    }

    // NATS's is in tst_natsadapter (crossNodeLatency).
    void redisCrossNodeLatency()
    {
        RedisTestServer redis;
        if (RedisTestServer::binary().isEmpty())
            QSKIP("redis-server is not installed");
        QVERIFY(redis.start());
        auto a = node(QStringLiteral("redis"), redis.port);
        auto b = node(QStringLiteral("redis"), redis.port);
        QTRY_VERIFY_WITH_TIMEOUT(a->cluster().isReady() && b->cluster().isReady(), 10000);
        constexpr int kSamples = 300;
        const QList<double> micros = test::crossNodeLatencyMicros(*b, *a, kSamples);
        QCOMPARE(micros.size(), kSamples); // nothing lost
        const double p50 = micros.at(kSamples / 2), p99 = micros.at(kSamples * 99 / 100);
        qInfo("cross-node publish latency over Redis: p50 %.0f us, p99 %.0f us (%d samples)", p50, p99, kSamples);
        QVERIFY2(p50 < 20000, qPrintable(QStringLiteral("p50 %1 us").arg(p50)));
    }

    void natsRestart()
    {
        NatsTestServer nats;
        if (NatsTestServer::binary().isEmpty())
            QSKIP("nats-server is not installed");
        QVERIFY(nats.start());
        trafficAcrossRestart(
            QStringLiteral("nats"), [&] { nats.stop(); }, [&] { return nats.start(); }, nats.port);
    }
};

QTEST_MAIN(TestBrokerRestart)
#include "tst_brokerrestart.moc"
