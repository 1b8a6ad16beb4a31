// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/SocketBuffers.h"

#include <QAbstractSocket>
#include <QtCore/private/qiodevice_p.h>

namespace qsoketi {

namespace {

QIODevicePrivate *devicePrivate(QAbstractSocket *socket)
{
    return static_cast<QIODevicePrivate *>(QObjectPrivate::get(socket));
}

} // namespace

void SocketBuffers::useSmallChunks(QAbstractSocket *socket)
{
    QIODevicePrivate *d = devicePrivate(socket);
    for (QRingBuffer &buffer : d->readBuffers)
        buffer.setChunkSize(smallChunkSize);
    for (QRingBuffer &buffer : d->writeBuffers)
        buffer.setChunkSize(smallChunkSize);
}

void SocketBuffers::releaseDrained(QAbstractSocket *socket)
{
    QIODevicePrivate *d = devicePrivate(socket);
    // An empty buffer's one chunk still holds its allocation; clear() drops it (a later write allocates a
    // small chunk again).
    for (QRingBuffer &buffer : d->readBuffers) {
        if (buffer.isEmpty())
            buffer.clear();
    }
    for (QRingBuffer &buffer : d->writeBuffers) {
        if (buffer.isEmpty())
            buffer.clear();
    }
}

void SocketBuffers::putBack(QAbstractSocket *socket, QByteArray bytes)
{
    if (bytes.isEmpty())
        return;
    QIODevicePrivate *d = devicePrivate(socket);
    if (d->currentReadChannel < d->readBuffers.size() && d->readBuffers[d->currentReadChannel].isEmpty()) {
        d->readBuffers[d->currentReadChannel].append(std::move(bytes));
        return;
    }
    for (qsizetype i = bytes.size(); i-- > 0;)
        socket->ungetChar(bytes.at(i));
}

int SocketBuffers::readChunkSize(QAbstractSocket *socket)
{
    QIODevicePrivate *d = devicePrivate(socket);
    return d->readBuffers.isEmpty() ? 0 : d->readBuffers.first().chunkSize();
}

} // namespace qsoketi
