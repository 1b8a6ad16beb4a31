// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/ConfigBuilder.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include <QFileInfo>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QRegularExpression>
#include <QUrl>

namespace qsoketi {

namespace {

using Limits = ConfigBuilder::ServerWideLimits;

const QLatin1String kEnvPrefix("SOKETI_");
const QLatin1String kAppsPath("appManager.array.apps");

QString numberText(double d)
{
    if (std::isfinite(d) && std::floor(d) == d && std::abs(d) < 1e15) {
        return QString::number(static_cast<qint64>(d));
    }
    return QString::number(d);
}

QString quoted(const QString &text)
{
    const QString shown = text.size() > 60 ? text.left(57) + QStringLiteral("...") : text;
    return u'"' + shown + u'"';
}

// How a rejected value is shown. Secret settings only get their type, never their content.
QString describe(const ConfigValue &value, bool secret)
{
    const QJsonValue &json = value.json;
    switch (json.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return secret ? QStringLiteral("a boolean")
                      : (json.toBool() ? QStringLiteral("true") : QStringLiteral("false"));
    case QJsonValue::Double:
        if (secret) {
            return QStringLiteral("a number");
        }
        return value.hasText ? value.text.trimmed() : numberText(json.toDouble());
    case QJsonValue::String:
        return secret ? QStringLiteral("a string") : quoted(json.toString());
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("nothing");
}

// Converts one value to the type an option needs; on failure it adds exactly one error line.
class ValueReader final
{
public:
    ValueReader(
        const ConfigValue &value, const ConfigSource &source, bool secret, QStringList &errors, QStringList &warnings)
        : m_value(value)
        , m_source(source)
        , m_secret(secret)
        , m_errors(errors)
        , m_warnings(warnings)
    {}

    const QJsonValue &json() const { return m_value.json; }
    void fail(const QString &problem) const { m_errors.append(m_source.label() + QStringLiteral(": ") + problem); }
    void warn(const QString &problem) const { m_warnings.append(m_source.label() + QStringLiteral(": ") + problem); }
    void expected(const QString &what) const
    {
        fail(QStringLiteral("expected %1, got %2").arg(what, describe(m_value, m_secret)));
    }

    bool boolean(bool &out) const
    {
        const QJsonValue &j = json();
        if (j.isBool()) {
            out = j.toBool();
            return true;
        }
        if (j.isDouble() && (j.toDouble() == 0 || j.toDouble() == 1)) {
            out = j.toDouble() == 1;
            return true;
        }
        if (j.isString()) {
            const QString s = j.toString().trimmed().toLower();
            if (s == QLatin1String("true") || s == QLatin1String("1")) {
                out = true;
                return true;
            }
            if (s == QLatin1String("false") || s == QLatin1String("0")) {
                out = false;
                return true;
            }
        }
        expected(QStringLiteral("true or false (or 1/0)"));
        return false;
    }

    bool integer(int &out, qint64 min, qint64 max, const QString &what) const
    {
        qint64 v = 0;
        if (!wholeNumber(v) || v < min || v > max) {
            expected(what);
            return false;
        }
        out = static_cast<int>(v);
        return true;
    }

    bool port(quint16 &out) const
    {
        int v = 0;
        if (!integer(v, 1, 65535, QStringLiteral("a port number 1-65535"))) {
            if (json().isString() && json().toString().startsWith(QLatin1String("tcp://"))) {
                // Kubernetes injects SOKETI_PORT=tcp://… for a Service named "soketi".
                m_errors.last() += QStringLiteral(
                    " (a Kubernetes/Docker service link; set the port explicitly or disable service links)");
            }
            return false;
        }
        out = static_cast<quint16>(v);
        return true;
    }

    // A number >= min (or > min when exclusive).
    bool number(double &out, double min, bool exclusive, const QString &what) const
    {
        const QJsonValue &j = json();
        bool ok = false;
        double d = 0;
        if (j.isDouble()) {
            d = j.toDouble();
            ok = true;
        } else if (j.isString()) {
            d = j.toString().trimmed().toDouble(&ok);
        }
        if (!ok || !std::isfinite(d) || d < min || (exclusive && d == min)) {
            expected(what);
            return false;
        }
        out = d;
        return true;
    }

    // Text; numbers are accepted as text (soketi turns numeric app ids into strings).
    bool string(QString &out) const
    {
        const QJsonValue &j = json();
        if (j.isString()) {
            out = j.toString();
            return true;
        }
        if (j.isDouble()) {
            // The original text keeps long numeric ids/secrets exact.
            out = m_value.hasText ? m_value.text.trimmed() : numberText(j.toDouble());
            return true;
        }
        expected(QStringLiteral("a string"));
        return false;
    }

private:
    bool wholeNumber(qint64 &out) const
    {
        const QJsonValue &j = json();
        if (j.isDouble()) {
            const double d = j.toDouble();
            if (!std::isfinite(d) || std::floor(d) != d || std::abs(d) > 9007199254740992.0) {
                return false;
            }
            out = static_cast<qint64>(d);
            return true;
        }
        if (j.isString()) {
            bool ok = false;
            out = j.toString().trimmed().toLongLong(&ok);
            return ok;
        }
        return false;
    }

    const ConfigValue &m_value;
    const ConfigSource &m_source;
    bool m_secret;
    QStringList &m_errors;
    QStringList &m_warnings;
};

void readHost(const ValueReader &r, QString &out)
{
    QString host;
    if (!r.string(host)) {
        return;
    }
    host = host.trimmed();
    if (host == QLatin1String("localhost")) {
        host = QStringLiteral("127.0.0.1"); // soketi (uWS) resolves it; QHostAddress does not
    }
    if (QHostAddress(host).isNull()) {
        r.expected(QStringLiteral("an IP address to listen on (e.g. 0.0.0.0)"));
        return;
    }
    out = host;
}

void readCount(const ValueReader &r, int &out)
{
    r.integer(out, 1, INT_MAX, QStringLiteral("an integer >= 1"));
}

void readKb(const ValueReader &r, double &out)
{
    r.number(out, 0, true, QStringLiteral("a size in KB > 0"));
}

// ---------------------------------------------------------------------------------------------------
// Options qsoketi implements: option path (config-file key), SOKETI_ name without the prefix.

using OptionFn = void (*)(const ValueReader &, ServerConfig &, Limits &);

struct Option
{
    const char *path;
    const char *env; // nullptr = config file only
    bool secret;
    OptionFn apply;
};

const Option kOptions[] = {
    {"debug", "DEBUG", false, [](const ValueReader &r, ServerConfig &c, Limits &) { r.boolean(c.debug); }},
    {"host", "HOST", false, [](const ValueReader &r, ServerConfig &c, Limits &) { readHost(r, c.host); }},
    {"port", "PORT", false, [](const ValueReader &r, ServerConfig &c, Limits &) { r.port(c.port); }},
    {"pathPrefix", "PATH_PREFIX", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) { r.string(c.pathPrefix); }},
    {"mode", "MODE", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) {
            QString mode;
            if (!r.string(mode)) {
                return;
            }
            if (mode != QLatin1String("full") && mode != QLatin1String("server") && mode != QLatin1String("worker")) {
                r.fail(QStringLiteral("%1 is not a mode; use full, server or worker").arg(quoted(mode)));
                return;
            }
            c.mode = mode;
        }},
    {"shutdownGracePeriod", "SHUTDOWN_GRACE_PERIOD", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) {
            r.integer(c.shutdownGracePeriodMs, 0, INT_MAX, QStringLiteral("milliseconds >= 0"));
        }},
    {"userAuthenticationTimeout", "USER_AUTHENTICATION_TIMEOUT", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) {
            r.integer(c.userAuthenticationTimeoutMs, 1, INT_MAX, QStringLiteral("milliseconds >= 1"));
        }},
    {"httpApi.acceptTraffic.memoryThreshold", "HTTP_ACCEPT_TRAFFIC_MEMORY_THRESHOLD", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) {
            r.integer(c.acceptTrafficMemoryThreshold, 0, 100, QStringLiteral("a percentage 0-100"));
        }},
    {"httpApi.requestLimitInMb", nullptr, false,
        [](const ValueReader &r, ServerConfig &c, Limits &) {
            r.number(c.httpRequestLimitInMb, 0, true, QStringLiteral("a size in MB > 0"));
        }},
    {"ssl.certPath", "SSL_CERT", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) { r.string(c.sslCertPath); }},
    {"ssl.keyPath", "SSL_KEY", false, [](const ValueReader &r, ServerConfig &c, Limits &) { r.string(c.sslKeyPath); }},
    {"ssl.passphrase", "SSL_PASS", true,
        [](const ValueReader &r, ServerConfig &c, Limits &) { r.string(c.sslPassphrase); }},
    {"ssl.caPath", "SSL_CA", false, [](const ValueReader &r, ServerConfig &c, Limits &) { r.string(c.sslCaPath); }},

    {"channelLimits.maxNameLength", "CHANNEL_LIMITS_MAX_NAME_LENGTH", false,
        [](const ValueReader &r, ServerConfig &, Limits &l) { readCount(r, l.maxChannelNameLength); }},
    {"channelLimits.cacheTtl", "CHANNEL_CACHE_TTL", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) {
            r.integer(c.cacheTtlSeconds, -1, INT_MAX, QStringLiteral("seconds >= -1 (-1 or 0 = never expires)"));
        }},
    {"eventLimits.maxChannelsAtOnce", "EVENT_MAX_CHANNELS_AT_ONCE", false,
        [](const ValueReader &r, ServerConfig &, Limits &l) { readCount(r, l.maxEventChannelsAtOnce); }},
    {"eventLimits.maxNameLength", "EVENT_MAX_NAME_LENGTH", false,
        [](const ValueReader &r, ServerConfig &, Limits &l) { readCount(r, l.maxEventNameLength); }},
    {"eventLimits.maxPayloadInKb", "EVENT_MAX_SIZE_IN_KB", false,
        [](const ValueReader &r, ServerConfig &, Limits &l) { readKb(r, l.maxEventPayloadInKb); }},
    {"eventLimits.maxBatchSize", "EVENT_MAX_BATCH_SIZE", false,
        [](const ValueReader &r, ServerConfig &, Limits &l) { readCount(r, l.maxEventBatchSize); }},
    {"presence.maxMembersPerChannel", "PRESENCE_MAX_MEMBERS", false,
        [](const ValueReader &r, ServerConfig &, Limits &l) { readCount(r, l.maxPresenceMembersPerChannel); }},
    {"presence.maxMemberSizeInKb", "PRESENCE_MAX_MEMBER_SIZE", false,
        [](const ValueReader &r, ServerConfig &, Limits &l) { readKb(r, l.maxPresenceMemberSizeInKb); }},

    {"metrics.enabled", "METRICS_ENABLED", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) { r.boolean(c.metrics.enabled); }},
    {"metrics.driver", "METRICS_DRIVER", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) {
            QString driver;
            if (!r.string(driver)) {
                return;
            }
            if (driver != QLatin1String("prometheus")) {
                r.fail(QStringLiteral("%1 is not supported: only prometheus is supported").arg(quoted(driver)));
                return;
            }
            c.metrics.driver = driver;
        }},
    {"metrics.host", "METRICS_HOST", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) { readHost(r, c.metrics.host); }},
    {"metrics.port", "METRICS_SERVER_PORT", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) { r.port(c.metrics.port); }},
    {"metrics.prometheus.prefix", "METRICS_PROMETHEUS_PREFIX", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) {
            QString prefix;
            if (!r.string(prefix)) {
                return;
            }
            static const QRegularExpression valid(QStringLiteral("^[a-zA-Z_:][a-zA-Z0-9_:]*$"));
            if (!prefix.isEmpty() && !valid.match(prefix).hasMatch()) {
                r.fail(QStringLiteral("%1 would not make valid Prometheus metric names (allowed: letters, digits, "
                                      "_ and :, not starting with a digit)")
                           .arg(quoted(prefix)));
                return;
            }
            c.metrics.prefix = prefix;
        }},
    {"metrics.prometheus.portInName", "METRICS_PROMETHEUS_PORT_IN_NAME", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) { r.boolean(c.metrics.portInName); }},

    {"adapter.driver", "ADAPTER_DRIVER", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) {
            QString driver;
            if (!r.string(driver)) {
                return;
            }
            if (driver != QLatin1String("local") && driver != QLatin1String("redis")) {
                r.fail(QStringLiteral("%1 is not supported: qsoketi supports the local and redis adapters")
                           .arg(quoted(driver)));
                return;
            }
            c.adapter.driver = driver;
        }},
    {"adapter.redis.prefix", "ADAPTER_REDIS_PREFIX", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) { r.string(c.adapter.redisPrefix); }},
    {"adapter.redis.requestsTimeout", "ADAPTER_REDIS_REQUESTS_TIMEOUT", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) {
            r.integer(c.adapter.requestsTimeoutMs, 1, INT_MAX, QStringLiteral("milliseconds >= 1"));
        }},
    {"database.redis.host", "DB_REDIS_HOST", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) {
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
        [](const ValueReader &r, ServerConfig &c, Limits &) { r.port(c.adapter.redisPort); }},
    {"database.redis.db", "DB_REDIS_DB", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) {
            r.integer(c.adapter.redisDb, 0, INT_MAX, QStringLiteral("a database number >= 0"));
        }},
    {"database.redis.username", "DB_REDIS_USERNAME", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) { r.string(c.adapter.redisUsername); }},
    {"database.redis.password", "DB_REDIS_PASSWORD", true,
        [](const ValueReader &r, ServerConfig &c, Limits &) { r.string(c.adapter.redisPassword); }},

    {"webhooks.batching.enabled", "WEBHOOKS_BATCHING", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) { r.boolean(c.webhooksBatching); }},
    {"webhooks.batching.duration", "WEBHOOKS_BATCHING_DURATION", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) {
            r.integer(c.webhooksBatchingDurationMs, 1, INT_MAX, QStringLiteral("milliseconds >= 1"));
        }},

    // qsoketi extensions (listed in ConfigLoader.h).
    {"wsMaxMessageSizeInKb", "WS_MAX_MESSAGE_SIZE_IN_KB", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) {
            r.integer(c.wsMaxMessageSizeInKb, 1, 1048576, QStringLiteral("a size in KB 1-1048576"));
        }},
    {"wsMaxBackpressureInKb", "WS_MAX_BACKPRESSURE_IN_KB", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) {
            int kb = 0;
            if (r.integer(kb, 1, 1048576, QStringLiteral("a size in KB 1-1048576"))) {
                c.wsMaxBackpressureBytes = qint64(kb) * 1024;
            }
        }},
    {"wsIdleTimeout", "WS_IDLE_TIMEOUT", false,
        [](const ValueReader &r, ServerConfig &c, Limits &) {
            r.integer(c.wsIdleTimeoutSeconds, 0, INT_MAX / 1000, QStringLiteral("seconds >= 0 (0 = never)"));
        }},
};

// ---------------------------------------------------------------------------------------------------
// soketi options qsoketi does not implement. Setting one to soketi's default changes nothing, so only
// other values get a warning.

struct Unsupported
{
    const char *path;
    const char *env; // nullptr = config file only
    const char *soketiDefault; // JSON text; nullptr = any value is warned about
    const char *feature;
    bool showValue; // driver names are worth echoing; other values may be credentials
};

const char *const kRedisTuning = "Redis adapter tuning (cluster/shard mode, custom ioredis options)";
const char *const kClusterAdapter = "the cluster adapter";
const char *const kNats = "the NATS adapter";
const char *const kDiscovery = "cluster discovery (node-discover)";
const char *const kAppManagers =
    "database app managers and the app cache (apps come from SOKETI_DEFAULT_APP_* and the config file)";
const char *const kSqlDatabases = "the MySQL/PostgreSQL app managers";
const char *const kRedisExtras = "Redis Sentinel/Cluster connections and Redis key prefixes";
const char *const kCache = "the redis cache driver (cache channels are kept in memory)";
const char *const kRateLimiters = "shared (redis/cluster) rate limiters (limits are counted per process)";
const char *const kQueues = "redis/SQS webhook queues (webhooks are sent directly)";
const char *const kCors = "configurable CORS (soketi's default CORS headers are always sent)";

const Unsupported kUnsupported[] = {
    {"adapter.redis.clusterMode", "ADAPTER_REDIS_CLUSTER_MODE", "false", kRedisTuning, false},
    {"adapter.redis.redisSubOptions", "ADAPTER_REDIS_SUB_OPTIONS", "{}", kRedisTuning, false},
    {"adapter.redis.redisPubOptions", "ADAPTER_REDIS_PUB_OPTIONS", "{}", kRedisTuning, false},
    {"adapter.redis.shardMode", "ADAPTER_REDIS_SHARD_MODE", "false", kRedisTuning, false},
    {"adapter.cluster.requestsTimeout", "ADAPTER_CLUSTER_REQUESTS_TIMEOUT", "5000", kClusterAdapter, false},
    {"adapter.cluster.prefix", "ADAPTER_CLUSTER_PREFIX", "\"\"", kClusterAdapter, false},
    {"adapter.nats.prefix", "ADAPTER_NATS_PREFIX", "\"\"", kNats, false},
    {"adapter.nats.servers", "ADAPTER_NATS_SERVERS", "[\"127.0.0.1:4222\"]", kNats, false},
    {"adapter.nats.user", "ADAPTER_NATS_USER", "null", kNats, false},
    {"adapter.nats.pass", "ADAPTER_NATS_PASSWORD", "null", kNats, false},
    {"adapter.nats.token", "ADAPTER_NATS_TOKEN", "null", kNats, false},
    {"adapter.nats.credentials", "ADAPTER_NATS_CREDENTIALS", "null", kNats, false},
    {"adapter.nats.timeout", "ADAPTER_NATS_TIMEOUT", "10000", kNats, false},
    {"adapter.nats.requestsTimeout", "ADAPTER_NATS_REQUESTS_TIMEOUT", "5000", kNats, false},
    {"adapter.nats.nodesNumber", "ADAPTER_NATS_NODES_NUMBER", "null", kNats, false},
    {"appManager.driver", "APP_MANAGER_DRIVER", "\"array\"", kAppManagers, true},
    {"appManager.cache.enabled", "APP_MANAGER_CACHE_ENABLED", "false", kAppManagers, false},
    {"appManager.cache.ttl", "APP_MANAGER_CACHE_TTL", "-1", kAppManagers, false},
    {"appManager.dynamodb.table", "APP_MANAGER_DYNAMODB_TABLE", "\"apps\"", kAppManagers, false},
    {"appManager.dynamodb.region", "APP_MANAGER_DYNAMODB_REGION", "\"us-east-1\"", kAppManagers, false},
    {"appManager.dynamodb.endpoint", "APP_MANAGER_DYNAMODB_ENDPOINT", "null", kAppManagers, false},
    {"appManager.mysql.table", "APP_MANAGER_MYSQL_TABLE", "\"apps\"", kAppManagers, false},
    {"appManager.mysql.version", "APP_MANAGER_MYSQL_VERSION", "\"8.0\"", kAppManagers, false},
    {"appManager.mysql.useMysql2", "APP_MANAGER_MYSQL_USE_V2", "false", kAppManagers, false},
    {"appManager.postgres.table", "APP_MANAGER_POSTGRES_TABLE", "\"apps\"", kAppManagers, false},
    {"appManager.postgres.version", "APP_MANAGER_POSTGRES_VERSION", "\"13.3\"", kAppManagers, false},
    {"cache.driver", "CACHE_DRIVER", "\"memory\"", kCache, true},
    {"cache.redis.clusterMode", "CACHE_REDIS_CLUSTER_MODE", "false", kCache, false},
    {"cache.redis.redisOptions", "CACHE_REDIS_OPTIONS", "{}", kCache, false},
    {"cluster.hostname", "CLUSTER_HOST", "\"0.0.0.0\"", kDiscovery, false},
    {"cluster.port", "CLUSTER_PORT", "11002", kDiscovery, false},
    {"cluster.prefix", "CLUSTER_PREFIX", "\"\"", kDiscovery, false},
    {"cluster.helloInterval", "CLUSTER_KEEPALIVE_INTERVAL", "500", kDiscovery, false},
    {"cluster.checkInterval", "CLUSTER_CHECK_INTERVAL", "500", kDiscovery, false},
    {"cluster.nodeTimeout", "CLUSTER_NODE_TIMEOUT", "2000", kDiscovery, false},
    {"cluster.masterTimeout", "CLUSTER_MASTER_TIMEOUT", "2000", kDiscovery, false},
    {"cluster.ignoreProcess", "CLUSTER_IGNORE_PROCESS", "true", kDiscovery, false},
    {"cluster.broadcast", "CLUSTER_BROADCAST_ADDRESS", "\"255.255.255.255\"", kDiscovery, false},
    {"cluster.multicast", "CLUSTER_MULTICAST_ADDRESS", "null", kDiscovery, false},
    {"cluster.unicast", "CLUSTER_UNICAST_ADDRESSES", "null", kDiscovery, false},
    {"cors.credentials", nullptr, "true", kCors, false},
    {"cors.origin", nullptr, "[\"*\"]", kCors, false},
    {"cors.methods", nullptr, "[\"GET\",\"POST\",\"PUT\",\"DELETE\",\"OPTIONS\"]", kCors, false},
    {"cors.allowedHeaders", nullptr,
        "[\"Origin\",\"Content-Type\",\"X-Auth-Token\",\"X-Requested-With\",\"Accept\",\"Authorization\","
        "\"X-CSRF-TOKEN\",\"XSRF-TOKEN\",\"X-Socket-Id\"]",
        kCors, false},
    {"database.mysql.host", "DB_MYSQL_HOST", "\"127.0.0.1\"", kSqlDatabases, false},
    {"database.mysql.port", "DB_MYSQL_PORT", "3306", kSqlDatabases, false},
    {"database.mysql.user", "DB_MYSQL_USERNAME", "\"root\"", kSqlDatabases, false},
    {"database.mysql.password", "DB_MYSQL_PASSWORD", "\"password\"", kSqlDatabases, false},
    {"database.mysql.database", "DB_MYSQL_DATABASE", "\"main\"", kSqlDatabases, false},
    {"database.postgres.host", "DB_POSTGRES_HOST", "\"127.0.0.1\"", kSqlDatabases, false},
    {"database.postgres.port", "DB_POSTGRES_PORT", "5432", kSqlDatabases, false},
    {"database.postgres.user", "DB_POSTGRES_USERNAME", "\"postgres\"", kSqlDatabases, false},
    {"database.postgres.password", "DB_POSTGRES_PASSWORD", "\"password\"", kSqlDatabases, false},
    {"database.postgres.database", "DB_POSTGRES_DATABASE", "\"main\"", kSqlDatabases, false},
    {"databasePooling.enabled", "DB_POOLING_ENABLED", "false", kSqlDatabases, false},
    {"databasePooling.min", "DB_POOLING_MIN", "0", kSqlDatabases, false},
    {"databasePooling.max", "DB_POOLING_MAX", "7", kSqlDatabases, false},
    {"database.redis.keyPrefix", "DB_REDIS_KEY_PREFIX", "\"\"", kRedisExtras, false},
    {"database.redis.sentinels", "DB_REDIS_SENTINELS", "null", kRedisExtras, false},
    {"database.redis.sentinelPassword", "DB_REDIS_SENTINEL_PASSWORD", "null", kRedisExtras, false},
    {"database.redis.name", "DB_REDIS_INSTANCE_NAME", "\"mymaster\"", kRedisExtras, false},
    {"database.redis.clusterNodes", "DB_REDIS_CLUSTER_NODES", "[]", kRedisExtras, false},
    {"instance.process_id", nullptr, nullptr, "setting the instance id (the process id is used)", false},
    {"queue.driver", "QUEUE_DRIVER", "\"sync\"", kQueues, true},
    {"queue.redis.concurrency", "QUEUE_REDIS_CONCURRENCY", "1", kQueues, false},
    {"queue.redis.redisOptions", "QUEUE_REDIS_OPTIONS", "{}", kQueues, false},
    {"queue.redis.clusterMode", "QUEUE_REDIS_CLUSTER_MODE", "false", kQueues, false},
    {"queue.sqs.region", "QUEUE_SQS_REGION", "\"us-east-1\"", kQueues, false},
    {"queue.sqs.clientOptions", "QUEUE_SQS_CLIENT_OPTIONS", "{}", kQueues, false},
    {"queue.sqs.consumerOptions", nullptr, "{}", kQueues, false},
    {"queue.sqs.queueUrl", "QUEUE_SQS_URL", "\"\"", kQueues, false},
    {"queue.sqs.endpoint", "QUEUE_SQS_ENDPOINT", "null", kQueues, false},
    {"queue.sqs.processBatch", "QUEUE_SQS_PROCESS_BATCH", "false", kQueues, false},
    {"queue.sqs.batchSize", "QUEUE_SQS_BATCH_SIZE", "1", kQueues, false},
    {"queue.sqs.pollingWaitTimeMs", "QUEUE_SQS_POLLING_WAIT_TIME_MS", "0", kQueues, false},
    {"rateLimiter.driver", "RATE_LIMITER_DRIVER", "\"local\"", kRateLimiters, true},
    {"rateLimiter.redis.redisOptions", "RATE_LIMITER_REDIS_OPTIONS", "{}", kRateLimiters, false},
    {"rateLimiter.redis.clusterMode", "RATE_LIMITER_REDIS_CLUSTER_MODE", "false", kRateLimiters, false},
};

// ---------------------------------------------------------------------------------------------------
// App fields: canonical camelCase name plus soketi's SQL and DynamoDB spellings (spec §3).

using AppFieldFn = bool (*)(const ValueReader &, App &);

struct AppField
{
    const char *name;
    const char *snake; // nullptr when equal to name
    const char *pascal;
    bool secret;
    AppFieldFn apply;
};

bool readRateLimit(const ValueReader &r, int &out)
{
    int v = 0;
    if (!r.integer(v, INT_MIN, INT_MAX, QStringLiteral("an integer (-1 = unlimited)"))) {
        return false;
    }
    out = v < 0 ? -1 : v;
    return true;
}

bool readWebhooks(const ValueReader &r, App &app)
{
    QJsonArray hooks;
    if (r.json().isArray()) {
        hooks = r.json().toArray();
    } else if (r.json().isString()) {
        // SQL and DynamoDB rows keep webhooks as a JSON string.
        const QJsonDocument doc = QJsonDocument::fromJson(r.json().toString().toUtf8());
        if (!doc.isArray()) {
            r.expected(QStringLiteral("an array of webhooks"));
            return false;
        }
        hooks = doc.array();
    } else {
        r.expected(QStringLiteral("an array of webhooks"));
        return false;
    }
    static const QStringList knownEvents{QStringLiteral("client_event"), QStringLiteral("channel_occupied"),
        QStringLiteral("channel_vacated"), QStringLiteral("member_added"), QStringLiteral("member_removed"),
        QStringLiteral("cache_miss")};
    // Webhook contents (URLs, headers) may hold credentials: messages name the entry, never its values.
    for (qsizetype i = 0; i < hooks.size(); ++i) {
        if (!hooks.at(i).isObject()) {
            r.fail(QStringLiteral("webhook %1 is not an object").arg(i));
            return false;
        }
        const QJsonObject hook = hooks.at(i).toObject();
        const QString url = hook.value(QLatin1String("url")).toString();
        const QString lambda = hook.value(QLatin1String("lambda_function")).toString();
        if (url.isEmpty() && lambda.isEmpty()) {
            r.fail(QStringLiteral("webhook %1 has neither a url nor a lambda_function").arg(i));
            return false;
        }
        if (!url.isEmpty()) {
            const QUrl parsed(url, QUrl::StrictMode);
            if (!parsed.isValid()
                || (parsed.scheme() != QLatin1String("http") && parsed.scheme() != QLatin1String("https"))
                || parsed.host().isEmpty()) {
                r.fail(QStringLiteral("webhook %1: url is not an http(s) URL").arg(i));
                return false;
            }
        } else {
            r.warn(QStringLiteral("webhook %1 is an AWS Lambda webhook, which qsoketi does not send").arg(i));
        }
        const QJsonValue types = hook.value(QLatin1String("event_types"));
        if (!types.isArray()) {
            r.fail(QStringLiteral("webhook %1 has no event_types array").arg(i));
            return false;
        }
        for (const QJsonValue type : types.toArray()) {
            if (!type.isString()) {
                r.fail(QStringLiteral("webhook %1: event_types must be strings").arg(i));
                return false;
            }
            if (!knownEvents.contains(type.toString())) {
                r.warn(QStringLiteral("webhook %1: unknown event type %2 is never sent")
                           .arg(i)
                           .arg(quoted(type.toString())));
            }
        }
        if (hook.contains(QLatin1String("headers")) && !hook.value(QLatin1String("headers")).isObject()) {
            r.fail(QStringLiteral("webhook %1: headers must be an object").arg(i));
            return false;
        }
    }
    app.webhooks = hooks;
    return true;
}

const AppField kAppFields[] = {
    {"id", nullptr, "AppId", false, [](const ValueReader &r, App &a) { return r.string(a.id); }},
    {"key", nullptr, "AppKey", false, [](const ValueReader &r, App &a) { return r.string(a.key); }},
    {"secret", nullptr, "AppSecret", true, [](const ValueReader &r, App &a) { return r.string(a.secret); }},
    {"maxConnections", "max_connections", "MaxConnections", false,
        [](const ValueReader &r, App &a) {
            int v = 0;
            if (!r.integer(v, INT_MIN, INT_MAX, QStringLiteral("an integer (-1 or 0 = unlimited)"))) {
                return false;
            }
            a.maxConnections = v <= 0 ? -1 : v;
            return true;
        }},
    {"enableClientMessages", "enable_client_messages", "EnableClientMessages", false,
        [](const ValueReader &r, App &a) { return r.boolean(a.enableClientMessages); }},
    {"enabled", nullptr, "Enabled", false, [](const ValueReader &r, App &a) { return r.boolean(a.enabled); }},
    {"maxBackendEventsPerSecond", "max_backend_events_per_sec", "MaxBackendEventsPerSecond", false,
        [](const ValueReader &r, App &a) { return readRateLimit(r, a.maxBackendEventsPerSecond); }},
    {"maxClientEventsPerSecond", "max_client_events_per_sec", "MaxClientEventsPerSecond", false,
        [](const ValueReader &r, App &a) { return readRateLimit(r, a.maxClientEventsPerSecond); }},
    {"maxReadRequestsPerSecond", "max_read_req_per_sec", "MaxReadRequestsPerSecond", false,
        [](const ValueReader &r, App &a) { return readRateLimit(r, a.maxReadRequestsPerSecond); }},
    {"webhooks", nullptr, "Webhooks", true, readWebhooks},
    {"maxPresenceMembersPerChannel", "max_presence_members_per_channel", "MaxPresenceMembersPerChannel", false,
        [](const ValueReader &r, App &a) {
            return r.integer(a.maxPresenceMembersPerChannel, 1, INT_MAX, QStringLiteral("an integer >= 1"));
        }},
    {"maxPresenceMemberSizeInKb", "max_presence_member_size_in_kb", "MaxPresenceMemberSizeInKb", false,
        [](const ValueReader &r, App &a) {
            return r.number(a.maxPresenceMemberSizeInKb, 0, true, QStringLiteral("a size in KB > 0"));
        }},
    {"maxChannelNameLength", "max_channel_name_length", "MaxChannelNameLength", false,
        [](const ValueReader &r, App &a) {
            return r.integer(a.maxChannelNameLength, 1, INT_MAX, QStringLiteral("an integer >= 1"));
        }},
    {"maxEventChannelsAtOnce", "max_event_channels_at_once", "MaxEventChannelsAtOnce", false,
        [](const ValueReader &r, App &a) {
            return r.integer(a.maxEventChannelsAtOnce, 1, INT_MAX, QStringLiteral("an integer >= 1"));
        }},
    {"maxEventNameLength", "max_event_name_length", "MaxEventNameLength", false,
        [](const ValueReader &r, App &a) {
            return r.integer(a.maxEventNameLength, 1, INT_MAX, QStringLiteral("an integer >= 1"));
        }},
    {"maxEventPayloadInKb", "max_event_payload_in_kb", "MaxEventPayloadInKb", false,
        [](const ValueReader &r, App &a) {
            return r.number(a.maxEventPayloadInKb, 0, true, QStringLiteral("a size in KB > 0"));
        }},
    {"maxEventBatchSize", "max_event_batch_size", "MaxEventBatchSize", false,
        [](const ValueReader &r, App &a) {
            return r.integer(a.maxEventBatchSize, 1, INT_MAX, QStringLiteral("an integer >= 1"));
        }},
    {"enableUserAuthentication", "enable_user_authentication", "EnableUserAuthentication", false,
        [](const ValueReader &r, App &a) { return r.boolean(a.enableUserAuthentication); }},
    // qsoketi extension.
    {"enableSubscriptionCount", "enable_subscription_count", "EnableSubscriptionCount", false,
        [](const ValueReader &r, App &a) { return r.boolean(a.enableSubscriptionCount); }},
};

// SOKETI_DEFAULT_APP_* → field of app 0.
struct DefaultAppVariable
{
    const char *env;
    const char *field;
};

const DefaultAppVariable kDefaultAppVariables[] = {
    {"DEFAULT_APP_ID", "id"}, {"DEFAULT_APP_KEY", "key"}, {"DEFAULT_APP_SECRET", "secret"},
    {"DEFAULT_APP_MAX_CONNS", "maxConnections"}, {"DEFAULT_APP_ENABLE_CLIENT_MESSAGES", "enableClientMessages"},
    {"DEFAULT_APP_ENABLED", "enabled"}, {"DEFAULT_APP_MAX_BACKEND_EVENTS_PER_SEC", "maxBackendEventsPerSecond"},
    {"DEFAULT_APP_MAX_CLIENT_EVENTS_PER_SEC", "maxClientEventsPerSecond"},
    {"DEFAULT_APP_MAX_READ_REQ_PER_SEC", "maxReadRequestsPerSecond"},
    {"DEFAULT_APP_USER_AUTHENTICATION", "enableUserAuthentication"}, {"DEFAULT_APP_WEBHOOKS", "webhooks"},
    {"DEFAULT_APP_ENABLE_SUBSCRIPTION_COUNT", "enableSubscriptionCount"}, // qsoketi extension
};

const Option *findOption(const QString &path)
{
    for (const Option &option : kOptions) {
        if (path == QLatin1String(option.path)) {
            return &option;
        }
    }
    return nullptr;
}

const Unsupported *findUnsupported(const QString &path)
{
    for (const Unsupported &entry : kUnsupported) {
        if (path == QLatin1String(entry.path)) {
            return &entry;
        }
    }
    return nullptr;
}

const AppField *findAppField(const QString &name)
{
    for (const AppField &field : kAppFields) {
        if (name == QLatin1String(field.name) || (field.snake && name == QLatin1String(field.snake))
            || name == QLatin1String(field.pascal)) {
            return &field;
        }
    }
    return nullptr;
}

// Option path for a SOKETI_ name without its prefix; empty when neither soketi nor qsoketi has it.
QString pathForVariable(const QString &name)
{
    for (const Option &option : kOptions) {
        if (option.env && name == QLatin1String(option.env)) {
            return QLatin1String(option.path);
        }
    }
    for (const Unsupported &entry : kUnsupported) {
        if (entry.env && name == QLatin1String(entry.env)) {
            return QLatin1String(entry.path);
        }
    }
    for (const DefaultAppVariable &variable : kDefaultAppVariables) {
        if (name == QLatin1String(variable.env)) {
            return kAppsPath + QStringLiteral(".0.") + QLatin1String(variable.field);
        }
    }
    return {};
}

// Parents of every option path ("metrics", "metrics.prometheus", …): a config-file key naming one of them
// may hold an object of sub-options.
const QSet<QString> &parentPaths()
{
    static const QSet<QString> parents = [] {
        QStringList paths;
        for (const Option &option : kOptions) {
            paths.append(QLatin1String(option.path));
        }
        for (const Unsupported &entry : kUnsupported) {
            paths.append(QLatin1String(entry.path));
        }
        paths.append(kAppsPath);
        QSet<QString> result;
        for (const QString &path : std::as_const(paths)) {
            for (qsizetype dot = path.indexOf(u'.'); dot > 0; dot = path.indexOf(u'.', dot + 1)) {
                result.insert(path.left(dot));
            }
        }
        return result;
    }();
    return parents;
}

// Dotted keys in a useful order: parents before children, numeric segments by value (apps.2 < apps.10).
// QJsonObject has already lost the file's order, so this order is what makes results deterministic.
bool naturalLess(const QString &a, const QString &b)
{
    const QStringList pa = a.split(u'.');
    const QStringList pb = b.split(u'.');
    for (qsizetype i = 0; i < std::min(pa.size(), pb.size()); ++i) {
        if (pa.at(i) == pb.at(i)) {
            continue;
        }
        bool na = false;
        bool nb = false;
        const qlonglong x = pa.at(i).toLongLong(&na);
        const qlonglong y = pb.at(i).toLongLong(&nb);
        if (na && nb) {
            return x < y;
        }
        return pa.at(i) < pb.at(i);
    }
    return pa.size() < pb.size();
}

QStringList sortedKeys(const QJsonObject &object)
{
    QStringList keys = object.keys();
    std::sort(keys.begin(), keys.end(), naturalLess);
    return keys;
}

bool isUnset(const ConfigValue &value)
{
    return value.json.isNull() || value.json.isUndefined()
        || (value.json.isString() && value.json.toString().isEmpty());
}

QString unknownKey(const QString &path, const QString &file)
{
    return QStringLiteral("unknown key \"%1\" in %2").arg(path, file);
}

} // namespace

// ---------------------------------------------------------------------------------------------------

QString ConfigSource::label() const
{
    switch (kind) {
    case Kind::ConfigFile:
        return QStringLiteral("\"%1\" in %2").arg(key, file);
    case Kind::DotEnv:
        return QStringLiteral("%1 (from %2)").arg(key, file);
    case Kind::Environment:
        return key;
    case Kind::BuiltIn:
        break;
    }
    return key.isEmpty() ? QStringLiteral("built-in default")
                         : QStringLiteral("the default app (%1, SOKETI_DEFAULT_APP_*)").arg(key);
}

ConfigValue ConfigValue::fromText(const QString &text)
{
    ConfigValue value;
    value.text = text;
    value.hasText = true;
    // QJsonDocument only parses arrays and objects, so scalars are parsed as the single element of an array.
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray("[") + text.toUtf8() + QByteArray("]"), &error);
    if (error.error == QJsonParseError::NoError && doc.isArray() && doc.array().size() == 1) {
        value.json = doc.array().at(0);
    } else {
        value.json = text;
    }
    return value;
}

ConfigValue ConfigValue::fromJson(const QJsonValue &json)
{
    ConfigValue value;
    value.json = json;
    return value;
}

ConfigBuilder::ConfigBuilder()
{
    // soketi's default app (appManager.array.apps.0); its other fields fall back to App's defaults.
    RawApp app;
    app.origin = ConfigSource{ConfigSource::Kind::BuiltIn, kAppsPath + QStringLiteral(".0"), {}};
    const App defaults;
    const ConfigSource builtIn{ConfigSource::Kind::BuiltIn, {}, {}};
    app.fields.insert(QStringLiteral("id"), RawField{ConfigValue::fromJson(defaults.id), builtIn});
    app.fields.insert(QStringLiteral("key"), RawField{ConfigValue::fromJson(defaults.key), builtIn});
    app.fields.insert(QStringLiteral("secret"), RawField{ConfigValue::fromJson(defaults.secret), builtIn});
    m_apps.append(app);
}

bool ConfigBuilder::isKnownEnvironmentVariable(const QString &name)
{
    return name.startsWith(kEnvPrefix) && !pathForVariable(name.mid(kEnvPrefix.size())).isEmpty();
}

void ConfigBuilder::applyConfigFile(const QJsonObject &root, const QString &fileLabel)
{
    for (const QString &key : sortedKeys(root)) {
        applyFileValue(key, root.value(key), fileLabel);
    }
}

void ConfigBuilder::applyFileValue(const QString &path, const QJsonValue &value, const QString &fileLabel)
{
    const ConfigSource source{ConfigSource::Kind::ConfigFile, path, fileLabel};
    if (route(path, ConfigValue::fromJson(value), source)) {
        return;
    }
    if (parentPaths().contains(path)) {
        if (!value.isObject()) {
            m_errors.append(source.label()
                + QStringLiteral(": expected an object of options, got %1")
                      .arg(describe(ConfigValue::fromJson(value), true)));
            return;
        }
        const QJsonObject object = value.toObject();
        for (const QString &key : sortedKeys(object)) {
            applyFileValue(path + u'.' + key, object.value(key), fileLabel);
        }
        return;
    }
    m_errors.append(unknownKey(path, fileLabel));
}

void ConfigBuilder::applyEnvironmentVariable(const QString &name, const QString &text, const ConfigSource &source)
{
    if (text.isEmpty() || !name.startsWith(kEnvPrefix)) {
        return; // soketi: an empty variable is not set
    }
    const QString path = pathForVariable(name.mid(kEnvPrefix.size()));
    if (path.isEmpty()) {
        // Kubernetes (and Docker links) inject these for a Service/container named "soketi".
        static const QRegularExpression serviceLink(QStringLiteral(
            "^SOKETI_(SERVICE_HOST|SERVICE_PORT(_\\w+)?|PORT_\\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)$"));
        if (serviceLink.match(name).hasMatch()) {
            m_warnings.append(source.label()
                + QStringLiteral(": looks like a Kubernetes/Docker service-link variable, not a setting; ignored"));
            return;
        }
        m_errors.append(source.label()
            + QStringLiteral(": unknown setting; neither soketi nor qsoketi has this variable (a typo?)"));
        return;
    }
    route(path, ConfigValue::fromText(text), source);
}

bool ConfigBuilder::route(const QString &path, const ConfigValue &value, const ConfigSource &source)
{
    if (path == kAppsPath || path.startsWith(kAppsPath + u'.')) {
        return routeApp(path, value, source);
    }
    if (const Option *option = findOption(path)) {
        if (value.json.isNull() || value.json.isUndefined()) {
            return true; // null = not set (soketi's null defaults)
        }
        const ValueReader reader(value, source, option->secret, m_errors, m_warnings);
        option->apply(reader, m_config, m_limits);
        m_sources.insert(path, source);
        return true;
    }
    if (const Unsupported *entry = findUnsupported(path)) {
        if (value.json.isNull() || value.json.isUndefined()) {
            return true;
        }
        if (entry->soketiDefault) {
            const ConfigValue soketiDefault = ConfigValue::fromText(QLatin1String(entry->soketiDefault));
            if (soketiDefault.json == value.json
                || (value.hasText && soketiDefault.json.isString() && soketiDefault.json.toString() == value.text)) {
                return true;
            }
        }
        const QString shown = entry->showValue && value.json.isString()
            ? QStringLiteral(" (%1)").arg(quoted(value.json.toString()))
            : QString();
        m_warnings.append(source.label() + shown
            + QStringLiteral(": ignored, qsoketi does not implement %1").arg(QLatin1String(entry->feature)));
        return true;
    }
    return false;
}

bool ConfigBuilder::routeApp(const QString &path, const ConfigValue &value, const ConfigSource &source)
{
    static const QRegularExpression appPath(QStringLiteral("^appManager\\.array\\.apps(?:\\.(\\d+)(?:\\.([^.]+))?)?$"));
    const QRegularExpressionMatch match = appPath.match(path);
    if (!match.hasMatch()) {
        return false;
    }
    if (match.captured(1).isEmpty()) {
        setApps(value, source);
        return true;
    }
    bool indexOk = false;
    const int index = match.captured(1).toInt(&indexOk);
    if (!indexOk) {
        return false;
    }
    const QString fieldName = match.captured(2);
    const AppField *field = fieldName.isEmpty() ? nullptr : findAppField(fieldName);
    if (!fieldName.isEmpty() && !field) {
        return false; // unknown app field → unknown key
    }
    if (index > m_apps.size()) {
        m_errors.append(source.label()
            + QStringLiteral(": app %1 would leave a gap; apps are numbered 0, 1, 2… and there are %2")
                  .arg(index)
                  .arg(m_apps.size()));
        return true;
    }
    if (!field) {
        bool ok = false;
        RawApp app = readApp(kAppsPath + u'.' + QString::number(index), value.json, source, &ok);
        if (ok) {
            if (index == m_apps.size()) {
                m_apps.append(app);
            } else {
                m_apps[index] = app;
            }
        }
        return true;
    }
    setAppField(index, QLatin1String(field->name), value, source);
    return true;
}

void ConfigBuilder::setApps(const ConfigValue &value, const ConfigSource &source)
{
    if (!value.json.isArray()) {
        m_errors.append(
            source.label() + QStringLiteral(": expected an array of app objects, got %1").arg(describe(value, true)));
        return;
    }
    const QJsonArray array = value.json.toArray();
    QList<RawApp> apps;
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString path = kAppsPath + u'.' + QString::number(i);
        const ConfigSource elementSource{source.kind, path, source.file};
        bool ok = false;
        RawApp app = readApp(path, array.at(i), elementSource, &ok);
        if (ok) {
            apps.append(app);
        } else {
            m_appsRejected = true;
        }
    }
    m_apps = apps;
    m_sources.insert(kAppsPath, source);
}

ConfigBuilder::RawApp ConfigBuilder::readApp(
    const QString &path, const QJsonValue &value, const ConfigSource &source, bool *ok)
{
    RawApp app;
    app.origin = ConfigSource{source.kind, path, source.file};
    *ok = false;
    if (!value.isObject()) {
        m_errors.append(app.origin.label()
            + QStringLiteral(": expected an app object, got %1").arg(describe(ConfigValue::fromJson(value), true)));
        return app;
    }
    const QJsonObject object = value.toObject();
    for (const QString &key : sortedKeys(object)) {
        const AppField *field = findAppField(key);
        if (!field) {
            m_errors.append(unknownKey(path + u'.' + key, source.file));
            continue;
        }
        app.fields.insert(QLatin1String(field->name),
            RawField{
                ConfigValue::fromJson(object.value(key)), ConfigSource{source.kind, path + u'.' + key, source.file}});
    }
    *ok = true; // unknown keys are reported, the rest of the app still counts
    return app;
}

void ConfigBuilder::setAppField(int index, const QString &field, const ConfigValue &value, const ConfigSource &source)
{
    if (index == m_apps.size()) {
        RawApp app;
        app.origin = source.kind == ConfigSource::Kind::ConfigFile
            ? ConfigSource{source.kind, kAppsPath + u'.' + QString::number(index), source.file}
            : source;
        m_apps.append(app);
    }
    m_apps[index].fields.insert(field, RawField{value, source});
}

bool ConfigBuilder::resolveApp(const RawApp &raw, App *app)
{
    App resolved;
    resolved.id.clear();
    resolved.key.clear();
    resolved.secret.clear();
    resolved.maxChannelNameLength = m_limits.maxChannelNameLength;
    resolved.maxEventChannelsAtOnce = m_limits.maxEventChannelsAtOnce;
    resolved.maxEventNameLength = m_limits.maxEventNameLength;
    resolved.maxEventPayloadInKb = m_limits.maxEventPayloadInKb;
    resolved.maxEventBatchSize = m_limits.maxEventBatchSize;
    resolved.maxPresenceMembersPerChannel = m_limits.maxPresenceMembersPerChannel;
    resolved.maxPresenceMemberSizeInKb = m_limits.maxPresenceMemberSizeInKb;

    bool ok = true;
    for (const AppField &field : kAppFields) {
        const auto it = raw.fields.constFind(QLatin1String(field.name));
        if (it == raw.fields.constEnd() || isUnset(it->value)) {
            continue; // spec §3: null or "" falls back to the default
        }
        const ValueReader reader(it->value, it->source, field.secret, m_errors, m_warnings);
        ok = field.apply(reader, resolved) && ok;
    }
    const QString who =
        resolved.id.isEmpty() ? QStringLiteral("the app") : QStringLiteral("app \"%1\"").arg(resolved.id);
    const std::pair<const char *, const QString *> required[] = {
        {"id", &resolved.id}, {"key", &resolved.key}, {"secret", &resolved.secret}};
    for (const auto &[name, value] : required) {
        if (value->isEmpty()) {
            m_errors.append(raw.origin.label() + QStringLiteral(": %1 has no %2").arg(who, QLatin1String(name)));
            ok = false;
        }
    }
    *app = resolved;
    return ok;
}

void ConfigBuilder::checkCombinations()
{
    const auto labelOf = [this](const char *path, const QString &fallback) {
        const auto it = m_sources.constFind(QLatin1String(path));
        return it == m_sources.constEnd() ? fallback : it->label();
    };

    const bool hasCert = !m_config.sslCertPath.isEmpty();
    const bool hasKey = !m_config.sslKeyPath.isEmpty();
    if (hasCert && !hasKey) {
        m_errors.append(labelOf("ssl.certPath", QStringLiteral("ssl.certPath"))
            + QStringLiteral(": TLS needs a key too (SOKETI_SSL_KEY / \"ssl.keyPath\")"));
    } else if (hasKey && !hasCert) {
        m_errors.append(labelOf("ssl.keyPath", QStringLiteral("ssl.keyPath"))
            + QStringLiteral(": TLS needs a certificate too (SOKETI_SSL_CERT / \"ssl.certPath\")"));
    }
    const std::pair<const char *, const QString *> files[] = {{"ssl.certPath", &m_config.sslCertPath},
        {"ssl.keyPath", &m_config.sslKeyPath}, {"ssl.caPath", &m_config.sslCaPath}};
    for (const auto &[path, file] : files) {
        if (file->isEmpty()) {
            continue;
        }
        const QFileInfo info(*file);
        if (!info.isFile() || !info.isReadable()) {
            m_errors.append(
                labelOf(path, QLatin1String(path)) + QStringLiteral(": %1 is not a readable file").arg(quoted(*file)));
        }
    }

    // Two listeners can share a port only on distinct, specific addresses.
    const auto isWildcard = [](const QString &host) {
        return QHostAddress(host).isEqual(QHostAddress::AnyIPv4) || QHostAddress(host).isEqual(QHostAddress::AnyIPv6);
    };
    const bool addressesOverlap =
        m_config.metrics.host == m_config.host || isWildcard(m_config.host) || isWildcard(m_config.metrics.host);
    if (m_config.metrics.port == m_config.port && addressesOverlap) {
        const QString label = m_sources.contains(QStringLiteral("metrics.port"))
            ? labelOf("metrics.port", {})
            : labelOf("port", QStringLiteral("port"));
        m_errors.append(
            label + QStringLiteral(": the metrics server and the main server cannot share port %1").arg(m_config.port));
    }

    if (!m_config.pathPrefix.isEmpty() && !m_config.pathPrefix.startsWith(u'/')) {
        m_warnings.append(labelOf("pathPrefix", QStringLiteral("pathPrefix"))
            + QStringLiteral(": %1 does not start with \"/\", so no request path can match it")
                  .arg(quoted(m_config.pathPrefix)));
    }
}

ConfigResult ConfigBuilder::finish()
{
    QList<App> apps;
    QList<const RawApp *> origins;
    for (const RawApp &raw : std::as_const(m_apps)) {
        App app;
        if (resolveApp(raw, &app)) {
            apps.append(app);
            origins.append(&raw);
        }
    }
    if (m_apps.isEmpty() && !m_appsRejected) {
        const auto it = m_sources.constFind(kAppsPath);
        m_errors.append((it == m_sources.constEnd() ? QString(kAppsPath) : it->label())
            + QStringLiteral(": no apps are defined; at least one is needed"));
    }
    // Apps are found by id (HTTP API) and by key (WebSocket): both must be unique.
    for (qsizetype i = 0; i < apps.size(); ++i) {
        for (qsizetype j = 0; j < i; ++j) {
            if (apps.at(i).id == apps.at(j).id) {
                m_errors.append(origins.at(i)->origin.label()
                    + QStringLiteral(": duplicate app id \"%1\" (also used by %2)")
                          .arg(apps.at(i).id, origins.at(j)->origin.label()));
                break;
            }
            if (apps.at(i).key == apps.at(j).key) {
                m_errors.append(origins.at(i)->origin.label()
                    + QStringLiteral(": duplicate app key \"%1\" (also used by %2)")
                          .arg(apps.at(i).key, origins.at(j)->origin.label()));
                break;
            }
        }
        if (apps.at(i).secret == App{}.secret) {
            m_warnings.append(QStringLiteral("app \"%1\" uses soketi's well-known default secret; set "
                                             "SOKETI_DEFAULT_APP_SECRET or the app's \"secret\" before exposing "
                                             "the server")
                                  .arg(apps.at(i).id));
        }
    }
    m_config.apps = apps;
    checkCombinations();
    return ConfigResult{m_config, m_errors, m_warnings};
}

} // namespace qsoketi
