// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractTableModel>
#include <QList>

#include "webhooks/DeliveryLog.h"

namespace qsoketi {

// The webhook delivery log as a table, newest first, filtered by app, outcome and a text (URL or events).
// Holds copies of the records: the log itself lives on the server's thread (WebhooksWidget reads it there).
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

    // Every record of the log, oldest first (DeliveryLog::records()).
    void setRecords(const QList<DeliveryRecord> &records);
    void setFilter(const QString &appId, const QString &outcome, const QString &text);
    const DeliveryRecord *record(int row) const;
    int rowOf(quint64 id) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    bool accepts(const DeliveryRecord &record) const;
    void refilter();

    QList<DeliveryRecord> m_all; // newest first
    QList<DeliveryRecord> m_rows;
    QString m_app;
    QString m_outcome;
    QString m_text;
};

} // namespace qsoketi
