// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include "apps/App.h"
#include "apps/AppStoreConfig.h"

namespace qsoketi {

// Prometheus exporter settings (SOKETI_METRICS_*; spec §2.2 "Metrics").
struct MetricsConfig
{
    bool enabled = false;
    QString driver = QStringLiteral("prometheus"); // the only accepted value
    QString host = QStringLiteral("0.0.0.0");
    quint16 port = 9601;
    QString prefix = QStringLiteral("soketi_");
    // Older soketi docs put the port inside the name (soketi_6001_connected); off = soketi 1.6 naming.
    bool portInName = false;
};

// Horizontal scaling (SOKETI_ADAPTER_*, SOKETI_DB_REDIS_*).
struct AdapterConfig
{
    QString driver = QStringLiteral("local"); // local | redis | nats
    QString redisPrefix;
    int requestsTimeoutMs = 5000; // redis
    QString redisHost = QStringLiteral("127.0.0.1");
    quint16 redisPort = 6379;
    int redisDb = 0;
    QString redisUsername;
    QString redisPassword;

    // SOKETI_ADAPTER_NATS_*
    QString natsPrefix;
    QStringList natsServers{QStringLiteral("127.0.0.1:4222")};
    QString natsUser;
    QString natsPassword;
    QString natsToken;
    int natsTimeoutMs = 10000; // connect timeout per server
    int natsRequestsTimeoutMs = 5000;
    int natsNodesNumber = 0; // 0: discovered (see NatsAdapter)

    // Both brokers: every node announces itself this often; one silent for two periods is taken for dead
    // (its presence members are removed everywhere, HorizontalAdapter).
    int heartbeatMs = 5000;

    // qsoketi talks to one Redis server. The first option that asks for Redis Cluster or Sentinel (its
    // config path), which is a start-up error when a Redis driver is in use (OptionCombinations).
    QString redisClusterOption;
    QString redisSentinelOption;
};

// Every server setting, defaults as in soketi 1.6 (spec §2). Immutable once the server starts.
struct ServerConfig
{
    bool debug = false;
    QString host = QStringLiteral("0.0.0.0");
    quint16 port = 6001;
    QString pathPrefix;
    QString mode = QStringLiteral("full");
    int shutdownGracePeriodMs = 3000;
    // Event loops serving clients (SOKETI_WORKERS): 0 = one per core this process may run on. A config
    // built in code gets one loop; the config loader's default is 0.
    int workers = 1;
    int userAuthenticationTimeoutMs = 30000;
    int acceptTrafficMemoryThreshold = 85; // percent
    // httpApi.requestLimitInMb: the largest request body (413 past it). soketi's default is 100 MB, far
    // past anything the API can use: the largest valid body with the default app limits is a batch of 10
    // events of 100 KB data each, ~1 MB, ~2.2 MB if every data byte were JSON-escaped. 4 MB keeps that
    // whole; raise it with maxEventPayloadInKb or maxEventBatchSize.
    double httpRequestLimitInMb = 4;

    QString sslCertPath;
    QString sslKeyPath;
    QString sslPassphrase;
    QString sslCaPath;

    int cacheTtlSeconds = 3600; // channelLimits.cacheTtl
    // cache.driver: where cache channels keep their last event. memory: on each node (qsoketi nodes
    // pass it on to each other); redis: also in Redis under soketi's keys (RedisEventCache).
    QString cacheDriver = QStringLiteral("memory");
    // rateLimiter.driver: where the HTTP API budgets (backend events, read requests) are counted.
    // local: in this process; redis: in Redis under soketi's keys, one budget for all nodes
    // (RedisRateLimiter). Client events are counted per socket on its node either way.
    QString rateLimiterDriver = QStringLiteral("local");
    // Beyond soketi (unlimited there, so one socket could hold 100,000 channels): channels one connection
    // may subscribe to; further subscriptions get pusher:subscription_error LimitReached. -1 = unlimited.
    int maxChannelsPerConnection = 1000; // channelLimits.maxPerConnection
    int activityTimeoutSeconds = 30; // sent in pusher:connection_established
    // Beyond soketi (Qt's default is unlimited): the largest WebSocket message a client may send.
    int wsMaxMessageSizeInKb = 1024;
    // Bytes queued for one slow client before it is disconnected (uWebSockets' default backpressure).
    qint64 wsMaxBackpressureBytes = 1024 * 1024;
    // A client silent for this long gets pusher:ping and a WebSocket ping; no answer within 30 s closes it (4201).
    int wsIdleTimeoutSeconds = 120;
    int maxPendingConnections = 1024;

    // SOKETI_WEBHOOKS_BATCHING(_DURATION): collect each webhook's events for this long, then send one request.
    bool webhooksBatching = false;
    int webhooksBatchingDurationMs = 50;
    // Beyond soketi (docs/webhooks.md): channel_vacated and member_removed wait this long and are dropped
    // when the channel or member comes back meanwhile (a page reload); 0 = sent at once.
    int webhooksLeaveDelayMs = 3000;
    // Failed deliveries are retried with exponential back-off and jitter, from the first delay up to the
    // longest, for as long as the window lasts (Pusher: 5 minutes).
    int webhooksRetryFirstDelayMs = 1000;
    int webhooksRetryMaxDelayMs = 60000;
    int webhooksRetryWindowMs = 300000;
    int webhooksTimeoutMs = 10000; // one request without an answer for this long has failed
    int webhooksMaxQueuePerApp = 10000; // deliveries waiting per app; beyond, the oldest is dropped
    int webhooksDeliveryLogSize = 100; // deliveries remembered per app (admin endpoint, dashboard)

    MetricsConfig metrics;
    AdapterConfig adapter;

    // Apps of the array app manager; the first one is the default app (SOKETI_DEFAULT_APP_*). Empty when
    // another app manager is configured: its apps come from the database (never the default app).
    QList<App> apps{App{}};

    // The app manager (SOKETI_APP_MANAGER_*, SOKETI_DB_MYSQL_*, SOKETI_DB_POSTGRES_*, SOKETI_DB_SQLITE_PATH):
    // everything AppDirectory needs, the array apps and the per-app defaults (server-wide limits) included.
    AppStoreConfig appStore;
};

} // namespace qsoketi
