// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <deque>
#include <unordered_map>

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace qsoketi {

// One HTTP request of a delivery.
struct DeliveryAttempt
{
    qint64 atMs = 0; // when it was sent (ms since the epoch)
    int status = 0; // HTTP status, 0 when none came (connection refused, closed, timed out)
    QString error; // empty on a 2xx answer
    qint64 latencyMs = 0; // until the answer or the error
};

// What became of one webhook delivery (one POST of events to one webhook URL, retries included).
struct DeliveryRecord
{
    enum class Outcome
    {
        Pending, // queued or on the wire, not tried yet
        Retrying, // failed at least once, tried again at nextAttemptMs
        Delivered,
        Failed, // retries exhausted
        Dropped, // pushed out of the app's full queue
        Abandoned, // unsent when the server stopped
    };

    quint64 id = 0;
    QString appId;
    QString url; // without user info or query: webhook URLs may carry credentials
    int target = 0; // the webhook's index in the app's list when it was made
    qint64 createdMs = 0; // the event (batch: its first event)
    QJsonArray events; // as sent: replay sends them again
    int attemptCount = 0;
    QList<DeliveryAttempt> attempts; // the last maxAttemptsKept
    Outcome outcome = Outcome::Pending;
    qint64 nextAttemptMs = 0; // Retrying only
    qint64 finishedMs = 0; // Delivered, Failed, Dropped, Abandoned
    quint64 replayOf = 0; // the delivery this one replays, 0 if none

    static constexpr int maxAttemptsKept = 20;

    bool isFinished() const { return outcome != Outcome::Pending && outcome != Outcome::Retrying; }
    void addAttempt(const DeliveryAttempt &attempt);
    static QString outcomeName(Outcome outcome);
    // For the admin endpoint and the dashboard: every field, events as name/channel/user_id/event only
    // (client event data stays out of logs and listings).
    QJsonObject toJson() const;
    // "channel_vacated presence-room, member_removed presence-room (u1)": one line for logs and tables.
    QString eventSummary() const;
};

// The last N deliveries of each app, newest last: bounded memory (N records of at most one batch each),
// looked up by id for replay. Records of deliveries still pending stay until N newer ones push them out.
class DeliveryLog
{
public:
    explicit DeliveryLog(int perApp);

    // Stores the record with a new id and returns it (valid until N newer records of its app exist).
    DeliveryRecord &add(DeliveryRecord record);
    DeliveryRecord *find(quint64 id);
    const DeliveryRecord *find(quint64 id) const;
    // The app's records, oldest first; every app's, ordered by id, when appId is empty.
    QList<const DeliveryRecord *> records(const QString &appId = {}) const;
    QStringList apps() const;
    // Grows with every change (new record, attempt, outcome): readers redraw only when it moved.
    quint64 version() const { return m_version; }
    void touch() { ++m_version; }
    int perApp() const { return m_perApp; }

private:
    int m_perApp;
    quint64 m_nextId = 1;
    quint64 m_version = 0;
    // Node-based map of deques: records keep their address while others are added at the back and
    // removed at the front, and while other apps are added.
    std::unordered_map<QString, std::deque<DeliveryRecord>> m_byApp;
    QHash<quint64, DeliveryRecord *> m_byId;
};

} // namespace qsoketi
