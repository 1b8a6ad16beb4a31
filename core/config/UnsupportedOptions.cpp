// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/UnsupportedOptions.h"

#include "config/ValueReader.h"

namespace qsoketi {

namespace {

using Option = UnsupportedOptions::Option;

const char *const kRedisTuning = "Redis adapter tuning (cluster/shard mode, custom ioredis options)";
const char *const kClusterAdapter = "the cluster adapter";
const char *const kNats = "NATS credentials files (use SOKETI_ADAPTER_NATS_USER/PASSWORD or TOKEN)";
const char *const kDiscovery = "cluster discovery (node-discover)";
const char *const kDynamoDb = "the DynamoDB app manager";
const char *const kKnex = "knex client settings (Qt's MySQL/PostgreSQL drivers need none)";
const char *const kPooling = "database connection pooling (each server keeps one connection to the app database)";
const char *const kRedisExtras = "Redis Sentinel/Cluster connections and Redis key prefixes";
const char *const kCache = "Redis Cluster and custom ioredis options for the cache driver";
const char *const kRateLimiters = "Redis options of the rate limiter (it uses the SOKETI_DB_REDIS_* connection)";
const char *const kQueues = "redis/SQS webhook queues (webhooks are sent directly)";
const char *const kCors = "configurable CORS (soketi's default CORS headers are always sent)";

const Option kUnsupported[] = {
    {"adapter.redis.redisSubOptions", "ADAPTER_REDIS_SUB_OPTIONS", "{}", kRedisTuning, false},
    {"adapter.redis.redisPubOptions", "ADAPTER_REDIS_PUB_OPTIONS", "{}", kRedisTuning, false},
    {"adapter.redis.shardMode", "ADAPTER_REDIS_SHARD_MODE", "false", kRedisTuning, false},
    {"adapter.cluster.requestsTimeout", "ADAPTER_CLUSTER_REQUESTS_TIMEOUT", "5000", kClusterAdapter, false},
    {"adapter.cluster.prefix", "ADAPTER_CLUSTER_PREFIX", "\"\"", kClusterAdapter, false},
    {"adapter.nats.credentials", "ADAPTER_NATS_CREDENTIALS", "null", kNats, false},
    {"appManager.dynamodb.table", "APP_MANAGER_DYNAMODB_TABLE", "\"apps\"", kDynamoDb, false},
    {"appManager.dynamodb.region", "APP_MANAGER_DYNAMODB_REGION", "\"us-east-1\"", kDynamoDb, false},
    {"appManager.dynamodb.endpoint", "APP_MANAGER_DYNAMODB_ENDPOINT", "null", kDynamoDb, false},
    {"appManager.mysql.version", "APP_MANAGER_MYSQL_VERSION", "\"8.0\"", kKnex, false},
    {"appManager.mysql.useMysql2", "APP_MANAGER_MYSQL_USE_V2", "false", kKnex, false},
    {"appManager.postgres.version", "APP_MANAGER_POSTGRES_VERSION", "\"13.3\"", kKnex, false},
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
    {"databasePooling.enabled", "DB_POOLING_ENABLED", "false", kPooling, false},
    {"databasePooling.min", "DB_POOLING_MIN", "0", kPooling, false},
    {"databasePooling.max", "DB_POOLING_MAX", "7", kPooling, false},
    {"database.redis.keyPrefix", "DB_REDIS_KEY_PREFIX", "\"\"", kRedisExtras, false},
    {"database.redis.sentinelPassword", "DB_REDIS_SENTINEL_PASSWORD", "null", kRedisExtras, false},
    {"database.redis.name", "DB_REDIS_INSTANCE_NAME", "\"mymaster\"", kRedisExtras, false},
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
    {"rateLimiter.redis.redisOptions", "RATE_LIMITER_REDIS_OPTIONS", "{}", kRateLimiters, false},
};

} // namespace

std::span<const UnsupportedOptions::Option> UnsupportedOptions::all()
{
    return kUnsupported;
}

const UnsupportedOptions::Option *UnsupportedOptions::find(const QString &path)
{
    for (const Option &entry : kUnsupported) {
        if (path == QLatin1String(entry.path)) {
            return &entry;
        }
    }
    return nullptr;
}

const UnsupportedOptions::Option *UnsupportedOptions::findByVariable(const QString &name)
{
    for (const Option &entry : kUnsupported) {
        if (entry.env && name == QLatin1String(entry.env)) {
            return &entry;
        }
    }
    return nullptr;
}

QString UnsupportedOptions::warning(const Option &option, const ConfigValue &value, const ConfigSource &source)
{
    if (value.json.isNull() || value.json.isUndefined()) {
        return {};
    }
    if (option.soketiDefault) {
        const ConfigValue soketiDefault = ConfigValue::fromText(QLatin1String(option.soketiDefault));
        if (soketiDefault.json == value.json
            || (value.hasText && soketiDefault.json.isString() && soketiDefault.json.toString() == value.text)) {
            return {};
        }
    }
    const QString shown = option.showValue && value.json.isString()
        ? QStringLiteral(" (%1)").arg(ValueReader::quoted(value.json.toString()))
        : QString();
    return source.label() + shown
        + QStringLiteral(": ignored, qsoketi does not implement %1").arg(QLatin1String(option.feature));
}

} // namespace qsoketi
