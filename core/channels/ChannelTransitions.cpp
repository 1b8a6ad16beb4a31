// SPDX-License-Identifier: GPL-3.0-or-later
#include "channels/ChannelTransitions.h"

#include <chrono>

namespace qsoketi {

namespace {

// Only what happened this recently is told: the question comes right after the asker's own change, so a
// change that matters is concurrent with it. An older stamp would be compared with another node's clock
// for nothing (a node whose clock runs ahead would otherwise silence member_removed for the skew).
constexpr qint64 recentUs = 5'000'000;
constexpr qint64 keptUs = 4 * recentUs;

} // namespace

qint64 ChannelTransitions::nowUs()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

ChannelTransitions::Record &ChannelTransitions::touch(const QString &channel, qint64 atUs)
{
    if (atUs >= m_nextSweepUs)
        forgetOld(atUs);
    Record &r = m_records[channel];
    r.touchedUs = atUs;
    return r;
}

void ChannelTransitions::forgetOld(qint64 nowUs)
{
    m_nextSweepUs = nowUs + keptUs / 4;
    m_records.removeIf([nowUs](const auto &it) {
        // A join still in progress keeps its record: it ends (either way) within the requests timeout.
        return nowUs - it.value().touchedUs > keptUs && it.value().joining.isEmpty();
    });
}

void ChannelTransitions::emptied(const QString &channel, qint64 atUs)
{
    touch(channel, atUs).emptiedAtUs = atUs;
}

void ChannelTransitions::occupied(const QString &channel)
{
    const auto it = m_records.find(channel);
    if (it != m_records.end())
        it->emptiedAtUs = 0;
}

qint64 ChannelTransitions::emptiedAtUs(const QString &channel) const
{
    const auto it = m_records.constFind(channel);
    return it == m_records.cend() ? 0 : it->emptiedAtUs;
}

void ChannelTransitions::joinBegan(const QString &channel, const QString &userId, qint64 atUs)
{
    Record &r = touch(channel, atUs);
    r.left.remove(userId);
    const auto it = r.joining.constFind(userId);
    if (it == r.joining.cend() || *it > atUs)
        r.joining.insert(userId, atUs);
}

void ChannelTransitions::joinEnded(const QString &channel, const QString &userId, qint64 atUs)
{
    const auto it = m_records.find(channel);
    if (it == m_records.end())
        return;
    const auto join = it->joining.find(userId);
    // Another join of the same user that began earlier is still in progress: it keeps the stamp.
    if (join != it->joining.end() && *join >= atUs)
        it->joining.erase(join);
}

void ChannelTransitions::memberLeft(const QString &channel, const QString &userId, qint64 atUs)
{
    touch(channel, atUs).left.insert(userId, atUs);
}

void ChannelTransitions::encode(const QString &channel, QJsonObject &part) const
{
    const auto it = m_records.constFind(channel);
    if (it == m_records.cend())
        return;
    const qint64 since = nowUs() - recentUs;
    if (it->emptiedAtUs > since)
        part.insert(QStringLiteral("emptied"), it->emptiedAtUs); // < 2^53 µs: exact in JSON
    const auto stamps = [](const QHash<QString, qint64> &from, qint64 after) {
        QJsonObject out;
        for (auto s = from.cbegin(); s != from.cend(); ++s)
            if (s.value() > after)
                out.insert(s.key(), s.value());
        return out;
    };
    // A join in progress is told whatever its age: it ends within the requests timeout.
    if (!it->joining.isEmpty())
        part.insert(QStringLiteral("joining"), stamps(it->joining, 0));
    if (const QJsonObject left = stamps(it->left, since); !left.isEmpty())
        part.insert(QStringLiteral("left"), left);
}

} // namespace qsoketi
