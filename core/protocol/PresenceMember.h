// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QJsonValue>
#include <QString>

namespace qsoketi {

// A presence member: one user, however many of its connections are subscribed.
struct PresenceMember
{
    QJsonValue id; // user_id as the client sent it (string or number)
    QJsonValue info; // user_info
    int connections = 0; // this user's connections subscribed to the channel (on the nodes counted)
};

// Members of one presence channel by user id (the id as a string).
using PresenceMembers = QHash<QString, PresenceMember>;

} // namespace qsoketi
