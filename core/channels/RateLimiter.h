// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

namespace qsoketi {

// soketi's "points per 1-second window": a fixed window that starts with the first hit.
class RateLimiter
{
public:
    // Consumes `points` if the budget allows; a negative limit always allows.
    bool consume(int limit, int points, qint64 nowMs)
    {
        if (limit < 0)
            return true;
        if (nowMs - m_windowStartMs >= 1000) {
            m_windowStartMs = nowMs;
            m_used = 0;
        }
        if (m_used + points > limit)
            return false;
        m_used += points;
        return true;
    }
    int remaining(int limit) const { return limit < 0 ? -1 : qMax(0, limit - m_used); }
    qint64 windowStartMs() const { return m_windowStartMs; }

private:
    qint64 m_windowStartMs = -1000000;
    int m_used = 0;
};

} // namespace qsoketi
