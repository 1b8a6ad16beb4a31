// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonObject>

#include "adapter/ClusterRequest.h"

namespace qsoketi {

class AppState;

// This node's answers to the requests a soketi 1.6 node sends on `#comms#req` (spec §8.1), in soketi's
// field names and shapes, so that in a cluster mixing soketi and qsoketi nodes a soketi node's member
// lists, counts and channel listings include the qsoketi nodes' clients. (qsoketi's own questions carry
// more — held leaves, connections per member — and use types 100+.)
class SoketiAnswers
{
public:
    static QJsonObject answer(const AppState &app, ClusterRequest type, const QJsonObject &opts);
};

} // namespace qsoketi
