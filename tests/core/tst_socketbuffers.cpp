// SPDX-License-Identifier: GPL-3.0-or-later
// Canary for the one use of Qt's private QIODevicePrivate: if a Qt upgrade changes the layout or the
// ring-buffer rules, this fails before memory per connection silently grows back.
#include <memory>

#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include "server/SocketBuffers.h"

using namespace qsoketi;

class TestSocketBuffers final : public QObject
{
    Q_OBJECT

private slots:
    void smallChunksStillCarryLargeMessages()
    {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QTRY_VERIFY(server.hasPendingConnections());
        std::unique_ptr<QTcpSocket> accepted(server.nextPendingConnection());
        QVERIFY(SocketBuffers::readChunkSize(accepted.get()) > SocketBuffers::smallChunkSize);
        SocketBuffers::useSmallChunks(accepted.get());
        QCOMPARE(SocketBuffers::readChunkSize(accepted.get()), SocketBuffers::smallChunkSize);

        // Data larger than a chunk goes through intact in both directions.
        QByteArray payload(200 * 1024, 'x');
        for (int i = 0; i < payload.size(); i += 7)
            payload[i] = char('a' + i % 26);
        client.write(payload);
        QByteArray received;
        QTRY_VERIFY((received += accepted->readAll()).size() == payload.size());
        QCOMPARE(received, payload);
        accepted->write(payload);
        QByteArray echoed;
        QTRY_VERIFY((echoed += client.readAll()).size() == payload.size());
        QCOMPARE(echoed, payload);
    }
};

QTEST_GUILESS_MAIN(TestSocketBuffers)
#include "tst_socketbuffers.moc"
