// SPDX-License-Identifier: GPL-3.0-or-later
#include "logging/LogText.h"

#include <QDebug>

namespace qsoketi {

QString LogText::quoted(const QString &text)
{
    QString out;
    QDebug(&out).nospace() << text;
    return out;
}

QString LogText::quoted(const QByteArray &text)
{
    QString out;
    QDebug(&out).nospace() << text;
    return out;
}

} // namespace qsoketi
