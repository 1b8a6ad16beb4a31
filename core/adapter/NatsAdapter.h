// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QTimer>

#include "adapter/HorizontalAdapter.h"
#include "config/ServerConfig.h"

namespace qsoketi {

class NatsConnection;

// NATS under HorizontalAdapter (spec §8.3): soketi's subjects `<prefix#>nats-adapter`, `…#comms#req`,
// `…#comms#res`, and the same envelopes as over Redis.
//
// How many nodes answer a request: SOKETI_ADAPTER_NATS_NODES_NUMBER when set. Otherwise not soketi's
// way (CONNZ counts every client of the NATS server, so one extra client made every request wait for
// the timeout): the nodes announce themselves on `…#comms#nodes` — a hello on every (re)connect, which
// the others answer at once, a heartbeat every few seconds, a goodbye on shutdown — and a node that
// stops announcing is forgotten after three heartbeats.
class NatsAdapter final : public HorizontalAdapter
{
    Q_OBJECT

public:
    NatsAdapter(const AdapterConfig &config, MetricsRegistry &metrics, QObject *parent = nullptr);
    ~NatsAdapter() override;

    void start() override;
    bool isReady() const override;
    // The other nodes this node knows of now.
    int knownPeers() const { return int(m_peers.size()); }

    static constexpr int kHeartbeatMs = 5000;

protected:
    void sendBroadcast(const QByteArray &body) override;
    void sendRequest(const QByteArray &body) override;
    void sendResponse(const QByteArray &body) override;
    void countOtherNodes(const QString &requestId) override;

private:
    void onMessage(const QByteArray &subject, const QByteArray &payload);
    void onNodes(const QByteArray &payload);
    void announce(const QString &kind);
    void heartbeat();

    const AdapterConfig &m_config;
    QByteArray m_broadcastSubject;
    QByteArray m_requestSubject;
    QByteArray m_responseSubject;
    QByteArray m_nodesSubject;
    NatsConnection *m_connection; // child
    QHash<QString, qint64> m_peers; // uuid → last heard (m_clock ms)
    QElapsedTimer m_clock;
    QTimer m_heartbeat;
};

} // namespace qsoketi
