// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QUrl>

#include "apps/App.h"
#include "webhooks/WebhookDelivery.h"
#include "webhooks/WebhookEventType.h"
#include "webhooks/WebhookTarget.h"

namespace qsoketi {

class DeliveryLog;
class RetryPolicy;
class WebhookRequest;
struct DeliveryRecord;
struct WebhookMetrics;
struct WebhookOptions;

// What every app's webhooks share: settings, retry policy and the delivery log.
struct AppWebhooksContext
{
    const WebhookOptions &options;
    const RetryPolicy &retry;
    DeliveryLog &log;
    const bool &draining; // shutdown: everything waiting is due now, failures retried within the grace
};

// The webhooks of one app and their deliveries: batching, one queue per webhook, retries, the app's
// bound. Scheduling rules:
//  - each webhook has its own queue and request slots (maxInFlightPerWebhook connections of its own,
//    WebhookRequest), so a slow or hanging endpoint holds up only its own deliveries, never another
//    webhook's or another app's, even on the same host;
//  - within one webhook a channel's deliveries go out one at a time in event order (a later one waits
//    while an earlier one is on the wire or waiting for a retry); other channels pass it;
//  - deliveries waiting in all queues of the app are bounded: past maxPendingPerApp the oldest is
//    dropped, counted (webhook_dropped_total) and logged at most once per 10 s.
class AppWebhooks final : public QObject
{
    Q_OBJECT

public:
    AppWebhooks(const App &app, const AppWebhooksContext &context, WebhookMetrics &metrics, QObject *parent = nullptr);
    ~AppWebhooks() override;

    // Takes the app's current key, secret and webhooks. Changed webhooks replace the old ones, which
    // still send what they hold but take nothing new.
    void configure(const App &app);
    const QString &appId() const { return m_appId; }
    quint32 eventMask() const { return m_eventMask; }
    WebhookMetrics &metrics() { return m_metrics; }

    // An event for every webhook of the app that wants it (type and channel filter).
    void dispatch(WebhookEventType type, const QString &channel, const QJsonObject &event);
    void flushBatches();
    // A new delivery of a logged delivery's events with a fresh time_ms and signature; 0 (and *error)
    // when its webhook is no longer one of the app's.
    quint64 replay(const DeliveryRecord &record, QString *error);
    // Shutdown began: batches go now, retry waits end.
    void drain();
    // Shutdown ended: every delivery not yet answered is recorded as abandoned and logged; returns how many.
    int abandon();
    // Deliveries queued, waiting for a retry or on the wire, plus partly filled batches.
    int pendingCount() const;

signals:
    void delivered(const QString &appId, const QUrl &url, int attempts);
    void failed(const QString &appId, const QUrl &url, const QString &reason);

private:
    struct Target
    {
        WebhookTarget target;
        QJsonArray batch;
        qint64 batchStartedMs = 0;
        QTimer batchTimer;
        std::deque<WebhookDelivery> queue; // sorted by sequence
        int inFlight = 0;
        QHash<QString, int> channelsInFlight;
        bool retired = false; // replaced by a change of the app: sends what it has queued, takes nothing new
    };
    struct OnTheWire
    {
        WebhookDelivery delivery;
        qint64 startedMs = 0;
    };

    void flushBatch(int target);
    quint64 enqueue(int target, const QJsonArray &events, qint64 createdMs, quint64 replayOf = 0);
    void insertSorted(Target &target, WebhookDelivery delivery);
    void dropOldest();
    void pump();
    void pumpTarget(int index, qint64 now, qint64 *nextRetryMs);
    void start(WebhookDelivery delivery);
    void finished(WebhookRequest *request, int status, const QString &error);
    void updateQueueLength();

    const AppWebhooksContext &m_context;
    WebhookMetrics &m_metrics;
    QString m_appId;
    QByteArray m_key;
    QByteArray m_secret;
    quint32 m_eventMask = 0; // of the webhooks not retired
    QJsonArray m_source; // the app's webhooks the targets were made from
    bool m_configured = false;
    std::vector<std::unique_ptr<Target>> m_targets; // only grows: deliveries refer to them by index
    std::unordered_map<WebhookRequest *, OnTheWire> m_onTheWire; // the requests are children
    int m_queued = 0; // in all target queues
    quint64 m_sequence = 0;
    QTimer m_retryTimer; // wakes the queues when the earliest retry is due
    qint64 m_droppedSinceWarning = 0;
    qint64 m_lastDropWarningMs = 0;
};

} // namespace qsoketi
