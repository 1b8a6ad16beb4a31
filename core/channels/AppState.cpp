// SPDX-License-Identifier: GPL-3.0-or-later
#include "channels/AppState.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

namespace qsoketi {

AppState::AppState(AppPtr app, AppMetrics &metrics, AppRateLimits::Limiters &limits)
    : m_app(std::move(app))
    , m_metrics(metrics)
    , m_limits(limits)
{}

void AppState::attach()
{
    ++m_connectionCount;
    m_metrics.connected->Increment();
    m_metrics.newConnections->Increment();
}

void AppState::detach()
{
    --m_connectionCount;
    m_metrics.connected->Decrement();
    m_metrics.newDisconnections->Increment();
}

Channel *AppState::channel(const QString &name) const
{
    const auto it = m_channels.find(name);
    return it == m_channels.end() ? nullptr : it->second.get();
}

Channel &AppState::ensureChannel(const QString &name)
{
    auto &slot = m_channels[name];
    if (!slot)
        slot = std::make_unique<Channel>(name);
    return *slot;
}

void AppState::dropIfEmpty(Channel *channel)
{
    if (channel->subscriptionCount() == 0) {
        const QString name = channel->name(); // erase destroys the channel that owns the key
        m_channels.erase(name);
    }
}

bool AppState::signIn(const QString &userId, Connection *connection)
{
    auto &connections = m_users[userId];
    connections.append(connection);
    return connections.size() == 1;
}

bool AppState::signOut(const QString &userId, Connection *connection)
{
    const auto it = m_users.find(userId);
    if (it == m_users.end())
        return false;
    it->removeAll(connection);
    if (!it->isEmpty())
        return false;
    m_users.erase(it);
    return true;
}

void AppState::watch(const QString &userId, Connection *watcher)
{
    m_watchers[userId].insert(watcher);
}

QSet<Connection *> AppState::watchersOf(const QString &userId) const
{
    return m_watchers.value(userId);
}

void AppState::unwatch(const QString &userId, Connection *watcher)
{
    const auto it = m_watchers.find(userId);
    if (it == m_watchers.end())
        return;
    it->remove(watcher);
    if (it->isEmpty())
        m_watchers.erase(it);
}

void AppState::cacheEvent(const QString &channel, const QByteArray &message, qint64 expiresAtMs)
{
    m_cache.insert(channel, CachedEvent{message, expiresAtMs});
}

const QByteArray *AppState::cachedEvent(const QString &channel, qint64 nowMs) const
{
    const auto it = m_cache.constFind(channel);
    return it != m_cache.cend() && it->expiresAtMs > nowMs ? &it->message : nullptr;
}

int AppState::expireCache(qint64 nowMs)
{
    int expired = 0;
    for (auto it = m_cache.begin(); it != m_cache.end();) {
        if (it->expiresAtMs <= nowMs) {
            it = m_cache.erase(it);
            ++expired;
        } else {
            ++it;
        }
    }
    return expired;
}

} // namespace qsoketi
