// SPDX-License-Identifier: GPL-3.0-or-later
#include "apps/AppSecrets.h"

namespace qsoketi {

QByteArrayList AppSecrets::accepted(const App &app, qint64 nowMs)
{
    QByteArrayList secrets{app.secret.toUtf8()};
    if (!app.previousSecret.isEmpty() && nowMs < app.previousSecretValidUntilMs && app.previousSecret != app.secret) {
        secrets.append(app.previousSecret.toUtf8());
    }
    return secrets;
}

} // namespace qsoketi
