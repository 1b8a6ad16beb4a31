// SPDX-License-Identifier: GPL-3.0-or-later
// Horizontal scaling through Redis: a private redis-server (free loopback port, no persistence, in a
// temporary directory) and two ServerCore nodes in this process, with real QWebSocket clients.
#include <memory>

#include <QAbstractHttpServer>
#include <QCryptographicHash>
#include <QDateTime>
#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QUrlQuery>
#include <QWebSocket>

#include "ClusterTestSupport.h"
#include "PusherTestClient.h"
#include "RedisTestServer.h"
#include "ServerCore.h"
#include "adapter/ClusterView.h"
#include "adapter/RedisAdapter.h"
#include "auth/HmacSigner.h"
#include "auth/RestRequestVerifier.h"
#include "channels/ClusterChannel.h"
#include "metrics/MetricsRegistry.h"
#include "server/PusherServer.h"

using namespace qsoketi;
using qsoketi::test::RedisTestServer;

namespace {

// Every complete bulk string in a stream of RESP replies (the payloads of pub/sub messages among them).
QList<QByteArray> bulkStrings(const QByteArray &stream)
{
    QList<QByteArray> out;
    qsizetype i = 0;
    while ((i = stream.indexOf('$', i)) >= 0) {
        const qsizetype eol = stream.indexOf("\r\n", i);
        if (eol < 0)
            break;
        bool ok = false;
        const qsizetype length = stream.mid(i + 1, eol - i - 1).toLongLong(&ok);
        if (!ok || length < 0 || eol + 2 + length > stream.size()) {
            i = eol;
            continue;
        }
        out.append(stream.mid(eol + 2, length));
        i = eol + 2 + length;
    }
    return out;
}

using Client = PusherTestClient;

// Collects the webhook events the nodes send ("name:channel[:user]").
class WebhookReceiver : public QAbstractHttpServer
{
public:
    WebhookReceiver() { port = listen(QHostAddress::LocalHost, 0); }
    quint16 port = 0;
    QStringList events;

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        for (const QJsonValue &e :
            QJsonDocument::fromJson(request.body()).object().value(QStringLiteral("events")).toArray()) {
            const QJsonObject o = e.toObject();
            QString line = o.value(QStringLiteral("name")).toString() + QLatin1Char(':')
                + o.value(QStringLiteral("channel")).toString();
            if (o.contains(QStringLiteral("user_id")))
                line += QLatin1Char(':') + o.value(QStringLiteral("user_id")).toString();
            events.append(line);
        }
        makeResponder(request, socket).write("{}", "application/json", QHttpServerResponder::StatusCode::Ok);
        return true;
    }
    void missingHandler(const QHttpServerRequest &, QTcpSocket *) override {}
};

} // namespace

class TestRedisAdapter final : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<ServerCore> node(int maxConnections = -1, bool subscriptionCount = false, quint16 webhookPort = 0)
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
        config.apps[0].enableSubscriptionCount = subscriptionCount;
        if (webhookPort)
            config.apps[0].webhooks = QJsonArray{
                QJsonObject{{QStringLiteral("url"), QStringLiteral("http://127.0.0.1:%1/hook").arg(webhookPort)},
                    {QStringLiteral("event_types"),
                        QJsonArray{QStringLiteral("channel_occupied"), QStringLiteral("channel_vacated"),
                            QStringLiteral("member_added"), QStringLiteral("member_removed")}}}};
        config.adapter.driver = QStringLiteral("redis");
        config.adapter.redisHost = QStringLiteral("127.0.0.1");
        config.adapter.redisPort = m_redis.port;
        config.adapter.redisPrefix = QStringLiteral("tst%1").arg(++m_prefixSerial);
        config.adapter.requestsTimeoutMs = 2000;
        auto core = std::make_unique<ServerCore>(config);
        QString error;
        if (!core->start(&error))
            qWarning() << error;
        return core;
    }
    // Two nodes on one prefix, both subscribed.
    bool startNodes(int maxConnections = -1, bool subscriptionCount = false, quint16 webhookPort = 0)
    {
        m_a = node(maxConnections, subscriptionCount, webhookPort);
        --m_prefixSerial;
        m_b = node(maxConnections, subscriptionCount, webhookPort);
        return QTest::qWaitFor([this] { return m_a->cluster().isReady() && m_b->cluster().isReady(); }, 5000);
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
        m_a.reset();
        m_b.reset();
    }

    void localAdapterByDefault()
    {
        ServerCore core([] {
            ServerConfig c;
            c.host = QStringLiteral("127.0.0.1");
            c.port = 0;
            c.metrics.port = 0;
            return c;
        }());
        QCOMPARE(core.cluster().driver(), QStringLiteral("local"));
    }

    void broadcastAcrossNodesWithExclusion()
    {
        QVERIFY(startNodes());
        Client onA(m_a->port()), otherOnA(m_a->port()), onB(m_b->port());
        QTRY_VERIFY(onA.established() && otherOnA.established() && onB.established());
        for (Client *c : {&onA, &otherOnA, &onB})
            c->subscribe(QStringLiteral("news"));
        QTRY_VERIFY(onA.has(QStringLiteral("pusher_internal:subscription_succeeded"))
            && otherOnA.has(QStringLiteral("pusher_internal:subscription_succeeded"))
            && onB.has(QStringLiteral("pusher_internal:subscription_succeeded")));

        AppState &stateB = *m_b->pusher().appState(QStringLiteral("app-id"));
        // Published on B, excepting a socket that lives on A.
        QCOMPARE(
            m_b->pusher().publish(stateB, QStringLiteral("news"), QStringLiteral("flash"), "{\"n\":1}", onA.socketId()),
            1);
        QTRY_VERIFY(otherOnA.has(QStringLiteral("flash")));
        QVERIFY(onB.has(QStringLiteral("flash")));
        QCOMPARE(otherOnA.find(QStringLiteral("flash")).value(QStringLiteral("data")).toObject(),
            QJsonObject({{QStringLiteral("n"), 1}}));
        QTest::qWait(200);
        QVERIFY(!onA.has(QStringLiteral("flash")));
        QCOMPARE(otherOnA.count(QStringLiteral("flash")), 1); // delivered once, not echoed back
        QVERIFY(familySum(m_a->metrics(), "soketi_ws_messages_sent_total") >= 3);
    }

    void clientEventsCrossNodesNotEchoed()
    {
        QVERIFY(startNodes());
        Client onA(m_a->port()), onB(m_b->port());
        QTRY_VERIFY(onA.established() && onB.established());
        onA.subscribe(QStringLiteral("private-chat"));
        onB.subscribe(QStringLiteral("private-chat"));
        QTRY_VERIFY(onA.has(QStringLiteral("pusher_internal:subscription_succeeded"))
            && onB.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        onA.send({{QStringLiteral("event"), QStringLiteral("client-hop")},
            {QStringLiteral("channel"), QStringLiteral("private-chat")},
            {QStringLiteral("data"), QJsonObject{{QStringLiteral("hop"), 1}}}});
        QTRY_VERIFY(onB.has(QStringLiteral("client-hop")));
        QCOMPARE(onB.find(QStringLiteral("client-hop")).value(QStringLiteral("data")).toObject(),
            QJsonObject({{QStringLiteral("hop"), 1}}));
        QTest::qWait(200);
        QVERIFY(!onA.has(QStringLiteral("client-hop")));
    }

    void presenceCountsUniqueUsersAcrossNodes()
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
        QCOMPARE(s1.dataOf(QStringLiteral("pusher_internal:member_added")).value(QStringLiteral("user_id")).toString(),
            QStringLiteral("ub"));

        // ua again, on node B: one user, no member_added anywhere.
        s3.subscribe(channel, ua);
        QTRY_VERIFY(s3.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        QCOMPARE(s3.dataOf(QStringLiteral("pusher_internal:subscription_succeeded"))
                     .value(QStringLiteral("presence"))
                     .toObject()
                     .value(QStringLiteral("count"))
                     .toInt(),
            2);
        for (ServerCore *n : {m_a.get(), m_b.get()}) {
            bool answered = false;
            n->pusher().clusterChannel(
                *n->pusher().appState(QStringLiteral("app-id")), channel, [&answered](const ClusterChannel &ch) {
                    answered = true;
                    QCOMPARE(ch.subscriptionCount, 3);
                    QCOMPARE(ch.members.size(), 2);
                });
            QTRY_VERIFY(answered);
        }
        QTest::qWait(200);
        QCOMPARE(s2.count(QStringLiteral("pusher_internal:member_added")), 0);
        QCOMPARE(s1.count(QStringLiteral("pusher_internal:member_added")), 1);

        // ua leaves node A but stays on B: no member_removed; then leaves B too: one member_removed.
        s1.socket.close();
        QTest::qWait(500);
        QCOMPARE(s2.count(QStringLiteral("pusher_internal:member_removed")), 0);
        s3.socket.close();
        QTRY_COMPARE(s2.count(QStringLiteral("pusher_internal:member_removed")), 1);
        QCOMPARE(
            s2.dataOf(QStringLiteral("pusher_internal:member_removed")).value(QStringLiteral("user_id")).toString(),
            QStringLiteral("ua"));

        // Every cross-node query resolved with the other node's answer, none timed out.
        QVERIFY(familySum(m_b->metrics(), "soketi_horizontal_adapter_sent_requests") >= 2);
        QVERIFY(familySum(m_a->metrics(), "soketi_horizontal_adapter_received_requests") >= 2);
        QCOMPARE(familySum(m_b->metrics(), "soketi_horizontal_adapter_uncomplete_promises"), 0.0);
        QVERIFY(familySum(m_b->metrics(), "soketi_horizontal_adapter_resolve_time") >= 2);
    }

    void channelListingSumsNodes()
    {
        QVERIFY(startNodes());
        Client onA(m_a->port()), onB(m_b->port());
        QTRY_VERIFY(onA.established() && onB.established());
        onA.subscribe(QStringLiteral("list-1"));
        onB.subscribe(QStringLiteral("list-1"));
        onA.subscribe(QStringLiteral("list-only-a"));
        QTRY_VERIFY(onA.count(QStringLiteral("pusher_internal:subscription_succeeded")) == 2
            && onB.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        QHash<QString, ClusterChannel> all;
        bool answered = false;
        m_b->pusher().clusterChannels(
            *m_b->pusher().appState(QStringLiteral("app-id")), [&](const QHash<QString, ClusterChannel> &channels) {
                all = channels;
                answered = true;
            });
        QTRY_VERIFY(answered);
        QCOMPARE(all.value(QStringLiteral("list-1")).subscriptionCount, 2);
        QCOMPARE(all.value(QStringLiteral("list-only-a")).subscriptionCount, 1);
    }

    void subscriptionCountIsClusterWide()
    {
        QVERIFY(startNodes(-1, true));
        Client onA(m_a->port()), onB(m_b->port());
        QTRY_VERIFY(onA.established() && onB.established());
        const QString channel = QStringLiteral("counted");
        auto lastCount = [&channel](const Client &c) {
            int count = -1;
            for (const QJsonObject &m : c.messages)
                if (m.value(QStringLiteral("event")).toString() == QLatin1String("pusher_internal:subscription_count")
                    && m.value(QStringLiteral("channel")).toString() == channel)
                    count = QJsonDocument::fromJson(m.value(QStringLiteral("data")).toString().toUtf8())
                                .object()
                                .value(QStringLiteral("subscription_count"))
                                .toInt();
            return count;
        };
        onA.subscribe(channel);
        QTRY_COMPARE(lastCount(onA), 1);
        onB.subscribe(channel);
        QTRY_COMPARE(lastCount(onB), 2);
        QTRY_COMPARE(lastCount(onA), 2); // told by node B
        // The last subscriber of node B leaves: node A's subscriber learns the new total.
        onB.send({{QStringLiteral("event"), QStringLiteral("pusher:unsubscribe")},
            {QStringLiteral("data"), QJsonObject{{QStringLiteral("channel"), channel}}}});
        QTRY_COMPARE(lastCount(onA), 1);
    }

    void restAnswersAreClusterWide()
    {
        QVERIFY(startNodes());
        const QString channel = QStringLiteral("presence-rest");
        const QString ua = QStringLiteral("{\"user_id\":\"ua\",\"user_info\":{}}");
        const QString ub = QStringLiteral("{\"user_id\":\"ub\",\"user_info\":{}}");
        Client s1(m_a->port()), s2(m_b->port()), s3(m_b->port());
        QTRY_VERIFY(s1.established() && s2.established() && s3.established());
        s1.subscribe(channel, ua);
        QTRY_VERIFY(s1.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        s2.subscribe(channel, ub);
        s3.subscribe(channel, ua);
        s3.subscribe(QStringLiteral("rest-public"));
        QTRY_VERIFY(s2.has(QStringLiteral("pusher_internal:subscription_succeeded"))
            && s3.count(QStringLiteral("pusher_internal:subscription_succeeded")) == 2);

        for (ServerCore *n : {m_a.get(), m_b.get()}) {
            const auto [status, info] = rest(n->port(), "GET", QStringLiteral("/apps/app-id/channels/") + channel,
                {{QStringLiteral("info"), QStringLiteral("user_count,subscription_count")}});
            QCOMPARE(status, 200);
            QCOMPARE(info.value(QStringLiteral("user_count")).toInt(), 2); // ua counted once
            QCOMPARE(info.value(QStringLiteral("subscription_count")).toInt(), 3);
            QCOMPARE(info.value(QStringLiteral("occupied")).toBool(), true);
            const auto [usersStatus, users] =
                rest(n->port(), "GET", QStringLiteral("/apps/app-id/channels/%1/users").arg(channel));
            QCOMPARE(usersStatus, 200);
            QStringList ids;
            for (const QJsonValue &u : users.value(QStringLiteral("users")).toArray())
                ids.append(u.toObject().value(QStringLiteral("id")).toString());
            ids.sort();
            QCOMPARE(ids, QStringList({QStringLiteral("ua"), QStringLiteral("ub")}));
        }
        // Node A lists a channel only node B has.
        const auto [listStatus, list] = rest(m_a->port(), "GET", QStringLiteral("/apps/app-id/channels"),
            {{QStringLiteral("info"), QStringLiteral("user_count")}});
        QCOMPARE(listStatus, 200);
        const QJsonObject channels = list.value(QStringLiteral("channels")).toObject();
        QCOMPARE(channels.value(QStringLiteral("rest-public"))
                     .toObject()
                     .value(QStringLiteral("subscription_count"))
                     .toInt(),
            1);
        QCOMPARE(channels.value(channel).toObject().value(QStringLiteral("user_count")).toInt(), 2);
        // A trigger's `info` counts the cluster too.
        const QByteArray body = "{\"name\":\"e\",\"channels\":[\"rest-public\",\"presence-rest\"],\"data\":\"{}\","
                                "\"info\":\"subscription_count,user_count\"}";
        const auto [triggerStatus, triggered] =
            rest(m_a->port(), "POST", QStringLiteral("/apps/app-id/events"), {}, body);
        QCOMPARE(triggerStatus, 200);
        const QJsonObject info = triggered.value(QStringLiteral("channels")).toObject();
        QCOMPARE(
            info.value(QStringLiteral("rest-public")).toObject().value(QStringLiteral("subscription_count")).toInt(),
            1);
        QCOMPARE(info.value(channel).toObject().value(QStringLiteral("subscription_count")).toInt(), 3);
        QCOMPARE(info.value(channel).toObject().value(QStringLiteral("user_count")).toInt(), 2);
        QTRY_VERIFY(s3.has(QStringLiteral("e"), QStringLiteral("rest-public")));
        // A non-presence channel has no users: a synchronous 400, cluster or not.
        QCOMPARE(rest(m_a->port(), "GET", QStringLiteral("/apps/app-id/channels/rest-public/users")).first, 400);
    }

    void watchlistAcrossNodes()
    {
        QVERIFY(startNodes());
        // Watchlist events as (name, user) pairs, in arrival order.
        auto events = [](const Client &c) {
            QStringList out;
            for (const QJsonObject &m : c.messages) {
                if (m.value(QStringLiteral("event")).toString() != QLatin1String("pusher_internal:watchlist_events"))
                    continue;
                for (const QJsonValue &e :
                    m.value(QStringLiteral("data")).toObject().value(QStringLiteral("events")).toArray())
                    for (const QJsonValue &id : e.toObject().value(QStringLiteral("user_ids")).toArray())
                        out.append(
                            e.toObject().value(QStringLiteral("name")).toString() + QLatin1Char(':') + id.toString());
            }
            return out;
        };
        Client watcher(m_a->port()), xOnB(m_b->port()), xOnA(m_a->port());
        QTRY_VERIFY(watcher.established() && xOnB.established() && xOnA.established());
        watcher.signin(QStringLiteral("w"), {QStringLiteral("x")});
        QTRY_VERIFY(watcher.has(QStringLiteral("pusher:signin_success")));
        QTest::qWait(100);
        QCOMPARE(events(watcher), QStringList());
        xOnB.signin(QStringLiteral("x"));
        QTRY_COMPARE(events(watcher), QStringList({QStringLiteral("online:x")}));
        xOnA.signin(QStringLiteral("x")); // x is already online (on node B): no second event
        QTRY_VERIFY(xOnA.has(QStringLiteral("pusher:signin_success")));
        QTest::qWait(300);
        QCOMPARE(events(watcher), QStringList({QStringLiteral("online:x")}));

        // A new watcher on node B sees w, who is online on node A.
        Client watcher2(m_b->port());
        QTRY_VERIFY(watcher2.established());
        watcher2.signin(QStringLiteral("v"), {QStringLiteral("w")});
        QTRY_COMPARE(events(watcher2), QStringList({QStringLiteral("online:w")}));

        xOnB.socket.close(); // x still on node A
        QTest::qWait(400);
        QCOMPARE(events(watcher), QStringList({QStringLiteral("online:x")}));
        xOnA.socket.close();
        QTRY_COMPARE(events(watcher), QStringList({QStringLiteral("online:x"), QStringLiteral("offline:x")}));
        watcher.socket.close(); // w leaves node A: the watcher on node B hears it
        QTRY_COMPARE(events(watcher2), QStringList({QStringLiteral("online:w"), QStringLiteral("offline:w")}));
    }

    void silentNodeResolvesByTimeout()
    {
        QVERIFY(startNodes());
        Client onA(m_a->port());
        QTRY_VERIFY(onA.established());
        onA.subscribe(QStringLiteral("slow"));
        QTRY_VERIFY(onA.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        // A third "node" that subscribes to the request channel and never answers.
        QTcpSocket silent;
        silent.connectToHost(QHostAddress::LocalHost, m_redis.port);
        QVERIFY(silent.waitForConnected(2000));
        const QByteArray channel = m_a->config().adapter.redisPrefix.toUtf8() + "#redis-adapter#comms#req";
        silent.write("SUBSCRIBE " + channel + "\r\n");
        QVERIFY(silent.waitForReadyRead(2000));

        QElapsedTimer clock;
        clock.start();
        bool answered = false;
        qint64 count = -1;
        m_b->pusher().clusterChannel(
            *m_b->pusher().appState(QStringLiteral("app-id")), QStringLiteral("slow"), [&](const ClusterChannel &ch) {
                answered = true;
                count = ch.subscriptionCount;
            });
        QTRY_VERIFY_WITH_TIMEOUT(answered, 5000);
        QVERIFY(clock.elapsed() >= 1900); // requestsTimeoutMs = 2000
        QCOMPARE(count, 1); // node A's answer arrived and counts
        QCOMPARE(familySum(m_b->metrics(), "soketi_horizontal_adapter_uncomplete_promises"), 1.0);

        // A node destroyed with a request outstanding never calls its resolver.
        bool late = false;
        m_b->pusher().clusterChannel(*m_b->pusher().appState(QStringLiteral("app-id")), QStringLiteral("slow"),
            [&late](const ClusterChannel &) { late = true; });
        m_b.reset();
        QTest::qWait(2500);
        QVERIFY(!late);
    }

    void answersSoketiNodesInTheirShapes()
    {
        // A soketi 1.6 node in the same cluster asks with its own request types (spec §8.1) and merges
        // the answers by its field names: both qsoketi nodes answer in that shape.
        QVERIFY(startNodes());
        Client onA(m_a->port()), onB(m_b->port());
        QTRY_VERIFY(onA.established() && onB.established());
        const QString channel = QStringLiteral("presence-room");
        onA.subscribe(channel, QStringLiteral("{\"user_id\":\"ada\",\"user_info\":{\"name\":\"Ada\"}}"));
        onB.subscribe(channel, QStringLiteral("{\"user_id\":\"bob\",\"user_info\":{}}"));
        QTRY_VERIFY(onA.has(QStringLiteral("pusher_internal:subscription_succeeded"))
            && onB.has(QStringLiteral("pusher_internal:subscription_succeeded")));

        const QByteArray prefix = m_a->config().adapter.redisPrefix.toUtf8() + "#redis-adapter#comms#";
        QTcpSocket listener;
        listener.connectToHost(QHostAddress::LocalHost, m_redis.port);
        QVERIFY(listener.waitForConnected(2000));
        listener.write(RedisTestServer::resp({"SUBSCRIBE", prefix + "res"}));
        QVERIFY(listener.waitForReadyRead(2000));
        listener.readAll();
        QTcpSocket asker;
        asker.connectToHost(QHostAddress::LocalHost, m_redis.port);
        QVERIFY(asker.waitForConnected(2000));
        const auto ask = [&](int type, const QJsonObject &opts) {
            const QString requestId = QStringLiteral("soketi-%1").arg(type);
            const QJsonObject request{{QStringLiteral("requestId"), requestId},
                {QStringLiteral("appId"), QStringLiteral("app-id")}, {QStringLiteral("type"), type},
                {QStringLiteral("opts"), opts}};
            asker.write(RedisTestServer::resp(
                {"PUBLISH", prefix + "req", QJsonDocument(request).toJson(QJsonDocument::Compact)}));
            QList<QJsonObject> answers;
            QByteArray buffer;
            [[maybe_unused]] const bool both = QTest::qWaitFor(
                [&] {
                    listener.waitForReadyRead(50);
                    buffer += listener.readAll();
                    answers.clear();
                    for (const QByteArray &payload : bulkStrings(buffer)) {
                        const QJsonObject o = QJsonDocument::fromJson(payload).object();
                        if (o.value(QStringLiteral("requestId")).toString() == requestId)
                            answers.append(o);
                    }
                    return answers.size() >= 2;
                },
                3000);
            return answers;
        };
        const QJsonObject onChannel{{QStringLiteral("channel"), channel}};
        QStringList users;
        for (const QJsonObject &a : ask(3, onChannel))
            for (const QJsonValue &m : a.value(QStringLiteral("members")).toArray())
                users.append(m.toArray().at(0).toString());
        users.sort();
        QCOMPARE(users, QStringList({QStringLiteral("ada"), QStringLiteral("bob")}));
        int total = 0;
        for (const QJsonObject &a : ask(5, onChannel))
            total += a.value(QStringLiteral("totalCount")).toInt();
        QCOMPARE(total, 2);
        total = 0;
        for (const QJsonObject &a : ask(6, onChannel))
            total += a.value(QStringLiteral("totalCount")).toInt();
        QCOMPARE(total, 2);
        int exists = 0;
        for (const QJsonObject &a :
            ask(7, {{QStringLiteral("channel"), channel}, {QStringLiteral("wsId"), onB.socketId()}}))
            exists += a.value(QStringLiteral("exists")).toBool();
        QCOMPARE(exists, 1);
        total = 0;
        for (const QJsonObject &a : ask(8, {}))
            for (const QJsonValue &pair : a.value(QStringLiteral("channelsWithSocketsCount")).toArray())
                if (pair.toArray().at(0).toString() == channel)
                    total += pair.toArray().at(1).toInt();
        QCOMPARE(total, 2);
        QStringList sockets;
        for (const QJsonObject &a : ask(1, {}))
            for (const QJsonValue &pair : a.value(QStringLiteral("channels")).toArray())
                if (pair.toArray().at(0).toString() == channel)
                    for (const QJsonValue &id : pair.toArray().at(1).toArray())
                        sockets.append(id.toString());
        sockets.sort();
        QStringList expected{onA.socketId(), onB.socketId()};
        expected.sort();
        QCOMPARE(sockets, expected);
    }

    void webhooksSeeTheCluster()
    {
        WebhookReceiver hooks;
        QVERIFY(hooks.port != 0);
        QVERIFY(startNodes(-1, false, hooks.port));
        Client onA(m_a->port()), onB(m_b->port());
        QTRY_VERIFY(onA.established() && onB.established());
        onA.subscribe(QStringLiteral("hooked"));
        QTRY_COMPARE(hooks.events, QStringList({QStringLiteral("channel_occupied:hooked")}));
        onB.subscribe(QStringLiteral("hooked")); // already occupied through node A
        QTRY_VERIFY(onB.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        const QString ua = QStringLiteral("{\"user_id\":\"ua\",\"user_info\":{}}");
        onA.subscribe(QStringLiteral("presence-hooked"), ua);
        QTRY_VERIFY(hooks.events.contains(QStringLiteral("member_added:presence-hooked:ua")));
        onB.subscribe(QStringLiteral("presence-hooked"), ua); // the same user on node B: not added again
        QTRY_COMPARE(onB.count(QStringLiteral("pusher_internal:subscription_succeeded")), 2);
        QTest::qWait(400);
        QCOMPARE(hooks.events.count(QStringLiteral("channel_occupied:hooked")), 1);
        QCOMPARE(hooks.events.count(QStringLiteral("member_added:presence-hooked:ua")), 1);
        QCOMPARE(hooks.events.count(QStringLiteral("channel_occupied:presence-hooked")), 1);

        onA.socket.close(); // node B still has both channels and the user
        QTest::qWait(500);
        QVERIFY(!hooks.events.contains(QStringLiteral("channel_vacated:hooked")));
        QVERIFY(!hooks.events.contains(QStringLiteral("member_removed:presence-hooked:ua")));
        onB.socket.close();
        QTRY_VERIFY(hooks.events.contains(QStringLiteral("channel_vacated:hooked"))
            && hooks.events.contains(QStringLiteral("member_removed:presence-hooked:ua"))
            && hooks.events.contains(QStringLiteral("channel_vacated:presence-hooked")));
        QTest::qWait(200);
        QCOMPARE(hooks.events.count(QStringLiteral("channel_vacated:hooked")), 1);
        QCOMPARE(hooks.events.count(QStringLiteral("member_removed:presence-hooked:ua")), 1);
    }

    void sendToUserAndTerminateAcrossNodes()
    {
        QVERIFY(startNodes());
        Client onA(m_a->port());
        QTRY_VERIFY(onA.established());
        onA.signin(QStringLiteral("u1"));
        QTRY_VERIFY(onA.has(QStringLiteral("pusher:signin_success")));
        AppState &stateB = *m_b->pusher().appState(QStringLiteral("app-id"));
        m_b->pusher().publish(stateB, QStringLiteral("#server-to-user-u1"), QStringLiteral("dm"), "{}", {});
        QTRY_VERIFY(onA.has(QStringLiteral("dm")));
        m_b->pusher().terminateUserConnections(stateB, QStringLiteral("u1"));
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
        QVERIFY(!third.established());
        QVERIFY(!first.closed && !second.closed);
        // A slot freed on B is usable from A.
        second.socket.close();
        QTRY_COMPARE(m_b->pusher().connectionCount(), 0);
        Client fourth(m_a->port());
        QTRY_VERIFY(fourth.established());
    }

    void survivesRedisRestart()
    {
        QVERIFY(startNodes());
        m_redis.stop();
        // Alone, each node still serves its own clients.
        Client onA(m_a->port());
        QTRY_VERIFY(onA.established());
        onA.subscribe(QStringLiteral("after"));
        QTRY_VERIFY(onA.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        QTRY_VERIFY(!m_a->cluster().isReady());
        QVERIFY(m_redis.start()); // the same port: the nodes reconnect
        QTRY_VERIFY_WITH_TIMEOUT(m_a->cluster().isReady() && m_b->cluster().isReady(), 10000);
        AppState &stateB = *m_b->pusher().appState(QStringLiteral("app-id"));
        m_b->pusher().publish(stateB, QStringLiteral("after"), QStringLiteral("back"), "{}", {});
        QTRY_VERIFY(onA.has(QStringLiteral("back")));
    }

private:
    RedisTestServer m_redis;
    int m_prefixSerial = 0;
    std::unique_ptr<ServerCore> m_a;
    std::unique_ptr<ServerCore> m_b;
};

QTEST_MAIN(TestRedisAdapter)
#include "tst_redisadapter.moc"
