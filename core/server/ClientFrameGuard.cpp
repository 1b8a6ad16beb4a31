// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/ClientFrameGuard.h"

#include <limits>

#include <QAbstractSocket>
#include <QWebSocket>
#include <QtEndian>

#include "logging/LogCategories.h"

namespace qsoketi {

void ClientFrameGuard::install(QAbstractSocket *socket)
{
    new ClientFrameGuard(socket);
}

ClientFrameGuard::ClientFrameGuard(QAbstractSocket *socket)
    : QObject(socket)
    , m_socket(socket)
{
    connect(socket, &QAbstractSocket::readyRead, this, &ClientFrameGuard::inspect);
}

void ClientFrameGuard::arm(QAbstractSocket *socket, QWebSocket *webSocket)
{
    auto *guard = socket->findChild<ClientFrameGuard *>(QString(), Qt::FindDirectChildrenOnly);
    if (!guard || guard->m_webSocket)
        return;
    guard->m_webSocket = webSocket;
    // What the handshake left in the buffer is the first frames: QWebSocket has not read them yet.
    guard->m_read = 0;
    guard->m_seen = 0;
    connect(socket, &QAbstractSocket::readyRead, guard, &ClientFrameGuard::afterRead);
    guard->inspect();
}

void ClientFrameGuard::afterRead()
{
    if (m_webSocket)
        m_read = m_end - m_socket->bytesAvailable();
}

void ClientFrameGuard::inspect()
{
    if (!m_webSocket)
        return; // still the handshake: QWebSocketServer reads it outside readyRead
    m_end = m_read + m_socket->bytesAvailable();
    // Inside a payload: nothing to look at until the next header.
    const qint64 skipped = qMin(m_payloadLeft, m_end - m_seen);
    m_payloadLeft -= skipped;
    m_seen += skipped;
    if (m_seen >= m_end)
        return;
    // The bytes not parsed yet are the end of what Qt holds (peek copies from the start of its buffer).
    const QByteArray buffered = m_socket->peek(m_end - m_read);
    const qint64 from = m_seen - m_read;
    if (!parse(buffered.constData() + from, buffered.size() - from)) {
        qCDebug(lcWs) << "closing a connection from" << m_socket->peerAddress().toString()
                      << "with 1002: a client frame is not masked";
        QWebSocket *webSocket = m_webSocket;
        m_webSocket = nullptr; // nothing more to check; close() drops what Qt buffered, so QWebSocket reads none of it
        webSocket->close(QWebSocketProtocol::CloseCodeProtocolError, QStringLiteral("Client frames must be masked."));
    }
}

bool ClientFrameGuard::parse(const char *data, qint64 size)
{
    const char *const end = data + size;
    while (data < end) {
        if (m_payloadLeft > 0) {
            const qint64 skip = qMin(m_payloadLeft, qint64(end - data));
            m_payloadLeft -= skip;
            data += skip;
            m_seen += skip;
            continue;
        }
        m_header.append(*data++);
        ++m_seen;
        if (m_header.size() < 2)
            continue;
        const auto second = quint8(m_header.at(1));
        if (!(second & 0x80))
            return false;
        const int lengthBytes = (second & 0x7f) == 126 ? 2 : (second & 0x7f) == 127 ? 8 : 0;
        if (m_header.size() < 2 + lengthBytes + 4) // the masking key ends the header
            continue;
        const auto *bytes = reinterpret_cast<const uchar *>(m_header.constData());
        quint64 length = second & 0x7f;
        if (lengthBytes == 2)
            length = qFromBigEndian<quint16>(bytes + 2);
        else if (lengthBytes == 8)
            length = qFromBigEndian<quint64>(bytes + 2);
        // QtWebSockets refuses frames over the size cap as soon as it reads this length (1009).
        m_payloadLeft = qint64(qMin(length, quint64(std::numeric_limits<qint64>::max())));
        m_header.clear();
    }
    return true;
}

} // namespace qsoketi
