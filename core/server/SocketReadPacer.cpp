// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/SocketReadPacer.h"

#include <QAbstractSocket>

namespace qsoketi {

void SocketReadPacer::limit(QAbstractSocket *socket)
{
    // 0 would mean unbounded: a step is always left, so a partial frame never fills the buffer for good.
    socket->setReadBufferSize(socket->bytesAvailable() + bytesPerRead);
}

void SocketReadPacer::pace(QAbstractSocket *socket)
{
    QObject::connect(socket, &QAbstractSocket::readyRead, socket, [socket] { limit(socket); });
    limit(socket); // frames that arrived before this connection was made
}

} // namespace qsoketi
