// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/ClientEventHandler.h"

#include <QDateTime>

#include "channels/AppState.h"
#include "logging/LogCategories.h"
#include "logging/LogText.h"
#include "protocol/MessageCodec.h"
#include "protocol/PusherErrorCode.h"
#include "server/ActivityFeed.h"
#include "server/Connection.h"
#include "server/Fanout.h"
#include "webhooks/WebhookSender.h"

namespace qsoketi {

ClientEventHandler::ClientEventHandler(Fanout &fanout, WebhookSender &webhooks, ActivityFeed &feed)
    : m_fanout(fanout)
    , m_webhooks(webhooks)
    , m_feed(feed)
{}

void ClientEventHandler::handle(Connection *c, const IncomingMessage &m)
{
    AppState &app = *c->appState;
    const App &a = app.app();
    const QString &channelName = m.channel;
    const auto refuse = [&](const QString &reason) {
        qCDebug(lcWs).noquote() << "refused client event" << LogText::quoted(m.event.left(64)) << "of" << c->socketId()
                                << "on" << LogText::quoted(channelName) << "(4301):" << reason;
        m_fanout.sendError(c, PusherErrorCode::ClientEventRejected, reason, channelName);
    };
    if (!a.enableClientMessages)
        return refuse(QStringLiteral("The app does not have client messaging enabled."));
    const ChannelName::Type type = ChannelName::type(channelName);
    if (type != ChannelName::Type::Private && type != ChannelName::Type::Presence)
        return refuse(QStringLiteral("Client events are only allowed on private and presence channels."));
    if (m.event.size() > a.maxEventNameLength)
        return refuse(QStringLiteral("Event name is too long. Maximum allowed size is %1.").arg(a.maxEventNameLength));
    if (MessageCodec::payloadSize(m.data) > a.maxEventPayloadInKb * 1024)
        return refuse(QStringLiteral("The event data should be less than %1 KB.").arg(a.maxEventPayloadInKb));
    const Connection::Subscription *subscription = c->subscription(channelName);
    if (!subscription)
        return refuse(QStringLiteral("Subscribe to the channel before sending client events on it."));
    if (!c->clientEvents.consume(a.maxClientEventsPerSecond, 1, QDateTime::currentMSecsSinceEpoch()))
        return refuse(QStringLiteral("The rate limit for sending client events exceeded the quota."));

    const QByteArray data = MessageCodec::jsonValue(m.data);
    const QString &userId = subscription->presenceUserId;
    const QByteArray message =
        MessageCodec::event(m.event, channelName, data, userId.isEmpty() ? QStringView() : QStringView(userId));
    m_fanout.relay(app, channelName, message, c);
    m_feed.record(ActivityEvent::Kind::ClientEvent, a.id, c->socketId(), channelName, m.event, data);
    m_webhooks.clientEvent(a, channelName, m.event, m.data, c->socketId(), userId);
}

} // namespace qsoketi
