// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

#include "adapter/HorizontalAdapter.h"
#include "config/ServerConfig.h"

namespace qsoketi {

class NatsConnection;

// NATS under HorizontalAdapter (spec §8.3): soketi's subjects `<prefix#>nats-adapter`, `…#comms#req`,
// `…#comms#res`, and the same envelopes as over Redis.
//
// How many nodes answer a request: SOKETI_ADAPTER_NATS_NODES_NUMBER when set. Otherwise not soketi's
// way (CONNZ counts every client of the NATS server, so one extra client made every request wait for
// the timeout): the nodes HorizontalAdapter hears announce themselves on `…#comms#nodes`.
class NatsAdapter final : public HorizontalAdapter
{
    Q_OBJECT

public:
    NatsAdapter(const AdapterConfig &config, MetricsRegistry &metrics, QObject *parent = nullptr);
    ~NatsAdapter() override;

    void start() override;
    bool isReady() const override;

protected:
    void sendBroadcast(const QByteArray &body) override;
    void sendRequest(const QByteArray &body) override;
    void sendResponse(const QByteArray &body) override;
    void countOtherNodes(const QString &requestId) override;
    void sendNodes(const QByteArray &body) override;

private:
    void onMessage(const QByteArray &subject, const QByteArray &payload);

    const AdapterConfig &m_config;
    QByteArray m_broadcastSubject;
    QByteArray m_requestSubject;
    QByteArray m_responseSubject;
    QByteArray m_nodesSubject;
    NatsConnection *m_connection; // child
};

} // namespace qsoketi
