// SPDX-License-Identifier: GPL-3.0-or-later
#include "adapter/RemoteMembers.h"

#include <QJsonDocument>
#include <QJsonObject>

#include "protocol/ChannelName.h"

namespace qsoketi {

namespace {

// Cannot appear in an app id or a channel name.
constexpr QChar kSeparator = QChar(0x1f);

} // namespace

QString RemoteMembers::keyOf(const QString &appId, const QString &channel, const QString &userId)
{
    return appId + kSeparator + channel + kSeparator + userId;
}

void RemoteMembers::observe(
    const QString &node, const QString &appId, const QString &channel, const QByteArray &message)
{
    if (!ChannelName::isPresence(channel) || !message.contains("pusher_internal:member_"))
        return;
    const QJsonObject o = QJsonDocument::fromJson(message).object();
    const QString event = o.value(QLatin1String("event")).toString();
    const bool added = event == QLatin1String("pusher_internal:member_added");
    if (!added && event != QLatin1String("pusher_internal:member_removed"))
        return;
    const QJsonValue id = QJsonDocument::fromJson(o.value(QLatin1String("data")).toString().toUtf8())
                              .object()
                              .value(QLatin1String("user_id"));
    const QString userId = id.isString() ? id.toString() : id.toVariant().toString();
    if (userId.isEmpty())
        return;
    const QString key = keyOf(appId, channel, userId);
    forget(key);
    if (added) {
        m_announcer.insert(key, node);
        m_byNode[node].insert(key);
    }
}

void RemoteMembers::forget(const QString &key)
{
    const auto it = m_announcer.find(key);
    if (it == m_announcer.end())
        return;
    const auto keys = m_byNode.find(it.value());
    if (keys != m_byNode.end()) {
        keys->remove(key);
        if (keys->isEmpty())
            m_byNode.erase(keys);
    }
    m_announcer.erase(it);
}

QList<RemoteMembers::LostChannel> RemoteMembers::take(const QString &node)
{
    QHash<QString, LostChannel> byChannel;
    const QSet<QString> keys = m_byNode.take(node);
    for (const QString &key : keys) {
        m_announcer.remove(key);
        // App ids and channel names never hold the separator; a user id might.
        const qsizetype first = key.indexOf(kSeparator);
        const qsizetype second = key.indexOf(kSeparator, first + 1);
        LostChannel &lost = byChannel[key.left(second)];
        lost.appId = key.left(first);
        lost.channel = key.mid(first + 1, second - first - 1);
        lost.userIds.append(key.mid(second + 1));
    }
    return byChannel.values();
}

} // namespace qsoketi
