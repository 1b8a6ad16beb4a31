// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/SoketiAnswers.h"

#include <QJsonArray>

#include "channels/AppState.h"
#include "channels/Channel.h"
#include "server/Connection.h"

namespace qsoketi {

namespace {

QJsonArray socketIdsOf(const Channel &channel)
{
    QJsonArray ids;
    for (const Connection *c : channel.subscribers())
        ids.append(c->socketId());
    return ids;
}

} // namespace

QJsonObject SoketiAnswers::answer(const AppState &app, ClusterRequest type, const QJsonObject &opts)
{
    const QString name = opts.value(QLatin1String("channel")).toString();
    const Channel *channel = name.isEmpty() ? nullptr : app.channel(name);
    switch (type) {
    case ClusterRequest::Channels: {
        QJsonArray channels;
        for (const auto &[channelName, ch] : app.channels())
            channels.append(QJsonArray{channelName, socketIdsOf(*ch)});
        return {{QStringLiteral("channels"), channels}};
    }
    case ClusterRequest::ChannelMembers: {
        QJsonArray members;
        if (channel) {
            for (auto it = channel->members().cbegin(); it != channel->members().cend(); ++it)
                members.append(QJsonArray{it.key(), it->info});
        }
        return {{QStringLiteral("members"), members}};
    }
    case ClusterRequest::ChannelMembersCount:
        return {{QStringLiteral("totalCount"), channel ? qint64(channel->members().size()) : 0}};
    case ClusterRequest::ChannelSocketsCount:
        return {{QStringLiteral("totalCount"), channel ? qint64(channel->subscriptionCount()) : 0}};
    case ClusterRequest::SocketExistsInChannel: {
        const QString socketId = opts.value(QLatin1String("wsId")).toString();
        bool exists = false;
        if (channel) {
            for (const Connection *c : channel->subscribers())
                exists = exists || c->socketId() == socketId;
        }
        return {{QStringLiteral("exists"), exists}};
    }
    case ClusterRequest::ChannelsWithSocketsCount: {
        QJsonArray counts;
        for (const auto &[channelName, ch] : app.channels())
            counts.append(QJsonArray{channelName, qint64(ch->subscriptionCount())});
        return {{QStringLiteral("channelsWithSocketsCount"), counts}};
    }
    default:
        return {};
    }
}

} // namespace qsoketi
