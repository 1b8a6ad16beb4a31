// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QObject>

#include "channels/AppStates.h"
#include "channels/ChannelService.h"

class QTcpSocket;

namespace qsoketi {

class ActivityFeed;
class AppDirectory;
class AppRateLimits;
class ClientEventHandler;
class ClusterView;
class Connection;
class Fanout;
class LeaveDelay;
class RedisEventCache;
class RedisRateLimiter;
class MetricsRegistry;
class SubscriptionHandler;
class UserSessions;
class WebSocketGateway;
class WebhookSender;
struct IncomingMessage;
struct ServerConfig;

// The Pusher protocol engine, as a façade over its rooms: the gateway (connections in and out),
// subscriptions, users, client events and fan-out, all asking the one cluster view about other nodes.
// Dispatches each client message to its room, and serves the REST API and the dashboard as their
// ChannelService.
class PusherServer : public QObject, public ChannelService
{
    Q_OBJECT

public:
    PusherServer(const ServerConfig &config, AppDirectory &apps, MetricsRegistry &metrics, ActivityFeed &feed,
        WebhookSender &webhooks, std::unique_ptr<ClusterView> cluster, AppRateLimits *rateLimits = nullptr,
        QObject *parent = nullptr);
    ~PusherServer() override;

    // Takes a TCP socket whose (unread) request is a WebSocket upgrade and lets QtWebSockets finish it.
    void adoptUpgrade(QTcpSocket *socket);
    // Graceful shutdown, step 1: refuse new connections and send 4200 to every client.
    void beginShutdown();
    int connectionCount() const;
    ClusterView &cluster() const { return *m_cluster; }
    const AppStates &appStates() const { return m_states; }
    const LeaveDelay &leaveDelay() const { return *m_leaves; }

    // ChannelService
    AppState *appState(const QString &appId) const override { return m_states.byId(appId); }
    AppState &appStateFor(const AppPtr &app) override { return m_states.stateFor(app); }
    int publish(AppState &app, const QString &channel, const QString &event, const QByteArray &dataJson,
        const QString &exceptSocketId) override;
    void terminateUserConnections(AppState &app, const QString &userId) override;
    void clusterChannel(AppState &app, const QString &name, ChannelDone done) override;
    void clusterChannels(AppState &app, const QStringList &names, ChannelsDone done) override;
    void clusterChannels(AppState &app, ChannelsDone done) override { clusterChannels(app, {}, std::move(done)); }
    bool isClosing() const override;
    RedisRateLimiter *sharedRateLimiter() override { return m_sharedLimits.get(); }

signals:
    void connectionCountChanged(int count);

private:
    void onMessage(Connection *c, const QByteArray &utf8);
    void onClosed(Connection *c);
    void onPing(Connection *c, const IncomingMessage &m);
    // The store changed or dropped an app: open connections follow (a disabled or removed app's close).
    void onAppChanged(const AppPtr &app);
    void onAppRemoved(const QString &appId);
    void deliverFromCluster(
        AppState &app, const QString &channel, const QByteArray &message, const QString &exceptSocketId);

    // Declared in dependency order: the rooms are destroyed before what they use.
    std::unique_ptr<ClusterView> m_cluster;
    std::unique_ptr<RedisEventCache> m_sharedCache; // SOKETI_CACHE_DRIVER=redis only
    std::unique_ptr<RedisRateLimiter> m_sharedLimits; // SOKETI_RATE_LIMITER_DRIVER=redis only
    AppStates m_states;
    std::unique_ptr<Fanout> m_fanout;
    std::unique_ptr<LeaveDelay> m_leaves; // channel_vacated / member_removed held for the leave delay
    std::unique_ptr<SubscriptionHandler> m_subscriptions;
    std::unique_ptr<UserSessions> m_users;
    std::unique_ptr<ClientEventHandler> m_clientEvents;
    std::unique_ptr<WebSocketGateway> m_gateway; // owns the connections
};

} // namespace qsoketi
