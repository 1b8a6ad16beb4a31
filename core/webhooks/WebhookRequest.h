// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <QTimer>
#include <QUrl>

class QTcpSocket;

namespace qsoketi {

// One webhook POST on its own connection (HTTP/1.1, "Connection: close", TLS for https with the system's
// certificate authorities), asynchronous on the calling thread. Own connections rather than
// QNetworkAccessManager's pool, whose 6 connections per host:port a hanging endpoint fills: then every
// other webhook on that host — another app's too — would wait behind it. soketi (Node's default agent)
// also opens a connection per webhook. Only the status line is read: the endpoint's body is not needed.
class WebhookRequest final : public QObject
{
    Q_OBJECT

public:
    struct Result
    {
        int status = 0; // 0: no answer (error says why)
        QString error;
    };

    WebhookRequest(const QUrl &url, const QList<QPair<QByteArray, QByteArray>> &headers, const QByteArray &body,
        int timeoutMs, QObject *parent = nullptr);
    ~WebhookRequest() override;

    void start();
    // Stops without emitting finished.
    void abort();

    static constexpr qsizetype maxHeadBytes = 64 * 1024;

signals:
    // Exactly once, unless aborted.
    void finished(const qsoketi::WebhookRequest::Result &result);

private:
    void send();
    void onReadyRead();
    void finish(int status, const QString &error);

    QUrl m_url;
    QByteArray m_request;
    QByteArray m_head;
    QTcpSocket *m_socket = nullptr; // child
    QTimer m_timeout;
    int m_timeoutMs;
    bool m_done = false;
};

} // namespace qsoketi
