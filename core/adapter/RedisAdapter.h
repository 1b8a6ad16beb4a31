// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <deque>
#include <functional>

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

#include "adapter/ClusterRequest.h"
#include "config/ServerConfig.h"

struct redisReply;

namespace qsoketi {

class MetricsRegistry;
class RedisConnection;

// Horizontal scaling through Redis pub/sub (spec §8). Sockets stay local; two mechanisms make the
// nodes look like one server:
//  - broadcasts: every locally published Pusher message goes to `<prefix>#redis-adapter` as
//    {uuid, appId, channel, data: the complete message text, exceptingId}; other nodes deliver the same
//    bytes to their local subscribers;
//  - requests: {requestId, uuid, appId, type, opts} on `…#comms#req`, answered on `…#comms#res`; the
//    requester expects PUBSUB NUMSUB − 1 answers and resolves with what arrived after requestsTimeoutMs.
// Two connections (publish/commands and subscribe); nothing blocks, connection loss only makes the
// node local until Redis is back.
class RedisAdapter : public QObject
{
    Q_OBJECT

public:
    struct Hooks
    {
        // A message published on another node: deliver to local recipients.
        std::function<void(
            const QString &appId, const QString &channel, const QByteArray &message, const QString &exceptSocketId)>
            deliver;
        // This node's answer to a request of another node.
        std::function<QJsonObject(const QString &appId, ClusterRequest type, const QJsonObject &opts)> answer;
    };
    // The answers of the other nodes (this node's own part is for the caller to add).
    using Resolver = std::function<void(const QList<QJsonObject> &answers)>;

    RedisAdapter(const AdapterConfig &config, MetricsRegistry &metrics, QObject *parent = nullptr);
    ~RedisAdapter() override;

    void setHooks(Hooks hooks) { m_hooks = std::move(hooks); }
    void start();
    // Both connections up and subscribed.
    bool isReady() const;
    const QString &uuid() const { return m_uuid; }

    void publish(
        const QString &appId, const QString &channel, const QByteArray &message, const QString &exceptSocketId);
    // Asks every other node; `resolve` is always called exactly once, later (never re-entrantly),
    // unless the adapter is destroyed first.
    void request(const QString &appId, ClusterRequest type, const QJsonObject &opts, Resolver resolve);

signals:
    void readyChanged();

private:
    struct Pending
    {
        QString appId;
        int expected = -1; // -1 until PUBSUB NUMSUB answers
        QList<QJsonObject> answers;
        Resolver resolve;
        QElapsedTimer started;
    };

    void subscribe();
    void onPushed(redisReply *reply);
    void onBroadcast(const QByteArray &payload);
    void onRequest(const QByteArray &payload);
    void onResponse(const QByteArray &payload);
    void finish(const QString &requestId, bool timedOut);
    void expire();

    const AdapterConfig &m_config;
    MetricsRegistry &m_metrics;
    QString m_uuid;
    QByteArray m_broadcastChannel;
    QByteArray m_requestChannel;
    QByteArray m_responseChannel;
    RedisConnection *m_pub; // child
    RedisConnection *m_sub; // child
    bool m_subscribed = false;
    Hooks m_hooks;
    QHash<QString, Pending> m_pending;
    // Every request has the same timeout, so deadlines come in order: one timer for all of them.
    std::deque<std::pair<qint64, QString>> m_deadlines; // (steady ms, requestId)
    QElapsedTimer m_clock;
    QTimer m_expiryTimer;
};

} // namespace qsoketi
