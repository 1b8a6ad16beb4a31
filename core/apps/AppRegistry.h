// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QList>

#include "apps/App.h"

namespace qsoketi {

// The apps of the array app manager, looked up by id (REST API) or key (WebSocket).
class AppRegistry
{
public:
    explicit AppRegistry(const QList<App> &apps);

    const App *byId(const QString &id) const;
    const App *byKey(const QString &key) const;
    const QList<App> &apps() const { return m_apps; }

private:
    QList<App> m_apps;
    QHash<QString, qsizetype> m_byId;
    QHash<QString, qsizetype> m_byKey;
};

} // namespace qsoketi
