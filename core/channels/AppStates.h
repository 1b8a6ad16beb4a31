// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>
#include <vector>

#include <QHash>
#include <QString>

#include "apps/AppPtr.h"
#include "channels/AppState.h"

namespace qsoketi {

class MetricsRegistry;

// The run-time state of the apps this node has served, by app id. A state is made the first time an
// app is admitted (apps come from a store that may hold thousands), and kept: its metric series live in
// the registry for the life of the process anyway. The metrics registry outlives it.
class AppStates
{
public:
    // `limits`: the per-app API rate limits shared with the other workers; without, this node's own.
    explicit AppStates(MetricsRegistry &metrics, AppRateLimits *limits = nullptr);

    AppState *byId(const QString &appId) const { return m_byId.value(appId); }
    // The state of this app, made on first use; an existing state takes this copy of the app when the
    // store's copy differs from the one it holds.
    AppState &stateFor(const AppPtr &app);
    // Gives a state the store's newer copy of its app; false when this node has no state for it.
    bool update(const AppPtr &app);
    const std::vector<std::unique_ptr<AppState>> &all() const { return m_states; }

private:
    MetricsRegistry &m_metrics;
    std::unique_ptr<AppRateLimits> m_ownLimits; // when none were given
    AppRateLimits &m_limits;
    std::vector<std::unique_ptr<AppState>> m_states;
    QHash<QString, AppState *> m_byId;
};

} // namespace qsoketi
