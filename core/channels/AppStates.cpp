// SPDX-License-Identifier: GPL-3.0-or-later
#include "channels/AppStates.h"

#include "apps/AppRegistry.h"
#include "metrics/MetricsRegistry.h"

namespace qsoketi {

AppStates::AppStates(const AppRegistry &apps, MetricsRegistry &metrics)
{
    for (const App &app : apps.apps()) {
        auto state = std::make_unique<AppState>(app, metrics.forApp(app.id));
        m_byId.insert(app.id, state.get());
        m_states.push_back(std::move(state));
    }
}

} // namespace qsoketi
