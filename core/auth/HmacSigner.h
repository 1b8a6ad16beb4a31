// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace qsoketi {

// HMAC-SHA256 as Pusher uses it: lower-case hex of HMAC(secret, message), compared in constant time.
class HmacSigner
{
public:
    static QByteArray sign(QByteArrayView secret, QByteArrayView message);
    // Constant-time for equal lengths: the time taken does not reveal where two signatures differ.
    static bool equal(QByteArrayView a, QByteArrayView b);
    // "<key>:<hex signature>" check used by channel auth and sign-in.
    static bool verifyAuth(QByteArrayView auth, QByteArrayView key, QByteArrayView secret, QByteArrayView message);
};

} // namespace qsoketi
