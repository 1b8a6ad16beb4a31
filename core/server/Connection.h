// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <utility>
#include <vector>

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>

#include "channels/RateLimiter.h"

class QTcpSocket;
class QWebSocket;

namespace qsoketi {

class AppState;
class Channel;

// One WebSocket client. QtWebSockets parses its frames; outgoing Pusher messages are framed by the
// server (once per broadcast) and written straight to the TCP socket underneath.
class Connection : public QObject
{
    Q_OBJECT

public:
    Connection(QWebSocket *socket, QTcpSocket *tcp, QString socketId, QObject *parent);
    ~Connection() override;

    const QString &socketId() const { return m_socketId; }
    QWebSocket *webSocket() const { return m_socket; }
    QTcpSocket *tcpSocket() const { return m_tcp; }

    // Writes a complete frame. Returns false (and schedules a close) when the client reads too slowly:
    // more than maxBufferedBytes are already waiting to be sent.
    bool writeFrame(const QByteArray &frame, qint64 maxBufferedBytes);
    void closeWith(int code, const QString &reason);
    bool isClosing() const { return m_closing; }
    // False once the server has let go of the connection (it is deleted later): answers that arrive
    // after that (cluster queries) must not touch it.
    bool isAttached() const { return m_attached; }
    void detach() { m_attached = false; }

    AppState *appState = nullptr; // null until the app key is accepted
    struct Subscription
    {
        Channel *channel;
        QString presenceUserId; // the user id this connection joined a presence channel with
    };
    // A connection holds few subscriptions: a vector costs far less per idle connection than a hash.
    std::vector<Subscription> subscriptions;
    Subscription *subscription(QStringView channelName);
    void removeSubscription(const Channel *channel);
    // Empties the list in one step (teardown stays linear in the number of subscriptions).
    std::vector<Subscription> takeSubscriptions() { return std::exchange(subscriptions, {}); }
    QString userId; // signed-in user, empty if none
    QStringList watchlist;
    qint64 lastReceivedMs = 0;
    qint64 pingSentMs = 0; // 0 = no server ping outstanding
    qint64 signinDeadlineMs = 0; // 0 = no sign-in required
    RateLimiter clientEvents;
    QString remoteAddress;
    // The handshake's socket buffers were given back once the first frames had gone out.
    bool buffersSettled = false;

private:
    QWebSocket *m_socket; // owned: child of this
    QTcpSocket *m_tcp; // owned by m_socket
    QString m_socketId;
    bool m_closing = false;
    bool m_dropping = false; // aborted as a slow reader: no lingering close
    bool m_attached = true;
    bool m_directWrite; // plain TCP: frames may go straight to the kernel (never under TLS)
};

} // namespace qsoketi
