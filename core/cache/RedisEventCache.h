// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>

#include <QByteArray>
#include <QObject>
#include <QString>

#include "config/ServerConfig.h"

namespace qsoketi {

class RedisConnection;

// SOKETI_CACHE_DRIVER=redis: the last published event of each cache channel, kept in Redis under
// soketi's key `app:{appId}:channel:{channel}:cache_miss` as `{"event":…,"data":…}` with the channel
// TTL. A node that starts later, or a soketi node on the same Redis, replays what any node published.
// Each worker has its own connection, on its own thread; nothing here waits on Redis.
class RedisEventCache : public QObject
{
    Q_OBJECT

public:
    // The message to replay (a whole Pusher frame), or empty for a miss.
    using Found = std::function<void(const QByteArray &message)>;

    // Connects in the background; until Redis answers, every lookup is a miss.
    RedisEventCache(const AdapterConfig &redis, int ttlSeconds, int lookupTimeoutMs, QObject *parent = nullptr);
    ~RedisEventCache() override;

    static QByteArray keyOf(const QString &appId, const QString &channel);
    // The value soketi stores: {"event":E,"data":D}; dataJson is the encoded JSON value of data.
    static QByteArray valueOf(const QString &event, const QByteArray &dataJson);
    // The frame replayed to a subscriber from a stored value; empty when the value is not one.
    static QByteArray messageOf(const QString &channel, const QByteArray &value);

    void store(const QString &appId, const QString &channel, const QString &event, const QByteArray &dataJson);
    // Calls found exactly once, on this thread: with the cached frame, or empty on a miss, an error,
    // no connection, or no answer within the lookup timeout.
    void fetch(const QString &appId, const QString &channel, Found found);

private:
    RedisConnection *m_redis; // child
    int m_ttlSeconds;
    int m_lookupTimeoutMs;
};

} // namespace qsoketi
