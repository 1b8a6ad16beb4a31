// SPDX-License-Identifier: GPL-3.0-or-later
#include "adapter/HorizontalAdapter.h"

#include <QJsonDocument>
#include <QUuid>

#include "logging/LogCategories.h"
#include "metrics/MetricsRegistry.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

namespace qsoketi {

namespace {

QByteArray toJson(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

HorizontalAdapter::HorizontalAdapter(int requestsTimeoutMs, MetricsRegistry &metrics, QObject *parent)
    : QObject(parent)
    , m_requestsTimeoutMs(requestsTimeoutMs)
    , m_metrics(metrics)
    , m_uuid(QUuid::createUuid().toString(QUuid::WithoutBraces))
{
    m_clock.start();
    m_expiryTimer.setSingleShot(true);
    connect(&m_expiryTimer, &QTimer::timeout, this, &HorizontalAdapter::expire);
}

HorizontalAdapter::~HorizontalAdapter() = default;

void HorizontalAdapter::publish(
    const QString &appId, const QString &channel, const QByteArray &message, const QString &exceptSocketId)
{
    if (!isReady())
        return;
    const QJsonObject envelope{{QStringLiteral("uuid"), m_uuid}, {QStringLiteral("appId"), appId},
        {QStringLiteral("channel"), channel}, {QStringLiteral("data"), QString::fromUtf8(message)},
        {QStringLiteral("exceptingId"), exceptSocketId.isEmpty() ? QJsonValue() : QJsonValue(exceptSocketId)}};
    sendBroadcast(toJson(envelope));
}

void HorizontalAdapter::onBroadcast(const QByteArray &payload)
{
    const QJsonObject o = QJsonDocument::fromJson(payload).object();
    if (o.value(QLatin1String("uuid")).toString() == m_uuid || !m_hooks.deliver)
        return;
    m_hooks.deliver(o.value(QLatin1String("appId")).toString(), o.value(QLatin1String("channel")).toString(),
        o.value(QLatin1String("data")).toString().toUtf8(), o.value(QLatin1String("exceptingId")).toString());
}

void HorizontalAdapter::request(const QString &appId, ClusterRequest type, const QJsonObject &opts, Resolver resolve)
{
    const QString requestId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QByteArray body = toJson({{QStringLiteral("requestId"), requestId}, {QStringLiteral("uuid"), m_uuid},
        {QStringLiteral("appId"), appId}, {QStringLiteral("type"), int(type)}, {QStringLiteral("opts"), opts}});
    if (!isReady()) {
        // The broker is away: this node answers alone (the caller adds its local part).
        if (resolve)
            QTimer::singleShot(0, this, [resolve = std::move(resolve)] { resolve({}); });
        return;
    }
    HorizontalAdapterMetrics &metrics = m_metrics.adapterForApp(appId);
    if (!resolve) { // fire and forget (terminate)
        sendRequest(body);
        metrics.sentRequests->Increment();
        return;
    }
    Pending &p = m_pending[requestId];
    p.appId = appId;
    p.resolve = std::move(resolve);
    p.started.start();
    // The count may come before or after the answers: finish() needs both.
    countOtherNodes(requestId);
    sendRequest(body);
    metrics.sentRequests->Increment();
    m_deadlines.emplace_back(m_clock.elapsed() + m_requestsTimeoutMs, requestId);
    if (!m_expiryTimer.isActive())
        m_expiryTimer.start(m_requestsTimeoutMs);
}

void HorizontalAdapter::expectAnswers(const QString &requestId, int otherNodes)
{
    const auto it = m_pending.find(requestId);
    if (it == m_pending.end())
        return;
    it->expected = qMax(0, otherNodes);
    if (it->answers.size() >= it->expected) {
        // Possibly still inside request(): resolve from the event loop, never re-entrantly.
        QTimer::singleShot(0, this, [this, requestId] { finish(requestId, false); });
    }
}

void HorizontalAdapter::expire()
{
    const qint64 now = m_clock.elapsed();
    while (!m_deadlines.empty() && m_deadlines.front().first <= now) {
        const QString requestId = std::move(m_deadlines.front().second);
        m_deadlines.pop_front();
        finish(requestId, true); // no-op when it was answered in time
    }
    if (!m_deadlines.empty())
        m_expiryTimer.start(int(m_deadlines.front().first - now));
}

void HorizontalAdapter::onRequest(const QByteArray &payload)
{
    const QJsonObject o = QJsonDocument::fromJson(payload).object();
    if (o.value(QLatin1String("uuid")).toString() == m_uuid || !m_hooks.answer)
        return;
    const QString appId = o.value(QLatin1String("appId")).toString();
    const auto type = ClusterRequest(o.value(QLatin1String("type")).toInt());
    m_metrics.adapterForApp(appId).receivedRequests->Increment();
    QJsonObject answer = m_hooks.answer(appId, type, o.value(QLatin1String("opts")).toObject());
    if (type == ClusterRequest::TerminateUserConnections || !isReady())
        return; // nobody waits for it / nowhere to send it
    answer.insert(QStringLiteral("requestId"), o.value(QLatin1String("requestId")));
    answer.insert(QStringLiteral("uuid"), m_uuid);
    sendResponse(toJson(answer));
}

void HorizontalAdapter::onResponse(const QByteArray &payload)
{
    if (m_pending.isEmpty())
        return;
    QJsonObject o = QJsonDocument::fromJson(payload).object();
    const QString requestId = o.value(QLatin1String("requestId")).toString();
    const auto it = m_pending.find(requestId);
    if (it == m_pending.end())
        return;
    m_metrics.adapterForApp(it->appId).receivedResponses->Increment();
    it->answers.append(o);
    if (it->expected >= 0 && it->answers.size() >= it->expected)
        finish(requestId, false);
}

void HorizontalAdapter::finish(const QString &requestId, bool timedOut)
{
    const auto it = m_pending.find(requestId);
    if (it == m_pending.end())
        return;
    Pending p = std::move(*it);
    m_pending.erase(it);
    HorizontalAdapterMetrics &metrics = m_metrics.adapterForApp(p.appId);
    if (timedOut) {
        metrics.uncompletePromises->Increment();
        qCDebug(lcServer) << "cluster request" << requestId << "timed out with" << p.answers.size() << "of"
                          << p.expected << "answers";
    } else {
        metrics.resolvedPromises->Increment();
        metrics.resolveTime->Observe(double(p.started.nsecsElapsed()) / 1e9);
    }
    p.resolve(p.answers);
}

} // namespace qsoketi
