// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/Fanout.h"

#include <limits>

#include <QDateTime>

#include "adapter/ClusterView.h"
#include "cache/RedisEventCache.h"
#include "channels/AppState.h"
#include "logging/LogCategories.h"
#include "logging/LogText.h"
#include "protocol/ChannelName.h"
#include "protocol/MessageCodec.h"
#include "protocol/WebSocketFrame.h"
#include "server/ActivityFeed.h"
#include "server/Connection.h"

#include <prometheus/counter.h>

namespace qsoketi {

using Kind = ActivityEvent::Kind;

Fanout::Fanout(ClusterView &cluster, ActivityFeed &feed, qint64 maxBackpressureBytes, int cacheTtlSeconds,
    RedisEventCache *sharedCache)
    : m_cluster(cluster)
    , m_feed(feed)
    , m_maxBackpressure(maxBackpressureBytes)
    , m_cacheTtlSeconds(cacheTtlSeconds)
    , m_sharedCache(sharedCache)
{}

void Fanout::add(Connection *connection)
{
    m_bySocketId.insert(connection->socketId(), connection);
}

void Fanout::remove(Connection *connection)
{
    m_bySocketId.remove(connection->socketId());
}

void Fanout::send(Connection *to, const QByteArray &message)
{
    if (to->writeFrame(WebSocketFrame::text(message), m_maxBackpressure) && to->appState) {
        to->appState->metrics().wsMessagesSent->Increment();
        to->appState->metrics().socketTransmittedBytes->Increment(double(message.size()));
    }
}

void Fanout::sendError(Connection *to, PusherErrorCode code, const QString &message, const QString &channel)
{
    send(to, MessageCodec::error(int(code), message, channel));
    m_feed.record(
        Kind::Error, to->appState->app().id, to->socketId(), channel, QString::number(int(code)), message.toUtf8());
}

void Fanout::sendErrorAndClose(Connection *to, PusherErrorCode code, const QString &message)
{
    sendError(to, code, message);
    to->closeWith(int(code), message);
}

void Fanout::subscriptionError(Connection *to, const QString &channel, const QString &type, const QString &message,
    int status, const QString &detail)
{
    // The channel as sent, quoted and escaped: a refused name may hold anything, even a line break.
    qCDebug(lcWs).nospace().noquote() << "refused subscription of " << to->socketId() << " to "
                                      << LogText::quoted(channel) << " (" << status
                                      << (type.isEmpty() ? QString() : u' ' + type) << "): " << message
                                      << (detail.isEmpty() ? QString() : u' ' + detail);
    send(to, MessageCodec::subscriptionError(channel, type, message, status));
    m_feed.record(Kind::Error, to->appState->app().id, to->socketId(), channel,
        QStringLiteral("pusher:subscription_error"), message.toUtf8());
}

int Fanout::broadcast(
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
        app.metrics().wsMessagesSent->Increment(sent);
        app.metrics().socketTransmittedBytes->Increment(double(sent) * double(message.size()));
    }
    return sent;
}

int Fanout::deliverLocal(
    AppState &app, const QString &channel, const QByteArray &message, const QString &exceptSocketId)
{
    const Connection *except = exceptSocketId.isEmpty() ? nullptr : m_bySocketId.value(exceptSocketId);
    if (channel.startsWith(ChannelName::serverToUserPrefix)) {
        const QList<Connection *> conns = app.userConnections(channel.mid(ChannelName::serverToUserPrefix.size()));
        return broadcast(app, std::vector<Connection *>(conns.cbegin(), conns.cend()), message, except);
    }
    const Channel *ch = app.channel(channel);
    return ch ? broadcast(app, ch->subscribers(), message, except) : 0;
}

void Fanout::relay(AppState &app, const QString &channel, const QByteArray &message, const Connection *except)
{
    if (const Channel *ch = app.channel(channel))
        broadcast(app, ch->subscribers(), message, except);
    m_cluster.publish(app, channel, message, except ? except->socketId() : QString());
}

int Fanout::publish(AppState &app, const QString &channel, const QString &event, const QByteArray &dataJson,
    const QString &exceptSocketId)
{
    const QByteArray message = MessageCodec::event(event, channel, dataJson);
    remember(app, channel, message);
    if (m_sharedCache && ChannelName::isCache(channel))
        m_sharedCache->store(app.app().id, channel, event, dataJson);
    m_feed.record(Kind::ApiEvent, app.app().id, exceptSocketId, channel, event, dataJson);
    m_cluster.publish(app, channel, message, exceptSocketId);
    return deliverLocal(app, channel, message, exceptSocketId);
}

void Fanout::deliverFromCluster(
    AppState &app, const QString &channel, const QByteArray &message, const QString &exceptSocketId)
{
    // Other nodes relay client events and member_added/removed too; only published events are the
    // channel's cached state, as on the node that published them.
    if (ChannelName::isCache(channel) && isPublishedEvent(message))
        remember(app, channel, message);
    deliverLocal(app, channel, message, exceptSocketId);
}

bool Fanout::isPublishedEvent(const QByteArray &message)
{
    // Our encoder (and soketi's) writes the event name first: read it without parsing the whole message.
    const auto published = [](QByteArrayView event) {
        return !event.startsWith("pusher") && !event.startsWith("client-");
    };
    static constexpr QByteArrayView head = "{\"event\":\"";
    const qsizetype end = message.startsWith(head) ? message.indexOf('"', head.size()) : -1;
    if (end > 0) {
        const QByteArrayView event = QByteArrayView(message).sliced(head.size(), end - head.size());
        if (!event.contains('\\')) // an escaped name: the parser reads it
            return published(event);
    }
    QString error;
    const std::optional<IncomingMessage> m = MessageCodec::parse(message, &error);
    return m && published(m->event.toUtf8()); // rare: another encoder's shape
}

void Fanout::remember(AppState &app, const QString &channel, const QByteArray &message) const
{
    if (!ChannelName::isCache(channel))
        return;
    // A TTL of 0 or less keeps the last event for good (soketi's memory cache does the same).
    const qint64 expiresAt = m_cacheTtlSeconds > 0
        ? QDateTime::currentMSecsSinceEpoch() + qint64(m_cacheTtlSeconds) * 1000
        : std::numeric_limits<qint64>::max();
    app.cacheEvent(channel, message, expiresAt);
}

} // namespace qsoketi
