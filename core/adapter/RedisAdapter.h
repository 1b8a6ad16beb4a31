// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

#include "adapter/HorizontalAdapter.h"
#include "config/ServerConfig.h"

struct redisReply;

namespace qsoketi {

class RedisConnection;

// Redis pub/sub under HorizontalAdapter (spec §8.2): broadcasts on `<prefix#>redis-adapter`, requests on
// `…#comms#req`, answers on `…#comms#res`; the other nodes are PUBSUB NUMSUB of the request channel − 1
// (so soketi nodes on the same Redis count too). qsoketi nodes also announce themselves on
// `…#comms#nodes` (HorizontalAdapter), which soketi ignores.
// Two connections (publish/commands and subscribe); nothing blocks, connection loss only makes the
// node local until Redis is back.
class RedisAdapter final : public HorizontalAdapter
{
    Q_OBJECT

public:
    RedisAdapter(const AdapterConfig &config, MetricsRegistry &metrics, QObject *parent = nullptr);
    ~RedisAdapter() override;

    void start() override;
    // Both connections up and subscribed.
    bool isReady() const override;

protected:
    void sendBroadcast(const QByteArray &body) override;
    void sendRequest(const QByteArray &body) override;
    void sendResponse(const QByteArray &body) override;
    void countOtherNodes(const QString &requestId) override;
    void sendNodes(const QByteArray &body) override;

private:
    void subscribe();
    void onPushed(redisReply *reply);
    void publishOn(const QByteArray &channel, const QByteArray &body);

    QByteArray m_broadcastChannel;
    QByteArray m_requestChannel;
    QByteArray m_responseChannel;
    QByteArray m_nodesChannel;
    RedisConnection *m_pub; // child
    RedisConnection *m_sub; // child
    bool m_subscribed = false;
};

} // namespace qsoketi
