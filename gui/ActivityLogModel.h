// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <deque>

#include <QAbstractTableModel>
#include <QList>
#include <QTimer>

#include "server/ActivityFeed.h"

namespace qsoketi {

// The debug console's rows: the newest `maxRows` ActivityEvents. Incoming batches are only queued;
// a timer turns the queue into one remove + one insert per flush, so a flood of 10,000 events/s costs
// the views a few model signals per second instead of one per event. Memory is bounded twice: the
// queue and the rows both keep at most `maxRows` events.
class ActivityLogModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        TimeColumn,
        KindColumn,
        AppColumn,
        SocketColumn,
        ChannelColumn,
        EventColumn,
        PayloadColumn,
        ColumnCount
    };
    static constexpr int defaultMaxRows = 5000;
    static constexpr int flushIntervalMs = 250;

    explicit ActivityLogModel(int maxRows = defaultMaxRows, QObject *parent = nullptr);

    static QString kindName(ActivityEvent::Kind kind);

    void appendEvents(const QList<ActivityEvent> &events);
    // Applies queued events now (the timer does this every flushIntervalMs).
    void flush();
    void clear();
    // Paused: the rows stay as they are; events keep queueing (bounded) and appear on resume.
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    int maxRows() const { return m_maxRows; }
    qsizetype pendingCount() const { return qsizetype(m_pending.size()); }
    quint64 droppedCount() const { return m_dropped; }
    quint64 totalReceived() const { return m_received; }

    const ActivityEvent &event(int row) const { return m_rows[size_t(row)]; }

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    void flushed();

private:
    int m_maxRows;
    std::deque<ActivityEvent> m_rows;
    std::deque<ActivityEvent> m_pending;
    QTimer m_flushTimer;
    bool m_paused = false;
    quint64 m_dropped = 0; // events that never became rows (queue overflow)
    quint64 m_received = 0;
};

} // namespace qsoketi
