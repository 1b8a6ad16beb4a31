// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>
#include <vector>

#include <QHash>
#include <QString>

#include "channels/AppState.h"

namespace qsoketi {

class AppRegistry;
class MetricsRegistry;

// The run-time state of every app on this node, by app id. Owns the AppStates; the apps and the
// metrics registry outlive it.
class AppStates
{
public:
    AppStates(const AppRegistry &apps, MetricsRegistry &metrics);

    AppState *byId(const QString &appId) const { return m_byId.value(appId); }
    const std::vector<std::unique_ptr<AppState>> &all() const { return m_states; }

private:
    std::vector<std::unique_ptr<AppState>> m_states;
    QHash<QString, AppState *> m_byId;
};

} // namespace qsoketi
