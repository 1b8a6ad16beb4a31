// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

class QAbstractSocket;

namespace qsoketi {

// Keeps one WebSocket from holding the event loop: each readyRead of its TCP socket carries at most
// bytesPerRead new bytes. QtWebSockets handles every complete frame buffered in one readyRead, and an
// unbounded QTcpSocket reads all the kernel holds (megabytes on loopback), so a client flooding client
// events kept the loop for seconds and REST publishes waited 0.5-2.4 s (issue 12). The bound is Qt's read
// buffer size, moved after every read to what QtWebSockets left (a partial frame) plus bytesPerRead:
// frames larger than the step still arrive, bytesPerRead more per loop iteration.
class SocketReadPacer
{
public:
    static constexpr qint64 bytesPerRead = 16 * 1024;

    // Before the upgrade: the handshake (already buffered) plus one step.
    static void limit(QAbstractSocket *socket);
    // Once its QWebSocket reads it. QWebSocket connects its frame processing to readyRead directly when
    // it is created, so the connection made here runs after it, when only a partial frame is left.
    static void pace(QAbstractSocket *socket);
};

} // namespace qsoketi
