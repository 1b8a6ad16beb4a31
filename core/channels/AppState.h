// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>
#include <unordered_map>

#include <QHash>
#include <QList>
#include <QSet>

#include "apps/App.h"
#include "channels/Channel.h"
#include "metrics/AppMetrics.h"
#include "server/RateLimiter.h"

namespace qsoketi {

class Connection;

// Everything the server knows about one app at run time: channels, signed-in users, watchers, the
// cache of cache channels, connection count, API rate limits and the app's metric series.
class AppState
{
public:
    struct CachedEvent
    {
        QByteArray message; // complete Pusher message, replayed as is
        qint64 expiresAtMs = 0;
    };

    AppState(const App &app, AppMetrics &metrics)
        : app(app)
        , metrics(metrics)
    {}

    Channel *channel(const QString &name) const
    {
        const auto it = channels.find(name);
        return it == channels.end() ? nullptr : it->second.get();
    }
    Channel &ensureChannel(const QString &name)
    {
        auto &slot = channels[name];
        if (!slot)
            slot = std::make_unique<Channel>(name);
        return *slot;
    }
    // Channels exist only while someone is subscribed.
    void dropIfEmpty(Channel *channel)
    {
        if (channel->subscriptionCount() == 0) {
            const QString name = channel->name(); // erase destroys the channel that owns the key
            channels.erase(name);
        }
    }

    const App &app;
    AppMetrics &metrics;
    std::unordered_map<QString, std::unique_ptr<Channel>> channels;
    QHash<QString, QList<Connection *>> users; // signed-in user id → its connections
    QHash<QString, QSet<Connection *>> watchers; // user id → connections whose watchlist has it
    QHash<QString, CachedEvent> cache; // cache channel name → last event
    int connectionCount = 0;
    RateLimiter backendEvents;
    RateLimiter readRequests;
};

} // namespace qsoketi
