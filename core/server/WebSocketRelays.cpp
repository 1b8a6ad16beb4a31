// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/WebSocketRelays.h"

#include <QTcpSocket>
#include <QWebSocket>

namespace qsoketi {

int WebSocketRelays::dropUnused(QWebSocket *socket, QTcpSocket *tcp)
{
    int dropped = 0;
    dropped += QObject::disconnect(
        tcp, &QAbstractSocket::errorOccurred, socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error));
    dropped += QObject::disconnect(
        tcp, &QAbstractSocket::proxyAuthenticationRequired, socket, &QWebSocket::proxyAuthenticationRequired);
    dropped += QObject::disconnect(tcp, &QIODevice::readChannelFinished, socket, &QWebSocket::readChannelFinished);
    dropped += QObject::disconnect(tcp, &QIODevice::aboutToClose, socket, &QWebSocket::aboutToClose);
    dropped += QObject::disconnect(tcp, &QIODevice::bytesWritten, socket, &QWebSocket::bytesWritten);
    // The frame parser (a private class, named by its signals) relays every frame; messages are what the
    // server reads.
    for (QObject *child : socket->children()) {
        if (qstrcmp(child->metaObject()->className(), "QWebSocketDataProcessor") != 0)
            continue;
        dropped += QObject::disconnect(child, SIGNAL(textFrameReceived(QString, bool)), socket, nullptr);
        dropped += QObject::disconnect(child, SIGNAL(binaryFrameReceived(QByteArray, bool)), socket, nullptr);
    }
    return dropped;
}

} // namespace qsoketi
