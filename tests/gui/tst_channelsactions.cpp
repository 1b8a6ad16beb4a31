// SPDX-License-Identifier: GPL-3.0-or-later
// The Channels tab's actions on a real server running on its own thread (as the app runs it): disconnect a
// presence member's sockets, terminate a signed-in user (the REST terminate_connections path), disconnect
// one socket; the other clients stay connected.
#include <QLabel>
#include <QPushButton>
#include <QStandardPaths>
#include <QTest>
#include <QThread>

#include "ChannelsModel.h"
#include "ChannelsTab.h"
#include "DashboardWindow.h"
#include "GuiTestSupport.h"
#include "LoopbackConfig.h"
#include "ServerActions.h"
#include "ServerThread.h"
#include "StatusSampler.h"

using namespace qsoketi;

namespace {

// pusher:signin as an app back end would sign it.
void signIn(test::Client &client, const QString &userId)
{
    const QString userData = QStringLiteral("{\"id\":\"%1\"}").arg(userId);
    const QString toSign = client.socketId() + QStringLiteral("::user::") + userData;
    QJsonObject data;
    const QString auth =
        QStringLiteral("app-key:") + QString::fromLatin1(HmacSigner::sign("app-secret", toSign.toUtf8()));
    data.insert(QStringLiteral("auth"), auth);
    data.insert(QStringLiteral("user_data"), userData);
    QJsonObject message;
    message.insert(QStringLiteral("event"), QStringLiteral("pusher:signin"));
    message.insert(QStringLiteral("data"), data);
    client.send(message);
}

bool closed(const test::Client &client)
{
    return client.socket.state() == QAbstractSocket::UnconnectedState;
}

} // namespace

class TestChannelsActions : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void memberAndUserActions()
    {
        // The server on its own thread: the actions must reach it by queued calls only.
        ServerThread server;
        ServerConfig config = qsoketi::test::loopbackConfig();
        config.workers = 2; // the clients are dealt to two event loops: every action must reach both
        QString error;
        QVERIFY2(server.start(config, &error), qPrintable(error));
        ServerCore *core = &server.core();
        QVERIFY(core->thread() != QThread::currentThread());
        QCOMPARE(core->workerCount(), 2);
        const quint16 port = core->port();

        test::Client ada(port), bob(port), carol(port);
        QTRY_VERIFY(ada.established() && bob.established() && carol.established());
        ada.subscribePresence(QStringLiteral("presence-room"), QStringLiteral("{\"user_id\":\"ada\"}"));
        bob.subscribePresence(QStringLiteral("presence-room"), QStringLiteral("{\"user_id\":\"bob\"}"));
        carol.subscribe(QStringLiteral("news"));
        signIn(carol, QStringLiteral("carol"));
        QTRY_VERIFY(ada.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        QTRY_VERIFY(bob.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        QTRY_VERIFY(carol.has(QStringLiteral("pusher:signin_success")));
        QTRY_VERIFY(carol.has(QStringLiteral("pusher_internal:subscription_succeeded"), QStringLiteral("news")));

        {
            DashboardWindow window(*core);
            window.sampler()->stop();
            ChannelsTab *tab = window.channelsTab();
            QVERIFY(!tab->disconnectButton()->isEnabled()); // nothing selected
            QTRY_VERIFY([&] {
                window.sampler()->sampleNow();
                return tab->selectMember(
                    QStringLiteral("app-id"), QStringLiteral("presence-room"), QStringLiteral("ada"));
            }());
            QVERIFY(tab->disconnectButton()->isEnabled());
            QVERIFY(
                !tab->selectMember(QStringLiteral("app-id"), QStringLiteral("presence-room"), QStringLiteral("zed")));
            QVERIFY(
                tab->selectMember(QStringLiteral("app-id"), QStringLiteral("presence-room"), QStringLiteral("ada")));
            tab->disconnectButton()->click();
            QTRY_VERIFY(closed(ada));
            QCOMPARE(ada.socket.closeCode(), QWebSocketProtocol::CloseCode(4009));
            QTRY_COMPARE(
                tab->resultLabel()->text(), QStringLiteral("Disconnected 1 connection(s) of ada on presence-room."));
            QVERIFY(bob.has(QStringLiteral("pusher_internal:member_removed")));
            QVERIFY(!closed(bob) && !closed(carol));

            // Terminate: the REST path closes signed-in connections (carol), not bob who never signed in.
            bool answered = false;
            window.serverActions()->terminateUser(QStringLiteral("app-id"), QStringLiteral("carol"), [&](int result) {
                answered = true;
                QCOMPARE(result, 0);
            });
            QTRY_VERIFY(closed(carol));
            QTRY_VERIFY(answered);
            QCOMPARE(carol.socket.closeCode(), QWebSocketProtocol::CloseCode(4009));
            QVERIFY(!closed(bob));
            int unknown = 0;
            window.serverActions()->terminateUser(
                QStringLiteral("nope"), QStringLiteral("x"), [&](int r) { unknown = r; });
            QTRY_COMPARE(unknown, -1);

            // One socket by id (as the console knows it).
            int count = -2;
            window.serverActions()->disconnectSocket(
                QStringLiteral("app-id"), bob.socketId(), [&](int n) { count = n; });
            QTRY_VERIFY(closed(bob));
            QTRY_COMPARE(count, 1);
        }
    }
};

QTEST_MAIN(TestChannelsActions)
#include "tst_channelsactions.moc"
