// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/SubscriptionHandler.h"

#include <limits>
#include <variant>

#include <QDateTime>
#include <QPointer>

#include "adapter/ClusterView.h"
#include "apps/AppSecrets.h"
#include "auth/ChannelAuthorizer.h"
#include "cache/RedisEventCache.h"
#include "channels/AppState.h"
#include "config/ServerConfig.h"
#include "logging/LogText.h"
#include "protocol/MessageCodec.h"
#include "protocol/PusherMessages.h"
#include "server/ActivityFeed.h"
#include "server/Connection.h"
#include "server/Fanout.h"
#include "webhooks/LeaveDelay.h"
#include "webhooks/WebhookSender.h"

namespace qsoketi {

using Kind = ActivityEvent::Kind;

SubscriptionHandler::SubscriptionHandler(const ServerConfig &config, ClusterView &cluster, Fanout &fanout,
    WebhookSender &webhooks, LeaveDelay &leaves, ActivityFeed &feed, std::function<bool()> isClosing,
    RedisEventCache *sharedCache)
    : m_config(config)
    , m_cluster(cluster)
    , m_fanout(fanout)
    , m_webhooks(webhooks)
    , m_leaves(leaves)
    , m_feed(feed)
    , m_isClosing(std::move(isClosing))
    , m_sharedCache(sharedCache)
{
    m_leaves.setExpiredHandler(
        [this](const LeaveDelay::Leave &leave) { leaveExpired(*leave.app, leave.id, leave.channel, leave.userId); });
}

void SubscriptionHandler::subscribe(Connection *c, const IncomingMessage &m)
{
    if (m_isClosing())
        return m_fanout.sendErrorAndClose(c, PusherErrors::serverClosing);
    const QJsonObject data = m.data.toObject();
    const QJsonValue channelValue = data.value(QLatin1String("channel"));
    if (!m.data.isObject() || !channelValue.isString())
        return m_fanout.sendError(
            c, PusherErrorCode::Malformed, QStringLiteral("pusher:subscribe needs data.channel, a channel name."));
    const QString name = channelValue.toString();
    if (!checkName(c, name))
        return;
    if (name.startsWith(QLatin1Char('#'))) {
        subscribeToOwnUserChannel(c, name);
        return;
    }
    authorize(c, name, data);
}

bool SubscriptionHandler::checkName(Connection *c, const QString &name)
{
    const App &app = c->appState->app();
    if (name.size() > app.maxChannelNameLength) {
        m_fanout.subscriptionError(c, name, QStringLiteral("LimitReached"),
            QStringLiteral("The channel name is longer than the allowed %1 characters.").arg(app.maxChannelNameLength),
            4009);
        return false;
    }
    if (name.isEmpty() || !ChannelName::hasValidCharacters(name)) {
        m_fanout.subscriptionError(c, name, {},
            QStringLiteral("The channel name is not allowed. Read channel conventions: "
                           "https://pusher.com/docs/channels/using_channels/channels/#channel-naming-conventions"),
            4009);
        return false;
    }
    const int limit = m_config.maxChannelsPerConnection;
    if (limit > 0 && qsizetype(c->subscriptions.size()) >= limit && !c->subscription(name)) {
        m_fanout.subscriptionError(c, name, QStringLiteral("LimitReached"),
            QStringLiteral("A connection may subscribe to at most %1 channels.").arg(limit), 4100,
            QStringLiteral("(SOKETI_CHANNEL_LIMITS_MAX_PER_CONNECTION)"));
        return false;
    }
    return true;
}

bool SubscriptionHandler::subscribeToOwnUserChannel(Connection *c, const QString &name)
{
    // Only a signed-in user may listen on its own server-to-user channel; delivery goes by user id.
    if (!c->userId.isEmpty() && name == ChannelName::serverToUserPrefix.toString() + c->userId) {
        m_fanout.send(c, PusherMessages::subscriptionSucceeded(name));
        return true;
    }
    m_fanout.subscriptionError(
        c, name, QStringLiteral("AuthError"), QStringLiteral("The connection is unauthorized."), 401);
    return false;
}

void SubscriptionHandler::authorize(Connection *c, const QString &name, const QJsonObject &data)
{
    const App &app = c->appState->app();
    const ChannelAuthorizer authorizer(
        app.key.toUtf8(), AppSecrets::accepted(app, QDateTime::currentMSecsSinceEpoch()));
    auto result = authorizer.authorizeSubscription(c->socketId(), name, data);
    if (const auto *refusal = std::get_if<AuthRefusal>(&result)) {
        return m_fanout.subscriptionError(c, name, refusal->type, refusal->message, refusal->status,
            refusal->signedString.isEmpty()
                ? QString()
                : QStringLiteral("the auth signature does not match; the signed string should be %1")
                      .arg(LogText::quoted(refusal->signedString)));
    }
    const ChannelGrant &grant = std::get<ChannelGrant>(result);
    if (ChannelName::type(name) != ChannelName::Type::Presence)
        return join(c, name, grant, nullptr);
    if (MessageCodec::payloadSize(grant.userInfo) > app.maxPresenceMemberSizeInKb * 1024)
        return m_fanout.subscriptionError(c, name, QStringLiteral("LimitReached"),
            QStringLiteral("The maximum size for a channel member is %1 KB.").arg(app.maxPresenceMemberSizeInKb), 4301);
    joinPresence(c, name, grant);
}

void SubscriptionHandler::joinPresence(Connection *c, const QString &name, const ChannelGrant &grant)
{
    // The members of every node decide the member list, the limit and member_added. The join is stamped
    // while the cluster is asked: of two joins of one user on two nodes at once, the earlier one tells.
    QPointer<Connection> guard(c);
    AppState *appState = c->appState;
    const qint64 began = ChannelTransitions::nowUs();
    appState->transitions().joinBegan(name, grant.userId, began);
    m_cluster.channel(*appState, name, [this, guard, appState, name, grant, began](const ClusterChannel &all) {
        appState->transitions().joinEnded(name, grant.userId, began);
        if (!guard || !guard->isAttached() || guard->isClosing())
            return;
        const App &app = guard->appState->app();
        if (!all.members.contains(grant.userId) && all.members.size() + 1 > app.maxPresenceMembersPerChannel)
            return m_fanout.subscriptionError(guard, name, QStringLiteral("LimitReached"),
                QStringLiteral("The maximum members per presence channel limit was reached"), 4100);
        join(guard, name, grant, &all, began);
    });
}

void SubscriptionHandler::join(
    Connection *c, const QString &name, const ChannelGrant &grant, const ClusterChannel *cluster, qint64 joinBeganUs)
{
    AppState &app = *c->appState;
    Channel &channel = app.ensureChannel(name);
    const bool added = channel.add(c);
    if (added)
        c->subscriptions.push_back({&channel, grant.userId});
    if (channel.type() != ChannelName::Type::Public)
        c->signinDeadlineMs = 0; // an authorized subscription counts as authentication (soketi)

    if (cluster) { // presence
        const bool joinedFirst = !cluster->members.contains(grant.userId)
            && joinBeganUs <= cluster->othersJoiningUs.value(grant.userId, std::numeric_limits<qint64>::max());
        if (added && channel.addMember(grant.userId, grant.userIdJson, grant.userInfo) && joinedFirst) {
            m_fanout.relay(app, name, PusherMessages::memberAdded(name, grant.userIdJson, grant.userInfo), c);
            m_feed.record(Kind::MemberAdded, app.app().id, c->socketId(), name, {}, grant.userId.toUtf8());
            // Back within the leave delay (here or on another node): neither member_removed nor member_added.
            const bool back = m_leaves.cancelMemberRemoved(app.app().id, name, grant.userId)
                || cluster->removalsPending.contains(grant.userId);
            if (!back)
                m_webhooks.memberAdded(app.app(), name, grant.userId);
        }
        ClusterChannel members = *cluster;
        members.members.insert(grant.userId, PresenceMember{grant.userIdJson, grant.userInfo, 1});
        m_fanout.send(c, PusherMessages::subscriptionSucceeded(name, members.presenceData()));
    } else {
        m_fanout.send(c, PusherMessages::subscriptionSucceeded(name));
    }
    if (channel.isCache())
        replayCache(c, channel);
    if (!added)
        return;
    if (channel.subscriptionCount() == 1) {
        app.transitions().occupied(name);
        occupancyChanged(app, name, true);
    }
    announceSubscriptionCount(app, name);
    m_feed.record(Kind::Subscribed, app.app().id, c->socketId(), name, {}, grant.userId.toUtf8());
}

void SubscriptionHandler::replayCache(Connection *c, const Channel &channel)
{
    AppState &app = *c->appState;
    if (const QByteArray *cached = app.cachedEvent(channel.name(), QDateTime::currentMSecsSinceEpoch())) {
        m_fanout.send(c, *cached);
        return;
    }
    if (!m_sharedCache)
        return cacheMiss(app, c, channel.name());
    // Published before this node started, or by a soketi node: Redis may have it.
    QPointer<Connection> guard(c);
    const QString name = channel.name();
    m_sharedCache->fetch(app.app().id, name, [this, guard, name](const QByteArray &message) {
        if (!guard || !guard->isAttached() || guard->isClosing())
            return;
        const Channel *still = guard->appState->channel(name);
        if (!still || !still->contains(guard))
            return; // unsubscribed meanwhile
        if (message.isEmpty())
            return cacheMiss(*guard->appState, guard, name);
        m_fanout.send(guard, message);
    });
}

void SubscriptionHandler::cacheMiss(AppState &app, Connection *c, const QString &channel)
{
    m_fanout.send(c, PusherMessages::cacheMiss(channel));
    m_webhooks.cacheMiss(app.app(), channel);
}

void SubscriptionHandler::unsubscribe(Connection *c, const IncomingMessage &m)
{
    const QJsonValue channel = m.data.toObject().value(QLatin1String("channel"));
    if (!channel.isString())
        return m_fanout.sendError(
            c, PusherErrorCode::Malformed, QStringLiteral("pusher:unsubscribe needs data.channel, a channel name."));
    const Connection::Subscription *s = c->subscription(channel.toString());
    if (!s)
        return;
    const Connection::Subscription left = *s;
    c->removeSubscription(left.channel);
    leave(c, left.channel, left.presenceUserId);
}

void SubscriptionHandler::leaveAll(Connection *c)
{
    for (const Connection::Subscription &s : c->takeSubscriptions())
        leave(c, s.channel, s.presenceUserId);
}

void SubscriptionHandler::leave(Connection *c, Channel *channel, const QString &presenceUserId)
{
    AppState &app = *c->appState;
    const QString name = channel->name();
    if (!channel->remove(c))
        return;
    if (channel->isPresence() && channel->removeMember(presenceUserId)) {
        const qint64 leftAt = ChannelTransitions::nowUs();
        app.transitions().memberLeft(name, presenceUserId, leftAt);
        announceMemberRemoved(app, name, presenceUserId, leftAt);
    }
    m_feed.record(Kind::Unsubscribed, app.app().id, c->socketId(), name, {}, {});
    const bool empty = channel->subscriptionCount() == 0;
    announceSubscriptionCount(app, name); // subscribers on other nodes remain when this node has none
    if (empty) {
        app.transitions().emptied(name, ChannelTransitions::nowUs());
        occupancyChanged(app, name, false);
        app.dropIfEmpty(channel);
    }
}

void SubscriptionHandler::announceMemberRemoved(
    AppState &app, const QString &channel, const QString &userId, qint64 leftAtUs)
{
    // The user may still be in the channel through another connection on another node: then nobody is told.
    // Left from two nodes at once: the later departure tells (each sees the other's stamp).
    m_cluster.channel(app, channel, [this, &app, channel, userId, leftAtUs](const ClusterChannel &all) {
        if (all.members.contains(userId) || leftAtUs < all.othersLeftAtUs.value(userId))
            return;
        m_fanout.relay(app, channel, PusherMessages::memberRemoved(channel, userId), nullptr);
        m_feed.record(Kind::MemberRemoved, app.app().id, {}, channel, {}, userId.toUtf8());
        // Held for the leave delay, once for the cluster: not again when another node holds it already.
        if (m_webhooks.wants(app.app(), WebhookEventType::MemberRemoved) && !all.removalsPending.contains(userId))
            m_leaves.memberRemoved(app, app.app().id, channel, userId);
    });
}

void SubscriptionHandler::membersLost(
    AppState &app, const QString &channel, const QStringList &userIds, const ClusterChannel &all, bool webhooks)
{
    // The dead node cannot relay its members' departure: every node tells its own subscribers.
    for (const QString &userId : userIds) {
        m_fanout.deliverLocal(app, channel, PusherMessages::memberRemoved(channel, userId), {});
        if (webhooks && m_webhooks.wants(app.app(), WebhookEventType::MemberRemoved)
            && !all.removalsPending.contains(userId))
            m_leaves.memberRemoved(app, app.app().id, channel, userId);
    }
    if (webhooks && all.subscriptionCount == 0 && !all.vacatedPending
        && m_webhooks.wants(app.app(), WebhookEventType::ChannelVacated))
        m_leaves.channelVacated(app, app.app().id, channel);
}

void SubscriptionHandler::announceSubscriptionCount(AppState &app, const QString &channel)
{
    if (!app.app().enableSubscriptionCount || ChannelName::isPresence(channel))
        return;
    m_cluster.channel(app, channel, [this, &app, channel](const ClusterChannel &all) {
        m_fanout.relay(app, channel, PusherMessages::subscriptionCount(channel, all.subscriptionCount), nullptr);
    });
}

void SubscriptionHandler::occupancyChanged(AppState &app, const QString &channel, bool occupied)
{
    m_feed.record(occupied ? Kind::ChannelOccupied : Kind::ChannelVacated, app.app().id, {}, channel, {}, {});
    // Occupied again within the leave delay: the held channel_vacated is dropped and occupied not sent.
    if (occupied && m_leaves.cancelVacated(app.app().id, channel))
        return;
    // Occupied: this node's subscribers came first (the others' came later or there are none) and no node
    // holds a vacated for the channel.
    // Vacated: nobody anywhere has one left; held for the leave delay, by one node only.
    // Only webhooks care: without one for this event the cluster need not be asked.
    if (!m_webhooks.wants(app.app(), occupied ? WebhookEventType::ChannelOccupied : WebhookEventType::ChannelVacated))
        return;
    m_cluster.channel(app, channel, [this, &app, channel, occupied](const ClusterChannel &all) {
        const Channel *local = app.channel(channel);
        const qint64 here = local ? local->subscriptionCount() : 0;
        const bool first =
            here > 0 && (all.subscriptionCount == here || local->occupiedSinceUs() <= all.othersOccupiedSinceUs);
        if (occupied && first && !all.vacatedPending)
            m_webhooks.channelOccupied(app.app(), channel);
        // Emptied on two nodes at once: the last to empty sends (each sees the other's stamp).
        else if (!occupied && all.subscriptionCount == 0 && !all.vacatedPending
            && app.transitions().emptiedAtUs(channel) >= all.othersEmptiedAtUs)
            m_leaves.channelVacated(app, app.app().id, channel);
    });
}

void SubscriptionHandler::leaveExpired(AppState &app, quint64 id, const QString &channel, const QString &userId)
{
    // Asked again because another node's subscriber may have come back: it kept quiet, seeing the held leave.
    m_cluster.channel(app, channel, [this, &app, id, channel, userId](const ClusterChannel &all) {
        if (!m_leaves.settle(id))
            return; // came back here while the cluster was asked
        if (userId.isEmpty() && all.subscriptionCount == 0)
            m_webhooks.channelVacated(app.app(), channel);
        else if (!userId.isEmpty() && !all.members.contains(userId))
            m_webhooks.memberRemoved(app.app(), channel, userId);
    });
}

} // namespace qsoketi
