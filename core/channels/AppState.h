// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>
#include <unordered_map>

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSet>

#include "apps/AppPtr.h"
#include "channels/AppRateLimits.h"
#include "channels/Channel.h"
#include "channels/ChannelTransitions.h"
#include "metrics/AppMetrics.h"

namespace qsoketi {

class Connection;

// Everything one node knows about one app at run time: channels, signed-in users, watchers, the cache
// of cache channels, connection count, API rate limits and the app's metric series. Each method keeps
// its invariant in one place (a count and its gauge, a user and its connections).
class AppState
{
public:
    using Channels = std::unordered_map<QString, std::unique_ptr<Channel>>;

    AppState(AppPtr app, AppMetrics &metrics, AppRateLimits::Limiters &limits);

    // The app as the store last returned it. Replaced when the store changes it (limits, secret,
    // enabled), so open connections follow the change; a reference is good until the next replace.
    const App &app() const { return *m_app; }
    const AppPtr &sharedApp() const { return m_app; }
    void replaceApp(AppPtr app) { m_app = std::move(app); }
    AppMetrics &metrics() const { return m_metrics; }

    // Connections of this app on this node (the count behind `connected`).
    void attach();
    void detach();
    int connectionCount() const { return m_connectionCount; }

    // Channels exist only while someone is subscribed.
    const Channels &channels() const { return m_channels; }
    Channel *channel(const QString &name) const;
    Channel &ensureChannel(const QString &name);
    void dropIfEmpty(Channel *channel);

    // Signed-in users. signIn returns true for the user's first connection, signOut for its last.
    bool signIn(const QString &userId, Connection *connection);
    bool signOut(const QString &userId, Connection *connection);
    QList<Connection *> userConnections(const QString &userId) const { return m_users.value(userId); }
    bool isUserOnline(const QString &userId) const { return m_users.contains(userId); }

    // Watchlists: which connections want online/offline events of a user.
    // Out of line, with every other use of m_watchers: a translation unit that sees Connection complete
    // may hash the pointer differently (Qt 6.4 picks another qHash overload), and an insert made
    // there was never found by unwatch(), leaving a dead connection on the watch list.
    void watch(const QString &userId, Connection *watcher);
    void unwatch(const QString &userId, Connection *watcher);
    QSet<Connection *> watchersOf(const QString &userId) const;

    // Cache channels: the last event of each, until it expires.
    void cacheEvent(const QString &channel, const QByteArray &message, qint64 expiresAtMs);
    // Null when there is none or it has expired.
    const QByteArray *cachedEvent(const QString &channel, qint64 nowMs) const;
    // Frees expired entries; returns how many.
    int expireCache(qint64 nowMs);
    qsizetype cachedEventCount() const { return m_cache.size(); }

    // Shared with the app's states on the other workers.
    SharedRateLimiter &backendEvents() { return m_limits.backendEvents; }
    SharedRateLimiter &readRequests() { return m_limits.readRequests; }

    // Stamps the cluster compares to send vacated, member_added and member_removed once.
    ChannelTransitions &transitions() { return m_transitions; }
    const ChannelTransitions &transitions() const { return m_transitions; }

private:
    struct CachedEvent
    {
        QByteArray message; // complete Pusher message, replayed as is
        qint64 expiresAtMs = 0;
    };

    AppPtr m_app;
    AppMetrics &m_metrics;
    Channels m_channels;
    QHash<QString, QList<Connection *>> m_users; // signed-in user id → its connections
    QHash<QString, QSet<Connection *>> m_watchers; // user id → connections whose watchlist has it
    QHash<QString, CachedEvent> m_cache; // cache channel name → last event
    int m_connectionCount = 0;
    AppRateLimits::Limiters &m_limits;
    ChannelTransitions m_transitions;
};

} // namespace qsoketi
