// SPDX-License-Identifier: GPL-3.0-or-later
#include "auth/HmacSigner.h"

#include <QMessageAuthenticationCode>

namespace qsoketi {

QByteArray HmacSigner::sign(QByteArrayView secret, QByteArrayView message)
{
    QMessageAuthenticationCode mac(QCryptographicHash::Sha256, secret.toByteArray());
    mac.addData(message.data(), message.size());
    return mac.result().toHex();
}

bool HmacSigner::equal(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

bool HmacSigner::verifyAuth(QByteArrayView auth, QByteArrayView key, QByteArrayView secret, QByteArrayView message)
{
    const qsizetype colon = auth.indexOf(':');
    if (colon < 0)
        return false;
    // Compare the key part too, but always compute the signature so timing does not depend on it.
    const bool keyMatches = equal(auth.first(colon), key);
    const bool signatureMatches = equal(auth.sliced(colon + 1), sign(secret, message));
    return keyMatches && signatureMatches;
}

} // namespace qsoketi
