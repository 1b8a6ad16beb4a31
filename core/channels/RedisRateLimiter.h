// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>

#include "config/ServerConfig.h"

namespace qsoketi {

class RedisConnection;

// SOKETI_RATE_LIMITER_DRIVER=redis: the per-app HTTP API budgets (backend events, read requests)
// counted in Redis, so every node of a cluster, soketi 1.6 nodes included, spends one budget.
// soketi uses rate-limiter-flexible's RateLimiterRedis with keyPrefix `app:{appId}` and keys
// `{appId}:backend:events` / `{appId}:backend:request_read`, which it joins with ':' — so the Redis key
// is `app:{appId}:{appId}:backend:events`. Its value is the points consumed in the current 1-second
// window, which starts with the first hit and ends with the key's expiry.
// Each worker has its own connection, on its own thread; nothing here waits on Redis. When Redis is
// down or does not answer within the timeout the request is allowed (fail open), logged once per outage.
class RedisRateLimiter : public QObject
{
    Q_OBJECT

public:
    struct Verdict
    {
        bool allowed = true;
        int limit = -1;
        int remaining = -1;
        qint64 msBeforeNext = 0; // until the window ends
        bool counted = false; // false: no answer from Redis (failed open) or no limit
    };
    using Done = std::function<void(const Verdict &)>;

    RedisRateLimiter(const AdapterConfig &redis, int timeoutMs, QObject *parent = nullptr);
    ~RedisRateLimiter() override;

    static QByteArray backendEventsKey(const QString &appId);
    static QByteArray readRequestsKey(const QString &appId);
    // The headers soketi adds to a 429: Retry-After (seconds, fractional), X-RateLimit-Limit/-Remaining.
    static QList<QPair<QByteArray, QByteArray>> headersOf(const Verdict &verdict);

    // Consumes `points` of `limit` under `key`; calls done exactly once, on this thread. A negative
    // limit allows at once without asking Redis.
    void consume(const QByteArray &key, int limit, int points, Done done);
    // Requests allowed because Redis did not answer (an error, no connection, or the timeout).
    quint64 failedOpen() const { return m_failedOpen; }

private:
    void failOpen(const char *why);

    RedisConnection *m_redis; // child
    int m_timeoutMs;
    quint64 m_failedOpen = 0;
    bool m_reportedOutage = false;
};

} // namespace qsoketi
