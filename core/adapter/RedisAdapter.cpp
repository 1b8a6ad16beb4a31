// SPDX-License-Identifier: GPL-3.0-or-later
#include "adapter/RedisAdapter.h"

#include "adapter/RedisConnection.h"
#include "logging/LogCategories.h"

#include <hiredis/hiredis.h>

namespace qsoketi {

namespace {

QByteArray replyBytes(const redisReply *r)
{
    return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) ? QByteArray(r->str, qsizetype(r->len))
                                                                                 : QByteArray();
}

} // namespace

RedisAdapter::RedisAdapter(const AdapterConfig &config, MetricsRegistry &metrics, QObject *parent)
    : HorizontalAdapter(config.requestsTimeoutMs, config.heartbeatMs, metrics, parent)
    , m_pub(new RedisConnection(config, QStringLiteral("pub"), this))
    , m_sub(new RedisConnection(config, QStringLiteral("sub"), this))
{
    const QByteArray prefix = config.redisPrefix.isEmpty() ? QByteArray() : config.redisPrefix.toUtf8() + '#';
    m_broadcastChannel = prefix + "redis-adapter";
    m_requestChannel = m_broadcastChannel + "#comms#req";
    m_responseChannel = m_broadcastChannel + "#comms#res";
    m_nodesChannel = m_broadcastChannel + "#comms#nodes";
    connect(m_sub, &RedisConnection::ready, this, &RedisAdapter::subscribe);
    connect(m_pub, &RedisConnection::ready, this, [this] {
        transportReady(isReady()); // the subscriptions may have been first
        emit readyChanged();
    });
}

RedisAdapter::~RedisAdapter()
{
    sayGoodbye(); // the others stop waiting for this node's answers now
    m_pub->flush(); // before the connection is freed with the goodbye still queued
}

void RedisAdapter::start()
{
    m_pub->open();
    m_sub->open();
    startAnnouncing();
}

bool RedisAdapter::isReady() const
{
    return m_pub->isReady() && m_sub->isReady() && m_subscribed;
}

void RedisAdapter::subscribe()
{
    m_subscribed = false;
    m_sub->subscribe({m_broadcastChannel, m_requestChannel, m_responseChannel, m_nodesChannel},
        [this](redisReply *reply) { onPushed(reply); });
}

void RedisAdapter::onPushed(redisReply *reply)
{
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3)
        return;
    const QByteArray kind = replyBytes(reply->element[0]);
    const QByteArray channel = replyBytes(reply->element[1]);
    if (kind == "subscribe") {
        if (channel == m_nodesChannel) { // the last one
            m_subscribed = true;
            qCInfo(lcServer).noquote() << "redis adapter ready, node" << uuid() << "on" << m_broadcastChannel;
            transportReady(isReady());
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
    else if (channel == m_nodesChannel)
        onNodes(payload);
}

void RedisAdapter::publishOn(const QByteArray &channel, const QByteArray &body)
{
    m_pub->command({QByteArrayLiteral("PUBLISH"), channel, body});
}

void RedisAdapter::sendBroadcast(const QByteArray &body)
{
    publishOn(m_broadcastChannel, body);
}

void RedisAdapter::sendRequest(const QByteArray &body)
{
    publishOn(m_requestChannel, body);
}

void RedisAdapter::sendResponse(const QByteArray &body)
{
    publishOn(m_responseChannel, body);
}

void RedisAdapter::sendNodes(const QByteArray &body)
{
    publishOn(m_nodesChannel, body);
}

void RedisAdapter::countOtherNodes(const QString &requestId)
{
    // Pipelined ahead of the request's PUBLISH.
    m_pub->command(
        {QByteArrayLiteral("PUBSUB"), QByteArrayLiteral("NUMSUB"), m_requestChannel}, [this, requestId](redisReply *r) {
            long long nodes = 1;
            if (r && r->type == REDIS_REPLY_ARRAY && r->elements >= 2 && r->element[1]->type == REDIS_REPLY_INTEGER)
                nodes = r->element[1]->integer;
            expectAnswers(requestId, int(nodes - 1));
        });
}

} // namespace qsoketi
