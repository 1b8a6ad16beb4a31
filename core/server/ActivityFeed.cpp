// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/ActivityFeed.h"

#include <QDateTime>

namespace qsoketi {

ActivityFeed::ActivityFeed(QObject *parent)
    : QObject(parent)
{
    m_flushTimer.setInterval(100);
    m_flushTimer.setSingleShot(true);
    connect(&m_flushTimer, &QTimer::timeout, this, &ActivityFeed::flush);
}

void ActivityFeed::setEnabled(bool enabled)
{
    m_enabled = enabled;
    if (!enabled)
        m_pending.clear();
}

void ActivityFeed::record(ActivityEvent::Kind kind, const QString &appId, const QString &socketId,
    const QString &channel, const QString &event, const QByteArray &payload)
{
    if (!m_enabled)
        return;
    if (m_pending.size() >= maxPendingEvents) {
        m_pending.removeFirst();
        ++m_dropped;
    }
    m_pending.append(
        ActivityEvent{QDateTime::currentMSecsSinceEpoch(), kind, appId, socketId, channel, event, payload});
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void ActivityFeed::flush()
{
    if (m_pending.isEmpty())
        return;
    QList<ActivityEvent> batch;
    batch.swap(m_pending);
    emit eventsRecorded(batch);
}

} // namespace qsoketi
