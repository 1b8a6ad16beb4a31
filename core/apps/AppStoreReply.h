// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>

#include "apps/AppPtr.h"

namespace qsoketi {

// The answer of one app store operation. Lookups: apps holds 0 or 1 app; list: every app; writes: the
// app as stored afterwards (none for remove).
struct AppStoreReply
{
    QList<AppPtr> apps;
    QString error; // one line for the operator, never a secret; empty = success
    bool unavailable = false; // the store could not be reached (as opposed to a refused operation)

    bool ok() const { return error.isEmpty(); }
    AppPtr first() const { return apps.isEmpty() ? nullptr : apps.first(); }

    static AppStoreReply failure(const QString &message, bool unreachable = false)
    {
        AppStoreReply reply;
        reply.error = message;
        reply.unavailable = unreachable;
        return reply;
    }
};

} // namespace qsoketi
