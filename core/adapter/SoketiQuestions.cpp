// SPDX-License-Identifier: GPL-3.0-or-later
#include "adapter/SoketiQuestions.h"

#include <QHash>
#include <QJsonArray>
#include <QStringList>

#include "protocol/ChannelName.h"

namespace qsoketi {

namespace {

const QString presenceWithoutMembersKey = QStringLiteral("presenceWithoutMembers");

qint64 sumOfTotalCounts(const QList<QJsonObject> &answers)
{
    qint64 total = 0;
    for (const QJsonObject &a : answers)
        total += a.value(QLatin1String("totalCount")).toInteger();
    return total;
}

// soketi's members are [[userId, userInfo]…] (a Map's entries); the id keeps its JSON type.
QJsonObject membersOf(const QList<QJsonObject> &answers)
{
    QJsonObject members;
    for (const QJsonObject &a : answers) {
        for (const QJsonValue &entry : a.value(QLatin1String("members")).toArray()) {
            const QJsonArray pair = entry.toArray();
            const QJsonValue id = pair.at(0);
            const QString key = id.isString() ? id.toString() : QString::number(id.toInteger());
            members.insert(key, QJsonObject{{QStringLiteral("id"), id}, {QStringLiteral("info"), pair.at(1)}});
        }
    }
    return members;
}

} // namespace

QList<SoketiQuestions::Ask> SoketiQuestions::asksFor(ClusterRequest type, const QJsonObject &opts)
{
    switch (type) {
    case ClusterRequest::ChannelInfo: {
        const QJsonObject channel{{QStringLiteral("channel"), opts.value(QLatin1String("channel"))}};
        QList<Ask> asks{{ClusterRequest::ChannelSocketsCount, channel}};
        if (ChannelName::isPresence(opts.value(QLatin1String("channel")).toString()))
            asks.append({ClusterRequest::ChannelMembers, channel});
        return asks;
    }
    case ClusterRequest::ChannelsInfo:
        return {{ClusterRequest::ChannelsWithSocketsCount, {}}};
    case ClusterRequest::UsersOnline:
        // soketi has no such question (no watchlists): the answers only say which nodes are soketi's.
        return {{ClusterRequest::SocketsCount, {}}};
    default:
        return {};
    }
}

QJsonObject SoketiQuestions::fold(ClusterRequest type, const QList<QList<QJsonObject>> &answersPerAsk)
{
    switch (type) {
    case ClusterRequest::ChannelInfo: {
        // No "since": merge() takes a part with subscribers and no stamp as the earliest.
        QJsonObject part{{QStringLiteral("count"), sumOfTotalCounts(answersPerAsk.value(0))}};
        if (answersPerAsk.size() > 1)
            part.insert(QStringLiteral("members"), membersOf(answersPerAsk.at(1)));
        return part;
    }
    case ClusterRequest::ChannelsInfo: {
        QHash<QString, qint64> counts;
        for (const QJsonObject &a : answersPerAsk.value(0))
            for (const QJsonValue &entry : a.value(QLatin1String("channelsWithSocketsCount")).toArray())
                counts[entry.toArray().at(0).toString()] += entry.toArray().at(1).toInteger();
        QJsonObject channels;
        QJsonArray presence;
        for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
            channels.insert(it.key(), QJsonObject{{QStringLiteral("count"), it.value()}});
            if (it.value() > 0 && ChannelName::isPresence(it.key()))
                presence.append(it.key());
        }
        return {{QStringLiteral("channels"), channels}, {presenceWithoutMembersKey, presence}};
    }
    default:
        return {};
    }
}

QStringList SoketiQuestions::presenceWithoutMembers(const QJsonObject &answer)
{
    QStringList names;
    for (const QJsonValue &name : answer.value(presenceWithoutMembersKey).toArray())
        names.append(name.toString());
    return names;
}

} // namespace qsoketi
