// SPDX-License-Identifier: GPL-3.0-or-later
// HttpRequestParser, table by table: every refusal RFC 9112 asks for (and issue 12 found missing), valid
// requests, pipelining, and the same answers whatever the split of the bytes.
#include <QTest>

#include "rest/HttpRequestParser.h"

using namespace qsoketi;

namespace {

using Result = HttpRequestParser::Result;

HttpRequestParser::Limits smallLimits()
{
    HttpRequestParser::Limits limits;
    limits.maxHeaderBytes = 256;
    limits.maxBodyBytes = 100;
    return limits;
}

struct Parsed
{
    QList<HttpRequest> requests;
    QList<bool> keepAlive; // per head
    QList<bool> upgrade; // per head
    int errorStatus = 0;
};

// Feeds `input` in pieces of `chunk` bytes (0: all at once) and collects what comes out.
Parsed parseAll(const QByteArray &input, qsizetype chunk, HttpRequestParser::Limits limits = smallLimits())
{
    HttpRequestParser parser(limits);
    Parsed parsed;
    const qsizetype step = chunk > 0 ? chunk : qMax<qsizetype>(1, input.size());
    for (qsizetype at = 0; at < input.size() && parsed.errorStatus == 0; at += step) {
        parser.feed(QByteArrayView(input).sliced(at, qMin(step, input.size() - at)));
        for (bool more = true; more;) {
            switch (parser.next()) {
            case Result::NeedMore:
                more = false;
                break;
            case Result::Head:
                parsed.keepAlive.append(parser.keepAlive());
                parsed.upgrade.append(parser.isUpgrade());
                break;
            case Result::Request:
                parsed.requests.append(parser.takeRequest());
                break;
            case Result::Error:
                // An error says what was wrong: -1 if it does not.
                parsed.errorStatus = parser.error().message.isEmpty() ? -1 : parser.error().status;
                more = false;
                break;
            }
        }
    }
    return parsed;
}

const QList<qsizetype> chunkings{0, 1, 2, 3, 7, 64};

} // namespace

class TestHttpRequestParser final : public QObject
{
    Q_OBJECT

private slots:
    void refusals_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<int>("status");
        const QByteArray get("GET / HTTP/1.1\r\n");
        const QByteArray post("POST /apps/1/events HTTP/1.1\r\nHost: a\r\n");
        // Request smuggling (issue 12): framing that two parsers could read two ways.
        QTest::newRow("duplicate Content-Length")
            << post + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello" << 400;
        QTest::newRow("conflicting Content-Length")
            << post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!" << 400;
        QTest::newRow("Content-Length list") << post + "Content-Length: 5, 5\r\n\r\nhello" << 400;
        QTest::newRow("Content-Length +5") << post + "Content-Length: +5\r\n\r\nhello" << 400;
        QTest::newRow("Content-Length -1") << post + "Content-Length: -1\r\n\r\n" << 400;
        QTest::newRow("Content-Length 5a") << post + "Content-Length: 5a\r\n\r\nhello" << 400;
        QTest::newRow("Content-Length 0x5") << post + "Content-Length: 0x5\r\n\r\nhello" << 400;
        QTest::newRow("Content-Length 1 2") << post + "Content-Length: 1 2\r\n\r\n" << 400;
        QTest::newRow("Content-Length empty") << post + "Content-Length:\r\n\r\n" << 400;
        QTest::newRow("Content-Length 19 digits") << post + "Content-Length: 1000000000000000000\r\n\r\n" << 400;
        QTest::newRow("space before colon") << get + "Host : a\r\n\r\n" << 400;
        QTest::newRow("tab before colon") << get + "Host\t: a\r\n\r\n" << 400;
        QTest::newRow("space before colon, Content-Length") << post + "Content-Length : 5\r\n\r\nhello" << 400;
        QTest::newRow("obs-fold with space") << get + "X-A: b\r\n c\r\n\r\n" << 400;
        QTest::newRow("obs-fold with tab") << get + "X-A: b\r\n\tc\r\n\r\n" << 400;
        QTest::newRow("first header line folded") << get + " Host: a\r\n\r\n" << 400;
        QTest::newRow("NUL in a header value") << get + "X-A: a" + QByteArray(1, '\0') + "b\r\n\r\n" << 400;
        QTest::newRow("NUL in a header name") << get + "X" + QByteArray(1, '\0') + "A: b\r\n\r\n" << 400;
        QTest::newRow("NUL in the request line") << QByteArray("GET /") + QByteArray(1, '\0') + " HTTP/1.1\r\n\r\n"
                                                 << 400;
        QTest::newRow("control byte in a value") << get
                + "X-A: a\x01"
                  "b\r\n\r\n" << 400;
        QTest::newRow("DEL in a value") << get + "X-A: a\x7f\r\n\r\n" << 400;
        QTest::newRow("bare LF line ends") << QByteArray("GET / HTTP/1.1\nHost: a\n\n") << 400;
        QTest::newRow("bare LF in a value") << get + "X-A: a\nb\r\n\r\n" << 400;
        QTest::newRow("bare CR") << QByteArray("GET / HTTP/1.1\rHost: a\r\n\r\n") << 400;
        QTest::newRow("header without colon") << get + "NoColon\r\n\r\n" << 400;
        QTest::newRow("header with empty name") << get + ": x\r\n\r\n" << 400;
        QTest::newRow("header name not a token") << get + "X(A): b\r\n\r\n" << 400;
        QTest::newRow("duplicate Host") << get + "Host: a\r\nHost: b\r\n\r\n" << 400;
        // Transfer-Encoding: only a well-formed list ending in chunked is understood, then not supported.
        QTest::newRow("chunked (well formed, not supported)") << post + "Transfer-Encoding: chunked\r\n\r\n" << 411;
        QTest::newRow("gzip, chunked (not supported)") << post + "Transfer-Encoding: gzip, chunked\r\n\r\n" << 411;
        QTest::newRow("TE gzip (chunked not last)") << post + "Transfer-Encoding: gzip\r\n\r\n" << 400;
        QTest::newRow("TE chunked, gzip") << post + "Transfer-Encoding: chunked, gzip\r\n\r\n" << 400;
        QTest::newRow("TE chunked twice") << post + "Transfer-Encoding: chunked, chunked\r\n\r\n" << 400;
        QTest::newRow("TE empty") << post + "Transfer-Encoding:\r\n\r\n" << 400;
        QTest::newRow("TE empty element") << post + "Transfer-Encoding: ,chunked\r\n\r\n" << 400;
        QTest::newRow("TE xchunked") << post + "Transfer-Encoding: xchunked\r\n\r\n" << 400;
        QTest::newRow("TE not a token") << post + "Transfer-Encoding: chun\"ked\r\n\r\n" << 400;
        QTest::newRow("TE header twice") << post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
                                         << 400;
        QTest::newRow("TE and Content-Length")
            << post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello" << 400;
        QTest::newRow("TE in HTTP/1.0") << QByteArray("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") << 400;
        // Request line.
        QTest::newRow("two spaces") << QByteArray("GET  / HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("trailing space") << QByteArray("GET / HTTP/1.1 \r\n\r\n") << 400;
        QTest::newRow("no target") << QByteArray("GET HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("method not a token") << QByteArray("G(T / HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("control byte in the target") << QByteArray("GET /a\x01 HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("8-bit byte in the target") << QByteArray("GET /\xc3\xa9 HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("lower-case version") << QByteArray("GET / http/1.1\r\n\r\n") << 400;
        QTest::newRow("version without minor") << QByteArray("GET / HTTP/1\r\n\r\n") << 400;
        QTest::newRow("HTTP/2.0") << QByteArray("GET / HTTP/2.0\r\n\r\n") << 505;
        QTest::newRow("garbage") << QByteArray("\x16\x03\x01garbage\r\n\r\n") << 400;
        // Limits (256 header bytes, 100 body bytes here).
        QTest::newRow("body over the limit") << post + "Content-Length: 101\r\n\r\n" << 413;
        QTest::newRow("headers over the limit") << get + "X-A: " + QByteArray(300, 'a') + "\r\n\r\n" << 431;
        QTest::newRow("headers over the limit, unterminated") << get + "X-A: " + QByteArray(300, 'a') << 431;
        QTest::newRow("request line over the limit") << "GET /" + QByteArray(300, 'a') << 414;
        QTest::newRow("endless empty lines") << QByteArray(300, '\r').replace("\r", "\r\n") << 400;
    }
    void refusals()
    {
        QFETCH(QByteArray, input);
        QFETCH(int, status);
        for (qsizetype chunk : chunkings) {
            const Parsed parsed = parseAll(input, chunk);
            QVERIFY2(parsed.errorStatus == status,
                qPrintable(QStringLiteral("chunk %1: status %2").arg(chunk).arg(parsed.errorStatus)));
            QVERIFY(parsed.requests.isEmpty());
        }
    }

    void validRequests_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("rawPath");
        QTest::addColumn<QString>("query"); // k=v&… decoded, in order
        QTest::addColumn<QByteArray>("header"); // name=value of one header to check, or empty
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("keepAlive");
        QTest::addColumn<bool>("upgrade");
        QTest::newRow("GET with query") << QByteArray(
            "GET /apps/1/channels?auth_key=k&x=%20y HTTP/1.1\r\nHost: a\r\n\r\n")
                                        << QByteArray("GET") << "/apps/1/channels" << QByteArray("/apps/1/channels")
                                        << "auth_key=k&x= y" << QByteArray("host=a") << QByteArray() << true << false;
        QTest::newRow("POST with body") << QByteArray("POST /e HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")
                                        << QByteArray("POST") << "/e" << QByteArray("/e") << "" << QByteArray()
                                        << QByteArray("hello") << true << false;
        QTest::newRow("percent-decoded path")
            << QByteArray("GET /a%2Fb%20c HTTP/1.1\r\n\r\n") << QByteArray("GET") << "/a/b c"
            << QByteArray("/a%2Fb%20c") << "" << QByteArray() << QByteArray() << true << false;
        QTest::newRow("lower-case method") << QByteArray("get / HTTP/1.1\r\n\r\n") << QByteArray("GET") << "/"
                                           << QByteArray("/") << "" << QByteArray() << QByteArray() << true << false;
        QTest::newRow("no Host (accepted)") << QByteArray("GET / HTTP/1.1\r\n\r\n") << QByteArray("GET") << "/"
                                            << QByteArray("/") << "" << QByteArray() << QByteArray() << true << false;
        QTest::newRow("HTTP/1.0 closes") << QByteArray("GET / HTTP/1.0\r\n\r\n") << QByteArray("GET") << "/"
                                         << QByteArray("/") << "" << QByteArray() << QByteArray() << false << false;
        QTest::newRow("HTTP/1.0 keep-alive")
            << QByteArray("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n") << QByteArray("GET") << "/"
            << QByteArray("/") << "" << QByteArray("connection=Keep-Alive") << QByteArray() << true << false;
        QTest::newRow("Connection: close")
            << QByteArray("GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n") << QByteArray("GET") << "/"
            << QByteArray("/") << "" << QByteArray() << QByteArray() << false << false;
        QTest::newRow("WebSocket upgrade")
            << QByteArray("GET /app/key?protocol=7 HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n\r\n")
            << QByteArray("GET") << "/app/key" << QByteArray("/app/key") << "protocol=7" << QByteArray() << QByteArray()
            << true << true;
        QTest::newRow("leading empty lines") << QByteArray("\r\n\r\nGET / HTTP/1.1\r\n\r\n") << QByteArray("GET") << "/"
                                             << QByteArray("/") << "" << QByteArray() << QByteArray() << true << false;
        QTest::newRow("repeated header joined")
            << QByteArray("GET / HTTP/1.1\r\nAccept: a\r\naccept: b\r\n\r\n") << QByteArray("GET") << "/"
            << QByteArray("/") << "" << QByteArray("accept=a, b") << QByteArray() << true << false;
        QTest::newRow("value OWS trimmed, inner tab kept")
            << QByteArray("GET / HTTP/1.1\r\nX-A: \t a\tb  \r\n\r\n") << QByteArray("GET") << "/" << QByteArray("/")
            << "" << QByteArray("x-a=a\tb") << QByteArray() << true << false;
        QTest::newRow("8-bit bytes in a value")
            << QByteArray("GET / HTTP/1.1\r\nX-A: caf\xc3\xa9\r\n\r\n") << QByteArray("GET") << "/" << QByteArray("/")
            << "" << QByteArray("x-a=caf\xc3\xa9") << QByteArray() << true << false;
        QTest::newRow("Content-Length 0")
            << QByteArray("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n") << QByteArray("POST") << "/"
            << QByteArray("/") << "" << QByteArray() << QByteArray() << true << false;
        QTest::newRow("Content-Length with leading zeros")
            << QByteArray("POST / HTTP/1.1\r\nContent-Length: 003\r\n\r\nabc") << QByteArray("POST") << "/"
            << QByteArray("/") << "" << QByteArray() << QByteArray("abc") << true << false;
        QTest::newRow("body at the limit")
            << "POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n" + QByteArray(100, 'x') << QByteArray("POST") << "/"
            << QByteArray("/") << "" << QByteArray() << QByteArray(100, 'x') << true << false;
        QTest::newRow("binary body with CRLFs and NULs")
            << QByteArray("POST / HTTP/1.1\r\nContent-Length: 6\r\n\r\n") + QByteArray("\r\n\0\r\n\0", 6)
            << QByteArray("POST") << "/" << QByteArray("/") << "" << QByteArray() << QByteArray("\r\n\0\r\n\0", 6)
            << true << false;
    }
    void validRequests()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, rawPath);
        QFETCH(QString, query);
        QFETCH(QByteArray, header);
        QFETCH(QByteArray, body);
        QFETCH(bool, keepAlive);
        QFETCH(bool, upgrade);
        for (qsizetype chunk : chunkings) {
            const Parsed parsed = parseAll(input, chunk);
            QCOMPARE(parsed.errorStatus, 0);
            QCOMPARE(parsed.requests.size(), 1);
            const HttpRequest &request = parsed.requests.first();
            QCOMPARE(request.method, method);
            QCOMPARE(request.path, path);
            QCOMPARE(request.rawPath, rawPath);
            QStringList pairs;
            for (const auto &[k, v] : request.query)
                pairs << k + u'=' + v;
            QCOMPARE(pairs.join(u'&'), query);
            if (!header.isEmpty()) {
                const qsizetype eq = header.indexOf('=');
                QCOMPARE(request.headers.value(header.first(eq)), header.mid(eq + 1));
            }
            QCOMPARE(request.body, body);
            QCOMPARE(parsed.keepAlive, QList<bool>{keepAlive});
            QCOMPARE(parsed.upgrade, QList<bool>{upgrade});
        }
    }

    void headerLimitIsInclusive()
    {
        // A head of exactly maxHeaderBytes (blank line included) passes; one byte more is 431.
        const QByteArray start("GET / HTTP/1.1\r\nX-A: ");
        const QByteArray exact = start + QByteArray(256 - start.size() - 4, 'a') + "\r\n\r\n";
        QCOMPARE(exact.size(), 256);
        QCOMPARE(parseAll(exact, 0).requests.size(), 1);
        QCOMPARE(parseAll(exact, 1).requests.size(), 1);
        const QByteArray over = start + QByteArray(256 - start.size() - 3, 'a') + "\r\n\r\n";
        QCOMPARE(parseAll(over, 0).errorStatus, 431);
        QCOMPARE(parseAll(over, 1).errorStatus, 431);
    }

    void pipelinedRequestsComeOutInOrder()
    {
        const QByteArray input = "GET /one HTTP/1.1\r\n\r\n"
                                 "POST /two HTTP/1.1\r\nContent-Length: 11\r\n\r\nGET /x HTTP"
                                 "\r\n" // an empty line between requests is ignored
                                 "GET /three HTTP/1.1\r\nConnection: close\r\n\r\n"
                                 "GET /fo";
        for (qsizetype chunk : chunkings) {
            const Parsed parsed = parseAll(input, chunk);
            QCOMPARE(parsed.errorStatus, 0);
            QCOMPARE(parsed.requests.size(), 3);
            QCOMPARE(parsed.requests[0].path, QStringLiteral("/one"));
            QCOMPARE(parsed.requests[1].path, QStringLiteral("/two"));
            QCOMPARE(parsed.requests[1].body, QByteArray("GET /x HTTP"));
            QCOMPARE(parsed.requests[2].path, QStringLiteral("/three"));
            QCOMPARE(parsed.keepAlive, QList<bool>({true, true, false}));
        }
    }

    void skippedBodiesAreNeverHeld()
    {
        HttpRequestParser parser(smallLimits());
        parser.feed("POST /a HTTP/1.1\r\nContent-Length: 100\r\n\r\n");
        QCOMPARE(parser.next(), Result::Head);
        parser.skipBody();
        QCOMPARE(parser.next(), Result::NeedMore);
        for (int i = 0; i < 10; ++i) {
            parser.feed(QByteArray(10, 'x'));
            QCOMPARE(parser.bufferedBytes(), 0);
            if (i < 9)
                QCOMPARE(parser.next(), Result::NeedMore);
        }
        parser.feed("GET /b HTTP/1.1\r\n\r\n");
        QCOMPARE(parser.next(), Result::Head);
        QCOMPARE(parser.next(), Result::Request);
        const HttpRequest request = parser.takeRequest();
        QCOMPARE(request.path, QStringLiteral("/b"));
        QVERIFY(request.body.isEmpty());
    }

    void upgradeHandsBackTheRawBytes()
    {
        const QByteArray first("GET /x HTTP/1.1\r\n\r\n");
        const QByteArray upgrade("GET /app/key HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
        const QByteArray frame("\x81\x85\x01\x02\x03\x04hello"); // whatever follows belongs to the WebSocket
        HttpRequestParser parser;
        parser.feed(QByteArray(first + upgrade + frame));
        QCOMPARE(parser.next(), Result::Head);
        QVERIFY(!parser.isUpgrade());
        QCOMPARE(parser.next(), Result::Request);
        QCOMPARE(parser.next(), Result::Head);
        QVERIFY(parser.isUpgrade());
        QCOMPARE(parser.takeUnconsumed(), QByteArray(upgrade + frame));
        // The parser starts afresh.
        QCOMPARE(parser.bufferedBytes(), 0);
        QCOMPARE(parser.next(), Result::NeedMore);
        parser.feed(first);
        QCOMPARE(parser.next(), Result::Head);
    }

    void headerDeadlineSignal()
    {
        // isReadingHead() is what the connection's header deadline follows: from the first byte of a
        // head (a leading empty line counts) until the head is complete.
        HttpRequestParser parser;
        QVERIFY(!parser.isReadingHead());
        parser.feed("\r\n");
        QCOMPARE(parser.next(), Result::NeedMore);
        QVERIFY(parser.isReadingHead());
        parser.feed("GET / HTTP/1.1\r\nHost: a\r\n");
        QCOMPARE(parser.next(), Result::NeedMore);
        QVERIFY(parser.isReadingHead());
        parser.feed("\r\n");
        QCOMPARE(parser.next(), Result::Head);
        QVERIFY(!parser.isReadingHead());
        QCOMPARE(parser.next(), Result::Request);
        QVERIFY(!parser.isReadingHead());
    }

    void errorIsFinal()
    {
        HttpRequestParser parser;
        parser.feed("GET / HTTP/1.1\r\nHost : a\r\n\r\n");
        QCOMPARE(parser.next(), Result::Error);
        QCOMPARE(parser.error().status, 400);
        QVERIFY(!parser.keepAlive());
        parser.feed("GET / HTTP/1.1\r\n\r\n");
        QCOMPARE(parser.next(), Result::Error);
        QCOMPARE(parser.bufferedBytes(), 0);
    }
};

QTEST_APPLESS_MAIN(TestHttpRequestParser)
#include "tst_httprequestparser.moc"
