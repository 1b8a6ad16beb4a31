// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the dashboard tests: a real ServerCore on ephemeral loopback ports and a recording
// Pusher WebSocket client.
#pragma once

#include <memory>

#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QUrl>
#include <QWebSocket>

#include "ServerCore.h"
#include "auth/HmacSigner.h"

namespace qsoketi::test {

inline std::unique_ptr<ServerCore> startCore(
    bool metricsEnabled = true, bool portInName = false, bool clientMessages = true)
{
    ServerConfig config;
    config.host = QStringLiteral("127.0.0.1");
    config.port = 0;
    config.metrics.enabled = metricsEnabled;
    config.metrics.host = QStringLiteral("127.0.0.1");
    config.metrics.port = 0;
    config.metrics.portInName = portInName;
    config.shutdownGracePeriodMs = 100;
    config.apps[0].enableClientMessages = clientMessages;
    config.maxChannelsPerConnection = -1; // the load tests put thousands of channels on one connection
    App second;
    second.id = QStringLiteral("second");
    second.key = QStringLiteral("second-key");
    second.secret = QStringLiteral("second-secret");
    config.apps << second;
    auto core = std::make_unique<ServerCore>(config);
    QString error;
    if (!core->start(&error))
        qFatal("ServerCore::start failed: %s", qPrintable(error));
    return core;
}

class Client : public QObject
{
public:
    explicit Client(quint16 port, const QString &key = QStringLiteral("app-key"))
    {
        connect(&socket, &QWebSocket::textMessageReceived, this,
            [this](const QString &text) { messages.append(QJsonDocument::fromJson(text.toUtf8()).object()); });
        socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/app/%2?protocol=7").arg(port).arg(key)));
    }
    QJsonObject find(const QString &event, const QString &channel = {}) const
    {
        for (const QJsonObject &m : messages)
            if (m.value(QStringLiteral("event")).toString() == event
                && (channel.isEmpty() || m.value(QStringLiteral("channel")).toString() == channel))
                return m;
        return {};
    }
    bool has(const QString &event, const QString &channel = {}) const { return !find(event, channel).isEmpty(); }
    bool established() const { return has(QStringLiteral("pusher:connection_established")); }
    QString socketId() const
    {
        return QJsonDocument::fromJson(
            find(QStringLiteral("pusher:connection_established")).value(QStringLiteral("data")).toString().toUtf8())
            .object()
            .value(QStringLiteral("socket_id"))
            .toString();
    }
    void send(const QJsonObject &message)
    {
        socket.sendTextMessage(QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact)));
    }
    void subscribe(const QString &channel, const QString &auth = {}, const QString &channelData = {})
    {
        QJsonObject data{{QStringLiteral("channel"), channel}};
        if (!auth.isEmpty())
            data.insert(QStringLiteral("auth"), auth);
        if (!channelData.isEmpty())
            data.insert(QStringLiteral("channel_data"), channelData);
        send({{QStringLiteral("event"), QStringLiteral("pusher:subscribe")}, {QStringLiteral("data"), data}});
    }
    // Signs like an app back end would (key app-key, secret app-secret).
    void subscribePresence(const QString &channel, const QString &channelData)
    {
        const QString message = socketId() + QLatin1Char(':') + channel + QLatin1Char(':') + channelData;
        subscribe(channel,
            QStringLiteral("app-key:") + QString::fromLatin1(HmacSigner::sign("app-secret", message.toUtf8())),
            channelData);
    }

    QWebSocket socket;
    QList<QJsonObject> messages;
};

} // namespace qsoketi::test
