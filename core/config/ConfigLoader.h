// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QProcessEnvironment>
#include <QString>

#include "config/ConfigResult.h"

namespace qsoketi {

// Builds the ServerConfig from soketi's sources, lowest precedence first:
//   1. built-in defaults (soketi 1.6's values, see ServerConfig.h / App.h);
//   2. the JSON config file (`--config`): a flat object of dotted option paths such as "port",
//      "metrics.enabled", "appManager.array.apps" (array of app objects) or
//      "appManager.array.apps.0.enableClientMessages". An object value under a known parent path
//      ("metrics": {"enabled": true}) is merged key by key (soketi would replace the whole subtree);
//   3. `.env` in dotEnvDir (dotenv rules: never overrides a variable present in the real environment);
//   4. the real environment: soketi's SOKETI_* names (spec §2.2). Values are parsed as JSON first
//      (1 → number, true → bool, [..]/{..} → array/object), otherwise taken as text; "" = not set.
//
// Server-wide limits (channelLimits.*, eventLimits.*, presence.*) are the defaults of every app that
// does not set its own; apps accept camelCase, snake_case (SQL) and PascalCase (DynamoDB) field names.
//
// Every problem becomes exactly one line naming the env variable or config-file key (values of secret
// settings are never echoed). Unknown SOKETI_* names and unknown config keys are errors (typos); soketi
// settings of features qsoketi does not implement are warnings, unless set to soketi's default value.
//
// Stricter than soketi on purpose: a broken or unreadable config file is an error (soketi ignores it);
// an app without id, key or secret is an error (soketi silently uses "app-id"/"app-key"/"app-secret");
// channel/event/presence limits must be >= 1 (> 0 for sizes), since in soketi -1 rejects every request;
// SSL files must be readable; the metrics and main servers may not share a port on overlapping addresses.
//
// qsoketi extensions (not in soketi):
//   SOKETI_METRICS_PROMETHEUS_PORT_IN_NAME  "metrics.prometheus.portInName"  bool, default false: old
//       soketi docs' metric names with the port inside (soketi_6001_connected).
//   SOKETI_WS_MAX_MESSAGE_SIZE_IN_KB        "wsMaxMessageSizeInKb"           int >= 1, default 1024: largest
//       WebSocket message a client may send.
//   SOKETI_WS_MAX_BACKPRESSURE_IN_KB        "wsMaxBackpressureInKb"          int >= 1, default 1024: bytes
//       queued for one slow client before it is dropped (→ ServerConfig::wsMaxBackpressureBytes).
//   SOKETI_WS_IDLE_TIMEOUT                  "wsIdleTimeout"                  seconds >= 0, default 120
//       (0 = never).
//   SOKETI_CHANNEL_LIMITS_MAX_PER_CONNECTION "channelLimits.maxPerConnection" int >= 1 or -1 (unlimited),
//       default 1000: channels one connection may subscribe to (→ ServerConfig::maxChannelsPerConnection).
//   SOKETI_HTTP_REQUEST_LIMIT_IN_MB         "httpApi.requestLimitInMb"       number > 0, default 4 (soketi:
//       100, and config file only): the largest HTTP request body, 413 past it.
//   SOKETI_DEFAULT_APP_ENABLE_SUBSCRIPTION_COUNT and app field "enableSubscriptionCount"
//       (enable_subscription_count, EnableSubscriptionCount): bool, default false.
//   SOKETI_WEBHOOKS_LEAVE_DELAY, _RETRY_FIRST_DELAY, _RETRY_MAX_DELAY, _RETRY_WINDOW, _TIMEOUT,
//       _MAX_QUEUE_PER_APP, _DELIVERY_LOG_SIZE ("webhooks.leaveDelay", "webhooks.retry.*", "webhooks.timeout",
//       "webhooks.maxQueuePerApp", "webhooks.deliveryLog.size"): held leave webhooks, retries for minutes,
//       the per-app queue bound and the delivery log (docs/webhooks.md).
//   SOKETI_DEFAULT_APP_ALLOWED_ORIGINS and app field "allowedOrigins" (allowed_origins, AllowedOrigins):
//       the Origins a browser may connect from (docs/origins.md); unset = any.
//   SOKETI_APP_MANAGER_DRIVER=sqlite with SOKETI_DB_SQLITE_PATH "database.sqlite.path" (required then): apps
//       in an SQLite file, created with soketi's table on first use.
//
// App managers: array (default), mysql and postgres (soketi's table, SOKETI_DB_MYSQL_*/SOKETI_DB_POSTGRES_*,
// SOKETI_APP_MANAGER_*_TABLE, SOKETI_APP_MANAGER_CACHE_*), sqlite. Any other driver (dynamodb) is an
// error: never a fallback to the array apps. With a database driver the array apps, the default app
// included, are dropped (apps is empty; set ones are warned about as ignored).
//
// Not supported (warned about, ignored): the DynamoDB app manager's settings, knex client versions and
// database pooling, NATS credentials files, the cluster adapter (ADAPTER_DRIVER cluster is an error),
// cluster discovery, Redis Sentinel/Cluster connections and key prefixes, redis cache driver,
// redis/cluster rate limiters, redis/SQS queues, configurable CORS, instance.process_id.
class ConfigLoader final
{
public:
    // configFile may be empty (no --config). env is the process environment. dotEnvDir: folder whose
    // .env file is read (the working directory in production); empty = no .env.
    static ConfigResult load(const QString &configFile, const QProcessEnvironment &env, const QString &dotEnvDir);
};

} // namespace qsoketi
