// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

namespace qsoketi {

// Text from a client inside a log line: quoted, with line breaks and other control characters escaped as
// QDebug does, so one log line stays one line whatever the client sent.
class LogText
{
public:
    static QString quoted(const QString &text);
    static QString quoted(const QByteArray &text);
};

} // namespace qsoketi
