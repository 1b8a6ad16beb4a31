// SPDX-License-Identifier: GPL-3.0-or-later
// The webhook delivery log on the metrics port (issue 14), through a real ServerCore: a WebSocket
// subscription makes a delivery that fails once; GET /webhooks/deliveries shows both attempts, POST
// /webhooks/replay re-sends it with a fresh valid signature, /metrics counts exactly, and the routes
// refuse web pages (an Origin header) and other machines.
#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

#include "ServerCore.h"
#include "WebhookReceiver.h"
#include "metrics/MetricsRegistry.h"
#include "rest/WebhookAdminApi.h"
#include "webhooks/WebhookSender.h"

using namespace qsoketi;
using Receiver = qsoketi::test::WebhookReceiver;

namespace {

struct Answer
{
    int status = 0;
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

Answer call(const QByteArray &method, const QUrl &url, const QByteArray &origin = {})
{
    QNetworkAccessManager nam;
    QNetworkRequest request(url);
    if (!origin.isEmpty())
        request.setRawHeader("Origin", origin);
    std::unique_ptr<QNetworkReply> reply(nam.sendCustomRequest(request, method));
    if (!QTest::qWaitFor([&reply] { return reply->isFinished(); }, 5000))
        return {};
    return {reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll()};
}

// The value of one series in /metrics text ("name{labels} value"), -1 when absent.
double sample(const QByteArray &text, const QByteArray &nameAndLabels)
{
    for (const QByteArray &line : text.split('\n'))
        if (line.startsWith(QByteArray(nameAndLabels + ' ')))
            return line.mid(nameAndLabels.size() + 1).toDouble();
    return -1;
}

} // namespace

class TestWebhookAdmin final : public QObject
{
    Q_OBJECT

private slots:
    void deliveriesReplayAndMetrics()
    {
        Receiver receiver;
        receiver.statuses = {500};
        ServerConfig config;
        config.host = QStringLiteral("127.0.0.1");
        config.port = 0;
        config.metrics.host = QStringLiteral("127.0.0.1");
        config.metrics.port = 0;
        config.metrics.enabled = true;
        config.shutdownGracePeriodMs = 100;
        config.webhooksRetryFirstDelayMs = 50;
        config.apps.first().webhooks = {QJsonObject{{QStringLiteral("url"), receiver.url(QStringLiteral("/hook"))},
            {QStringLiteral("event_types"), QJsonArray{QStringLiteral("channel_occupied")}}}};
        ServerCore server(config);
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));
        const auto admin = [&](const QString &pathAndQuery) {
            return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(server.metricsPort()).arg(pathAndQuery));
        };

        QWebSocket ws;
        QSignalSpy connected(&ws, &QWebSocket::connected);
        ws.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/app/app-key?protocol=7").arg(server.port())));
        QVERIFY(connected.wait(3000));
        ws.sendTextMessage(QStringLiteral("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"orders\"}}"));
        QTRY_COMPARE(receiver.requests.size(), 2); // 500, then 200

        Answer list;
        QTRY_VERIFY((list = call("GET", admin(QStringLiteral("/webhooks/deliveries?app_id=app-id"))))
                        .json()
                        .value(u"deliveries")
                        .toArray()
                        .first()
                        .toObject()
                        .value(u"outcome")
            == QLatin1String("delivered"));
        QCOMPARE(list.status, 200);
        const QJsonObject delivery = list.json().value(u"deliveries").toArray().first().toObject();
        QCOMPARE(delivery.value(u"url").toString(), receiver.url(QStringLiteral("/hook")));
        QCOMPARE(delivery.value(u"attempt_count").toInt(), 2);
        const QJsonArray attempts = delivery.value(u"attempts").toArray();
        QCOMPARE(attempts.size(), 2);
        QCOMPARE(attempts[0].toObject().value(u"status").toInt(), 500);
        QCOMPARE(attempts[0].toObject().value(u"error").toString(), QStringLiteral("HTTP status 500"));
        QCOMPARE(attempts[1].toObject().value(u"status").toInt(), 200);
        QVERIFY(attempts[1].toObject().value(u"latency_ms").toInteger() >= 0);
        QCOMPARE(delivery.value(u"events").toArray(),
            QJsonArray({QJsonObject{{QStringLiteral("name"), QStringLiteral("channel_occupied")},
                {QStringLiteral("channel"), QStringLiteral("orders")}}}));
        QCOMPARE(call("GET", admin(QStringLiteral("/webhooks/deliveries?outcome=failed")))
                     .json()
                     .value(u"deliveries")
                     .toArray()
                     .size(),
            0);
        QCOMPARE(call("GET", admin(QStringLiteral("/webhooks/deliveries?app_id=other")))
                     .json()
                     .value(u"deliveries")
                     .toArray()
                     .size(),
            0);

        // Replay: the same events again, signed now.
        const qint64 id = delivery.value(u"id").toInteger();
        const Answer replayed = call("POST", admin(QStringLiteral("/webhooks/replay?id=%1").arg(id)));
        QCOMPARE(replayed.status, 202);
        QCOMPARE(replayed.json().value(u"replay_of").toInteger(), id);
        QTRY_COMPARE(receiver.requests.size(), 3);
        QVERIFY(receiver.requests[2].signedWith("app-secret"));
        QCOMPARE(receiver.requests[2].events(), receiver.requests[1].events());
        QVERIFY(receiver.requests[2].body != receiver.requests[1].body); // a new time_ms
        QTRY_COMPARE(server.webhooks().deliveredCount(), 2);
        QCOMPARE(call("GET", admin(QStringLiteral("/webhooks/deliveries")))
                     .json()
                     .value(u"deliveries")
                     .toArray()
                     .first()
                     .toObject()
                     .value(u"replay_of")
                     .toInteger(),
            id);

        QCOMPARE(call("POST", admin(QStringLiteral("/webhooks/replay?id=424242"))).status, 404);
        QCOMPARE(call("POST", admin(QStringLiteral("/webhooks/replay"))).status, 400);
        QCOMPARE(call("GET", admin(QStringLiteral("/webhooks/replay?id=1"))).status, 405);
        QCOMPARE(call("GET", admin(QStringLiteral("/webhooks/deliveries?limit=0"))).status, 400);
        // A web page must neither read the log nor replay (the port answers CORS with "*").
        QCOMPARE(call("GET", admin(QStringLiteral("/webhooks/deliveries")), "https://evil.test").status, 403);
        QCOMPARE(
            call("POST", admin(QStringLiteral("/webhooks/replay?id=%1").arg(id)), "https://evil.test").status, 403);
        QCOMPARE(receiver.requests.size(), 3);

        // The metrics moved exactly: 3 attempts (one a retry), 2 delivered, nothing failed or queued.
        const QByteArray metrics = call("GET", admin(QStringLiteral("/metrics"))).body;
        const QByteArray labels =
            QByteArrayLiteral("{app_id=\"app-id\",port=\"") + QByteArray::number(server.metrics().serverPort()) + "\"}";
        const QByteArray delivered = QByteArrayLiteral("{app_id=\"app-id\",outcome=\"delivered\",port=\"")
            + QByteArray::number(server.metrics().serverPort()) + "\"}";
        QCOMPARE(sample(metrics, QByteArray("soketi_webhook_deliveries_total" + delivered)), 2.0);
        QCOMPARE(sample(metrics, QByteArray("soketi_webhook_attempts_total" + labels)), 3.0);
        QCOMPARE(sample(metrics, QByteArray("soketi_webhook_retries_total" + labels)), 1.0);
        QCOMPARE(sample(metrics, QByteArray("soketi_webhook_dropped_total" + labels)), 0.0);
        QCOMPARE(sample(metrics, QByteArray("soketi_webhook_queue_length" + labels)), 0.0);
        QCOMPARE(sample(metrics, QByteArray("soketi_webhook_delivery_seconds_count" + labels)), 2.0);
        QVERIFY(metrics.contains("# TYPE soketi_webhook_delivery_seconds histogram"));
    }

    // Shutdown: a held channel_vacated goes out at once within the grace period; a delivery its endpoint
    // never answers is logged as abandoned when the grace period ends.
    void shutdownSendsHeldLeavesAndLogsTheRest()
    {
        Receiver receiver;
        receiver.modes.insert(QStringLiteral("/hang"), Receiver::Mode::Hang);
        ServerConfig config;
        config.host = QStringLiteral("127.0.0.1");
        config.port = 0;
        config.metrics.host = QStringLiteral("127.0.0.1");
        config.metrics.port = 0;
        config.shutdownGracePeriodMs = 1000;
        config.webhooksLeaveDelayMs = 60000; // only the shutdown can send it in time
        const QJsonArray vacated{QStringLiteral("channel_vacated")};
        config.apps.first().webhooks = {QJsonObject{{QStringLiteral("url"), receiver.url(QStringLiteral("/ok"))},
                                            {QStringLiteral("event_types"), vacated}},
            QJsonObject{{QStringLiteral("url"), receiver.url(QStringLiteral("/hang"))},
                {QStringLiteral("event_types"), vacated}}};
        ServerCore server(config);
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));
        QSignalSpy stopped(&server, &ServerCore::stopped);

        QWebSocket ws;
        QSignalSpy connected(&ws, &QWebSocket::connected);
        ws.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/app/app-key?protocol=7").arg(server.port())));
        QVERIFY(connected.wait(3000));
        ws.sendTextMessage(QStringLiteral("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"room\"}}"));
        ws.sendTextMessage(QStringLiteral("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"lobby\"}}"));
        QTest::qWait(200);
        ws.sendTextMessage(QStringLiteral("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"room\"}}"));
        QTest::qWait(200);
        QCOMPARE(receiver.requests.size(), 0); // held for a minute

        QElapsedTimer clock;
        clock.start();
        QTest::ignoreMessage(QtWarningMsg,
            QRegularExpression(
                QStringLiteral("app app-id: 2 webhook deliveries were not sent before the shutdown grace "
                               "period ended \\(channel_vacated room; channel_vacated lobby\\)")));
        server.shutdown(); // "lobby" is left as the server closes its client
        QTRY_COMPARE(receiver.at(QStringLiteral("/ok")).size(), 2);
        QVERIFY2(clock.elapsed() < 900, qPrintable(QString::number(clock.elapsed())));
        QCOMPARE(receiver.at(QStringLiteral("/ok"))[0].names(), QStringList{QStringLiteral("channel_vacated:room")});
        QCOMPARE(receiver.at(QStringLiteral("/ok"))[1].names(), QStringList{QStringLiteral("channel_vacated:lobby")});
        QVERIFY(stopped.wait(3000));
        QCOMPARE(server.webhooks().deliveredCount(), 2);
    }

    void onlyLocalClients()
    {
        MetricsRegistry metrics(MetricsConfig{}, 6001);
        WebhookSender sender(WebhookSender::Options{}, metrics);
        const WebhookAdminApi api(sender, {});
        HttpRequest request;
        request.method = "GET";
        request.rawPath = "/webhooks/deliveries";
        QCOMPARE(api.handle(request, QHostAddress(QStringLiteral("127.0.0.1")))->status, 200);
        QCOMPARE(api.handle(request, QHostAddress(QStringLiteral("::1")))->status, 200);
        QCOMPARE(api.handle(request, QHostAddress(QStringLiteral("::ffff:127.0.0.1")))->status, 200);
        QCOMPARE(api.handle(request, QHostAddress(QStringLiteral("10.1.2.3")))->status, 403);
        request.rawPath = "/metrics";
        QVERIFY(!api.handle(request, QHostAddress(QStringLiteral("10.1.2.3")))); // not an admin route
    }
};

QTEST_GUILESS_MAIN(TestWebhookAdmin)
#include "tst_webhookadmin.moc"
