// SPDX-License-Identifier: GPL-3.0-or-later
// Webhook delivery as issue 14 asks (real HTTP receivers on 127.0.0.1 answering 200, 500, never or by
// closing): retries with back-off and jitter within the retry window, per-channel order within one
// webhook, a hanging endpoint that holds up no other endpoint or app (even on the same host), the
// delivery log with every attempt, replay with a fresh signature, the metrics moving exactly, and
// shutdown (drain, then what is left logged as abandoned).
#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include "WebhookReceiver.h"
#include "apps/AppRegistry.h"
#include "metrics/MetricsRegistry.h"
#include "webhooks/RetryPolicy.h"
#include "webhooks/WebhookSender.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

using namespace qsoketi;
using Receiver = qsoketi::test::WebhookReceiver;
using Received = qsoketi::test::ReceivedWebhook;
using Outcome = DeliveryRecord::Outcome;

namespace {

App makeApp(const QString &id, const QJsonArray &webhooks)
{
    App app;
    app.id = id;
    app.key = id + QStringLiteral("-key");
    app.secret = id + QStringLiteral("-secret");
    app.webhooks = webhooks;
    return app;
}

QJsonObject hook(const QString &url)
{
    return {{QStringLiteral("url"), url},
        {QStringLiteral("event_types"),
            QJsonArray{QStringLiteral("channel_occupied"), QStringLiteral("channel_vacated")}}};
}

WebhookSender::Options fastOptions()
{
    WebhookSender::Options o;
    o.retry.firstDelayMs = 50;
    o.retry.maxDelayMs = 200;
    o.retry.windowMs = 5000;
    o.requestTimeoutMs = 2000;
    return o;
}

struct Sender
{
    explicit Sender(WebhookSender::Options options = fastOptions())
        : sender(options, metrics)
    {}
    WebhookMetrics &of(const QString &appId) { return metrics.webhooksForApp(appId); }
    MetricsRegistry metrics{MetricsConfig{}, 6001};
    WebhookSender sender;
};

} // namespace

class TestWebhookDelivery final : public QObject
{
    Q_OBJECT

private slots:
    void backoffHasJitterAndEndsWithTheWindow()
    {
        const RetryPolicy policy({1000, 60000, 300000, 0});
        QCOMPARE(policy.backoffMs(1), 1000);
        QCOMPARE(policy.backoffMs(2), 2000);
        QCOMPARE(policy.backoffMs(7), 60000); // 64 s capped
        QCOMPARE(policy.backoffMs(30), 60000);
        QSet<qint64> seen;
        for (int i = 0; i < 50; ++i) {
            const qint64 at = *policy.nextAttemptAt(3, 0, 10000); // 4 s back-off: 2-4 s from now
            QVERIFY2(at >= 12000 && at <= 14000, qPrintable(QString::number(at)));
            seen.insert(at);
        }
        QVERIFY(seen.size() > 5); // jittered
        QCOMPARE(*policy.nextAttemptAt(20, 0, 299000), 300000); // the last try is at the window's end
        QVERIFY(!policy.nextAttemptAt(20, 0, 300000)); // then it is over
        QVERIFY(!RetryPolicy({1000, 60000, 300000, 3}).nextAttemptAt(3, 0, 0)); // maxAttempts
        // Five minutes of retries with the defaults: about a dozen tries, none more than a minute apart.
        int tries = 1;
        qint64 now = 0;
        while (const auto next = policy.nextAttemptAt(tries, 0, now)) {
            QVERIFY(*next - now <= 60000);
            now = *next;
            ++tries;
        }
        QVERIFY2(tries >= 9 && tries <= 16, qPrintable(QString::number(tries)));
    }

    void failingEndpointGetsItLaterWithTheAttemptsLogged()
    {
        Receiver receiver;
        receiver.statuses = {500, 500, 503};
        const AppRegistry apps({makeApp(QStringLiteral("a"), {hook(receiver.url(QStringLiteral("/h")))})});
        Sender s;
        s.sender.channelOccupied(*apps.byId(QStringLiteral("a")), QStringLiteral("room"));
        QTRY_COMPARE(s.sender.deliveredCount(), 1);
        const QList<const DeliveryRecord *> log = s.sender.deliveryLog().records(QStringLiteral("a"));
        QCOMPARE(log.size(), 1);
        const DeliveryRecord &record = *log.first();
        QCOMPARE(record.outcome, Outcome::Delivered);
        QCOMPARE(record.attemptCount, 4);
        QCOMPARE(record.attempts.size(), 4);
        QCOMPARE(record.attempts[0].status, 500);
        QCOMPARE(record.attempts[2].status, 503);
        QCOMPARE(record.attempts[3].status, 200);
        QCOMPARE(record.attempts[0].error, QStringLiteral("HTTP status 500"));
        QVERIFY(record.attempts[3].error.isEmpty());
        QCOMPARE(record.url, receiver.url(QStringLiteral("/h")));
        QVERIFY(record.finishedMs >= record.createdMs);
        const QJsonObject json = record.toJson();
        QCOMPARE(json.value(QStringLiteral("outcome")).toString(), QStringLiteral("delivered"));
        QCOMPARE(json.value(QStringLiteral("attempt_count")).toInt(), 4);
        QCOMPARE(json.value(QStringLiteral("status")).toInt(), 200);
        QCOMPARE(json.value(QStringLiteral("events")).toArray().first().toObject().value(u"channel").toString(),
            QStringLiteral("room"));
        // The metrics moved exactly.
        WebhookMetrics &m = s.of(QStringLiteral("a"));
        QCOMPARE(m.attempts->Value(), 4.0);
        QCOMPARE(m.retries->Value(), 3.0);
        QCOMPARE(m.delivered->Value(), 1.0);
        QCOMPARE(m.failed->Value(), 0.0);
        QCOMPARE(m.queueLength->Value(), 0.0);
        QCOMPARE(m.deliverySeconds->Collect().histogram.sample_count, quint64(1));
    }

    void givesUpWhenTheWindowEnds()
    {
        Receiver receiver;
        receiver.statuses = std::deque<int>(100, 500);
        const AppRegistry apps({makeApp(QStringLiteral("a"), {hook(receiver.url(QStringLiteral("/h")))})});
        WebhookSender::Options options = fastOptions();
        options.retry.windowMs = 600;
        Sender s(options);
        QSignalSpy failed(&s.sender, &WebhookSender::failed);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("failed \\d+ times .*giving up")));
        const qint64 started = QDateTime::currentMSecsSinceEpoch();
        s.sender.channelOccupied(*apps.byId(QStringLiteral("a")), QStringLiteral("room"));
        QTRY_COMPARE(failed.size(), 1);
        const qint64 took = QDateTime::currentMSecsSinceEpoch() - started;
        QVERIFY2(took >= 600 && took < 1500, qPrintable(QString::number(took)));
        const DeliveryRecord &record = *s.sender.deliveryLog().records().first();
        QCOMPARE(record.outcome, Outcome::Failed);
        QCOMPARE(record.attemptCount, int(receiver.requests.size()));
        QVERIFY(record.attemptCount >= 4);
        QCOMPARE(s.of(QStringLiteral("a")).failed->Value(), 1.0);
        QCOMPARE(s.of(QStringLiteral("a")).attempts->Value(), double(receiver.requests.size()));
    }

    void closedConnectionsAreRetried()
    {
        Receiver receiver;
        receiver.mode = Receiver::Mode::Close;
        const AppRegistry apps({makeApp(QStringLiteral("a"), {hook(receiver.url(QStringLiteral("/h")))})});
        Sender s;
        s.sender.channelOccupied(*apps.byId(QStringLiteral("a")), QStringLiteral("room"));
        QTRY_VERIFY(receiver.requests.size() >= 2);
        receiver.mode = Receiver::Mode::Answer;
        QTRY_COMPARE(s.sender.deliveredCount(), 1);
        const DeliveryRecord &record = *s.sender.deliveryLog().records().first();
        QVERIFY(record.attemptCount >= 2);
        QCOMPARE(record.attempts.first().status, 0);
        QVERIFY(!record.attempts.first().error.isEmpty());
    }

    void orderPerChannelWithinAWebhook()
    {
        // room-1's first delivery fails twice: room-1's second waits for it, room-2 does not.
        Receiver receiver;
        receiver.statuses = {500, 200, 500};
        const AppRegistry apps({makeApp(QStringLiteral("a"), {hook(receiver.url(QStringLiteral("/h")))})});
        WebhookSender::Options options = fastOptions();
        options.retry.firstDelayMs = 150;
        Sender s(options);
        const App &app = *apps.byId(QStringLiteral("a"));
        s.sender.channelOccupied(app, QStringLiteral("room-1"));
        QTRY_COMPARE(receiver.requests.size(), 1); // answered 500
        s.sender.channelVacated(app, QStringLiteral("room-1"));
        s.sender.channelOccupied(app, QStringLiteral("room-2")); // answered 200 at once, then the 500 below
        QTRY_COMPARE(s.sender.deliveredCount(), 3);
        QStringList order;
        for (const Received &r : std::as_const(receiver.requests))
            order += r.names();
        // room-2 passed room-1's retry; room-1's events arrived in order, whatever was retried.
        QCOMPARE(order.indexOf(QStringLiteral("channel_occupied:room-2")), 1);
        const qsizetype lastOccupied = order.lastIndexOf(QStringLiteral("channel_occupied:room-1"));
        QVERIFY2(lastOccupied < order.indexOf(QStringLiteral("channel_vacated:room-1")), qPrintable(order.join(u' ')));
        QCOMPARE(order.count(QStringLiteral("channel_vacated:room-1")), 1);
    }

    void hangingEndpointHoldsUpNoOtherAppOnTheSameHost()
    {
        Receiver receiver; // one host: /hang never answers, /ok does
        receiver.modes.insert(QStringLiteral("/hang"), Receiver::Mode::Hang);
        const AppRegistry apps({makeApp(QStringLiteral("slow"), {hook(receiver.url(QStringLiteral("/hang")))}),
            makeApp(QStringLiteral("fast"), {hook(receiver.url(QStringLiteral("/ok")))})});
        WebhookSender::Options options = fastOptions();
        options.requestTimeoutMs = 30000;
        Sender s(options);
        for (int i = 0; i < 20; ++i)
            s.sender.channelOccupied(*apps.byId(QStringLiteral("slow")), QStringLiteral("c%1").arg(i));
        QTRY_VERIFY(receiver.at(QStringLiteral("/hang")).size() >= 6);
        QTest::qWait(100);
        // Its 6 connections hang; the other app's webhook on the same host has connections of its own.
        QCOMPARE(receiver.at(QStringLiteral("/hang")).size(), 6);
        QElapsedTimer clock;
        clock.start();
        for (int i = 0; i < 10; ++i)
            s.sender.channelOccupied(*apps.byId(QStringLiteral("fast")), QStringLiteral("d%1").arg(i));
        QTRY_COMPARE(s.of(QStringLiteral("fast")).delivered->Value(), 10.0);
        QVERIFY2(clock.elapsed() < 2000, qPrintable(QString::number(clock.elapsed())));
        QCOMPARE(s.of(QStringLiteral("slow")).delivered->Value(), 0.0);
        QCOMPARE(s.of(QStringLiteral("slow")).queueLength->Value(), 20.0);
        receiver.release();
        QTRY_COMPARE(s.of(QStringLiteral("slow")).delivered->Value(), 20.0);
        QCOMPARE(s.of(QStringLiteral("slow")).queueLength->Value(), 0.0);
    }

    void replaySendsTheSameEventsWithAFreshSignature()
    {
        Receiver receiver;
        const AppRegistry apps({makeApp(QStringLiteral("a"), {hook(receiver.url(QStringLiteral("/h")))})});
        Sender s;
        s.sender.channelVacated(*apps.byId(QStringLiteral("a")), QStringLiteral("room"));
        QTRY_COMPARE(s.sender.deliveredCount(), 1);
        const quint64 first = s.sender.deliveryLog().records().first()->id;
        QTest::qWait(5); // a later time_ms
        QString error;
        const quint64 replayed = s.sender.replay(first, &error);
        QVERIFY2(replayed > first, qPrintable(error));
        QTRY_COMPARE(receiver.requests.size(), 2);
        const Received &a = receiver.requests[0];
        const Received &b = receiver.requests[1];
        QCOMPARE(b.events(), a.events());
        QVERIFY(b.json().value(u"time_ms").toDouble() > a.json().value(u"time_ms").toDouble());
        QVERIFY(b.signedWith("a-secret"));
        QVERIFY(b.headers.value("x-pusher-signature") != a.headers.value("x-pusher-signature"));
        const DeliveryRecord *record = s.sender.deliveryLog().find(replayed);
        QVERIFY(record);
        QCOMPARE(record->replayOf, first);
        QTRY_COMPARE(s.sender.deliveryLog().find(replayed)->outcome, Outcome::Delivered);

        QCOMPARE(s.sender.replay(999999, &error), quint64(0));
        QVERIFY(error.contains(u"no delivery 999999"));
        // The webhook is gone: nothing to replay to.
        s.sender.updateApp(makeApp(QStringLiteral("a"), {hook(receiver.url(QStringLiteral("/other")))}));
        QCOMPARE(s.sender.replay(first, &error), quint64(0));
        QVERIFY2(error.contains(u"no longer has a webhook"), qPrintable(error));
    }

    void theLogIsBounded()
    {
        Receiver receiver;
        const AppRegistry apps({makeApp(QStringLiteral("a"), {hook(receiver.url(QStringLiteral("/h")))}),
            makeApp(QStringLiteral("b"), {hook(receiver.url(QStringLiteral("/h")))})});
        WebhookSender::Options options = fastOptions();
        options.deliveryLogSize = 3;
        Sender s(options);
        for (int i = 0; i < 5; ++i) {
            s.sender.channelOccupied(*apps.byId(QStringLiteral("a")), QStringLiteral("a%1").arg(i));
            s.sender.channelOccupied(*apps.byId(QStringLiteral("b")), QStringLiteral("b%1").arg(i));
        }
        QTRY_COMPARE(s.sender.deliveredCount(), 10);
        const auto a = s.sender.deliveryLog().records(QStringLiteral("a"));
        QCOMPARE(a.size(), 3);
        QCOMPARE(a.first()->events.first().toObject().value(u"channel").toString(), QStringLiteral("a2"));
        QCOMPARE(s.sender.deliveryLog().records().size(), 6);
        QCOMPARE(s.sender.deliveryLog().apps(), (QStringList{"a", "b"}));
    }

    void fullQueueDropsTheOldestCountedAndLogged()
    {
        Receiver receiver;
        receiver.mode = Receiver::Mode::Hang;
        const AppRegistry apps({makeApp(QStringLiteral("a"), {hook(receiver.url(QStringLiteral("/h")))})});
        WebhookSender::Options options = fastOptions();
        options.maxPendingPerApp = 5;
        options.maxInFlightPerWebhook = 1;
        Sender s(options);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("queue full \\(5 pending\\), dropped")));
        for (int i = 0; i < 100; ++i)
            s.sender.channelOccupied(*apps.byId(QStringLiteral("a")), QStringLiteral("c%1").arg(i));
        WebhookMetrics &m = s.of(QStringLiteral("a"));
        QCOMPARE(m.dropped->Value(), 94.0); // 1 on the wire, 5 waiting
        QCOMPARE(m.queueLength->Value(), 6.0);
        int dropped = 0;
        for (const DeliveryRecord *r : s.sender.deliveryLog().records())
            dropped += r->outcome == Outcome::Dropped;
        QCOMPARE(dropped, 94 - (100 - s.sender.deliveryLog().perApp())); // the log keeps the last 100
        receiver.release();
        QTRY_COMPARE(m.delivered->Value(), 6.0);
    }

    void shutdownDrainsThenAbandonsWhatIsLeft()
    {
        Receiver ok;
        Receiver hanging;
        hanging.mode = Receiver::Mode::Hang;
        const AppRegistry apps({makeApp(QStringLiteral("a"), {hook(ok.url(QStringLiteral("/ok")))}),
            makeApp(QStringLiteral("b"), {hook(hanging.url(QStringLiteral("/hang")))})});
        WebhookSender::Options options = fastOptions();
        options.retry.firstDelayMs = 60000; // a retry would wait a minute without the drain
        Sender s(options);
        ok.statuses = {500};
        s.sender.channelVacated(*apps.byId(QStringLiteral("a")), QStringLiteral("x"));
        s.sender.channelVacated(*apps.byId(QStringLiteral("b")), QStringLiteral("y"));
        QTRY_COMPARE(ok.requests.size(), 1);
        s.sender.drain();
        QTRY_COMPARE(s.sender.deliveredCount(), 1); // retried within 250 ms, not a minute
        QTest::ignoreMessage(QtWarningMsg,
            QRegularExpression(QStringLiteral("app b: 1 webhook deliveries were not sent before the shutdown grace "
                                              "period ended \\(channel_vacated y\\)")));
        QCOMPARE(s.sender.abandon(), 1);
        QCOMPARE(s.of(QStringLiteral("b")).abandoned->Value(), 1.0);
        QCOMPARE(s.sender.deliveryLog().records(QStringLiteral("b")).first()->outcome, Outcome::Abandoned);
        QCOMPARE(s.sender.pendingCount(QStringLiteral("b")), 0);
    }
};

QTEST_GUILESS_MAIN(TestWebhookDelivery)
#include "tst_webhookdelivery.moc"
