// SPDX-License-Identifier: GPL-3.0-or-later
#include "webhooks/WebhookRequest.h"

#include <QSslSocket>
#include <QTcpSocket>

namespace qsoketi {

WebhookRequest::WebhookRequest(const QUrl &url, const QList<QPair<QByteArray, QByteArray>> &headers,
    const QByteArray &body, int timeoutMs, QObject *parent)
    : QObject(parent)
    , m_url(url)
    , m_timeoutMs(timeoutMs)
{
    QByteArray target = url.path(QUrl::FullyEncoded).toUtf8();
    if (target.isEmpty())
        target = "/";
    if (url.hasQuery())
        target += '?' + url.query(QUrl::FullyEncoded).toUtf8();
    QByteArray host = url.host(QUrl::FullyEncoded).toUtf8();
    if (host.contains(':'))
        host = '[' + host + ']'; // an IPv6 literal
    if (url.port() != -1)
        host += ':' + QByteArray::number(url.port());
    m_request = "POST " + target + " HTTP/1.1\r\nHost: " + host
        + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\nConnection: close\r\n";
    if (!url.userInfo().isEmpty()) // credentials in the URL, as Node's http client sends them
        m_request += "Authorization: Basic " + url.userInfo(QUrl::FullyDecoded).toUtf8().toBase64() + "\r\n";
    for (const auto &[name, value] : headers)
        m_request += name + ": " + value + "\r\n"; // WebhookTarget refused CR, LF and NUL in both
    m_request += "\r\n" + body;
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this,
        [this] { finish(0, QStringLiteral("no answer within %1 ms").arg(m_timeoutMs)); });
}

WebhookRequest::~WebhookRequest() = default;

void WebhookRequest::start()
{
    const bool tls = m_url.scheme() == QLatin1String("https");
    if (tls) {
        auto *ssl = new QSslSocket(this);
        m_socket = ssl;
        connect(ssl, &QSslSocket::encrypted, this, &WebhookRequest::send);
    } else {
        m_socket = new QTcpSocket(this);
        connect(m_socket, &QTcpSocket::connected, this, &WebhookRequest::send);
    }
    connect(m_socket, &QTcpSocket::readyRead, this, &WebhookRequest::onReadyRead);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        finish(0,
            error == QAbstractSocket::RemoteHostClosedError ? QStringLiteral("connection closed without an answer")
                                                            : m_socket->errorString());
    });
    connect(m_socket, &QTcpSocket::disconnected, this,
        [this] { finish(0, QStringLiteral("connection closed without an answer")); });
    m_timeout.start(m_timeoutMs);
    const quint16 port = quint16(m_url.port(tls ? 443 : 80));
    if (tls)
        static_cast<QSslSocket *>(m_socket)->connectToHostEncrypted(m_url.host(), port);
    else
        m_socket->connectToHost(m_url.host(), port);
}

void WebhookRequest::send()
{
    m_socket->write(m_request);
}

void WebhookRequest::onReadyRead()
{
    m_head += m_socket->readAll();
    for (;;) {
        const qsizetype end = m_head.indexOf("\r\n\r\n");
        if (end < 0) {
            if (m_head.size() > maxHeadBytes)
                finish(0, QStringLiteral("the answer's head is over %1 bytes").arg(maxHeadBytes));
            return;
        }
        // "HTTP/1.1 200 OK": the status is the second word.
        const QByteArray statusLine = m_head.left(m_head.indexOf("\r\n"));
        const QList<QByteArray> words = statusLine.split(' ');
        bool ok = false;
        const int status = words.size() >= 2 && words[0].startsWith("HTTP/") ? words[1].toInt(&ok) : 0;
        if (!ok || status < 100 || status > 999)
            return finish(0, QStringLiteral("not an HTTP answer"));
        if (status < 200) { // 100 Continue and other interim answers: the real one follows
            m_head.remove(0, end + 4);
            continue;
        }
        return finish(status, {});
    }
}

void WebhookRequest::finish(int status, const QString &error)
{
    if (m_done)
        return;
    m_done = true;
    m_timeout.stop();
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
    emit finished(Result{status, error});
}

void WebhookRequest::abort()
{
    m_done = true;
    m_timeout.stop();
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

} // namespace qsoketi
