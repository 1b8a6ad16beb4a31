// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A soketi 1.6 node as the other nodes of a Redis cluster see it, over raw RESP: it subscribes to the
// request and response channels (so PUBSUB NUMSUB counts it) and answers soketi's request types 1-9 in
// soketi's shapes — `{requestId, …}`, never a uuid — from a scripted state; like soketi it ignores the
// types it does not know. Requests it sees are recorded. As an observer (PSUBSCRIBE, which NUMSUB does
// not count) it only records the requests the nodes send.
#include <QHash>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QTcpSocket>
#include <QTest>

#include "RedisTestServer.h"

namespace qsoketi::test {

class FakeSoketiNode final : public QObject
{
public:
    // Members of one presence channel (user id → info) and subscriptions per channel.
    QHash<QString, QJsonObject> members;
    QHash<QString, qint64> sockets;
    QList<QJsonObject> requests;

    bool start(quint16 redisPort, const QByteArray &prefix, bool observeOnly = false)
    {
        m_observeOnly = observeOnly;
        m_requestChannel = prefix + "#redis-adapter#comms#req";
        m_responseChannel = prefix + "#redis-adapter#comms#res";
        connect(&m_sub, &QTcpSocket::readyRead, this, [this] { onPushed(); });
        connect(&m_pub, &QTcpSocket::readyRead, this, [this] { m_pub.readAll(); });
        m_sub.connectToHost(QHostAddress::LocalHost, redisPort);
        m_pub.connectToHost(QHostAddress::LocalHost, redisPort);
        if (!m_sub.waitForConnected(2000) || !m_pub.waitForConnected(2000))
            return false;
        if (observeOnly)
            m_sub.write(RedisTestServer::resp({"PSUBSCRIBE", m_requestChannel}));
        else
            m_sub.write(RedisTestServer::resp({"SUBSCRIBE", m_requestChannel, m_responseChannel}));
        return QTest::qWaitFor([this, observeOnly] { return m_subscribed >= (observeOnly ? 1 : 2); }, 2000);
    }
    void stop()
    {
        m_sub.abort();
        m_pub.abort();
    }

private:
    // One complete RESP array of bulk strings / integers at the front of m_buffer, or false.
    bool takeArray(QList<QByteArray> &out)
    {
        out.clear();
        qsizetype eol = m_buffer.indexOf("\r\n");
        if (eol < 0 || !m_buffer.startsWith('*'))
            return false;
        const int n = m_buffer.mid(1, eol - 1).toInt();
        qsizetype at = eol + 2;
        for (int i = 0; i < n; ++i) {
            eol = m_buffer.indexOf("\r\n", at);
            if (eol < 0)
                return false;
            if (m_buffer.at(at) == ':') {
                out.append(m_buffer.mid(at + 1, eol - at - 1));
                at = eol + 2;
                continue;
            }
            const qsizetype length = m_buffer.mid(at + 1, eol - at - 1).toLongLong();
            if (eol + 2 + length + 2 > m_buffer.size())
                return false;
            out.append(m_buffer.mid(eol + 2, length));
            at = eol + 2 + length + 2;
        }
        m_buffer.remove(0, at);
        return true;
    }
    void onPushed()
    {
        m_buffer += m_sub.readAll();
        QList<QByteArray> push;
        while (takeArray(push)) {
            if (push.value(0) == "subscribe" || push.value(0) == "psubscribe")
                ++m_subscribed;
            else if (push.value(0) == "pmessage")
                requests.append(QJsonDocument::fromJson(push.value(3)).object());
            else if (push.value(0) == "message" && push.value(1) == m_requestChannel)
                answer(QJsonDocument::fromJson(push.value(2)).object());
        }
    }
    void answer(const QJsonObject &request)
    {
        requests.append(request);
        const QString channel =
            request.value(QStringLiteral("opts")).toObject().value(QStringLiteral("channel")).toString();
        QJsonObject response{{QStringLiteral("requestId"), request.value(QStringLiteral("requestId"))}};
        switch (request.value(QStringLiteral("type")).toInt()) {
        case 3: {
            QJsonArray list;
            if (channel.startsWith(QLatin1String("presence-")))
                for (auto it = members.cbegin(); it != members.cend(); ++it)
                    list.append(QJsonArray{it.key(), it.value()});
            response.insert(QStringLiteral("members"), list);
            break;
        }
        case 4: {
            qint64 total = 0;
            for (const qint64 n : std::as_const(sockets))
                total += n;
            response.insert(QStringLiteral("totalCount"), total);
            break;
        }
        case 5:
            response.insert(
                QStringLiteral("totalCount"), channel.startsWith(QLatin1String("presence-")) ? members.size() : 0);
            break;
        case 6:
            response.insert(QStringLiteral("totalCount"), sockets.value(channel));
            break;
        case 8: {
            QJsonArray list;
            for (auto it = sockets.cbegin(); it != sockets.cend(); ++it)
                list.append(QJsonArray{it.key(), it.value()});
            response.insert(QStringLiteral("channelsWithSocketsCount"), list);
            break;
        }
        case 1:
        case 7:
        case 9:
            break; // not needed by these tests; soketi answers 9 with {requestId} only
        default:
            return; // soketi's request switch has no default: unknown types get no answer
        }
        m_pub.write(RedisTestServer::resp(
            {"PUBLISH", m_responseChannel, QJsonDocument(response).toJson(QJsonDocument::Compact)}));
    }

    QTcpSocket m_sub;
    QTcpSocket m_pub;
    QByteArray m_buffer;
    QByteArray m_requestChannel;
    QByteArray m_responseChannel;
    int m_subscribed = 0;
    bool m_observeOnly = false;
};

} // namespace qsoketi::test
