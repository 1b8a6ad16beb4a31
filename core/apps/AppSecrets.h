// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArrayList>

#include "apps/App.h"

namespace qsoketi {

// The secrets that sign valid requests for an app right now: its secret and, during the grace period of a
// rotation (`qsoketi apps rotate-secret --grace`), the one it replaced. HTTP API signatures and channel
// authorizations are checked against each; webhooks are signed with the current secret only.
class AppSecrets final
{
public:
    static QByteArrayList accepted(const App &app, qint64 nowMs);
};

} // namespace qsoketi
