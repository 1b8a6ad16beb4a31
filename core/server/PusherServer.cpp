// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/PusherServer.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QWebSocket>
#include <QWebSocketServer>

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
        socket->sendTextMessage(QString::fromUtf8(MessageCodec::error(code, message)));
        socket->close(QWebSocketProtocol::CloseCode(code), message);
        connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
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
    if (app->maxConnections > 0 && state.connectionCount + 1 > app->maxConnections)
        return refuse(int(PusherErrorCode::OverCapacity),
            QStringLiteral("The current concurrent connections quota has been reached."));

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

void PusherServer::handleSubscribe(Connection *c, const IncomingMessage &m)
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
        Channel *existing = app.channel(name);
        const bool alreadyMember = existing && existing->hasMember(userId);
        const qsizetype members = existing ? existing->members().size() : 0;
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
            if (channel.addMember(userId, userIdJson, userInfo)) {
                const QByteArray memberData = QJsonDocument(
                    QJsonObject{{QStringLiteral("user_id"), userIdJson},
                        {QStringLiteral("user_info"),
                            userInfo}}).toJson(QJsonDocument::Compact);
                broadcast(app, channel.subscribers(),
                    MessageCodec::event(
                        u"pusher_internal:member_added", name, MessageCodec::jsonString(QString::fromUtf8(memberData))),
                    c);
                m_webhooks.memberAdded(app.app, name, userId);
            }
        }
        send(c,
            MessageCodec::event(u"pusher_internal:subscription_succeeded", name,
                MessageCodec::jsonString(QString::fromUtf8(channel.presenceData()))));
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
        if (channel.subscriptionCount() == 1)
            m_webhooks.channelOccupied(app.app, name);
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
            broadcast(app, channel->subscribers(),
                MessageCodec::event(
                    u"pusher_internal:member_removed", name, MessageCodec::jsonString(QString::fromUtf8(data))),
                c);
            m_webhooks.memberRemoved(app.app, name, userId);
        }
    }
    m_feed.record(Kind::Unsubscribed, app.app.id, c->socketId(), name, {}, {});
    if (channel->subscriptionCount() == 0) {
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
    broadcast(app, channel->subscribers(),
        MessageCodec::event(m.event, channelName, data, userId.isEmpty() ? QStringView() : QStringView(userId)), c);
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
    if (!online.isEmpty())
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
    const auto watchers = app.watchers.value(c->userId);
    for (Connection *w : watchers)
        if (w != c)
            sendWatchlistEvent(w, u"online", {c->userId});
}

void PusherServer::userOffline(AppState &app, const QString &userId)
{
    const auto watchers = app.watchers.value(userId);
    for (Connection *w : watchers)
        sendWatchlistEvent(w, u"offline", {userId});
}

int PusherServer::publish(AppState &app, const QString &channel, const QString &event, const QByteArray &dataJson,
    const QString &exceptSocketId)
{
    const QByteArray message = MessageCodec::event(event, channel, dataJson);
    if (ChannelName::isCache(channel))
        app.cache.insert(channel, AppState::CachedEvent{message, nowMs() + qint64(m_config.cacheTtlSeconds) * 1000});
    m_feed.record(Kind::ApiEvent, app.app.id, exceptSocketId, channel, event, dataJson);

    const Connection *except = exceptSocketId.isEmpty() ? nullptr : m_bySocketId.value(exceptSocketId);
    if (channel.startsWith(ChannelName::serverToUserPrefix)) {
        const QString userId = channel.mid(ChannelName::serverToUserPrefix.size());
        const QList<Connection *> conns = app.users.value(userId);
        return broadcast(app, std::vector<Connection *>(conns.cbegin(), conns.cend()), message, except);
    }
    Channel *ch = app.channel(channel);
    return ch ? broadcast(app, ch->subscribers(), message, except) : 0;
}

void PusherServer::terminateUserConnections(AppState &app, const QString &userId)
{
    const QList<Connection *> conns = app.users.value(userId);
    for (Connection *c : conns)
        sendErrorAndClose(c, 4009, QStringLiteral("You got disconnected by the app."));
}

void PusherServer::beginShutdown()
{
    m_closing = true;
    const auto connections = m_connections;
    for (Connection *c : connections)
        sendErrorAndClose(
            c, int(PusherErrorCode::ServerClosing), QStringLiteral("Server closed. Please reconnect shortly."));
}

void PusherServer::sweep()
{
    const qint64 now = nowMs();
    const qint64 idleMs = qint64(m_config.wsIdleTimeoutSeconds) * 1000;
    const auto connections = m_connections;
    for (Connection *c : connections) {
        if (c->isClosing())
            continue;
        if (c->signinDeadlineMs != 0 && now >= c->signinDeadlineMs && c->userId.isEmpty()) {
            sendErrorAndClose(c, 4009, QStringLiteral("Connection not authorized within timeout."));
        } else if (c->pingSentMs != 0 && now - c->pingSentMs >= pongTimeoutMs) {
            c->closeWith(int(PusherErrorCode::PongNotReceived), QStringLiteral("Pong reply not received"));
        } else if (c->pingSentMs == 0 && now - c->lastReceivedMs >= idleMs) {
            // Pusher's liveness check: a protocol ping for Pusher clients and a WebSocket ping for the rest.
            c->pingSentMs = now;
            send(c, QByteArrayLiteral("{\"event\":\"pusher:ping\",\"data\":{}}"));
            c->webSocket()->ping();
        }
    }
}

} // namespace qsoketi
