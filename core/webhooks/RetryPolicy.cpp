// SPDX-License-Identifier: GPL-3.0-or-later
#include "webhooks/RetryPolicy.h"

#include <algorithm>

#include <QRandomGenerator>

namespace qsoketi {

qint64 RetryPolicy::backoffMs(int attempts) const
{
    const qint64 cap = std::max(m_settings.maxDelayMs, 1);
    qint64 delay = std::max(m_settings.firstDelayMs, 1);
    for (int i = 1; i < attempts && delay < cap; ++i)
        delay *= 2;
    return std::min(delay, cap);
}

std::optional<qint64> RetryPolicy::nextAttemptAt(int attempts, qint64 createdMs, qint64 nowMs) const
{
    if (m_settings.maxAttempts > 0 && attempts >= m_settings.maxAttempts)
        return std::nullopt;
    const qint64 deadline = createdMs + m_settings.windowMs;
    if (nowMs >= deadline)
        return std::nullopt;
    // "Equal jitter": at least half the back-off, so retries still spread out exponentially.
    const qint64 backoff = backoffMs(attempts);
    const qint64 half = backoff / 2;
    const qint64 jitter = half > 0 ? qint64(QRandomGenerator::global()->bounded(quint64(half) + 1)) : 0;
    return std::min(nowMs + (backoff - half) + jitter, deadline);
}

} // namespace qsoketi
