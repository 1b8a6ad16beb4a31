// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace qsoketi {

// Fresh credentials for `qsoketi apps add` and secret rotation, from the operating system's CSPRNG.
// Shapes follow Pusher's: a numeric app id, a 20-character hex key, a hex secret.
class AppCredentialGenerator final
{
public:
    static QString id(); // 9 digits, no leading zero
    static QString key(); // 80 bits as 20 hex digits
    static QString secret(); // 128 bits as 32 hex digits
};

} // namespace qsoketi
