// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QPointer>

#include "apps/AppCache.h"
#include "apps/AppPtr.h"

namespace qsoketi {

// Lookups waiting for the app store, grouped so that every caller asking for the same uncached id or key
// shares one query. Each query has a ticket: an answer (or timeout) for an older ticket finds nothing to
// take. Not thread-safe: AppDirectory holds its mutex around every call.
class PendingLookups final
{
public:
    using Callback = std::function<void(AppPtr app)>;

    struct Waiter
    {
        Callback done;
        QPointer<QObject> context; // where done runs; it is dropped once the context is destroyed
        bool hasContext = false;
    };

    enum class Added
    {
        First, // a new query: the caller starts it
        Joined, // a query is already on its way
        Full, // maxQueries are waiting already: not added
    };

    // waiter is moved from only when it was added (not for Full).
    Added add(AppCache::By by, const QString &value, Waiter &&waiter, qsizetype maxQueries, quint64 *ticket);
    // Removes the query with this ticket and hands out its waiters; false when it was answered already.
    bool take(AppCache::By by, const QString &value, quint64 ticket, QList<Waiter> *waiters, qint64 *waitedNs);

    // Runs done on the context's thread (directly when that is this thread), or on fallback's thread for
    // a waiter without a context.
    static void deliver(const Waiter &waiter, const AppPtr &app, QObject *fallback);

private:
    struct Query
    {
        QList<Waiter> waiters;
        quint64 ticket = 0;
        QElapsedTimer started;
    };

    static QString keyOf(AppCache::By by, const QString &value);

    QHash<QString, Query> m_queries;
    quint64 m_nextTicket = 0;
};

} // namespace qsoketi
