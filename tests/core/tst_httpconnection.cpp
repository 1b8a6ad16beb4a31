// SPDX-License-Identifier: GPL-3.0-or-later
// Socket-level tests of the HTTP/1.1 transport on the main port: a real ServerCore on an ephemeral
// port and raw TCP clients that misbehave the way an attacker would.
#include <memory>

#include <QElapsedTimer>
#include <QTcpSocket>
#include <QTest>

#include "RawTcpClient.h"
#include "ServerCore.h"
#include "metrics/ProcessInfo.h"

using namespace qsoketi;

namespace {

const QByteArray getRoot = QByteArrayLiteral("GET / HTTP/1.1\r\nHost: a\r\n\r\n");

qint64 rssBytes()
{
    return ProcessInfo::residentMemoryBytes().value_or(0);
}

} // namespace

class TestHttpConnection final : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<ServerCore> m_core;
    quint16 m_port = 0;

    // Milliseconds until a fresh client's GET / is answered, -1 past timeoutMs.
    qint64 answerLatencyMs(int timeoutMs = 5000)
    {
        QElapsedTimer timer;
        timer.start();
        RawTcpClient client(m_port);
        if (!client.sendAll(getRoot))
            return -1;
        if (!client.readUntil(&RawTcpClient::hasCompleteAnswer, timeoutMs) || client.firstStatus() != 200)
            return -1;
        return timer.elapsed();
    }

private slots:
    void init()
    {
        ServerConfig config;
        config.host = QStringLiteral("127.0.0.1");
        config.port = 0;
        config.metrics.host = QStringLiteral("127.0.0.1");
        config.metrics.port = 0;
        config.shutdownGracePeriodMs = 100;
        m_core = std::make_unique<ServerCore>(config);
        QString error;
        QVERIFY2(m_core->start(&error), qPrintable(error));
        m_port = m_core->port();
    }
    void cleanup() { m_core.reset(); }

    // Issue 12 (high): a client that pipelines requests and never reads the answers must not make the
    // server hold the answers (~12x the bytes sent) nor stall everyone else.
    void pipelinedUnreadAnswersStayBounded()
    {
        QVERIFY(answerLatencyMs() >= 0); // warm up the code paths before the baseline
        const qint64 before = rssBytes();
        RawTcpClient flooder(m_port);
        QVERIFY(flooder.isConnected());
        qint64 worstLatencyMs = 0;
        qint64 probes = 0;
        QElapsedTimer sinceProbe;
        sinceProbe.start();
        const qint64 sent = flooder.flood(getRoot, 16 * 1024 * 1024, 1500, [&] {
            // Another client is answered promptly while the flood goes on.
            if (sinceProbe.elapsed() < 250)
                return;
            worstLatencyMs = qMax(worstLatencyMs, answerLatencyMs());
            ++probes;
            sinceProbe.restart();
        });
        QTest::qWait(500);
        const qint64 growth = rssBytes() - before;
        const qint64 latency = answerLatencyMs();
        qInfo("pipelined %lld bytes of GET / without reading: RSS %+lld KiB (%lld -> %lld KiB), worst probe %lld ms "
              "over %lld probes, probe after the flood %lld ms",
            sent, growth / 1024, before / 1024, (before + growth) / 1024, worstLatencyMs, probes, latency);
        QVERIFY2(growth < 30 * 1024 * 1024, qPrintable(QStringLiteral("RSS grew by %1 KiB").arg(growth / 1024)));
        QVERIFY(latency >= 0 && latency < 1000);
        QVERIFY(worstLatencyMs >= 0 && worstLatencyMs < 1000);
    }

    // The pause is lifted as the client reads: every pipelined request is answered, in order.
    void pipelinedAnswersAllArriveWhenRead()
    {
        const int count = 20000; // ~6 MiB of answers: far past the unsent-answer bound
        RawTcpClient client(m_port);
        QByteArray requests;
        for (int i = 0; i < count; ++i)
            requests += getRoot;
        const QByteArray marker("HTTP/1.1 200 OK\r\n");
        qsizetype offset = 0;
        qsizetype scanned = 0;
        qint64 answers = 0;
        // Send and read at once, as a pipelining client that does read its answers.
        const bool done = client.readUntil(
            [&](const QByteArray &received) {
                if (offset < requests.size())
                    offset += qMax<qint64>(0, client.sendSome(QByteArrayView(requests).sliced(offset)));
                for (qsizetype at; (at = received.indexOf(marker, scanned)) >= 0; scanned = at + marker.size())
                    ++answers;
                return answers == count;
            },
            30000);
        QVERIFY2(done, qPrintable(QStringLiteral("%1 answers of %2").arg(answers).arg(count)));
        QVERIFY(!client.received().contains("HTTP/1.1 4"));
    }
};

QTEST_GUILESS_MAIN(TestHttpConnection)
#include "tst_httpconnection.moc"
