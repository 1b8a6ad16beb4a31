// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/WebSocketGateway.h"

#include <QDateTime>
#include <QPointer>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QWebSocket>
#include <QWebSocketServer>

#include "adapter/ClusterView.h"
#include "apps/AppDirectory.h"
#include "auth/OriginAllowList.h"
#include "channels/AppStates.h"
#include "config/ServerConfig.h"
#include "logging/LogCategories.h"
#include "metrics/MetricsRegistry.h"
#include "net/SocketBuffers.h"
#include "protocol/MessageCodec.h"
#include "protocol/PusherErrorCode.h"
#include "protocol/PusherMessages.h"
#include "server/ActivityFeed.h"
#include "server/ClientFrameGuard.h"
#include "server/Connection.h"
#include "server/Fanout.h"
#include "server/SocketReadPacer.h"
#include "server/WebSocketRelays.h"

#include <prometheus/counter.h>

namespace qsoketi {

namespace {

constexpr qint64 pongTimeoutMs = 30000;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QString newSocketId()
{
    auto *rng = QRandomGenerator::global();
    return QString::number(rng->bounded(Q_INT64_C(10000000000))) + QLatin1Char('.')
        + QString::number(rng->bounded(Q_INT64_C(10000000000)));
}

} // namespace

using Kind = ActivityEvent::Kind;

WebSocketGateway::WebSocketGateway(const ServerConfig &config, AppDirectory &apps, AppStates &states,
    ClusterView &cluster, Fanout &fanout, ActivityFeed &feed, MetricsRegistry &metrics, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_apps(apps)
    , m_states(states)
    , m_cluster(cluster)
    , m_fanout(fanout)
    , m_feed(feed)
    , m_metrics(metrics)
    , m_wsServer(new QWebSocketServer(QStringLiteral("qsoketi"), QWebSocketServer::NonSecureMode, this))
{
    m_wsServer->setMaxPendingConnections(qMax(config.maxPendingConnections, 1024));
    connect(m_wsServer, &QWebSocketServer::newConnection, this, &WebSocketGateway::onNewWebSocket);
    m_sweepTimer.setInterval(1000);
    connect(&m_sweepTimer, &QTimer::timeout, this, &WebSocketGateway::sweep);
    m_sweepTimer.start();
}

WebSocketGateway::~WebSocketGateway()
{
    // Going down with the server: delete the connections without the teardown of each.
    const std::vector<Connection *> connections(m_connections.cbegin(), m_connections.cend()); // may shrink meanwhile
    for (Connection *c : connections) {
        c->webSocket()->disconnect(this);
        delete c;
    }
}

void WebSocketGateway::adoptUpgrade(QTcpSocket *socket)
{
    const Peer peer{socket->peerAddress(), socket->peerPort()};
    m_upgrading.insert(peer, socket);
    // A handshake that fails deletes the socket: forget it then.
    connect(socket, &QObject::destroyed, this, [this, peer, socket] {
        const auto it = m_upgrading.find(peer);
        if (it != m_upgrading.end() && *it == socket)
            m_upgrading.erase(it);
    });
    // Small buffer chunks from the start: QtWebSockets' handshake answer would otherwise leave a
    // full-size write chunk behind on every socket.
    SocketBuffers::useSmallChunks(socket);
    SocketReadPacer::limit(socket);
    ClientFrameGuard::install(socket);
    m_wsServer->handleConnection(socket);
}

void WebSocketGateway::onNewWebSocket()
{
    // Drain every pending connection in one go (the queue holds at least 1,024).
    while (QWebSocket *socket = m_wsServer->nextPendingConnection())
        accept(socket);
}

void WebSocketGateway::refuse(QWebSocket *socket, int code, const QString &message)
{
    qCDebug(lcWs) << "refused a connection from" << socket->peerAddress().toString() << "with" << code << message;
    // Connected before close(): a peer that is already gone makes close() emit disconnected at once.
    connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
    socket->sendTextMessage(QString::fromUtf8(MessageCodec::error(code, message)));
    socket->close(QWebSocketProtocol::CloseCode(code), message);
}

void WebSocketGateway::refuse(QWebSocket *socket, const PusherError &error)
{
    refuse(socket, int(error.code), error.message.toString());
}

void WebSocketGateway::accept(QWebSocket *socket)
{
    if (QTcpSocket *tcp = m_upgrading.value(Peer{socket->peerAddress(), socket->peerPort()}))
        ClientFrameGuard::arm(tcp, socket);
    socket->setMaxAllowedIncomingMessageSize(quint64(m_config.wsMaxMessageSizeInKb) * 1024);
    socket->setMaxAllowedIncomingFrameSize(quint64(m_config.wsMaxMessageSizeInKb) * 1024);
    if (m_closing)
        return refuse(socket, PusherErrors::serverClosing);
    const QString prefix = m_config.pathPrefix + QStringLiteral("/app/");
    const QString path = socket->requestUrl().path();
    const QString key = path.startsWith(prefix) ? path.mid(prefix.size()) : QString();
    // A store may answer later: until then the socket waits unread (a Pusher client sends nothing before
    // pusher:connection_established). A socket closed meanwhile is deleted once the answer comes (within
    // the store's lookup timeout).
    QPointer<QWebSocket> guard(socket);
    m_apps.findByKey(
        key,
        [this, guard, key](const AppPtr &app) {
            if (guard)
                onAppFound(guard, key, app);
        },
        this);
}

void WebSocketGateway::onAppFound(QWebSocket *socket, const QString &key, const AppPtr &app)
{
    if (socket->state() != QAbstractSocket::ConnectedState) {
        socket->deleteLater();
        return;
    }
    if (m_closing)
        return refuse(socket, PusherErrors::serverClosing);
    if (!app) {
        if (!m_apps.storeReachable())
            return refuse(socket, PusherErrors::storeUnreachable);
        return refuse(socket, int(PusherErrorCode::AppNotFound), QStringLiteral("App key %1 does not exist.").arg(key));
    }
    if (!app->enabled)
        return refuse(socket, PusherErrors::appDisabled);
    if (!OriginAllowList::allows(app->allowedOrigins, socket->origin())) {
        // After the upgrade, as Pusher errors are: pusher-js shows the reason and does not reconnect (4009),
        // where an HTTP 403 would make it retry for ever.
        m_metrics.originRefusedForApp(app->id).Increment();
        qCDebug(lcWs).noquote() << "refused a connection of app" << app->id << "from"
                                << socket->peerAddress().toString() << ": its Origin" << socket->origin().left(200)
                                << "is not in the app's allowedOrigins";
        return refuse(socket, PusherErrors::originNotAllowed);
    }
    AppState &state = m_states.stateFor(app);
    if (app->maxConnections > 0)
        return admitWithinQuota(socket, state);
    admit(socket, state);
}

void WebSocketGateway::closeAppConnections(const QString &appId, const PusherError &error)
{
    const std::vector<Connection *> connections(m_connections.cbegin(), m_connections.cend()); // may shrink meanwhile
    int closed = 0;
    for (Connection *c : connections) {
        if (c->appState->app().id == appId && !c->isClosing()) {
            m_fanout.sendErrorAndClose(c, error);
            ++closed;
        }
    }
    if (closed > 0)
        qCInfo(lcWs).noquote() << "closed" << closed << "connections of app" << appId << "with" << int(error.code)
                               << error.message.toString();
}

void WebSocketGateway::admitWithinQuota(QWebSocket *socket, AppState &state)
{
    // The quota counts the sockets of every node: ask them before admitting this one.
    QPointer<QWebSocket> guard(socket);
    ++m_admitting[&state];
    m_cluster.socketsCount(state, [this, guard, &state](qint64 total) {
        const int admitting = --m_admitting[&state];
        if (!guard)
            return;
        if (guard->state() != QAbstractSocket::ConnectedState) {
            guard->deleteLater();
            return;
        }
        if (m_closing)
            return refuse(guard, PusherErrors::serverClosing);
        // Sockets still waiting count too: admitting too many is worse than a retry.
        if (total + admitting + 1 > state.app().maxConnections)
            return refuse(guard, PusherErrors::overQuota);
        admit(guard, state);
    });
}

void WebSocketGateway::admit(QWebSocket *socket, AppState &state)
{
    QTcpSocket *tcp = m_upgrading.take(Peer{socket->peerAddress(), socket->peerPort()});
    if (!tcp) {
        qCWarning(lcWs) << "cannot find the TCP socket of an accepted WebSocket; closing it";
        socket->close();
        socket->deleteLater();
        return;
    }
    disconnect(tcp, &QObject::destroyed, this, nullptr);
    WebSocketRelays::dropUnused(socket, tcp);
    auto *c = new Connection(socket, tcp, newSocketId(), this);
    c->remoteAddress = socket->peerAddress().toString();
    c->appState = &state;
    c->lastReceivedMs = nowMs();
    if (state.app().enableUserAuthentication)
        c->signinDeadlineMs = c->lastReceivedMs + m_config.userAuthenticationTimeoutMs;
    m_connections.insert(c);
    m_fanout.add(c);
    state.attach();

    connect(socket, &QWebSocket::textMessageReceived, c,
        [this, c](const QString &text) { m_handlers.message(c, text.toUtf8()); });
    connect(socket, &QWebSocket::binaryMessageReceived, c,
        [this, c](const QByteArray &bytes) { m_handlers.message(c, bytes); });
    connect(socket, &QWebSocket::pong, c, [c](quint64, const QByteArray &) {
        c->lastReceivedMs = nowMs();
        c->pingSentMs = 0;
    });
    connect(socket, &QWebSocket::disconnected, c, [this, c] { onDisconnected(c); });

    // The upgrade request was read: free its buffer before the first frame.
    SocketBuffers::releaseDrained(tcp);
    m_fanout.send(c, PusherMessages::connectionEstablished(c->socketId(), m_config.activityTimeoutSeconds));
    SocketReadPacer::pace(tcp);
    qCDebug(lcWs) << "connected" << c->socketId() << "app" << state.app().id << "from" << c->remoteAddress;
    m_feed.record(Kind::Connected, state.app().id, c->socketId(), {}, {}, c->remoteAddress.toUtf8());
    emit connectionCountChanged(connectionCount());
}

void WebSocketGateway::onDisconnected(Connection *c)
{
    if (!m_connections.erase(c))
        return;
    m_fanout.remove(c);
    c->detach();
    m_handlers.closed(c);
    AppState &app = *c->appState;
    app.detach();
    const int closeCode = int(c->webSocket()->closeCode());
    qCDebug(lcWs) << "disconnected" << c->socketId() << "code" << closeCode;
    m_feed.record(Kind::Disconnected, app.app().id, c->socketId(), {}, {}, QByteArray::number(closeCode));
    c->deleteLater();
    emit connectionCountChanged(connectionCount());
}

void WebSocketGateway::beginShutdown()
{
    m_closing = true;
    const std::vector<Connection *> connections(m_connections.cbegin(), m_connections.cend()); // may shrink meanwhile
    for (Connection *c : connections)
        m_fanout.sendErrorAndClose(c, PusherErrors::serverClosed);
}

void WebSocketGateway::sweep()
{
    const qint64 now = nowMs();
    const qint64 idleMs = qint64(m_config.wsIdleTimeoutSeconds) * 1000; // 0 = never ping idle clients
    const std::vector<Connection *> connections(m_connections.cbegin(), m_connections.cend()); // may shrink meanwhile
    for (Connection *c : connections) {
        if (c->isClosing())
            continue;
        if (!c->buffersSettled) {
            // At admission connection_established may still be queued, and the handshake's read chunk
            // may still hold what was put back for QtWebSockets: by the first sweep both are drained.
            // Their allocations (~2.6 KiB per connection, heaptrack) go back before the client idles.
            SocketBuffers::releaseDrained(c->tcpSocket());
            c->buffersSettled = true;
        }
        if (c->signinDeadlineMs != 0 && now >= c->signinDeadlineMs && c->userId.isEmpty()) {
            m_fanout.sendErrorAndClose(c, PusherErrors::signinTimeout);
        } else if (c->pingSentMs != 0 && now - c->pingSentMs >= pongTimeoutMs) {
            c->closeWith(int(PusherErrors::pongNotReceived.code), PusherErrors::pongNotReceived.message.toString());
        } else if (idleMs > 0 && c->pingSentMs == 0 && now - c->lastReceivedMs >= idleMs) {
            // Pusher's liveness check: a protocol ping for Pusher clients and a WebSocket ping for the rest.
            c->pingSentMs = now;
            m_fanout.send(c, PusherMessages::ping());
            c->webSocket()->ping();
        }
    }
    // Expired cache-channel events are freed here, not only replaced by the next event.
    for (const auto &state : m_states.all())
        state->expireCache(now);
}

} // namespace qsoketi
