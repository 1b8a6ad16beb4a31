// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <optional>

#include <QtGlobal>

namespace qsoketi {

// When a failed webhook delivery is tried again: exponential back-off with jitter, for as long as the
// retry window lasts (Pusher retries for up to 5 minutes). Jitter spreads the retries of many
// deliveries that failed together (an endpoint restarting) instead of sending them back in one burst.
class RetryPolicy
{
public:
    struct Settings
    {
        int firstDelayMs = 1000;
        int maxDelayMs = 60000;
        qint64 windowMs = 300000; // from the event; the last try is made at its end at the latest
        int maxAttempts = 0; // 0 = as many as the window allows
    };

    explicit RetryPolicy(Settings settings)
        : m_settings(settings)
    {}

    // The back-off before try attempts + 1, without jitter: first, 2 × first, 4 × first, … capped.
    qint64 backoffMs(int attempts) const;
    // After `attempts` failed tries of a delivery whose event happened at createdMs: when to try again
    // (between half and all of the back-off from now, never past the window), or nullopt to give up.
    std::optional<qint64> nextAttemptAt(int attempts, qint64 createdMs, qint64 nowMs) const;
    const Settings &settings() const { return m_settings; }

private:
    Settings m_settings;
};

} // namespace qsoketi
