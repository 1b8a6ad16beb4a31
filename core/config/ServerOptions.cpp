// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/ServerOptions.h"

#include <climits>
#include <vector>

#include <QHostAddress>
#include <QJsonArray>
#include <QRegularExpression>

#include "apps/SqlAppSchema.h"
#include "config/ClusterOptions.h"
#include "config/ValueReader.h"

namespace qsoketi {

namespace {

using Option = ServerOptions::Option;

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

void readTableName(const ValueReader &r, QString &out)
{
    QString table;
    if (!r.string(table)) {
        return;
    }
    if (!SqlAppSchema::isValidTableName(table)) {
        r.expected(QStringLiteral("a table name of letters, digits, _ and $ (schema.table allowed)"));
        return;
    }
    out = table;
}

void readServerHost(const ValueReader &r, QString &out)
{
    QString host;
    if (!r.string(host)) {
        return;
    }
    if (host.trimmed().isEmpty()) {
        r.expected(QStringLiteral("a host name or address"));
        return;
    }
    out = host.trimmed();
}

// Grouped as in soketi's config; qsoketi's own options come last.
const Option kOptions[] = {
    {"debug", "DEBUG", false, [](const ValueReader &r, ServerConfig &c, App &) { r.boolean(c.debug); }},
    {"host", "HOST", false, [](const ValueReader &r, ServerConfig &c, App &) { readHost(r, c.host); }},
    {"port", "PORT", false, [](const ValueReader &r, ServerConfig &c, App &) { r.port(c.port); }},
    {"pathPrefix", "PATH_PREFIX", false, [](const ValueReader &r, ServerConfig &c, App &) { r.string(c.pathPrefix); }},
    {"mode", "MODE", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            QString mode;
            if (!r.string(mode)) {
                return;
            }
            if (mode != QLatin1String("full") && mode != QLatin1String("server") && mode != QLatin1String("worker")) {
                r.fail(QStringLiteral("%1 is not a mode; use full, server or worker").arg(ValueReader::quoted(mode)));
                return;
            }
            c.mode = mode;
        }},
    {"workers", "WORKERS", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.workers, 0, 256, QStringLiteral("a number of event loops 0-256 (0: one per core)"));
        }},
    {"shutdownGracePeriod", "SHUTDOWN_GRACE_PERIOD", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.shutdownGracePeriodMs, 0, INT_MAX, QStringLiteral("milliseconds >= 0"));
        }},
    {"userAuthenticationTimeout", "USER_AUTHENTICATION_TIMEOUT", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.userAuthenticationTimeoutMs, 1, INT_MAX, QStringLiteral("milliseconds >= 1"));
        }},
    {"httpApi.acceptTraffic.memoryThreshold", "HTTP_ACCEPT_TRAFFIC_MEMORY_THRESHOLD", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.acceptTrafficMemoryThreshold, 0, 100, QStringLiteral("a percentage 0-100"));
        }},
    {"httpApi.requestLimitInMb", "HTTP_REQUEST_LIMIT_IN_MB", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.number(c.httpRequestLimitInMb, 0, true, QStringLiteral("a size in MB > 0"));
        }},
    {"ssl.certPath", "SSL_CERT", false, [](const ValueReader &r, ServerConfig &c, App &) { r.string(c.sslCertPath); }},
    {"ssl.keyPath", "SSL_KEY", false, [](const ValueReader &r, ServerConfig &c, App &) { r.string(c.sslKeyPath); }},
    {"ssl.passphrase", "SSL_PASS", true,
        [](const ValueReader &r, ServerConfig &c, App &) { r.string(c.sslPassphrase); }},
    {"ssl.caPath", "SSL_CA", false, [](const ValueReader &r, ServerConfig &c, App &) { r.string(c.sslCaPath); }},

    {"channelLimits.maxNameLength", "CHANNEL_LIMITS_MAX_NAME_LENGTH", false,
        [](const ValueReader &r, ServerConfig &, App &l) { readCount(r, l.maxChannelNameLength); }},
    {"channelLimits.cacheTtl", "CHANNEL_CACHE_TTL", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.cacheTtlSeconds, -1, INT_MAX, QStringLiteral("seconds >= -1 (-1 or 0 = never expires)"));
        }},
    {"eventLimits.maxChannelsAtOnce", "EVENT_MAX_CHANNELS_AT_ONCE", false,
        [](const ValueReader &r, ServerConfig &, App &l) { readCount(r, l.maxEventChannelsAtOnce); }},
    {"eventLimits.maxNameLength", "EVENT_MAX_NAME_LENGTH", false,
        [](const ValueReader &r, ServerConfig &, App &l) { readCount(r, l.maxEventNameLength); }},
    {"eventLimits.maxPayloadInKb", "EVENT_MAX_SIZE_IN_KB", false,
        [](const ValueReader &r, ServerConfig &, App &l) { readKb(r, l.maxEventPayloadInKb); }},
    {"eventLimits.maxBatchSize", "EVENT_MAX_BATCH_SIZE", false,
        [](const ValueReader &r, ServerConfig &, App &l) { readCount(r, l.maxEventBatchSize); }},
    {"presence.maxMembersPerChannel", "PRESENCE_MAX_MEMBERS", false,
        [](const ValueReader &r, ServerConfig &, App &l) { readCount(r, l.maxPresenceMembersPerChannel); }},
    {"presence.maxMemberSizeInKb", "PRESENCE_MAX_MEMBER_SIZE", false,
        [](const ValueReader &r, ServerConfig &, App &l) { readKb(r, l.maxPresenceMemberSizeInKb); }},

    {"metrics.enabled", "METRICS_ENABLED", false,
        [](const ValueReader &r, ServerConfig &c, App &) { r.boolean(c.metrics.enabled); }},
    {"metrics.driver", "METRICS_DRIVER", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            QString driver;
            if (!r.string(driver)) {
                return;
            }
            if (driver != QLatin1String("prometheus")) {
                r.fail(QStringLiteral("%1 is not supported: only prometheus is supported")
                           .arg(ValueReader::quoted(driver)));
                return;
            }
            c.metrics.driver = driver;
        }},
    {"metrics.host", "METRICS_HOST", false,
        [](const ValueReader &r, ServerConfig &c, App &) { readHost(r, c.metrics.host); }},
    {"metrics.port", "METRICS_SERVER_PORT", false,
        [](const ValueReader &r, ServerConfig &c, App &) { r.port(c.metrics.port); }},
    {"metrics.prometheus.prefix", "METRICS_PROMETHEUS_PREFIX", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            QString prefix;
            if (!r.string(prefix)) {
                return;
            }
            static const QRegularExpression valid(QStringLiteral("^[a-zA-Z_:][a-zA-Z0-9_:]*$"));
            if (!prefix.isEmpty() && !valid.match(prefix).hasMatch()) {
                r.fail(QStringLiteral("%1 would not make valid Prometheus metric names (allowed: letters, digits, "
                                      "_ and :, not starting with a digit)")
                           .arg(ValueReader::quoted(prefix)));
                return;
            }
            c.metrics.prefix = prefix;
        }},
    {"metrics.prometheus.portInName", "METRICS_PROMETHEUS_PORT_IN_NAME", false,
        [](const ValueReader &r, ServerConfig &c, App &) { r.boolean(c.metrics.portInName); }},

    {"appManager.driver", "APP_MANAGER_DRIVER", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            QString name;
            if (!r.string(name)) {
                return;
            }
            // Never a fallback to the array driver: its default app has a key the whole internet knows.
            if (!AppStoreConfig::driverFromName(name.trimmed(), &c.appStore.driver)) {
                r.fail(QStringLiteral("%1 is not supported: qsoketi's app managers are array, mysql, postgres and "
                                      "sqlite")
                           .arg(ValueReader::quoted(name)));
            }
        }},
    {"appManager.cache.enabled", "APP_MANAGER_CACHE_ENABLED", false,
        [](const ValueReader &r, ServerConfig &c, App &) { r.boolean(c.appStore.cacheEnabled); }},
    {"appManager.cache.ttl", "APP_MANAGER_CACHE_TTL", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.appStore.cacheTtlSeconds, -1, INT_MAX / 1000,
                QStringLiteral("seconds >= -1 (-1 or 0 = never re-read)"));
        }},
    {"appManager.mysql.table", "APP_MANAGER_MYSQL_TABLE", false,
        [](const ValueReader &r, ServerConfig &c, App &) { readTableName(r, c.appStore.mysql.table); }},
    {"appManager.postgres.table", "APP_MANAGER_POSTGRES_TABLE", false,
        [](const ValueReader &r, ServerConfig &c, App &) { readTableName(r, c.appStore.postgres.table); }},
    {"database.mysql.host", "DB_MYSQL_HOST", false,
        [](const ValueReader &r, ServerConfig &c, App &) { readServerHost(r, c.appStore.mysql.host); }},
    {"database.mysql.port", "DB_MYSQL_PORT", false,
        [](const ValueReader &r, ServerConfig &c, App &) { r.port(c.appStore.mysql.port); }},
    {"database.mysql.user", "DB_MYSQL_USERNAME", false,
        [](const ValueReader &r, ServerConfig &c, App &) { r.string(c.appStore.mysql.username); }},
    {"database.mysql.password", "DB_MYSQL_PASSWORD", true,
        [](const ValueReader &r, ServerConfig &c, App &) { r.string(c.appStore.mysql.password); }},
    {"database.mysql.database", "DB_MYSQL_DATABASE", false,
        [](const ValueReader &r, ServerConfig &c, App &) { r.string(c.appStore.mysql.database); }},
    {"database.postgres.host", "DB_POSTGRES_HOST", false,
        [](const ValueReader &r, ServerConfig &c, App &) { readServerHost(r, c.appStore.postgres.host); }},
    {"database.postgres.port", "DB_POSTGRES_PORT", false,
        [](const ValueReader &r, ServerConfig &c, App &) { r.port(c.appStore.postgres.port); }},
    {"database.postgres.user", "DB_POSTGRES_USERNAME", false,
        [](const ValueReader &r, ServerConfig &c, App &) { r.string(c.appStore.postgres.username); }},
    {"database.postgres.password", "DB_POSTGRES_PASSWORD", true,
        [](const ValueReader &r, ServerConfig &c, App &) { r.string(c.appStore.postgres.password); }},
    {"database.postgres.database", "DB_POSTGRES_DATABASE", false,
        [](const ValueReader &r, ServerConfig &c, App &) { r.string(c.appStore.postgres.database); }},

    {"webhooks.batching.enabled", "WEBHOOKS_BATCHING", false,
        [](const ValueReader &r, ServerConfig &c, App &) { r.boolean(c.webhooksBatching); }},
    {"webhooks.batching.duration", "WEBHOOKS_BATCHING_DURATION", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.webhooksBatchingDurationMs, 1, INT_MAX, QStringLiteral("milliseconds >= 1"));
        }},

    // qsoketi extensions (listed in ConfigLoader.h).
    {"wsMaxMessageSizeInKb", "WS_MAX_MESSAGE_SIZE_IN_KB", false,
        [](const ValueReader &r, ServerConfig &c,
            App &) { r.integer(c.wsMaxMessageSizeInKb, 1, 1048576, QStringLiteral("a size in KB 1-1048576")); }},
    {"wsMaxBackpressureInKb", "WS_MAX_BACKPRESSURE_IN_KB", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            int kb = 0;
            if (r.integer(kb, 1, 1048576, QStringLiteral("a size in KB 1-1048576"))) {
                c.wsMaxBackpressureBytes = qint64(kb) * 1024;
            }
        }},
    {"wsIdleTimeout", "WS_IDLE_TIMEOUT", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.wsIdleTimeoutSeconds, 0, INT_MAX / 1000, QStringLiteral("seconds >= 0 (0 = never)"));
        }},
    {"database.sqlite.path", "DB_SQLITE_PATH", false,
        [](const ValueReader &r, ServerConfig &c, App &) { r.string(c.appStore.sqlitePath); }},
    {"webhooks.leaveDelay", "WEBHOOKS_LEAVE_DELAY", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.webhooksLeaveDelayMs, 0, 3600000, QStringLiteral("milliseconds 0-3600000 (0 = send at once)"));
        }},
    {"webhooks.retry.firstDelay", "WEBHOOKS_RETRY_FIRST_DELAY", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.webhooksRetryFirstDelayMs, 1, INT_MAX, QStringLiteral("milliseconds >= 1"));
        }},
    {"webhooks.retry.maxDelay", "WEBHOOKS_RETRY_MAX_DELAY", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.webhooksRetryMaxDelayMs, 1, INT_MAX, QStringLiteral("milliseconds >= 1"));
        }},
    {"webhooks.retry.window", "WEBHOOKS_RETRY_WINDOW", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.webhooksRetryWindowMs, 0, INT_MAX, QStringLiteral("milliseconds >= 0 (0 = never retry)"));
        }},
    {"webhooks.timeout", "WEBHOOKS_TIMEOUT", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.webhooksTimeoutMs, 1, INT_MAX, QStringLiteral("milliseconds >= 1"));
        }},
    {"webhooks.maxQueuePerApp", "WEBHOOKS_MAX_QUEUE_PER_APP", false,
        [](const ValueReader &r, ServerConfig &c, App &) { readCount(r, c.webhooksMaxQueuePerApp); }},
    {"webhooks.deliveryLog.size", "WEBHOOKS_DELIVERY_LOG_SIZE", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            r.integer(c.webhooksDeliveryLogSize, 1, 100000, QStringLiteral("an integer 1-100000"));
        }},
    {"channelLimits.maxPerConnection", "CHANNEL_LIMITS_MAX_PER_CONNECTION", false,
        [](const ValueReader &r, ServerConfig &c, App &) {
            // 0 would refuse every subscription; unlimited is spelled -1 as elsewhere in soketi's limits.
            const QString what = QStringLiteral("an integer >= 1 or -1 (unlimited)");
            int limit = 0;
            if (!r.integer(limit, -1, INT_MAX, what)) {
                return;
            }
            if (limit == 0) {
                r.expected(what);
                return;
            }
            c.maxChannelsPerConnection = limit;
        }},
};

} // namespace

std::span<const ServerOptions::Option> ServerOptions::all()
{
    // One table for the readers (--help, the generated docs): the server's rows, then the cluster's.
    static const std::vector<Option> everything = [] {
        std::vector<Option> rows(std::begin(kOptions), std::end(kOptions));
        const std::span<const Option> cluster = ClusterOptions::all();
        rows.insert(rows.end(), cluster.begin(), cluster.end());
        return rows;
    }();
    return everything;
}

const ServerOptions::Option *ServerOptions::find(const QString &path)
{
    for (const Option &option : all()) {
        if (path == QLatin1String(option.path)) {
            return &option;
        }
    }
    return nullptr;
}

const ServerOptions::Option *ServerOptions::findByVariable(const QString &name)
{
    for (const Option &option : all()) {
        if (option.env && name == QLatin1String(option.env)) {
            return &option;
        }
    }
    return nullptr;
}

} // namespace qsoketi
