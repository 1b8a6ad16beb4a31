// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <array>
#include <deque>

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QTimer>

#include "server/ActivityFeed.h"

namespace qsoketi {

// The debug console's rows: at most `maxRows` ActivityEvents. Incoming batches are only queued; a timer
// turns the queue into a few model signals per flush, so a flood of 10,000 events/s costs the views a few
// signals per second instead of one per event. Memory is bounded twice: the queue and the rows both keep
// at most `maxRows` events.
//
// Eviction is by group, not by age alone: when over the cap, the oldest event of the largest group goes.
// 2,000 clients connecting and subscribing therefore cannot push out the last messages and errors: every
// group keeps at least maxRows / GroupCount of its newest events.
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
    enum Group
    {
        ConnectionGroup, // connected, disconnected
        SubscriptionGroup, // subscribed, unsubscribed
        ChannelGroup, // occupied, vacated, member added / removed
        MessageGroup, // client and API events
        ErrorGroup, // errors and alerts
        GroupCount
    };
    static constexpr int defaultMaxRows = 5000;
    static constexpr int flushIntervalMs = 250;
    // Beyond this many socket → user pairs the oldest knowledge is forgotten (bounded memory).
    static constexpr int maxKnownUsers = 50000;

    explicit ActivityLogModel(int maxRows = defaultMaxRows, QObject *parent = nullptr);

    static QString kindName(ActivityEvent::Kind kind);
    static Group groupOf(ActivityEvent::Kind kind);

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
    int groupCount(Group group) const { return m_groupRows[group]; }
    // The presence user id a socket subscribed with (learnt from subscribed / member added events).
    QString userOf(const QString &socketId) const { return m_users.value(socketId); }

    const ActivityEvent &event(int row) const { return m_rows[size_t(row)]; }

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    void flushed();
    // A socket's user became known: a trace of that user must look at the socket's earlier rows again.
    void userLearnt(const QString &socketId, const QString &userId);

private:
    void learnUser(const ActivityEvent &e);
    void boundPending();
    void removeRows(const std::vector<bool> &keep, int current);

    int m_maxRows;
    std::deque<ActivityEvent> m_rows;
    std::deque<ActivityEvent> m_pending;
    std::array<int, GroupCount> m_groupRows{};
    QHash<QString, QString> m_users;
    QTimer m_flushTimer;
    bool m_paused = false;
    quint64 m_dropped = 0; // events that never became rows (queue overflow)
    quint64 m_received = 0;
};

} // namespace qsoketi
