// SPDX-License-Identifier: GPL-3.0-or-later
// UpgradeRequest: what QtWebSockets is given (and keeps for the connection's life) after an upgrade is
// only what the handshake and the admission read, and the client's first frames follow it unchanged.
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

#include "rest/HttpRequestParser.h"
#include "rest/UpgradeRequest.h"

using namespace qsoketi;

namespace {

// A Chromium upgrade request as sent from a page (cookies included), then a masked text frame.
QByteArray browserUpgrade(const QByteArray &after)
{
    return QByteArray("GET /app/app-key?protocol=7&client=js&version=8.4.0&flash=false HTTP/1.1\r\n"
                      "Host: 127.0.0.1:6001\r\n"
                      "Connection: Upgrade\r\n"
                      "Pragma: no-cache\r\n"
                      "Cache-Control: no-cache\r\n"
                      "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                      "Chrome/120.0.0.0 Safari/537.36\r\n"
                      "Upgrade: websocket\r\n"
                      "Origin: http://localhost:8000\r\n"
                      "Sec-WebSocket-Version: 13\r\n"
                      "Accept-Encoding: gzip, deflate, br\r\n"
                      "Accept-Language: en-US,en;q=0.9\r\n"
                      "Cookie: laravel_session=")
        + QByteArray(600, 'c')
        + QByteArray("; XSRF-TOKEN=abc\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                     "\r\n")
        + after;
}

HttpRequest parseHead(const QByteArray &bytes)
{
    HttpRequestParser parser;
    parser.feed(bytes);
    if (parser.next() != HttpRequestParser::Result::Head)
        return {};
    return parser.head();
}

} // namespace

class TestUpgradeRequest final : public QObject
{
    Q_OBJECT

private slots:
    void keepsOnlyWhatTheHandshakeReads()
    {
        const QByteArray frame("\x81\x85\x01\x02\x03\x04iggpn", 11);
        const QByteArray raw = browserUpgrade(frame);
        const QByteArray essential = UpgradeRequest::essential(parseHead(raw), raw);

        QVERIFY(essential.size() < raw.size() - 700);
        QVERIFY(essential.startsWith("GET /app/app-key HTTP/1.1\r\n"));
        QVERIFY(essential.endsWith(QByteArray(QByteArray("\r\n\r\n") + frame)));
        const HttpRequest head = parseHead(essential);
        QCOMPARE(head.path, QStringLiteral("/app/app-key"));
        QCOMPARE(head.headers.value("host"), QByteArray("127.0.0.1:6001"));
        QCOMPARE(head.headers.value("upgrade"), QByteArray("websocket"));
        QCOMPARE(head.headers.value("connection"), QByteArray("Upgrade"));
        QCOMPARE(head.headers.value("origin"), QByteArray("http://localhost:8000"));
        QCOMPARE(head.headers.value("sec-websocket-version"), QByteArray("13"));
        QCOMPARE(head.headers.value("sec-websocket-key"), QByteArray("dGhlIHNhbXBsZSBub25jZQ=="));
        QVERIFY(!head.headers.contains("cookie"));
        QVERIFY(!head.headers.contains("user-agent"));
        QVERIFY(!head.headers.contains("accept-language"));
        QVERIFY(!head.headers.contains("sec-websocket-extensions")); // QtWebSockets negotiates none
        QCOMPARE(head.headers.size(), 6);
    }

    void anIncompleteHeadIsPassedOnUnchanged()
    {
        const QByteArray partial("GET /app/k HTTP/1.1\r\nHost: x\r\n");
        QCOMPARE(UpgradeRequest::essential(HttpRequest{}, partial), partial);
    }

    // The trimmed request is still a handshake QtWebSockets accepts, with the path and Origin intact.
    void qtWebSocketsAcceptsTheTrimmedRequest()
    {
        QWebSocketServer server(QStringLiteral("test"), QWebSocketServer::NonSecureMode);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QVERIFY(client.waitForConnected(5000));
        const QByteArray raw = browserUpgrade({});
        client.write(UpgradeRequest::essential(parseHead(raw), raw));
        QTRY_VERIFY(server.hasPendingConnections());
        std::unique_ptr<QWebSocket> accepted(server.nextPendingConnection());
        QCOMPARE(accepted->requestUrl().path(), QStringLiteral("/app/app-key"));
        QCOMPARE(accepted->origin(), QStringLiteral("http://localhost:8000"));
        QTRY_VERIFY(client.bytesAvailable() > 0);
        QVERIFY(client.readAll().startsWith("HTTP/1.1 101"));
    }
};

QTEST_GUILESS_MAIN(TestUpgradeRequest)
#include "tst_upgraderequest.moc"
