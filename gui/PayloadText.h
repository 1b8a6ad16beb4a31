// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

namespace qsoketi {

// How the console shows a payload: Pusher's `data` is usually a JSON string holding JSON, so one level of
// string is unwrapped and the JSON inside shown as JSON — never as an escaped string.
class PayloadText
{
public:
    // Payloads above this many bytes are shown raw in the list: parsing them on every paint would cost.
    static constexpr int maxDecodedBytes = 16 * 1024;

    // One line for a table cell: compact JSON (unwrapped), or the text as it is.
    static QString compact(const QByteArray &payload, int maxChars = 200);
    // Indented JSON for the inspector (unwrapped), or the text as it is.
    static QString pretty(const QByteArray &payload);
    // The JSON inside a JSON string, or the payload itself when it is not one.
    static QByteArray unwrapped(const QByteArray &payload);
};

} // namespace qsoketi
