// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/Connection.h"

#include <QTcpSocket>
#include <QWebSocket>

namespace qsoketi {

Connection::Connection(QWebSocket *socket, QTcpSocket *tcp, QString socketId, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_tcp(tcp)
    , m_socketId(std::move(socketId))
{
    m_socket->setParent(this);
}

Connection::~Connection() = default;

bool Connection::writeFrame(const QByteArray &frame, qint64 maxBufferedBytes)
{
    if (m_closing)
        return false;
    if (m_tcp->bytesToWrite() > maxBufferedBytes) {
        // A slow reader: stop queueing for it. The close is deferred because the caller may be
        // iterating over the subscribers of a channel this connection belongs to.
        m_closing = true;
        QMetaObject::invokeMethod(
            this, [this] { m_socket->close(QWebSocketProtocol::CloseCode(4100), QStringLiteral("Slow consumer")); },
            Qt::QueuedConnection);
        return false;
    }
    m_tcp->write(frame);
    return true;
}

void Connection::closeWith(int code, const QString &reason)
{
    if (m_closing)
        return;
    m_closing = true;
    m_socket->close(QWebSocketProtocol::CloseCode(code), reason);
}

} // namespace qsoketi
