// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <utility>

#include <QJsonObject>
#include <QList>

#include "adapter/ClusterRequest.h"

namespace qsoketi {

// How a soketi 1.6 node's part of one of qsoketi's own questions (types 100+) is obtained. soketi does
// not answer types it does not know (its request switch has no default), so in a cluster with soketi
// nodes the question goes out together with soketi-typed requests ("asks") that soketi answers in its
// own shapes; the soketi nodes' answers to them are folded into one answer in the question's shape.
// soketi answers never carry a `uuid` (qsoketi's always do): that is how the adapter tells them apart.
class SoketiQuestions
{
public:
    using Ask = std::pair<ClusterRequest, QJsonObject>; // type, opts
    // Empty for the types soketi answers itself (1-9). Never empty for 100+: even a question soketi has
    // no equivalent for gets one cheap ask, whose answers tell which nodes are soketi's (none to wait for).
    static QList<Ask> asksFor(ClusterRequest type, const QJsonObject &opts);
    // The soketi nodes' answers, one list per ask in asksFor() order, as one answer to `type`.
    static QJsonObject fold(ClusterRequest type, const QList<QList<QJsonObject>> &answersPerAsk);
    // The presence channels a folded ChannelsInfo answer lists without members (soketi has no request
    // for all channels' members): ask ChannelInfo for those that matter.
    static QStringList presenceWithoutMembers(const QJsonObject &answer);
};

} // namespace qsoketi
