// SPDX-License-Identifier: GPL-3.0-or-later
// Socket-level tests of the HTTP/1.1 transport on the main port: a real ServerCore on an ephemeral
// port and raw TCP clients that misbehave the way an attacker would.
#include <memory>

#include <QCryptographicHash>
#include <QDateTime>
#include <QElapsedTimer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include "LoopbackConfig.h"
#include "RawTcpClient.h"
#include "ServerCore.h"
#include "auth/HmacSigner.h"
#include "auth/RestRequestVerifier.h"
#include "metrics/ProcessInfo.h"
#include "rest/BodyBudget.h"
#include "rest/HttpConnection.h"

using namespace qsoketi;

namespace {

const QByteArray getRoot = QByteArrayLiteral("GET / HTTP/1.1\r\nHost: a\r\n\r\n");

qint64 rssBytes()
{
    return ProcessInfo::residentMemoryBytes().value_or(0);
}

// "POST <path>?<signed query>" parts for the default app, as a Pusher back end signs them.
QByteArray signedTarget(const QByteArray &method, const QString &path, const QByteArray &body,
    qint64 timestamp = QDateTime::currentSecsSinceEpoch(), const QString &key = QStringLiteral("app-key"))
{
    QList<QPair<QString, QString>> query{{QStringLiteral("auth_key"), key},
        {QStringLiteral("auth_timestamp"), QString::number(timestamp)}, {QStringLiteral("auth_version"), "1.0"}};
    if (!body.isEmpty())
        query.append({QStringLiteral("body_md5"),
            QString::fromLatin1(QCryptographicHash::hash(body, QCryptographicHash::Md5).toHex())});
    const QByteArray signature = HmacSigner::sign("app-secret", RestRequestVerifier::stringToSign(method, path, query));
    QString target = path + u'?';
    for (const auto &[k, v] : query)
        target += k + u'=' + v + u'&';
    return (target + QStringLiteral("auth_signature=") + QString::fromLatin1(signature)).toUtf8();
}

QByteArray eventBody()
{
    return QByteArrayLiteral(R"({"name":"e","channel":"c","data":"{}"})");
}

QByteArray signedEventRequest(const QByteArray &extraHeaders = {})
{
    const QByteArray body = eventBody();
    return "POST " + signedTarget("POST", QStringLiteral("/apps/app-id/events"), body) + " HTTP/1.1\r\nHost: a\r\n"
        + "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n" + extraHeaders
        + "\r\n" + body;
}

QByteArray upgradeRequest(const QByteArray &target)
{
    return "GET " + target
        + " HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

// The status of a raw exchange: send `request`, read one answer.
int exchange(quint16 port, const QByteArray &request, QByteArray *answer = nullptr)
{
    RawTcpClient client(port);
    if (!client.sendAll(request))
        return -1;
    client.readUntil(&RawTcpClient::hasCompleteAnswer, 5000);
    if (answer)
        *answer = client.received();
    return client.firstStatus();
}

// An HttpConnection on its own port with options a test chooses (short deadlines, small limits). It
// answers 200 "<METHOD> <path> <body size>".
class Harness : public QObject
{
public:
    explicit Harness(HttpConnection::Options options)
        : m_options(std::move(options))
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::pendingConnectionAvailable, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                HttpConnection::Handlers handlers;
                handlers.request = [](const HttpRequest &request, const HttpConnection::Responder &respond) {
                    respond(HttpResponse::text(
                        200, request.method + ' ' + request.rawPath + ' ' + QByteArray::number(request.body.size())));
                };
                new HttpConnection(socket, m_options, std::move(handlers), this);
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }

private:
    HttpConnection::Options m_options;
    QTcpServer m_server;
};

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
        ServerConfig config = test::loopbackConfig();
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

    // Issue 12 (medium): a request is refused from its head, before a byte of its body is read.
    void bodiesAreRefusedBeforeTheyAreRead_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("status");
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const QString events = QStringLiteral("/apps/app-id/events");
        QTest::newRow("unknown app") << signedTarget("POST", QStringLiteral("/apps/nope/events"), "x") << 404;
        QTest::newRow("unsigned") << QByteArray("/apps/app-id/events") << 401;
        QTest::newRow("no auth_timestamp")
            << QByteArray("/apps/app-id/events?auth_key=app-key&auth_signature=x") << 401;
        QTest::newRow("stale auth_timestamp") << signedTarget("POST", events, "x", now - 3600) << 401;
        QTest::newRow("unknown auth_key") << signedTarget("POST", events, "x", now, QStringLiteral("nope")) << 401;
    }
    void bodiesAreRefusedBeforeTheyAreRead()
    {
        QFETCH(QByteArray, target);
        QFETCH(int, status);
        RawTcpClient client(m_port);
        // 3 MB announced (within the 4 MB limit), none of it sent: the answer cannot wait for it.
        QVERIFY(client.sendAll("POST " + target + " HTTP/1.1\r\nHost: a\r\nContent-Length: 3000000\r\n\r\n"));
        QVERIFY(client.readUntil(&RawTcpClient::hasCompleteAnswer, 2000));
        QCOMPARE(client.firstStatus(), status);
        QVERIFY(client.received().contains(QByteArray("\"code\":" + QByteArray::number(status))));
        // The body that follows is read and dropped; the connection goes on with the next request.
        QVERIFY(client.sendAll(QByteArray(3000000, 'x') + getRoot));
        QVERIFY(client.readUntil([](const QByteArray &r) { return r.count("HTTP/1.1 ") == 2 && r.endsWith("OK"); }));
        QVERIFY(client.received().contains("HTTP/1.1 200 OK\r\n"));
    }

    void signedRequestsStillReadTheirBody()
    {
        RawTcpClient client(m_port);
        const QByteArray request = signedEventRequest();
        const qsizetype bodyAt = request.indexOf("\r\n\r\n") + 4;
        QVERIFY(client.sendAll(request.first(bodyAt)));
        QVERIFY(!client.readUntil(&RawTcpClient::hasCompleteAnswer, 300)); // waits for the body
        QVERIFY(client.sendAll(request.sliced(bodyAt)));
        QVERIFY(client.readUntil(&RawTcpClient::hasCompleteAnswer));
        QCOMPARE(client.firstStatus(), 200);
    }

    // curl's "Expect: 100-continue": the go-ahead comes at once for an accepted head; a refused one is
    // answered and closed, since the client may never send the body it announced.
    void expectContinue()
    {
        RawTcpClient accepted(m_port);
        const QByteArray request = signedEventRequest("Expect: 100-continue\r\n");
        const qsizetype bodyAt = request.indexOf("\r\n\r\n") + 4;
        QVERIFY(accepted.sendAll(request.first(bodyAt)));
        QVERIFY(accepted.readUntil([](const QByteArray &r) { return r.endsWith("\r\n\r\n"); }, 500));
        QCOMPARE(accepted.received(), QByteArray("HTTP/1.1 100 Continue\r\n\r\n"));
        QVERIFY(accepted.sendAll(request.sliced(bodyAt)));
        QVERIFY(accepted.readUntil([](const QByteArray &r) { return r.endsWith("{\"ok\":true}"); }));
        QVERIFY(accepted.received().contains("HTTP/1.1 200 OK\r\n"));

        RawTcpClient refused(m_port);
        QVERIFY(refused.sendAll(
            "POST /apps/app-id/events HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n"));
        QVERIFY(refused.readUntil(&RawTcpClient::hasCompleteAnswer, 500));
        QCOMPARE(refused.firstStatus(), 401);
        QVERIFY(refused.received().contains("\r\nConnection: close\r\n"));
        QVERIFY(refused.readUntilClosed());
    }

    void defaultBodyLimitIsFourMegabytes()
    {
        const QByteArray head = "POST " + signedTarget("POST", QStringLiteral("/apps/app-id/events"), "x")
            + " HTTP/1.1\r\nContent-Length: ";
        QCOMPARE(m_core->config().httpRequestLimitInMb, 4.0);
        QCOMPARE(exchange(m_port, head + "4194305\r\n\r\n"), 413);
        // At the limit, the head is accepted and the server waits for the body.
        RawTcpClient client(m_port);
        QVERIFY(client.sendAll(head + "4194304\r\n\r\n"));
        QVERIFY(!client.readUntil(&RawTcpClient::hasCompleteAnswer, 300));
    }

    // A refused body is discarded as it arrives and the answer reaches the client (no reset).
    void tooLargeBodyStillGetsItsAnswer()
    {
        RawTcpClient client(m_port);
        const qint64 length = 6 * 1024 * 1024;
        QVERIFY(client.sendAll("POST " + signedTarget("POST", QStringLiteral("/apps/app-id/events"), "x")
            + " HTTP/1.1\r\nContent-Length: " + QByteArray::number(length) + "\r\n\r\n"));
        client.flood("x", length, 1500);
        QVERIFY(client.readUntil(&RawTcpClient::hasCompleteAnswer));
        QCOMPARE(client.firstStatus(), 413);
        QVERIFY(client.readUntilClosed());
    }

    // All bodies in flight share one budget (64 MiB by default): past it, 503 before the body is read.
    void bodiesInFlightShareABudget()
    {
        const QByteArray head = "POST " + signedTarget("POST", QStringLiteral("/apps/app-id/events"), "x")
            + " HTTP/1.1\r\nContent-Length: 4194304\r\n\r\n";
        const qint64 fits = BodyBudget::defaultLimitFor(4 * 1024 * 1024) / (4 * 1024 * 1024);
        QCOMPARE(fits, 16);
        std::vector<std::unique_ptr<RawTcpClient>> uploads;
        for (qint64 i = 0; i < fits; ++i) {
            uploads.push_back(std::make_unique<RawTcpClient>(m_port));
            QVERIFY(uploads.back()->sendAll(head));
        }
        QTest::qWait(100);
        for (const auto &upload : uploads)
            QVERIFY(!upload->readUntil(&RawTcpClient::hasCompleteAnswer, 1));
        QByteArray answer;
        QCOMPARE(exchange(m_port, head, &answer), 503);
        QVERIFY(answer.contains("\r\nRetry-After: 1\r\n"));
        // A finished upload gives its share back.
        uploads.front()->close();
        QTest::qWait(100);
        RawTcpClient next(m_port);
        QVERIFY(next.sendAll(head));
        QVERIFY(!next.readUntil(&RawTcpClient::hasCompleteAnswer, 300));
    }

    // Issue 12 (low): a request followed by a half-close still gets its answer, every time.
    void halfCloseAfterTheRequestGetsTheAnswer_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::newRow("GET /") << getRoot << 200;
        QTest::newRow("GET / Connection: close") << QByteArray("GET / HTTP/1.1\r\nConnection: close\r\n\r\n") << 200;
        QTest::newRow("signed POST events") << signedEventRequest() << 200;
        QTest::newRow("bad request") << QByteArray("GET / HTTP/1.1\r\nHost : a\r\n\r\n") << 400;
    }
    void halfCloseAfterTheRequestGetsTheAnswer()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        for (int i = 0; i < 20; ++i) {
            RawTcpClient client(m_port);
            QVERIFY(client.sendAll(request));
            client.shutdownWrite();
            QVERIFY2(client.readUntil(&RawTcpClient::hasCompleteAnswer), qPrintable(QStringLiteral("try %1").arg(i)));
            QCOMPARE(client.firstStatus(), status);
            QVERIFY(client.readUntilClosed());
        }
    }

    // Issue 12 (low): trickled headers do not keep a connection forever; the deadline counts from the
    // first byte of the head, not from the last one.
    void headerDeadlineFromTheFirstByte()
    {
        HttpConnection::Options options;
        options.headerTimeoutMs = 600;
        Harness harness(options);
        RawTcpClient slow(harness.port());
        QVERIFY(slow.sendAll("GET / HTTP/1.1\r\n"));
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 3000 && !slow.peerClosed() && slow.received().isEmpty()) {
            slow.sendSome("X-A: a\r\n");
            slow.readUntil([](const QByteArray &r) { return !r.isEmpty(); }, 100);
        }
        QVERIFY(slow.readUntil(&RawTcpClient::hasCompleteAnswer));
        QCOMPARE(slow.firstStatus(), 408);
        QVERIFY2(timer.elapsed() < 1500, qPrintable(QString::number(timer.elapsed())));
        QVERIFY(slow.readUntilClosed());

        // A quiet keep-alive connection is no slow head: it waits for the idle timeout, and a head
        // that arrives in pieces within the deadline is answered.
        RawTcpClient quiet(harness.port());
        QVERIFY(quiet.sendAll(getRoot));
        QVERIFY(quiet.readUntil(&RawTcpClient::hasCompleteAnswer));
        QTest::qWait(900);
        QVERIFY(quiet.sendAll("GET /two HTTP/1.1\r\n"));
        QTest::qWait(300);
        QVERIFY(quiet.sendAll("\r\n"));
        QVERIFY(quiet.readUntil([](const QByteArray &r) { return r.endsWith("GET /two 0"); }));
    }

    // Protocol: upgrades only where WebSockets live; anything else is 404 before the handshake.
    void upgradesOnlyOnTheAppPath_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("status");
        QTest::newRow("/app/app-key") << QByteArray("/app/app-key?protocol=7") << 101;
        QTest::newRow("/app/unknown (4001 after the upgrade)") << QByteArray("/app/unknown") << 101;
        QTest::newRow("/app/") << QByteArray("/app/") << 404;
        QTest::newRow("/app") << QByteArray("/app") << 404;
        QTest::newRow("/anything") << QByteArray("/anything") << 404;
        QTest::newRow("/") << QByteArray("/") << 404;
        QTest::newRow("/app/app-key/more") << QByteArray("/app/app-key/more") << 404;
        QTest::newRow("/apps/app-id/events") << QByteArray("/apps/app-id/events") << 404;
    }
    void upgradesOnlyOnTheAppPath()
    {
        QFETCH(QByteArray, target);
        QFETCH(int, status);
        QByteArray answer;
        QCOMPARE(exchange(m_port, upgradeRequest(target), &answer), status);
        if (status == 404)
            QVERIFY(!answer.contains("Sec-WebSocket-Accept"));
    }

    void upgradeHonoursThePathPrefix()
    {
        ServerConfig config = m_core->config();
        config.pathPrefix = QStringLiteral("/ws");
        config.port = 0;
        config.metrics.port = 0;
        m_core = std::make_unique<ServerCore>(config);
        QString error;
        QVERIFY2(m_core->start(&error), qPrintable(error));
        QCOMPARE(exchange(m_core->port(), upgradeRequest("/ws/app/app-key")), 101);
        QCOMPARE(exchange(m_core->port(), upgradeRequest("/app/app-key")), 404);
        QCOMPARE(exchange(m_core->port(), upgradeRequest("/ws/app/")), 404);
    }

    // An upgrade pipelined behind a plain request: the WebSocket server still reads its handshake whole.
    void upgradeAfterAPipelinedRequest()
    {
        RawTcpClient client(m_port);
        QVERIFY(client.sendAll(getRoot + upgradeRequest("/app/app-key?protocol=7")));
        QVERIFY(client.readUntil([](const QByteArray &r) { return r.contains("pusher:connection_established"); }));
        QVERIFY(client.received().startsWith("HTTP/1.1 200 OK\r\n"));
        QVERIFY(client.received().contains("HTTP/1.1 101 Switching Protocols\r\n"));
    }
};

QTEST_GUILESS_MAIN(TestHttpConnection)
#include "tst_httpconnection.moc"
