// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <vector>

#include <QByteArray>
#include <QHash>
#include <QString>

#include "protocol/PusherErrorCode.h"

namespace qsoketi {

class ActivityFeed;
class AppState;
class ClusterView;
class Connection;
class RedisEventCache;

// The only room that frames and sends. A message is framed once however many clients receive it, and
// the same bytes go to the other nodes; sends are counted in the app's metrics in one step per
// broadcast. Knows the open connections by socket id, for `socket_id` exclusion.
class Fanout
{
public:
    // sharedCache (SOKETI_CACHE_DRIVER=redis, may be null) also gets every published cache-channel event.
    Fanout(ClusterView &cluster, ActivityFeed &feed, qint64 maxBackpressureBytes, int cacheTtlSeconds,
        RedisEventCache *sharedCache = nullptr);

    void add(Connection *connection);
    void remove(Connection *connection);

    // One message to one connection.
    void send(Connection *to, const QByteArray &message);
    void sendError(Connection *to, PusherErrorCode code, const QString &message, const QString &channel = {});
    void sendError(Connection *to, const PusherError &error) { sendError(to, error.code, error.message.toString()); }
    void sendErrorAndClose(Connection *to, PusherErrorCode code, const QString &message);
    void sendErrorAndClose(Connection *to, const PusherError &error)
    {
        sendErrorAndClose(to, error.code, error.message.toString());
    }
    // Also the one debug line (SOKETI_DEBUG) that says which subscription was refused and why; `detail`
    // adds what only the log may tell (the string that should have been signed, never the secret).
    void subscriptionError(Connection *to, const QString &channel, const QString &type, const QString &message,
        int status, const QString &detail = {});

    // One message to many connections of one app, except `except`. Returns how many got it.
    int broadcast(AppState &app, const std::vector<Connection *> &recipients, const QByteArray &message,
        const Connection *except);
    // This node's recipients of a channel (a #server-to-user- channel: that user's connections).
    int deliverLocal(AppState &app, const QString &channel, const QByteArray &message, const QString &exceptSocketId);
    // Every node's subscribers of a channel: here, and the same bytes to the other nodes.
    void relay(AppState &app, const QString &channel, const QByteArray &message, const Connection *except);
    // An event published by the REST API or the dashboard: encoded once, kept for cache channels,
    // delivered on every node. Returns the recipients on this node.
    int publish(AppState &app, const QString &channel, const QString &event, const QByteArray &dataJson,
        const QString &exceptSocketId);
    // A message published on another node.
    void deliverFromCluster(
        AppState &app, const QString &channel, const QByteArray &message, const QString &exceptSocketId);

    // Not a client event nor one of the protocol's own (pusher:…, pusher_internal:…): what a cache channel
    // keeps of a message another node delivered.
    static bool isPublishedEvent(const QByteArray &message);

private:
    void remember(AppState &app, const QString &channel, const QByteArray &message) const;

    ClusterView &m_cluster;
    ActivityFeed &m_feed;
    qint64 m_maxBackpressure;
    int m_cacheTtlSeconds;
    RedisEventCache *m_sharedCache;
    QHash<QString, Connection *> m_bySocketId;
};

} // namespace qsoketi
