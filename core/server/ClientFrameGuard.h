// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QObject>
#include <QPointer>

class QAbstractSocket;
class QWebSocket;

namespace qsoketi {

// What QtWebSockets 6.4 lets through: RFC 6455 §5.1 says a server MUST close the connection when a client
// frame is not masked (1002, protocol error); QWebSocket accepts such frames (issue 12). This reads the
// header of every frame a client sends, before QtWebSockets parses it, and closes the connection with 1002
// on an unmasked one. It never changes the bytes: it peeks at what Qt buffered.
//
// It has to see each readyRead first and to know how far QtWebSockets read. QWebSocket connects its frame
// processing to readyRead (directly) when it is created; Qt calls slots in the order they were connected.
// So install() connects the check before QWebSocketServer gets the socket, and arm() (once the QWebSocket
// exists, before it read anything) connects the count of what it read, which then runs after it.
class ClientFrameGuard : public QObject
{
    Q_OBJECT

public:
    static void install(QAbstractSocket *socket);
    static void arm(QAbstractSocket *socket, QWebSocket *webSocket);

private:
    explicit ClientFrameGuard(QAbstractSocket *socket);
    void inspect();
    void afterRead();
    // Parses the next bytes of the stream; false if a frame is not masked.
    bool parse(const char *data, qint64 size);

    QAbstractSocket *m_socket; // parent
    QPointer<QWebSocket> m_webSocket; // null until armed
    qint64 m_read = 0; // stream offset QtWebSockets has read up to
    qint64 m_seen = 0; // stream offset parsed up to
    qint64 m_end = 0; // stream offset of the end of what Qt buffered
    qint64 m_payloadLeft = 0; // bytes of the current frame's payload still to come
    QByteArray m_header; // a frame header that arrived in part
};

} // namespace qsoketi
