// SPDX-License-Identifier: GPL-3.0-or-later
// Canary for the one use of Qt's private QIODevicePrivate: if a Qt upgrade changes the layout or the
// ring-buffer rules, this fails before memory per connection silently grows back.
#include <memory>

#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include "net/SocketBuffers.h"

using namespace qsoketi;

class TestSocketBuffers final : public QObject
{
    Q_OBJECT

    struct Pair
    {
        QTcpServer server;
        QTcpSocket client;
        std::unique_ptr<QTcpSocket> accepted;
    };

    static bool connectPair(Pair &p)
    {
        if (!p.server.listen(QHostAddress::LocalHost, 0))
            return false;
        p.client.connectToHost(QHostAddress::LocalHost, p.server.serverPort());
        if (!p.server.waitForNewConnection(5000))
            return false;
        p.accepted.reset(p.server.nextPendingConnection());
        return p.accepted != nullptr;
    }

private slots:
    void putBackIntoAnEmptyBufferIsFreedOnceRead()
    {
        Pair p;
        QVERIFY(connectPair(p));
        QByteArray request("GET /app/key HTTP/1.1\r\nHost: x\r\n\r\n");
        const qsizetype size = request.size();
        QByteArray probe = request; // shares the bytes: detached again once the socket lets go of them
        SocketBuffers::putBack(p.accepted.get(), std::move(request));
        QVERIFY(!probe.isDetached()); // no copy was made
        QCOMPARE(p.accepted->bytesAvailable(), size);
        QVERIFY(p.accepted->canReadLine());
        QCOMPARE(p.accepted->readLine(), QByteArray("GET /app/key HTTP/1.1\r\n"));
        QVERIFY(!probe.isDetached());
        QCOMPARE(p.accepted->readAll(), QByteArray("Host: x\r\n\r\n"));
        QVERIFY(probe.isDetached()); // the buffer kept nothing of it
    }

    void putBackGoesInFrontOfBufferedBytes()
    {
        Pair p;
        QVERIFY(connectPair(p));
        p.client.write("world");
        QTRY_COMPARE(p.accepted->bytesAvailable(), 5);
        SocketBuffers::putBack(p.accepted.get(), QByteArray("hello "));
        QCOMPARE(p.accepted->readAll(), QByteArray("hello world"));
        // And after that the socket reads on as usual.
        p.client.write("!");
        QVERIFY(p.client.waitForBytesWritten(5000));
        QVERIFY(p.accepted->waitForReadyRead(5000));
        QCOMPARE(p.accepted->readAll(), QByteArray("!"));
    }

    void smallChunksStillCarryLargeMessages()
    {
        Pair p;
        QVERIFY(connectPair(p));
        QTcpSocket &client = p.client;
        std::unique_ptr<QTcpSocket> &accepted = p.accepted;
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
