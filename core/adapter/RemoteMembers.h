// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

namespace qsoketi {

// Which node announced which presence member, read from the broadcasts this node delivers: a
// `pusher_internal:member_added` from node N for (app, channel, user) is N's until a member_removed for
// it comes from anyone. When N dies without a goodbye, its entries are the members this node's clients
// may still be showing and nobody will remove (BrokerClusterView asks the cluster before removing them:
// a user on two nodes was announced by one of them only).
class RemoteMembers
{
public:
    struct LostChannel
    {
        QString appId;
        QString channel;
        QStringList userIds;
    };

    // Every broadcast of another node goes through here; only presence member events are read.
    void observe(const QString &node, const QString &appId, const QString &channel, const QByteArray &message);
    // Forgets what the node announced and returns it, by channel.
    QList<LostChannel> take(const QString &node);
    int size() const { return int(m_announcer.size()); }

private:
    static QString keyOf(const QString &appId, const QString &channel, const QString &userId);
    void forget(const QString &key);

    QHash<QString, QString> m_announcer; // key → node
    QHash<QString, QSet<QString>> m_byNode; // node → keys
};

} // namespace qsoketi
