// SPDX-License-Identifier: GPL-3.0-or-later
#include "AlertSources.h"

#include <QDateTime>

#include "AlertMonitor.h"
#include "ClusterMonitor.h"
#include "ServerCore.h"
#include "metrics/MetricsRegistry.h"
#include "server/ActivityFeed.h"

#include <prometheus/counter.h>

namespace qsoketi {

AlertSources::AlertSources(ServerCore &core, AlertMonitor *monitor, ClusterMonitor *cluster, QObject *parent)
    : QObject(parent)
{
    monitor->setRules(AlertMonitor::rulesFromSettings());
    QHash<QString, int> limits;
    for (const App &app : core.apps().apps())
        limits.insert(app.id, app.maxConnections);
    monitor->setConnectionLimits(limits);
    connect(&core.activity(), &ActivityFeed::eventsRecorded, monitor, &AlertMonitor::observeEvents);
    // The registry is thread-safe; the series is created on a rule's first alert.
    MetricsRegistry *registry = &core.metrics();
    connect(monitor, &AlertMonitor::alertRaised, this, [registry](const AlertMonitor::Alert &alert) {
        registry->dashboardAlertsForRule(AlertMonitor::ruleOf(alert.key)).Increment();
    });
    connect(cluster, &ClusterMonitor::nodeUpdated, this, [monitor, cluster](int index) {
        const ClusterMonitor::Node &node = cluster->node(index);
        if (!node.local)
            monitor->evaluateNode(node.url.toString(), node.name, node.state == ClusterMonitor::State::Down,
                QDateTime::currentMSecsSinceEpoch());
    });
    connect(cluster, &ClusterMonitor::nodeRemoved, this, [monitor](const QUrl &url) {
        monitor->evaluateNode(url.toString(), {}, false, QDateTime::currentMSecsSinceEpoch());
    });
}

} // namespace qsoketi
