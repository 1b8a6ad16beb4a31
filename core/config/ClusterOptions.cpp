// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/ClusterOptions.h"

#include <climits>

#include <QJsonArray>

#include "config/ValueReader.h"

namespace qsoketi {

namespace {

using Option = ServerOptions::Option;

// soketi takes an array of "host:port" (or URLs); one string, or several comma-separated, also do.
void readNatsServers(const ValueReader &r, QStringList &out)
{
    QStringList servers;
    if (r.json().isArray()) {
        for (const QJsonValue &v : r.json().toArray()) {
            if (!v.isString() || v.toString().trimmed().isEmpty()) {
                r.expected(QStringLiteral("an array of NATS servers (\"host:port\")"));
                return;
            }
            servers.append(v.toString().trimmed());
        }
    } else {
        QString text;
        if (!r.string(text)) {
            return;
        }
        for (const QString &part : text.split(u',', Qt::SkipEmptyParts)) {
            servers.append(part.trimmed());
        }
    }
    servers.removeAll(QString());
    if (servers.isEmpty()) {
        r.expected(QStringLiteral("at least one NATS server (\"host:port\")"));
        return;
    }
    out = servers;
}

// Redis Cluster mode (true) or cluster nodes / sentinels (a non-empty array): remembered by path.
void readRedisTopology(const ValueReader &r, QString &option, const char *path)
{
    const QJsonValue &v = r.json();
    bool wanted = false;
    if (v.isArray()) {
        wanted = !v.toArray().isEmpty();
    } else if (!v.isNull() && !v.isUndefined() && !r.boolean(wanted)) {
        return;
    }
    if (wanted && option.isEmpty()) {
        option = QLatin1String(path);
    }
}

const Option kOptions[] = {
    {"adapter.driver", "ADAPTER_DRIVER", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            QString driver;
            if (!r.string(driver)) {
                return;
            }
            if (driver != QLatin1String("local") && driver != QLatin1String("redis")
                && driver != QLatin1String("nats")) {
                r.fail(QStringLiteral("%1 is not supported: qsoketi supports the local, redis and nats adapters")
                           .arg(ValueReader::quoted(driver)));
                return;
            }
            c.adapter.driver = driver;
        }},
    {"adapter.redis.prefix", "ADAPTER_REDIS_PREFIX", false,
        [](const ValueReader &r, ServerConfig &c, App &) { r.string(c.adapter.redisPrefix); }},
    {"adapter.redis.requestsTimeout", "ADAPTER_REDIS_REQUESTS_TIMEOUT", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.adapter.requestsTimeoutMs, 1, INT_MAX, QStringLiteral("milliseconds >= 1"));
        }},
    {"adapter.heartbeatInterval", "ADAPTER_HEARTBEAT_INTERVAL", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.adapter.heartbeatMs, 50, INT_MAX, QStringLiteral("milliseconds >= 50"));
        }},
    {"adapter.nats.prefix", "ADAPTER_NATS_PREFIX", false,
        [](const ValueReader &r, ServerConfig &c, App &) { r.string(c.adapter.natsPrefix); }},
    {"adapter.nats.servers", "ADAPTER_NATS_SERVERS", false,
        [](const ValueReader &r, ServerConfig &c, App &) { readNatsServers(r, c.adapter.natsServers); }},
    {"adapter.nats.user", "ADAPTER_NATS_USER", false,
        [](const ValueReader &r, ServerConfig &c, App &) { r.string(c.adapter.natsUser); }},
    {"adapter.nats.pass", "ADAPTER_NATS_PASSWORD", true,
        [](const ValueReader &r, ServerConfig &c, App &) { r.string(c.adapter.natsPassword); }},
    {"adapter.nats.token", "ADAPTER_NATS_TOKEN", true,
        [](const ValueReader &r, ServerConfig &c, App &) { r.string(c.adapter.natsToken); }},
    {"adapter.nats.timeout", "ADAPTER_NATS_TIMEOUT", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.adapter.natsTimeoutMs, 1, INT_MAX, QStringLiteral("milliseconds >= 1"));
        }},
    {"adapter.nats.requestsTimeout", "ADAPTER_NATS_REQUESTS_TIMEOUT", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.adapter.natsRequestsTimeoutMs, 1, INT_MAX, QStringLiteral("milliseconds >= 1"));
        }},
    {"adapter.nats.nodesNumber", "ADAPTER_NATS_NODES_NUMBER", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.adapter.natsNodesNumber, 1, INT_MAX, QStringLiteral("a number of nodes >= 1"));
        }},
    {"database.redis.host", "DB_REDIS_HOST", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            QString host;
            if (!r.string(host)) {
                return;
            }
            if (host.trimmed().isEmpty()) {
                r.expected(QStringLiteral("a host name or address"));
                return;
            }
            c.adapter.redisHost = host.trimmed();
        }},
    {"database.redis.port", "DB_REDIS_PORT", false,
        [](const ValueReader &r, ServerConfig &c, App &) { r.port(c.adapter.redisPort); }},
    {"database.redis.db", "DB_REDIS_DB", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.adapter.redisDb, 0, INT_MAX, QStringLiteral("a database number >= 0"));
        }},
    {"database.redis.username", "DB_REDIS_USERNAME", false,
        [](const ValueReader &r, ServerConfig &c, App &) { r.string(c.adapter.redisUsername); }},
    {"database.redis.password", "DB_REDIS_PASSWORD", true,
        [](const ValueReader &r, ServerConfig &c, App &) { r.string(c.adapter.redisPassword); }},
    {"cache.driver", "CACHE_DRIVER", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            QString driver;
            if (!r.string(driver)) {
                return;
            }
            if (driver != QLatin1String("memory") && driver != QLatin1String("redis")) {
                r.fail(QStringLiteral("%1 is not supported: qsoketi's cache drivers are memory and redis")
                           .arg(ValueReader::quoted(driver)));
                return;
            }
            c.cacheDriver = driver;
        }},
    {"rateLimiter.driver", "RATE_LIMITER_DRIVER", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            QString driver;
            if (!r.string(driver)) {
                return;
            }
            if (driver == QLatin1String("cluster")) {
                // soketi's node-discover cluster: a soketi config moved over still starts.
                r.warn(QStringLiteral("\"cluster\" is not supported, limits are counted per process; use redis to "
                                      "share them between nodes"));
                driver = QStringLiteral("local");
            } else if (driver != QLatin1String("local") && driver != QLatin1String("redis")) {
                r.fail(QStringLiteral("%1 is not supported: qsoketi's rate limiter drivers are local and redis")
                           .arg(ValueReader::quoted(driver)));
                return;
            }
            c.rateLimiterDriver = driver;
        }},
    {"adapter.redis.clusterMode", "ADAPTER_REDIS_CLUSTER_MODE", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            readRedisTopology(r, c.adapter.redisClusterOption, "adapter.redis.clusterMode");
        }},
    {"cache.redis.clusterMode", "CACHE_REDIS_CLUSTER_MODE", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            readRedisTopology(r, c.adapter.redisClusterOption, "cache.redis.clusterMode");
        }},
    {"rateLimiter.redis.clusterMode", "RATE_LIMITER_REDIS_CLUSTER_MODE", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            readRedisTopology(r, c.adapter.redisClusterOption, "rateLimiter.redis.clusterMode");
        }},
    {"database.redis.clusterNodes", "DB_REDIS_CLUSTER_NODES", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            readRedisTopology(r, c.adapter.redisClusterOption, "database.redis.clusterNodes");
        }},
    {"database.redis.sentinels", "DB_REDIS_SENTINELS", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            readRedisTopology(r, c.adapter.redisSentinelOption, "database.redis.sentinels");
        }},
};

} // namespace

std::span<const ServerOptions::Option> ClusterOptions::all()
{
    return kOptions;
}

} // namespace qsoketi
