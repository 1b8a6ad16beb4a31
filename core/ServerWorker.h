// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <atomic>
#include <memory>
#include <optional>

#include <QObject>
#include <QSslConfiguration>

#include "rest/HttpConnection.h"

class QTcpSocket;

namespace qsoketi {

class ActivityFeed;
class AppDirectory;
class AppRateLimits;
class BodyBudget;
class ClusterView;
class MetricsRegistry;
class PusherServer;
class RequestPrecheck;
class RestApi;
class WebhookSender;
class WorkerGroup;
struct ServerConfig;

// One event loop's share of the server (SOKETI_WORKERS): it owns the connections dealt to it from
// accept to close — the HTTP requests, the TLS handshakes and the WebSockets — with its own Pusher
// engine and REST API, and sees the other workers as the other nodes of a cluster (ClusterView). Lives
// on its thread; everything it shares with the others (config, apps, metrics, webhooks, activity
// feed, API rate limits, body budget) is thread-safe or only ever reached through queued calls.
class ServerWorker : public QObject
{
    Q_OBJECT

public:
    struct Shared
    {
        const ServerConfig &config;
        AppDirectory &apps;
        MetricsRegistry &metrics;
        ActivityFeed &activity;
        WebhookSender &webhooks;
        AppRateLimits &rateLimits;
        BodyBudget &bodyBudget;
        WorkerGroup *workers; // null with one worker, or when a broker joins the nodes
        const std::optional<QSslConfiguration> &tls; // set (by start, before any socket): the port speaks TLS
    };

    explicit ServerWorker(const Shared &shared, QObject *parent = nullptr);
    ~ServerWorker() override;

    // A TCP connection accepted on the main port, handed to this worker (on its thread).
    void adoptSocket(qintptr descriptor);
    // Graceful shutdown, step 1: refuse new WebSockets with 4200 and send 4200 to every client.
    void beginShutdown();
    // Open WebSockets; may be read from any thread.
    int connectionCount() const { return m_connections.load(std::memory_order_relaxed); }

    PusherServer &pusher() { return *m_pusher; }
    const PusherServer &pusher() const { return *m_pusher; }
    RestApi &rest() { return *m_rest; }

private:
    void serve(QTcpSocket *socket);

    const ServerConfig &m_config;
    const std::optional<QSslConfiguration> &m_tls;
    // Declared in dependency order: the engine before the API that uses it.
    std::unique_ptr<PusherServer> m_pusher;
    std::unique_ptr<RestApi> m_rest;
    // Checks a request head before its body is read.
    std::unique_ptr<RequestPrecheck> m_precheck;
    HttpConnection::Options m_httpOptions;
    std::atomic<int> m_connections = 0;
};

} // namespace qsoketi
