// SPDX-License-Identifier: GPL-3.0-or-later
#include "webhooks/WebhookSender.h"

#include <QThread>

#include "metrics/MetricsRegistry.h"
#include "threading/ThreadHandOff.h"
#include "webhooks/WebhookLogging.h"

#include <prometheus/counter.h>

namespace qsoketi {

WebhookSender::WebhookSender(Options options, MetricsRegistry &metrics, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_retry(options.retry)
    , m_metrics(metrics)
    , m_log(options.deliveryLogSize)
    , m_context{m_options, m_retry, m_log, m_draining}
{}

WebhookSender::~WebhookSender()
{
    // The apps abort their requests before the log they write to goes.
    m_byId.clear();
    m_apps.clear();
}

AppWebhooks &WebhookSender::hooksFor(const App &app)
{
    if (AppWebhooks *h = m_byId.value(app.id))
        return *h;
    auto hooks = std::make_unique<AppWebhooks>(app, m_context, m_metrics.webhooksForApp(app.id));
    AppWebhooks *h = hooks.get();
    connect(h, &AppWebhooks::delivered, this, &WebhookSender::delivered);
    connect(h, &AppWebhooks::failed, this, &WebhookSender::failed);
    m_byId.insert(app.id, h);
    m_apps.push_back(std::move(hooks));
    return *h;
}

quint32 WebhookSender::eventMaskOf(const App &app)
{
    const std::lock_guard lock(m_masksMutex);
    auto it = m_masks.find(app.id);
    // Copies of one app share their webhooks array, so this comparison is a pointer check.
    if (it != m_masks.end() && it->first == app.webhooks)
        return it->second;
    quint32 mask = 0;
    int lambdas = 0;
    for (const QJsonValue entry : app.webhooks) {
        bool lambda = false;
        const WebhookTarget target = WebhookTarget::fromJson(entry.toObject(), &lambda);
        lambdas += lambda;
        if (target.isValid())
            mask |= target.eventMask();
    }
    if (lambdas > 0) // once per app and set of webhooks
        qCWarning(lcWebhooks).nospace().noquote() << "app " << app.id << ": " << lambdas
                                                  << " AWS Lambda webhook(s) ignored; qsoketi sends HTTP webhooks only";
    m_masks.insert(app.id, {app.webhooks, mask});
    return mask;
}

void WebhookSender::updateApp(const App &app)
{
    if (AppWebhooks *h = m_byId.value(app.id))
        h->configure(app);
}

void WebhookSender::channelEvent(const App &app, WebhookEventType type, const QString &channel)
{
    if (QThread::currentThread() != thread()) {
        ThreadHandOff::post(
            this, [this, app, type, channel] { channelEvent(app, type, channel); }, Qt::QueuedConnection);
        return;
    }
    hooksFor(app).dispatch(type, channel,
        QJsonObject{{QStringLiteral("name"), webhookEventName(type)}, {QStringLiteral("channel"), channel}});
}

void WebhookSender::memberEvent(const App &app, WebhookEventType type, const QString &channel, const QString &userId)
{
    if (QThread::currentThread() != thread()) {
        ThreadHandOff::post(
            this, [this, app, type, channel, userId] { memberEvent(app, type, channel, userId); },
            Qt::QueuedConnection);
        return;
    }
    hooksFor(app).dispatch(type, channel,
        QJsonObject{{QStringLiteral("name"), webhookEventName(type)}, {QStringLiteral("channel"), channel},
            {QStringLiteral("user_id"), userId}});
}

void WebhookSender::clientEventSlow(const App &app, const QString &channel, const QString &event,
    const QJsonValue &data, const QString &socketId, const QString &userId)
{
    if (QThread::currentThread() != thread()) {
        ThreadHandOff::post(
            this,
            [this, app, channel, event, data, socketId, userId] {
                clientEventSlow(app, channel, event, data, socketId, userId);
            },
            Qt::QueuedConnection);
        return;
    }
    QJsonObject object{{QStringLiteral("name"), webhookEventName(WebhookEventType::ClientEvent)},
        {QStringLiteral("channel"), channel}, {QStringLiteral("event"), event}, {QStringLiteral("data"), data},
        {QStringLiteral("socket_id"), socketId}};
    if (!userId.isEmpty())
        object.insert(QStringLiteral("user_id"), userId);
    hooksFor(app).dispatch(WebhookEventType::ClientEvent, channel, object);
}

quint64 WebhookSender::replay(quint64 deliveryId, QString *error)
{
    const DeliveryRecord *record = m_log.find(deliveryId);
    if (!record) {
        *error = QStringLiteral("no delivery %1 in the delivery log (it keeps the last %2 of each app)")
                     .arg(deliveryId)
                     .arg(m_log.perApp());
        return 0;
    }
    AppWebhooks *hooks = m_byId.value(record->appId);
    if (!hooks) {
        *error = QStringLiteral("app %1 has no webhooks").arg(record->appId);
        return 0;
    }
    const DeliveryRecord copy = *record; // enqueueing may push the original out of the log
    return hooks->replay(copy, error);
}

void WebhookSender::flushBatches()
{
    for (const auto &hooks : m_apps)
        hooks->flushBatches();
}

void WebhookSender::drain()
{
    m_draining = true;
    for (const auto &hooks : m_apps)
        hooks->drain();
}

int WebhookSender::abandon()
{
    int abandoned = 0;
    for (const auto &hooks : m_apps)
        abandoned += hooks->abandon();
    return abandoned;
}

qint64 WebhookSender::sum(double (*read)(const WebhookMetrics &)) const
{
    double total = 0;
    for (const auto &hooks : m_apps)
        total += read(hooks->metrics());
    return qint64(total);
}

qint64 WebhookSender::deliveredCount() const
{
    return sum([](const WebhookMetrics &m) { return m.delivered->Value(); });
}

qint64 WebhookSender::failedCount() const
{
    return sum([](const WebhookMetrics &m) { return m.failed->Value(); });
}

qint64 WebhookSender::droppedCount() const
{
    return sum([](const WebhookMetrics &m) { return m.dropped->Value(); });
}

qint64 WebhookSender::retriedCount() const
{
    return sum([](const WebhookMetrics &m) { return m.retries->Value(); });
}

int WebhookSender::pendingCount(const QString &appId) const
{
    const AppWebhooks *h = m_byId.value(appId);
    return h ? h->pendingCount() : 0;
}

} // namespace qsoketi
