// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonValue>
#include <QList>
#include <QString>

#include "protocol/ChannelName.h"

namespace qsoketi {

class AppStates;

// A plain-value reading of this node's apps, channels and presence members, for the dashboard: the
// window reads values, never live server objects (which may live on another thread). Channels are
// sorted by name and capped per app; members are sorted by user id.
struct ChannelsSnapshot
{
    struct Member
    {
        QString userId;
        QJsonValue info;
        int connections = 0;
    };
    struct ChannelEntry
    {
        QString name;
        ChannelName::Type type = ChannelName::Type::Public;
        bool cache = false;
        qint64 subscriptionCount = 0;
        QList<Member> members; // presence channels
    };
    struct AppEntry
    {
        QString appId;
        int connections = 0;
        qsizetype channelCount = 0; // all of them, also those past the cap
        QList<ChannelEntry> channels;
    };

    QList<AppEntry> apps; // sorted by app id

    static ChannelsSnapshot take(const AppStates &states, int maxChannelsPerApp);
    // Adds another worker's snapshot: connections and subscriptions summed, channels and members
    // united (a user on two workers is one member with both connections), still capped per app.
    void merge(const ChannelsSnapshot &other, int maxChannelsPerApp);
};

} // namespace qsoketi
