// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <unordered_set>

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QSet>
#include <QTimer>

#include "apps/AppPtr.h"

class QTcpSocket;
class QWebSocket;
class QWebSocketServer;

namespace qsoketi {

class ActivityFeed;
class AppDirectory;
class AppState;
class AppStates;
class ClusterView;
class Connection;
class Fanout;
class MetricsRegistry;
struct PusherError;
struct ServerConfig;

// Where WebSockets enter and leave: finishes upgrades, admits a socket to its app (key, enabled,
// allowed origins, connection quota over the whole cluster), owns the set of open connections, checks their liveness
// once a second (pings, pong and sign-in deadlines), and closes them all on shutdown.
class WebSocketGateway : public QObject
{
    Q_OBJECT

public:
    struct Handlers
    {
        std::function<void(Connection *, const QByteArray &)> message;
        // The connection is gone: leave its channels and users. It is deleted afterwards.
        std::function<void(Connection *)> closed;
    };

    WebSocketGateway(const ServerConfig &config, AppDirectory &apps, AppStates &states, ClusterView &cluster,
        Fanout &fanout, ActivityFeed &feed, MetricsRegistry &metrics, QObject *parent = nullptr);
    ~WebSocketGateway() override;

    void setHandlers(Handlers handlers) { m_handlers = std::move(handlers); }
    // Takes a TCP socket whose (unread) request is a WebSocket upgrade and lets QtWebSockets finish it.
    void adoptUpgrade(QTcpSocket *socket);
    // Graceful shutdown, step 1: refuse new connections and send 4200 to every client.
    void beginShutdown();
    bool isClosing() const { return m_closing; }
    // Closes every connection of the app on this node with this error (the store disabled or removed it).
    void closeAppConnections(const QString &appId, const PusherError &error);
    int connectionCount() const { return int(m_connections.size()); }

signals:
    void connectionCountChanged(int count);

private:
    // A TCP connection is one (peer address, peer port) to our one listening port.
    struct Peer
    {
        QHostAddress address;
        quint16 port = 0;
        friend bool operator==(const Peer &a, const Peer &b) { return a.port == b.port && a.address == b.address; }
        friend size_t qHash(const Peer &p, size_t seed = 0) { return qHashMulti(seed, p.address, p.port); }
    };

    void onNewWebSocket();
    void accept(QWebSocket *socket);
    // The store's answer for the key the socket asked for (nullptr: none, or the store did not answer).
    void onAppFound(QWebSocket *socket, const QString &key, const AppPtr &app);
    void admitWithinQuota(QWebSocket *socket, AppState &state);
    void admit(QWebSocket *socket, AppState &state);
    void refuse(QWebSocket *socket, const PusherError &error);
    void refuse(QWebSocket *socket, int code, const QString &message);
    void onDisconnected(Connection *c);
    void sweep();

    const ServerConfig &m_config;
    AppDirectory &m_apps;
    AppStates &m_states;
    ClusterView &m_cluster;
    Fanout &m_fanout;
    ActivityFeed &m_feed;
    MetricsRegistry &m_metrics;
    Handlers m_handlers;
    QWebSocketServer *m_wsServer; // child
    std::unordered_set<Connection *> m_connections; // children
    // TCP sockets handed to QtWebSockets until their QWebSocket appears: QWebSocket does not expose the
    // socket it wraps, and fan-out writes frames to it directly. Keyed by the whole peer (address and
    // port): two clients behind different addresses may use the same source port.
    QHash<Peer, QTcpSocket *> m_upgrading;
    QHash<const AppState *, int> m_admitting; // sockets waiting for the cluster-wide quota answer
    QTimer m_sweepTimer;
    bool m_closing = false;
};

} // namespace qsoketi
