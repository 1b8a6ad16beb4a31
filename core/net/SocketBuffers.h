// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

class QAbstractSocket;

namespace qsoketi {

// Shrinks what an idle socket's Qt buffers keep. QIODevice's ring buffers keep one chunk of their
// basic block size (16 KiB read, 32 KiB write) for good once used; with a 1 KiB basic block, larger
// chunks are freed as soon as they drain, which saves ~3 KiB RSS per idle connection (measured, see
// docs/benchmarks.md). Qt has no public API for it: this is the one place that uses QIODevicePrivate.
// A leaf under net/: both the HTTP side (rest/) and the WebSocket side (server/) use it.
class SocketBuffers
{
public:
    static constexpr int smallChunkSize = 1024;
    static void useSmallChunks(QAbstractSocket *socket);
    // Frees the chunk an empty ring buffer keeps for reuse (Qt keeps the last drained chunk for good: the
    // upgrade request pushed back for QtWebSockets and its handshake answer leave ~4.5 KiB per socket).
    // Buffers holding data are left alone.
    static void releaseDrained(QAbstractSocket *socket);
    static int readChunkSize(QAbstractSocket *socket);
    // Puts bytes back in front of what the socket's read buffer holds. Into an empty buffer they go as
    // they are (shared, no copy), and their chunk is freed as soon as they are read; ungetChar() would
    // leave a chunk behind on every socket, and in a burst of connections those chunks end up as holes
    // between the long-lived objects that malloc cannot give back.
    static void putBack(QAbstractSocket *socket, QByteArray bytes);
};

} // namespace qsoketi
