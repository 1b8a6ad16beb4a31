// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QObject>
#include <QTcpServer>

#include "apps/AppRegistry.h"
#include "config/ServerConfig.h"

namespace qsoketi {

class ActivityFeed;
class AppDirectory;
class BodyBudget;
class ChannelService;
class ClusterView;
class MetricsEndpoint;
class MetricsRegistry;
class PusherServer;
class RequestPrecheck;
class RestApi;
class WebhookAdminApi;
class WebhookSender;

// The composition root of the server: builds every part from one ServerConfig, listens on the main
// port (WebSocket + REST API on one socket) and the metrics port, and drains on shutdown.
class ServerCore : public QObject
{
    Q_OBJECT

public:
    explicit ServerCore(ServerConfig config, QObject *parent = nullptr);
    ~ServerCore() override;

    // Binds both ports. On failure returns false with a one-line reason in *error.
    bool start(QString *error);
    // Graceful shutdown: stop accepting, 4200 to every client, wait the grace period, then stopped().
    void shutdown();

    quint16 port() const;
    quint16 metricsPort() const;
    qint64 startedAtMs() const { return m_startedAtMs; }
    const ServerConfig &config() const { return m_config; }
    // The apps of the config file / SOKETI_DEFAULT_APP_* (empty with a database app manager).
    const AppRegistry &apps() const { return m_apps; }
    // Where the server finds its apps (the config's, or a database's), and where the dashboard edits them.
    AppDirectory &appDirectory() { return *m_directory; }
    MetricsRegistry &metrics() { return *m_metrics; }
    const MetricsRegistry &metrics() const { return *m_metrics; }
    ActivityFeed &activity() { return *m_activity; }
    PusherServer &pusher() { return *m_pusher; }
    const PusherServer &pusher() const { return *m_pusher; }
    // What the dashboard's event creator and the REST API use of the engine.
    ChannelService &channels();
    ClusterView &cluster();
    RestApi &rest() { return *m_rest; }
    // Webhook delivery, its delivery log and replay (the dashboard's Webhooks tab).
    WebhookSender &webhooks() { return *m_webhooks; }

signals:
    void stopped();

private:
    void onNewConnection();
    bool setUpTls(QString *error);

    // Declared in dependency order, so each part is destroyed before what it uses (the connections
    // before the registry their metric series live in).
    const ServerConfig m_config;
    AppRegistry m_apps;
    std::unique_ptr<MetricsRegistry> m_metrics;
    std::unique_ptr<AppDirectory> m_directory;
    std::unique_ptr<ActivityFeed> m_activity;
    std::unique_ptr<WebhookSender> m_webhooks;
    std::unique_ptr<PusherServer> m_pusher;
    std::unique_ptr<RestApi> m_rest;
    // The main port's HTTP guards: checks a request head before its body is read, and bounds the memory
    // all bodies in flight may take.
    std::unique_ptr<RequestPrecheck> m_precheck;
    std::unique_ptr<BodyBudget> m_bodyBudget;
    std::unique_ptr<WebhookAdminApi> m_webhookAdmin;
    std::unique_ptr<MetricsEndpoint> m_metricsEndpoint;
    // A QSslServer when SOKETI_SSL_CERT/KEY are set (its sockets arrive after the TLS handshake).
    std::unique_ptr<QTcpServer> m_listener;
    qint64 m_startedAtMs = 0;
    bool m_shuttingDown = false;
};

} // namespace qsoketi
