// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace qsoketi {

class ActivityFeed;
class AppState;
class Channel;
class ClusterView;
class Connection;
class Fanout;
class LeaveDelay;
class RedisEventCache;
class WebhookSender;
struct ChannelGrant;
struct ClusterChannel;
struct IncomingMessage;
struct ServerConfig;

// pusher:subscribe and pusher:unsubscribe: channel names and limits, authorisation, presence members
// (counted over the whole cluster), cache replay, subscription_count, and the occupied/vacated and
// member webhooks — each decided once for the cluster through the cluster view. Leaving webhooks
// (vacated, member_removed) wait in the LeaveDelay and are dropped with the matching occupied /
// member_added when the channel or member comes back within the delay (a page reload).
class SubscriptionHandler
{
public:
    SubscriptionHandler(const ServerConfig &config, ClusterView &cluster, Fanout &fanout, WebhookSender &webhooks,
        LeaveDelay &leaves, ActivityFeed &feed, std::function<bool()> isClosing,
        RedisEventCache *sharedCache = nullptr);

    void subscribe(Connection *c, const IncomingMessage &m);
    void unsubscribe(Connection *c, const IncomingMessage &m);
    // Leaves every channel of a connection that is gone; linear in its number of subscriptions.
    void leaveAll(Connection *c);
    // Presence members of a node that died, gone from the whole cluster (`all`, asked after its death):
    // this node's subscribers are told; with `webhooks`, this node sends the cluster's leave webhooks.
    void membersLost(
        AppState &app, const QString &channel, const QStringList &userIds, const ClusterChannel &all, bool webhooks);

private:
    // The steps of a subscription, in order; each refusal answers the client itself.
    bool checkName(Connection *c, const QString &name);
    bool subscribeToOwnUserChannel(Connection *c, const QString &name);
    void authorize(Connection *c, const QString &name, const QJsonObject &data);
    void joinPresence(Connection *c, const QString &name, const ChannelGrant &grant);
    // cluster: the presence channel as the cluster saw it when the join of the user began at joinBeganUs.
    void join(Connection *c, const QString &name, const ChannelGrant &grant, const ClusterChannel *cluster,
        qint64 joinBeganUs = 0);
    void replayCache(Connection *c, const Channel &channel);
    void cacheMiss(AppState &app, Connection *c, const QString &channel);

    void leave(Connection *c, Channel *channel, const QString &presenceUserId);
    void announceMemberRemoved(AppState &app, const QString &channel, const QString &userId, qint64 leftAtUs);
    void announceSubscriptionCount(AppState &app, const QString &channel);
    void occupancyChanged(AppState &app, const QString &channel, bool occupied);
    // A held leave's delay is over: sent if the whole cluster still agrees and nobody came back.
    void leaveExpired(AppState &app, quint64 id, const QString &channel, const QString &userId);

    const ServerConfig &m_config;
    ClusterView &m_cluster;
    Fanout &m_fanout;
    WebhookSender &m_webhooks;
    LeaveDelay &m_leaves;
    ActivityFeed &m_feed;
    std::function<bool()> m_isClosing;
    RedisEventCache *m_sharedCache; // asked when this node has nothing cached; may be null
};

} // namespace qsoketi
