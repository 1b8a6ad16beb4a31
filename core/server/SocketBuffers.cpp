// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/SocketBuffers.h"

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

int SocketBuffers::readChunkSize(QAbstractSocket *socket)
{
    QIODevicePrivate *d = devicePrivate(socket);
    return d->readBuffers.isEmpty() ? 0 : d->readBuffers.first().chunkSize();
}

} // namespace qsoketi
