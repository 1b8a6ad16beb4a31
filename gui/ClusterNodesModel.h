// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractTableModel>

namespace qsoketi {

class ClusterMonitor;

// The cluster view's table: one row per node of a ClusterMonitor with its health. Reads the monitor,
// keeps nothing of its own; the "last scrape" ages are refreshed on every monitor tick.
class ClusterNodesModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        NodeColumn,
        ServerColumn,
        StatusColumn,
        LastScrapeColumn,
        LagColumn,
        MemoryColumn,
        ConnectionsColumn,
        ColumnCount
    };

    explicit ClusterNodesModel(ClusterMonitor *monitor, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // "12 s ago", "never".
    static QString age(qint64 lastMs, qint64 nowMs);

private:
    ClusterMonitor *m_monitor;
};

} // namespace qsoketi
