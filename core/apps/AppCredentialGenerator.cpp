// SPDX-License-Identifier: GPL-3.0-or-later
#include "apps/AppCredentialGenerator.h"

#include <QByteArray>
#include <QRandomGenerator>

namespace qsoketi {

namespace {

QString randomHex(int bytes)
{
    QByteArray data(bytes, Qt::Uninitialized);
    for (char &c : data) {
        c = char(QRandomGenerator::system()->bounded(256));
    }
    return QString::fromLatin1(data.toHex());
}

} // namespace

QString AppCredentialGenerator::id()
{
    return QString::number(QRandomGenerator::system()->bounded(100000000, 1000000000));
}

QString AppCredentialGenerator::key()
{
    return randomHex(10);
}

QString AppCredentialGenerator::secret()
{
    return randomHex(16);
}

} // namespace qsoketi
