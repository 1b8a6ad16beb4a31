// SPDX-License-Identifier: GPL-3.0-or-later
#include "webhooks/AppWebhooks.h"

#include <algorithm>
#include <climits>

#include <QDateTime>
#include <QJsonDocument>

#include "auth/HmacSigner.h"
#include "metrics/WebhookMetrics.h"
#include "webhooks/DeliveryLog.h"
#include "webhooks/RetryPolicy.h"
#include "webhooks/WebhookLogging.h"
#include "webhooks/WebhookOptions.h"
#include "webhooks/WebhookRequest.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

namespace qsoketi {

namespace {

using Outcome = DeliveryRecord::Outcome;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// At most one "queue full" line per app and interval, with the number dropped since the last one.
constexpr qint64 dropWarningIntervalMs = 10000;
// A queue is scanned this far for a delivery that may go (its channel free, its retry due): enough to
// pass the deliveries of a few retrying channels without making every pump linear in a full queue.
constexpr int lookAhead = 512;
// During shutdown a failed delivery is tried again this soon, as often as the grace period allows.
constexpr qint64 drainRetryMs = 250;

QStringList channelsOf(const QJsonArray &events)
{
    QStringList channels;
    for (const QJsonValue &event : events) {
        const QString channel = event.toObject().value(QLatin1String("channel")).toString();
        if (!channels.contains(channel))
            channels.append(channel);
    }
    return channels;
}

} // namespace

AppWebhooks::AppWebhooks(const App &app, const AppWebhooksContext &context, WebhookMetrics &metrics, QObject *parent)
    : QObject(parent)
    , m_context(context)
    , m_metrics(metrics)
    , m_appId(app.id)
{
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &AppWebhooks::pump);
    configure(app);
}

AppWebhooks::~AppWebhooks()
{
    // Requests still on the wire (children) must not call back into queues being destroyed.
    for (const auto &[request, wire] : m_onTheWire)
        request->abort();
}

void AppWebhooks::configure(const App &app)
{
    m_key = app.key.toUtf8();
    m_secret = app.secret.toUtf8();
    if (m_configured && m_source == app.webhooks)
        return;
    m_configured = true;
    m_source = app.webhooks;
    flushBatches();
    for (const auto &t : m_targets)
        t->retired = true;
    m_eventMask = 0;
    for (const QJsonValue entry : app.webhooks) {
        WebhookTarget target = WebhookTarget::fromJson(entry.toObject());
        if (!target.isValid() || target.eventMask() == 0)
            continue;
        auto t = std::make_unique<Target>();
        t->target = std::move(target);
        m_eventMask |= t->target.eventMask();
        const int index = int(m_targets.size());
        t->batchTimer.setSingleShot(true);
        t->batchTimer.setInterval(m_context.options.batchingDurationMs);
        connect(&t->batchTimer, &QTimer::timeout, this, [this, index] { flushBatch(index); });
        m_targets.push_back(std::move(t));
    }
    const auto active = std::count_if(m_targets.cbegin(), m_targets.cend(), [](const auto &t) { return !t->retired; });
    qCDebug(lcWebhooks).noquote() << "app" << app.id << "has" << active << "webhook(s)";
}

void AppWebhooks::dispatch(WebhookEventType type, const QString &channel, const QJsonObject &event)
{
    for (int i = 0; i < int(m_targets.size()); ++i) {
        Target &t = *m_targets[size_t(i)];
        if (t.retired || !t.target.matches(type, channel))
            continue;
        if (!m_context.options.batching || m_context.draining) {
            enqueue(i, QJsonArray{event}, nowMs());
            continue;
        }
        if (t.batch.isEmpty())
            t.batchStartedMs = nowMs();
        t.batch.append(event);
        if (!t.batchTimer.isActive())
            t.batchTimer.start();
    }
}

void AppWebhooks::flushBatch(int target)
{
    Target &t = *m_targets[size_t(target)];
    t.batchTimer.stop();
    if (t.batch.isEmpty())
        return;
    const QJsonArray events = std::exchange(t.batch, QJsonArray());
    enqueue(target, events, t.batchStartedMs);
}

void AppWebhooks::flushBatches()
{
    for (int i = 0; i < int(m_targets.size()); ++i)
        flushBatch(i);
}

quint64 AppWebhooks::enqueue(int target, const QJsonArray &events, qint64 createdMs, quint64 replayOf)
{
    const Target &t = *m_targets[size_t(target)];
    WebhookDelivery delivery;
    delivery.target = target;
    delivery.body =
        QJsonDocument(QJsonObject{{QStringLiteral("time_ms"), double(nowMs())}, {QStringLiteral("events"), events}})
            .toJson(QJsonDocument::Compact);
    delivery.signature = HmacSigner::sign(m_secret, delivery.body);
    delivery.channels = channelsOf(events);
    delivery.createdMs = createdMs;
    delivery.sequence = ++m_sequence;

    DeliveryRecord record;
    record.appId = m_appId;
    record.url = t.target.displayUrl();
    record.target = target;
    record.createdMs = createdMs;
    record.events = events;
    record.replayOf = replayOf;
    delivery.id = m_context.log.add(std::move(record)).id;
    const quint64 id = delivery.id;

    m_targets[size_t(target)]->queue.push_back(std::move(delivery));
    ++m_queued;
    const int limit = std::max(m_context.options.maxPendingPerApp, 1);
    while (m_queued > limit)
        dropOldest();
    pump();
    return id;
}

void AppWebhooks::insertSorted(Target &target, WebhookDelivery delivery)
{
    const auto at = std::upper_bound(target.queue.begin(), target.queue.end(), delivery.sequence,
        [](quint64 sequence, const WebhookDelivery &d) { return sequence < d.sequence; });
    target.queue.insert(at, std::move(delivery));
    ++m_queued;
}

void AppWebhooks::dropOldest()
{
    // Each queue is sorted: the oldest delivery of the app is the front of one of them.
    Target *oldest = nullptr;
    for (const auto &t : m_targets)
        if (!t->queue.empty() && (!oldest || t->queue.front().sequence < oldest->queue.front().sequence))
            oldest = t.get();
    if (!oldest)
        return;
    const WebhookDelivery dropped = std::move(oldest->queue.front());
    oldest->queue.pop_front();
    --m_queued;
    m_metrics.dropped->Increment();
    if (DeliveryRecord *record = m_context.log.find(dropped.id)) {
        record->outcome = Outcome::Dropped;
        record->finishedMs = nowMs();
        m_context.log.touch();
    }
    ++m_droppedSinceWarning;
    const qint64 now = nowMs();
    if (now - m_lastDropWarningMs >= dropWarningIntervalMs) {
        qCWarning(lcWebhooks).nospace().noquote()
            << "app " << m_appId << ": webhook queue full (" << m_context.options.maxPendingPerApp
            << " pending), dropped the oldest " << m_droppedSinceWarning
            << " deliveries; the endpoints are slower than the events (raise SOKETI_WEBHOOKS_MAX_QUEUE_PER_APP "
               "or fix the endpoint)";
        m_lastDropWarningMs = now;
        m_droppedSinceWarning = 0;
    }
}

void AppWebhooks::pump()
{
    const qint64 now = nowMs();
    qint64 nextRetryMs = 0;
    for (int i = 0; i < int(m_targets.size()); ++i)
        pumpTarget(i, now, &nextRetryMs);
    updateQueueLength();
    if (nextRetryMs != 0) {
        const qint64 wait = std::max<qint64>(nextRetryMs - now, 0);
        if (!m_retryTimer.isActive() || m_retryTimer.remainingTime() > wait)
            m_retryTimer.start(int(std::min<qint64>(wait, INT_MAX)));
    }
}

void AppWebhooks::pumpTarget(int index, qint64 now, qint64 *nextRetryMs)
{
    Target &t = *m_targets[size_t(index)];
    const int capacity = std::max(m_context.options.maxInFlightPerWebhook, 1);
    QSet<QString> passedOver; // channels of deliveries that stay: later ones of these channels wait too
    int looked = 0;
    auto it = t.queue.begin();
    while (it != t.queue.end() && t.inFlight < capacity && looked++ < lookAhead) {
        bool free = true;
        for (const QString &channel : std::as_const(it->channels))
            free = free && !t.channelsInFlight.contains(channel) && !passedOver.contains(channel);
        const bool due = it->readyAtMs <= now || m_context.draining;
        if (free && due) {
            WebhookDelivery delivery = std::move(*it);
            it = t.queue.erase(it);
            --m_queued;
            start(std::move(delivery));
            continue;
        }
        if (free) // only its back-off holds it: wake up for it
            *nextRetryMs = *nextRetryMs == 0 ? it->readyAtMs : std::min(*nextRetryMs, it->readyAtMs);
        for (const QString &channel : std::as_const(it->channels))
            passedOver.insert(channel);
        ++it;
    }
}

void AppWebhooks::start(WebhookDelivery delivery)
{
    Target &t = *m_targets[size_t(delivery.target)];
    m_metrics.attempts->Increment();
    if (delivery.attempts > 0)
        m_metrics.retries->Increment();
    ++delivery.attempts;
    ++t.inFlight;
    for (const QString &channel : std::as_const(delivery.channels))
        ++t.channelsInFlight[channel];
    auto *request = new WebhookRequest(t.target.url(), t.target.requestHeaders(m_key, delivery.signature),
        delivery.body, m_context.options.requestTimeoutMs, this);
    m_onTheWire.emplace(request, OnTheWire{std::move(delivery), nowMs()});
    // Queued: an answer never re-enters the queue scan that started the request.
    connect(
        request, &WebhookRequest::finished, this,
        [this, request](const WebhookRequest::Result &result) { finished(request, result.status, result.error); },
        Qt::QueuedConnection);
    request->start();
}

void AppWebhooks::finished(WebhookRequest *request, int status, const QString &error)
{
    const auto found = m_onTheWire.find(request);
    if (found == m_onTheWire.end())
        return; // abandoned meanwhile (and deleted there)
    request->deleteLater();
    WebhookDelivery delivery = std::move(found->second.delivery);
    const qint64 startedMs = found->second.startedMs;
    m_onTheWire.erase(found);
    Target &t = *m_targets[size_t(delivery.target)];
    --t.inFlight;
    for (const QString &channel : std::as_const(delivery.channels))
        if (--t.channelsInFlight[channel] <= 0)
            t.channelsInFlight.remove(channel);

    const qint64 now = nowMs();
    const bool ok = status >= 200 && status < 300;
    const QString reason = ok ? QString() : status != 0 ? QStringLiteral("HTTP status %1").arg(status) : error;
    DeliveryRecord *record = m_context.log.find(delivery.id);
    if (record) {
        record->addAttempt({startedMs, status, reason, now - startedMs});
        m_context.log.touch();
    }

    if (ok) {
        m_metrics.delivered->Increment();
        m_metrics.deliverySeconds->Observe(double(now - delivery.createdMs) / 1000.0);
        if (record) {
            record->outcome = Outcome::Delivered;
            record->finishedMs = now;
        }
        qCDebug(lcWebhooks).noquote() << "app" << m_appId << "webhook delivered to" << t.target.displayUrl() << "after"
                                      << delivery.attempts << "attempt(s)," << (now - delivery.createdMs)
                                      << "ms after the event";
        emit delivered(m_appId, t.target.url(), delivery.attempts);
        pump();
        return;
    }
    std::optional<qint64> next = m_context.retry.nextAttemptAt(delivery.attempts, delivery.createdMs, now);
    if (next && m_context.draining)
        next = std::min(*next, now + drainRetryMs);
    if (next) {
        qCDebug(lcWebhooks).noquote() << "app" << m_appId << "webhook to" << t.target.displayUrl() << "failed ("
                                      << reason << "), retrying in" << (*next - now) << "ms";
        delivery.readyAtMs = *next;
        if (record) {
            record->outcome = Outcome::Retrying;
            record->nextAttemptMs = *next;
        }
        // In sequence order, so a full queue still drops the oldest delivery first.
        insertSorted(t, std::move(delivery));
    } else {
        m_metrics.failed->Increment();
        if (record) {
            record->outcome = Outcome::Failed;
            record->finishedMs = now;
        }
        qCWarning(lcWebhooks).nospace().noquote()
            << "app " << m_appId << ": webhook to " << t.target.displayUrl() << " failed " << delivery.attempts
            << " times in " << (now - delivery.createdMs) / 1000 << " s (last: " << reason << "), giving up; delivery "
            << delivery.id << " can be replayed from the delivery log";
        emit failed(m_appId, t.target.url(), reason);
    }
    pump();
}

quint64 AppWebhooks::replay(const DeliveryRecord &record, QString *error)
{
    // The same webhook if the app still has it, else the app's current webhook with that URL.
    int target = -1;
    if (record.target < int(m_targets.size()) && !m_targets[size_t(record.target)]->retired)
        target = record.target;
    for (int i = 0; target < 0 && i < int(m_targets.size()); ++i)
        if (!m_targets[size_t(i)]->retired && m_targets[size_t(i)]->target.displayUrl() == record.url)
            target = i;
    if (target < 0) {
        *error = QStringLiteral("app %1 no longer has a webhook at %2").arg(m_appId, record.url);
        return 0;
    }
    qCInfo(lcWebhooks).noquote() << "app" << m_appId << "replays delivery" << record.id << "to" << record.url;
    return enqueue(target, record.events, nowMs(), record.id);
}

void AppWebhooks::drain()
{
    flushBatches();
    pump();
}

int AppWebhooks::abandon()
{
    flushBatches();
    const qint64 now = nowMs();
    QList<quint64> ids;
    for (const auto &t : m_targets) {
        for (const WebhookDelivery &d : t->queue)
            ids.append(d.id);
        t->queue.clear();
    }
    m_queued = 0;
    for (const auto &[request, wire] : m_onTheWire) {
        ids.append(wire.delivery.id);
        request->abort();
        request->deleteLater();
    }
    m_onTheWire.clear();
    for (const auto &t : m_targets) {
        t->inFlight = 0;
        t->channelsInFlight.clear();
    }
    std::sort(ids.begin(), ids.end()); // oldest first in the log line
    QStringList what;
    for (const quint64 id : std::as_const(ids)) {
        m_metrics.abandoned->Increment();
        if (DeliveryRecord *record = m_context.log.find(id)) {
            record->outcome = Outcome::Abandoned;
            record->finishedMs = now;
            if (what.size() < 5)
                what.append(record->eventSummary());
        }
    }
    if (!ids.isEmpty()) {
        m_context.log.touch();
        qCWarning(lcWebhooks).nospace().noquote()
            << "app " << m_appId << ": " << ids.size()
            << " webhook deliveries were not sent before the shutdown grace period ended (" << what.join(u"; ")
            << (ids.size() > what.size() ? QStringLiteral("; …") : QString())
            << "); raise SOKETI_SHUTDOWN_GRACE_PERIOD to give endpoints more time";
    }
    updateQueueLength();
    return int(ids.size());
}

int AppWebhooks::pendingCount() const
{
    int batched = 0;
    for (const auto &t : m_targets)
        batched += t->batch.isEmpty() ? 0 : 1;
    return m_queued + int(m_onTheWire.size()) + batched;
}

void AppWebhooks::updateQueueLength()
{
    m_metrics.queueLength->Set(double(m_queued + int(m_onTheWire.size())));
}

} // namespace qsoketi
