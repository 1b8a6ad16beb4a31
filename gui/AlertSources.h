// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>

namespace qsoketi {

class AlertMonitor;
class ClusterMonitor;
class ServerCore;

// What ties the dashboard's AlertMonitor to the rest of the process: the rules the user set, each app's
// maxConnections, the server's activity feed (errors), the cluster view's node states (node down; a node
// removed from the list ends its incident), and the registry, which counts every alert raised in
// <prefix>dashboard_alerts_total{rule} so /metrics shows them. The window only shows alerts.
class AlertSources : public QObject
{
    Q_OBJECT

public:
    AlertSources(ServerCore &core, AlertMonitor *monitor, ClusterMonitor *cluster, QObject *parent = nullptr);
};

} // namespace qsoketi
