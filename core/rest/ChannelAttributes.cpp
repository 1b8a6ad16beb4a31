// SPDX-License-Identifier: GPL-3.0-or-later
#include "rest/ChannelAttributes.h"

#include "channels/ClusterChannel.h"
#include "protocol/ChannelName.h"

namespace qsoketi {

namespace {

const QString subscriptionCount = QStringLiteral("subscription_count");
const QString userCount = QStringLiteral("user_count");

} // namespace

QJsonObject ChannelAttributes::listed(const QString &name, const ClusterChannel &channel, bool withUserCount)
{
    QJsonObject attributes{{subscriptionCount, channel.subscriptionCount}, {QStringLiteral("occupied"), true}};
    if (withUserCount && ChannelName::isPresence(name))
        attributes.insert(userCount, qint64(channel.members.size()));
    return attributes;
}

QJsonObject ChannelAttributes::single(const QString &name, const ClusterChannel &channel)
{
    QJsonObject attributes{
        {subscriptionCount, channel.subscriptionCount}, {QStringLiteral("occupied"), channel.subscriptionCount > 0}};
    if (ChannelName::isPresence(name))
        attributes.insert(userCount, qint64(channel.members.size()));
    return attributes;
}

QJsonObject ChannelAttributes::requested(
    const QString &name, const ClusterChannel &channel, const QStringList &attributes)
{
    QJsonObject result;
    if (attributes.contains(subscriptionCount))
        result.insert(subscriptionCount, channel.subscriptionCount);
    if (attributes.contains(userCount) && ChannelName::isPresence(name))
        result.insert(userCount, qint64(channel.members.size()));
    return result;
}

QJsonArray ChannelAttributes::users(const ClusterChannel &channel)
{
    QJsonArray users;
    for (const PresenceMember &member : channel.members)
        users.append(QJsonObject{{QStringLiteral("id"), member.id}});
    return users;
}

} // namespace qsoketi
