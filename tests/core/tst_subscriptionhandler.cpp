// SPDX-License-Identifier: GPL-3.0-or-later
// SubscriptionHandler step by step, on connections whose socket is a recorder (no network): each
// refusal of a subscribe, presence membership decided over the cluster, and an answer of the other
// nodes that arrives after the connection has gone.
#include <memory>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

#include "ScriptedCluster.h"
#include "adapter/ClusterView.h"
#include "apps/AppRegistry.h"
#include "auth/HmacSigner.h"
#include "channels/AppStates.h"
#include "config/ServerConfig.h"
#include "metrics/MetricsRegistry.h"
#include "protocol/MessageCodec.h"
#include "server/ActivityFeed.h"
#include "server/Connection.h"
#include "server/Fanout.h"
#include "server/SubscriptionHandler.h"
#include "webhooks/LeaveDelay.h"
#include "webhooks/WebhookSender.h"

using namespace qsoketi;
using qsoketi::test::RecordingSocket;
using qsoketi::test::ScriptedCluster;

class TestSubscriptionHandler final : public QObject
{
    Q_OBJECT

public:
    TestSubscriptionHandler()
        : m_metrics(MetricsConfig{}, 6001)
        , m_apps(appsForTest())
        , m_states(m_metrics)
        , m_webhooks(WebhookSender::Options::fromConfig(m_config), m_metrics)
        , m_leaves(m_config.webhooksLeaveDelayMs, m_metrics)
        , m_fanout(m_cluster, m_feed, 1 << 20, 60)
        , m_handler(m_config, m_cluster, m_fanout, m_webhooks, m_leaves, m_feed, [] { return false; })
    {
        m_config.maxChannelsPerConnection = 3;
        m_states.stateFor(std::make_shared<const App>(m_apps.apps().first()));
    }

private:
    static QList<App> appsForTest()
    {
        App app;
        app.maxPresenceMembersPerChannel = 2;
        app.maxChannelNameLength = 20;
        return {app};
    }

    struct Client
    {
        RecordingSocket *tcp;
        Connection *connection;
    };

    Client connect(const QString &socketId)
    {
        auto *tcp = new RecordingSocket;
        auto *ws = new QWebSocket;
        tcp->setParent(ws);
        auto *c = new Connection(ws, tcp, socketId, this);
        c->appState = m_states.byId(QStringLiteral("app-id"));
        m_fanout.add(c);
        return {tcp, c};
    }

    // The Pusher messages a client received (server frames are never masked).
    static QList<QJsonObject> received(const Client &client)
    {
        QList<QJsonObject> messages;
        const QByteArray &bytes = client.tcp->written;
        qsizetype at = 0;
        while (at + 2 <= bytes.size()) {
            qsizetype length = quint8(bytes[at + 1]) & 0x7f;
            qsizetype header = 2;
            if (length == 126) {
                length = (quint8(bytes[at + 2]) << 8) | quint8(bytes[at + 3]);
                header = 4;
            }
            messages.append(QJsonDocument::fromJson(bytes.mid(at + header, length)).object());
            at += header + length;
        }
        return messages;
    }
    static QJsonObject last(const Client &client) { return received(client).value(received(client).size() - 1); }
    static QJsonObject dataOf(const QJsonObject &message)
    {
        const QJsonValue data = message.value(QStringLiteral("data"));
        return data.isString() ? QJsonDocument::fromJson(data.toString().toUtf8()).object() : data.toObject();
    }

    void subscribe(const Client &client, const QString &channel, const QString &userId = {})
    {
        QJsonObject data{{QStringLiteral("channel"), channel}};
        if (!userId.isEmpty()) {
            const QString channelData = QStringLiteral("{\"user_id\":\"%1\"}").arg(userId);
            const QByteArray signature = HmacSigner::sign(
                "app-secret", (client.connection->socketId() + u':' + channel + u':' + channelData).toUtf8());
            data.insert(QStringLiteral("auth"), QString(QStringLiteral("app-key:") + QString::fromLatin1(signature)));
            data.insert(QStringLiteral("channel_data"), channelData);
        }
        IncomingMessage m;
        m.event = QStringLiteral("pusher:subscribe");
        m.data = data;
        m_handler.subscribe(client.connection, m);
    }

private slots:
    // What a cache channel keeps of a message from another node: published events only, whatever the
    // encoder's field order; an escaped event name is read by the JSON parser, never by the fast path.
    void publishedEventsAreToldFromClientAndProtocolEvents_data()
    {
        QTest::addColumn<QByteArray>("message");
        QTest::addColumn<bool>("published");
        QTest::newRow("ours") << QByteArray("{\"event\":\"order-shipped\",\"channel\":\"cache-a\",\"data\":\"{}\"}")
                              << true;
        QTest::newRow("client event") << QByteArray("{\"event\":\"client-typing\",\"channel\":\"cache-a\",\"data\":{}}")
                                      << false;
        QTest::newRow("member_added") << QByteArray(
            "{\"event\":\"pusher_internal:member_added\",\"channel\":\"cache-a\",\"data\":\"{}\"}")
                                      << false;
        QTest::newRow("soketi's order") << QByteArray(
            "{\"channel\":\"cache-a\",\"event\":\"order-shipped\",\"data\":\"x\"}")
                                        << true;
        QTest::newRow("soketi's order, client")
            << QByteArray("{\"channel\":\"cache-a\",\"event\":\"client-x\",\"data\":\"x\"}") << false;
        QTest::newRow("escaped client name")
            << QByteArray("{\"event\":\"client\\u002dtyping\",\"channel\":\"cache-a\",\"data\":{}}") << false;
        QTest::newRow("escaped published name")
            << QByteArray("{\"event\":\"say \\\"hi\\\"\",\"channel\":\"cache-a\"}") << true;
        QTest::newRow("not JSON") << QByteArray("{\"event\":") << false;
    }
    void publishedEventsAreToldFromClientAndProtocolEvents()
    {
        QFETCH(QByteArray, message);
        QFETCH(bool, published);
        QCOMPARE(Fanout::isPublishedEvent(message), published);
    }

    void refusalsNameTheChannel_data()
    {
        QTest::addColumn<QString>("channel");
        QTest::addColumn<int>("status");
        QTest::newRow("empty name") << QString() << 4009;
        QTest::newRow("bad character") << QStringLiteral("a b") << 4009;
        QTest::newRow("too long") << QStringLiteral("x").repeated(21) << 4009;
        QTest::newRow("private without auth") << QStringLiteral("private-x") << 401;
        QTest::newRow("another user's channel") << QStringLiteral("#server-to-user-7") << 401;
    }

    void refusalsNameTheChannel()
    {
        QFETCH(QString, channel);
        QFETCH(int, status);
        const Client client = connect(QStringLiteral("1.1"));
        subscribe(client, channel);
        const QJsonObject reply = last(client);
        QCOMPARE(reply.value(QStringLiteral("event")).toString(), QStringLiteral("pusher:subscription_error"));
        QCOMPARE(reply.value(QStringLiteral("channel")).toString(), channel);
        QCOMPARE(dataOf(reply).value(QStringLiteral("status")).toInt(), status);
        QVERIFY(client.connection->subscriptions.empty());
        m_handler.leaveAll(client.connection);
    }

    void channelsPerConnectionAreCounted()
    {
        const Client client = connect(QStringLiteral("2.2"));
        for (const char *name : {"a", "b", "c", "d"})
            subscribe(client, QString::fromLatin1(name));
        QCOMPARE(client.connection->subscriptions.size(), size_t(3));
        QCOMPARE(dataOf(last(client)).value(QStringLiteral("type")).toString(), QStringLiteral("LimitReached"));
        m_handler.leaveAll(client.connection);
        QVERIFY(m_states.byId(QStringLiteral("app-id"))->channels().empty());
    }

    void presenceCountsMembersOnEveryNode()
    {
        // Another node already has "bob" in the room; the limit is 2 members.
        m_cluster.remote.insert(QStringLiteral("presence-room"),
            QJsonObject{{QStringLiteral("count"), 1},
                {QStringLiteral("members"),
                    QJsonObject{{QStringLiteral("bob"), QJsonObject{{QStringLiteral("id"), QStringLiteral("bob")}}}}}});
        const Client ada = connect(QStringLiteral("3.1"));
        subscribe(ada, QStringLiteral("presence-room"), QStringLiteral("ada"));
        const QJsonObject presence = dataOf(last(ada)).value(QStringLiteral("presence")).toObject();
        QCOMPARE(presence.value(QStringLiteral("count")).toInt(), 2); // ada here, bob elsewhere
        QCOMPARE(m_cluster.published.size(), 1); // member_added for the other nodes
        QVERIFY(m_cluster.published.first().second.contains("member_added"));

        // bob on a second connection here is already a member: no member_added anywhere.
        const Client bob = connect(QStringLiteral("3.2"));
        subscribe(bob, QStringLiteral("presence-room"), QStringLiteral("bob"));
        QCOMPARE(last(bob).value(QStringLiteral("event")).toString(),
            QStringLiteral("pusher_internal:subscription_succeeded"));
        QCOMPARE(m_cluster.published.size(), 1);
        // A third user is over the limit counted over both nodes.
        const Client cy = connect(QStringLiteral("3.3"));
        subscribe(cy, QStringLiteral("presence-room"), QStringLiteral("cy"));
        QCOMPARE(dataOf(last(cy)).value(QStringLiteral("status")).toInt(), 4100);

        // bob leaves here but is still on the other node: nobody is told.
        m_handler.leaveAll(bob.connection);
        QCOMPARE(m_cluster.published.size(), 1);
        for (const Client &c : {ada, cy})
            m_handler.leaveAll(c.connection);
        m_cluster.remote.clear();
        m_cluster.published.clear();
    }

    void aLateAnswerForAGoneConnectionIsIgnored()
    {
        m_cluster.hold = true;
        const Client client = connect(QStringLiteral("4.1"));
        subscribe(client, QStringLiteral("presence-late"), QStringLiteral("ada"));
        QVERIFY(client.connection->subscriptions.empty()); // waiting for the other nodes
        m_fanout.remove(client.connection);
        client.connection->detach(); // the gateway lets go of it before it is deleted
        m_cluster.release();
        m_cluster.hold = false;
        QVERIFY(client.connection->subscriptions.empty());
        QVERIFY(m_states.byId(QStringLiteral("app-id"))->channel(QStringLiteral("presence-late")) == nullptr);
    }

private:
    ServerConfig m_config;
    MetricsRegistry m_metrics;
    AppRegistry m_apps;
    AppStates m_states;
    ActivityFeed m_feed;
    WebhookSender m_webhooks;
    LeaveDelay m_leaves;
    ScriptedCluster m_cluster;
    Fanout m_fanout;
    SubscriptionHandler m_handler;
};

QTEST_GUILESS_MAIN(TestSubscriptionHandler)
#include "tst_subscriptionhandler.moc"
