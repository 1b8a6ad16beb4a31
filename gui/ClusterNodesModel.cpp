// SPDX-License-Identifier: GPL-3.0-or-later
#include "ClusterNodesModel.h"

#include <cmath>

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QLocale>

#include "ClusterMonitor.h"
#include "MetricsPlotWidget.h"

namespace qsoketi {

ClusterNodesModel::ClusterNodesModel(ClusterMonitor *monitor, QObject *parent)
    : QAbstractTableModel(parent)
    , m_monitor(monitor)
{
    connect(monitor, &ClusterMonitor::nodesAboutToChange, this, &ClusterNodesModel::beginResetModel);
    connect(monitor, &ClusterMonitor::nodesChanged, this, &ClusterNodesModel::endResetModel);
    connect(monitor, &ClusterMonitor::nodeUpdated, this, [this](int row) {
        if (row >= 0 && row < rowCount())
            emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
    });
    connect(monitor, &ClusterMonitor::ticked, this, [this] {
        if (rowCount() > 0)
            emit dataChanged(index(0, LastScrapeColumn), index(rowCount() - 1, LastScrapeColumn));
    });
}

int ClusterNodesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_monitor->count();
}

int ClusterNodesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString ClusterNodesModel::age(qint64 lastMs, qint64 nowMs)
{
    if (lastMs <= 0)
        return tr("never");
    const qint64 seconds = qMax<qint64>(0, (nowMs - lastMs) / 1000);
    if (seconds < 120)
        return tr("%1 s ago").arg(seconds);
    if (seconds < 7200)
        return tr("%1 min ago").arg(seconds / 60);
    return tr("%1 h ago").arg(seconds / 3600);
}

QVariant ClusterNodesModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const ClusterMonitor::Node &node = m_monitor->node(index.row());
    const ClusterMonitor::Health &h = node.health;
    const auto known = [](double v) { return !std::isnan(v); };
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case NodeColumn:
            return node.name;
        case ServerColumn:
            return h.server.isEmpty() ? tr("—") : h.server;
        case StatusColumn:
            switch (node.state) {
            case ClusterMonitor::State::Up:
                return tr("up");
            case ClusterMonitor::State::Down:
                return tr("down");
            case ClusterMonitor::State::Connecting:
                break;
            }
            return tr("connecting…");
        case LastScrapeColumn:
            return age(node.lastScrapeMs, QDateTime::currentMSecsSinceEpoch());
        case LagColumn:
            return known(h.eventLoopLagSeconds) ? tr("%1 ms").arg(h.eventLoopLagSeconds * 1000, 0, 'f', 1) : tr("—");
        case MemoryColumn:
            return known(h.memoryBytes) ? QLocale::c().formattedDataSize(qint64(h.memoryBytes)) : tr("—");
        case ConnectionsColumn:
            return known(h.connections) ? MetricsPlotWidget::shortNumber(h.connections) : tr("—");
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        if (node.state == ClusterMonitor::State::Down && !node.error.isEmpty())
            return tr("Down: %1").arg(node.error);
        return node.local ? tr("This process (read from its own registry)") : node.url.toString();
    }
    if (role == Qt::ForegroundRole && index.column() == StatusColumn) {
        if (node.state == ClusterMonitor::State::Up)
            return QBrush(QColor(0x2e, 0xa0, 0x43));
        if (node.state == ClusterMonitor::State::Down)
            return QBrush(QColor(0xd0, 0x3b, 0x3b));
    }
    if (role == Qt::TextAlignmentRole && index.column() >= LagColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::UserRole)
        return node.url; // empty for this process
    return {};
}

QVariant ClusterNodesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NodeColumn:
        return tr("Node");
    case ServerColumn:
        return tr("Server");
    case StatusColumn:
        return tr("Status");
    case LastScrapeColumn:
        return tr("Last scrape");
    case LagColumn:
        return tr("Event-loop lag");
    case MemoryColumn:
        return tr("Memory");
    case ConnectionsColumn:
        return tr("Connections");
    default:
        return {};
    }
}

} // namespace qsoketi
