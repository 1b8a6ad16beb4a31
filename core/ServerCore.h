// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <QObject>
#include <QSslConfiguration>

#include "apps/AppRegistry.h"
#include "config/ServerConfig.h"

namespace qsoketi {

class ActivityFeed;
class AppDirectory;
class AppRateLimits;
class BodyBudget;
class ChannelService;
class ClusterView;
class ConnectionAcceptor;
class EventLoopThread;
class MetricsEndpoint;
class MetricsRegistry;
class PusherServer;
class RestApi;
class ServerWorker;
class WebhookAdminApi;
class WebhookSender;
class WorkerGroup;

// The composition root of the server: builds every part from one ServerConfig — what the whole
// process shares (metrics registry, apps, webhooks, activity feed, API rate limits) and the workers,
// the event loops that serve clients (SOKETI_WORKERS; worker 0 runs on the core's own thread, the
// others on threads of their own) — listens on the main port (WebSocket + REST API on one socket),
// dealing each new connection to the next worker, and on the metrics port, and drains on shutdown.
class ServerCore : public QObject
{
    Q_OBJECT

public:
    explicit ServerCore(ServerConfig config, QObject *parent = nullptr);
    ~ServerCore() override;

    // Binds both ports. On failure returns false with a one-line reason in *error.
    bool start(QString *error);
    // Graceful shutdown: stop accepting, 4200 to every client on every worker, wait the grace period,
    // then stopped().
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
    // Webhook delivery, its delivery log and replay (the dashboard's Webhooks tab).
    WebhookSender &webhooks() { return *m_webhooks; }

    int workerCount() const { return int(m_workers.size()); }
    // Worker i lives on its own thread (worker 0 on the core's): only call into it there.
    ServerWorker &worker(int i) const { return *m_workers[size_t(i)]; }
    // Open WebSockets on every worker; any thread.
    int connectionCount() const;

    // Worker 0's engine and API, on the core's own thread: what the dashboard's event creator and
    // status sampler use (a publish there reaches every worker's subscribers, answers count them all).
    PusherServer &pusher();
    const PusherServer &pusher() const;
    ChannelService &channels();
    ClusterView &cluster();
    RestApi &rest();

    // One event loop per CPU core this process may run on (its affinity mask).
    static int availableCores();

signals:
    void stopped();

private:
    void handOff(qintptr descriptor);
    bool setUpTls(QString *error);

    // Declared in dependency order, so each part is destroyed before what it uses (the connections
    // before the registry their metric series live in).
    const ServerConfig m_config;
    AppRegistry m_apps;
    std::unique_ptr<MetricsRegistry> m_metrics;
    std::unique_ptr<AppDirectory> m_directory;
    std::unique_ptr<ActivityFeed> m_activity;
    std::unique_ptr<WebhookSender> m_webhooks;
    std::unique_ptr<AppRateLimits> m_rateLimits;
    // Bounds the memory all request bodies in flight on the main port may take, over every worker.
    std::unique_ptr<BodyBudget> m_bodyBudget;
    std::unique_ptr<WorkerGroup> m_workerGroup; // the workers as an in-process cluster (when > 1)
    std::optional<QSslConfiguration> m_tls; // set by start() when SOKETI_SSL_CERT/KEY are set
    std::unique_ptr<WebhookAdminApi> m_webhookAdmin;
    std::unique_ptr<MetricsEndpoint> m_metricsEndpoint;
    std::vector<std::unique_ptr<EventLoopThread>> m_threads; // of workers 1…n-1
    std::vector<std::unique_ptr<ServerWorker>> m_workers; // destroyed on their threads (~ServerCore)
    std::unique_ptr<ConnectionAcceptor> m_listener;
    size_t m_nextWorker = 0;
    qint64 m_startedAtMs = 0;
    std::atomic<bool> m_shuttingDown = false;
};

} // namespace qsoketi
