// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/ActivityFeed.h"

#include <QDateTime>

namespace qsoketi {

ActivityFeed::ActivityFeed(QObject *parent)
    : QObject(parent)
{
    m_flushTimer.setInterval(100);
    connect(&m_flushTimer, &QTimer::timeout, this, &ActivityFeed::flush);
}

void ActivityFeed::setEnabled(bool enabled)
{
    m_enabled = enabled;
    if (enabled) {
        m_flushTimer.start();
        return;
    }
    m_flushTimer.stop();
    const std::lock_guard lock(m_mutex);
    m_pending.clear();
}

quint64 ActivityFeed::droppedEvents() const
{
    const std::lock_guard lock(m_mutex);
    return m_dropped;
}

void ActivityFeed::record(ActivityEvent::Kind kind, const QString &appId, const QString &socketId,
    const QString &channel, const QString &event, const QByteArray &payload)
{
    if (!isEnabled())
        return;
    ActivityEvent e{QDateTime::currentMSecsSinceEpoch(), kind, appId, socketId, channel, event, payload};
    const std::lock_guard lock(m_mutex);
    if (m_pending.size() >= maxPendingEvents) {
        m_pending.removeFirst();
        ++m_dropped;
    }
    m_pending.append(std::move(e));
}

void ActivityFeed::flush()
{
    QList<ActivityEvent> batch;
    {
        const std::lock_guard lock(m_mutex);
        batch.swap(m_pending);
    }
    if (batch.isEmpty())
        return;
    emit eventsRecorded(batch);
}

} // namespace qsoketi
