// SPDX-License-Identifier: GPL-3.0-or-later
#include "adapter/NatsAdapter.h"

#include <QJsonDocument>
#include <QJsonObject>

#include "adapter/NatsConnection.h"
#include "logging/LogCategories.h"

namespace qsoketi {

NatsAdapter::NatsAdapter(const AdapterConfig &config, MetricsRegistry &metrics, QObject *parent)
    : HorizontalAdapter(config.natsRequestsTimeoutMs, metrics, parent)
    , m_config(config)
{
    const QByteArray prefix = config.natsPrefix.isEmpty() ? QByteArray() : config.natsPrefix.toUtf8() + '#';
    m_broadcastSubject = prefix + "nats-adapter";
    m_requestSubject = m_broadcastSubject + "#comms#req";
    m_responseSubject = m_broadcastSubject + "#comms#res";
    m_nodesSubject = m_broadcastSubject + "#comms#nodes";
    m_connection =
        new NatsConnection(config, {m_broadcastSubject, m_requestSubject, m_responseSubject, m_nodesSubject}, this);
    connect(m_connection, &NatsConnection::message, this, &NatsAdapter::onMessage);
    connect(m_connection, &NatsConnection::readyChanged, this, [this](bool ready) {
        if (ready) {
            qCInfo(lcServer).noquote() << "nats adapter ready, node" << uuid() << "on" << m_broadcastSubject;
            announce(QStringLiteral("hello")); // the others answer at once
        } else {
            m_peers.clear(); // they will be heard again after the reconnect
        }
        emit readyChanged();
    });
    m_clock.start();
    m_heartbeat.setInterval(kHeartbeatMs);
    connect(&m_heartbeat, &QTimer::timeout, this, &NatsAdapter::heartbeat);
}

NatsAdapter::~NatsAdapter()
{
    // The others stop waiting for this node's answers now rather than after three heartbeats.
    if (isReady())
        announce(QStringLiteral("bye"));
}

void NatsAdapter::start()
{
    m_connection->open();
    m_heartbeat.start();
}

bool NatsAdapter::isReady() const
{
    return m_connection->isReady();
}

void NatsAdapter::onMessage(const QByteArray &subject, const QByteArray &payload)
{
    if (subject == m_broadcastSubject)
        onBroadcast(payload);
    else if (subject == m_requestSubject)
        onRequest(payload);
    else if (subject == m_responseSubject)
        onResponse(payload);
    else if (subject == m_nodesSubject)
        onNodes(payload);
}

void NatsAdapter::sendBroadcast(const QByteArray &body)
{
    m_connection->publish(m_broadcastSubject, body);
}

void NatsAdapter::sendRequest(const QByteArray &body)
{
    m_connection->publish(m_requestSubject, body);
}

void NatsAdapter::sendResponse(const QByteArray &body)
{
    m_connection->publish(m_responseSubject, body);
}

void NatsAdapter::countOtherNodes(const QString &requestId)
{
    expectAnswers(requestId, m_config.natsNodesNumber > 0 ? m_config.natsNodesNumber - 1 : int(m_peers.size()));
}

void NatsAdapter::announce(const QString &kind)
{
    const QJsonObject o{{QStringLiteral("uuid"), uuid()}, {QStringLiteral("kind"), kind}};
    m_connection->publish(m_nodesSubject, QJsonDocument(o).toJson(QJsonDocument::Compact));
}

void NatsAdapter::onNodes(const QByteArray &payload)
{
    const QJsonObject o = QJsonDocument::fromJson(payload).object();
    const QString node = o.value(QLatin1String("uuid")).toString();
    const QString kind = o.value(QLatin1String("kind")).toString();
    if (node.isEmpty() || node == uuid())
        return;
    if (kind == QLatin1String("bye")) {
        m_peers.remove(node);
        return;
    }
    if (!m_peers.contains(node))
        qCDebug(lcServer).noquote() << "nats adapter: node" << node << "joined";
    m_peers.insert(node, m_clock.elapsed());
    if (kind == QLatin1String("hello"))
        announce(QStringLiteral("here"));
}

void NatsAdapter::heartbeat()
{
    if (!isReady())
        return;
    announce(QStringLiteral("here"));
    const qint64 cutoff = m_clock.elapsed() - 3 * kHeartbeatMs;
    for (auto it = m_peers.begin(); it != m_peers.end();) {
        if (it.value() < cutoff) {
            qCInfo(lcServer).noquote() << "nats adapter: node" << it.key()
                                       << "stopped announcing itself; no longer waiting for its answers";
            it = m_peers.erase(it);
        } else {
            ++it;
        }
    }
}

} // namespace qsoketi
