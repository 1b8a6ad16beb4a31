// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>

#include <QByteArray>
#include <QHash>
#include <QString>
#include <QStringList>

#include "apps/AppPtr.h"
#include "channels/ClusterChannel.h"

namespace qsoketi {

class AppState;
class RedisRateLimiter;

// What the REST API and the dashboard may ask of the Pusher engine: publish, terminate a user, and the
// channels as the whole cluster sees them. The engine implements it; its users never include server/.
// Answers come through a callback: at once on a lone node, after the other nodes reply in a cluster.
class ChannelService
{
public:
    using ChannelDone = std::function<void(const ClusterChannel &)>;
    using ChannelsDone = std::function<void(const QHash<QString, ClusterChannel> &)>;

    virtual ~ChannelService() = default;

    virtual AppState *appState(const QString &appId) const = 0;
    // The state of an app the store returned (made on first use; takes the store's newer copy).
    virtual AppState &appStateFor(const AppPtr &app) = 0;
    // Sends `{"event","channel","data"}` to every subscriber of the channel on every node (or, for
    // #server-to-user-<id>, to that user's connections) except exceptSocketId; encoded once. Returns
    // the number of recipients on this node.
    virtual int publish(AppState &app, const QString &channel, const QString &event, const QByteArray &dataJson,
        const QString &exceptSocketId) = 0;
    // Closes the user's connections on every node (4009).
    virtual void terminateUserConnections(AppState &app, const QString &userId) = 0;
    // One channel / the named channels / every channel, summed over the cluster. The app state
    // outlives the request.
    virtual void clusterChannel(AppState &app, const QString &name, ChannelDone done) = 0;
    virtual void clusterChannels(AppState &app, const QStringList &names, ChannelsDone done) = 0;
    virtual void clusterChannels(AppState &app, ChannelsDone done) = 0;
    virtual bool isClosing() const = 0;
    // SOKETI_RATE_LIMITER_DRIVER=redis: the HTTP API budgets counted in Redis, owned by this worker;
    // null when they are counted in this process (AppState's limiters).
    virtual RedisRateLimiter *sharedRateLimiter() { return nullptr; }
};

} // namespace qsoketi
