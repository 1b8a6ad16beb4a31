// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

#include "rest/HttpRequest.h"

namespace qsoketi {

// The WebSocket upgrade request as handed to QtWebSockets. QWebSocket keeps the request it was opened
// with (URL, every header) for the connection's life, so cookies, user agents and the like would cost
// every idle connection its size again. Only the path (not the query) and the fields the handshake and
// the admission read are passed on (Host, Upgrade, Connection, Sec-WebSocket-Key/-Version/-Protocol, Origin), followed
// by whatever the client sent after the head (its first frames). Whatever the admission is to read from the query must
// be read here first.
class UpgradeRequest
{
public:
    // raw: the request as sent, from its request line on (HttpRequestParser::takeUnconsumed()); head: its
    // parsed head. A raw without a complete head is returned unchanged.
    static QByteArray essential(const HttpRequest &head, const QByteArray &raw);
};

} // namespace qsoketi
