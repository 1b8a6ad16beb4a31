// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QStringList>

#include "protocol/PresenceMember.h"

namespace qsoketi {

// The server's own Pusher messages, each built in one place from MessageCodec's pieces.
class PusherMessages
{
public:
    static QByteArray connectionEstablished(QStringView socketId, int activityTimeoutSeconds);
    static QByteArray pong();
    static QByteArray ping();
    // pusher_internal:subscription_succeeded; presenceData is `{"presence":…}` for presence channels.
    static QByteArray subscriptionSucceeded(QStringView channel, const QByteArray &presenceData = {});
    // `{"presence":{"ids":[…],"hash":{id: info},"count":N}}` (encoded JSON, not yet a string).
    static QByteArray presenceData(const PresenceMembers &members);
    static QByteArray memberAdded(QStringView channel, const QJsonValue &userId, const QJsonValue &userInfo);
    static QByteArray memberRemoved(QStringView channel, const QString &userId);
    static QByteArray subscriptionCount(QStringView channel, qint64 count);
    static QByteArray cacheMiss(QStringView channel);
    // pusher_internal:watchlist_events with one event: name is "online" or "offline".
    static QByteArray watchlistEvent(QStringView name, const QStringList &userIds);

    // A user id as Pusher clients send it (a string or a number) in its string form; empty if neither.
    static QString userIdString(const QJsonValue &id);
};

} // namespace qsoketi
