// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>

#include <QByteArray>
#include <QObject>
#include <QTimer>

#include "rest/HttpRequest.h"

class QTcpSocket;

namespace qsoketi {

// One TCP connection on the main port before it is known what it is: reads HTTP/1.1 requests
// (keep-alive, Content-Length bodies) and hands WebSocket upgrades over untouched.
class HttpSession : public QObject
{
    Q_OBJECT

public:
    // The handler answers through the responder, now or later (cluster queries); the session reads
    // no further request until then.
    using Responder = std::function<void(const HttpResponse &)>;
    using RequestHandler = std::function<void(const HttpRequest &, const Responder &)>;
    using UpgradeHandler = std::function<void(QTcpSocket *)>;

    HttpSession(
        QTcpSocket *socket, qint64 maxBodyBytes, RequestHandler onRequest, UpgradeHandler onUpgrade, QObject *parent);

    static constexpr qsizetype maxHeaderBytes = 16 * 1024;
    static constexpr int idleTimeoutMs = 30000;

private:
    void onReadyRead();
    bool parseHead(const QByteArray &head);
    void respond(const HttpResponse &response, bool close);
    void fail(int status, const QString &message);

    QTcpSocket *m_socket; // owned (child) until handed over as a WebSocket
    qint64 m_maxBodyBytes;
    RequestHandler m_onRequest;
    UpgradeHandler m_onUpgrade;
    QTimer m_idleTimer;
    HttpRequest m_request;
    qint64 m_bodyRemaining = -1; // -1: reading the head
    bool m_keepAlive = true;
    bool m_upgrade = false;
    bool m_waiting = false; // a deferred response is outstanding
    bool m_inHandler = false;
};

} // namespace qsoketi
