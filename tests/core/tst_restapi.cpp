// SPDX-License-Identifier: GPL-3.0-or-later
// RestApi as requests in, responses out: signed HttpRequests against a ChannelService double that
// records what the API asked of the engine and answers cluster queries at once or later.
#include <QCryptographicHash>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "apps/AppDirectory.h"
#include "auth/HmacSigner.h"
#include "auth/RestRequestVerifier.h"
#include "channels/AppStates.h"
#include "channels/ChannelService.h"
#include "config/ServerConfig.h"
#include "metrics/MetricsRegistry.h"
#include "rest/RestApi.h"

#include <prometheus/counter.h>

using namespace qsoketi;

namespace {

struct Published
{
    QString channel;
    QString event;
    QByteArray data;
    QString except;
};

// The engine as the REST API sees it. `cluster` is what every node together answers.
class RecordingChannels final : public ChannelService
{
public:
    explicit RecordingChannels(AppStates &states)
        : m_states(states)
    {}

    AppState *appState(const QString &appId) const override { return m_states.byId(appId); }
    AppState &appStateFor(const AppPtr &app) override { return m_states.stateFor(app); }
    int publish(AppState &, const QString &channel, const QString &event, const QByteArray &dataJson,
        const QString &exceptSocketId) override
    {
        published.append({channel, event, dataJson, exceptSocketId});
        return 1;
    }
    void terminateUserConnections(AppState &, const QString &userId) override { terminated.append(userId); }
    void clusterChannel(AppState &, const QString &name, ChannelDone done) override
    {
        answer([this, name, done] { done(cluster.value(name)); });
    }
    void clusterChannels(AppState &, const QStringList &names, ChannelsDone done) override
    {
        answer([this, names, done] {
            QHash<QString, ClusterChannel> answer;
            for (const QString &name : names)
                answer.insert(name, cluster.value(name));
            done(names.isEmpty() ? cluster : answer);
        });
    }
    void clusterChannels(AppState &app, ChannelsDone done) override { clusterChannels(app, {}, std::move(done)); }
    bool isClosing() const override { return closing; }

    QHash<QString, ClusterChannel> cluster;
    bool closing = false;
    bool later = false; // answer cluster queries only when runPending() is called
    QList<Published> published;
    QStringList terminated;
    QList<std::function<void()>> pending;
    void runPending()
    {
        const auto jobs = std::exchange(pending, {});
        for (const auto &job : jobs)
            job();
    }

private:
    void answer(std::function<void()> job)
    {
        if (later)
            pending.append(std::move(job));
        else
            job();
    }
    AppStates &m_states;
};

ClusterChannel channelWith(qint64 subscriptions, const QStringList &members = {})
{
    ClusterChannel ch;
    ch.subscriptionCount = subscriptions;
    for (const QString &id : members)
        ch.members.insert(id, PresenceMember{id, {}, 1});
    return ch;
}

} // namespace

class TestRestApi final : public QObject
{
    Q_OBJECT

public:
    TestRestApi()
        : m_metrics(MetricsConfig{}, 6001)
        , m_apps(storeForTest())
        , m_states(m_metrics)
        , m_channels(m_states)
        , m_api(m_config, m_apps, m_channels)
    {
        for (const QString &id : {QStringLiteral("app-id"), QStringLiteral("other")})
            m_apps.findById(id, [this](const AppPtr &app) { m_states.stateFor(app); });
    }

private:
    static AppStoreConfig storeForTest()
    {
        AppStoreConfig store;
        store.arrayApps = appsForTest();
        return store;
    }

    static QList<App> appsForTest()
    {
        App app;
        app.maxReadRequestsPerSecond = 10;
        App other;
        other.id = QStringLiteral("other");
        other.key = QStringLiteral("other-key");
        other.secret = QStringLiteral("other-secret");
        other.enabled = false;
        return {app, other};
    }

    static HttpRequest signedRequest(QByteArray method, const QString &path, const QByteArray &body = {},
        QList<QPair<QString, QString>> extraQuery = {}, const QByteArray &secret = "app-secret")
    {
        QList<QPair<QString, QString>> query{{QStringLiteral("auth_key"), QStringLiteral("app-key")},
            {QStringLiteral("auth_timestamp"), QString::number(QDateTime::currentSecsSinceEpoch())},
            {QStringLiteral("auth_version"), QStringLiteral("1.0")}};
        query += extraQuery;
        if (!body.isEmpty())
            query.append({QStringLiteral("body_md5"),
                QString::fromLatin1(QCryptographicHash::hash(body, QCryptographicHash::Md5).toHex())});
        query.append({QStringLiteral("auth_signature"),
            QString::fromLatin1(HmacSigner::sign(secret, RestRequestVerifier::stringToSign(method, path, query)))});
        HttpRequest request;
        request.method = method;
        request.path = path;
        request.rawPath = path.toUtf8();
        request.query = query;
        request.body = body;
        return request;
    }

    // Handles one request; fails the test unless exactly one answer came (after pending cluster answers).
    HttpResponse call(const HttpRequest &request)
    {
        QList<HttpResponse> answers;
        m_api.handle(request, [&answers](const HttpResponse &r) { answers.append(r); });
        m_channels.runPending();
        if (answers.size() != 1)
            qWarning() << "answers:" << answers.size();
        return answers.value(0, HttpResponse::error(599, u"no answer"));
    }

    static QJsonObject json(const HttpResponse &r) { return QJsonDocument::fromJson(r.body).object(); }

    double httpCalls() const { return m_states.byId(QStringLiteral("app-id"))->metrics().httpCallsReceived->Value(); }

private slots:
    void init()
    {
        m_channels.published.clear();
        m_channels.terminated.clear();
        m_channels.cluster.clear();
        m_channels.closing = false;
        m_channels.later = false;
    }

    void healthRoutes()
    {
        HttpRequest get;
        get.method = "GET";
        get.path = QStringLiteral("/");
        QCOMPARE(call(get).status, 200);
        get.path = QStringLiteral("/ready");
        QCOMPARE(call(get).status, 200);
        m_channels.closing = true;
        QCOMPARE(call(get).status, 500);
        get.path = QStringLiteral("/nope");
        QCOMPARE(call(get).status, 404);
        m_channels.closing = false;
        get.method = "HEAD";
        get.path = QStringLiteral("/");
        QCOMPARE(call(get).status, 200);
        get.path = QStringLiteral("/ready");
        QCOMPARE(call(get).status, 200);
        get.path = QStringLiteral("/nope");
        get.method = "OPTIONS";
        QCOMPARE(call(get).status, 204);
    }

    void signatureAndAppAreChecked()
    {
        QCOMPARE(call(signedRequest("GET", QStringLiteral("/apps/missing/channels"))).status, 404);
        QCOMPARE(
            call(signedRequest("GET", QStringLiteral("/apps/app-id/channels"), {}, {}, "wrong-secret")).status, 401);
        HttpRequest disabled = signedRequest("GET", QStringLiteral("/apps/other/channels"));
        QCOMPARE(call(disabled).status, 401); // signed with another app's key
        QVERIFY(m_channels.published.isEmpty());
    }

    void triggerPublishesToEveryChannelAndIsCounted()
    {
        const double before = httpCalls();
        const QByteArray body =
            "{\"name\":\"created\",\"channels\":[\"a\",\"b\"],\"data\":\"{\\\"id\\\":1}\",\"socket_id\":\"1.2\"}";
        const HttpResponse r = call(signedRequest("POST", QStringLiteral("/apps/app-id/events"), body));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("{\"ok\":true}"));
        QCOMPARE(m_channels.published.size(), 2);
        QCOMPARE(m_channels.published[1].channel, QStringLiteral("b"));
        QCOMPARE(m_channels.published[1].event, QStringLiteral("created"));
        QCOMPARE(m_channels.published[1].data, QByteArray("\"{\\\"id\\\":1}\""));
        QCOMPARE(m_channels.published[1].except, QStringLiteral("1.2"));
        QCOMPARE(httpCalls(), before + 1);
    }

    void triggerInfoIsCountedOverTheClusterEvenWhenItAnswersLater()
    {
        m_channels.cluster.insert(
            QStringLiteral("presence-room"), channelWith(7, {QStringLiteral("u1"), QStringLiteral("u2")}));
        m_channels.later = true;
        QList<HttpResponse> answers;
        const QByteArray body = "{\"name\":\"e\",\"channels\":[\"presence-room\",\"quiet\"],\"data\":\"x\",\"info\":"
                                "\"subscription_count,user_count\"}";
        m_api.handle(signedRequest("POST", QStringLiteral("/apps/app-id/events"), body),
            [&answers](const HttpResponse &r) { answers.append(r); });
        QVERIFY(answers.isEmpty()); // waits for the other nodes
        m_channels.runPending();
        QCOMPARE(answers.size(), 1);
        const QJsonObject channels = json(answers.first()).value(QStringLiteral("channels")).toObject();
        QCOMPARE(channels.value(QStringLiteral("presence-room")).toObject(),
            (QJsonObject{{QStringLiteral("subscription_count"), 7}, {QStringLiteral("user_count"), 2}}));
        QCOMPARE(channels.value(QStringLiteral("quiet")).toObject(),
            (QJsonObject{{QStringLiteral("subscription_count"), 0}}));
    }

    void invalidEventsAreRefusedBeforePublishing_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::newRow("not JSON") << QByteArray("{") << 400;
        QTest::newRow("no name") << QByteArray("{\"channel\":\"a\",\"data\":\"x\"}") << 400;
        QTest::newRow("no channel") << QByteArray("{\"name\":\"e\",\"data\":\"x\"}") << 400;
        QTest::newRow("socket_id not a string")
            << QByteArray("{\"name\":\"e\",\"channel\":\"a\",\"data\":\"x\",\"socket_id\":1}") << 400;
        QTest::newRow("event name too long")
            << ("{\"name\":\"" + QByteArray(201, 'e') + "\",\"channel\":\"a\",\"data\":\"x\"}") << 400;
        QTest::newRow("data too large") << ("{\"name\":\"e\",\"channel\":\"a\",\"data\":\""
            + QByteArray(101 * 1024, 'x') + "\"}")
                                        << 413;
        QByteArray many = "{\"name\":\"e\",\"data\":\"x\",\"channels\":[";
        for (int i = 0; i < 101; ++i)
            many += (i ? ",\"c" : "\"c") + QByteArray::number(i) + '"';
        QTest::newRow("too many channels") << (many + "]}") << 400;
    }

    void invalidEventsAreRefusedBeforePublishing()
    {
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QCOMPARE(call(signedRequest("POST", QStringLiteral("/apps/app-id/events"), body)).status, status);
        QVERIFY(m_channels.published.isEmpty());
    }

    void batchIsAllOrNothingAndAnswersInfoPerItem()
    {
        const QByteArray bad =
            "{\"batch\":[{\"name\":\"e\",\"channel\":\"a\",\"data\":\"x\"},{\"name\":\"e\",\"data\":\"x\"}]}";
        QCOMPARE(call(signedRequest("POST", QStringLiteral("/apps/app-id/batch_events"), bad)).status, 400);
        QVERIFY(m_channels.published.isEmpty());

        m_channels.cluster.insert(QStringLiteral("a"), channelWith(3));
        const QByteArray good =
            "{\"batch\":[{\"name\":\"e\",\"channel\":\"a\",\"data\":\"x\",\"info\":\"subscription_count\"},"
            "{\"name\":\"f\",\"channel\":\"b\",\"data\":\"y\"}]}";
        const HttpResponse r = call(signedRequest("POST", QStringLiteral("/apps/app-id/batch_events"), good));
        QCOMPARE(r.status, 200);
        QCOMPARE(m_channels.published.size(), 2);
        const QJsonArray batch = json(r).value(QStringLiteral("batch")).toArray();
        QCOMPARE(batch.size(), 2);
        QCOMPARE(batch[0].toObject().value(QStringLiteral("subscription_count")).toInt(), 3);
        QVERIFY(batch[1].toObject().isEmpty());
    }

    void channelQueriesShowTheClusterView()
    {
        m_channels.cluster.insert(QStringLiteral("presence-room"), channelWith(4, {QStringLiteral("u1")}));
        m_channels.cluster.insert(QStringLiteral("news"), channelWith(2));
        m_channels.cluster.insert(QStringLiteral("gone"), channelWith(0));
        m_channels.cluster.insert(QStringLiteral("#server-to-user-1"), channelWith(1));
        const HttpResponse all = call(signedRequest("GET", QStringLiteral("/apps/app-id/channels"), {},
            {{QStringLiteral("info"), QStringLiteral("user_count")}}));
        const QJsonObject listed = json(all).value(QStringLiteral("channels")).toObject();
        QCOMPARE(listed.keys(), (QStringList{QStringLiteral("news"), QStringLiteral("presence-room")}));
        QCOMPARE(
            listed.value(QStringLiteral("presence-room")).toObject().value(QStringLiteral("user_count")).toInt(), 1);
        QVERIFY(!listed.value(QStringLiteral("news")).toObject().contains(QStringLiteral("user_count")));

        const HttpResponse prefixed = call(signedRequest("GET", QStringLiteral("/apps/app-id/channels"), {},
            {{QStringLiteral("filter_by_prefix"), QStringLiteral("presence-")}}));
        QCOMPARE(json(prefixed).value(QStringLiteral("channels")).toObject().keys(),
            QStringList{QStringLiteral("presence-room")});

        const QJsonObject one = json(call(signedRequest("GET", QStringLiteral("/apps/app-id/channels/presence-room"))));
        QCOMPARE(one.value(QStringLiteral("subscription_count")).toInt(), 4);
        QCOMPARE(one.value(QStringLiteral("occupied")).toBool(), true);
        QCOMPARE(one.value(QStringLiteral("user_count")).toInt(), 1);

        QCOMPARE(call(signedRequest("GET", QStringLiteral("/apps/app-id/channels/news/users"))).status, 400);
        const QJsonObject users =
            json(call(signedRequest("GET", QStringLiteral("/apps/app-id/channels/presence-room/users"))));
        QCOMPARE(users.value(QStringLiteral("users")).toArray(),
            (QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("u1")}}}));
    }

    void readRateLimitAnswers429()
    {
        QTest::qWait(1000); // a fresh one-second window
        int limited = 0;
        for (int i = 0; i < 12; ++i)
            limited += call(signedRequest("GET", QStringLiteral("/apps/app-id/channels"))).status == 429;
        QCOMPARE(limited, 2); // 10 per second allowed
    }

    void terminateIsForwardedAndNotCounted()
    {
        const double before = httpCalls();
        const HttpResponse r =
            call(signedRequest("POST", QStringLiteral("/apps/app-id/users/u7/terminate_connections"), "{}"));
        QCOMPARE(r.status, 200);
        QCOMPARE(m_channels.terminated, QStringList{QStringLiteral("u7")});
        QCOMPARE(httpCalls(), before);
    }

    void publishingDuringShutdownAnswers503()
    {
        m_channels.closing = true;
        const QByteArray body = "{\"name\":\"e\",\"channel\":\"a\",\"data\":\"x\"}";
        QCOMPARE(call(signedRequest("POST", QStringLiteral("/apps/app-id/events"), body)).status, 503);
        QVERIFY(m_channels.published.isEmpty());
    }

private:
    ServerConfig m_config;
    MetricsRegistry m_metrics;
    AppDirectory m_apps;
    AppStates m_states;
    RecordingChannels m_channels;
    RestApi m_api;
};

QTEST_GUILESS_MAIN(TestRestApi)
#include "tst_restapi.moc"
