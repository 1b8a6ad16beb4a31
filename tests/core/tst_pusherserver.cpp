// SPDX-License-Identifier: GPL-3.0-or-later
// Socket-level tests: a real ServerCore on an ephemeral port, real QWebSocket clients and real
// signed HTTP requests.
#include <memory>

#include <QCryptographicHash>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>
#include <QUrlQuery>
#include <QWebSocket>

#include "LoopbackConfig.h"
#include "PusherTestClient.h"
#include "ServerCore.h"
#include "auth/HmacSigner.h"
#include "auth/RestRequestVerifier.h"
#include "metrics/MetricsRegistry.h"
#include "server/PusherServer.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

using namespace qsoketi;

namespace {

using Client = PusherTestClient;

QString auth(const QString &message)
{
    return QStringLiteral("app-key:") + QString::fromLatin1(HmacSigner::sign("app-secret", message.toUtf8()));
}

double metricValue(MetricsRegistry &registry, const std::string &name)
{
    for (const auto &family : registry.collect().families)
        if (family.name == name) {
            double sum = 0;
            for (const auto &m : family.metric)
                sum += family.type == prometheus::MetricType::Gauge ? m.gauge.value : m.counter.value;
            return sum;
        }
    return -1;
}

} // namespace

class TestPusherServer final : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        ServerConfig config = test::loopbackConfig();
        config.wsMaxMessageSizeInKb = 64;
        config.apps[0].enableClientMessages = true;
        App disabled;
        disabled.id = QStringLiteral("off");
        disabled.key = QStringLiteral("off-key");
        disabled.enabled = false;
        App small;
        small.id = QStringLiteral("small");
        small.key = QStringLiteral("small-key");
        small.maxConnections = 1;
        config.apps << disabled << small;
        m_core = std::make_unique<ServerCore>(config);
        QString error;
        QVERIFY2(m_core->start(&error), qPrintable(error));
        m_port = m_core->port();
    }
    void cleanup() { m_core.reset(); }

    void connectionEstablished()
    {
        Client c(m_port);
        QTRY_VERIFY(c.has(QStringLiteral("pusher:connection_established")));
        const QJsonObject data = QJsonDocument::fromJson(
            c.find(QStringLiteral("pusher:connection_established")).value(QStringLiteral("data")).toString().toUtf8())
                                     .object();
        QVERIFY(QRegularExpression(QStringLiteral("^\\d+\\.\\d+$"))
                    .match(data.value(QStringLiteral("socket_id")).toString())
                    .hasMatch());
        QCOMPARE(data.value(QStringLiteral("activity_timeout")).toInt(), 30);
        c.send({{QStringLiteral("event"), QStringLiteral("pusher:ping")}, {QStringLiteral("data"), QJsonObject{}}});
        QTRY_VERIFY(c.has(QStringLiteral("pusher:pong")));
    }

    void refusedConnections_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<int>("code");
        QTest::newRow("unknown") << "nope" << 4001;
        QTest::newRow("disabled") << "off-key" << 4003;
    }
    void refusedConnections()
    {
        QFETCH(QString, key);
        QFETCH(int, code);
        Client c(m_port, key);
        QTRY_VERIFY(c.closed);
        QCOMPARE(int(c.socket.closeCode()), code);
        QCOMPARE(c.find(QStringLiteral("pusher:error"))
                     .value(QStringLiteral("data"))
                     .toObject()
                     .value(QStringLiteral("code"))
                     .toInt(),
            code);
        // Refused sockets are neither connections nor disconnections (soketi went negative here).
        QCOMPARE(metricValue(m_core->metrics(), "soketi_connected"), 0.0);
        QCOMPARE(metricValue(m_core->metrics(), "soketi_new_disconnections_total"), 0.0);
    }

    void connectionQuota()
    {
        Client first(m_port, QStringLiteral("small-key"));
        QTRY_VERIFY(first.has(QStringLiteral("pusher:connection_established")));
        Client second(m_port, QStringLiteral("small-key"));
        QTRY_VERIFY(second.closed);
        QCOMPARE(int(second.socket.closeCode()), 4100);
        QVERIFY(!first.closed);
    }

    void privateChannelAuth()
    {
        Client c(m_port);
        QTRY_VERIFY(c.has(QStringLiteral("pusher:connection_established")));
        c.subscribeWithAuth(QStringLiteral("private-a"), auth(c.socketId() + QStringLiteral(":private-a")));
        c.subscribeWithAuth(QStringLiteral("private-b"), auth(c.socketId() + QStringLiteral(":private-other")));
        QTRY_VERIFY(c.has(QStringLiteral("pusher_internal:subscription_succeeded"), QStringLiteral("private-a")));
        QTRY_VERIFY(c.has(QStringLiteral("pusher:subscription_error"), QStringLiteral("private-b")));
        QCOMPARE(c.find(QStringLiteral("pusher:subscription_error"))
                     .value(QStringLiteral("data"))
                     .toObject()
                     .value(QStringLiteral("status"))
                     .toInt(),
            401);
    }

    void presenceCountsUsersOnce()
    {
        Client a(m_port), b(m_port), watcher(m_port);
        QTRY_VERIFY(a.has(QStringLiteral("pusher:connection_established"))
            && b.has(QStringLiteral("pusher:connection_established"))
            && watcher.has(QStringLiteral("pusher:connection_established")));
        const QString channel = QStringLiteral("presence-room");
        const QString w = QStringLiteral("{\"user_id\":\"w\",\"user_info\":{}}");
        watcher.subscribeWithAuth(
            channel, auth(watcher.socketId() + QLatin1Char(':') + channel + QLatin1Char(':') + w), w);
        QTRY_VERIFY(watcher.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        const QString u = QStringLiteral("{\"user_id\":7,\"user_info\":{\"name\":\"Ann\"}}");
        a.subscribeWithAuth(channel, auth(a.socketId() + QLatin1Char(':') + channel + QLatin1Char(':') + u), u);
        QTRY_COMPARE(watcher.count(QStringLiteral("pusher_internal:member_added")), 1);
        b.subscribeWithAuth(channel, auth(b.socketId() + QLatin1Char(':') + channel + QLatin1Char(':') + u), u);
        QTRY_VERIFY(b.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        const QJsonObject presence =
            QJsonDocument::fromJson(b.find(QStringLiteral("pusher_internal:subscription_succeeded"))
                                        .value(QStringLiteral("data"))
                                        .toString()
                                        .toUtf8())
                .object()
                .value(QStringLiteral("presence"))
                .toObject();
        QCOMPARE(presence.value(QStringLiteral("count")).toInt(), 2); // w and 7, not 3
        QTest::qWait(100);
        QCOMPARE(watcher.count(QStringLiteral("pusher_internal:member_added")), 1);
        a.socket.close();
        QTest::qWait(200);
        QCOMPARE(watcher.count(QStringLiteral("pusher_internal:member_removed")), 0);
        b.socket.close();
        QTRY_COMPARE(watcher.count(QStringLiteral("pusher_internal:member_removed")), 1);
    }

    void malformedFramesTouchOnlyTheSender()
    {
        Client bad(m_port), good(m_port);
        QTRY_VERIFY(bad.has(QStringLiteral("pusher:connection_established"))
            && good.has(QStringLiteral("pusher:connection_established")));
        good.subscribe(QStringLiteral("news"));
        QTRY_VERIFY(good.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        const QList<QByteArray> frames{"not json", "[1,2,3]", "42", "{\"event\":\"pusher:subscribe\"}",
            "{\"event\":\"pusher:subscribe\",\"data\":5}", "{\"event\":7,\"data\":{}}",
            "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":[1]}}", "{\"event\":\"pusher:unsubscribe\"}",
            "{\"event\":\"pusher:signin\",\"data\":\"x\"}", "{\"event\":\"client-x\",\"channel\":5,\"data\":{}}",
            "{\"event\":\"whatever\"}"};
        for (const QByteArray &frame : frames)
            bad.socket.sendTextMessage(QString::fromUtf8(frame));
        bad.socket.sendBinaryMessage("\xff\xfe binary");
        QTRY_COMPARE(bad.count(QStringLiteral("pusher:error")), frames.size() + 1);
        QVERIFY(!bad.closed);
        auto &pusher = m_core->pusher();
        QCOMPARE(pusher.publish(*pusher.appState(QStringLiteral("app-id")), QStringLiteral("news"), QStringLiteral("e"),
                     "\"x\"", {}),
            1);
        QTRY_VERIFY(good.has(QStringLiteral("e"), QStringLiteral("news")));
        // Oversized messages close only the sender (limit 64 KiB here).
        bad.socket.sendTextMessage(QString(70 * 1024, QLatin1Char('a')));
        QTRY_VERIFY(bad.closed);
        QVERIFY(!good.closed);
    }

    void clientEvents()
    {
        Client a(m_port), b(m_port);
        QTRY_VERIFY(a.has(QStringLiteral("pusher:connection_established"))
            && b.has(QStringLiteral("pusher:connection_established")));
        for (Client *c : {&a, &b})
            c->subscribeWithAuth(QStringLiteral("private-chat"), auth(c->socketId() + QStringLiteral(":private-chat")));
        QTRY_VERIFY(a.has(QStringLiteral("pusher_internal:subscription_succeeded"))
            && b.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        a.send({{QStringLiteral("event"), QStringLiteral("client-typing")},
            {QStringLiteral("channel"), QStringLiteral("private-chat")},
            {QStringLiteral("data"), QJsonObject{{QStringLiteral("who"), QStringLiteral("a")}}}});
        QTRY_VERIFY(b.has(QStringLiteral("client-typing")));
        QCOMPARE(b.find(QStringLiteral("client-typing"))
                     .value(QStringLiteral("data"))
                     .toObject()
                     .value(QStringLiteral("who"))
                     .toString(),
            QStringLiteral("a"));
        QTest::qWait(100);
        QVERIFY(!a.has(QStringLiteral("client-typing"))); // never echoed
        a.subscribe(QStringLiteral("public"));
        a.send({{QStringLiteral("event"), QStringLiteral("client-x")},
            {QStringLiteral("channel"), QStringLiteral("public")}, {QStringLiteral("data"), QJsonObject{}}});
        QTRY_VERIFY(a.has(QStringLiteral("pusher:error"), QStringLiteral("public")));
        QCOMPARE(a.find(QStringLiteral("pusher:error"), QStringLiteral("public"))
                     .value(QStringLiteral("data"))
                     .toObject()
                     .value(QStringLiteral("code"))
                     .toInt(),
            4301);
    }

    void restTriggerAndMetricsAreExact()
    {
        Client c(m_port);
        QTRY_VERIFY(c.has(QStringLiteral("pusher:connection_established")));
        c.subscribe(QStringLiteral("orders"));
        QTRY_VERIFY(c.has(QStringLiteral("pusher_internal:subscription_succeeded")));
        const QByteArray body = "{\"name\":\"created\",\"channel\":\"orders\",\"data\":\"{\\\"id\\\":1}\"}";
        const QString path = QStringLiteral("/apps/app-id/events");
        QList<QPair<QString, QString>> query{{QStringLiteral("auth_key"), QStringLiteral("app-key")},
            {QStringLiteral("auth_timestamp"), QString::number(QDateTime::currentSecsSinceEpoch())},
            {QStringLiteral("auth_version"), QStringLiteral("1.0")},
            {QStringLiteral("body_md5"),
                QString::fromLatin1(QCryptographicHash::hash(body, QCryptographicHash::Md5).toHex())}};
        query.append({QStringLiteral("auth_signature"),
            QString::fromLatin1(
                HmacSigner::sign("app-secret", RestRequestVerifier::stringToSign("POST", path, query)))});
        QUrlQuery urlQuery;
        urlQuery.setQueryItems(query);
        QUrl url(QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path));
        url.setQuery(urlQuery);
        QNetworkAccessManager nam;
        QNetworkRequest request(url);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        std::unique_ptr<QNetworkReply> reply(nam.post(request, body));
        QTRY_VERIFY(reply->isFinished());
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QTRY_VERIFY(c.has(QStringLiteral("created"), QStringLiteral("orders")));

        // A wrong signature is a real 401 (soketi answered 200).
        url.setQuery(QStringLiteral("auth_key=app-key&auth_timestamp=1&auth_signature=00"));
        std::unique_ptr<QNetworkReply> bad(nam.post(QNetworkRequest(url), body));
        QTRY_VERIFY(bad->isFinished());
        QCOMPARE(bad->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 401);

        // Received: subscribe only (1 frame). Sent: connection_established + succeeded + event (3).
        QCOMPARE(metricValue(m_core->metrics(), "soketi_ws_messages_received_total"), 1.0);
        QCOMPARE(metricValue(m_core->metrics(), "soketi_ws_messages_sent_total"), 3.0);
        QCOMPARE(metricValue(m_core->metrics(), "soketi_http_calls_received_total"), 1.0);
        QCOMPARE(metricValue(m_core->metrics(), "soketi_connected"), 1.0);
    }

    void connectedGaugeAfterChurn()
    {
        std::vector<std::unique_ptr<Client>> clients;
        for (int i = 0; i < 30; ++i)
            clients.push_back(std::make_unique<Client>(m_port));
        QTRY_COMPARE(m_core->pusher().connectionCount(), 30);
        for (int i = 0; i < 30; i += 2)
            clients[size_t(i)]->socket.abort(); // abrupt close, no close frame
        for (int i = 1; i < 30; i += 4)
            clients[size_t(i)]->socket.close();
        QTRY_COMPARE(m_core->pusher().connectionCount(), 7);
        QTRY_COMPARE(metricValue(m_core->metrics(), "soketi_connected"), 7.0);
        QCOMPARE(metricValue(m_core->metrics(), "soketi_new_connections_total"), 30.0);
        QCOMPARE(metricValue(m_core->metrics(), "soketi_new_disconnections_total"), 23.0);
    }

    void shutdownSends4200()
    {
        Client c(m_port);
        QTRY_VERIFY(c.has(QStringLiteral("pusher:connection_established")));
        QSignalSpy stopped(m_core.get(), &ServerCore::stopped);
        m_core->shutdown();
        QTRY_VERIFY(c.closed);
        QCOMPARE(int(c.socket.closeCode()), 4200);
        QCOMPARE(c.find(QStringLiteral("pusher:error"))
                     .value(QStringLiteral("data"))
                     .toObject()
                     .value(QStringLiteral("code"))
                     .toInt(),
            4200);
        QTRY_COMPARE(stopped.count(), 1);
    }

    void duringTheGracePeriodReadyIs500AndUpgradesAreRefused()
    {
        ServerConfig config;
        config.host = QStringLiteral("127.0.0.1");
        config.port = 0;
        config.metrics.host = QStringLiteral("127.0.0.1");
        config.metrics.port = 0;
        config.shutdownGracePeriodMs = 3000;
        ServerCore core(config);
        QString error;
        QVERIFY2(core.start(&error), qPrintable(error));
        QSignalSpy stopped(&core, &ServerCore::stopped);
        core.shutdown();
        QNetworkAccessManager nam;
        std::unique_ptr<QNetworkReply> ready(
            nam.get(QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1/ready").arg(core.port())))));
        QTRY_VERIFY(ready->isFinished());
        QCOMPARE(ready->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 500); // the port still answers
        Client late(core.port());
        QTRY_VERIFY(late.closed);
        QCOMPARE(int(late.socket.closeCode()), 4200);
        QVERIFY(stopped.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(stopped.count(), 1, 5000);
    }

private:
    std::unique_ptr<ServerCore> m_core;
    quint16 m_port = 0;
};

QTEST_GUILESS_MAIN(TestPusherServer)
#include "tst_pusherserver.moc"
