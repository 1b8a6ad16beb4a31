// SPDX-License-Identifier: GPL-3.0-or-later
#include "cache/RedisEventCache.h"

#include <QJsonDocument>
#include <QJsonObject>

#include "adapter/RedisConnection.h"
#include "protocol/MessageCodec.h"

#include <hiredis/hiredis.h>

namespace qsoketi {

RedisEventCache::RedisEventCache(const AdapterConfig &redis, int ttlSeconds, int lookupTimeoutMs, QObject *parent)
    : QObject(parent)
    , m_redis(new RedisConnection(redis, QStringLiteral("cache"), this))
    , m_ttlSeconds(ttlSeconds)
    , m_lookupTimeoutMs(qMax(1, lookupTimeoutMs))
{
    m_redis->open();
}

RedisEventCache::~RedisEventCache() = default;

QByteArray RedisEventCache::keyOf(const QString &appId, const QString &channel)
{
    return "app:" + appId.toUtf8() + ":channel:" + channel.toUtf8() + ":cache_miss";
}

QByteArray RedisEventCache::valueOf(const QString &event, const QByteArray &dataJson)
{
    QByteArray value = "{\"event\":";
    MessageCodec::appendJsonString(value, event);
    value += ",\"data\":";
    value += dataJson;
    value += '}';
    return value;
}

QByteArray RedisEventCache::messageOf(const QString &channel, const QByteArray &value)
{
    const QJsonObject stored = QJsonDocument::fromJson(value).object();
    const QJsonValue event = stored.value(QLatin1String("event"));
    if (!event.isString() || !stored.contains(QLatin1String("data")))
        return {};
    return MessageCodec::event(event.toString(), channel, MessageCodec::jsonValue(stored.value(QLatin1String("data"))));
}

void RedisEventCache::store(
    const QString &appId, const QString &channel, const QString &event, const QByteArray &dataJson)
{
    QList<QByteArray> set{QByteArrayLiteral("SET"), keyOf(appId, channel), valueOf(event, dataJson)};
    if (m_ttlSeconds > 0) // 0 or less: kept for good, as soketi does
        set << QByteArrayLiteral("EX") << QByteArray::number(m_ttlSeconds);
    m_redis->command(set); // not connected: this node still has it in memory
}

void RedisEventCache::fetch(const QString &appId, const QString &channel, Found found)
{
    m_redis->commandWithin({QByteArrayLiteral("GET"), keyOf(appId, channel)}, m_lookupTimeoutMs,
        [found = std::move(found), channel](redisReply *reply, const char *) {
            const bool hit = reply && reply->type == REDIS_REPLY_STRING;
            found(hit ? messageOf(channel, QByteArray(reply->str, qsizetype(reply->len))) : QByteArray());
        });
}

} // namespace qsoketi
