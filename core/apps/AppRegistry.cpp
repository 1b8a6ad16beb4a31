// SPDX-License-Identifier: GPL-3.0-or-later
#include "apps/AppRegistry.h"

namespace qsoketi {

AppRegistry::AppRegistry(const QList<App> &apps)
    : m_apps(apps)
{
    for (qsizetype i = 0; i < m_apps.size(); ++i) {
        m_byId.insert(m_apps[i].id, i);
        m_byKey.insert(m_apps[i].key, i);
    }
}

const App *AppRegistry::byId(const QString &id) const
{
    const auto it = m_byId.constFind(id);
    return it == m_byId.cend() ? nullptr : &m_apps[*it];
}

const App *AppRegistry::byKey(const QString &key) const
{
    const auto it = m_byKey.constFind(key);
    return it == m_byKey.cend() ? nullptr : &m_apps[*it];
}

} // namespace qsoketi
