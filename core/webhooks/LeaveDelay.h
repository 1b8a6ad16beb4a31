// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <deque>
#include <functional>

#include <QHash>
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QTimer>

namespace qsoketi {

class AppState;
class MetricsRegistry;

// Holds channel_vacated and member_removed webhooks for a while (SOKETI_WEBHOOKS_LEAVE_DELAY, 3 s by
// default, as Pusher does) and drops them when the channel is occupied again or the member re-joins
// meanwhile: a page reload — leave and come back within the delay — tells the backend nothing, instead
// of vacated + occupied (member_removed + member_added).
//
// Only the bookkeeping is here; whether the leave still stands is the cluster's to say. When a delay is
// over the expired handler runs; it asks the whole cluster and calls settle() with the answer in hand:
// settle() is false when a re-join on this node cancelled the leave meanwhile. Until it is settled a
// leave stays pending, and the other nodes see it in their channel questions (ClusterChannel's
// vacatedPending / removalsPending), so a re-join on another node keeps quiet too and the decision is
// made once, by the node that holds the leave.
class LeaveDelay : public QObject
{
    Q_OBJECT

public:
    struct Leave
    {
        quint64 id = 0;
        AppState *app = nullptr; // the caller's, handed back to the expired handler
        QString appId;
        QString channel;
        QString userId; // empty: channel_vacated; else member_removed of this user
    };
    using Expired = std::function<void(const Leave &)>;

    LeaveDelay(int delayMs, MetricsRegistry &metrics, QObject *parent = nullptr);

    void setExpiredHandler(Expired handler) { m_expired = std::move(handler); }
    int delayMs() const { return m_delayMs; }

    void channelVacated(AppState &app, const QString &appId, const QString &channel);
    void memberRemoved(AppState &app, const QString &appId, const QString &channel, const QString &userId);
    // The channel is occupied again / the member is back: true when a leave was pending (it is dropped
    // and counted in webhook_leave_events_cancelled_total; the caller sends no occupied / member_added).
    bool cancelVacated(const QString &appId, const QString &channel);
    bool cancelMemberRemoved(const QString &appId, const QString &channel, const QString &userId);

    // Leaves of the channel not settled yet, for the other nodes' questions.
    bool vacatedPending(const QString &appId, const QString &channel) const;
    QStringList removalsPending(const QString &appId, const QString &channel) const;

    // The expired handler has the cluster's answer: true when the leave still stands. Forgets it.
    bool settle(quint64 id);
    // Shutdown: every held leave expires now, and later ones are not held.
    void flush();
    int pendingCount() const { return int(m_entries.size()); }

private:
    struct Entry
    {
        Leave leave;
        qint64 dueMs = 0;
        bool expired = false; // handed to the expired handler, waiting for settle()
        bool cancelled = false; // a re-join came while it was being settled
    };

    void hold(Leave leave);
    bool cancel(const QString &key);
    void expire(quint64 id);
    void onTimer();
    void arm();
    static QString channelKey(const QString &appId, const QString &channel);
    static QString keyOf(const Leave &leave);
    void forget(const Entry &entry);

    const int m_delayMs;
    MetricsRegistry &m_metrics;
    Expired m_expired;
    quint64 m_nextId = 1;
    bool m_flushing = false;
    std::deque<quint64> m_due; // ids in due order: one delay for all, so order of holding
    QHash<quint64, Entry> m_entries;
    QHash<QString, quint64> m_byKey; // app, channel (and user) → the pending leave
    QHash<QString, QSet<QString>> m_removals; // app and channel → users with a pending member_removed
    QTimer m_timer;
};

} // namespace qsoketi
