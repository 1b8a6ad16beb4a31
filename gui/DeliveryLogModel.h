// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractTableModel>
#include <QList>

#include "webhooks/DeliveryLog.h"

namespace qsoketi {

// The webhook delivery log as a table, newest first, filtered by app, outcome and a text (URL or events).
// Holds copies of the records taken at refresh(): the log itself changes on the server's timers.
class DeliveryLogModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        TimeColumn,
        AppColumn,
        UrlColumn,
        EventsColumn,
        AttemptsColumn,
        ResultColumn, // last HTTP status or error
        LatencyColumn, // of the last attempt
        OutcomeColumn,
        ColumnCount
    };
    static constexpr int IdRole = Qt::UserRole; // the delivery id (quint64)

    explicit DeliveryLogModel(QObject *parent = nullptr);

    // Re-reads the log when it changed since the last read (or force).
    void refresh(const DeliveryLog &log, bool force = false);
    void setFilter(const QString &appId, const QString &outcome, const QString &text);
    const DeliveryRecord *record(int row) const;
    int rowOf(quint64 id) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    bool accepts(const DeliveryRecord &record) const;

    QList<DeliveryRecord> m_rows;
    quint64 m_version = 0;
    bool m_read = false;
    QString m_app;
    QString m_outcome;
    QString m_text;
};

} // namespace qsoketi
