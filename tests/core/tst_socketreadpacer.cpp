// SPDX-License-Identifier: GPL-3.0-or-later
// SocketReadPacer, without QtWebSockets: a consumer that, like QWebSocket, handles every complete record
// buffered in one readyRead (and leaves a partial one) gets at most bytesPerRead new bytes per readyRead,
// while the sender has megabytes queued, and records larger than that still complete.
#include <memory>

#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QtEndian>

#include "server/SocketReadPacer.h"

using namespace qsoketi;

namespace {

// Records of a 4-byte big-endian length, then that many bytes: QWebSocket's way of reading frames (a
// record is taken only once all of it is buffered).
class RecordReader
{
public:
    explicit RecordReader(QTcpSocket *socket)
        : m_socket(socket)
    {}

    void onReadyRead()
    {
        largestRead = qMax(largestRead, m_socket->bytesAvailable() - m_remainder);
        while (m_socket->bytesAvailable() >= 4) {
            char header[4];
            m_socket->peek(header, 4);
            const qint64 length = qFromBigEndian<quint32>(header);
            if (m_socket->bytesAvailable() < 4 + length)
                break;
            m_socket->skip(4 + length);
            records.push_back(length);
        }
        m_remainder = m_socket->bytesAvailable();
    }

    qint64 largestRead = 0; // new bytes in one readyRead
    std::vector<qint64> records;

private:
    QTcpSocket *m_socket;
    qint64 m_remainder = 0; // what the last readyRead left
};

QByteArray record(qint64 length)
{
    QByteArray out(4, '\0');
    qToBigEndian<quint32>(quint32(length), out.data());
    return out + QByteArray(length, 'r');
}

} // namespace

class TestSocketReadPacer final : public QObject
{
    Q_OBJECT

private slots:
    void eachReadCarriesABoundedNumberOfBytes()
    {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QTRY_VERIFY(server.hasPendingConnections());
        std::unique_ptr<QTcpSocket> accepted(server.nextPendingConnection());

        RecordReader reader(accepted.get());
        SocketReadPacer::limit(accepted.get());
        // Connected before pace(), as QWebSocket connects before the gateway admits the connection.
        connect(accepted.get(), &QTcpSocket::readyRead, this, [&reader] { reader.onReadyRead(); });
        SocketReadPacer::pace(accepted.get());

        // 4 MiB of small records, then records of 100 KiB and 1 MiB (larger than a step), then small ones.
        QByteArray stream;
        for (int i = 0; i < 40000; ++i)
            stream += record(100);
        stream += record(100 * 1024) + record(1024 * 1024);
        for (int i = 0; i < 100; ++i)
            stream += record(100);
        client.write(stream);
        const size_t expected = 40000 + 2 + 100;
        QTRY_COMPARE_WITH_TIMEOUT(reader.records.size(), expected, 30000);

        qInfo("largest read: %lld bytes (bound %lld)", reader.largestRead, SocketReadPacer::bytesPerRead);
        QVERIFY(reader.largestRead > 0);
        QVERIFY2(reader.largestRead <= SocketReadPacer::bytesPerRead,
            qPrintable(QStringLiteral("%1 new bytes in one readyRead").arg(reader.largestRead)));
        QCOMPARE(reader.records[40000], 100 * 1024);
        QCOMPARE(reader.records[40001], 1024 * 1024);
        QCOMPARE(accepted->bytesAvailable(), 0);
    }

    void withoutThePacerOneReadTakesWhatTheKernelHolds()
    {
        // The reason for the pacer: an unbounded QTcpSocket reads everything queued in one go.
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QTRY_VERIFY(server.hasPendingConnections());
        std::unique_ptr<QTcpSocket> accepted(server.nextPendingConnection());
        RecordReader reader(accepted.get());
        connect(accepted.get(), &QTcpSocket::readyRead, this, [&reader] { reader.onReadyRead(); });
        QByteArray stream;
        for (int i = 0; i < 10000; ++i)
            stream += record(100);
        client.write(stream);
        // Blocking writes (no event loop): all of it is in the kernel before the server reads once.
        while (client.bytesToWrite() > 0)
            QVERIFY(client.waitForBytesWritten(5000));
        QTRY_COMPARE(reader.records.size(), size_t(10000));
        QVERIFY2(
            reader.largestRead > 4 * SocketReadPacer::bytesPerRead, qPrintable(QString::number(reader.largestRead)));
    }
};

QTEST_GUILESS_MAIN(TestSocketReadPacer)
#include "tst_socketreadpacer.moc"
