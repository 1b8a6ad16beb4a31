// SPDX-License-Identifier: GPL-3.0-or-later
#include "webhooks/WebhookSender.h"

#include <algorithm>

#include <QDateTime>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

#include "auth/HmacSigner.h"
#include "config/ServerConfig.h"

// Debug output is off unless SOKETI_DEBUG is set (the app enables "qsoketi.*.debug=true" then).
Q_LOGGING_CATEGORY(lcWebhooks, "qsoketi.webhooks", QtInfoMsg)

namespace qsoketi {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// At most one "queue full" line per app and interval, with the number dropped since the last one.
constexpr qint64 dropWarningIntervalMs = 10000;

} // namespace

WebhookSender::Options WebhookSender::Options::fromConfig(const ServerConfig &config)
{
    Options options;
    options.batching = config.webhooksBatching;
    options.batchingDurationMs = config.webhooksBatchingDurationMs;
    return options;
}

WebhookSender::WebhookSender(Options options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_network(std::make_unique<QNetworkAccessManager>())
{
    // A webhook answering with a redirect is misconfigured; re-posting the body elsewhere is not ours to do.
    m_network->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    m_network->setTransferTimeout(m_options.requestTimeoutMs);
}

void WebhookSender::configure(AppHooks &hooks, const App &app)
{
    hooks.key = app.key.toUtf8();
    hooks.secret = app.secret.toUtf8();
    if (hooks.configured && hooks.source == app.webhooks)
        return;
    hooks.configured = true;
    hooks.source = app.webhooks;
    for (const auto &t : hooks.targets) {
        t->retired = true;
        t->batchTimer.stop();
    }
    flushBatchesOf(hooks);
    hooks.eventMask = 0;
    int lambdas = 0;
    AppHooks *h = &hooks;
    for (const QJsonValue entry : app.webhooks) {
        bool lambda = false;
        WebhookTarget target = WebhookTarget::fromJson(entry.toObject(), &lambda);
        lambdas += lambda;
        if (!target.isValid() || target.eventMask() == 0)
            continue;
        auto t = std::make_unique<Target>();
        t->target = std::move(target);
        hooks.eventMask |= t->target.eventMask();
        const int index = int(hooks.targets.size());
        t->batchTimer.setSingleShot(true);
        t->batchTimer.setInterval(m_options.batchingDurationMs);
        connect(&t->batchTimer, &QTimer::timeout, this, [this, h, index] { flushBatch(*h, index); });
        hooks.targets.push_back(std::move(t));
    }
    if (lambdas > 0)
        qCWarning(lcWebhooks).nospace().noquote() << "app " << app.id << ": " << lambdas
                                                  << " AWS Lambda webhook(s) ignored; qsoketi sends HTTP webhooks only";
    const auto active =
        std::count_if(hooks.targets.cbegin(), hooks.targets.cend(), [](const auto &t) { return !t->retired; });
    qCDebug(lcWebhooks).noquote() << "app" << app.id << "has" << active << "webhook(s)";
}

WebhookSender::AppHooks *WebhookSender::hooksFor(const App &app)
{
    if (AppHooks *h = m_byId.value(app.id))
        return h;
    auto hooks = std::make_unique<AppHooks>();
    AppHooks *h = hooks.get();
    h->appId = app.id;
    h->retryTimer.setSingleShot(true);
    connect(&h->retryTimer, &QTimer::timeout, this, [this, h] { pump(*h); });
    configure(*h, app);
    m_byId.insert(app.id, h);
    m_apps.push_back(std::move(hooks));
    return h;
}

void WebhookSender::updateApp(const App &app)
{
    if (AppHooks *h = m_byId.value(app.id))
        configure(*h, app);
}

WebhookSender::~WebhookSender()
{
    // Replies still on the wire must not call back into the queues being destroyed.
    const auto replies = m_network->findChildren<QNetworkReply *>();
    for (QNetworkReply *reply : replies) {
        reply->disconnect(this);
        reply->abort();
    }
    m_network.reset();
}

quint32 WebhookSender::eventMask(const App &app)
{
    const AppHooks *h = hooksFor(app);
    return h ? h->eventMask : 0;
}

int WebhookSender::pendingCount(const QString &appId) const
{
    const AppHooks *h = m_byId.value(appId);
    if (!h)
        return 0;
    int batched = 0;
    for (const auto &t : h->targets)
        batched += t->batch.isEmpty() ? 0 : 1;
    return int(h->queue.size()) + h->inFlight + batched;
}

void WebhookSender::channelEvent(const App &app, WebhookEventType type, const QString &channel)
{
    if (AppHooks *h = hooksFor(app))
        dispatch(*h, type, channel,
            QJsonObject{{QStringLiteral("name"), webhookEventName(type)}, {QStringLiteral("channel"), channel}});
}

void WebhookSender::memberEvent(const App &app, WebhookEventType type, const QString &channel, const QString &userId)
{
    if (AppHooks *h = hooksFor(app))
        dispatch(*h, type, channel,
            QJsonObject{{QStringLiteral("name"), webhookEventName(type)}, {QStringLiteral("channel"), channel},
                {QStringLiteral("user_id"), userId}});
}

void WebhookSender::clientEventSlow(const App &app, const QString &channel, const QString &event,
    const QJsonValue &data, const QString &socketId, const QString &userId)
{
    AppHooks *h = hooksFor(app);
    if (!h)
        return;
    QJsonObject object{{QStringLiteral("name"), webhookEventName(WebhookEventType::ClientEvent)},
        {QStringLiteral("channel"), channel}, {QStringLiteral("event"), event}, {QStringLiteral("data"), data},
        {QStringLiteral("socket_id"), socketId}};
    if (!userId.isEmpty())
        object.insert(QStringLiteral("user_id"), userId);
    dispatch(*h, WebhookEventType::ClientEvent, channel, object);
}

void WebhookSender::dispatch(AppHooks &hooks, WebhookEventType type, const QString &channel, const QJsonObject &event)
{
    for (int i = 0; i < int(hooks.targets.size()); ++i) {
        Target &t = *hooks.targets[size_t(i)];
        if (t.retired || !t.target.matches(type, channel))
            continue;
        if (!m_options.batching || m_draining) {
            enqueue(hooks, i, QJsonArray{event});
            continue;
        }
        t.batch.append(event);
        if (!t.batchTimer.isActive())
            t.batchTimer.start();
    }
}

void WebhookSender::flushBatch(AppHooks &hooks, int target)
{
    Target &t = *hooks.targets[size_t(target)];
    t.batchTimer.stop();
    if (t.batch.isEmpty())
        return;
    const QJsonArray events = std::exchange(t.batch, QJsonArray());
    enqueue(hooks, target, events);
}

void WebhookSender::flushBatches()
{
    for (const auto &hooks : m_apps)
        flushBatchesOf(*hooks);
}

void WebhookSender::flushBatchesOf(AppHooks &hooks)
{
    for (int i = 0; i < int(hooks.targets.size()); ++i)
        flushBatch(hooks, i);
}

void WebhookSender::drain()
{
    m_draining = true;
    flushBatches();
}

void WebhookSender::enqueue(AppHooks &hooks, int target, const QJsonArray &events)
{
    Job job;
    job.target = target;
    job.body =
        QJsonDocument(QJsonObject{{QStringLiteral("time_ms"), double(nowMs())}, {QStringLiteral("events"), events}})
            .toJson(QJsonDocument::Compact);
    job.signature = HmacSigner::sign(hooks.secret, job.body);
    job.sequence = ++m_sequence;
    hooks.queue.push_back(std::move(job));

    const auto limit = size_t(std::max(m_options.maxPendingPerApp, 1));
    if (hooks.queue.size() > limit) {
        const size_t excess = hooks.queue.size() - limit;
        hooks.queue.erase(hooks.queue.begin(), hooks.queue.begin() + std::ptrdiff_t(excess));
        m_dropped += qint64(excess);
        hooks.droppedSinceWarning += qint64(excess);
        const qint64 now = nowMs();
        if (now - hooks.lastDropWarningMs >= dropWarningIntervalMs) {
            qCWarning(lcWebhooks).nospace().noquote()
                << "app " << hooks.appId << ": webhook queue full (" << limit << " pending), dropped the oldest "
                << hooks.droppedSinceWarning << " deliveries";
            hooks.lastDropWarningMs = now;
            hooks.droppedSinceWarning = 0;
        }
    }
    pump(hooks);
}

void WebhookSender::pump(AppHooks &hooks)
{
    const qint64 now = nowMs();
    qint64 nextRetryMs = 0;
    // Each webhook has its own slots, so a slow or hanging endpoint does not hold up the app's others.
    int targetsWithRoom = 0;
    for (const auto &t : hooks.targets)
        targetsWithRoom += t->inFlight < m_options.maxInFlightPerWebhook;
    auto it = hooks.queue.begin();
    while (targetsWithRoom > 0 && it != hooks.queue.end()) {
        if (it->readyAtMs > now) {
            nextRetryMs = nextRetryMs == 0 ? it->readyAtMs : std::min(nextRetryMs, it->readyAtMs);
            ++it;
            continue;
        }
        Target &t = *hooks.targets[size_t(it->target)];
        if (t.inFlight >= m_options.maxInFlightPerWebhook) {
            ++it;
            continue;
        }
        Job job = std::move(*it);
        it = hooks.queue.erase(it);
        start(hooks, std::move(job));
        targetsWithRoom -= t.inFlight >= m_options.maxInFlightPerWebhook;
    }
    // The loop stops early only when every slot is busy: a finishing request pumps again then.
    if (it == hooks.queue.end() && nextRetryMs != 0) {
        const qint64 wait = nextRetryMs - now;
        if (!hooks.retryTimer.isActive() || hooks.retryTimer.remainingTime() > wait)
            hooks.retryTimer.start(int(std::clamp<qint64>(wait, 0, INT_MAX)));
    }
}

void WebhookSender::start(AppHooks &hooks, Job job)
{
    Target &t = *hooks.targets[size_t(job.target)];
    QNetworkRequest request(t.target.url());
    // Same order as soketi: defaults, the webhook's own headers (which may override them), then the
    // two signature headers, which nothing overrides.
    request.setRawHeader("Accept", "application/json");
    request.setRawHeader("Content-Type", "application/json");
    request.setRawHeader("User-Agent", "QsoketiWebhooksClient/1.0");
    for (const auto &[name, value] : t.target.headers())
        request.setRawHeader(name, value);
    request.setRawHeader("X-Pusher-Key", hooks.key);
    request.setRawHeader("X-Pusher-Signature", job.signature);
    request.setTransferTimeout(m_options.requestTimeoutMs);

    ++job.attempts;
    ++hooks.inFlight;
    ++t.inFlight;
    QNetworkReply *reply = m_network->post(request, job.body);
    AppHooks *h = &hooks;
    connect(reply, &QNetworkReply::finished, this,
        [this, h, reply, job = std::move(job)]() mutable { finished(*h, std::move(job), reply); });
}

void WebhookSender::finished(AppHooks &hooks, Job job, QNetworkReply *reply)
{
    reply->deleteLater();
    --hooks.inFlight;
    Target &t = *hooks.targets[size_t(job.target)];
    --t.inFlight;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status >= 200 && status < 300) {
        ++m_delivered;
        qCDebug(lcWebhooks).noquote() << "app" << hooks.appId << "webhook delivered to" << t.target.displayUrl()
                                      << "after" << job.attempts << "attempt(s)";
        emit delivered(hooks.appId, t.target.url(), job.attempts);
        pump(hooks);
        return;
    }
    const QString reason = status != 0 ? QStringLiteral("HTTP status %1").arg(status) : reply->errorString();
    if (job.attempts < m_options.maxAttempts) {
        const int delay = retryDelayMs(job.attempts);
        ++m_retried;
        qCDebug(lcWebhooks).noquote() << "app" << hooks.appId << "webhook to" << t.target.displayUrl() << "failed ("
                                      << reason << "), retrying in" << delay << "ms";
        job.readyAtMs = nowMs() + delay;
        // Keep the queue in enqueue order so a full queue drops the oldest delivery first.
        const auto at = std::upper_bound(hooks.queue.begin(), hooks.queue.end(), job.sequence,
            [](quint64 sequence, const Job &j) { return sequence < j.sequence; });
        hooks.queue.insert(at, std::move(job));
    } else {
        ++m_failed;
        qCWarning(lcWebhooks).nospace().noquote()
            << "app " << hooks.appId << ": webhook to " << t.target.displayUrl() << " failed " << job.attempts
            << " times (last: " << reason << "), giving up";
        emit failed(hooks.appId, t.target.url(), reason);
    }
    pump(hooks);
}

int WebhookSender::retryDelayMs(int attempts) const
{
    // attempts = tries so far (>= 1): first, 2 × first, 4 × first, … capped.
    qint64 delay = m_options.firstRetryDelayMs;
    for (int i = 1; i < attempts && delay < m_options.maxRetryDelayMs; ++i)
        delay *= 2;
    return int(std::min<qint64>(delay, m_options.maxRetryDelayMs));
}

} // namespace qsoketi
