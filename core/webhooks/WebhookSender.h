// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QUrl>

#include "apps/App.h"
#include "webhooks/WebhookEventType.h"
#include "webhooks/WebhookTarget.h"

class QNetworkAccessManager;
class QNetworkReply;

namespace qsoketi {

struct ServerConfig;

// Sends soketi's webhooks (spec §7) straight from the server thread with QNetworkAccessManager:
// nothing here blocks. Differences from soketi, on purpose:
//  - each webhook gets only the events that pass *its* event_types and filter (soketi posts the
//    whole unfiltered payload to every webhook that matched one event);
//  - batching (SOKETI_WEBHOOKS_BATCHING) collects events per app *and* per webhook (soketi has one
//    process-wide buffer sent with the first event's app credentials);
//  - a delivery fails on a network error, a timeout or a non-2xx status and is retried with
//    exponential back-off (Options::firstRetryDelayMs doubling up to maxRetryDelayMs, at most
//    maxAttempts attempts: 1 s, 2 s, 4 s, 8 s by default); soketi never retries and has no timeout;
//  - each app has a bounded queue: beyond maxPendingPerApp deliveries the oldest is dropped (logged).
// AWS Lambda webhooks are not sent (one warning per app at start-up).
class WebhookSender : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        bool batching = false;
        int batchingDurationMs = 50;
        int requestTimeoutMs = 10000;
        int maxAttempts = 5;
        int firstRetryDelayMs = 1000;
        int maxRetryDelayMs = 60000;
        int maxPendingPerApp = 10000;
        // Requests to one webhook on the wire at once (QNetworkAccessManager opens 6 connections per host).
        int maxInFlightPerWebhook = 6;

        static Options fromConfig(const ServerConfig &config);
    };

    // An app's webhooks are read the first time one of its events is sent, and again when the store
    // changes the app (updateApp).
    explicit WebhookSender(Options options, QObject *parent = nullptr);
    ~WebhookSender() override;

    // True when at least one webhook of the app wants this event type. Inline and nearly free for an
    // app without webhooks: the server calls the functions below on every subscribe and client event.
    bool wants(const App &app, WebhookEventType type)
    {
        return !app.webhooks.isEmpty() && (eventMask(app) & webhookEventBit(type));
    }

    void channelOccupied(const App &app, const QString &channel)
    {
        if (wants(app, WebhookEventType::ChannelOccupied))
            channelEvent(app, WebhookEventType::ChannelOccupied, channel);
    }
    void channelVacated(const App &app, const QString &channel)
    {
        if (wants(app, WebhookEventType::ChannelVacated))
            channelEvent(app, WebhookEventType::ChannelVacated, channel);
    }
    void cacheMiss(const App &app, const QString &channel)
    {
        if (wants(app, WebhookEventType::CacheMiss))
            channelEvent(app, WebhookEventType::CacheMiss, channel);
    }
    void memberAdded(const App &app, const QString &channel, const QString &userId)
    {
        if (wants(app, WebhookEventType::MemberAdded))
            memberEvent(app, WebhookEventType::MemberAdded, channel, userId);
    }
    void memberRemoved(const App &app, const QString &channel, const QString &userId)
    {
        if (wants(app, WebhookEventType::MemberRemoved))
            memberEvent(app, WebhookEventType::MemberRemoved, channel, userId);
    }
    // data as the client sent it; userId only for presence channels (empty otherwise).
    void clientEvent(const App &app, const QString &channel, const QString &event, const QJsonValue &data,
        const QString &socketId, const QString &userId)
    {
        if (wants(app, WebhookEventType::ClientEvent))
            clientEventSlow(app, channel, event, data, socketId, userId);
    }

    // The store changed the app: later events use its new webhooks, key and secret. Deliveries already
    // queued go out as they were made.
    void updateApp(const App &app);

    // Sends every partly filled batch now.
    void flushBatches();
    // Shutdown: flushes the batches and sends later events at once, so the channel_vacated and
    // member_removed webhooks of the disconnecting clients go out within the grace period.
    void drain();

    // Counters since start (dashboard, tests).
    qint64 deliveredCount() const { return m_delivered; }
    qint64 failedCount() const { return m_failed; } // gave up after maxAttempts
    qint64 droppedCount() const { return m_dropped; } // pushed out of a full queue
    qint64 retriedCount() const { return m_retried; }
    // Deliveries of the app not yet acknowledged: queued, waiting for a retry or on the wire.
    int pendingCount(const QString &appId) const;

signals:
    void delivered(const QString &appId, const QUrl &url, int attempts);
    void failed(const QString &appId, const QUrl &url, const QString &reason);

private:
    struct Target
    {
        WebhookTarget target;
        QJsonArray batch;
        QTimer batchTimer;
        int inFlight = 0;
        bool retired = false; // replaced by a change of the app: sends what it has queued, takes nothing new
    };
    struct Job
    {
        int target = 0;
        QByteArray body;
        QByteArray signature;
        int attempts = 0;
        qint64 readyAtMs = 0; // not before (retry back-off)
        quint64 sequence = 0; // enqueue order: the queue is sorted by it, the front is the oldest
    };
    struct AppHooks
    {
        QString appId;
        QByteArray key;
        QByteArray secret;
        quint32 eventMask = 0; // of the targets not retired
        QJsonArray source; // the app's webhooks the targets were made from
        bool configured = false;
        std::vector<std::unique_ptr<Target>> targets; // only grows: queued jobs refer to them by index
        std::deque<Job> queue; // waiting to be sent (new or retrying)
        int inFlight = 0; // all webhooks of the app
        QTimer retryTimer; // wakes the queue when the earliest retry is due
        qint64 droppedSinceWarning = 0;
        qint64 lastDropWarningMs = 0;
    };

    quint32 eventMask(const App &app);
    // The app's hooks, made on first use.
    AppHooks *hooksFor(const App &app);
    void configure(AppHooks &hooks, const App &app);
    void channelEvent(const App &app, WebhookEventType type, const QString &channel);
    void memberEvent(const App &app, WebhookEventType type, const QString &channel, const QString &userId);
    void clientEventSlow(const App &app, const QString &channel, const QString &event, const QJsonValue &data,
        const QString &socketId, const QString &userId);
    void dispatch(AppHooks &hooks, WebhookEventType type, const QString &channel, const QJsonObject &event);
    void flushBatch(AppHooks &hooks, int target);
    void flushBatchesOf(AppHooks &hooks);
    void enqueue(AppHooks &hooks, int target, const QJsonArray &events);
    void pump(AppHooks &hooks);
    void start(AppHooks &hooks, Job job);
    void finished(AppHooks &hooks, Job job, QNetworkReply *reply);
    int retryDelayMs(int attempts) const;

    const Options m_options;
    std::vector<std::unique_ptr<AppHooks>> m_apps;
    QHash<QString, AppHooks *> m_byId;
    std::unique_ptr<QNetworkAccessManager> m_network;
    quint64 m_sequence = 0;
    bool m_draining = false;
    qint64 m_delivered = 0;
    qint64 m_failed = 0;
    qint64 m_dropped = 0;
    qint64 m_retried = 0;
};

} // namespace qsoketi
