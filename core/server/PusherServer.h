// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <memory>

#include <QHash>
#include <QJsonArray>
#include <QObject>
#include <QSet>
#include <QTimer>

#include "adapter/RedisAdapter.h"
#include "channels/AppState.h"
#include "config/ServerConfig.h"
#include "protocol/MessageCodec.h"

class QTcpSocket;
class QWebSocket;
class QWebSocketServer;

namespace qsoketi {

class ActivityFeed;
class AppRegistry;
class Connection;
class MetricsRegistry;
class WebhookSender;
struct ClusterChannel;

// The Pusher protocol engine: connection lifecycle, subscriptions, presence, client events, sign-in,
// watchlists and fan-out. The REST API and the dashboard publish through publish().
class PusherServer : public QObject
{
    Q_OBJECT

public:
    PusherServer(const ServerConfig &config, const AppRegistry &apps, MetricsRegistry &metrics, ActivityFeed &feed,
        WebhookSender &webhooks, QObject *parent = nullptr);
    ~PusherServer() override;

    // Takes a TCP socket whose (unread) request is a WebSocket upgrade and lets QtWebSockets finish it.
    void adoptUpgrade(QTcpSocket *socket);

    AppState *appState(const QString &appId) const;
    const QHash<QString, AppState *> &appStates() const { return m_appStatesById; }

    // Sends `{"event","channel","data"}` to every subscriber of the channel (or, for
    // #server-to-user-<id>, to that user's connections) except exceptSocketId. Encoded once.
    // Returns the number of recipients.
    int publish(AppState &app, const QString &channel, const QString &event, const QByteArray &dataJson,
        const QString &exceptSocketId);
    // cluster = false: this node's connections only (a request of another node).
    void terminateUserConnections(AppState &app, const QString &userId, bool cluster = true);

    // Horizontal scaling: null (the default, local adapter) or the Redis adapter, which the server
    // then owns. Set once, before the server accepts connections.
    void setAdapter(RedisAdapter *adapter);
    RedisAdapter *adapter() const { return m_adapter; }
    // A channel / every channel as the whole cluster sees it (this node included). Without an adapter
    // `done` runs before these return; with one, later (the app state outlives the request).
    void clusterChannel(AppState &app, const QString &name, std::function<void(const ClusterChannel &)> done);
    void clusterChannels(AppState &app, std::function<void(const QHash<QString, ClusterChannel> &)> done);

    // Graceful shutdown, step 1: refuse new connections and send 4200 to every client.
    void beginShutdown();
    bool isClosing() const { return m_closing; }
    int connectionCount() const { return int(m_connections.size()); }

signals:
    void connectionCountChanged(int count);

private:
    void onNewWebSocket();
    void accept(QWebSocket *socket);
    void admit(QWebSocket *socket, AppState &state);
    void onMessage(Connection *c, const QByteArray &utf8);
    void onDisconnected(Connection *c);
    void sweep();
    qint64 cacheExpiry() const;

    // cluster: the channel's presence members on the other nodes (the second pass in cluster mode).
    void handleSubscribe(Connection *c, const IncomingMessage &m, const ClusterChannel *cluster = nullptr);
    void handleUnsubscribe(Connection *c, const IncomingMessage &m);
    void handleClientEvent(Connection *c, const IncomingMessage &m);
    void handleSignin(Connection *c, const IncomingMessage &m);
    void unsubscribe(Connection *c, Channel *channel, bool notify);
    void subscriptionCountChanged(AppState &app, Channel &channel);
    void userOnline(AppState &app, Connection *c);
    void userOffline(AppState &app, const QString &userId);
    void sendWatchlistEvent(Connection *to, QStringView name, const QStringList &userIds);

    // Frames and sends one message to one connection, counting it.
    void send(Connection *c, const QByteArray &message);
    void sendError(Connection *c, int code, const QString &message, const QString &channel = {});
    void sendErrorAndClose(Connection *c, int code, const QString &message);
    // Frames once and writes to every recipient except `except`, counting them in one step.
    int broadcast(AppState &app, const std::vector<Connection *> &recipients, const QByteArray &message,
        const Connection *except);

    QString newSocketId() const;
    // Local delivery of a complete Pusher message (publish(), and messages of other nodes).
    int deliver(AppState &app, const QString &channel, const QByteArray &message, const QString &exceptSocketId);
    QJsonObject answerRequest(const QString &appId, RedisAdapter::RequestType type, const QJsonObject &opts);
    // pusher_internal:subscription_count with the cluster-wide count, to every node's subscribers.
    void announceSubscriptionCount(AppState &app, const QString &channel);
    // Watchlist across nodes: the initial online list, and online/offline once for the whole cluster.
    void sendClusterWatchlist(AppState &app, Connection *c);
    void announceUserPresence(AppState &app, const QString &userId, bool online);
    static QJsonObject onlineUsers(const AppState &app, const QJsonArray &userIds);
    // channel_occupied / channel_vacated webhooks judged over the whole cluster.
    void clusterOccupancyWebhook(AppState &app, const QString &channel, bool occupied);
    // member_removed once the user has left the whole cluster.
    void announceMemberRemoved(AppState &app, const QString &channel, const QString &userId, const QByteArray &message);

    const ServerConfig &m_config;
    const AppRegistry &m_apps;
    MetricsRegistry &m_metrics;
    ActivityFeed &m_feed;
    WebhookSender &m_webhooks;
    QWebSocketServer *m_wsServer; // child
    QHash<QString, AppState *> m_appStatesById;
    std::vector<std::unique_ptr<AppState>> m_appStates;
    QSet<Connection *> m_connections;
    QHash<QString, Connection *> m_bySocketId; // for socket_id exclusion on publish
    // TCP sockets handed to QtWebSockets, by peer port, until their QWebSocket appears: QWebSocket
    // does not expose the socket it wraps, and fan-out writes frames to it directly.
    QHash<quint16, QTcpSocket *> m_upgrading;
    QTimer m_sweepTimer;
    bool m_closing = false;
    qint64 m_maxBackpressure;
    RedisAdapter *m_adapter = nullptr; // child; null with the local adapter
    QHash<const AppState *, int> m_admitting; // sockets waiting for the cluster-wide quota check
};

} // namespace qsoketi
