// SPDX-License-Identifier: GPL-3.0-or-later
// When a request of this node is complete, and what it resolves with, in a cluster of qsoketi nodes
// only and in one mixed with soketi nodes (whose answers carry no uuid).
#include <QJsonArray>
#include <QTest>

#include "adapter/PendingRequest.h"
#include "adapter/SoketiQuestions.h"

using namespace qsoketi;

namespace {

QJsonObject from(const QString &node, QJsonObject answer)
{
    if (!node.isEmpty())
        answer.insert(QStringLiteral("uuid"), node);
    return answer;
}

} // namespace

class TestPendingRequest final : public QObject
{
    Q_OBJECT

private slots:
    void qsoketiOnlyCompletesAtOneAnswerPerNode()
    {
        PendingRequest p;
        p.type = ClusterRequest::ChannelInfo;
        p.add(0, from(QStringLiteral("b"), {{QStringLiteral("count"), 1}})); // before the count: kept
        QVERIFY(!p.isComplete());
        p.setExpected(2, {QStringLiteral("b"), QStringLiteral("c")}, 0);
        QVERIFY(!p.isComplete());
        p.stopWaitingFor(QStringLiteral("c")); // died without answering
        QVERIFY(p.isComplete());
        QCOMPARE(p.answers().size(), 1);
    }

    void mixedWaitsForEveryQsoketiNodeNamedByTheEquivalents()
    {
        PendingRequest p;
        p.type = ClusterRequest::ChannelInfo;
        p.opts = {{QStringLiteral("channel"), QStringLiteral("presence-x")}};
        const auto asks = SoketiQuestions::asksFor(p.type, p.opts);
        QCOMPARE(asks.size(), 2); // sockets count, members
        // Three other nodes, one known peer: "b" is qsoketi, "c" joined unheard, the third is soketi.
        p.setExpected(3, {QStringLiteral("b")}, int(asks.size()));
        p.add(0, from(QStringLiteral("b"), {{QStringLiteral("count"), 1}}));
        // Built step by step: QJsonArray{QJsonArray{…}} is a copy for one compiler and a nesting for another.
        QJsonArray memberList;
        memberList.append(QJsonArray{QStringLiteral("sam"), QJsonObject{}});
        const QJsonObject members{{QStringLiteral("members"), memberList}};
        for (const QString &node : {QStringLiteral("b"), QStringLiteral("c"), QString()}) {
            p.add(1, from(node, {{QStringLiteral("totalCount"), 1}}));
            p.add(2, from(node, members));
        }
        QVERIFY(!p.isComplete()); // "c" answered soketi's types: its own answer is still due
        p.add(0, from(QStringLiteral("c"), {{QStringLiteral("count"), 1}}));
        QVERIFY(p.isComplete());
        const QList<QJsonObject> answers = p.answers();
        QCOMPARE(answers.size(), 3); // b, c, and the soketi nodes' part folded into one
        const QJsonObject soketi = answers.last();
        QCOMPARE(soketi.value(QStringLiteral("count")).toInt(), 1); // b's and c's totalCount dropped
        QVERIFY(soketi.value(QStringLiteral("members")).toObject().contains(QStringLiteral("sam")));
        QVERIFY(!soketi.contains(QStringLiteral("since")));
    }

    void mixedGivesUpOnADeadPeer()
    {
        PendingRequest p;
        p.type = ClusterRequest::UsersOnline;
        p.setExpected(2, {QStringLiteral("b")}, 1);
        p.add(1, from(QString(), {{QStringLiteral("totalCount"), 4}}));
        QVERIFY(!p.isComplete());
        p.stopWaitingFor(QStringLiteral("b"));
        QVERIFY(p.isComplete());
        // UsersOnline has no soketi equivalent: the soketi part says nobody is online there.
        for (const QJsonObject &a : p.answers())
            QVERIFY(a.value(QStringLiteral("online")).toArray().isEmpty());
    }

    void channelListingNamesSoketiPresenceChannels()
    {
        // Two soketi nodes' answers to the one ask; built step by step (see above).
        QJsonArray first;
        first.append(QJsonArray{QStringLiteral("presence-a"), 2});
        first.append(QJsonArray{QStringLiteral("news"), 1});
        QJsonArray second;
        second.append(QJsonArray{QStringLiteral("news"), 3});
        QList<QList<QJsonObject>> perAsk(1);
        perAsk[0].append(QJsonObject{{QStringLiteral("channelsWithSocketsCount"), first}});
        perAsk[0].append(QJsonObject{{QStringLiteral("channelsWithSocketsCount"), second}});
        const QJsonObject folded = SoketiQuestions::fold(ClusterRequest::ChannelsInfo, perAsk);
        QCOMPARE(folded.value(QStringLiteral("channels"))
                     .toObject()
                     .value(QStringLiteral("news"))
                     .toObject()
                     .value(QStringLiteral("count"))
                     .toInt(),
            4);
        QCOMPARE(SoketiQuestions::presenceWithoutMembers(folded), QStringList{QStringLiteral("presence-a")});
        QVERIFY(SoketiQuestions::asksFor(ClusterRequest::SocketsCount, {}).isEmpty()); // soketi answers it
    }
};

QTEST_MAIN(TestPendingRequest)
#include "tst_pendingrequest.moc"
