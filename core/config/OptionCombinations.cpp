// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/OptionCombinations.h"

#include <utility>

#include <QFileInfo>
#include <QHostAddress>

#include "config/ValueReader.h"

namespace qsoketi {

void OptionCombinations::check(
    const ServerConfig &config, const QHash<QString, ConfigSource> &sources, QStringList &errors, QStringList &warnings)
{
    const auto labelOf = [&sources](const char *path, const QString &fallback) {
        const auto it = sources.constFind(QLatin1String(path));
        return it == sources.constEnd() ? fallback : it->label();
    };

    const bool hasCert = !config.sslCertPath.isEmpty();
    const bool hasKey = !config.sslKeyPath.isEmpty();
    if (hasCert && !hasKey) {
        errors.append(labelOf("ssl.certPath", QStringLiteral("ssl.certPath"))
            + QStringLiteral(": TLS needs a key too (SOKETI_SSL_KEY / \"ssl.keyPath\")"));
    } else if (hasKey && !hasCert) {
        errors.append(labelOf("ssl.keyPath", QStringLiteral("ssl.keyPath"))
            + QStringLiteral(": TLS needs a certificate too (SOKETI_SSL_CERT / \"ssl.certPath\")"));
    }
    const std::pair<const char *, const QString *> files[] = {
        {"ssl.certPath", &config.sslCertPath}, {"ssl.keyPath", &config.sslKeyPath}, {"ssl.caPath", &config.sslCaPath}};
    for (const auto &[path, file] : files) {
        if (file->isEmpty()) {
            continue;
        }
        const QFileInfo info(*file);
        if (!info.isFile() || !info.isReadable()) {
            errors.append(labelOf(path, QLatin1String(path))
                + QStringLiteral(": %1 is not a readable file").arg(ValueReader::quoted(*file)));
        }
    }

    // Two listeners can share a port only on distinct, specific addresses.
    const auto isWildcard = [](const QString &host) {
        return QHostAddress(host).isEqual(QHostAddress::AnyIPv4) || QHostAddress(host).isEqual(QHostAddress::AnyIPv6);
    };
    const bool addressesOverlap =
        config.metrics.host == config.host || isWildcard(config.host) || isWildcard(config.metrics.host);
    if (config.metrics.port == config.port && addressesOverlap) {
        const QString label = sources.contains(QStringLiteral("metrics.port"))
            ? labelOf("metrics.port", {})
            : labelOf("port", QStringLiteral("port"));
        errors.append(
            label + QStringLiteral(": the metrics server and the main server cannot share port %1").arg(config.port));
    }

    if (config.appStore.driver == AppStoreConfig::Driver::Sqlite && config.appStore.sqlitePath.trimmed().isEmpty()) {
        errors.append(labelOf("appManager.driver", QStringLiteral("appManager.driver"))
            + QStringLiteral(": the sqlite app manager needs SOKETI_DB_SQLITE_PATH (\"database.sqlite.path\"), the "
                             "file that holds the apps (created on first use)"));
    }

    // One Redis server only: a cluster or sentinels asked for would otherwise be a silent single node.
    const bool usesRedis = config.adapter.driver == QLatin1String("redis")
        || config.cacheDriver == QLatin1String("redis") || config.rateLimiterDriver == QLatin1String("redis");
    const std::pair<const QString *, const char *> topologies[] = {
        {&config.adapter.redisClusterOption,
            "Redis Cluster is not supported: point SOKETI_DB_REDIS_HOST/PORT at one Redis server (a primary) "
            "and share it between the nodes, or use SOKETI_ADAPTER_DRIVER=nats"},
        {&config.adapter.redisSentinelOption,
            "Redis Sentinel is not supported: point SOKETI_DB_REDIS_HOST/PORT at the current primary"}};
    for (const auto &[option, why] : topologies) {
        if (option->isEmpty()) {
            continue;
        }
        const QString label = labelOf(option->toUtf8().constData(), *option);
        if (usesRedis) {
            errors.append(label + QStringLiteral(": ") + QLatin1String(why));
        } else {
            warnings.append(label + QStringLiteral(": ignored, no Redis driver is in use"));
        }
    }

    if (!config.pathPrefix.isEmpty() && !config.pathPrefix.startsWith(u'/')) {
        warnings.append(labelOf("pathPrefix", QStringLiteral("pathPrefix"))
            + QStringLiteral(": %1 does not start with \"/\", so no request path can match it")
                  .arg(ValueReader::quoted(config.pathPrefix)));
    }
}

} // namespace qsoketi
