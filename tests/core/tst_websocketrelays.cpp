// SPDX-License-Identifier: GPL-3.0-or-later
// WebSocketRelays: the signal relays QWebSocket makes for every socket and the server never listens to
// are found (a Qt upgrade that renames them fails here) and dropped, and the socket still does all the
// server needs: messages both ways, pings answered, pongs seen, a clean close.
#include <memory>

#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

#include "server/WebSocketRelays.h"

using namespace qsoketi;

class TestWebSocketRelays final : public QObject
{
    Q_OBJECT

private slots:
    void droppedRelaysLeaveTheSocketWorking()
    {
        QTcpServer tcpServer;
        QVERIFY(tcpServer.listen(QHostAddress::LocalHost, 0));
        QWebSocketServer wsServer(QStringLiteral("test"), QWebSocketServer::NonSecureMode);
        QTcpSocket *tcp = nullptr;
        connect(&tcpServer, &QTcpServer::newConnection, this, [&] {
            tcp = tcpServer.nextPendingConnection();
            wsServer.handleConnection(tcp);
        });
        QWebSocket client;
        client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/app/key").arg(tcpServer.serverPort())));
        QTRY_VERIFY(wsServer.hasPendingConnections());
        std::unique_ptr<QWebSocket> server(wsServer.nextPendingConnection());
        QVERIFY(tcp);

        QCOMPARE(WebSocketRelays::dropUnused(server.get(), tcp), 7);
        QCOMPARE(WebSocketRelays::dropUnused(server.get(), tcp), 0); // nothing left to drop

        QSignalSpy received(server.get(), &QWebSocket::textMessageReceived);
        QSignalSpy pong(server.get(), &QWebSocket::pong);
        QSignalSpy clientReceived(&client, &QWebSocket::textMessageReceived);
        QSignalSpy clientPong(&client, &QWebSocket::pong);
        QSignalSpy disconnected(server.get(), &QWebSocket::disconnected);
        QTRY_COMPARE(client.state(), QAbstractSocket::ConnectedState);

        client.sendTextMessage(QStringLiteral("{\"event\":\"pusher:ping\"}"));
        QTRY_COMPARE(received.size(), 1);
        QCOMPARE(received.first().first().toString(), QStringLiteral("{\"event\":\"pusher:ping\"}"));
        server->sendTextMessage(QStringLiteral("pong"));
        QTRY_COMPARE(clientReceived.size(), 1);
        client.ping("c"); // answered by the server's QtWebSockets
        QTRY_COMPARE(clientPong.size(), 1);
        server->ping("s");
        QTRY_COMPARE(pong.size(), 1);
        client.close(QWebSocketProtocol::CloseCodeNormal);
        QTRY_COMPARE(disconnected.size(), 1);
        QCOMPARE(int(server->closeCode()), int(QWebSocketProtocol::CloseCodeNormal));
    }
};

QTEST_GUILESS_MAIN(TestWebSocketRelays)
#include "tst_websocketrelays.moc"
