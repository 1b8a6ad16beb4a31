// SPDX-License-Identifier: GPL-3.0-or-later
// The console reads like Pusher's: payloads decoded, filters by kind, a live trace of one user (learnt from
// a presence subscription on a real server), and eviction that keeps messages and errors when thousands of
// connects and subscribes arrive.
#include <QComboBox>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QTableView>
#include <QTest>

#include "ActivityConsoleWidget.h"
#include "ActivityFilterProxyModel.h"
#include "ActivityLogModel.h"
#include "GuiTestSupport.h"
#include "PayloadText.h"

using namespace qsoketi;
using K = ActivityEvent::Kind;

namespace {

ActivityEvent makeEvent(K kind, const QString &socket, const QString &channel, const QString &name, const QByteArray &p)
{
    ActivityEvent e;
    e.timeMs = 1700000000000;
    e.kind = kind;
    e.appId = QStringLiteral("app-id");
    e.socketId = socket;
    e.channel = channel;
    e.event = name;
    e.payload = p;
    return e;
}

QStringList column(const QAbstractItemModel &model, int column)
{
    QStringList out;
    for (int row = 0; row < model.rowCount(); ++row)
        out.append(model.index(row, column).data().toString());
    return out;
}

} // namespace

class TestConsoleKinds : public QObject
{
    Q_OBJECT

private slots:
    void payloadsAreDecoded()
    {
        // Pusher's data as the server records it: a JSON string holding JSON.
        const QByteArray wrapped = "\"{\\\"message\\\":\\\"hi \\\\\\\"Ada\\\\\\\"\\\",\\\"n\\\":[1,2]}\"";
        QCOMPARE(PayloadText::compact(wrapped), QStringLiteral("{\"message\":\"hi \\\"Ada\\\"\",\"n\":[1,2]}"));
        QCOMPARE(PayloadText::compact("{\"a\": 1}"), QStringLiteral("{\"a\":1}"));
        QCOMPARE(PayloadText::compact("\"just text\""), QStringLiteral("just text"));
        QCOMPARE(PayloadText::compact("Connection closed 4009"), QStringLiteral("Connection closed 4009"));
        QVERIFY(PayloadText::compact(QByteArray(500, 'x'), 50).size() == 50);
        QVERIFY(PayloadText::pretty(wrapped).contains(QStringLiteral("    \"n\": [\n")));

        ActivityConsoleWidget console;
        console.appendEvents(
            {makeEvent(K::ApiEvent, {}, QStringLiteral("orders"), QStringLiteral("created"), wrapped)});
        console.model()->flush();
        const QString cell = console.proxy()->index(0, ActivityLogModel::PayloadColumn).data().toString();
        QVERIFY2(!cell.contains(QLatin1String("\\\"message")), qPrintable(cell)); // not an escaped string
        QVERIFY(cell.startsWith(QLatin1String("{\"message\":")));
        console.view()->setCurrentIndex(console.proxy()->index(0, 0));
        QVERIFY(console.inspector()->toPlainText().contains(QStringLiteral("\"message\": \"hi \\\"Ada\\\"\"")));
    }

    void kindFiltersSelectKinds()
    {
        ActivityConsoleWidget console;
        console.appendEvents({makeEvent(K::Connected, QStringLiteral("1.1"), {}, {}, "127.0.0.1"),
            makeEvent(K::Subscribed, QStringLiteral("1.1"), QStringLiteral("orders"), {}, {}),
            makeEvent(K::ChannelOccupied, {}, QStringLiteral("orders"), {}, {}),
            makeEvent(
                K::ClientEvent, QStringLiteral("1.1"), QStringLiteral("private-a"), QStringLiteral("client-x"), "{}"),
            makeEvent(K::ApiEvent, {}, QStringLiteral("orders"), QStringLiteral("created"), "{}"),
            makeEvent(K::Error, QStringLiteral("1.1"), {}, QStringLiteral("4009"), "Connection is unauthorized"),
            makeEvent(K::MemberAdded, QStringLiteral("1.1"), QStringLiteral("presence-a"), {}, "ada"),
            makeEvent(K::Disconnected, QStringLiteral("1.1"), {}, {}, "1000")});
        console.model()->flush();
        QCOMPARE(console.proxy()->rowCount(), 8);
        const auto kinds = [&] { return column(*console.proxy(), ActivityLogModel::KindColumn); };
        const auto bit = ActivityFilterProxyModel::kindBit;
        QVERIFY(console.setKindFilter(bit(K::Error) | bit(K::Alert)));
        QCOMPARE(kinds(), QStringList{QStringLiteral("error")});
        QVERIFY(console.setKindFilter(bit(K::ClientEvent)));
        QCOMPARE(kinds(), QStringList{QStringLiteral("client event")});
        QVERIFY(console.setKindFilter(bit(K::ApiEvent)));
        QCOMPARE(kinds(), QStringList{QStringLiteral("api event")});
        QVERIFY(console.setKindFilter(bit(K::Connected) | bit(K::Disconnected)));
        QCOMPARE(kinds(), (QStringList{QStringLiteral("connected"), QStringLiteral("disconnected")}));
        QVERIFY(console.setKindFilter(bit(K::MemberAdded) | bit(K::MemberRemoved)));
        QCOMPARE(kinds(), QStringList{QStringLiteral("member added")});
        QVERIFY(console.setKindFilter(bit(K::ChannelOccupied) | bit(K::ChannelVacated)));
        QCOMPARE(kinds(), QStringList{QStringLiteral("occupied")});
        QVERIFY(console.setKindFilter(ActivityFilterProxyModel::allKinds));
        QCOMPARE(console.proxy()->rowCount(), 8);
    }

    void connectFloodDoesNotEvictMessagesOrErrors()
    {
        ActivityLogModel model(1000);
        QList<ActivityEvent> first;
        for (int i = 0; i < 20; ++i)
            first.append(makeEvent(K::ApiEvent, {}, QStringLiteral("orders"), QStringLiteral("e%1").arg(i), "{}"));
        first.append(makeEvent(K::Error, QStringLiteral("1.1"), {}, QStringLiteral("4301"), "over quota"));
        model.appendEvents(first);
        model.flush();
        // 2,000 clients connect and subscribe, in several batches as the feed delivers them.
        for (int batch = 0; batch < 8; ++batch) {
            QList<ActivityEvent> flood;
            for (int i = 0; i < 500; ++i) {
                const QString socket = QStringLiteral("%1.%2").arg(batch).arg(i);
                flood.append(makeEvent(i % 2 ? K::Subscribed : K::Connected, socket, QStringLiteral("orders"), {}, {}));
            }
            model.appendEvents(flood);
            if (batch % 2)
                model.flush();
        }
        model.flush();
        QCOMPARE(model.rowCount(), 1000);
        QCOMPARE(model.groupCount(ActivityLogModel::MessageGroup), 20); // every API event survived
        QCOMPARE(model.groupCount(ActivityLogModel::ErrorGroup), 1);
        QCOMPARE(
            model.groupCount(ActivityLogModel::ConnectionGroup) + model.groupCount(ActivityLogModel::SubscriptionGroup),
            979);
        // The survivors of the flood are its newest events, and rows stay in time order.
        QCOMPARE(model.event(999).socketId, QStringLiteral("7.499"));
        QCOMPARE(model.event(0).event, QStringLiteral("e0"));

        // A message flood, in turn, evicts messages first but not the lone error.
        QList<ActivityEvent> messages;
        for (int i = 0; i < 3000; ++i)
            messages.append(makeEvent(K::ClientEvent, QStringLiteral("9.9"), QStringLiteral("private-a"),
                QStringLiteral("client-m%1").arg(i), "{}"));
        model.appendEvents(messages);
        model.flush();
        QCOMPARE(model.rowCount(), 1000);
        QCOMPARE(model.groupCount(ActivityLogModel::ErrorGroup), 1);
        QVERIFY(model.groupCount(ActivityLogModel::MessageGroup) >= 1000 / ActivityLogModel::GroupCount);
        QVERIFY(model.groupCount(ActivityLogModel::ConnectionGroup) >= 1000 / ActivityLogModel::GroupCount);
    }

    void traceFollowsOneUserOnARealServer()
    {
        auto core = test::startCore();
        core->activity().setEnabled(true);
        ActivityConsoleWidget console;
        connect(&core->activity(), &ActivityFeed::eventsRecorded, &console, &ActivityConsoleWidget::appendEvents);

        test::Client ada(core->port()), bob(core->port());
        QTRY_VERIFY(ada.established() && bob.established());
        console.setTrace(QStringLiteral("ada")); // before anything about ada is known
        ada.subscribePresence(QStringLiteral("presence-room"), QStringLiteral("{\"user_id\":\"ada\"}"));
        bob.subscribePresence(QStringLiteral("presence-room"), QStringLiteral("{\"user_id\":\"bob\"}"));
        QTRY_VERIFY(ada.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        QTRY_VERIFY(bob.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        const QJsonObject typing{{QStringLiteral("event"), QStringLiteral("client-typing")},
            {QStringLiteral("channel"), QStringLiteral("presence-room")},
            {QStringLiteral("data"), QJsonObject{{QStringLiteral("text"), QStringLiteral("hello \"bob\"")}}}};
        ada.send(typing);
        bob.send(typing);
        QTRY_VERIFY(ada.has(QStringLiteral("client-typing")) && bob.has(QStringLiteral("client-typing")));
        // Channel events: occupied once, a member added per user.
        QTRY_VERIFY(console.model()->rowCount() >= 9);
        const QStringList all = column(*console.model(), ActivityLogModel::KindColumn);
        QCOMPARE(all.count(QStringLiteral("occupied")), 1);
        QCOMPARE(all.count(QStringLiteral("member added")), 2);

        // The trace of ada: her connected row (learnt afterwards), subscription, member added, client event.
        QCOMPARE(console.model()->userOf(ada.socketId()), QStringLiteral("ada"));
        const QStringList kinds = column(*console.proxy(), ActivityLogModel::KindColumn);
        QVERIFY2(kinds.contains(QStringLiteral("connected")), qPrintable(kinds.join(u',')));
        QVERIFY(kinds.contains(QStringLiteral("subscribed")));
        QVERIFY(kinds.contains(QStringLiteral("member added")));
        QCOMPARE(kinds.count(QStringLiteral("client event")), 1);
        for (const QString &socket : column(*console.proxy(), ActivityLogModel::SocketColumn))
            QVERIFY(socket == ada.socketId());
        const int clientRow = int(kinds.indexOf(QStringLiteral("client event")));
        QCOMPARE(console.proxy()->index(clientRow, ActivityLogModel::PayloadColumn).data().toString(),
            QStringLiteral("{\"text\":\"hello \\\"bob\\\"\"}"));

        // Ada leaves: her disconnect and the member removed join the trace live.
        ada.socket.close();
        QTRY_VERIFY(column(*console.proxy(), ActivityLogModel::KindColumn).contains(QStringLiteral("member removed")));
        QTRY_VERIFY(column(*console.proxy(), ActivityLogModel::KindColumn).contains(QStringLiteral("disconnected")));
        // The trace of a channel and of a socket id work the same way.
        console.setTrace(bob.socketId());
        QVERIFY(console.proxy()->rowCount() >= 4);
        for (const QString &socket : column(*console.proxy(), ActivityLogModel::SocketColumn))
            QCOMPARE(socket, bob.socketId());
        console.setTrace(QStringLiteral("presence-room"));
        for (const QString &channel : column(*console.proxy(), ActivityLogModel::ChannelColumn))
            QCOMPARE(channel, QStringLiteral("presence-room"));
        bob.socket.close();
        QTRY_VERIFY(column(*console.proxy(), ActivityLogModel::KindColumn).contains(QStringLiteral("vacated")));
    }
};

QTEST_MAIN(TestConsoleKinds)
#include "tst_consolekinds.moc"
