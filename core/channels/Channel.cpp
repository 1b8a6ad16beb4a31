// SPDX-License-Identifier: GPL-3.0-or-later
#include "channels/Channel.h"

#include <chrono>

#include "protocol/PusherMessages.h"

namespace qsoketi {

Channel::Channel(const QString &name)
    : m_name(name)
    , m_type(ChannelName::type(name))
    , m_cache(ChannelName::isCache(name))
{}

bool Channel::add(Connection *connection)
{
    if (m_index.contains(connection))
        return false;
    if (m_subscribers.empty())
        m_occupiedSinceUs =
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
    m_index.insert(connection, m_subscribers.size());
    m_subscribers.push_back(connection);
    return true;
}

bool Channel::contains(Connection *connection) const
{
    return m_index.contains(connection);
}

bool Channel::remove(Connection *connection)
{
    const auto it = m_index.find(connection);
    if (it == m_index.end())
        return false;
    const size_t pos = *it;
    m_index.erase(it);
    Connection *last = m_subscribers.back();
    m_subscribers.pop_back();
    if (last != connection) {
        m_subscribers[pos] = last;
        m_index[last] = pos;
    }
    return true;
}

bool Channel::addMember(const QString &userId, const QJsonValue &id, const QJsonValue &info)
{
    auto it = m_members.find(userId);
    if (it != m_members.end()) {
        ++it->connections;
        it->info = info; // the newest connection's user_info wins
        return false;
    }
    m_members.insert(userId, PresenceMember{id, info, 1});
    return true;
}

bool Channel::removeMember(const QString &userId)
{
    auto it = m_members.find(userId);
    if (it == m_members.end())
        return false;
    if (--it->connections > 0)
        return false;
    m_members.erase(it);
    return true;
}

QByteArray Channel::presenceData() const
{
    return PusherMessages::presenceData(m_members);
}

} // namespace qsoketi
