// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include <QString>

#include "channels/RateLimiter.h"

namespace qsoketi {

// A RateLimiter that several workers' threads consume from: one budget per app, whichever event loop
// the request arrived on.
class SharedRateLimiter
{
public:
    bool consume(int limit, int points, qint64 nowMs)
    {
        if (limit < 0)
            return true; // no limit: no lock
        const std::lock_guard lock(m_mutex);
        return m_limiter.consume(limit, points, nowMs);
    }

private:
    std::mutex m_mutex;
    RateLimiter m_limiter;
};

// The per-app limits of the Pusher HTTP API (backend events, read requests), one set per process so
// that N workers allow what one loop allows. Thread-safe; what it hands out lives as long as it does.
class AppRateLimits
{
public:
    struct Limiters
    {
        SharedRateLimiter backendEvents;
        SharedRateLimiter readRequests;
    };

    Limiters &forApp(const QString &appId)
    {
        const std::lock_guard lock(m_mutex);
        std::unique_ptr<Limiters> &limiters = m_apps[appId];
        if (!limiters)
            limiters = std::make_unique<Limiters>();
        return *limiters;
    }

private:
    std::mutex m_mutex;
    std::map<QString, std::unique_ptr<Limiters>> m_apps;
};

} // namespace qsoketi
