// SPDX-License-Identifier: GPL-3.0-or-later
#include "adapter/LocalClusterView.h"

namespace qsoketi {

void LocalClusterView::askOthers(AppState &, ClusterRequest, const QJsonObject &, AnswersDone done)
{
    if (done)
        done({}); // nobody else to ask
}

} // namespace qsoketi
