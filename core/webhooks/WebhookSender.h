// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QUrl>

#include "apps/App.h"
#include "webhooks/AppWebhooks.h"
#include "webhooks/DeliveryLog.h"
#include "webhooks/RetryPolicy.h"
#include "webhooks/WebhookEventType.h"
#include "webhooks/WebhookOptions.h"

namespace qsoketi {

class MetricsRegistry;

// Sends soketi's webhooks (spec §7) straight from the server thread (WebhookRequest): nothing here blocks. Differences
// from soketi, on purpose (docs/webhooks.md):
//  - each webhook gets only the events that pass *its* event_types and filter (soketi posts the
//    whole unfiltered payload to every webhook that matched one event);
//  - batching (SOKETI_WEBHOOKS_BATCHING) collects events per app *and* per webhook (soketi has one
//    process-wide buffer sent with the first event's app credentials);
//  - a delivery fails on a network error, a timeout or a non-2xx status and is retried with
//    exponential back-off and jitter for up to 5 minutes (RetryPolicy); soketi never retries;
//  - queues, ordering and the per-app bound are AppWebhooks'; every delivery is recorded in a bounded
//    DeliveryLog (admin endpoint, dashboard) and can be replayed; counts live in the metrics registry.
// AWS Lambda webhooks are not sent (one warning per app at start-up).
class WebhookSender : public QObject
{
    Q_OBJECT

public:
    using Options = WebhookOptions;

    // An app's webhooks are read the first time one of its events is sent, and again when the store
    // changes the app (updateApp).
    WebhookSender(Options options, MetricsRegistry &metrics, QObject *parent = nullptr);
    ~WebhookSender() override;

    // True when at least one webhook of the app wants this event type. Inline and nearly free for an
    // app without webhooks: the server calls the functions below on every subscribe and client event.
    // The functions below may be called from any worker's thread: the sender lives on one thread, and
    // an event from another is queued to it (one copy of the app, only for an event some webhook wants).
    bool wants(const App &app, WebhookEventType type)
    {
        return !app.webhooks.isEmpty() && (eventMaskOf(app) & webhookEventBit(type));
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

    // Sends a logged delivery's events again, signed now with the app's current secret. Returns the new
    // delivery's id, or 0 with a one-line reason in *error (unknown id, the webhook is gone).
    quint64 replay(quint64 deliveryId, QString *error);
    const DeliveryLog &deliveryLog() const { return m_log; }

    // Sends every partly filled batch now.
    void flushBatches();
    // Shutdown, step 1: flushes the batches, sends later events at once and ends retry waits, so the
    // channel_vacated and member_removed webhooks of the disconnecting clients go out within the grace
    // period (a failed one is tried again every 250 ms meanwhile).
    void drain();
    // Shutdown, step 2 (the grace period is over): every delivery still unanswered is recorded as
    // abandoned and logged, one line per app. Returns how many.
    int abandon();

    // Totals over every app, read from the metrics registry (tests).
    qint64 deliveredCount() const;
    qint64 failedCount() const; // gave up: retry window over (or maxAttempts)
    qint64 droppedCount() const; // pushed out of a full queue
    qint64 retriedCount() const;
    // Deliveries of the app not yet acknowledged: queued, waiting for a retry or on the wire.
    int pendingCount(const QString &appId) const;

signals:
    void delivered(const QString &appId, const QUrl &url, int attempts);
    void failed(const QString &appId, const QUrl &url, const QString &reason);

private:
    // The event types the app's webhooks want, from any thread (cached per app while its webhooks are
    // the same array).
    quint32 eventMaskOf(const App &app);
    // The app's webhooks, made on first use (the sender's thread only).
    AppWebhooks &hooksFor(const App &app);
    void channelEvent(const App &app, WebhookEventType type, const QString &channel);
    void memberEvent(const App &app, WebhookEventType type, const QString &channel, const QString &userId);
    void clientEventSlow(const App &app, const QString &channel, const QString &event, const QJsonValue &data,
        const QString &socketId, const QString &userId);
    qint64 sum(double (*read)(const WebhookMetrics &)) const;

    const Options m_options;
    const RetryPolicy m_retry;
    MetricsRegistry &m_metrics;
    DeliveryLog m_log;
    bool m_draining = false;
    const AppWebhooksContext m_context;
    std::vector<std::unique_ptr<AppWebhooks>> m_apps;
    QHash<QString, AppWebhooks *> m_byId;
    std::mutex m_masksMutex;
    QHash<QString, std::pair<QJsonArray, quint32>> m_masks; // app id → (its webhooks, their event mask)
};

} // namespace qsoketi
