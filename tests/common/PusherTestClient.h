// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A WebSocket client for socket-level tests: records every Pusher message it receives and signs
// subscriptions and sign-ins like an app back end with the default app (app-key / app-secret).
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>
#include <QWebSocket>

#include "auth/HmacSigner.h"

namespace qsoketi {

class PusherTestClient : public QObject
{
public:
    explicit PusherTestClient(quint16 port, const QString &key = QStringLiteral("app-key"))
    {
        connect(&socket, &QWebSocket::textMessageReceived, this,
            [this](const QString &text) { messages.append(QJsonDocument::fromJson(text.toUtf8()).object()); });
        connect(&socket, &QWebSocket::disconnected, this, [this] { closed = true; });
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
    int count(const QString &event) const
    {
        int n = 0;
        for (const QJsonObject &m : messages)
            n += m.value(QStringLiteral("event")).toString() == event;
        return n;
    }
    QJsonObject dataOf(const QString &event, const QString &channel = {}) const
    {
        return QJsonDocument::fromJson(find(event, channel).value(QStringLiteral("data")).toString().toUtf8()).object();
    }
    bool established() const { return has(QStringLiteral("pusher:connection_established")); }
    QString socketId() const
    {
        return dataOf(QStringLiteral("pusher:connection_established")).value(QStringLiteral("socket_id")).toString();
    }
    void send(const QJsonObject &message)
    {
        socket.sendTextMessage(QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact)));
    }
    void subscribe(const QString &channel, const QString &channelData = {})
    {
        QJsonObject data{{QStringLiteral("channel"), channel}};
        if (!channel.startsWith(QLatin1String("private-")) && !channel.startsWith(QLatin1String("presence-"))) {
        } else if (channelData.isEmpty()) {
            data.insert(QStringLiteral("auth"), sign(socketId() + QLatin1Char(':') + channel));
        } else {
            data.insert(
                QStringLiteral("auth"), sign(socketId() + QLatin1Char(':') + channel + QLatin1Char(':') + channelData));
            data.insert(QStringLiteral("channel_data"), channelData);
        }
        send({{QStringLiteral("event"), QStringLiteral("pusher:subscribe")}, {QStringLiteral("data"), data}});
    }
    // Sends exactly the auth given (to test wrong or missing signatures).
    void subscribeWithAuth(const QString &channel, const QString &auth, const QString &channelData = {})
    {
        QJsonObject data{{QStringLiteral("channel"), channel}, {QStringLiteral("auth"), auth}};
        if (!channelData.isEmpty())
            data.insert(QStringLiteral("channel_data"), channelData);
        send({{QStringLiteral("event"), QStringLiteral("pusher:subscribe")}, {QStringLiteral("data"), data}});
    }
    void signin(const QString &userId, const QStringList &watchlist = {})
    {
        const QString userData =
            QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("id"), userId},
                                                {QStringLiteral("watchlist"), QJsonArray::fromStringList(watchlist)}})
                                  .toJson(QJsonDocument::Compact));
        send({{QStringLiteral("event"), QStringLiteral("pusher:signin")},
            {QStringLiteral("data"),
                QJsonObject{{QStringLiteral("user_data"), userData},
                    {QStringLiteral("auth"), sign(socketId() + QStringLiteral("::user::") + userData)}}}});
    }
    static QString sign(const QString &message)
    {
        return QStringLiteral("app-key:") + QString::fromLatin1(HmacSigner::sign("app-secret", message.toUtf8()));
    }

    QWebSocket socket;
    QList<QJsonObject> messages;
    bool closed = false;
};

} // namespace qsoketi
