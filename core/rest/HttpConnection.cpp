// SPDX-License-Identifier: GPL-3.0-or-later
#include "rest/HttpConnection.h"

#include <QPointer>
#include <QSslSocket>
#include <QTcpSocket>

#include "net/SocketBuffers.h"
#include "rest/BodyBudget.h"
#include "rest/UpgradeRequest.h"

#include <sys/socket.h>

namespace qsoketi {

namespace {

// CORS as soketi sends it on every API and health response.
const QList<QPair<QByteArray, QByteArray>> &corsHeaders()
{
    static const QList<QPair<QByteArray, QByteArray>> headers{
        {"Access-Control-Allow-Origin", "*"},
        {"Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS"},
        {"Access-Control-Allow-Headers",
            "Origin, Content-Type, X-Auth-Token, X-Requested-With, Accept, Authorization, X-CSRF-TOKEN, XSRF-TOKEN, "
            "X-Socket-Id"},
    };
    return headers;
}

void appendHeader(QByteArray &out, QByteArrayView name, QByteArrayView value)
{
    out.append("\r\n");
    out.append(name);
    out.append(": ");
    out.append(value);
}

} // namespace

HttpConnection::HttpConnection(QTcpSocket *socket, Options options, Handlers handlers, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_options(std::move(options))
    , m_handlers(std::move(handlers))
    , m_parser(m_options.limits)
{
    m_socket->setParent(this);
    m_socket->setReadBufferSize(m_options.readBufferBytes);
    m_idleTimer.setSingleShot(true);
    m_idleTimer.setInterval(m_options.idleTimeoutMs);
    connect(&m_idleTimer, &QTimer::timeout, this, [this] { m_socket->abort(); });
    m_headerTimer.setSingleShot(true);
    m_headerTimer.setInterval(m_options.headerTimeoutMs);
    connect(&m_headerTimer, &QTimer::timeout, this,
        [this] { fail(408, QStringLiteral("The request head did not arrive in time.")); });
    m_lingerTimer.setSingleShot(true);
    m_lingerTimer.setInterval(m_options.lingerTimeoutMs);
    connect(&m_lingerTimer, &QTimer::timeout, this, [this] { m_socket->abort(); });
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &HttpConnection::onBytesWritten);
    if (auto *tls = qobject_cast<QSslSocket *>(m_socket))
        connect(tls, &QSslSocket::encryptedBytesWritten, this, &HttpConnection::onBytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, &QObject::deleteLater);
    m_idleTimer.start();
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &HttpConnection::process, Qt::QueuedConnection);
}

HttpConnection::~HttpConnection()
{
    releaseBody();
}

bool HttpConnection::isWebSocketPath(QStringView path, QStringView prefix)
{
    if (!path.startsWith(prefix))
        return false;
    const QStringView rest = path.sliced(prefix.size());
    if (!rest.startsWith(u"/app/"))
        return false;
    const QStringView key = rest.sliced(5);
    return !key.isEmpty() && !key.contains(u'/');
}

qint64 HttpConnection::pendingOutputBytes() const
{
    // A TLS socket encrypts at once and queues the ciphertext on its plain socket: count both.
    const auto *tls = qobject_cast<const QSslSocket *>(m_socket);
    return m_socket->bytesToWrite() + (tls ? tls->encryptedBytesToWrite() : 0);
}

void HttpConnection::onReadyRead()
{
    if (m_state == State::Closing) {
        m_socket->skip(m_socket->bytesAvailable()); // lingering: discard, never hold
        return;
    }
    process();
}

void HttpConnection::onBytesWritten()
{
    if (m_state == State::Closing) {
        if (pendingOutputBytes() == 0)
            shutdownWrite();
        return;
    }
    m_idleTimer.start(); // the client reads: that is activity too
    if (m_pausedForOutput && pendingOutputBytes() <= m_options.maxPendingOutputBytes) {
        m_pausedForOutput = false;
        process();
    }
}

void HttpConnection::process()
{
    // Re-entered when an answer written inside the loop emits bytesWritten: the outer loop goes on.
    if (m_state != State::Reading || m_inProcess)
        return;
    m_inProcess = true;
    const QPointer<HttpConnection> self(this);
    bool more = true;
    while (more && m_state == State::Reading) {
        if (pendingOutputBytes() > m_options.maxPendingOutputBytes) {
            // Answers pile up unread: read nothing more until they drain (onBytesWritten resumes).
            m_pausedForOutput = true;
            break;
        }
        switch (m_parser.next()) {
        case HttpRequestParser::Result::NeedMore:
            more = readSocket();
            break;
        case HttpRequestParser::Result::Head:
            more = onHead();
            break;
        case HttpRequestParser::Result::Request:
            dispatch();
            if (!self)
                return;
            break;
        case HttpRequestParser::Result::Error:
            fail(m_parser.error().status, m_parser.error().message);
            more = false;
            break;
        }
    }
    m_inProcess = false;
    syncHeaderTimer();
}

bool HttpConnection::readSocket()
{
    // Everything Qt holds (at most readBufferBytes): reading its buffer empty is what lets Qt read on.
    const qint64 available = m_socket->bytesAvailable();
    if (available <= 0)
        return false;
    m_parser.feed(m_socket->read(available));
    m_idleTimer.start();
    syncHeaderTimer();
    return true;
}

void HttpConnection::syncHeaderTimer()
{
    // Counted from the first byte of a head, not restarted by later ones; paused while this side is
    // the one holding things up (an answer outstanding or unread).
    const bool running = m_state == State::Reading && !m_pausedForOutput && m_parser.isReadingHead();
    if (!running)
        m_headerTimer.stop();
    else if (!m_headerTimer.isActive())
        m_headerTimer.start();
}

bool HttpConnection::onHead()
{
    m_headerTimer.stop();
    const HttpRequest &head = m_parser.head();
    m_answeringHead = head.method == "HEAD";
    if (m_parser.isUpgrade()) {
        if (m_handlers.upgrade && isWebSocketPath(head.path, m_options.pathPrefix)) {
            handOver();
        } else {
            respond(HttpResponse::error(404, u"Not found."), true);
        }
        return false;
    }
    if (m_handlers.precheck) {
        if (const std::optional<HttpResponse> refusal = m_handlers.precheck(head)) {
            answerEarly(*refusal);
            return m_state == State::Reading;
        }
    }
    const qint64 length = m_parser.contentLength();
    if (length > 0 && m_options.bodyBudget) {
        if (!m_options.bodyBudget->tryReserve(length)) {
            HttpResponse busy =
                HttpResponse::error(503, u"The server is reading too many request bodies at once; retry shortly.");
            busy.headers.append({QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1")});
            answerEarly(busy);
            return m_state == State::Reading;
        }
        m_reservedBodyBytes = length;
    }
    // A client that waits for leave to send its body (curl does above 1 KiB) gets it at once, not
    // after its own timeout.
    if (length > 0 && expectsContinue(head))
        m_socket->write(QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n"));
    return true;
}

bool HttpConnection::expectsContinue(const HttpRequest &head)
{
    return head.headers.value("expect").compare("100-continue", Qt::CaseInsensitive) == 0;
}

void HttpConnection::answerEarly(const HttpResponse &response)
{
    // Answered from the head: the body that follows is read and dropped, never held, and the client
    // reads this answer rather than a reset. A client that sent "Expect: 100-continue" may or may not
    // send the body now, so its connection cannot be read on: it is closed instead.
    m_parser.skipBody();
    respond(response, !m_parser.keepAlive() || expectsContinue(m_parser.head()));
}

void HttpConnection::dispatch()
{
    const HttpRequest request = m_parser.takeRequest();
    const bool close = !m_parser.keepAlive();
    const quint64 serial = ++m_serial;
    m_state = State::Waiting;
    const QPointer<HttpConnection> self(this);
    m_handlers.request(request, [self, serial, close](const HttpResponse &response) {
        if (self)
            self->onAnswer(serial, response, close);
    });
}

void HttpConnection::onAnswer(quint64 serial, const HttpResponse &response, bool close)
{
    if (m_state != State::Waiting || serial != m_serial)
        return;
    releaseBody();
    m_state = State::Reading;
    respond(response, close);
    // A deferred answer: read what the client pipelined meanwhile. (Inside process() its loop goes on.)
    if (m_state == State::Reading && !m_inProcess)
        QMetaObject::invokeMethod(this, &HttpConnection::process, Qt::QueuedConnection);
}

void HttpConnection::respond(const HttpResponse &response, bool close)
{
    QByteArray out;
    out.reserve(512 + response.body.size());
    out.append("HTTP/1.1 ");
    out.append(QByteArray::number(response.status));
    out.append(' ');
    out.append(HttpResponse::reasonPhrase(response.status));
    appendHeader(out, "Content-Type", response.contentType);
    if (response.status != 204) // a 204 has no body and must not say how long it is (RFC 9110 §8.6)
        appendHeader(out, "Content-Length", QByteArray::number(response.body.size()));
    appendHeader(out, "Connection", close ? "close" : "keep-alive");
    for (const auto &[name, value] : corsHeaders())
        appendHeader(out, name, value);
    for (const auto &[name, value] : response.headers)
        appendHeader(out, name, value);
    out.append("\r\n\r\n");
    if (!m_answeringHead) // HEAD: the length of the body a GET would get, without it
        out.append(response.body);
    m_answeringHead = false;
    m_socket->write(out);
    // Hand it to the kernel now rather than at the next write notification: a client that half-closes
    // after its request makes Qt drop the socket when it reads the EOF, with whatever was not written.
    m_socket->flush();
    if (close)
        beginClose();
}

void HttpConnection::fail(int status, const QString &message)
{
    if (m_state == State::Closing || m_state == State::HandedOver)
        return;
    respond(HttpResponse::error(status, message), true);
}

void HttpConnection::beginClose()
{
    m_state = State::Closing;
    m_idleTimer.stop();
    m_headerTimer.stop();
    releaseBody();
    m_lingerTimer.start();
    m_socket->skip(m_socket->bytesAvailable());
    if (pendingOutputBytes() == 0)
        shutdownWrite();
}

void HttpConnection::shutdownWrite()
{
    if (m_writeShut)
        return;
    m_writeShut = true;
    if (qobject_cast<QSslSocket *>(m_socket)) {
        m_socket->disconnectFromHost(); // TLS: its own close, after the ciphertext went out
        return;
    }
    // The answer is in the kernel: FIN after it, while the client's remaining bytes are still read and
    // dropped (a close with unread bytes would reset the connection and could destroy the answer).
    if (const qintptr fd = m_socket->socketDescriptor(); fd >= 0)
        ::shutdown(int(fd), SHUT_WR);
}

void HttpConnection::handOver()
{
    m_state = State::HandedOver;
    m_idleTimer.stop();
    m_headerTimer.stop();
    disconnect(m_socket, nullptr, this, nullptr);
    QTcpSocket *socket = m_socket;
    m_socket = nullptr;
    // QtWebSockets reads a frame once all of it is buffered: the HTTP read bound must not apply.
    socket->setReadBufferSize(0);
    // Put the upgrade request (and anything after it) back in front of what Qt still holds, so the
    // WebSocket server reads the handshake as sent, less the fields it would keep for nothing.
    // Moved out first: takeUnconsumed() starts the parser afresh.
    const HttpRequest head = m_parser.takeRequest();
    SocketBuffers::putBack(socket, UpgradeRequest::essential(head, m_parser.takeUnconsumed()));
    socket->setParent(nullptr);
    m_handlers.upgrade(socket);
    deleteLater();
}

void HttpConnection::releaseBody()
{
    if (m_reservedBodyBytes > 0 && m_options.bodyBudget)
        m_options.bodyBudget->release(m_reservedBodyBytes);
    m_reservedBodyBytes = 0;
}

} // namespace qsoketi
