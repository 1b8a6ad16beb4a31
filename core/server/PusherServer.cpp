// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/PusherServer.h"

#include <QDateTime>

#include "adapter/ClusterView.h"
#include "apps/AppDirectory.h"
#include "cache/RedisEventCache.h"
#include "channels/RedisRateLimiter.h"
#include "config/ServerConfig.h"
#include "logging/LogCategories.h"
#include "protocol/MessageCodec.h"
#include "protocol/PusherErrorCode.h"
#include "protocol/PusherMessages.h"
#include "server/ClientEventHandler.h"
#include "server/Connection.h"
#include "server/Fanout.h"
#include "server/SoketiAnswers.h"
#include "server/SubscriptionHandler.h"
#include "server/UserSessions.h"
#include "server/WebSocketGateway.h"
#include "webhooks/LeaveDelay.h"

#include <prometheus/counter.h>

namespace qsoketi {

PusherServer::PusherServer(const ServerConfig &config, AppDirectory &apps, MetricsRegistry &metrics, ActivityFeed &feed,
    WebhookSender &webhooks, std::unique_ptr<ClusterView> cluster, AppRateLimits *rateLimits, QObject *parent)
    : QObject(parent)
    , m_cluster(std::move(cluster))
    , m_sharedCache(config.cacheDriver == QLatin1String("redis") ? std::make_unique<RedisEventCache>(
                        config.adapter, config.cacheTtlSeconds, config.adapter.requestsTimeoutMs)
                                                                 : nullptr)
    , m_sharedLimits(config.rateLimiterDriver == QLatin1String("redis")
              ? std::make_unique<RedisRateLimiter>(config.adapter, config.adapter.requestsTimeoutMs)
              : nullptr)
    , m_states(metrics, rateLimits)
    , m_fanout(std::make_unique<Fanout>(
          *m_cluster, feed, config.wsMaxBackpressureBytes, config.cacheTtlSeconds, m_sharedCache.get()))
    , m_leaves(std::make_unique<LeaveDelay>(config.webhooksLeaveDelayMs, metrics))
    , m_subscriptions(std::make_unique<SubscriptionHandler>(
          config, *m_cluster, *m_fanout, webhooks, *m_leaves, feed, [this] { return isClosing(); },
          m_sharedCache.get()))
    , m_users(std::make_unique<UserSessions>(*m_cluster, *m_fanout))
    , m_clientEvents(std::make_unique<ClientEventHandler>(*m_fanout, webhooks, feed))
    , m_gateway(std::make_unique<WebSocketGateway>(config, apps, m_states, *m_cluster, *m_fanout, feed, metrics))
{
    m_gateway->setHandlers({[this](Connection *c, const QByteArray &utf8) { onMessage(c, utf8); },
        [this](Connection *c) { onClosed(c); }});
    connect(m_gateway.get(), &WebSocketGateway::connectionCountChanged, this, &PusherServer::connectionCountChanged);
    // The apps of the config are there from the start (the dashboard lists them before any connection);
    // a store's apps appear as they are first used. (The array driver answers at once.)
    if (!apps.isWritable()) {
        for (const App &app : config.apps)
            apps.findById(app.id, [this](const AppPtr &found) {
                if (found)
                    m_states.stateFor(found);
            });
    }
    connect(&apps, &AppDirectory::appChanged, this, &PusherServer::onAppChanged);
    connect(&apps, &AppDirectory::appRemoved, this, &PusherServer::onAppRemoved);
    m_cluster->setLocalNode({[this](const QString &appId) { return appState(appId); },
        [this](AppState &app, const QString &channel, const QByteArray &message, const QString &exceptSocketId) {
            deliverFromCluster(app, channel, message, exceptSocketId);
        },
        [this](AppState &app, const QString &userId) { m_users->terminateHere(app, userId); },
        [this](const QString &appId, const QString &channel) {
            return PendingLeaves{m_leaves->vacatedPending(appId, channel), m_leaves->removalsPending(appId, channel)};
        },
        [this, &apps](const QString &appId, const QString &channel, const QByteArray &message) {
            apps.findById(appId, [this, channel, message](const AppPtr &app) {
                if (app) // no local subscriber yet: delivering only remembers it
                    m_fanout->deliverFromCluster(m_states.stateFor(app), channel, message, {});
            });
        },
        &SoketiAnswers::answer,
        [this](AppState &app, const QString &channel, const QStringList &userIds, const ClusterChannel &all,
            bool webhooks) { m_subscriptions->membersLost(app, channel, userIds, all, webhooks); }});
}

PusherServer::~PusherServer() = default;

void PusherServer::onAppChanged(const AppPtr &app)
{
    if (!m_states.update(app))
        return; // never served here: the next connection reads the new copy
    if (!app->enabled)
        m_gateway->closeAppConnections(app->id, PusherErrors::appDisabled);
}

void PusherServer::onAppRemoved(const QString &appId)
{
    m_gateway->closeAppConnections(appId, PusherErrors::appNotFound);
}

void PusherServer::adoptUpgrade(QTcpSocket *socket)
{
    m_gateway->adoptUpgrade(socket);
}

void PusherServer::beginShutdown()
{
    // Held leaves go now, and so do those of the clients about to be closed: within the grace period.
    m_leaves->flush();
    m_gateway->beginShutdown();
}

bool PusherServer::isClosing() const
{
    return m_gateway && m_gateway->isClosing();
}

int PusherServer::connectionCount() const
{
    return m_gateway->connectionCount();
}

void PusherServer::onMessage(Connection *c, const QByteArray &utf8)
{
    if (c->isClosing())
        return;
    AppState &app = *c->appState;
    c->lastReceivedMs = QDateTime::currentMSecsSinceEpoch();
    c->pingSentMs = 0;
    app.metrics().wsMessagesReceived->Increment();
    app.metrics().socketReceivedBytes->Increment(double(utf8.size()));

    QString error;
    const auto message = MessageCodec::parse(utf8, &error);
    if (!message) {
        qCDebug(lcWs) << "malformed frame from" << c->socketId() << ':' << error;
        return m_fanout->sendError(c, PusherErrorCode::Malformed, error);
    }
    using Handler = void (*)(PusherServer &, Connection *, const IncomingMessage &);
    static const QHash<QString, Handler> handlers{
        {QStringLiteral("pusher:ping"),
            [](PusherServer &s, Connection *c, const IncomingMessage &m) { s.onPing(c, m); }},
        {QStringLiteral("pusher:pong"), [](PusherServer &, Connection *, const IncomingMessage &) {}}, // activity noted
        {QStringLiteral("pusher:subscribe"),
            [](PusherServer &s, Connection *c, const IncomingMessage &m) { s.m_subscriptions->subscribe(c, m); }},
        {QStringLiteral("pusher:unsubscribe"),
            [](PusherServer &s, Connection *c, const IncomingMessage &m) { s.m_subscriptions->unsubscribe(c, m); }},
        {QStringLiteral("pusher:signin"),
            [](PusherServer &s, Connection *c, const IncomingMessage &m) { s.m_users->signIn(c, m); }},
    };
    const IncomingMessage &m = *message;
    if (const Handler handler = handlers.value(m.event))
        return handler(*this, c, m);
    if (m.event.startsWith(QLatin1String("client-")))
        return m_clientEvents->handle(c, m);
    m_fanout->sendError(c, PusherErrorCode::Malformed, QStringLiteral("Unknown event \"%1\".").arg(m.event.left(64)));
}

void PusherServer::onPing(Connection *c, const IncomingMessage &)
{
    m_fanout->send(c, PusherMessages::pong());
    if (isClosing())
        m_fanout->sendErrorAndClose(c, PusherErrors::serverClosing);
}

void PusherServer::onClosed(Connection *c)
{
    m_subscriptions->leaveAll(c);
    m_users->signOut(c);
}

void PusherServer::deliverFromCluster(
    AppState &app, const QString &channel, const QByteArray &message, const QString &exceptSocketId)
{
    if (UserSessions::isWatchlistChannel(channel))
        return m_users->deliverWatchlistEvent(app, channel, message);
    m_fanout->deliverFromCluster(app, channel, message, exceptSocketId);
}

int PusherServer::publish(AppState &app, const QString &channel, const QString &event, const QByteArray &dataJson,
    const QString &exceptSocketId)
{
    return m_fanout->publish(app, channel, event, dataJson, exceptSocketId);
}

void PusherServer::terminateUserConnections(AppState &app, const QString &userId)
{
    m_users->terminate(app, userId);
}

void PusherServer::clusterChannel(AppState &app, const QString &name, ChannelDone done)
{
    m_cluster->channel(app, name, std::move(done));
}

void PusherServer::clusterChannels(AppState &app, const QStringList &names, ChannelsDone done)
{
    m_cluster->channels(app, names, std::move(done));
}

} // namespace qsoketi
