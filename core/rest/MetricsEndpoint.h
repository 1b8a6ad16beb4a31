// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <optional>

#include <QByteArray>
#include <QObject>
#include <QString>

#include "config/ServerConfig.h"
#include "rest/HttpRequest.h"
#include "rest/HttpResponse.h"

class QHostAddress;
class QTcpServer;

namespace qsoketi {

class EventLoopLagMonitor;
class MetricsRegistry;

// The metrics server (soketi's port 9601, spec §6.1): always started, plain HTTP, never public.
//   GET <prefix>/          → "OK"
//   GET <prefix>/ready     → "OK", or 500 {"error":"The server is closing. Choose another server. :)","code":500}
//   GET <prefix>/usage     → {"memory":{"free","used","total","percent"}}: used = process RSS,
//                            total = MemTotal of /proc/meminfo, free = total - used, percent = used/total*100
//   GET <prefix>/metrics   → only when metrics.enabled (else 404): text 0.0.4, or prom-client JSON when the
//                            json query parameter is non-empty (soketi tests it for JS truthiness)
//   <prefix>/webhooks/...  → the admin routes given to setAdminRoutes (WebhookAdminApi), local clients only
// Every answer, 404s included, carries soketi's CORS headers. Each scrape reads registry.collect() then,
// so /metrics and the dashboard see the same numbers. The endpoint also owns the event-loop lag monitor
// that feeds <prefix>eventloop_lag_seconds, since it is the one metrics object every mode constructs.
// Connections are HttpConnections with small limits (scrapers send a few hundred bytes): a head past
// maxHeaderBytes is answered 431 without being held whole, and WebSocket upgrades get 404.
class MetricsEndpoint final : public QObject
{
    Q_OBJECT

public:
    MetricsEndpoint(const ServerConfig &config, MetricsRegistry &registry, std::function<bool()> isClosing,
        QObject *parent = nullptr);
    ~MetricsEndpoint() override;

    // Binds metrics.host:metrics.port (port 0 = ephemeral). On failure returns false and, if error is
    // given, a one-line reason naming the setting to change.
    bool listen(QString *error = nullptr);
    // Stops accepting connections (shutdown); requests already read are still answered.
    void close();
    // The bound port, 0 before a successful listen().
    quint16 port() const { return m_port; }

    // Routes beyond soketi's (the webhook delivery log): asked first, nullopt = not theirs.
    using AdminRoutes = std::function<std::optional<HttpResponse>(const HttpRequest &, const QHostAddress &peer)>;
    void setAdminRoutes(AdminRoutes routes) { m_adminRoutes = std::move(routes); }

    static constexpr qsizetype maxHeaderBytes = 8 * 1024;
    static constexpr qint64 maxBodyBytes = 16 * 1024; // GET only: nothing here reads a body

private:
    void onNewConnection();
    HttpResponse handle(const HttpRequest &request, const QHostAddress &peer) const;
    QByteArray route(const char *path) const;

    QByteArray m_pathPrefix;
    QString m_host;
    quint16 m_configuredPort;
    bool m_metricsEnabled;
    MetricsRegistry &m_registry;
    std::function<bool()> m_isClosing;
    AdminRoutes m_adminRoutes;
    QTcpServer *m_listener = nullptr; // child, once listening
    EventLoopLagMonitor *m_lagMonitor;
    quint16 m_port = 0;
};

} // namespace qsoketi
