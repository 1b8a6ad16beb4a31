// SPDX-License-Identifier: GPL-3.0-or-later
#include "StartupBanner.h"

#include <QHostAddress>

#include "apps/SqlConnectionFactory.h"

QString StartupBanner::urlHost(const QString &host)
{
    const QHostAddress address(host);
    if (address == QHostAddress::AnyIPv4 || host == QLatin1String("0.0.0.0"))
        return QStringLiteral("127.0.0.1");
    if (address == QHostAddress::AnyIPv6 || address == QHostAddress::Any)
        return QStringLiteral("[::1]");
    if (address.protocol() == QAbstractSocket::IPv6Protocol)
        return u'[' + address.toString() + u']';
    return host;
}

QStringList StartupBanner::lines(const qsoketi::ServerConfig &config, const Facts &facts)
{
    const bool tls = !config.sslCertPath.isEmpty();
    const QString hostPort = urlHost(config.host) + u':' + QString::number(facts.port);
    const QString key = config.apps.isEmpty() ? QStringLiteral("KEY") : config.apps.first().key;
    QStringList out;
    if (config.appStore.driver != qsoketi::AppStoreConfig::Driver::Array) {
        out.append(QStringLiteral("qsoketi %1 is running (%2), apps from %3 (qsoketi apps list)")
                       .arg(QStringLiteral(QSOKETI_VERSION), facts.mode,
                           qsoketi::SqlConnectionFactory::describe(config.appStore)));
    } else {
        out.append(QStringLiteral("qsoketi %1 is running (%2), %3 app(s); default app id \"%4\"")
                       .arg(QStringLiteral(QSOKETI_VERSION), facts.mode)
                       .arg(config.apps.size())
                       .arg(config.apps.isEmpty() ? QString() : config.apps.first().id));
    }
    out.append(QStringLiteral("  WebSocket  %1://%2%3/app/%4")
                   .arg(tls ? QStringLiteral("wss") : QStringLiteral("ws"), hostPort, config.pathPrefix, key));
    out.append(QStringLiteral("  HTTP API   %1://%2%3")
                   .arg(tls ? QStringLiteral("https") : QStringLiteral("http"), hostPort, config.pathPrefix));
    if (config.metrics.enabled) {
        out.append(QStringLiteral("  Metrics    http://%1:%2/metrics")
                       .arg(urlHost(config.metrics.host))
                       .arg(facts.metricsPort));
    } else {
        out.append(QStringLiteral("  Metrics    metrics disabled — set SOKETI_METRICS_ENABLED=1"));
    }
    out.append(QStringLiteral("  Workers    %1 event loop(s)%2")
                   .arg(facts.workers)
                   .arg(config.workers == 0 ? QStringLiteral(", one per CPU core (SOKETI_WORKERS)") : QString()));
    out.append(QStringLiteral("  Config     %1").arg(facts.configSources.join(QStringLiteral(" + "))));
    return out;
}
