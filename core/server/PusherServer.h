// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

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
    void terminateUserConnections(AppState &app, const QString &userId);

    // Graceful shutdown, step 1: refuse new connections and send 4200 to every client.
    void beginShutdown();
    bool isClosing() const { return m_closing; }
    int connectionCount() const { return int(m_connections.size()); }

signals:
    void connectionCountChanged(int count);

private:
    void onNewWebSocket();
    void accept(QWebSocket *socket);
    void onMessage(Connection *c, const QByteArray &utf8);
    void onDisconnected(Connection *c);
    void sweep();

    void handleSubscribe(Connection *c, const IncomingMessage &m);
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
};

} // namespace qsoketi
