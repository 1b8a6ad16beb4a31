// SPDX-License-Identifier: GPL-3.0-or-later
// ChannelTransitions: the stamps a node puts in its answers, and how ClusterChannel reads them from
// several nodes (the latest emptying and departure, the earliest join in progress).
#include <QTest>

#include "channels/ChannelTransitions.h"
#include "channels/ClusterChannel.h"

using namespace qsoketi;

class TestChannelTransitions final : public QObject
{
    Q_OBJECT

private slots:
    void stampsGoIntoAnswersAndAreMergedAcrossNodes()
    {
        ChannelTransitions a;
        ChannelTransitions b;
        const qint64 t = ChannelTransitions::nowUs();
        a.emptied(QStringLiteral("c"), t + 100);
        b.emptied(QStringLiteral("c"), t + 250);
        a.memberLeft(QStringLiteral("c"), QStringLiteral("ada"), t + 120);
        b.memberLeft(QStringLiteral("c"), QStringLiteral("ada"), t + 90);
        a.joinBegan(QStringLiteral("c"), QStringLiteral("bob"), t + 300);
        b.joinBegan(QStringLiteral("c"), QStringLiteral("bob"), t + 280);

        QJsonObject partA;
        a.encode(QStringLiteral("c"), partA);
        QJsonObject partB;
        b.encode(QStringLiteral("c"), partB);
        ClusterChannel all;
        all.merge(partA);
        all.merge(partB);
        QCOMPARE(all.othersEmptiedAtUs, t + 250); // the last to empty
        QCOMPARE(all.othersLeftAtUs.value(QStringLiteral("ada")), t + 120); // the latest departure
        QCOMPARE(all.othersJoiningUs.value(QStringLiteral("bob")), t + 280); // the earliest join
        QVERIFY(!all.othersJoiningUs.contains(QStringLiteral("ada")));

        QJsonObject other;
        a.encode(QStringLiteral("elsewhere"), other);
        QVERIFY(other.isEmpty());
    }

    void occupiedClearsTheEmptiedStampAndAJoinClearsTheDeparture()
    {
        ChannelTransitions t;
        const qint64 now = ChannelTransitions::nowUs();
        t.emptied(QStringLiteral("c"), now);
        t.memberLeft(QStringLiteral("c"), QStringLiteral("ada"), now);
        QCOMPARE(t.emptiedAtUs(QStringLiteral("c")), now);
        t.occupied(QStringLiteral("c"));
        QCOMPARE(t.emptiedAtUs(QStringLiteral("c")), 0);
        t.joinBegan(QStringLiteral("c"), QStringLiteral("ada"), now + 50);
        QJsonObject part;
        t.encode(QStringLiteral("c"), part);
        QVERIFY(!part.contains(QStringLiteral("emptied")));
        QVERIFY(!part.contains(QStringLiteral("left")));
        QCOMPARE(part.value(QStringLiteral("joining")).toObject().value(QStringLiteral("ada")).toInteger(), now + 50);
    }

    void twoJoinsOfOneUserKeepTheEarlierStampUntilItEnds()
    {
        ChannelTransitions t;
        t.joinBegan(QStringLiteral("c"), QStringLiteral("ada"), 200);
        t.joinBegan(QStringLiteral("c"), QStringLiteral("ada"), 100);
        QJsonObject part;
        t.encode(QStringLiteral("c"), part);
        QCOMPARE(part.value(QStringLiteral("joining")).toObject().value(QStringLiteral("ada")).toInteger(), 100);
        t.joinEnded(QStringLiteral("c"), QStringLiteral("ada"), 200); // the later one: the earlier still runs
        part = {};
        t.encode(QStringLiteral("c"), part);
        QCOMPARE(part.value(QStringLiteral("joining")).toObject().value(QStringLiteral("ada")).toInteger(), 100);
        t.joinEnded(QStringLiteral("c"), QStringLiteral("ada"), 100);
        part = {};
        t.encode(QStringLiteral("c"), part);
        QVERIFY(!part.contains(QStringLiteral("joining")));
    }

    // A departure or an emptying older than a few seconds is not concurrent with the asker's change: it
    // is not told, so another node's clock running ahead cannot silence a later member_removed.
    void onlyRecentChangesAreTold()
    {
        ChannelTransitions t;
        const qint64 now = ChannelTransitions::nowUs();
        t.emptied(QStringLiteral("c"), now - 10'000'000);
        t.memberLeft(QStringLiteral("c"), QStringLiteral("old"), now - 10'000'000);
        t.memberLeft(QStringLiteral("c"), QStringLiteral("new"), now);
        QJsonObject part;
        t.encode(QStringLiteral("c"), part);
        QVERIFY(!part.contains(QStringLiteral("emptied")));
        const QJsonObject left = part.value(QStringLiteral("left")).toObject();
        QVERIFY(!left.contains(QStringLiteral("old")));
        QCOMPARE(left.value(QStringLiteral("new")).toInteger(), now);
    }

    void oldRecordsAreForgotten()
    {
        ChannelTransitions t;
        const qint64 now = ChannelTransitions::nowUs();
        t.emptied(QStringLiteral("old"), now - 120'000'000);
        t.emptied(QStringLiteral("new"), now);
        QCOMPARE(t.emptiedAtUs(QStringLiteral("old")), 0);
        QCOMPARE(t.emptiedAtUs(QStringLiteral("new")), now);
    }
};

QTEST_GUILESS_MAIN(TestChannelTransitions)
#include "tst_channeltransitions.moc"
