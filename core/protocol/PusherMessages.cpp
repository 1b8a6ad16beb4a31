// SPDX-License-Identifier: GPL-3.0-or-later
#include "protocol/PusherMessages.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "protocol/MessageCodec.h"

namespace qsoketi {

namespace {

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// Pusher sends the data of pusher_internal events as a JSON string holding JSON.
QByteArray asString(const QByteArray &json)
{
    return MessageCodec::jsonString(QString::fromUtf8(json));
}

} // namespace

QByteArray PusherMessages::connectionEstablished(QStringView socketId, int activityTimeoutSeconds)
{
    QByteArray data("{\"socket_id\":\"");
    data.append(socketId.toLatin1());
    data.append("\",\"activity_timeout\":");
    data.append(QByteArray::number(activityTimeoutSeconds));
    data.append('}');
    return MessageCodec::event(u"pusher:connection_established", {}, asString(data));
}

QByteArray PusherMessages::pong()
{
    return QByteArrayLiteral("{\"event\":\"pusher:pong\",\"data\":{}}");
}

QByteArray PusherMessages::ping()
{
    return QByteArrayLiteral("{\"event\":\"pusher:ping\",\"data\":{}}");
}

QByteArray PusherMessages::subscriptionSucceeded(QStringView channel, const QByteArray &presenceData)
{
    return MessageCodec::event(u"pusher_internal:subscription_succeeded", channel,
        presenceData.isEmpty() ? QByteArrayLiteral("\"{}\"") : asString(presenceData));
}

QByteArray PusherMessages::presenceData(const PresenceMembers &members)
{
    QJsonArray ids;
    QJsonObject hash;
    for (auto it = members.cbegin(); it != members.cend(); ++it) {
        ids.append(it->id);
        hash.insert(it.key(), it->info);
    }
    const QJsonObject presence{{QStringLiteral("ids"), ids}, {QStringLiteral("hash"), hash},
        {QStringLiteral("count"), qint64(members.size())}};
    return compact(QJsonObject{{QStringLiteral("presence"), presence}});
}

QByteArray PusherMessages::memberAdded(QStringView channel, const QJsonValue &userId, const QJsonValue &userInfo)
{
    const QByteArray member =
        compact(QJsonObject{{QStringLiteral("user_id"), userId}, {QStringLiteral("user_info"), userInfo}});
    return MessageCodec::event(u"pusher_internal:member_added", channel, asString(member));
}

QByteArray PusherMessages::memberRemoved(QStringView channel, const QString &userId)
{
    return MessageCodec::event(
        u"pusher_internal:member_removed", channel, asString(compact({{QStringLiteral("user_id"), userId}})));
}

QByteArray PusherMessages::subscriptionCount(QStringView channel, qint64 count)
{
    const QByteArray data = "{\"subscription_count\":" + QByteArray::number(count) + '}';
    return MessageCodec::event(u"pusher_internal:subscription_count", channel, asString(data));
}

QByteArray PusherMessages::cacheMiss(QStringView channel)
{
    return MessageCodec::event(u"pusher:cache_miss", channel, {});
}

QByteArray PusherMessages::watchlistEvent(QStringView name, const QStringList &userIds)
{
    const QJsonObject event{
        {QStringLiteral("name"), name.toString()}, {QStringLiteral("user_ids"), QJsonArray::fromStringList(userIds)}};
    return MessageCodec::event(
        u"pusher_internal:watchlist_events", {}, compact({{QStringLiteral("events"), QJsonArray{event}}}));
}

QString PusherMessages::userIdString(const QJsonValue &id)
{
    if (id.isString())
        return id.toString();
    if (id.isDouble())
        return QString::number(id.toDouble(), 'g', 17);
    return {};
}

} // namespace qsoketi
