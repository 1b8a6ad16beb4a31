// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractTableModel>
#include <QList>

#include "metrics/MetricsSnapshot.h"

namespace qsoketi {

// Every sample of a snapshot as one row (metric, labels, value, type), written exactly as the
// /metrics text writes them: histograms expand into _bucket/_sum/_count rows, values use the same
// number formatting. The table therefore shows the very numbers a scrape returns at that moment.
class CountersTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        MetricColumn,
        LabelsColumn,
        ValueColumn,
        TypeColumn,
        ColumnCount
    };
    struct Row
    {
        QString metric; // sample name (with _bucket/_sum/_count where applicable)
        QString labels; // a="b",c="d" as in the exposition, escaped
        QString value; // formatted as the exposition formats it
        QString type;
        QString help;
        double number = 0;
    };

    explicit CountersTableModel(QObject *parent = nullptr);

    void setSnapshot(const MetricsSnapshot &snapshot);
    static QList<Row> rowsOf(const MetricsSnapshot &snapshot);
    const QList<Row> &rows() const { return m_rows; }
    // `name{labels} value`, the line of the exposition this row stands for.
    static QString sampleLine(const Row &row);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<Row> m_rows;
};

} // namespace qsoketi
