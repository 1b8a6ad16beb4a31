// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <vector>

#include <QByteArray>
#include <QHash>
#include <QJsonValue>
#include <QString>

#include "protocol/ChannelName.h"
#include "protocol/PresenceMember.h"

namespace qsoketi {

class Connection;

// One channel of one app: its subscribers (non-owning; a Connection unsubscribes before it dies),
// and presence members.
class Channel
{
public:
    explicit Channel(const QString &name);

    const QString &name() const { return m_name; }
    ChannelName::Type type() const { return m_type; }
    bool isPresence() const { return m_type == ChannelName::Type::Presence; }
    bool isCache() const { return m_cache; }

    // O(1) add and remove; iteration order is unspecified.
    bool add(Connection *connection);
    bool remove(Connection *connection);
    // Out of line, like every use of m_index: a translation unit that sees Connection complete (a
    // QObject) may hash the pointer differently from one that only has the forward declaration
    // (Qt 6.4 then picks qHash(const T &, seed), which is qHash(key) ^ seed, not qHash(key, seed)).
    bool contains(Connection *connection) const;
    const std::vector<Connection *> &subscribers() const { return m_subscribers; }
    qsizetype subscriptionCount() const { return qsizetype(m_subscribers.size()); }
    // When the first of the current subscribers came (µs since the epoch): nodes whose first subscribers
    // come at the same moment compare these to agree on which one sends channel_occupied.
    qint64 occupiedSinceUs() const { return m_occupiedSinceUs; }

    // Presence. addMember returns true when the user was not a member before.
    bool addMember(const QString &userId, const QJsonValue &id, const QJsonValue &info);
    // Returns true when the user's last connection left.
    bool removeMember(const QString &userId);
    const PresenceMembers &members() const { return m_members; }
    bool hasMember(const QString &userId) const { return m_members.contains(userId); }
    QByteArray presenceData() const; // JSON of {"presence":{"ids":[…],"hash":{…},"count":N}}

private:
    QString m_name;
    ChannelName::Type m_type;
    bool m_cache;
    std::vector<Connection *> m_subscribers;
    QHash<Connection *, size_t> m_index;
    PresenceMembers m_members;
    qint64 m_occupiedSinceUs = 0;
};

} // namespace qsoketi
