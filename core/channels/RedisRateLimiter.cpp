// SPDX-License-Identifier: GPL-3.0-or-later
#include "channels/RedisRateLimiter.h"

#include <utility>

#include "adapter/RedisConnection.h"
#include "logging/LogCategories.h"

#include <hiredis/hiredis.h>

namespace qsoketi {

namespace {

// One atomic step, the fixed window of rate-limiter-flexible: the first hit creates the key with the
// window's lifetime, every hit adds its points (a refused hit too, as there), and the answer is the
// points consumed and the milliseconds left in the window. A key without expiry (written by hand, or
// a lost PEXPIRE) gets one, so a budget can never stay spent.
const QByteArray kConsumeScript =
    QByteArrayLiteral("redis.call('SET', KEYS[1], 0, 'PX', ARGV[2], 'NX')\n"
                      "local used = redis.call('INCRBY', KEYS[1], ARGV[1])\n"
                      "local left = redis.call('PTTL', KEYS[1])\n"
                      "if left < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) left = tonumber(ARGV[2]) end\n"
                      "return {used, left}\n");

constexpr int kWindowMs = 1000; // soketi's duration: 1 second

QByteArray jsNumber(double value)
{
    // Retry-After is msBeforeNext / 1000 written as JavaScript writes a number: 0.25, 1, 0.001.
    return QByteArray::number(value, 'g', 15);
}

} // namespace

RedisRateLimiter::RedisRateLimiter(const AdapterConfig &redis, int timeoutMs, QObject *parent)
    : QObject(parent)
    , m_redis(new RedisConnection(redis, QStringLiteral("rate limiter"), this))
    , m_timeoutMs(qMax(1, timeoutMs))
{
    m_redis->open();
}

RedisRateLimiter::~RedisRateLimiter() = default;

QByteArray RedisRateLimiter::backendEventsKey(const QString &appId)
{
    const QByteArray id = appId.toUtf8();
    return "app:" + id + ':' + id + ":backend:events";
}

QByteArray RedisRateLimiter::readRequestsKey(const QString &appId)
{
    const QByteArray id = appId.toUtf8();
    return "app:" + id + ':' + id + ":backend:request_read";
}

QList<QPair<QByteArray, QByteArray>> RedisRateLimiter::headersOf(const Verdict &verdict)
{
    if (!verdict.counted)
        return {};
    return {{QByteArrayLiteral("Retry-After"), jsNumber(double(verdict.msBeforeNext) / 1000.0)},
        {QByteArrayLiteral("X-RateLimit-Limit"), QByteArray::number(verdict.limit)},
        {QByteArrayLiteral("X-RateLimit-Remaining"), QByteArray::number(verdict.remaining)}};
}

void RedisRateLimiter::consume(const QByteArray &key, int limit, int points, Done done)
{
    if (limit < 0)
        return done(Verdict{});
    m_redis->commandWithin({QByteArrayLiteral("EVAL"), kConsumeScript, QByteArrayLiteral("1"), key,
                               QByteArray::number(points), QByteArray::number(kWindowMs)},
        m_timeoutMs, [this, done = std::move(done), limit](redisReply *reply, const char *why) {
            if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
                || reply->element[0]->type != REDIS_REPLY_INTEGER || reply->element[1]->type != REDIS_REPLY_INTEGER) {
                failOpen(why ? why : reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "no answer");
                return done(Verdict{});
            }
            m_reportedOutage = false;
            const long long used = reply->element[0]->integer;
            Verdict verdict;
            verdict.counted = true;
            verdict.allowed = used <= limit;
            verdict.limit = limit;
            verdict.remaining = int(qMax<long long>(0, limit - used));
            verdict.msBeforeNext = reply->element[1]->integer;
            done(verdict);
        });
}

void RedisRateLimiter::failOpen(const char *why)
{
    ++m_failedOpen;
    if (std::exchange(m_reportedOutage, true))
        return;
    qCWarning(lcServer).noquote() << "redis rate limiter:" << why
                                  << "- HTTP API requests are allowed without counting until Redis answers again;"
                                  << "check SOKETI_DB_REDIS_*";
}

} // namespace qsoketi
