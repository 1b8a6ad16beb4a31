// SPDX-License-Identifier: GPL-3.0-or-later
// The cluster view of a lone node: every answer comes at once, from this node's state, in the same
// shape a cluster gives; and the answers this node gives to other nodes' requests.
#include <QJsonArray>
#include <QTest>

#include "adapter/LocalClusterView.h"
#include "apps/AppRegistry.h"
#include "channels/AppStates.h"
#include "metrics/MetricsRegistry.h"

using namespace qsoketi;

namespace {

// Channels only store subscriber pointers; they never dereference them.
Connection *fakeConnection(quintptr n)
{
    return reinterpret_cast<Connection *>(n * 64);
}

// Exposes the answers a node gives to the others.
class AnsweringView final : public ClusterView
{
public:
    QString driver() const override { return QStringLiteral("test"); }
    void publish(AppState &, const QString &, const QByteArray &, const QString &) override {}
    using ClusterView::answer;

protected:
    void askOthers(AppState &, ClusterRequest, const QJsonObject &, AnswersDone done) override
    {
        if (done)
            done({});
    }
};

} // namespace

class TestLocalClusterView final : public QObject
{
    Q_OBJECT

public:
    TestLocalClusterView()
        : m_metrics(MetricsConfig{}, 6001)
        , m_apps(QList<App>{App{}})
        , m_states(m_metrics)
    {
        m_states.stateFor(std::make_shared<const App>(m_apps.apps().first()));
    }

private slots:
    void init()
    {
        AppState &app = state();
        Channel &news = app.ensureChannel(QStringLiteral("news"));
        news.add(fakeConnection(1));
        news.add(fakeConnection(2));
        Channel &room = app.ensureChannel(QStringLiteral("presence-room"));
        room.add(fakeConnection(1));
        room.addMember(
            QStringLiteral("ada"), QStringLiteral("ada"), QJsonObject{{QStringLiteral("name"), QStringLiteral("Ada")}});
        app.attach();
        app.attach();
        app.signIn(QStringLiteral("ada"), fakeConnection(1));
    }

    void cleanup()
    {
        AppState &app = state();
        for (const QString &name : {QStringLiteral("news"), QStringLiteral("presence-room")}) {
            Channel *ch = app.channel(name);
            for (Connection *c : std::vector<Connection *>(ch->subscribers()))
                ch->remove(c);
            app.dropIfEmpty(ch);
        }
        app.detach();
        app.detach();
        app.signOut(QStringLiteral("ada"), fakeConnection(1));
    }

    void answersAtOnceWithThisNodesState()
    {
        LocalClusterView view;
        bool answered = false;
        view.channel(state(), QStringLiteral("presence-room"), [&](const ClusterChannel &ch) {
            answered = true;
            QCOMPARE(ch.subscriptionCount, 1);
            QCOMPARE(ch.members.keys(), QStringList{QStringLiteral("ada")});
        });
        QVERIFY(answered); // before channel() returned

        answered = false;
        view.channel(state(), QStringLiteral("nobody"), [&](const ClusterChannel &ch) {
            answered = true;
            QCOMPARE(ch.subscriptionCount, 0);
        });
        QVERIFY(answered);

        qint64 sockets = -1;
        view.socketsCount(state(), [&](qint64 total) { sockets = total; });
        QCOMPARE(sockets, 2);

        QSet<QString> elsewhere{QStringLiteral("sentinel")};
        view.usersOnlineElsewhere(
            state(), {QStringLiteral("ada")}, [&](const QSet<QString> &online) { elsewhere = online; });
        QVERIFY(elsewhere.isEmpty()); // nobody else
        QVERIFY(view.isReady());
    }

    void listsEveryChannelOrTheNamedOnes()
    {
        LocalClusterView view;
        QHash<QString, ClusterChannel> all;
        view.channels(state(), {}, [&](const QHash<QString, ClusterChannel> &channels) { all = channels; });
        QCOMPARE(all.size(), 2);
        QCOMPARE(all.value(QStringLiteral("news")).subscriptionCount, 2);

        QHash<QString, ClusterChannel> named;
        view.channels(state(), {QStringLiteral("news"), QStringLiteral("absent")},
            [&](const QHash<QString, ClusterChannel> &channels) { named = channels; });
        QCOMPARE(named.size(), 2);
        QCOMPARE(named.value(QStringLiteral("news")).subscriptionCount, 2);
        QCOMPARE(named.value(QStringLiteral("absent")).subscriptionCount, 0);
    }

    void answersOtherNodesInTheWireShapes()
    {
        AnsweringView view;
        QStringList terminated;
        view.setLocalNode({[this](const QString &id) { return m_states.byId(id); }, {},
            [&terminated](AppState &, const QString &userId) { terminated.append(userId); }, {}, {}, {}});
        QCOMPARE(view.answer(QStringLiteral("app-id"), ClusterRequest::SocketsCount, {}),
            (QJsonObject{{QStringLiteral("totalCount"), 2}}));
        const QJsonObject info = view.answer(QStringLiteral("app-id"), ClusterRequest::ChannelInfo,
            {{QStringLiteral("channel"), QStringLiteral("presence-room")}});
        QCOMPARE(info.value(QStringLiteral("count")).toInt(), 1);
        QCOMPARE(info.value(QStringLiteral("members"))
                     .toObject()
                     .value(QStringLiteral("ada"))
                     .toObject()
                     .value(QStringLiteral("info")),
            QJsonValue(QJsonObject{{QStringLiteral("name"), QStringLiteral("Ada")}}));
        const QJsonObject online = view.answer(QStringLiteral("app-id"), ClusterRequest::UsersOnline,
            {{QStringLiteral("userIds"), QJsonArray{QStringLiteral("ada"), QStringLiteral("bob")}}});
        QCOMPARE(online.value(QStringLiteral("online")).toArray(), QJsonArray{QStringLiteral("ada")});
        const QJsonObject listing = view.answer(QStringLiteral("app-id"), ClusterRequest::ChannelsInfo, {});
        QCOMPARE(listing.value(QStringLiteral("channels")).toObject().size(), 2);
        view.answer(QStringLiteral("app-id"), ClusterRequest::TerminateUserConnections,
            {{QStringLiteral("userId"), QStringLiteral("ada")}});
        QCOMPARE(terminated, QStringList{QStringLiteral("ada")});
        QVERIFY(view.answer(QStringLiteral("no-such-app"), ClusterRequest::SocketsCount, {}).isEmpty());
    }

private:
    AppState &state() { return *m_states.byId(QStringLiteral("app-id")); }

    MetricsRegistry m_metrics;
    AppRegistry m_apps;
    AppStates m_states;
};

QTEST_GUILESS_MAIN(TestLocalClusterView)
#include "tst_localclusterview.moc"
