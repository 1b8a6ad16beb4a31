// SPDX-License-Identifier: GPL-3.0-or-later
#include "apps/PendingLookups.h"

#include <QThread>

#include "threading/ThreadHandOff.h"

namespace qsoketi {

QString PendingLookups::keyOf(AppCache::By by, const QString &value)
{
    return (by == AppCache::By::Id ? QStringLiteral("i:") : QStringLiteral("k:")) + value;
}

PendingLookups::Added PendingLookups::add(
    AppCache::By by, const QString &value, Waiter &&waiter, qsizetype maxQueries, quint64 *ticket)
{
    const QString key = keyOf(by, value);
    auto it = m_queries.find(key);
    Added added = Added::Joined;
    if (it == m_queries.end()) {
        if (m_queries.size() >= maxQueries) {
            return Added::Full;
        }
        Query query;
        query.ticket = ++m_nextTicket;
        query.started.start();
        it = m_queries.insert(key, query);
        added = Added::First;
    }
    it->waiters.append(std::move(waiter));
    *ticket = it->ticket;
    return added;
}

bool PendingLookups::take(
    AppCache::By by, const QString &value, quint64 ticket, QList<Waiter> *waiters, qint64 *waitedNs)
{
    const auto it = m_queries.find(keyOf(by, value));
    if (it == m_queries.end() || it->ticket != ticket) {
        return false;
    }
    *waiters = std::move(it->waiters);
    *waitedNs = it->started.nsecsElapsed();
    m_queries.erase(it);
    return true;
}

void PendingLookups::deliver(const Waiter &waiter, const AppPtr &app, QObject *fallback)
{
    QObject *target = waiter.hasContext ? waiter.context.data() : fallback;
    if (!target) {
        return; // the caller is gone
    }
    if (target->thread() == QThread::currentThread()) {
        waiter.done(app);
    } else {
        ThreadHandOff::post(
            target, [done = waiter.done, app] { done(app); }, Qt::QueuedConnection);
    }
}

} // namespace qsoketi
