// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <limits>
#include <memory>
#include <unordered_map>

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include "channels/Channel.h"

namespace qsoketi {

// One node's leave webhooks of a channel still held by its LeaveDelay.
struct PendingLeaves
{
    bool vacated = false;
    QStringList members; // users with a held member_removed
};

// A channel as the whole cluster sees it: subscriptions summed over the nodes, presence members
// united by user id (a user connected to two nodes is one member: soketi summed per-node counts).
struct ClusterChannel
{
    qint64 subscriptionCount = 0;
    PresenceMembers members; // PresenceMember::connections is not meaningful here
    // Leave webhooks some node holds for this channel (LeaveDelay): a channel occupied or a member joining
    // now is coming back, and nobody sends occupied / member_added for it.
    bool vacatedPending = false;
    QSet<QString> removalsPending;
    // The earliest Channel::occupiedSinceUs of the other nodes that have subscribers (0 from a node that
    // does not say): a node sends channel_occupied only when its own subscribers came first, so two nodes
    // whose first subscribers arrive together neither both keep quiet nor both send.
    qint64 othersOccupiedSinceUs = std::numeric_limits<qint64>::max();
    // The other nodes' ChannelTransitions: when the last of them emptied the channel, the earliest join in
    // progress and the latest departure of each user (absent: never, or not said by that node).
    qint64 othersEmptiedAtUs = 0;
    QHash<QString, qint64> othersJoiningUs;
    QHash<QString, qint64> othersLeftAtUs;

    // One node's part, as sent in an answer. withInfo = false sends user ids only.
    static QJsonObject encode(const Channel &channel, bool withInfo);
    void merge(const QJsonObject &part);
    void addLocal(const Channel &channel);
    void addPending(const PendingLeaves &pending);
    // Adds a node's held leaves to its answer ("leaving": {"vacated", "members"}); nothing when none.
    static void encodePending(QJsonObject &part, const PendingLeaves &pending);
    // {"presence":{"ids","hash","count"}} over the merged members.
    QByteArray presenceData() const;

    // Channel listing answers: {channels: {name: part}}.
    static QJsonObject encodeAll(const std::unordered_map<QString, std::unique_ptr<Channel>> &channels);
    static void mergeAll(QHash<QString, ClusterChannel> &into, const QJsonObject &answer);
};

} // namespace qsoketi
