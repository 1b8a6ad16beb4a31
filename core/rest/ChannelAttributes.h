// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace qsoketi {

struct ClusterChannel;

// The channel attributes of Pusher's HTTP API answers (subscription_count, occupied, user_count, the
// users of a presence channel), shaped in one place from a channel as the cluster sees it.
class ChannelAttributes
{
public:
    // GET /channels: soketi always lists subscription_count and occupied; user_count when asked.
    static QJsonObject listed(const QString &name, const ClusterChannel &channel, bool withUserCount);
    // GET /channels/{name}.
    static QJsonObject single(const QString &name, const ClusterChannel &channel);
    // The `info` of a trigger: only the attributes asked for.
    static QJsonObject requested(const QString &name, const ClusterChannel &channel, const QStringList &attributes);
    // GET /channels/{name}/users.
    static QJsonArray users(const ClusterChannel &channel);
};

} // namespace qsoketi
