// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/PusherServer.h"

#include <limits>

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QWebSocket>
#include <QWebSocketServer>

#include "adapter/ClusterChannel.h"
#include "apps/AppRegistry.h"
#include "auth/HmacSigner.h"
#include "logging/LogCategories.h"
#include "metrics/MetricsRegistry.h"
#include "protocol/ChannelName.h"
#include "protocol/PusherErrorCode.h"
#include "protocol/WebSocketFrame.h"
#include "server/ActivityFeed.h"
#include "server/Connection.h"
#include "server/SocketBuffers.h"
#include "webhooks/WebhookSender.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

namespace qsoketi {

namespace {

constexpr qint64 pongTimeoutMs = 30000;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QString userIdString(const QJsonValue &id)
{
    if (id.isString())
        return id.toString();
    if (id.isDouble())
        return QString::number(id.toDouble(), 'g', 17);
    return {};
}

using Kind = ActivityEvent::Kind;

// Adapter "channel" of watchlist online/offline events for one user's watchers on other nodes.
const QString watchlistChannelPrefix = QStringLiteral("#watchlist-");

} // namespace

PusherServer::PusherServer(const ServerConfig &config, const AppRegistry &apps, MetricsRegistry &metrics,
    ActivityFeed &feed, WebhookSender &webhooks, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_apps(apps)
    , m_metrics(metrics)
    , m_feed(feed)
    , m_webhooks(webhooks)
    , m_wsServer(new QWebSocketServer(QStringLiteral("qsoketi"), QWebSocketServer::NonSecureMode, this))
    , m_maxBackpressure(config.wsMaxBackpressureBytes)
{
    m_wsServer->setMaxPendingConnections(qMax(config.maxPendingConnections, 1024));
    connect(m_wsServer, &QWebSocketServer::newConnection, this, &PusherServer::onNewWebSocket);
    for (const App &app : apps.apps()) {
        auto state = std::make_unique<AppState>(app, metrics.forApp(app.id));
        m_appStatesById.insert(app.id, state.get());
        m_appStates.push_back(std::move(state));
    }
    m_sweepTimer.setInterval(1000);
    connect(&m_sweepTimer, &QTimer::timeout, this, &PusherServer::sweep);
    m_sweepTimer.start();
}

PusherServer::~PusherServer()
{
    // Connections refer to AppStates: delete them first, without running the eviction logic.
    const auto connections = m_connections;
    for (Connection *c : connections) {
        c->webSocket()->disconnect(this);
        delete c;
    }
}

AppState *PusherServer::appState(const QString &appId) const
{
    return m_appStatesById.value(appId);
}

void PusherServer::adoptUpgrade(QTcpSocket *socket)
{
    const quint16 peerPort = socket->peerPort();
    m_upgrading.insert(peerPort, socket);
    // A handshake that fails deletes the socket: forget it then.
    connect(socket, &QObject::destroyed, this, [this, peerPort, socket] {
        const auto it = m_upgrading.find(peerPort);
        if (it != m_upgrading.end() && *it == socket)
            m_upgrading.erase(it);
    });
    m_wsServer->handleConnection(socket);
}

void PusherServer::onNewWebSocket()
{
    // Drain every pending connection in one go (the queue holds at least 1,024).
    while (QWebSocket *socket = m_wsServer->nextPendingConnection())
        accept(socket);
}

QString PusherServer::newSocketId() const
{
    auto *rng = QRandomGenerator::global();
    return QString::number(rng->bounded(Q_INT64_C(10000000000))) + QLatin1Char('.')
        + QString::number(rng->bounded(Q_INT64_C(10000000000)));
}

void PusherServer::accept(QWebSocket *socket)
{
    socket->setMaxAllowedIncomingMessageSize(quint64(m_config.wsMaxMessageSizeInKb) * 1024);
    socket->setMaxAllowedIncomingFrameSize(quint64(m_config.wsMaxMessageSizeInKb) * 1024);

    auto refuse = [socket](int code, const QString &message) {
        // Connected before close(): a peer that is already gone makes close() emit disconnected at once.
        connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
        socket->sendTextMessage(QString::fromUtf8(MessageCodec::error(code, message)));
        socket->close(QWebSocketProtocol::CloseCode(code), message);
    };

    const QString prefix = m_config.pathPrefix + QStringLiteral("/app/");
    const QString path = socket->requestUrl().path();
    const QString key = path.startsWith(prefix) ? path.mid(prefix.size()) : QString();
    if (m_closing)
        return refuse(
            int(PusherErrorCode::ServerClosing), QStringLiteral("Server is closing. Please reconnect shortly."));
    const App *app = m_apps.byKey(key);
    if (!app)
        return refuse(int(PusherErrorCode::AppNotFound), QStringLiteral("App key %1 does not exist.").arg(key));
    if (!app->enabled)
        return refuse(int(PusherErrorCode::AppDisabled), QStringLiteral("The app is not enabled."));
    AppState &state = *m_appStatesById.value(app->id);
    if (app->maxConnections > 0 && m_adapter) {
        // The quota counts the sockets of every node: ask them before admitting this one.
        QPointer<QWebSocket> guard(socket);
        ++m_admitting[&state];
        m_adapter->request(
            app->id, RedisAdapter::SocketsCount, {}, [this, guard, refuse, &state](const QList<QJsonObject> &answers) {
                const int admitting = --m_admitting[&state];
                if (!guard)
                    return;
                if (guard->state() != QAbstractSocket::ConnectedState) {
                    guard->deleteLater();
                    return;
                }
                // Sockets still waiting count too: admitting too many is worse than a retry.
                qint64 total = state.connectionCount + admitting;
                for (const QJsonObject &a : answers)
                    total += a.value(QLatin1String("totalCount")).toInteger();
                if (m_closing)
                    return refuse(int(PusherErrorCode::ServerClosing),
                        QStringLiteral("Server is closing. Please reconnect shortly."));
                if (total + 1 > state.app.maxConnections)
                    return refuse(int(PusherErrorCode::OverCapacity),
                        QStringLiteral("The current concurrent connections quota has been reached."));
                admit(guard, state);
            });
        return;
    }
    if (app->maxConnections > 0 && state.connectionCount + 1 > app->maxConnections)
        return refuse(int(PusherErrorCode::OverCapacity),
            QStringLiteral("The current concurrent connections quota has been reached."));
    admit(socket, state);
}

void PusherServer::admit(QWebSocket *socket, AppState &state)
{
    const App *app = &state.app;
    QTcpSocket *tcp = m_upgrading.take(socket->peerPort());
    if (!tcp || tcp->peerAddress() != socket->peerAddress()) {
        qCWarning(lcWs) << "cannot find the TCP socket of an accepted WebSocket; closing it";
        socket->close();
        socket->deleteLater();
        return;
    }
    disconnect(tcp, &QObject::destroyed, this, nullptr);
    auto *c = new Connection(socket, tcp, newSocketId(), this);
    c->remoteAddress = socket->peerAddress().toString();
    c->appState = &state;
    c->lastReceivedMs = nowMs();
    if (app->enableUserAuthentication)
        c->signinDeadlineMs = c->lastReceivedMs + m_config.userAuthenticationTimeoutMs;
    m_connections.insert(c);
    m_bySocketId.insert(c->socketId(), c);
    ++state.connectionCount;

    connect(
        socket, &QWebSocket::textMessageReceived, c, [this, c](const QString &text) { onMessage(c, text.toUtf8()); });
    connect(socket, &QWebSocket::binaryMessageReceived, c, [this, c](const QByteArray &bytes) { onMessage(c, bytes); });
    connect(socket, &QWebSocket::pong, c, [c](quint64, const QByteArray &) {
        c->lastReceivedMs = nowMs();
        c->pingSentMs = 0;
    });
    connect(socket, &QWebSocket::disconnected, c, [this, c] { onDisconnected(c); });

    QByteArray data("{\"socket_id\":\"");
    data.append(c->socketId().toLatin1());
    data.append("\",\"activity_timeout\":");
    data.append(QByteArray::number(m_config.activityTimeoutSeconds));
    data.append('}');
    send(c,
        MessageCodec::event(u"pusher:connection_established", {}, MessageCodec::jsonString(QString::fromLatin1(data))));
    state.metrics.connected->Increment();
    state.metrics.newConnections->Increment();
    SocketBuffers::useSmallChunks(tcp);
    qCDebug(lcWs) << "connected" << c->socketId() << "app" << app->id << "from" << c->remoteAddress;
    m_feed.record(Kind::Connected, app->id, c->socketId(), {}, {}, c->remoteAddress.toUtf8());
    emit connectionCountChanged(connectionCount());
}

void PusherServer::onDisconnected(Connection *c)
{
    if (!m_connections.remove(c))
        return;
    m_bySocketId.remove(c->socketId());
    AppState &app = *c->appState;
    while (!c->subscriptions.empty())
        unsubscribe(c, c->subscriptions.back().channel, true);
    for (const QString &watched : std::as_const(c->watchlist)) {
        auto it = app.watchers.find(watched);
        if (it != app.watchers.end()) {
            it->remove(c);
            if (it->isEmpty())
                app.watchers.erase(it);
        }
    }
    if (!c->userId.isEmpty()) {
        auto it = app.users.find(c->userId);
        if (it != app.users.end()) {
            it->removeAll(c);
            if (it->isEmpty()) {
                app.users.erase(it);
                userOffline(app, c->userId);
            }
        }
    }
    --app.connectionCount;
    app.metrics.connected->Decrement();
    app.metrics.newDisconnections->Increment();
    qCDebug(lcWs) << "disconnected" << c->socketId() << "code" << c->webSocket()->closeCode();
    m_feed.record(
        Kind::Disconnected, app.app.id, c->socketId(), {}, {}, QByteArray::number(int(c->webSocket()->closeCode())));
    c->deleteLater();
    emit connectionCountChanged(connectionCount());
}

void PusherServer::send(Connection *c, const QByteArray &message)
{
    if (c->writeFrame(WebSocketFrame::text(message), m_maxBackpressure) && c->appState) {
        c->appState->metrics.wsMessagesSent->Increment();
        c->appState->metrics.socketTransmittedBytes->Increment(double(message.size()));
    }
}

void PusherServer::sendError(Connection *c, int code, const QString &message, const QString &channel)
{
    send(c, MessageCodec::error(code, message, channel));
    m_feed.record(Kind::Error, c->appState->app.id, c->socketId(), channel, QString::number(code), message.toUtf8());
}

void PusherServer::sendErrorAndClose(Connection *c, int code, const QString &message)
{
    sendError(c, code, message);
    c->closeWith(code, message);
}

int PusherServer::broadcast(
    AppState &app, const std::vector<Connection *> &recipients, const QByteArray &message, const Connection *except)
{
    if (recipients.empty())
        return 0;
    const QByteArray frame = WebSocketFrame::text(message);
    int sent = 0;
    for (Connection *r : recipients) {
        if (r != except && r->writeFrame(frame, m_maxBackpressure))
            ++sent;
    }
    if (sent > 0) {
        app.metrics.wsMessagesSent->Increment(sent);
        app.metrics.socketTransmittedBytes->Increment(double(sent) * double(message.size()));
    }
    return sent;
}

void PusherServer::onMessage(Connection *c, const QByteArray &utf8)
{
    if (c->isClosing())
        return;
    AppState &app = *c->appState;
    c->lastReceivedMs = nowMs();
    c->pingSentMs = 0;
    app.metrics.wsMessagesReceived->Increment();
    app.metrics.socketReceivedBytes->Increment(double(utf8.size()));

    QString error;
    const auto message = MessageCodec::parse(utf8, &error);
    if (!message) {
        qCDebug(lcWs) << "malformed frame from" << c->socketId() << ':' << error;
        sendError(c, 0, error);
        return;
    }
    const IncomingMessage &m = *message;
    if (m.event == QLatin1String("pusher:ping")) {
        send(c, QByteArrayLiteral("{\"event\":\"pusher:pong\",\"data\":{}}"));
        if (m_closing)
            sendErrorAndClose(
                c, int(PusherErrorCode::ServerClosing), QStringLiteral("Server is closing. Please reconnect shortly."));
    } else if (m.event == QLatin1String("pusher:pong")) {
        // Activity already recorded.
    } else if (m.event == QLatin1String("pusher:subscribe")) {
        handleSubscribe(c, m);
    } else if (m.event == QLatin1String("pusher:unsubscribe")) {
        handleUnsubscribe(c, m);
    } else if (m.event == QLatin1String("pusher:signin")) {
        handleSignin(c, m);
    } else if (m.event.startsWith(QLatin1String("client-"))) {
        handleClientEvent(c, m);
    } else {
        sendError(c, 0, QStringLiteral("Unknown event \"%1\".").arg(m.event.left(64)));
    }
}

void PusherServer::handleSubscribe(Connection *c, const IncomingMessage &m, const ClusterChannel *cluster)
{
    AppState &app = *c->appState;
    if (m_closing)
        return sendErrorAndClose(
            c, int(PusherErrorCode::ServerClosing), QStringLiteral("Server is closing. Please reconnect shortly."));
    const QJsonObject data = m.data.toObject();
    const QJsonValue channelValue = data.value(QLatin1String("channel"));
    if (!m.data.isObject() || !channelValue.isString() || channelValue.toString().isEmpty())
        return sendError(c, 0, QStringLiteral("pusher:subscribe needs data.channel, a channel name."));
    const QString name = channelValue.toString();
    const auto subscriptionError = [&](QStringView type, const QString &text, int status) {
        send(c, MessageCodec::subscriptionError(name, type, text, status));
        m_feed.record(
            Kind::Error, app.app.id, c->socketId(), name, QStringLiteral("pusher:subscription_error"), text.toUtf8());
    };
    if (name.size() > app.app.maxChannelNameLength)
        return subscriptionError(u"LimitReached",
            QStringLiteral("The channel name is longer than the allowed %1 characters.")
                .arg(app.app.maxChannelNameLength),
            4009);
    if (!ChannelName::hasValidCharacters(name))
        return subscriptionError({},
            QStringLiteral("The channel name is not allowed. Read channel conventions: "
                           "https://pusher.com/docs/channels/using_channels/channels/#channel-naming-conventions"),
            4009);

    const QByteArray succeeded = MessageCodec::event(u"pusher_internal:subscription_succeeded", name, "\"{}\"");
    if (name.startsWith(QLatin1Char('#'))) {
        // Only a signed-in user may listen on its own server-to-user channel; delivery goes by user id.
        if (!c->userId.isEmpty() && name == ChannelName::serverToUserPrefix.toString() + c->userId)
            return send(c, succeeded);
        return subscriptionError(u"AuthError", QStringLiteral("The connection is unauthorized."), 401);
    }

    const ChannelName::Type type = ChannelName::type(name);
    const QByteArray secret = app.app.secret.toUtf8();
    const QByteArray key = app.app.key.toUtf8();
    const QByteArray auth = data.value(QLatin1String("auth")).toString().toUtf8();
    QString userId;
    QJsonValue userIdJson;
    QJsonValue userInfo;
    if (type == ChannelName::Type::Private || type == ChannelName::Type::PrivateEncrypted) {
        if (!HmacSigner::verifyAuth(auth, key, secret, (c->socketId() + QLatin1Char(':') + name).toUtf8()))
            return subscriptionError(u"AuthError", QStringLiteral("The connection is unauthorized."), 401);
    } else if (type == ChannelName::Type::Presence) {
        const QJsonValue channelDataValue = data.value(QLatin1String("channel_data"));
        const QString channelData = channelDataValue.isString()
            ? channelDataValue.toString()
            : QString::fromUtf8(MessageCodec::jsonValue(channelDataValue));
        if (!HmacSigner::verifyAuth(
                auth, key, secret, (c->socketId() + QLatin1Char(':') + name + QLatin1Char(':') + channelData).toUtf8()))
            return subscriptionError(u"AuthError", QStringLiteral("The connection is unauthorized."), 401);
        const QJsonObject member = QJsonDocument::fromJson(channelData.toUtf8()).object();
        userIdJson = member.value(QLatin1String("user_id"));
        userId = userIdString(userIdJson);
        if (userId.isEmpty())
            return subscriptionError(
                u"ServerError", QStringLiteral("The channel_data must be a JSON object with a user_id."), 4302);
        userInfo = member.value(QLatin1String("user_info"));
        if (MessageCodec::payloadSize(userInfo) > app.app.maxPresenceMemberSizeInKb * 1024)
            return subscriptionError(u"LimitReached",
                QStringLiteral("The maximum size for a channel member is %1 KB.")
                    .arg(app.app.maxPresenceMemberSizeInKb),
                4301);
        if (m_adapter && !cluster) {
            // Members on other nodes decide the member list, the limit and member_added: ask, then
            // run this subscription again with their answer (if the connection is still there).
            QPointer<Connection> guard(c);
            m_adapter->request(app.app.id, RedisAdapter::ChannelInfo, {{QStringLiteral("channel"), name}},
                [this, guard, m](const QList<QJsonObject> &answers) {
                    if (!guard || guard->isClosing() || !m_connections.contains(guard.data()))
                        return;
                    ClusterChannel remote;
                    for (const QJsonObject &a : answers)
                        remote.merge(a);
                    handleSubscribe(guard, m, &remote);
                });
            return;
        }
        Channel *existing = app.channel(name);
        const bool alreadyMember =
            (existing && existing->hasMember(userId)) || (cluster && cluster->members.contains(userId));
        qsizetype members = existing ? existing->members().size() : 0;
        if (cluster) {
            for (auto it = cluster->members.cbegin(); it != cluster->members.cend(); ++it)
                members += !(existing && existing->hasMember(it.key()));
        }
        if (!alreadyMember && members + 1 > app.app.maxPresenceMembersPerChannel)
            return subscriptionError(
                u"LimitReached", QStringLiteral("The maximum members per presence channel limit was reached"), 4100);
    }

    Channel &channel = app.ensureChannel(name);
    const bool added = channel.add(c);
    if (added)
        c->subscriptions.push_back({&channel, userId});
    if (type != ChannelName::Type::Public)
        c->signinDeadlineMs = 0; // an authorized subscription counts as authentication (soketi)

    if (type == ChannelName::Type::Presence) {
        if (added) {
            if (channel.addMember(userId, userIdJson, userInfo) && !(cluster && cluster->members.contains(userId))) {
                const QByteArray memberData = QJsonDocument(
                    QJsonObject{{QStringLiteral("user_id"), userIdJson},
                        {QStringLiteral("user_info"),
                            userInfo}}).toJson(QJsonDocument::Compact);
                const QByteArray added = MessageCodec::event(
                    u"pusher_internal:member_added", name, MessageCodec::jsonString(QString::fromUtf8(memberData)));
                broadcast(app, channel.subscribers(), added, c);
                if (m_adapter)
                    m_adapter->publish(app.app.id, name, added, c->socketId());
                m_webhooks.memberAdded(app.app, name, userId);
            }
        }
        QByteArray presenceData;
        if (cluster) {
            ClusterChannel merged = *cluster;
            merged.addLocal(channel);
            presenceData = merged.presenceData();
        } else {
            presenceData = channel.presenceData();
        }
        send(c,
            MessageCodec::event(u"pusher_internal:subscription_succeeded", name,
                MessageCodec::jsonString(QString::fromUtf8(presenceData))));
    } else {
        send(c, succeeded);
    }

    if (channel.isCache()) {
        const auto it = app.cache.constFind(name);
        if (it != app.cache.cend() && it->expiresAtMs > nowMs())
            send(c, it->message);
        else {
            send(c, MessageCodec::event(u"pusher:cache_miss", name, {}));
            m_webhooks.cacheMiss(app.app, name);
        }
    }
    if (added) {
        if (channel.subscriptionCount() == 1) {
            if (m_adapter)
                clusterOccupancyWebhook(app, name, true);
            else
                m_webhooks.channelOccupied(app.app, name);
        }
        subscriptionCountChanged(app, channel);
        m_feed.record(Kind::Subscribed, app.app.id, c->socketId(), name, {}, userId.toUtf8());
    }
}

void PusherServer::handleUnsubscribe(Connection *c, const IncomingMessage &m)
{
    const QJsonValue channel = m.data.toObject().value(QLatin1String("channel"));
    if (!channel.isString())
        return sendError(c, 0, QStringLiteral("pusher:unsubscribe needs data.channel, a channel name."));
    if (const Connection::Subscription *s = c->subscription(channel.toString()))
        unsubscribe(c, s->channel, true);
}

void PusherServer::unsubscribe(Connection *c, Channel *channel, bool notify)
{
    AppState &app = *c->appState;
    const QString name = channel->name();
    if (!channel->remove(c))
        return;
    const QString userId = c->subscription(name)->presenceUserId;
    c->removeSubscription(channel);
    if (channel->isPresence()) {
        if (channel->removeMember(userId) && notify) {
            const QByteArray data =
                QJsonDocument(QJsonObject{{QStringLiteral("user_id"), userId}}).toJson(QJsonDocument::Compact);
            const QByteArray removed = MessageCodec::event(
                u"pusher_internal:member_removed", name, MessageCodec::jsonString(QString::fromUtf8(data)));
            if (m_adapter) {
                announceMemberRemoved(app, name, userId, removed); // and the webhook, if the user left the cluster
            } else {
                broadcast(app, channel->subscribers(), removed, c);
                m_webhooks.memberRemoved(app.app, name, userId);
            }
        }
    }
    m_feed.record(Kind::Unsubscribed, app.app.id, c->socketId(), name, {}, {});
    if (channel->subscriptionCount() == 0) {
        if (m_adapter && notify && app.app.enableSubscriptionCount && !channel->isPresence())
            announceSubscriptionCount(app, name); // subscribers on other nodes remain
        if (m_adapter)
            clusterOccupancyWebhook(app, name, false);
        else
            m_webhooks.channelVacated(app.app, name);
        app.dropIfEmpty(channel);
        return;
    }
    if (notify)
        subscriptionCountChanged(app, *channel);
}

void PusherServer::subscriptionCountChanged(AppState &app, Channel &channel)
{
    if (!app.app.enableSubscriptionCount || channel.isPresence())
        return;
    if (m_adapter)
        return announceSubscriptionCount(app, channel.name());
    const QByteArray data = "{\"subscription_count\":" + QByteArray::number(channel.subscriptionCount()) + '}';
    broadcast(app, channel.subscribers(),
        MessageCodec::event(
            u"pusher_internal:subscription_count", channel.name(), MessageCodec::jsonString(QString::fromLatin1(data))),
        nullptr);
}

void PusherServer::handleClientEvent(Connection *c, const IncomingMessage &m)
{
    AppState &app = *c->appState;
    const App &a = app.app;
    const QString &channelName = m.channel;
    if (!a.enableClientMessages)
        return sendError(c, 4301, QStringLiteral("The app does not have client messaging enabled."), channelName);
    const ChannelName::Type type = ChannelName::type(channelName);
    if (type != ChannelName::Type::Private && type != ChannelName::Type::Presence)
        return sendError(
            c, 4301, QStringLiteral("Client events are only allowed on private and presence channels."), channelName);
    if (m.event.size() > a.maxEventNameLength)
        return sendError(c, 4301,
            QStringLiteral("Event name is too long. Maximum allowed size is %1.").arg(a.maxEventNameLength),
            channelName);
    if (MessageCodec::payloadSize(m.data) > a.maxEventPayloadInKb * 1024)
        return sendError(c, 4301,
            QStringLiteral("The event data should be less than %1 KB.").arg(a.maxEventPayloadInKb), channelName);
    const Connection::Subscription *subscription = c->subscription(channelName);
    if (!subscription)
        return sendError(
            c, 4301, QStringLiteral("Subscribe to the channel before sending client events on it."), channelName);
    if (!c->clientEvents.consume(a.maxClientEventsPerSecond, 1, nowMs()))
        return sendError(
            c, 4301, QStringLiteral("The rate limit for sending client events exceeded the quota."), channelName);

    const QByteArray data = MessageCodec::jsonValue(m.data);
    Channel *channel = subscription->channel;
    const QString &userId = subscription->presenceUserId;
    const QByteArray message =
        MessageCodec::event(m.event, channelName, data, userId.isEmpty() ? QStringView() : QStringView(userId));
    broadcast(app, channel->subscribers(), message, c);
    if (m_adapter)
        m_adapter->publish(a.id, channelName, message, c->socketId());
    m_feed.record(Kind::ClientEvent, a.id, c->socketId(), channelName, m.event, data);
    m_webhooks.clientEvent(a, channelName, m.event, m.data, c->socketId(), userId);
}

void PusherServer::handleSignin(Connection *c, const IncomingMessage &m)
{
    AppState &app = *c->appState;
    const QJsonObject data = m.data.toObject();
    if (!data.value(QLatin1String("user_data")).isString() || !data.value(QLatin1String("auth")).isString())
        return sendError(c, 0, QStringLiteral("pusher:signin needs data.user_data and data.auth, both strings."));
    const QString userData = data.value(QLatin1String("user_data")).toString();
    const QByteArray auth = data.value(QLatin1String("auth")).toString().toUtf8();
    if (!c->userId.isEmpty())
        return sendError(c, 4009, QStringLiteral("The connection is already signed in."));
    if (!HmacSigner::verifyAuth(auth, app.app.key.toUtf8(), app.app.secret.toUtf8(),
            (c->socketId() + QStringLiteral("::user::") + userData).toUtf8()))
        return sendErrorAndClose(c, 4009, QStringLiteral("Connection not authorized."));
    const QJsonObject user = QJsonDocument::fromJson(userData.toUtf8()).object();
    const QString userId = userIdString(user.value(QLatin1String("id")));
    if (userId.isEmpty())
        return sendErrorAndClose(c, 4009, QStringLiteral("The returned user data must contain the \"id\" field."));

    c->userId = userId;
    c->signinDeadlineMs = 0;
    auto &connections = app.users[userId];
    const bool cameOnline = connections.isEmpty();
    connections.append(c);
    send(c, MessageCodec::event(u"pusher:signin_success", {}, MessageCodec::jsonValue(m.data)));

    const QJsonArray watchlist = user.value(QLatin1String("watchlist")).toArray();
    QStringList online;
    for (const QJsonValue &v : watchlist) {
        const QString watched = userIdString(v);
        if (watched.isEmpty() || c->watchlist.contains(watched))
            continue;
        c->watchlist.append(watched);
        app.watchers[watched].insert(c);
        if (app.users.contains(watched))
            online.append(watched);
    }
    if (m_adapter && !c->watchlist.isEmpty())
        sendClusterWatchlist(app, c); // users online on other nodes count too
    else if (!online.isEmpty())
        sendWatchlistEvent(c, u"online", online);
    if (cameOnline)
        userOnline(app, c);
}

void PusherServer::sendWatchlistEvent(Connection *to, QStringView name, const QStringList &userIds)
{
    QJsonObject event{
        {QStringLiteral("name"), name.toString()}, {QStringLiteral("user_ids"), QJsonArray::fromStringList(userIds)}};
    const QByteArray data =
        QJsonDocument(QJsonObject{{QStringLiteral("events"), QJsonArray{event}}}).toJson(QJsonDocument::Compact);
    send(to, MessageCodec::event(u"pusher_internal:watchlist_events", {}, data));
}

void PusherServer::userOnline(AppState &app, Connection *c)
{
    if (m_adapter)
        return announceUserPresence(app, c->userId, true);
    const auto watchers = app.watchers.value(c->userId);
    for (Connection *w : watchers)
        if (w != c)
            sendWatchlistEvent(w, u"online", {c->userId});
}

void PusherServer::userOffline(AppState &app, const QString &userId)
{
    if (m_adapter)
        return announceUserPresence(app, userId, false);
    const auto watchers = app.watchers.value(userId);
    for (Connection *w : watchers)
        sendWatchlistEvent(w, u"offline", {userId});
}

int PusherServer::publish(AppState &app, const QString &channel, const QString &event, const QByteArray &dataJson,
    const QString &exceptSocketId)
{
    const QByteArray message = MessageCodec::event(event, channel, dataJson);
    if (ChannelName::isCache(channel))
        app.cache.insert(channel, AppState::CachedEvent{message, cacheExpiry()});
    m_feed.record(Kind::ApiEvent, app.app.id, exceptSocketId, channel, event, dataJson);
    if (m_adapter)
        m_adapter->publish(app.app.id, channel, message, exceptSocketId);
    return deliver(app, channel, message, exceptSocketId);
}

int PusherServer::deliver(
    AppState &app, const QString &channel, const QByteArray &message, const QString &exceptSocketId)
{
    const Connection *except = exceptSocketId.isEmpty() ? nullptr : m_bySocketId.value(exceptSocketId);
    if (channel.startsWith(ChannelName::serverToUserPrefix)) {
        const QString userId = channel.mid(ChannelName::serverToUserPrefix.size());
        const QList<Connection *> conns = app.users.value(userId);
        return broadcast(app, std::vector<Connection *>(conns.cbegin(), conns.cend()), message, except);
    }
    Channel *ch = app.channel(channel);
    return ch ? broadcast(app, ch->subscribers(), message, except) : 0;
}

void PusherServer::terminateUserConnections(AppState &app, const QString &userId, bool cluster)
{
    const QList<Connection *> conns = app.users.value(userId);
    for (Connection *c : conns)
        sendErrorAndClose(c, 4009, QStringLiteral("You got disconnected by the app."));
    if (cluster && m_adapter)
        m_adapter->request(
            app.app.id, RedisAdapter::TerminateUserConnections, {{QStringLiteral("userId"), userId}}, {});
}

void PusherServer::setAdapter(RedisAdapter *adapter)
{
    m_adapter = adapter;
    adapter->setParent(this);
    RedisAdapter::Hooks hooks;
    hooks.deliver = [this](const QString &appId, const QString &channel, const QByteArray &message,
                        const QString &exceptSocketId) {
        AppState *app = appState(appId);
        if (!app)
            return;
        if (channel.startsWith(watchlistChannelPrefix)) {
            // A user came online / went offline on another node: tell the watchers here.
            const auto watchers = app->watchers.value(channel.mid(watchlistChannelPrefix.size()));
            for (Connection *w : watchers)
                send(w, message);
            return;
        }
        if (ChannelName::isCache(channel))
            app->cache.insert(channel, AppState::CachedEvent{message, cacheExpiry()});
        deliver(*app, channel, message, exceptSocketId);
    };
    hooks.answer = [this](const QString &appId, RedisAdapter::RequestType type, const QJsonObject &opts) {
        return answerRequest(appId, type, opts);
    };
    adapter->setHooks(std::move(hooks));
}

QJsonObject PusherServer::answerRequest(const QString &appId, RedisAdapter::RequestType type, const QJsonObject &opts)
{
    AppState *app = appState(appId);
    if (!app)
        return {};
    switch (type) {
    case RedisAdapter::SocketsCount:
        return {{QStringLiteral("totalCount"), app->connectionCount}};
    case RedisAdapter::TerminateUserConnections:
        terminateUserConnections(*app, opts.value(QLatin1String("userId")).toString(), false);
        return {};
    case RedisAdapter::ChannelInfo: {
        const Channel *ch = app->channel(opts.value(QLatin1String("channel")).toString());
        return ch ? ClusterChannel::encode(*ch, true) : QJsonObject{};
    }
    case RedisAdapter::ChannelsInfo:
        return ClusterChannel::encodeAll(app->channels);
    case RedisAdapter::UsersOnline:
        return onlineUsers(*app, opts.value(QLatin1String("userIds")).toArray());
    }
    return {};
}

void PusherServer::clusterChannel(AppState &app, const QString &name, std::function<void(const ClusterChannel &)> done)
{
    if (!m_adapter) {
        ClusterChannel result;
        if (const Channel *ch = app.channel(name))
            result.addLocal(*ch);
        return done(result);
    }
    m_adapter->request(app.app.id, RedisAdapter::ChannelInfo, {{QStringLiteral("channel"), name}},
        [&app, name, done = std::move(done)](const QList<QJsonObject> &answers) {
            ClusterChannel result;
            for (const QJsonObject &a : answers)
                result.merge(a);
            if (const Channel *ch = app.channel(name))
                result.addLocal(*ch);
            done(result);
        });
}

void PusherServer::clusterChannels(AppState &app, std::function<void(const QHash<QString, ClusterChannel> &)> done)
{
    auto collect = [&app, done = std::move(done)](const QList<QJsonObject> &answers) {
        QHash<QString, ClusterChannel> result;
        for (const QJsonObject &a : answers)
            ClusterChannel::mergeAll(result, a);
        for (const auto &[name, channel] : app.channels)
            result[name].addLocal(*channel);
        done(result);
    };
    if (!m_adapter)
        return collect({});
    m_adapter->request(app.app.id, RedisAdapter::ChannelsInfo, {}, std::move(collect));
}

void PusherServer::announceSubscriptionCount(AppState &app, const QString &channel)
{
    clusterChannel(app, channel, [this, &app, channel](const ClusterChannel &ch) {
        const QByteArray data = "{\"subscription_count\":" + QByteArray::number(ch.subscriptionCount) + '}';
        const QByteArray message = MessageCodec::event(
            u"pusher_internal:subscription_count", channel, MessageCodec::jsonString(QString::fromLatin1(data)));
        if (const Channel *local = app.channel(channel))
            broadcast(app, local->subscribers(), message, nullptr);
        m_adapter->publish(app.app.id, channel, message, {});
    });
}

QJsonObject PusherServer::onlineUsers(const AppState &app, const QJsonArray &userIds)
{
    QJsonArray online;
    for (const QJsonValue &id : userIds)
        if (app.users.contains(id.toString()))
            online.append(id);
    return {{QStringLiteral("online"), online}};
}

void PusherServer::sendClusterWatchlist(AppState &app, Connection *c)
{
    QPointer<Connection> guard(c);
    m_adapter->request(app.app.id, RedisAdapter::UsersOnline,
        {{QStringLiteral("userIds"), QJsonArray::fromStringList(c->watchlist)}},
        [this, guard, &app](const QList<QJsonObject> &answers) {
            if (!guard || guard->isClosing())
                return;
            QSet<QString> remote;
            for (const QJsonObject &a : answers)
                for (const QJsonValue &id : a.value(QLatin1String("online")).toArray())
                    remote.insert(id.toString());
            QStringList online;
            for (const QString &watched : std::as_const(guard->watchlist))
                if (app.users.contains(watched) || remote.contains(watched))
                    online.append(watched);
            if (!online.isEmpty())
                sendWatchlistEvent(guard, u"online", online);
        });
}

void PusherServer::announceUserPresence(AppState &app, const QString &userId, bool online)
{
    // Online/offline for the cluster: only when no other node has (had) the user meanwhile.
    m_adapter->request(app.app.id, RedisAdapter::UsersOnline, {{QStringLiteral("userIds"), QJsonArray{userId}}},
        [this, &app, userId, online](const QList<QJsonObject> &answers) {
            for (const QJsonObject &a : answers)
                if (!a.value(QLatin1String("online")).toArray().isEmpty())
                    return;
            if (app.users.contains(userId) != online)
                return; // changed again meanwhile: that change announces itself
            const QJsonObject event{
                {QStringLiteral("name"), online ? QStringLiteral("online") : QStringLiteral("offline")},
                {QStringLiteral("user_ids"), QJsonArray{userId}}};
            const QByteArray message = MessageCodec::event(u"pusher_internal:watchlist_events", {},
                QJsonDocument(QJsonObject{{QStringLiteral("events"), QJsonArray{event}}})
                    .toJson(QJsonDocument::Compact));
            const auto watchers = app.watchers.value(userId);
            for (Connection *w : watchers)
                if (!(online && w->userId == userId))
                    send(w, message);
            m_adapter->publish(app.app.id, watchlistChannelPrefix + userId, message, {});
        });
}

void PusherServer::announceMemberRemoved(
    AppState &app, const QString &channel, const QString &userId, const QByteArray &message)
{
    // The user may still be connected to this channel through another node: then nobody is told.
    m_adapter->request(app.app.id, RedisAdapter::ChannelInfo, {{QStringLiteral("channel"), channel}},
        [this, &app, channel, userId, message](const QList<QJsonObject> &answers) {
            ClusterChannel remote;
            for (const QJsonObject &a : answers)
                remote.merge(a);
            Channel *ch = app.channel(channel);
            if (remote.members.contains(userId) || (ch && ch->hasMember(userId)))
                return;
            if (ch)
                broadcast(app, ch->subscribers(), message, nullptr);
            m_adapter->publish(app.app.id, channel, message, {});
            m_webhooks.memberRemoved(app.app, channel, userId);
        });
}

void PusherServer::clusterOccupancyWebhook(AppState &app, const QString &channel, bool occupied)
{
    // Occupied: nobody else in the cluster had subscribers. Vacated: nobody has any left.
    m_adapter->request(app.app.id, RedisAdapter::ChannelInfo, {{QStringLiteral("channel"), channel}},
        [this, &app, channel, occupied](const QList<QJsonObject> &answers) {
            for (const QJsonObject &a : answers)
                if (a.value(QLatin1String("count")).toInteger() > 0)
                    return;
            const Channel *ch = app.channel(channel);
            if (occupied && ch && ch->subscriptionCount() > 0)
                m_webhooks.channelOccupied(app.app, channel);
            else if (!occupied && !ch)
                m_webhooks.channelVacated(app.app, channel);
        });
}

void PusherServer::beginShutdown()
{
    m_closing = true;
    const auto connections = m_connections;
    for (Connection *c : connections)
        sendErrorAndClose(
            c, int(PusherErrorCode::ServerClosing), QStringLiteral("Server closed. Please reconnect shortly."));
}

qint64 PusherServer::cacheExpiry() const
{
    // A TTL of 0 or less keeps the last event for good (soketi's memory cache does the same).
    return m_config.cacheTtlSeconds > 0 ? nowMs() + qint64(m_config.cacheTtlSeconds) * 1000
                                        : std::numeric_limits<qint64>::max();
}

void PusherServer::sweep()
{
    const qint64 now = nowMs();
    const qint64 idleMs = qint64(m_config.wsIdleTimeoutSeconds) * 1000; // 0 = never ping idle clients
    const auto connections = m_connections;
    for (Connection *c : connections) {
        if (c->isClosing())
            continue;
        if (c->signinDeadlineMs != 0 && now >= c->signinDeadlineMs && c->userId.isEmpty()) {
            sendErrorAndClose(c, 4009, QStringLiteral("Connection not authorized within timeout."));
        } else if (c->pingSentMs != 0 && now - c->pingSentMs >= pongTimeoutMs) {
            c->closeWith(int(PusherErrorCode::PongNotReceived), QStringLiteral("Pong reply not received"));
        } else if (idleMs > 0 && c->pingSentMs == 0 && now - c->lastReceivedMs >= idleMs) {
            // Pusher's liveness check: a protocol ping for Pusher clients and a WebSocket ping for the rest.
            c->pingSentMs = now;
            send(c, QByteArrayLiteral("{\"event\":\"pusher:ping\",\"data\":{}}"));
            c->webSocket()->ping();
        }
    }
}

} // namespace qsoketi
