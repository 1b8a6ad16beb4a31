// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/Connection.h"

#include <QSslSocket>
#include <QTcpSocket>
#include <QWebSocket>

#include "channels/Channel.h"
#include "logging/LogCategories.h"
#include "server/LingeringClose.h"

#include <sys/socket.h>

namespace qsoketi {

Connection::Connection(QWebSocket *socket, QTcpSocket *tcp, QString socketId, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_tcp(tcp)
    , m_socketId(std::move(socketId))
    , m_directWrite(!qobject_cast<QSslSocket *>(tcp))
{
    m_socket->setParent(this);
    // A close of ours (1009 for a message over the cap, 4xxx) must reach a client that is still sending.
    // TLS closes through its own layer; a slow client is dropped on purpose.
    if (m_directWrite) {
        connect(m_tcp, &QIODevice::aboutToClose, this, [this] {
            if (!m_dropping)
                LingeringClose::start(m_tcp, this->parent());
        });
    }
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
        m_dropping = true;
        qCWarning(lcWs,
            "dropped slow client %s: more than %lld bytes waiting to be sent; raise "
            "SOKETI_WS_MAX_BACKPRESSURE_IN_KB if clients legitimately lag",
            qPrintable(m_socketId), static_cast<long long>(maxBufferedBytes));
        // A close frame would wait behind the backlog the client is not reading, so drop the TCP
        // connection: the client sees an abnormal close and reconnects.
        QMetaObject::invokeMethod(
            this, [this] { m_tcp->abort(); }, Qt::QueuedConnection);
        return false;
    }
    // Fast path: nothing is queued in Qt's buffer, so write straight to the kernel. This saves the
    // copy into QTcpSocket's write buffer and the extra event-loop round before the bytes leave;
    // whatever the kernel does not take goes through Qt, which keeps the order.
    qsizetype offset = 0;
    if (m_directWrite && m_tcp->bytesToWrite() == 0) {
        const ssize_t n = ::send(
            int(m_tcp->socketDescriptor()), frame.constData(), size_t(frame.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0)
            offset = n;
    }
    if (offset < frame.size())
        m_tcp->write(frame.constData() + offset, frame.size() - offset);
    return true;
}

Connection::Subscription *Connection::subscription(QStringView channelName)
{
    for (Subscription &s : subscriptions)
        if (s.channel->name() == channelName)
            return &s;
    return nullptr;
}

void Connection::removeSubscription(const Channel *channel)
{
    for (auto it = subscriptions.begin(); it != subscriptions.end(); ++it) {
        if (it->channel == channel) {
            *it = std::move(subscriptions.back());
            subscriptions.pop_back();
            return;
        }
    }
}

void Connection::closeWith(int code, const QString &reason)
{
    if (m_closing)
        return;
    m_closing = true;
    m_socket->close(QWebSocketProtocol::CloseCode(code), reason);
}

} // namespace qsoketi
