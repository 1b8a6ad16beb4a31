// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <optional>

#include <QObject>
#include <QString>
#include <QTimer>

#include "rest/HttpRequest.h"
#include "rest/HttpRequestParser.h"
#include "rest/HttpResponse.h"

class QTcpSocket;

namespace qsoketi {

class BodyBudget;

// One TCP connection on an HTTP port before it is known what it is: answers HTTP/1.1 requests in
// order (keep-alive, pipelining, Content-Length bodies) and hands WebSocket upgrades on
// <pathPrefix>/app/{key} over untouched (any other upgrade gets 404 before the handshake). Framing is
// HttpRequestParser's; this class adds what needs a socket and a clock, so that no single client can
// hold the server's memory or a connection for long (issue 12):
//  - answers not yet written past maxPendingOutputBytes: it stops reading until they drain, and the
//    bounded socket read buffer lets the kernel push back on the client;
//  - a head is checked (precheck, body budget) before its body is read, and refused early bodies are
//    discarded as they arrive, never buffered;
//  - a head must arrive within headerTimeoutMs of its first byte (slow-loris), a quiet connection goes
//    after idleTimeoutMs;
//  - a connection closed after an error answer lingers (reading and discarding) so the client sees the
//    answer rather than a reset.
class HttpConnection : public QObject
{
    Q_OBJECT

public:
    // The handler answers through the responder, now or later (cluster queries); the connection reads no
    // further request until then. A responder called twice, or after the connection is gone, does nothing.
    using Responder = std::function<void(const HttpResponse &)>;
    using RequestHandler = std::function<void(const HttpRequest &, const Responder &)>;
    // Takes the socket (unparented, its unread bytes starting with the upgrade request).
    using UpgradeHandler = std::function<void(QTcpSocket *)>;
    // Runs once a head is parsed, before its body is read: an answer refuses the request without the body.
    using HeadCheck = std::function<std::optional<HttpResponse>(const HttpRequest &head)>;

    struct Handlers
    {
        RequestHandler request;
        UpgradeHandler upgrade; // empty: every upgrade is refused with 404 (the metrics port)
        HeadCheck precheck; // empty: every head is read on
    };

    struct Options
    {
        QString pathPrefix; // WebSockets live on <pathPrefix>/app/{key}
        HttpRequestParser::Limits limits;
        BodyBudget *bodyBudget = nullptr; // shared by the port's connections; null: no shared bound
        int idleTimeoutMs = 30000;
        int headerTimeoutMs = 10000;
        // How long a connection closed after an answer keeps discarding what the client still sends.
        int lingerTimeoutMs = 5000;
        // 256 KiB: hundreds of ordinary answers (a few hundred bytes each) and any single answer, however
        // large, is still written whole; a client that reads its answers never gets near it, and one that
        // does not costs the server at most this much plus the read buffer.
        qint64 maxPendingOutputBytes = 256 * 1024;
        // Qt's socket read buffer: once full, Qt stops reading and the kernel's window closes.
        qint64 readBufferBytes = 64 * 1024;
    };

    HttpConnection(QTcpSocket *socket, Options options, Handlers handlers, QObject *parent = nullptr);
    ~HttpConnection() override;

    // Whether `path` (percent-decoded, without the query) is <prefix>/app/{key}, with a non-empty key.
    static bool isWebSocketPath(QStringView path, QStringView prefix);

private:
    enum class State
    {
        Reading,
        Waiting,
        Closing,
        HandedOver
    };

    void onReadyRead();
    void onBytesWritten();
    void process();
    bool readSocket();
    bool onHead();
    void answerEarly(const HttpResponse &response);
    static bool expectsContinue(const HttpRequest &head);
    void dispatch();
    void onAnswer(quint64 serial, const HttpResponse &response, bool close);
    void respond(const HttpResponse &response, bool close);
    void fail(int status, const QString &message);
    void beginClose();
    void shutdownWrite();
    void handOver();
    void releaseBody();
    void syncHeaderTimer();
    qint64 pendingOutputBytes() const;

    QTcpSocket *m_socket; // owned (child) until handed over as a WebSocket
    const Options m_options;
    const Handlers m_handlers;
    HttpRequestParser m_parser;
    QTimer m_idleTimer;
    QTimer m_headerTimer;
    QTimer m_lingerTimer;
    State m_state = State::Reading;
    quint64 m_serial = 0; // of the request being answered: a stale responder is ignored
    qint64 m_reservedBodyBytes = 0; // taken from the body budget for the current request
    bool m_answeringHead = false; // the request being answered is a HEAD
    bool m_pausedForOutput = false;
    bool m_inProcess = false;
    bool m_writeShut = false;
};

} // namespace qsoketi
