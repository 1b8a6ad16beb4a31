// SPDX-License-Identifier: GPL-3.0-or-later
#include <memory>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>
#include <QWebSocket>

#include "RawTcpClient.h"
#include "metrics/MetricsRegistry.h"
#include "metrics/ProcessInfo.h"
#include "rest/MetricsEndpoint.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

using namespace qsoketi;

namespace {

struct Reply
{
    int status = 0;
    QByteArray contentType;
    QByteArray body;
    QByteArray allowOrigin;
    QByteArray allowMethods;
    QByteArray allowHeaders;
};

} // namespace

class TestMetricsEndpoint final : public QObject
{
    Q_OBJECT

private:
    // A server on an ephemeral 127.0.0.1 port with the given settings.
    std::unique_ptr<MetricsEndpoint> start(bool metricsEnabled, const QString &pathPrefix = {})
    {
        ServerConfig config;
        config.metrics.enabled = metricsEnabled;
        config.metrics.host = QStringLiteral("127.0.0.1");
        config.metrics.port = 0;
        config.pathPrefix = pathPrefix;
        m_registry = std::make_unique<MetricsRegistry>(config.metrics, config.port);
        auto endpoint = std::make_unique<MetricsEndpoint>(config, *m_registry, [this] { return m_closing; });
        QString error;
        if (!endpoint->listen(&error))
            qFatal("listen failed: %s", qPrintable(error));
        return endpoint;
    }

    Reply request(const MetricsEndpoint &endpoint, const QString &pathAndQuery, const QByteArray &verb = "GET")
    {
        QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(endpoint.port()).arg(pathAndQuery)));
        QNetworkReply *reply = m_network.sendCustomRequest(request, verb);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!reply->isFinished() && !finished.wait(5000))
            qFatal("no answer for %s", qPrintable(pathAndQuery));
        Reply result;
        result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        result.contentType = reply->rawHeader("Content-Type");
        result.allowOrigin = reply->rawHeader("Access-Control-Allow-Origin");
        result.allowMethods = reply->rawHeader("Access-Control-Allow-Methods");
        result.allowHeaders = reply->rawHeader("Access-Control-Allow-Headers");
        result.body = reply->readAll();
        reply->deleteLater();
        return result;
    }

    static void verifyCors(const Reply &reply)
    {
        QCOMPARE(reply.allowOrigin, QByteArray("*"));
        QCOMPARE(reply.allowMethods, QByteArray("GET, POST, PUT, DELETE, OPTIONS"));
        QVERIFY(reply.allowHeaders.contains("X-Socket-Id"));
        QVERIFY(reply.allowHeaders.startsWith("Origin, Content-Type"));
    }

    QNetworkAccessManager m_network;
    std::unique_ptr<MetricsRegistry> m_registry;
    bool m_closing = false;

private slots:
    void init() { m_closing = false; }

    void listensOnAnEphemeralPort()
    {
        const auto endpoint = start(true);
        QVERIFY(endpoint->port() != 0);
    }

    void rootAnswersOk()
    {
        const auto endpoint = start(false);
        const Reply reply = request(*endpoint, QStringLiteral("/"));
        QCOMPARE(reply.status, 200);
        QCOMPARE(reply.body, QByteArray("OK"));
        verifyCors(reply);
    }

    void readyFollowsTheClosingFlag()
    {
        const auto endpoint = start(false);
        Reply reply = request(*endpoint, QStringLiteral("/ready"));
        QCOMPARE(reply.status, 200);
        QCOMPARE(reply.body, QByteArray("OK"));
        verifyCors(reply);

        m_closing = true;
        reply = request(*endpoint, QStringLiteral("/ready"));
        QCOMPARE(reply.status, 500);
        QCOMPARE(reply.contentType, QByteArray("application/json"));
        QCOMPARE(QJsonDocument::fromJson(reply.body).object(),
            QJsonObject({{"error", "The server is closing. Choose another server. :)"}, {"code", 500}}));
        verifyCors(reply);
    }

    void usageReportsMemory()
    {
        const auto endpoint = start(false);
        const Reply reply = request(*endpoint, QStringLiteral("/usage"));
        QCOMPARE(reply.status, 200);
        QCOMPARE(reply.contentType, QByteArray("application/json"));
        verifyCors(reply);
        const QJsonObject memory =
            QJsonDocument::fromJson(reply.body).object().value(QStringLiteral("memory")).toObject();
        QCOMPARE(QStringList(memory.keys()), QStringList({"free", "percent", "total", "used"}));
        const double used = memory.value(QStringLiteral("used")).toDouble();
        const double total = memory.value(QStringLiteral("total")).toDouble();
        QVERIFY(used > 1e6 && total > used);
        QCOMPARE(memory.value(QStringLiteral("free")).toDouble(), total - used);
        QCOMPARE(memory.value(QStringLiteral("percent")).toDouble(), used / total * 100);
    }

    void metricsServesTheTextFormat()
    {
        const auto endpoint = start(true);
        AppMetrics &app = m_registry->forApp(QStringLiteral("app-id"));
        app.connected->Increment(2);
        Reply reply = request(*endpoint, QStringLiteral("/metrics"));
        QCOMPARE(reply.status, 200);
        QCOMPARE(reply.contentType, QByteArray("text/plain; version=0.0.4; charset=utf-8"));
        verifyCors(reply);
        QVERIFY(reply.body.startsWith("# HELP soketi_connected The number of currently connected sockets.\n"
                                      "# TYPE soketi_connected gauge\n"
                                      "soketi_connected{app_id=\"app-id\",port=\"6001\"} 2\n"));
        QVERIFY(reply.body.contains("\nsoketi_process_resident_memory_bytes{port=\"6001\"} "));
        QVERIFY(reply.body.contains("\nsoketi_eventloop_lag_seconds{port=\"6001\"} "));

        // Every scrape collects afresh.
        app.wsMessagesReceived->Increment(5);
        reply = request(*endpoint, QStringLiteral("/metrics"));
        QVERIFY(reply.body.contains("\nsoketi_ws_messages_received_total{app_id=\"app-id\",port=\"6001\"} 5\n"));
    }

    void metricsJsonForAnyTruthyJsonParameter_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<bool>("json");
        QTest::newRow("json=1") << QStringLiteral("?json=1") << true;
        QTest::newRow("json=true") << QStringLiteral("?json=true") << true;
        QTest::newRow("json=0 (a non-empty string is truthy in JS)") << QStringLiteral("?json=0") << true;
        QTest::newRow("json= (empty)") << QStringLiteral("?json=") << false;
        QTest::newRow("no query") << QString() << false;
        QTest::newRow("other parameter") << QStringLiteral("?format=json") << false;
    }
    void metricsJsonForAnyTruthyJsonParameter()
    {
        QFETCH(QString, query);
        QFETCH(bool, json);
        const auto endpoint = start(true);
        m_registry->forApp(QStringLiteral("app-id")).wsMessagesSent->Increment(4);
        const Reply reply = request(*endpoint, QStringLiteral("/metrics") + query);
        QCOMPARE(reply.status, 200);
        verifyCors(reply);
        if (!json) {
            QCOMPARE(reply.contentType, QByteArray("text/plain; version=0.0.4; charset=utf-8"));
            return;
        }
        QCOMPARE(reply.contentType, QByteArray("application/json"));
        QJsonParseError error{};
        const QJsonDocument document = QJsonDocument::fromJson(reply.body, &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        QVERIFY(document.isArray());
        bool found = false;
        for (const QJsonValue &family : document.array()) {
            if (family[QStringLiteral("name")].toString() == QStringLiteral("soketi_ws_messages_sent_total")) {
                QCOMPARE(family[QStringLiteral("values")][0][QStringLiteral("value")].toDouble(), 4.0);
                found = true;
            }
        }
        QVERIFY(found);
    }

    void metricsIsNotFoundWhenDisabled()
    {
        const auto endpoint = start(false);
        const Reply reply = request(*endpoint, QStringLiteral("/metrics"));
        QCOMPARE(reply.status, 404);
        QVERIFY(reply.body.isEmpty());
        verifyCors(reply);
        QCOMPARE(request(*endpoint, QStringLiteral("/metrics?json=1")).status, 404);
        // The rest of the server still runs (soketi always starts it).
        QCOMPARE(request(*endpoint, QStringLiteral("/ready")).status, 200);
    }

    void unknownRoutesAndMethodsAreNotFound_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("verb");
        QTest::newRow("unknown path") << QStringLiteral("/nope") << QByteArray("GET");
        QTest::newRow("metrics subpath") << QStringLiteral("/metrics/x") << QByteArray("GET");
        QTest::newRow("POST /metrics") << QStringLiteral("/metrics") << QByteArray("POST");
        QTest::newRow("OPTIONS preflight") << QStringLiteral("/metrics") << QByteArray("OPTIONS");
    }
    void unknownRoutesAndMethodsAreNotFound()
    {
        QFETCH(QString, path);
        QFETCH(QByteArray, verb);
        const auto endpoint = start(true);
        const Reply reply = request(*endpoint, path, verb);
        QCOMPARE(reply.status, 404);
        verifyCors(reply);
    }

    void pathPrefixAppliesToEveryRoute()
    {
        const auto endpoint = start(true, QStringLiteral("/ws.v1"));
        QCOMPARE(request(*endpoint, QStringLiteral("/ws.v1/")).body, QByteArray("OK"));
        QCOMPARE(request(*endpoint, QStringLiteral("/ws.v1/ready")).status, 200);
        QCOMPARE(request(*endpoint, QStringLiteral("/ws.v1/usage")).status, 200);
        const Reply metrics = request(*endpoint, QStringLiteral("/ws.v1/metrics"));
        QCOMPARE(metrics.status, 200);
        QVERIFY(metrics.body.contains("# TYPE soketi_connected gauge"));
        // Without the prefix, or with the dot as a regex wildcard, nothing matches.
        QCOMPARE(request(*endpoint, QStringLiteral("/metrics")).status, 404);
        QCOMPARE(request(*endpoint, QStringLiteral("/wsXv1/metrics")).status, 404);
        QCOMPARE(request(*endpoint, QStringLiteral("/ready")).status, 404);
    }

    void listenFailureNamesTheSetting()
    {
        QTcpServer occupier;
        QVERIFY(occupier.listen(QHostAddress::LocalHost, 0));
        ServerConfig config;
        config.metrics.host = QStringLiteral("127.0.0.1");
        config.metrics.port = occupier.serverPort();
        MetricsRegistry registry(config.metrics, config.port);
        MetricsEndpoint endpoint(config, registry, [] { return false; });
        QString error;
        QVERIFY(!endpoint.listen(&error));
        QCOMPARE(error,
            QStringLiteral("cannot listen on 127.0.0.1:%1 for metrics: address in use; set "
                           "SOKETI_METRICS_SERVER_PORT")
                .arg(occupier.serverPort()));
        QCOMPARE(endpoint.port(), quint16(0));
    }

    // Nothing on the metrics port speaks WebSocket: an upgrade gets the 404 and the connection closes.
    void webSocketUpgradesAreDropped()
    {
        const auto endpoint = start(true);
        QWebSocket socket;
        QSignalSpy disconnected(&socket, &QWebSocket::disconnected);
        socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/metrics").arg(endpoint->port())));
        QTRY_VERIFY_WITH_TIMEOUT(disconnected.count() > 0 || socket.state() == QAbstractSocket::UnconnectedState, 5000);
        QTest::qWait(100);
        QCOMPARE(socket.state(), QAbstractSocket::UnconnectedState);
        // The server still answers plain HTTP afterwards.
        QCOMPARE(request(*endpoint, QStringLiteral("/ready")).status, 200);
    }

    // Issue 12: a 50 MiB header line grew memory by 100 MB. Past 8 KiB of head the answer is 431 and
    // the rest is read and dropped, never held.
    void hugeHeaderLineIsRefusedWithoutGrowingMemory()
    {
        const auto endpoint = start(true);
        QCOMPARE(request(*endpoint, QStringLiteral("/ready")).status, 200);
        const qint64 before = ProcessInfo::residentMemoryBytes().value_or(0);
        RawTcpClient client(endpoint->port());
        QVERIFY(client.sendAll("GET /metrics HTTP/1.1\r\nX-Big: "));
        const qint64 sent = client.flood("a", 50 * 1024 * 1024, 1500);
        const qint64 growth = ProcessInfo::residentMemoryBytes().value_or(0) - before;
        qInfo("sent %lld bytes of one header line: RSS %+lld KiB", sent, growth / 1024);
        QVERIFY(client.readUntil(&RawTcpClient::hasCompleteAnswer));
        QCOMPARE(client.firstStatus(), 431);
        QVERIFY2(growth < 30 * 1024 * 1024, qPrintable(QStringLiteral("RSS grew by %1 KiB").arg(growth / 1024)));
        QCOMPARE(request(*endpoint, QStringLiteral("/ready")).status, 200);
    }

    void closeStopsAcceptingConnections()
    {
        const auto endpoint = start(false);
        QCOMPARE(request(*endpoint, QStringLiteral("/")).status, 200);
        endpoint->close();
        QNetworkRequest req(QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(endpoint->port())));
        m_network.clearConnectionCache();
        QNetworkReply *reply = m_network.get(req);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        QVERIFY(finished.wait(5000));
        QCOMPARE(reply->error(), QNetworkReply::ConnectionRefusedError);
        reply->deleteLater();
    }
};

QTEST_GUILESS_MAIN(TestMetricsEndpoint)
#include "tst_metricsendpoint.moc"
