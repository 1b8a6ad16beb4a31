// SPDX-License-Identifier: GPL-3.0-or-later
#include "server/HttpSession.h"

#include <QPointer>
#include <QTcpSocket>
#include <QUrl>
#include <QUrlQuery>

#include "logging/LogCategories.h"

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

} // namespace

HttpSession::HttpSession(
    QTcpSocket *socket, qint64 maxBodyBytes, RequestHandler onRequest, UpgradeHandler onUpgrade, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_maxBodyBytes(maxBodyBytes)
    , m_onRequest(std::move(onRequest))
    , m_onUpgrade(std::move(onUpgrade))
{
    m_socket->setParent(this);
    m_idleTimer.setSingleShot(true);
    m_idleTimer.setInterval(idleTimeoutMs);
    connect(&m_idleTimer, &QTimer::timeout, this, [this] { m_socket->abort(); });
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpSession::onReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, &QObject::deleteLater);
    m_idleTimer.start();
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &HttpSession::onReadyRead, Qt::QueuedConnection);
}

void HttpSession::onReadyRead()
{
    if (m_waiting)
        return;
    m_idleTimer.start();
    while (m_socket && m_socket->state() == QAbstractSocket::ConnectedState) {
        if (m_bodyRemaining < 0) {
            // Peek, do not read: if this is a WebSocket upgrade, QtWebSockets must see the whole request.
            const QByteArray peeked = m_socket->peek(maxHeaderBytes + 4);
            const qsizetype end = peeked.indexOf("\r\n\r\n");
            if (end < 0) {
                if (peeked.size() > maxHeaderBytes)
                    fail(431, QStringLiteral("The request headers are too large."));
                return;
            }
            if (!parseHead(peeked.first(end)))
                return;
            if (m_upgrade) {
                m_idleTimer.stop();
                disconnect(m_socket, nullptr, this, nullptr);
                QTcpSocket *socket = m_socket;
                m_socket = nullptr;
                socket->setParent(nullptr);
                m_onUpgrade(socket);
                deleteLater();
                return;
            }
            m_socket->skip(end + 4);
            if (m_bodyRemaining > m_maxBodyBytes)
                return fail(413, QStringLiteral("The payload size is too big."));
        }
        if (m_bodyRemaining > 0) {
            const QByteArray chunk = m_socket->read(m_bodyRemaining);
            m_request.body.append(chunk);
            m_bodyRemaining -= chunk.size();
            if (m_bodyRemaining > 0)
                return;
        }
        m_bodyRemaining = -1;
        const HttpRequest request = std::move(m_request);
        m_request = HttpRequest{};
        m_waiting = true;
        m_inHandler = true;
        const QPointer<HttpSession> self(this);
        const bool close = !m_keepAlive;
        m_onRequest(request, [self, close](const HttpResponse &response) {
            if (!self || !self->m_waiting || !self->m_socket)
                return;
            self->m_waiting = false;
            self->respond(response, close);
            if (!self->m_inHandler) // deferred: read what the client pipelined meanwhile
                QMetaObject::invokeMethod(self.data(), &HttpSession::onReadyRead, Qt::QueuedConnection);
        });
        m_inHandler = false;
        if (m_waiting || !m_keepAlive || m_socket->bytesAvailable() == 0)
            return;
    }
}

bool HttpSession::parseHead(const QByteArray &head)
{
    const QList<QByteArray> lines = head.split('\n');
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    if (requestLine.size() != 3 || !requestLine[2].startsWith("HTTP/1.")) {
        fail(400, QStringLiteral("The request line is not HTTP/1.x."));
        return false;
    }
    m_request.method = requestLine[0].toUpper();
    const QByteArray target = requestLine[1];
    const qsizetype q = target.indexOf('?');
    m_request.rawPath = q < 0 ? target : target.first(q);
    m_request.path = QUrl::fromPercentEncoding(m_request.rawPath);
    if (q >= 0) {
        const QUrlQuery query(QString::fromUtf8(target.mid(q + 1)));
        for (const auto &[k, v] : query.queryItems(QUrl::FullyDecoded))
            m_request.query.append({k, v});
    }
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray &line = lines[i];
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        m_request.headers.insert(line.first(colon).trimmed().toLower(), line.mid(colon + 1).trimmed());
    }
    const QByteArray connection = m_request.headers.value("connection").toLower();
    m_keepAlive = requestLine[2] == "HTTP/1.1" ? !connection.contains("close") : connection.contains("keep-alive");
    m_upgrade = m_request.headers.value("upgrade").toLower() == "websocket";
    if (m_request.headers.contains("transfer-encoding")) {
        fail(411, QStringLiteral("Chunked request bodies are not supported: send a Content-Length."));
        return false;
    }
    bool ok = true;
    const QByteArray length = m_request.headers.value("content-length", "0");
    m_bodyRemaining = length.toLongLong(&ok);
    if (!ok || m_bodyRemaining < 0) {
        fail(400, QStringLiteral("Invalid Content-Length."));
        return false;
    }
    return true;
}

void HttpSession::respond(const HttpResponse &response, bool close)
{
    QByteArray out;
    out.reserve(512 + response.body.size());
    out.append("HTTP/1.1 ");
    out.append(QByteArray::number(response.status));
    out.append(' ');
    out.append(HttpResponse::reasonPhrase(response.status));
    out.append("\r\nContent-Type: ");
    out.append(response.contentType);
    out.append("\r\nContent-Length: ");
    out.append(QByteArray::number(response.body.size()));
    out.append(close ? "\r\nConnection: close" : "\r\nConnection: keep-alive");
    for (const auto &[name, value] : corsHeaders()) {
        out.append("\r\n");
        out.append(name);
        out.append(": ");
        out.append(value);
    }
    for (const auto &[name, value] : response.headers) {
        out.append("\r\n");
        out.append(name);
        out.append(": ");
        out.append(value);
    }
    out.append("\r\n\r\n");
    out.append(response.body);
    m_socket->write(out);
    if (close)
        m_socket->disconnectFromHost();
}

void HttpSession::fail(int status, const QString &message)
{
    m_keepAlive = false;
    respond(HttpResponse::error(status, message), true);
}

} // namespace qsoketi
