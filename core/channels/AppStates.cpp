// SPDX-License-Identifier: GPL-3.0-or-later
#include "channels/AppStates.h"

#include "metrics/MetricsRegistry.h"

namespace qsoketi {

AppStates::AppStates(MetricsRegistry &metrics, AppRateLimits *limits)
    : m_metrics(metrics)
    , m_ownLimits(limits ? nullptr : std::make_unique<AppRateLimits>())
    , m_limits(limits ? *limits : *m_ownLimits)
{}

AppState &AppStates::stateFor(const AppPtr &app)
{
    if (AppState *state = m_byId.value(app->id)) {
        if (state->sharedApp() != app)
            state->replaceApp(app);
        return *state;
    }
    auto state = std::make_unique<AppState>(app, m_metrics.forApp(app->id), m_limits.forApp(app->id));
    AppState &made = *state;
    m_byId.insert(app->id, state.get());
    m_states.push_back(std::move(state));
    return made;
}

bool AppStates::update(const AppPtr &app)
{
    AppState *state = m_byId.value(app->id);
    if (!state)
        return false;
    state->replaceApp(app);
    return true;
}

} // namespace qsoketi
