// SPDX-License-Identifier: GPL-3.0-or-later
#include "channels/ClusterChannel.h"

#include <algorithm>

#include <QJsonArray>

#include "protocol/PusherMessages.h"

namespace qsoketi {

QJsonObject ClusterChannel::encode(const Channel &channel, bool withInfo)
{
    QJsonObject part{{QStringLiteral("count"), qint64(channel.subscriptionCount())}};
    if (channel.subscriptionCount() > 0)
        part.insert(QStringLiteral("since"), channel.occupiedSinceUs()); // < 2^53 µs: exact in JSON
    if (!channel.isPresence())
        return part;
    if (withInfo) {
        QJsonObject members;
        for (auto it = channel.members().cbegin(); it != channel.members().cend(); ++it)
            members.insert(it.key(), QJsonObject{{QStringLiteral("id"), it->id}, {QStringLiteral("info"), it->info}});
        part.insert(QStringLiteral("members"), members);
    } else {
        QJsonArray users;
        for (auto it = channel.members().cbegin(); it != channel.members().cend(); ++it)
            users.append(it.key());
        part.insert(QStringLiteral("users"), users);
    }
    return part;
}

void ClusterChannel::merge(const QJsonObject &part)
{
    const qint64 count = part.value(QLatin1String("count")).toInteger();
    subscriptionCount += count;
    if (count > 0)
        othersOccupiedSinceUs = std::min(othersOccupiedSinceUs, part.value(QLatin1String("since")).toInteger(0));
    const QJsonObject m = part.value(QLatin1String("members")).toObject();
    for (auto it = m.constBegin(); it != m.constEnd(); ++it) {
        const QJsonObject member = it.value().toObject();
        auto &slot = members[it.key()];
        slot.id = member.value(QLatin1String("id"));
        slot.info = member.value(QLatin1String("info"));
        ++slot.connections;
    }
    for (const QJsonValue &user : part.value(QLatin1String("users")).toArray()) {
        auto &slot = members[user.toString()];
        slot.id = user;
        ++slot.connections;
    }
    othersEmptiedAtUs = std::max(othersEmptiedAtUs, part.value(QLatin1String("emptied")).toInteger(0));
    const QJsonObject joining = part.value(QLatin1String("joining")).toObject();
    for (auto it = joining.constBegin(); it != joining.constEnd(); ++it) {
        const qint64 at = it.value().toInteger();
        const auto known = othersJoiningUs.constFind(it.key());
        if (known == othersJoiningUs.cend() || *known > at)
            othersJoiningUs.insert(it.key(), at);
    }
    const QJsonObject left = part.value(QLatin1String("left")).toObject();
    for (auto it = left.constBegin(); it != left.constEnd(); ++it)
        othersLeftAtUs.insert(it.key(), std::max(othersLeftAtUs.value(it.key()), it.value().toInteger()));
    const QJsonObject leaving = part.value(QLatin1String("leaving")).toObject();
    vacatedPending = vacatedPending || leaving.value(QLatin1String("vacated")).toBool();
    for (const QJsonValue &user : leaving.value(QLatin1String("members")).toArray())
        removalsPending.insert(user.toString());
}

void ClusterChannel::addPending(const PendingLeaves &pending)
{
    vacatedPending = vacatedPending || pending.vacated;
    for (const QString &user : pending.members)
        removalsPending.insert(user);
}

void ClusterChannel::encodePending(QJsonObject &part, const PendingLeaves &pending)
{
    if (!pending.vacated && pending.members.isEmpty())
        return;
    part.insert(QStringLiteral("leaving"),
        QJsonObject{{QStringLiteral("vacated"), pending.vacated},
            {QStringLiteral("members"), QJsonArray::fromStringList(pending.members)}});
}

void ClusterChannel::addLocal(const Channel &channel)
{
    subscriptionCount += channel.subscriptionCount();
    for (auto it = channel.members().cbegin(); it != channel.members().cend(); ++it) {
        auto &slot = members[it.key()];
        slot.id = it->id;
        slot.info = it->info;
        slot.connections += it->connections;
    }
}

QByteArray ClusterChannel::presenceData() const
{
    return PusherMessages::presenceData(members);
}

QJsonObject ClusterChannel::encodeAll(const std::unordered_map<QString, std::unique_ptr<Channel>> &channels)
{
    QJsonObject all;
    for (const auto &[name, channel] : channels)
        all.insert(name, encode(*channel, false));
    return QJsonObject{{QStringLiteral("channels"), all}};
}

void ClusterChannel::mergeAll(QHash<QString, ClusterChannel> &into, const QJsonObject &answer)
{
    const QJsonObject all = answer.value(QLatin1String("channels")).toObject();
    for (auto it = all.constBegin(); it != all.constEnd(); ++it)
        into[it.key()].merge(it.value().toObject());
}

} // namespace qsoketi
