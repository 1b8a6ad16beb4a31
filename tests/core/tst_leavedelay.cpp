// SPDX-License-Identifier: GPL-3.0-or-later
// The leave delay (issue 14): channel_vacated and member_removed wait, and a re-join within the delay —
// a page reload — sends no webhook at all. Driven through SubscriptionHandler on recorder sockets, with
// a real WebhookSender posting to a real HTTP receiver, and other nodes scripted: a leave held on another
// node keeps this one quiet, and a leave held here is dropped when another node has the channel again.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QWebSocket>

#include "ScriptedCluster.h"
#include "WebhookReceiver.h"
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

#include <prometheus/counter.h>

using namespace qsoketi;
using qsoketi::test::RecordingSocket;
using qsoketi::test::ScriptedCluster;
using Receiver = qsoketi::test::WebhookReceiver;

namespace {

constexpr int delayMs = 300;

ServerConfig configFor(const Receiver &receiver)
{
    ServerConfig config;
    config.webhooksLeaveDelayMs = delayMs;
    App app;
    QJsonArray types;
    for (const char *type : {"channel_occupied", "channel_vacated", "member_added", "member_removed"})
        types.append(QLatin1String(type));
    app.webhooks = {QJsonObject{
        {QStringLiteral("url"), receiver.url(QStringLiteral("/hook"))}, {QStringLiteral("event_types"), types}}};
    config.apps = {app};
    return config;
}

} // namespace

class TestLeaveDelay final : public QObject
{
    Q_OBJECT

public:
    TestLeaveDelay()
        : m_config(configFor(m_receiver))
        , m_metrics(MetricsConfig{}, 6001)
        , m_states(m_metrics)
        , m_webhooks(WebhookSender::Options::fromConfig(m_config), m_metrics)
        , m_leaves(m_config.webhooksLeaveDelayMs, m_metrics)
        , m_fanout(m_cluster, m_feed, 1 << 20, 60)
        , m_handler(m_config, m_cluster, m_fanout, m_webhooks, m_leaves, m_feed, [] { return false; })
    {
        m_states.stateFor(std::make_shared<const App>(m_config.apps.first()));
        m_cluster.setLocalNode({[this](const QString &appId) { return m_states.byId(appId); }, {}, {},
            [this](const QString &appId, const QString &channel) {
                return PendingLeaves{m_leaves.vacatedPending(appId, channel), m_leaves.removalsPending(appId, channel)};
            },
            {}, {}});
    }

private:
    Connection *connect()
    {
        auto *tcp = new RecordingSocket;
        auto *ws = new QWebSocket;
        tcp->setParent(ws);
        auto *c = new Connection(ws, tcp, QStringLiteral("%1.1").arg(++m_sockets), this);
        c->appState = m_states.byId(QStringLiteral("app-id"));
        m_fanout.add(c);
        return c;
    }
    void subscribe(Connection *c, const QString &channel, const QString &userId = {})
    {
        QJsonObject data{{QStringLiteral("channel"), channel}};
        if (!userId.isEmpty()) {
            const QString channelData = QStringLiteral("{\"user_id\":\"%1\"}").arg(userId);
            const QByteArray signature =
                HmacSigner::sign("app-secret", (c->socketId() + u':' + channel + u':' + channelData).toUtf8());
            data.insert(QStringLiteral("auth"), QString(QStringLiteral("app-key:") + QString::fromLatin1(signature)));
            data.insert(QStringLiteral("channel_data"), channelData);
        }
        IncomingMessage m;
        m.event = QStringLiteral("pusher:subscribe");
        m.data = data;
        m_handler.subscribe(c, m);
    }
    void close(Connection *c)
    {
        // As the gateway lets a connection go.
        m_fanout.remove(c);
        c->detach();
        m_handler.leaveAll(c);
        c->deleteLater();
    }
    QStringList names() const { return m_receiver.names(); }
    double cancelled() { return m_metrics.webhooksForApp(QStringLiteral("app-id")).leavesCancelled->Value(); }
    // Waits past the delay and the delivery: whatever was going to be sent has been.
    void settleDown() { QTest::qWait(delayMs + 400); }

private slots:
    void init()
    {
        m_receiver.requests.clear();
        m_cluster.remote.clear();
    }
    // What a test left held or queued goes out before the next one starts.
    void cleanup()
    {
        m_cluster.hold = false;
        m_cluster.release();
        QTRY_COMPARE_WITH_TIMEOUT(m_leaves.pendingCount(), 0, 5000);
        QTRY_COMPARE(m_webhooks.pendingCount(QStringLiteral("app-id")), 0);
    }

    void reloadSendsNothing()
    {
        Connection *first = connect();
        subscribe(first, QStringLiteral("room"));
        QTRY_COMPARE(names(), (QStringList{"channel_occupied:room"}));
        const double before = cancelled();
        close(first); // the page reloads: the old socket goes, a new one comes within the delay
        QCOMPARE(m_leaves.pendingCount(), 1);
        QTest::qWait(delayMs / 3);
        Connection *second = connect();
        subscribe(second, QStringLiteral("room"));
        QCOMPARE(m_leaves.pendingCount(), 0);
        QCOMPARE(cancelled(), before + 1);
        settleDown();
        QCOMPARE(names(), (QStringList{"channel_occupied:room"})); // neither vacated nor occupied again
        close(second);
    }

    void realLeaveSendsOneVacatedAfterTheDelay()
    {
        Connection *c = connect();
        subscribe(c, QStringLiteral("hall"));
        QTRY_COMPARE(names(), (QStringList{"channel_occupied:hall"}));
        const qint64 leftAt = QDateTime::currentMSecsSinceEpoch();
        close(c);
        QTRY_COMPARE(names(), (QStringList{"channel_occupied:hall", "channel_vacated:hall"}));
        const qint64 arrived = m_receiver.requests.last().atMs - leftAt;
        QVERIFY2(arrived >= delayMs - 20, qPrintable(QString::number(arrived)));
        settleDown();
        QCOMPARE(names().size(), 2); // exactly one vacated
        QCOMPARE(m_leaves.pendingCount(), 0);
    }

    void presenceReloadSendsNoMemberWebhooks()
    {
        Connection *first = connect();
        subscribe(first, QStringLiteral("presence-lobby"), QStringLiteral("ada"));
        // member_added is decided before the channel counts as occupied (the occupied question is asked
        // of the cluster after the join).
        QTRY_COMPARE(names(), (QStringList{"member_added:presence-lobby", "channel_occupied:presence-lobby"}));
        close(first);
        QCOMPARE(m_leaves.pendingCount(), 2); // member_removed and channel_vacated
        Connection *second = connect();
        subscribe(second, QStringLiteral("presence-lobby"), QStringLiteral("ada"));
        QCOMPARE(m_leaves.pendingCount(), 0);
        settleDown();
        QCOMPARE(names().size(), 2);
        // A real leave: member_removed, then channel_vacated, in that order, after the delay.
        close(second);
        QTRY_COMPARE(names().size(), 4);
        QCOMPARE(names().mid(2), (QStringList{"member_removed:presence-lobby", "channel_vacated:presence-lobby"}));
    }

    void aLeaveHeldElsewhereKeepsThisNodeQuiet()
    {
        // Another node emptied "shared" a moment ago and holds its vacated; this node's join is the page
        // coming back, so it sends no occupied (the other node drops its vacated when its delay ends).
        m_cluster.remote.insert(QStringLiteral("shared"),
            QJsonObject{{QStringLiteral("count"), 0},
                {QStringLiteral("leaving"), QJsonObject{{QStringLiteral("vacated"), true}}}});
        Connection *c = connect();
        subscribe(c, QStringLiteral("shared"));
        // And when it leaves again, the node holding the vacated sends it: not a second one from here.
        close(c);
        QCOMPARE(m_leaves.pendingCount(), 0);
        settleDown();
        QCOMPARE(names(), QStringList());

        // A member held as leaving elsewhere re-joins here: no member_added.
        m_cluster.remote.insert(QStringLiteral("presence-shared"),
            QJsonObject{{QStringLiteral("count"), 0},
                {QStringLiteral("leaving"),
                    QJsonObject{{QStringLiteral("members"), QJsonArray{QStringLiteral("bob")}}}}});
        Connection *bob = connect();
        subscribe(bob, QStringLiteral("presence-shared"), QStringLiteral("bob"));
        settleDown();
        QVERIFY2(!names().contains(QStringLiteral("member_added:presence-shared")), qPrintable(names().join(u' ')));
        close(bob);
    }

    void aHeldLeaveIsDroppedWhenAnotherNodeHasTheChannelAgain()
    {
        Connection *c = connect();
        subscribe(c, QStringLiteral("moving"));
        QTRY_COMPARE(names(), (QStringList{"channel_occupied:moving"}));
        close(c);
        QCOMPARE(m_leaves.pendingCount(), 1);
        // Meanwhile the user's page reconnected to another node, which kept quiet seeing the held leave
        // in this node's answer.
        const QJsonObject ours = m_cluster.answerFor(QStringLiteral("app-id"), QStringLiteral("moving"));
        QCOMPARE(ours.value(QStringLiteral("leaving")).toObject().value(QStringLiteral("vacated")).toBool(), true);
        m_cluster.remote.insert(QStringLiteral("moving"), QJsonObject{{QStringLiteral("count"), 1}});
        settleDown();
        QCOMPARE(names(), (QStringList{"channel_occupied:moving"})); // the vacated was dropped
        QCOMPARE(m_leaves.pendingCount(), 0);
        QVERIFY(!m_cluster.answerFor(QStringLiteral("app-id"), QStringLiteral("moving")).contains(u"leaving"));
    }

    void aReJoinWhileTheClusterIsAskedStillCancels()
    {
        Connection *c = connect();
        subscribe(c, QStringLiteral("slow"));
        QTRY_COMPARE(names(), (QStringList{"channel_occupied:slow"}));
        close(c);
        m_cluster.hold = true; // the other nodes take their time answering the check at the end of the delay
        QTest::qWait(delayMs + 100);
        QCOMPARE(m_leaves.pendingCount(), 1); // expired, being confirmed
        m_cluster.hold = false;
        Connection *back = connect();
        subscribe(back, QStringLiteral("slow")); // comes back before the answer
        m_cluster.release();
        settleDown();
        QCOMPARE(names(), (QStringList{"channel_occupied:slow"}));
        close(back);
    }

    void shutdownSendsHeldLeavesAtOnce()
    {
        LeaveDelay leaves(60000, m_metrics);
        QStringList expired;
        leaves.setExpiredHandler([&](const LeaveDelay::Leave &leave) {
            expired.append(leave.channel + u'/' + leave.userId);
            QVERIFY(leaves.settle(leave.id));
        });
        AppState &state = *m_states.byId(QStringLiteral("app-id"));
        leaves.memberRemoved(state, QStringLiteral("app-id"), QStringLiteral("presence-a"), QStringLiteral("u1"));
        leaves.channelVacated(state, QStringLiteral("app-id"), QStringLiteral("presence-a"));
        leaves.channelVacated(state, QStringLiteral("app-id"), QStringLiteral("b"));
        QVERIFY(leaves.cancelVacated(QStringLiteral("app-id"), QStringLiteral("b")));
        QVERIFY(!leaves.cancelVacated(QStringLiteral("app-id"), QStringLiteral("b")));
        QCOMPARE(expired, QStringList());
        leaves.flush();
        QCOMPARE(expired, (QStringList{"presence-a/u1", "presence-a/"})); // in the order they were held
        leaves.channelVacated(state, QStringLiteral("app-id"), QStringLiteral("c")); // after: not held
        QCOMPARE(expired.last(), QStringLiteral("c/"));
        QCOMPARE(leaves.pendingCount(), 0);
    }

    void noDelayMeansAtOnce()
    {
        LeaveDelay leaves(0, m_metrics);
        int expired = 0;
        leaves.setExpiredHandler([&](const LeaveDelay::Leave &leave) {
            ++expired;
            leaves.settle(leave.id);
        });
        leaves.channelVacated(*m_states.byId(QStringLiteral("app-id")), QStringLiteral("app-id"), QStringLiteral("x"));
        QCOMPARE(expired, 1);
    }

private:
    Receiver m_receiver;
    ServerConfig m_config;
    MetricsRegistry m_metrics;
    AppStates m_states;
    ActivityFeed m_feed;
    WebhookSender m_webhooks;
    LeaveDelay m_leaves;
    ScriptedCluster m_cluster;
    Fanout m_fanout;
    SubscriptionHandler m_handler;
    int m_sockets = 0;
};

QTEST_GUILESS_MAIN(TestLeaveDelay)
#include "tst_leavedelay.moc"
