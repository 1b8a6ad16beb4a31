// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>

#include <QJsonObject>
#include <QString>

#include "apps/AppStoreReply.h"

namespace qsoketi {

class SqlAppStore;

// The writes of `qsoketi apps` and the dashboard as operations for the store's worker thread. Steps
// that belong together (read the current secret, then replace it) run back to back on that thread.
class AppStoreOperations final
{
public:
    using Operation = std::function<AppStoreReply(SqlAppStore &store)>;

    // id, key and secret are generated when not given.
    static Operation add(const QJsonObject &fields);
    static Operation update(const QString &id, const QJsonObject &changes);
    // graceSeconds > 0 keeps the replaced secret valid that long (previous_secret columns).
    static Operation rotateSecret(const QString &id, int graceSeconds, const QString &newSecret);
};

} // namespace qsoketi
