// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QString>

namespace qsoketi {

// When this node's part of a channel last changed in a way that the cluster has to agree on: the channel
// emptied, a user's join began, a user's last connection left. Workers and nodes answer each other's
// questions with these stamps (µs since the epoch), so that when the same thing happens on two of them
// at once exactly one sends the event: channel_vacated and member_removed by the last to leave,
// member_added by the first to join. Without them both would see the other empty (or without the user)
// and both would send.
//
// Records outlive the channel (an emptied channel is dropped). Only changes of the last 5 s are told (the
// question follows the asker's own change: what matters is concurrent with it, and stamps of two clocks
// are compared only then); records are forgotten after 20 s.
class ChannelTransitions
{
public:
    static qint64 nowUs();

    void emptied(const QString &channel, qint64 atUs);
    void occupied(const QString &channel);
    qint64 emptiedAtUs(const QString &channel) const;

    // A join in progress (between asking the cluster and adding the member): its stamp, kept until
    // joinEnded with the same stamp. Two joins of one user on this node keep the earlier stamp.
    void joinBegan(const QString &channel, const QString &userId, qint64 atUs);
    void joinEnded(const QString &channel, const QString &userId, qint64 atUs);
    void memberLeft(const QString &channel, const QString &userId, qint64 atUs);

    // Adds {"emptied": µs, "joining": {user: µs}, "left": {user: µs}} to an answer, where there are any.
    void encode(const QString &channel, QJsonObject &part) const;

private:
    struct Record
    {
        qint64 emptiedAtUs = 0;
        QHash<QString, qint64> joining;
        QHash<QString, qint64> left;
        qint64 touchedUs = 0;
    };
    Record &touch(const QString &channel, qint64 atUs);
    void forgetOld(qint64 nowUs);

    QHash<QString, Record> m_records;
    qint64 m_nextSweepUs = 0;
};

} // namespace qsoketi
