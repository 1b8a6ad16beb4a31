// SPDX-License-Identifier: GPL-3.0-or-later
// SOKETI_WORKERS: a real ServerCore with several event loops, real QWebSocket clients and real HTTP
// calls. Connections are dealt to the workers in turn, so a test places its clients: the first on
// worker 0, the second on worker 1, and so on. Whatever the placement, the server must behave as one:
// presence members once, client events and exclusion across workers, counts and metrics summed.
#include <memory>

#include <QCryptographicHash>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <QUrlQuery>
#include <QWebSocket>

#include "PusherTestClient.h"
#include "ServerCore.h"
#include "ServerWorker.h"
#include "WebhookReceiver.h"
#include "auth/HmacSigner.h"
#include "auth/RestRequestVerifier.h"
#include "channels/AppState.h"
#include "metrics/MetricsRegistry.h"
#include "server/PusherServer.h"

using namespace qsoketi;
using Client = PusherTestClient;

namespace {

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

QString member(const QString &userId)
{
    return QStringLiteral("{\"user_id\":\"%1\",\"user_info\":{}}").arg(userId);
}

} // namespace

class TestWorkers final : public QObject
{
    Q_OBJECT

private:
    void startServer(int workers, const QJsonArray &webhooks = {})
    {
        ServerConfig config;
        config.host = QStringLiteral("127.0.0.1");
        config.port = 0;
        config.metrics.host = QStringLiteral("127.0.0.1");
        config.metrics.port = 0;
        config.shutdownGracePeriodMs = 200;
        config.workers = workers;
        config.apps[0].enableClientMessages = true;
        config.apps[0].webhooks = webhooks;
        m_core = std::make_unique<ServerCore>(config);
        QString error;
        QVERIFY2(m_core->start(&error), qPrintable(error));
        QCOMPARE(m_core->workerCount(), workers);
    }

    // A client that has its socket id: the next connection goes to the next worker.
    std::unique_ptr<Client> connect()
    {
        auto c = std::make_unique<Client>(m_core->port());
        if (!QTest::qWaitFor([&] { return c->established(); }, 5000))
            qWarning("no connection_established");
        return c;
    }

    QJsonObject call(const QByteArray &method, const QString &path, const QByteArray &body = {},
        QList<QPair<QString, QString>> extra = {}, int *status = nullptr)
    {
        QList<QPair<QString, QString>> query{{QStringLiteral("auth_key"), QStringLiteral("app-key")},
            {QStringLiteral("auth_timestamp"), QString::number(QDateTime::currentSecsSinceEpoch())},
            {QStringLiteral("auth_version"), QStringLiteral("1.0")}};
        query += extra;
        if (!body.isEmpty())
            query.append({QStringLiteral("body_md5"),
                QString::fromLatin1(QCryptographicHash::hash(body, QCryptographicHash::Md5).toHex())});
        query.append({QStringLiteral("auth_signature"),
            QString::fromLatin1(
                HmacSigner::sign("app-secret", RestRequestVerifier::stringToSign(method, path, query)))});
        QUrlQuery urlQuery;
        urlQuery.setQueryItems(query);
        QUrl url(QStringLiteral("http://127.0.0.1:%1%2").arg(m_core->port()).arg(path));
        url.setQuery(urlQuery);
        QNetworkRequest request(url);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        std::unique_ptr<QNetworkReply> reply(method == "POST" ? m_network.post(request, body) : m_network.get(request));
        if (!QTest::qWaitFor([&] { return reply->isFinished(); }, 5000))
            return {};
        if (status)
            *status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        return QJsonDocument::fromJson(reply->readAll()).object();
    }

    // Four workers sending `eventType` webhooks to `receiver`, and a client on each subscribed to
    // together-0 … together-(channels - 1), all four at the same moment.
    std::vector<std::unique_ptr<Client>> subscribeOnFourWorkers(
        qsoketi::test::WebhookReceiver &receiver, const QString &eventType, int channels)
    {
        startServer(4,
            QJsonArray{QJsonObject{{QStringLiteral("url"), receiver.url(QStringLiteral("/hook"))},
                {QStringLiteral("event_types"), QJsonArray{eventType}}}});
        std::vector<std::unique_ptr<Client>> clients;
        for (int i = 0; i < 4; ++i)
            clients.push_back(connect());
        for (int n = 0; n < channels; ++n)
            for (const auto &c : clients)
                c->subscribe(QStringLiteral("together-%1").arg(n));
        for (const auto &c : clients)
            if (!QTest::qWaitFor(
                    [&] { return c->count(QStringLiteral("pusher_internal:subscription_succeeded")) == channels; },
                    10000))
                qWarning("a client did not get all its subscription_succeeded");
        return clients;
    }

    QNetworkAccessManager m_network;
    std::unique_ptr<ServerCore> m_core;

private slots:
    void cleanup() { m_core.reset(); }

    void connectionsAreDealtInTurn()
    {
        startServer(3);
        QVERIFY(m_core->worker(1).thread() != m_core->thread());
        QVERIFY(m_core->worker(2).thread() != m_core->worker(1).thread());
        std::vector<std::unique_ptr<Client>> clients;
        for (int i = 0; i < 6; ++i)
            clients.push_back(connect());
        for (int i = 0; i < 3; ++i)
            QTRY_COMPARE(m_core->worker(i).connectionCount(), 2);
        QCOMPARE(m_core->connectionCount(), 6);
        QCOMPARE(metricValue(m_core->metrics(), "soketi_connected"), 6.0);
        QSet<QString> ids;
        for (const auto &c : clients)
            ids.insert(c->socketId());
        QCOMPARE(ids.size(), 6);
    }

    void presenceMemberOnceAcrossWorkers()
    {
        startServer(2);
        const QString channel = QStringLiteral("presence-room");
        auto watcher = connect(); // worker 0
        auto a = connect(); // worker 1
        auto b = connect(); // worker 0
        QTRY_COMPARE(m_core->worker(1).connectionCount(), 1);
        watcher->subscribe(channel, member(QStringLiteral("w")));
        QTRY_VERIFY(watcher->has(QStringLiteral("pusher_internal:subscription_succeeded")));
        a->subscribe(channel, member(QStringLiteral("ada")));
        QTRY_COMPARE(watcher->count(QStringLiteral("pusher_internal:member_added")), 1);
        b->subscribe(channel, member(QStringLiteral("ada")));
        QTRY_VERIFY(b->has(QStringLiteral("pusher_internal:subscription_succeeded")));
        const QJsonObject presence = b->dataOf(QStringLiteral("pusher_internal:subscription_succeeded"))
                                         .value(QStringLiteral("presence"))
                                         .toObject();
        QCOMPARE(presence.value(QStringLiteral("count")).toInt(), 2); // w and ada, whose two sockets are on two workers
        QTest::qWait(150);
        QCOMPARE(watcher->count(QStringLiteral("pusher_internal:member_added")), 1);

        const QJsonObject users = call("GET", QStringLiteral("/apps/app-id/channels/presence-room/users"));
        QCOMPARE(users.value(QStringLiteral("users")).toArray().size(), 2);
        const QJsonObject info = call("GET", QStringLiteral("/apps/app-id/channels/presence-room"), {},
            {{QStringLiteral("info"), QStringLiteral("user_count,subscription_count")}});
        QCOMPARE(info.value(QStringLiteral("user_count")).toInt(), 2);
        QCOMPARE(info.value(QStringLiteral("subscription_count")).toInt(), 3);

        a->socket.close();
        QTest::qWait(250);
        QCOMPARE(watcher->count(QStringLiteral("pusher_internal:member_removed")), 0); // ada is still on worker 0
        b->socket.close();
        QTRY_COMPARE(watcher->count(QStringLiteral("pusher_internal:member_removed")), 1);
        QTest::qWait(150);
        QCOMPARE(watcher->count(QStringLiteral("pusher_internal:member_removed")), 1);
    }

    void clientEventsAndExclusionAcrossWorkers()
    {
        startServer(2);
        const QString channel = QStringLiteral("private-chat");
        auto a = connect(); // worker 0
        auto b = connect(); // worker 1
        auto c = connect(); // worker 0
        for (Client *client : {a.get(), b.get(), c.get()}) {
            client->subscribe(channel);
            QTRY_VERIFY(client->has(QStringLiteral("pusher_internal:subscription_succeeded")));
        }
        a->send({{QStringLiteral("event"), QStringLiteral("client-typing")}, {QStringLiteral("channel"), channel},
            {QStringLiteral("data"), QJsonObject{{QStringLiteral("who"), QStringLiteral("a")}}}});
        QTRY_VERIFY(b->has(QStringLiteral("client-typing")));
        QTRY_VERIFY(c->has(QStringLiteral("client-typing")));

        // A REST publish excluding b's socket: every worker delivers, b's skips b.
        int status = 0;
        const QByteArray body =
            QStringLiteral("{\"name\":\"news\",\"channel\":\"%1\",\"data\":\"{}\",\"socket_id\":\"%2\"}")
                .arg(channel, b->socketId())
                .toUtf8();
        call("POST", QStringLiteral("/apps/app-id/events"), body, {}, &status);
        QCOMPARE(status, 200);
        QTRY_VERIFY(a->has(QStringLiteral("news")));
        QTRY_VERIFY(c->has(QStringLiteral("news")));
        QTest::qWait(200);
        QVERIFY(!a->has(QStringLiteral("client-typing"))); // never to the sender
        QVERIFY(!b->has(QStringLiteral("news")));
    }

    void terminateUserOnEveryWorker()
    {
        startServer(2);
        auto a = connect(); // worker 0
        auto b = connect(); // worker 1
        auto other = connect(); // worker 0
        for (Client *client : {a.get(), b.get()}) {
            client->signin(QStringLiteral("ada"));
            QTRY_VERIFY(client->has(QStringLiteral("pusher:signin_success")));
        }
        int status = 0;
        call("POST", QStringLiteral("/apps/app-id/users/ada/terminate_connections"), "{}", {}, &status);
        QCOMPARE(status, 200);
        QTRY_VERIFY(a->closed);
        QTRY_VERIFY(b->closed);
        QTest::qWait(100);
        QVERIFY(!other->closed);
    }

    void metricsExactUnderConcurrentLoad()
    {
        startServer(4);
        constexpr int clients = 8;
        constexpr int pings = 200;
        std::vector<std::unique_ptr<Client>> all;
        for (int i = 0; i < clients; ++i)
            all.push_back(connect());
        for (int i = 0; i < clients; ++i)
            QTRY_COMPARE(m_core->worker(i % 4).connectionCount(), 2);
        // Every worker counts into the one registry at once.
        for (int n = 0; n < pings; ++n)
            for (const auto &c : all)
                c->send({{QStringLiteral("event"), QStringLiteral("pusher:ping")},
                    {QStringLiteral("data"), QJsonObject{}}});
        for (const auto &c : all)
            QTRY_COMPARE_WITH_TIMEOUT(c->count(QStringLiteral("pusher:pong")), pings, 10000);
        QCOMPARE(metricValue(m_core->metrics(), "soketi_ws_messages_received_total"), double(clients * pings));
        QCOMPARE(metricValue(m_core->metrics(), "soketi_ws_messages_sent_total"), double(clients * (pings + 1)));
        QCOMPARE(metricValue(m_core->metrics(), "soketi_connected"), double(clients));
        all.clear();
        QTRY_COMPARE(metricValue(m_core->metrics(), "soketi_connected"), 0.0);
        QCOMPARE(metricValue(m_core->metrics(), "soketi_new_disconnections_total"), double(clients));
    }

    // A client event on a cache channel reaches the other worker as a relayed message: it must not
    // become that worker's cached state (only published events are), nor must member_added.
    void relayedClientEventsAreNotCached()
    {
        startServer(2);
        auto a = connect(); // worker 0
        auto b = connect(); // worker 1
        // One after the other: b joins a presence channel a is already in, so a gets b's member_added.
        for (Client *client : {a.get(), b.get()}) {
            client->subscribe(QStringLiteral("private-cache-room"));
            client->subscribe(QStringLiteral("presence-cache-room"), member(client->socketId()));
            QTRY_COMPARE(client->count(QStringLiteral("pusher_internal:subscription_succeeded")), 2);
        }
        b->send({{QStringLiteral("event"), QStringLiteral("client-moved")},
            {QStringLiteral("channel"), QStringLiteral("private-cache-room")},
            {QStringLiteral("data"), QJsonObject{}}});
        QTRY_COMPARE(a->count(QStringLiteral("client-moved")), 1);
        QTRY_COMPARE(a->count(QStringLiteral("pusher_internal:member_added")), 1); // b's, relayed from worker 1
        auto c = connect(); // worker 0, which only saw b's messages relayed
        c->subscribe(QStringLiteral("private-cache-room"));
        c->subscribe(QStringLiteral("presence-cache-room"), member(QStringLiteral("c")));
        QTRY_COMPARE(c->count(QStringLiteral("pusher:cache_miss")), 2);
        QCOMPARE(c->count(QStringLiteral("client-moved")), 0);
        QCOMPARE(c->count(QStringLiteral("pusher_internal:member_added")), 0);
    }

    // A watcher that goes away leaves the watch list: watch() and unwatch() must find the same entry
    // (they once hashed the Connection pointer differently in two translation units).
    void closedWatcherLeavesTheWatchList()
    {
        startServer(1);
        auto watcher = connect();
        watcher->signin(QStringLiteral("w"), {QStringLiteral("bob")});
        QTRY_VERIFY(watcher->has(QStringLiteral("pusher:signin_success")));
        AppState &app = *m_core->pusher().appState(QStringLiteral("app-id"));
        QCOMPARE(app.watchersOf(QStringLiteral("bob")).size(), 1);
        auto bob = connect();
        bob->signin(QStringLiteral("bob"));
        QTRY_COMPARE(watcher->count(QStringLiteral("pusher_internal:watchlist_events")), 1); // bob online
        watcher->socket.close();
        QTRY_COMPARE(m_core->connectionCount(), 1);
        QCOMPARE(app.watchersOf(QStringLiteral("bob")).size(), 0);
        bob->socket.close(); // offline: nobody left to tell
        QTRY_COMPARE(m_core->connectionCount(), 0);
    }

    // Clients on four workers subscribe to a fresh channel at the same moment: each worker asks the
    // others while they are joining too. Exactly one channel_occupied per channel, never none or two.
    void occupiedOnceWhenWorkersSubscribeTogether()
    {
        qsoketi::test::WebhookReceiver receiver;
        const int channels = 25;
        const auto clients = subscribeOnFourWorkers(receiver, QStringLiteral("channel_occupied"), channels);
        QTRY_COMPARE_WITH_TIMEOUT(receiver.names().size(), channels, 10000);
        QTest::qWait(300); // a second occupied would come now
        QStringList names = receiver.names();
        names.sort();
        QCOMPARE(names.size(), channels);
        QCOMPARE(QSet<QString>(names.cbegin(), names.cend()).size(), channels);
    }

    // The last subscribers on four workers leave a channel at the same moment: each worker asks the
    // others while they are leaving too. Exactly one channel_vacated per channel.
    void vacatedOnceWhenWorkersLeaveTogether()
    {
        qsoketi::test::WebhookReceiver receiver;
        const int channels = 25;
        const auto clients = subscribeOnFourWorkers(receiver, QStringLiteral("channel_vacated"), channels);
        for (int n = 0; n < channels; ++n)
            for (const auto &c : clients)
                c->send({{QStringLiteral("event"), QStringLiteral("pusher:unsubscribe")},
                    {QStringLiteral("data"),
                        QJsonObject{{QStringLiteral("channel"), QStringLiteral("together-%1").arg(n)}}}});
        QTRY_COMPARE_WITH_TIMEOUT(receiver.names().size(), channels, 10000);
        QTest::qWait(300); // a second vacated would come now
        const QStringList names = receiver.names();
        QCOMPARE(names.size(), channels);
        QCOMPARE(QSet<QString>(names.cbegin(), names.cend()).size(), channels);
    }

    // One user's connections on two workers join (and later leave) presence channels at the same moment:
    // one member_added (and one member_removed) per channel, to clients and as webhooks.
    void memberOnceWhenAUserJoinsAndLeavesOnTwoWorkersTogether()
    {
        qsoketi::test::WebhookReceiver receiver;
        startServer(3,
            QJsonArray{QJsonObject{{QStringLiteral("url"), receiver.url(QStringLiteral("/hook"))},
                {QStringLiteral("event_types"),
                    QJsonArray{QStringLiteral("member_added"), QStringLiteral("member_removed")}}}});
        auto watcher = connect(); // worker 0
        auto a = connect(); // worker 1
        auto b = connect(); // worker 2
        const int channels = 25;
        for (int n = 0; n < channels; ++n)
            watcher->subscribe(QStringLiteral("presence-pair-%1").arg(n), member(QStringLiteral("w")));
        QTRY_COMPARE_WITH_TIMEOUT(
            watcher->count(QStringLiteral("pusher_internal:subscription_succeeded")), channels, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(receiver.names().size(), channels, 10000); // w's own member_added
        for (int n = 0; n < channels; ++n) {
            a->subscribe(QStringLiteral("presence-pair-%1").arg(n), member(QStringLiteral("ada")));
            b->subscribe(QStringLiteral("presence-pair-%1").arg(n), member(QStringLiteral("ada")));
        }
        for (const Client *c : {a.get(), b.get()})
            QTRY_COMPARE_WITH_TIMEOUT(
                c->count(QStringLiteral("pusher_internal:subscription_succeeded")), channels, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(watcher->count(QStringLiteral("pusher_internal:member_added")), channels, 10000);
        QTest::qWait(300); // a second member_added would come now
        QCOMPARE(watcher->count(QStringLiteral("pusher_internal:member_added")), channels);
        // Webhooks go out in batches, later than the clients' events (much later under ThreadSanitizer).
        QTRY_COMPARE_WITH_TIMEOUT(receiver.names().size(), 2 * channels, 10000);
        QTest::qWait(300);
        QCOMPARE(receiver.names().size(), 2 * channels);

        for (int n = 0; n < channels; ++n)
            for (Client *c : {a.get(), b.get()})
                c->send({{QStringLiteral("event"), QStringLiteral("pusher:unsubscribe")},
                    {QStringLiteral("data"),
                        QJsonObject{{QStringLiteral("channel"), QStringLiteral("presence-pair-%1").arg(n)}}}});
        QTRY_COMPARE_WITH_TIMEOUT(watcher->count(QStringLiteral("pusher_internal:member_removed")), channels, 10000);
        QTest::qWait(300);
        QCOMPARE(watcher->count(QStringLiteral("pusher_internal:member_removed")), channels);
        QTRY_COMPARE_WITH_TIMEOUT(receiver.names().size(), 3 * channels, 10000);
        QTest::qWait(300);
        QCOMPARE(receiver.names().size(), 3 * channels);
    }

    void shutdownClosesEveryWorkersClients()
    {
        startServer(3);
        std::vector<std::unique_ptr<Client>> all;
        for (int i = 0; i < 6; ++i)
            all.push_back(connect());
        QSignalSpy stopped(m_core.get(), &ServerCore::stopped);
        m_core->shutdown();
        for (const auto &c : all) {
            QTRY_VERIFY(c->closed);
            QCOMPARE(int(c->socket.closeCode()), 4200);
        }
        QTRY_COMPARE(stopped.size(), 1);
    }
};

QTEST_MAIN(TestWorkers)
#include "tst_workers.moc"
