// SPDX-License-Identifier: GPL-3.0-or-later
// WebhookSender against a real HTTP receiver on 127.0.0.1 (QAbstractHttpServer): signatures, headers,
// per-webhook filters, per-app batching, retries, timeout, the bounded queue and the config keys.
// The last test drives a real ServerCore with QWebSocket clients to check the trigger points.
#include <memory>
#include <vector>

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

#include "LoopbackConfig.h"
#include "ServerCore.h"
#include "WebhookReceiver.h"
#include "apps/AppRegistry.h"
#include "config/ConfigLoader.h"
#include "metrics/MetricsRegistry.h"
#include "webhooks/WebhookSender.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

using namespace qsoketi;
using Receiver = qsoketi::test::WebhookReceiver;
using Received = qsoketi::test::ReceivedWebhook;

namespace {

QJsonObject hook(const QString &url, const QStringList &events, const QJsonObject &extra = {})
{
    QJsonObject o = extra;
    o.insert(QStringLiteral("url"), url);
    o.insert(QStringLiteral("event_types"), QJsonArray::fromStringList(events));
    return o;
}

QByteArray hmac(const QByteArray &secret, const QByteArray &body)
{
    return QMessageAuthenticationCode::hash(body, secret, QCryptographicHash::Sha256).toHex();
}

WebhookSender::Options fastOptions()
{
    WebhookSender::Options o;
    o.retry.firstDelayMs = 50;
    o.retry.maxDelayMs = 1000;
    o.requestTimeoutMs = 2000;
    return o;
}

// A sender with its own metrics registry (the one source of its counts).
struct Sender
{
    explicit Sender(WebhookSender::Options options = fastOptions())
        : sender(options, metrics)
    {}
    WebhookSender *operator->() { return &sender; }
    WebhookSender &operator*() { return sender; }
    MetricsRegistry metrics{MetricsConfig{}, 6001};
    WebhookSender sender;
};

QStringList channelsOf(const QJsonArray &events)
{
    QStringList out;
    for (const QJsonValue e : events)
        out.append(e.toObject().value(QLatin1String("channel")).toString());
    return out;
}

const QStringList allEvents{QStringLiteral("channel_occupied"), QStringLiteral("channel_vacated"),
    QStringLiteral("member_added"), QStringLiteral("member_removed"), QStringLiteral("client_event"),
    QStringLiteral("cache_miss")};

} // namespace

class TestWebhookSender final : public QObject
{
    Q_OBJECT

private slots:
    void signedWithHeaders()
    {
        Receiver receiver;
        QVERIFY(receiver.port != 0);
        const AppRegistry apps({test::appWithWebhooks(QStringLiteral("a"),
            {hook(receiver.url(QStringLiteral("/h")), allEvents,
                {{QStringLiteral("headers"),
                    QJsonObject{{QStringLiteral("X-Custom"), QStringLiteral("yes")},
                        {QStringLiteral("X-Pusher-Key"), QStringLiteral("forged")}}}})})});
        Sender owner;
        WebhookSender &sender = *owner;
        const qint64 before = QDateTime::currentMSecsSinceEpoch();
        sender.channelOccupied(*apps.byId(QStringLiteral("a")), QStringLiteral("room-1"));
        QTRY_COMPARE(receiver.requests.size(), 1);
        QTRY_COMPARE(sender.deliveredCount(), 1);

        const Received &r = receiver.requests.first();
        QCOMPARE(r.headers.value("x-pusher-key"), QByteArray("a-key"));
        QCOMPARE(r.headers.value("x-pusher-signature"), hmac("a-secret", r.body));
        QVERIFY(r.headers.value("x-pusher-signature") != hmac("other", r.body));
        QCOMPARE(r.headers.value("content-type"), QByteArray("application/json"));
        QCOMPARE(r.headers.value("accept"), QByteArray("application/json"));
        QCOMPARE(r.headers.value("user-agent"), QByteArray("QsoketiWebhooksClient/1.0"));
        QCOMPARE(r.headers.value("x-custom"), QByteArray("yes"));
        const QJsonObject body = r.json();
        const qint64 time = qint64(body.value(QLatin1String("time_ms")).toDouble());
        QVERIFY(time >= before && time <= QDateTime::currentMSecsSinceEpoch());
        QCOMPARE(r.events(),
            QJsonArray({QJsonObject{{QStringLiteral("name"), QStringLiteral("channel_occupied")},
                {QStringLiteral("channel"), QStringLiteral("room-1")}}}));
        QCOMPARE(sender.pendingCount(QStringLiteral("a")), 0);
    }

    void eventPayloads()
    {
        Receiver receiver;
        const AppRegistry apps(
            {test::appWithWebhooks(QStringLiteral("a"), {hook(receiver.url(QStringLiteral("/h")), allEvents)})});
        Sender owner;
        WebhookSender &sender = *owner;
        const App &app = *apps.byId(QStringLiteral("a"));
        const QJsonObject data{{QStringLiteral("k"), QStringLiteral("v")}};
        sender.clientEvent(
            app, QStringLiteral("private-x"), QStringLiteral("client-a"), data, QStringLiteral("1.2"), {});
        sender.clientEvent(app, QStringLiteral("presence-x"), QStringLiteral("client-b"), QStringLiteral("text"),
            QStringLiteral("3.4"), QStringLiteral("u7"));
        sender.memberAdded(app, QStringLiteral("presence-x"), QStringLiteral("u7"));
        sender.memberRemoved(app, QStringLiteral("presence-x"), QStringLiteral("u7"));
        sender.channelVacated(app, QStringLiteral("presence-x"));
        sender.cacheMiss(app, QStringLiteral("cache-x"));
        QTRY_COMPARE(receiver.requests.size(), 6);

        QHash<QString, QJsonObject> byName;
        QList<QJsonObject> clientEvents;
        for (const Received &r : std::as_const(receiver.requests)) {
            QCOMPARE(r.events().size(), 1);
            const QJsonObject e = r.events().first().toObject();
            if (e.value(QLatin1String("name")) == QLatin1String("client_event"))
                clientEvents.append(e);
            else
                byName.insert(e.value(QLatin1String("name")).toString(), e);
        }
        QCOMPARE(clientEvents.size(), 2);
        std::sort(clientEvents.begin(), clientEvents.end(), [](const QJsonObject &x, const QJsonObject &y) {
            return x.value(QLatin1String("event")).toString() < y.value(QLatin1String("event")).toString();
        });
        QCOMPARE(clientEvents[0],
            (QJsonObject{{QStringLiteral("name"), QStringLiteral("client_event")},
                {QStringLiteral("channel"), QStringLiteral("private-x")},
                {QStringLiteral("event"), QStringLiteral("client-a")}, {QStringLiteral("data"), data},
                {QStringLiteral("socket_id"), QStringLiteral("1.2")}}));
        QCOMPARE(clientEvents[1].value(QLatin1String("user_id")).toString(), QStringLiteral("u7"));
        QCOMPARE(clientEvents[1].value(QLatin1String("data")).toString(), QStringLiteral("text"));
        QCOMPARE(byName.value(QStringLiteral("member_added")).value(QLatin1String("user_id")).toString(),
            QStringLiteral("u7"));
        QCOMPARE(byName.value(QStringLiteral("member_removed")).value(QLatin1String("user_id")).toString(),
            QStringLiteral("u7"));
        QCOMPARE(byName.value(QStringLiteral("channel_vacated")).value(QLatin1String("channel")).toString(),
            QStringLiteral("presence-x"));
        QCOMPARE(byName.value(QStringLiteral("cache_miss")).value(QLatin1String("channel")).toString(),
            QStringLiteral("cache-x"));
    }

    void noRequestWhenEventTypeNotSubscribed()
    {
        Receiver receiver;
        const AppRegistry apps({test::appWithWebhooks(QStringLiteral("a"),
                                    {hook(receiver.url(QStringLiteral("/h")), {QStringLiteral("client_event")})}),
            test::appWithWebhooks(QStringLiteral("none"), {})});
        Sender owner;
        WebhookSender &sender = *owner;
        const App &a = *apps.byId(QStringLiteral("a"));
        const App &none = *apps.byId(QStringLiteral("none"));
        QVERIFY(!sender.wants(a, WebhookEventType::ChannelOccupied));
        QVERIFY(sender.wants(a, WebhookEventType::ClientEvent));
        QVERIFY(!sender.wants(none, WebhookEventType::ClientEvent));
        sender.channelOccupied(a, QStringLiteral("c"));
        sender.channelVacated(a, QStringLiteral("c"));
        sender.memberAdded(a, QStringLiteral("presence-c"), QStringLiteral("u"));
        sender.cacheMiss(a, QStringLiteral("cache-c"));
        sender.clientEvent(
            none, QStringLiteral("private-c"), QStringLiteral("client-x"), {}, QStringLiteral("1.1"), {});
        QTest::qWait(300);
        QCOMPARE(receiver.requests.size(), 0);
        QCOMPARE(sender.pendingCount(QStringLiteral("a")), 0);
        // The receiver does work: the one subscribed event type arrives.
        sender.clientEvent(a, QStringLiteral("private-c"), QStringLiteral("client-x"), {}, QStringLiteral("1.1"), {});
        QTRY_COMPARE(receiver.requests.size(), 1);
    }

    void filtersApplyPerWebhook()
    {
        Receiver receiver;
        const QJsonObject startsPrivate{{QStringLiteral("filter"),
            QJsonObject{{QStringLiteral("channel_name_starts_with"), QStringLiteral("private-")}}}};
        const QJsonObject endsB{
            {QStringLiteral("filter"), QJsonObject{{QStringLiteral("channel_name_ends_with"), QStringLiteral("-b")}}}};
        const QJsonObject both{{QStringLiteral("filter"),
            QJsonObject{{QStringLiteral("channel_name_starts_with"), QStringLiteral("private-")},
                {QStringLiteral("channel_name_ends_with"), QStringLiteral("-b")}}}};
        const QStringList occupied{QStringLiteral("channel_occupied")};
        const AppRegistry apps({test::appWithWebhooks(QStringLiteral("a"),
            {hook(receiver.url(QStringLiteral("/private")), occupied, startsPrivate),
                hook(receiver.url(QStringLiteral("/b")), occupied, endsB),
                hook(receiver.url(QStringLiteral("/both")), occupied, both)})});
        Sender owner;
        WebhookSender &sender = *owner;
        const App &app = *apps.byId(QStringLiteral("a"));
        for (const char *channel : {"private-x", "public-b", "private-b", "other"})
            sender.channelOccupied(app, QString::fromLatin1(channel));
        QTRY_COMPARE(sender.deliveredCount(), 5);
        QTest::qWait(100);
        QCOMPARE(receiver.requests.size(), 5);
        for (const Received &r : std::as_const(receiver.requests))
            QCOMPARE(r.events().size(), 1); // each delivery carries only its own matching event
        const auto channelsAt = [&](const QString &path) {
            QStringList out;
            for (const Received &r : receiver.at(path))
                out += channelsOf(r.events());
            out.sort();
            return out;
        };
        QCOMPARE(channelsAt(QStringLiteral("/private")), (QStringList{"private-b", "private-x"}));
        QCOMPARE(channelsAt(QStringLiteral("/b")), (QStringList{"private-b", "public-b"}));
        QCOMPARE(channelsAt(QStringLiteral("/both")), (QStringList{"private-b"}));
    }

    void batchingIsPerAppAndPerWebhook()
    {
        Receiver receiver;
        const QJsonObject startsPrivate{{QStringLiteral("filter"),
            QJsonObject{{QStringLiteral("channel_name_starts_with"), QStringLiteral("private-")}}}};
        const QStringList occupied{QStringLiteral("channel_occupied")};
        const AppRegistry apps({test::appWithWebhooks(QStringLiteral("a"),
                                    {hook(receiver.url(QStringLiteral("/a")), occupied),
                                        hook(receiver.url(QStringLiteral("/a-private")), occupied, startsPrivate)}),
            test::appWithWebhooks(QStringLiteral("b"), {hook(receiver.url(QStringLiteral("/b")), occupied)})});
        WebhookSender::Options options = fastOptions();
        options.batching = true;
        options.batchingDurationMs = 300;
        Sender owner(options);
        WebhookSender &sender = *owner;
        const App &a = *apps.byId(QStringLiteral("a"));
        const App &b = *apps.byId(QStringLiteral("b"));
        sender.channelOccupied(a, QStringLiteral("a1"));
        sender.channelOccupied(b, QStringLiteral("b1"));
        sender.channelOccupied(a, QStringLiteral("private-a2"));
        sender.channelOccupied(b, QStringLiteral("b2"));
        sender.channelOccupied(a, QStringLiteral("a3"));
        QTest::qWait(100);
        QCOMPARE(receiver.requests.size(), 0); // still collecting
        QTRY_COMPARE(sender.deliveredCount(), 3);
        QTest::qWait(100);
        QCOMPARE(receiver.requests.size(), 3);

        const Received ra = receiver.at(QStringLiteral("/a")).value(0);
        QCOMPARE(channelsOf(ra.events()), (QStringList{"a1", "private-a2", "a3"}));
        QCOMPARE(ra.headers.value("x-pusher-key"), QByteArray("a-key"));
        QCOMPARE(ra.headers.value("x-pusher-signature"), hmac("a-secret", ra.body));

        const Received rap = receiver.at(QStringLiteral("/a-private")).value(0);
        QCOMPARE(channelsOf(rap.events()), (QStringList{"private-a2"}));
        QCOMPARE(rap.headers.value("x-pusher-signature"), hmac("a-secret", rap.body));

        const Received rb = receiver.at(QStringLiteral("/b")).value(0);
        QCOMPARE(channelsOf(rb.events()), (QStringList{"b1", "b2"}));
        QCOMPARE(rb.headers.value("x-pusher-key"), QByteArray("b-key"));
        QCOMPARE(rb.headers.value("x-pusher-signature"), hmac("b-secret", rb.body));

        // A new batch starts with the next event.
        sender.channelOccupied(b, QStringLiteral("b3"));
        QTRY_COMPARE(receiver.at(QStringLiteral("/b")).size(), 2);
        QCOMPARE(channelsOf(receiver.at(QStringLiteral("/b")).value(1).events()), (QStringList{"b3"}));
    }

    void drainFlushesBatchesAndStopsBatching()
    {
        Receiver receiver;
        const AppRegistry apps(
            {test::appWithWebhooks(QStringLiteral("a"), {hook(receiver.url(QStringLiteral("/h")), allEvents)})});
        WebhookSender::Options options = fastOptions();
        options.batching = true;
        options.batchingDurationMs = 60000;
        Sender owner(options);
        WebhookSender &sender = *owner;
        const App &app = *apps.byId(QStringLiteral("a"));
        sender.channelOccupied(app, QStringLiteral("c1"));
        sender.channelOccupied(app, QStringLiteral("c2"));
        QTest::qWait(100);
        QCOMPARE(receiver.requests.size(), 0);
        sender.drain();
        QTRY_COMPARE(receiver.requests.size(), 1);
        QCOMPARE(channelsOf(receiver.requests.first().events()), (QStringList{"c1", "c2"}));
        sender.channelVacated(app, QStringLiteral("c1"));
        QTRY_COMPARE(receiver.requests.size(), 2);
        QCOMPARE(channelsOf(receiver.requests.last().events()), (QStringList{"c1"}));
    }

    void retriesOnServerErrorThenSucceeds()
    {
        Receiver receiver;
        receiver.statuses = {500, 503};
        const AppRegistry apps(
            {test::appWithWebhooks(QStringLiteral("a"), {hook(receiver.url(QStringLiteral("/h")), allEvents)})});
        Sender owner;
        WebhookSender &sender = *owner;
        QSignalSpy delivered(&sender, &WebhookSender::delivered);
        sender.channelOccupied(*apps.byId(QStringLiteral("a")), QStringLiteral("c"));
        QTRY_COMPARE(delivered.size(), 1);
        QCOMPARE(delivered.first().at(2).toInt(), 3); // attempts
        QCOMPARE(receiver.requests.size(), 3);
        QCOMPARE(sender.retriedCount(), 2);
        QCOMPARE(sender.failedCount(), 0);
        // The same signed body each time, after 25-50 ms, then 50-100 ms (back-off with jitter).
        for (const Received &r : std::as_const(receiver.requests)) {
            QCOMPARE(r.body, receiver.requests.first().body);
            QCOMPARE(r.headers.value("x-pusher-signature"), hmac("a-secret", r.body));
        }
        const qint64 firstGap = receiver.requests[1].atMs - receiver.requests[0].atMs;
        const qint64 secondGap = receiver.requests[2].atMs - receiver.requests[1].atMs;
        QVERIFY2(firstGap >= 20, qPrintable(QString::number(firstGap)));
        QVERIFY2(secondGap >= 45, qPrintable(QString::number(secondGap)));
        QTest::qWait(300);
        QCOMPARE(receiver.requests.size(), 3);
    }

    void givesUpAfterMaxAttempts()
    {
        Receiver receiver;
        receiver.statuses = {500, 404, 500, 500, 500};
        const AppRegistry apps(
            {test::appWithWebhooks(QStringLiteral("a"), {hook(receiver.url(QStringLiteral("/h")), allEvents)})});
        WebhookSender::Options options = fastOptions();
        options.retry.maxAttempts = 3;
        Sender owner(options);
        WebhookSender &sender = *owner;
        QSignalSpy failed(&sender, &WebhookSender::failed);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("failed 3 times .*HTTP status 500")));
        sender.channelOccupied(*apps.byId(QStringLiteral("a")), QStringLiteral("c"));
        QTRY_COMPARE(failed.size(), 1);
        QCOMPARE(failed.first().at(2).toString(), QStringLiteral("HTTP status 500"));
        QTest::qWait(400);
        QCOMPARE(receiver.requests.size(), 3);
        QCOMPARE(sender.failedCount(), 1);
        QCOMPARE(sender.deliveredCount(), 0);
        QCOMPARE(sender.pendingCount(QStringLiteral("a")), 0);
    }

    void retriesOnConnectionRefused()
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const quint16 deadPort = probe.serverPort();
        probe.close(); // nothing listens there now
        const AppRegistry apps({test::appWithWebhooks(
            QStringLiteral("a"), {hook(QStringLiteral("http://127.0.0.1:%1/h").arg(deadPort), allEvents)})});
        WebhookSender::Options options = fastOptions();
        options.retry.maxAttempts = 2;
        Sender owner(options);
        WebhookSender &sender = *owner;
        QSignalSpy failed(&sender, &WebhookSender::failed);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("failed 2 times")));
        sender.channelOccupied(*apps.byId(QStringLiteral("a")), QStringLiteral("c"));
        QTRY_COMPARE(failed.size(), 1);
        QCOMPARE(sender.retriedCount(), 1);
        QVERIFY(!failed.first().at(2).toString().startsWith(QLatin1String("HTTP status")));
    }

    void timesOutASilentReceiver()
    {
        // Accepts the connection, reads the request and never answers.
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        std::vector<QTcpSocket *> sockets;
        connect(&silent, &QTcpServer::newConnection, this, [&] {
            while (QTcpSocket *s = silent.nextPendingConnection())
                sockets.push_back(s);
        });
        const AppRegistry apps({test::appWithWebhooks(
            QStringLiteral("a"), {hook(QStringLiteral("http://127.0.0.1:%1/h").arg(silent.serverPort()), allEvents)})});
        WebhookSender::Options options = fastOptions();
        options.requestTimeoutMs = 300;
        options.retry.maxAttempts = 1;
        Sender owner(options);
        WebhookSender &sender = *owner;
        QSignalSpy failed(&sender, &WebhookSender::failed);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("failed 1 times")));
        QElapsedTimer clock;
        clock.start();
        sender.channelOccupied(*apps.byId(QStringLiteral("a")), QStringLiteral("c"));
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 3000);
        QVERIFY2(clock.elapsed() >= 250, qPrintable(QString::number(clock.elapsed())));
        QCOMPARE(sockets.size(), size_t(1));
    }

    void boundedQueueDropsOldest()
    {
        Receiver receiver;
        receiver.mode = Receiver::Mode::Hang;
        const AppRegistry apps(
            {test::appWithWebhooks(QStringLiteral("a"), {hook(receiver.url(QStringLiteral("/h")), allEvents)})});
        WebhookSender::Options options = fastOptions();
        options.maxPendingPerApp = 3;
        options.maxInFlightPerWebhook = 1;
        Sender owner(options);
        WebhookSender &sender = *owner;
        const App &app = *apps.byId(QStringLiteral("a"));
        QTest::ignoreMessage(QtWarningMsg,
            QRegularExpression(QStringLiteral("webhook queue full \\(3 pending\\), dropped the oldest 1")));
        for (int i = 0; i < 10; ++i)
            sender.channelOccupied(app, QStringLiteral("c%1").arg(i));
        // c0 is on the wire, c7..c9 wait; c1..c6 were pushed out.
        QCOMPARE(sender.droppedCount(), 6);
        QCOMPARE(sender.pendingCount(QStringLiteral("a")), 4);
        QTRY_COMPARE(receiver.requests.size(), 1);
        receiver.release();
        QTRY_COMPARE(sender.deliveredCount(), 4);
        QStringList sent;
        for (const Received &r : std::as_const(receiver.requests))
            sent += channelsOf(r.events());
        QCOMPARE(sent, (QStringList{"c0", "c7", "c8", "c9"}));
    }

    void slowWebhookDoesNotHoldUpOthers()
    {
        Receiver slow;
        slow.mode = Receiver::Mode::Hang;
        Receiver fast;
        const QStringList occupied{QStringLiteral("channel_occupied")};
        const AppRegistry apps({test::appWithWebhooks(QStringLiteral("a"),
            {hook(slow.url(QStringLiteral("/slow")), occupied), hook(fast.url(QStringLiteral("/fast")), occupied)})});
        WebhookSender::Options options = fastOptions();
        options.maxInFlightPerWebhook = 1;
        Sender owner(options);
        WebhookSender &sender = *owner;
        for (int i = 0; i < 3; ++i)
            sender.channelOccupied(*apps.byId(QStringLiteral("a")), QStringLiteral("c%1").arg(i));
        QTRY_COMPARE(fast.requests.size(), 3);
        QCOMPARE(slow.requests.size(), 1); // one on the wire, two queued behind it
        // The fast receiver has its third request, but its answer may still be on the way back.
        QTRY_COMPARE(sender.pendingCount(QStringLiteral("a")), 3);
        slow.release();
        QTRY_COMPARE(sender.deliveredCount(), 6);
    }

    void lambdaWebhooksAreSkipped()
    {
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("app l: 1 AWS Lambda webhook")));
        const AppRegistry apps({test::appWithWebhooks(QStringLiteral("l"),
            {QJsonObject{{QStringLiteral("lambda_function"), QStringLiteral("fn")},
                {QStringLiteral("event_types"), QJsonArray{QStringLiteral("channel_occupied")}}}})});
        Sender owner;
        WebhookSender &sender = *owner;
        QVERIFY(!sender.wants(*apps.byId(QStringLiteral("l")), WebhookEventType::ChannelOccupied));
    }

    void batchingConfigKeys()
    {
        QProcessEnvironment env;
        env.insert(QStringLiteral("SOKETI_WEBHOOKS_BATCHING"), QStringLiteral("true"));
        env.insert(QStringLiteral("SOKETI_WEBHOOKS_BATCHING_DURATION"), QStringLiteral("120"));
        const ConfigResult result = ConfigLoader::load({}, env, {});
        QVERIFY2(result.ok(), qPrintable(result.errors.join(u'\n')));
        QVERIFY2(result.warnings.filter(QStringLiteral("WEBHOOKS")).isEmpty(), qPrintable(result.warnings.join(u'\n')));
        QVERIFY(result.config.webhooksBatching);
        QCOMPARE(result.config.webhooksBatchingDurationMs, 120);
        const WebhookSender::Options options = WebhookSender::Options::fromConfig(result.config);
        QVERIFY(options.batching);
        QCOMPARE(options.batchingDurationMs, 120);

        env.insert(QStringLiteral("SOKETI_WEBHOOKS_BATCHING_DURATION"), QStringLiteral("0"));
        QVERIFY(!ConfigLoader::load({}, env, {}).ok());
        const ServerConfig defaults;
        QVERIFY(!defaults.webhooksBatching);
        QCOMPARE(defaults.webhooksBatchingDurationMs, 50);
    }

    // The trigger points in PusherServer, through a real server and real WebSocket clients.
    void serverTriggers()
    {
        Receiver receiver;
        ServerConfig config = test::loopbackConfig();
        config.webhooksLeaveDelayMs = 100; // vacated waits this long for a re-join (tst_leavedelay)
        config.apps = {
            test::appWithWebhooks(QStringLiteral("app-id"), {hook(receiver.url(QStringLiteral("/h")), allEvents)})};
        config.apps.first().key = QStringLiteral("app-key");
        ServerCore server(config);
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));

        const auto open = [&](QWebSocket &ws) {
            QSignalSpy connected(&ws, &QWebSocket::connected);
            ws.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/app/app-key?protocol=7").arg(server.port())));
            QVERIFY(connected.wait(3000));
        };
        const auto subscribe = [](QWebSocket &ws, const QString &channel) {
            ws.sendTextMessage(QString::fromUtf8(
                QJsonDocument(QJsonObject{{QStringLiteral("event"), QStringLiteral("pusher:subscribe")},
                                  {QStringLiteral("data"), QJsonObject{{QStringLiteral("channel"), channel}}}})
                    .toJson(QJsonDocument::Compact)));
        };
        const auto names = [&] {
            QStringList out;
            for (const Received &r : std::as_const(receiver.requests))
                for (const QJsonValue e : r.events())
                    out.append(e.toObject().value(QLatin1String("name")).toString() + u':'
                        + e.toObject().value(QLatin1String("channel")).toString());
            return out;
        };

        QWebSocket a;
        QWebSocket b;
        open(a);
        open(b);
        subscribe(a, QStringLiteral("room"));
        subscribe(a, QStringLiteral("room")); // re-subscribe: not a new subscriber
        subscribe(b, QStringLiteral("room"));
        QTRY_COMPARE(names(), (QStringList{"channel_occupied:room"}));
        QTest::qWait(200);
        QCOMPARE(names(), (QStringList{"channel_occupied:room"}));
        a.close();
        QTest::qWait(200);
        QCOMPARE(names().size(), 1); // b is still there
        b.close();
        QTRY_COMPARE(names(), (QStringList{"channel_occupied:room", "channel_vacated:room"}));
    }
};

QTEST_GUILESS_MAIN(TestWebhookSender)
#include "tst_webhooksender.moc"
