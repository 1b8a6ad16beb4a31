// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <atomic>
#include <mutex>

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

namespace qsoketi {

// One thing that happened on the server, for the dashboard's debug console.
struct ActivityEvent
{
    enum class Kind
    {
        Connected,
        Disconnected,
        Subscribed,
        Unsubscribed,
        ClientEvent,
        ApiEvent,
        Error,
        ChannelOccupied, // on this node
        ChannelVacated,
        MemberAdded, // payload: the user id
        MemberRemoved,
        Alert // recorded by the dashboard's alert rules, never by the server
    };
    qint64 timeMs = 0;
    Kind kind = Kind::Connected;
    QString appId;
    QString socketId;
    QString channel;
    QString event;
    QByteArray payload; // JSON text of the data, or the error message
};

// A live stream of ActivityEvents. Off by default, so the headless server pays one branch per event;
// when a viewer turns it on, events are batched and delivered at most every 100 ms, and a viewer that
// falls behind loses the oldest events rather than growing memory. record() may be called from any
// worker's thread; batches are delivered on the feed's own thread.
class ActivityFeed : public QObject
{
    Q_OBJECT

public:
    static constexpr int maxPendingEvents = 20000;

    explicit ActivityFeed(QObject *parent = nullptr);

    bool isEnabled() const { return m_enabled.load(std::memory_order_relaxed); }
    void setEnabled(bool enabled);
    void record(ActivityEvent::Kind kind, const QString &appId, const QString &socketId, const QString &channel,
        const QString &event, const QByteArray &payload);
    quint64 droppedEvents() const;

signals:
    void eventsRecorded(const QList<qsoketi::ActivityEvent> &events);

private:
    void flush();

    std::atomic<bool> m_enabled = false;
    mutable std::mutex m_mutex; // m_pending, m_dropped
    QList<ActivityEvent> m_pending;
    quint64 m_dropped = 0;
    QTimer m_flushTimer; // runs while enabled (record() may not start a timer of another thread)
};

} // namespace qsoketi

Q_DECLARE_METATYPE(qsoketi::ActivityEvent)
