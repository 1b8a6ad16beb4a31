// SPDX-License-Identifier: GPL-3.0-or-later
#include "adapter/RedisAdapter.h"

#include <QJsonDocument>
#include <QTimer>
#include <QUuid>

#include "adapter/RedisConnection.h"
#include "logging/LogCategories.h"
#include "metrics/MetricsRegistry.h"

#include <hiredis/hiredis.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>

namespace qsoketi {

namespace {

QByteArray toJson(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray replyBytes(const redisReply *r)
{
    return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) ? QByteArray(r->str, qsizetype(r->len))
                                                                                 : QByteArray();
}

} // namespace

RedisAdapter::RedisAdapter(const AdapterConfig &config, MetricsRegistry &metrics, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_metrics(metrics)
    , m_uuid(QUuid::createUuid().toString(QUuid::WithoutBraces))
    , m_pub(new RedisConnection(config, QStringLiteral("pub"), this))
    , m_sub(new RedisConnection(config, QStringLiteral("sub"), this))
{
    const QByteArray prefix = config.redisPrefix.isEmpty() ? QByteArray() : config.redisPrefix.toUtf8() + '#';
    m_broadcastChannel = prefix + "redis-adapter";
    m_requestChannel = m_broadcastChannel + "#comms#req";
    m_responseChannel = m_broadcastChannel + "#comms#res";
    connect(m_sub, &RedisConnection::ready, this, &RedisAdapter::subscribe);
    connect(m_pub, &RedisConnection::ready, this, &RedisAdapter::readyChanged);
    m_clock.start();
    m_expiryTimer.setSingleShot(true);
    connect(&m_expiryTimer, &QTimer::timeout, this, &RedisAdapter::expire);
}

RedisAdapter::~RedisAdapter() = default;

void RedisAdapter::start()
{
    m_pub->open();
    m_sub->open();
}

bool RedisAdapter::isReady() const
{
    return m_pub->isReady() && m_sub->isReady() && m_subscribed;
}

void RedisAdapter::subscribe()
{
    m_subscribed = false;
    m_sub->subscribe(
        {m_broadcastChannel, m_requestChannel, m_responseChannel}, [this](redisReply *reply) { onPushed(reply); });
}

void RedisAdapter::onPushed(redisReply *reply)
{
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3)
        return;
    const QByteArray kind = replyBytes(reply->element[0]);
    const QByteArray channel = replyBytes(reply->element[1]);
    if (kind == "subscribe") {
        if (channel == m_responseChannel) {
            m_subscribed = true;
            qCInfo(lcServer).noquote() << "redis adapter ready, node" << m_uuid << "on" << m_broadcastChannel;
            emit readyChanged();
        }
        return;
    }
    if (kind != "message")
        return;
    const QByteArray payload = replyBytes(reply->element[2]);
    if (channel == m_broadcastChannel)
        onBroadcast(payload);
    else if (channel == m_requestChannel)
        onRequest(payload);
    else if (channel == m_responseChannel)
        onResponse(payload);
}

void RedisAdapter::publish(
    const QString &appId, const QString &channel, const QByteArray &message, const QString &exceptSocketId)
{
    if (!m_pub->isReady())
        return;
    const QJsonObject envelope{{QStringLiteral("uuid"), m_uuid}, {QStringLiteral("appId"), appId},
        {QStringLiteral("channel"), channel}, {QStringLiteral("data"), QString::fromUtf8(message)},
        {QStringLiteral("exceptingId"), exceptSocketId.isEmpty() ? QJsonValue() : QJsonValue(exceptSocketId)}};
    m_pub->command({QByteArrayLiteral("PUBLISH"), m_broadcastChannel, toJson(envelope)});
}

void RedisAdapter::onBroadcast(const QByteArray &payload)
{
    const QJsonObject o = QJsonDocument::fromJson(payload).object();
    if (o.value(QLatin1String("uuid")).toString() == m_uuid || !m_hooks.deliver)
        return;
    m_hooks.deliver(o.value(QLatin1String("appId")).toString(), o.value(QLatin1String("channel")).toString(),
        o.value(QLatin1String("data")).toString().toUtf8(), o.value(QLatin1String("exceptingId")).toString());
}

void RedisAdapter::request(const QString &appId, ClusterRequest type, const QJsonObject &opts, Resolver resolve)
{
    const QString requestId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QByteArray body = toJson({{QStringLiteral("requestId"), requestId}, {QStringLiteral("uuid"), m_uuid},
        {QStringLiteral("appId"), appId}, {QStringLiteral("type"), int(type)}, {QStringLiteral("opts"), opts}});
    if (!isReady()) {
        // Redis is away: this node answers alone (the caller adds its local part).
        if (resolve)
            QTimer::singleShot(0, this, [resolve = std::move(resolve)] { resolve({}); });
        return;
    }
    HorizontalAdapterMetrics &metrics = m_metrics.adapterForApp(appId);
    if (!resolve) { // fire and forget (terminate)
        m_pub->command({QByteArrayLiteral("PUBLISH"), m_requestChannel, body});
        metrics.sentRequests->Increment();
        return;
    }
    Pending &p = m_pending[requestId];
    p.appId = appId;
    p.resolve = std::move(resolve);
    p.started.start();
    // NUMSUB and PUBLISH are pipelined: answers may come before the node count, finish() waits for both.
    m_pub->command(
        {QByteArrayLiteral("PUBSUB"), QByteArrayLiteral("NUMSUB"), m_requestChannel}, [this, requestId](redisReply *r) {
            const auto it = m_pending.find(requestId);
            if (it == m_pending.end())
                return;
            long long nodes = 1;
            if (r && r->type == REDIS_REPLY_ARRAY && r->elements >= 2 && r->element[1]->type == REDIS_REPLY_INTEGER)
                nodes = r->element[1]->integer;
            it->expected = int(qMax(0LL, nodes - 1));
            if (it->answers.size() >= it->expected)
                finish(requestId, false);
        });
    m_pub->command({QByteArrayLiteral("PUBLISH"), m_requestChannel, body});
    metrics.sentRequests->Increment();
    m_deadlines.emplace_back(m_clock.elapsed() + m_config.requestsTimeoutMs, requestId);
    if (!m_expiryTimer.isActive())
        m_expiryTimer.start(m_config.requestsTimeoutMs);
}

void RedisAdapter::expire()
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

void RedisAdapter::onRequest(const QByteArray &payload)
{
    const QJsonObject o = QJsonDocument::fromJson(payload).object();
    if (o.value(QLatin1String("uuid")).toString() == m_uuid || !m_hooks.answer)
        return;
    const QString appId = o.value(QLatin1String("appId")).toString();
    m_metrics.adapterForApp(appId).receivedRequests->Increment();
    QJsonObject answer = m_hooks.answer(
        appId, ClusterRequest(o.value(QLatin1String("type")).toInt()), o.value(QLatin1String("opts")).toObject());
    if (ClusterRequest(o.value(QLatin1String("type")).toInt()) == ClusterRequest::TerminateUserConnections)
        return; // nobody waits for it
    answer.insert(QStringLiteral("requestId"), o.value(QLatin1String("requestId")));
    answer.insert(QStringLiteral("uuid"), m_uuid);
    m_pub->command({QByteArrayLiteral("PUBLISH"), m_responseChannel, toJson(answer)});
}

void RedisAdapter::onResponse(const QByteArray &payload)
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

void RedisAdapter::finish(const QString &requestId, bool timedOut)
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
