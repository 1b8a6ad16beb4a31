// SPDX-License-Identifier: GPL-3.0-or-later
#include "webhooks/LeaveDelay.h"

#include <algorithm>

#include <QDateTime>

#include "metrics/MetricsRegistry.h"
#include "webhooks/WebhookLogging.h"

#include <prometheus/counter.h>

namespace qsoketi {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

LeaveDelay::LeaveDelay(int delayMs, MetricsRegistry &metrics, QObject *parent)
    : QObject(parent)
    , m_delayMs(std::max(delayMs, 0))
    , m_metrics(metrics)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &LeaveDelay::onTimer);
}

QString LeaveDelay::channelKey(const QString &appId, const QString &channel)
{
    // App ids and channel names never hold a newline (both are checked where they enter).
    return appId + u'\n' + channel;
}

QString LeaveDelay::keyOf(const Leave &leave)
{
    const QString key = channelKey(leave.appId, leave.channel);
    return leave.userId.isEmpty() ? key : key + u'\n' + leave.userId;
}

void LeaveDelay::channelVacated(AppState &app, const QString &appId, const QString &channel)
{
    hold(Leave{0, &app, appId, channel, {}});
}

void LeaveDelay::memberRemoved(AppState &app, const QString &appId, const QString &channel, const QString &userId)
{
    hold(Leave{0, &app, appId, channel, userId});
}

void LeaveDelay::hold(Leave leave)
{
    const QString key = keyOf(leave);
    if (m_byKey.contains(key))
        return; // the pending one decides for both when it expires
    leave.id = m_nextId++;
    const quint64 id = leave.id;
    m_byKey.insert(key, id);
    if (!leave.userId.isEmpty())
        m_removals[channelKey(leave.appId, leave.channel)].insert(leave.userId);
    m_entries.insert(id, Entry{std::move(leave), nowMs() + m_delayMs, false, false});
    if (m_delayMs == 0 || m_flushing)
        return expire(id);
    m_due.push_back(id);
    if (!m_timer.isActive())
        arm();
}

bool LeaveDelay::cancelVacated(const QString &appId, const QString &channel)
{
    return cancel(channelKey(appId, channel));
}

bool LeaveDelay::cancelMemberRemoved(const QString &appId, const QString &channel, const QString &userId)
{
    return cancel(channelKey(appId, channel) + u'\n' + userId);
}

bool LeaveDelay::cancel(const QString &key)
{
    const auto found = m_byKey.constFind(key);
    if (found == m_byKey.constEnd())
        return false;
    const quint64 id = *found;
    auto entry = m_entries.find(id);
    if (entry == m_entries.end())
        return false;
    if (entry->cancelled)
        return true; // already dropped, still being settled
    const Leave &leave = entry->leave;
    qCDebug(lcWebhooks).noquote() << "app" << leave.appId
                                  << (leave.userId.isEmpty() ? QStringLiteral("channel_vacated")
                                                             : QStringLiteral("member_removed (%1)").arg(leave.userId))
                                  << "of" << leave.channel << "dropped: back within the leave delay";
    m_metrics.webhooksForApp(leave.appId).leavesCancelled->Increment();
    if (entry->expired) {
        entry->cancelled = true; // settle() tells the handler
        return true;
    }
    forget(*entry);
    m_entries.erase(entry); // its id stays in m_due and is skipped there
    return true;
}

void LeaveDelay::forget(const Entry &entry)
{
    const QString key = keyOf(entry.leave);
    if (m_byKey.value(key) == entry.leave.id)
        m_byKey.remove(key);
    if (!entry.leave.userId.isEmpty()) {
        const QString channel = channelKey(entry.leave.appId, entry.leave.channel);
        auto users = m_removals.find(channel);
        if (users != m_removals.end()) {
            users->remove(entry.leave.userId);
            if (users->isEmpty())
                m_removals.erase(users);
        }
    }
}

bool LeaveDelay::vacatedPending(const QString &appId, const QString &channel) const
{
    const auto found = m_byKey.constFind(channelKey(appId, channel));
    if (found == m_byKey.constEnd())
        return false;
    const auto entry = m_entries.constFind(*found);
    return entry != m_entries.constEnd() && !entry->cancelled;
}

QStringList LeaveDelay::removalsPending(const QString &appId, const QString &channel) const
{
    const QSet<QString> users = m_removals.value(channelKey(appId, channel));
    return QStringList(users.cbegin(), users.cend());
}

bool LeaveDelay::settle(quint64 id)
{
    const auto entry = m_entries.find(id);
    if (entry == m_entries.end())
        return false;
    const bool stands = !entry->cancelled;
    forget(*entry);
    m_entries.erase(entry);
    return stands;
}

void LeaveDelay::expire(quint64 id)
{
    const auto entry = m_entries.find(id);
    if (entry == m_entries.end() || entry->expired)
        return;
    entry->expired = true;
    const Leave leave = entry->leave; // the handler may settle (and erase) it before returning
    if (m_expired)
        m_expired(leave);
    else
        settle(id);
}

void LeaveDelay::onTimer()
{
    const qint64 now = nowMs();
    while (!m_due.empty()) {
        const quint64 id = m_due.front();
        const auto entry = m_entries.constFind(id);
        if (entry != m_entries.constEnd() && entry->dueMs > now)
            break;
        m_due.pop_front();
        expire(id);
    }
    arm();
}

void LeaveDelay::arm()
{
    // Skip ids cancelled meanwhile, so the timer wakes for a leave that still waits.
    while (!m_due.empty() && !m_entries.contains(m_due.front()))
        m_due.pop_front();
    if (m_due.empty()) {
        m_timer.stop();
        return;
    }
    const qint64 wait = m_entries.value(m_due.front()).dueMs - nowMs();
    m_timer.start(int(std::clamp<qint64>(wait, 0, m_delayMs)));
}

void LeaveDelay::flush()
{
    m_flushing = true;
    m_timer.stop();
    const std::deque<quint64> due = std::exchange(m_due, {});
    for (const quint64 id : due)
        expire(id);
}

} // namespace qsoketi
